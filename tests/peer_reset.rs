//! Peer reset: a client with megabytes of echo still pending closes with
//! SO_LINGER 0, so its kernel sends RST instead of FIN. The server must
//! treat the failed write/read as "this connection is gone": no crash, the
//! close is counted, `open_conns` returns to 0, and new clients are served.
mod util;
use evloop::{CloseReason, Config, Ctx, Service, Token};
use std::io::{ErrorKind, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use util::*;

/// Echo that records why each connection closed.
#[derive(Clone, Default)]
struct RecordingEcho {
    reasons: Arc<Mutex<Vec<String>>>,
}

impl Service for RecordingEcho {
    type Conn = ();
    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) {}
    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        ctx.write(tok, input);
        input.len()
    }
    fn on_close(&mut self, _: &mut Ctx<'_>, _: Token, _: (), reason: &CloseReason) {
        self.reasons.lock().unwrap().push(reason.to_string());
    }
}

#[test]
fn reset_with_megabytes_pending_is_counted_and_the_server_carries_on() {
    let svc = RecordingEcho::default();
    let reasons = svc.reasons.clone();
    let server = serve(svc, Config::default());

    // Send without reading until the server has paused us: megabytes of
    // echo are now waiting in its output buffer and the kernel's.
    let mut c = connect(server.addr);
    c.set_nonblocking(true).unwrap();
    let chunk = pattern(64 * 1024);
    let mut sent = 0usize;
    wait_until("the server to pause the non-reading client", || {
        for _ in 0..64 {
            match c.write(&chunk) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("write: {e}"),
            }
        }
        server.handle.metrics().backpressure_pauses >= 1
    });
    let m = server.handle.metrics();
    assert!(m.bytes_in > m.bytes_out, "echo must be pending: {m}");
    assert!(sent >= 1 << 20, "only {sent} bytes sent");

    set_linger_zero(&c);
    drop(c); // RST

    wait_until("the reset connection to be closed", || {
        let m = server.handle.metrics();
        m.closed == 1 && m.open_conns == 0
    });
    let r = reasons.lock().unwrap().clone();
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(r[0].starts_with("I/O error"), "close reason: {r:?}");

    // The server still works.
    let mut next = connect(server.addr);
    send_and_shutdown(&mut next, b"still here");
    assert_eq!(read_to_eof(&mut next), b"still here");
    wait_until("the new client to be closed", || {
        let m = server.handle.metrics();
        m.closed == 2 && m.open_conns == 0
    });
    server.stop();
}

#[test]
fn reset_of_an_idle_connection_is_counted() {
    let server = serve(RecordingEcho::default(), Config::default());
    let mut c = connect(server.addr);
    c.write_all(b"ping").unwrap();
    assert_eq!(read_n(&mut c, 4), b"ping");
    set_linger_zero(&c);
    drop(c);
    wait_until("the reset connection to be closed", || {
        let m = server.handle.metrics();
        m.closed == 1 && m.open_conns == 0
    });
    // Several resets in a row, then a normal client.
    for _ in 0..20 {
        let c = connect(server.addr);
        set_linger_zero(&c);
        drop(c);
    }
    wait_until("all reset connections to be closed", || {
        let m = server.handle.metrics();
        m.closed == 21 && m.open_conns == 0
    });
    let mut next = connect(server.addr);
    send_and_shutdown(&mut next, b"after resets");
    assert_eq!(read_to_eof(&mut next), b"after resets");
    server.stop();
}
