//! One request/response exchange of [`Server`]: the checks an origin
//! server owes (Host, method, Expect), the body, the handler call, and
//! writing the response with its framing and `Date`.
//!
//! This file owns serving the requests in the input a callback got, and the
//! output bound: it stops at `Config::high_water` of pending output and says
//! how far it got. It does NOT decide what happens to input it left (that is
//! `server.rs`, with the reactor) or parse bytes (`request.rs`, `body.rs`).

use super::checks::{check_host_and_expect, expects_continue, KNOWN_METHODS};
use super::reply::{write_error, RETAINED};
use super::request::parse_request_uninit;
use super::server::{HttpConn, Phase};
use super::{BodyDecoder, BodyKind, BodyProgress, HeadScan, Header};
use super::{Handler, HttpError, Parsed, Request, Server};
use crate::{Ctx, Token};
use std::time::{Duration, Instant, SystemTime};

impl<H: Handler> Server<H> {
    /// Serves the requests at the start of `input`, in order, until the
    /// input ends, a request is incomplete, one fails, or the pending output
    /// passes `Config::high_water` (then `conn.held_back` is set). Returns
    /// the bytes of `input` used.
    pub(super) fn serve(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        conn: &mut HttpConn,
        input: &[u8],
    ) -> usize {
        let mut used = 0;
        if conn.phase == Phase::Body {
            used = self.continue_body(ctx, tok, conn, input);
        }
        conn.held_back = false;
        let mut slots = recycle(std::mem::take(&mut self.slots));
        let room = slots.spare_capacity_mut();
        while !conn.done && conn.phase != Phase::Body && used < input.len() {
            if self.output_high(ctx, tok) {
                conn.held_back = true;
                break;
            }
            let rest = &input[used..];
            if conn.phase == Phase::Idle {
                conn.phase = Phase::Head;
                conn.started = ctx.now();
            }
            let limits = &self.config.limits;
            match parse_request_uninit(rest, limits, room, &mut conn.scan) {
                Ok(Parsed::Incomplete) => break,
                Err(e) => self.fail(conn, &e),
                Ok(Parsed::Complete { value, len }) => {
                    let (head, after) = rest.split_at(len);
                    used += len + self.start_request(ctx, tok, conn, &value, head, after);
                }
            }
        }
        self.slots = recycle(slots);
        used
    }

    /// Is the output queued for `tok` (including what this callback has not
    /// handed to the reactor yet) over the reactor's high-water mark? The
    /// same mark makes the reactor pause reading, which is what keeps
    /// held-back input from growing.
    fn output_high(&self, ctx: &Ctx<'_>, tok: Token) -> bool {
        ctx.pending_output(tok) + self.out.len() > ctx.config().high_water
    }

    /// Checks the rules the parser leaves to the server, then reads the
    /// body (or as much of it as `after` holds). Returns bytes of `after`
    /// consumed.
    fn start_request(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        conn: &mut HttpConn,
        req: &Request<'_>,
        head: &[u8],
        after: &[u8],
    ) -> usize {
        if let Err(e) = check_host_and_expect(req, &mut self.known_host) {
            self.fail(conn, &e);
            return 0;
        }
        if !self.handler.allows(req.method) {
            self.refuse_method(conn, req.method);
            return 0;
        }
        conn.body.clear();
        if req.body == BodyKind::None {
            // No body (most requests): what decoding zero bytes of it would
            // do, without a decoder. `conn.decoder` only matters in the
            // Body phase, which this request never enters.
            self.answer(ctx, tok, conn, req);
            return 0;
        }
        conn.decoder = BodyDecoder::new(req.body, self.config.limits.max_body);
        match conn.decoder.decode(after, &mut conn.body) {
            Err(e) => {
                self.fail(conn, &e);
                0
            }
            Ok((n, BodyProgress::Done)) => {
                self.answer(ctx, tok, conn, req);
                n
            }
            Ok((n, BodyProgress::NeedMore)) => {
                // The head lives in the input, which we are about to consume:
                // keep a copy to parse again when the body is complete.
                conn.head.clear();
                conn.head.extend_from_slice(head);
                conn.phase = Phase::Body;
                conn.started = ctx.now();
                if expects_continue(req) {
                    self.out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                }
                n
            }
        }
    }

    /// 405 with `Allow` for a standard method the handler does not serve,
    /// 501 for one nobody knows.
    fn refuse_method(&mut self, conn: &mut HttpConn, method: &str) {
        if !KNOWN_METHODS.contains(&method) {
            return self.fail(conn, &HttpError::new(501, "method not implemented"));
        }
        let allowed: Vec<&str> = KNOWN_METHODS
            .into_iter()
            .filter(|m| self.handler.allows(m))
            .collect();
        let allow = format!("Allow: {}\r\n", allowed.join(", "));
        log::debug!("peer={}: method {method} not allowed", conn.peer);
        let date = self.date.get(SystemTime::now());
        write_error(&mut self.out, 405, "method not allowed", &allow, Some(date));
        conn.done = true;
    }

