//! Request head parsing: turns the bytes a server connection has received so
//! far into a [`RequestHead`], "need more bytes", or an error status.
//!
//! This file does NOT read the body (see `body.rs`), validate the Host
//! header or the method (`checks.rs`, for the server service), or route
//! anything. It does reduce an absolute-form target to its path.

use super::checks::origin_form;
use super::head::{
    body_framing, find_header, keep_alive, map_httparse_error, owned_headers, scan_head, HeadScan,
    StartLineRules,
};
use super::{BodyKind, HttpError, Limits, Parsed};

/// A parsed request head (request line and header fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The method, e.g. `GET`, exactly as sent (methods are case-sensitive).
    pub method: String,
    /// The request target's path and query, e.g. `/index.html?q=1` (for
    /// an absolute-form target, `http://host/index.html?q=1`, the same).
    pub path: String,
    /// The HTTP minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    /// Header fields in arrival order, names as sent, values as raw bytes.
    pub headers: Vec<(String, Vec<u8>)>,
    /// How the body that follows the head is framed.
    pub body: BodyKind,
    /// Whether the connection may be reused after this request's response.
    pub keep_alive: bool,
}

impl RequestHead {
    /// The value of the first header field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        find_header(&self.headers, name)
    }
}

/// A request head borrowed from the input buffer: the allocation-free form
/// the server uses on every request. Header names and values point into the
/// received bytes; nothing is copied.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method, e.g. `GET`, exactly as sent (methods are case-sensitive).
    pub method: &'a str,
    /// The request target's path and query, e.g. `/index.html?q=1` (for
    /// an absolute-form target, `http://host/index.html?q=1`, the same).
    pub path: &'a str,
    /// The HTTP minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    /// Header fields in arrival order (`name`: as sent, `value`: raw bytes).
    pub headers: &'a [httparse::Header<'a>],
    /// How the body that follows the head is framed.
    pub body: BodyKind,
    /// Whether the connection may be reused after this request's response.
    pub keep_alive: bool,
}

impl<'a> Request<'a> {
    /// The value of the first header field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        find_header(self.headers, name)
    }

    /// An owned copy, for keeping the head beyond the input buffer.
    pub fn to_owned_head(&self) -> RequestHead {
        RequestHead {
            method: self.method.to_string(),
            path: self.path.to_string(),
            minor_version: self.minor_version,
            headers: owned_headers(self.headers),
            body: self.body,
            keep_alive: self.keep_alive,
        }
    }
}

/// Parses a request head from the start of `buf` without allocating.
///
/// `slots` is caller-provided room for the header fields (the server reuses
/// one vector across requests); at most `min(slots.len(), max_headers)`
/// fields are accepted, more is 431. Otherwise exactly like
/// [`parse_request_head`], which is this function plus a copy. Use
/// [`parse_request_resume`] when the head may arrive over many reads.
pub fn parse_request<'b, 'h>(
    buf: &'b [u8],
    limits: &Limits,
    slots: &'h mut [httparse::Header<'b>],
) -> Result<Parsed<Request<'h>>, HttpError> {
    parse_request_resume(buf, limits, slots, &mut HeadScan::new())
}

/// [`parse_request`] that goes on where the last call for the same head
/// stopped (kept in `scan`), so a head trickled in small reads is examined
/// once in total, not once per read. `buf` must start at the same head
/// each time, with more bytes appended.
pub fn parse_request_resume<'b, 'h>(
    buf: &'b [u8],
    limits: &Limits,
    slots: &'h mut [httparse::Header<'b>],
    scan: &mut HeadScan,
) -> Result<Parsed<Request<'h>>, HttpError> {
    let rules = StartLineRules {
        too_long_status: 414,
        ascii_only: true,
    };
    // Our own scan enforces the limits and the byte rules that httparse is
    // more lenient about (bare LF, obs-text in the target), and tells us
    // whether the head is complete before httparse ever sees it.
    let Some(end) = scan_head(buf, limits, &rules, scan)? else {
        return Ok(Parsed::Incomplete);
    };
    let head = buf.get(..end).unwrap_or(buf);
    let max = slots.len().min(limits.max_headers);
    let slots = slots.get_mut(..max).unwrap_or_default();
    let mut req = httparse::Request::new(slots);
    match req.parse(head).map_err(map_httparse_error)? {
        httparse::Status::Complete(n) if n == end => {}
        // The scan found a blank line, so httparse must agree on the end.
        _ => return Err(HttpError::bad_request("malformed head")),
    }
    let (Some(method), Some(path), Some(minor_version)) = (req.method, req.path, req.version)
    else {
        return Err(HttpError::bad_request("malformed request line"));
    };
    // The handler gets the path: absolute-form loses scheme and authority.
    let path = origin_form(path)?;
    let headers: &'h [httparse::Header<'b>] = req.headers;
    let body = body_framing(headers, minor_version, limits.max_body)?;
    let keep_alive = keep_alive(headers, minor_version);
    Ok(Parsed::Complete {
        value: Request {
            method,
            path,
            minor_version,
            headers,
            body,
            keep_alive,
        },
        len: end,
    })
}

