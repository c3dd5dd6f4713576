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
