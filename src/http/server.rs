//! [`Server`]: an HTTP/1.1 server as a reactor [`Service`], generic over a
//! [`Handler`] that turns one request into one [`Response`].
//!
//! This file owns the per-connection HTTP state machine: keep-alive,
//! pipelining, request bodies, error statuses for hostile input, and the
//! head / keep-alive deadlines. It does NOT parse bytes (`request.rs`,
//! `body.rs`), route, stream bodies, or speak TLS or HTTP/2.
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
//! and bodies get `408`, idle connections are just closed.
//!
//! Buffering: body bytes are decoded into the connection's own buffer as
//! they arrive and consumed at once, so the reactor only ever holds a partial
//! head (at most `Limits::max_head`, 16 KiB) as unconsumed input. The default
//! `Config::max_input` (64 KiB) is therefore enough whatever `max_body` is;
//! it must stay at least `max_head`.
//!
//! Cost per request: no allocation. The head is parsed in place (borrowed
//! from the input, header slots reused), every response of one read is
//! appended to one reused buffer and written with a single `Ctx::write`
//! (one `write(2)` per tick for a pipelined batch), and deadlines are lazy:
//! a timer is re-armed only when it fires early or a deadline moves earlier,
//! so a keep-alive request/response cycle touches no timer at all.

use super::reply::{write_error, REJECT_503};
use super::Handler;
use super::{
    parse_request, BodyDecoder, BodyKind, BodyProgress, Header, HttpError, Limits, Parsed, Request,
    Response,
};
use crate::{Ctx, Service, TimerId, Token};
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
    handler: H,
    config: ServerConfig,
    /// Reused for every request.
    resp: Response,
    /// Responses produced during one `on_data`, written with one `Ctx::write`.
    out: Vec<u8>,
    /// httparse header slots, reused across requests (see [`recycle`]).
    slots: Vec<Header<'static>>,
}

/// Where a connection is between requests (see the module diagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Head,
    Body,
}

/// Per-connection state.
pub struct HttpConn {
    peer: SocketAddr,
    phase: Phase,
    /// When the current phase began; its deadline counts from here.
    started: Instant,
    /// When the current phase times out.
    deadline: Instant,
    /// The armed timer and when it fires (possibly before `deadline`).
    timer: Option<(TimerId, Instant)>,
    /// The head of a request whose body spans several reads.
    head: Vec<u8>,
    /// That request's body, decoded so far.
    body: Vec<u8>,
    decoder: BodyDecoder,
    /// A closing response was queued: ignore any further input.
    done: bool,
}

impl<H: Handler> Server<H> {
    /// A server with the default limits and deadlines.
    pub fn new(handler: H) -> Self {
        Self::with_config(handler, ServerConfig::default())
    }

    /// A server with the given limits and deadlines.
    pub fn with_config(handler: H, config: ServerConfig) -> Self {
        let slots = vec![httparse::EMPTY_HEADER; config.limits.max_headers];
        Server {
            handler,
            config,
            resp: Response::new(),
            out: Vec::new(),
            slots,
        }
    }

    /// The handler, e.g. to inspect what it recorded.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// Checks the server-level rules the parser leaves to us, then reads the
    /// body (or as much of it as `after` holds). Returns bytes of `after`
    /// consumed.
    fn start_request(
        &mut self,
        ctx: &mut Ctx<'_>,
        conn: &mut HttpConn,
        req: &Request<'_>,
        head: &[u8],
        after: &[u8],
    ) -> usize {
        if let Err(e) = check_host(req) {
            self.fail(conn, &e);
            return 0;
        }
        conn.decoder = BodyDecoder::new(req.body, self.config.limits.max_body);
        conn.body.clear();
        match conn.decoder.decode(after, &mut conn.body) {
            Err(e) => {
                self.fail(conn, &e);
                0
            }
            Ok((n, BodyProgress::Done)) => {
                self.answer(ctx, conn, req);
                n
            }
            Ok((n, BodyProgress::NeedMore)) => {
                // The head lives in the input, which we are about to consume:
                // keep a copy to parse again when the body is complete.
                conn.head.clear();
                conn.head.extend_from_slice(head);
                conn.phase = Phase::Body;
                conn.started = ctx.now();
                let expects = req.header("expect").map(<[u8]>::to_ascii_lowercase);
                if req.minor_version == 1 && expects.as_deref() == Some(b"100-continue") {
                    self.out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                }
                n
            }
        }
    }

    /// Feeds bytes to a body spanning several reads; answers once it is
    /// complete. Returns bytes of `input` consumed.
    fn continue_body(&mut self, ctx: &mut Ctx<'_>, conn: &mut HttpConn, input: &[u8]) -> usize {
        let n = match conn.decoder.decode(input, &mut conn.body) {
            Err(e) => {
                self.fail(conn, &e);
                return 0;
            }
            Ok((n, BodyProgress::NeedMore)) => return n,
            Ok((n, BodyProgress::Done)) => n,
        };
        let head = std::mem::take(&mut conn.head);
        let mut slots = recycle(std::mem::take(&mut self.slots));
        match parse_request(&head, &self.config.limits, &mut slots) {
            Ok(Parsed::Complete { value, .. }) => self.answer(ctx, conn, &value),
            // It parsed before; it cannot fail now. Answer sanely anyway.
            _ => self.fail(conn, &HttpError::new(500, "request head lost")),
        }
        self.slots = recycle(slots);
        conn.head = head;
        // Do not let one big upload pin a large buffer to an idle connection.
        if conn.body.capacity() > 64 * 1024 {
            conn.body = Vec::new();
        }
        n
    }

