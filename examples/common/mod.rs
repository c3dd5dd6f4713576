//! Shared by the examples: argument parsing and `--help`, logging, and
//! failing with one readable line. Not part of the library: a real program
//! would use `clap`; this stays small so each example reads top to bottom.
//!
//! `--help` is the example's own `//!` doc comment (passed in with
//! `include_str!`), so the options are documented in exactly one place:
//! everything from the top of the doc through its `Options:` paragraph is
//! printed. In debug builds (what `cargo test` runs) an option the code
//! reads but that paragraph does not mention is refused, so the two cannot
//! drift apart.
#![allow(dead_code)] // each example uses a different subset

pub mod observe;

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::exit;
use std::str::FromStr;
use std::time::Duration;

/// Print one clear line to stderr and exit 1 (never a panic backtrace).
pub fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("{}: {msg}", program());
    exit(1)
}

fn program() -> String {
    std::env::args()
        .next()
        .and_then(|p| p.rsplit('/').next().map(str::to_string))
        .unwrap_or_else(|| "example".into())
}

/// Servers: log to stderr through `simple_logger`, level from `RUST_LOG`
/// (default info, so `listening on ...` shows).
pub fn init_logging() {
    start_logger(log::LevelFilter::Info);
}

/// Clients: only warnings and errors by default, so the result is what you
/// see; `-v` adds info, `-vv` debug, `-vvv` trace (`RUST_LOG` overrides).
pub fn init_client_logging(verbose: usize) {
    start_logger(match verbose {
        0 => log::LevelFilter::Warn,
        1 => log::LevelFilter::Info,
        2 => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    });
}

fn start_logger(level: log::LevelFilter) {
    let logger = simple_logger::SimpleLogger::new().with_level(level).env();
    if let Err(e) = logger.init() {
        fail(format!("cannot start logging: {e}"));
    }
}

