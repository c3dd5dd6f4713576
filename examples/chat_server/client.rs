//! One client's connection state, and the per-client queue that keeps
//! replies in request order while a worker job is in flight.
//!
//! Owns: [`Client`], the queue (`accept_line`, `too_long`, `resume`),
//! confirming offline deliveries (`confirm`), and `send`. Does not own:
//! what a line does (`commands.rs`).
//!
//! Why a queue rather than "stop consuming in `on_data`": bytes left
//! unconsumed are only handed back when more bytes arrive, and a client
//! that sent `/login` and `/who` in one packet may send nothing else. So
//! complete lines are taken from the reactor and kept here, bounded.

use crate::flood::Bucket;
use crate::jobs::Job;
use crate::protocol;
use crate::service::Chat;
use evloop::{Ctx, Token};
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// What a queued overlong line costs against `Limits::max_queued`.
const TOO_LONG_COST: usize = 64;

pub struct Client {
    pub ip: IpAddr,
    /// The display form of the logged-in user's name.
    pub name: Option<String>,
    /// A worker job for this client is in flight: later lines wait in
    /// `queued`, so that replies come back in the order of the requests.
    pub busy: bool,
    /// Lines waiting for `busy` to clear; `None` marks a line that was too
    /// long (answered, in order, by `ERR line too long`).
    pub queued: VecDeque<Option<Vec<u8>>>,
    pub queued_bytes: usize,
    /// The rest of an overlong line is being discarded, up to its `\n`.
    pub skipping: bool,
    /// No more input is taken: `/quit`, too much queued, or a replaced
    /// session. What is queued before that point still runs.
    pub ended: bool,
    /// Offline messages written to this client's output, not yet taken by
    /// the socket (`on_drained` moves them on).
    pub undrained: Vec<i64>,
    /// Offline messages the socket took. Deleted from the database once the
    /// client shows it read them: a line, or a clean EOF, arriving after the
    /// drain. A reset or a timeout leaves them stored for the next login.
    pub unconfirmed: Vec<i64>,
    /// The peer sent EOF while a job was in flight: the connection is held
    /// open (`Ctx::hold_open`) until the queued replies are written.
    pub held: bool,
    /// Shared with this client's queued jobs: cleared when the client is
    /// gone, so the worker skips their hashing.
    pub alive: Arc<AtomicBool>,
    /// Flood control for broadcast lines.
    pub bucket: Bucket,
}

impl Client {
    pub fn new(ip: IpAddr, rate: u32, now: Instant) -> Client {
        Client {
            ip,
            name: None,
            busy: false,
            queued: VecDeque::new(),
            queued_bytes: 0,
            skipping: false,
            ended: false,
            undrained: Vec::new(),
            unconfirmed: Vec::new(),
            held: false,
            alive: Arc::new(AtomicBool::new(true)),
            bucket: Bucket::new(rate, now),
        }
    }
}

impl Drop for Client {
    // Removed on close, or dropped with the service when the loop ends.
    fn drop(&mut self) {
        self.alive.store(false, Ordering::Release);
    }
}

/// Queue one reply line for `tok` (a no-op if it is gone).
pub fn send(ctx: &mut Ctx<'_>, tok: Token, text: &str) {
    let mut line = String::with_capacity(text.len() + 1);
    line.push_str(text);
    line.push('\n');
    ctx.write(tok, line.as_bytes());
}

impl Chat {
    /// Handle `line` now, or queue it if this client waits for the worker.
    pub fn accept_line(&mut self, ctx: &mut Ctx<'_>, tok: Token, line: &[u8]) {
        self.confirm(tok);
        let Some(c) = self.clients.get_mut(&tok) else {
            return;
        };
        if c.ended {
            return;
        }
        if !c.busy {
            return self.handle_line(ctx, tok, line);
        }
        self.enqueue(ctx, tok, Some(line.to_vec()));
    }

