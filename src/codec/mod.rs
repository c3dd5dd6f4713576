//! Incremental message framing: turning a TCP byte stream back into messages.
//!
//! TCP delivers a stream of bytes, not messages. One `read` may return half a
//! message, or three and a half messages glued together (the "sticky packet"
//! problem). A [`Codec`] finds message boundaries in whatever bytes have
//! arrived so far, and [`decode_all`] pulls out every whole message at once.
//!
//! This module owns the framing rules only: the [`Codec`] trait, its
//! [`Decode`] outcome, the [`FramingError`]s, and the command-line choice of
//! [`Framing`]. It does **no I/O** and keeps **no buffer**: the reactor reads
//! from the socket, appends to its own per-connection buffer, hands the whole
//! unconsumed buffer to the codec, and drains the consumed prefix itself.
//! That keeps buffer ownership (and its growth policy) in one place.

use std::fmt;
use std::str::FromStr;

mod length;
mod line;

pub use length::LengthCodec;
pub use line::LineCodec;

/// What one decode step found at the front of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode<'a> {
    /// A whole frame: its payload, and how many input bytes it used (prefix/delimiter included).
    Frame {
        /// The message itself, without any framing bytes.
        payload: &'a [u8],
        /// How many bytes from the front of the input this frame occupied.
        consumed: usize,
    },
    /// Not enough bytes yet for a whole frame: a normal outcome, not an error. Keep the bytes, call again with more appended.
    Incomplete,
}

/// The peer broke the framing rules; the stream cannot be resynchronised.
///
/// Once a codec reports one of these, the bytes that follow have no reliable
/// message boundary, so the caller should close the connection rather than
/// keep decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramingError {
    /// No newline within `limit` bytes.
    LineTooLong {
        /// The maximum payload length the codec accepts.
        limit: usize,
    },
    /// A length prefix declared more than the maximum (rejected before anything is allocated).
    FrameTooLarge {
        /// The length the prefix claimed.
        declared: u64,
        /// The maximum payload length the codec accepts.
        limit: usize,
    },
}

impl fmt::Display for FramingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FramingError::LineTooLong { limit } => {
                write!(f, "line longer than {limit} bytes without a newline")
            }
            FramingError::FrameTooLarge { declared, limit } => {
                write!(
                    f,
                    "length prefix declares {declared} bytes, limit is {limit}"
                )
            }
        }
    }
}

impl std::error::Error for FramingError {}

/// A framing rule: where one message ends and the next begins.
pub trait Codec {
    /// Decode at most one frame from the front of `input`. Contract: between calls, the caller passes the same unconsumed bytes again, possibly with more appended (codecs may remember how far they already scanned).
    ///
    /// After an `Err`, the stream is out of sync; the codec resets itself so
    /// it can be reused for a fresh stream, but the current one should be
    /// closed.
    fn decode<'a>(&mut self, input: &'a [u8]) -> Result<Decode<'a>, FramingError>;

    /// Append one framed message to `out`.
    fn encode(&self, payload: &[u8], out: &mut Vec<u8>);
}

/// Decode every whole frame at the front of `input`, calling `on_frame` for each; returns how many bytes were consumed (the caller keeps the rest). Stops at the first error.
///
/// Frames handed to `on_frame` before an error have already been delivered;
/// on `Err` the caller should close the connection (see [`FramingError`]), so
/// the consumed count is not needed then.
///
/// `decode_all` holds the codec mutably while it runs, so `on_frame` cannot
/// use it; to answer each frame in the same framing, use [`decode_each`].
pub fn decode_all<C: Codec + ?Sized>(
    codec: &mut C,
    input: &[u8],
    mut on_frame: impl FnMut(&[u8]),
) -> Result<usize, FramingError> {
    decode_each(codec, input, |_, frame| on_frame(frame))
}

