//! [`Ack`]: one fixed reply per read (the tutorial's "ok" server).

use crate::{Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;

/// Answer every read (TCP) or datagram (UDP) with a fixed reply, default
/// `ok`, optionally printing what arrived.
///
/// "Per read", as in the tutorial: the Go server calls `conn.Read` and then
/// `conn.Write("ok")`, so two messages that arrive together get one `ok`.
/// That is the sticky-packet lesson; framing fixes it (see `codec`).
#[derive(Debug, Clone)]
pub struct Ack {
    reply: Vec<u8>,
    print: bool,
}

impl Default for Ack {
    fn default() -> Self {
        Ack::new("ok")
    }
}

impl Ack {
    /// Reply with `reply` to every read.
    pub fn new(reply: impl Into<Vec<u8>>) -> Ack {
        Ack {
            reply: reply.into(),
            print: false,
        }
    }

    /// Also print each received chunk to stdout (`{peer}: {text}`).
    pub fn printing(mut self, print: bool) -> Ack {
        self.print = print;
        self
    }

    fn show(&self, peer: SocketAddr, data: &[u8]) {
        if self.print {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{peer}: {}", String::from_utf8_lossy(data).trim_end());
            let _ = out.flush();
        }
    }
}

impl Service for Ack {
    /// The peer, for printing.
    type Conn = SocketAddr;

    fn on_open(&mut self, _ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) -> SocketAddr {
        log::info!("accepted {peer} (tok={tok})");
        peer
    }

    fn on_data(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        peer: &mut SocketAddr,
        input: &[u8],
    ) -> usize {
        self.show(*peer, input);
        ctx.write(tok, &self.reply);
        input.len()
    }

    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, sock: Token, from: SocketAddr, data: &[u8]) {
        log::info!(
            "udp from={from} count={} data={:?}",
            data.len(),
            String::from_utf8_lossy(data)
        );
        self.show(from, data);
        ctx.send_to(sock, from, &self.reply);
    }
}
