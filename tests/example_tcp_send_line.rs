//! The `tcp_send_line` example binary: one line from stdin to the server,
//! `sent N bytes` once it is flushed.

mod util;
use std::io::Write;
use std::net::TcpListener;
use util::*;

#[test]
fn sends_the_line_and_reports_its_size() {
    let mut server = spawn_example("tcp_print_server", &["--addr", "127.0.0.1:0"], true);
    let addr = server.addr().to_string();
    let mut client = spawn_example("tcp_send_line", &["--addr", &addr], false);
    let mut stdin = client.child.stdin.take().unwrap();
    stdin.write_all(b"hello\n").unwrap();
    drop(stdin);
    assert_eq!(client.wait(), Some(0));
    assert_eq!(client.stdout(), "sent 6 bytes\n");
    // The print server shows the line; wait for it before stopping it.
    wait_until("the server to log the close", || {
        server.stderr.lock().unwrap().contains("closed")
    });
    assert_eq!(server.interrupt(), Some(0));
    let out = server.stdout();
    assert!(out.contains(": hello\n"), "server stdout: {out:?}");
}

#[test]
fn refused_connect_exits_1_with_one_line() {
    let addr = TcpListener::bind(loopback0())
        .unwrap()
        .local_addr()
        .unwrap();
    let addr = addr.to_string();
    let mut client = spawn_example("tcp_send_line", &["--addr", &addr], false);
    drop(
        client
            .child
            .stdin
            .take()
            .map(|mut s| s.write_all(b"hello\n")),
    );
    assert_eq!(client.wait(), Some(1));
    let err = client.stderr_with("tcp_send_line:");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("tcp_send_line:"))
        .collect();
    assert_eq!(lines.len(), 1, "stderr: {err}");
    assert!(lines[0].contains("cannot connect"), "stderr: {err}");
}
