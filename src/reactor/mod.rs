//! [`Reactor`]: one thread, one `mio::Poll`, one slab, and `run()`.
//!
//! Owns: the loop and its order of phases. Each phase lives in its own file
//! and adds its methods to `Reactor`:
//!
//! ```text
//!   +------------------------------------------------------------------+
//!   |                      one tick of run()                           |
//!   v                                                                  |
//! poll       epoll_wait(timeout): 0 if work is queued, else until the  |
//! (mod.rs)   nearest timer, else forever. Reads the clock once.        |
//!   |                                                                  |
//! dispatch   each event -> its slab entry (stale tokens dropped).      |
//! (dispatch.rs, listener: accept up to N | connection: read until      |
//!  read.rs,  WouldBlock or the budget, service.on_data | UDP: recvmmsg  |
//!  listener.rs, loop | waker, signals. Then the sources parked last     |
//!  udp.rs)   tick (budget, accept cap, backpressure) run without an    |
//!   |        event.                                                    |
//!   |                                                                  |
//! timers     expired deadlines: service timers, idle, send and close   |
//! (phases.rs) deadlines, linger ends, accept retry after EMFILE,       |
//!   |        shutdown deadline.                                        |
//!   |                                                                  |
//! tasks      run woken tasks (`crate::rt`): poll each task on the run  |
//! (tasks.rs) queue, at most `task_budget` per tick; wakers fired by    |
//!   |        dispatch and timers filled the queue. Callback services:  |
//!   |        nothing to do.                                            |
//!   |                                                                  |
//! flush      one write(2) per connection with queued output; WRITABLE  |
//! (phases.rs) interest only while output waits; FIN after the drain;   |
//!   |        backpressure pause and resume.                            |
//!   |                                                                  |
//! reap       free the slots of connections closed this tick, then      |
//! (phases.rs) service.on_close. Freeing last keeps a stale event in    |
//!   |        this batch from reaching a new connection in the slot.    |
//!   |                                                                  |
//! housekeep  shutdown requests (Handle, Ctx, signals); publish the     |
//! (phases.rs) metrics; read the clock a second time for the            |
//!   |        histograms (`stats.rs`) and the timeline (`timeline.rs`). +
//! ```
//!
//! # Readiness is a hint; drain until `WouldBlock`
//! mio on Linux is edge-triggered: an event says "this became ready", once.
//! If we read part of what is buffered and wait for another event, it never
//! comes, and the connection hangs with data in the kernel. So every read
//! and accept loop here runs until the call returns `WouldBlock` (or a short
//! read proves the socket empty, see `read.rs`), or until its budget is
//! spent, in which case the source is parked on the `again` list and resumed
//! next tick without an event. Events can also be spurious (the socket was
//! drained by an earlier loop), so `WouldBlock` on the first call is normal.
//! Every other module links here instead of repeating this rule.

mod core;
mod ctx;
mod deadlines;
mod dispatch;
mod handle;
pub(crate) mod io_source;
mod listener;
mod phases;
mod ratelog;
mod read;
mod shutdown;
mod tasks;
pub(crate) mod timeline;
mod udp;

pub(crate) use self::core::{Core, Phase, Source};
pub use ctx::Ctx;
pub use handle::Handle;
pub(crate) use listener::{oob_inline, StreamOpts};
use timeline::Step;
pub use timeline::TimelineConfig;

use crate::token::WAKER;
use crate::{Config, Metrics, Service, Token};
use listener::Listener;
use log::trace;
use mio::{Events, Interest, Poll};
use std::io;
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use udp::UdpEntry;

/// A single-threaded event loop running one [`Service`].
pub struct Reactor<S: Service> {
    pub(crate) poll: Poll,
    pub(crate) events: Events,
    pub(crate) core: Core,
    pub(crate) service: S,
    /// `states[slot]`: the service's state for the connection in `slot`.
    /// Kept beside, not inside, the slab so that a callback can hold
    /// `&mut S::Conn` and a [`Ctx`] (which borrows the slab) at once.
    pub(crate) states: Vec<Option<S::Conn>>,
    /// The one read buffer every connection and UDP socket reads into.
    pub(crate) read_buf: Vec<u8>,
    /// Where UDP sockets read a batch of datagrams (`udp.rs`; Linux only).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub(crate) udp_rx: udp::RecvBatch,
    /// Swapped with `core.again` each tick (no allocation per tick).
    pub(crate) again_spare: Vec<Token>,
    pub(crate) signals: Option<shutdown::SignalSource>,
}