/// The `--help` text of an example: its `//!` doc from the top through the
/// `Options:` paragraph (and the pitfall names, if it takes `--pitfall`).
pub fn help_text(source: &str) -> String {
    let doc: Vec<&str> = source
        .lines()
        // `//!` docs; the peers' plain `//` header works too.
        .map_while(|l| l.strip_prefix("//!").or_else(|| l.strip_prefix("//")))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let mut out = String::new();
    let mut in_options = false;
    for line in doc {
        if line.trim().is_empty() && in_options {
            break;
        }
        in_options |= line.starts_with("Options:");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if out.contains("--pitfall") && !out.contains("no-emfile-guard") {
        let names = evloop::Pitfalls::NAMES.join(", ");
        out.push_str(&format!("  (--pitfall names: {names})\n"));
    }
    out
}

/// `--key value`, `--key=value`, `--flag`, `-v` and positional arguments.
pub struct Args {
    /// The `--help` text: the only place options are described.
    help: String,
    opts: Vec<(String, Option<String>)>,
    positional: Vec<String>,
    verbose: usize,
    used: Vec<String>,
}

impl Args {
    /// Parse `std::env::args()`. `source` is the example's own source file
    /// (`include_str!("this_file.rs")`): `--help` and `-h` print its doc
    /// (see [`help_text`]) and exit 0.
    pub fn parse(source: &'static str) -> Args {
        let help = help_text(source);
        let mut opts = Vec::new();
        let mut positional = Vec::new();
        let mut verbose = 0;
        let mut it = std::env::args().skip(1).peekable();
        while let Some(arg) = it.next() {
            if arg == "-h" || arg == "--help" {
                print!("{help}");
                exit(0);
            }
            if arg == "--verbose" {
                verbose += 1;
                continue;
            }
            if let Some(vs) = arg.strip_prefix('-').filter(|v| !v.is_empty()) {
                if vs.bytes().all(|b| b == b'v') {
                    verbose += vs.len(); // -v, -vv, -vvv
                    continue;
                }
            }
            let Some(key) = arg.strip_prefix("--") else {
                if arg.starts_with('-') && arg.len() > 1 {
                    fail(format!("unknown option {arg} (--help lists the options)"));
                }
                positional.push(arg);
                continue;
            };
            match key.split_once('=') {
                Some((k, v)) => opts.push((k.to_string(), Some(v.to_string()))),
                None => {
                    let value = it.next_if(|next| !next.starts_with("--"));
                    opts.push((key.to_string(), value));
                }
            }
        }
        Args {
            help,
            opts,
            positional,
            verbose,
            used: Vec::new(),
        }
    }

    /// Note that `--key` is read; in debug builds, refuse a key the help
    /// text does not mention (an undocumented option is a bug).
    fn mark(&mut self, key: &str) {
        if cfg!(debug_assertions) && !self.help.contains(&format!("--{key}")) {
            fail(format!(
                "--{key} is read by the code but missing from the Options of the doc comment (--help)"
            ));
        }
        self.used.push(key.to_string());
    }

    /// The value of `--key`, if given (the last one wins).
    pub fn get(&mut self, key: &str) -> Option<String> {
        self.mark(key);
        let found = self.opts.iter().rev().find(|(k, _)| k == key)?;
        match &found.1 {
            Some(v) => Some(v.clone()),
            None => fail(format!("--{key} needs a value (--help lists the options)")),
        }
    }

    /// Every value of a repeatable `--key`.
    pub fn all(&mut self, key: &str) -> Vec<String> {
        self.mark(key);
        let vals: Vec<_> = self
            .opts
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect();
        vals.into_iter()
            .map(|v| v.unwrap_or_else(|| fail(format!("--{key} needs a value"))))
            .collect()
    }

    /// `--key` parsed as `T`, or `default`.
    pub fn value<T: FromStr>(&mut self, key: &str, default: T) -> T
    where
        T::Err: std::fmt::Display,
    {
        match self.get(key) {
            None => default,
            Some(v) => v
                .parse()
                .unwrap_or_else(|e| fail(format!("bad --{key} {v:?}: {e}"))),
        }
    }

    /// `--key SECS` as a positive duration, or `default`.
    pub fn seconds(&mut self, key: &str, default: Duration) -> Duration {
        let secs: f64 = self.value(key, default.as_secs_f64());
        if !(secs > 0.0 && secs.is_finite()) {
            fail(format!("--{key} must be a positive number of seconds"));
        }
        Duration::from_secs_f64(secs)
    }

    /// Is the flag `--key` present?
    pub fn flag(&mut self, key: &str) -> bool {
        self.mark(key);
        self.opts.iter().any(|(k, v)| k == key && v.is_none())
    }

    /// How many `-v` (or `--verbose`) were given; only clients take them.
    pub fn verbose(&mut self) -> usize {
        self.mark("verbose");
        self.verbose
    }

    /// The next positional argument (`what` names it in the error).
    pub fn positional(&mut self, what: &str) -> String {
        if self.positional.is_empty() {
            fail(format!("missing {what} (--help shows how to run it)"));
        }
        self.positional.remove(0)
    }

    /// `--addr`, resolved (a host name is fine), or `default`.
    pub fn addr(&mut self, default: &str) -> SocketAddr {
        let text = self.get("addr").unwrap_or_else(|| default.to_string());
        match text.to_socket_addrs().map(|mut a| a.next()) {
            Ok(Some(addr)) => addr,
            Ok(None) => fail(format!("--addr {text:?} resolves to no address")),
            Err(e) => fail(format!("bad --addr {text:?} (want HOST:PORT): {e}")),
        }
    }

    /// The reactor limits every server example accepts:
    /// `--max-conns N`, `--idle-timeout SECS`, `--max-output BYTES`, `--pitfall NAME`.
    pub fn config(&mut self) -> evloop::Config {
        self.observe(); // --metrics-addr, for `serve` (observe.rs)
        let mut c = evloop::Config {
            handle_signals: true,
            ..evloop::Config::default()
        };
        c.max_conns = self.value("max-conns", c.max_conns);
        c.max_output = self.value("max-output", c.max_output);
        let idle: f64 = self.value("idle-timeout", 0.0);
        if idle > 0.0 {
            c.idle_timeout = Some(Duration::from_secs_f64(idle));
        }
        for name in self.all("pitfall") {
            c.pitfalls.enable(&name).unwrap_or_else(|e| fail(e));
        }
        c
    }

    /// `--threads N` (default 1: one reactor on the main thread) and `--pin`,
    /// for [`serve_sharded`]. 0 or a non-number is a usage error.
    pub fn cores(&mut self) -> Cores {
        self.observe(); // --metrics-addr, for `serve_sharded` (observe.rs)
        let threads = match self.get("threads") {
            None => 1,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => fail(format!(
                    "bad --threads {text:?}: want the number of reactor threads, 1 or more (--help lists the options)"
                )),
            },
        };
        Cores {
            threads,
            pin: self.flag("pin"),
        }
    }

    /// Fail on options nobody asked for (a typo should not be ignored).
    pub fn finish(self) {
        for (k, _) in &self.opts {
            if !self.used.contains(k) {
                fail(format!("unknown option --{k} (--help lists the options)"));
            }
        }
        if self.verbose > 0 && !self.used.iter().any(|k| k == "verbose") {
            fail("unknown option -v (--help lists the options)");
        }
        if let Some(extra) = self.positional.first() {
            fail(format!(
                "unexpected argument {extra:?} (--help lists the options)"
            ));
        }
    }
}

