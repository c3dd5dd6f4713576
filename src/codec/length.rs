//! Length-prefixed framing: a 4-byte big-endian unsigned length, then that
//! many payload bytes.
//!
//! This file owns the prefix format and the frame-size limit. The limit is
//! checked the moment the 4 prefix bytes are in, so a peer that claims a
//! 4 GiB message is refused before anything is allocated or awaited.
//!
//! It does **no I/O** and keeps **no buffer**: the reactor hands it the
//! unconsumed bytes and drains what it reports as consumed.

use super::{Codec, Decode, FramingError};

/// Size of the length prefix in bytes.
const PREFIX_LEN: usize = 4;

/// Frames messages as a 4-byte big-endian payload length followed by the payload.
///
/// Zero-length frames are valid and decode to an empty payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LengthCodec {
    max_frame: usize,
}

impl LengthCodec {
    /// The default largest payload: 1 MiB.
    pub const DEFAULT_MAX_FRAME: usize = 1024 * 1024;

    /// A codec accepting payloads of up to [`DEFAULT_MAX_FRAME`](Self::DEFAULT_MAX_FRAME) bytes.
    pub fn new() -> Self {
        Self::with_max_frame(Self::DEFAULT_MAX_FRAME)
    }

    /// A codec accepting payloads of up to `max_frame` bytes (the prefix not
    /// counted). Values above `u32::MAX` behave like `u32::MAX`, the most a
    /// prefix can declare.
    pub fn with_max_frame(max_frame: usize) -> Self {
        LengthCodec { max_frame }
    }

    /// The largest payload, in bytes, this codec accepts.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// Appends one framed message to `out`, refusing payloads over
    /// [`max_frame`](Self::max_frame) (the peer would refuse them anyway).
    ///
    /// On `Err`, `out` is left unchanged.
    pub fn try_encode(&self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), FramingError> {
        // A max_frame above u32::MAX must not let an unprefixable payload through.
        match u32::try_from(payload.len()) {
            Ok(len) if payload.len() <= self.max_frame => {
                append(len, payload, out);
                Ok(())
            }
            _ => Err(self.too_large(u64::try_from(payload.len()).unwrap_or(u64::MAX))),
        }
    }

    fn too_large(&self, declared: u64) -> FramingError {
        FramingError::FrameTooLarge {
            declared,
            limit: self.max_frame,
        }
    }
}

/// Writes prefix and payload in one reservation, so `out` grows at most once.
fn append(len: u32, payload: &[u8], out: &mut Vec<u8>) {
    out.reserve(PREFIX_LEN.saturating_add(payload.len()));
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
}

