//! HTTP/1.1: message parsing and writing without I/O, and a server service.
//!
//! Most of this module is the wire format only: deciding whether the bytes a
//! connection has received so far hold a complete request or response head,
//! how the body that follows is framed, de-chunking bodies incrementally, and
//! serialising a response into a buffer, all without I/O. The one exception
//! is [`Server`] (`server.rs`, serving each exchange in `exchange.rs`), the
//! HTTP/1.1 server [`Service`](crate::Service) that keeps per-connection
//! state, applies the origin-server rules of `checks.rs` (Host, methods,
//! Expect), bounds its output and applies the timeouts on top of those
//! pieces; `date.rs` formats its `Date` header, and `lines.rs` keeps the
//! header lines of the responses its handler builds. Routing is the [`Handler`]'s
//! job; TLS and HTTP/2 are out of scope.
//!
//! Every function takes the bytes received so far and answers with one of
//! three outcomes: a complete value (and how many bytes it used), "need more
//! bytes", or an [`HttpError`] carrying the status to answer with before
//! closing the connection. Parsing is deliberately strict (bare LF, NUL bytes,
//! conflicting framing headers are all rejected) because every leniency in
//! message framing is a potential request-smuggling gap.

mod body;
mod checks;
mod date;
mod exchange;
mod head;
mod lines;
mod reply;
mod request;
mod response;
mod scan;
mod server;

use std::fmt;

pub use body::{BodyDecoder, BodyKind, BodyProgress, ChunkedDecoder, MAX_CHUNK_LINE, MAX_TRAILERS};
pub use httparse::Header;
pub use reply::{Handler, Response, REJECT_503};
pub use request::{parse_request, parse_request_head, parse_request_resume, Request, RequestHead};
pub use response::{parse_response_head, reason_phrase, write_response, ResponseHead};
pub use scan::HeadScan;
pub use server::{HttpConn, Server, ServerConfig};

/// Size limits applied while parsing; exceeding one yields an [`HttpError`].
///
/// The limits bound how much a peer can make us buffer before we either
/// understand the message or give up, so they must be finite.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Maximum length of the request line (or a response's status line),
    /// including its CRLF. Exceeding it yields 414 for requests.
    pub max_request_line: usize,
    /// Maximum length of the whole head, up to and including the blank line
    /// that ends it. Exceeding it yields 431.
    pub max_head: usize,
    /// Maximum number of header fields. Exceeding it yields 431.
    pub max_headers: usize,
    /// Maximum body size in bytes, for Content-Length and de-chunked bodies.
    /// Exceeding it yields 413.
    pub max_body: usize,
}

impl Default for Limits {
    /// 8 KiB request line, 16 KiB head, 64 headers, 1 MiB body.
    fn default() -> Self {
        Limits {
            max_request_line: 8192,
            max_head: 16384,
            max_headers: 64,
            max_body: 1024 * 1024,
        }
    }
}

/// The outcome of parsing a head from the bytes received so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed<T> {
    /// A whole head was found.
    Complete {
        /// The parsed head.
        value: T,
        /// Bytes of the head, including the final CRLFCRLF (and any empty
        /// lines that preceded the start line). The body starts here.
        len: usize,
    },
    /// The head is not complete yet and no limit was hit: read more bytes
    /// and call again with the whole buffer.
    Incomplete,
}

/// An error that maps to a response status; the connection is closed after
/// sending it.
///
/// When parsing responses (client side) the status is the one a server would
/// have used for the same defect; a client only uses it for reporting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    /// The HTTP status code to answer with (e.g. 400).
    pub status: u16,
    /// Human-readable detail for logs and the response body.
    pub reason: String,
}

impl HttpError {
    /// Creates an error with the given status and detail.
    pub fn new(status: u16, reason: impl Into<String>) -> Self {
        HttpError {
            status,
            reason: reason.into(),
        }
    }

    /// A 400 Bad Request error.
    pub fn bad_request(reason: impl Into<String>) -> Self {
        Self::new(400, reason)
    }

    /// The standard reason phrase of [`HttpError::status`], e.g. "Bad Request".
    pub fn status_text(&self) -> &'static str {
        reason_phrase(self.status)
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.status_text(), self.reason)
    }
}

impl std::error::Error for HttpError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_limits() {
        let l = Limits::default();
        assert_eq!(l.max_request_line, 8192);
        assert_eq!(l.max_head, 16384);
        assert_eq!(l.max_headers, 64);
        assert_eq!(l.max_body, 1 << 20);
    }

    #[test]
    fn error_display_and_status_text() {
        let e = HttpError::new(431, "too many headers");
        assert_eq!(e.status_text(), "Request Header Fields Too Large");
        assert_eq!(
            e.to_string(),
            "431 Request Header Fields Too Large: too many headers"
        );
        let boxed: Box<dyn std::error::Error> = Box::new(HttpError::bad_request("x"));
        assert_eq!(boxed.to_string(), "400 Bad Request: x");
    }
}
