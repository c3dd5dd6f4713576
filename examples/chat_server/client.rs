//! One client's connection state, and the per-client queue that keeps
//! replies in request order while a worker job is in flight.
//!
//! Owns: [`Client`], the queue (`accept_line`, `too_long`, `resume`) and
//! `send`. Does not own: what a line does (`commands.rs`).
//!
//! Why a queue rather than "stop consuming in `on_data`": bytes left
//! unconsumed are only handed back when more bytes arrive, and a client
//! that sent `/login` and `/who` in one packet may send nothing else. So
//! complete lines are taken from the reactor and kept here, bounded.

use crate::protocol;
use crate::service::Chat;
use evloop::{Ctx, Token};
use std::collections::VecDeque;

#[derive(Default)]
pub struct Client {
    pub name: Option<String>,
    /// A worker job for this client is in flight: later lines wait in
    /// `queued`, so that replies come back in the order of the requests.
    pub busy: bool,
    /// Lines waiting for `busy` to clear; `None` marks a line that was too
    /// long (answered, in order, by `ERR line too long` and a close).
    pub queued: VecDeque<Option<Vec<u8>>>,
    pub queued_bytes: usize,
    /// No more input is taken: `/quit`, an overlong line, or a replaced
    /// session. What is queued before that point still runs.
    pub ended: bool,
    /// Offline messages written to this client's output, to delete from
    /// the database once `on_drained` says the socket took them.
    pub undrained: Vec<i64>,
    /// The peer sent EOF while a job was in flight: the connection is held
    /// open (`Ctx::hold_open`) until the queued replies are written.
    pub held: bool,
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
        let Some(c) = self.clients.get_mut(&tok) else {
            return;
        };
        if c.ended {
            return;
        }
        if !c.busy {
            return self.handle_line(ctx, tok, line);
        }
        if c.queued_bytes + line.len() > self.limits.max_queued {
            log::warn!("closing tok={tok}: too many lines sent while waiting for the worker");
            c.ended = true;
            send(ctx, tok, "ERR too many commands in flight");
            return self.hang_up(ctx, tok);
        }
        c.queued_bytes += line.len();
        c.queued.push_back(Some(line.to_vec()));
    }

    /// A line passed `MAX_LINE`: answer and close, after what is queued.
    pub fn too_long(&mut self, ctx: &mut Ctx<'_>, tok: Token) {
        let Some(c) = self.clients.get_mut(&tok) else {
            return;
        };
        if c.ended {
            return;
        }
        c.ended = true;
        if c.busy {
            return c.queued.push_back(None);
        }
        log::warn!("closing tok={tok}: line over {} bytes", protocol::MAX_LINE);
        send(ctx, tok, "ERR line too long");
        self.hang_up(ctx, tok);
    }

    /// A job for `tok` finished: run the lines that waited behind it, until
    /// one of them starts another job.
    pub fn resume(&mut self, ctx: &mut Ctx<'_>, tok: Token) {
        while let Some(c) = self.clients.get_mut(&tok) {
            c.busy = false;
            match c.queued.pop_front() {
                None => break,
                Some(None) => {
                    c.queued.clear();
                    c.ended = false; // let `too_long` act now
                    self.too_long(ctx, tok);
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

    /// Close `tok` gracefully, and tell the others it left now rather than
    /// when the close completes (up to `Config::linger` later).
    pub fn hang_up(&mut self, ctx: &mut Ctx<'_>, tok: Token) {
        let name = self.clients.get(&tok).and_then(|c| c.name.clone());
        if let Some(name) = name {
            if self.online.get(&name) == Some(&tok) {
                self.online.remove(&name);
                self.broadcast(ctx, None, &format!("* {name} left"));
            }
        }
        ctx.close(tok);
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
