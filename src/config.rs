//! [`Config`]: every limit and default of the reactor in one place.
//!
//! Owns: the numbers (with the reasons for them). Does not own: enforcing
//! them; each limit's doc names the module that does.
//! The README's "Limits and defaults" section mirrors this file.

use std::time::Duration;

/// Limits and behaviour switches for one [`Reactor`](crate::Reactor).
///
/// Build one with `Config { max_conns: 100, ..Config::default() }`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Capacity of the `mio::Events` buffer: the most events one poll returns.
    /// More ready sources simply wait for the next poll. Default 1024.
    pub events_capacity: usize,
    /// Size of the one read buffer shared by every connection (and UDP
    /// socket). Reads land here first; only bytes a service leaves unconsumed
    /// are copied into a per-connection buffer. Default 64 KiB (at least
    /// 65,536 is used, so any UDP datagram fits).
    pub read_chunk: usize,
    /// Bytes one connection may read per readiness event before it yields to
    /// the others; it is resumed on the next tick without a new event
    /// (`conn::read`). Default 256 KiB.
    pub read_budget: usize,
    /// Connections a listener accepts per tick before yielding (`listener`).
    /// Default 256.
    pub accepts_per_tick: usize,
    /// Open TCP connections allowed at once; more are accepted, sent
    /// [`Service::reject_message`](crate::Service::reject_message), closed
    /// with a short lingering close (FIN, then `linger`; at most 64 at once
    /// per listener, see `listener`), and counted as `rejected`. Default 10,000.
    pub max_conns: usize,
    /// Unconsumed input a connection may hold (a partial frame); more closes
    /// the connection with [`CloseReason::InputTooLarge`](crate::CloseReason).
    /// Protocols set their own. Default 64 KiB.
    pub max_input: usize,
    /// Pending output above which the reactor stops reading from that peer
    /// (backpressure). Default 1 MiB.
    pub high_water: usize,
    /// Pending output below which a paused peer is read again. Default 256 KiB.
    pub low_water: usize,
    /// Hard cap on pending output; a write beyond it closes the connection
    /// with [`CloseReason::OutputTooLarge`](crate::CloseReason). Default 4 MiB.
    pub max_output: usize,
    /// Close connections with no reads or writes for this long. Default off.
    /// Any duration is accepted: one too long to represent (e.g.
    /// `Duration::MAX`) means "never", here and in every duration below.
    pub idle_timeout: Option<Duration>,
    /// The deadline of every close: a connection whose close began (a local
    /// close, the peer's EOF, an idle or input-cap close, or a half-close with
    /// output still queued) and that is still open this long after is
    /// aborted, queued output dropped, and counted as `close_timeouts`.
    /// Without it a peer that stops reading (zero window) would hold the
    /// socket, the slot and up to `max_output` bytes forever (`deadlines`).
    /// Covers the flush, the FIN and the linger. Default 10 s.
    pub close_timeout: Duration,
    /// An `Open` or `Paused` connection whose pending output has made no
    /// progress (the peer stopped reading) for this long is aborted and
    /// counted as `send_timeouts`, even with `idle_timeout` off (nginx's
    /// `send_timeout`). `None` turns it off. Default 60 s.
    pub send_timeout: Option<Duration>,
    /// After accept fails with EMFILE/ENFILE (out of file descriptors), wait
    /// this long before accepting again instead of spinning. Default 100 ms.
    pub accept_retry: Duration,
    /// After a local close has sent everything and a FIN, how long to keep
    /// reading and discarding the peer's bytes so that closing with unread
    /// input does not turn into a RST that destroys our last reply (nginx's
    /// `lingering_close`). Default 2 s.
    pub linger: Duration,
    /// How long a graceful shutdown may spend flushing before it aborts the
    /// connections that are left. Default 5 s.
    pub shutdown_grace: Duration,
    /// Turn SIGINT/SIGTERM into a graceful shutdown (a second signal aborts).
    /// Examples turn this on; tests that run reactors on threads leave it off.
    pub handle_signals: bool,
    /// Set `TCP_NODELAY` on accepted and connected streams. Default on:
    /// request/response protocols suffer from Nagle + delayed ACK.
    pub nodelay: bool,
    /// Switches that reproduce classic event-loop bugs, for learning. All off.
    pub pitfalls: crate::Pitfalls,
    /// An outbound connect not established within this long fails through
    /// [`Service::on_connect_failed`](crate::Service::on_connect_failed)
    /// with `io::ErrorKind::TimedOut` (counted in `connect_timeouts`). A SYN
    /// nobody answers is otherwise retried by the kernel for minutes.
    /// `None`: no limit. Default 10 s.
    pub connect_timeout: Option<Duration>,
    /// Record a timeline of the last ticks and write it, as Chrome Trace
    /// Event Format JSON, when `run()` returns (see `reactor/timeline.rs`).
    /// `None` (the default): off, at the cost of one branch per hook.
    pub timeline: Option<crate::TimelineConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            events_capacity: 1024,
            read_chunk: 64 * 1024,
            read_budget: 256 * 1024,
            accepts_per_tick: 256,
            max_conns: 10_000,
            max_input: 64 * 1024,
            high_water: 1024 * 1024,
            low_water: 256 * 1024,
            max_output: 4 * 1024 * 1024,
            idle_timeout: None,
            close_timeout: Duration::from_secs(10),
            send_timeout: Some(Duration::from_secs(60)),
            accept_retry: Duration::from_millis(100),
            linger: Duration::from_secs(2),
            shutdown_grace: Duration::from_secs(5),
            handle_signals: false,
            nodelay: true,
            pitfalls: crate::Pitfalls::default(),
            connect_timeout: Some(Duration::from_secs(10)),
            timeline: None,
        }
    }
}
