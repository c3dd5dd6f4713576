//! Phase 2, continued: the TCP read path that feeds [`Service::on_data`].
//!
//! Owns: the read loop with its budget, handing bytes to the service (the
//! shared read buffer, kept partial input), the input cap, the backpressure
//! pause, and the peer's EOF. Does not own: deciding which connection to
//! read (`dispatch`) or writing (`phases`).
//!
//! All of it follows [the drain rule](super#readiness-is-a-hint-drain-until-wouldblock).

use super::timeline::Kind;
use super::{Ctx, Reactor};
use crate::conn::{CloseReason, ConnState};
use crate::{Service, Token};
use log::{trace, warn};
use std::io::{self, Read};

impl<S: Service> Reactor<S> {
    /// Read until `WouldBlock`, a short read, EOF, or the budget.
    /// `to_wouldblock` turns the short-read shortcut off: set it when the
    /// peer's FIN may already have been reported (by this event, or by one
    /// that arrived while the connection was parked), since no new edge
    /// will announce it again.
    pub(super) fn read_conn(&mut self, tok: Token, to_wouldblock: bool) {
        let pitfalls = self.core.config.pitfalls;
        let budget = if pitfalls.no_budget {
            usize::MAX
        } else {
            self.core.config.read_budget
        };
        let mut used = 0;
        // An event can come before the resume it was parked for: the kept
        // input it owes the service still goes first (see `redeliver`).
        if self.core.conn(tok).is_some_and(|c| c.queued_again) {
            self.redeliver(tok);
        }
        loop {
            let Some(c) = self.core.conn_mut(tok) else {
                return;
            };
            if !c.state.reads() {
                return;
            }
            if used >= budget {
                trace!("read tok={tok} budget={budget} used, yielding");
                self.core.metrics.budget_yields += 1;
                self.core.again(tok);
                return;
            }
            match c.stream.read(&mut self.read_buf) {
                Ok(0) => {
                    trace!("read tok={tok} EOF");
                    super::timeline::note(&mut self.core.timeline, tok, || Kind::Eof);
                    return self.peer_eof(tok);
                }
                Ok(n) => {
                    trace!("read tok={tok} n={n}");
                    super::timeline::note(&mut self.core.timeline, tok, || Kind::Read(n));
                    used += n;
                    self.deliver(tok, n);
                    if pitfalls.no_drain {
                        return;
                    }
                    // A short read means the receive queue is empty now; with
                    // edge-triggered epoll, later data raises a new event, so
                    // another read would only return WouldBlock (tokio skips
                    // it too, since tokio-rs/tokio#4840). The trap: a FIN
                    // that came with the data raises no new event, so if the
                    // peer has closed, or we resume without an event, read on
                    // to see EOF.
                    // The other trap is urgent (TCP out-of-band) data: Linux
                    // ends a read at the urgent mark, SO_OOBINLINE or not,
                    // so a read there is short with normal data still
                    // queued. SO_OOBINLINE (set on every stream, `listener`)
                    // keeps the urgent byte in the stream instead of
                    // dropping it; the short read is caught by asking epoll
                    // for EPOLLPRI, which is set while urgent data is
                    // queued: `dispatch` then reads to WouldBlock. (The
                    // alternative, SIOCATMARK after every short read, costs
                    // the syscall this shortcut saves.)
                    // Pitfall `no-budget` is the textbook loop instead: only
                    // WouldBlock stops it, so a fast writer keeps it going.
                    if n < self.read_buf.len() && !to_wouldblock && !pitfalls.no_budget {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    trace!("read tok={tok} WouldBlock");
                    super::timeline::note(&mut self.core.timeline, tok, || Kind::WouldBlock);
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    trace!("read tok={tok} err={e}");
                    return self.core.close_now(tok, CloseReason::Error(e));
                }
            }
        }
    }

    /// Hand `read_buf[..n]` (after any kept partial input) to the service.
    /// With `n == 0` only the kept input is handed back (see `redeliver`).
    fn deliver(&mut self, tok: Token, n: usize) {
        let now = self.core.now;
        let Some(c) = self.core.conn_mut(tok) else {
            return;
        };
        if n > 0 {
            c.last_active = now;
        }
        let lingering = c.state == ConnState::Lingering;
        let mut input = std::mem::take(&mut c.input);
        self.core.metrics.bytes_in += n as u64;
        if lingering {
            return; // closing: the peer's bytes are read only to be discarded
        }
        let Some(state) = self.states.get_mut(tok.slot()).and_then(Option::as_mut) else {
            return;
        };
        let ctx = &mut Ctx {
            core: &mut self.core,
        };
        let fresh = &self.read_buf[..n];
        let kept = if input.is_empty() {
            // Fast path: the service reads straight from the shared buffer,
            // and only an unconsumed tail is copied.
            let used = self.service.on_data(ctx, tok, state, fresh).min(n);
            if used < n {
                if input.capacity() == 0 {
                    input = ctx.core.pool.take(n - used);
                }
                input.extend_from_slice(&fresh[used..]);
            }
            input
        } else {
            input.extend_from_slice(fresh);
            let used = self
                .service
                .on_data(ctx, tok, state, &input)
                .min(input.len());
            input.drain(..used);
            input
        };
        self.after_data(tok, kept);
    }

    /// Hand the kept input back to the service without new bytes, before a
    /// resumed connection reads again: after [`Ctx::resume_input`], or when
    /// reading resumes after a backpressure pause. Delivering first matters:
    /// a service that stopped consuming because its output was high gets
    /// to consume what it kept before a read appends more, so its kept input
    /// does not grow towards `max_input` while it waits for the peer to read.
    pub(super) fn redeliver(&mut self, tok: Token) {
        let Some(c) = self.core.conn_mut(tok) else {
            return;
        };
        let open = matches!(c.state, ConnState::Open | ConnState::WriteShut);
        if open && !c.input.is_empty() {
            trace!("redeliver tok={tok} kept={}", c.input.len());
            self.deliver(tok, 0);
        }
    }

    /// Keep unconsumed input (within `max_input`) and apply backpressure.
    fn after_data(&mut self, tok: Token, kept: Vec<u8>) {
        let (max_input, high_water) = (self.core.config.max_input, self.core.config.high_water);
        let Some(c) = self.core.conn_mut(tok) else {
            return;
        };
        let keep = matches!(
            c.state,
            ConnState::Open | ConnState::Paused | ConnState::WriteShut
        );
        if keep && kept.len() > max_input {
            warn!(
                "closing tok={tok} peer={}: {} bytes of unconsumed input are over max_input {max_input}",
                c.peer,
                kept.len()
            );
            self.core.pool.give(kept);
            self.core.metrics.input_overflows += 1;
            return self.core.close_graceful(tok, CloseReason::InputTooLarge);
        }
        if keep && !kept.is_empty() {
            c.input = kept;
        } else if kept.capacity() > 0 {
            self.core.pool.give(kept);
        }
        // Stop reading a peer whose replies are not being drained: reading
        // more would only queue more output (the peer may never read).
        let Some(c) = self.core.conn_mut(tok) else {
            return;
        };
        if c.state == ConnState::Open && c.out.pending() > high_water {
            trace!(
                "backpressure tok={tok} pending={} > high_water={high_water}",
                c.out.pending()
            );
            let change = c.set_state(tok, ConnState::Paused);
            super::timeline::note_state(&mut self.core.timeline, tok, change);
            self.core.metrics.backpressure_pauses += 1;
        }
    }

    /// The peer sent FIN.
    fn peer_eof(&mut self, tok: Token) {
        let close_on_eof = self.core.config.pitfalls.close_on_eof;
        let Some(c) = self.core.conn_mut(tok) else {
            return;
        };
        let rest = std::mem::take(&mut c.input);
        match c.state {
            ConnState::Open if close_on_eof => {
                // Pitfall `close-on-eof`: replies still queued are dropped.
                trace!(
                    "eof tok={tok} pitfall=close-on-eof dropped={}",
                    c.out.pending()
                );
                c.out.clear();
                self.core.close_now(tok, CloseReason::PeerClosed);
            }
            ConnState::Open => {
                let change = c.set_state(tok, ConnState::Draining);
                super::timeline::note_state(&mut self.core.timeline, tok, change);
                self.core.schedule_flush(tok);
                if let Some(state) = self.states.get_mut(tok.slot()).and_then(Option::as_mut) {
                    let ctx = &mut Ctx {
                        core: &mut self.core,
                    };
                    self.service.on_eof(ctx, tok, state, &rest);
                }
            }
            ConnState::WriteShut if c.out.pending() > 0 => {
                let change = c.set_state(tok, ConnState::Draining);
                super::timeline::note_state(&mut self.core.timeline, tok, change);
                self.core.schedule_flush(tok);
            }
            _ => self.core.close_now(tok, CloseReason::PeerClosed),
        }
        if rest.capacity() > 0 {
            self.core.pool.give(rest);
        }
    }
}
