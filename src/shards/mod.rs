//! [`Shards`]: N single-threaded reactors behind one port, sharing nothing.
//!
//! Owns: starting N reactor threads (shards), each with its own [`Reactor`],
//! its own service (built on that thread by a factory given the shard
//! index) and its own socket on the same address; and supervising them: one
//! SIGINT/SIGTERM shuts every shard down gracefully, a shard that panics or
//! fails shuts the others down and is reported, and [`Running::wait`] hands
//! back every shard's counters. Does not own: the loop (each shard is an
//! ordinary [`Reactor::run`]) or choosing a shard for a connection: the
//! kernel does that through `SO_REUSEPORT` (`socket.rs`).
//!
//! This is how nginx workers, Seastar and the thread-per-core runtimes
//! (glommio, monoio) use every core: not one loop with a thread pool behind
//! it (tokio's multi-thread runtime, Go's scheduler), but N copies of the
//! single-threaded loop. A connection lives on the shard that accepted it
//! for its whole life, so the hot path keeps the single reactor's
//! properties: one thread, one `Poll`, one slab, no locks, no atomics
//! beyond the once-per-tick metrics. What the shards share is only what the
//! supervisor needs: each shard's [`Handle`] (shutdown, wake, metrics).
//! State that must be shared between connections on different shards is
//! the service's problem (see `docs/scaling.md`).
//!
//! ```no_run
//! use evloop::{services::Echo, Bind, Config, Shards};
//! let config = Config { handle_signals: true, ..Config::default() };
//! let addr = "127.0.0.1:20000".parse().unwrap();
//! let running = Shards::new(4, config)?.start(Bind::Tcp(addr), |_shard| Echo)?;
//! match running.wait() {
//!     Ok(summary) => println!("{summary}"), // after Ctrl-C, every shard drained
//!     Err(e) => eprintln!("{e}"),           // a shard panicked; the rest were shut down
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

mod socket;
mod summary;

pub use summary::{ShardsError, Summary};

use crate::{Config, Handle, Reactor, Service};
use mio::{Events, Interest, Poll, Token as MioToken, Waker};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook_mio::v1_0::Signals;
use socket::StdSocket;
use std::io;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};

/// What every shard listens on: a TCP listener or a UDP socket, one per
/// shard, all on this address (port 0: the first shard's free port).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    /// Accept TCP connections ([`Reactor::listen_std`]).
    Tcp(SocketAddr),
    /// Receive UDP datagrams ([`Reactor::bind_udp_std`]).
    Udp(SocketAddr),
}

/// How to start N shards; [`start`](Self::start) them.
#[derive(Debug, Clone)]
pub struct Shards {
    threads: usize,
    pin: bool,
    config: Config,
}

/// Running shards: their address and handles; [`wait`](Self::wait) for them.
/// Dropping it without waiting asks every shard to shut down.
pub struct Running {
    local: SocketAddr,
    handles: Vec<Handle>,
    threads: Vec<JoinHandle<()>>,
    rx: mpsc::Receiver<Msg>,
    poll: Poll,
    /// Kept here, not only in the shards: when the last shard's copy was
    /// the last one, its drop closed the eventfd right after the final
    /// wake, and closing a registered fd takes its pending event with it,
    /// leaving `wait` asleep forever.
    _waker: Arc<Waker>,
    signals: Option<Signals>,
}

/// What a shard thread tells the supervisor.
enum Msg {
    /// Its reactor is up and listening.
    Ready(usize, Handle),
    /// Its thread is ending: `run()` returned, failed, or panicked.
    Done(usize, Result<(), String>),
}

const SIGNALS: MioToken = MioToken(0);
const DONE: MioToken = MioToken(1);

