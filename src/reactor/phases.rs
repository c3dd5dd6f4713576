//! Phases 3 to 6: timers, flush, reap, housekeep.
//!
//! Owns: firing timers, writing queued output (and the FIN, linger and
//! backpressure transitions that follow a write), the connection deadlines
//! (idle, send progress, close; see the table in `conn/state.rs`), freeing
//! closed slots and cancelling their timers, and acting on shutdown
//! requests. Does not own: reading (`read.rs`).
//!
//! The flush is where deadlines are armed: every transition that starts a
//! close (`close_graceful`, the peer's EOF, `shutdown_write`) schedules a
//! flush, and every wait on the peer's reading shows up as output left
//! pending after a write. So one check after each flush ([`arm_deadlines`])
//! covers every path into a waiting state, including ones added later in
//! other files, without a timer call at each transition.

use super::ratelog::RateLimitedLog;
use super::{Core, Ctx, Phase, Reactor, Source};
use crate::conn::{CloseReason, Conn, ConnState};
use crate::timer::{deadline_after, TimerKind, Timers};
use crate::{Config, Service, Token};
use log::{debug, info, trace, warn};
use std::sync::atomic::Ordering;
use std::time::Instant;

impl<S: Service> Reactor<S> {
    /// Phase 3: fire every timer due by now. A timer scheduled while firing
    /// (even with a zero delay) waits for the next tick, so a service that
    /// re-arms a timer from `on_timer` cannot trap the loop here. Timers are
    /// popped one at a time, not collected first, so a callback that
    /// cancels another timer due in this same tick really cancels it.
    pub(super) fn fire_timers(&mut self) {
        let now = self.core.now;
        let upto = self.core.timers.last_seq();
        while let Some(kind) = self.core.timers.pop_expired(now, upto) {
            self.core.metrics.timers_fired += 1;
            trace!("timer {kind:?}");
            self.fire(kind);
        }
    }

    fn fire(&mut self, kind: TimerKind) {
        match kind {
            TimerKind::Service { tag } => self.service.on_timer(
                &mut Ctx {
                    core: &mut self.core,
                },
                tag,
            ),
            TimerKind::Conn { tok, tag } => {
                let live = self
                    .core
                    .conn(tok)
                    .is_some_and(|c| c.state != ConnState::Closed);
                let state = self.states.get_mut(tok.slot()).and_then(Option::as_mut);
                if let (true, Some(state)) = (live, state) {
                    let ctx = &mut Ctx {
                        core: &mut self.core,
                    };
                    self.service.on_conn_timer(ctx, tok, state, tag);
                }
            }
            TimerKind::Idle { tok } => self.check_idle(tok),
            TimerKind::Linger { tok } => {
                let Some(c) = self.core.conn_mut(tok) else {
                    return;
                };
                c.timers.linger = None;
                if c.state == ConnState::Lingering {
                    trace!("linger tok={tok} timer expired");
                    self.core.close_now(tok, CloseReason::Local);
                }
            }
            TimerKind::CloseDeadline { tok } => self.close_deadline(tok),
            TimerKind::SendStall { tok } => self.check_send(tok),
            TimerKind::AcceptRetry { tok } => {
                if let Some(Source::Listener(l)) = self.core.source_mut(tok) {
                    l.paused = false;
                    debug!("accept tok={tok} resuming after EMFILE pause");
                    self.accept_ready(tok);
                }
            }
            TimerKind::ShutdownDeadline => self.abort_all("shutdown grace period over"),
        }
    }

    /// One timer per connection, re-armed lazily: reads and writes only
    /// stamp `last_active`; nothing touches the heap on the hot path. Once a
    /// close has begun, the close deadline bounds the connection instead.
    fn check_idle(&mut self, tok: Token) {
        let (Some(idle), now) = (self.core.config.idle_timeout, self.core.now) else {
            return;
        };
        let Some(c) = self.core.conn_mut(tok) else {
            return;
        };
        c.timers.idle = None;
        if c.state == ConnState::Closed || c.state.closing() {
            return;
        }
        let peer = c.peer;
        let quiet = now.saturating_duration_since(c.last_active);
        if quiet < idle {
            let id = self.core.add_timer(idle - quiet, TimerKind::Idle { tok });
            if let Some(c) = self.core.conn_mut(tok) {
                c.timers.idle = Some(id);
            }
            return;
        }
        // Logged when it happens, at info: an operator wants to see it, but
        // a flood of idle peers must not flood the log.
        if let Some(held_back) = self.core.idle_log.admit(now) {
            info!(
                "closing tok={tok} peer={peer}: idle for {quiet:?}{}",
                RateLimitedLog::suffix(held_back)
            );
        } else {
            debug!("closing tok={tok} peer={peer}: idle for {quiet:?}");
        }
        self.core.metrics.idle_timeouts += 1;
        self.core.close_graceful(tok, CloseReason::IdleTimeout);
    }