    /// A line passed `MAX_LINE`: answer `ERR line too long`, in order with
    /// the replies still owed. The caller discards the line; the client
    /// stays connected.
    pub fn too_long(&mut self, ctx: &mut Ctx<'_>, tok: Token) {
        self.confirm(tok);
        let Some(c) = self.clients.get_mut(&tok) else {
            return;
        };
        if c.ended {
            return;
        }
        if c.busy {
            return self.enqueue(ctx, tok, None);
        }
        log::info!(
            "tok={tok}: dropped a line over {} bytes",
            protocol::MAX_LINE
        );
        send(ctx, tok, "ERR line too long");
    }

    fn enqueue(&mut self, ctx: &mut Ctx<'_>, tok: Token, line: Option<Vec<u8>>) {
        let Some(c) = self.clients.get_mut(&tok) else {
            return;
        };
        let cost = line.as_ref().map_or(TOO_LONG_COST, Vec::len);
        if c.queued_bytes + cost > self.limits.max_queued {
            log::warn!("closing tok={tok}: too many lines sent while waiting for the worker");
            c.ended = true;
            send(ctx, tok, "ERR too many commands in flight");
            return self.hang_up(ctx, tok);
        }
        c.queued_bytes += cost;
        c.queued.push_back(line);
    }

    /// A job for `tok` finished: run the lines that waited behind it, until
    /// one of them starts another job.
    pub fn resume(&mut self, ctx: &mut Ctx<'_>, tok: Token) {
        while let Some(c) = self.clients.get_mut(&tok) {
            c.busy = false;
            match c.queued.pop_front() {
                None => break,
                Some(None) => {
                    c.queued_bytes -= TOO_LONG_COST;
                    send(ctx, tok, "ERR line too long");
                }
                Some(Some(line)) => {
                    c.queued_bytes -= line.len();
                    self.handle_line(ctx, tok, &line);
                }
            }
            if self.clients.get(&tok).is_none_or(|c| c.busy) {
                return;
            }
        }
        self.release_if_idle(ctx, tok);
    }

    /// The client sent something after its offline messages reached its
    /// socket, so it is alive and reading: now delete them.
    pub fn confirm(&mut self, tok: Token) {
        let Some(c) = self.clients.get_mut(&tok) else {
            return;
        };
        if c.unconfirmed.is_empty() {
            return;
        }
        let ids = std::mem::take(&mut c.unconfirmed);
        // They stay in `delivering` until the worker reports `Deleted`. If
        // the worker is gone, they stay stored: delivered again next login.
        let _ = self.jobs.send(Job::Delete { ids });
    }

    /// Forget the offline messages written to `tok` and not confirmed: they
    /// stay stored, and the next login (maybe a session already waiting)
    /// delivers them again.
    pub fn release_deliveries(&mut self, tok: Token) {
        let Some(c) = self.clients.get_mut(&tok) else {
            return;
        };
        for id in c.undrained.drain(..).chain(c.unconfirmed.drain(..)) {
            self.delivering.remove(&id);
        }
    }

    /// Close `tok` gracefully, and tell the others it left now rather than
    /// when the close completes (up to `Config::linger` later).
    pub fn hang_up(&mut self, ctx: &mut Ctx<'_>, tok: Token) {
        self.log_out(ctx, tok);
        ctx.close(tok);
    }

    /// `tok` is no longer online; the others see `* NAME left`. (`c.name`
    /// stays, for the close log line; `/logout` clears it.)
    pub fn log_out(&mut self, ctx: &mut Ctx<'_>, tok: Token) {
        let Some(name) = self.clients.get(&tok).and_then(|c| c.name.clone()) else {
            return;
        };
        let key = protocol::name_key(&name);
        if self.online.get(&key).is_some_and(|&(_, t)| t == tok) {
            self.online.remove(&key);
            self.broadcast(ctx, None, &format!("* {name} left"));
        }
    }

    /// End a hold taken in `on_eof` once nothing is in flight any more.
    pub fn release_if_idle(&mut self, ctx: &mut Ctx<'_>, tok: Token) {
        if let Some(c) = self.clients.get_mut(&tok) {
            if c.held && !c.busy {
                c.held = false;
                ctx.hold_open(tok, false);
            }
        }
    }
}
