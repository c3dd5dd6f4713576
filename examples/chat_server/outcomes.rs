//! What each worker [`Outcome`] does back on the loop: the delayed half of
//! register, login and offline `/msg`.
//!
//! Owns: replies to finished jobs, logging in (after `/login` or a
//! successful `/register`), session replacement, failed-login counting, and
//! offline delivery. Does not own: starting jobs (`commands.rs`) or the
//! per-client queue that `resume` drains (`client.rs`).

use crate::client::send;
use crate::jobs::{LoginError, Outcome};
use crate::protocol;
use crate::service::Chat;
use crate::store::Offline;
use evloop::{Ctx, Token};

impl Chat {
    /// Write offline messages to `tok`. They stay stored until the client
    /// confirms them (see `Client::unconfirmed`).
    fn deliver(&mut self, ctx: &mut Ctx<'_>, tok: Token, msgs: Vec<Offline>) {
        for m in msgs {
            if !self.delivering.insert(m.id) {
                continue; // already written to a live socket, delete pending
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
                match result {
                    Ok(true) => {
                        log::info!("tok={tok} registered {name}");
                        let key = protocol::name_key(&name);
                        let reply = format!("OK registered {name}, logged in");
                        self.logged_in(ctx, tok, key, name, &reply, Vec::new());
                    }
                    Ok(false) => send(ctx, tok, &format!("ERR name {name} is taken")),
                    Err(()) => send(ctx, tok, "ERR internal error"),
                }
                tok
            }
            Outcome::Stored {
                tok,
                to,
                key,
                result,
            } => {
                let reply = match result {
                    Ok(Some(msg)) => {
                        // The recipient logged in while the job was queued
                        // (after its login read the database): deliver now.
                        if let Some(&(_, peer)) = self.online.get(&key) {
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
            Outcome::LoggedIn { tok, key, result } => {
                match result {
                    Ok((name, msgs)) => {
                        let reply = format!("OK welcome {name}");
                        self.logged_in(ctx, tok, key, name, &reply, msgs);
                    }
                    Err(e) => self.login_failed(ctx, tok, &key, e),
                }
                tok
            }
        };
        self.resume(ctx, tok);
    }

    fn login_failed(&mut self, ctx: &mut Ctx<'_>, tok: Token, key: &str, e: LoginError) {
        let Some(ip) = self.clients.get(&tok).map(|c| c.ip) else {
            return; // gone while the hash was computing
        };
        let reply = match e {
            LoginError::Internal => "ERR internal error",
            LoginError::NoSuchUser | LoginError::WrongPassword => {
                // Both count, so that the lockout says nothing about
                // whether the name exists.
                self.lockout.failed(key, ip, ctx.now());
                "ERR wrong name or password"
            }
        };
        send(ctx, tok, reply);
    }

    /// `tok` is now `name`: reply, deliver what waited, tell the others.
    fn logged_in(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        key: String,
        name: String,
        reply: &str,
        msgs: Vec<Offline>,
    ) {
        let Some(ip) = self.clients.get(&tok).map(|c| c.ip) else {
            return; // gone while the hash was computing
        };
        self.lockout.succeeded(&key, ip);
        let replaced = self.online.insert(key, (name.clone(), tok));
        if let Some((_, old)) = replaced {
            // One session per user: the newest wins, the old one is told.
            // Its unconfirmed offline messages go to the new session.
            self.release_deliveries(old);
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
        send(ctx, tok, reply);
        self.deliver(ctx, tok, msgs);
        if replaced.is_none() {
            self.broadcast(ctx, Some(tok), &format!("* {name} joined"));
        }
    }
}
