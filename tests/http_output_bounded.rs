//! Regression (issue 12 item 10): every response to one read was built in
//! one buffer without bound, so 80 pipelined requests for 64 KiB bodies made
//! one 5 MiB write over `max_output` and the client got nothing at all. Now
//! the server stops answering at `high_water` of pending output, keeps the
//! rest of the requests as input, and goes on as the client reads.

mod http_util;
mod util;

use evloop::http::ServerConfig;
use evloop::Config;
use http_util::*;
use std::io::Write;
use std::thread;

#[test]
fn eighty_pipelined_64k_responses_all_arrive_in_order() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    // 64 KiB + i bytes each, so the order is visible in the lengths.
    let mut batch = Vec::new();
    for i in 0..80 {
        batch.extend_from_slice(&get(&format!("/bytes/{}", 65_536 + i)));
    }
    c.send(&batch);
    for i in 0..80 {
        let r = c.response(false);
        assert_eq!(r.status, 200, "response {i}");
        assert_eq!(r.body, bytes_body(65_536 + i), "response {i}");
    }
    let m = srv.server.handle.metrics();
    assert_eq!(m.output_overflows, 0, "{m}");
    assert_eq!(srv.seen().len(), 80);
    // Still serving on the same connection.
    c.send(&get("/go"));
    assert_eq!(c.response(false).body, b"HelloWorld");
}

#[test]
fn held_back_requests_are_answered_before_more_input_is_read() {
    // 2,000 requests (78 KB, more than max_input) for 8 KiB bodies, with a
    // small high-water mark: the server holds most requests back many
    // times. Each time reading resumes, the reactor must hand the held
    // requests back before it reads more, or the kept input passes
    // max_input and the connection is dropped as an input overflow.
    const N: usize = 2_000;
    let reactor = Config {
        high_water: 64 * 1024,
        low_water: 16 * 1024,
        ..Config::default()
    };
    let srv = start_with(ServerConfig::default(), reactor);
    let mut c = Client::connect(srv.addr());
    let mut writer = c.stream.try_clone().expect("clone");
    let sender = thread::spawn(move || {
        let one = get("/bytes/8192");
        let batch: Vec<u8> = one.iter().copied().cycle().take(one.len() * N).collect();
        writer.write_all(&batch).expect("write requests");
    });
    for i in 0..N {
        let r = c.response(false);
        assert_eq!(r.body.len(), 8192, "response {i}");
    }
    sender.join().expect("sender");
    let m = srv.server.handle.metrics();
    assert_eq!(m.input_overflows, 0, "{m}");
    assert!(m.backpressure_pauses > 0, "never held back: {m}");
}

#[test]
fn held_back_requests_are_answered_after_the_client_half_closes() {
    // The FIN is queued behind requests the server holds back: every one is
    // answered before the close, and the half-close is not a 400.
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    let mut batch = Vec::new();
    for i in 0..40 {
        batch.extend_from_slice(&get(&format!("/bytes/{}", 65_536 + i)));
    }
    util::send_and_shutdown(&mut c.stream, &batch);
    // Let the server read all it will before we read anything.
    util::wait_for_reads_to_stop(&srv.server.handle, std::time::Duration::from_millis(300));
    for i in 0..40 {
        let r = c.response(false);
        assert_eq!(r.body.len(), 65_536 + i, "response {i}");
    }
    c.expect_closed();
    assert_eq!(srv.seen().len(), 40);
}

/// Not a regression of the old code (whose per-read batches of small
/// responses stayed under `max_output`), but the many-small-requests case of
/// the new bound: requests split across reads, held back and resumed, none
/// lost or reordered.
#[test]
fn twenty_thousand_pipelined_gets_all_arrive() {
    const N: usize = 20_000;
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    // Write from another thread while this one reads: 1.6 MB of requests
    // would otherwise fill both directions' socket buffers.
    let mut writer = c.stream.try_clone().expect("clone");
    let sender = thread::spawn(move || {
        let one = get("/go");
        let batch: Vec<u8> = one.iter().copied().cycle().take(one.len() * N).collect();
        writer.write_all(&batch).expect("write requests");
    });
    for i in 0..N {
        let r = c.response(false);
        assert_eq!(r.body, b"HelloWorld", "response {i}");
    }
    sender.join().expect("sender");
    assert_eq!(srv.seen().len(), N);
    let m = srv.server.handle.metrics();
    assert_eq!(m.input_overflows + m.output_overflows, 0, "{m}");
}
