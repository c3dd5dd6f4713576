//! The `async_tcp_client` example binary: stdin lines to the server (piped
//! or from a regular file), server bytes to stdout, half-close at the end
//! of stdin, `q` quits, a refused connection is one line and exit 1.

mod util;
use std::io::Write;
use std::process::Stdio;
use util::*;

fn echo_server() -> Example {
    spawn_example("async_echo_server", &["--addr", "127.0.0.1:0"], true)
}

#[test]
fn piped_stdin_is_echoed_then_exit_0() {
    let mut server = echo_server();
    let addr = server.addr().to_string();
    let mut client = spawn_example("async_tcp_client", &["--addr", &addr], false);
    let mut stdin = client.child.stdin.take().unwrap();
    stdin.write_all(b"hi\nthere\n").unwrap();
    drop(stdin); // EOF: the client half-closes and waits for the server
    assert_eq!(client.wait(), Some(0));
    assert_eq!(client.stdout(), "hi\nthere\n");
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn typing_q_exits_0_while_stdin_stays_open() {
    let mut server = echo_server();
    let addr = server.addr().to_string();
    let mut client = spawn_example("async_tcp_client", &["--addr", &addr], false);
    let mut stdin = client.child.stdin.take().unwrap();
    stdin.write_all(b"first\n").unwrap();
    stdin.write_all(b"q\n").unwrap();
    assert_eq!(client.wait(), Some(0));
    drop(stdin);
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn stdin_from_a_regular_file_goes_through_spawn_blocking() {
    let mut server = echo_server();
    let addr = server.addr().to_string();
    let path = std::env::temp_dir().join(format!("async_tcp_client_{}.txt", std::process::id()));
    std::fs::write(&path, b"from a file\n").unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let out = std::process::Command::new(example_path("async_tcp_client"))
        .args(["--addr", &addr])
        .stdin(Stdio::from(file))
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"from a file\n");
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn a_refused_connection_is_one_line_and_exit_1() {
    let free = std::net::TcpListener::bind(loopback0()).unwrap();
    let addr = free.local_addr().unwrap().to_string();
    drop(free);
    let mut client = spawn_example("async_tcp_client", &["--addr", &addr], false);
    assert_eq!(client.wait(), Some(1));
    let err = client.stderr_with("cannot connect");
    assert!(err.contains("Connection refused"), "{err}");
}
