//! TCP dial: connect to a server, show both ends of the connection, hang
//! up (the tutorial's `net.Dial` client, the smallest one there is).
//!
//! Run:  cargo run --example tcp_print_server     (in another terminal)
//!       cargo run --example tcp_dial
//! Try:  nc -l 127.0.0.1 8888                     (a stand-in server)
//!       cargo run --example tcp_dial -- --addr 127.0.0.1:1   (refused: exit 1)
//!
//! Options:
//!   --addr HOST:PORT     the server (default 127.0.0.1:8888)
//!   --timeout SECS       give up if not connected by then (default 10)
//!   -v, --verbose        log more (-v info, -vv debug, -vvv trace; default: only
//!                        warnings and errors; RUST_LOG overrides)
//!
//! What you see:
//!
//! ```text
//! connected: local=127.0.0.1:53144 peer=127.0.0.1:8888
//! ```
//!
//! or, with nothing listening, one line on stderr and exit code 1:
//!
//! ```text
//! tcp_dial: cannot connect to 127.0.0.1:8888: Connection refused (os error 111)
//! ```
//!
//! # A non-blocking connect, step by step
//! Go's `net.Dial` blocks until the handshake is done. `Reactor::connect`
//! instead calls `connect(2)` on a non-blocking socket, which returns
//! `EINPROGRESS` at once, and registers the socket for WRITABLE. When the
//! handshake ends, either way, the socket becomes writable. The reactor then
//! asks `take_error()` (did it fail? `ECONNREFUSED`, `ETIMEDOUT`...) and
//! `peer_addr()` (`NotConnected` means the wake-up was spurious: keep
//! waiting). Success calls `on_open`, failure calls `on_connect_failed`.
//! Watch it with `RUST_LOG=trace`.
//!
//! A SYN to a host that never answers can wait minutes before the kernel
//! gives up, so `Config::connect_timeout` bounds the wait (`--timeout`):
//! `cannot connect to 127.0.0.1:8888: timed out after 10s`, exit 1.

mod common;

use evloop::{Ctx, Service, Token};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

struct Dial {
    server: SocketAddr,
    /// How it ended; recording it stops the loop.
    outcome: common::Outcome,
}

impl Service for Dial {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) {
        // Our end: the kernel picked an ephemeral port during connect(2).
        let local = ctx
            .local_addr(tok)
            .map_or_else(|| "unknown".to_string(), |a| a.to_string());
        println!("connected: local={local} peer={peer}");
        self.outcome.finish(ctx, Ok(()));
    }

    fn on_data(&mut self, _ctx: &mut Ctx<'_>, _tok: Token, _c: &mut (), input: &[u8]) -> usize {
        input.len() // we hang up at once; a greeting, if any, is ignored
    }

    fn on_connect_failed(&mut self, ctx: &mut Ctx<'_>, _tok: Token, err: io::Error) {
        let why = format!("cannot connect to {}: {err}", self.server);
        // Also `connect_timeout`: "timed out after 10s".
        self.outcome.finish(ctx, Err(why));
    }
}

fn main() {
    let mut args = common::Args::parse(include_str!("tcp_dial.rs"));
    let server = args.addr("127.0.0.1:8888");
    let timeout = Duration::from_secs_f64(args.value("timeout", 10.0_f64).max(0.001));
    common::init_client_logging(args.verbose());
    args.finish();

    let dial = Dial {
        server,
        outcome: common::Outcome::default(),
    };
    let config = evloop::Config {
        handle_signals: true,
        connect_timeout: Some(timeout),
        ..evloop::Config::default()
    };
    common::dial_with(dial, server, config)
        .outcome
        .exit_on_error();
}
