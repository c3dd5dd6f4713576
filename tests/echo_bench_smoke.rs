//! echo_bench (the load generator example) runs a short fixed-rate tcp-echo
//! load against an in-process echo server and reports, as JSON, completed
//! operations with no mismatches and no errors. No performance assertions.

mod util;
use evloop::{services::Echo, Config};
use util::*;

#[test]
fn echo_bench_json_shows_ops_and_no_mismatches_against_echo() {
    let server = serve(Echo, Config::default());
    let addr = server.addr.to_string();
    let args = [
        "--addr",
        &addr,
        "--mode",
        "tcp-echo",
        "--conns",
        "4",
        "--size",
        "100",
        "--rate",
        "400",
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
    assert_eq!(code, Some(0), "echo_bench failed; stderr: {stderr}");
    let json = out.trim();
    assert!(
        json.starts_with('{') && json.ends_with('}'),
        "not one JSON object: {out:?}"
    );
    assert!(
        json_field(json, "ops") > 0.0,
        "no operations completed: {json}"
    );
    assert_eq!(json_field(json, "mismatches"), 0.0, "{json}");
    assert_eq!(json_field(json, "errors"), 0.0, "{json}");
    assert_eq!(json_field(json, "opened"), 4.0, "{json}");
    server.stop();
}

/// Regression: `--mode tcp-ok` aimed at the echo server's port (20000)
/// instead of the ok server's 9090. Whether or not anything listens on
/// 9090 here, the address it used shows in its output.
#[test]
fn tcp_ok_mode_defaults_to_the_ok_servers_port() {
    let args = [
        "--mode",
        "tcp-ok",
        "--conns",
        "1",
        "--duration",
        "0.1",
        "--warmup",
        "0",
        "--json",
    ];
    let mut bench = spawn_example("echo_bench", &args, false);
    bench.wait();
    let out = bench.stdout();
    if !out.contains("\"addr\":\"127.0.0.1:9090\"") {
        // Nothing listens there: the one error line names the address.
        bench.stderr_with("127.0.0.1:9090");
    }
}
