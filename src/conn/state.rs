//! [`ConnState`]: the explicit state machine of one TCP connection.
//!
//! Owns: the states, which operations each allows, and the transition log
//! line. Does not own: performing I/O (`conn/mod.rs` and the reactor phases do).
//!
//! ```text
//!   connect()                       accept()
//!      |                               |
//!      v      writable, no error       v
//!  Connecting ---------------------> Open <------------------------+
//!      | error                      | | | \                       |
//!      v                            | | |  \ output > high_water   | output < low_water
//!   Closed <----- any I/O error     | | |   +---------------> Paused
//!                                   | | |
//!            peer EOF (read 0)      | | | service close(), idle timeout,
//!      +----------------------------+ | | input over max_input
//!      |                              | +-----------------+
//!      v                              |                   v
//!  Draining: no more reads;           | shutdown_write()  Closing: no more reads
//!  flush output, then FIN ---+        v                   or writes; flush output,
//!                            |    WriteShut: flush, FIN;  then FIN
//!                            |    keep reading until EOF      |
//!                            v         |                      v
//!                          Closed <----+               Lingering: read and discard
//!                            ^                          until EOF or the linger
//!                            +--------------------------timer (no RST on unread input)
//! ```
//! `abort()`, the output hard cap and the deadlines below go straight to
//! `Closed`. A `Closed` connection keeps its slab slot until the reap phase at
//! the end of the tick, so an event for it later in the same batch is ignored
//! instead of reaching a new connection in the same slot.
//!
//! # Every state has a deadline
//! A peer can stop reading (zero window) or stop sending at any point, so no
//! state may wait on the peer without a timer behind it (`reactor/deadlines.rs`
//! arms and fires them; the ids live in the `Conn` record and are cancelled
//! at reap):
//!
//! | state | deadline | then |
//! |---|---|---|
//! | `Open` | `idle_timeout` (if set): no reads or writes | `Closing` (`idle_timeouts`) |
//! | `Open`, `Paused` with output queued | `send_timeout` (60 s): no write progress | `Closed` (`send_timeouts`) |
//! | `Closing`, `Draining`, `Lingering`, `WriteShut` with output queued | `close_timeout` (10 s) from the moment the close began | `Closed` (`close_timeouts`) |
//! | `Lingering` | `linger` (2 s) | `Closed` |
//! | `WriteShut` after its FIN | `idle_timeout`, as `Open`: reading only, the peer's turn | `Closing` |
//!
//! The close deadline is armed once, when the close begins, and never pushed
//! back by progress: a peer reading one byte a second cannot stretch a close
//! past `close_timeout`. With the defaults, any connection whose close began
//! is freed within `close_timeout` plus one tick, whatever the peer does.

use std::fmt;

/// Where a connection is in its life. See the module diagram.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConnState {
    /// Outbound connect in progress; writes are queued until it completes.
    Connecting,
    /// Reading and writing.
    Open,
    /// Output passed the high-water mark: not reading until it drains.
    Paused,
    /// We sent (or will send, once output drains) a FIN; still reading.
    WriteShut,
    /// The peer sent EOF: flush what is pending, then FIN and close.
    Draining,
    /// The service closed it: flush what is pending, then FIN and linger.
    Closing,
    /// FIN sent after a local close: discarding input until EOF or timeout.
    Lingering,
    /// Done; the slot is freed at the end of this tick.
    Closed,
}

impl ConnState {
    /// Does the reactor read from the socket in this state?
    pub fn reads(self) -> bool {
        matches!(
            self,
            ConnState::Open | ConnState::WriteShut | ConnState::Lingering
        )
    }

    /// May a service still queue output?
    pub fn accepts_writes(self) -> bool {
        matches!(
            self,
            ConnState::Connecting | ConnState::Open | ConnState::Paused | ConnState::Draining
        )
    }

    /// Has the connection's close begun (it is flushing towards a FIN, or
    /// lingering after it)? These states run under `Config::close_timeout`,
    /// as does `WriteShut` while output is still queued.
    pub(crate) fn closing(self) -> bool {
        matches!(
            self,
            ConnState::Closing | ConnState::Draining | ConnState::Lingering
        )
    }

    /// Is the output buffer written out in this state?
    pub(crate) fn flushes(self) -> bool {
        matches!(
            self,
            ConnState::Open
                | ConnState::Paused
                | ConnState::WriteShut
                | ConnState::Draining
                | ConnState::Closing
        )
    }
}

impl fmt::Display for ConnState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