impl<S: Service> Reactor<S> {
    /// A reactor with nothing registered yet.
    pub fn new(service: S, config: Config) -> io::Result<Self> {
        let poll = Poll::new()?;
        let shared = Arc::new(handle::Shared {
            waker: mio::Waker::new(poll.registry(), WAKER.to_mio())?,
            shutdown: AtomicBool::new(false),
            woken: AtomicBool::new(false),
            metrics: Default::default(),
            snapshot: Default::default(),
            snapshot_wanted: AtomicBool::new(false),
        });
        let registry = poll.registry().try_clone()?;
        let read_buf = vec![0; config.read_chunk.max(65_536)];
        let mut reactor = Reactor {
            poll,
            events: Events::with_capacity(config.events_capacity.max(1)),
            core: Core::new(registry, config, shared),
            service,
            states: Vec::new(),
            read_buf,
            udp_rx: Default::default(),
            again_spare: Vec::new(),
            signals: None,
        };
        // Catch signals from the start, not from `run()`: a program reports
        // "listening on" before it runs, and a SIGINT sent on seeing that
        // line must shut it down gracefully, not kill it. A signal that
        // arrives before `run()` waits in the self-pipe for the first poll.
        reactor.start()?;
        Ok(reactor)
    }

    /// Listen for TCP connections on `addr` (port 0 picks a free port; see
    /// [`local_addr`](Self::local_addr)).
    pub fn listen(&mut self, addr: SocketAddr) -> io::Result<Token> {
        self.listen_mio(mio::net::TcpListener::bind(addr)?)
    }

    /// Listen on a socket you built yourself (already bound and listening),
    /// e.g. with `SO_REUSEPORT` set, as [`Shards`](crate::Shards) does. It
    /// is switched to non-blocking mode here.
    pub fn listen_std(&mut self, listener: std::net::TcpListener) -> io::Result<Token> {
        listener.set_nonblocking(true)?;
        self.listen_mio(mio::net::TcpListener::from_std(listener))
    }

    fn listen_mio(&mut self, listener: mio::net::TcpListener) -> io::Result<Token> {
        let local = listener.local_addr()?;
        let nodelay = self.core.config.nodelay;
        let tok = self.core.insert(|tok, registry| {
            let mut l = Listener::new(listener, local, nodelay);
            registry.register(&mut l.socket, tok.to_mio(), Interest::READABLE)?;
            Ok(Source::Listener(l))
        })?;
        log::info!("listening on {local} (tok={tok})");
        Ok(tok)
    }

    /// Bind a UDP socket; datagrams arrive in [`Service::on_datagram`].
    pub fn bind_udp(&mut self, addr: SocketAddr) -> io::Result<Token> {
        self.bind_udp_mio(mio::net::UdpSocket::bind(addr)?)
    }

    /// [`bind_udp`](Self::bind_udp) with a socket you built and bound
    /// yourself (see [`listen_std`](Self::listen_std)).
    pub fn bind_udp_std(&mut self, socket: std::net::UdpSocket) -> io::Result<Token> {
        socket.set_nonblocking(true)?;
        self.bind_udp_mio(mio::net::UdpSocket::from_std(socket))
    }

    fn bind_udp_mio(&mut self, socket: mio::net::UdpSocket) -> io::Result<Token> {
        let local = socket.local_addr()?;
        let tok = self.core.insert(|tok, registry| {
            let mut u = UdpEntry::new(socket, local);
            registry.register(&mut u.socket, tok.to_mio(), Interest::READABLE)?;
            Ok(Source::Udp(u))
        })?;
        log::info!("udp bound on {local} (tok={tok})");
        Ok(tok)
    }

    /// Start an outbound TCP connection (see [`Ctx::connect`]).
    pub fn connect(&mut self, addr: SocketAddr) -> io::Result<Token> {
        ctx::connect(&mut self.core, addr)
    }

