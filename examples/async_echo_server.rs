//! TCP echo server as `async fn` on the evloop reactor: the same server as
//! `tcp_echo_server`, written the way a tokio user would write it.
//!
//! Run:  cargo run --release --example async_echo_server
//! Try:  printf 'hello\n' | nc -N 127.0.0.1 20000
//!       (or `cargo run --example async_tcp_client` and type lines)
//!
//! Options:
//!   --addr HOST:PORT   where to listen (default 127.0.0.1:20000)
//!   --pitfall NAME     reproduce a classic bug (default: none; repeatable; see the
//!                      README's pitfall table):
//!                      lost-waker, wake-spin, no-task-budget, and the
//!                      reactor's (no-drain, … apply to callback sources only)
//!   --slow-line TEXT   a line equal to TEXT makes its connection do 2 s of
//!                      blocking work first (default: none; through
//!                      spawn_blocking, or with --pitfall blocking-in-task,
//!                      on the loop thread)
//!   --threads N        run N runtimes, one per thread, on the same port
//!                      (SO_REUSEPORT; default 1)
//!   --pin              pin runtime i to CPU i
//!
//! Read it three ways: `Echo::on_data` (`src/services/echo.rs`) is the
//! callback version, `examples/peer_tokio_echo.rs` the tokio one, and
//! `echo` below this one. What the compiler makes of `echo` (a state
//! machine like `ConnState`, 100-odd bytes) is in `docs/async.md`.
//! Ctrl-C: the listener closes, idle connections end, replies in flight
//! are still written, and the process exits 0. With `--threads N`, every
//! runtime does that, and one line sums up each shard's accepts.

mod common;

use evloop::rt::{self, RtConfig, Runtime, TcpListener, TcpStream};
use std::io;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

/// `--slow-line`, set once in `main`.
static SLOW_LINE: OnceLock<Vec<u8>> = OnceLock::new();

/// The whole echo protocol. Waits for data holding no buffer (an idle
/// connection costs its task and its slab entry, nothing more), echoes each
/// chunk, and answers the peer's EOF with ours.
async fn echo(conn: TcpStream) -> io::Result<()> {
    loop {
        let chunk = conn.read_chunk().await?;
        if chunk.is_empty() {
            return conn.shutdown().await;
        }
        if SLOW_LINE
            .get()
            .is_some_and(|s| chunk.strip_suffix(b"\n") == Some(s))
        {
            slow_job().await?;
        }
        conn.write_all(&chunk).await?;
    }
}

/// Blocking work (a stand-in for a password hash or a file read).
async fn slow_job() -> io::Result<()> {
    let job = rt::spawn_blocking(|| std::thread::sleep(Duration::from_secs(2)));
    Ok(job.await?)
}

/// One connection's task: the echo, and a log line if it failed. Keeps
/// nothing but the echo's own state across the wait (no peer address).
async fn handle(conn: TcpStream) {
    let task = echo(conn);
    // The compiler's state machine for `echo`: see docs/async.md.
    log::debug!("echo future is {} bytes", std::mem::size_of_val(&task));
    if let Err(e) = task.await {
        if !rt::is_shutdown(&e) {
            log::debug!("connection ended: {e}");
        }
    }
}

/// Accept until the shutdown; returns how many connections it accepted.
async fn serve(listener: TcpListener) -> io::Result<u64> {
    let mut accepted = 0;
    loop {
        match listener.accept().await {
            Ok((conn, peer)) => {
                log::debug!("accepted {peer}");
                accepted += 1;
                drop(rt::spawn(handle(conn)));
            }
            Err(e) if rt::is_shutdown(&e) => return Ok(accepted),
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                log::warn!("accept failed: {e}; retrying in 100 ms");
                rt::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

fn main() {
    common::init_logging();
    let mut args = common::Args::parse(include_str!("async_echo_server.rs"));
    let addr = args.addr("127.0.0.1:20000");
    // Only the pitfalls: the reactor's connection limits (`--max-conns`,
    // `--idle-timeout`, `--max-output`) apply to callback connections, and
    // a future-driven socket has no output buffer to cap (`write_all` waits).
    let mut config = evloop::Config {
        handle_signals: true,
        ..evloop::Config::default()
    };
    for name in args.all("pitfall") {
        config
            .pitfalls
            .enable(&name)
            .unwrap_or_else(|e| common::fail(e));
    }
    if let Some(line) = args.get("slow-line") {
        let _ = SLOW_LINE.set(line.into_bytes());
    }
    let cores = args.cores();
    args.finish();
    if config.pitfalls != evloop::Pitfalls::default() {
        log::warn!(
            "running with classic bugs switched on: {:?}",
            config.pitfalls
        );
    }
    if cores.threads > 1 || cores.pin {
        return serve_on_shards(cores, config, addr);
    }
    let mut runtime = Runtime::new(RtConfig::from(config))
        .unwrap_or_else(|e| common::fail(format!("cannot start: {e}")));
    match runtime.block_on(async move { serve(TcpListener::bind(addr).await?).await }) {
        Ok(Ok(n)) => log::info!("shut down cleanly after {n} connection(s)"),
        Ok(Err(e)) => common::fail(format!("cannot listen on {addr}: {e}")),
        Err(e) => common::fail(format!("event loop failed: {e}")),
    }
}

/// `--threads N`: the same `serve`, on N runtimes with a listener each
/// (`evloop::Shards`), and the library's one summary line.
fn serve_on_shards(cores: common::Cores, config: evloop::Config, addr: SocketAddr) {
    let running = evloop::Shards::new(cores.threads, config)
        .and_then(|shards| {
            shards
                .pin(cores.pin)
                .start_async(addr, |_shard, listener| async move {
                    serve(listener).await.map(drop)
                })
        })
        .unwrap_or_else(|e| common::fail(format!("cannot start {} shards: {e}", cores.threads)));
    match running.wait() {
        Ok(summary) => log::info!("shards stopped: {summary}"),
        Err(e) => {
            log::info!("shards stopped: {}", e.summary);
            common::fail(e);
        }
    }
}
