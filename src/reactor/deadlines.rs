//! Connection deadlines: the idle check, the send-progress check and the
//! close deadline (the table in `conn/state.rs` says which state runs under
//! which).
//!
//! Owns: arming them after a flush, and deciding, when one fires, whether
//! the connection really overstayed. Does not own: the heap (`timer.rs`),
//! routing a fired timer here (`phases.rs`), the linger timer (armed where
//! the FIN is sent, in the flush), or cancelling a closed connection's
//! timers (the reap, through `ConnTimers`).
//!
//! The flush is where deadlines are armed: every transition that starts a
//! close (`close_graceful`, the peer's EOF, `shutdown_write`) schedules a
//! flush, and every wait on the peer's reading shows up as output left
//! pending after a write. So one check after each flush ([`arm_deadlines`])
//! covers every path into a waiting state, including ones added later in
//! other files, without a timer call at each transition. The idle and send
//! checks are lazy, like Redis' `clientsCronHandleTimeout`: reads and writes
//! only stamp the connection, and a check that fires early re-arms itself
//! for the rest, so the hot path never touches the heap.

use super::ratelog::RateLimitedLog;
use super::Reactor;
use crate::conn::{CloseReason, Conn, ConnState};
use crate::timer::{deadline_after, TimerKind, Timers};
use crate::{Config, Service, Token};
use log::{debug, info};
use std::time::Instant;

impl<S: Service> Reactor<S> {
    /// One timer per connection, re-armed lazily: reads and writes only
    /// stamp `last_active`; nothing touches the heap on the hot path. Once a
    /// close has begun, the close deadline bounds the connection instead.
    pub(super) fn check_idle(&mut self, tok: Token) {
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
    pub(super) fn check_send(&mut self, tok: Token) {
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
    pub(super) fn close_deadline(&mut self, tok: Token) {
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
}

/// After a flush: arm the deadline of the state the connection is now in,
/// once (see the table in `conn/state.rs`). The close deadline counts from
/// the first flush after the close began, which is the tick it began in.
pub(super) fn arm_deadlines(
    c: &mut Conn,
    tok: Token,
    timers: &mut Timers,
    config: &Config,
    now: Instant,
) {
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
