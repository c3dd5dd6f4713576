//! echo_bench: a load generator with latency percentiles, itself running on
//! the evloop reactor (one reactor per `--threads`), so that it is cheap
//! enough not to be the bottleneck. Used by `benches/compare.sh`.
//!
//! Run:  cargo run --release --example tcp_echo_server &
//!       cargo run --release --example echo_bench -- --conns 50 --size 128 --rate 40000 --duration 10
//! Try:  cargo run --release --example echo_bench -- --mode http --rate 20000 --json
//!       (against `cargo run --release --example http_server`; `nc`-free: this IS the client)
//!
//! Options:
//!   --mode MODE          what to do (default tcp-echo); the default --addr
//!                        follows the mode:
//!                        tcp-echo: verify every echoed byte (127.0.0.1:20000);
//!                        tcp-ok: expect one --reply per message, as
//!                        tcp_ok_server sends (127.0.0.1:9090; use --depth 1,
//!                        it answers once per read);
//!                        udp-echo: a datagram unanswered after --timeout is
//!                        lost (127.0.0.1:9090);
//!                        tcp-churn: one connection per op (connect, send
//!                        --size, read the echo, close); --rate is
//!                        connections/s, --conns the concurrent ones
//!                        (127.0.0.1:20000);
//!                        http: keep-alive `GET --path`, body compared with
//!                        --reply (127.0.0.1:9000);
//!                        idle: hold --conns open for --duration, for the
//!                        server's RSS (127.0.0.1:20000);
//!                        serve-http-floor: not a client but a canned
//!                        `HelloWorld` HTTP server (127.0.0.1:9001)
//!   --addr HOST:PORT     the server (default: per mode, above)
//!   --conns N            connections, or UDP sockets (default 50)
//!   --size BYTES         message size (default 64)
//!   --depth N            messages in flight per connection (default 1)
//!   --burst              udp-echo: each socket sends --depth datagrams at
//!                        once and waits for all of them (default: a window)
//!   --duration SECS      measured time (default 10)
//!   --warmup SECS        unmeasured time before it (default 1)
//!   --rate OPS_PER_S     offered ops/s in total, spread over the connections
//!                        (default 0: as fast as the server answers)
//!   --threads N          reactor threads, each with its share of --conns (default 1)
//!   --reply TEXT         tcp-ok: the expected reply (default `ok`); http: the
//!                        expected body (default `HelloWorld`); `\n` escapes work
//!   --path PATH          http: the path to GET (default /go)
//!   --timeout SECS       an answer later than this is a timeout (default 1)
//!   --json               one JSON object instead of the table (default: table)
//!
//! `--rate R` measures latency from each send's intended time (see
//! `run.rs`); without it each connection keeps `--depth` messages in flight.
//!
//! Exit status: 0 only for a clean run. Bad options or a refused connection:
//! one line on stderr, exit 1. Errors, mismatches (an answer with wrong
//! bytes) or timeouts: the results are printed as usual, then one line on
//! stderr, exit 1, so a script cannot mistake a broken server for a fast one.

mod churn;
#[path = "../common/mod.rs"]
mod common;
mod floor;
mod opts;
mod progress;
mod run;
mod stats;
mod tcp;
mod udp;
mod wire;

use evloop::{Config, Handle, Reactor, Service};
use opts::{Mode, Opts};
use progress::Progress;
use stats::Stats;
use std::net::SocketAddr;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

