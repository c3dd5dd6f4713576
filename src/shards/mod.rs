//! [`Shards`]: N single-threaded reactors behind one port, sharing nothing.
//!
//! Owns: the API and the start: N reactor threads (shards), each with its
//! own [`Reactor`](crate::Reactor), its own service (built on that thread by
//! a factory given the shard index; `shard.rs`) and its own socket on the
//! same address (`socket.rs`). Supervising them is `running.rs`: one
//! SIGINT/SIGTERM shuts every shard down gracefully, a shard that panics or
//! fails shuts the others down and is reported, and [`Running::wait`] hands
//! back every shard's counters (`summary.rs`). A shard may also run an
//! async [`Runtime`](crate::rt::Runtime) around a future instead of a
//! service ([`Shards::start_async`], `rt.rs`), with the same supervision.
//! Does not own: the loop (each shard is an ordinary
//! [`Reactor::run`](crate::Reactor::run)) or choosing a shard for a
//! connection: the kernel does that through `SO_REUSEPORT`.
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

mod rt;
mod running;
mod shard;
mod socket;
mod summary;

pub use running::Running;
pub use summary::{ShardsError, Summary};

use crate::{Config, Handle, Service};
use mio::{Interest, Poll, Waker};
use running::{DONE, SIGNALS};
use shard::{started, Body, ShardStart};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook_mio::v1_0::Signals;
use std::io;
use std::net::SocketAddr;
use std::sync::{mpsc, Arc};
use std::thread;

/// What every shard listens on: a TCP listener or a UDP socket, one per
/// shard, all on this address (port 0: the first shard's free port).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    /// Accept TCP connections ([`Reactor::listen_std`](crate::Reactor::listen_std)).
    Tcp(SocketAddr),
    /// Receive UDP datagrams ([`Reactor::bind_udp_std`](crate::Reactor::bind_udp_std)).
    Udp(SocketAddr),
}

/// How to start N shards; [`start`](Self::start) them.
#[derive(Debug, Clone)]
pub struct Shards {
    threads: usize,
    pin: bool,
    config: Config,
}

impl Shards {
    /// `threads` shards, each a [`Reactor`](crate::Reactor) with a copy of `config`. Limits
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
        self.start_with(bind, factory, |_, _| Ok(()))
    }

    /// [`start`](Self::start), with `setup(i, reactor)` run on shard `i`'s
    /// thread once its socket is registered, before it runs: to add a
    /// source to some shards, e.g. an admin listener on shard 0 (the
    /// examples' `--metrics-addr`). An error there fails the start.
    pub fn start_with<S, F, G>(self, bind: Bind, factory: F, setup: G) -> io::Result<Running>
    where
        S: Service,
        F: Fn(usize) -> S + Send + Sync + 'static,
        G: Fn(usize, &mut crate::Reactor<S>) -> io::Result<()> + Send + Sync + 'static,
    {
        self.launch(
            bind,
            Arc::new(move |i, socket, config, ready: &dyn Fn(Handle)| {
                shard::serve(factory(i), socket, config, &|r| setup(i, r), ready)
            }),
        )
    }

    /// What `start`, `start_with` and `start_async` share: bind, catch the
    /// signals, spawn one thread per shard running `body`, wait until all
    /// are ready.
    fn launch(self, bind: Bind, body: Arc<Body>) -> io::Result<Running> {
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
        let (tx, rx) = mpsc::channel();
        let mut threads = Vec::with_capacity(n);
        let mut spawn_error = None;
        for (i, sock) in sockets.into_iter().enumerate() {
            let mut config = config.clone();
            if let Some(t) = config.timeline.as_mut().filter(|_| n > 1) {
                // One file per shard: `trace.json` becomes `trace.json.shard0`, …
                t.path = format!("{}.shard{i}", t.path.display()).into();
            }
            let shard = ShardStart {
                index: i,
                socket: sock,
                config,
                cpu: (!cpus.is_empty()).then(|| cpus[i % cpus.len()]),
                tx: tx.clone(),
                waker: waker.clone(),
            };
            let body = body.clone();
            let spawned = thread::Builder::new()
                .name(format!("evloop-shard-{i}"))
                .spawn(move || shard.run(&*body));
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
