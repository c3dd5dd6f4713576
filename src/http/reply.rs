//! The handler side of the server: the [`Handler`] trait and the
//! [`Response`] it fills in, plus its serialisation into the connection's
//! output.
//!
//! This file owns the handler API, the reusable response builder and the
//! canned error responses. It does NOT decide keep-alive (the server does,
//! from the request and the handler's wish) and never chunks: bodies are
//! buffered and framed with Content-Length, which suits small replies.
//! One `Response` is reused for every request the server answers, so its
//! header and body buffers are allocated once, not per request.

use super::date::DateText;
use super::lines::HeaderLines;
use super::response::header_is_safe;
use super::{reason_phrase, Request};
use std::net::SocketAddr;

/// Turns one request into one response. Runs on the reactor thread: it must
/// not block.
pub trait Handler {
    /// Fill in `resp` for `req`, whose decoded body is `body`. The server
    /// adds the framing (Content-Length, Connection, Date) and drops the
    /// body of a response to HEAD.
    fn handle(&mut self, req: &Request<'_>, body: &[u8], peer: SocketAddr, resp: &mut Response);

    /// Whether this handler serves `method` (case-sensitive, as sent).
    /// Requests with any other method never reach [`handle`](Self::handle):
    /// the server answers `405 Method Not Allowed` with an `Allow` header
    /// listing the standard methods this returns `true` for, or `501 Not
    /// Implemented` for a method it does not know, then closes. The default
    /// serves `GET`, `HEAD` and `POST`, so a handler that only looks at the
    /// path never answers `PUT`, `DELETE` or `CONNECT` with a 2xx by
    /// accident. A handler that opts in to `CONNECT` gets its 2xx sent
    /// without a body, and the connection closed (no tunnels here).
    fn allows(&self, method: &str) -> bool {
        matches!(method, "GET" | "HEAD" | "POST")
    }
}

impl<F> Handler for F
where
    F: FnMut(&Request<'_>, &[u8], SocketAddr, &mut Response),
{
    fn handle(&mut self, req: &Request<'_>, body: &[u8], peer: SocketAddr, resp: &mut Response) {
        self(req, body, peer, resp)
    }
}

/// A response under construction. The server resets it to `200`, no
/// headers, empty body before each request.
#[derive(Debug, Default)]
pub struct Response {
    status: u16,
    /// Header lines already serialised (`name: value\r\n`), so adding a
    /// header is a copy into a reused buffer, never an allocation.
    headers: HeaderLines,
    body: Vec<u8>,
    close: bool,
}

impl Response {
    /// An empty `200 OK` response.
    pub fn new() -> Self {
        Response {
            status: 200,
            ..Response::default()
        }
    }

    /// Back to an empty `200 OK`, keeping the buffers' capacity up to
    /// [`RETAINED`]: one large response must not pin its memory forever.
    #[inline]
    pub(crate) fn reset(&mut self) {
        self.status = 200;
        self.headers.next_response();
        self.body.clear();
        self.close = false;
        if self.body.capacity() > RETAINED {
            self.body = Vec::new();
        }
    }

    /// Sets the status code (default 200).
    #[inline]
    pub fn status(&mut self, status: u16) -> &mut Self {
        self.status = status;
        self
    }

    /// Adds a header field. The server writes the framing and the date
    /// itself, so `Content-Length`, `Transfer-Encoding`, `Connection` and
    /// `Date` are ignored (use [`Response::close`] to end the connection);
    /// a name that is not a
    /// token or a value with CR, LF or other control bytes is dropped and
    /// logged, as it could forge extra header lines (response splitting).
    #[inline]
    pub fn header(&mut self, name: &str, value: &str) -> &mut Self {
        // By length first: most names are ruled out without comparing.
        let framing = match name.len() {
            14 => name.eq_ignore_ascii_case("content-length"),
            17 => name.eq_ignore_ascii_case("transfer-encoding"),
            10 => name.eq_ignore_ascii_case("connection"),
            4 => name.eq_ignore_ascii_case("date"),
            _ => false,
        };
        if framing {
            log::debug!("ignoring handler header {name:?}: the server frames responses");
        } else if !self.headers.repeats(name, value) && !header_is_safe(name, value) {
            log::warn!("dropping unsafe response header {name:?}");
        } else {
            self.headers.push(name, value);
        }
        self
    }

    /// Replaces the body.
    #[inline]
    pub fn body(&mut self, body: &[u8]) -> &mut Self {
        self.body.clear();
        self.body.extend_from_slice(body);
        self
    }

    /// The body buffer, to append to (e.g. with `write!`).
    pub fn body_mut(&mut self) -> &mut Vec<u8> {
        &mut self.body
    }

    /// Close the connection after this response.
    pub fn close(&mut self) -> &mut Self {
        self.close = true;
        self
    }

    /// Whether [`Response::close`] was called.
    #[inline]
    pub fn wants_close(&self) -> bool {
        self.close
    }

    /// The status code set so far.
    #[inline]
    pub(crate) fn status_code(&self) -> u16 {
        self.status
    }

    /// The body to send after [`write_head`](Self::write_head), if any:
    /// none for HEAD (`head_only`) and for 1xx, 204 and 304 (RFC 9110).
    #[inline]
    pub(crate) fn body_to_send(&self, head_only: bool) -> &[u8] {
        if head_only || self.has_no_content() {
            &[]
        } else {
            &self.body
        }
    }

    #[inline]
    fn has_no_content(&self) -> bool {
        (100..200).contains(&self.status) || self.status == 204 || self.status == 304
    }

    /// Appends the serialised head to `out`: status line, the handler's
    /// headers, `date`, Content-Length (the length a GET would get, also for
    /// HEAD), and a Connection header if `connection` is set.
    /// `length: false` leaves Content-Length out (a 2xx to CONNECT).
    #[inline]
    pub(crate) fn write_head(
        &self,
        out: &mut Vec<u8>,
        connection: Option<&str>,
        date: Option<&DateText>,
        length: bool,
    ) {
        write_status_line(out, self.status);
        out.extend_from_slice(self.headers.bytes());
        write_date(out, date);
        if length && !self.has_no_content() {
            out.extend_from_slice(b"Content-Length: ");
            push_decimal(out, self.body.len() as u64);
            out.extend_from_slice(b"\r\n");
        }
        if let Some(value) = connection {
            out.extend_from_slice(b"Connection: ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
    }

    /// The whole response (head and body) appended to `out`.
    #[cfg(test)]
    fn write_to(&self, out: &mut Vec<u8>, head_only: bool, connection: Option<&str>) {
        self.write_head(out, connection, None, true);
        out.extend_from_slice(self.body_to_send(head_only));
    }
}

/// Capacity a reused buffer may keep between requests (64 KiB).
pub(crate) const RETAINED: usize = 64 * 1024;

/// `Date: …\r\n`, unless there is no `date` (tests).
#[inline]
fn write_date(out: &mut Vec<u8>, date: Option<&DateText>) {
    if let Some(date) = date {
        out.extend_from_slice(b"Date: ");
        out.extend_from_slice(date);
        out.extend_from_slice(b"\r\n");
    }
}

#[inline]
fn write_status_line(out: &mut Vec<u8>, status: u16) {
    if status == 200 {
        // The common case, in one copy.
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    } else {
        write_other_status_line(out, status);
    }
}

/// `HTTP/1.1 {status} {reason}\r\n`, out of line: the rarer statuses.
#[cold]
#[inline(never)]
fn write_other_status_line(out: &mut Vec<u8>, status: u16) {
    out.extend_from_slice(b"HTTP/1.1 ");
    push_decimal(out, u64::from(status));
    out.push(b' ');
    out.extend_from_slice(reason_phrase(status).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Appends `n` in decimal, as `write!(out, "{n}")` would, without the
/// formatting machinery (which cost more than the rest of writing a head).
/// Numbers below 1000 (most bodies, and every status) are appended as a
/// fixed-size array: a few moves, where a copy of a variable length is a
/// `memcpy` call.
#[inline]
pub(crate) fn push_decimal(out: &mut Vec<u8>, n: u64) {
    let digit = |k: u64| b'0' + (k % 10) as u8;
    match n {
        0..=9 => out.push(digit(n)),
        10..=99 => out.extend_from_slice(&[digit(n / 10), digit(n)]),
        100..=999 => out.extend_from_slice(&[digit(n / 100), digit(n / 10), digit(n)]),
        _ => push_long_decimal(out, n),
    }
}

/// [`push_decimal`] of 1000 and up.
#[inline(never)]
fn push_long_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20]; // u64::MAX has 20
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Appends an error response (`status`, plain-text `detail`) that closes
/// the connection; `extra` is more header lines (`Allow: …\r\n` for 405).
pub(crate) fn write_error(
    out: &mut Vec<u8>,
    status: u16,
    detail: &str,
    extra: &str,
    date: Option<&DateText>,
) {
    write_status_line(out, status);
    out.extend_from_slice(extra.as_bytes());
    write_date(out, date);
    out.extend_from_slice(b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: ");
    push_decimal(out, detail.len() as u64 + 1);
    out.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    out.extend_from_slice(detail.as_bytes());
    out.push(b'\n');
}

/// Sent to connections refused because the server is at `max_conns`.
pub const REJECT_503: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
Content-Type: text/plain; charset=utf-8\r\nContent-Length: 19\r\nConnection: close\r\n\r\n\
server at capacity\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn text(r: &Response, head_only: bool, conn: Option<&str>) -> String {
        let mut out = Vec::new();
        r.write_to(&mut out, head_only, conn);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_framing_and_filters_headers() {
        let mut r = Response::new();
        r.header("Content-Type", "text/plain")
            .header("Content-Length", "99")
            .header("X-Bad", "a\r\nSet-Cookie: x")
            .body(b"hi");
        assert_eq!(
            text(&r, false, None),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"
        );
        assert_eq!(
            text(&r, true, Some("close")),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
        );
        r.reset();
        r.status(204).body(b"x");
        assert_eq!(text(&r, false, None), "HTTP/1.1 204 No Content\r\n\r\n");
    }

    #[test]
    fn decimals_and_status_lines_match_formatting() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            let mut out = b"x".to_vec();
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}").into_bytes());
        }
        for status in [100, 200, 204, 404, 431, 599, 999, 1000, u16::MAX] {
            let mut out = Vec::new();
            write_status_line(&mut out, status);
            let want = format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status));
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }

    #[test]
    fn canned_responses_have_correct_lengths() {
        let split = |b: &[u8]| {
            let s = String::from_utf8(b.to_vec()).unwrap();
            let (head, body) = s.split_once("\r\n\r\n").unwrap();
            let cl: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(cl, body.len(), "{s:?}");
        };
        split(REJECT_503);
        let mut out = Vec::new();
        write_error(&mut out, 431, "too many header fields", "", None);
        split(&out);
        let mut again = Vec::new();
        let date = b"Sun, 06 Nov 1994 08:49:37 GMT";
        write_error(&mut again, 405, "no", "Allow: GET\r\n", Some(date));
        assert_eq!(
            String::from_utf8(again).unwrap(),
            "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\n\
             Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\
             Connection: close\r\n\r\nno\n"
        );
        assert!(out.starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    }
}
