//! `tcp_echo_server --threads 2`: 400 connections open at once are spread
//! over both shards by the kernel, every echo is byte-exact, and one SIGINT
//! drains both shards: every client sees the server close, nothing stays
//! open, and the process exits 0 after one summary line.

mod util;
use std::io::Write;
use std::net::TcpStream;
use util::*;

const CONNS: usize = 400;

/// Connection `id`'s bytes: its id, then a pattern shifted by the id, with
/// a length that differs per connection (small enough that writing all of
/// them before reading any cannot fill a socket buffer).
fn payload(id: usize) -> Vec<u8> {
    let mut data = format!("conn {id:03}:").into_bytes();
    let tail = pattern(100 + id * 7);
    data.extend(tail.iter().map(|b| b.wrapping_add(id as u8)));
    data
}

/// The numbers in `name [a, b, ...]` on the summary line.
#[track_caller]
fn list(line: &str, name: &str) -> Vec<u64> {
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
fn total(line: &str, key: &str) -> u64 {
    let totals = line.split("total: ").nth(1).expect("total: on the line");
    totals
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
        .parse()
        .expect("number")
}

#[test]
fn two_shards_share_400_connections_and_drain_on_sigint() {
    let args = ["--addr", "127.0.0.1:0", "--threads", "2"];
    let mut server = spawn_example("tcp_echo_server", &args, true);
    let addr = server.addr();

    // All open at once, so the kernel hashes 400 different source ports
    // over the two shards' listeners.
    let mut conns: Vec<TcpStream> = (0..CONNS).map(|_| connect(addr)).collect();
    for (id, c) in conns.iter_mut().enumerate() {
        c.write_all(&payload(id)).expect("write");
    }
    for (id, c) in conns.iter_mut().enumerate() {
        let want = payload(id);
        let got = read_n(c, want.len());
        assert!(
            got == want,
            "connection {id} got bytes that are not its own"
        );
    }

    // SIGINT with every connection still open: both shards close them
    // gracefully (each client reads EOF, then closes its side).
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    unsafe { libc::kill(server.child.id() as i32, libc::SIGINT) };
    for (id, c) in conns.iter_mut().enumerate() {
        assert!(
            read_to_eof(c).is_empty(),
            "connection {id}: bytes after the echo"
        );
    }
    drop(conns);
    assert_eq!(server.wait(), Some(0), "exit status after SIGINT");

    let err = server.stderr_with("shards stopped:");
    let line = err
        .lines()
        .find(|l| l.contains("shards stopped:"))
        .expect("summary line");
    let accepted = list(line, "accepted per shard");
    assert_eq!(accepted.len(), 2, "{line}");
    assert!(
        accepted.iter().all(|&n| n > 0),
        "both shards must have accepted connections: {line}"
    );
    assert_eq!(total(line, "accepted"), CONNS as u64, "{line}");
    assert_eq!(total(line, "closed"), CONNS as u64, "{line}");
    assert_eq!(total(line, "open_conns"), 0, "{line}");
    assert!(!err.contains("panicked"), "{err}");
}
