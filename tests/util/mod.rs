//! Shared test helpers: run a reactor on a thread, talk to it with
//! `std::net` clients (every read with a timeout), and run example binaries.
//! Loopback only; every wait is bounded.
#![allow(dead_code)] // each test file uses a different subset

use evloop::{Config, Handle, Metrics, Reactor, Service};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Generous: a shared 2-core VM can be slow. Tests assert outcomes, not speed.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// A reactor running on its own thread.
pub struct Server<S: Service + Send + 'static> {
    /// The first address the setup returned (listener or UDP socket).
    pub addr: SocketAddr,
    /// Every address the setup returned.
    pub addrs: Vec<SocketAddr>,
    pub handle: Handle,
    thread: Option<JoinHandle<S>>,
}

/// Start `service` with `config`, listening on 127.0.0.1:0.
#[track_caller]
pub fn serve<S: Service + Send + 'static>(service: S, config: Config) -> Server<S> {
    serve_with(service, config, |r| {
        let tok = r.listen(loopback0()).expect("listen");
        vec![r.local_addr(tok).expect("local addr")]
    })
}

/// Start `service`; `setup` registers sources and returns their addresses.
#[track_caller]
pub fn serve_with<S, F>(service: S, config: Config, setup: F) -> Server<S>
where
    S: Service + Send + 'static,
    F: FnOnce(&mut Reactor<S>) -> Vec<SocketAddr> + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let thread = thread::spawn(move || {
        let mut reactor = Reactor::new(service, config).expect("reactor");
        let addrs = setup(&mut reactor);
        tx.send((addrs, reactor.handle())).expect("send addr");
        reactor.run().expect("run");
        reactor.into_service()
    });
    let (addrs, handle) = rx.recv_timeout(TIMEOUT).expect("server did not start");
    Server {
        addr: addrs[0],
        addrs,
        handle,
        thread: Some(thread),
    }
}

impl<S: Service + Send + 'static> Server<S> {
    /// Graceful shutdown; waits (bounded) for `run()` to return; gives the service back.
    #[track_caller]
    pub fn stop(mut self) -> S {
        self.handle.shutdown();
        self.join()
    }

    /// Wait (bounded) for `run()` to return on its own.
    #[track_caller]
    pub fn join(&mut self) -> S {
        let thread = self.thread.take().expect("already joined");
        wait_until("reactor thread to finish", || thread.is_finished());
        thread.join().expect("reactor thread panicked")
    }
}

impl<S: Service + Send + 'static> Drop for Server<S> {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.handle.shutdown();
            let deadline = Instant::now() + TIMEOUT;
            while !t.is_finished() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

pub fn loopback0() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// Connect with read and write timeouts set.
#[track_caller]
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s.set_write_timeout(Some(TIMEOUT)).unwrap();
    s
}

/// Read exactly `n` bytes (fails on timeout or early EOF).
#[track_caller]
pub fn read_n(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    s.read_exact(&mut buf)
        .unwrap_or_else(|e| panic!("reading {n} bytes: {e}"));
    buf
}

/// Read until the server closes (fails on timeout).
#[track_caller]
pub fn read_to_eof(s: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)
        .unwrap_or_else(|e| panic!("reading to EOF: {e}"));
    buf
}

/// The server closed: the next read returns 0 (or a reset).
#[track_caller]
pub fn expect_closed(s: &mut TcpStream) {
    let mut b = [0u8; 1024];
    loop {
        match s.read(&mut b) {
            Ok(0) => return,
            Ok(_) => continue, // drain what was in flight
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
            Err(e) => panic!("expected the server to close, got {e}"),
        }
    }
}

/// Send everything, then half-close our side.
#[track_caller]
pub fn send_and_shutdown(s: &mut TcpStream, data: &[u8]) {
    s.write_all(data).expect("write");
    s.shutdown(Shutdown::Write).expect("shutdown");
}

/// A UDP client socket on loopback with a read timeout.
#[track_caller]
pub fn udp_client() -> UdpSocket {
    let s = UdpSocket::bind(loopback0()).expect("bind udp");
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s
}

/// Poll `cond` every 10 ms until true; fail after `TIMEOUT`.
#[track_caller]
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// Deterministic test payload of `n` bytes.
pub fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// The example binary `name`, which `cargo test` builds into
/// `target/<profile>/examples/` (this test runs from `target/<profile>/deps/`).
pub fn example_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let profile_dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    profile_dir.join("examples").join(name)
}

/// A running example process; killed on drop.
pub struct Example {
    pub child: Child,
    /// The address from its "listening on ADDR" / "udp bound on ADDR" log line.
    pub addr: Option<SocketAddr>,
    /// Everything it has written to stderr so far.
    pub stderr: Arc<Mutex<String>>,
}

/// How to start an example: see [`spawn_example_with`].
#[derive(Clone, Copy, Debug)]
pub struct Spawn {
    /// `RUST_LOG` for the child; `"info"` by default.
    pub rust_log: &'static str,
    /// If set, the child's `RLIMIT_NOFILE` (soft and hard), set before exec.
    pub nofile: Option<u64>,
    /// Wait (bounded) for its "listening on ADDR" or "udp bound on ADDR"
    /// line (pass `--addr 127.0.0.1:0`).
    pub wait_for_addr: bool,
}

