//! Out of file descriptors: the `tcp_echo_server` example, started with a
//! low `RLIMIT_NOFILE`, is connected to more times than it can accept. While
//! it is stuck it must not spin (accept fails with EMFILE and leaves the
//! connection in the backlog, so a naive loop retries at 100% CPU), and once
//! clients leave, the connections still waiting in the backlog are accepted
//! and served by the accept-retry timer, without any new connect to wake it.
mod util;
use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};
use util::*;

/// The child's descriptor limit: a few for stdio, epoll, the waker, the
/// signal pipe and the listener, and the rest for connections.
const NOFILE: u64 = 32;
/// Connections beyond what the limit allows: they wait in the backlog.
const BACKLOGGED: usize = 5;

/// Start `tcp_echo_server` with RLIMIT_NOFILE = `NOFILE`.
#[track_caller]
fn spawn_limited() -> Example {
    let opts = Spawn {
        nofile: Some(NOFILE),
        wait_for_addr: true,
        ..Spawn::default()
    };
    spawn_example_with("tcp_echo_server", &["--addr", "127.0.0.1:0"], opts)
}

/// The child's open fds numbered below NOFILE. New fds take the lowest
/// free number, so these are what the limit counts; inherited fds above it
/// (cargo's jobserver pipe, for one) do not matter.
fn fds_in_use(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("the child's /proc/PID/fd")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .filter(|&fd| fd < NOFILE)
        .count()
}

/// No byte is waiting on `c` right now (a non-blocking peek).
#[track_caller]
fn nothing_received(c: &TcpStream) -> bool {
    c.set_nonblocking(true).unwrap();
    let r = c.peek(&mut [0u8; 1]);
    c.set_nonblocking(false).unwrap();
    matches!(r, Err(e) if e.kind() == ErrorKind::WouldBlock)
}

#[test]
fn out_of_fds_the_server_does_not_spin_and_serves_the_backlog_after_clients_leave() {
    let server = spawn_limited();
    let (addr, pid) = (server.addr(), server.child.id());
    // Each accepted connection costs one fd: this many fit.
    let room = NOFILE as usize - fds_in_use(pid);
    assert!(
        (4..=30).contains(&room),
        "{room} fds free under RLIMIT_NOFILE={NOFILE}"
    );

    // Connect `room` clients plus a few more, in order. The kernel completes
    // every handshake (the backlog is large) and queues them FIFO, so the
    // server accepts exactly the first `room` and then hits EMFILE.
    let mut clients: Vec<TcpStream> = (0..room + BACKLOGGED)
        .map(|_| {
            let mut c = connect(addr);
            c.write_all(b"x").unwrap();
            c
        })
        .collect();
    let waiting = clients.split_off(room);
    for (i, c) in clients.iter_mut().enumerate() {
        assert_eq!(read_n(c, 1), b"x", "accepted connection {i} was not served");
    }
    wait_until("the server to report EMFILE and pause accepting", || {
        server.stderr.lock().unwrap().contains("pausing accepts")
    });
    assert_eq!(
        fds_in_use(pid),
        NOFILE as usize,
        "the server is not out of fds"
    );

    // Stuck: the listener stays readable while accept fails. Measure.
    let (cpu0, t0) = (cpu_time(pid), Instant::now());
    thread::sleep(Duration::from_secs(1));
    let (cpu, wall) = (cpu_time(pid) - cpu0, t0.elapsed());
    assert!(
        cpu < wall / 5,
        "the server spun while out of fds: {cpu:?} CPU in {wall:?}"
    );
    for (i, c) in waiting.iter().enumerate() {
        assert!(
            nothing_received(c),
            "backlogged connection {i} served without an fd"
        );
    }

    // The served ones leave; their fds come back. No new connect follows:
    // only the retry timer can notice the backlog.
    drop(clients);
    for (i, mut c) in waiting.into_iter().enumerate() {
        assert_eq!(
            read_n(&mut c, 1),
            b"x",
            "backlogged connection {i} was not served"
        );
        c.write_all(b"more").unwrap();
        assert_eq!(read_n(&mut c, 4), b"more");
    }
    let log = server.stderr.lock().unwrap().clone();
    assert!(!log.contains("panicked"), "{log}");
}
