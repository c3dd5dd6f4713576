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

use super::response::header_is_safe;
use super::{reason_phrase, Request};
use std::io::Write;
use std::net::SocketAddr;

/// Turns one request into one response. Runs on the reactor thread: it must
/// not block.
pub trait Handler {
    /// Fill in `resp` for `req`, whose decoded body is `body`. The server
    /// adds the framing (Content-Length, Connection) and drops the body of
    /// a response to HEAD.
    fn handle(&mut self, req: &Request<'_>, body: &[u8], peer: SocketAddr, resp: &mut Response);
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
    headers: Vec<u8>,
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

    /// Back to an empty `200 OK`, keeping the buffers' capacity.
    pub(crate) fn reset(&mut self) {
        self.status = 200;
        self.headers.clear();
        self.body.clear();
        self.close = false;
    }

    /// Sets the status code (default 200).
    pub fn status(&mut self, status: u16) -> &mut Self {
        self.status = status;
        self
    }

    /// Adds a header field. The server writes the framing itself, so
    /// `Content-Length`, `Transfer-Encoding` and `Connection` are ignored
    /// (use [`Response::close`] to end the connection); a name that is not a
    /// token or a value with CR, LF or other control bytes is dropped and
    /// logged, as it could forge extra header lines (response splitting).
    pub fn header(&mut self, name: &str, value: &str) -> &mut Self {
        let framing = ["content-length", "transfer-encoding", "connection"]
            .iter()
            .any(|f| name.eq_ignore_ascii_case(f));
        if framing {
            log::debug!("ignoring handler header {name:?}: the server frames responses");
        } else if !header_is_safe(name, value) {
            log::warn!("dropping unsafe response header {name:?}");
        } else {
            self.headers.extend_from_slice(name.as_bytes());
            self.headers.extend_from_slice(b": ");
            self.headers.extend_from_slice(value.as_bytes());
            self.headers.extend_from_slice(b"\r\n");
        }
        self
    }

    /// Replaces the body.
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
    pub fn wants_close(&self) -> bool {
        self.close
    }

    /// Appends the serialised response to `out`. `head_only` (a HEAD
    /// request) keeps the Content-Length a GET would get but sends no body;
    /// `connection` is the value of a Connection header to add, if any.
    pub(crate) fn write_to(&self, out: &mut Vec<u8>, head_only: bool, connection: Option<&str>) {
        write_status_line(out, self.status);
        out.extend_from_slice(&self.headers);
        // 1xx, 204 and 304 never carry content (RFC 9110).
        let no_body = (100..200).contains(&self.status) || self.status == 204 || self.status == 304;
        if !no_body {
            // Writing into a Vec cannot fail; formatting needs no allocation.
            let _ = write!(out, "Content-Length: {}\r\n", self.body.len());
        }
        if let Some(value) = connection {
            out.extend_from_slice(b"Connection: ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        if !head_only && !no_body {
            out.extend_from_slice(&self.body);
        }
    }
}

fn write_status_line(out: &mut Vec<u8>, status: u16) {
    if status == 200 {
        // The common case, without formatting.
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    } else {
        let _ = write!(out, "HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    }
}

/// Appends an error response (`status`, plain-text `detail`) that closes
/// the connection.
pub(crate) fn write_error(out: &mut Vec<u8>, status: u16, detail: &str) {
    write_status_line(out, status);
    let _ = write!(
        out,
        "Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{detail}\n",
        detail.len() + 1
    );
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
        write_error(&mut out, 431, "too many header fields");
        split(&out);
        assert!(out.starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    }
}
