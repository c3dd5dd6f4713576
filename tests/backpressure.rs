//! Backpressure: a client that sends a lot and never reads must not make
//! the server buffer without bound. Once pending output passes
//! `high_water`, the reactor stops reading that peer (TCP flow control then
//! stalls the sender); other clients are served meanwhile; when the slow
//! client reads again, everything comes back byte-exact.
mod util;
use evloop::{services::Echo, Config};
use std::io::{Read, Write};
use std::thread;
use std::time::Duration;
use util::*;

const SIZE: usize = 32 << 20;

/// The regression: Echo consumes all its input, and the pause used to be
/// checked only when input was left unconsumed, so echo never paused and
/// the connection died at `max_output` instead.
#[test]
fn echo_that_consumes_all_input_still_pauses_at_high_water() {
    let config = Config::default();
    let bound = (config.high_water + config.read_budget + 64 * 1024) as u64;
    let server = serve(Echo, config);
    let mut slow = connect(server.addr);
    let data = pattern(SIZE);
    let mut writer = slow.try_clone().unwrap();
    let sent = data.clone();
    let w = thread::spawn(move || writer.write_all(&sent).expect("write"));

    wait_until("the server to pause reading the slow client", || {
        server.handle.metrics().backpressure_pauses >= 1
    });
    let stalled = wait_for_reads_to_stop(&server.handle, Duration::from_millis(300));
    let held = stalled.bytes_in - stalled.bytes_out;
    assert!(
        held <= bound,
        "server holds {held} bytes (bound {bound}): {stalled}"
    );
    assert!(
        (stalled.bytes_in as usize) < SIZE,
        "the server read everything: {stalled}"
    );
    assert_eq!(stalled.output_overflows, 0);

    // Another client is still served while the first one is stalled.
    let mut other = connect(server.addr);
    let small = pattern(100_000);
    let mut other_writer = other.try_clone().unwrap();
    let small_sent = small.clone();
    let ow = thread::spawn(move || other_writer.write_all(&small_sent).expect("write"));
    assert!(
        read_n(&mut other, small.len()) == small,
        "second client's echo"
    );
    ow.join().unwrap();
    let m = server.handle.metrics();
    assert!(m.bytes_in - m.bytes_out <= bound, "held grew: {m}");

    // Now the slow client reads: all 32 MiB come back in order.
    let mut got = vec![0u8; SIZE];
    slow.read_exact(&mut got).expect("reading the echo");
    w.join().expect("writer panicked");
    let first_bad = got.iter().zip(&data).position(|(a, b)| a != b);
    assert_eq!(first_bad, None, "echo differs at this offset");
    let m = server.handle.metrics();
    assert_eq!((m.output_overflows, m.closed), (0, 0), "{m}");
    server.stop();
}
