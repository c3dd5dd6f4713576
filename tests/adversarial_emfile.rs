//! Out of file descriptors: the `tcp_echo_server` example, started with a
//! low `RLIMIT_NOFILE`, is connected to more times than it can accept. While
//! it is stuck it must not spin (accept fails with EMFILE and leaves the
//! connection in the backlog, so a naive loop retries at 100% CPU), and once
//! clients leave, the connections still waiting in the backlog are accepted
//! and served by the accept-retry timer, without any new connect to wake it.
mod util;
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use util::*;

/// The child's descriptor limit: a few for stdio, epoll, the waker, the
/// signal pipe and the listener, and the rest for connections.
const NOFILE: u64 = 32;
/// Connections beyond what the limit allows: they wait in the backlog.
const BACKLOGGED: usize = 5;

/// The example, killed on drop, with its stderr collected.
struct Limited {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Limited {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `tcp_echo_server` with RLIMIT_NOFILE = `NOFILE`; its address.
#[track_caller]
fn spawn_limited() -> (Limited, SocketAddr) {
    let mut cmd = Command::new(example_path("tcp_echo_server"));
    cmd.args(["--addr", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: runs in the forked child before exec; it only calls
    // setrlimit(2), which is async-signal-safe, on a stack-allocated struct,
    // and allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: NOFILE as libc::rlim_t,
                rlim_max: NOFILE as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("start tcp_echo_server");
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
    let addr: SocketAddr = rx
        .recv_timeout(TIMEOUT)
        .unwrap_or_else(|_| panic!("no address; stderr: {}", stderr.lock().unwrap()));
    (Limited { child, stderr }, addr)
}

/// User + system CPU time of `pid` so far (from /proc/PID/stat).
#[track_caller]
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read stat");
    // The command name may contain spaces; the fields we want follow its ')'.
    let after = stat.rsplit_once(')').expect("stat format").1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // fields[0] is field 3 (state), so utime (14) and stime (15) are 11 and 12.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf has no memory effects.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_millis(ticks * 1000 / hz)
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
    let (server, addr) = spawn_limited();
    let pid = server.child.id();
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