    /// Feeds bytes to a body spanning several reads; answers once it is
    /// complete. Returns bytes of `input` consumed.
    fn continue_body(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        conn: &mut HttpConn,
        input: &[u8],
    ) -> usize {
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
        let (limits, room) = (&self.config.limits, slots.spare_capacity_mut());
        match parse_request_uninit(&head, limits, room, &mut HeadScan::new()) {
            Ok(Parsed::Complete { value, .. }) => self.answer(ctx, tok, conn, &value),
            // It parsed before; it cannot fail now. Answer sanely anyway.
            _ => self.fail(conn, &HttpError::new(500, "request head lost")),
        }
        self.slots = recycle(slots);
        conn.head = head;
        // Do not let one big upload pin a large buffer to an idle connection.
        if conn.body.capacity() > RETAINED {
            conn.body = Vec::new();
        }
        n
    }

    /// Runs the handler for a complete request and queues its response.
    fn answer(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut HttpConn, req: &Request<'_>) {
        self.resp.reset();
        self.handler
            .handle(req, &conn.body, conn.peer, &mut self.resp);
        // A 2xx to CONNECT would start a tunnel, which this server does not
        // do: no body, no Content-Length (RFC 9110 section 9.3.6), then close.
        let tunnel = req.method == "CONNECT" && (200..300).contains(&self.resp.status_code());
        let keep = req.keep_alive && !self.resp.wants_close() && !ctx.is_shutting_down() && !tunnel;
        let connection = match (keep, req.minor_version) {
            (false, _) => Some("close"),
            (true, 0) => Some("keep-alive"), // 1.0 closes unless told otherwise
            (true, _) => None,
        };
        let date = self.date.at(ctx.now());
        self.resp
            .write_head(&mut self.out, connection, Some(date), !tunnel);
        let body = self.resp.body_to_send(req.method == "HEAD" || tunnel);
        if body.len() > RETAINED {
            // Straight to the connection: no second copy in the scratch.
            ctx.write(tok, &self.out);
            self.out.clear();
            ctx.write(tok, body);
        } else {
            self.out.extend_from_slice(body);
        }
        if self.out.len() > RETAINED {
            self.emit(ctx, tok);
        }
        if keep {
            conn.phase = Phase::Idle;
            conn.started = ctx.now();
        } else {
            conn.done = true;
        }
    }

    /// Queues an error response; the connection closes after it.
    pub(super) fn fail(&mut self, conn: &mut HttpConn, e: &HttpError) {
        log::debug!("peer={}: {e}", conn.peer);
        let date = self.date.get(SystemTime::now());
        write_error(&mut self.out, e.status, &e.reason, "", Some(date));
        conn.done = true;
    }

    /// Hands the scratch buffer to the reactor; keeps at most `RETAINED`
    /// of its capacity, so one burst does not pin memory for good.
    fn emit(&mut self, ctx: &mut Ctx<'_>, tok: Token) {
        if !self.out.is_empty() {
            ctx.write(tok, &self.out);
            self.out.clear();
        }
        if self.out.capacity() > RETAINED {
            self.out = Vec::new();
        }
    }

    /// Makes sure a timer will fire by `at` (lazily: see the module doc).
    pub(super) fn set_deadline(ctx: &mut Ctx<'_>, tok: Token, conn: &mut HttpConn, at: Instant) {
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
    pub(super) fn finish(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut HttpConn) {
        self.emit(ctx, tok);
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

/// Reuses the allocation of the (empty) header-slot vector for another
/// lifetime. The slots borrow from the input of one `on_data` call, so they
/// cannot be stored as they are; mapping to a same-sized type and
/// collecting is done in place by std (no allocation), and as the vector is
/// always empty (httparse writes into its spare capacity, see
/// `parse_request_uninit`) there is nothing to map: no per-slot work.
#[inline]
fn recycle<'x>(slots: Vec<Header<'_>>) -> Vec<Header<'x>> {
    slots.into_iter().map(|_| httparse::EMPTY_HEADER).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycle_keeps_the_allocation() {
        let slots: Vec<Header<'_>> = Vec::with_capacity(64);
        let ptr = slots.as_ptr() as usize;
        let mut again: Vec<Header<'_>> = recycle(slots);
        assert_eq!(again.as_ptr() as usize, ptr);
        assert_eq!((again.len(), again.capacity()), (0, 64));
        assert_eq!(again.spare_capacity_mut().len(), 64);
    }
}
