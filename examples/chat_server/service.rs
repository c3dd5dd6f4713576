//! The chat [`Service`]: per-client state, line framing, and the reactor
//! callbacks.
//!
//! Owns: who is connected, who is logged in, the per-client queue of lines
//! waiting behind a worker job, and the offline messages written but not
//! yet confirmed read. Does not own: what a line means (`protocol.rs`),
//! what each command does (`commands.rs`), or anything that blocks
//! (`worker.rs`).
//!
//! Client state lives in `Chat::clients`, keyed by token, rather than in
//! `Service::Conn`: worker outcomes arrive in `on_wake`, which gets no
//! `conn`, and a broadcast touches every client at once. The token's
//! generation makes a late outcome for a closed (and reused) slot miss.

use crate::client::{send, Client};
use crate::jobs::{Job, Outcome};
use crate::lockout::Lockout;
use crate::protocol::{self, Frame};
use evloop::{CloseReason, Ctx, Service, Token};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

/// Policy knobs from the command line.
pub struct Limits {
    /// Failed logins for one name from one address before it is locked.
    pub max_failures: u32,
    /// How long a lock lasts.
    pub lockout: Duration,
    /// Bytes of lines a client may send while its job is in flight.
    pub max_queued: usize,
    /// Broadcast lines per second per client (and the burst allowed).
    pub say_rate: u32,
    /// Timestamps on live messages (`[all TIME]`, `[dm TIME]`).
    pub timestamps: bool,
}

pub struct Chat {
    pub clients: HashMap<Token, Client>,
    /// Logged-in users by name key (`protocol::name_key`), with their
    /// display name; a BTreeMap so that `/who` is sorted.
    pub online: BTreeMap<String, (String, Token)>,
    pub lockout: Lockout,
    /// Ids of offline messages written to some socket and not yet deleted
    /// or given up, so that a login racing a delete cannot deliver one twice.
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
            lockout: Lockout::new(limits.max_failures, limits.lockout),
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
        let client = Client::new(peer.ip(), self.limits.say_rate, ctx.now());
        self.clients.insert(tok, client);
        send(
            ctx,
            tok,
            "* welcome to evloop chat; /help lists the commands",
        );
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        let mut used = 0;
        loop {
            let Some(c) = self.clients.get_mut(&tok) else {
                return input.len();
            };
            if c.ended {
                return input.len(); // closing: discard
            }
            let rest = &input[used..];
            if c.skipping {
                // The tail of an overlong line (already answered).
                let Some(n) = protocol::line_end(rest) else {
                    return input.len();
                };
                c.skipping = false;
                used += n;
                continue;
            }
            match protocol::next_line(rest) {
                Frame::Incomplete => return used,
                Frame::Line(line, n) => {
                    used += n;
                    self.accept_line(ctx, tok, line);
                }
                Frame::TooLong => {
                    // Answered here, before the reactor's own `max_input`
                    // cap (set above the line cap) would close silently;
                    // the rest of the line is skipped, the client stays.
                    c.skipping = true;
                    self.too_long(ctx, tok);
                }
            }
        }
    }

    fn on_eof(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), rest: &[u8]) {
        // A last line without `\n` (e.g. `printf hi | nc -N`) still counts.
        let skipping = self.clients.get(&tok).is_some_and(|c| c.skipping);
        if !rest.is_empty() && !skipping {
            if rest.len() <= protocol::MAX_LINE {
                self.accept_line(ctx, tok, rest);
            } else {
                self.too_long(ctx, tok);
            }
        }
        // A clean EOF after the offline messages drained: the client read
        // them (a client that closes with unread data sends RST, not FIN).
        self.confirm(tok);
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
        // The kernel has the bytes, which is not yet proof that the client
        // read them: wait for its next line or a clean EOF (`confirm`).
        let drained = std::mem::take(&mut c.undrained);
        c.unconfirmed.extend(drained);
    }

    fn on_close(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: (), reason: &CloseReason) {
        // Not confirmed: keep them stored, they are delivered next login.
        self.release_deliveries(tok);
        self.log_out(ctx, tok);
        let Some(c) = self.clients.remove(&tok) else {
            return;
        };
        let who = c.name.as_deref().unwrap_or("-");
        log::info!("tok={tok} user={who} disconnected: {reason}");
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
        // offline messages confirmed now still happen). `main` drops the
        // reactor, and with it the job sender, after `run()` returns.
    }
}
