//! `async_echo_server --threads 2`: two runtimes behind one port
//! (`Shards::start_async`). 200 connections open at once are spread over
//! both shards by the kernel, every echo is byte-exact, and one SIGINT
//! stops both: every client sees the server close, and the process exits 0
//! after one summary line with each shard's accept count.

mod util;
use std::io::Write;
use std::net::TcpStream;
use util::*;

const CONNS: usize = 200;

/// Connection `id`'s bytes: its id, then a pattern shifted by the id, with
/// a length that differs per connection (small enough that writing all of
/// them before reading any cannot fill a socket buffer).
fn payload(id: usize) -> Vec<u8> {
    let mut data = format!("conn {id:03}:").into_bytes();
    let tail = pattern(100 + id * 7);
    data.extend(tail.iter().map(|b| b.wrapping_add(id as u8)));
    data
}

/// The numbers in `accepted per shard [a, b, ...]` on the summary line.
#[track_caller]
fn per_shard(line: &str) -> Vec<u64> {
    let rest = line
        .split("accepted per shard [")
        .nth(1)
        .unwrap_or_else(|| panic!("no per-shard counts in {line:?}"));
    let inner = rest.split(']').next().expect("closing bracket");
    inner
        .split(", ")
        .map(|n| n.parse().expect("number"))
        .collect()
}

#[test]
fn two_async_shards_share_200_connections_and_stop_on_sigint() {
    let args = ["--addr", "127.0.0.1:0", "--threads", "2"];
    let mut server = spawn_example("async_echo_server", &args, true);
    let addr = server.addr();

    // All open at once, so the kernel hashes 200 different source ports
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

    // SIGINT with every connection still open: each shard's runtime shuts
    // down, so every client reads EOF and nothing more.
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
    let accepted = per_shard(line);
    assert_eq!(accepted.len(), 2, "{line}");
    assert!(
        accepted.iter().all(|&n| n > 0),
        "both shards must have accepted connections: {line}"
    );
    assert_eq!(accepted.iter().sum::<u64>(), CONNS as u64, "{line}");
    assert!(line.contains(&format!("total: accepted={CONNS}")), "{line}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("failed"), "{err}");
}
