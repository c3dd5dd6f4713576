//! [`Metrics`]: counters the reactor keeps about itself.
//!
//! Owns: the counters, their one-line summary (logged at debug level at
//! shutdown), and the copy other threads read through a
//! [`Handle`](crate::Handle).
//! Does not own: deciding what to count; the phase that does a thing counts it.
//!
//! Why two copies: the loop bumps plain `u64`s (no atomics on the hot path)
//! and publishes them once per tick with relaxed stores, which on x86 are
//! ordinary moves. A reader may see a tick-old snapshot, never a torn value.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

macro_rules! metrics {
    ($( $(#[doc = $doc:literal])* $name:ident ),* $(,)?) => {
        /// A snapshot of the reactor's counters.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct Metrics {
            $( $(#[doc = $doc])* pub $name: u64, )*
        }

        impl Metrics {
            /// How many fields [`Metrics::fields`] lists.
            pub const COUNT: usize = [$(stringify!($name)),*].len();

            /// Every field as `(name, its doc text, value)`, in declaration
            /// order: what the Prometheus exposition walks, so a new
            /// counter shows up there (with its doc as `# HELP`) unasked.
            pub fn fields(&self) -> [(&'static str, &'static str, u64); Metrics::COUNT] {
                [ $( (stringify!($name), concat!($($doc, "\n"),*), self.$name), )* ]
            }
        }

        /// The atomics a [`Handle`](crate::Handle) reads.
        #[derive(Default)]
        pub(crate) struct SharedMetrics {
            $( $name: AtomicU64, )*
        }

        impl SharedMetrics {
            pub(crate) fn publish(&self, m: &Metrics) {
                $( self.$name.store(m.$name, Ordering::Relaxed); )*
            }

            pub(crate) fn snapshot(&self) -> Metrics {
                Metrics { $( $name: self.$name.load(Ordering::Relaxed), )* }
            }
        }

        impl fmt::Display for Metrics {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut sep = "";
                $( write!(f, "{sep}{}={}", stringify!($name), self.$name)?; sep = " "; )*
                Ok(())
            }
        }

        /// Field by field, for summing several reactors' counters (as
        /// [`Shards`](crate::Shards) does). Every field adds up, including
        /// `max_events_per_poll`; take the max of that one yourself.
        impl std::ops::AddAssign for Metrics {
            fn add_assign(&mut self, other: Metrics) {
                $( self.$name += other.$name; )*
            }
        }
    };
}

metrics! {
    /// TCP connections accepted and kept.
    accepted,
    /// TCP connections refused because of `max_conns` (sent the reject
    /// message, then closed with a short linger; not in `closed`).
    rejected,
    /// Outbound connections established.
    connected,
    /// TCP connections closed, for any reason.
    closed,
    /// Connections open now (a gauge).
    open_conns,
    /// Times accept failed for lack of file descriptors (EMFILE/ENFILE) and
    /// accepting was paused.
    accept_pauses,
    /// Bytes read from TCP streams.
    bytes_in,
    /// Bytes written to TCP streams.
    bytes_out,
    /// Calls to `Poll::poll`.
    polls,
    /// Readiness events received.
    events,
    /// The most events one poll returned.
    max_events_per_poll,
    /// Stale events ignored (for a slot freed or reused since).
    stale_events,
    /// Times a connection used up its read budget and yielded.
    budget_yields,
    /// Times a connection was paused because its output passed `high_water`.
    backpressure_pauses,
    /// Connections closed because unconsumed input passed `max_input`.
    input_overflows,
    /// Connections closed because pending output passed `max_output`.
    output_overflows,
    /// Connections closed by the idle timeout.
    idle_timeouts,
    /// Connections aborted because their close outlived `close_timeout`.
    close_timeouts,
    /// Connections aborted because their output made no progress for
    /// `send_timeout`.
    send_timeouts,
    /// Connections aborted (not closed gracefully) at shutdown: a second
    /// signal, or `shutdown_grace` ran out. Non-zero means "not clean".
    shutdown_aborts,
    /// UDP datagrams received.
    udp_in,
    /// UDP datagrams sent.
    udp_out,
    /// UDP replies dropped because the socket would block (or failed).
    udp_dropped,
    /// Timers fired.
    timers_fired,
    /// Timers scheduled and not yet fired or cancelled (a gauge).
    timers_live,
    /// Entries in the timer heap, live and cancelled (a gauge; stays within
    /// about twice `timers_live`, see `timer.rs`).
    timer_heap,
    /// Outbound connects failed by `Config::connect_timeout`.
    connect_timeouts,
}
