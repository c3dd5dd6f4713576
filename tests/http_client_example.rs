//! The `http_client` example against the `http_server` example prints the
//! status and HelloWorld; it also reads chunked and close-delimited bodies
//! (from a canned `std::net` server); `https://` and a refused connection
//! exit 1 with a one-line message.

mod util;

use std::process::{Command, Output};
use std::time::{Duration, Instant};
use util::*;

/// Runs `http_client URL` to completion (bounded).
#[track_caller]
fn run_client(url: &str) -> Output {
    let mut child = Command::new(example_path("http_client"))
        .arg(url)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start http_client");
    let deadline = Instant::now() + TIMEOUT;
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("http_client did not exit");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn client_gets_hello_world_from_the_server_example() {
    let mut server = spawn_example("http_server", &["--addr", "127.0.0.1:0"], true);
    let out = run_client(&format!("http://{}/go", server.addr()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("HTTP/1.1 200 OK\n"), "{stdout}");
    assert!(stdout.contains("status code: 200"), "{stdout}");
    assert!(stdout.contains("Content-Length: 10"), "{stdout}");
    assert!(stdout.trim_end().ends_with("HelloWorld"), "{stdout}");
    // And the server printed the request line (stdout: it is data).
    assert_eq!(server.interrupt(), Some(0));
    let lines = server.stdout();
    assert!(lines.contains(" GET /go "), "server stdout: {lines}");
}

#[test]
fn https_is_refused_with_a_clear_message() {
    let out = run_client("https://127.0.0.1:9/go");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TLS is not supported"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn refused_connection_exits_1() {
    // A port that was just free: bind, learn it, drop the listener.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let out = run_client(&format!("http://127.0.0.1:{port}/go"));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(stderr.to_lowercase().contains("refused"), "{stderr}");
}

#[test]
fn bad_url_exits_1() {
    let out = run_client("ftp://127.0.0.1/go");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad URL"));
}

/// Serves one canned `response` to the first connection, after reading its
/// request head, then closes.
fn canned_server(response: &'static [u8]) -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut head = Vec::new();
        let mut b = [0u8; 1024];
        while !head.ends_with(b"\r\n\r\n") {
            match s.read(&mut b) {
                Ok(n) if n > 0 => head.extend_from_slice(&b[..n]),
                _ => return,
            }
        }
        let _ = s.write_all(response);
    });
    addr
}

#[test]
fn client_reads_chunked_and_close_delimited_bodies() {
    let chunked = canned_server(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\n5\r\nWorld\r\n0\r\n\r\n",
    );
    let out = run_client(&format!("http://{chunked}/"));
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout)
        .trim_end()
        .ends_with("\n\nHelloWorld"));
    let until_close = canned_server(b"HTTP/1.0 200 OK\r\nX-A: b\r\n\r\nto the end");
    let out = run_client(&format!("http://{until_close}/"));
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("X-A: b"), "{stdout}");
    assert!(stdout.trim_end().ends_with("to the end"), "{stdout}");
}
