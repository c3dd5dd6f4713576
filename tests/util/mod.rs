//! Shared test helpers: run a reactor on a thread, talk to it with
//! `std::net` clients (every read with a timeout), and (in `process.rs`)
//! run the example binaries. Loopback only; every wait is bounded.
#![allow(dead_code)] // each test file uses a different subset

use evloop::{Config, Handle, Metrics, Reactor, Service};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

mod process;
pub mod shards;
#[allow(unused_imports)] // each test file uses a different subset
pub use process::*;

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

/// The number after `"key":` in a flat JSON object.
#[track_caller]
pub fn json_field(json: &str, key: &str) -> f64 {
    let pat = format!("\"{key}\":");
    let start = json
        .find(&pat)
        .unwrap_or_else(|| panic!("no {key} in {json}"))
        + pat.len();
    let rest = &json[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end]
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{key} in {json}: {e}"))
}

/// The ```` ```trace ```` blocks of `doc` (a Markdown file), each a
/// list of lines: what `walkthrough_trace` and `async_walkthrough_trace`
/// compare with a real run.
pub fn trace_blocks(doc: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in doc.lines() {
        let fence = line.trim_start();
        match current.as_mut() {
            None if fence.starts_with("```trace") => current = Some(Vec::new()),
            None => {}
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some(block) if !line.trim().is_empty() => block.push(line.to_string()),
            Some(_) => {}
        }
    }
    blocks
}
