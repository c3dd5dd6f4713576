//! The messages between the loop and the worker thread: [`Job`] goes one
//! way, [`Outcome`] comes back.
//!
//! Owns: nothing but these types. Every job and outcome that concerns a
//! connection carries its [`Token`], so the answer finds its client (or,
//! thanks to the token's generation, misses a closed one). Hashing jobs
//! also carry the client's `alive` flag, so the worker skips the hash of a
//! client that is already gone (e.g. during shutdown).

use crate::store::Offline;
use evloop::Token;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Work for the worker. Passwords travel in memory only, never to a log.
/// `name` is a display form (NFC), `key` what names are compared by.
pub enum Job {
    Register {
        tok: Token,
        alive: Arc<AtomicBool>,
        name: String,
        key: String,
        password: String,
    },
    /// `password` is trimmed, `as_typed` is not: see `Command::Login`.
    Login {
        tok: Token,
        alive: Arc<AtomicBool>,
        key: String,
        password: String,
        as_typed: String,
    },
    Store {
        tok: Token,
        from: String,
        to: String,
        key: String,
        text: String,
        at: i64,
    },
    Delete {
        ids: Vec<i64>,
    },
}

/// Why a login failed.
pub enum LoginError {
    /// The name exists and the password is wrong.
    WrongPassword,
    NoSuchUser,
    Internal,
}

/// A finished job, sent back to the loop.
pub enum Outcome {
    /// `Ok(true)` registered (and so logged in), `Ok(false)` name taken.
    Registered {
        tok: Token,
        name: String,
        result: Result<bool, ()>,
    },
    /// On success: the display name, and the offline messages, oldest
    /// first (not yet deleted).
    LoggedIn {
        tok: Token,
        key: String,
        result: Result<(String, Vec<Offline>), LoginError>,
    },
    /// `Ok(Some(msg))` stored, `Ok(None)` no such user.
    Stored {
        tok: Token,
        to: String,
        key: String,
        result: Result<Option<Offline>, ()>,
    },
    Deleted {
        ids: Vec<i64>,
    },
}
