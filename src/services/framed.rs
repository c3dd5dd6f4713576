//! Framed services: [`FramedEcho`] and [`FramedPrint`], the fix for the
//! "sticky packet" (黏包) problem.
//!
//! TCP carries a byte stream, not messages. A client that writes
//! `hello` twenty times may see the server read all twenty in one `read`
//! (they "stick" together), and one long message may arrive over several
//! reads. Nothing in TCP marks where a message ends, so the protocol must:
//! that is framing (a newline, or a length prefix, see [`crate::codec`]).
//! Raw mode ([`RawChunks`]) treats each read as one message, on purpose, to
//! show the problem; the `sticky_server` and `sticky_client` examples show
//! both.
//!
//! Owns: per-connection codec state, echoing or printing each decoded
//! message, and what happens on bad framing (a `warn` log line with the
//! reason and the peer, no reply, and closing only that connection). Does
//! not own: finding frames (the codecs do) or the input buffer (the reactor
//! keeps unconsumed bytes, up to `Config::max_input`).
//!
//! `Config::max_input` must fit the codec: see [`FrameLimit`].

use crate::codec::{decode_all, Codec, Decode, Framing, FramingError, LengthCodec, LineCodec};
use crate::{CloseReason, Config, Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;

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

/// Counters a framed service keeps across all its connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FramedStats {
    /// Messages decoded (and echoed or printed).
    pub messages: u64,
    /// Connections closed because they broke the framing rules.
    pub framing_errors: u64,
    /// Connections whose peer sent EOF in the middle of a frame.
    pub truncated: u64,
}

/// Per-connection state of a framed service: its own codec (a codec may
/// remember scan progress, so connections must not share one), the peer,
/// and how many messages it sent so far.
#[derive(Debug)]
pub struct FramedConn<C> {
    codec: C,
    peer: SocketAddr,
    messages: u64,
}

impl<C: Clone> FramedConn<C> {
    fn new(codec: &C, peer: SocketAddr) -> Self {
        FramedConn {
            codec: codec.clone(),
            peer,
            messages: 0,
        }
    }
}

/// Decode every whole frame in `input`, calling `each(n, payload)` with the
/// connection's message number `n` (from 1).
fn decode_frames<C: Codec>(
    conn: &mut FramedConn<C>,
    stats: &mut FramedStats,
    input: &[u8],
    mut each: impl FnMut(u64, &[u8]),
) -> Result<usize, FramingError> {
    let messages = &mut conn.messages;
    decode_all(&mut conn.codec, input, |payload| {
        *messages += 1;
        stats.messages += 1;
        each(*messages, payload);
    })
}

/// The answer to bad framing: log it, close this connection only, and
/// report all `input` consumed (the stream has no boundaries left to trust;
/// the reactor discards whatever else the peer sends while closing).
fn reject<C>(
    ctx: &mut Ctx<'_>,
    tok: Token,
    conn: &FramedConn<C>,
    stats: &mut FramedStats,
    err: &FramingError,
    input: &[u8],
) -> usize {
    log::warn!("closing tok={tok} peer={}: framing error: {err}", conn.peer);
    stats.framing_errors += 1;
    ctx.close(tok);
    input.len()
}

/// EOF with an unfinished frame: the peer hung up mid-message.
fn truncated<C>(tok: Token, conn: &FramedConn<C>, stats: &mut FramedStats, rest: &[u8]) {
    if !rest.is_empty() {
        log::warn!(
            "peer {} (tok={tok}) closed mid-frame: {} bytes of an unfinished message dropped",
            conn.peer,
            rest.len()
        );
        stats.truncated += 1;
    }
}

/// Echo each decoded message back, re-encoded with the same codec: `line`
/// echoes lines, `length` echoes length-prefixed frames, raw echoes bytes.
#[derive(Debug, Clone)]
pub struct FramedEcho<C: Codec + Clone> {
    codec: C,
    stats: FramedStats,
    /// Replies to one batch of input, written with one `ctx.write`.
    out: Vec<u8>,
}

impl<C: Codec + Clone> FramedEcho<C> {
    /// Each connection gets a clone of `codec` (with its limits).
    pub fn new(codec: C) -> Self {
        FramedEcho {
            codec,
            stats: FramedStats::default(),
            out: Vec::new(),
        }
    }

    /// The codec new connections start from.
    pub fn codec(&self) -> &C {
        &self.codec
    }

