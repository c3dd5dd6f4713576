//! Helpers for the `rt_*` and `async_*` tests: run an `evloop::rt`
//! `Runtime` on its own thread (a `Runtime` is `!Send`, so it is built
//! there), serving a listener on 127.0.0.1:0, and stop it gracefully.
//! Every wait is bounded by `util::TIMEOUT`.
#![allow(dead_code)] // each test file uses a different subset

use crate::util::{loopback0, wait_until};
use evloop::rt::{self, RtConfig, Runtime, TaskMetrics, TcpListener, TcpStream};
use evloop::{Config, Handle, Metrics};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

/// What the runtime thread hands back once `block_on` returns.
pub struct Ended {
    pub result: io::Result<io::Result<()>>,
    pub tasks: TaskMetrics,
    pub metrics: Metrics,
}

/// A runtime serving one listener on a thread.
pub struct RtServer {
    pub addr: SocketAddr,
    pub handle: Handle,
    thread: Option<JoinHandle<Ended>>,
}

/// The default config for tests: no signals (the test process owns them).
pub fn config() -> RtConfig {
    RtConfig::from(Config::default())
}

/// Config with the pitfall `name` switched on.
pub fn with_pitfall(name: &str) -> RtConfig {
    let mut c = config();
    c.reactor.pitfalls.enable(name).expect("pitfall name");
    c
}

/// Start a runtime; `server` gets a listener bound to 127.0.0.1:0.
#[track_caller]
pub fn start<F, Fut>(config: RtConfig, server: F) -> RtServer
where
    F: FnOnce(TcpListener) -> Fut + Send + 'static,
    Fut: Future<Output = io::Result<()>> + 'static,
{
    let (tx, rx) = mpsc::channel();
    let thread = thread::spawn(move || {
        let mut runtime = Runtime::new(config).expect("runtime");
        let handle = runtime.handle();
        let result = runtime.block_on(async move {
            let listener = TcpListener::bind(loopback0()).await?;
            tx.send((listener.local_addr(), handle)).expect("send addr");
            server(listener).await
        });
        Ended {
            result,
            tasks: runtime.task_metrics(),
            metrics: runtime.metrics(),
        }
    });
    let (addr, handle) = rx
        .recv_timeout(crate::util::TIMEOUT)
        .expect("runtime did not start");
    RtServer {
        addr,
        handle,
        thread: Some(thread),
    }
}

impl RtServer {
    /// Graceful shutdown; waits (bounded) for `block_on` to return.
    #[track_caller]
    pub fn stop(mut self) -> Ended {
        self.handle.shutdown();
        let thread = self.thread.take().expect("already stopped");
        wait_until("runtime thread to finish", || thread.is_finished());
        thread.join().expect("runtime thread panicked")
    }
}

impl Drop for RtServer {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.handle.shutdown();
            let deadline = std::time::Instant::now() + crate::util::TIMEOUT;
            while !t.is_finished() && std::time::Instant::now() < deadline {
                thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
}

/// The natural async echo: read a chunk, write it back, answer EOF with EOF.
pub async fn echo(conn: TcpStream) -> io::Result<()> {
    loop {
        let chunk = conn.read_chunk().await?;
        if chunk.is_empty() {
            return conn.shutdown().await;
        }
        conn.write_all(&chunk).await?;
    }
}

/// Accept until shutdown; one echo task per connection.
pub async fn echo_server(listener: TcpListener) -> io::Result<()> {
    loop {
        match listener.accept().await {
            Ok((conn, _)) => drop(rt::spawn(echo(conn))),
            Err(e) if rt::is_shutdown(&e) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// Assert that `c` receives nothing for `quiet` (the server is stuck), then
/// restore the generous timeout. A stuck server stays stuck, so a slow
/// machine cannot make this pass by accident the other way round.
#[track_caller]
pub fn expect_silence(c: &mut std::net::TcpStream, quiet: std::time::Duration) {
    use std::io::Read;
    c.set_read_timeout(Some(quiet)).unwrap();
    let mut b = [0u8; 64];
    match c.read(&mut b) {
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) => {}
        other => panic!("expected no reply for {quiet:?}, got {other:?}"),
    }
    c.set_read_timeout(Some(crate::util::TIMEOUT)).unwrap();
}
pub mod trace;