    /// Watch a raw fd you own (e.g. stdin) for readiness; events arrive in
    /// [`Service::on_ready`]. Regular files cannot be watched (epoll refuses
    /// them with `EPERM`); the error is returned so you can fall back.
    pub fn register_fd(&mut self, fd: RawFd, interest: Interest) -> io::Result<Token> {
        self.core.insert(|tok, registry| {
            registry.register(&mut mio::unix::SourceFd(&fd), tok.to_mio(), interest)?;
            Ok(Source::Fd { fd, removed: false })
        })
    }

    /// The local address of a listener or UDP socket.
    pub fn local_addr(&self, tok: Token) -> Option<SocketAddr> {
        match self.core.sources.get(tok.slot()) {
            Some(Source::Listener(l)) if self.core.is_current(tok) => Some(l.local),
            Some(Source::Udp(u)) if self.core.is_current(tok) => Some(u.local),
            _ => None,
        }
    }

    /// A cross-thread handle: `shutdown()`, `wake()`, `metrics()`.
    pub fn handle(&self) -> Handle {
        Handle {
            shared: self.core.shared.clone(),
        }
    }

    /// The counters so far.
    pub fn metrics(&self) -> Metrics {
        self.core.metrics
    }

    /// The loop's histograms so far (tick duration, events per poll, time
    /// asleep).
    pub fn loop_stats(&self) -> &crate::stats::LoopStats {
        &self.core.stats
    }

    /// The service (e.g. to read a client's result after `run()`).
    pub fn service(&self) -> &S {
        &self.service
    }

    /// The service, mutably.
    pub fn service_mut(&mut self) -> &mut S {
        &mut self.service
    }

    /// Take the service back (after `run()`).
    pub fn into_service(self) -> S {
        self.service
    }

    /// Run until shut down (by a [`Handle`], [`Ctx::shutdown`] or a signal)
    /// and every connection is closed. Errors only if polling itself fails.
    pub fn run(&mut self) -> io::Result<()> {
        self.start()?;
        while !self.finished() {
            self.poll()?;
            self.dispatch();
            self.step_done(Step::Dispatch);
            self.fire_timers();
            self.step_done(Step::Timers);
            let stop = self.run_tasks();
            self.step_done(Step::Tasks);
            self.flush();
            self.step_done(Step::Flush);
            self.reap();
            self.step_done(Step::Reap);
            self.housekeep();
            if stop {
                break;
            }
        }
        self.stop_signals();
        if let Some(mut t) = self.core.timeline.take() {
            match t.write() {
                Ok((n, path)) => log::info!("timeline: {n} ticks written to {}", path.display()),
                Err(e) => log::warn!("timeline: cannot write it: {e}"),
            }
        }
        // The counters are for whoever asks (`RUST_LOG=debug`), not every run.
        log::debug!("evloop stopped: {}", self.core.metrics);
        Ok(())
    }

    /// The timeline's phase mark: one branch when it is off.
    #[inline(always)]
    fn step_done(&mut self, step: Step) {
        if let Some(t) = self.core.timeline.as_mut() {
            t.end_step_now(step);
        }
    }

    /// Phase 1: wait for readiness.
    fn poll(&mut self) -> io::Result<()> {
        let core = &mut self.core;
        if let Some(t) = core.timeline.as_mut() {
            t.begin_tick();
        }
        let busy = !core.again.is_empty()
            || !core.to_flush.is_empty()
            || !core.to_reap.is_empty()
            || !core.udp_flush.is_empty();
        let timeout = if busy {
            Some(Duration::ZERO)
        } else {
            core.timers.timeout(core.now)
        };
        trace!("poll timeout={timeout:?}");
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            // A signal interrupted epoll_wait: not an error, just no events.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => self.events.clear(),
            Err(e) => return Err(e),
        }
        core.now = std::time::Instant::now();
        if let Some(t) = core.timeline.as_mut() {
            t.end_step(Step::Poll, core.now);
        }
        let n = self.events.iter().count() as u64;
        let asleep = core.now.saturating_duration_since(core.tick_end);
        core.stats.asleep.record_duration(asleep);
        core.stats.events_per_poll.record(n, n);
        core.metrics.polls += 1;
        core.metrics.events += n;
        core.metrics.max_events_per_poll = core.metrics.max_events_per_poll.max(n);
        trace!("poll events={n}");
        Ok(())
    }
}
