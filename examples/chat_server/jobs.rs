//! The messages between the loop and the worker thread: [`Job`] goes one
//! way, [`Outcome`] comes back.
//!
//! Owns: nothing but these types. Every job and outcome that concerns a
//! connection carries its [`Token`], so the answer finds its client (or,
//! thanks to the token's generation, misses a closed one).

use crate::store::Offline;
use evloop::Token;

/// Work for the worker. Passwords travel in memory only, never to a log.
pub enum Job {
    Register {
        tok: Token,
        name: String,
        password: String,
    },
    Login {
        tok: Token,
        name: String,
        password: String,
    },
    Store {
        tok: Token,
        from: String,
        to: String,
        text: String,
        at: i64,
    },
    Delete {
        ids: Vec<i64>,
    },
}

/// Why a login failed.
pub enum LoginError {
    /// The name exists and the password is wrong (counts towards lockout).
    WrongPassword,
    NoSuchUser,
    Internal,
}

/// A finished job, sent back to the loop.
pub enum Outcome {
    /// `Ok(true)` registered, `Ok(false)` name taken.
    Registered {
        tok: Token,
        name: String,
        result: Result<bool, ()>,
    },
    /// On success: the offline messages, oldest first (not yet deleted).
    LoggedIn {
        tok: Token,
        name: String,
        result: Result<Vec<Offline>, LoginError>,
    },
    /// `Ok(Some(msg))` stored, `Ok(None)` no such user.
    Stored {
        tok: Token,
        to: String,
        result: Result<Option<Offline>, ()>,
    },
    Deleted {
        ids: Vec<i64>,
    },
}
