//! Flood control: a token bucket per client for broadcast lines.
//!
//! Owns: the bucket arithmetic. Does not own: what happens to a refused
//! line (`commands.rs` drops it and answers `ERR slow down`).
//!
//! Why: one client broadcasting as fast as it can fills every other
//! client's output, and each slow reader is then disconnected at
//! `--max-output`. The bucket holds `rate` tokens and refills `rate` per
//! second: a burst of `rate` lines passes at once, a steady `rate` lines per
//! second passes forever, and anything faster is dropped.

use std::time::Instant;

pub struct Bucket {
    rate: f64,
    tokens: f64,
    last: Instant,
    /// Lines are being dropped; `ERR slow down` was sent once for this run.
    pub throttled: bool,
}

impl Bucket {
    pub fn new(rate: u32, now: Instant) -> Bucket {
        let rate = f64::from(rate.max(1));
        Bucket {
            rate,
            tokens: rate,
            last: now,
            throttled: false,
        }
    }

    /// May one more line pass at `now`? Takes a token if so.
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.rate);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return true;
        }
        false
    }
}
