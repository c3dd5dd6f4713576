//! Phases 3 to 6: timers, flush, reap, housekeep.
//!
//! Owns: firing timers (routing each kind), writing queued output (and the
//! FIN, linger and backpressure transitions that follow a write), freeing
//! closed slots and cancelling their timers, and acting on shutdown
//! requests. Does not own: reading (`read.rs`), or the connection deadlines'
//! rules (idle, send progress, close: `deadlines.rs`, which the flush calls
//! to arm them).

use super::deadlines::arm_deadlines;
use super::timeline::Kind;
use super::{Core, Ctx, Phase, Reactor, Source};
use crate::conn::{CloseReason, ConnState};
use crate::timer::{deadline_after, TimerKind};
use crate::{Service, Token};
use log::{debug, trace, warn};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often `Handle::snapshot` is refreshed.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(1);

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
            TimerKind::Conn { tok, tag } if self.core.hold_while_connecting(tok, tag) => {}
            TimerKind::Conn { tok, tag } => self.fire_conn_timer(tok, tag),
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
            TimerKind::ConnectTimeout { tok } => self.connect_timed_out(tok),
        }
    }

    /// Phase 4: write queued output, one pass per connection.
    pub(super) fn flush(&mut self) {
        super::udp::flush_all(&mut self.core); // one sendmmsg per socket
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
                    let pending = c.out.pending();
                    let write = || Kind::Write { bytes: n, pending };
                    super::timeline::note(&mut core.timeline, tok, write);
                }
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
                let change = c.set_state(tok, ConnState::Open);
                super::timeline::note_state(&mut core.timeline, tok, change);
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
                // No shutdown(2) first: the peer's FIN came and every byte
                // before it was read, so close(2) at reap sends our FIN
                // (not a RST). One syscall fewer per connection.
                core.close_now(tok, CloseReason::PeerClosed);
            }
            ConnState::Closing => {
                c.send_fin(tok);
                let change = c.set_state(tok, ConnState::Lingering);
                super::timeline::note_state(&mut core.timeline, tok, change);
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
                let change = c.set_state(tok, ConnState::Open);
                super::timeline::note_state(&mut core.timeline, tok, change);
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
                    // No `deregister` (EPOLL_CTL_DEL): closing the fd below
                    // takes it out of the epoll set, since no stream is ever
                    // dup'ed. One syscall fewer per connection; an event
                    // already fetched for it is stale, and the token's
                    // generation drops it (`token.rs`).
                    c.release(&mut self.core.pool);
                    c.timers.cancel_all(&mut self.core.timers);
                    self.core.connects.forget(tok, &mut self.core.timers);
                    if !c.rejected {
                        self.core.metrics.closed += 1;
                        self.core.metrics.open_conns -= 1;
                    }
                    let reason = c.reason.take().unwrap_or(CloseReason::Local);
                    debug!("closed tok={tok} peer={} reason={reason}", c.peer);
                    let close = || Kind::Close(reason.to_string());
                    super::timeline::note(&mut self.core.timeline, tok, close);
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
                    u.flush(tok, &mut self.core.metrics); // replies from on_close
                    let _ = self.core.registry.deregister(&mut u.socket);
                    debug!("udp tok={tok} on {} closed", u.local);
                }
                Source::Fd { fd, .. } => {
                    let _ = self.core.registry.deregister(&mut mio::unix::SourceFd(&fd));
                }
                Source::Io(mut s) => {
                    s.deregister(&self.core.registry);
                    if matches!(s.io, crate::reactor::io_source::IoKind::Stream(_)) {
                        self.core.metrics.closed += 1;
                        self.core.metrics.open_conns -= 1;
                    }
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
        // The one extra clock read per tick (see `stats.rs`).
        let end = std::time::Instant::now();
        let busy = end.saturating_duration_since(self.core.now);
        self.core.stats.tick.record_duration(busy);
        self.core.tick_end = end;
        // A plain load first: the swap (a locked instruction) only when set.
        let wanted = self.core.shared.snapshot_wanted.load(Ordering::Relaxed)
            && self
                .core
                .shared
                .snapshot_wanted
                .swap(false, Ordering::AcqRel);
        if wanted || self.core.now >= self.core.next_snapshot {
            self.publish_snapshot();
        }
        if self.core.timeline.is_some() {
            let g = self.core.gauges(); // walks the slab: only when on
            if let Some(t) = self.core.timeline.as_mut() {
                t.end_tick(end, g.open_conns, g.pending_output_bytes);
            }
        }
    }

    /// Copy counters, gauges and histograms for `Handle::snapshot`, once a
    /// second: the gauges walk the slab, so not every tick.
    fn publish_snapshot(&mut self) {
        let core = &mut self.core;
        core.next_snapshot = core.now + SNAPSHOT_EVERY;
        let snap = crate::stats::Snapshot {
            metrics: core.metrics,
            gauges: core.gauges(),
            stats: core.stats,
        };
        match core.shared.snapshot.lock() {
            Ok(mut s) => *s = snap,
            Err(poisoned) => *poisoned.into_inner() = snap,
        }
    }

    /// Close every connection now (shutdown deadline, second signal).
    pub(super) fn abort_all(&mut self, why: &str) {
        let live: Vec<Token> = self.live_tokens();
        if !live.is_empty() {
            warn!("{why}: aborting {} remaining sources", live.len());
        }
        for tok in live {
            match self.core.sources.get(tok.slot()) {
                Some(Source::Conn(_)) => {
                    self.core.metrics.shutdown_aborts += 1;
                    self.core.close_now(tok, CloseReason::Shutdown);
                }
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
