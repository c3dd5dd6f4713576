//! The clock of one reactor thread: warmup, the measured window, the end of
//! the run, the pacing tick, and the per-connection send schedule.
//! Does not own: sockets or protocols (`tcp.rs`, `udp.rs` call in here).
//!
//! # Fixed rate without coordinated omission
//! At `--rate R` over `--conns C`, connection `i` is due to send message `k`
//! at `t0 + i/R + k*C/R`. A 1 ms reactor timer sends what is due. If a
//! connection already has `--depth` messages in flight when a send falls due,
//! that send waits for an answer, and its latency is measured from when it
//! was due (from when the connection filled up, if later), not from when it
//! was finally sent: a slow server cannot hide its queue by slowing the
//! client down. The 1 ms tick itself is the client's slack, so a send that
//! only waited for the tick is timed from the tick.

use crate::opts::Opts;
use crate::progress::Progress;
use crate::stats::Stats;
use evloop::Ctx;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const T_MEASURE: u64 = 1;
pub const T_END: u64 = 2;
pub const T_TICK: u64 = 3;
pub const T_PUBLISH: u64 = 4;

const TICK: Duration = Duration::from_millis(1);
const PUBLISH: Duration = Duration::from_millis(100);
const SLACK: Duration = Duration::from_millis(10);

/// What a timer meant, for the service.
pub enum Fired {
    /// The pacing tick: send what is due, expire what is late.
    Tick,
    /// The run is over: count what is left, then shut down.
    End,
    Nothing,
}

pub struct Run {
    pub opts: Arc<Opts>,
    pub stats: Stats,
    pub measuring: bool,
    pub ended: bool,
    window_start: Option<Instant>,
    progress: Arc<Progress>,
    tick: bool,
}

impl Run {
    /// `tick`: whether this mode needs the 1 ms timer (pacing, UDP losses).
    pub fn new(opts: Arc<Opts>, progress: Arc<Progress>, tick: bool) -> Run {
        Run {
            opts,
            stats: Stats::new(),
            measuring: false,
            ended: false,
            window_start: None,
            progress,
            tick,
        }
    }

    /// Arm the timers; called once, from the first `on_wake`.
    pub fn start(&mut self, ctx: &mut Ctx<'_>) {
        let o = &self.opts;
        ctx.timer(o.warmup, T_MEASURE);
        ctx.timer(o.warmup + o.duration, T_END);
        ctx.timer(PUBLISH, T_PUBLISH);
        if self.tick {
            ctx.timer(TICK, T_TICK);
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>, tag: u64) -> Fired {
        match tag {
            T_MEASURE if !self.ended => {
                self.measuring = true;
                self.window_start = Some(ctx.now());
                Fired::Nothing
            }
            T_END if !self.ended => Fired::End,
            T_TICK if !self.ended => {
                ctx.timer(TICK, T_TICK);
                Fired::Tick
            }
            T_PUBLISH => {
                self.progress.publish(&self.stats);
                ctx.timer(PUBLISH, T_PUBLISH);
                Fired::Nothing
            }
            _ => Fired::Nothing,
        }
    }

    /// Close the window (at `T_END`, or early on shutdown) and stop the loop.
    pub fn finish(&mut self, ctx: &mut Ctx<'_>) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.measuring = false;
        if let Some(t) = self.window_start {
            self.stats.window = ctx.now().saturating_duration_since(t);
        }
        self.progress.publish(&self.stats);
        ctx.shutdown();
    }

    /// One answer arrived: `sent` is when its latency clock started.
    pub fn complete(&mut self, now: Instant, sent: Instant, bytes: usize) {
        self.stats.total_ops += 1;
        if self.measuring {
            self.stats.ops += 1;
            self.stats.bytes += bytes as u64;
            self.stats.record(now.saturating_duration_since(sent));
        }
    }

    /// A run-ending failure (e.g. connect refused): keep the first, stop.
    pub fn fatal(&mut self, ctx: &mut Ctx<'_>, msg: String) {
        self.stats.fatal.get_or_insert(msg);
        self.finish(ctx);
    }
}

/// The send schedule of one connection (absent when `--rate 0`).
pub struct Pace {
    next: Instant,
    every: Duration,
}

impl Pace {
    /// Connection `idx` of `opts.conns`, starting at `now`.
    pub fn new(opts: &Opts, idx: usize, now: Instant) -> Option<Pace> {
        if opts.rate <= 0.0 {
            return None;
        }
        Some(Pace {
            next: now + Duration::from_secs_f64(idx as f64 / opts.rate),
            every: Duration::from_secs_f64(opts.conns as f64 / opts.rate),
        })
    }

    /// The intended time of the next send, if it is due.
    pub fn take_due(&mut self, now: Instant) -> Option<Instant> {
        if self.next > now {
            return None;
        }
        let due = self.next;
        self.next += self.every;
        Some(due)
    }

    /// How many sends fell due over `SLACK` ago and are not made: the 1 ms
    /// tick alone leaves a few due at any moment; those are not a backlog.
    pub fn backlog(&self, now: Instant) -> u64 {
        let Some(cutoff) = now.checked_sub(SLACK).filter(|&c| c >= self.next) else {
            return 0;
        };
        let behind = (cutoff - self.next).as_nanos() / self.every.as_nanos().max(1);
        behind as u64 + 1
    }
}

/// When a send's latency clock starts (see the module comment): `due` is
/// its intended time (None when unpaced), `full_since` is when the
/// connection last filled to `--depth` before this answer freed a slot.
pub fn clock_start(now: Instant, due: Option<Instant>, full_since: Option<Instant>) -> Instant {
    match (due, full_since) {
        (Some(due), Some(full)) => due.max(full),
        _ => now,
    }
}
