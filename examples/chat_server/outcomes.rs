//! What each worker [`Outcome`] does back on the loop: the delayed half of
//! register, login and offline `/msg`.
//!
//! Owns: replies to finished jobs, session replacement, login lockout
//! bookkeeping, and offline delivery. Does not own: starting jobs
//! (`commands.rs`) or the per-client queue that `resume` drains
//! (`client.rs`).

use crate::client::send;
use crate::jobs::{LoginError, Outcome};
use crate::protocol;
use crate::service::{Chat, Failures};
use crate::store::Offline;
use evloop::{Ctx, Token};

impl Chat {
    /// Write offline messages to `tok`; they are deleted after `on_drained`.
    fn deliver(&mut self, ctx: &mut Ctx<'_>, tok: Token, msgs: Vec<Offline>) {
        for m in msgs {
            if !self.delivering.insert(m.id) {
                continue; // already written to a socket, delete pending
            }
            let at = protocol::rfc3339(m.at);
            send(ctx, tok, &format!("[offline {at}] {}: {}", m.from, m.text));
            if let Some(c) = self.clients.get_mut(&tok) {
                c.undrained.push(m.id);
            }
        }
    }

    pub fn outcome(&mut self, ctx: &mut Ctx<'_>, outcome: Outcome) {
        let tok = match outcome {
            Outcome::Deleted { ids } => {
                for id in ids {
                    self.delivering.remove(&id);
                }
                return;
            }
            Outcome::Registered { tok, name, result } => {
                let reply = match result {
                    Ok(true) => {
                        log::info!("tok={tok} registered {name}");
                        format!("OK registered {name}")
                    }
                    Ok(false) => format!("ERR name {name} is taken"),
                    Err(()) => "ERR internal error".to_string(),
                };
                send(ctx, tok, &reply);
                tok
            }
            Outcome::Stored { tok, to, result } => {
                let reply = match result {
                    Ok(Some(msg)) => {
                        // The recipient logged in while the job was queued
                        // (after its login read the database): deliver now.
                        if let Some(&peer) = self.online.get(&to) {
                            self.deliver(ctx, peer, vec![msg]);
                        }
                        format!("OK stored for {to}")
                    }
                    Ok(None) => format!("ERR no such user {to}"),
                    Err(()) => "ERR internal error".to_string(),
                };
                send(ctx, tok, &reply);
                tok
            }
            Outcome::LoggedIn { tok, name, result } => {
                self.logged_in(ctx, tok, name, result);
                tok
            }
        };
        self.resume(ctx, tok);
    }

    fn logged_in(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        name: String,
        result: Result<Vec<Offline>, LoginError>,
    ) {
        if !self.clients.contains_key(&tok) {
            return; // gone while the hash was computing
        }
        let msgs = match result {
            Ok(msgs) => msgs,
            Err(e) => {
                let reply = match e {
                    LoginError::Internal => "ERR internal error",
                    LoginError::NoSuchUser => "ERR wrong name or password",
                    LoginError::WrongPassword => {
                        self.failed_login(ctx, &name);
                        "ERR wrong name or password"
                    }
                };
                return send(ctx, tok, reply);
            }
        };
        self.failures.remove(&name);
        let replaced = self.online.insert(name.clone(), tok);
        if let Some(old) = replaced {
            // One session per user: the newest wins, the old one is told.
            if let Some(c) = self.clients.get_mut(&old) {
                c.name = None;
                c.ended = true;
            }
            send(ctx, old, "* logged in from elsewhere");
            ctx.close(old);
        }
        if let Some(c) = self.clients.get_mut(&tok) {
            c.name = Some(name.clone());
        }
        log::info!("tok={tok} logged in as {name}");
        send(ctx, tok, &format!("OK welcome {name}"));
        self.deliver(ctx, tok, msgs);
        if replaced.is_none() {
            self.broadcast(ctx, Some(tok), &format!("* {name} joined"));
        }
    }

    fn failed_login(&mut self, ctx: &Ctx<'_>, name: &str) {
        let f = self.failures.entry(name.to_string()).or_insert(Failures {
            count: 0,
            locked_until: None,
        });
        f.count += 1;
        if f.count >= self.limits.max_failures && f.locked_until.is_none() {
            log::warn!(
                "{} failed logins for {name}: locked for {:?}",
                f.count,
                self.limits.lockout
            );
            f.locked_until = Some(ctx.now() + self.limits.lockout);
        }
    }
}
