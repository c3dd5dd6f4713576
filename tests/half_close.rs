//! Half-close: a client writes, then `shutdown(Write)`. The server treats
//! EOF as "no more requests", not "gone": it still sends the full echo,
//! then its own FIN, so the client reads everything and then EOF, also
//! when the FIN arrives while the server is yielding or paused.
mod util;
use evloop::{services::Echo, Config, Ctx, Service, Token};
use std::io::{ErrorKind, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use util::*;

#[track_caller]
fn echo_after_half_close(size: usize) {
    let server = serve(Echo, Config::default());
    let mut c = connect(server.addr);
    let data = pattern(size);
    // A writer thread: a large payload may not fit in the socket buffers
    // before we start reading.
    let mut writer = c.try_clone().unwrap();
    let sent = data.clone();
    let w = thread::spawn(move || send_and_shutdown(&mut writer, &sent));
    let got = read_to_eof(&mut c);
    w.join().expect("writer panicked");
    assert_eq!(got.len(), size, "echo length after half-close");
    assert!(got == data, "echo of {size} bytes differs");
    wait_until("the server to close its side", || {
        let m = server.handle.metrics();
        m.closed == 1 && m.open_conns == 0 && m.bytes_out == size as u64
    });
    server.stop();
}

#[test]
fn small_payload_then_half_close_gets_full_echo_then_eof() {
    echo_after_half_close(5);
}

#[test]
fn one_mib_then_half_close_gets_full_echo_then_eof() {
    echo_after_half_close(1 << 20);
}

#[test]
fn half_close_with_nothing_sent_gets_eof() {
    let server = serve(Echo, Config::default());
    let mut c = connect(server.addr);
    c.shutdown(Shutdown::Write).expect("shutdown");
    assert!(read_to_eof(&mut c).is_empty());
    wait_until("the server to close", || {
        server.handle.metrics().closed == 1
    });
    server.stop();
}

/// Echo whose first `on_open` blocks the loop until the test says go, so
/// the client's bytes and its FIN are all queued before the first read.
/// (Blocking a callback is a test device only: it stalls every connection.)
struct GatedEcho {
    opened: mpsc::Sender<()>,
    go: mpsc::Receiver<()>,
}

impl Service for GatedEcho {
    type Conn = ();
    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) {
        let _ = self.opened.send(());
        let _ = self.go.recv_timeout(TIMEOUT);
    }
    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        ctx.write(tok, input);
        input.len()
    }
}

/// Queue as much as the socket takes without the server reading, then FIN.
/// Returns what was sent.
#[track_caller]
fn fill_then_half_close(c: &mut TcpStream, max: usize) -> Vec<u8> {
    c.set_nonblocking(true).unwrap();
    let chunk = pattern(10_007); // odd size: the last server read is short
    let mut sent = Vec::new();
    while sent.len() < max {
        match c.write(&chunk) {
            Ok(n) => sent.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) => panic!("write: {e}"),
        }
    }
    c.set_nonblocking(false).unwrap();
    c.shutdown(Shutdown::Write).expect("shutdown");
    sent
}

/// The FIN's readiness event arrives once. If the read loop yields before
/// reaching it (read budget, or a backpressure pause) and the resumed read
/// stops at the first short read, EOF is never seen: the client waits for
/// the server's FIN forever.
#[track_caller]
fn eof_survives_a_resumed_read(config: Config, max: usize) {
    let (opened_tx, opened) = mpsc::channel();
    let (go, go_rx) = mpsc::channel();
    let svc = GatedEcho {
        opened: opened_tx,
        go: go_rx,
    };
    let server = serve(svc, config);
    let mut c = connect(server.addr);
    opened.recv_timeout(TIMEOUT).expect("on_open");
    let sent = fill_then_half_close(&mut c, max);
    assert!(sent.len() > 2 * 65_536, "only {} bytes queued", sent.len());
    go.send(()).unwrap();
    let got = read_to_eof(&mut c);
    assert_eq!(got.len(), sent.len(), "echo length");
    assert!(got == sent, "echo differs");
    server.stop();
}

#[test]
fn eof_is_not_lost_when_the_read_budget_yields() {
    eof_survives_a_resumed_read(
        Config {
            read_budget: 1, // one read per turn
            ..Config::default()
        },
        200_000,
    );
}

#[test]
fn half_close_while_paused_by_backpressure_gets_full_echo_then_eof() {
    eof_survives_a_resumed_read(
        Config {
            // Nearly every read pauses until its echo is written.
            high_water: 4096,
            low_water: 0,
            ..Config::default()
        },
        200_000,
    );
}
