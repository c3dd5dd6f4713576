//! [`Server`]: an HTTP/1.1 server as a reactor [`Service`], generic over a
//! [`Handler`] that turns one request into one [`Response`](super::Response).
//!
//! This file owns the per-connection HTTP state and the reactor callbacks:
//! when input is served, held back or refused, the deadlines, and closing.
//! `exchange.rs` serves the requests themselves (checks, bodies, the
//! handler, writing responses). Neither parses bytes (`request.rs`,
//! `body.rs`), routes, streams bodies, or speaks TLS or HTTP/2.
//!
//! ```text
//!   open ──> Head ──head complete──> Body ──body complete──> handler ──> Idle
//!             ^   (no body: straight to the handler)                     │
//!             └───────────────────── first byte of the next request ─────┘
//! ```
//! Deadlines: a head must be complete within `head_timeout` of the
//! connection opening or of its first byte (trickling bytes does not extend
//! it: slowloris); a body within `keepalive_timeout` of its head; an idle
//! keep-alive connection is closed after `keepalive_timeout`. Expired heads
//! and bodies get `408`, idle connections are just closed. The timer is
//! cancelled when the connection closes, so 20,000 short connections leave
//! no timers behind.
//!
//! Buffering: body bytes are decoded into the connection's own buffer as
//! they arrive and consumed at once, so the reactor only ever holds a partial
//! head (at most `Limits::max_head`, 16 KiB) or requests held back (below)
//! as unconsumed input. The default `Config::max_input` (64 KiB) is
//! therefore enough whatever `max_body` is; it must stay at least `max_head`.
//!
//! Output is bounded: requests are answered only while the connection's
//! pending output is at most `Config::high_water`. Past it the rest of the
//! input is left unconsumed; the reactor pauses reading that peer in the
//! same tick (so the kept input cannot grow), and hands it back when the
//! output drains ([`Ctx::resume_input`] from `on_drained`, and the reactor's
//! own re-delivery on resume). A client that pipelines many requests for
//! large bodies and never reads therefore costs about `high_water` of
//! output, not the sum of every response. After the peer's EOF the held
//! requests move to the connection (`stash`) and are answered the same way
//! before the close.
//!
//! Cost per request: no allocation. The head is parsed in place (borrowed
//! from the input, header slots reused), responses of one read are appended
//! to one reused buffer (at most 64 KiB is kept between calls; large bodies
//! go straight to the connection), the Date header is formatted once per
//! second, and deadlines are lazy: a timer is re-armed only when it fires
//! early or a deadline moves earlier, so a keep-alive request/response cycle
//! touches no timer at all.

use super::checks::KnownHost;
use super::date::DateCache;
use super::reply::REJECT_503;
use super::{BodyDecoder, BodyKind, HeadScan, Header, HttpError, Limits};
use super::{Handler, Response};
use crate::{CloseReason, Ctx, Service, TimerId, Token};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The server's limits and deadlines.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Request-line, head, header-count and body limits (8 KiB, 16 KiB, 64,
    /// 1 MiB by default).
    pub limits: Limits,
    /// Time allowed for a whole request head, from the connection opening
    /// or the request's first byte. Default 10 s.
    pub head_timeout: Duration,
    /// Time an idle keep-alive connection stays open, and time allowed for
    /// a request body after its head. Default 60 s.
    pub keepalive_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            limits: Limits::default(),
            head_timeout: Duration::from_secs(10),
            keepalive_timeout: Duration::from_secs(60),
        }
    }
}

/// An HTTP/1.1 server [`Service`] calling `H` for each request.
pub struct Server<H> {
    pub(super) handler: H,
    pub(super) config: ServerConfig,
    /// Reused for every request.
    pub(super) resp: Response,
    /// Responses produced during one callback, written with one
    /// `Ctx::write` (or earlier, once past 64 KiB).
    pub(super) out: Vec<u8>,
    /// Room for httparse's header slots, reused across requests: always
    /// empty, its spare capacity is the slots (see `recycle`).
    pub(super) slots: Vec<Header<'static>>,
    pub(super) date: DateCache,
    /// The last valid Host value (see `KnownHost`).
    pub(super) known_host: KnownHost,
}

/// Where a connection is between requests (see the module diagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Idle,
    Head,
    Body,
}

/// Per-connection state.
pub struct HttpConn {
    pub(super) peer: SocketAddr,
    pub(super) phase: Phase,
    /// When the current phase began; its deadline counts from here.
    pub(super) started: Instant,
    /// When the current phase times out.
    pub(super) deadline: Instant,
    /// The armed timer and when it fires (possibly before `deadline`).
    pub(super) timer: Option<(TimerId, Instant)>,
    /// Where the scan of a partial head stopped.
    pub(super) scan: HeadScan,
    /// The head of a request whose body spans several reads.
    pub(super) head: Vec<u8>,
    /// That request's body, decoded so far.
    pub(super) body: Vec<u8>,
    pub(super) decoder: BodyDecoder,
    /// Requests were left unanswered because output was over high water.
    pub(super) held_back: bool,
    /// Held-back requests that were the reactor's input when the peer sent
    /// EOF (the reactor keeps no input after EOF).
    pub(super) stash: Vec<u8>,
    /// A closing response was queued: ignore any further input.
    pub(super) done: bool,
}

