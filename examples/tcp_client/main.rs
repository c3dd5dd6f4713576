//! Interactive TCP client: lines you type go to the server; whatever the
//! server sends is printed the moment it arrives (the tutorial's client).
//!
//! Run:  cargo run --example tcp_echo_server       (in another terminal)
//!       cargo run --example tcp_client            (type lines; `q` quits)
//!       printf 'a\nb\nq\n' | cargo run --example tcp_client   (prints a, b)
//! Try:  nc -l 127.0.0.1 20000    (a stand-in server: type back at it)
//!       cargo run --example tcp_client -- --addr 127.0.0.1:8888 --quit-word none
//!       (the chat server: there `q` is a message and `/quit` ends the session)
//!
//! Options:
//!   --addr HOST:PORT     the server (default 127.0.0.1:20000; the ok server is
//!                        on 9090, the print and chat servers on 8888)
//!   --quit-word WORDS    comma-separated lines that end the session instead of
//!                        being sent, any case (default `q,exit`, so `Q` too);
//!                        `none` sends every line
//!   --wait SECS          after the last line, wait for the server's replies and
//!                        close until it has been silent this long (default 5)
//!   -v, --verbose        log more (-v info, -vv debug, -vvv trace; default: only
//!                        warnings and errors; RUST_LOG overrides)
//!
//! Each line is sent *with* its newline. A quit word (piped or typed) and
//! the end of stdin end the session the same way: stop reading stdin,
//! half-close, keep printing the replies still owed until the server closes
//! (or is silent for `--wait`), exit 0. So the quit does not cut off the
//! echoes of `a` and `b`. Server bytes are printed as they are, except that
//! a chunk with no newline at all (the ok server's `ok`) gets one, as the
//! Go client's `fmt.Println` does. Exit 1, with one line on stderr, when the
//! connect fails, the connection breaks (`Connection reset by peer`), or a
//! second Ctrl-C aborts it. Stdin is one more source of the same loop, with
//! flow control: see `stdin.rs`.

#[path = "../common/mod.rs"]
mod common;
mod stdin;

use evloop::{CloseReason, Ctx, Service, Token};
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use stdin::{Got, Stdin};

const HIGH_WATER: usize = 256 * 1024;

#[derive(Default)]
struct Client {
    sock: Option<Token>,
    stdin: Option<Stdin>,
    line: Vec<u8>,  // stdin bytes after the last newline
    mid_line: bool, // stdout does not end with a newline
    open: bool,
    /// No more lines will be sent (a quit word or the end of stdin).
    done_sending: bool,
    /// Lines that end the session (lowercase); empty: none.
    quit_words: Vec<String>,
    /// How long the server may stay silent once we are done sending.
    wait: Duration,
    /// When the server last sent something (or we stopped sending).
    last_heard: Option<Instant>,
    failed: Option<String>,
}

