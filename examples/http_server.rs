//! HTTP server: `GET /go` answers `HelloWorld` (the tutorial's web server),
//! `GET /bytes/N` answers N bytes of `abc…z` repeated (N up to 16 MiB, for
//! trying large responses), every other path is a 404. Each request is
//! printed on stdout with the remote address, method, path, headers and body.
//!
//! Run:  cargo run --release --example http_server
//! Try:  curl -v http://127.0.0.1:9000/go
//!       curl -v -d 'hello' http://127.0.0.1:9000/go   (the body is logged)
//!       curl -s http://127.0.0.1:9000/bytes/1048576 | wc -c
//!
//! Options:
//!   --addr HOST:PORT             where to listen (default 127.0.0.1:9000)
//!   --head-timeout SECS          time allowed for a request head (default 10)
//!   --keepalive-timeout SECS     idle keep-alive connections close after this (default 60)
//!   --max-body BYTES             larger request bodies get 413 (default 1048576)
//!   --max-conns N                refuse connections beyond N with a 503 (default 10000)
//!   --max-output BYTES           pending output cap (default 17 MiB + 64 KiB: one
//!                                16 MiB body on top of the 1 MiB at which answering pauses)
//!   --idle-timeout SECS          close connections idle this long (default: never)
//!   --pitfall NAME               reproduce a classic bug (default: none; repeatable)
//!   --threads N                  run N reactors, one per thread, on the same port
//!                                (SO_REUSEPORT; default 1; limits apply per reactor)
//!   --pin                        pin reactor i to CPU i
//!   --metrics-addr HOST:PORT     serve GET /metrics (Prometheus text) and /healthz
//!                                on this address, on the same loop (default: off)
//!   --timeline FILE              write a Chrome-trace timeline of the last ticks to
//!                                FILE at shutdown (Perfetto opens it; default: off)
//!   --timeline-ticks N           ticks the timeline keeps (default 10000)
//!   --quiet                      no request lines on stdout (default: one per request)
//!
//! The HTTP work (keep-alive, pipelining, bodies, limits, slowloris
//! deadlines) is `evloop::http::Server`; this file is only the handler.
//!
//! # The request lines: stdout, buffered
//! They are the server's data (a record per request, for `grep` or a file:
//! `http_server > access.log`), so they go to stdout; the diagnostics
//! (`listening on`, warnings, `RUST_LOG`) stay on stderr and can be turned
//! down without losing records. One `write(2)` per line cost more than the
//! rest of the request, so, like nginx's `access_log … buffer=32k flush=`,
//! lines are formatted into a buffer and written by a helper thread when it
//! holds 32 KiB or every 200 ms, whichever comes first (a quiet server shows
//! its last request within that), and once more at shutdown. The loop never
//! writes or waits on stdout; the buffer is bounded (1 MiB): if stdout does
//! not keep up, further lines are dropped and counted on stderr.

mod common;

use evloop::http::{Request, Response, Server, ServerConfig};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// The largest `/bytes/N`.
const MAX_BYTES: usize = 16 << 20;

/// The tutorial's handler: it looks at the path only, so `POST /go` is
/// answered like `GET /go` (and HEAD gets the headers without the body).
/// Other methods get 405 from the server (a closure serves GET, HEAD, POST).
fn handle(req: &Request<'_>, resp: &mut Response) {
    if req.path == "/go" {
        resp.header("Content-Type", "text/plain; charset=utf-8")
            .body(b"HelloWorld");
    } else if let Some(n) = req.path.strip_prefix("/bytes/") {
        match n.parse::<usize>() {
            Ok(n) if n <= MAX_BYTES => {
                let out = resp
                    .header("Content-Type", "application/octet-stream")
                    .body_mut();
                while out.len() < n {
                    out.extend_from_slice(b"abcdefghijklmnopqrstuvwxyz");
                }
                out.truncate(n);
            }
            _ => {
                resp.status(400)
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .body(b"want /bytes/N with N at most 16777216\n");
            }
        }
    } else {
        resp.status(404)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(b"404 page not found\n");
    }
}

