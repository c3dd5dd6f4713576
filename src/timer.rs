//! Timers: one deadline heap that sets the poll timeout.
//!
//! Owns: scheduling, cancelling, and popping expired timers in deadline order,
//! and keeping the heap as small as the live timers. Does not own: what a
//! timer does when it fires (the reactor's timer phase routes each
//! [`TimerKind`]), or which timers a connection holds (its `Conn` record
//! keeps their ids, and the reap phase cancels them).
//!
//! Like libuv's timer heap and Redis' `ae` time events, the nearest deadline
//! becomes the `poll` timeout, so an idle loop sleeps exactly until the next
//! timer. Cancelling is lazy: the entry leaves the slab at once, and its heap
//! node is skipped when it surfaces. This keeps cancel O(1), which matters
//! because HTTP cancels a head-deadline timer on nearly every request. Lazy
//! nodes of far deadlines (a 60 s idle timer of a connection that lived 1 ms)
//! would otherwise pile up, so once dead nodes outnumber live ones the heap
//! is rebuilt from the live ones: O(n) once per n cancels, and the heap
//! never holds more than about twice the live timers (libuv avoids the dead
//! nodes with an intrusive heap instead; tokio uses a timer wheel).
//!
//! # Huge durations
//! Any delay, up to `Duration::MAX`, is accepted: a delay beyond [`NEVER`]
//! (30 years, as tokio's `Instant::far_future`) is clamped to it, so
//! `now + after` cannot overflow `Instant`, and such a timer simply never
//! fires in the life of the process. The poll timeout is capped too
//! ([`MAX_POLL_WAIT`]), so no platform's millisecond conversion can wrap.

use crate::Token;
use slab::Slab;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::num::NonZeroU64;
use std::time::{Duration, Instant};

/// The longest delay a timer gets: a longer one is "never" and is clamped to
/// this, which every platform's `Instant` can add to the current time.
pub(crate) const NEVER: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

/// The longest single `poll` wait. Waking once a day with nothing to do costs
/// nothing, and keeps the wait far below `i32::MAX` milliseconds.
pub(crate) const MAX_POLL_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Below this many heap nodes, dead ones are not worth a rebuild.
const COMPACT_MIN: usize = 64;

/// `now + after`, saturating: see [Huge durations](self#huge-durations).
pub(crate) fn deadline_after(now: Instant, after: Duration) -> Instant {
    // 30 years past a monotonic clock fits every platform's `Instant` (Linux:
    // 64-bit seconds). Should one ever refuse it, a day still means "not
    // now", which is the one wrong answer for a huge delay.
    now.checked_add(after.min(NEVER))
        .or_else(|| now.checked_add(after.min(MAX_POLL_WAIT)))
        .unwrap_or(now)
}

/// Names one scheduled timer, so it can be cancelled.
///
/// The sequence number is never 0, so an `Option<TimerId>` costs nothing
/// extra in a connection record.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimerId {
    key: usize,
    seq: NonZeroU64,
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
    /// A close that began `Config::close_timeout` ago is still not done.
    CloseDeadline { tok: Token },
    /// Check pending output for progress (`Config::send_timeout`).
    SendStall { tok: Token },
    /// Resume a listener paused by EMFILE.
    AcceptRetry { tok: Token },
    /// The graceful shutdown ran out of time.
    ShutdownDeadline,
    /// An outbound connect ran out of `Config::connect_timeout`.
    ConnectTimeout { tok: Token },
}

struct Entry {
    seq: NonZeroU64,
    kind: TimerKind,
}

/// The deadline heap.
#[derive(Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Instant, NonZeroU64, usize)>>,
    live: Slab<Entry>,
    next_seq: u64,
}

impl Timers {
    /// Schedule `kind` at `deadline` (see [`deadline_after`] for `now + d`).
    pub(crate) fn add(&mut self, deadline: Instant, kind: TimerKind) -> TimerId {
        self.next_seq += 1;
        // `next_seq` starts at 0 and is bumped first, so it is never 0 here.
        let seq = NonZeroU64::new(self.next_seq).unwrap_or(NonZeroU64::MIN);
        let key = self.live.insert(Entry { seq, kind });
        self.heap.push(Reverse((deadline, seq, key)));
        TimerId { key, seq }
    }

    fn is_live(&self, key: usize, seq: NonZeroU64) -> bool {
        self.live.get(key).is_some_and(|e| e.seq == seq)
    }

