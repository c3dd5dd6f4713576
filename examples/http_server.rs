//! HTTP server: `GET /go` answers `HelloWorld` (the tutorial's web server),
//! `GET /bytes/N` answers N bytes of `abc…z` repeated (N up to 16 MiB, for
//! trying large responses), every other path is a 404. Each request is
//! logged with the remote address, method, path, headers and body.
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
//!
//! The HTTP work (keep-alive, pipelining, bodies, limits, slowloris
//! deadlines) is `evloop::http::Server`; this file is only the handler.
//! For benchmarking, `RUST_LOG=warn` turns the per-request log off.

mod common;

use evloop::http::{Request, Response, Server, ServerConfig};
use std::net::SocketAddr;
use std::time::Duration;

/// The largest `/bytes/N`.
const MAX_BYTES: usize = 16 << 20;

/// The tutorial's handler: it looks at the path only, so `POST /go` is
/// answered like `GET /go` (and HEAD gets the headers without the body).
/// Other methods get 405 from the server (a closure serves GET, HEAD, POST).
fn handle(req: &Request<'_>, body: &[u8], peer: SocketAddr, resp: &mut Response) {
    log_request(req, body, peer);
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

/// One log line per request; built only when info logging is on, so a
/// benchmark run with `RUST_LOG=warn` pays nothing for it.
fn log_request(req: &Request<'_>, body: &[u8], peer: SocketAddr) {
    if !log::log_enabled!(log::Level::Info) {
        return;
    }
    let headers: Vec<String> = req
        .headers
        .iter()
        .map(|h| format!("{}: {}", h.name, String::from_utf8_lossy(h.value)))
        .collect();
    log::info!(
        "{peer} {} {} headers=[{}] body={:?}",
        req.method,
        req.path,
        headers.join(", "),
        String::from_utf8_lossy(body)
    );
}

/// `--key SECS` as a positive duration, or `default`.
fn seconds(args: &mut common::Args, key: &str, default: Duration) -> Duration {
    let secs: f64 = args.value(key, default.as_secs_f64());
    if !(secs > 0.0 && secs.is_finite()) {
        common::fail(format!("--{key} must be a positive number of seconds"));
    }
    Duration::from_secs_f64(secs)
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
    http.head_timeout = seconds(&mut args, "head-timeout", http.head_timeout);
    http.keepalive_timeout = seconds(&mut args, "keepalive-timeout", http.keepalive_timeout);
    http.limits.max_body = args.value("max-body", http.limits.max_body);
    args.finish();
    // Unconsumed input never exceeds one partial head (the server consumes
    // bodies as they arrive), so the default max_input suffices.
    debug_assert!(config.max_input >= http.limits.max_head);
    common::serve_sharded(cores, config, evloop::Bind::Tcp(addr), move |_| {
        Server::with_config(handle, http.clone())
    });
}
