//! [`Print`]: show everything a peer sends, never reply (the tutorial's
//! first server, the one to try with telnet).

use crate::{CloseReason, Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;

/// Log each connection and write every received chunk to `out` as
/// `{peer}: {text}` (lossy UTF-8, one line per chunk).
pub struct Print<W: Write> {
    out: W,
}

impl<W: Write> Print<W> {
    /// Print to `out` (e.g. `std::io::stdout()`).
    pub fn new(out: W) -> Self {
        Print { out }
    }

    /// The writer (e.g. a `Vec<u8>` in tests).
    pub fn output(&self) -> &W {
        &self.out
    }
}

impl<W: Write> Service for Print<W> {
    type Conn = SocketAddr;

    fn on_open(&mut self, _ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) -> SocketAddr {
        log::info!("accepted {peer} (tok={tok})");
        peer
    }

    fn on_data(
        &mut self,
        _ctx: &mut Ctx<'_>,
        _tok: Token,
        peer: &mut SocketAddr,
        input: &[u8],
    ) -> usize {
        let text = String::from_utf8_lossy(input);
        // A failed stdout (closed pipe) must not take the server down.
        let _ = writeln!(self.out, "{peer}: {}", text.trim_end_matches(['\r', '\n']));
        let _ = self.out.flush();
        input.len()
    }

    fn on_close(&mut self, _ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr, reason: &CloseReason) {
        log::info!("{peer} (tok={tok}) closed: {reason}");
    }
}
