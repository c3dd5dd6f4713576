//! Phase 2, dispatch: route each event to its slab entry, and run the TCP
//! read path that feeds [`Service::on_data`].
//!
//! Owns: event routing, the stale-token check, the outbound-connect
//! handshake, the read loop with its budget, EOF handling, the input cap and
//! the backpressure pause. Does not own: accepting (`listener`), UDP
//! (`udp`), or writing (the flush phase in `phases`).
//!
//! All of it follows [the drain rule](super#readiness-is-a-hint-drain-until-wouldblock).

use super::{Ctx, Reactor, Source};
use crate::conn::{CloseReason, ConnState};
use crate::token::{SIGNALS, WAKER};
use crate::{Service, Token};
use log::{trace, warn};
use mio::event::Event;
use mio::Events;
use std::io::{self, Read};
use std::sync::atomic::Ordering;

/// The readiness bits of one event, copied out of mio's `Event`.
#[derive(Copy, Clone)]
struct Ready {
    readable: bool,
    writable: bool,
    read_closed: bool,
    error: bool,
}

impl Ready {
    fn of(ev: &Event) -> Ready {
        Ready {
            readable: ev.is_readable(),
            writable: ev.is_writable() || ev.is_write_closed(),
            read_closed: ev.is_read_closed(),
            error: ev.is_error(),
        }
    }
}

#[derive(Copy, Clone)]
enum Kind {
    Listener,
    Conn,
    Udp,
    Fd,
}

impl<S: Service> Reactor<S> {
    pub(super) fn dispatch(&mut self) {
        // Sources parked last tick run after this tick's events; anything
        // parked now waits for the next tick, so a budget really yields.
        std::mem::swap(&mut self.core.again, &mut self.again_spare);
        let events = std::mem::replace(&mut self.events, Events::with_capacity(0));
        for ev in events.iter() {
            let tok = Token::from_mio(ev.token());
            let r = Ready::of(ev);
            trace!(
                "event tok={tok} readable={} writable={} read_closed={} error={}",
                r.readable,
                r.writable,
                r.read_closed,
                r.error
            );
            self.on_event(tok, r);
        }
        self.events = events;
        let mut again = std::mem::take(&mut self.again_spare);
        for tok in again.drain(..) {
            trace!("resume tok={tok}");
            self.resume(tok);
        }
        self.again_spare = again;
    }

    fn kind(&self, tok: Token) -> Option<Kind> {
        if !self.core.is_current(tok) {
            return None;
        }
        Some(match self.core.sources.get(tok.slot())? {
            Source::Listener(_) => Kind::Listener,
            Source::Conn(_) => Kind::Conn,
            Source::Udp(_) => Kind::Udp,
            Source::Fd { removed: false, .. } => Kind::Fd,
            Source::Fd { removed: true, .. } => return None,
        })
    }

    fn on_event(&mut self, tok: Token, r: Ready) {
        match tok {
            WAKER => {
                if self.core.shared.woken.swap(false, Ordering::AcqRel) {
                    self.service.on_wake(&mut Ctx {
                        core: &mut self.core,
                    });
                }
            }
            SIGNALS => self.on_signals(),
            _ => match self.kind(tok) {
                None => {
                    self.core.metrics.stale_events += 1;
                    trace!("event tok={tok} stale, ignored");
                }
                Some(Kind::Listener) => self.accept_ready(tok),
                Some(Kind::Udp) => self.udp_ready(tok),
                Some(Kind::Conn) => self.conn_event(tok, r),
                Some(Kind::Fd) => {
                    let (readable, writable) = (r.readable || r.read_closed || r.error, r.writable);
                    self.service.on_ready(
                        &mut Ctx {
                            core: &mut self.core,
                        },
                        tok,
                        readable,
                        writable,
                    );
                }
            },
        }
    }

    /// A source parked on the `again` list gets its turn.
    fn resume(&mut self, tok: Token) {
        match self.kind(tok) {
            Some(Kind::Listener) => self.accept_ready(tok),
            Some(Kind::Udp) => self.udp_ready(tok),
            Some(Kind::Conn) => {
                if let Some(c) = self.core.conn_mut(tok) {
                    c.queued_again = false;
                }
                // Read until WouldBlock, not just to the first short read:
                // the edge that announced a FIN may have been spent while we
                // yielded (budget) or paused (backpressure), and no new event
                // will say so. One extra read per resume is the price.
                self.read_conn(tok, true);
            }
            Some(Kind::Fd) | None => {}
        }
    }

