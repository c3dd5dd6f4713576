//! Body framing: what follows a head ([`BodyKind`]) and incremental decoders
//! that turn the bytes after the head into body data, for Content-Length,
//! chunked and read-until-close bodies, on requests and responses alike.
//!
//! This file does NOT decide the framing from headers (that is `head.rs`),
//! decode content codings such as gzip, or keep trailer fields: trailers are
//! validated only enough to find their end and are then dropped.

use super::checks::TCHAR;
use super::HttpError;

/// Longest chunk-size line (size, extensions and CRLF) we accept. Extensions
/// are ignored, so a long line can only be an attack or garbage; the bound
/// keeps the decoder from needing unbounded lookahead.
pub const MAX_CHUNK_LINE: usize = 1024;

/// Most bytes of trailer section we skip before giving up with 431.
pub const MAX_TRAILERS: usize = 16 * 1024;

/// How the body after a head is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body at all.
    None,
    /// Exactly this many bytes (from Content-Length).
    Length(u64),
    /// Chunked transfer coding; use a [`ChunkedDecoder`].
    Chunked,
    /// Responses only: the body runs until the server closes the connection.
    UntilClose,
}

/// Whether a decoder has seen the whole body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyProgress {
    /// The body continues; feed more bytes.
    NeedMore,
    /// The body is complete; any further bytes belong to the next message.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the hex digits of a chunk size.
    SizeDigits,
    /// Whitespace after the digits (BWS before a `;`).
    SizeSpace,
    /// Inside chunk extensions, which are ignored.
    SizeExt,
    /// Saw the CR ending the size line; LF must follow.
    SizeLf,
    /// Copying chunk data; `ChunkedDecoder::size` bytes remain.
    Data,
    /// Expecting the CR after chunk data.
    DataCr,
    /// Expecting the LF after chunk data.
    DataLf,
    /// At the start of a trailer line or of the final blank line.
    TrailerStart,
    /// Inside a trailer field's name (a token, up to its colon).
    TrailerName,
    /// Inside a trailer field's value, after the colon.
    TrailerValue,
    /// Saw CR in the trailer section; LF must follow. `true` if the line
    /// was blank, which ends the body.
    TrailerLf(bool),
    /// The terminating blank line has been consumed.
    Done,
    /// An error was returned; the decoder stays failed.
    Failed,
}

/// Incremental chunked-transfer decoder: feed it the bytes after the head, it
/// appends the de-chunked data to `out`.
///
/// It is a byte-level state machine, so input may be split at any point and
/// nothing is ever buffered internally beyond a few counters.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    /// The chunk size being parsed, then the data bytes still to copy.
    size: u64,
    /// Hex digits seen in the current size line.
    digits: usize,
    /// Bytes of the current size line, bounded by [`MAX_CHUNK_LINE`].
    line_len: usize,
    /// Bytes of trailer section, bounded by [`MAX_TRAILERS`].
    trailer_len: usize,
    /// Body bytes announced so far (including the current chunk).
    total: u64,
    max_body: u64,
    error: Option<HttpError>,
}

impl ChunkedDecoder {
    /// A decoder that fails with 413 once the body would exceed `max_body`.
    pub fn new(max_body: usize) -> Self {
        ChunkedDecoder {
            state: State::SizeDigits,
            size: 0,
            digits: 0,
            line_len: 0,
            trailer_len: 0,
            total: 0,
            max_body: u64::try_from(max_body).unwrap_or(u64::MAX),
            error: None,
        }
    }

