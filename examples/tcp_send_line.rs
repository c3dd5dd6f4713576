//! TCP send line: read one line from stdin, send it to a server, report
//! how many bytes went out, hang up (the tutorial's client that reads a
//! line with `bufio.NewReader(os.Stdin)` and writes it to the connection).
//!
//! Run:  cargo run --example tcp_print_server      (in another terminal)
//!       echo hello | cargo run --example tcp_send_line
//! Try:  nc -l 127.0.0.1 8888                      (a stand-in server)
//!       cargo run --example tcp_send_line -- --addr 127.0.0.1:9090  (the ok server)
//!
//! Options:
//!   --addr HOST:PORT     the server (default 127.0.0.1:8888)
//!   -v, --verbose        log more (-v info, -vv debug, -vvv trace; default: only
//!                        warnings and errors; RUST_LOG overrides)
//!
//! What you see, for `hello`: `sent 6 bytes` (five letters and the newline),
//! and the print server shows `127.0.0.1:53144: hello`. A line typed without
//! a final newline (Ctrl-D mid-line) gets one added: a line is a line.
//!
//! # "Sent" means "the kernel has it"
//! `ctx.write` only queues. The flush phase writes the queue to the socket,
//! and `on_drained` is called when all of it was accepted by the kernel. So
//! `sent N bytes` is printed from `on_drained`, not after `write`: that is
//! the earliest moment it is true. (It still does not mean the server read
//! it; only an answer can tell you that. Closing right away is safe: the
//! kernel sends what it has before our FIN.)
//!
//! Reading stdin *before* starting the reactor is a blocking call, and
//! that is fine here: nothing else is running yet. Once the loop runs,
//! nothing may block (see `tcp_client` for stdin inside the loop).

mod common;

use evloop::{CloseReason, Ctx, Service, Token};
use std::io::{self, BufRead};
use std::net::SocketAddr;

struct SendLine {
    server: SocketAddr,
    line: Vec<u8>,
    /// How it ended; recording it stops the loop.
    outcome: common::Outcome,
}

impl Service for SendLine {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) {
        log::info!("connected to {peer}");
        ctx.write(tok, &self.line);
    }

    fn on_data(&mut self, _ctx: &mut Ctx<'_>, _tok: Token, _c: &mut (), input: &[u8]) -> usize {
        // An answer (e.g. the ok server's) is shown, not required.
        log::info!("server said {:?}", String::from_utf8_lossy(input));
        input.len()
    }

    fn on_drained(&mut self, ctx: &mut Ctx<'_>, _tok: Token, _c: &mut ()) {
        println!("sent {} bytes", self.line.len());
        self.outcome.finish(ctx, Ok(()));
    }

    fn on_close(&mut self, ctx: &mut Ctx<'_>, _tok: Token, _c: (), reason: &CloseReason) {
        let why = format!(
            "connection to {} closed before the line was sent: {reason}",
            self.server
        );
        self.outcome.finish(ctx, Err(why)); // a no-op if the line went out
    }

    fn on_connect_failed(&mut self, ctx: &mut Ctx<'_>, _tok: Token, err: io::Error) {
        let why = format!("cannot connect to {}: {err}", self.server);
        self.outcome.finish(ctx, Err(why));
    }
}

fn main() {
    let mut args = common::Args::parse(include_str!("tcp_send_line.rs"));
    let server = args.addr("127.0.0.1:8888");
    common::init_client_logging(args.verbose());
    args.finish();

    let mut line = Vec::new();
    match io::stdin().lock().read_until(b'\n', &mut line) {
        Ok(0) => common::fail("no line on stdin (try: echo hello | tcp_send_line)"),
        Ok(_) => {}
        Err(e) => common::fail(format!("cannot read stdin: {e}")),
    }
    if !line.ends_with(b"\n") {
        line.push(b'\n');
    }

    let service = SendLine {
        server,
        line,
        outcome: common::Outcome::default(),
    };
    common::dial(service, server).outcome.exit_on_error();
}