impl Shards {
    /// `threads` shards, each a [`Reactor`] with a copy of `config`. Limits
    /// such as `max_conns` apply per shard (as nginx's `worker_connections`
    /// does per worker). `config.handle_signals` is honoured once, by the
    /// supervisor in [`Running::wait`], never by the shards themselves.
    ///
    /// Errors: 0 threads, or more than one on a platform whose
    /// `SO_REUSEPORT` does not spread connections (anything but Linux).
    pub fn new(threads: usize, config: Config) -> io::Result<Shards> {
        if threads == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "at least one shard is needed",
            ));
        }
        if threads > 1 && !socket::BALANCES {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "more than one shard needs SO_REUSEPORT load balancing (Linux); run one shard",
            ));
        }
        Ok(Shards {
            threads,
            pin: false,
            config,
        })
    }

    /// Pin shard `i` to the `i`-th CPU this process may use (CPU `i` on an
    /// unrestricted machine; wrapping around if there are more shards than
    /// CPUs). Linux only; elsewhere the shards fail to start.
    pub fn pin(mut self, pin: bool) -> Shards {
        self.pin = pin;
        self
    }

    /// Bind every shard's socket, then start the shards; returns once all
    /// are listening. Each shard calls `factory(i)` on its own thread, so
    /// the service need not be `Send`. Errors: a bind fails (nothing is
    /// started), or a shard fails to start (the others are shut down).
    pub fn start<S, F>(self, bind: Bind, factory: F) -> io::Result<Running>
    where
        S: Service,
        F: Fn(usize) -> S + Send + Sync + 'static,
    {
        let n = self.threads;
        // Every socket is bound here, before any thread starts, so a bind
        // error (port in use, bad address) is one plain error.
        let (sockets, local) = socket::bind_all(bind, n)?;
        let cpus = if self.pin {
            let cpus = socket::allowed_cpus()?;
            if cpus.len() < n {
                log::warn!("{n} shards but {} CPUs: some share a CPU", cpus.len());
            }
            cpus
        } else {
            Vec::new()
        };
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), DONE)?);
        // Signals are caught from here on, before any shard says
        // "listening on", so a SIGINT sent on seeing that line is a
        // graceful shutdown (see `reactor::shutdown`).
        let signals = if self.config.handle_signals {
            let mut signals = Signals::new([SIGINT, SIGTERM])?;
            poll.registry()
                .register(&mut signals, SIGNALS, Interest::READABLE)?;
            Some(signals)
        } else {
            None
        };
        let config = Config {
            handle_signals: false,
            ..self.config
        };
        let factory = Arc::new(factory);
        let (tx, rx) = mpsc::channel();
        let mut threads = Vec::with_capacity(n);
        let mut spawn_error = None;
        for (i, sock) in sockets.into_iter().enumerate() {
            let shard = ShardStart {
                index: i,
                socket: sock,
                config: config.clone(),
                cpu: (!cpus.is_empty()).then(|| cpus[i % cpus.len()]),
                tx: tx.clone(),
                waker: waker.clone(),
            };
            let factory = factory.clone();
            let spawned = thread::Builder::new()
                .name(format!("evloop-shard-{i}"))
                .spawn(move || shard.run(&*factory));
            match spawned {
                Ok(t) => threads.push(t),
                Err(e) => {
                    spawn_error = Some(e);
                    break;
                }
            }
        }
        // From here only the shards hold senders: `recv` fails once all ended.
        drop(tx);
        let (handles, threads) = started(&rx, threads, spawn_error)?;
        log::info!("{n} shard(s) on {local}");
        Ok(Running {
            local,
            handles,
            threads,
            rx,
            poll,
            _waker: waker,
            signals,
        })
    }
}

/// Wait until every shard is listening. If one fails first (or a thread
/// could not be spawned), shut down those that started, wait for every
/// thread to end, and return why: never fewer shards than asked for.
fn started(
    rx: &mpsc::Receiver<Msg>,
    threads: Vec<JoinHandle<()>>,
    spawn_error: Option<io::Error>,
) -> io::Result<(Vec<Handle>, Vec<JoinHandle<()>>)> {
    let n = threads.len();
    let mut handles: Vec<Option<Handle>> = vec![None; n];
    let mut done = vec![false; n];
    let mut failure = spawn_error.map(|e| format!("cannot spawn a shard thread: {e}"));
    loop {
        let all_ready = failure.is_none() && handles.iter().all(Option::is_some);
        if all_ready || done.iter().all(|d| *d) {
            break;
        }
        match rx.recv() {
            Err(_) => break, // every shard thread has ended
            Ok(Msg::Ready(i, h)) => {
                if failure.is_some() {
                    h.shutdown();
                }
                handles[i] = Some(h);
            }
            Ok(Msg::Done(i, outcome)) => {
                done[i] = true;
                if failure.is_none() {
                    let why = outcome.err().unwrap_or_else(|| "stopped at once".into());
                    failure = Some(format!("shard {i} {why}"));
                    handles.iter().flatten().for_each(Handle::shutdown);
                }
            }
        }
    }
    if let Some(why) = failure {
        for t in threads {
            let _ = t.join();
        }
        return Err(io::Error::other(format!(
            "{why} while starting; the other shards were shut down"
        )));
    }
    Ok((handles.into_iter().flatten().collect(), threads))
}

/// Everything one shard thread needs, moved into it.
struct ShardStart {
    index: usize,
    socket: StdSocket,
    config: Config,
    cpu: Option<usize>,
    tx: mpsc::Sender<Msg>,
    waker: Arc<Waker>,
}

impl ShardStart {
    /// The shard thread: build, report ready, run; report how it ended,
    /// panics included, so the supervisor never waits on a dead shard.
    fn run<S: Service, F: Fn(usize) -> S>(self, factory: &F) {
        let ShardStart {
            index,
            socket,
            config,
            cpu,
            tx,
            waker,
        } = self;
        // The reactor is dropped by the unwinding (closing its sockets), so
        // nothing observes it half-updated: AssertUnwindSafe is honest.
        let result = catch_unwind(AssertUnwindSafe(|| -> io::Result<()> {
            if let Some(cpu) = cpu {
                socket::pin_current_thread(cpu)
                    .map_err(|e| io::Error::new(e.kind(), format!("pinning to CPU {cpu}: {e}")))?;
            }
            let mut reactor = Reactor::new(factory(index), config)?;
            match socket {
                StdSocket::Tcp(l) => reactor.listen_std(l)?,
                StdSocket::Udp(u) => reactor.bind_udp_std(u)?,
            };
            let _ = tx.send(Msg::Ready(index, reactor.handle()));
            reactor.run()
        }));
        let outcome = match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("failed: {e}")),
            Err(payload) => Err(format!("panicked: {}", summary::panic_message(&*payload))),
        };
        let _ = tx.send(Msg::Done(index, outcome));
        if let Err(e) = waker.wake() {
            log::error!("shard {index}: waking the supervisor failed: {e}");
        }
    }
}

