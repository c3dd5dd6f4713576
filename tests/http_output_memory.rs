//! Regression (issue 12 item 10): 62 KB of pipelined `GET /bytes/65536`
//! from a client that never reads made the server build every response in
//! one buffer (about 100 MiB) and keep that buffer's capacity after the
//! connection was gone. Now it answers up to `high_water` of pending output
//! and waits, so server memory grows by about a megabyte. The server runs in
//! this process (one test per file, so nothing else allocates here) and
//! RSS is read from /proc/self/status.

mod http_util;
mod util;

use evloop::http::ServerConfig;
use http_util::*;
use std::time::Duration;

const MIB: u64 = 1024;

#[test]
fn a_client_that_never_reads_cannot_grow_server_memory() {
    let srv = start(ServerConfig::default());
    // Warm up: one response of each kind, so the baseline includes the
    // buffers any request needs.
    let mut w = Client::connect(srv.addr());
    w.send(&get("/bytes/65536"));
    assert_eq!(w.response(false).body.len(), 65_536);
    drop(w);
    let before = util::rss_kib(std::process::id());

    let mut c = Client::connect(srv.addr());
    let one = b"GET /bytes/65536 HTTP/1.1\r\nHost: x\r\n\r\n";
    let batch: Vec<u8> = one.iter().copied().cycle().take(62 * 1000).collect();
    let whole = batch.len() / one.len() * one.len();
    c.send(&batch[..whole]); // about 1,600 requests; never read
    let h = &srv.server.handle;
    util::wait_for_reads_to_stop(h, Duration::from_millis(500));
    util::wait_until("the server to stop answering", || {
        let n = srv.seen().len();
        std::thread::sleep(Duration::from_millis(200));
        n == srv.seen().len()
    });
    let after = util::rss_kib(std::process::id());
    let answered = srv.seen().len();
    assert!(
        after < before + 20 * MIB,
        "server RSS grew by {} KiB (from {before} KiB) for {answered} answered requests",
        after.saturating_sub(before)
    );
    assert!(
        answered < whole / one.len(),
        "all {answered} requests were answered into memory"
    );
    // The connection is alive and still held, not closed for overflowing.
    let m = h.metrics();
    assert_eq!((m.input_overflows, m.output_overflows), (0, 0), "{m}");
    drop(c);
}