impl Client {
    /// Read stdin until nothing is left, EOF, or too much output is queued.
    fn pump_stdin(&mut self, ctx: &mut Ctx<'_>) {
        while !self.done_sending {
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
        // A bound: a "line" this long is no quit word; send what we have.
        if self.line.len() > HIGH_WATER && !self.done_sending {
            if let Some(sock) = self.sock {
                ctx.write(sock, &std::mem::take(&mut self.line));
            }
        }
    }

    fn send_line(&mut self, ctx: &mut Ctx<'_>, line: &[u8]) {
        if self.done_sending {
            return; // after a quit word, the rest of the input is not sent
        }
        let text = String::from_utf8_lossy(line);
        let word = text.trim_end_matches(['\r', '\n']).to_lowercase();
        if self.quit_words.contains(&word) {
            self.stop_sending(ctx);
        } else if let Some(sock) = self.sock {
            // Queued even while still connecting; sent once connected.
            ctx.write(sock, line);
        }
    }

    fn stdin_eof(&mut self, ctx: &mut Ctx<'_>) {
        let rest = std::mem::take(&mut self.line);
        if !rest.is_empty() {
            self.send_line(ctx, &rest); // a last line without a newline
        }
        self.stop_sending(ctx);
    }

    /// A quit word or the end of stdin: stop reading stdin, half-close
    /// (after what is queued), and keep printing what the server still
    /// owes until it closes or is silent for `wait`.
    fn stop_sending(&mut self, ctx: &mut Ctx<'_>) {
        if std::mem::replace(&mut self.done_sending, true) {
            return;
        }
        if let Some(tok) = self.stdin.as_ref().and_then(Stdin::token) {
            ctx.deregister_fd(tok);
        }
        // Half-closing needs an established connection; else on_open does it.
        if let (true, Some(sock)) = (self.open, self.sock) {
            log::info!("done sending: sending FIN, still reading");
            ctx.shutdown_write(sock);
        }
        self.last_heard = Some(ctx.now());
        ctx.timer(self.wait, 0);
    }
}

impl Service for Client {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) {
        log::info!("connected to {peer}");
        self.open = true;
        if self.done_sending {
            ctx.shutdown_write(tok);
        }
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, _tok: Token, _c: &mut (), input: &[u8]) -> usize {
        self.last_heard = Some(ctx.now());
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

    /// The server closed, the connection broke, or we quit: the session is over.
    fn on_close(&mut self, ctx: &mut Ctx<'_>, _tok: Token, _c: (), reason: &CloseReason) {
        if self.mid_line {
            stdin::print_all(b"\n"); // leave the shell prompt on a line of its own
        }
        log::info!("connection closed: {reason}");
        if let CloseReason::Error(e) = reason {
            self.failed.get_or_insert(format!("connection lost: {e}"));
        }
        ctx.shutdown();
    }

    fn on_connect_failed(&mut self, ctx: &mut Ctx<'_>, _tok: Token, err: io::Error) {
        self.failed = Some(format!("cannot connect: {err}"));
        ctx.shutdown();
    }

    /// The only timer: has the server been silent for `wait` since we
    /// stopped sending? Then stop waiting for it (that is not an error:
    /// everything we had was sent, the server just keeps its side open).
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, _tag: u64) {
        let since = self.last_heard.unwrap_or_else(|| ctx.now());
        let quiet = ctx.now().saturating_duration_since(since);
        if quiet < self.wait {
            ctx.timer(self.wait - quiet, 0);
            return;
        }
        log::warn!("the server stayed open and silent for {quiet:?}; closing");
        if let Some(sock) = self.sock {
            ctx.abort(sock);
        }
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
    let mut args = common::Args::parse(include_str!("main.rs"));
    let server = args.addr("127.0.0.1:20000");
    let words = args.value("quit-word", "q,exit".to_string());
    let wait: f64 = args.value("wait", 5.0);
    common::init_client_logging(args.verbose());
    args.finish();
    if !(wait.is_finite() && wait > 0.0) {
        common::fail("--wait must be a positive number of seconds");
    }
    let quit_words = match words.trim() {
        "" | "none" => Vec::new(),
        list => list.split(',').map(|w| w.trim().to_lowercase()).collect(),
    };
    let client = Client {
        quit_words,
        wait: Duration::from_secs_f64(wait),
        ..Client::default()
    };
    let config = evloop::Config {
        handle_signals: true,
        ..evloop::Config::default()
    };
    let mut reactor = evloop::Reactor::new(client, config)
        .unwrap_or_else(|e| common::fail(format!("cannot start: {e}")));
    let sock = reactor
        .connect(server)
        .unwrap_or_else(|e| common::fail(format!("cannot connect to {server}: {e}")));
    let stdin = Stdin::attach(&mut reactor).unwrap_or_else(|e| common::fail(format!("stdin: {e}")));
    reactor.service_mut().sock = Some(sock);
    reactor.service_mut().stdin = Some(stdin);

    let result = reactor.run();
    let metrics = reactor.metrics();
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
    common::exit_if_aborted(&metrics);
}
