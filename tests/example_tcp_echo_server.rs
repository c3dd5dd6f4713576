//! The `tcp_echo_server` example binary: echoes bytes, exits 0 on SIGINT.

mod util;
use util::*;

#[test]
fn echoes_what_a_client_sends() {
    let mut server = spawn_example("tcp_echo_server", &["--addr", "127.0.0.1:0"], true);
    let mut s = connect(server.addr());
    send_and_shutdown(&mut s, b"hello\nworld\n");
    assert_eq!(read_to_eof(&mut s), b"hello\nworld\n");
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn exits_0_on_sigint_with_a_client_connected() {
    let mut server = spawn_example("tcp_echo_server", &["--addr", "127.0.0.1:0"], true);
    let mut s = connect(server.addr());
    send_and_shutdown(&mut s, b"x");
    assert_eq!(read_n(&mut s, 1), b"x"); // the connection is really up
    assert_eq!(server.interrupt(), Some(0));
}

/// Regression: signal handling was installed by `run()`, after the
/// "listening on" line, so a SIGINT sent on seeing that line killed the
/// process (no exit code) instead of shutting it down.
#[test]
fn sigint_right_after_listening_exits_0() {
    let mut server = spawn_example("tcp_echo_server", &["--addr", "127.0.0.1:0"], true);
    assert_eq!(server.interrupt(), Some(0));
}