    fn conn_event(&mut self, tok: Token, r: Ready) {
        let Some(c) = self.core.conn_mut(tok) else {
            return;
        };
        match c.state {
            ConnState::Closed => return,
            ConnState::Connecting => {
                if !self.finish_connect(tok) {
                    return;
                }
            }
            _ => {
                if (r.writable || r.error) && c.out.pending() > 0 {
                    self.core.schedule_flush(tok);
                }
            }
        }
        if r.readable || r.read_closed || r.error {
            self.read_conn(tok, r.read_closed);
        }
    }

    /// An outbound connect reported progress. Returns true once connected.
    /// Per mio's docs: `take_error` for the outcome, then `peer_addr`, whose
    /// `NotConnected` means the event was spurious and we keep waiting.
    fn finish_connect(&mut self, tok: Token) -> bool {
        let nodelay = self.core.config.nodelay;
        let Some(c) = self.core.conn_mut(tok) else {
            return false;
        };
        let outcome = match c.stream.take_error() {
            Ok(Some(e)) | Err(e) => Err(e),
            Ok(None) => c.stream.peer_addr(),
        };
        match outcome {
            Ok(peer) => {
                trace!("connect tok={tok} established peer={peer}");
                c.peer = peer;
                if nodelay {
                    let _ = c.stream.set_nodelay(true);
                }
                c.set_state(tok, ConnState::Open);
                self.core.metrics.connected += 1;
                // Writes queued while connecting go out in this tick's flush,
                // which also drops WRITABLE interest if nothing is pending.
                self.core.schedule_flush(tok);
                self.open_service(tok, peer);
                true
            }
            Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                trace!("connect tok={tok} not yet (spurious event)");
                false
            }
            Err(e) => {
                trace!("connect tok={tok} failed err={e}");
                let copy = io::Error::new(e.kind(), e.to_string());
                self.core.close_now(tok, CloseReason::Error(copy));
                self.service.on_connect_failed(
                    &mut Ctx {
                        core: &mut self.core,
                    },
                    tok,
                    e,
                );
                false
            }
        }
    }

    /// Create the service's state for a connection that just opened.
    pub(crate) fn open_service(&mut self, tok: Token, peer: std::net::SocketAddr) {
        let state = self.service.on_open(
            &mut Ctx {
                core: &mut self.core,
            },
            tok,
            peer,
        );
        let slot = tok.slot();
        if slot >= self.states.len() {
            self.states.resize_with(slot + 1, || None);
        }
        self.states[slot] = Some(state);
    }

    /// Read until `WouldBlock`, a short read, EOF, or the budget.
    /// `to_wouldblock` turns the short-read shortcut off: set it when the
    /// peer's FIN may already have been reported (by this event, or by one
    /// that arrived while the connection was parked), since no new edge
    /// will announce it again.
    fn read_conn(&mut self, tok: Token, to_wouldblock: bool) {
        let pitfalls = self.core.config.pitfalls;
        let budget = if pitfalls.no_budget {
            usize::MAX
        } else {
            self.core.config.read_budget
        };
        let mut used = 0;
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
                    return self.peer_eof(tok);
                }
                Ok(n) => {
                    trace!("read tok={tok} n={n}");
                    used += n;
                    self.deliver(tok, n);
                    if pitfalls.no_drain {
                        return;
                    }
                    // A short read means the receive queue is empty now; with
                    // edge-triggered epoll, later data raises a new event, so
                    // another read would only return WouldBlock (tokio skips
                    // it too). If the peer has closed, read on to see EOF.
                    // Pitfall `no-budget` is the textbook loop instead: only
                    // WouldBlock stops it, so a fast writer keeps it going.
                    if n < self.read_buf.len() && !to_wouldblock && !pitfalls.no_budget {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    trace!("read tok={tok} WouldBlock");
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
    fn deliver(&mut self, tok: Token, n: usize) {
        let now = self.core.now;
        let Some(c) = self.core.conn_mut(tok) else {
            return;
        };
        c.last_active = now;
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
            c.set_state(tok, ConnState::Paused);
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
                c.set_state(tok, ConnState::Draining);
                self.core.schedule_flush(tok);
                if let Some(state) = self.states.get_mut(tok.slot()).and_then(Option::as_mut) {
                    let ctx = &mut Ctx {
                        core: &mut self.core,
                    };
                    self.service.on_eof(ctx, tok, state, &rest);
                }
            }
            ConnState::WriteShut if c.out.pending() > 0 => {
                c.set_state(tok, ConnState::Draining);
                self.core.schedule_flush(tok);
            }
            _ => self.core.close_now(tok, CloseReason::PeerClosed),
        }
        if rest.capacity() > 0 {
            self.core.pool.give(rest);
        }
    }
}
