//! Pitfall `close-on-eof`: close the connection as soon as the peer
//! half-closes, dropping the replies still queued.
//!
//! The client does what `printf 'x' | nc -N` does: write one byte, then
//! `shutdown(Write)`. To make "the byte and the FIN are read in the same
//! tick" deterministic (and not a race with the loop), a control connection
//! first asks the test service to block the loop for a moment; the victim
//! writes and half-closes while the loop sleeps, so when the loop wakes it
//! reads `x` and EOF together. With the pitfall on, the echo of `x`
//! (queued, flushed only at the end of the tick) is dropped and the client
//! sees EOF with 0 bytes. Off, the connection drains: `x` comes back, then EOF.
//!
//! Before that, the victim proves it is open and echoing (`ready` comes
//! back), and afterwards the control connection still echoes, so the "on"
//! test shows the pitfall losing one reply, not a server that never answers.

mod util;

use evloop::{services::Echo, Config, Ctx, Pitfalls, Service, Token};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;
use util::*;

/// Echo, except that the message `sleep` blocks the loop for 500 ms
/// (a stand-in for a busy loop) and sets `sleeping` first.
struct BlockingEcho {
    sleeping: Arc<AtomicBool>,
}

impl Service for BlockingEcho {
    type Conn = ();

    fn on_open(&mut self, _ctx: &mut Ctx<'_>, _tok: Token, _peer: SocketAddr) {}

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut (), input: &[u8]) -> usize {
        if input == b"sleep" {
            self.sleeping.store(true, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(500));
            return input.len();
        }
        Echo.on_data(ctx, tok, conn, input)
    }
}

fn config(close_on_eof: bool) -> Config {
    Config {
        pitfalls: Pitfalls {
            close_on_eof,
            ..Pitfalls::default()
        },
        ..Config::default()
    }
}

/// `printf 'x' | nc -N` against a loop that reads the byte and the FIN in
/// one tick. Returns everything received before the server's EOF.
#[track_caller]
fn write_x_and_half_close(close_on_eof: bool) -> Vec<u8> {
    let sleeping = Arc::new(AtomicBool::new(false));
    let service = BlockingEcho {
        sleeping: sleeping.clone(),
    };
    let server = serve(service, config(close_on_eof));
    // Open and echoing before the EOF, pitfall or not.
    let mut s = connect(server.addr);
    s.write_all(b"ready").expect("write");
    assert_eq!(read_n(&mut s, 5), b"ready", "echo before the EOF");
    let mut control = connect(server.addr);
    control.write_all(b"sleep").expect("write");
    wait_until("the loop to block", || sleeping.load(Ordering::SeqCst));
    // The kernel queues `x` and the FIN while the loop is blocked.
    send_and_shutdown(&mut s, b"x");
    let got = read_to_eof(&mut s);
    // The loop itself is fine afterwards: the control connection echoes.
    control.write_all(b"still here").expect("write");
    assert_eq!(read_n(&mut control, 10), b"still here");
    drop(server);
    got
}

#[test]
fn close_on_eof_on_shows_the_bug() {
    let got = write_x_and_half_close(true);
    assert_eq!(
        got, b"",
        "with close-on-eof the queued echo should be dropped"
    );
}

#[test]
fn close_on_eof_off_works() {
    let got = write_x_and_half_close(false);
    assert_eq!(got, b"x", "the echo should arrive before EOF");
}
