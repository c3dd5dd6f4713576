//! The UDP client `Service` (mode udp-echo): one UDP socket per "conn", up
//! to `--depth` datagrams in flight on each (with `--burst`: `--depth` sent
//! at once, the next burst only when all are answered or lost), a datagram
//! unanswered after `--timeout` counted as lost. Does not own: the clock
//! (`run.rs`).
//!
//! Each datagram starts with its sequence number (8 bytes, little-endian),
//! then a pattern keyed by that number, so an answer is matched to its
//! send time even if an earlier one was lost, and a corrupted one is seen.

use crate::run::{clock_start, Fired, Pace, Run};
use evloop::{Ctx, Service, Token};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

struct Sock {
    tok: Token,
    global: usize,
    pace: Option<Pace>,
    seq: u64,
    /// (sequence number, latency clock start), oldest first.
    inflight: VecDeque<(u64, Instant)>,
    full_since: Option<Instant>,
}

pub struct UdpBench {
    pub run: Run,
    socks: Vec<Sock>,
    by_tok: HashMap<Token, usize>,
    pattern: Vec<u8>,
    scratch: Vec<u8>,
    started: bool,
}

impl UdpBench {
    pub fn new(run: Run) -> UdpBench {
        let size = run.opts.size;
        UdpBench {
            run,
            socks: Vec::new(),
            by_tok: HashMap::new(),
            pattern: (0..256 + size).map(|i| i as u8).collect(),
            scratch: vec![0; size],
            started: false,
        }
    }

    /// Track a socket bound with `Reactor::bind_udp`.
    pub fn add(&mut self, tok: Token, global: usize) {
        self.by_tok.insert(tok, self.socks.len());
        self.socks.push(Sock {
            tok,
            global,
            pace: None,
            seq: 0,
            inflight: VecDeque::new(),
            full_since: None,
        });
    }

    fn payload(&self, seq: u64) -> &[u8] {
        let start = (seq % 256) as usize;
        &self.pattern[start..start + self.run.opts.size - 8]
    }

    fn fill(&mut self, ctx: &mut Ctx<'_>, i: usize, full_before: Option<Instant>) {
        let (depth, peer, now) = (self.run.opts.depth, self.run.opts.addr, ctx.now());
        if self.run.opts.burst && !self.socks[i].inflight.is_empty() {
            return; // the burst is not complete yet
        }
        while !self.run.ended && self.socks[i].inflight.len() < depth {
            let s = &mut self.socks[i];
            let due = match &mut s.pace {
                None => None,
                Some(p) => match p.take_due(now) {
                    Some(t) => Some(t),
                    None => break,
                },
            };
            let seq = s.seq;
            s.seq += 1;
            let mut buf = std::mem::take(&mut self.scratch);
            buf[..8].copy_from_slice(&seq.to_le_bytes());
            buf[8..].copy_from_slice(self.payload(seq));
            let sent = ctx.send_to(self.socks[i].tok, peer, &buf);
            self.scratch = buf;
            if !sent {
                self.run.stats.errors += 1; // the kernel refused it: a loss on our side
                break;
            }
            let start = clock_start(now, due, full_before);
            self.socks[i].inflight.push_back((seq, start));
        }
        let s = &mut self.socks[i];
        if s.inflight.len() >= depth && s.full_since.is_none() {
            s.full_since = Some(now);
        }
    }

    /// Count datagrams older than `--timeout` as lost and free their slots.
    fn expire(&mut self, ctx: &mut Ctx<'_>, i: usize) {
        let (now, timeout) = (ctx.now(), self.run.opts.timeout);
        let s = &mut self.socks[i];
        let mut lost = 0;
        while s.inflight.front().is_some_and(|&(_, t)| now - t > timeout) {
            s.inflight.pop_front();
            lost += 1;
        }
        self.run.stats.timeouts += lost;
        let full_before = if lost > 0 { s.full_since.take() } else { None };
        self.fill(ctx, i, full_before);
    }

    fn end(&mut self, ctx: &mut Ctx<'_>) {
        if self.run.ended {
            return;
        }
        let now = ctx.now();
        for s in &self.socks {
            if let Some(p) = &s.pace {
                self.run.stats.backlog += p.backlog(now);
            }
            let late = s
                .inflight
                .iter()
                .filter(|&&(_, t)| now - t > self.run.opts.timeout);
            self.run.stats.timeouts += late.count() as u64;
        }
        self.run.finish(ctx);
    }
}

impl Service for UdpBench {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _peer: SocketAddr) {
        ctx.abort(tok); // never happens: we neither listen nor connect
    }

    fn on_data(&mut self, _: &mut Ctx<'_>, _: Token, _: &mut (), input: &[u8]) -> usize {
        input.len()
    }

    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, sock: Token, _from: SocketAddr, data: &[u8]) {
        let Some(&i) = self.by_tok.get(&sock) else {
            return;
        };
        let Some(seq) = data
            .get(..8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
        else {
            self.run.stats.mismatches += 1;
            return;
        };
        let s = &mut self.socks[i];
        // Usually the oldest; a search only after a loss. Unknown = already
        // counted as lost (it came back after --timeout): ignore it.
        let Some(pos) = s.inflight.iter().position(|&(q, _)| q == seq) else {
            return;
        };
        let (_, start) = s.inflight.remove(pos).unwrap_or((seq, ctx.now()));
        let ok = data.len() == self.run.opts.size && data[8..] == *self.payload(seq);
        self.run.complete(ctx.now(), start, data.len());
        self.run.stats.mismatches += u64::from(!ok);
        // A burst is "full" until its last answer is back.
        let s = &mut self.socks[i];
        let full_before = match self.run.opts.burst && !s.inflight.is_empty() {
            true => None,
            false => s.full_since.take(),
        };
        self.fill(ctx, i, full_before);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_>, tag: u64) {
        match self.run.on_timer(ctx, tag) {
            Fired::Tick => (0..self.socks.len()).for_each(|i| self.expire(ctx, i)),
            Fired::End => self.end(ctx),
            Fired::Nothing => {}
        }
    }

    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        if std::mem::replace(&mut self.started, true) {
            return;
        }
        self.run.start(ctx);
        let now = ctx.now();
        for i in 0..self.socks.len() {
            self.socks[i].pace = Pace::new(&self.run.opts, self.socks[i].global, now);
            self.run.stats.opened += 1;
            self.fill(ctx, i, None);
        }
    }

    fn on_shutdown(&mut self, ctx: &mut Ctx<'_>) {
        self.end(ctx);
    }
}