fn main() {
    let opts = Arc::new(opts::parse());
    if opts.mode == Mode::ServeHttpFloor {
        common::init_logging(); // "listening on ..." is for scripts
        let config = Config {
            handle_signals: true,
            ..Config::default()
        };
        common::serve(floor::Floor, config, opts.addr);
        return;
    }
    // The client's own reactors log only trouble (RUST_LOG overrides).
    let logger = simple_logger::SimpleLogger::new().with_level(log::LevelFilter::Warn);
    if let Err(e) = logger.env().init() {
        common::fail(format!("cannot start logging: {e}"));
    }
    let (tx, rx) = mpsc::channel();
    let mut threads = Vec::new();
    let mut progress = Vec::new();
    for t in 0..opts.threads {
        let p = Arc::new(Progress::default());
        progress.push(p.clone());
        let (opts, tx) = (opts.clone(), tx.clone());
        let spawned = thread::Builder::new()
            .name(format!("bench-{t}"))
            .spawn(move || run_thread(t, opts, p, tx));
        threads
            .push(spawned.unwrap_or_else(|e| common::fail(format!("cannot start a thread: {e}"))));
    }
    drop(tx);
    let handles: Vec<Handle> = rx.iter().collect();
    progress::watch(&opts, &threads, &handles, &progress);
    let mut total = Stats::new();
    for t in threads {
        match t.join() {
            Ok(Ok(s)) => total.merge(s),
            Ok(Err(e)) => common::fail(e),
            Err(_) => common::fail("a reactor thread panicked"),
        }
    }
    if let Some(e) = total.fatal.take() {
        common::fail(e);
    }
    if opts.mode == Mode::UdpEcho && total.total_ops == 0 {
        common::fail(format!(
            "no datagram came back from {} (is the server running?)",
            opts.addr
        ));
    }
    if opts.json {
        println!("{}", total.json(&opts));
    } else {
        print!("{}", total.table(&opts));
    }
    let (e, m, t) = (total.errors, total.mismatches, total.timeouts);
    let bad: Vec<String> = [(e, "errors"), (m, "mismatches"), (t, "timeouts")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if !bad.is_empty() {
        common::fail(format!("the run was not clean: {}", bad.join(", ")));
    }
}

/// One reactor: connect (or bind) this thread's share of the connections,
/// then run until the end timer. Sends its `Handle` to `main` once set up.
fn run_thread(
    t: usize,
    opts: Arc<Opts>,
    p: Arc<Progress>,
    tx: mpsc::Sender<Handle>,
) -> Result<Stats, String> {
    let mine = (t..opts.conns).step_by(opts.threads);
    let is_udp = opts.mode == Mode::UdpEcho;
    let tick =
        is_udp || opts.mode == Mode::TcpChurn || (opts.rate > 0.0 && opts.mode != Mode::Idle);
    let run = run::Run::new(opts.clone(), p, tick);
    if is_udp {
        let mut r = reactor(udp::UdpBench::new(run), t)?;
        let local = udp_local(opts.addr);
        for g in mine {
            let tok = r
                .bind_udp(local)
                .map_err(|e| format!("cannot bind a UDP socket on {local}: {e}"))?;
            r.service_mut().add(tok, g);
        }
        go(r, tx).map(|s| s.run.stats)
    } else if opts.mode == Mode::TcpChurn {
        let mut r = reactor(churn::ChurnBench::new(run), t)?;
        mine.for_each(|g| r.service_mut().add(g));
        go(r, tx).map(|s| s.run.stats)
    } else {
        let mut r = reactor(tcp::TcpBench::new(run), t)?;
        for g in mine {
            let tok = r
                .connect(opts.addr)
                .map_err(|e| format!("cannot connect to {}: {e}", opts.addr))?;
            r.service_mut().add(tok, g);
        }
        go(r, tx).map(|s| s.run.stats)
    }
}

fn reactor<S: Service>(service: S, t: usize) -> Result<Reactor<S>, String> {
    let config = Config {
        max_conns: usize::MAX,
        // Only thread 0 takes SIGINT; `watch` then stops the others.
        handle_signals: t == 0,
        linger: Duration::from_millis(200),
        shutdown_grace: Duration::from_secs(2),
        ..Config::default()
    };
    Reactor::new(service, config).map_err(|e| format!("cannot start a reactor: {e}"))
}

/// Wake the reactor once (that starts the clock, in `on_wake`), run it.
fn go<S: Service>(mut r: Reactor<S>, tx: mpsc::Sender<Handle>) -> Result<S, String> {
    let h = r.handle();
    h.wake();
    let _ = tx.send(h);
    drop(tx);
    r.run().map_err(|e| format!("event loop failed: {e}"))?;
    Ok(r.into_service())
}

/// Our end of a UDP conversation with `peer`: loopback for a loopback peer.
fn udp_local(peer: SocketAddr) -> SocketAddr {
    match (peer.is_ipv4(), peer.ip().is_loopback()) {
        (true, true) => "127.0.0.1:0",
        (true, false) => "0.0.0.0:0",
        (false, true) => "[::1]:0",
        (false, false) => "[::]:0",
    }
    .parse()
    .unwrap_or(peer)
}
