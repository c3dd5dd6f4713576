//! The `async_echo_server` example binary: echoes bytes, exits 0 on SIGINT
//! after a graceful shutdown, exits 1 with one line when it cannot bind.

mod util;
use std::io::Write;
use util::*;

#[test]
fn echoes_what_a_client_sends() {
    let mut server = spawn_example("async_echo_server", &["--addr", "127.0.0.1:0"], true);
    let mut s = connect(server.addr());
    send_and_shutdown(&mut s, b"hello\nworld\n");
    assert_eq!(read_to_eof(&mut s), b"hello\nworld\n");
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn exits_0_on_sigint_and_closes_idle_clients() {
    let mut server = spawn_example("async_echo_server", &["--addr", "127.0.0.1:0"], true);
    let mut s = connect(server.addr());
    s.write_all(b"x").unwrap();
    assert_eq!(read_n(&mut s, 1), b"x"); // the connection is really up
    assert_eq!(server.interrupt(), Some(0));
    expect_closed(&mut s);
}

#[test]
fn sigint_right_after_listening_exits_0() {
    let mut server = spawn_example("async_echo_server", &["--addr", "127.0.0.1:0"], true);
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn a_taken_port_is_one_line_and_exit_1() {
    let taken = std::net::TcpListener::bind(loopback0()).unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut server = spawn_example("async_echo_server", &["--addr", &addr], false);
    assert_eq!(server.wait(), Some(1));
    let err = server.stderr_with("cannot listen");
    assert!(err.contains("Address already in use"), "{err}");
}

/// Two clients; the first sends the `--slow-line`. Does the second get its
/// echo while the first one's job runs (within the job's 2 s)?
#[track_caller]
fn other_client_is_served_during_a_slow_line(pitfall: &[&str]) -> bool {
    let mut args = vec!["--addr", "127.0.0.1:0", "--slow-line", "slow"];
    args.extend_from_slice(pitfall);
    let mut server = spawn_example("async_echo_server", &args, true);
    let mut slow = connect(server.addr());
    let mut other = connect(server.addr());
    other.write_all(b"warm\n").unwrap();
    assert_eq!(read_n(&mut other, 5), b"warm\n");
    slow.write_all(b"slow\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200)); // the job starts
    other.write_all(b"hi\n").unwrap();
    other
        .set_read_timeout(Some(std::time::Duration::from_millis(1000)))
        .unwrap();
    let mut b = [0u8; 3];
    let served = std::io::Read::read_exact(&mut other, &mut b).is_ok();
    other.set_read_timeout(Some(TIMEOUT)).unwrap();
    assert_eq!(
        read_n(&mut slow, 5),
        b"slow\n",
        "the slow line is echoed too"
    );
    assert_eq!(server.interrupt(), Some(0));
    served
}

#[test]
fn a_slow_line_runs_on_a_worker_and_others_are_served() {
    assert!(other_client_is_served_during_a_slow_line(&[]));
}

#[test]
fn pitfall_blocking_in_task_stalls_the_others_during_a_slow_line() {
    assert!(!other_client_is_served_during_a_slow_line(&[
        "--pitfall",
        "blocking-in-task"
    ]));
}
