//! Phase 2, dispatch: route each event to its slab entry.
//!
//! Owns: event routing, the stale-token check, resuming parked sources, and
//! the outbound-connect handshake with its deadline (`Config::connect_timeout`)
//! and the connection timers that come due before it completes. Does not
//! own: the TCP read path (`read`), accepting (`listener`), UDP (`udp`), or
//! writing (the flush phase in `phases`).
//!
//! All of it follows [the drain rule](super#readiness-is-a-hint-drain-until-wouldblock).

use super::{Core, Ctx, Reactor, Source};
use crate::conn::{CloseReason, ConnState};
use crate::timer::TimerKind;
use crate::token::{SIGNALS, WAKER};
use crate::{Service, TimerId, Token};
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
    /// EPOLLPRI: urgent data is queued (see `read.rs`).
    priority: bool,
}

/// Does this platform's poller report urgent data (EPOLLPRI)? Where it does
/// not, every event reads until `WouldBlock` (see `read.rs`).
const URGENT_EVENTS: bool = cfg!(any(target_os = "linux", target_os = "android"));

impl Ready {
    fn of(ev: &Event) -> Ready {
        Ready {
            readable: ev.is_readable(),
            writable: ev.is_writable() || ev.is_write_closed(),
            read_closed: ev.is_read_closed(),
            error: ev.is_error(),
            priority: ev.is_priority(),
        }
    }
}

/// One outbound connect in progress: its deadline timer, and the tags of
/// `Ctx::conn_timer`s that came due before it completed.
struct ConnectWait {
    tok: Token,
    timer: Option<TimerId>,
    due: Vec<u64>,
}

/// The outbound connects in progress. Few at a time, so a vector; entries of
/// connections closed while connecting are pruned when the next starts.
#[derive(Default)]
pub(crate) struct ConnectWaits(Vec<ConnectWait>);

impl ConnectWaits {
    /// Take `tok`'s entry out.
    fn take(&mut self, tok: Token) -> Option<ConnectWait> {
        let i = self.0.iter().position(|w| w.tok == tok)?;
        Some(self.0.swap_remove(i))
    }

    /// `tok` is being reaped: forget it and cancel its connect deadline (a
    /// connection aborted while connecting must not leave a timer behind).
    pub(crate) fn forget(&mut self, tok: Token, timers: &mut crate::timer::Timers) {
        if let Some(id) = self.take(tok).and_then(|w| w.timer) {
            timers.cancel(id);
        }
    }
}

/// A connect was started (`ctx::connect`): arm its deadline.
pub(crate) fn connect_started(core: &mut Core, tok: Token) {
    let mut waits = std::mem::take(&mut core.connects);
    waits.0.retain(|w| {
        core.conn(w.tok)
            .is_some_and(|c| c.state == ConnState::Connecting)
    });
    let timer = core
        .config
        .connect_timeout
        .map(|after| core.add_timer(after, TimerKind::ConnectTimeout { tok }));
    waits.0.push(ConnectWait {
        tok,
        timer,
        due: Vec::new(),
    });
    core.connects = waits;
}

impl Core {
    /// A `Ctx::conn_timer` came due: if `tok` is still connecting, keep the
    /// tag for right after `on_open` and return true.
    pub(crate) fn hold_while_connecting(&mut self, tok: Token, tag: u64) -> bool {
        if !self
            .conn(tok)
            .is_some_and(|c| c.state == ConnState::Connecting)
        {
            return false;
        }
        match self.connects.0.iter_mut().find(|w| w.tok == tok) {
            Some(w) => {
                w.due.push(tag);
                true
            }
            None => false,
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
                "event tok={tok} readable={} writable={} read_closed={} error={}{}",
                r.readable,
                r.writable,
                r.read_closed,
                r.error,
                if r.priority { " urgent=true" } else { "" }
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
                Some(Kind::Io) => self.core.io_event(
                    tok,
                    r.readable,
                    r.writable,
                    r.read_closed,
                    r.error,
                    r.priority,
                ),
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
                // Kept input first (see `redeliver`); a service that stops
                // consuming again re-pauses the connection before the read.
                self.redeliver(tok);
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
        if r.readable || r.read_closed || r.error || r.priority {
            // A read stops at an urgent mark (see `read.rs`), so with urgent
            // data queued a short read proves nothing: read to WouldBlock.
            let urgent = r.priority || !URGENT_EVENTS;
            self.read_conn(tok, r.read_closed || urgent);
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
                let change = c.set_state(tok, ConnState::Open);
                super::timeline::note_state(&mut self.core.timeline, tok, change);
                self.core.metrics.connected += 1;
                // Writes queued while connecting go out in this tick's flush,
                // which also drops WRITABLE interest if nothing is pending.
                self.core.schedule_flush(tok);
                let wait = self.core.connects.take(tok);
                if let Some(id) = wait.as_ref().and_then(|w| w.timer) {
                    self.core.timers.cancel(id);
                }
                self.open_service(tok, peer);
                for tag in wait.map(|w| w.due).unwrap_or_default() {
                    self.fire_conn_timer(tok, tag);
                }
                true
            }
            Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                trace!("connect tok={tok} not yet (spurious event)");
                false
            }
            Err(e) => {
                self.connect_failed(tok, e);
                false
            }
        }
    }

    /// `Config::connect_timeout` ran out (the timer phase).
    pub(crate) fn connect_timed_out(&mut self, tok: Token) {
        if !self
            .core
            .conn(tok)
            .is_some_and(|c| c.state == ConnState::Connecting)
        {
            return;
        }
        let after = self.core.config.connect_timeout.unwrap_or_default();
        self.core.metrics.connect_timeouts += 1;
        let e = io::Error::new(
            io::ErrorKind::TimedOut,
            format!("timed out after {after:?}"),
        );
        self.connect_failed(tok, e);
    }

    /// Close a connection that never opened and tell the service; conn
    /// timers held for it are dropped (it never had `on_open`).
    fn connect_failed(&mut self, tok: Token, e: io::Error) {
        trace!("connect tok={tok} failed err={e}");
        if let Some(id) = self.core.connects.take(tok).and_then(|w| w.timer) {
            self.core.timers.cancel(id);
        }
        let copy = io::Error::new(e.kind(), e.to_string());
        self.core.close_now(tok, CloseReason::Error(copy));
        self.service.on_connect_failed(
            &mut Ctx {
                core: &mut self.core,
            },
            tok,
            e,
        );
    }

    /// A `Ctx::conn_timer` is due (or came due while `tok` was connecting,
    /// and it is open now): `on_conn_timer`, unless the connection is gone.
    pub(super) fn fire_conn_timer(&mut self, tok: Token, tag: u64) {
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
