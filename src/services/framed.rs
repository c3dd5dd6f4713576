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

use crate::codec::{decode_all, Codec, FramingError};
use crate::{CloseReason, Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;

mod codecs;

pub use codecs::{AnyCodec, FrameLimit, RawChunks};

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
    fn printable_keeps_a_message_on_one_line() {
        assert_eq!(printable(b"hi\r\n"), "hi");
        assert_eq!(printable(b"a\nb\r\nc\n"), "a\\nb\\r\\nc");
        assert_eq!(printable(b"\xffok"), "\u{fffd}ok");
    }
}
