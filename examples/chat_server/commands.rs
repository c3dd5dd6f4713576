//! What each command does on the loop.
//!
//! Owns: the immediate replies, `/who`, `/logout`, broadcast fan-out with
//! flood control, online direct messages, and the lockout check. Does not
//! own: parsing (`protocol.rs`), the queue (`client.rs`), finished jobs
//! (`outcomes.rs`), or blocking work (`worker.rs`): anything that needs the
//! disk or a hash becomes a [`Job`] and marks the client busy.

use crate::client::send;
use crate::jobs::Job;
use crate::lockout::{secs, Locked};
use crate::protocol::{self, Command};
use crate::service::Chat;
use evloop::{Ctx, Token};

impl Chat {
    pub fn handle_line(&mut self, ctx: &mut Ctx<'_>, tok: Token, line: &[u8]) {
        let Some(c) = self.clients.get(&tok) else {
            return;
        };
        let (me, ip, alive) = (c.name.clone(), c.ip, c.alive.clone());
        let cmd = protocol::parse(line);
        let me = match (cmd, me) {
            (Command::Empty, _) => return,
            (Command::Invalid(why), _) => return send(ctx, tok, &format!("ERR {why}")),
            (Command::Unknown, _) => return send(ctx, tok, "ERR unknown command"),
            (Command::Help, _) => return send(ctx, tok, protocol::HELP),
            (Command::Quit, _) => {
                if let Some(c) = self.clients.get_mut(&tok) {
                    c.ended = true;
                    c.queued.clear();
                }
                send(ctx, tok, "OK bye");
                return self.hang_up(ctx, tok);
            }
            (Command::Register { .. } | Command::Login { .. }, Some(me)) => {
                return send(ctx, tok, &format!("ERR already logged in as {me}"));
            }
            (Command::Register { name, password }, None) => {
                let key = protocol::name_key(&name);
                let (name, password) = (name.into_owned(), password.to_string());
                let job = Job::Register {
                    tok,
                    alive,
                    name,
                    key,
                    password,
                };
                return self.start(ctx, tok, job);
            }
            (
                Command::Login {
                    name,
                    password,
                    as_typed,
                },
                None,
            ) => {
                let key = protocol::name_key(&name);
                match self.lockout.check(&key, ip, ctx.now()) {
                    Some(Locked::Name(left)) => {
                        let left = secs(left);
                        let why = format!("for {name}, try again in {left}");
                        return send(ctx, tok, &format!("ERR too many failed logins {why}"));
                    }
                    Some(Locked::Address(left)) => {
                        let why = format!("from your address, try again in {}", secs(left));
                        return send(ctx, tok, &format!("ERR too many failed logins {why}"));
                    }
                    None => {}
                }
                let (password, as_typed) = (password.to_string(), as_typed.to_string());
                let job = Job::Login {
                    tok,
                    alive,
                    key,
                    password,
                    as_typed,
                };
                return self.start(ctx, tok, job);
            }
            (_, None) => return send(ctx, tok, "ERR login first"),
            (cmd, Some(me)) => (cmd, me),
        };
        match me {
            (Command::Who, _) => {
                let names: Vec<&str> = self.online.values().map(|(n, _)| n.as_str()).collect();
                send(ctx, tok, &format!("OK online: {}", names.join(", ")));
            }
            (Command::Logout, me) => {
                self.log_out(ctx, tok);
                if let Some(c) = self.clients.get_mut(&tok) {
                    c.name = None;
                }
                send(ctx, tok, &format!("OK logged out {me}"));
            }
            (Command::Say(text), me) => self.say(ctx, tok, &me, text),
            (Command::Msg { to, text }, me) => {
                let key = protocol::name_key(&to);
                match self.online.get(&key) {
                    Some(&(_, peer)) => {
                        let tag = self.tag("dm");
                        send(ctx, peer, &format!("[{tag}] {me}: {text}"));
                        send(ctx, tok, "OK sent");
                    }
                    None => {
                        let (to, text) = (to.into_owned(), text.to_string());
                        let at = protocol::unix_now();
                        let job = Job::Store {
                            tok,
                            from: me,
                            to,
                            key,
                            text,
                            at,
                        };
                        self.start(ctx, tok, job);
                    }
                }
            }
            _ => {} // every other command was answered above
        }
    }

    /// Broadcast `text` from `me`, unless `tok` is over its rate: then the
    /// line is dropped, and the first drop of a run says `ERR slow down`.
    fn say(&mut self, ctx: &mut Ctx<'_>, tok: Token, me: &str, text: &str) {
        let now = ctx.now();
        let Some(c) = self.clients.get_mut(&tok) else {
            return;
        };
        if !c.bucket.take(now) {
            if !c.bucket.throttled {
                c.bucket.throttled = true;
                log::info!("tok={tok} user={me}: over the broadcast rate, dropping lines");
                send(ctx, tok, "ERR slow down");
            }
            return;
        }
        c.bucket.throttled = false;
        let tag = self.tag("all");
        self.broadcast(ctx, Some(tok), &format!("[{tag}] {me}: {text}"));
    }

    /// `all` or `all 2026-11-21T10:00:00Z` (with `--timestamps`).
    fn tag(&self, kind: &str) -> String {
        if self.limits.timestamps {
            format!("{kind} {}", protocol::rfc3339(protocol::unix_now()))
        } else {
            kind.to_string()
        }
    }

    /// Hand `job` to the worker; `tok`'s next lines wait until it is done.
    fn start(&mut self, ctx: &mut Ctx<'_>, tok: Token, job: Job) {
        // Fails only if the worker thread died (it logged why).
        let sent = self.jobs.send(job).is_ok();
        match self.clients.get_mut(&tok) {
            Some(c) if sent => c.busy = true,
            _ => send(ctx, tok, "ERR internal error"),
        }
    }

    /// Write `text` to every logged-in user except `skip`. A slow reader's
    /// output grows to `max_output` and then `ctx.write` disconnects it;
    /// nobody else waits for it.
    pub fn broadcast(&mut self, ctx: &mut Ctx<'_>, skip: Option<Token>, text: &str) {
        let line = format!("{text}\n");
        for &(_, tok) in self.online.values() {
            if Some(tok) != skip {
                ctx.write(tok, line.as_bytes());
            }
        }
    }
}
