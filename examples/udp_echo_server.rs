//! UDP echo server: every datagram goes back to its sender, or, with
//! `--reply`, a fixed answer does (the tutorial's UDP server).
//!
//! Run:  cargo run --example udp_echo_server
//!       cargo run --example udp_echo_server -- --reply 'server接收数据成功'
//!       cargo run --release --example udp_echo_server -- --quiet   (benchmarks)
//! Try:  echo hello | nc -u -w1 127.0.0.1 9090
//!       cargo run --example udp_client
//!
//! Options:
//!   --addr HOST:PORT     where to bind (default 127.0.0.1:9090)
//!   --reply TEXT         answer every datagram with TEXT (default: echo it; the
//!                        tutorial's variant answers `server接收数据成功`)
//!   --threads N          run N reactors, one per thread, on the same port
//!                        (SO_REUSEPORT: the kernel picks one per source address)
//!   --pin                pin reactor i to CPU i
//!   --metrics-addr HOST:PORT
//!                        serve GET /metrics (Prometheus text) and /healthz
//!                        on this address, on the same loop (default: off)
//!   --timeline FILE      write a Chrome-trace timeline of the last ticks to
//!                        FILE at shutdown (Perfetto opens it; default: off)
//!   --timeline-ticks N   ticks the timeline keeps (default 10000)
//!   --quiet              no line per datagram on stdout (default: print it)
//!
//! What you see on stdout, one line per datagram, as the Go server prints it
//! (unless `--quiet`: the line is one more `write(2)` per datagram, most of
//! what a loaded UDP echo spends beyond its own two syscalls):
//!
//! ```text
//! data:Hello server addr:127.0.0.1:41234 count:12
//! data:hello addr:127.0.0.1:52011 count:6
//! ```
//!
//! The second is `echo hello | nc -u`: `count` is the datagram's real size
//! (the newline included), but one trailing newline is not printed, and
//! other control characters are shown escaped (`\r`, `\u{1b}`), so each
//! datagram stays on one line. The per-datagram log line is at debug level
//! (`RUST_LOG=debug`); a dropped answer is a warning.
//!
//! # UDP on a reactor
//! There are no connections, so no accept, no state machine and no output
//! buffer: the reactor drains `recv_from` until `WouldBlock` and calls
//! `on_datagram` once per datagram (on Linux one `recvmmsg` reads up to 32).
//! The answer is queued with `ctx.send_to`, and the tick's answers leave
//! together in one `sendmmsg`; if the socket's send buffer is full, an
//! answer is dropped and counted (`udp_dropped`) instead of blocking the
//! loop, which is what UDP senders must expect anyway. A datagram is a message: unlike
//! TCP, one `send` is one `recv` (no sticky packets), and a 0-byte datagram
//! is legal (it is echoed as an empty datagram).
//!
//! `common::serve_sharded` binds the socket (one per reactor with
//! `--threads`) and runs until Ctrl-C, which exits 0.

mod common;

use evloop::{Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;

/// Echo each datagram, or answer it with a fixed reply; log it either way.
struct UdpServer {
    /// `None`: echo. `Some(text)`: answer every datagram with `text`.
    reply: Option<Vec<u8>>,
    /// `--quiet`: no line per datagram.
    quiet: bool,
}

impl Service for UdpServer {
    // A UDP-only service never sees a connection; `on_open` and `on_data`
    // exist because the trait is shared with TCP.
    type Conn = ();

    fn on_open(&mut self, _ctx: &mut Ctx<'_>, _tok: Token, _peer: SocketAddr) {}

    fn on_data(&mut self, _ctx: &mut Ctx<'_>, _tok: Token, _c: &mut (), input: &[u8]) -> usize {
        input.len()
    }

    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, sock: Token, from: SocketAddr, data: &[u8]) {
        if !self.quiet {
            let text = printable(data);
            let mut out = std::io::stdout().lock();
            // A closed stdout must not stop the server; the log line still shows.
            let _ = writeln!(out, "data:{text} addr:{from} count:{}", data.len());
            let _ = out.flush();
        }
        let answer = self.reply.as_deref().unwrap_or(data);
        if ctx.send_to(sock, from, answer) {
            log::debug!(
                "udp from={from} count={} answered {} bytes",
                data.len(),
                answer.len()
            );
        } else {
            log::warn!("udp from={from}: answer dropped (send buffer full or peer unreachable)");
        }
    }
}

/// The datagram as one line of text: one trailing `\n` (or `\r\n`) cut,
/// other control characters escaped, everything else (Chinese too) as is.
fn printable(data: &[u8]) -> String {
    let data = data.strip_suffix(b"\n").unwrap_or(data);
    let data = data.strip_suffix(b"\r").unwrap_or(data);
    String::from_utf8_lossy(data)
        .chars()
        .map(|c| match c {
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn main() {
    common::init_logging();
    let mut args = common::Args::parse(include_str!("udp_echo_server.rs"));
    let addr = args.addr("127.0.0.1:9090");
    let reply = args.get("reply").map(String::into_bytes);
    let quiet = args.flag("quiet");
    let cores = args.cores();
    args.finish();

    // No TCP limits apply to UDP, so no `args.config()`: only SIGINT/SIGTERM
    // handling is switched on.
    let config = evloop::Config {
        handle_signals: true,
        ..evloop::Config::default()
    };
    // Logs `udp bound on ADDR`, with the real port if --addr said :0.
    common::serve_sharded(cores, config, evloop::Bind::Udp(addr), move |_| UdpServer {
        reply: reply.clone(),
        quiet,
    });
}