impl Default for Spawn {
    fn default() -> Self {
        Spawn {
            rust_log: "info",
            nofile: None,
            wait_for_addr: false,
        }
    }
}

/// Start example `name` with `args` and `RUST_LOG=info`; if `wait_for_addr`,
/// wait (bounded) for its "listening on ADDR" or "udp bound on ADDR" line
/// (pass `--addr 127.0.0.1:0`).
#[track_caller]
pub fn spawn_example(name: &str, args: &[&str], wait_for_addr: bool) -> Example {
    spawn_example_with(
        name,
        args,
        Spawn {
            wait_for_addr,
            ..Spawn::default()
        },
    )
}

/// Start example `name` with `args` as `opts` says.
#[track_caller]
pub fn spawn_example_with(name: &str, args: &[&str], opts: Spawn) -> Example {
    let path = example_path(name);
    let mut cmd = Command::new(&path);
    cmd.args(args)
        .env("RUST_LOG", opts.rust_log)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(nofile) = opts.nofile {
        // SAFETY: runs in the forked child before exec; it only calls
        // setrlimit(2), which is async-signal-safe, on a stack-allocated
        // struct, and allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit {
                    rlim_cur: nofile as libc::rlim_t,
                    rlim_max: nofile as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", path.display()));
    let stderr = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel();
    let pipe = child.stderr.take().expect("stderr");
    let sink = stderr.clone();
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            for marker in ["listening on ", "udp bound on "] {
                if let Some(rest) = line.split(marker).nth(1) {
                    if let Some(Ok(addr)) = rest.split_whitespace().next().map(str::parse) {
                        let _ = tx.send(addr);
                    }
                }
            }
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    let addr = opts.wait_for_addr.then(|| {
        rx.recv_timeout(TIMEOUT).unwrap_or_else(|_| {
            panic!(
                "{name} did not report its address; stderr: {}",
                stderr.lock().unwrap()
            )
        })
    });
    Example {
        child,
        addr,
        stderr,
    }
}

impl Example {
    #[track_caller]
    pub fn addr(&self) -> SocketAddr {
        self.addr
            .expect("example was started without waiting for its address")
    }

    /// Send SIGINT and wait (bounded) for the exit status code.
    #[track_caller]
    pub fn interrupt(&mut self) -> Option<i32> {
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        self.wait()
    }

    /// Wait (bounded) for the process to exit; its exit code.
    #[track_caller]
    pub fn wait(&mut self) -> Option<i32> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "example did not exit");
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Its stderr once it contains `marker` (a thread collects the pipe, so
    /// it can lag behind the exit status).
    #[track_caller]
    pub fn stderr_with(&self, marker: &str) -> String {
        wait_until(&format!("{marker:?} on stderr"), || {
            self.stderr.lock().unwrap().contains(marker)
        });
        let err = self.stderr.lock().unwrap().clone();
        err
    }

    /// Read its stdout to the end (after it exited or closed stdout).
    pub fn stdout(&mut self) -> String {
        let mut out = String::new();
        if let Some(mut s) = self.child.stdout.take() {
            let _ = s.read_to_string(&mut out);
        }
        out
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Make `close` send a RST instead of a FIN (SO_LINGER on, timeout 0).
#[track_caller]
pub fn set_linger_zero(s: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt on a valid fd we own, with a pointer to a live,
    // correctly sized `linger`.
    let rc = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(
        rc,
        0,
        "setsockopt(SO_LINGER): {}",
        std::io::Error::last_os_error()
    );
}

/// Wait (bounded) until the server's `bytes_in` has not changed for `quiet`:
/// it has stopped reading (backpressure). Returns the metrics at that point.
#[track_caller]
pub fn wait_for_reads_to_stop(handle: &Handle, quiet: Duration) -> Metrics {
    let deadline = Instant::now() + TIMEOUT;
    let mut last = handle.metrics();
    let mut since = Instant::now();
    loop {
        thread::sleep(Duration::from_millis(20));
        let m = handle.metrics();
        if m.bytes_in != last.bytes_in {
            last = m;
            since = Instant::now();
        } else if since.elapsed() >= quiet {
            return m;
        }
        assert!(Instant::now() < deadline, "the server kept reading: {m}");
    }
}

/// File descriptors this process has open now (the in-process server's too).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// User + system CPU time of process `pid` so far (utime + stime from
/// `/proc/PID/stat`).
#[track_caller]
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/PID/stat");
    // The command name may contain spaces and ')'; the fields we want follow
    // its last ')'.
    let after = stat.rsplit_once(')').expect("stat format").1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // fields[0] is field 3 (state), so utime (14) and stime (15) are 11 and 12.
    let ticks =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    // SAFETY: sysconf has no memory effects.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_secs(ticks / hz) + Duration::from_nanos((ticks % hz) * 1_000_000_000 / hz)
}

/// Resident set size of process `pid`, in KiB (VmRSS from `/proc/PID/status`).
#[track_caller]
pub fn rss_kib(pid: u32) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/PID/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS line");
    line.split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("VmRSS value")
}
