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

use std::io::{Read, Write};
use std::net::Shutdown;
use util::*;

/// `tcp_echo_server`, started with `RUST_LOG=trace`; its address known.
#[track_caller]
fn start_traced() -> Example {
    let opts = Spawn {
        rust_log: "trace",
        wait_for_addr: true,
        ..Spawn::default()
    };
    spawn_example_with("tcp_echo_server", &["--addr", "127.0.0.1:0"], opts)
}

/// Wait (bounded) for a log line of `server` containing all of `parts`.
#[track_caller]
fn wait_for(server: &Example, parts: &[&str]) -> String {
    let mut found = None;
    wait_until(&format!("a log line with {parts:?}"), || {
        found = server
            .stderr
            .lock()
            .unwrap()
            .lines()
            .find(|l| parts.iter().all(|p| l.contains(p)))
            .map(str::to_string);
        found.is_some()
    });
    found.unwrap_or_default()
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

    let server = start_traced();
    let addr = server.addr();
    let mut s = connect(addr);
    // One step per tick, so each block of the document is one tick.
    wait_for(&server, &["echo tok=", " open"]);
    s.write_all(b"hello\n").expect("write");
    assert_eq!(read_n(&mut s, 6), b"hello\n");
    wait_for(&server, &["write tok=", "pending=0"]);
    s.shutdown(Shutdown::Write).expect("shutdown");
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).expect("read to EOF");
    assert!(rest.is_empty(), "nothing after the echo, then EOF");
    wait_for(&server, &["closed tok=", "reason=peer closed"]);
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    unsafe { libc::kill(server.child.id() as i32, libc::SIGINT) };
    wait_for(&server, &["evloop stopped:"]);

    let have: Vec<String> = server
        .stderr
        .lock()
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
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
            "2026-11-21T09:56:51.716Z TRACE [evloop::reactor::listener] accept tok=0.0 peer=127.0.0.1:60006"
        ),
        "TRACE [evloop::reactor::listener] accept tok=#.# peer=#.#.#.#:#"
    );
    assert_eq!(
        normalize("TRACE [evloop::reactor::listener] accept tok=0.0 peer=127.0.0.1:1"),
        normalize(
            "2026-01-01T00:00:00.000Z TRACE [evloop::reactor::listener] accept tok=3.7 peer=127.0.0.1:5"
        )
    );
    assert_ne!(
        normalize("TRACE [evloop::conn] write tok=1.0 n=6 pending=0"),
        normalize("TRACE [evloop::conn] write tok=1.0 n=6 pending=0 dropped")
    );
}
