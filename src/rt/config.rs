//! [`RtConfig`]: the runtime's limits, around the reactor's [`Config`].
//!
//! Owns: the numbers the executor and `spawn_blocking` use, with the reasons
//! for them. Does not own: the reactor's limits (`crate::Config`, reused
//! as is: the runtime runs on that same reactor).

use crate::Config;

/// Limits for one [`Runtime`](super::Runtime).
#[derive(Debug, Clone)]
pub struct RtConfig {
    /// The reactor underneath: signals, shutdown grace, pitfalls, …
    pub reactor: Config,
    /// Tasks polled per tick at most, before the loop polls for I/O again
    /// (the run queue's budget, like `Config::read_budget` for reads).
    /// Default 256.
    pub task_budget: usize,
    /// Leaf-future operations (reads, writes, accepts, …) one task may do in
    /// one poll before it must yield (tokio's `coop` budget is 128).
    /// Default 128.
    pub coop_budget: u32,
    /// Worker threads for `spawn_blocking`, started on first use. Default 4.
    pub blocking_threads: usize,
    /// `spawn_blocking` jobs that may wait for a worker; more are refused
    /// (the `JoinHandle` reports it) instead of queueing without bound.
    /// Default 1024.
    pub blocking_queue: usize,
}

impl Default for RtConfig {
    fn default() -> Self {
        RtConfig::from(Config::default())
    }
}

impl From<Config> for RtConfig {
    fn from(reactor: Config) -> Self {
        RtConfig {
            reactor,
            task_budget: 256,
            coop_budget: 128,
            blocking_threads: 4,
            blocking_queue: 1024,
        }
    }
}