impl Default for LengthCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl Codec for LengthCodec {
    fn decode<'a>(&mut self, input: &'a [u8]) -> Result<Decode<'a>, FramingError> {
        // Fewer than 4 bytes: the length itself is still in flight.
        let Some(prefix) = input.first_chunk::<PREFIX_LEN>() else {
            return Ok(Decode::Incomplete);
        };
        let declared = u32::from_be_bytes(*prefix);
        // Compare as u64 so the check is exact on every pointer width.
        if u64::from(declared) > u64::try_from(self.max_frame).unwrap_or(u64::MAX) {
            return Err(self.too_large(u64::from(declared)));
        }
        // `declared <= max_frame <= usize::MAX` here, so these cannot fail;
        // `checked_add` and `get` still keep a mistake from panicking.
        let end = usize::try_from(declared)
            .ok()
            .and_then(|len| len.checked_add(PREFIX_LEN));
        match end.and_then(|end| input.get(PREFIX_LEN..end).map(|payload| (payload, end))) {
            Some((payload, consumed)) => Ok(Decode::Frame { payload, consumed }),
            None => Ok(Decode::Incomplete),
        }
    }

    /// Appends the 4-byte big-endian length and the payload.
    ///
    /// Meant for payloads of at most [`max_frame`](LengthCodec::max_frame)
    /// bytes; use [`LengthCodec::try_encode`] to have that checked. Larger
    /// payloads are the caller's bug: they are encoded anyway if the length
    /// fits the 4-byte prefix (≤ `u32::MAX`), otherwise nothing is written
    /// and the error is logged, since no prefix could describe them.
    fn encode(&self, payload: &[u8], out: &mut Vec<u8>) {
        match u32::try_from(payload.len()) {
            Ok(len) => append(len, payload, out),
            Err(_) => log::error!(
                "cannot length-prefix a {}-byte payload (more than u32::MAX); frame skipped",
                payload.len()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        LengthCodec::new().encode(payload, &mut out);
        out
    }

    fn frame(payload: &[u8], consumed: usize) -> Result<Decode<'_>, FramingError> {
        Ok(Decode::Frame { payload, consumed })
    }

    #[test]
    fn encode_writes_big_endian_prefix_then_payload() {
        assert_eq!(framed(b"hi"), b"\0\0\0\x02hi");
        assert_eq!(framed(&[7; 0x0102]).get(..4), Some(&[0, 0, 1, 2][..]));
    }

    #[test]
    fn one_frame() {
        assert_eq!(
            LengthCodec::new().decode(b"\0\0\0\x03abc"),
            frame(b"abc", 7)
        );
    }

    #[test]
    fn zero_length_frame_is_valid() {
        assert_eq!(LengthCodec::new().decode(b"\0\0\0\0"), frame(b"", 4));
        assert_eq!(
            LengthCodec::with_max_frame(0).decode(b"\0\0\0\0rest"),
            frame(b"", 4)
        );
    }

    #[test]
    fn partial_prefix_is_incomplete() {
        let mut codec = LengthCodec::new();
        for len in 0..4 {
            assert_eq!(codec.decode(&b"\0\0\0\x01x"[..len]), Ok(Decode::Incomplete));
        }
        // Even a partial prefix that will turn out too large is just incomplete.
        assert_eq!(codec.decode(b"\xff\xff\xff"), Ok(Decode::Incomplete));
    }

    #[test]
    fn partial_payload_is_incomplete() {
        let mut codec = LengthCodec::new();
        assert_eq!(codec.decode(b"\0\0\0\x03"), Ok(Decode::Incomplete));
        assert_eq!(codec.decode(b"\0\0\0\x03ab"), Ok(Decode::Incomplete));
        assert_eq!(codec.decode(b"\0\0\0\x03abc"), frame(b"abc", 7));
    }

    #[test]
    fn frames_back_to_back_and_split_at_a_boundary() {
        let mut stream = framed(b"one");
        stream.extend(framed(b""));
        stream.extend(framed(b"three"));
        let mut codec = LengthCodec::new();
        assert_eq!(codec.decode(&stream), frame(b"one", 7));
        assert_eq!(codec.decode(&stream[7..]), frame(b"", 4));
        assert_eq!(codec.decode(&stream[11..14]), Ok(Decode::Incomplete));
        assert_eq!(codec.decode(&stream[11..]), frame(b"three", 9));
    }

    #[test]
    fn garbage_after_a_valid_frame_does_not_hide_it() {
        let mut input = framed(b"ok");
        input.extend_from_slice(b"\xff\xff\xff\xffgarbage");
        let mut codec = LengthCodec::new();
        assert_eq!(codec.decode(&input), frame(b"ok", 6));
        assert!(codec.decode(&input[6..]).is_err());
    }

    #[test]
    fn huge_prefix_is_refused_from_the_prefix_alone() {
        // Only the 4 prefix bytes: the error must not wait for 4 GiB of payload.
        assert_eq!(
            LengthCodec::new().decode(b"\xff\xff\xff\xff"),
            Err(FramingError::FrameTooLarge {
                declared: 0xFFFF_FFFF,
                limit: 1024 * 1024
            })
        );
    }

    #[test]
    fn exact_limit_is_fine_and_one_over_is_refused() {
        let mut codec = LengthCodec::with_max_frame(3);
        assert_eq!(codec.decode(b"\0\0\0\x03abc"), frame(b"abc", 7));
        assert_eq!(
            codec.decode(b"\0\0\0\x04"),
            Err(FramingError::FrameTooLarge {
                declared: 4,
                limit: 3
            })
        );
    }

    #[test]
    fn max_frame_beyond_u32_accepts_any_prefix() {
        let mut codec = LengthCodec::with_max_frame(usize::MAX);
        assert_eq!(codec.decode(b"\xff\xff\xff\xff"), Ok(Decode::Incomplete));
    }

    #[test]
    fn try_encode_checks_the_limit_and_leaves_out_alone_on_error() {
        let codec = LengthCodec::with_max_frame(3);
        let mut out = Vec::new();
        assert_eq!(codec.try_encode(b"abc", &mut out), Ok(()));
        assert_eq!(out, b"\0\0\0\x03abc");
        assert_eq!(
            codec.try_encode(b"abcd", &mut out),
            Err(FramingError::FrameTooLarge {
                declared: 4,
                limit: 3
            })
        );
        assert_eq!(out, b"\0\0\0\x03abc");
    }

    #[test]
    fn encode_over_the_limit_still_encodes_within_u32() {
        let codec = LengthCodec::with_max_frame(1);
        let mut out = Vec::new();
        codec.encode(b"abc", &mut out);
        assert_eq!(out, b"\0\0\0\x03abc");
    }

    #[test]
    fn default_is_new() {
        assert_eq!(LengthCodec::default(), LengthCodec::new());
        assert_eq!(
            LengthCodec::new().max_frame(),
            LengthCodec::DEFAULT_MAX_FRAME
        );
    }
}
