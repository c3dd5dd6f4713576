//! Phase 2, dispatch: route each event to its slab entry.
//!
//! Owns: event routing, the stale-token check, resuming parked sources, and
//! the outbound-connect handshake. Does not own: the TCP read path (`read`),
//! accepting (`listener`), UDP (`udp`), or writing (the flush phase in
//! `phases`).
//!
//! All of it follows [the drain rule](super#readiness-is-a-hint-drain-until-wouldblock).

use super::{Ctx, Reactor, Source};
use crate::conn::{CloseReason, ConnState};
use crate::token::{SIGNALS, WAKER};
use crate::{Service, Token};
use log::trace;
use mio::event::Event;
use mio::Events;
use std::io;
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
    Io,
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
            Source::Io(_) => Kind::Io,
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
                Some(Kind::Io) => {
                    self.core
                        .io_event(tok, r.readable, r.writable, r.read_closed, r.error)
                }
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
            Some(Kind::Fd | Kind::Io) | None => {}
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
}
