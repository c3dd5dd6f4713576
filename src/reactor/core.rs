//! `Core`: everything the reactor owns except the service and its
//! per-connection state, so a [`Ctx`](crate::Ctx) can borrow it mutably while
//! the service is being called.
//!
//! Owns: the slab of sources, slot generations, the per-tick work lists
//! (resume, flush, reap), timers, metrics and the buffer pool. Does not own:
//! calling the service (that is `dispatch.rs`, `read.rs` and `phases.rs`).

use super::handle::Shared;
use super::listener::Listener;
use super::ratelog::RateLimitedLog;
use super::udp::UdpEntry;
use crate::conn::buffer::BufPool;
use crate::conn::{CloseReason, Conn, ConnState};
use crate::timer::{deadline_after, TimerKind, Timers};
use crate::{Config, Metrics, Token};
use log::trace;
use mio::Registry;
use slab::Slab;
use std::io;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::Instant;

/// One registered source: what a slab slot holds.
pub(crate) enum Source {
    Listener(Listener),
    Conn(Conn),
    Udp(UdpEntry),
    /// A raw fd registered by the user (e.g. stdin); the user owns the fd.
    Fd {
        fd: RawFd,
        removed: bool,
    },
    /// A source driven by futures (`crate::rt`), not by service callbacks.
    Io(super::io_source::IoSource),
}

/// Where the loop is in its life.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Running,
    /// Stop accepting, flush, close; `run()` returns when the slab is empty.
    ShuttingDown,
}

pub(crate) struct Core {
    pub(crate) registry: Registry,
    pub(crate) sources: Slab<Source>,
    /// `generations[slot]` is the generation of the token now in `slot`.
    generations: Vec<u32>,
    pub(crate) timers: Timers,
    pub(crate) config: Config,
    pub(crate) metrics: Metrics,
    pub(crate) shared: Arc<Shared>,
    /// Sources to service next tick without a new event (read budget used
    /// up, accept cap reached, resumed from backpressure).
    pub(crate) again: Vec<Token>,
    pub(crate) to_flush: Vec<Token>,
    /// UDP sockets with replies queued (`udp.rs`), sent in the flush phase.
    pub(crate) udp_flush: Vec<Token>,
    pub(crate) to_reap: Vec<Token>,
    pub(crate) pool: BufPool,
    /// The time, read once per tick after `poll` returns (libuv's
    /// `uv_update_time`): timers and idle checks do not need more precision.
    pub(crate) now: Instant,
    pub(crate) phase: Phase,
    /// The idle-timeout close's `info` line, at most one a second.
    pub(crate) idle_log: RateLimitedLog,
    /// Outbound connects in progress (`dispatch.rs`).
    pub(crate) connects: super::dispatch::ConnectWaits,
    /// Histograms of the loop (`crate::stats`).
    pub(crate) stats: crate::stats::LoopStats,
    /// When the last tick ended (the one extra clock read per tick): the
    /// next poll's sleep is measured from here.
    pub(crate) tick_end: Instant,
    /// When housekeep next copies a `Snapshot` into `shared` (`handle.rs`).
    pub(crate) next_snapshot: Instant,
    /// `Config::timeline`'s recorder (`timeline.rs`); boxed so that off it
    /// costs one pointer.
    pub(crate) timeline: Option<Box<super::timeline::Timeline>>,
}

impl Core {
    pub(crate) fn new(registry: Registry, config: Config, shared: Arc<Shared>) -> Core {
        let config_timeline = config.timeline.clone();
        Core {
            registry,
            sources: Slab::new(),
            generations: Vec::new(),
            timers: Timers::default(),
            config,
            metrics: Metrics::default(),
            shared,
            again: Vec::new(),
            to_flush: Vec::new(),
            udp_flush: Vec::new(),
            to_reap: Vec::new(),
            pool: BufPool::default(),
            now: Instant::now(),
            phase: Phase::Running,
            idle_log: RateLimitedLog::per_second(),
            connects: Default::default(),
            stats: Default::default(),
            tick_end: Instant::now(),
            next_snapshot: Instant::now(),
            timeline: config_timeline.map(|c| Box::new(super::timeline::Timeline::new(c))),
        }
    }

    /// The gauges a scrape reports; walks the slab (O(sources)), which is
    /// why it is computed on demand and never per tick.
    pub(crate) fn gauges(&self) -> crate::stats::Gauges {
        let pending = self
            .sources
            .iter()
            .map(|(_, s)| match s {
                Source::Conn(c) => c.out.pending() as u64,
                _ => 0,
            })
            .sum();
        crate::stats::Gauges {
            open_conns: self.metrics.open_conns,
            pending_output_bytes: pending,
            timers_live: self.timers.live_len() as u64,
            slab_entries: self.sources.len() as u64,
            slab_capacity: self.sources.capacity() as u64,
        }
    }

    /// Put a source in a free slot. `make` registers it under the token.
    pub(crate) fn insert(
        &mut self,
        make: impl FnOnce(Token, &Registry) -> io::Result<Source>,
    ) -> io::Result<Token> {
        let entry = self.sources.vacant_entry();
        let slot = entry.key();
        if slot > crate::token::MAX_SLOT {
            return Err(io::Error::other("evloop: no free token slots"));
        }
        if slot >= self.generations.len() {
            self.generations.resize(slot + 1, 0);
        }
        let tok = Token::new(slot, self.generations[slot]);
        entry.insert(make(tok, &self.registry)?);
        Ok(tok)
    }

    /// Free a slot (reap phase only) and bump its generation, which makes
    /// every copy of the old token stale.
    pub(crate) fn remove(&mut self, tok: Token) -> Option<Source> {
        if !self.is_current(tok) {
            return None;
        }
        let slot = tok.slot();
        self.generations[slot] = crate::token::next_generation(self.generations[slot]);
        Some(self.sources.remove(slot))
    }

