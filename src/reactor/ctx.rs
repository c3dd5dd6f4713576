//! [`Ctx`]: what a service may do from inside a callback.
//!
//! Owns: the service-facing API (write, close, timers, connect, UDP send,
//! shutdown). Does not own: I/O. `write` only queues; the flush phase writes,
//! once per connection per tick, the way Redis queues replies in the client
//! buffer and writes them in `beforeSleep`. Pipelined requests thus cost one
//! `write(2)` for all their replies, not one each.

use super::core::{Core, Phase, Source};
use crate::conn::{CloseReason, Conn, ConnState};
use crate::timer::TimerKind;
use crate::{Handle, Metrics, TimerId, Token};
use log::warn;
use mio::Interest;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The reactor, as seen by a [`Service`](crate::Service) callback.
pub struct Ctx<'a> {
    pub(crate) core: &'a mut Core,
}

impl Ctx<'_> {
    /// Queue `data` for connection `tok` (this one or any other: chat
    /// broadcast writes to many). Returns `false`, and queues nothing, if the
    /// connection is gone or no longer accepts writes. If pending output
    /// would pass `Config::max_output`, the connection is closed instead.
    pub fn write(&mut self, tok: Token, data: &[u8]) -> bool {
        let max_output = self.core.config.max_output;
        if !self.core.is_current(tok) {
            return false;
        }
        let Some(c) = Core::slot_conn(&mut self.core.sources, tok) else {
            return false;
        };
        if !c.state.accepts_writes() {
            return false;
        }
        if c.out.pending() + data.len() > max_output {
            warn!(
                "closing tok={tok} peer={}: pending output {} + {} bytes is over max_output {max_output}",
                c.peer,
                c.out.pending(),
                data.len()
            );
            self.core.metrics.output_overflows += 1;
            self.core.close_now(tok, CloseReason::OutputTooLarge);
            return false;
        }
        if data.is_empty() {
            return true;
        }
        c.out.push(data, &mut self.core.pool);
        self.core.schedule_flush(tok);
        true
    }

    /// Close gracefully: stop reading, flush what is queued, send FIN, then
    /// read and discard until the peer closes (bounded by `Config::linger`).
    pub fn close(&mut self, tok: Token) {
        self.core.close_graceful(tok, CloseReason::Local);
    }

    /// Close at once, dropping queued output.
    pub fn abort(&mut self, tok: Token) {
        self.core.close_now(tok, CloseReason::Aborted);
    }

    /// Half-close: once queued output is flushed, send FIN; keep reading
    /// until the peer closes too (a client's "I am done sending").
    pub fn shutdown_write(&mut self, tok: Token) {
        let Some(c) = self.core.conn_mut(tok) else {
            return;
        };
        let change = match c.state {
            ConnState::Open | ConnState::Paused => c.set_state(tok, ConnState::WriteShut),
            ConnState::Draining => None, // already flushing towards FIN + close
            _ => return,
        };
        super::timeline::note_state(&mut self.core.timeline, tok, change);
        self.core.schedule_flush(tok);
        // A paused connection stopped reading; WriteShut reads again.
        self.core.again(tok);
    }

    /// Keep a connection open after the peer's EOF until released.
    ///
    /// Normally a `Draining` connection (the peer sent EOF) closes as soon as
    /// its output is flushed. A service whose replies are still being
    /// computed off the loop (a worker job, answered through
    /// [`Handle::wake`]) holds it open with `true` (e.g. in `on_eof`), and
    /// releases it with `false` once the last reply is queued: the reactor
    /// then flushes, sends FIN and closes as usual. A hold does not stop
    /// `close`, `abort`, a write over `max_output`, or shutdown.
    pub fn hold_open(&mut self, tok: Token, hold: bool) {
        let Some(c) = self.core.conn_mut(tok) else {
            return;
        };
        c.held = hold;
        if !hold && c.state == ConnState::Draining {
            self.core.schedule_flush(tok); // finish the close it waited for
        }
    }

    /// Call [`Service::on_data`](crate::Service::on_data) for `tok` again
    /// on the next tick with its kept (unconsumed) input, even if no new
    /// bytes arrive. For a service that left input unconsumed on purpose
    /// (its output was high, or it waits for a worker job) and can now go
    /// on: call it from `on_drained` or `on_wake` (or from `on_data`, for
    /// what that call leaves). Nothing happens if by then nothing is kept or
    /// the connection no longer reads, except one read attempt; a connection
    /// paused by backpressure gets its kept input re-delivered anyway when
    /// it resumes.
    pub fn resume_input(&mut self, tok: Token) {
        // Unconditional: during `on_data` the kept input is out of the
        // connection record, so "is anything kept?" cannot be asked here.
        self.core.again(tok);
    }

    /// The reactor's configuration (e.g. `high_water`, the pending output
    /// at which reading pauses).
    pub fn config(&self) -> &crate::Config {
        &self.core.config
    }

    /// Bytes queued for `tok` and not yet accepted by the socket.
    pub fn pending_output(&self, tok: Token) -> usize {
        self.core.conn(tok).map_or(0, |c| c.out.pending())
    }

    /// The connection's state, or `None` if the token is stale.
    pub fn state(&self, tok: Token) -> Option<ConnState> {
        self.core.conn(tok).map(|c| c.state)
    }

    /// The peer's address, or `None` if the token is stale.
    pub fn peer_addr(&self, tok: Token) -> Option<SocketAddr> {
        self.core.conn(tok).map(|c| c.peer)
    }

    /// The listener that accepted connection `tok` (the token
    /// [`Reactor::listen`](crate::Reactor::listen) returned), or `None` for
    /// an outbound connection or a stale token. Lets one service, or a
    /// [`Route`](crate::services::Route), serve two ports differently.
    pub fn listener_of(&self, tok: Token) -> Option<Token> {
        self.core.conn(tok).and_then(|c| c.listener)
    }

    /// Our own address on connection `tok` (for an outbound connection, the
    /// ephemeral port the kernel picked), or on a listener or UDP socket.
    /// `None` if the token is stale or the socket has no address yet.
    pub fn local_addr(&self, tok: Token) -> Option<SocketAddr> {
        if !self.core.is_current(tok) {
            return None;
        }
        match self.core.sources.get(tok.slot())? {
            Source::Conn(c) => c.stream.local_addr().ok(),
            Source::Listener(l) => Some(l.local),
            Source::Udp(u) => Some(u.local),
            Source::Fd { .. } | Source::Io(_) => None,
        }
    }

    /// Call [`Service::on_timer`](crate::Service::on_timer) with `tag` after `after`.
    pub fn timer(&mut self, after: Duration, tag: u64) -> TimerId {
        self.core.add_timer(after, TimerKind::Service { tag })
    }

    /// Call [`Service::on_conn_timer`](crate::Service::on_conn_timer) for
    /// `tok` after `after`, unless the connection closes first. On an
    /// outbound connection still connecting, the clock runs from now; if it
    /// comes due before the connect completes, it fires right after
    /// `on_open` (there is no per-connection state to hand it before), and
    /// never if the connect fails (`on_connect_failed` is the last call).
    pub fn conn_timer(&mut self, tok: Token, after: Duration, tag: u64) -> TimerId {
        self.core.add_timer(after, TimerKind::Conn { tok, tag })
    }

    /// Cancel a timer (a no-op if it already fired).
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.core.timers.cancel(id);
    }

    /// Start a non-blocking outbound connection. `on_open` follows when it
    /// is established, `on_connect_failed` if it is not. Writes may be
    /// queued right away; they go out once connected.
    pub fn connect(&mut self, addr: SocketAddr) -> io::Result<Token> {
        connect(self.core, addr)
    }

    /// Send one datagram from UDP socket `sock`. On Linux it is queued and
    /// goes out with the socket's other replies of this tick in one
    /// `sendmmsg` in the flush phase (see `reactor/udp.rs`); elsewhere it is
    /// sent now. Returns `false` if it was dropped at once (unknown socket,
    /// longer than a datagram can be, or, off Linux, the send failed). UDP
    /// has no flow control: a reply that would block is dropped and counted
    /// (`udp_dropped`) rather than stalling the loop, here or at the flush.
    pub fn send_to(&mut self, sock: Token, to: SocketAddr, data: &[u8]) -> bool {
        super::udp::send_to(self.core, sock, to, data)
    }

    /// Stop watching a fd registered with `Reactor::register_fd` (the fd
    /// itself stays open: it is yours).
    pub fn deregister_fd(&mut self, tok: Token) {
        if let Some(Source::Fd { .. }) = self.core.source_mut(tok) {
            self.core.retire(tok);
        }
    }

    /// Shut the whole reactor down gracefully (see [`Handle::shutdown`]).
    pub fn shutdown(&mut self) {
        if self.core.phase == Phase::Running {
            self.core
                .shared
                .shutdown
                .store(true, std::sync::atomic::Ordering::Release);
        }
    }

    /// Is a graceful shutdown under way?
    pub fn is_shutting_down(&self) -> bool {
        self.core.phase == Phase::ShuttingDown
    }

    /// A handle for other threads (e.g. a worker that calls `wake`).
    pub fn handle(&self) -> Handle {
        Handle {
            shared: self.core.shared.clone(),
        }
    }

    /// The loop's notion of now (read once per tick).
    pub fn now(&self) -> Instant {
        self.core.now
    }

    /// The counters so far.
    pub fn metrics(&self) -> &Metrics {
        &self.core.metrics
    }

    /// The loop's histograms so far (see [`LoopStats`](crate::stats::LoopStats)).
    pub fn loop_stats(&self) -> &crate::stats::LoopStats {
        &self.core.stats
    }

    /// Gauges computed now: open connections, total pending output, live
    /// timers, slab size. Walks every source, so call it per scrape, not
    /// per operation.
    pub fn gauges(&self) -> crate::stats::Gauges {
        self.core.gauges()
    }
}

pub(crate) fn connect(core: &mut Core, addr: SocketAddr) -> io::Result<Token> {
    let now = core.now;
    let nodelay = core.config.nodelay;
    let tok = core.insert(|tok, registry| {
        let mut stream = mio::net::TcpStream::connect(addr)?;
        if nodelay {
            // Best effort: fails with ENOTCONN on some systems before the
            // handshake; the connect phase sets it again.
            let _ = stream.set_nodelay(true);
        }
        super::listener::oob_inline(&stream)?;
        let interest = crate::conn::READ_INTEREST | Interest::WRITABLE;
        registry.register(&mut stream, tok.to_mio(), interest)?;
        Ok(Source::Conn(Conn::new(
            stream,
            addr,
            ConnState::Connecting,
            now,
        )))
    })?;
    log::trace!("connect tok={tok} addr={addr} EINPROGRESS");
    core.metrics.open_conns += 1;
    super::dispatch::connect_started(core, tok);
    Ok(tok)
}
