//! Pitfall `no-outbuf`: a short `write` is treated as if it sent everything.
//!
//! The client sends 8 MiB and does not read for a while, so the server's
//! socket send buffer and the client's receive buffer fill up and the
//! server's writes come back short. With the pitfall on, the unwritten rest
//! of each short write is thrown away: after the client's EOF the echo ends
//! with fewer bytes than were sent (or different ones). Off, the unwritten
//! bytes wait in the connection's output buffer (and backpressure pauses
//! reading), so the echo is byte-exact.

mod util;

use evloop::{services::Echo, Config, Pitfalls};
use std::io::Write;
use std::net::Shutdown;
use std::thread;
use std::time::Duration;
use util::*;

const SENT: usize = 8 * 1024 * 1024;

fn config(no_outbuf: bool) -> Config {
    Config {
        pitfalls: Pitfalls {
            no_outbuf,
            ..Pitfalls::default()
        },
        ..Config::default()
    }
}

/// Send `SENT` bytes and half-close from a writer thread; start reading only
/// after a pause (a slow reader), then read until the server's EOF (bounded
/// by the read timeout). Returns the echo.
#[track_caller]
fn slow_reader_echo(no_outbuf: bool) -> Vec<u8> {
    let server = serve(Echo, config(no_outbuf));
    let mut s = connect(server.addr);
    let mut w = s.try_clone().expect("clone");
    let writer = thread::spawn(move || {
        w.write_all(&pattern(SENT)).expect("write");
        w.shutdown(Shutdown::Write).expect("shutdown");
    });
    // Not reading yet: the server's writes hit a full window and come back
    // short. (Without the pitfall, backpressure stops the server reading and
    // the writer blocks until we read; that is fine, it runs on its own thread.)
    thread::sleep(Duration::from_millis(500));
    let got = read_to_eof(&mut s);
    writer.join().expect("writer");
    drop(server);
    got
}

#[test]
fn no_outbuf_on_shows_the_bug() {
    let got = slow_reader_echo(true);
    assert!(
        got.len() < SENT,
        "with no-outbuf echoed bytes should be lost, but {} of {SENT} came back",
        got.len()
    );
}

#[test]
fn no_outbuf_off_works() {
    let got = slow_reader_echo(false);
    assert_eq!(got.len(), SENT, "echo length differs without the pitfall");
    assert!(got == pattern(SENT), "echoed bytes differ");
}
