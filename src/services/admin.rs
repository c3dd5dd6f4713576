//! [`Admin`]: an admin port on the reactor's own loop: `GET /metrics` (the
//! Prometheus text format) and `GET /healthz`.
//!
//! Owns: a deliberately tiny HTTP/1.x responder: read one request head
//! (bounded, with a deadline), answer it, close. Does not own: the
//! exposition (`prometheus.rs`) or routing its listener's connections here
//! ([`Route`](super::Route)). It is not the HTTP server of `crate::http`: a
//! scraper sends one `GET` per connection, and an admin port should not
//! share the main protocol's limits or code paths (a bug there must not
//! hide the metrics that would show it).
//!
//! Because it runs on the loop it reports on, a scrape reads the counters
//! of this very tick with no atomics and no copies between threads; the
//! cost is that a loop stuck in a long callback cannot answer either, which
//! is itself the signal (`up == 0` in Prometheus).

use super::prometheus::{render, Snapshot};
use crate::{CloseReason, Ctx, Handle, Service, TimerId, Token};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The longest request head read; longer is answered 431 and closed.
pub const MAX_HEAD: usize = 8 * 1024;
/// How long a connection may take to send its request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// `GET /metrics` and `GET /healthz` (see the module doc).
#[derive(Clone, Default)]
pub struct Admin {
    shard: Option<usize>,
    /// Every shard's handle, filled in once they all run (`for_shards`).
    shards: Option<Arc<OnceLock<Vec<Handle>>>>,
}

impl Admin {
    /// Metrics without a `shard` label.
    pub fn new() -> Admin {
        Admin::default()
    }

    /// Metrics labelled `shard="i"` (one reactor of [`Shards`](crate::Shards)).
    pub fn for_shard(shard: usize) -> Admin {
        Admin {
            shard: Some(shard),
            shards: None,
        }
    }

    /// The admin of shard `me` that reports every shard, each with its
    /// `shard` label: its own loop's numbers fresh, the others' from
    /// [`Handle::snapshot`] (at most a second old). Fill `handles` with
    /// [`Running::handles`](crate::Running::handles) once the shards run;
    /// until then only `me` is reported.
    pub fn for_shards(me: usize, handles: Arc<OnceLock<Vec<Handle>>>) -> Admin {
        Admin {
            shard: Some(me),
            shards: Some(handles),
        }
    }

    fn respond(&self, ctx: &mut Ctx<'_>, head: &[u8]) -> (u16, &'static str, String) {
        let line = head
            .split(|&b| b == b'\r' || b == b'\n')
            .next()
            .unwrap_or(b"");
        let mut words = line.split(|&b| b == b' ');
        let (method, target) = (words.next().unwrap_or(b""), words.next().unwrap_or(b""));
        if method != b"GET" {
            return (405, "Method Not Allowed", "only GET\n".into());
        }
        // A query string (`?x=y`) is allowed and ignored.
        let path = target.split(|&b| b == b'?').next().unwrap_or(b"");
        match path {
            b"/metrics" => {
                let mine = Snapshot {
                    metrics: *ctx.metrics(),
                    gauges: ctx.gauges(),
                    stats: *ctx.loop_stats(),
                };
                let all = self.shards.as_ref().and_then(|s| s.get());
                let snaps: Vec<_> = match (all, self.shard) {
                    (Some(handles), Some(me)) => handles
                        .iter()
                        .enumerate()
                        .map(|(i, h)| (Some(i), if i == me { mine } else { h.snapshot() }))
                        .collect(),
                    _ => vec![(self.shard, mine)],
                };
                (200, "OK", render(&snaps))
            }
            b"/healthz" => (200, "OK", "ok\n".into()),
            _ => (404, "Not Found", "try /metrics or /healthz\n".into()),
        }
    }
}

impl Service for Admin {
    /// The head deadline, cancelled at the close (the request head itself
    /// waits in the reactor's input buffer).
    type Conn = TimerId;

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: SocketAddr) -> TimerId {
        // Every state has a deadline: a client that never finishes its head
        // is closed. The timer is per connection, so `Route` needs no tag bit.
        ctx.conn_timer(tok, HEAD_TIMEOUT, 0)
    }

    fn on_close(&mut self, ctx: &mut Ctx<'_>, _: Token, timer: TimerId, _: &CloseReason) {
        ctx.cancel_timer(timer);
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut TimerId, input: &[u8]) -> usize {
        let end = input.windows(4).position(|w| w == b"\r\n\r\n");
        let end = end.or_else(|| input.windows(2).position(|w| w == b"\n\n"));
        let (code, reason, body) = match end {
            Some(_) => self.respond(ctx, input),
            None if input.len() > MAX_HEAD => (
                431,
                "Request Header Fields Too Large",
                "request head too long\n".into(),
            ),
            None => return 0, // keep it; the rest of the head is coming
        };
        let content_type = if code == 200 && body.starts_with('#') {
            "text/plain; version=0.0.4; charset=utf-8"
        } else {
            "text/plain; charset=utf-8"
        };
        let head = format!(
            "HTTP/1.1 {code} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        ctx.write(tok, head.as_bytes());
        ctx.write(tok, body.as_bytes());
        ctx.close(tok);
        input.len()
    }

    fn on_conn_timer(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut TimerId, _: u64) {
        ctx.close(tok);
    }
}
