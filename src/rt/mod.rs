//! `evloop::rt`: futures and `async`/`await` on the evloop reactor, std only.
//!
//! Owns: the async half of evloop: an executor ([`Runtime`], [`spawn`],
//! [`JoinHandle`]), wakers, leaf futures ([`TcpListener`], [`TcpStream`],
//! [`UdpSocket`], [`AsyncFd`], [`sleep`], [`timeout`]), [`select`] and
//! [`spawn_blocking`]. Does not own: a loop. There is one, the reactor's
//! ([`Reactor::run`](crate::Reactor::run)), with one more phase, "run woken
//! tasks"; the same `mio::Poll`, slab, tokens, timer heap, `mio::Waker`,
//! signals and graceful shutdown serve callbacks and futures alike. The
//! readiness bits and parked wakers of a future-driven source live beside
//! the loop, in `reactor/io_source.rs`.
//!
//! One `stream.read(&mut buf).await`, start to end (`docs/async.md` shows
//! it with real `RUST_LOG=trace` lines):
//! 1. the task is polled ("run woken tasks" phase); `read` finds the
//!    source's readable bit set and calls `read(2)`;
//! 2. `WouldBlock`: the bit is cleared, the task's `Waker` is stored in the
//!    source, `Pending` goes up to the executor;
//! 3. `epoll_wait` sleeps; bytes arrive; dispatch sets the bit and wakes
//!    the stored waker, which pushes the task on the run queue;
//! 4. the same tick's task phase polls it again; `read(2)` returns the bytes.
//!
//! ```no_run
//! use evloop::rt::{Runtime, RtConfig, TcpListener, TcpStream};
//! async fn echo(conn: TcpStream) -> std::io::Result<()> {
//!     loop {
//!         let chunk = conn.read_chunk().await?; // waits holding no buffer
//!         if chunk.is_empty() {
//!             return conn.shutdown().await; // the peer's EOF: send ours
//!         }
//!         conn.write_all(&chunk).await?;
//!     }
//! }
//! async fn serve() -> std::io::Result<()> {
//!     let listener = TcpListener::bind("127.0.0.1:20000".parse().unwrap()).await?;
//!     loop {
//!         let (conn, _) = listener.accept().await?;
//!         drop(evloop::rt::spawn(echo(conn))); // detached
//!     }
//! }
//! let mut rt = Runtime::new(RtConfig::default())?;
//! rt.block_on(serve())??; // until Ctrl-C (with `handle_signals`) or an error
//! # Ok::<(), std::io::Error>(())
//! ```

mod blocking;
mod config;
mod context;
mod executor;
mod fd;
mod io;
mod join;
mod runtime;
mod select;
mod tcp;
mod time;
mod udp;
mod waker;

pub use blocking::spawn_blocking;
pub use config::RtConfig;
pub use fd::AsyncFd;
pub use io::Chunk;
pub use join::{JoinError, JoinHandle};
pub use runtime::Runtime;
pub use select::{select, Either};
pub use tcp::{TcpListener, TcpStream};
pub use time::{sleep, timeout, yield_now, Elapsed, Sleep};
pub use udp::UdpSocket;
pub use waker::TaskId;

use std::future::Future;

/// Spawn a task on the runtime this task runs on. Outside a running
/// runtime, the handle reports an error when awaited.
pub fn spawn<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    match context::current() {
        Some(local) => local.spawn(fut),
        None => {
            drop(fut);
            let cell = join::JoinCell::new();
            cell.complete(Err(JoinError::panicked(
                &"evloop::rt::spawn outside a running runtime",
            )));
            JoinHandle { cell }
        }
    }
}

/// Is `e` the error a leaf future returns once its source was closed by a
/// graceful shutdown (or its slot is gone)? An accept loop ends on it.
pub fn is_shutdown(e: &std::io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<crate::reactor::io_source::SourceClosed>())
}

/// The executor's counters ([`Runtime::task_metrics`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskMetrics {
    /// Tasks spawned.
    pub spawned: u64,
    /// Tasks that returned.
    pub completed: u64,
    /// Tasks that panicked (reported through their `JoinHandle`).
    pub panicked: u64,
    /// Task polls.
    pub polls: u64,
    /// Wakes from the loop thread (a queue push).
    pub local_wakes: u64,
    /// Wakes from other threads (inbox + `mio::Waker`).
    pub remote_wakes: u64,
    /// Ticks that ended with tasks still queued (the task budget was spent).
    pub budget_yields: u64,
}
