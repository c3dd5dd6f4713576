//! echo_bench's tcp-churn mode (one connection per operation: connect, send,
//! read the echo, close) against an in-process echo server: every
//! connection completes without a connect failure or a reset, the server
//! accepted the connections the client opened (plus at most one connect
//! per slot cut off by the end of the run), and afterwards
//! nothing has grown: no open slot, no fd, no live timer, and the timer
//! heap back where it started. No performance assertions.

mod util;
use evloop::{services::Echo, Config};
use util::*;

/// `json_field` as a count.
#[track_caller]
fn field(json: &str, key: &str) -> u64 {
    json_field(json, key) as u64
}

#[test]
fn churn_completes_every_connection_and_leaves_nothing_behind() {
    let config = Config {
        // Real deadlines, so that timers are armed and must be cancelled.
        idle_timeout: Some(std::time::Duration::from_secs(30)),
        ..Config::default()
    };
    let server = serve(Echo, config);
    let before = server.handle.metrics();
    let fds_before = open_fds();
    let addr = server.addr.to_string();
    let args = [
        "--addr",
        &addr,
        "--mode",
        "tcp-churn",
        "--conns",
        "4",
        "--size",
        "100",
        "--rate",
        "300",
        "--duration",
        "1",
        "--warmup",
        "0.2",
        "--json",
    ];
    let mut bench = spawn_example("echo_bench", &args, false);
    let code = bench.wait();
    let out = bench.stdout();
    let stderr = bench.stderr.lock().unwrap().clone();
    drop(bench); // its pipes are fds of this process too
    assert_eq!(code, Some(0), "echo_bench failed; stderr: {stderr}");
    let json = out.trim();
    for key in [
        "errors",
        "mismatches",
        "timeouts",
        "connect_failed",
        "resets",
    ] {
        assert_eq!(field(json, key), 0, "{key}: {json}");
    }
    let (opened, done) = (field(json, "opened"), field(json, "total_ops"));
    assert!(done > 0, "no connection completed: {json}");
    // At most one per slot was cut off by the end of the run.
    assert!(opened >= done && opened <= done + 4, "{json}");

    // The client has exited: the server accepted every connection it
    // opened and closed them all. `opened` counts connects the client saw
    // complete; a connect still in flight when the run ended (at most one
    // per slot) may have been accepted by the server all the same, and
    // closed when the client exited (this test failed under load with 361
    // accepted for 360 opened).
    let settled = |m: &evloop::Metrics| {
        let accepted = m.accepted - before.accepted;
        m.open_conns == 0 && m.closed == m.accepted && (opened..=opened + 4).contains(&accepted)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !settled(&server.handle.metrics()) {
        let m = server.handle.metrics();
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for the server to accept and close every connection \
             (opened by the client: {opened}; before: {before}; now: {m})"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let m = server.handle.metrics();
    assert_eq!(m.timers_live, before.timers_live, "timers left armed: {m}");
    assert!(
        m.timer_heap <= before.timer_heap + 2 * m.timers_live + 1,
        "timer heap grew: {m}"
    );
    wait_until("the fds to be released", || open_fds() <= fds_before);
    server.stop();
}
