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

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use util::*;

/// Descriptors for the server: stdio, two epoll fds, the waker, the signal
/// pipe and the listener take 0..=8, which leaves three for connections.
const NOFILE: u64 = 12;
/// More clients than fit.
const CLIENTS: usize = 8;

static SERIAL: Mutex<()> = Mutex::new(());

/// The running server, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// SIGINT, wait (bounded) for the exit, and return `polls=N` from the
    /// final metrics line.
    #[track_caller]
    fn interrupt_and_count_polls(&mut self) -> u64 {
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let deadline = Instant::now() + TIMEOUT;
        while self.child.try_wait().expect("try_wait").is_none() {
            assert!(Instant::now() < deadline, "server did not exit on SIGINT");
            thread::sleep(Duration::from_millis(10));
        }
        let mut polls = None;
        wait_until("the final metrics line", || {
            let log = self.stderr.lock().unwrap();
            polls = log
                .split_whitespace()
                .find_map(|w| w.strip_prefix("polls=").and_then(|n| n.parse().ok()));
            polls.is_some()
        });
        polls.unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `tcp_echo_server` under `RLIMIT_NOFILE = NOFILE`.
#[track_caller]
fn spawn_limited(pitfall: bool) -> Server {
    let mut cmd = Command::new(example_path("tcp_echo_server"));
    cmd.args(["--addr", "127.0.0.1:0"]);
    if pitfall {
        cmd.args(["--pitfall", "no-emfile-guard"]);
    }
    cmd.env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: runs in the forked child before exec; setrlimit(2) is
    // async-signal-safe and touches no memory of ours but `lim`, on its stack.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: NOFILE,
                rlim_max: NOFILE,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn tcp_echo_server");
    let pipe = child.stderr.take().expect("stderr");
    let stderr = Arc::new(Mutex::new(String::new()));
    let sink = stderr.clone();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on ").nth(1) {
                if let Some(Ok(addr)) = rest.split_whitespace().next().map(str::parse) {
                    let _ = tx.send(addr);
                }
            }
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    let addr = rx.recv_timeout(TIMEOUT).expect("server did not start");
    Server {
        child,
        addr,
        stderr,
    }
}

/// utime + stime of `pid`, in clock ticks.
#[track_caller]
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc stat");
    // Fields after the `(comm)`: state is field 3, utime 14, stime 15.
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    f[11].parse::<u64>().expect("utime") + f[12].parse::<u64>().expect("stime")
}

/// CPU time over about one second of wall time, as a fraction of it.
#[track_caller]
fn cpu_share(pid: u32) -> f64 {
    // SAFETY: sysconf has no memory effects.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let (t0, c0) = (Instant::now(), cpu_ticks(pid));
    thread::sleep(Duration::from_secs(1));
    let (t1, c1) = (Instant::now(), cpu_ticks(pid));
    (c1 - c0) as f64 / hz / (t1 - t0).as_secs_f64()
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
fn overload(server: &Server) -> (Vec<TcpStream>, Vec<TcpStream>) {
    let mut clients: Vec<TcpStream> = (0..CLIENTS).map(|_| connect(server.addr)).collect();
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
    let polls = server.interrupt_and_count_polls();
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
    let polls = server.interrupt_and_count_polls();
    assert!(
        polls < 2_000,
        "with the guard the loop should sleep on EMFILE, but polled {polls} times"
    );
}