/// [`decode_all`], but `on_frame` also gets the codec, so it can
/// [`encode`](Codec::encode) a reply in the same framing:
///
/// ```
/// use evloop::codec::{decode_each, Codec, LineCodec};
/// let mut codec = LineCodec::new();
/// let mut replies = Vec::new();
/// let used = decode_each(&mut codec, b"ping\nping\npi", |codec, frame| {
///     assert_eq!(frame, b"ping");
///     codec.encode(b"pong", &mut replies);
/// });
/// assert_eq!(used, Ok(10)); // the partial "pi" is left for the next read
/// assert_eq!(replies, b"pong\npong\n");
/// ```
///
/// The codec is lent to the callback between two `decode` calls, when it
/// is not decoding, so sharing it is safe; `encode` takes `&self` for that.
pub fn decode_each<C: Codec + ?Sized>(
    codec: &mut C,
    input: &[u8],
    mut on_frame: impl FnMut(&C, &[u8]),
) -> Result<usize, FramingError> {
    let mut consumed = 0;
    // `get` instead of indexing: a codec that over-reports `consumed` must
    // not be able to make this loop panic.
    while let Some(rest) = input.get(consumed..) {
        match codec.decode(rest)? {
            Decode::Frame {
                payload,
                consumed: used,
            } => {
                on_frame(codec, payload);
                if used == 0 {
                    // A zero-byte frame would make no progress: stop instead
                    // of spinning forever on a misbehaving codec.
                    break;
                }
                consumed = consumed.saturating_add(used).min(input.len());
            }
            Decode::Incomplete => break,
        }
    }
    Ok(consumed)
}

/// Which framing to use, parsed from the command line words "raw", "line", "length".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No framing: every read is passed on as-is (boundaries are whatever TCP gave).
    Raw,
    /// Newline-delimited messages ([`LineCodec`]).
    Line,
    /// 4-byte big-endian length prefix, then payload ([`LengthCodec`]).
    Length,
}

impl FromStr for Framing {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "raw" => Ok(Framing::Raw),
            "line" => Ok(Framing::Line),
            "length" => Ok(Framing::Length),
            other => Err(format!(
                "unknown framing {other:?}: expected one of \"raw\", \"line\", \"length\""
            )),
        }
    }
}

impl fmt::Display for Framing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The same words `from_str` accepts, so the two round-trip.
        f.write_str(match self {
            Framing::Raw => "raw",
            Framing::Line => "line",
            Framing::Length => "length",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_round_trips_through_its_words() {
        for framing in [Framing::Raw, Framing::Line, Framing::Length] {
            assert_eq!(framing.to_string().parse::<Framing>(), Ok(framing));
        }
    }

    #[test]
    fn unknown_framing_lists_valid_words() {
        let err = "lines".parse::<Framing>().unwrap_err();
        assert!(err.contains("\"lines\""), "{err}");
        for word in ["raw", "line", "length"] {
            assert!(err.contains(word), "{err}");
        }
    }

    #[test]
    fn error_messages_are_readable() {
        assert_eq!(
            FramingError::LineTooLong { limit: 65536 }.to_string(),
            "line longer than 65536 bytes without a newline"
        );
        assert_eq!(
            FramingError::FrameTooLarge {
                declared: 4294967295,
                limit: 1048576
            }
            .to_string(),
            "length prefix declares 4294967295 bytes, limit is 1048576"
        );
    }

    #[test]
    fn decode_all_returns_every_frame_and_keeps_the_tail() {
        let mut codec = LineCodec::new();
        let mut frames = Vec::new();
        let used = decode_all(&mut codec, b"a\nbb\r\n\ncc", |f| frames.push(f.to_vec()));
        assert_eq!(used, Ok(7));
        assert_eq!(frames, [&b"a"[..], b"bb", b""]);
    }

    #[test]
    fn decode_all_works_through_a_trait_object() {
        let mut codec: Box<dyn Codec> = Box::new(LengthCodec::new());
        let mut stream = Vec::new();
        codec.encode(b"hi", &mut stream);
        codec.encode(b"", &mut stream);
        let mut frames = Vec::new();
        let used = decode_all(codec.as_mut(), &stream, |f| frames.push(f.to_vec()));
        assert_eq!(used, Ok(stream.len()));
        assert_eq!(frames, [&b"hi"[..], b""]);
    }

    #[test]
    fn decode_all_stops_at_the_first_error() {
        let mut codec = LineCodec::with_max_len(3);
        let mut frames = Vec::new();
        let result = decode_all(&mut codec, b"ok\ntoolong\nnext\n", |f| {
            frames.push(f.to_vec())
        });
        assert_eq!(result, Err(FramingError::LineTooLong { limit: 3 }));
        assert_eq!(frames, [&b"ok"[..]]);
    }

    #[test]
    fn decode_all_on_empty_input_consumes_nothing() {
        assert_eq!(decode_all(&mut LineCodec::new(), b"", |_| {}), Ok(0));
        assert_eq!(decode_all(&mut LengthCodec::new(), b"", |_| {}), Ok(0));
    }
}
