//! Interactive TCP client: lines you type go to the server; whatever the
//! server sends is printed the moment it arrives (the tutorial's client).
//!
//! Run:  cargo run --example tcp_echo_server       (in another terminal)
//!       cargo run --example tcp_client            (type lines; `q` quits)
//!       printf 'hi\n' | cargo run --example tcp_client   (prints `hi`)
//! Try:  nc -l 127.0.0.1 20000    (a stand-in server: type back at it)
//!
//! Options:  --addr HOST:PORT   the server (default 127.0.0.1:20000; the ok
//!           server is on 9090, the print server on 8888)
//!
//! Each line is sent *with* its newline. `Q`, `q` or `exit` quits. At the
//! end of stdin (Ctrl-D, or the end of a pipe) we half-close: the server
//! sees EOF, and we keep printing until it closes, then exit 0. What the
//! server sends is printed byte for byte, except that a chunk with no
//! newline at all (the ok server's `ok`) gets one, as the Go client's
//! `fmt.Println` does, so each `ok` lands on its own line.
//! Works with the echo, ok, print-only and chat servers alike, because
//! reading and typing are independent.
//!
//! # Two inputs, one thread
//! The Go client blocks in `ReadString` on stdin, so it needs a goroutine
//! to read the socket meanwhile. Here stdin is one more source in the same
//! `Poll` (see `stdin.rs`): `on_ready` says stdin is readable, `on_data`
//! says the socket delivered, and neither ever waits for the other.
//!
//! Flow control: when more than 256 KiB wait to be sent, we stop reading
//! stdin and resume from `on_drained`, so `yes | tcp_client` cannot grow
//! the output queue without bound (and never hits `max_output`).

#[path = "../common/mod.rs"]
mod common;
mod stdin;

use evloop::{CloseReason, Ctx, Service, Token};
use std::io;
use std::net::SocketAddr;
use stdin::{Got, Stdin};

const USAGE: &str = "usage: tcp_client [--addr HOST:PORT]   (type lines; q quits)";
const HIGH_WATER: usize = 256 * 1024;

#[derive(Default)]
struct Client {
    sock: Option<Token>,
    stdin: Option<Stdin>,
    line: Vec<u8>,  // stdin bytes after the last newline
    mid_line: bool, // stdout does not end with a newline
    open: bool,
    stdin_done: bool,
    quitting: bool,
    failed: Option<String>,
}

impl Client {
    /// Read stdin until nothing is left, EOF, or too much output is queued.
    fn pump_stdin(&mut self, ctx: &mut Ctx<'_>) {
        while !self.stdin_done && !self.quitting {
            if self
                .sock
                .is_some_and(|s| ctx.pending_output(s) > HIGH_WATER)
            {
                return; // on_drained calls us again
            }
            let Some(stdin) = &self.stdin else { return };
            match stdin.read() {
                Got::Data(d) => self.stdin_bytes(ctx, &d),
                Got::Eof => self.stdin_eof(ctx),
                Got::Nothing => return,
            }
        }
    }

    fn stdin_bytes(&mut self, ctx: &mut Ctx<'_>, data: &[u8]) {
        self.line.extend_from_slice(data);
        while let Some(i) = self.line.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.line.drain(..=i).collect();
            self.send_line(ctx, &line);
        }
    }

    fn send_line(&mut self, ctx: &mut Ctx<'_>, line: &[u8]) {
        if self.quitting {
            return;
        }
        let text = String::from_utf8_lossy(line);
        if matches!(text.trim_end_matches(['\r', '\n']), "Q" | "q" | "exit") {
            self.quitting = true;
            ctx.shutdown(); // graceful: lines already queued still go out
        } else if let Some(sock) = self.sock {
            // Queued even while still connecting; sent once connected.
            ctx.write(sock, line);
        }
    }

    fn stdin_eof(&mut self, ctx: &mut Ctx<'_>) {
        self.stdin_done = true;
        let rest = std::mem::take(&mut self.line);
        if !rest.is_empty() {
            self.send_line(ctx, &rest); // a last line without a newline
        }
        if let Some(tok) = self.stdin.as_ref().and_then(Stdin::token) {
            ctx.deregister_fd(tok);
        }
        // Half-closing needs an established connection; else on_open does it.
        if let (true, Some(sock)) = (self.open, self.sock) {
            log::info!("end of stdin: sending FIN, still reading");
            ctx.shutdown_write(sock);
        }
    }
}

impl Service for Client {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) {
        log::info!("connected to {peer}");
        self.open = true;
        if self.stdin_done {
            ctx.shutdown_write(tok);
        }
    }

    fn on_data(&mut self, _ctx: &mut Ctx<'_>, _tok: Token, _c: &mut (), input: &[u8]) -> usize {
        if input.contains(&b'\n') {
            stdin::print_all(input);
            self.mid_line = !input.ends_with(b"\n");
        } else {
            stdin::print_all(&[input, b"\n"].concat()); // a reply such as `ok`
            self.mid_line = false;
        }
        input.len()
    }

    fn on_drained(&mut self, ctx: &mut Ctx<'_>, _tok: Token, _c: &mut ()) {
        self.pump_stdin(ctx);
    }

    /// The server closed (or we quit): the session is over.
    fn on_close(&mut self, ctx: &mut Ctx<'_>, _tok: Token, _c: (), reason: &CloseReason) {
        if self.mid_line {
            stdin::print_all(b"\n"); // leave the shell prompt on a line of its own
        }
        log::info!("connection closed: {reason}");
        ctx.shutdown();
    }

    fn on_connect_failed(&mut self, ctx: &mut Ctx<'_>, _tok: Token, err: io::Error) {
        self.failed = Some(format!("cannot connect: {err}"));
        ctx.shutdown();
    }

    /// Polled stdin is readable (or hung up: the read then says EOF).
    fn on_ready(&mut self, ctx: &mut Ctx<'_>, _tok: Token, readable: bool, _writable: bool) {
        if readable {
            self.pump_stdin(ctx);
        }
    }

    /// The stdin thread (the fallback) sent something.
    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        self.pump_stdin(ctx);
    }
}

fn main() {
    common::init_logging();
    let mut args = common::Args::parse(USAGE);
    let server = args.addr("127.0.0.1:20000");
    args.finish();
    let config = evloop::Config {
        handle_signals: true,
        ..evloop::Config::default()
    };
    let mut reactor = evloop::Reactor::new(Client::default(), config)
        .unwrap_or_else(|e| common::fail(format!("cannot start: {e}")));
    let sock = reactor
        .connect(server)
        .unwrap_or_else(|e| common::fail(format!("cannot connect to {server}: {e}")));
    let stdin = Stdin::attach(&mut reactor).unwrap_or_else(|e| common::fail(format!("stdin: {e}")));
    reactor.service_mut().sock = Some(sock);
    reactor.service_mut().stdin = Some(stdin);

    let result = reactor.run();
    // Before any exit: a terminal must not stay non-blocking for the shell.
    let client = reactor.into_service();
    if let Some(stdin) = &client.stdin {
        stdin.restore();
    }
    if let Err(e) = result {
        common::fail(format!("event loop failed: {e}"));
    }
    if let Some(e) = client.failed {
        common::fail(format!("{server}: {e}"));
    }
}
