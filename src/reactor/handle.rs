//! [`Handle`]: how other threads reach the loop.
//!
//! Owns: the `mio::Waker` (reserved token [`WAKER`](crate::token::WAKER)) and
//! the flags it carries: shutdown requested, service wake requested, plus the
//! published metrics. Does not own: acting on them; the dispatch phase does,
//! on the loop thread.
//!
//! This is the mechanism under tokio's `spawn_blocking` and every
//! cross-thread channel: write the message somewhere shared, then poke the
//! poller so the loop wakes from `epoll_wait` and looks. The flags make
//! repeated wakes before the loop runs collapse into one.

use crate::metrics::SharedMetrics;
use crate::Metrics;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub(crate) struct Shared {
    pub(crate) waker: mio::Waker,
    pub(crate) shutdown: AtomicBool,
    pub(crate) woken: AtomicBool,
    pub(crate) metrics: SharedMetrics,
    /// Counters, gauges and histograms, copied at most once a second by
    /// the housekeep phase (`SNAPSHOT_EVERY`): a lock per second, not per
    /// tick, for whoever reports on this loop from another (a sharded
    /// `/metrics`).
    pub(crate) snapshot: std::sync::Mutex<crate::stats::Snapshot>,
    /// Someone read `snapshot`: refresh it at the end of the next tick,
    /// even if the loop is idle (an idle loop has no tick a second).
    pub(crate) snapshot_wanted: AtomicBool,
}

/// A cloneable, `Send` handle to a running [`Reactor`](crate::Reactor).
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
}

impl Handle {
    /// Ask the loop to shut down gracefully: stop accepting, flush pending
    /// output (for at most `Config::shutdown_grace`), close, and return from
    /// `run()`.
    pub fn shutdown(&self) {
        self.shared.shutdown.store(true, Ordering::Release);
        self.poke();
    }

    /// Make the loop call [`Service::on_wake`](crate::Service::on_wake) soon.
    /// Send your data through a channel first, then call this.
    pub fn wake(&self) {
        self.shared.woken.store(true, Ordering::Release);
        self.poke();
    }

    /// The reactor's counters as of its last tick.
    pub fn metrics(&self) -> Metrics {
        self.shared.metrics.snapshot()
    }

    /// Counters, gauges and histograms as of the loop's last refresh (what
    /// [`Admin::for_shards`](crate::services::Admin::for_shards) reports for
    /// the other shards). A busy loop refreshes it once a second; reading
    /// it also asks the loop (woken if asleep) to refresh it now, so the
    /// next read is at most one read interval old, e.g. one scrape.
    pub fn snapshot(&self) -> crate::stats::Snapshot {
        let snap = match self.shared.snapshot.lock() {
            Ok(s) => *s,
            Err(poisoned) => *poisoned.into_inner(),
        };
        self.shared.snapshot_wanted.store(true, Ordering::Release);
        self.poke();
        snap
    }

    fn poke(&self) {
        if let Err(e) = self.shared.waker.wake() {
            log::error!("evloop: waking the reactor failed: {e}");
        }
    }
}
