//! The glue every leaf future uses: find its source in the slab, check the
//! coop budget, run one syscall under the readiness rules; and [`Chunk`],
//! the pooled read buffer.
//!
//! Owns: the path from a future's `poll` to `reactor/io_source.rs` (through
//! the lent `Core`), releasing a source when its owner drops, and the pool
//! of read buffers. Does not own: the readiness rules (`io_source.rs`) or
//! what each socket type offers (`tcp.rs`, `udp.rs`, `fd.rs`).

use super::context::{self, with_core};
use crate::reactor::io_source::{Dir, IoKind};
use crate::Token;
use std::cell::RefCell;
use std::io;
use std::ops::Deref;
use std::task::{Context, Poll};

/// One syscall on `tok`'s source, if `dir` is ready; else park the waker.
/// `op` returns its result and whether it proved the kernel queue empty.
/// Inlined into each leaf future, and it returns the `Poll` straight from
/// the source (no `io::Result<io::Result<Poll<..>>>` to unwrap): this is
/// the path every read and write of every task takes.
#[inline]
pub(crate) fn poll_io<R>(
    tok: Token,
    dir: Dir,
    cx: &mut Context<'_>,
    op: impl FnMut(&mut IoKind) -> io::Result<(R, bool)>,
) -> Poll<io::Result<R>> {
    if !context::proceed(cx) {
        return Poll::Pending;
    }
    let polled = with_core(|core| {
        let pitfalls = core.config.pitfalls;
        match core.io_mut(tok) {
            Ok(src) => src.poll_io(tok, dir, cx, pitfalls, op),
            Err(e) => Poll::Ready(Err(e)),
        }
    });
    polled.unwrap_or_else(|e| Poll::Ready(Err(e)))
}

/// Ready once `dir`'s readiness bit is set; no syscall.
pub(crate) fn poll_ready(tok: Token, dir: Dir, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    let polled = with_core(|core| {
        let pitfalls = core.config.pitfalls;
        match core.io_mut(tok) {
            Ok(src) => src.poll_ready(tok, dir, cx, pitfalls),
            Err(e) => Poll::Ready(Err(e)),
        }
    });
    polled.unwrap_or_else(|e| Poll::Ready(Err(e)))
}

/// Forget `dir`'s readiness: the caller's own syscall said `WouldBlock`.
pub(crate) fn clear_ready(tok: Token, dir: Dir) {
    let _ = with_core(|core| core.io_mut(tok).map(|s| s.clear(dir)));
}

/// Register `io` in the current runtime's slab.
pub(crate) fn register(io: IoKind, interest: mio::Interest) -> io::Result<Token> {
    with_core(|core| core.io_insert(io, interest))?
}

/// The owner is gone: free the slot at this tick's reap. Outside a task
/// (a handle kept past `block_on`), the slot stays until the runtime drops.
pub(crate) fn release(tok: Token) {
    let _ = with_core(|core| core.io_release(tok));
}

/// Read buffers kept for reuse (per thread; one runtime per thread).
const POOL_KEEP: usize = 16;
/// Size of a pooled read buffer: what one `read` may return.
pub(crate) const CHUNK: usize = 64 * 1024;

thread_local! {
    static POOL: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// Bytes read by [`TcpStream::read_chunk`](super::TcpStream::read_chunk),
/// in a buffer borrowed from a pool and returned to it on drop. An idle
/// connection waiting in `read_chunk` holds no buffer at all; one is taken
/// only once the socket is readable, and usually given back as soon as the
/// reply is written, so a busy server reuses a handful of them.
pub struct Chunk {
    buf: Vec<u8>,
    len: usize,
}

impl Chunk {
    #[inline]
    pub(crate) fn take() -> Chunk {
        let buf = POOL
            .with(|p| p.borrow_mut().pop())
            .unwrap_or_else(|| vec![0; CHUNK]);
        Chunk { buf, len: 0 }
    }

    #[inline]
    pub(crate) fn spare(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    #[inline]
    pub(crate) fn set_len(&mut self, n: usize) {
        self.len = n.min(self.buf.len());
    }
}

impl Deref for Chunk {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for Chunk {
    #[inline]
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        // `try_with`: a chunk may be dropped while the thread exits.
        let _ = POOL.try_with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                if p.len() < POOL_KEEP {
                    p.push(buf);
                }
            }
        });
    }
}

impl std::fmt::Debug for Chunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Chunk({} bytes)", self.len)
    }
}
