//! Request head parsing: turns the bytes a server connection has received so
//! far into a [`RequestHead`], "need more bytes", or an error status.
//!
//! This file does NOT read the body (see `body.rs`), validate the Host
//! header or the method (`checks.rs`, for the server service), or route
//! anything. It does reduce an absolute-form target to its path.

use super::checks::origin_form;
use super::head::{
    body_framing, find_header, has_framing_fields, keep_alive, map_httparse_error, owned_headers,
};
use super::scan::{scan_head, HeadScan, StartLineRules};
use super::{BodyKind, HttpError, Limits, Parsed};
use std::mem::MaybeUninit;

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
    let Some(head) = scan_request(buf, limits, scan)? else {
        return Ok(Parsed::Incomplete);
    };
    let mut req = httparse::Request::new(capped(slots, limits));
    let parsed = req.parse(head);
    complete_request(req, parsed, head.len(), limits)
}

/// At most `limits.max_headers` of the slots: httparse fails with
/// `TooManyHeaders` beyond them.
fn capped<'s, T>(slots: &'s mut [T], limits: &Limits) -> &'s mut [T] {
    let max = slots.len().min(limits.max_headers);
    slots.get_mut(..max).unwrap_or_default()
}

/// [`parse_request_resume`] with header slots that need no initialising:
/// the server passes the spare capacity of one reused vector, so nothing
/// has to be reset between requests (rebuilding 64 empty slots per request
/// was a tenth of its user-space work).
#[inline]
pub(crate) fn parse_request_uninit<'b, 'h>(
    buf: &'b [u8],
    limits: &Limits,
    slots: &'h mut [MaybeUninit<httparse::Header<'b>>],
    scan: &mut HeadScan,
) -> Result<Parsed<Request<'h>>, HttpError> {
    let Some(head) = scan_request(buf, limits, scan)? else {
        return Ok(Parsed::Incomplete);
    };
    let mut req = httparse::Request::new(&mut []);
    let parsed = req.parse_with_uninit_headers(head, capped(slots, limits));
    complete_request(req, parsed, head.len(), limits)
}

/// The head at the start of `buf`, once complete. Our own scan enforces
/// the limits and the byte rules that httparse is more lenient about (bare
/// LF, obs-text in the target), and tells us whether the head is complete
/// before httparse ever sees it.
#[inline]
fn scan_request<'b>(
    buf: &'b [u8],
    limits: &Limits,
    scan: &mut HeadScan,
) -> Result<Option<&'b [u8]>, HttpError> {
    let rules = StartLineRules {
        too_long_status: 414,
        ascii_only: true,
    };
    let end = scan_head(buf, limits, &rules, scan)?;
    Ok(end.map(|end| buf.get(..end).unwrap_or(buf)))
}

/// The checks and derived fields after httparse parsed the `end` bytes of
/// a complete head into `req` (its result `parsed`).
#[inline]
fn complete_request<'b, 'h>(
    req: httparse::Request<'h, 'b>,
    parsed: httparse::Result<usize>,
    end: usize,
    limits: &Limits,
) -> Result<Parsed<Request<'h>>, HttpError> {
    match parsed.map_err(map_httparse_error)? {
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
    let (body, keep_alive) = if has_framing_fields(headers) {
        (
            body_framing(headers, minor_version, limits.max_body)?,
            keep_alive(headers, minor_version),
        )
    } else {
        // What both functions answer without those fields, for less work.
        (BodyKind::None, minor_version >= 1)
    };
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
#[path = "request_tests.rs"]
mod tests;
