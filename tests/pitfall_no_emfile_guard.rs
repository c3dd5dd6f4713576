//! Pitfall `no-emfile-guard`: when `accept` fails with EMFILE (out of file
//! descriptors), retry at once, every tick, forever.
//!
//! We run the real `tcp_echo_server` with `RLIMIT_NOFILE` so low that only a
//! few connections fit, and open more. The connections beyond the limit
//! wait in the kernel's backlog; the listener stays readable. With the
//! pitfall on, the loop retries `accept` every tick with a zero poll
//! timeout: it spins, and its CPU time (utime + stime from `/proc/PID/stat`)
//! over one second of wall time is most of that second. Off, it pauses the
//! listener and retries from a 100 ms timer: near-zero CPU, and once clients
//! close and free descriptors, the waiting connections are accepted and
//! served without any new connect.
//!
//! Two outcomes show "spinning or not", neither a speed:
//! - loop iterations: the server's final metrics line (logged on SIGINT)
//!   has `polls=N`. Over the few seconds stuck, the guarded loop wakes only
//!   for its 100 ms retry timer (tens of polls); the spinning one polls
//!   hundreds of thousands of times. We require > 20,000 versus < 2,000.
//! - CPU time over one second: the guarded loop sleeps (< 10% of the wall
//!   time); the spinning one burns what the scheduler gives it. This VM is
//!   shared, so we only require 20% for the spinning case (alone it is ~90%).

mod util;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};
use util::*;

/// Descriptors for the server: stdio, two epoll fds, the waker, the signal
/// pipe and the listener take 0..=8, which leaves three for connections.
const NOFILE: u64 = 12;
/// More clients than fit.
const CLIENTS: usize = 8;

static SERIAL: Mutex<()> = Mutex::new(());

/// SIGINT, wait (bounded) for the exit, and return `polls=N` from the
/// server's final metrics line.
#[track_caller]
fn interrupt_and_count_polls(server: &mut Example) -> u64 {
    server.interrupt();
    let mut polls = None;
    wait_until("the final metrics line", || {
        let log = server.stderr.lock().unwrap();
        polls = log
            .split_whitespace()
            .find_map(|w| w.strip_prefix("polls=").and_then(|n| n.parse().ok()));
        polls.is_some()
    });
    polls.unwrap_or(0)
}

/// Start `tcp_echo_server` under `RLIMIT_NOFILE = NOFILE`.
#[track_caller]
fn spawn_limited(pitfall: bool) -> Example {
    let mut args = vec!["--addr", "127.0.0.1:0"];
    if pitfall {
        args.extend(["--pitfall", "no-emfile-guard"]);
    }
    let mut opts = Spawn {
        nofile: Some(NOFILE),
        wait_for_addr: true,
        ..Spawn::default()
    };
    opts.rust_log = "debug"; // the final `evloop stopped: ... polls=N` line is debug
    spawn_example_with("tcp_echo_server", &args, opts)
}

/// CPU time over about one second of wall time, as a fraction of it.
#[track_caller]
fn cpu_share(pid: u32) -> f64 {
    let (t0, c0) = (Instant::now(), cpu_time(pid));
    thread::sleep(Duration::from_secs(1));
    let (t1, c1) = (Instant::now(), cpu_time(pid));
    (c1 - c0).as_secs_f64() / (t1 - t0).as_secs_f64()
}

/// Does the echo of `hi` arrive within `wait`?
fn echoed(s: &mut TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 2];
    s.read_exact(&mut buf).is_ok() && &buf == b"hi"
}

/// Open `CLIENTS` connections, each sending `hi`; split them into those
/// served (echo came back) and those stuck in the backlog.
#[track_caller]
fn overload(server: &Example) -> (Vec<TcpStream>, Vec<TcpStream>) {
    let mut clients: Vec<TcpStream> = (0..CLIENTS).map(|_| connect(server.addr())).collect();
    for c in &mut clients {
        c.write_all(b"hi").expect("write");
    }
    // Loopback echo takes microseconds; half a second is plenty, after
    // which an echo is either already here or not coming.
    thread::sleep(Duration::from_millis(500));
    let (mut served, mut stuck) = (Vec::new(), Vec::new());
    for mut c in clients {
        if echoed(&mut c, Duration::from_millis(10)) {
            served.push(c);
        } else {
            stuck.push(c);
        }
    }
    assert!(!served.is_empty(), "no client was served at all");
    assert!(
        !stuck.is_empty(),
        "all {CLIENTS} clients were served: the fd limit did not bite"
    );
    (served, stuck)
}

#[test]
fn no_emfile_guard_on_shows_the_bug() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut server = spawn_limited(true);
    let (served, stuck) = overload(&server);
    let share = cpu_share(server.child.id());
    drop((served, stuck));
    let polls = interrupt_and_count_polls(&mut server);
    assert!(
        polls > 20_000,
        "with no-emfile-guard the loop should spin on EMFILE, but polled only {polls} times"
    );
    assert!(
        share >= 0.2,
        "with no-emfile-guard the loop should spin on EMFILE, but used {:.0}% CPU",
        share * 100.0
    );
}

#[test]
fn no_emfile_guard_off_works() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut server = spawn_limited(false);
    let (served, mut stuck) = overload(&server);
    let share = cpu_share(server.child.id());
    assert!(
        share < 0.1,
        "with the guard the loop should idle on EMFILE, but used {:.0}% CPU",
        share * 100.0
    );
    assert!(
        server.stderr.lock().unwrap().contains("pausing accepts"),
        "the server should log that it paused accepting"
    );
    // Free descriptors: the backlog is accepted by the retry timer alone.
    // Each served client closes in turn, making room for the next one.
    drop(served);
    for mut c in stuck.drain(..) {
        assert!(
            echoed(&mut c, TIMEOUT),
            "a connection waiting in the backlog was not served after fds were freed"
        );
    }
    let polls = interrupt_and_count_polls(&mut server);
    assert!(
        polls < 2_000,
        "with the guard the loop should sleep on EMFILE, but polled {polls} times"
    );
}
