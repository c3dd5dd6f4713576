//! The TCP client `Service` (modes tcp-echo, tcp-ok, http, idle): keeps up to
//! `--depth` messages in flight per connection, sends when due, matches each
//! answer to its send time. Does not own: framing (`wire.rs`) or the clock
//! (`run.rs`).
//!
//! Per-connection state lives in the service (a `Vec`), not in
//! `Service::Conn`: the pacing tick must reach every connection from
//! `on_timer`, which gets no connection. `Service::Conn` is just the index.

use crate::opts::Mode;
use crate::run::{clock_start, Fired, Pace, Run};
use crate::wire::{Rx, Wire};
use evloop::{CloseReason, Ctx, Service, Token};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

struct Client {
    tok: Token,
    global: usize, // index among all threads' connections: staggers the schedule
    live: bool,
    pace: Option<Pace>,
    sent: u64,
    /// When each in-flight message's latency clock started, oldest first.
    inflight: VecDeque<Instant>,
    /// When the connection last reached `--depth` in flight.
    full_since: Option<Instant>,
    rx: Rx,
}

pub struct TcpBench {
    pub run: Run,
    wire: Wire,
    clients: Vec<Client>,
    by_tok: HashMap<Token, usize>,
    started: bool,
}

impl TcpBench {
    pub fn new(run: Run) -> TcpBench {
        let wire = Wire::new(&run.opts);
        TcpBench {
            run,
            wire,
            clients: Vec::new(),
            by_tok: HashMap::new(),
            started: false,
        }
    }

    /// Track an outbound connection started with `Reactor::connect`.
    pub fn add(&mut self, tok: Token, global: usize) {
        self.by_tok.insert(tok, self.clients.len());
        self.clients.push(Client {
            tok,
            global,
            live: false,
            pace: None,
            sent: 0,
            inflight: VecDeque::new(),
            full_since: None,
            rx: Rx::default(),
        });
    }

    /// Send what is due (up to `--depth`); `full_before`: see `run::clock_start`.
    fn fill(&mut self, ctx: &mut Ctx<'_>, i: usize, full_before: Option<Instant>) {
        let depth = self.run.opts.depth;
        let c = &mut self.clients[i];
        if !c.live || self.run.ended || self.run.opts.mode == Mode::Idle {
            return;
        }
        let now = ctx.now();
        while c.inflight.len() < depth {
            let due = match &mut c.pace {
                None => None,
                Some(p) => match p.take_due(now) {
                    Some(t) => Some(t),
                    None => break,
                },
            };
            if !ctx.write(c.tok, self.wire.message(c.sent)) {
                break;
            }
            c.sent += 1;
            c.inflight.push_back(clock_start(now, due, full_before));
        }
        if c.inflight.len() >= depth && c.full_since.is_none() {
            c.full_since = Some(now);
        }
    }

    /// The run is over: count what the server still owed, then stop.
    fn end(&mut self, ctx: &mut Ctx<'_>) {
        if self.run.ended {
            return;
        }
        let now = ctx.now();
        let timeout = self.run.opts.timeout;
        for c in self.clients.iter().filter(|c| c.live) {
            if let Some(p) = &c.pace {
                self.run.stats.backlog += p.backlog(now);
            }
            let late = c.inflight.iter().filter(|&&s| now - s > timeout).count();
            self.run.stats.timeouts += late as u64;
        }
        self.run.finish(ctx);
    }
}

impl Service for TcpBench {
    type Conn = usize;

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _peer: SocketAddr) -> usize {
        let Some(&i) = self.by_tok.get(&tok) else {
            ctx.abort(tok); // not one of ours (cannot happen: we never listen)
            return usize::MAX;
        };
        let c = &mut self.clients[i];
        c.live = true;
        c.pace = Pace::new(&self.run.opts, c.global, ctx.now());
        self.run.stats.opened += 1;
        self.fill(ctx, i, None);
        i
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, i: &mut usize, input: &[u8]) -> usize {
        let i = *i;
        let TcpBench {
            run, wire, clients, ..
        } = self;
        let Some(c) = clients.get_mut(i) else {
            return input.len();
        };
        let now = ctx.now();
        let mut answers = 0;
        let parsed = wire.parse(&mut c.rx, input, |a| {
            answers += 1;
            match c.inflight.pop_front() {
                Some(sent) => {
                    run.complete(now, sent, a.len);
                    run.stats.mismatches += u64::from(!a.ok);
                }
                None => run.stats.mismatches += 1, // an answer nobody asked for
            }
        });
        let used = parsed.unwrap_or_else(|e| {
            log::warn!("tok={tok}: {e}; closing it");
            run.stats.errors += 1;
            ctx.abort(tok);
            input.len()
        });
        if answers > 0 {
            let full_before = c.full_since.take();
            self.fill(ctx, i, full_before);
        }
        used
    }

    fn on_close(&mut self, _ctx: &mut Ctx<'_>, tok: Token, i: usize, reason: &CloseReason) {
        if let Some(c) = self.clients.get_mut(i) {
            c.live = false;
        }
        if !self.run.ended {
            log::warn!("tok={tok} closed during the run: {reason}");
            self.run.stats.errors += 1;
        }
    }

    fn on_connect_failed(&mut self, ctx: &mut Ctx<'_>, _tok: Token, err: io::Error) {
        let addr = self.run.opts.addr;
        self.run
            .fatal(ctx, format!("cannot connect to {addr}: {err}"));
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_>, tag: u64) {
        match self.run.on_timer(ctx, tag) {
            Fired::Tick => (0..self.clients.len()).for_each(|i| self.fill(ctx, i, None)),
            Fired::End => self.end(ctx),
            Fired::Nothing => {}
        }
    }

    /// `main` wakes every reactor once before `run()`: that starts the clock.
    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        if !std::mem::replace(&mut self.started, true) {
            self.run.start(ctx);
        }
    }

    /// SIGINT, or another thread ended early: report what we have.
    fn on_shutdown(&mut self, ctx: &mut Ctx<'_>) {
        self.end(ctx);
    }
}
