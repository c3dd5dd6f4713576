//! [`TcpListener`] and [`TcpStream`]: TCP as futures on the evloop reactor.
//!
//! Owns: the TCP leaf futures (bind, accept, connect, read, write, shutdown)
//! and their handles, which are just a [`Token`] into the reactor's slab.
//! Does not own: readiness or wakers (`reactor/io_source.rs`, reached
//! through `io.rs`).
//!
//! Each method is a loop of "try the syscall; on `WouldBlock` park the
//! waker" (see `io_source.rs`), the same shape as tokio's `poll_read` and
//! async-io's `Async::read_with`. Methods take `&self`, so one task can
//! race a read against something else while another part of it writes.

use super::io::{self, poll_io, poll_ready, register, release, Chunk};
use crate::reactor::io_source::{Dir, IoKind};
use crate::reactor::StreamOpts;
use crate::Token;
use log::trace;
use mio::Interest;
use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::io::{ErrorKind, Read, Result, Write};
use std::net::{Shutdown, SocketAddr};
use std::task::Poll;

fn stream(io: &mut IoKind) -> Result<&mut mio::net::TcpStream> {
    match io {
        IoKind::Stream(s) => Ok(s),
        _ => Err(ErrorKind::InvalidInput.into()),
    }
}

/// A listening TCP socket in the runtime's slab.
#[derive(Debug)]
pub struct TcpListener {
    tok: Token,
    local: SocketAddr,
    /// Do accepted streams inherit `TCP_NODELAY`/`SO_OOBINLINE` from this
    /// socket (`reactor::StreamOpts`)? Learned at the first accept.
    opts: Cell<StreamOpts>,
}

impl TcpListener {
    /// Bind and listen on `addr` (port 0 picks one; see
    /// [`local_addr`](Self::local_addr)). Only inside a runtime's task.
    pub async fn bind(addr: SocketAddr) -> Result<TcpListener> {
        TcpListener::from_mio(mio::net::TcpListener::bind(addr)?)
    }

    /// Take over a listener bound elsewhere: one with socket options
    /// `bind` does not set (`SO_REUSEPORT` for [`Shards`](crate::Shards),
    /// a socket inherited from systemd). It must already be listening; it
    /// is made non-blocking here, as mio requires. Only inside a runtime's
    /// task (it is registered with that task's reactor).
    pub fn from_std(listener: std::net::TcpListener) -> Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::from_mio(mio::net::TcpListener::from_std(listener))
    }

    fn from_mio(listener: mio::net::TcpListener) -> Result<TcpListener> {
        let local = listener.local_addr()?;
        let nodelay = super::context::with_core(|c| c.config.nodelay)?;
        let opts = Cell::new(StreamOpts::set_on_listener(&listener, local, nodelay));
        let tok = register(IoKind::Listener(listener), Interest::READABLE)?;
        log::info!("listening on {local} (tok={tok})");
        Ok(TcpListener { tok, local, opts })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The next connection. After a graceful shutdown began, an error that
    /// [`is_shutdown`](super::is_shutdown) recognises.
    pub async fn accept(&self) -> Result<(TcpStream, SocketAddr)> {
        let tok = self.tok;
        let (sock, peer) = poll_fn(|cx| {
            poll_io(tok, Dir::Read, cx, |io| match io {
                IoKind::Listener(l) => l.accept().map(|a| (a, false)),
                _ => Err(ErrorKind::InvalidInput.into()),
            })
        })
        .await?;
        let nodelay = super::context::with_core(|c| c.config.nodelay)?;
        // Urgent data stays in the byte stream, as on the callback path;
        // both options usually come with the socket (set on the listener).
        let mut opts = self.opts.get();
        opts.prepare(&sock, self.local, nodelay)?;
        self.opts.set(opts);
        let tok = register(IoKind::Stream(sock), Interest::READABLE)?;
        let _ = super::context::with_core(|c| c.metrics.accepted += 1);
        trace!("accept tok={} peer={peer} -> tok={tok}", self.tok);
        Ok((TcpStream { tok }, peer))
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        release(self.tok);
    }
}

/// A TCP connection in the runtime's slab: 8 bytes, its token (every copy
/// an `async fn` keeps of it is that small). Dropping it closes the socket
/// (at this tick's reap).
#[derive(Debug)]
pub struct TcpStream {
    tok: Token,
}

impl TcpStream {
    /// Connect to `addr`: a non-blocking `connect` (EINPROGRESS), then wait
    /// until the socket is writable and ask it how the handshake went.
    pub async fn connect(addr: SocketAddr) -> Result<TcpStream> {
        let sock = mio::net::TcpStream::connect(addr)?;
        crate::reactor::oob_inline(&sock)?;
        let tok = register(IoKind::Stream(sock), Interest::READABLE)?;
        trace!("connect tok={tok} addr={addr} EINPROGRESS");
        let conn = TcpStream { tok };
        poll_fn(|cx| {
            poll_io(tok, Dir::Write, cx, |io| {
                let s = stream(io)?;
                // mio's recipe: take_error for the outcome, then peer_addr,
                // whose NotConnected means "not yet" (a spurious wake-up).
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                match s.peer_addr() {
                    Ok(_) => Ok(((), false)),
                    Err(e) if e.kind() == ErrorKind::NotConnected => {
                        Err(ErrorKind::WouldBlock.into())
                    }
                    Err(e) => Err(e),
                }
            })
        })
        .await?;
        let _ = super::context::with_core(|c| {
            c.metrics.connected += 1;
            let nodelay = c.config.nodelay;
            c.io_mut(tok)
                .and_then(|s| stream(&mut s.io)?.set_nodelay(nodelay))
        });
        trace!("connect tok={tok} established");
        Ok(conn)
    }

