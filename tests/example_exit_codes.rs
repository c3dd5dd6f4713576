//! Honest exit codes: a client whose connection is reset, and a program
//! whose shutdown had to abort connections (a second Ctrl-C while output
//! is still owed), exit 1 with one `NAME: reason` line on stderr instead
//! of 0.

mod util;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use util::*;

/// The single `NAME: ...` line of `ex`'s stderr (log lines start with a
/// timestamp, so they never match).
#[track_caller]
fn reason_line(ex: &Example, name: &str) -> String {
    let err = ex.stderr_with(&format!("{name}: "));
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with(&format!("{name}: ")))
        .collect();
    assert_eq!(lines.len(), 1, "stderr: {err}");
    lines[0].to_string()
}

fn signal(ex: &Example, sig: i32) {
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    unsafe { libc::kill(ex.child.id() as i32, sig) };
}

/// Regression: `tcp_client` exited 0 after "Connection reset by peer".
#[test]
fn tcp_client_exits_1_when_the_server_resets_the_connection() {
    let listener = TcpListener::bind(loopback0()).expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let server = thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        s.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        let mut buf = [0; 3];
        s.read_exact(&mut buf).expect("the client's line");
        set_linger_zero(&s);
        drop(s); // RST
    });
    let mut client = spawn_example("tcp_client", &["--addr", &addr], false);
    let mut stdin = client.child.stdin.take().expect("stdin");
    stdin.write_all(b"hi\n").expect("write stdin");
    assert_eq!(client.wait(), Some(1));
    drop(stdin);
    server.join().expect("server thread");
    let line = reason_line(&client, "tcp_client");
    assert!(line.contains("reset"), "{line}");
}

/// A std server that accepts one connection and never reads from it, so
/// whatever the other side sends piles up in its output buffer.
fn deaf_server() -> (String, thread::JoinHandle<()>, std::sync::mpsc::Sender<()>) {
    let listener = TcpListener::bind(loopback0()).expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let t = thread::spawn(move || {
        let (_s, _) = listener.accept().expect("accept");
        let _ = done_rx.recv_timeout(TIMEOUT * 2); // hold it, unread
    });
    (addr, t, done_tx)
}

/// Regression: a second SIGINT that aborted connections still exited 0.
#[test]
fn tcp_client_exits_1_when_a_second_sigint_aborts_unsent_output() {
    let (addr, server, done) = deaf_server();
    let opts = Spawn {
        rust_log: "trace", // to see when its output backs up
        ..Spawn::default()
    };
    let mut client = spawn_example_with("tcp_client", &["--addr", &addr], opts);
    let mut stdin = client.child.stdin.take().expect("stdin");
    let feeder = thread::spawn(move || {
        let mut chunk = vec![b'x'; 64 * 1024];
        chunk[64 * 1024 - 1] = b'\n';
        // Ends when the client exits (EPIPE); bounded at 64 MiB anyway.
        for _ in 0..1024 {
            if stdin.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    // The socket is full: the rest waits in the client's output buffer,
    // and a graceful shutdown cannot finish.
    client.stderr_with("WouldBlock pending=");
    signal(&client, libc::SIGINT);
    client.stderr_with("shutting down gracefully");
    signal(&client, libc::SIGINT);
    assert_eq!(client.wait(), Some(1));
    let line = reason_line(&client, "tcp_client");
    assert!(line.contains("not clean"), "{line}");
    let _ = done.send(());
    server.join().expect("server thread");
    feeder.join().expect("feeder thread");
}

/// The same for a server (`common::serve`): an echo server whose client
/// never reads its echoes.
#[test]
fn echo_server_exits_1_when_a_second_sigint_aborts_unsent_output() {
    let opts = Spawn {
        rust_log: "trace",
        wait_for_addr: true,
        ..Spawn::default()
    };
    let mut server = spawn_example_with("tcp_echo_server", &["--addr", "127.0.0.1:0"], opts);
    let mut s = connect(server.addr());
    s.set_write_timeout(Some(std::time::Duration::from_millis(200)))
        .expect("write timeout");
    let chunk = vec![b'x'; 64 * 1024];
    // Send without reading until the echoes back up in the server.
    for _ in 0..1024 {
        if server
            .stderr
            .lock()
            .unwrap()
            .contains("WouldBlock pending=")
        {
            break;
        }
        let _ = s.write(&chunk); // may time out once everything is full
    }
    server.stderr_with("WouldBlock pending=");
    signal(&server, libc::SIGINT);
    server.stderr_with("shutting down gracefully");
    signal(&server, libc::SIGINT);
    assert_eq!(server.wait(), Some(1));
    let line = reason_line(&server, "tcp_echo_server");
    assert!(line.contains("not clean"), "{line}");
    drop(s);
}

/// One SIGINT with nothing owed is still a clean exit 0.
#[test]
fn tcp_client_exits_0_on_one_sigint() {
    let mut server = spawn_example("tcp_echo_server", &["--addr", "127.0.0.1:0"], true);
    let addr = server.addr().to_string();
    let mut client = spawn_example("tcp_client", &["--addr", &addr], false);
    let mut stdin = client.child.stdin.take().expect("stdin");
    stdin.write_all(b"hi\n").expect("write stdin");
    let mut out = client.child.stdout.take().expect("stdout");
    let mut echo = [0; 3];
    out.read_exact(&mut echo).expect("the echo");
    assert_eq!(&echo, b"hi\n");
    signal(&client, libc::SIGINT);
    assert_eq!(client.wait(), Some(0));
    drop(stdin);
    assert_eq!(server.interrupt(), Some(0));
}