    /// Cancel a timer; a no-op if it already fired or was cancelled.
    pub(crate) fn cancel(&mut self, id: TimerId) {
        if !self.is_live(id.key, id.seq) {
            return;
        }
        self.live.remove(id.key);
        // Every live timer has exactly one heap node, so the rest are dead.
        let dead = self.heap.len().saturating_sub(self.live.len());
        if dead > self.live.len() && self.heap.len() > COMPACT_MIN {
            let live = &self.live;
            self.heap
                .retain(|Reverse((_, seq, key))| live.get(*key).is_some_and(|e| e.seq == *seq));
        } else if self.live.is_empty() {
            self.heap.clear();
        }
    }

    /// How long until the nearest live deadline (`None`: no timers), at
    /// most [`MAX_POLL_WAIT`].
    pub(crate) fn timeout(&mut self, now: Instant) -> Option<Duration> {
        while let Some(Reverse((deadline, seq, key))) = self.heap.peek().copied() {
            if self.is_live(key, seq) {
                let wait = deadline.saturating_duration_since(now);
                return Some(wait.min(MAX_POLL_WAIT));
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
            if deadline > now || seq.get() > upto {
                return None;
            }
            self.heap.pop();
            if self.is_live(key, seq) {
                return Some(self.live.remove(key).kind);
            }
        }
        None
    }

    /// Timers scheduled and not yet fired or cancelled.
    pub(crate) fn live_len(&self) -> usize {
        self.live.len()
    }

    /// Heap nodes, live and dead (at most about twice [`live_len`](Self::live_len)).
    pub(crate) fn heap_len(&self) -> usize {
        self.heap.len()
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

    #[test]
    fn huge_delays_saturate_instead_of_overflowing() {
        let now = Instant::now();
        for d in [Duration::MAX, Duration::from_secs(u64::MAX / 2), NEVER * 2] {
            let at = deadline_after(now, d);
            assert!(at > now + NEVER / 2, "{d:?} became a near deadline");
        }
        assert_eq!(deadline_after(now, Duration::ZERO), now);
        let ms = Duration::from_millis(5);
        assert_eq!(deadline_after(now, ms), now + ms);

        let mut t = Timers::default();
        t.add(
            deadline_after(now, Duration::MAX),
            TimerKind::Service { tag: 1 },
        );
        // The poll wait is capped and never zero for a "never" timer.
        assert_eq!(t.timeout(now), Some(MAX_POLL_WAIT));
        assert_eq!(t.pop_expired(now + MAX_POLL_WAIT * 365, u64::MAX), None);
    }

    #[test]
    fn cancelled_far_timers_do_not_pile_up_in_the_heap() {
        let mut t = Timers::default();
        let now = Instant::now();
        let far = now + Duration::from_secs(3600);
        // A few long-lived timers, and many short-lived connections whose
        // far idle timers are cancelled when they close.
        for tag in 0..10 {
            t.add(far, TimerKind::Service { tag });
        }
        let mut max_heap = 0;
        for tag in 0..100_000 {
            let id = t.add(far, TimerKind::Service { tag });
            t.cancel(id);
            max_heap = max_heap.max(t.heap_len());
        }
        assert_eq!(t.live_len(), 10);
        assert!(max_heap <= 2 * t.live_len() + COMPACT_MIN + 1, "{max_heap}");
        // Compaction kept the live ones, in order.
        let mut fired = 0;
        while t.pop_expired(far, u64::MAX).is_some() {
            fired += 1;
        }
        assert_eq!((fired, t.heap_len()), (10, 0));
    }

    #[test]
    fn the_heap_stays_within_twice_the_live_timers() {
        let mut t = Timers::default();
        let now = Instant::now();
        let ids: Vec<_> = (0..1000)
            .map(|i| {
                t.add(
                    now + Duration::from_millis(i),
                    TimerKind::Service { tag: i },
                )
            })
            .collect();
        for (i, id) in ids.iter().enumerate() {
            if i % 4 != 0 {
                t.cancel(*id);
                assert!(t.heap_len() <= 2 * t.live_len() + COMPACT_MIN + 1);
            }
        }
        assert_eq!(t.live_len(), 250);
        let tags: Vec<u64> =
            std::iter::from_fn(|| t.pop_expired(now + Duration::from_secs(2), u64::MAX))
                .map(|k| match k {
                    TimerKind::Service { tag } => tag,
                    other => panic!("{other:?}"),
                })
                .collect();
        assert_eq!(tags, (0..1000).step_by(4).collect::<Vec<_>>());
    }

    #[test]
    fn an_unarmed_timer_slot_costs_no_extra_bytes() {
        use std::mem::size_of;
        assert_eq!(size_of::<Option<TimerId>>(), size_of::<TimerId>());
    }
}
