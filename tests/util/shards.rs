//! Helpers for the `shards_*` tests: open many echo connections at once
//! against a sharded example, SIGINT it, and read its one summary line.

use super::{connect, pattern, read_n, read_to_eof, Example};
use std::io::Write;
use std::net::TcpStream;

/// Connection `id`'s bytes: its id, then a pattern shifted by the id, with
/// a length that differs per connection (small enough that writing all of
/// them before reading any cannot fill a socket buffer).
pub fn payload(id: usize) -> Vec<u8> {
    let mut data = format!("conn {id:03}:").into_bytes();
    let tail = pattern(100 + id * 7);
    data.extend(tail.iter().map(|b| b.wrapping_add(id as u8)));
    data
}

/// Open `conns` connections at once (so the kernel hashes that many source
/// ports over the shards' listeners), check every echo is byte-exact, then
/// SIGINT the server with all of them open: each client must read EOF and
/// nothing more, and the process must exit 0. Returns the summary line.
#[track_caller]
pub fn echo_then_sigint(server: &mut Example, conns: usize) -> String {
    let addr = server.addr();
    let mut open: Vec<TcpStream> = (0..conns).map(|_| connect(addr)).collect();
    for (id, c) in open.iter_mut().enumerate() {
        c.write_all(&payload(id)).expect("write");
    }
    for (id, c) in open.iter_mut().enumerate() {
        let want = payload(id);
        let got = read_n(c, want.len());
        assert!(
            got == want,
            "connection {id} got bytes that are not its own"
        );
    }
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    unsafe { libc::kill(server.child.id() as i32, libc::SIGINT) };
    for (id, c) in open.iter_mut().enumerate() {
        assert!(
            read_to_eof(c).is_empty(),
            "connection {id}: bytes after the echo"
        );
    }
    drop(open);
    assert_eq!(server.wait(), Some(0), "exit status after SIGINT");
    let err = server.stderr_with("shards stopped:");
    assert!(!err.contains("panicked"), "{err}");
    err.lines()
        .find(|l| l.contains("shards stopped:"))
        .expect("summary line")
        .to_string()
}

/// The numbers in `name [a, b, ...]` on the summary line.
#[track_caller]
pub fn list(line: &str, name: &str) -> Vec<u64> {
    let rest = line
        .split(&format!("{name} ["))
        .nth(1)
        .unwrap_or_else(|| panic!("no {name:?} in {line:?}"));
    let inner = rest.split(']').next().expect("closing bracket");
    inner
        .split(", ")
        .map(|n| n.parse().expect("number"))
        .collect()
}

/// `key=N` from the summed part of the summary line.
#[track_caller]
pub fn total(line: &str, key: &str) -> u64 {
    let totals = line.split("total: ").nth(1).expect("total: on the line");
    totals
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
        .parse()
        .expect("number")
}

/// Every shard accepted at least one of the `conns` connections, and the
/// summed counters show all of them accepted and closed, none left open.
#[track_caller]
pub fn assert_spread_and_drained(line: &str, shards: usize, conns: usize) {
    let accepted = list(line, "accepted per shard");
    assert_eq!(accepted.len(), shards, "{line}");
    assert!(
        accepted.iter().all(|&n| n > 0),
        "every shard must have accepted connections: {line}"
    );
    assert_eq!(total(line, "accepted"), conns as u64, "{line}");
    assert_eq!(total(line, "closed"), conns as u64, "{line}");
    assert_eq!(total(line, "open_conns"), 0, "{line}");
}
