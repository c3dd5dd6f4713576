//! `--threads 0` and `--threads x` are usage errors on every server that
//! takes `--threads`: one clear line naming the option, exit 1, no panic,
//! and nothing is started.

mod util;
use util::*;

const SERVERS: [&str; 4] = [
    "tcp_echo_server",
    "tcp_ok_server",
    "http_server",
    "udp_echo_server",
];

#[track_caller]
fn assert_usage_error(name: &str, threads: &str) {
    let args = ["--addr", "127.0.0.1:0", "--threads", threads];
    let mut server = spawn_example(name, &args, false);
    assert_eq!(server.wait(), Some(1), "{name} --threads {threads}");
    let err = server.stderr_with("bad --threads");
    assert!(
        err.contains(&format!("bad --threads \"{threads}\"")),
        "{name}: {err}"
    );
    assert!(err.contains("1 or more"), "{name}: {err}");
    assert!(!err.contains("panicked"), "{name}: {err}");
    assert!(!err.contains("listening on"), "{name}: {err}");
}

#[test]
fn zero_threads_is_a_usage_error() {
    for name in SERVERS {
        assert_usage_error(name, "0");
    }
}

#[test]
fn a_non_number_of_threads_is_a_usage_error() {
    for name in SERVERS {
        assert_usage_error(name, "x");
        assert_usage_error(name, "-2");
    }
}
