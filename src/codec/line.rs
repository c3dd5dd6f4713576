//! Newline-delimited framing: one message per line, like a chat or telnet
//! protocol.
//!
//! This file owns the rule "a message ends at `\n`, an optional `\r` before
//! it is not part of the message", the line-length limit that protects memory
//! from a peer that never sends a newline, and the scan position that makes
//! decoding a trickled long line linear instead of quadratic.
//!
//! It does **no I/O** and keeps **no buffer**: the reactor hands it the
//! unconsumed bytes and drains what it reports as consumed.

use super::{Codec, Decode, FramingError};

/// Splits a byte stream at `\n`, stripping one trailing `\r` from each line.
///
/// A line longer than [`max_len`](LineCodec::max_len) payload bytes is a
/// [`FramingError::LineTooLong`], reported as soon as it is certain, without
/// waiting for (or buffering) the rest of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineCodec {
    max_len: usize,
    /// How many bytes of the current (unfinished) line were already searched
    /// for `\n`. Without it, a line arriving one byte per read would be
    /// rescanned from the start every time: O(n²) for an n-byte line.
    next_index: usize,
}

impl LineCodec {
    /// The default longest line: 64 KiB of payload.
    pub const DEFAULT_MAX_LEN: usize = 64 * 1024;

    /// A codec accepting lines of up to [`DEFAULT_MAX_LEN`](Self::DEFAULT_MAX_LEN) bytes.
    pub fn new() -> Self {
        Self::with_max_len(Self::DEFAULT_MAX_LEN)
    }

    /// A codec accepting lines of up to `max_len` payload bytes (not counting
    /// the `\n` or a `\r` before it).
    pub fn with_max_len(max_len: usize) -> Self {
        LineCodec {
            max_len,
            next_index: 0,
        }
    }

    /// The longest payload, in bytes, this codec accepts.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// True when `input` (known to hold no `\n` in the scanned window) can no
    /// longer become a line within the limit.
    fn is_hopeless(&self, input: &[u8]) -> bool {
        // `max_len` bytes are fine; byte number `max_len + 1` is only fine if
        // it is the `\r` of a `\r\n`. Anything longer is over the limit.
        input.len() > self.max_len
            && !(input.len() == self.max_len.saturating_add(1)
                && input.get(self.max_len) == Some(&b'\r'))
    }

    fn too_long(&mut self) -> FramingError {
        // Reset so the codec is usable for a fresh stream; this one is lost.
        self.next_index = 0;
        FramingError::LineTooLong {
            limit: self.max_len,
        }
    }
}

