//! The `http_server` example's request lines: one per request on stdout,
//! buffered (not one write per request), yet a quiet server shows its last
//! request while still running, every line is out after SIGINT, and
//! `--quiet` prints none.
mod util;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use util::*;

/// One request on its own connection; the whole response.
#[track_caller]
fn request(server: SocketAddr, head: &str, body: &str) -> String {
    let mut s = connect(server);
    let req = format!(
        "{head}\r\nHost: t\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("response");
    out
}

#[test]
fn a_quiet_server_shows_its_last_request_while_running() {
    let mut server = spawn_example("http_server", &["--addr", "127.0.0.1:0"], true);
    let stdout = server.child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    assert!(request(server.addr(), "GET /go HTTP/1.1", "").ends_with("HelloWorld"));
    assert!(request(server.addr(), "POST /nope HTTP/1.1", "hello").contains(" 404 "));
    // Nothing else happens: only the flush timer can write them out.
    let first = rx
        .recv_timeout(TIMEOUT)
        .expect("no request line while running");
    assert!(first.contains(" GET /go headers=[Host: t"), "{first}");
    let second = rx.recv_timeout(TIMEOUT).expect("no second request line");
    assert!(second.contains(" POST /nope "), "{second}");
    assert!(second.ends_with("body=\"hello\""), "{second}");
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn every_line_is_out_after_sigint_and_quiet_prints_none() {
    const N: usize = 50;
    for (args, want) in [
        (&["--addr", "127.0.0.1:0"][..], N),
        (&["--addr", "127.0.0.1:0", "--quiet"][..], 0),
    ] {
        let mut server = spawn_example("http_server", args, true);
        for i in 0..N {
            let resp = request(server.addr(), &format!("GET /r{i} HTTP/1.1"), "");
            assert!(resp.contains(" 404 "), "{resp}");
        }
        assert_eq!(server.interrupt(), Some(0));
        let out = server.stdout();
        let lines: Vec<&str> = out.lines().filter(|l| l.contains(" GET /r")).collect();
        assert_eq!(lines.len(), want, "{args:?}: stdout {out:?}");
        for (i, line) in lines.iter().enumerate() {
            assert!(line.contains(&format!(" GET /r{i} ")), "line {i}: {line}");
        }
    }
}
