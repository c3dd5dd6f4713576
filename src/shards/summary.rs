//! What [`Running::wait`](super::Running::wait) hands back: every shard's
//! counters ([`Summary`]) or, when a shard failed, why ([`ShardsError`]).
//!
//! Owns: summing the shards' metrics and the one line each prints. Does not
//! own: collecting them (`mod.rs` reads each shard's `Handle` after it
//! stopped) or counting (each reactor counts its own).

use crate::Metrics;
use std::any::Any;
use std::fmt;

/// Every shard's final counters, in shard order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// `shards[i]`: what shard `i` counted (all zero for a shard that failed
    /// before its reactor existed).
    pub shards: Vec<Metrics>,
}

impl Summary {
    /// The counters summed over the shards; `max_events_per_poll` is the
    /// largest of them, not a sum.
    pub fn total(&self) -> Metrics {
        let mut total = Metrics::default();
        for m in &self.shards {
            total += *m;
        }
        total.max_events_per_poll = self
            .shards
            .iter()
            .map(|m| m.max_events_per_poll)
            .max()
            .unwrap_or(0);
        total
    }

    /// Each shard's `accepted` count: how the kernel spread the connections.
    pub fn accepted(&self) -> Vec<u64> {
        self.shards.iter().map(|m| m.accepted).collect()
    }
}

/// One line: `2 shards, accepted per shard [212, 188], datagrams per shard
/// [0, 0]; total: accepted=400 ...`.
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let udp: Vec<u64> = self.shards.iter().map(|m| m.udp_in).collect();
        let n = self.shards.len();
        let shards = if n == 1 { "shard" } else { "shards" };
        write!(
            f,
            "{n} {shards}, accepted per shard {:?}, datagrams per shard {udp:?}; total: {}",
            self.accepted(),
            self.total()
        )
    }
}

/// Why the shards did not all stop cleanly. Whatever the reason, every
/// other shard was asked to shut down before this was returned.
#[derive(Debug)]
pub struct ShardsError {
    /// `(shard index, what happened)` for each shard that panicked or whose
    /// loop failed, e.g. `(1, "panicked: boom")`.
    pub failed: Vec<(usize, String)>,
    /// A second SIGINT/SIGTERM arrived during the graceful shutdown:
    /// `wait` returned at once instead of waiting for the shards to drain
    /// (their threads were left to end with the process).
    pub aborted: bool,
    /// What the shards counted, as far as they got.
    pub summary: Summary,
}

impl fmt::Display for ShardsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for (i, why) in &self.failed {
            write!(f, "{sep}shard {i} {why}")?;
            sep = "; ";
        }
        if self.aborted {
            write!(
                f,
                "{sep}aborted by a second signal before the shards drained"
            )?;
        } else {
            let others = self.summary.shards.len() - self.failed.len();
            write!(f, "; the other {others} shard(s) were shut down")?;
        }
        Ok(())
    }
}

impl std::error::Error for ShardsError {}

/// The text of a panic (what `panic!` was given), for the one-line report.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}
