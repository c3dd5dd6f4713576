//! One TCP connection: its socket, [`ConnState`], and buffers.
//!
//! Owns: the per-connection record the slab holds, the write path (push
//! queued bytes into the socket), the FIN, and the interest bookkeeping.
//! Does not own: the read loop and service callbacks (`reactor/read.rs`,
//! which has the shared read buffer and the service), or when flushing
//! happens (the reactor's flush phase).
//!
//! Per-connection memory is kept small on purpose: no buffers while idle
//! (see `conn/buffer.rs`), the protocol's own state lives beside this record in
//! the reactor (`Service::Conn`), and nothing here is boxed.

pub(crate) mod buffer;
mod state;

pub use state::ConnState;

use crate::timer::Timers;
use crate::{TimerId, Token};
use buffer::{BufPool, OutBuf};
use log::trace;
use mio::net::TcpStream;
use mio::{Interest, Registry};
use std::fmt;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::Instant;

/// What every stream is registered for, besides WRITABLE while output
/// waits: READABLE and, where epoll reports it, PRIORITY (urgent data; see
/// `reactor/read.rs` for why the read path must know).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) const READ_INTEREST: Interest = Interest::READABLE.add(Interest::PRIORITY);
/// What every stream is registered for, besides WRITABLE while output waits.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) const READ_INTEREST: Interest = Interest::READABLE;

/// Why a connection was closed; passed to
/// [`Service::on_close`](crate::Service::on_close) and logged.
#[derive(Debug)]
pub enum CloseReason {
    /// The peer sent EOF; everything pending was written, then we closed.
    PeerClosed,
    /// The service called [`Ctx::close`](crate::Ctx::close).
    Local,
    /// The service called [`Ctx::abort`](crate::Ctx::abort).
    Aborted,
    /// A read or write failed (reset, broken pipe, …).
    Error(io::Error),
    /// Unconsumed input passed `Config::max_input`.
    InputTooLarge,
    /// Pending output passed `Config::max_output` (a peer not reading).
    OutputTooLarge,
    /// No reads or writes for `Config::idle_timeout`.
    IdleTimeout,
    /// A close (of any cause) was still not done after
    /// `Config::close_timeout`; what was still queued was dropped.
    CloseTimeout,
    /// Pending output made no progress for `Config::send_timeout`.
    SendTimeout,
    /// The reactor shut down.
    Shutdown,
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::PeerClosed => f.write_str("peer closed"),
            CloseReason::Local => f.write_str("closed by service"),
            CloseReason::Aborted => f.write_str("aborted by service"),
            CloseReason::Error(e) => write!(f, "I/O error: {e}"),
            CloseReason::InputTooLarge => f.write_str("unconsumed input over max_input"),
            CloseReason::OutputTooLarge => f.write_str("pending output over max_output"),
            CloseReason::IdleTimeout => f.write_str("idle timeout"),
            CloseReason::CloseTimeout => f.write_str("close not done within close_timeout"),
            CloseReason::SendTimeout => f.write_str("no write progress within send_timeout"),
            CloseReason::Shutdown => f.write_str("reactor shutdown"),
        }
    }
}

/// The slab's record for one TCP connection.
pub(crate) struct Conn {
    pub(crate) stream: TcpStream,
    pub(crate) peer: SocketAddr,
    pub(crate) state: ConnState,
    pub(crate) out: OutBuf,
    /// Input the service has not consumed yet (a partial frame). Usually
    /// empty and unallocated: reads land in the shared buffer first.
    pub(crate) input: Vec<u8>,
    /// Is WRITABLE part of the registered interest right now?
    pub(crate) want_writable: bool,
    /// Already on the flush list / the resume list this tick?
    pub(crate) queued_flush: bool,
    pub(crate) queued_again: bool,
    pub(crate) fin_sent: bool,
    /// Set by [`Ctx::hold_open`](crate::Ctx::hold_open): once drained, a
    /// `Draining` connection waits for the service instead of closing.
    pub(crate) held: bool,
    /// Refused at `max_conns` and lingering (`reactor/listener.rs`): no
    /// service state, not counted in `open_conns` or `closed`.
    pub(crate) rejected: bool,
    pub(crate) last_active: Instant,
    /// When queued output last made progress (or began to wait): the
    /// `send_timeout` clock.
    pub(crate) last_progress: Instant,
    /// The reactor's own timers for this connection.
    pub(crate) timers: ConnTimers,
    pub(crate) reason: Option<CloseReason>,
    /// The listener that accepted it (`None` for outbound connections):
    /// what [`Ctx::listener_of`](crate::Ctx::listener_of) reports, so a
    /// service such as [`Route`](crate::services::Route) can tell an admin
    /// port's connections from the main port's.
    pub(crate) listener: Option<Token>,
}

