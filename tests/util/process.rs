//! Child processes for the tests: run the example binaries that `cargo test`
//! builds, read their logs, signal them, and read their CPU time and memory
//! from `/proc`. Every wait is bounded by [`TIMEOUT`].

use super::{wait_until, TIMEOUT};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The example binary `name` in `target/<profile>/examples/` (this test
/// runs from `target/<profile>/deps/`), built first if it is out of date.
///
/// `cargo test` builds the examples, but `cargo test --test NAME` does not,
/// so a focused run would otherwise test a stale binary. So the first use
/// of each example in a test process runs `cargo build --example NAME`
/// (a fraction of a second when it is up to date).
#[track_caller]
pub fn example_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let profile_dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    build_example(
        name,
        profile_dir.file_name().is_some_and(|p| p == "release"),
    );
    profile_dir.join("examples").join(name)
}

/// `cargo build --example name`, once per test process and example.
#[track_caller]
fn build_example(name: &str, release: bool) {
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if built.iter().any(|b| b == name) {
        return;
    }
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--quiet", "--example", name]);
    if release {
        cmd.arg("--release");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running cargo build --example {name}: {e}"));
    assert!(
        out.status.success(),
        "cargo build --example {name} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    built.push(name.to_string());
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

/// Run example `name` with `args`, no `RUST_LOG`, `input` on stdin (then
/// EOF), until it exits (bounded by `Example::wait`): (exit code, stdout,
/// stderr). Stderr is read on its own thread, so a chatty child cannot
/// block on a full pipe.
#[track_caller]
pub fn run_to_end(name: &str, args: &[&str], input: &[u8]) -> (Option<i32>, String, String) {
    let child = Command::new(example_path(name))
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {name}: {e}"));
    let mut ex = Example {
        child,
        addr: None,
        stderr: Default::default(),
    };
    let mut stdin = ex.child.stdin.take().expect("stdin");
    std::io::Write::write_all(&mut stdin, input).expect("write stdin");
    drop(stdin);
    let mut err_pipe = ex.child.stderr.take().expect("stderr");
    let err = thread::spawn(move || {
        let mut s = String::new();
        let _ = err_pipe.read_to_string(&mut s);
        s
    });
    let code = ex.wait();
    let out = ex.stdout();
    (code, out, err.join().expect("stderr reader"))
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
