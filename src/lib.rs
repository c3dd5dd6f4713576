//! # evloop: a hand-written, single-threaded event loop on mio
//!
//! One thread, one [`mio::Poll`](https://docs.rs/mio/1/mio/struct.Poll.html),
//! one [`slab::Slab`](https://docs.rs/slab/0.4/slab/struct.Slab.html) of sources, and an
//! explicit state machine per connection. No async/await: what tokio hides
//! behind `.await` is written out here, small enough to read in an evening
//! and fast enough to measure against tokio's current-thread runtime.
//!
//! ## A tour
//! 1. [`Reactor::run`] is a list of phases: poll, dispatch, timers, flush,
//!    reap, housekeep. The [`reactor`] module has the diagram of one tick and
//!    the one rule everything follows:
//!    [readiness is a hint; drain until `WouldBlock`](reactor#readiness-is-a-hint-drain-until-wouldblock).
//! 2. A protocol is a [`Service`]: callbacks for open, data, EOF, drained,
//!    close, datagrams, timers and wake-ups. It acts through a [`Ctx`]:
//!    write to any connection by [`Token`], close, set timers, connect.
//!    The [`Service`] page shows a whole protocol (an uppercase line echo)
//!    in thirty lines: start there to write your own.
//! 3. Each TCP connection is a [`ConnState`] machine with buffered output,
//!    backpressure, half-close and lingering close (see `conn`).
//! 4. [`Handle`] reaches the loop from other threads (shutdown, wake,
//!    metrics) through a `mio::Waker`.
//! 5. [`Shards`] runs N such reactors, one per core, behind one port:
//!    share-nothing, each with its own socket (`SO_REUSEPORT`).
//! 6. [`rt`] is the other half: futures and `async`/`await` on the same
//!    loop (one more phase, "run woken tasks"), so the echo server can be
//!    read as a `Service`, as an `async fn` on evloop, and as tokio.
//!
//! To see it run, `docs/walkthrough.md` follows one echo round trip from
//! `accept` to the echoed bytes with the real `RUST_LOG=trace` output, step
//! by step, next to what tokio, mio and Redis's `ae` loop do at each point.
//!
//! ## Concept → file
//! | concept | file |
//! |---|---|
//! | the loop, its phases, the drain rule | `src/reactor/mod.rs` |
//! | routing events, outbound connect | `src/reactor/dispatch.rs` |
//! | the read path, input cap, backpressure, EOF | `src/reactor/read.rs` |
//! | timers, flush, reap | `src/reactor/phases.rs` |
//! | every state's deadline (close, send progress, idle) | `src/reactor/deadlines.rs` |
//! | rate-limited log lines | `src/reactor/ratelog.rs` |
//! | what a service may do | `src/reactor/ctx.rs` |
//! | cross-thread wake-ups | `src/reactor/handle.rs` |
//! | N reactors behind one port (`SO_REUSEPORT`), one per core | `src/shards/` |
//! | graceful shutdown, signals | `src/reactor/shutdown.rs` |
//! | tokens and generations | `src/token.rs` |
//! | connection state machine | `src/conn/state.rs` |
//! | output buffers, buffer pool | `src/conn/buffer.rs` |
//! | accept, max connections, EMFILE | `src/reactor/listener.rs` |
//! | UDP | `src/reactor/udp.rs` |
//! | deadline heap | `src/timer.rs` |
//! | async/await: executor, wakers, leaf futures | `src/rt/` |
//! | future-driven sources (readiness + wakers) | `src/reactor/io_source.rs` |
//! | the "run woken tasks" phase | `src/reactor/tasks.rs` |
//! | limits and defaults | `src/config.rs` |
//! | counters | `src/metrics.rs` |
//! | a timeline of ticks (Chrome trace JSON, for Perfetto) | `src/reactor/timeline.rs` |
//! | histograms of the loop, gauges | `src/stats.rs` |
//! | Prometheus `/metrics`, `/healthz`; routing a listener to another service | `src/services/admin.rs`, `src/services/prometheus.rs`, `src/services/route.rs` |
//! | classic bugs, switchable | `src/pitfalls.rs` |
//! | echo, ack, print | `src/services/` |
//! | framed services, sticky packets | `src/services/framed.rs` |
//! | line and length-prefix framing | `src/codec/` |
//! | HTTP/1.1 parsing | `src/http/request.rs`, `src/http/body.rs`, `src/http/response.rs` |
//! | HTTP/1.1 server service | `src/http/server.rs`, `src/http/exchange.rs`, `src/http/checks.rs`, `src/http/reply.rs` |
//!
//! ## Example
//! ```no_run
//! use evloop::{services::Echo, Config, Reactor};
//! let mut reactor = Reactor::new(Echo, Config { handle_signals: true, ..Config::default() })?;
//! reactor.listen("127.0.0.1:20000".parse().unwrap())?;
//! reactor.run()?; // until Ctrl-C
//! # Ok::<(), std::io::Error>(())
//! ```
#![deny(missing_docs)]

pub mod codec;
mod config;
pub mod conn;
pub mod http;
mod metrics;
mod pitfalls;
pub mod reactor;
pub mod rt;
mod service;
pub mod services;
pub mod shards;
pub mod stats;
mod timer;
pub mod token;

pub use config::Config;
pub use conn::{CloseReason, ConnState};
pub use metrics::Metrics;
pub use pitfalls::{Pitfalls, UnknownPitfall};
pub use reactor::{Ctx, Handle, Reactor, TimelineConfig};
pub use service::Service;
pub use shards::{Bind, Running, Shards, ShardsError, Summary};
pub use timer::TimerId;
pub use token::Token;