    /// `Config::send_timeout`: lazily re-armed like the idle check; a write
    /// that makes progress only stamps `last_progress`.
    fn check_send(&mut self, tok: Token) {
        let (Some(limit), now) = (self.core.config.send_timeout, self.core.now) else {
            return;
        };
        let Some(c) = self.core.conn_mut(tok) else {
            return;
        };
        c.timers.send = None;
        if !matches!(c.state, ConnState::Open | ConnState::Paused) || c.out.pending() == 0 {
            return; // re-armed by the flush if output waits again
        }
        let stalled = now.saturating_duration_since(c.last_progress);
        if stalled < limit {
            let id = self
                .core
                .add_timer(limit - stalled, TimerKind::SendStall { tok });
            if let Some(c) = self.core.conn_mut(tok) {
                c.timers.send = Some(id);
            }
            return;
        }
        debug!(
            "aborting tok={tok} peer={}: {} bytes unsent, no write progress for {stalled:?}",
            c.peer,
            c.out.pending()
        );
        self.core.metrics.send_timeouts += 1;
        self.core.close_now(tok, CloseReason::SendTimeout);
    }

    /// `Config::close_timeout` ran out: whatever the close was waiting for
    /// (the peer to read our output, or to answer our FIN), stop waiting.
    fn close_deadline(&mut self, tok: Token) {
        let Some(c) = self.core.conn_mut(tok) else {
            return;
        };
        c.timers.close = None;
        let waiting = c.state.closing() || (c.state == ConnState::WriteShut && c.out.pending() > 0);
        if !waiting {
            return;
        }
        debug!(
            "aborting tok={tok} peer={}: still {} after close_timeout, {} bytes unsent",
            c.peer,
            c.state,
            c.out.pending()
        );
        // The first reason (idle, input cap, ...) said why the close began;
        // this one tells the service that its queued output was dropped.
        c.reason = Some(CloseReason::CloseTimeout);
        self.core.metrics.close_timeouts += 1;
        self.core.close_now(tok, CloseReason::CloseTimeout);
    }

    /// Phase 4: write queued output, one pass per connection.
    pub(super) fn flush(&mut self) {
        let mut list = std::mem::take(&mut self.core.to_flush);
        for tok in list.drain(..) {
            self.flush_conn(tok);
        }
        // Keep the allocation; callbacks run from flush may have queued more.
        list.append(&mut self.core.to_flush);
        self.core.to_flush = list;
    }

    fn flush_conn(&mut self, tok: Token) {
        let (low_water, no_outbuf) = (
            self.core.config.low_water,
            self.core.config.pitfalls.no_outbuf,
        );
        let now = self.core.now;
        if !self.core.is_current(tok) {
            return;
        }
        let core = &mut self.core;
        let Some(c) = Core::slot_conn(&mut core.sources, tok) else {
            return;
        };
        c.queued_flush = false;
        if !c.state.flushes() {
            return;
        }
        let had = c.out.pending();
        match c.write_out(tok, no_outbuf) {
            Ok(n) => {
                core.metrics.bytes_out += n as u64;
                if n > 0 {
                    c.last_active = now;
                    c.last_progress = now;
                }
            }
            Err(e) => return core.close_now(tok, CloseReason::Error(e)),
        }
        if let Err(e) = c.update_interest(tok, &core.registry) {
            return core.close_now(tok, CloseReason::Error(e));
        }
        let pending = c.out.pending();
        if pending > 0 {
            let resume = c.state == ConnState::Paused && pending <= low_water;
            if resume {
                c.set_state(tok, ConnState::Open);
            }
            arm_deadlines(c, tok, &mut core.timers, &core.config, now);
            if resume {
                core.again(tok);
            }
            return;
        }
        c.out.release_if_empty(&mut core.pool);
        if let Some(id) = c.timers.send.take() {
            core.timers.cancel(id); // nothing waits any more
        }
        match c.state {
            ConnState::Draining if c.held => {} // the service still has replies to write
            ConnState::Draining => {
                c.send_fin(tok);
                core.close_now(tok, CloseReason::PeerClosed);
            }
            ConnState::Closing => {
                c.send_fin(tok);
                c.set_state(tok, ConnState::Lingering);
                let at = deadline_after(now, core.config.linger);
                c.timers.linger = Some(core.timers.add(at, TimerKind::Linger { tok }));
                // Bytes may already be waiting, and their edge is spent.
                core.again(tok);
            }
            ConnState::WriteShut => {
                c.send_fin(tok);
                // Our side is done: reading on is the peer's turn, as in Open.
                if let Some(id) = c.timers.close.take() {
                    core.timers.cancel(id);
                }
            }
            ConnState::Paused => {
                c.set_state(tok, ConnState::Open);
                core.again(tok);
            }
            _ => {}
        }
        let Some(c) = Core::slot_conn(&mut core.sources, tok) else {
            return;
        };
        arm_deadlines(c, tok, &mut core.timers, &core.config, now);
        if had > 0 {
            if let Some(state) = self.states.get_mut(tok.slot()).and_then(Option::as_mut) {
                self.service.on_drained(
                    &mut Ctx {
                        core: &mut self.core,
                    },
                    tok,
                    state,
                );
            }
        }
    }

