//! UDP sockets: receive loop and non-blocking send.
//!
//! Owns: draining `recv_from` (per [the drain rule](crate::reactor#readiness-is-a-hint-drain-until-wouldblock),
//! with a per-event cap so a datagram flood cannot starve TCP), and
//! `send_to` that drops instead of blocking. Does not own: what a datagram
//! means (`Service::on_datagram`).
//!
//! UDP has no connections, so there is no state machine and no output
//! buffer: a reply that would block is dropped and counted (`udp_dropped`),
//! which is what the protocol already tolerates. Queuing it would grow
//! memory without bound under a flood. 0-byte datagrams are legal; they are
//! delivered to the service as an empty slice (the echo services answer
//! with an empty datagram).

use super::{Core, Ctx, Reactor, Source};
use crate::{Service, Token};
use log::{debug, trace};
use mio::net::UdpSocket;
use std::io;
use std::net::SocketAddr;

/// Datagrams handled per readiness event before yielding to other sources.
const DATAGRAMS_PER_EVENT: usize = 256;

/// The slab's record for a UDP socket.
pub(crate) struct UdpEntry {
    pub(crate) socket: UdpSocket,
    pub(crate) local: SocketAddr,
}

impl UdpEntry {
    pub(crate) fn new(socket: UdpSocket, local: SocketAddr) -> UdpEntry {
        UdpEntry { socket, local }
    }
}

impl<S: Service> Reactor<S> {
    pub(crate) fn udp_ready(&mut self, tok: Token) {
        for _ in 0..DATAGRAMS_PER_EVENT {
            let Some(Source::Udp(u)) = self.core.source_mut(tok) else {
                return;
            };
            match u.socket.recv_from(&mut self.read_buf) {
                Ok((n, from)) => {
                    trace!("recv_from tok={tok} n={n} from={from}");
                    self.core.metrics.udp_in += 1;
                    let ctx = &mut Ctx {
                        core: &mut self.core,
                    };
                    self.service
                        .on_datagram(ctx, tok, from, &self.read_buf[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    trace!("recv_from tok={tok} WouldBlock");
                    return;
                }
                // ICMP errors from earlier sends surface here on some
                // systems; they concern one peer, not the socket.
                Err(e) => debug!("recv_from tok={tok} err={e}"),
            }
        }
        self.core.again(tok);
    }
}

pub(crate) fn send_to(core: &mut Core, sock: Token, to: SocketAddr, data: &[u8]) -> bool {
    let Some(Source::Udp(u)) = core.source_mut(sock) else {
        return false;
    };
    match u.socket.send_to(data, to) {
        Ok(n) => {
            trace!("send_to tok={sock} n={n} to={to}");
            core.metrics.udp_out += 1;
            true
        }
        Err(e) => {
            trace!("send_to tok={sock} to={to} dropped err={e}");
            core.metrics.udp_dropped += 1;
            false
        }
    }
}
