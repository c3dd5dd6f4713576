//! `max_conns`: with N connections open, further clients are accepted and
//! closed at once (after the service's `reject_message`), counted as
//! `rejected`; once one of the N closes, a new client is served again.
mod util;
use evloop::{services::Echo, Config, Ctx, Service, Token};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use util::*;

const N: usize = 5;

/// Echo that tells refused clients why.
struct BusyEcho;

impl Service for BusyEcho {
    type Conn = ();
    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) {}
    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        ctx.write(tok, input);
        input.len()
    }
    fn reject_message(&self) -> &[u8] {
        b"busy, try later\n"
    }
}

fn config() -> Config {
    Config {
        max_conns: N,
        ..Config::default()
    }
}

#[track_caller]
fn echo_works(c: &mut TcpStream, what: &str) {
    c.write_all(what.as_bytes()).expect("write");
    assert_eq!(read_n(c, what.len()), what.as_bytes(), "echo for {what}");
}

#[test]
fn clients_over_max_conns_get_the_reject_message_then_eof() {
    let server = serve(BusyEcho, config());
    let mut kept: Vec<TcpStream> = (0..N)
        .map(|i| {
            let mut c = connect(server.addr);
            echo_works(&mut c, &format!("client {i}"));
            c
        })
        .collect();
    assert_eq!(server.handle.metrics().open_conns, N as u64);

    for extra in 1..=3u64 {
        let mut c = connect(server.addr);
        assert_eq!(read_to_eof(&mut c), b"busy, try later\n");
        wait_until("the refusal to be counted", || {
            server.handle.metrics().rejected == extra
        });
    }
    // The N admitted clients were not disturbed.
    for (i, c) in kept.iter_mut().enumerate() {
        echo_works(c, &format!("still {i}"));
    }

    // One admitted client leaves: room for one more.
    drop(kept.remove(0));
    wait_until("the departed client to be closed", || {
        server.handle.metrics().open_conns == N as u64 - 1
    });
    let mut c = connect(server.addr);
    echo_works(&mut c, "newcomer");
    let m = server.handle.metrics();
    assert_eq!(
        (m.accepted, m.rejected, m.open_conns),
        (N as u64 + 1, 3, N as u64)
    );
    // Full again: the next one is refused.
    let mut over = connect(server.addr);
    assert_eq!(read_to_eof(&mut over), b"busy, try later\n");
    drop((kept, c)); // so shutdown need not wait out the linger
    server.stop();
}

#[test]
fn without_a_reject_message_refused_clients_are_just_closed() {
    let server = serve(Echo, config());
    let mut kept: Vec<TcpStream> = (0..N).map(|_| connect(server.addr)).collect();
    wait_until("N clients to be open", || {
        server.handle.metrics().open_conns == N as u64
    });
    let mut c = connect(server.addr);
    expect_closed(&mut c);
    wait_until("the refusal to be counted", || {
        server.handle.metrics().rejected == 1
    });
    for c in &mut kept {
        echo_works(c, "served");
    }
    assert_eq!(server.handle.metrics().accepted, N as u64);
    drop(kept);
    server.stop();
}