impl Default for LineCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl Codec for LineCodec {
    fn decode<'a>(&mut self, input: &'a [u8]) -> Result<Decode<'a>, FramingError> {
        // If the caller broke the contract and passed fewer bytes than last
        // time, rescan from the start: rescanning is only slow, skipping
        // bytes would be wrong.
        let start = if self.next_index <= input.len() {
            self.next_index
        } else {
            0
        };
        // The newline of a valid line sits at index `max_len` at the latest,
        // or `max_len + 1` after a `\r`: never look further than that, so a
        // huge buffer cannot make one call expensive.
        let window_end = input.len().min(self.max_len.saturating_add(2));
        let window = input.get(start..window_end).unwrap_or(&[]);

        match window.iter().position(|&b| b == b'\n') {
            Some(offset) => {
                self.next_index = 0;
                let newline = start + offset;
                let line = input.get(..newline).unwrap_or(&[]);
                let payload = line.strip_suffix(b"\r").unwrap_or(line);
                if payload.len() > self.max_len {
                    return Err(self.too_long());
                }
                Ok(Decode::Frame {
                    payload,
                    consumed: newline + 1,
                })
            }
            None if self.is_hopeless(input) => Err(self.too_long()),
            None => {
                self.next_index = window_end;
                Ok(Decode::Incomplete)
            }
        }
    }

    /// Appends `payload` and a `\n`.
    ///
    /// The payload should contain no `\n` (the peer would see several lines)
    /// and not end in `\r` (the peer would strip it); both are the caller's
    /// responsibility, as is staying within the peer's line limit.
    fn encode(&self, payload: &[u8], out: &mut Vec<u8>) {
        out.reserve(payload.len().saturating_add(1));
        out.extend_from_slice(payload);
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(payload: &[u8], consumed: usize) -> Result<Decode<'_>, FramingError> {
        Ok(Decode::Frame { payload, consumed })
    }

    #[test]
    fn one_line() {
        assert_eq!(LineCodec::new().decode(b"hello\n"), frame(b"hello", 6));
    }

    #[test]
    fn crlf_is_stripped_but_consumed() {
        assert_eq!(LineCodec::new().decode(b"hello\r\n"), frame(b"hello", 7));
    }

    #[test]
    fn only_one_trailing_cr_is_stripped_and_inner_cr_is_kept() {
        assert_eq!(LineCodec::new().decode(b"a\rb\r\r\n"), frame(b"a\rb\r", 6));
    }

    #[test]
    fn empty_lines() {
        let mut codec = LineCodec::new();
        assert_eq!(codec.decode(b"\n"), frame(b"", 1));
        assert_eq!(codec.decode(b"\r\n"), frame(b"", 2));
    }

    #[test]
    fn no_newline_is_incomplete_then_completes() {
        let mut codec = LineCodec::new();
        assert_eq!(codec.decode(b""), Ok(Decode::Incomplete));
        assert_eq!(codec.decode(b"hel"), Ok(Decode::Incomplete));
        assert_eq!(codec.decode(b"hello\r"), Ok(Decode::Incomplete));
        assert_eq!(codec.decode(b"hello\r\nwor"), frame(b"hello", 7));
    }

    #[test]
    fn frames_back_to_back_and_split_at_a_boundary() {
        let mut codec = LineCodec::new();
        let input = b"one\ntwo\nthr";
        assert_eq!(codec.decode(input), frame(b"one", 4));
        assert_eq!(codec.decode(&input[4..]), frame(b"two", 4));
        assert_eq!(codec.decode(&input[8..]), Ok(Decode::Incomplete));
        assert_eq!(codec.decode(b"three\n"), frame(b"three", 6));
    }

    #[test]
    fn garbage_after_a_valid_frame_does_not_hide_it() {
        let mut codec = LineCodec::with_max_len(4);
        assert_eq!(codec.decode(b"ok\n\xff\xfe\x00garbage"), frame(b"ok", 3));
    }

    #[test]
    fn exactly_max_len_is_fine() {
        let mut codec = LineCodec::with_max_len(4);
        assert_eq!(codec.decode(b"abcd\n"), frame(b"abcd", 5));
        assert_eq!(codec.decode(b"abcd\r\n"), frame(b"abcd", 6));
        assert_eq!(codec.decode(b"abcd"), Ok(Decode::Incomplete));
        assert_eq!(codec.decode(b"abcd\r"), Ok(Decode::Incomplete));
    }

    #[test]
    fn one_over_max_len_is_an_error_as_soon_as_it_is_certain() {
        let err = Err(FramingError::LineTooLong { limit: 4 });
        let mut codec = LineCodec::with_max_len(4);
        assert_eq!(codec.decode(b"abcde"), err);
        assert_eq!(codec.decode(b"abcde\n"), err);
        assert_eq!(codec.decode(b"abcd\rx"), err);
        assert_eq!(codec.decode(b"abcd\r\r\n"), err);
        assert_eq!(codec.decode(b"abcde\r\n"), err);
    }

    #[test]
    fn zero_max_len_allows_only_empty_lines() {
        let mut codec = LineCodec::with_max_len(0);
        assert_eq!(codec.decode(b"\n"), frame(b"", 1));
        assert_eq!(codec.decode(b"\r\n"), frame(b"", 2));
        assert_eq!(codec.decode(b"\r"), Ok(Decode::Incomplete));
        assert_eq!(
            codec.decode(b"a"),
            Err(FramingError::LineTooLong { limit: 0 })
        );
    }

    #[test]
    fn huge_max_len_does_not_overflow() {
        let mut codec = LineCodec::with_max_len(usize::MAX);
        assert_eq!(codec.decode(b"abc"), Ok(Decode::Incomplete));
        assert_eq!(codec.decode(b"abc\r\n"), frame(b"abc", 5));
    }

    #[test]
    fn trickled_line_is_scanned_once_and_index_resets_after_a_frame() {
        let max = 1000;
        let mut codec = LineCodec::with_max_len(max);
        let mut buf = Vec::new();
        for i in 0..max {
            buf.push(b'x');
            assert_eq!(codec.decode(&buf), Ok(Decode::Incomplete));
            // The scan position follows the data, so each call looks at one new byte.
            assert_eq!(codec.next_index, i + 1);
        }
        buf.push(b'\n');
        assert_eq!(codec.decode(&buf), frame(&buf[..max], max + 1));
        assert_eq!(codec.next_index, 0);
    }

    #[test]
    fn shrunken_input_is_rescanned_not_skipped() {
        let mut codec = LineCodec::new();
        assert_eq!(codec.decode(b"abcdef"), Ok(Decode::Incomplete));
        // Contract broken: fewer bytes than before. Must still find the newline.
        assert_eq!(codec.decode(b"a\n"), frame(b"a", 2));
    }

    #[test]
    fn codec_is_reusable_after_an_error() {
        let mut codec = LineCodec::with_max_len(2);
        assert_eq!(codec.decode(b"ab"), Ok(Decode::Incomplete));
        assert!(codec.decode(b"abc").is_err());
        assert_eq!(codec.next_index, 0);
        assert_eq!(codec.decode(b"x\n"), frame(b"x", 2));
    }

    #[test]
    fn encode_appends_payload_and_newline() {
        let codec = LineCodec::new();
        let mut out = b"old\n".to_vec();
        codec.encode(b"hi", &mut out);
        codec.encode(b"", &mut out);
        assert_eq!(out, b"old\nhi\n\n");
    }

    #[test]
    fn default_is_new() {
        assert_eq!(LineCodec::default(), LineCodec::new());
        assert_eq!(LineCodec::new().max_len(), LineCodec::DEFAULT_MAX_LEN);
    }
}
