//! Progress while the run lasts: counters each reactor thread publishes
//! (every 100 ms, so the hot path touches no atomics), and the main
//! thread's watch loop that prints them. Does not own: the final report.

use crate::common;
use crate::opts::{Mode, Opts};
use crate::stats::Stats;
use evloop::Handle;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Counters the reactor threads publish for the progress line.
#[derive(Default)]
pub struct Progress {
    pub ops: AtomicU64,
    pub errors: AtomicU64,
    pub opened: AtomicU64,
}

impl Progress {
    pub fn publish(&self, s: &Stats) {
        self.ops.store(s.total_ops, Relaxed);
        self.errors
            .store(s.errors + s.mismatches + s.timeouts, Relaxed);
        self.opened.store(s.opened, Relaxed);
    }
}

/// Until every thread is done: a progress line per second (runs over 3 s),
/// "all connections open" for idle mode, and if one thread stops early
/// (SIGINT, a fatal error) stop the others so the report comes out.
pub fn watch(
    opts: &Opts,
    threads: &[thread::JoinHandle<Result<Stats, String>>],
    handles: &[Handle],
    progress: &[Arc<Progress>],
) {
    let started = Instant::now();
    let planned = opts.warmup + opts.duration;
    let (mut next_line, mut last_ops, mut announced) = (1, 0, false);
    while threads.iter().any(|t| !t.is_finished()) {
        thread::sleep(Duration::from_millis(50));
        if threads.iter().any(|t| t.is_finished()) {
            handles.iter().for_each(Handle::shutdown);
        }
        if started.elapsed() > planned + Duration::from_secs(30) {
            common::fail("the reactor threads did not stop in time");
        }
        let sum = |f: fn(&Progress) -> u64| progress.iter().map(|p| f(p)).sum::<u64>();
        if opts.mode == Mode::Idle
            && !announced
            && sum(|p| p.opened.load(Relaxed)) == opts.conns as u64
        {
            eprintln!("idle: all {} connections open", opts.conns);
            announced = true;
        }
        if planned > Duration::from_secs(3) && started.elapsed() >= Duration::from_secs(next_line) {
            let ops = sum(|p| p.ops.load(Relaxed));
            let errors = sum(|p| p.errors.load(Relaxed));
            eprintln!(
                "echo_bench: {next_line:>3} s  {:>9} ops/s  {errors} errors",
                ops - last_ops
            );
            (next_line, last_ops) = (next_line + 1, ops);
        }
    }
}
