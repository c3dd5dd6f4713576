//! The codec side of the framed services: [`RawChunks`] (no framing, to
//! show the problem), [`AnyCodec`] (the codec a `--framing` word picks at
//! run time) and [`FrameLimit`] (how much input a codec may need the
//! reactor to keep, so `Config::max_input` can be set to fit).
//!
//! Owns: those three. Does not own: the line and length rules themselves
//! (`crate::codec`) or what a service does with a message (`super`).

use crate::codec::{Codec, Decode, Framing, FramingError, LengthCodec, LineCodec};
use crate::Config;

/// No framing at all: whatever one read returned is one "message".
///
/// This is the sticky-packet bug made explicit, for the raw mode of the
/// examples. Encoding appends the payload as-is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawChunks;

impl Codec for RawChunks {
    fn decode<'a>(&mut self, input: &'a [u8]) -> Result<Decode<'a>, FramingError> {
        if input.is_empty() {
            return Ok(Decode::Incomplete);
        }
        Ok(Decode::Frame {
            payload: input,
            consumed: input.len(),
        })
    }

    fn encode(&self, payload: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(payload);
    }
}

/// The codec a [`Framing`] (the `--framing raw|line|length` word) names,
/// chosen at run time. Each variant uses its codec's default limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyCodec {
    /// Every read is one message ([`RawChunks`]).
    Raw(RawChunks),
    /// Newline-delimited ([`LineCodec`]).
    Line(LineCodec),
    /// 4-byte big-endian length prefix ([`LengthCodec`]).
    Length(LengthCodec),
}

impl AnyCodec {
    /// The default codec for `framing`.
    pub fn new(framing: Framing) -> Self {
        match framing {
            Framing::Raw => AnyCodec::Raw(RawChunks),
            Framing::Line => AnyCodec::Line(LineCodec::new()),
            Framing::Length => AnyCodec::Length(LengthCodec::new()),
        }
    }
}

impl From<Framing> for AnyCodec {
    fn from(framing: Framing) -> Self {
        AnyCodec::new(framing)
    }
}

impl Codec for AnyCodec {
    fn decode<'a>(&mut self, input: &'a [u8]) -> Result<Decode<'a>, FramingError> {
        match self {
            AnyCodec::Raw(c) => c.decode(input),
            AnyCodec::Line(c) => c.decode(input),
            AnyCodec::Length(c) => c.decode(input),
        }
    }

    fn encode(&self, payload: &[u8], out: &mut Vec<u8>) {
        match self {
            AnyCodec::Raw(c) => c.encode(payload, out),
            AnyCodec::Line(c) => c.encode(payload, out),
            AnyCodec::Length(c) => c.encode(payload, out),
        }
    }
}

/// How many bytes a codec may need the reactor to keep.
///
/// The reactor closes a connection whose unfinished input passes
/// `Config::max_input`. Set it at least to [`max_wire_len`](Self::max_wire_len)
/// (the longest valid frame, framing bytes included: line limit + 2 for
/// `\r\n`, length limit + 4 for the prefix), e.g. with
/// [`fit_max_input`](Self::fit_max_input). Otherwise a valid large frame is
/// refused by the reactor's cap before the codec sees it whole, and a bad
/// one is reported as `InputTooLarge` instead of the codec's clearer reason.
///
/// Memory never follows a claimed length either way: the length codec
/// rejects an oversized prefix from its 4 bytes alone, and the reactor's
/// buffer only ever holds bytes that actually arrived.
pub trait FrameLimit {
    /// The longest valid frame on the wire, framing bytes included. An
    /// unfinished frame is always shorter, so this much `Config::max_input`
    /// lets the codec, not the reactor's cap, judge every frame.
    fn max_wire_len(&self) -> usize;

    /// `config` with `max_input` raised (never lowered) to [`max_wire_len`](Self::max_wire_len).
    fn fit_max_input(&self, config: Config) -> Config {
        Config {
            max_input: config.max_input.max(self.max_wire_len()),
            ..config
        }
    }
}

impl FrameLimit for RawChunks {
    /// 0: raw mode consumes every byte at once and keeps nothing.
    fn max_wire_len(&self) -> usize {
        0
    }
}

impl FrameLimit for LineCodec {
    /// The line limit + 2 (`\r\n`).
    fn max_wire_len(&self) -> usize {
        self.max_len().saturating_add(2)
    }
}

impl FrameLimit for LengthCodec {
    /// The frame limit (at most `u32::MAX`, all a prefix can say) + 4.
    fn max_wire_len(&self) -> usize {
        let most = usize::try_from(u32::MAX).unwrap_or(usize::MAX);
        self.max_frame().min(most).saturating_add(4)
    }
}

impl FrameLimit for AnyCodec {
    fn max_wire_len(&self) -> usize {
        match self {
            AnyCodec::Raw(c) => c.max_wire_len(),
            AnyCodec::Line(c) => c.max_wire_len(),
            AnyCodec::Length(c) => c.max_wire_len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_all;

    #[test]
    fn raw_chunks_takes_everything_as_one_message() {
        let mut frames = Vec::new();
        let used = decode_all(&mut RawChunks, b"a\nb", |f| frames.push(f.to_vec()));
        assert_eq!(used, Ok(3));
        assert_eq!(frames, [b"a\nb".to_vec()]);
        assert_eq!(RawChunks.decode(b""), Ok(Decode::Incomplete));
    }

    #[test]
    fn any_codec_follows_its_framing() {
        let mut out = Vec::new();
        for framing in [Framing::Raw, Framing::Line, Framing::Length] {
            AnyCodec::from(framing).encode(b"hi", &mut out);
        }
        assert_eq!(out, b"hihi\n\0\0\0\x02hi");
    }

    #[test]
    fn max_wire_len_is_the_longest_valid_frame() {
        assert_eq!(LineCodec::with_max_len(10).max_wire_len(), 12);
        assert_eq!(LengthCodec::with_max_frame(10).max_wire_len(), 14);
        assert_eq!(RawChunks.max_wire_len(), 0);
        let huge = LengthCodec::with_max_frame(usize::MAX).max_wire_len();
        assert_eq!(huge as u64, u64::from(u32::MAX) + 4);
    }

    #[test]
    fn fit_max_input_only_raises() {
        let config = LineCodec::with_max_len(10).fit_max_input(Config::default());
        assert_eq!(config.max_input, Config::default().max_input);
        let config = AnyCodec::new(Framing::Length).fit_max_input(Config::default());
        assert_eq!(config.max_input, LengthCodec::DEFAULT_MAX_FRAME + 4);
    }
}
