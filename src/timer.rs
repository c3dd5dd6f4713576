//! Timers: one deadline heap that sets the poll timeout.
//!
//! Owns: scheduling, cancelling, and popping expired timers in deadline order.
//! Does not own: what a timer does when it fires (the reactor's timer phase
//! routes each [`TimerKind`]).
//!
//! Like libuv's timer heap and Redis' `ae` time events, the nearest deadline
//! becomes the `poll` timeout, so an idle loop sleeps exactly until the next
//! timer. Cancelling is lazy: the entry leaves the slab at once, and its heap
//! node is skipped when it surfaces. This keeps cancel O(1), which matters
//! because HTTP cancels a head-deadline timer on nearly every request.

use crate::Token;
use slab::Slab;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

/// Names one scheduled timer, so it can be cancelled.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimerId {
    key: usize,
    seq: u64,
}

/// What a timer is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum TimerKind {
    /// A service timer not tied to a connection: `Service::on_timer(tag)`.
    Service { tag: u64 },
    /// A service timer for one connection: `Service::on_conn_timer(tag)`.
    Conn { tok: Token, tag: u64 },
    /// Check a connection for idleness.
    Idle { tok: Token },
    /// End a lingering close.
    Linger { tok: Token },
    /// Resume a listener paused by EMFILE.
    AcceptRetry { tok: Token },
    /// The graceful shutdown ran out of time.
    ShutdownDeadline,
    /// An outbound connect ran out of `Config::connect_timeout`.
    ConnectTimeout { tok: Token },
}

struct Entry {
    seq: u64,
    kind: TimerKind,
}

/// The deadline heap.
#[derive(Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    live: Slab<Entry>,
    next_seq: u64,
}

impl Timers {
    pub(crate) fn add(&mut self, deadline: Instant, kind: TimerKind) -> TimerId {
        self.next_seq += 1;
        let seq = self.next_seq;
        let key = self.live.insert(Entry { seq, kind });
        self.heap.push(Reverse((deadline, seq, key)));
        TimerId { key, seq }
    }

    /// Cancel a timer; a no-op if it already fired or was cancelled.
    pub(crate) fn cancel(&mut self, id: TimerId) {
        if self.live.get(id.key).is_some_and(|e| e.seq == id.seq) {
            self.live.remove(id.key);
        }
        // Without live timers the heap holds only dead nodes: drop them now
        // so a loop that schedules and cancels forever stays bounded.
        if self.live.is_empty() {
            self.heap.clear();
        }
    }

    /// How long until the nearest live deadline (`None`: no timers).
    pub(crate) fn timeout(&mut self, now: Instant) -> Option<Duration> {
        while let Some(Reverse((deadline, seq, key))) = self.heap.peek().copied() {
            if self.live.get(key).is_some_and(|e| e.seq == seq) {
                return Some(deadline.saturating_duration_since(now));
            }
            self.heap.pop();
        }
        None
    }

    /// The newest timer's sequence number: a bound for [`pop_expired`](Self::pop_expired).
    pub(crate) fn last_seq(&self) -> u64 {
        self.next_seq
    }

    /// Pop one timer whose deadline is at or before `now`, among those added
    /// up to `upto` (a [`last_seq`](Self::last_seq)). Timers added later, even
    /// with a deadline of `now`, wait: they sort after every older due timer
    /// (same or later deadline, higher seq), so stopping at one is exact.
    pub(crate) fn pop_expired(&mut self, now: Instant, upto: u64) -> Option<TimerKind> {
        while let Some(Reverse((deadline, seq, key))) = self.heap.peek().copied() {
            if deadline > now || seq > upto {
                return None;
            }
            self.heap.pop();
            if self.live.get(key).is_some_and(|e| e.seq == seq) {
                return Some(self.live.remove(key).kind);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fire_in_deadline_order_and_skip_cancelled() {
        let mut t = Timers::default();
        let now = Instant::now();
        let ms = Duration::from_millis;
        t.add(now + ms(30), TimerKind::Service { tag: 3 });
        let b = t.add(now + ms(20), TimerKind::Service { tag: 2 });
        t.add(now + ms(10), TimerKind::Service { tag: 1 });
        t.cancel(b);
        assert_eq!(t.timeout(now), Some(ms(10)));
        assert_eq!(t.pop_expired(now + ms(5), u64::MAX), None);
        let later = now + ms(40);
        assert_eq!(
            t.pop_expired(later, u64::MAX),
            Some(TimerKind::Service { tag: 1 })
        );
        assert_eq!(
            t.pop_expired(later, u64::MAX),
            Some(TimerKind::Service { tag: 3 })
        );
        assert_eq!(t.pop_expired(later, u64::MAX), None);
        assert_eq!(t.timeout(later), None);
    }

    #[test]
    fn timers_added_after_the_bound_wait_even_if_due() {
        let mut t = Timers::default();
        let now = Instant::now();
        t.add(now, TimerKind::Service { tag: 1 });
        let upto = t.last_seq();
        t.add(now, TimerKind::Service { tag: 2 }); // e.g. re-armed from on_timer
        assert_eq!(
            t.pop_expired(now, upto),
            Some(TimerKind::Service { tag: 1 })
        );
        assert_eq!(t.pop_expired(now, upto), None);
        assert_eq!(
            t.pop_expired(now, t.last_seq()),
            Some(TimerKind::Service { tag: 2 })
        );
    }

    #[test]
    fn cancel_after_fire_does_not_cancel_a_reused_slot() {
        let mut t = Timers::default();
        let now = Instant::now();
        let a = t.add(now, TimerKind::Service { tag: 1 });
        assert!(t.pop_expired(now, u64::MAX).is_some());
        let _b = t.add(now, TimerKind::Service { tag: 2 });
        t.cancel(a); // same slab key as b, older seq
        assert_eq!(
            t.pop_expired(now, u64::MAX),
            Some(TimerKind::Service { tag: 2 })
        );
    }
}
