//! `docs/walkthrough.md` quotes `RUST_LOG=trace` output of one echo round
//! trip. This test runs the real `tcp_echo_server` with `RUST_LOG=trace`,
//! does that round trip step by step (connect; send `hello\n`; read the echo;
//! half-close; read EOF), and checks that every ```` ```trace ```` block of the
//! document appears in the server's stderr as consecutive lines, the blocks
//! in the document's order. So the walk-through cannot rot.
//!
//! Comparison rules (documented in the walk-through too): the timestamp
//! that starts each real log line is dropped (the document shows none), and
//! the port after `127.0.0.1:` may differ (the test binds port 0). Nothing
//! else may: tokens (`tok=1.0`, mio's `Token(18446744073709551614)`), byte
//! counts (`n=6`) and the order of the lines are deterministic for this
//! round trip, so a registration that moved, or a token that changed, fails
//! the test.

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

/// Drop a leading timestamp (`2026-01-01T00:00:00.000Z`), replace the
/// port after `127.0.0.1:` with `PORT`, trim.
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
    const IP: &str = "127.0.0.1:";
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find(IP) {
        out.push_str(&rest[..at + IP.len()]);
        rest = &rest[at + IP.len()..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str("PORT");
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out.trim_end().to_string()
}

/// Where `block` occurs as consecutive lines of `have`, at or after
/// `from`: `Ok(index after it)`, or `Err(the first block line that the
/// longest partial match missed)`.
fn find_block<'a>(block: &'a [String], have: &[String], from: usize) -> Result<usize, &'a str> {
    let want: Vec<String> = block.iter().map(|l| normalize(l)).collect();
    let have: Vec<String> = have.iter().map(|l| normalize(l)).collect();
    let mut best = 0;
    for start in from..have.len() {
        let n = want
            .iter()
            .zip(&have[start..])
            .take_while(|(w, h)| w == h)
            .count();
        if n == want.len() {
            return Ok(start + n);
        }
        best = best.max(n);
    }
    Err(block[best].as_str())
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
    let mut from = 0;
    for (i, block) in blocks.iter().enumerate() {
        match find_block(block, &have, from) {
            Ok(end) => from = end,
            Err(line) => panic!(
                "docs/walkthrough.md trace block {} no longer matches the real output \
                 (consecutive lines, after the previous block);\n\
                 first line that differs: {line}\n\nreal output:\n{}",
                i + 1,
                have.join("\n")
            ),
        }
    }
}

#[test]
fn normalize_drops_timestamps_and_ports_but_keeps_tokens() {
    assert_eq!(
        normalize(
            "2026-11-21T09:56:51.716Z TRACE [evloop::reactor::listener] accept tok=0.0 peer=127.0.0.1:60006"
        ),
        "TRACE [evloop::reactor::listener] accept tok=0.0 peer=127.0.0.1:PORT"
    );
    assert_eq!(
        normalize("INFO  [evloop::reactor] listening on 127.0.0.1:20000 (tok=0.0)"),
        normalize("2026-01-01T00:00:00.000Z INFO  [evloop::reactor] listening on 127.0.0.1:41234 (tok=0.0)")
    );
    // Tokens and counts are part of the lesson: they must match.
    assert_ne!(
        normalize("TRACE [evloop::reactor::listener] accept tok=0.0 peer=127.0.0.1:1"),
        normalize("TRACE [evloop::reactor::listener] accept tok=3.7 peer=127.0.0.1:1")
    );
    assert_ne!(
        normalize("TRACE [mio::poll] registering event source with poller: token=Token(0), interests=READABLE"),
        normalize("TRACE [mio::poll] registering event source with poller: token=Token(1), interests=READABLE")
    );
}

#[test]
fn a_block_must_be_consecutive_and_after_the_previous_one() {
    let have: Vec<String> = ["a", "b", "x", "c", "d"].map(String::from).to_vec();
    let block = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(find_block(&block(&["a", "b"]), &have, 0), Ok(2));
    assert_eq!(find_block(&block(&["c", "d"]), &have, 2), Ok(5));
    // Lines in between are not skipped over...
    assert_eq!(find_block(&block(&["b", "c"]), &have, 0), Err("c"));
    // ...and an earlier block cannot match a later one's lines.
    assert_eq!(find_block(&block(&["a"]), &have, 2), Err("a"));
}
