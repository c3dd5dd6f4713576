//! `docs/walkthrough.md` quotes `RUST_LOG=trace` output of one echo round
//! trip. This test runs the real `tcp_echo_server` with `RUST_LOG=trace`,
//! does that round trip step by step (connect; send `hello\n`; read the echo;
//! half-close; read EOF), and checks that every ```` ```trace ```` block of the
//! document still appears in the server's stderr, line by line and in
//! order (other lines may come in between). So the walk-through cannot rot.
//!
//! Comparison rules (documented in the walk-through too): the timestamp
//! that starts each real log line is dropped (the document shows none),
//! and every run of decimal digits matches any run of digits, so ports,
//! tokens (`tok=1.0`), byte counts (`n=6`) and mio's raw token numbers may
//! differ between the document and the run; everything else must match
//! exactly.

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use util::*;

/// The server, started with `RUST_LOG=trace`; killed on drop.
struct Traced {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Drop for Traced {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Traced {
    fn start() -> Traced {
        let path = example_path("tcp_echo_server");
        let mut child = Command::new(&path)
            .args(["--addr", "127.0.0.1:0"])
            .env("RUST_LOG", "trace")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", path.display()));
        let pipe = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Traced { child, lines }
    }

    /// Wait (bounded) for a log line containing all of `parts`.
    #[track_caller]
    fn wait_for(&self, parts: &[&str]) -> String {
        let mut found = None;
        wait_until(&format!("a log line with {parts:?}"), || {
            found = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .find(|l| parts.iter().all(|p| l.contains(p)))
                .cloned();
            found.is_some()
        });
        found.unwrap_or_default()
    }

    fn addr(&self) -> SocketAddr {
        let line = self.wait_for(&["listening on "]);
        let rest = line.split("listening on ").nth(1).unwrap_or("");
        rest.split_whitespace()
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
    }
}

/// Drop a leading timestamp (`2026-01-01T00:00:00.000Z`), collapse digit
/// runs to `#`, trim.
fn normalize(line: &str) -> String {
    let line = line.trim();
    let line = match line.split_once(' ') {
        Some((first, rest))
            if first.len() > 10 && first.as_bytes()[4] == b'-' && first.contains('T') =>
        {
            rest.trim_start()
        }
        _ => line,
    };
    let mut out = String::with_capacity(line.len());
    let mut in_digits = false;
    for ch in line.chars() {
        if ch.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(ch);
            in_digits = false;
        }
    }
    out.trim_end().to_string()
}

/// The ```` ```trace ```` blocks of the document, each a list of lines.
fn trace_blocks(doc: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in doc.lines() {
        let fence = line.trim_start();
        match current.as_mut() {
            None if fence.starts_with("```trace") => current = Some(Vec::new()),
            None => {}
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some(block) if !line.trim().is_empty() => block.push(line.to_string()),
            Some(_) => {}
        }
    }
    blocks
}

/// Is `want` a subsequence of `have`? On failure, the first missing line.
fn missing_line<'a>(want: &'a [String], have: &[String]) -> Option<&'a str> {
    let mut it = have.iter();
    want.iter()
        .find(|w| !it.any(|h| normalize(h) == normalize(w)))
        .map(String::as_str)
}

#[test]
fn every_trace_line_in_the_walkthrough_appears_in_a_real_run() {
    let doc_path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/walkthrough.md");
    let doc = std::fs::read_to_string(doc_path).expect("read docs/walkthrough.md");
    let blocks = trace_blocks(&doc);
    let quoted: usize = blocks.iter().map(Vec::len).sum();
    assert!(
        blocks.len() >= 4 && quoted >= 20,
        "the walk-through should quote the round trip ({} blocks, {quoted} lines found)",
        blocks.len()
    );

    let server = Traced::start();
    let addr = server.addr();
    let mut s = connect(addr);
    // One step per tick, so each block of the document is one tick.
    server.wait_for(&["echo tok=", " open"]);
    s.write_all(b"hello\n").expect("write");
    assert_eq!(read_n(&mut s, 6), b"hello\n");
    server.wait_for(&["write tok=", "pending=0"]);
    s.shutdown(Shutdown::Write).expect("shutdown");
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).expect("read to EOF");
    assert!(rest.is_empty(), "nothing after the echo, then EOF");
    server.wait_for(&["closed tok=", "reason=peer closed"]);
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    unsafe { libc::kill(server.child.id() as i32, libc::SIGINT) };
    server.wait_for(&["evloop stopped:"]);

    let have = server.lines.lock().unwrap().clone();
    for (i, block) in blocks.iter().enumerate() {
        if let Some(line) = missing_line(block, &have) {
            panic!(
                "docs/walkthrough.md trace block {} no longer matches the real output;\n\
                 first missing line (in order): {line}\n\nreal output:\n{}",
                i + 1,
                have.join("\n")
            );
        }
    }
}

#[test]
fn normalize_drops_timestamps_and_numbers() {
    assert_eq!(
        normalize(
            "2026-11-21T09:56:51.716Z TRACE [evloop::listener] accept tok=0.0 peer=127.0.0.1:60006"
        ),
        "TRACE [evloop::listener] accept tok=#.# peer=#.#.#.#:#"
    );
    assert_eq!(
        normalize("TRACE [evloop::listener] accept tok=0.0 peer=127.0.0.1:1"),
        normalize(
            "2026-01-01T00:00:00.000Z TRACE [evloop::listener] accept tok=3.7 peer=127.0.0.1:5"
        )
    );
    assert_ne!(
        normalize("TRACE [evloop::conn] write tok=1.0 n=6 pending=0"),
        normalize("TRACE [evloop::conn] write tok=1.0 n=6 pending=0 dropped")
    );
}
