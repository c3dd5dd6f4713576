//! Pitfall `no-drain`: one `read` per readiness event instead of reading
//! until `WouldBlock`.
//!
//! mio is edge-triggered: an event says "more data arrived", once. The
//! client sends 1 MiB (16 times the 64 KiB read chunk) and only then starts
//! reading. With the pitfall on, every event moves at most one chunk; once
//! the client stops sending there are no new edges, so the rest stays in
//! the kernel and the echo stalls short of 1 MiB. Off, the read loop drains
//! the socket and every byte comes back.
//!
//! The "on" test also checks what does work, so that a server that echoes
//! nothing at all could not pass it: the first chunk does come back, every
//! byte the server read was echoed, and the missing bytes were never read
//! (they are still in the kernel, not lost in the server).

mod util;

use evloop::{services::Echo, Config, Metrics, Pitfalls};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};
use util::*;

const SENT: usize = 1024 * 1024;

/// How long "no more bytes are coming" must last before we call it a stall.
const QUIET: Duration = Duration::from_secs(2);

fn config(no_drain: bool) -> Config {
    Config {
        pitfalls: Pitfalls {
            no_drain,
            ..Pitfalls::default()
        },
        ..Config::default()
    }
}

/// Send `SENT` bytes from a writer thread (so a full window cannot deadlock
/// us), wait until the writer is done, then read the echo until it is
/// complete or nothing arrives for `QUIET`. Returns what came back, and
/// the server's counters at that point.
#[track_caller]
fn send_then_read(no_drain: bool) -> (Vec<u8>, Metrics) {
    let server = serve(Echo, config(no_drain));
    let mut s = connect(server.addr);
    let data = pattern(SENT);
    let mut w = s.try_clone().expect("clone");
    let payload = data.clone();
    let writer = thread::spawn(move || w.write_all(&payload).expect("write"));
    // Everything is sent before we read; reading first would not change
    // the server's events, but sending first is the clean experiment.
    wait_until("the writer to finish", || writer.is_finished());
    writer.join().expect("writer");
    let got = read_until_quiet(&mut s, SENT);
    let metrics = server.handle.metrics();
    drop(server);
    (got, metrics)
}

/// Read until `want` bytes arrived or the stream stays quiet for `QUIET`
/// (bounded overall by `TIMEOUT`).
#[track_caller]
fn read_until_quiet(s: &mut TcpStream, want: usize) -> Vec<u8> {
    s.set_read_timeout(Some(QUIET)).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let mut got = Vec::with_capacity(want);
    let mut buf = vec![0; 64 * 1024];
    while got.len() < want && Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break; // quiet for QUIET: the echo has stalled
            }
            Err(e) => panic!("read: {e}"),
        }
    }
    got
}

#[test]
fn no_drain_on_shows_the_bug() {
    let (got, m) = send_then_read(true);
    assert!(
        got.len() < SENT,
        "with no-drain the echo should stall short of {SENT} bytes, but all came back"
    );
    // The first read's chunk came back: the connection works, it stalls.
    assert!(!got.is_empty(), "not even the first chunk was echoed: {m}");
    // What did arrive is an intact prefix: the bytes are stuck, not lost.
    assert_eq!(got[..], pattern(SENT)[..got.len()], "echoed prefix differs");
    // Everything the server read came back; the rest was never read.
    assert_eq!(m.bytes_in, got.len() as u64, "read but not echoed: {m}");
    assert_eq!(m.bytes_out, got.len() as u64, "{m}");
}

#[test]
fn no_drain_off_works() {
    let (got, _) = send_then_read(false);
    assert_eq!(got.len(), SENT, "the echo stalled without the pitfall");
    assert!(got == pattern(SENT), "echoed bytes differ");
}
