//! `IoSource`: a slab source driven by futures instead of callbacks.
//!
//! Owns: the socket (or raw fd) of a future-driven source, its readiness
//! bits, one parked [`Waker`] per direction, and the rules that tie them to
//! syscalls: set a bit when an event says so, clear it when the syscall says
//! `WouldBlock` (or a short read proves the queue empty), wake the parked
//! task when its bit is set. Does not own: tasks, run queues or the futures
//! themselves (`crate::rt`, which uses this file; this file uses only
//! `std::task`, never an `rt` type).
//!
//! This is tokio's `ScheduledIo` and async-io's `Source`, cut down to one
//! thread: the readiness bits are plain bools, not an atomic word with a
//! tick counter, because events are applied (dispatch phase) and cleared
//! (a task's poll, in the "run woken tasks" phase) on the same thread, one
//! after the other. A clear can therefore never erase an event newer than
//! the syscall that returned `WouldBlock`: that event is still in the
//! kernel, and the next `epoll_wait` delivers it.
//!
//! [The drain rule](super#readiness-is-a-hint-drain-until-wouldblock) holds
//! here as in the callback path: a bit stays set until a syscall proves the
//! socket drained, so a future never waits for an edge that already came.
//! The FIN that rides on the last data (`read_closed` in the same event)
//! keeps the read bit set after a short read, so the next read sees EOF at
//! once instead of waiting for an edge that will never come.

use super::core::{Core, Source};
use crate::Token;
use log::trace;
use mio::net::{TcpListener, TcpStream, UdpSocket};
use mio::unix::SourceFd;
use mio::{Interest, Registry};
use std::io;
use std::os::fd::RawFd;
use std::task::{Context, Poll, Waker};

/// Which half of a source a future waits on.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    Read,
    Write,
}

/// The socket a future-driven source owns (a raw fd is only borrowed: the
/// user keeps it open and closes it).
pub(crate) enum IoKind {
    Stream(TcpStream),
    Listener(TcpListener),
    Udp(UdpSocket),
    Fd(RawFd),
}

/// The readiness bits of one event (copied out of mio's `Event` by dispatch).
#[derive(Copy, Clone, Debug)]
struct IoEvent {
    readable: bool,
    writable: bool,
    read_closed: bool,
    error: bool,
    urgent: bool,
}

/// One direction's waiter. An event wakes it by reference and keeps it
/// (`woken`), so the same task parking again, as every `read().await` of a
/// loop does, finds its waker already stored (`will_wake`): no clone and
/// no drop of the waker per wait. A woken waker counts as gone: it is never
/// woken again, exactly as if the event had taken it out.
#[derive(Default)]
struct Parked {
    waker: Option<Waker>,
    /// Woken since it was stored: nobody waits here now.
    woken: bool,
}

impl Parked {
    /// The waiting waker, now counted as woken (the caller wakes it).
    #[inline]
    fn waiting(&mut self) -> Option<&Waker> {
        match &self.waker {
            Some(w) if !self.woken => {
                self.woken = true;
                Some(w)
            }
            _ => None,
        }
    }

    /// Take the waker out, waking it if it still waits.
    fn wake_and_forget(&mut self) {
        let woken = std::mem::replace(&mut self.woken, false);
        if let Some(w) = self.waker.take() {
            if !woken {
                w.wake();
            }
        }
    }

    /// Wait with `waker`. A different waiter's waker is replaced, and
    /// woken if it still waited, so that task polls again rather than hang.
    #[inline]
    fn park(&mut self, waker: &Waker) {
        match &mut self.waker {
            Some(w) if w.will_wake(waker) => {}
            slot => {
                if let Some(old) = slot.replace(waker.clone()) {
                    if !self.woken {
                        old.wake();
                    }
                }
            }
        }
        self.woken = false;
    }
}

/// The slab's record for a future-driven source.
pub(crate) struct IoSource {
    pub(crate) io: IoKind,
    readable: bool,
    writable: bool,
    /// The peer's FIN (or an error) was reported: never clear `readable`
    /// again, so reads go on to see EOF.
    read_closed: bool,
    /// Urgent (out-of-band) data was reported and not yet read past: Linux
    /// stops a read at the urgent mark even with `SO_OOBINLINE`, so a short
    /// read does not prove the queue empty. Reads go on to `WouldBlock`,
    /// as `read.rs` does on the callback path.
    urgent: bool,
    reader: Parked,
    writer: Parked,
    /// Graceful shutdown began: a read that would block fails instead.
    closing: bool,
    /// Released or retired: on the reap list, refused to every future.
    removed: bool,
}

