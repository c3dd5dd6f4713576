//! [`Echo`]: every byte back, as it arrives (the tutorial's echo server).

use crate::{Ctx, Service, Token};
use std::net::SocketAddr;

/// Echo TCP bytes and UDP datagrams back to the sender.
///
/// TCP echo does no framing: whatever one read returned is queued back at
/// once. Backpressure, half-close and partial writes are the reactor's job,
/// which is why this is all there is.
#[derive(Debug, Default, Clone, Copy)]
pub struct Echo;

impl Service for Echo {
    type Conn = ();

    fn on_open(&mut self, _ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) {
        log::debug!("echo tok={tok} peer={peer} open");
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _conn: &mut (), input: &[u8]) -> usize {
        ctx.write(tok, input);
        input.len()
    }

    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, sock: Token, from: SocketAddr, data: &[u8]) {
        log::debug!(
            "echo udp from={from} count={} data={:?}",
            data.len(),
            String::from_utf8_lossy(data)
        );
        ctx.send_to(sock, from, data);
    }
}
