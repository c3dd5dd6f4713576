//! TCP echo server: every byte a client sends comes back (the tutorial's
//! echo server, and the README's main command).
//!
//! Run:  cargo run --release --example tcp_echo_server
//! Try:  printf 'hello\n' | nc -N 127.0.0.1 20000
//!       (or `cargo run --example tcp_client` and type lines)
//!
//! Options:
//!   --addr HOST:PORT     where to listen (default 127.0.0.1:20000;
//!                        --addr 0.0.0.0:20000 to expose it, as the tutorial does)
//!   --max-conns N        refuse connections beyond N (default 10000)
//!   --idle-timeout SECS  close connections idle this long (default: never)
//!   --max-output BYTES   close a peer whose unsent output passes this (default 4 MiB)
//!   --pitfall NAME       reproduce a classic bug (default: none; repeatable; see
//!                        the README's pitfall table): no-drain, no-outbuf,
//!                        close-on-eof, no-budget, no-emfile-guard, stale-token
//!   --threads N          run N reactors, one per thread, on the same port
//!                        (SO_REUSEPORT; default 1; limits apply per reactor)
//!   --pin                pin reactor i to CPU i
//!   --metrics-addr HOST:PORT
//!                        serve GET /metrics (Prometheus text) and /healthz
//!                        on this address, on the same loop (default: off)
//!   --timeline FILE      write a Chrome-trace timeline of the last ticks to
//!                        FILE at shutdown (Perfetto opens it; default: off)
//!   --timeline-ticks N   ticks the timeline keeps (default 10000)
//!
//! All the work is the reactor's: `Echo::on_data` is two lines. Watch a
//! round trip with `RUST_LOG=trace` (timestamps cut; docs/walkthrough.md
//! walks through every line):
//!
//! ```text
//! [evloop::reactor] poll timeout=None                  <- asleep in epoll_wait
//! [evloop::reactor] poll events=1                      <- a client connected
//! [evloop::reactor::dispatch] event tok=0.0 readable=true ...
//! [evloop::reactor::listener] accept tok=0.0 peer=127.0.0.1:60006
//! [evloop::reactor::listener] accept tok=0.0 WouldBlock         <- drained the backlog
//! [evloop::reactor] poll events=1                      <- "hello\n" arrived
//! [evloop::reactor::dispatch] event tok=1.0 readable=true ...
//! [evloop::reactor::read] read tok=1.0 n=6             <- short read: queue empty
//! [evloop::conn] write tok=1.0 n=6 pending=0           <- flush phase: all sent
//! [evloop::reactor] poll events=1                      <- the client half-closed
//! [evloop::reactor::read] read tok=1.0 EOF
//! [evloop::conn] state tok=1.0 Open -> Draining        <- flush, then close
//! [evloop::conn] state tok=1.0 Draining -> Closed      <- close(2) at reap: our FIN
//! ```
//!
//! `tok=1.0` is slot 1, generation 0: when the slot is reused, the
//! generation changes, so nothing meant for this client can reach the next.

mod common;

fn main() {
    common::init_logging();
    let mut args = common::Args::parse(include_str!("tcp_echo_server.rs"));
    let addr = args.addr("127.0.0.1:20000");
    let config = args.config();
    let cores = args.cores();
    args.finish();
    if config.pitfalls != evloop::Pitfalls::default() {
        log::warn!(
            "running with classic bugs switched on: {:?}",
            config.pitfalls
        );
    }
    common::serve_sharded(cores, config, evloop::Bind::Tcp(addr), |_| {
        evloop::services::Echo
    });
}
