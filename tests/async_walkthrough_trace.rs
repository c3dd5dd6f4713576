//! `docs/async.md` quotes `RUST_LOG=trace` output of one `read_chunk().await`
//! going from `Pending` to `Ready`. This test runs the real
//! `async_echo_server` with `RUST_LOG=trace`, does the same steps (wait
//! until the accept loop is parked; connect;
//! wait until the echo task is parked; send `hello\n`; read the echo; wait
//! until it is parked again; half-close; read EOF), and checks that every
//! ```` ```trace ```` block of the document still appears in the server's
//! stderr, line by line and in order (the rules of `walkthrough_trace.rs`:
//! timestamps dropped, digit runs match any digits).

mod rt_util;
mod util;

use rt_util::trace::missing_line;
use std::io::{Read, Write};
use std::net::Shutdown;
use util::*;

/// Wait (bounded) until `server`'s stderr has `n` lines containing `part`.
#[track_caller]
fn wait_for_count(server: &Example, part: &str, n: usize) {
    wait_until(&format!("{n} log lines with {part:?}"), || {
        server.stderr.lock().unwrap().matches(part).count() >= n
    });
}

#[test]
fn every_trace_line_in_async_md_appears_in_a_real_run() {
    let doc_path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/async.md");
    let doc = std::fs::read_to_string(doc_path).expect("read docs/async.md");
    let blocks = trace_blocks(&doc);
    let quoted: usize = blocks.iter().map(Vec::len).sum();
    assert!(
        blocks.len() >= 4 && quoted >= 30,
        "docs/async.md should quote the whole read ({} blocks, {quoted} lines)",
        blocks.len()
    );
    let opts = Spawn {
        rust_log: "trace",
        wait_for_addr: true,
        ..Spawn::default()
    };
    let mut server = spawn_example_with("async_echo_server", &["--addr", "127.0.0.1:0"], opts);
    // The accept loop is parked before we connect, so the connection
    // arrives as an event (not through the first, optimistic accept).
    wait_for_count(&server, "task=0.0 Pending", 1);
    let mut s = connect(server.addr());
    wait_for_count(&server, "task=1.0 Pending", 1); // parked, no data yet
    s.write_all(b"hello\n").expect("write");
    assert_eq!(read_n(&mut s, 6), b"hello\n");
    wait_for_count(&server, "task=1.0 Pending", 2); // parked again
    s.shutdown(Shutdown::Write).expect("shutdown");
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).expect("read to EOF");
    assert!(rest.is_empty(), "nothing after the echo, then EOF");
    wait_for_count(&server, "task=1.0 Ready", 1);
    assert_eq!(server.interrupt(), Some(0));
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
                "docs/async.md trace block {} no longer matches the real output;\n\
                 first missing line (in order): {line}\n\nreal output:\n{}",
                i + 1,
                have.join("\n")
            );
        }
    }
}
