//! What each command does on the loop.
//!
//! Owns: the immediate replies, `/who`, broadcast fan-out, online direct
//! messages, and the lockout check. Does not own: parsing (`protocol.rs`),
//! the queue (`client.rs`), finished jobs (`outcomes.rs`), or blocking work
//! (`worker.rs`): anything that needs the disk or a hash becomes a [`Job`]
//! and marks the client busy.

use crate::client::send;
use crate::jobs::Job;
use crate::protocol::{self, Command};
use crate::service::Chat;
use evloop::{Ctx, Token};

impl Chat {
    pub fn handle_line(&mut self, ctx: &mut Ctx<'_>, tok: Token, line: &[u8]) {
        let Some(me) = self.clients.get(&tok).map(|c| c.name.clone()) else {
            return;
        };
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
            (Command::Register { name, password }, _) => {
                let (name, password) = (name.to_string(), password.to_string());
                return self.start(
                    ctx,
                    tok,
                    Job::Register {
                        tok,
                        name,
                        password,
                    },
                );
            }
            (Command::Login { .. }, Some(me)) => {
                return send(ctx, tok, &format!("ERR already logged in as {me}"));
            }
            (Command::Login { name, password }, None) => {
                if self.locked(ctx, name) {
                    return send(ctx, tok, "ERR too many failed logins, try later");
                }
                let (name, password) = (name.to_string(), password.to_string());
                return self.start(
                    ctx,
                    tok,
                    Job::Login {
                        tok,
                        name,
                        password,
                    },
                );
            }
            (_, None) => return send(ctx, tok, "ERR login first"),
            (cmd, Some(me)) => (cmd, me),
        };
        match me {
            (Command::Who, _) => {
                let names: Vec<&str> = self.online.keys().map(String::as_str).collect();
                send(ctx, tok, &format!("OK online: {}", names.join(", ")));
            }
            (Command::Say(text), me) => {
                self.broadcast(ctx, Some(tok), &format!("[all] {me}: {text}"));
            }
            (Command::Msg { to, text }, me) => match self.online.get(to) {
                Some(&peer) => {
                    send(ctx, peer, &format!("[dm] {me}: {text}"));
                    send(ctx, tok, "OK sent");
                }
                None => {
                    let (to, text) = (to.to_string(), text.to_string());
                    let at = protocol::unix_now();
                    self.start(
                        ctx,
                        tok,
                        Job::Store {
                            tok,
                            from: me,
                            to,
                            text,
                            at,
                        },
                    );
                }
            },
            _ => {} // every other command was answered above
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

    /// Is `name` locked out after too many failed logins?
    fn locked(&mut self, ctx: &Ctx<'_>, name: &str) -> bool {
        let Some(f) = self.failures.get(name) else {
            return false;
        };
        match f.locked_until {
            Some(until) if ctx.now() < until => true,
            Some(_) => {
                self.failures.remove(name); // served its time: start over
                false
            }
            None => false,
        }
    }

    /// Write `text` to every logged-in user except `skip`. A slow reader's
    /// output grows to `max_output` and then `ctx.write` disconnects it;
    /// nobody else waits for it.
    pub fn broadcast(&mut self, ctx: &mut Ctx<'_>, skip: Option<Token>, text: &str) {
        let line = format!("{text}\n");
        for &tok in self.online.values() {
            if Some(tok) != skip {
                ctx.write(tok, line.as_bytes());
            }
        }
    }
}
