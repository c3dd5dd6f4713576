//! A shard whose service panics is reported and takes the others down:
//! `Running::wait` (or `start`, if it panics while starting) returns an
//! error naming the shard and the panic, and the healthy shard has been
//! shut down (its listener is gone, its connections closed): never a
//! process that quietly serves with fewer shards.

mod util;
use evloop::{Bind, Config, Ctx, Service, Shards, Token};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use util::*;

/// Echo, except that shard 1 panics when woken.
struct Fragile {
    shard: usize,
}

impl Service for Fragile {
    type Conn = ();

    fn on_open(&mut self, _ctx: &mut Ctx<'_>, _tok: Token, _peer: SocketAddr) {}

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _c: &mut (), input: &[u8]) -> usize {
        ctx.write(tok, input);
        input.len()
    }

    fn on_wake(&mut self, _ctx: &mut Ctx<'_>) {
        if self.shard == 1 {
            panic!("boom on shard {}", self.shard);
        }
    }
}

#[test]
fn a_panicking_shard_is_reported_and_the_others_shut_down() {
    let running = Shards::new(2, Config::default())
        .expect("two shards")
        .start(Bind::Tcp(loopback0()), |shard| Fragile { shard })
        .expect("start");
    let addr = running.local_addr();
    let handles = running.handles().to_vec();
    assert_eq!(handles.len(), 2);

    // Both shards serve until the panic.
    let mut conns: Vec<TcpStream> = (0..16).map(|_| connect(addr)).collect();
    for (id, c) in conns.iter_mut().enumerate() {
        let msg = format!("hello {id}");
        std::io::Write::write_all(c, msg.as_bytes()).expect("write");
        assert_eq!(read_n(c, msg.len()), msg.as_bytes());
    }

    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(running.wait());
    });
    handles[1].wake();

    // Shard 0 is shut down too: every connection is closed, whichever
    // shard it was on (closing ours lets shard 0's lingering close end).
    for c in conns.iter_mut() {
        expect_closed(c);
    }
    drop(conns);
    let result = rx
        .recv_timeout(TIMEOUT)
        .expect("wait() did not return after a shard panicked");
    let err = result.expect_err("a panicking shard must make wait() fail");

    assert_eq!(
        err.failed,
        vec![(1, "panicked: boom on shard 1".to_string())]
    );
    assert!(!err.aborted);
    let msg = err.to_string();
    assert!(
        msg.contains("shard 1 panicked: boom on shard 1"),
        "readable message: {msg}"
    );
    assert_eq!(err.summary.shards.len(), 2);

    // And nobody listens on the port any more.
    let refused = TcpStream::connect_timeout(&addr, TIMEOUT);
    assert!(refused.is_err(), "something still listens on {addr}");
}

#[test]
fn a_shard_that_panics_while_starting_fails_the_start() {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let started = Shards::new(2, Config::default())
            .expect("two shards")
            .start(Bind::Tcp(loopback0()), |shard| {
                assert!(shard != 1, "no service for shard {shard}");
                Fragile { shard }
            });
        let _ = tx.send(started.map(|running| running.local_addr()));
    });
    let result = rx
        .recv_timeout(TIMEOUT)
        .expect("start() did not return after a shard panicked");
    let err = result.expect_err("a shard that cannot start must fail the start");
    let msg = err.to_string();
    assert!(
        msg.contains("shard 1 panicked: no service for shard 1"),
        "readable message: {msg}"
    );
    assert!(msg.contains("the other shards were shut down"), "{msg}");
}
