//! Counters and the latency histogram of one reactor thread, how threads are
//! merged, and how the result is printed (a table, or one JSON object).
//! Does not own: measuring (the clients record into `Stats`).

use crate::opts::Opts;
use hdrhistogram::Histogram;
use std::fmt::Write as _;
use std::time::Duration;

/// What one thread measured. Latencies are in nanoseconds.
pub struct Stats {
    pub hist: Histogram<u64>,
    /// Operations completed inside the measured window.
    pub ops: u64,
    /// Operations completed over the whole run (warmup and drain too): what
    /// the server's CPU time is divided by.
    pub total_ops: u64,
    /// Bytes received inside the window.
    pub bytes: u64,
    /// Connection failures, unexpected closes, bad HTTP, dropped sends.
    pub errors: u64,
    /// Answers that arrived but were wrong.
    pub mismatches: u64,
    /// UDP: datagrams not answered within --timeout. TCP: answers still
    /// missing after --timeout when the run ended.
    pub timeouts: u64,
    /// Paced runs: sends due (over 10 ms ago) but not made when the run
    /// ended: the server could not keep up with the offered rate.
    pub backlog: u64,
    /// Connections (or UDP sockets) that were open at some point.
    pub opened: u64,
    /// tcp-churn: connects that failed, and connections reset before their
    /// echo (both are counted in `errors` too).
    pub connect_failed: u64,
    pub resets: u64,
    /// Length of the measured window.
    pub window: Duration,
    /// A failure that makes the run meaningless (e.g. connect refused).
    pub fatal: Option<String>,
}

impl Stats {
    pub fn new() -> Stats {
        // 1 ns .. 1 h at 3 significant digits; cannot fail with these bounds.
        let hist = Histogram::new_with_bounds(1, 3_600_000_000_000, 3)
            .unwrap_or_else(|e| crate::common::fail(format!("histogram: {e}")));
        Stats {
            hist,
            ops: 0,
            total_ops: 0,
            bytes: 0,
            errors: 0,
            mismatches: 0,
            timeouts: 0,
            backlog: 0,
            opened: 0,
            connect_failed: 0,
            resets: 0,
            window: Duration::ZERO,
            fatal: None,
        }
    }

    pub fn record(&mut self, latency: Duration) {
        self.hist.saturating_record(latency.as_nanos() as u64);
    }

    /// Add another thread's results (the window is the longest).
    pub fn merge(&mut self, o: Stats) {
        // Same bounds on both sides, so `add` cannot fail.
        let _ = self.hist.add(&o.hist);
        self.ops += o.ops;
        self.total_ops += o.total_ops;
        self.bytes += o.bytes;
        self.errors += o.errors;
        self.mismatches += o.mismatches;
        self.timeouts += o.timeouts;
        self.backlog += o.backlog;
        self.opened += o.opened;
        self.connect_failed += o.connect_failed;
        self.resets += o.resets;
        self.window = self.window.max(o.window);
        self.fatal = self.fatal.take().or(o.fatal);
    }

    fn per_sec(&self, n: u64) -> f64 {
        let s = self.window.as_secs_f64();
        if s > 0.0 {
            n as f64 / s
        } else {
            0.0
        }
    }

    fn us(&self, q: f64) -> f64 {
        if self.hist.is_empty() {
            return 0.0;
        }
        let ns = if q >= 1.0 {
            self.hist.max()
        } else {
            self.hist.value_at_quantile(q)
        };
        ns as f64 / 1000.0
    }

    /// One JSON object on one line (by hand: no value needs escaping).
    pub fn json(&self, o: &Opts) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "{{\"mode\":\"{}\",\"addr\":\"{}\",\"conns\":{},\"size\":{},\"depth\":{},\
\"rate\":{},\"duration_s\":{:.3},\"threads\":{},\"ops\":{},\"total_ops\":{},\
\"ops_per_s\":{:.1},\"mb_per_s\":{:.3},\"p50_us\":{:.2},\"p90_us\":{:.2},\"p99_us\":{:.2},\
\"p999_us\":{:.2},\"max_us\":{:.2},\"mean_us\":{:.2},\"errors\":{},\"mismatches\":{},\
\"timeouts\":{},\"backlog\":{},\"opened\":{},\"connect_failed\":{},\"resets\":{}}}",
            o.mode.name(),
            o.addr,
            o.conns,
            o.size,
            o.depth,
            o.rate,
            self.window.as_secs_f64(),
            o.threads,
            self.ops,
            self.total_ops,
            self.per_sec(self.ops),
            self.per_sec(self.bytes) / 1e6,
            self.us(0.5),
            self.us(0.9),
            self.us(0.99),
            self.us(0.999),
            self.us(1.0),
            self.hist.mean() / 1000.0,
            self.errors,
            self.mismatches,
            self.timeouts,
            self.backlog,
            self.opened,
            self.connect_failed,
            self.resets,
        );
        s
    }

    /// A readable two-line table.
    pub fn table(&self, o: &Opts) -> String {
        if o.mode == crate::opts::Mode::Idle {
            let (n, s) = (self.opened, self.window.as_secs_f64());
            return format!(
                "echo_bench idle -> {}: {n} connections open, held {s:.1} s, {} errors\n",
                o.addr, self.errors
            );
        }
        let rate = match o.rate {
            r if r > 0.0 => format!("fixed {r}/s"),
            _ => "as fast as possible".into(),
        };
        let mut s = format!(
            "echo_bench {} -> {}: {} conns x {} B, depth {}, {rate}, {:.1} s measured, {} thread(s)\n",
            o.mode.name(),
            o.addr,
            o.conns,
            o.size,
            o.depth,
            self.window.as_secs_f64(),
            o.threads
        );
        let _ = writeln!(
            s,
            "{:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>10} {:>8} {:>8}",
            "ops/s",
            "MB/s",
            "p50",
            "p90",
            "p99",
            "p99.9",
            "max",
            "errors",
            "mismatches",
            "timeouts",
            "backlog"
        );
        let _ = writeln!(
            s,
            "{:>11.0} {:>9.2} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>10} {:>8} {:>8}",
            self.per_sec(self.ops),
            self.per_sec(self.bytes) / 1e6,
            lat(self.us(0.5)),
            lat(self.us(0.9)),
            lat(self.us(0.99)),
            lat(self.us(0.999)),
            lat(self.us(1.0)),
            self.errors,
            self.mismatches,
            self.timeouts,
            self.backlog
        );
        if o.mode == crate::opts::Mode::TcpChurn {
            let (n, f, r) = (self.opened, self.connect_failed, self.resets);
            let _ = writeln!(s, "{n} connections, {f} connect failures, {r} resets");
        }
        s
    }
}

/// A latency in µs, shown in the unit that keeps 3-4 digits.
fn lat(us: f64) -> String {
    match us {
        u if u < 1000.0 => format!("{u:.1}us"),
        u if u < 1_000_000.0 => format!("{:.2}ms", u / 1000.0),
        u => format!("{:.2}s", u / 1e6),
    }
}
