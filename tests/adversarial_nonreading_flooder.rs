//! A client that sends 64 MiB to the echo server and never reads its echo.
//! The server must stop reading from it (backpressure: the client's write
//! stalls well before 64 MiB), its memory must grow by at most the output
//! cap plus a little, and other clients must keep getting echoes. Runs the
//! `tcp_echo_server` example as a child so its RSS is its own.
mod util;
use std::io::Write;
use std::net::Shutdown;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use util::*;

const FLOOD: usize = 64 << 20;
/// `--max-output` default (Config::default().max_output).
const MAX_OUTPUT: u64 = 4 << 20;
const SLACK: u64 = 8 << 20;

#[track_caller]
fn round_trip(addr: std::net::SocketAddr, msg: &[u8]) {
    let mut c = connect(addr);
    c.write_all(msg).unwrap();
    assert_eq!(read_n(&mut c, msg.len()), msg);
}

#[test]
fn a_client_that_never_reads_is_paused_and_costs_at_most_the_output_cap() {
    let server = spawn_example("tcp_echo_server", &["--addr", "127.0.0.1:0"], true);
    let (addr, pid) = (server.addr(), server.child.id());
    // Warm up (first connection, buffers, logger) before the baseline.
    round_trip(addr, &pattern(256 << 10));
    let baseline = rss_kib(pid) * 1024;

    let flooder = connect(addr);
    let sent = Arc::new(AtomicU64::new(0));
    let writer = {
        let (mut s, sent) = (flooder.try_clone().unwrap(), sent.clone());
        thread::spawn(move || {
            let chunk = pattern(64 << 10);
            while (sent.load(Ordering::Relaxed) as usize) < FLOOD {
                match s.write(&chunk) {
                    Ok(n) => sent.fetch_add(n as u64, Ordering::Relaxed),
                    Err(_) => return, // we shut it down (or the write timed out)
                };
            }
        })
    };

    // Wait for the write to stall: no progress for a whole second.
    let deadline = Instant::now() + TIMEOUT;
    let mut last = (sent.load(Ordering::Relaxed), Instant::now());
    loop {
        thread::sleep(Duration::from_millis(100));
        let now = sent.load(Ordering::Relaxed);
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() >= Duration::from_secs(1) {
            break;
        }
        assert!(Instant::now() < deadline, "the flood never stalled");
    }
    let stalled_at = sent.load(Ordering::Relaxed);
    // Stalled because the write blocks, not because we were thrown out.
    assert!(
        !writer.is_finished(),
        "the flood ended instead of blocking (after {stalled_at} bytes); server log: {}",
        server.stderr.lock().unwrap()
    );
    assert!(
        stalled_at < (FLOOD as u64) / 2,
        "the server kept reading from a peer that does not read: {stalled_at} bytes taken"
    );

    // Memory: the queued echo is bounded by the pause, far below 64 MiB.
    let grown = (rss_kib(pid) * 1024).saturating_sub(baseline);
    assert!(
        grown <= MAX_OUTPUT + SLACK,
        "server RSS grew by {grown} bytes while a peer did not read (baseline {baseline})"
    );

    // Others are still served while the flooder sits there.
    for i in 0..5 {
        round_trip(addr, format!("still here {i}\n").as_bytes());
    }

    // Close the flooder; the writer's blocked write fails and it returns.
    flooder.shutdown(Shutdown::Both).unwrap();
    drop(flooder);
    wait_until("the flooding thread to stop", || writer.is_finished());
    writer.join().unwrap();
    round_trip(addr, b"after the flood\n");
    let log = server.stderr.lock().unwrap().clone();
    assert!(
        !log.contains("panicked") && !log.contains("max_output"),
        "{log}"
    );
}
