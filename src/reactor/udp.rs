//! UDP sockets: batched receive, a bounded reply queue, batched send.
//!
//! Owns: draining the socket (per [the drain rule](crate::reactor#readiness-is-a-hint-drain-until-wouldblock),
//! with a per-event cap so a datagram flood cannot starve TCP), queuing the
//! replies `Ctx::send_to` produces, and sending them in the flush phase.
//! Does not own: what a datagram means (`Service::on_datagram`), or the
//! async runtime's UDP sockets (`crate::rt::udp`, which send at once).
//!
//! # Batching (Linux)
//! One readiness event costs one `recvmmsg` per [`BATCH`](mmsg::BATCH)
//! (32) datagrams instead of one `recv_from` each, and the replies of one
//! tick cost one `sendmmsg` instead of one `send_to` each (`mmsg.rs` holds
//! the two syscalls). `send_to` therefore queues: each socket has a reply
//! queue of at most `BATCH` datagrams, sent in order in the flush phase,
//! after every callback of the tick ran. A service that queues more in one
//! tick (more replies than requests, a broadcast from a timer) does not
//! lose them: the full queue goes out at once, with one `sendmmsg`, and the
//! new reply starts the next batch. So memory is bounded (`BATCH` replies
//! of at most 64 KiB per socket) and the syscalls are amortised.
//!
//! Where a batch ends: `recvmmsg` on a non-blocking socket stops at the
//! first datagram it cannot read, so a short batch means the queue was
//! empty (`EAGAIN`) and we go back to `poll` without the extra call that
//! would only say so; the next datagram raises a new edge. (A connected
//! socket with a pending ICMP error can end a batch early too; the error
//! is returned by the next call, which the next datagram's edge triggers.)
//! A full batch reads on, up to `DATAGRAMS_PER_EVENT`, then yields.
//!
//! UDP has no flow control, so a reply the kernel will not take is dropped
//! and counted (`udp_dropped`), which is what the protocol already
//! tolerates: `WouldBlock` drops the rest of the batch (the socket buffer
//! is full), any other error drops that one reply (a bad address, an
//! unreachable peer) and the others still go. 0-byte datagrams are legal;
//! they are delivered as an empty slice (the echo services answer with an
//! empty datagram). Elsewhere than Linux the same rules hold with one
//! `recv_from`/`send_to` per datagram and nothing queued.

#[cfg(target_os = "linux")]
mod mmsg;

use super::{Core, Ctx, Reactor, Source};
use crate::{Service, Token};
use log::{debug, trace};
use mio::net::UdpSocket;
use std::io;
use std::net::SocketAddr;

/// Datagrams handled per readiness event before yielding to other sources.
const DATAGRAMS_PER_EVENT: usize = 256;
/// The largest datagram `send_to` accepts (the IPv6 UDP payload limit; the
/// kernel refuses more over IPv4). Bounds what one queued reply can hold.
const MAX_DATAGRAM: usize = 65_527;

#[cfg(target_os = "linux")]
pub(crate) use mmsg::RecvBatch;
/// Elsewhere datagrams are read one at a time into the shared read buffer.
#[cfg(not(target_os = "linux"))]
#[derive(Default)]
pub(crate) struct RecvBatch;

/// The slab's record for a UDP socket.
pub(crate) struct UdpEntry {
    pub(crate) socket: UdpSocket,
    pub(crate) local: SocketAddr,
    #[cfg(target_os = "linux")]
    out: ReplyQueue,
}

impl UdpEntry {
    pub(crate) fn new(socket: UdpSocket, local: SocketAddr) -> UdpEntry {
        UdpEntry {
            socket,
            local,
            #[cfg(target_os = "linux")]
            out: ReplyQueue::default(),
        }
    }
}

/// At most `BATCH` replies waiting for the flush phase. Entries are reused
/// (their `Vec`s keep their capacity), so a steady echo allocates nothing.
#[cfg(target_os = "linux")]
#[derive(Default)]
struct ReplyQueue {
    msgs: Vec<mmsg::Reply>,
    len: usize,
    /// The socket's token is on `Core::udp_flush` already.
    listed: bool,
}

/// A reply buffer that grew past this is freed after its send, so a rare
/// large datagram does not pin 64 KiB per slot forever.
#[cfg(target_os = "linux")]
const KEEP_CAPACITY: usize = 4096;

#[cfg(target_os = "linux")]
impl UdpEntry {
    fn queue(&mut self, to: SocketAddr, data: &[u8]) {
        let q = &mut self.out;
        let to = socket2::SockAddr::from(to);
        if let Some(m) = q.msgs.get_mut(q.len) {
            m.to = to;
            m.data.clear();
            m.data.extend_from_slice(data);
        } else {
            let data = data.to_vec();
            q.msgs.push(mmsg::Reply { to, data });
        }
        q.len += 1;
    }