    /// Counters over all connections so far.
    pub fn stats(&self) -> FramedStats {
        self.stats
    }
}

impl<C: Codec + Clone> Service for FramedEcho<C> {
    type Conn = FramedConn<C>;

    fn on_open(&mut self, _ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) -> FramedConn<C> {
        log::debug!("framed echo tok={tok} peer={peer} open");
        FramedConn::new(&self.codec, peer)
    }

    fn on_data(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        conn: &mut FramedConn<C>,
        input: &[u8],
    ) -> usize {
        let (codec, out) = (&self.codec, &mut self.out);
        let result = decode_frames(conn, &mut self.stats, input, |_, payload| {
            codec.encode(payload, out);
        });
        // Echo the frames that came before an error too: they were valid.
        if !self.out.is_empty() {
            ctx.write(tok, &self.out);
            self.out.clear();
        }
        match result {
            Ok(used) => used,
            Err(e) => reject(ctx, tok, conn, &mut self.stats, &e, input),
        }
    }

    fn on_eof(&mut self, _ctx: &mut Ctx<'_>, tok: Token, conn: &mut FramedConn<C>, rest: &[u8]) {
        truncated(tok, conn, &mut self.stats, rest);
    }
}

/// Print one line per message to `out`: `message N: <text>`, N counting
/// from 1 on each connection, text as lossy UTF-8 (a trailing line ending
/// is dropped, inner `\r`/`\n` are shown escaped so a message stays one line).
/// Never replies.
///
/// With [`RawChunks`] (`FramedPrint::new(out, RawChunks)`) each read is a
/// "message": run the `sticky_client` against it to watch messages stick.
#[derive(Debug)]
pub struct FramedPrint<W: Write, C: Codec + Clone> {
    out: W,
    codec: C,
    stats: FramedStats,
}

impl<W: Write, C: Codec + Clone> FramedPrint<W, C> {
    /// Print to `out` (e.g. `std::io::stdout()`), framing with `codec`.
    pub fn new(out: W, codec: C) -> Self {
        FramedPrint {
            out,
            codec,
            stats: FramedStats::default(),
        }
    }

    /// The writer (e.g. a `Vec<u8>` in tests).
    pub fn output(&self) -> &W {
        &self.out
    }

    /// The codec new connections start from.
    pub fn codec(&self) -> &C {
        &self.codec
    }

    /// Counters over all connections so far.
    pub fn stats(&self) -> FramedStats {
        self.stats
    }
}

/// One message as one printable line.
fn printable(payload: &[u8]) -> String {
    String::from_utf8_lossy(payload)
        .trim_end_matches(['\r', '\n'])
        .replace('\r', "\\r")
        .replace('\n', "\\n")
}

impl<W: Write, C: Codec + Clone> Service for FramedPrint<W, C> {
    type Conn = FramedConn<C>;

    fn on_open(&mut self, _ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) -> FramedConn<C> {
        log::info!("accepted {peer} (tok={tok})");
        FramedConn::new(&self.codec, peer)
    }

    fn on_data(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        conn: &mut FramedConn<C>,
        input: &[u8],
    ) -> usize {
        let out = &mut self.out;
        let result = decode_frames(conn, &mut self.stats, input, |n, payload| {
            // A failed stdout (closed pipe) must not take the server down.
            let _ = writeln!(out, "message {n}: {}", printable(payload));
        });
        let _ = self.out.flush();
        match result {
            Ok(used) => used,
            Err(e) => reject(ctx, tok, conn, &mut self.stats, &e, input),
        }
    }

    fn on_eof(&mut self, _ctx: &mut Ctx<'_>, tok: Token, conn: &mut FramedConn<C>, rest: &[u8]) {
        truncated(tok, conn, &mut self.stats, rest);
    }

    fn on_close(
        &mut self,
        _ctx: &mut Ctx<'_>,
        tok: Token,
        conn: FramedConn<C>,
        reason: &CloseReason,
    ) {
        log::info!(
            "{} (tok={tok}) closed after {} message(s): {reason}",
            conn.peer,
            conn.messages
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn printable_keeps_a_message_on_one_line() {
        assert_eq!(printable(b"hi\r\n"), "hi");
        assert_eq!(printable(b"a\nb\r\nc\n"), "a\\nb\\r\\nc");
        assert_eq!(printable(b"\xffok"), "\u{fffd}ok");
    }
}