    /// Decodes as much of `input` as possible, appending body data to `out`.
    ///
    /// Returns how many bytes of `input` were consumed and whether the body
    /// is complete. On `Done` the unconsumed rest belongs to the next
    /// message; on `NeedMore` all of `input` was consumed. Errors: 400 for
    /// bad syntax (including a chunk-size line over [`MAX_CHUNK_LINE`]),
    /// 413 when the body would exceed the limit (checked before appending),
    /// 431 for trailers over [`MAX_TRAILERS`]. After an error every call
    /// returns the same error.
    pub fn decode(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(usize, BodyProgress), HttpError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let mut pos = 0;
        while let Some(rest) = input.get(pos..).filter(|r| !r.is_empty()) {
            match self.state {
                State::Done => break,
                State::Data => {
                    // Copy as much of the chunk as is available in one go.
                    let n = usize::try_from(self.size).map_or(rest.len(), |s| s.min(rest.len()));
                    out.extend_from_slice(rest.get(..n).unwrap_or(rest));
                    self.size -= n as u64;
                    pos += n;
                    if self.size == 0 {
                        self.state = State::DataCr;
                    }
                }
                _ => {
                    let b = rest.first().copied().unwrap_or(0);
                    if let Err(e) = self.step(b) {
                        self.state = State::Failed;
                        self.error = Some(e.clone());
                        return Err(e);
                    }
                    pos += 1;
                }
            }
        }
        let progress = if self.state == State::Done {
            BodyProgress::Done
        } else {
            BodyProgress::NeedMore
        };
        Ok((pos, progress))
    }

    /// Whether the whole body (including trailers) has been decoded.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Advances the state machine by one framing byte (never chunk data).
    fn step(&mut self, b: u8) -> Result<(), HttpError> {
        let bad = |what: &str| Err(HttpError::bad_request(format!("bad chunked body: {what}")));
        if matches!(
            self.state,
            State::SizeDigits | State::SizeSpace | State::SizeExt | State::SizeLf
        ) {
            self.line_len += 1;
            if self.line_len > MAX_CHUNK_LINE {
                return bad("chunk-size line too long");
            }
        }
        if matches!(
            self.state,
            State::TrailerStart | State::TrailerName | State::TrailerValue | State::TrailerLf(_)
        ) {
            self.trailer_len += 1;
            if self.trailer_len > MAX_TRAILERS {
                return Err(HttpError::new(431, "chunked trailers too large"));
            }
        }
        self.state = match (self.state, b) {
            (State::SizeDigits, _) if b.is_ascii_hexdigit() => {
                let digit = u64::from(char::from(b).to_digit(16).unwrap_or(0));
                match self.size.checked_mul(16).and_then(|s| s.checked_add(digit)) {
                    Some(size) => self.size = size,
                    None => return bad("chunk size overflows"),
                }
                self.digits += 1;
                State::SizeDigits
            }
            (State::SizeDigits, _) if self.digits == 0 => return bad("missing chunk size"),
            (State::SizeDigits | State::SizeSpace, b' ' | b'\t') => State::SizeSpace,
            (State::SizeDigits | State::SizeSpace, b';') => State::SizeExt,
            (State::SizeDigits | State::SizeSpace | State::SizeExt, b'\r') => State::SizeLf,
            // Extensions are skipped; any visible byte, space or obs-text.
            (State::SizeExt, b'\t' | b' '..=0x7e | 0x80..=0xff) => State::SizeExt,
            (State::SizeLf, b'\n') => self.end_size_line()?,
            (State::DataCr, b'\r') => State::DataLf,
            (State::DataLf, b'\n') => {
                self.size = 0;
                self.digits = 0;
                self.line_len = 0;
                State::SizeDigits
            }
            (State::TrailerStart, b'\r') => State::TrailerLf(true),
            // A trailer line is a field, `name: value` (RFC 9112 section
            // 7.1.2): no colon, an empty name or a folded line is an error,
            // as it would be in a head.
            (State::TrailerStart | State::TrailerName, _) if TCHAR[usize::from(b)] => {
                State::TrailerName
            }
            (State::TrailerName, b':') => State::TrailerValue,
            (State::TrailerName, b'\r') => return bad("trailer line without a colon"),
            (State::TrailerValue, b'\r') => State::TrailerLf(false),
            (State::TrailerValue, b'\t' | b' '..=0x7e | 0x80..=0xff) => State::TrailerValue,
            (State::TrailerStart | State::TrailerName, _) => return bad("malformed trailer line"),
            (State::TrailerLf(true), b'\n') => State::Done,
            (State::TrailerLf(false), b'\n') => State::TrailerStart,
            (State::DataCr | State::DataLf, _) => return bad("missing CRLF after chunk data"),
            (State::SizeLf | State::TrailerLf(_), _) => return bad("CR not followed by LF"),
            _ => return bad("unexpected byte"),
        };
        Ok(())
    }