    /// Send every queued reply, in order, in as few `sendmmsg` as the kernel
    /// allows; count what it refuses as dropped. The queue is empty after.
    pub(crate) fn flush(&mut self, tok: Token, m: &mut crate::Metrics) {
        use std::os::fd::AsRawFd;
        let fd = self.socket.as_raw_fd();
        let q = &mut self.out;
        let (mut sent, mut interrupted) = (0, 0);
        while sent < q.len {
            match mmsg::send_batch(fd, &q.msgs[sent..q.len]) {
                Ok(0) => break, // cannot happen for a non-empty batch
                Ok(n) => {
                    trace!("sendmmsg tok={tok} n={n}");
                    m.udp_out += n as u64;
                    sent += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    trace!("sendmmsg tok={tok} WouldBlock, dropping {}", q.len - sent);
                    break;
                }
                // A signal before anything was sent: try again (bounded).
                Err(e) if e.kind() == io::ErrorKind::Interrupted && interrupted < 3 => {
                    interrupted += 1;
                }
                Err(e) => {
                    let to = q.msgs[sent].to.as_socket();
                    trace!("sendmmsg tok={tok} to={to:?} dropped err={e}");
                    m.udp_dropped += 1;
                    sent += 1;
                }
            }
        }
        m.udp_dropped += (q.len - sent) as u64;
        for r in &mut q.msgs[..q.len] {
            if r.data.capacity() > KEEP_CAPACITY {
                r.data = Vec::new();
            }
        }
        q.len = 0;
    }
}

/// Linux: queue the reply; the flush phase (or a full queue) sends it.
#[cfg(target_os = "linux")]
pub(crate) fn send_to(core: &mut Core, sock: Token, to: SocketAddr, data: &[u8]) -> bool {
    if !core.is_current(sock) {
        return false;
    }
    let Some(Source::Udp(u)) = core.sources.get_mut(sock.slot()) else {
        return false;
    };
    if data.len() > MAX_DATAGRAM {
        trace!("send_to tok={sock} to={to} dropped: {} bytes", data.len());
        core.metrics.udp_dropped += 1;
        return false;
    }
    if u.out.len >= mmsg::BATCH {
        u.flush(sock, &mut core.metrics);
    }
    u.queue(to, data);
    if !u.out.listed {
        u.out.listed = true;
        core.udp_flush.push(sock);
    }
    true
}

/// Flush phase: send the replies queued this tick, one socket at a time.
#[cfg(target_os = "linux")]
pub(crate) fn flush_all(core: &mut Core) {
    if core.udp_flush.is_empty() {
        return;
    }
    let mut list = std::mem::take(&mut core.udp_flush);
    for tok in list.drain(..) {
        if !core.is_current(tok) {
            continue;
        }
        if let Some(Source::Udp(u)) = core.sources.get_mut(tok.slot()) {
            u.out.listed = false;
            u.flush(tok, &mut core.metrics);
        }
    }
    core.udp_flush = list; // keep the allocation
}

#[cfg(target_os = "linux")]
impl<S: Service> Reactor<S> {
    pub(crate) fn udp_ready(&mut self, tok: Token) {
        use std::os::fd::AsRawFd;
        let mut handled = 0;
        while handled < DATAGRAMS_PER_EVENT {
            let Some(Source::Udp(u)) = self.core.source_mut(tok) else {
                return;
            };
            let n = match self.udp_rx.recv(u.socket.as_raw_fd()) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    trace!("recvmmsg tok={tok} WouldBlock");
                    return;
                }
                // ICMP errors from earlier sends surface here on some
                // systems; they concern one peer, not the socket.
                Err(e) => {
                    debug!("recvmmsg tok={tok} err={e}");
                    handled += 1;
                    continue;
                }
            };
            trace!("recvmmsg tok={tok} n={n}");
            self.core.metrics.udp_in += n as u64;
            for i in 0..n {
                // Every datagram on an IP socket has an IP sender.
                let Some((Some(from), data)) = self.udp_rx.get(i) else {
                    continue;
                };
                let ctx = &mut Ctx {
                    core: &mut self.core,
                };
                self.service.on_datagram(ctx, tok, from, data);
            }
            handled += n;
            if n < mmsg::BATCH {
                return; // drained: see "Where a batch ends"
            }
        }
        self.core.again(tok);
    }
}

#[cfg(not(target_os = "linux"))]
impl UdpEntry {
    /// Nothing is queued off Linux: `send_to` sends at once.
    pub(crate) fn flush(&mut self, _tok: Token, _m: &mut crate::Metrics) {}
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn flush_all(core: &mut Core) {
    core.udp_flush.clear();
}

#[cfg(not(target_os = "linux"))]
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
                Err(e) => debug!("recv_from tok={tok} err={e}"),
            }
        }
        self.core.again(tok);
    }
}

/// Elsewhere: send now, drop (and count) what would block.
#[cfg(not(target_os = "linux"))]
pub(crate) fn send_to(core: &mut Core, sock: Token, to: SocketAddr, data: &[u8]) -> bool {
    let Some(Source::Udp(u)) = core.source_mut(sock) else {
        return false;
    };
    let sent = if data.len() > MAX_DATAGRAM {
        Err(io::Error::other("datagram too long"))
    } else {
        u.socket.send_to(data, to)
    };
    match sent {
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
