//! [`UdpSocket`]: datagrams as futures on the evloop reactor.
//!
//! Owns: the UDP leaf futures (bind, recv_from, send_to). Does not own:
//! readiness (`reactor/io_source.rs`).
//!
//! Unlike the callback path, which drops a reply that would block
//! (`reactor/udp.rs`), `send_to` here waits for the socket: a task that
//! awaits its send is the backpressure, and it holds only its own datagram.

use super::io::{poll_io, register, release};
use crate::reactor::io_source::{Dir, IoKind};
use crate::Token;
use log::trace;
use mio::Interest;
use std::future::poll_fn;
use std::io::{ErrorKind, Result};
use std::net::SocketAddr;

/// A UDP socket in the runtime's slab.
#[derive(Debug)]
pub struct UdpSocket {
    tok: Token,
    local: SocketAddr,
}

fn udp(io: &mut IoKind) -> Result<&mut mio::net::UdpSocket> {
    match io {
        IoKind::Udp(u) => Ok(u),
        _ => Err(ErrorKind::InvalidInput.into()),
    }
}

impl UdpSocket {
    /// Bind to `addr` (port 0 picks one). Only inside a runtime's task.
    pub async fn bind(addr: SocketAddr) -> Result<UdpSocket> {
        let socket = mio::net::UdpSocket::bind(addr)?;
        let local = socket.local_addr()?;
        let tok = register(IoKind::Udp(socket), Interest::READABLE)?;
        log::info!("udp bound on {local} (tok={tok})");
        Ok(UdpSocket { tok, local })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The next datagram, into `buf` (a longer one is cut to fit, as with
    /// `recvfrom(2)`); 0-byte datagrams are legal.
    pub async fn recv_from(&self, buf: &mut [u8]) -> Result<(usize, SocketAddr)> {
        let tok = self.tok;
        poll_fn(|cx| {
            poll_io(tok, Dir::Read, cx, |io| {
                let (n, from) = udp(io)?.recv_from(buf)?;
                trace!("recv_from tok={tok} n={n} from={from}");
                Ok(((n, from), false))
            })
        })
        .await
    }

    /// Send one datagram, waiting if the socket's buffer is full.
    pub async fn send_to(&self, buf: &[u8], to: SocketAddr) -> Result<usize> {
        let tok = self.tok;
        poll_fn(|cx| {
            poll_io(tok, Dir::Write, cx, |io| {
                let n = udp(io)?.send_to(buf, to)?;
                trace!("send_to tok={tok} n={n} to={to}");
                Ok((n, false))
            })
        })
        .await
    }
}

impl Drop for UdpSocket {
    fn drop(&mut self) {
        release(self.tok);
    }
}