    /// Called at the LF ending a size line: the last chunk starts the
    /// trailers, any other chunk is checked against the body limit before a
    /// single byte of it is appended.
    fn end_size_line(&mut self) -> Result<State, HttpError> {
        if self.size == 0 {
            return Ok(State::TrailerStart);
        }
        match self.total.checked_add(self.size) {
            Some(total) if total <= self.max_body => {
                self.total = total;
                Ok(State::Data)
            }
            _ => Err(HttpError::new(413, "chunked body larger than the limit")),
        }
    }
}

#[derive(Debug, Clone)]
enum Inner {
    Length(u64),
    Chunked(ChunkedDecoder),
    UntilClose { total: u64, max: u64 },
}

/// A decoder for any [`BodyKind`], so callers need not match on framing.
#[derive(Debug, Clone)]
pub struct BodyDecoder {
    inner: Inner,
}

impl BodyDecoder {
    /// A decoder for a body framed as `kind`, limited to `max_body` bytes.
    /// `BodyKind::None` behaves as an empty body.
    pub fn new(kind: BodyKind, max_body: usize) -> Self {
        let max = u64::try_from(max_body).unwrap_or(u64::MAX);
        let inner = match kind {
            BodyKind::None => Inner::Length(0),
            BodyKind::Length(n) => Inner::Length(n),
            BodyKind::Chunked => Inner::Chunked(ChunkedDecoder::new(max_body)),
            BodyKind::UntilClose => Inner::UntilClose { total: 0, max },
        };
        BodyDecoder { inner }
    }

    /// Consumes body bytes from `input`, appending the data to `out`; same
    /// contract as [`ChunkedDecoder::decode`]. A read-until-close body never
    /// reports `Done`: call [`BodyDecoder::eof`] when the peer closes.
    pub fn decode(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(usize, BodyProgress), HttpError> {
        match &mut self.inner {
            Inner::Length(remaining) => {
                let n = usize::try_from(*remaining).map_or(input.len(), |r| r.min(input.len()));
                out.extend_from_slice(input.get(..n).unwrap_or(input));
                *remaining -= n as u64;
                let progress = if *remaining == 0 {
                    BodyProgress::Done
                } else {
                    BodyProgress::NeedMore
                };
                Ok((n, progress))
            }
            Inner::Chunked(dec) => dec.decode(input, out),
            Inner::UntilClose { total, max } => {
                let new_total = total.saturating_add(input.len() as u64);
                if new_total > *max {
                    return Err(HttpError::new(413, "body larger than the limit"));
                }
                *total = new_total;
                out.extend_from_slice(input);
                Ok((input.len(), BodyProgress::NeedMore))
            }
        }
    }

    /// Call when the peer closed the connection: `Ok` if the body is
    /// complete (always, for a read-until-close body), else 400.
    pub fn eof(&self) -> Result<(), HttpError> {
        let complete = match &self.inner {
            Inner::Length(remaining) => *remaining == 0,
            Inner::Chunked(dec) => dec.is_done(),
            Inner::UntilClose { .. } => true,
        };
        if complete {
            Ok(())
        } else {
            Err(HttpError::bad_request(
                "connection closed before the body ended",
            ))
        }
    }
}

#[cfg(test)]
#[path = "body_tests.rs"]
mod tests;
