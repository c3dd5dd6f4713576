//! UDP: each datagram is answered with one datagram, exactly; a 0-byte
//! datagram is a valid message and is echoed as a 0-byte datagram; `Ack`
//! answers "ok" on UDP too.
mod util;
use evloop::{
    services::{Ack, Echo},
    Config, Reactor, Service,
};
use std::net::{SocketAddr, UdpSocket};
use util::*;

fn serve_udp<S: Service + Send + 'static>(svc: S) -> Server<S> {
    serve_with(svc, Config::default(), |r: &mut Reactor<S>| {
        let tok = r.bind_udp(loopback0()).expect("bind udp");
        vec![r.local_addr(tok).expect("udp local addr")]
    })
}

/// Send `data`, return the reply (which must come from the server).
#[track_caller]
fn round_trip(c: &UdpSocket, server: SocketAddr, data: &[u8]) -> Vec<u8> {
    c.send_to(data, server).expect("send_to");
    let mut buf = vec![0u8; 65_536];
    let (n, from) = c.recv_from(&mut buf).expect("no reply datagram");
    assert_eq!(from, server, "reply from the server's address");
    buf.truncate(n);
    buf
}

#[test]
fn datagrams_are_echoed_exactly_including_empty_and_large_ones() {
    let server = serve_udp(Echo);
    let c = udp_client();
    assert_eq!(round_trip(&c, server.addr, b"hello"), b"hello");
    assert_eq!(round_trip(&c, server.addr, b""), b"", "0-byte datagram");
    // The next reply is the next datagram, not leftovers of the last.
    assert_eq!(round_trip(&c, server.addr, b"after empty"), b"after empty");
    let big = pattern(60_000);
    assert!(
        round_trip(&c, server.addr, &big) == big,
        "60,000-byte datagram"
    );
    wait_until("datagrams to be counted", || {
        let m = server.handle.metrics();
        m.udp_in == 4 && m.udp_out == 4
    });
    server.stop();
}

#[test]
fn two_clients_each_get_their_own_reply() {
    let server = serve_udp(Echo);
    let (a, b) = (udp_client(), udp_client());
    a.send_to(b"from a", server.addr).unwrap();
    b.send_to(b"from b", server.addr).unwrap();
    assert_eq!(round_trip(&b, server.addr, b"b again"), b"from b");
    assert_eq!(round_trip(&a, server.addr, b"a again"), b"from a");
    server.stop();
}

#[test]
fn ack_answers_ok_on_udp() {
    let server = serve_udp(Ack::new("ok"));
    let c = udp_client();
    assert_eq!(round_trip(&c, server.addr, b"anything"), b"ok");
    assert_eq!(round_trip(&c, server.addr, b""), b"ok");
    server.stop();
}
