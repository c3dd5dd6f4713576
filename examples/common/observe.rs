//! `--metrics-addr HOST:PORT`: the admin port every server example can
//! open, served by the example's own loop (`evloop::services::Route` sends
//! that listener's connections to `evloop::services::Admin`); and
//! `--timeline FILE` / `--timeline-ticks N` (`Config::timeline`).
//!
//! Plumbing, once for every example: `Args::config` and `Args::cores` (which
//! every server calls) read the options here and keep them for `serve` and
//! `serve_sharded`, so an example's only part is its `Options:` doc line.
//! An example whose doc does not list `--metrics-addr` does not take it
//! (`finish` calls it unknown): a server that runs its reactor itself, as
//! `chat_server` does, must opt in by documenting it and calling [`run`]'s
//! parts itself.

use super::{fail, Args};
use evloop::services::{Admin, Route};
use evloop::{Reactor, Service};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, OnceLock};

/// What the observing options asked for.
#[derive(Debug, Clone, Default)]
pub struct Observe {
    /// `--metrics-addr`: where `GET /metrics` and `GET /healthz` answer.
    pub metrics_addr: Option<SocketAddr>,
    /// `--timeline FILE` and `--timeline-ticks N`.
    pub timeline: Option<evloop::TimelineConfig>,
}

static OBSERVE: OnceLock<Observe> = OnceLock::new();

impl Args {
    /// Read `--metrics-addr` (once; later calls return the same), if the
    /// example documents it.
    pub fn observe(&mut self) -> Observe {
        if let Some(o) = OBSERVE.get() {
            return o.clone();
        }
        if !self.help.contains("--metrics-addr") {
            return Observe::default();
        }
        let metrics_addr = self.get("metrics-addr").map(|text| {
            match text.to_socket_addrs().map(|mut a| a.next()) {
                Ok(Some(addr)) => addr,
                Ok(None) => fail(format!("--metrics-addr {text:?} resolves to no address")),
                Err(e) => fail(format!("bad --metrics-addr {text:?} (want HOST:PORT): {e}")),
            }
        });
        let timeline = self.get("timeline").map(|path| {
            let mut t = evloop::TimelineConfig::new(path);
            t.ticks = self.value("timeline-ticks", t.ticks);
            if t.ticks == 0 {
                fail("--timeline-ticks must be at least 1");
            }
            t
        });
        let o = Observe {
            metrics_addr,
            timeline,
        };
        let _ = OBSERVE.set(o.clone());
        o
    }
}

/// `config` with `--timeline` applied (unless it already has a timeline).
pub fn apply(mut config: evloop::Config) -> evloop::Config {
    if config.timeline.is_none() {
        config.timeline = options().timeline;
    }
    config
}

/// The options read by [`Args::observe`] (none if it was never called).
pub fn options() -> Observe {
    OBSERVE.get().cloned().unwrap_or_default()
}

/// Build a reactor on `bind` and run it until SIGINT; with
/// `--metrics-addr`, the admin listener joins the same loop. Every failure
/// is one line and exit 1. Returns the counters after the run.
pub fn run<S: Service>(service: S, config: evloop::Config, bind: evloop::Bind) -> evloop::Metrics {
    let (result, metrics) = run_then(service, config, bind, |_| {});
    if let Err(e) = result {
        fail(format!("event loop failed: {e}"));
    }
    metrics
}

/// [`run`], calling `started` with the loop's handle before it runs (to
/// start worker threads), and handing back the loop's result instead of
/// failing on it: the reactor (and the service) is dropped by then, so a
/// caller can join its workers first (`chat_server`).
pub fn run_then<S: Service>(
    service: S,
    config: evloop::Config,
    bind: evloop::Bind,
    started: impl FnOnce(evloop::Handle),
) -> (std::io::Result<()>, evloop::Metrics) {
    let config = apply(config);
    let Some(admin) = options().metrics_addr else {
        let mut reactor = start(service, config, bind);
        started(reactor.handle());
        return (reactor.run(), reactor.metrics());
    };
    let mut reactor = start(Route::new(service, Admin::new()), config, bind);
    let tok = reactor
        .listen(admin)
        .unwrap_or_else(|e| fail(format!("cannot listen on --metrics-addr {admin}: {e}")));
    reactor.service_mut().side_listener(tok);
    if let Some(at) = reactor.local_addr(tok) {
        log::info!("metrics on http://{at}/metrics (and /healthz)");
    }
    started(reactor.handle());
    (reactor.run(), reactor.metrics())
}

/// Start the shards; with `--metrics-addr`, shard 0 also listens there and
/// reports every shard (`Admin::for_shards`, a `shard` label on each
/// sample), still on a reactor loop, not a side thread.
pub fn start_shards<S, F>(
    shards: evloop::Shards,
    bind: evloop::Bind,
    factory: F,
) -> std::io::Result<evloop::Running>
where
    S: Service,
    F: Fn(usize) -> S + Send + Sync + 'static,
{
    let Some(admin) = options().metrics_addr else {
        return shards.start(bind, factory);
    };
    let handles = Arc::new(OnceLock::new());
    let all = handles.clone();
    let routed = move |i| Route::new(factory(i), Admin::for_shards(i, all.clone()));
    let bound = Arc::new(OnceLock::new());
    let at = bound.clone();
    let running = shards.start_with(bind, routed, move |i, reactor| {
        if i == 0 {
            let tok = reactor.listen(admin)?;
            reactor.service_mut().side_listener(tok);
            let _ = at.set(reactor.local_addr(tok));
        }
        Ok(())
    })?;
    let _ = handles.set(running.handles().to_vec());
    // Announced only now: a scrape before `handles` is set would see shard 0 alone.
    if let Some(Some(at)) = bound.get() {
        log::info!("metrics on http://{at}/metrics (and /healthz)");
    }
    Ok(running)
}

fn start<S: Service>(service: S, config: evloop::Config, bind: evloop::Bind) -> Reactor<S> {
    let mut reactor =
        Reactor::new(service, config).unwrap_or_else(|e| fail(format!("cannot start: {e}")));
    let bound = match bind {
        evloop::Bind::Tcp(addr) => reactor.listen(addr),
        evloop::Bind::Udp(addr) => reactor.bind_udp(addr),
    };
    if let Err(e) = bound {
        fail(format!("cannot listen on {bind:?}: {e}"));
    }
    reactor
}
