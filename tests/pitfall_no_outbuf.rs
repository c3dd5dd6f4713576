//! Pitfall `no-outbuf`: a short `write` is treated as if it sent everything.
//!
//! The client sends 8 MiB and does not read for a while, so the server's
//! socket send buffer and the client's receive buffer fill up and the
//! server's writes come back short. With the pitfall on, the unwritten rest
//! of each short write is thrown away: after the client's EOF the echo ends
//! with fewer bytes than were sent (or different ones). Off, the unwritten
//! bytes wait in the connection's output buffer (and backpressure pauses
//! reading), so the echo is byte-exact.
//!
//! The "on" test also checks what does arrive, so that a server that echoes
//! nothing could not pass it: an intact beginning, then a gap, then later
//! bytes of the stream; the server read all 8 MiB and everything it
//! wrote arrived. The bytes were lost inside the server, between `write`
//! and its output buffer.

mod util;

use evloop::{services::Echo, Config, Metrics, Pitfalls};
use std::io::Write;
use std::net::Shutdown;
use std::thread;
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
/// by the read timeout). Returns the echo and the server's counters.
#[track_caller]
fn slow_reader_echo(no_outbuf: bool) -> (Vec<u8>, Metrics) {
    let server = serve(Echo, config(no_outbuf));
    let mut s = connect(server.addr);
    let mut w = s.try_clone().expect("clone");
    let writer = thread::spawn(move || {
        w.write_all(&pattern(SENT)).expect("write");
        w.shutdown(Shutdown::Write).expect("shutdown");
    });
    // Not reading yet: the server's writes hit a full window and come back
    // short. We start reading only once the server has read all 8 MiB (its
    // echo cannot fit in the socket buffers, so writes were short) or has
    // paused reading because output piled up (backpressure: without the
    // pitfall, the writer now blocks until we read; it has its own thread).
    // Waiting on these, not on a clock, keeps a loaded machine from turning
    // us into a fast reader.
    wait_until("the server's output to back up", || {
        let m = server.handle.metrics();
        m.bytes_in == SENT as u64 || m.backpressure_pauses > 0
    });
    let got = read_to_eof(&mut s);
    writer.join().expect("writer");
    // The server closes only after its last write, so once the close is
    // counted (published at the end of that tick) the counters are final.
    wait_until("the close", || server.handle.metrics().closed == 1);
    let metrics = server.handle.metrics();
    drop(server);
    (got, metrics)
}

#[test]
fn no_outbuf_on_shows_the_bug() {
    let (got, m) = slow_reader_echo(true);
    assert!(
        got.len() < SENT,
        "with no-outbuf echoed bytes should be lost, but {} of {SENT} came back",
        got.len()
    );
    // The server read everything, and all it wrote arrived.
    assert_eq!(m.bytes_in, SENT as u64, "{m}");
    assert_eq!(m.bytes_out, got.len() as u64, "{m}");
    // An intact beginning (the writes before the buffers filled) ...
    let want = pattern(SENT);
    let intact = got.iter().zip(&want).take_while(|(a, b)| a == b).count();
    assert!(intact > 0, "nothing of the echo arrived intact: {m}");
    // ... then a gap: what follows is a later part of the stream, not
    // the next bytes (the rest of the short write was dropped).
    assert!(intact < got.len(), "the echo is only cut short, no gap");
    let after = &got[intact..got.len().min(intact + 256)];
    let at = want[intact..]
        .windows(after.len())
        .position(|w| w == after)
        .map(|skipped| intact + skipped);
    assert!(
        at.is_some_and(|at| at > intact),
        "the bytes after offset {intact} are no later part of the stream ({at:?})"
    );
}

#[test]
fn no_outbuf_off_works() {
    let (got, _) = slow_reader_echo(false);
    assert_eq!(got.len(), SENT, "echo length differs without the pitfall");
    assert!(got == pattern(SENT), "echoed bytes differ");
}
