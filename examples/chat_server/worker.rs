//! The one blocking worker thread: password hashing and every database call.
//!
//! Owns: the [`Store`], the argon2 settings, and the two channels' far ends.
//! Does not own: any socket or client state; it answers each [`Job`] with
//! an [`Outcome`] naming the connection it is for, and the loop decides.
//!
//! Jobs run one at a time in arrival order, so the database sees exactly the
//! order the loop sent (a delete can never overtake the login it follows).
//! The thread ends when the loop drops its `Sender`: `for job in jobs` then
//! finishes every queued job first, which is how shutdown keeps queued writes.
//! A hashing job whose client is gone (its `alive` flag is clear) is skipped:
//! nobody would read the answer, and at shutdown every client is gone, so a
//! backlog of logins would otherwise delay the exit by a hash each.

use crate::jobs::{Job, LoginError, Outcome};
use crate::store::{Offline, Store};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, Params};
use evloop::Handle;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};
use std::thread::{self, JoinHandle};

/// Start the worker. Every outcome is followed by `handle.wake()`, which
/// makes the loop call `Service::on_wake`, where it drains `outcomes`.
pub fn spawn(
    store: Store,
    params: Params,
    jobs: Receiver<Job>,
    outcomes: Sender<Outcome>,
    handle: Handle,
) -> std::io::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name("chat-worker".into())
        .spawn(move || {
            let mut w = Worker::new(store, params);
            let mut skipped = 0u64;
            for job in jobs {
                if let Job::Register { tok, alive, .. } | Job::Login { tok, alive, .. } = &job {
                    if !alive.load(Ordering::Acquire) {
                        log::debug!("worker: tok={tok} is gone, skipping its job");
                        skipped += 1;
                        continue;
                    }
                    log::debug!("worker: hashing for tok={tok}");
                }
                let out = w.run(job);
                if outcomes.send(out).is_err() {
                    // The loop is gone (it finished); keep draining jobs so
                    // queued database writes still happen.
                    continue;
                }
                handle.wake();
            }
            log::info!(
                "worker: all queued jobs done ({skipped} of gone clients skipped), stopping"
            );
        })
}

struct Worker {
    store: Store,
    argon: Argon2<'static>,
    /// A real hash of a random password, verified against when the name is
    /// unknown, so that "no such user" takes as long as "wrong password".
    dummy: String,
}

impl Worker {
    fn new(store: Store, params: Params) -> Worker {
        let argon = Argon2::from(params);
        let dummy = argon
            .hash_password(b"not a real password")
            .map(|h| h.to_string())
            .unwrap_or_default();
        Worker {
            store,
            argon,
            dummy,
        }
    }

    fn run(&mut self, job: Job) -> Outcome {
        match job {
            Job::Register {
                tok,
                name,
                key,
                password,
                ..
            } => {
                let result = self.register(&name, &key, &password).map_err(|e| {
                    log::error!("register {name}: {e}");
                });
                Outcome::Registered { tok, name, result }
            }
            Job::Login {
                tok,
                key,
                password,
                as_typed,
                ..
            } => {
                let result = self.login(&key, &password, &as_typed);
                Outcome::LoggedIn { tok, key, result }
            }
            Job::Store {
                tok,
                from,
                to,
                key,
                text,
                at,
            } => {
                let result = match self.store.store_message(&key, &from, &text, at) {
                    Ok(id) => Ok(id.map(|id| Offline { id, from, text, at })),
                    Err(e) => {
                        log::error!("storing a message for {to}: {e}");
                        Err(())
                    }
                };
                Outcome::Stored {
                    tok,
                    to,
                    key,
                    result,
                }
            }
            Job::Delete { ids } => {
                if let Err(e) = self.store.delete(&ids) {
                    // They stay stored and are delivered again next login:
                    // at-least-once, never lost.
                    log::error!("deleting {} delivered messages: {e}", ids.len());
                }
                Outcome::Deleted { ids }
            }
        }
    }

    fn register(&mut self, name: &str, key: &str, password: &str) -> Result<bool, String> {
        // Cheap check first: do not spend a hash on a taken name.
        if self.store.user(key).map_err(|e| e.to_string())?.is_some() {
            return Ok(false);
        }
        // A fresh random salt per password (from the OS, via getrandom).
        let hash = self
            .argon
            .hash_password(password.as_bytes())
            .map_err(|e| e.to_string())?
            .to_string();
        self.store
            .create_user(name, key, &hash)
            .map_err(|e| e.to_string())
    }

    /// Log in as `key` with `password` (trimmed) or, failing that, with
    /// `as_typed` (edges kept), the form an account registered before the
    /// whitespace rule was hashed from. One call is one attempt: the loop
    /// counts at most one failure for it.
    fn login(
        &mut self,
        key: &str,
        password: &str,
        as_typed: &str,
    ) -> Result<(String, Vec<Offline>), LoginError> {
        let stored = self.store.user(key).map_err(|e| {
            log::error!("login {key}: {e}");
            LoginError::Internal
        })?;
        let hash = stored.as_ref().map_or(self.dummy.as_str(), |(_, h)| h);
        // argon2 compares the digests in constant time. A failed login tries
        // a second hash exactly when the typed password has edges, for a
        // known name as for an unknown one (checked against `dummy`), so
        // an unknown name still costs what a wrong password costs.
        let verify = |pw: &str| self.argon.verify_password(pw.as_bytes(), hash).is_ok();
        let ok = verify(password) || (as_typed != password && verify(as_typed));
        match (stored, ok) {
            (None, _) => Err(LoginError::NoSuchUser),
            (Some(_), false) => Err(LoginError::WrongPassword),
            (Some((name, _)), true) => match self.store.offline_for(&name) {
                Ok(msgs) => Ok((name, msgs)),
                Err(e) => {
                    log::error!("loading offline messages for {name}: {e}");
                    Err(LoginError::Internal)
                }
            },
        }
    }
}
