//! `Config::send_timeout`: an `Open` or `Paused` connection whose queued
//! output makes no progress for that long is aborted (`send_timeouts`), even
//! with `idle_timeout` off. What broke: with the idle timeout off (the
//! default), a peer that stopped reading held its socket, its slot and up to
//! `max_output` bytes for as long as it liked. A peer that reads slowly but
//! steadily is not a stalled one: the clock is write *progress*, not the
//! age of the output.
mod util;
use evloop::{services::Echo, CloseReason, Config, Ctx, Service, Token};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use util::*;

/// Far more than loopback's socket buffers hold (a few MiB), and more than
/// the slow reader below reads in its time.
const REPLY: usize = 48 << 20;

type Reasons = Arc<Mutex<Vec<String>>>;

/// Queues `REPLY` bytes as soon as a connection opens; reads nothing.
struct Push {
    reasons: Reasons,
}

impl Service for Push {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: SocketAddr) {
        assert!(ctx.write(tok, &vec![b'p'; REPLY]));
    }

    fn on_data(&mut self, _: &mut Ctx<'_>, _: Token, _: &mut (), input: &[u8]) -> usize {
        input.len()
    }

    fn on_close(&mut self, _: &mut Ctx<'_>, _: Token, _: (), reason: &CloseReason) {
        self.reasons.lock().unwrap().push(reason.to_string());
    }
}

fn config(send_timeout: Duration) -> Config {
    Config {
        send_timeout: Some(send_timeout),
        idle_timeout: None,
        max_output: REPLY,
        ..Config::default()
    }
}

#[test]
fn an_open_connection_whose_peer_never_reads_is_aborted() {
    let reasons = Reasons::default();
    let svc = Push {
        reasons: reasons.clone(),
    };
    let server = serve(svc, config(Duration::from_millis(300)));
    let c = connect(server.addr); // never reads
    wait_until("the stalled connection to be aborted", || {
        let m = server.handle.metrics();
        m.send_timeouts == 1 && m.open_conns == 0
    });
    assert_eq!(
        *reasons.lock().unwrap(),
        ["no write progress within send_timeout"]
    );
    drop(c);
    server.stop();
}

#[test]
fn a_paused_flooder_that_never_reads_is_aborted() {
    let server = serve(Echo, config(Duration::from_millis(300)));
    let mut c = connect(server.addr);
    let chunk = pattern(64 << 10);
    let mut sent = 0usize;
    // The server pauses (backpressure), our writes stall, then it drops us.
    while c.write(&chunk).is_ok() {
        sent += chunk.len();
        assert!(sent < 512 << 20, "the server never stopped reading");
    }
    wait_until("the paused connection to be aborted", || {
        let m = server.handle.metrics();
        m.send_timeouts == 1 && m.open_conns == 0 && m.backpressure_pauses >= 1
    });
    server.stop();
}

#[test]
fn a_slow_but_steady_reader_is_not_aborted() {
    let reasons = Reasons::default();
    let svc = Push {
        reasons: reasons.clone(),
    };
    let limit = Duration::from_secs(1);
    let server = serve(svc, config(limit));
    let mut c = connect(server.addr);
    // Read a little at a time for 2.5 send timeouts: far longer than the
    // limit in total, but the server's writes progress all along. (The
    // kernel reports write space in steps of about a third of the send
    // buffer, so "a little" must still add up to a few MiB a second.)
    let mut buf = vec![0u8; 64 << 10];
    let mut got = 0;
    let start = Instant::now();
    while start.elapsed() < limit * 5 / 2 {
        let n = c.read(&mut buf).expect("read");
        assert!(n > 0, "closed early after {got} bytes");
        assert!(buf[..n].iter().all(|&b| b == b'p'), "corrupted");
        got += n;
        thread::sleep(Duration::from_millis(5));
    }
    assert!(got < REPLY, "the reply was not still pending");
    assert_eq!(server.handle.metrics().send_timeouts, 0);
    // The rest arrives.
    let rest = read_n(&mut c, REPLY - got);
    assert!(rest.iter().all(|&b| b == b'p'), "corrupted");
    let m = server.handle.metrics();
    assert_eq!((m.send_timeouts, m.open_conns), (0, 1), "{m}");
    assert!(reasons.lock().unwrap().is_empty());
    c.write_all(b"bye").unwrap();
    drop(c);
    server.stop();
}
