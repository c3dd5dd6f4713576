//! The batched UDP path (`recvmmsg`/`sendmmsg` on Linux): bursts from many
//! sockets at once, so the server reads full batches of datagrams from
//! different senders, and every datagram is answered byte-exact, to its own
//! sender, in the order it was sent; none is dropped. Sizes vary from 0
//! bytes to the largest IPv4 datagram (65,507), which must not be cut by a
//! batch slot.
mod util;
use evloop::{services::Echo, Config};
use std::net::{SocketAddr, UdpSocket};
use util::*;

const SOCKETS: usize = 16;
const DEPTH: usize = 16;
const ROUNDS: usize = 4;

/// Datagram `i` of socket `s` in round `r`: distinct, and of varied size.
fn payload(s: usize, r: usize, i: usize) -> Vec<u8> {
    let len = match i {
        0 => 0,
        _ => (s * 131 + r * 17 + i * 61) % 1400,
    };
    let tag = format!("{s}/{r}/{i}:");
    tag.bytes().chain(pattern(len)).collect()
}

#[track_caller]
fn recv_reply(c: &UdpSocket, server: SocketAddr, buf: &mut [u8]) -> Vec<u8> {
    let (n, from) = c.recv_from(buf).expect("a reply was lost");
    assert_eq!(from, server, "reply from the server's address");
    buf[..n].to_vec()
}

#[test]
fn bursts_from_many_sockets_are_all_answered_byte_exact_and_in_order() {
    let server = serve_with(Echo, Config::default(), |r| {
        // A deep receive queue: loopback drops silently at a full receiver,
        // and this test is about the server, not the kernel's queue.
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
            .expect("socket");
        let _ = s.set_recv_buffer_size(4 << 20);
        s.bind(&loopback0().into()).expect("bind");
        let tok = r.bind_udp_std(s.into()).expect("bind udp");
        vec![r.local_addr(tok).expect("udp local addr")]
    });
    let clients: Vec<UdpSocket> = (0..SOCKETS).map(|_| udp_client()).collect();
    let mut buf = vec![0u8; 65_536];
    for r in 0..ROUNDS {
        // All sockets send their whole burst before anyone reads.
        for (s, c) in clients.iter().enumerate() {
            for i in 0..DEPTH {
                c.send_to(&payload(s, r, i), server.addr).expect("send_to");
            }
        }
        for (s, c) in clients.iter().enumerate() {
            for i in 0..DEPTH {
                let got = recv_reply(c, server.addr, &mut buf);
                assert!(got == payload(s, r, i), "socket {s} round {r} datagram {i}");
            }
        }
    }
    // The largest datagram IPv4 carries comes back whole.
    let big = pattern(65_507);
    clients[0].send_to(&big, server.addr).expect("send_to");
    assert!(
        recv_reply(&clients[0], server.addr, &mut buf) == big,
        "65,507 bytes"
    );

    let total = (SOCKETS * DEPTH * ROUNDS + 1) as u64;
    wait_until("every reply to be counted", || {
        server.handle.metrics().udp_out == total
    });
    let m = server.handle.metrics();
    assert_eq!(
        (m.udp_in, m.udp_out, m.udp_dropped),
        (total, total, 0),
        "{m}"
    );
    server.stop();
}