/// The ids of the reactor's timers for one connection, kept so that the reap
/// phase can cancel them: otherwise a 1 ms connection would leave, say, a
/// 60 s idle timer in the heap for 60 s. (Service timers set with
/// `Ctx::conn_timer` are the service's to cancel; they are skipped if they
/// fire after the close.) `None` when not armed; 16 bytes each.
#[derive(Default)]
pub(crate) struct ConnTimers {
    pub(crate) idle: Option<TimerId>,
    pub(crate) linger: Option<TimerId>,
    /// Armed once, when the close begins; never pushed back.
    pub(crate) close: Option<TimerId>,
    /// Armed while output waits in `Open`/`Paused`.
    pub(crate) send: Option<TimerId>,
}

impl ConnTimers {
    /// Cancel every armed timer (at reap).
    pub(crate) fn cancel_all(&mut self, timers: &mut Timers) {
        for id in [
            self.idle.take(),
            self.linger.take(),
            self.close.take(),
            self.send.take(),
        ]
        .into_iter()
        .flatten()
        {
            timers.cancel(id);
        }
    }
}

impl Conn {
    pub(crate) fn new(stream: TcpStream, peer: SocketAddr, state: ConnState, now: Instant) -> Conn {
        Conn {
            stream,
            peer,
            state,
            out: OutBuf::default(),
            input: Vec::new(),
            want_writable: state == ConnState::Connecting,
            queued_flush: false,
            queued_again: false,
            fin_sent: false,
            held: false,
            rejected: false,
            last_active: now,
            last_progress: now,
            timers: ConnTimers::default(),
            reason: None,
            listener: None,
        }
    }

    /// Every transition goes through here, so `RUST_LOG=trace` shows them
    /// all. Returns the change, if any, for the timeline
    /// (`timeline::note_state`): `#[must_use]` so no call site forgets it.
    #[must_use]
    pub(crate) fn set_state(
        &mut self,
        tok: Token,
        next: ConnState,
    ) -> Option<(ConnState, ConnState)> {
        if self.state == next {
            return None;
        }
        trace!("state tok={tok} {} -> {next}", self.state);
        let from = std::mem::replace(&mut self.state, next);
        Some((from, next))
    }

    /// Write queued output until it is all gone or the socket would block.
    /// Returns the bytes written; an error means the connection is dead.
    pub(crate) fn write_out(&mut self, tok: Token, drop_short_writes: bool) -> io::Result<usize> {
        let mut total = 0;
        while self.out.pending() > 0 {
            match self.stream.write(self.out.unsent()) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    total += n;
                    self.out.advance(n);
                    trace!("write tok={tok} n={n} pending={}", self.out.pending());
                    if drop_short_writes && self.out.pending() > 0 {
                        // Pitfall `no-outbuf`: pretend the short write sent it all.
                        trace!(
                            "write tok={tok} pitfall=no-outbuf dropped={}",
                            self.out.pending()
                        );
                        self.out.clear();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    trace!("write tok={tok} WouldBlock pending={}", self.out.pending());
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    trace!("write tok={tok} err={e}");
                    return Err(e);
                }
            }
        }
        Ok(total)
    }

    /// Send our FIN (once). Errors only mean the peer is already gone.
    pub(crate) fn send_fin(&mut self, tok: Token) {
        if !self.fin_sent {
            self.fin_sent = true;
            let r = self.stream.shutdown(Shutdown::Write);
            trace!("shutdown tok={tok} how=Write result={r:?}");
        }
    }

    /// Ask for WRITABLE only while output is pending: one `epoll_ctl` when
    /// output starts to wait and one when it drains, none on the fast path
    /// where every write completes at once.
    pub(crate) fn update_interest(&mut self, tok: Token, registry: &Registry) -> io::Result<()> {
        let want = self.out.pending() > 0 || self.state == ConnState::Connecting;
        if want != self.want_writable {
            self.want_writable = want;
            let interest = if want {
                READ_INTEREST | Interest::WRITABLE
            } else {
                READ_INTEREST
            };
            trace!("reregister tok={tok} writable={want}");
            registry.reregister(&mut self.stream, tok.to_mio(), interest)?;
        }
        Ok(())
    }

    /// Return buffers to the pool (at reap, or once drained).
    pub(crate) fn release(&mut self, pool: &mut BufPool) {
        self.out.clear();
        self.out.release_if_empty(pool);
        if self.input.capacity() > 0 {
            pool.give(std::mem::take(&mut self.input));
        }
    }
}
