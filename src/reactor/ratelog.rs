//! [`RateLimitedLog`]: at most one log line per interval for an event that a
//! remote peer can cause at will, with a count of the lines it held back.
//!
//! Owns: the decision "log this one now, or count it". Does not own: the
//! line itself or its level (the caller formats and logs it), or any timer:
//! held-back events are reported on the next line that is let through, so
//! a burst that stops is summed up by the next event of its kind, not at
//! once.
//!
//! Why: an operator wants to see an idle-timeout close or a `max_conns`
//! rejection when it happens (`info`), but a flood of them from one attacker
//! must not fill the disk or cost a `write(2)` per event. The idle timeout
//! uses one (`deadlines.rs`); any other per-event log line can hold its own.
//! Like the kernel's `printk_ratelimit` and nginx's `limit_req_log_level`
//! in spirit, minus the burst allowance.

use std::time::{Duration, Instant};

/// One rate-limited log line: `admit` says whether to log it now.
///
/// ```ignore
/// if let Some(held_back) = self.idle_log.admit(now) {
///     info!("closed idle connection{}", RateLimitedLog::suffix(held_back));
/// }
/// ```
#[derive(Debug)]
pub(crate) struct RateLimitedLog {
    interval: Duration,
    last: Option<Instant>,
    held_back: u64,
}

impl RateLimitedLog {
    /// At most one line per `interval`.
    pub(crate) const fn new(interval: Duration) -> Self {
        RateLimitedLog {
            interval,
            last: None,
            held_back: 0,
        }
    }

    /// One line a second: the default for peer-triggered events.
    pub(crate) const fn per_second() -> Self {
        Self::new(Duration::from_secs(1))
    }

    /// An event happened at `now`. `Some(n)`: log it now, and say that `n`
    /// earlier ones were held back since the last line. `None`: counted, not
    /// logged.
    pub(crate) fn admit(&mut self, now: Instant) -> Option<u64> {
        let due = self
            .last
            .is_none_or(|last| now.saturating_duration_since(last) >= self.interval);
        if due {
            self.last = Some(now);
            Some(std::mem::take(&mut self.held_back))
        } else {
            self.held_back += 1;
            None
        }
    }

    /// `""`, or `" (N more since the last such line, not logged)"`, to end the line with.
    pub(crate) fn suffix(held_back: u64) -> String {
        if held_back == 0 {
            String::new()
        } else {
            format!(" ({held_back} more since the last such line, not logged)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_and_the_rest_are_counted() {
        let mut log = RateLimitedLog::per_second();
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(log.admit(t0), Some(0));
        for i in 1..=999 {
            assert_eq!(log.admit(t0 + ms(i)), None, "at {i} ms");
        }
        assert_eq!(log.admit(t0 + ms(1000)), Some(999));
        assert_eq!(log.admit(t0 + ms(1500)), None);
        assert_eq!(log.admit(t0 + ms(5000)), Some(1));
        assert_eq!(log.admit(t0 + ms(6000)), Some(0));
        assert_eq!(RateLimitedLog::suffix(0), "");
        assert_eq!(
            RateLimitedLog::suffix(7),
            " (7 more since the last such line, not logged)"
        );
    }

    #[test]
    fn a_clock_that_goes_backwards_does_not_panic() {
        let mut log = RateLimitedLog::per_second();
        let t0 = Instant::now() + Duration::from_secs(10);
        assert_eq!(log.admit(t0), Some(0));
        assert_eq!(log.admit(t0 - Duration::from_secs(5)), None);
    }
}
