//! Backpressure against a slow reader, with a service that consumes all
//! its input (echo): the reactor must pause reading once pending output
//! passes `high_water`, resume when it drains, and still see the client's
//! FIN, which may arrive while the connection is paused or parked.
//!
//! Regression test for two bugs found by `pitfall_no_outbuf`'s "off" test:
//! - the pause was skipped whenever the service had consumed all its input
//!   (`after_data` returned early), so echo's output grew until `max_output`
//!   closed the connection with half the bytes sent. Caught every run: the
//!   wait for a pause times out.
//! - a resume (after a pause or a budget yield) stopped at the first short
//!   read; if the FIN's edge had been spent meanwhile, EOF was never read
//!   and the connection hung. This one needs the FIN to land at the wrong
//!   moment: without the fix the read to EOF timed out in about half the
//!   runs here, never with it.

mod util;

use evloop::{services::Echo, Config};
use std::io::Write;
use std::net::Shutdown;
use std::thread;
use util::*;

const SENT: usize = 8 * 1024 * 1024;

/// Send `SENT` bytes and FIN without reading; wait for the pause; then read.
#[track_caller]
fn slow_reader() -> (Vec<u8>, evloop::Metrics) {
    let server = serve(Echo, Config::default());
    let mut s = connect(server.addr);
    let mut w = s.try_clone().expect("clone");
    let writer = thread::spawn(move || {
        w.write_all(&pattern(SENT)).expect("write");
        w.shutdown(Shutdown::Write).expect("shutdown");
    });
    wait_until("the server to pause reading", || {
        server.handle.metrics().backpressure_pauses > 0
    });
    let got = read_to_eof(&mut s);
    writer.join().expect("writer");
    wait_until("the connection to close", || {
        server.handle.metrics().closed == 1
    });
    let m = server.handle.metrics();
    (got, m)
}

#[test]
fn echo_to_a_slow_reader_pauses_resumes_and_sees_eof() {
    let (got, m) = slow_reader();
    assert_eq!((m.closed, m.open_conns), (1, 0));
    assert_eq!(m.output_overflows, 0, "output must never reach max_output");
    assert_eq!(got.len(), SENT);
    assert!(got == pattern(SENT), "echoed bytes differ");
}