    /// Phase 5: free the slots of everything closed this tick, then tell the
    /// service. `on_close` may close others; the loop picks those up too.
    pub(super) fn reap(&mut self) {
        while let Some(tok) = self.core.to_reap.pop() {
            let Some(source) = self.core.remove(tok) else {
                continue;
            };
            match source {
                Source::Conn(mut c) => {
                    if let Err(e) = self.core.registry.deregister(&mut c.stream) {
                        trace!("deregister tok={tok} err={e}");
                    }
                    c.release(&mut self.core.pool);
                    c.timers.cancel_all(&mut self.core.timers);
                    self.core.metrics.closed += 1;
                    self.core.metrics.open_conns -= 1;
                    let reason = c.reason.take().unwrap_or(CloseReason::Local);
                    debug!("closed tok={tok} peer={} reason={reason}", c.peer);
                    drop(c); // closes the fd
                    if let Some(state) = self.states.get_mut(tok.slot()).and_then(Option::take) {
                        let ctx = &mut Ctx {
                            core: &mut self.core,
                        };
                        self.service.on_close(ctx, tok, state, &reason);
                    }
                }
                Source::Listener(mut l) => {
                    let _ = self.core.registry.deregister(&mut l.socket);
                    debug!("listener tok={tok} on {} closed", l.local);
                }
                Source::Udp(mut u) => {
                    let _ = self.core.registry.deregister(&mut u.socket);
                    debug!("udp tok={tok} on {} closed", u.local);
                }
                Source::Fd { fd, .. } => {
                    let _ = self.core.registry.deregister(&mut mio::unix::SourceFd(&fd));
                }
            }
        }
    }

    /// Phase 6: shutdown requests, and publish the counters for `Handle`s.
    pub(super) fn housekeep(&mut self) {
        if self.core.phase == Phase::Running && self.core.shared.shutdown.load(Ordering::Acquire) {
            self.begin_shutdown("requested");
        }
        let m = &mut self.core.metrics;
        m.timers_live = self.core.timers.live_len() as u64;
        m.timer_heap = self.core.timers.heap_len() as u64;
        self.core.shared.metrics.publish(m);
    }

    /// Close every connection now (shutdown deadline, second signal).
    pub(super) fn abort_all(&mut self, why: &str) {
        let live: Vec<Token> = self.live_tokens();
        if !live.is_empty() {
            warn!("{why}: aborting {} remaining sources", live.len());
        }
        for tok in live {
            match self.core.sources.get(tok.slot()) {
                Some(Source::Conn(_)) => self.core.close_now(tok, CloseReason::Shutdown),
                _ => self.core.retire(tok),
            }
        }
    }

    pub(super) fn live_tokens(&self) -> Vec<Token> {
        self.core
            .sources
            .iter()
            .map(|(slot, _)| self.core.current(Token::new(slot, 0)))
            .collect()
    }
}

/// After a flush: arm the deadline of the state the connection is now in,
/// once (see the table in `conn/state.rs`). The close deadline counts from
/// the first flush after the close began, which is the tick it began in.
fn arm_deadlines(c: &mut Conn, tok: Token, timers: &mut Timers, config: &Config, now: Instant) {
    let pending = c.out.pending() > 0;
    let closing = c.state.closing() || (c.state == ConnState::WriteShut && pending);
    if closing && c.timers.close.is_none() {
        let at = deadline_after(now, config.close_timeout);
        c.timers.close = Some(timers.add(at, TimerKind::CloseDeadline { tok }));
    }
    let sending = pending && matches!(c.state, ConnState::Open | ConnState::Paused);
    if let (true, None, Some(limit)) = (sending, c.timers.send, config.send_timeout) {
        c.last_progress = now; // the wait begins
        let at = deadline_after(now, limit);
        c.timers.send = Some(timers.add(at, TimerKind::SendStall { tok }));
    }
}
