//! Responses: writing one into a byte buffer (server side) and parsing a
//! response head (client side), plus the standard reason phrases.
//!
//! This file does NOT send anything, pick status codes, or read response
//! bodies (see `body.rs` for the decoders). Writing always produces
//! HTTP/1.1 with Content-Length framing; it never chunks.

use super::checks::{bytes_below, TCHAR};
use super::head::{body_framing, find_header, keep_alive, map_httparse_error, owned_headers};
use super::scan::{scan_head, HeadScan, StartLineRules};
use super::{BodyKind, HttpError, Limits, Parsed};

/// The standard reason phrase for `status`, or a generic one for its class
/// when the code is not in our table.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        417 => "Expectation Failed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => class_phrase(status),
    }
}

/// A generic phrase for the class of a status not in [`reason_phrase`]'s
/// table; the phrase is informational only, clients go by the code.
fn class_phrase(status: u16) -> &'static str {
    match status {
        100..=199 => "Informational",
        200..=299 => "Success",
        300..=399 => "Redirection",
        400..=499 => "Client Error",
        500..=599 => "Server Error",
        _ => "Unknown",
    }
}

/// Statuses whose responses never carry content (RFC 9110 sections 15.2,
/// 15.3.5, 15.4.5).
fn status_has_no_body(status: u16) -> bool {
    (100..200).contains(&status) || status == 204 || status == 304
}

/// Whether a caller-supplied header can be written without letting its
/// bytes forge extra header lines (response splitting).
pub(crate) fn header_is_safe(name: &str, value: &str) -> bool {
    // A handler adds headers on every request, so both checks avoid a
    // branch per byte: table look-ups and'ed together for the name, and
    // eight bytes at a time for the value.
    let token = name
        .bytes()
        .fold(true, |all, b| all & TCHAR[usize::from(b)]);
    !name.is_empty() && token && value_is_safe(value.as_bytes())
}

/// No control byte but TAB, and no DEL: nothing that could end the line.
fn value_is_safe(value: &[u8]) -> bool {
    const DELS: u64 = u64::from_ne_bytes([0x7f; 8]);
    let byte_ok = |&b: &u8| b == b'\t' || (b >= 0x20 && b != 0x7f);
    // `bytes_below` for n = 0x20, and for DEL (a zero byte after XOR). A
    // TAB also hits, rarely: then the word is checked byte by byte.
    let word_ok = |w: &[u8; 8]| {
        let x = u64::from_le_bytes(*w);
        (bytes_below(x, 0x20) | bytes_below(x ^ DELS, 1)) == 0 || w.iter().all(byte_ok)
    };
    let (words, tail) = value.as_chunks::<8>();
    match value.last_chunk::<8>() {
        // The last eight bytes (overlapping checked ones) cover the tail.
        Some(last) if !tail.is_empty() => words.iter().all(word_ok) && word_ok(last),
        _ => words.iter().all(word_ok) && tail.iter().all(byte_ok),
    }
}

/// Appends a complete HTTP/1.1 response to `out`.
///
/// Writes the status line with [`reason_phrase`], then `headers`, then
/// `Content-Length: {body.len()}` (also when `head_only`, so a HEAD response
/// announces the size a GET would get), `Connection: close` when
/// `!keep_alive`, the blank line, and `body` unless `head_only`.
///
/// Framing belongs to this function, so caller headers named Content-Length
/// or Transfer-Encoding are dropped, as is a caller Connection header when
/// `!keep_alive`. (An HTTP/1.0 client that asked for keep-alive needs the
/// caller to pass `Connection: keep-alive`.) Headers whose name is not a
/// token or whose value holds CR, LF or other control bytes are dropped and
/// logged. For 1xx, 204 and 304 no Content-Length and no body are written,
/// as RFC 9110 forbids them there.
pub fn write_response(
    out: &mut Vec<u8>,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    head_only: bool,
    keep_alive: bool,
) {
    let no_body = status_has_no_body(status);
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status)).as_bytes());
    for &(name, value) in headers {
        let ours = name.eq_ignore_ascii_case("content-length")
            || name.eq_ignore_ascii_case("transfer-encoding")
            || (!keep_alive && name.eq_ignore_ascii_case("connection"));
        if ours {
            continue;
        }
        if !header_is_safe(name, value) {
            log::warn!("dropping unsafe response header {name:?}");
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !no_body {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head_only && !no_body {
        out.extend_from_slice(body);
    }
}

/// A parsed response head (status line and header fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// The HTTP minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    /// The status code, 100-999.
    pub status: u16,
    /// The reason phrase; empty if missing or not valid UTF-8.
    pub reason: String,
    /// Header fields in arrival order, names as sent, values as raw bytes.
    pub headers: Vec<(String, Vec<u8>)>,
    /// How the body is framed: `None` for 1xx, 204, 304 and responses to
    /// HEAD; otherwise `Length`, `Chunked`, or `UntilClose` when neither
    /// Content-Length nor Transfer-Encoding is present.
    pub body: BodyKind,
}

impl ResponseHead {
    /// The value of the first header field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        find_header(&self.headers, name)
    }

    /// Whether the connection may carry another request after this
    /// response's body: per the version and Connection header, and never
    /// when the body is delimited by closing the connection.
    pub fn keep_alive(&self) -> bool {
        self.body != BodyKind::UntilClose && keep_alive(&self.headers, self.minor_version)
    }
}

/// Parses a response head from the start of `buf` (client side).
///
/// `request_was_head` must say whether the request was HEAD, because such a
/// response has no body whatever its headers say. The same limits and
/// strictness as for requests apply (bare LF, NUL, conflicting framing are
/// errors), except that the reason phrase may contain obs-text and an
/// overlong status line is a 400. A 1xx response is returned like any other
/// head; the caller then parses the next head after it.
pub fn parse_response_head(
    buf: &[u8],
    request_was_head: bool,
    limits: &Limits,
) -> Result<Parsed<ResponseHead>, HttpError> {
    let rules = StartLineRules {
        too_long_status: 400,
        ascii_only: false,
    };
    let Some(end) = scan_head(buf, limits, &rules, &mut HeadScan::new())? else {
        return Ok(Parsed::Incomplete);
    };
    let head = buf.get(..end).unwrap_or(buf);
    let mut slots = vec![httparse::EMPTY_HEADER; limits.max_headers];
    let mut resp = httparse::Response::new(&mut slots);
    match resp.parse(head).map_err(map_httparse_error)? {
        httparse::Status::Complete(n) if n == end => {}
        _ => return Err(HttpError::bad_request("malformed head")),
    }
    let (Some(minor_version), Some(status)) = (resp.version, resp.code) else {
        return Err(HttpError::bad_request("malformed status line"));
    };
    if status < 100 {
        return Err(HttpError::bad_request("invalid status code"));
    }
    let reason = resp.reason.unwrap_or("").to_string();
    let headers = owned_headers(resp.headers);
    let body = if request_was_head || status_has_no_body(status) {
        BodyKind::None
    } else {
        match body_framing(&headers, minor_version, limits.max_body)? {
            BodyKind::None => BodyKind::UntilClose,
            framed => framed,
        }
    };
    Ok(Parsed::Complete {
        value: ResponseHead {
            minor_version,
            status,
            reason,
            headers,
            body,
        },
        len: end,
    })
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
