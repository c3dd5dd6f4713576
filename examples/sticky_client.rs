//! Sticky packets (黏包): a client that sends `hello,How are you???` many
//! times as fast as it can, then closes (the tutorial's client).
//!
//! Run:  cargo run --example sticky_server                    (terminal 1)
//!       cargo run --example sticky_client                    (terminal 2)
//!       -> the server prints far fewer than 20 messages: they stuck together.
//! Fix:  add `-- --framing line` (or `length`) to both commands
//!       -> exactly 20 messages.
//! Try:  nc -l 127.0.0.1 9080 | od -c | head     (see the bytes on the wire)
//!
//! Options:
//!   --framing raw|line|length   raw = bare writes, like the tutorial (default);
//!                               line = each message ends in `\n`;
//!                               length = 4-byte big-endian length before each
//!   --count N                   how many messages (default 20)
//!   --addr HOST:PORT            the server (default 127.0.0.1:9080)
//!   -v, --verbose               log more (-v info, -vv debug, -vvv trace; default:
//!                               only warnings and errors; RUST_LOG overrides)
//!
//! It runs on the same reactor as the servers: connect, queue every
//! message (one `ctx.write` each, like one `conn.Write` each in Go), close
//! once `on_drained` says the socket took everything, stop the loop when the
//! connection is gone. The queued writes leave in as few `write(2)` calls as
//! the socket allows, which is exactly why raw messages stick: the bytes of
//! 20 writes are one undivided stream.

mod common;

use evloop::codec::{Codec, Framing};
use evloop::services::AnyCodec;
use evloop::{CloseReason, Ctx, Service, Token};
use std::io;
use std::net::SocketAddr;

const MESSAGE: &[u8] = b"hello,How are you???";

/// Sends `count` messages on one connection, then closes and stops the loop.
struct Sender {
    codec: AnyCodec,
    count: usize,
    /// Bytes queued in total (framing included), for the summary line.
    bytes: usize,
    /// Set if the connection could not be made or broke.
    failure: Option<String>,
}

impl Service for Sender {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) {
        log::info!("connected to {peer} (tok={tok})");
        let mut frame = Vec::new();
        for _ in 0..self.count {
            frame.clear();
            // Raw: the bare bytes. Line/length: the bytes plus a boundary.
            self.codec.encode(MESSAGE, &mut frame);
            ctx.write(tok, &frame);
            self.bytes += frame.len();
        }
        if self.count == 0 {
            ctx.close(tok); // nothing to drain, so on_drained will not come
        }
    }

    fn on_data(&mut self, _ctx: &mut Ctx<'_>, _tok: Token, _: &mut (), input: &[u8]) -> usize {
        input.len() // the server never replies; ignore anything it sends
    }

    fn on_drained(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut ()) {
        // Everything reached the socket: close (graceful: FIN, then wait for
        // the server to close its side too).
        ctx.close(tok);
    }

    fn on_close(&mut self, ctx: &mut Ctx<'_>, _tok: Token, _: (), reason: &CloseReason) {
        if let CloseReason::Error(e) = reason {
            self.failure = Some(format!("connection failed: {e}"));
        }
        ctx.shutdown();
    }

    fn on_connect_failed(&mut self, ctx: &mut Ctx<'_>, _tok: Token, err: io::Error) {
        self.failure = Some(format!("cannot connect: {err}"));
        ctx.shutdown();
    }
}

fn main() {
    let mut args = common::Args::parse(include_str!("sticky_client.rs"));
    let framing: Framing = args.value("framing", Framing::Raw);
    let count: usize = args.value("count", 20);
    let addr = args.addr("127.0.0.1:9080");
    common::init_client_logging(args.verbose());
    args.finish();

    let sender = Sender {
        codec: AnyCodec::new(framing),
        count,
        bytes: 0,
        failure: None,
    };
    let sender = common::dial(sender, addr);
    if let Some(failure) = sender.failure {
        common::fail(format!("{addr}: {failure}"));
    }
    println!(
        "sent {count} messages ({} bytes, {framing} framing) to {addr}",
        sender.bytes
    );
}
