//! Every server example takes `--metrics-addr` and serves `/metrics` and
//! `/healthz` there from its own loop, next to its main protocol.

#[path = "chat_util/mod.rs"]
mod chat_util;
mod util;
use std::io::Write;
use std::net::SocketAddr;
use std::time::Instant;
use util::*;

/// Wait (bounded) for the "metrics on http://ADDR/metrics" line.
#[track_caller]
fn metrics_addr(ex: &Example) -> SocketAddr {
    let start = Instant::now();
    loop {
        let err = ex.stderr.lock().unwrap().clone();
        let found = err
            .split("metrics on http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|a| a.parse().ok());
        if let Some(addr) = found {
            return addr;
        }
        assert!(start.elapsed() < TIMEOUT, "no metrics line; stderr: {err}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[track_caller]
fn get(addr: SocketAddr, path: &str) -> String {
    let mut s = connect(addr);
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .expect("send request");
    String::from_utf8(read_to_eof(&mut s)).expect("utf-8")
}

#[track_caller]
fn check(name: &str, mut ex: Example) {
    let admin = metrics_addr(&ex);
    let health = get(admin, "/healthz");
    assert!(
        health.starts_with("HTTP/1.1 200 OK\r\n"),
        "{name}: {health}"
    );
    let metrics = get(admin, "/metrics");
    assert!(
        metrics.starts_with("HTTP/1.1 200 OK\r\n"),
        "{name}: {metrics}"
    );
    assert!(
        metrics.contains("\r\n\r\n# HELP evloop_connections_accepted_total "),
        "{name}: {metrics}"
    );
    assert!(
        metrics.contains("\nevloop_connections_accepted_total 2\n"),
        "{name}: the two admin connections so far: {metrics}"
    );
    assert!(
        metrics.contains("# TYPE evloop_tick_duration_seconds histogram\n"),
        "{name}"
    );
    assert_eq!(ex.interrupt(), Some(0), "{name} exits cleanly");
}

#[test]
fn chat_server_serves_metrics_and_healthz() {
    let data = chat_util::TempDir::new("metrics");
    let ex = chat_util::start(&data, &["--metrics-addr", "127.0.0.1:0"]);
    check("chat_server", ex);
}

#[test]
fn every_server_example_serves_metrics_and_healthz() {
    for name in [
        "tcp_echo_server",
        "tcp_ok_server",
        "tcp_print_server",
        "sticky_server",
        "http_server",
        "udp_echo_server",
    ] {
        let args = ["--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"];
        check(name, spawn_example(name, &args, true));
    }
}

#[test]
fn with_threads_every_shard_has_a_label() {
    let args = [
        "--addr",
        "127.0.0.1:0",
        "--threads",
        "2",
        "--metrics-addr",
        "127.0.0.1:0",
    ];
    let mut ex = spawn_example("tcp_echo_server", &args, true);
    let metrics = get(metrics_addr(&ex), "/metrics");
    for shard in ["0", "1"] {
        let sample = format!("\nevloop_connections_accepted_total{{shard=\"{shard}\"}} ");
        assert!(metrics.contains(&sample), "no {sample:?}: {metrics}");
    }
    assert_eq!(ex.interrupt(), Some(0));
}
