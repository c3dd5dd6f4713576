//! `--mode serve-http-floor`: the HTTP floor for the comparison. A server
//! on the evloop reactor that answers every request head (anything ending
//! in a blank line) with one canned `200 HelloWorld` response, without
//! parsing it. Does not own: anything a real HTTP server does (methods,
//! paths, bodies, limits, errors); that cost is what `http_server` adds on
//! top of this, which is the point of measuring both.

use evloop::{Ctx, Service, Token};
use std::net::SocketAddr;

const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nHelloWorld";

/// Canned responses, one per `\r\n\r\n` seen.
pub struct Floor;

impl Service for Floor {
    type Conn = ();

    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) {}

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        let mut used = 0;
        while let Some(end) = input[used..].windows(4).position(|w| w == b"\r\n\r\n") {
            ctx.write(tok, RESPONSE);
            used += end + 4;
        }
        used
    }
}