impl<H: Handler> Server<H> {
    /// A server with the default limits and deadlines.
    pub fn new(handler: H) -> Self {
        Self::with_config(handler, ServerConfig::default())
    }

    /// A server with the given limits and deadlines.
    pub fn with_config(handler: H, config: ServerConfig) -> Self {
        let slots = Vec::with_capacity(config.limits.max_headers);
        Server {
            handler,
            config,
            resp: Response::new(),
            out: Vec::new(),
            slots,
            date: DateCache::default(),
            known_host: KnownHost::default(),
        }
    }

    /// The handler, e.g. to inspect what it recorded.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// After the peer's EOF, with `rest` the input still unanswered: keep
    /// held-back requests for `on_drained` (holding the connection open),
    /// answer a partial request with 400, or let the connection close.
    fn after_eof(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut HttpConn, rest: &[u8]) {
        if !conn.done {
            if conn.held_back && !rest.is_empty() {
                conn.stash.clear();
                conn.stash.extend_from_slice(rest);
            } else if conn.phase == Phase::Body || !rest.is_empty() {
                // The peer may still read: tell it why.
                let e = HttpError::bad_request("connection closed mid-request");
                self.fail(conn, &e);
            }
        }
        ctx.hold_open(tok, !conn.done && !conn.stash.is_empty());
        self.finish(ctx, tok, conn);
    }
}

impl<H: Handler> Service for Server<H> {
    type Conn = HttpConn;

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) -> HttpConn {
        let now = ctx.now();
        let mut conn = HttpConn {
            peer,
            phase: Phase::Head,
            started: now,
            deadline: now,
            timer: None,
            scan: HeadScan::new(),
            head: Vec::new(),
            body: Vec::new(),
            decoder: BodyDecoder::new(BodyKind::None, 0),
            held_back: false,
            stash: Vec::new(),
            done: false,
        };
        // The first request's head deadline runs from the connection opening.
        self.finish(ctx, tok, &mut conn);
        conn
    }

    fn on_data(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        conn: &mut HttpConn,
        input: &[u8],
    ) -> usize {
        if conn.done {
            return input.len();
        }
        let used = self.serve(ctx, tok, conn, input);
        self.finish(ctx, tok, conn);
        if conn.done {
            input.len()
        } else {
            used
        }
    }

    fn on_eof(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut HttpConn, rest: &[u8]) {
        // Complete requests were answered in on_data unless held back; what
        // is left is those, or a partial head or body.
        if conn.done {
            return;
        }
        let used = self.serve(ctx, tok, conn, rest);
        self.after_eof(ctx, tok, conn, rest.get(used..).unwrap_or_default());
    }

    fn on_drained(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut HttpConn) {
        if conn.done {
            return;
        }
        if !conn.stash.is_empty() {
            let stash = std::mem::take(&mut conn.stash);
            let used = self.serve(ctx, tok, conn, &stash);
            self.after_eof(ctx, tok, conn, stash.get(used..).unwrap_or_default());
        } else if conn.held_back {
            // The reactor also re-delivers on resuming from backpressure;
            // asking is cheap and does not depend on that.
            ctx.resume_input(tok);
        }
    }

    fn on_conn_timer(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut HttpConn, _tag: u64) {
        conn.timer = None;
        if conn.done {
            return;
        }
        if ctx.now() < conn.deadline {
            // The deadline moved later since this timer was armed.
            let at = conn.deadline;
            return Self::set_deadline(ctx, tok, conn, at);
        }
        match conn.phase {
            Phase::Idle => {
                log::debug!("peer={}: closing idle keep-alive connection", conn.peer);
                conn.done = true;
            }
            Phase::Head | Phase::Body => {
                let e = HttpError::new(408, "request not received in time");
                self.fail(conn, &e);
            }
        }
        self.finish(ctx, tok, conn);
    }

    fn on_close(&mut self, ctx: &mut Ctx<'_>, _tok: Token, conn: HttpConn, _: &CloseReason) {
        // A connection the peer closed still has its head or keep-alive
        // timer armed; leaving it would keep a dead entry in the heap until
        // its deadline (up to a minute), per connection.
        if let Some((id, _)) = conn.timer {
            ctx.cancel_timer(id);
        }
    }

    fn reject_message(&self) -> &[u8] {
        REJECT_503
    }
}