    /// Does `tok` name the source now in its slot? (Pitfall `stale-token`
    /// skips the generation check, so old tokens reach new connections.)
    pub(crate) fn is_current(&self, tok: Token) -> bool {
        self.sources.contains(tok.slot()) && self.generation_matches(tok)
    }

    /// `tok`'s generation is its slot's (or the `stale-token` pitfall is
    /// on); says nothing of whether the slot is occupied.
    #[inline]
    fn generation_matches(&self, tok: Token) -> bool {
        self.config.pitfalls.stale_token
            || self.generations.get(tok.slot()) == Some(&tok.generation())
    }

    /// The token now in `tok`'s slot (differs from `tok` only under the
    /// `stale-token` pitfall).
    pub(crate) fn current(&self, tok: Token) -> Token {
        Token::new(
            tok.slot(),
            self.generations.get(tok.slot()).copied().unwrap_or(0),
        )
    }

    /// The connection in `tok`'s slot, borrowing only the slab, so the
    /// caller can use the other fields (pool, registry, metrics) alongside.
    /// Check [`is_current`](Self::is_current) first.
    pub(crate) fn slot_conn(sources: &mut Slab<Source>, tok: Token) -> Option<&mut Conn> {
        match sources.get_mut(tok.slot()) {
            Some(Source::Conn(c)) => Some(c),
            _ => None,
        }
    }

    /// Inlined, with one slab lookup: every future's read and write and
    /// every event of a future-driven source comes through here.
    #[inline]
    pub(crate) fn source_mut(&mut self, tok: Token) -> Option<&mut Source> {
        // `is_current` without its `contains`: a vacant slot gives `None`
        // from `get_mut` anyway.
        if self.generation_matches(tok) {
            self.sources.get_mut(tok.slot())
        } else {
            None
        }
    }

    pub(crate) fn conn(&self, tok: Token) -> Option<&Conn> {
        match self.sources.get(tok.slot()) {
            Some(Source::Conn(c)) if self.is_current(tok) => Some(c),
            _ => None,
        }
    }

    pub(crate) fn conn_mut(&mut self, tok: Token) -> Option<&mut Conn> {
        match self.source_mut(tok) {
            Some(Source::Conn(c)) => Some(c),
            _ => None,
        }
    }

    /// Service `tok` next tick even if no event comes (edge-triggered mio
    /// will not repeat an edge we have not drained).
    pub(crate) fn again(&mut self, tok: Token) {
        match self.source_mut(tok) {
            Some(Source::Conn(c)) if c.queued_again => return,
            Some(Source::Conn(c)) => c.queued_again = true,
            Some(_) => {}
            None => return,
        }
        self.again.push(tok);
    }

    /// Run the flush phase for `tok` this tick.
    pub(crate) fn schedule_flush(&mut self, tok: Token) {
        if let Some(c) = self.conn_mut(tok) {
            if !c.queued_flush {
                c.queued_flush = true;
                self.to_flush.push(tok);
            }
        }
    }

    /// Close at once: pending output is dropped, the slot is freed at reap.
    pub(crate) fn close_now(&mut self, tok: Token, reason: CloseReason) {
        let Some(c) = self.conn_mut(tok) else { return };
        if c.state == ConnState::Closed {
            return;
        }
        trace!("close tok={tok} reason={reason}");
        let change = c.set_state(tok, ConnState::Closed);
        c.reason.get_or_insert(reason);
        super::timeline::note_state(&mut self.timeline, tok, change);
        self.to_reap.push(tok);
    }

    /// Close gracefully: stop reading, flush, FIN, linger.
    pub(crate) fn close_graceful(&mut self, tok: Token, reason: CloseReason) {
        let Some(c) = self.conn_mut(tok) else { return };
        match c.state {
            ConnState::Closed | ConnState::Closing | ConnState::Lingering => return,
            ConnState::Connecting => return self.close_now(tok, reason),
            _ => {}
        }
        let change = c.set_state(tok, ConnState::Closing);
        c.reason.get_or_insert(reason);
        super::timeline::note_state(&mut self.timeline, tok, change);
        self.schedule_flush(tok);
    }

    /// Remove a non-connection source (listener, UDP socket, fd) at reap.
    pub(crate) fn retire(&mut self, tok: Token) {
        let Some(src) = self.source_mut(tok) else {
            return;
        };
        match src {
            Source::Conn(_) => {}
            Source::Fd { removed, .. } if *removed => {}
            Source::Fd { removed, .. } => {
                *removed = true;
                self.to_reap.push(tok);
            }
            Source::Io(s) => {
                if s.retire() {
                    self.to_reap.push(tok);
                }
            }
            _ => self.to_reap.push(tok),
        }
    }

    /// Schedule `kind` after `after` from this tick's `now`. Any duration is
    /// fine: a huge one saturates to "never" (see `timer.rs`).
    pub(crate) fn add_timer(
        &mut self,
        after: std::time::Duration,
        kind: TimerKind,
    ) -> crate::TimerId {
        self.timers.add(deadline_after(self.now, after), kind)
    }

    /// Arm the idle check of a connection that just opened (if
    /// `Config::idle_timeout` is set); its id is kept for the reap.
    pub(crate) fn arm_idle_timer(&mut self, tok: Token) {
        let Some(idle) = self.config.idle_timeout else {
            return;
        };
        let id = self.add_timer(idle, TimerKind::Idle { tok });
        if let Some(c) = self.conn_mut(tok) {
            c.timers.idle = Some(id);
        }
    }
}
