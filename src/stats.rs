//! [`LoopStats`]: histograms of the loop itself (tick duration, events per
//! poll, time asleep in `epoll_wait`), and [`Gauges`] read on demand.
//!
//! Owns: the fixed log2 buckets and how a sample lands in one. Does not
//! own: taking the samples (`reactor/mod.rs` and the housekeep phase do,
//! from the clock reads of each tick) or printing them (the Prometheus text
//! is `services/prometheus.rs`).
//!
//! Why log2 buckets in plain `u64` arrays: recording is a `leading_zeros`,
//! an index and two adds, with no allocation, no float and no atomics, so it
//! can run on every tick. Prometheus wants cumulative buckets; we keep
//! per-bucket counts and add them up only when someone scrapes. The cost is
//! resolution: a bucket spans a factor of two, which is plenty to see
//! "ticks take microseconds, one took 40 ms".
//!
//! Clock reads: the loop already reads `Instant::now()` once per tick after
//! `poll` returns; the histograms add exactly one more, at the end of the
//! tick. Tick duration is end minus that `now`; time asleep is the next
//! `now` minus this end (the poll call and nothing else lies between).

use std::time::Duration;

/// Buckets per histogram. Bucket `i` holds values of bit length `i`, i.e.
/// below `2^i`; the last one also takes everything larger (it is reported
/// only in `+Inf`). For microseconds that is up to 2^22 µs ≈ 4.2 s.
pub const BUCKETS: usize = 24;

/// A histogram with power-of-two buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Log2Histogram {
    counts: [u64; BUCKETS],
    sum: u64,
    count: u64,
}

impl Default for Log2Histogram {
    fn default() -> Self {
        Log2Histogram {
            counts: [0; BUCKETS],
            sum: 0,
            count: 0,
        }
    }
}

impl Log2Histogram {
    /// Count one sample: `bucket_value` picks the bucket, `sum_value` is
    /// added to the sum (the same number, or a finer unit of it, as for
    /// durations: bucketed in µs, summed in ns).
    #[inline]
    pub fn record(&mut self, bucket_value: u64, sum_value: u64) {
        let i = (u64::BITS - bucket_value.leading_zeros()) as usize;
        self.counts[i.min(BUCKETS - 1)] += 1;
        self.sum = self.sum.wrapping_add(sum_value);
        self.count += 1;
    }

    /// A duration: bucketed by whole microseconds, summed in nanoseconds.
    #[inline]
    pub fn record_duration(&mut self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.record(ns / 1000, ns);
    }

    /// Samples per bucket (not cumulative). Bucket `i` holds values `< 2^i`
    /// and at least `2^(i-1)`; bucket 0 holds zeros.
    pub fn counts(&self) -> &[u64; BUCKETS] {
        &self.counts
    }

    /// The sum of every sample's `sum_value`.
    pub fn sum(&self) -> u64 {
        self.sum
    }

    /// How many samples.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Add another histogram's samples (several shards into one).
    pub fn merge(&mut self, other: &Log2Histogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
        self.sum = self.sum.wrapping_add(other.sum);
        self.count += other.count;
    }
}

/// The loop's histograms, kept by the reactor (see the module doc).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoopStats {
    /// Busy time of each tick, from `poll` returning to the end of
    /// housekeeping (µs buckets, ns sum).
    pub tick: Log2Histogram,
    /// Events returned by each `poll`.
    pub events_per_poll: Log2Histogram,
    /// Time spent inside `poll` (`epoll_wait`), asleep or not (µs buckets,
    /// ns sum).
    pub asleep: Log2Histogram,
}

/// What one reactor reports at one scrape: its counters, gauges and
/// histograms (see [`Handle::snapshot`](crate::Handle::snapshot)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The counters (and the gauges kept in `Metrics`).
    pub metrics: crate::Metrics,
    /// Gauges computed when the snapshot was taken.
    pub gauges: Gauges,
    /// The loop's histograms.
    pub stats: LoopStats,
}

/// Gauges computed when asked (a scrape), not kept per operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gauges {
    /// TCP connections open now.
    pub open_conns: u64,
    /// Bytes queued on every connection and not yet accepted by a socket.
    pub pending_output_bytes: u64,
    /// Timers scheduled and not yet fired or cancelled.
    pub timers_live: u64,
    /// Occupied slab slots (listeners, connections, UDP sockets, fds).
    pub slab_entries: u64,
    /// Slots the slab has room for without growing.
    pub slab_capacity: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_lands_in_the_bucket_of_its_bit_length() {
        let mut h = Log2Histogram::default();
        for v in [0, 1, 2, 3, 4, 7, 8, u64::MAX] {
            h.record(v, v);
        }
        let c = h.counts();
        assert_eq!((c[0], c[1], c[2], c[3], c[4]), (1, 1, 2, 2, 1));
        assert_eq!(c[BUCKETS - 1], 1, "huge values go to the last bucket");
        assert_eq!(h.count(), 8);
    }

    #[test]
    fn durations_bucket_in_micros_and_sum_in_nanos() {
        let mut h = Log2Histogram::default();
        h.record_duration(Duration::from_nanos(1500));
        assert_eq!(h.counts()[1], 1);
        assert_eq!(h.sum(), 1500);
    }
}