/// After `run()`: a shutdown that had to abort connections (a second
/// Ctrl-C, or `shutdown_grace` ran out) is not a clean exit.
pub fn exit_if_aborted(metrics: &evloop::Metrics) {
    if metrics.shutdown_aborts > 0 {
        fail(format!(
            "shutdown was not clean: {} connection(s) aborted (second signal, or the grace period ran out)",
            metrics.shutdown_aborts
        ));
    }
}

/// Build a reactor, listen on `addr`, run until SIGINT; every failure is one
/// line and exit 1. With `--metrics-addr`, `/metrics` is served by the same loop.
pub fn serve<S: evloop::Service>(service: S, config: evloop::Config, addr: SocketAddr) {
    exit_if_aborted(&observe::run(service, config, evloop::Bind::Tcp(addr)));
}

/// How many reactors to run (`--threads`) and whether to pin each to a CPU (`--pin`).
#[derive(Debug, Clone, Copy)]
pub struct Cores {
    pub threads: usize,
    pub pin: bool,
}

/// [`serve`] on `cores.threads` reactors, one per thread, each with its own
/// service from `factory(shard)` and its own socket on `bind`'s address
/// (`evloop::Shards`, `SO_REUSEPORT`). One thread unpinned (the default) is
/// exactly one reactor on the main thread, TCP or UDP. Ctrl-C drains every
/// shard and logs one summary; a shard that panics stops all, exit 1.
pub fn serve_sharded<S, F>(cores: Cores, config: evloop::Config, bind: evloop::Bind, factory: F)
where
    S: evloop::Service,
    F: Fn(usize) -> S + Send + Sync + 'static,
{
    if cores.threads == 1 && !cores.pin {
        exit_if_aborted(&observe::run(factory(0), config, bind));
        return;
    }
    let shards = evloop::Shards::new(cores.threads, observe::apply(config))
        .map(|shards| shards.pin(cores.pin));
    let running = shards
        .and_then(|shards| observe::start_shards(shards, bind, factory))
        .unwrap_or_else(|e| {
            fail(format!(
                "cannot start {} shards on {bind:?}: {e}",
                cores.threads
            ))
        });
    match running.wait() {
        Ok(summary) => log::info!("shards stopped: {summary}"),
        Err(e) => {
            log::info!("shards stopped: {}", e.summary);
            fail(e);
        }
    }
}

/// Build a reactor (with signal handling), start a connection to `server`,
/// run until the service shuts the loop down, and hand the service back.
/// Before the first event the loop calls `on_wake` once, so a client can set
/// its timers there. Every failure is one line and exit 1.
pub fn dial<S: evloop::Service>(service: S, server: SocketAddr) -> S {
    let config = evloop::Config {
        handle_signals: true,
        ..evloop::Config::default()
    };
    dial_with(service, server, config)
}

/// [`dial`] with a config of your own (e.g. a `connect_timeout`).
pub fn dial_with<S: evloop::Service>(service: S, server: SocketAddr, config: evloop::Config) -> S {
    let mut reactor = evloop::Reactor::new(service, config)
        .unwrap_or_else(|e| fail(format!("cannot start: {e}")));
    // Errors found before the handshake starts (no route, bad family) come
    // back here rather than in `on_connect_failed`.
    reactor
        .connect(server)
        .unwrap_or_else(|e| fail(format!("cannot connect to {server}: {e}")));
    reactor.handle().wake();
    if let Err(e) = reactor.run() {
        fail(format!("event loop failed: {e}"));
    }
    exit_if_aborted(&reactor.metrics());
    reactor.into_service()
}

/// How a client example ended. The first outcome wins; recording it also
/// shuts the loop down gracefully (our FIN goes out after what is queued),
/// so `run()` returns and `main` turns the outcome into an exit code.
#[derive(Default)]
pub struct Outcome(Option<Result<(), String>>);

impl Outcome {
    /// Record `result` (a no-op once one is recorded) and stop the loop.
    pub fn finish(&mut self, ctx: &mut evloop::Ctx<'_>, result: Result<(), String>) {
        if self.0.is_none() {
            self.0 = Some(result);
            ctx.shutdown();
        }
    }

    /// `None` if the loop ended without one (e.g. Ctrl-C).
    pub fn into_result(self) -> Option<Result<(), String>> {
        self.0
    }

    /// After `run()`: exit 1 with the error's one line, if there was one.
    /// `None` (interrupted before an outcome) is a clean exit too.
    pub fn exit_on_error(self) {
        if let Some(Err(e)) = self.0 {
            fail(e);
        }
    }
}
