//! Out of file descriptors: the `tcp_echo_server` example, started with a
//! low `RLIMIT_NOFILE`, is connected to more times than it can accept. While
//! it is stuck it must not spin (accept fails with EMFILE and leaves the
//! connection in the backlog, so a naive loop retries at 100% CPU), and once
//! clients leave, the connections still waiting in the backlog are accepted
//! and served by the accept-retry timer, without any new connect to wake it.
mod util;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
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
/// More connections than NOFILE could ever hold.
const MAX_CLIENTS: usize = 64;

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

/// Send one byte; true if it is echoed within `wait`.
#[track_caller]
fn echoes_within(c: &mut TcpStream, wait: Duration) -> bool {
    c.set_read_timeout(Some(wait)).unwrap();
    let mut b = [0u8; 1];
    let got = match c.read(&mut b) {
        Ok(1) => true,
        Ok(_) => panic!("server closed a connection it had accepted"),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => false,
        Err(e) => panic!("read: {e}"),
    };
    c.set_read_timeout(Some(TIMEOUT)).unwrap();
    got
}

#[test]
fn out_of_fds_the_server_does_not_spin_and_serves_the_backlog_after_clients_leave() {
    let (server, addr) = spawn_limited();
    let pid = server.child.id();

    // Connect until one is not served: the kernel completes the handshake
    // (the backlog is large), but the server cannot accept it.
    let mut served = Vec::new();
    let mut stuck = Vec::new();
    for _ in 0..MAX_CLIENTS {
        let mut c = connect(addr);
        c.write_all(b"x").unwrap();
        if stuck.is_empty() && echoes_within(&mut c, Duration::from_millis(500)) {
            served.push(c);
        } else {
            stuck.push(c);
        }
        if stuck.len() >= 3 {
            break;
        }
    }
    assert!(!served.is_empty(), "no connection was served at all");
    assert!(
        stuck.len() >= 3,
        "{} connections were all served under RLIMIT_NOFILE={NOFILE}",
        served.len()
    );
    wait_until("the server to report EMFILE and pause accepting", || {
        server.stderr.lock().unwrap().contains("pausing accepts")
    });

    // Stuck: the listener stays readable while accept fails. Measure.
    let (cpu0, t0) = (cpu_time(pid), Instant::now());
    thread::sleep(Duration::from_secs(1));
    let (cpu, wall) = (cpu_time(pid) - cpu0, t0.elapsed());
    assert!(
        cpu < wall / 5,
        "the server spun while out of fds: {cpu:?} CPU in {wall:?}"
    );

    // The served ones leave; their fds come back. No new connect follows:
    // only the retry timer can notice the backlog.
    drop(served);
    for (i, c) in stuck.iter_mut().enumerate() {
        assert_eq!(
            read_n(c, 1),
            b"x",
            "backlogged connection {i} was not served"
        );
        c.write_all(b"more").unwrap();
        assert_eq!(read_n(c, 4), b"more");
    }
    let log = server.stderr.lock().unwrap().clone();
    assert!(!log.contains("panicked"), "{log}");
}
