//! The `tcp_client` example binary: stdin lines to the server, server
//! bytes to stdout, half-close at the end of stdin, `q` quits.

mod util;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use util::*;

fn echo_server() -> Example {
    spawn_example("tcp_echo_server", &["--addr", "127.0.0.1:0"], true)
}

#[test]
fn piped_stdin_against_echo_server_prints_it_back() {
    let mut server = echo_server();
    let addr = server.addr().to_string();
    let mut client = spawn_example("tcp_client", &["--addr", &addr], false);
    let mut stdin = client.child.stdin.take().unwrap();
    stdin.write_all(b"hi\n").unwrap();
    drop(stdin); // EOF: the client half-closes and waits for the server
    assert_eq!(client.wait(), Some(0));
    assert_eq!(client.stdout(), "hi\n");
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn typing_q_exits_0_while_stdin_stays_open() {
    let mut server = echo_server();
    let addr = server.addr().to_string();
    let mut client = spawn_example("tcp_client", &["--addr", &addr], false);
    let mut stdin = client.child.stdin.take().unwrap();
    stdin.write_all(b"q\n").unwrap();
    assert_eq!(client.wait(), Some(0));
    drop(stdin);
    assert_eq!(server.interrupt(), Some(0));
}

/// Everything the child prints, as it arrives (a thread reads the pipe).
fn stdout_feed(client: &mut Example) -> mpsc::Receiver<u8> {
    let mut pipe = client.child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0; 256];
        while let Ok(n @ 1..) = pipe.read(&mut buf) {
            for &b in &buf[..n] {
                if tx.send(b).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

/// The next `n` bytes from `feed`, waiting at most `TIMEOUT` for each.
#[track_caller]
fn next_bytes(feed: &mpsc::Receiver<u8>, n: usize) -> String {
    let bytes: Vec<u8> = (0..n)
        .map(|_| feed.recv_timeout(TIMEOUT).expect("client output"))
        .collect();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn each_ok_reply_is_printed_on_its_own_line() {
    let mut server = spawn_example("tcp_ok_server", &["--addr", "127.0.0.1:0"], true);
    let addr = server.addr().to_string();
    let mut client = spawn_example("tcp_client", &["--addr", &addr], false);
    let feed = stdout_feed(&mut client);
    let mut stdin = client.child.stdin.take().unwrap();
    // Each line is answered before the next is typed, so each is one read.
    for line in [&b"one\n"[..], b"two\n"] {
        stdin.write_all(line).unwrap();
        assert_eq!(next_bytes(&feed, 3), "ok\n");
    }
    drop(stdin);
    assert_eq!(client.wait(), Some(0));
    assert!(
        feed.recv_timeout(TIMEOUT).is_err(),
        "more output than expected"
    );
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn stdin_from_a_regular_file_uses_the_thread_fallback() {
    let mut server = echo_server();
    let path = std::env::temp_dir().join(format!("evloop-tcp-client-{}.txt", std::process::id()));
    std::fs::write(&path, b"from a file\nlast line").unwrap();
    let child = Command::new(example_path("tcp_client"))
        .args(["--addr", &server.addr().to_string()])
        .stdin(Stdio::from(std::fs::File::open(&path).unwrap()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting tcp_client");
    let mut client = Example {
        child,
        addr: None,
        stderr: Arc::new(Mutex::new(String::new())),
    };
    let code = client.wait();
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, Some(0));
    // Byte for byte, plus a final newline so the shell prompt starts a line.
    assert_eq!(client.stdout(), "from a file\nlast line\n");
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn refused_connect_exits_1_with_one_line() {
    let addr = std::net::TcpListener::bind(loopback0())
        .unwrap()
        .local_addr()
        .unwrap();
    let addr = addr.to_string();
    let mut client = spawn_example("tcp_client", &["--addr", &addr], false);
    assert_eq!(client.wait(), Some(1));
    let err = client.stderr_with("tcp_client:");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("tcp_client:"))
        .collect();
    assert_eq!(lines.len(), 1, "stderr: {err}");
    assert!(lines[0].contains("refused"), "stderr: {err}");
}