    /// Runs the handler for a complete request and queues its response.
    fn answer(&mut self, ctx: &mut Ctx<'_>, conn: &mut HttpConn, req: &Request<'_>) {
        self.resp.reset();
        self.handler
            .handle(req, &conn.body, conn.peer, &mut self.resp);
        let keep = req.keep_alive && !self.resp.wants_close() && !ctx.is_shutting_down();
        let connection = match (keep, req.minor_version) {
            (false, _) => Some("close"),
            (true, 0) => Some("keep-alive"), // 1.0 closes unless told otherwise
            (true, _) => None,
        };
        let head_only = req.method == "HEAD";
        self.resp.write_to(&mut self.out, head_only, connection);
        if keep {
            conn.phase = Phase::Idle;
            conn.started = ctx.now();
        } else {
            conn.done = true;
        }
    }

    /// Queues an error response; the connection closes after it.
    fn fail(&mut self, conn: &mut HttpConn, e: &HttpError) {
        log::debug!("peer={}: {e}", conn.peer);
        write_error(&mut self.out, e.status, &e.reason);
        conn.done = true;
    }

    /// Makes sure a timer will fire by `at` (lazily: see the module doc).
    fn set_deadline(ctx: &mut Ctx<'_>, tok: Token, conn: &mut HttpConn, at: Instant) {
        conn.deadline = at;
        match conn.timer {
            // Fires at or before the deadline; on_conn_timer re-arms.
            Some((_, fire)) if fire <= at => return,
            Some((id, _)) => ctx.cancel_timer(id),
            None => {}
        }
        let id = ctx.conn_timer(tok, at.saturating_duration_since(ctx.now()), 0);
        conn.timer = Some((id, at));
    }

    fn phase_timeout(&self, phase: Phase) -> Duration {
        match phase {
            Phase::Head => self.config.head_timeout,
            Phase::Idle | Phase::Body => self.config.keepalive_timeout,
        }
    }

    /// Writes what this callback produced; closes or re-arms the deadline.
    fn finish(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut HttpConn) {
        if !self.out.is_empty() {
            ctx.write(tok, &self.out);
            self.out.clear();
        }
        if conn.done {
            if let Some((id, _)) = conn.timer.take() {
                ctx.cancel_timer(id);
            }
            // Graceful: the reactor flushes the response, sends FIN and
            // reads until the peer closes, so the status is not lost to a RST.
            ctx.close(tok);
        } else {
            let at = conn.started + self.phase_timeout(conn.phase);
            if at != conn.deadline || conn.timer.is_none() {
                Self::set_deadline(ctx, tok, conn, at);
            }
        }
    }
}

/// HTTP/1.1 requires exactly one Host header (RFC 9112 section 3.2); the
/// parser leaves that to the server.
fn check_host(req: &Request<'_>) -> Result<(), HttpError> {
    let hosts = req
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("host"))
        .count();
    match hosts {
        0 if req.minor_version >= 1 => Err(HttpError::bad_request("missing Host header")),
        0 | 1 => Ok(()),
        _ => Err(HttpError::bad_request("more than one Host header")),
    }
}

/// Reuses the allocation of a header-slot vector for another lifetime. The
/// slots borrow from the input of one `on_data` call, so they cannot be
/// stored as they are; mapping to a same-sized type and collecting is done
/// in place by std (no allocation), and leaves every slot empty.
fn recycle<'x>(slots: Vec<Header<'_>>) -> Vec<Header<'x>> {
    slots.into_iter().map(|_| httparse::EMPTY_HEADER).collect()
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
            head: Vec::new(),
            body: Vec::new(),
            decoder: BodyDecoder::new(BodyKind::None, 0),
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
        let mut used = 0;
        if conn.phase == Phase::Body {
            used = self.continue_body(ctx, conn, input);
        }
        let mut slots = recycle(std::mem::take(&mut self.slots));
        while !conn.done && conn.phase != Phase::Body && used < input.len() {
            let rest = &input[used..];
            if conn.phase == Phase::Idle {
                conn.phase = Phase::Head;
                conn.started = ctx.now();
            }
            match parse_request(rest, &self.config.limits, &mut slots) {
                Ok(Parsed::Incomplete) => break,
                Err(e) => self.fail(conn, &e),
                Ok(Parsed::Complete { value, len }) => {
                    let (head, after) = rest.split_at(len);
                    used += len + self.start_request(ctx, conn, &value, head, after);
                }
            }
        }
        self.slots = recycle(slots);
        self.finish(ctx, tok, conn);
        if conn.done {
            input.len()
        } else {
            used
        }
    }

    fn on_eof(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut HttpConn, rest: &[u8]) {
        // Complete requests were answered in on_data; what is left is a
        // partial head or body. The peer may still read: tell it why.
        if !conn.done && (conn.phase == Phase::Body || !rest.is_empty()) {
            let e = HttpError::bad_request("connection closed mid-request");
            self.fail(conn, &e);
            self.finish(ctx, tok, conn);
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

    fn reject_message(&self) -> &[u8] {
        REJECT_503
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycle_keeps_the_allocation() {
        let slots = vec![httparse::EMPTY_HEADER; 64];
        let ptr = slots.as_ptr() as usize;
        let again: Vec<Header<'_>> = recycle(slots);
        assert_eq!(again.as_ptr() as usize, ptr);
        assert_eq!(again.len(), 64);
    }
}