impl Running {
    /// The address every shard listens on (with the real port if it was 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Shard `i`'s handle is `handles()[i]`: its metrics, wake-ups, shutdown.
    pub fn handles(&self) -> &[Handle] {
        &self.handles
    }

    /// Ask every shard to shut down gracefully (what one SIGINT does).
    pub fn shutdown(&self) {
        self.handles.iter().for_each(Handle::shutdown);
    }

    /// Every shard's counters so far.
    pub fn summary(&self) -> Summary {
        Summary {
            shards: self.handles.iter().map(Handle::metrics).collect(),
        }
    }

    /// Supervise until every shard has stopped. When one stops, for any
    /// reason, the others are shut down: a SIGINT/SIGTERM (if
    /// `Config::handle_signals`) shuts all down gracefully, a second one
    /// aborts the wait. `Ok` if every shard's `run()` returned `Ok`;
    /// otherwise which shards panicked or failed, and why.
    pub fn wait(mut self) -> Result<Summary, ShardsError> {
        let n = self.handles.len();
        let mut outcomes: Vec<Option<Result<(), String>>> = vec![None; n];
        let mut stopping = false;
        let mut events = Events::with_capacity(8);
        let mut can_poll = true;
        while outcomes.iter().any(Option::is_none) {
            // Messages first: a shard may have ended before the first poll.
            if let Ok(msg) = self.rx.try_recv() {
                self.on_msg(msg, &mut outcomes, &mut stopping);
                continue;
            }
            if !can_poll {
                match self.rx.recv() {
                    Ok(msg) => self.on_msg(msg, &mut outcomes, &mut stopping),
                    Err(_) => break, // every shard thread has ended
                }
                continue;
            }
            match self.poll.poll(&mut events, None) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Without the poll no signal can reach us: stop all and
                    // wait for the shards' reports alone.
                    log::error!("shards: polling failed: {e}; shutting every shard down");
                    self.shutdown();
                    stopping = true;
                    can_poll = false;
                    continue;
                }
            }
            if events.iter().any(|e| e.token() == SIGNALS) && self.on_signals(&mut stopping) {
                return Err(self.error(&outcomes, true));
            }
        }
        for t in std::mem::take(&mut self.threads) {
            let _ = t.join();
        }
        if outcomes.iter().flatten().any(Result::is_err) {
            return Err(self.error(&outcomes, false));
        }
        Ok(self.summary())
    }

    fn on_msg(&self, msg: Msg, outcomes: &mut [Option<Result<(), String>>], stopping: &mut bool) {
        let Msg::Done(i, outcome) = msg else {
            return; // every Ready was taken by `started`
        };
        match &outcome {
            Err(why) => log::error!("shard {i} {why}"),
            Ok(()) => log::info!("shard {i} stopped"),
        }
        if !*stopping {
            // One shard down means all down: never a process that quietly
            // serves with fewer shards than it was started with.
            log::warn!("shard {i} ended first: shutting the other shards down");
            self.shutdown();
            *stopping = true;
        }
        outcomes[i] = Some(outcome);
    }

    /// SIGINT/SIGTERM: the first shuts every shard down; a second one means
    /// "abort" (returns true), as it does for a single reactor.
    fn on_signals(&mut self, stopping: &mut bool) -> bool {
        let Some(signals) = self.signals.as_mut() else {
            return false;
        };
        let got: Vec<i32> = signals.pending().collect();
        for sig in got {
            let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
            if *stopping {
                log::warn!("received {name} during shutdown: aborting");
                return true;
            }
            log::info!(
                "received {name}: shutting {} shards down gracefully (send it again to abort)",
                self.handles.len()
            );
            self.shutdown();
            *stopping = true;
        }
        false
    }

    fn error(&self, outcomes: &[Option<Result<(), String>>], aborted: bool) -> ShardsError {
        let failed = outcomes
            .iter()
            .enumerate()
            .filter_map(|(i, o)| match o {
                Some(Err(why)) => Some((i, why.clone())),
                _ => None,
            })
            .collect();
        ShardsError {
            failed,
            aborted,
            summary: self.summary(),
        }
    }
}

impl Drop for Running {
    /// Not waited for: ask every shard to stop rather than leave them
    /// serving with no supervisor. (After `wait`, they already have.)
    fn drop(&mut self) {
        self.shutdown();
    }
}