/// The error a future gets from a source that shutdown or its owner closed.
/// [`rt::is_shutdown`](crate::rt::is_shutdown) recognises it.
#[derive(Debug)]
pub(crate) struct SourceClosed;

impl std::fmt::Display for SourceClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("evloop: source closed (the runtime is shutting down)")
    }
}

impl std::error::Error for SourceClosed {}

pub(crate) fn closed_error() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, SourceClosed)
}

impl IoSource {
    /// Writable starts set: a fresh socket usually is, so the first write is
    /// tried at once (`WouldBlock` would clear it). Readable starts clear:
    /// `epoll_ctl(ADD)` reports a source that is already readable as an
    /// event of the next `epoll_wait`, so the first read waits for that
    /// event, as the callback path does, instead of spending a `read(2)`
    /// (and a pooled buffer) on a fresh connection that has sent nothing.
    fn new(io: IoKind) -> IoSource {
        IoSource {
            io,
            readable: false,
            writable: true,
            read_closed: false,
            urgent: false,
            reader: Parked::default(),
            writer: Parked::default(),
            closing: false,
            removed: false,
        }
    }

    /// Run `op` if `dir` is ready; park `cx`'s waker if it is not, or if
    /// `op` says `WouldBlock`. `op` returns its result and whether it proved
    /// the kernel queue empty (a short read or write), which clears the bit
    /// as `WouldBlock` would, one syscall earlier (`read.rs` does the same).
    /// Inlined: it is the body of every leaf future's poll.
    #[inline]
    pub(crate) fn poll_io<R>(
        &mut self,
        tok: Token,
        dir: Dir,
        cx: &mut Context<'_>,
        pitfalls: crate::Pitfalls,
        mut op: impl FnMut(&mut IoKind) -> io::Result<(R, bool)>,
    ) -> Poll<io::Result<R>> {
        loop {
            if !self.is_ready(dir) {
                if self.closing && dir == Dir::Read {
                    return Poll::Ready(Err(closed_error()));
                }
                self.park(tok, dir, cx, pitfalls);
                return Poll::Pending;
            }
            match op(&mut self.io) {
                Ok((r, drained)) => {
                    if drained && !(dir == Dir::Read && (self.read_closed || self.urgent)) {
                        trace!("io tok={tok} {dir:?} short: queue empty, bit cleared");
                        self.clear(dir);
                    }
                    return Poll::Ready(Ok(r));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    trace!("io tok={tok} {dir:?} WouldBlock: bit cleared");
                    self.clear(dir);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// Ready once `dir`'s bit is set (no syscall): `readable().await`.
    pub(crate) fn poll_ready(
        &mut self,
        tok: Token,
        dir: Dir,
        cx: &mut Context<'_>,
        pitfalls: crate::Pitfalls,
    ) -> Poll<io::Result<()>> {
        if self.is_ready(dir) {
            Poll::Ready(Ok(()))
        } else if self.closing && dir == Dir::Read {
            Poll::Ready(Err(closed_error()))
        } else {
            self.park(tok, dir, cx, pitfalls);
            Poll::Pending
        }
    }

    pub(crate) fn is_ready(&self, dir: Dir) -> bool {
        match dir {
            Dir::Read => self.readable,
            Dir::Write => self.writable,
        }
    }

    /// Forget readiness after the caller's own syscall said `WouldBlock`.
    pub(crate) fn clear(&mut self, dir: Dir) {
        match dir {
            Dir::Read if !self.read_closed => {
                self.readable = false;
                self.urgent = false;
            }
            Dir::Read => {}
            Dir::Write => self.writable = false,
        }
    }

    /// Store the waker that dispatch will wake. One waiter per direction,
    /// as in async-io: a different task's waker replaces the old one, and
    /// the old task is woken so it polls again rather than hang.
    #[inline(always)]
    fn park(&mut self, tok: Token, dir: Dir, cx: &mut Context<'_>, pitfalls: crate::Pitfalls) {
        if pitfalls.lost_waker {
            // Pitfall `lost-waker`: Pending, but nobody will ever wake us.
            trace!("io tok={tok} {dir:?} Pending, pitfall=lost-waker: waker dropped");
            return;
        }
        if pitfalls.wake_spin {
            // Pitfall `wake-spin`: "try again soon" instead of waiting for
            // the event. The task is polled every tick, forever.
            trace!("io tok={tok} {dir:?} Pending, pitfall=wake-spin: woken at once");
            cx.waker().wake_by_ref();
            return;
        }
        match dir {
            Dir::Read => self.reader.park(cx.waker()),
            Dir::Write => self.writer.park(cx.waker()),
        }
        trace!("io tok={tok} {dir:?} Pending: waker stored");
    }

    /// Dispatch: an event arrived. Set the bits it reports, wake who waits.
    #[inline]
    fn on_event(&mut self, tok: Token, ev: IoEvent) {
        let read = ev.readable || ev.read_closed || ev.error;
        let write = ev.writable || ev.error;
        if ev.read_closed || ev.error {
            self.read_closed = true;
        }
        if ev.urgent {
            self.urgent = true;
        }
        if read {
            self.readable = true;
            if let Some(w) = self.reader.waiting() {
                trace!("io tok={tok} wake reader");
                w.wake_by_ref();
            }
        }
        if write {
            self.writable = true;
            if let Some(w) = self.writer.waiting() {
                trace!("io tok={tok} wake writer");
                w.wake_by_ref();
            }
        }
    }

    fn wake_all(&mut self) {
        self.reader.wake_and_forget();
        self.writer.wake_and_forget();
    }

    /// Graceful shutdown (`Core::retire`). Listeners, UDP sockets and fds go
    /// at once (returns `true`: reap them). A stream first only refuses
    /// reads that would block, so replies in flight are still written and
    /// an idle task ends; the second call (shutdown deadline, second
    /// signal) removes it.
    pub(crate) fn retire(&mut self) -> bool {
        if self.removed {
            return false;
        }
        self.wake_all();
        if matches!(self.io, IoKind::Stream(_)) && !self.closing {
            self.closing = true;
            return false;
        }
        self.removed = true;
        true
    }

    /// Reap: take the socket out of the poller (the fd closes on drop).
    pub(crate) fn deregister(&mut self, registry: &Registry) {
        self.wake_all();
        let r = match &mut self.io {
            // Closing the fd takes it out of the epoll set (never dup'ed):
            // no EPOLL_CTL_DEL, as for callback connections (`reap`).
            IoKind::Stream(_) => Ok(()),
            IoKind::Listener(l) => registry.deregister(l),
            IoKind::Udp(u) => registry.deregister(u),
            IoKind::Fd(fd) => registry.deregister(&mut SourceFd(fd)),
        };
        if let Err(e) = r {
            trace!("deregister io err={e}");
        }
    }
}

impl Core {
    /// Register a future-driven source. Streams and UDP sockets are
    /// registered for both directions once, for good (no `epoll_ctl` per
    /// wait, as in tokio); listeners for reading; fds for `interest`.
    pub(crate) fn io_insert(&mut self, io: IoKind, interest: Interest) -> io::Result<Token> {
        let tok = self.insert(|tok, registry| {
            let mut src = IoSource::new(io);
            let both = Interest::READABLE | Interest::WRITABLE;
            match &mut src.io {
                // PRIORITY, as on the callback path: urgent data (see `urgent`).
                IoKind::Stream(s) => {
                    registry.register(s, tok.to_mio(), both | crate::conn::READ_INTEREST)?
                }
                IoKind::Listener(l) => registry.register(l, tok.to_mio(), Interest::READABLE)?,
                IoKind::Udp(u) => registry.register(u, tok.to_mio(), both)?,
                IoKind::Fd(fd) => registry.register(&mut SourceFd(fd), tok.to_mio(), interest)?,
            }
            Ok(Source::Io(src))
        })?;
        // A stream is a connection like any other in the counters, so the
        // summary, `Handle::metrics` and the shards' totals see async servers.
        if let Some(Source::Io(IoSource {
            io: IoKind::Stream(_),
            ..
        })) = self.sources.get(tok.slot())
        {
            self.metrics.open_conns += 1;
        }
        trace!("io tok={tok} registered");
        Ok(tok)
    }

    /// The live source behind `tok`, or the error a future should return.
    #[inline]
    pub(crate) fn io_mut(&mut self, tok: Token) -> io::Result<&mut IoSource> {
        match self.source_mut(tok) {
            Some(Source::Io(s)) if !s.removed => Ok(s),
            _ => Err(closed_error()),
        }
    }

    /// The owner dropped its handle: free the slot at reap.
    pub(crate) fn io_release(&mut self, tok: Token) {
        if let Some(Source::Io(s)) = self.source_mut(tok) {
            if !s.removed {
                s.removed = true;
                self.to_reap.push(tok);
            }
        }
    }

    /// Dispatch phase: route an event's bits to a future-driven source.
    pub(crate) fn io_event(
        &mut self,
        tok: Token,
        readable: bool,
        writable: bool,
        read_closed: bool,
        error: bool,
        urgent: bool,
    ) {
        if let Some(Source::Io(s)) = self.source_mut(tok) {
            let ev = IoEvent {
                readable,
                writable,
                read_closed,
                error,
                urgent,
            };
            s.on_event(tok, ev);
        }
    }
}
