//! The connection-churn client `Service` (mode tcp-churn): each operation is
//! a whole short-lived connection: connect, send `--size` bytes, read the
//! echo, close. `--conns` slots each run one operation at a time; with
//! `--rate` the operations start on the fixed schedule of `run.rs`, so the
//! accept path, slot reuse, timers and the close sequence are what is
//! measured, not read/write. Does not own: the clock (`run.rs`).
//!
//! Latency is from the operation's start (its intended time, as in `run.rs`)
//! to the last byte of the echo; the close that follows is not timed, but a
//! slot is busy until the server's FIN arrives, so a slow close shows up as
//! backlog. Failures: a connect that fails is counted in `connect_failed`, a
//! connection reset before its echo in `resets`; both are errors too.

use crate::run::{clock_start, Fired, Pace, Run};
use evloop::{CloseReason, Ctx, Service, Token};
use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

struct Op {
    tok: Token,
    /// When its latency clock started.
    start: Instant,
    /// Echo bytes received so far.
    got: usize,
    ok: bool,
    done: bool,
}

struct Slot {
    global: usize,
    pace: Option<Pace>,
    op: Option<Op>,
    /// When the running operation started (the slot is "full" since).
    full_since: Option<Instant>,
}

pub struct ChurnBench {
    pub run: Run,
    slots: Vec<Slot>,
    by_tok: HashMap<Token, usize>,
    msg: Vec<u8>,
    started: bool,
}

impl ChurnBench {
    pub fn new(run: Run) -> ChurnBench {
        let msg = (0..run.opts.size)
            .map(|i| (i * 7 + i / 251) as u8)
            .collect();
        ChurnBench {
            run,
            slots: Vec::new(),
            by_tok: HashMap::new(),
            msg,
            started: false,
        }
    }

    /// A slot for connection number `global` (among all threads').
    pub fn add(&mut self, global: usize) {
        self.slots.push(Slot {
            global,
            pace: None,
            op: None,
            full_since: None,
        });
    }

    /// Start slot `i`'s next operation if it is free and one is due.
    fn start(&mut self, ctx: &mut Ctx<'_>, i: usize, full_before: Option<Instant>) {
        let now = ctx.now();
        let s = &mut self.slots[i];
        if self.run.ended || s.op.is_some() {
            return;
        }
        let due = match &mut s.pace {
            None => None,
            Some(p) => match p.take_due(now) {
                Some(t) => Some(t),
                None => return,
            },
        };
        match ctx.connect(self.run.opts.addr) {
            Ok(tok) => {
                // Queued now, written once connected.
                ctx.write(tok, &self.msg);
                self.by_tok.insert(tok, i);
                s.op = Some(Op {
                    tok,
                    start: clock_start(now, due, full_before),
                    got: 0,
                    ok: true,
                    done: false,
                });
                s.full_since = Some(now);
            }
            Err(e) => {
                log::debug!("connect: {e}");
                self.run.stats.connect_failed += 1;
                self.run.stats.errors += 1;
            }
        }
    }

    /// The run is over: count what is late or owed, then stop.
    fn end(&mut self, ctx: &mut Ctx<'_>) {
        if self.run.ended {
            return;
        }
        let now = ctx.now();
        for s in &self.slots {
            if let Some(p) = &s.pace {
                self.run.stats.backlog += p.backlog(now);
            }
            let late =
                s.op.as_ref()
                    .filter(|o| now - o.start > self.run.opts.timeout);
            self.run.stats.timeouts += u64::from(late.is_some_and(|o| !o.done));
        }
        self.run.finish(ctx);
    }

    /// Slot `i`'s connection is gone: free the slot, start the next.
    fn free(&mut self, ctx: &mut Ctx<'_>, tok: Token) -> Option<Op> {
        let i = self.by_tok.remove(&tok)?;
        let op = self.slots[i].op.take();
        let full_before = self.slots[i].full_since.take();
        self.start(ctx, i, full_before);
        op
    }
}

impl Service for ChurnBench {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _peer: SocketAddr) {
        if !self.by_tok.contains_key(&tok) {
            ctx.abort(tok); // not ours (cannot happen: we never listen)
            return;
        }
        self.run.stats.opened += 1;
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        let Some(&i) = self.by_tok.get(&tok) else {
            return input.len();
        };
        let Some(op) = self.slots[i].op.as_mut().filter(|o| !o.done) else {
            self.run.stats.mismatches += u64::from(!input.is_empty()); // more than we sent
            return input.len();
        };
        let want = self.msg.get(op.got..).unwrap_or_default();
        let n = input.len().min(want.len());
        op.ok &= input[..n] == want[..n] && n == input.len();
        op.got += input.len();
        if op.got >= self.msg.len() {
            op.done = true;
            self.run.complete(ctx.now(), op.start, op.got);
            self.run.stats.mismatches += u64::from(!op.ok);
            ctx.close(tok); // FIN; the slot frees when the server's arrives
        }
        input.len()
    }

    fn on_close(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: (), reason: &CloseReason) {
        let ended = self.run.ended;
        let Some(op) = self.free(ctx, tok) else {
            return;
        };
        if op.done || ended {
            return;
        }
        let reset =
            matches!(reason, CloseReason::Error(e) if e.kind() == io::ErrorKind::ConnectionReset);
        log::warn!("tok={} closed before its echo: {reason}", op.tok);
        self.run.stats.resets += u64::from(reset);
        self.run.stats.errors += 1;
    }

    fn on_connect_failed(&mut self, _ctx: &mut Ctx<'_>, tok: Token, err: io::Error) {
        log::debug!("tok={tok} connect failed: {err}");
        // The pacing tick starts the next one: no retry storm when refused.
        if let Some(i) = self.by_tok.remove(&tok) {
            self.slots[i].op = None;
            self.slots[i].full_since = None;
        }
        if !self.run.ended {
            self.run.stats.connect_failed += 1;
            self.run.stats.errors += 1;
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_>, tag: u64) {
        match self.run.on_timer(ctx, tag) {
            Fired::Tick => (0..self.slots.len()).for_each(|i| self.start(ctx, i, None)),
            Fired::End => self.end(ctx),
            Fired::Nothing => {}
        }
    }

    /// `main` wakes every reactor once before `run()`: that starts the clock.
    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        if std::mem::replace(&mut self.started, true) {
            return;
        }
        self.run.start(ctx);
        let now = ctx.now();
        for i in 0..self.slots.len() {
            self.slots[i].pace = Pace::new(&self.run.opts, self.slots[i].global, now);
            self.start(ctx, i, None);
        }
    }

    fn on_shutdown(&mut self, ctx: &mut Ctx<'_>) {
        self.end(ctx);
    }
}
