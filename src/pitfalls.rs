//! [`Pitfalls`]: switches that put classic event-loop bugs back, for learning.
//!
//! Owns: the names and the switch values. Does not own: the buggy code paths;
//! each sits next to the correct code it replaces (grep for `pitfalls.`).
//! The README's pitfall table says what each one looks like from outside.

use std::fmt;

/// Which classic bugs to reproduce. All off by default; never turn one on in
/// production.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pitfalls {
    /// Read once per readiness event instead of until `WouldBlock`: with
    /// edge-triggered readiness the rest of the data sits unread, silently.
    pub no_drain: bool,
    /// Treat a short write as complete: the unwritten bytes are lost.
    pub no_outbuf: bool,
    /// Close as soon as the peer half-closes: pending replies are lost.
    pub close_on_eof: bool,
    /// No per-event read budget: one flooding peer starves the others.
    pub no_budget: bool,
    /// Retry `accept` at once on EMFILE: the loop spins at 100% CPU.
    pub no_emfile_guard: bool,
    /// Ignore token generations: events and writes for a closed connection
    /// can reach the new connection in the reused slab slot.
    pub stale_token: bool,
    /// Async (`rt`): a leaf future returns `Pending` without storing the
    /// waker; the task is never polled again, with data waiting.
    pub lost_waker: bool,
    /// Async (`rt`): `spawn_blocking` runs its closure right there on the
    /// loop thread, as a task that blocks would: every other task stalls.
    pub blocking_in_task: bool,
    /// Async (`rt`): a leaf future that is not ready wakes its own task
    /// instead of parking the waker: polled every tick, 100% CPU.
    pub wake_spin: bool,
    /// Async (`rt`): the run queue is drained with no per-tick budget; a
    /// task that is always ready keeps the loop from polling for I/O.
    pub no_task_budget: bool,
}

impl Pitfalls {
    /// The names accepted by [`Pitfalls::enable`] (and `--pitfall`).
    pub const NAMES: [&'static str; 10] = [
        "no-drain",
        "no-outbuf",
        "close-on-eof",
        "no-budget",
        "no-emfile-guard",
        "stale-token",
        "lost-waker",
        "blocking-in-task",
        "wake-spin",
        "no-task-budget",
    ];

    /// Turn on the pitfall called `name`.
    pub fn enable(&mut self, name: &str) -> Result<(), UnknownPitfall> {
        let flag = match name {
            "no-drain" => &mut self.no_drain,
            "no-outbuf" => &mut self.no_outbuf,
            "close-on-eof" => &mut self.close_on_eof,
            "no-budget" => &mut self.no_budget,
            "no-emfile-guard" => &mut self.no_emfile_guard,
            "stale-token" => &mut self.stale_token,
            "lost-waker" => &mut self.lost_waker,
            "blocking-in-task" => &mut self.blocking_in_task,
            "wake-spin" => &mut self.wake_spin,
            "no-task-budget" => &mut self.no_task_budget,
            _ => return Err(UnknownPitfall(name.to_string())),
        };
        *flag = true;
        Ok(())
    }
}

/// A `--pitfall` name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPitfall(pub String);

impl fmt::Display for UnknownPitfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown pitfall {:?}; known: {}",
            self.0,
            Pitfalls::NAMES.join(", ")
        )
    }
}

impl std::error::Error for UnknownPitfall {}