/// Parses a request head from the start of `buf` into owned form.
///
/// `buf` holds every byte received since the previous request ended; call
/// again with a longer buffer after [`Parsed::Incomplete`]. On
/// [`Parsed::Complete`] the body (framed per [`RequestHead::body`]) starts at
/// `buf[len..]`. Errors carry the status to answer with before closing:
/// 400 malformed, 413 body too large, 414 request line too long, 431 head too
/// large or too many headers, 501 unsupported transfer coding.
pub fn parse_request_head(buf: &[u8], limits: &Limits) -> Result<Parsed<RequestHead>, HttpError> {
    let mut slots = vec![httparse::EMPTY_HEADER; limits.max_headers];
    Ok(match parse_request(buf, limits, &mut slots)? {
        Parsed::Complete { value, len } => Parsed::Complete {
            value: value.to_owned_head(),
            len,
        },
        Parsed::Incomplete => Parsed::Incomplete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(buf: &[u8]) -> Result<Parsed<RequestHead>, HttpError> {
        parse_request_head(buf, &Limits::default())
    }

    fn complete(buf: &[u8]) -> (RequestHead, usize) {
        match parse(buf) {
            Ok(Parsed::Complete { value, len }) => (value, len),
            other => panic!("expected complete, got {other:?}"),
        }
    }

    fn status(buf: &[u8]) -> u16 {
        match parse(buf) {
            Err(e) => e.status,
            other => panic!("expected error, got {other:?}"),
        }
    }

    #[test]
    fn complete_get() {
        let buf = b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Y:  z \r\n\r\nrest";
        let (h, len) = complete(buf);
        assert_eq!(len, buf.len() - 4);
        assert_eq!(h.method, "GET");
        assert_eq!(h.path, "/a?b=1");
        assert_eq!(h.minor_version, 1);
        assert_eq!(h.headers.len(), 2);
        assert_eq!(h.header("host"), Some(&b"x"[..]));
        assert_eq!(h.header("x-y"), Some(&b"z"[..]));
        assert_eq!(h.header("missing"), None);
        assert_eq!(h.body, BodyKind::None);
        assert!(h.keep_alive);
    }

    #[test]
    fn leading_empty_line_is_skipped_and_counted() {
        let buf = b"\r\nGET / HTTP/1.1\r\n\r\n";
        let (h, len) = complete(buf);
        assert_eq!(h.path, "/");
        assert_eq!(len, buf.len());
    }

    #[test]
    fn keep_alive_rules() {
        let ka = |s: &[u8]| complete(s).0.keep_alive;
        assert!(ka(b"GET / HTTP/1.1\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.0\r\n\r\n"));
        assert!(ka(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
        assert!(ka(
            b"GET / HTTP/1.0\r\nConnection: foo , keep-alive\r\n\r\n"
        ));
        assert!(!ka(
            b"GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"
        ));
    }

    #[test]
    fn incomplete() {
        assert_eq!(parse(b""), Ok(Parsed::Incomplete));
        assert_eq!(
            parse(b"GET / HTTP/1.1\r\nHost: x\r\n"),
            Ok(Parsed::Incomplete)
        );
        assert_eq!(
            parse(b"GET / HTTP/1.1\r\nHost: x\r\n\r"),
            Ok(Parsed::Incomplete)
        );
    }

    #[test]
    fn request_line_too_long_is_414_even_if_incomplete() {
        let limits = Limits {
            max_request_line: 16,
            ..Limits::default()
        };
        let long = vec![b'A'; 16];
        let e = parse_request_head(&long, &limits).unwrap_err();
        assert_eq!(e.status, 414);
        // One byte short of the limit without LF is still just incomplete.
        assert_eq!(
            parse_request_head(&long[..15], &limits),
            Ok(Parsed::Incomplete)
        );
        let fits = b"GET /ab HTTP/1.1\r\n\r\n"; // line is 18 bytes incl. CRLF
        let limits18 = Limits {
            max_request_line: 18,
            ..limits
        };
        assert!(matches!(
            parse_request_head(fits, &limits18),
            Ok(Parsed::Complete { .. })
        ));
        let limits17 = Limits {
            max_request_line: 17,
            ..limits
        };
        assert_eq!(parse_request_head(fits, &limits17).unwrap_err().status, 414);
        assert_eq!(status(&vec![b'a'; 9000]), 414);
    }

    #[test]
    fn head_too_large_is_431() {
        let limits = Limits {
            max_head: 64,
            ..Limits::default()
        };
        let mut buf = b"GET / HTTP/1.1\r\nX: ".to_vec();
        buf.resize(64, b'a');
        assert_eq!(parse_request_head(&buf, &limits).unwrap_err().status, 431);
        assert_eq!(
            parse_request_head(&buf[..63], &limits),
            Ok(Parsed::Incomplete)
        );
        // A complete head of exactly max_head bytes is fine.
        let mut exact = b"GET / HTTP/1.1\r\nX: ".to_vec();
        exact.resize(60, b'a');
        exact.extend_from_slice(b"\r\n\r\n");
        assert!(matches!(
            parse_request_head(&exact, &limits),
            Ok(Parsed::Complete { len: 64, .. })
        ));
    }

    #[test]
    fn too_many_headers_is_431() {
        let limits = Limits {
            max_headers: 2,
            ..Limits::default()
        };
        let two = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n";
        assert!(matches!(
            parse_request_head(two, &limits),
            Ok(Parsed::Complete { .. })
        ));
        let three = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        assert_eq!(parse_request_head(three, &limits).unwrap_err().status, 431);
    }

    #[test]
    fn malformed_is_400() {
        assert_eq!(status(b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n"), 400);
        assert_eq!(status(b"GET / HTTP/1.1\r\n: x\r\n\r\n"), 400);
        assert_eq!(status(b"GET  / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status(b"GET / HTTP/2.0\r\n\r\n"), 400);
        assert_eq!(status(b"GET / FOO/1.1\r\n\r\n"), 400);
        assert_eq!(status(b"GET /\r\n\r\n"), 400);
        // obs-fold (continuation line) is rejected.
        assert_eq!(status(b"GET / HTTP/1.1\r\nA: 1\r\n 2\r\n\r\n"), 400);
    }

    #[test]
    fn nul_high_bytes_and_bare_lf_are_400() {
        assert_eq!(status(b"GET /\0 HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status(b"GET / HTTP/1.1\r\nA: x\0y\r\n\r\n"), 400);
        // Rejected as soon as seen, even in an incomplete head.
        assert_eq!(status(b"GET /\xe9"), 400);
        assert_eq!(status(b"GET / HTTP/1.1\nHost: x\r\n\r\n"), 400);
        assert_eq!(status(b"GET / HTTP/1.1\r\nHost: x\n\r\n"), 400);
        assert_eq!(status(b"GET / HTTP/1.1\r\nHost: x\r\n\n"), 400);
        assert_eq!(status(b"GET / HTTP/1.1\r\nHost: x\ry: z\r\n\r\n"), 400);
    }

    #[test]
    fn obs_text_in_header_value_is_kept() {
        let (h, _) = complete(b"GET / HTTP/1.1\r\nX-Name: caf\xc3\xa9 \xff\r\n\r\n");
        assert_eq!(h.header("X-NAME"), Some(&b"caf\xc3\xa9 \xff"[..]));
    }

    #[test]
    fn content_length_framing() {
        let body = |s: &[u8]| complete(s).0.body;
        assert_eq!(
            body(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"),
            BodyKind::Length(5)
        );
        assert_eq!(
            body(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
            BodyKind::Length(0)
        );
        // Identical duplicates, as separate fields or a list, are allowed.
        assert_eq!(
            body(b"POST / HTTP/1.1\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n"),
            BodyKind::Length(7)
        );
        assert_eq!(
            body(b"POST / HTTP/1.1\r\nContent-Length: 7, 7\r\n\r\n"),
            BodyKind::Length(7)
        );
    }

    #[test]
    fn bad_content_length_is_400_or_413() {
        let p =
            |v: &str| status(format!("POST / HTTP/1.1\r\nContent-Length: {v}\r\n\r\n").as_bytes());
        assert_eq!(p("5, 6"), 400);
        assert_eq!(p("-1"), 400);
        assert_eq!(p("+1"), 400);
        assert_eq!(p("0x10"), 400);
        assert_eq!(p("1 0"), 400);
        assert_eq!(p(""), 400);
        assert_eq!(p("5,"), 400);
        assert_eq!(p("18446744073709551616"), 400);
        assert_eq!(p("1048577"), 413);
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            400
        );
        let (h, _) = complete(b"POST / HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n");
        assert_eq!(h.body, BodyKind::Length(1 << 20));
    }

    #[test]
    fn transfer_encoding_framing() {
        let te = |v: &str| {
            parse(format!("POST / HTTP/1.1\r\nTransfer-Encoding: {v}\r\n\r\n").as_bytes())
        };
        for ok in ["chunked", "Chunked", "CHUNKED", "  chunked "] {
            match te(ok) {
                Ok(Parsed::Complete { value, .. }) => assert_eq!(value.body, BodyKind::Chunked),
                other => panic!("{ok:?}: {other:?}"),
            }
        }
        for unsupported in ["gzip, chunked", "identity", "foo", "chunked, chunked"] {
            assert_eq!(te(unsupported).unwrap_err().status, 501, "{unsupported}");
        }
        assert_eq!(te("").unwrap_err().status, 400);
    }

    #[test]
    fn content_length_with_transfer_encoding_is_400() {
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400
        );
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
            400
        );
    }

    #[test]
    fn transfer_encoding_in_http10_is_400() {
        assert_eq!(
            status(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400
        );
    }
}
