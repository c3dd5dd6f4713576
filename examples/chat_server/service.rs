//! The chat [`Service`]: per-client state, line framing, and the reactor
//! callbacks.
//!
//! Owns: who is connected, who is logged in, the per-client queue of lines
//! waiting behind a worker job, and the offline messages written but not
//! yet confirmed drained. Does not own: what a line means (`protocol.rs`),
//! what each command does (`commands.rs`), or anything that blocks
//! (`worker.rs`).
//!
//! Client state lives in `Chat::clients`, keyed by token, rather than in
//! `Service::Conn`: worker outcomes arrive in `on_wake`, which gets no
//! `conn`, and a broadcast touches every client at once. The token's
//! generation makes a late outcome for a closed (and reused) slot miss.

use crate::client::{send, Client};
use crate::jobs::{Job, Outcome};
use crate::protocol::{self, Frame};
use evloop::{CloseReason, Ctx, Service, Token};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

/// Policy knobs from the command line.
pub struct Limits {
    /// Failed logins for one name before it is locked.
    pub max_failures: u32,
    /// How long a locked name refuses logins.
    pub lockout: Duration,
    /// Bytes of lines a client may send while its job is in flight.
    pub max_queued: usize,
}

pub struct Failures {
    pub count: u32,
    pub locked_until: Option<Instant>,
}

pub struct Chat {
    pub clients: HashMap<Token, Client>,
    /// Logged-in users; a BTreeMap so that `/who` is sorted.
    pub online: BTreeMap<String, Token>,
    pub failures: HashMap<String, Failures>,
    /// Ids of offline messages written to some socket and not yet deleted,
    /// so that a login racing a delete cannot deliver one twice.
    pub delivering: HashSet<i64>,
    /// Dropped with the reactor at the end of `main`, which ends the worker.
    pub jobs: Sender<Job>,
    pub outcomes: Receiver<Outcome>,
    pub limits: Limits,
}

impl Chat {
    pub fn new(jobs: Sender<Job>, outcomes: Receiver<Outcome>, limits: Limits) -> Chat {
        Chat {
            clients: HashMap::new(),
            online: BTreeMap::new(),
            failures: HashMap::new(),
            delivering: HashSet::new(),
            jobs,
            outcomes,
            limits,
        }
    }
}

impl Service for Chat {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) {
        log::info!("tok={tok} connected from {peer}");
        self.clients.insert(tok, Client::default());
        send(
            ctx,
            tok,
            "* welcome to evloop chat; /help lists the commands",
        );
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        if self.clients.get(&tok).is_none_or(|c| c.ended) {
            return input.len(); // closing: discard
        }
        let mut used = 0;
        loop {
            match protocol::next_line(&input[used..]) {
                Frame::Incomplete => return used,
                Frame::Line(line, n) => {
                    used += n;
                    self.accept_line(ctx, tok, line);
                }
                Frame::TooLong => {
                    // Answered here, before the reactor's own `max_input`
                    // cap (set above the line cap) would close silently.
                    self.too_long(ctx, tok);
                    return input.len();
                }
            }
        }
    }

    fn on_eof(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), rest: &[u8]) {
        // A last line without `\n` (e.g. `printf hi | nc -N`) still counts.
        if !rest.is_empty() && rest.len() <= protocol::MAX_LINE {
            self.accept_line(ctx, tok, rest);
        }
        // Replies still to come from the worker: keep the socket open for
        // them (`nc -N` sends EOF right after its last line).
        if let Some(c) = self.clients.get_mut(&tok) {
            if c.busy {
                c.held = true;
                ctx.hold_open(tok, true);
            }
        }
    }

    fn on_drained(&mut self, _: &mut Ctx<'_>, tok: Token, _: &mut ()) {
        let Some(c) = self.clients.get_mut(&tok) else {
            return;
        };
        if c.undrained.is_empty() {
            return;
        }
        // The kernel has the bytes: now (and only now) forget them.
        let ids = std::mem::take(&mut c.undrained);
        let _ = self.jobs.send(Job::Delete { ids });
    }

    fn on_close(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: (), reason: &CloseReason) {
        let Some(c) = self.clients.remove(&tok) else {
            return;
        };
        // Not drained: keep them stored, they are delivered next login.
        for id in &c.undrained {
            self.delivering.remove(id);
        }
        let who = c.name.as_deref().unwrap_or("-");
        log::info!("tok={tok} user={who} disconnected: {reason}");
        if let Some(name) = c.name {
            if self.online.get(&name) == Some(&tok) {
                self.online.remove(&name);
                self.broadcast(ctx, None, &format!("* {name} left"));
            }
        }
    }

    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        while let Ok(outcome) = self.outcomes.try_recv() {
            self.outcome(ctx, outcome);
        }
    }

    fn on_shutdown(&mut self, ctx: &mut Ctx<'_>) {
        let toks: Vec<Token> = self.clients.keys().copied().collect();
        for tok in toks {
            send(ctx, tok, "* server shutting down");
        }
        // The worker keeps running while the goodbyes flush (deletes of
        // offline messages drained now still happen). `main` drops the
        // reactor, and with it the job sender, after `run()` returns.
    }
}