    /// The peer's address (`getpeername(2)`; only inside a runtime's task).
    pub fn peer_addr(&self) -> Result<SocketAddr> {
        let tok = self.tok;
        super::context::with_core(|c| c.io_mut(tok).and_then(|s| stream(&mut s.io)?.peer_addr()))?
    }

    /// Our own address (the ephemeral port, for an outbound connection).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        let tok = self.tok;
        super::context::with_core(|c| c.io_mut(tok).and_then(|s| stream(&mut s.io)?.local_addr()))?
    }

    /// Read into `buf`; `Ok(0)` is the peer's EOF. Holds `buf` for as long
    /// as it waits: for a long idle wait, prefer
    /// [`read_chunk`](Self::read_chunk), which holds nothing.
    pub async fn read(&self, buf: &mut [u8]) -> Result<usize> {
        let tok = self.tok;
        poll_fn(|cx| {
            poll_io(tok, Dir::Read, cx, |io| {
                let n = stream(io)?.read(buf)?;
                trace!("read tok={tok} n={n}");
                // A short read emptied the queue (see `io_source.rs`).
                Ok((n, n > 0 && n < buf.len()))
            })
        })
        .await
    }

    /// Wait until the socket is readable, then read into a pooled buffer.
    /// An empty chunk is the peer's EOF. While waiting, no buffer is held:
    /// this is what keeps an idle async connection under 1 KiB.
    ///
    /// A plain `fn` returning the `poll_fn` future (not an `async fn`
    /// wrapping it): one state machine fewer to step through per poll.
    pub fn read_chunk(&self) -> impl Future<Output = Result<Chunk>> + '_ {
        let tok = self.tok;
        poll_fn(move |cx| {
            // `poll_io` runs this only when the readable bit is set, so the
            // wait itself holds no buffer; on `WouldBlock` the chunk goes
            // straight back to the pool.
            poll_io(tok, Dir::Read, cx, |io| {
                let mut chunk = Chunk::take();
                let n = stream(io)?.read(chunk.spare())?;
                trace!("read tok={tok} n={n}");
                chunk.set_len(n);
                Ok((chunk, n > 0 && n < io::CHUNK))
            })
        })
    }

    /// Resolves once the socket is readable (no syscall, nothing read).
    pub async fn readable(&self) -> Result<()> {
        let tok = self.tok;
        poll_fn(|cx| poll_ready(tok, Dir::Read, cx)).await
    }

    /// Write some of `buf`; returns how much the socket took.
    pub async fn write(&self, buf: &[u8]) -> Result<usize> {
        let tok = self.tok;
        poll_fn(|cx| poll_io(tok, Dir::Write, cx, |io| write_some(tok, io, buf))).await
    }

    /// Write all of `buf`, waiting for the socket as often as needed.
    /// One future for the whole loop (not one `write` future per round):
    /// the same syscalls, budget checks and waits as `write` in a loop,
    /// with one state machine fewer to step through per poll.
    pub fn write_all<'a>(&'a self, buf: &'a [u8]) -> impl Future<Output = Result<()>> + 'a {
        let tok = self.tok;
        let mut done = 0;
        poll_fn(move |cx| {
            while done < buf.len() {
                match poll_io(tok, Dir::Write, cx, |io| write_some(tok, io, &buf[done..])) {
                    Poll::Ready(Ok(n)) => done += n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            Poll::Ready(Ok(()))
        })
    }

    /// Send our FIN (half-close): the peer reads EOF; we can still read.
    pub async fn shutdown(&self) -> Result<()> {
        let tok = self.tok;
        let r = super::context::with_core(|c| {
            c.io_mut(tok)
                .and_then(|s| stream(&mut s.io)?.shutdown(Shutdown::Write))
        })?;
        trace!("shutdown tok={tok} how=Write result={r:?}");
        match r {
            Err(e) if e.kind() == ErrorKind::NotConnected => Ok(()), // peer gone already
            r => r,
        }
    }
}

/// One `write(2)` for `write` and `write_all`: the count, and whether a
/// short write filled the send buffer (see `io_source.rs`).
#[inline]
fn write_some(tok: Token, io: &mut IoKind, buf: &[u8]) -> Result<(usize, bool)> {
    let n = stream(io)?.write(buf)?;
    trace!("write tok={tok} n={n}");
    if n == 0 && !buf.is_empty() {
        return Err(ErrorKind::WriteZero.into());
    }
    // A short write filled the send buffer: wait for the edge.
    Ok((n, n < buf.len()))
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        release(self.tok);
    }
}