/// The request lines' buffer (see "The request lines" above).
#[derive(Default)]
struct AccessLog {
    buf: Mutex<Vec<u8>>,
    full: Condvar,
    dropped: AtomicU64,
}

const LOG_WRITE_AT: usize = 32 << 10;
const LOG_MAX: usize = 1 << 20;
const LOG_EVERY: Duration = Duration::from_millis(200);

impl AccessLog {
    /// One line: formatted straight into the buffer, no allocation.
    fn request(&self, req: &Request<'_>, body: &[u8], peer: SocketAddr) {
        let Ok(mut buf) = self.buf.lock() else { return };
        let before = buf.len();
        if before >= LOG_MAX {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        // Appends rather than `write!` but for the address: the `fmt`
        // machinery cost more than the rest of the request (same text).
        let _ = write!(buf, "{peer}");
        for part in [" ", req.method, " ", req.path, " headers=["] {
            buf.extend_from_slice(part.as_bytes());
        }
        for (i, h) in req.headers.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let value = String::from_utf8_lossy(h.value); // borrowed if UTF-8
            for part in [sep, h.name, ": ", &value] {
                buf.extend_from_slice(part.as_bytes());
            }
        }
        if body.is_empty() {
            buf.extend_from_slice(b"] body=\"\"\n");
        } else {
            let _ = writeln!(buf, "] body={:?}", String::from_utf8_lossy(body));
        }
        if before < LOG_WRITE_AT && buf.len() >= LOG_WRITE_AT {
            self.full.notify_one();
        }
    }

    /// Write out what is buffered; with `wait`, first until 32 KiB or 200 ms.
    /// `false` only if a thread panicked holding the buffer (then stop).
    fn write_out(&self, wait: bool) -> bool {
        let Ok(mut buf) = self.buf.lock() else {
            return false;
        };
        if wait && buf.len() < LOG_WRITE_AT {
            buf = match self.full.wait_timeout(buf, LOG_EVERY) {
                Ok((buf, _)) => buf,
                Err(_) => return false,
            };
        }
        // A buffer of full size at once: no reallocations while it fills.
        let out = std::mem::replace(&mut *buf, Vec::with_capacity(LOG_WRITE_AT + 4096));
        drop(buf); // the loop appends while we write
        let mut stdout = std::io::stdout().lock();
        // A closed stdout must not stop the server (nor this thread).
        let _ = stdout.write_all(&out).and_then(|()| stdout.flush());
        let lost = self.dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            log::warn!("{lost} request lines dropped: stdout is not keeping up");
        }
        true
    }
}

fn main() {
    common::init_logging();
    let mut args = common::Args::parse(include_str!("http_server.rs"));
    let addr = args.addr("127.0.0.1:9000");
    let own_max_output = args.get("max-output").is_none();
    let mut config = args.config();
    if own_max_output {
        // The server answers while pending output is at most high_water, so
        // one more whole response must fit on top of it.
        config.max_output = config.high_water + MAX_BYTES + 64 * 1024;
    }
    let cores = args.cores();
    let mut http = ServerConfig::default();
    http.head_timeout = args.seconds("head-timeout", http.head_timeout);
    http.keepalive_timeout = args.seconds("keepalive-timeout", http.keepalive_timeout);
    http.limits.max_body = args.value("max-body", http.limits.max_body);
    let quiet = args.flag("quiet");
    args.finish();
    // Unconsumed input never exceeds one partial head (the server consumes
    // bodies as they arrive), so the default max_input suffices.
    debug_assert!(config.max_input >= http.limits.max_head);
    let log = Arc::new(AccessLog::default());
    let writer = Arc::clone(&log);
    std::thread::spawn(move || while writer.write_out(true) {});
    let lines = (!quiet).then(|| Arc::clone(&log));
    common::serve_sharded(cores, config, evloop::Bind::Tcp(addr), move |_| {
        let lines = lines.clone();
        let handler = move |req: &Request<'_>, body: &[u8], peer, resp: &mut Response| {
            if let Some(log) = &lines {
                log.request(req, body, peer);
            }
            handle(req, resp);
        };
        Server::with_config(handler, http.clone())
    });
    log.write_out(false); // shutdown: the last lines
}
