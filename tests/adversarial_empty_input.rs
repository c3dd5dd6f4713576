//! Empty input: 1,000 clients connect and close without sending a byte.
//! None gets a reply (each read is EOF with 0 bytes), and nothing leaks:
//! `open_conns` returns to 0, `closed` counts all 1,000, and this process's
//! descriptor count (the reactor runs in-process, so its fds are ours)
//! returns to its baseline. A 0-byte UDP datagram is echoed as a 0-byte
//! datagram (documented in `src/reactor/udp.rs`).
//!
//! One test function on purpose: a second test in this binary would run on
//! another thread and open descriptors while we count them.
mod util;
use evloop::{services::Echo, Config};
use std::io::Read;
use std::net::Shutdown;
use util::*;

const CLIENTS: u64 = 1_000;

#[test]
fn connect_and_close_leaks_nothing_and_an_empty_datagram_is_echoed_empty() {
    let server = serve_with(Echo, Config::default(), |r| {
        let tcp = r.listen(loopback0()).expect("listen");
        let udp = r.bind_udp(loopback0()).expect("bind udp");
        vec![r.local_addr(tcp).unwrap(), r.local_addr(udp).unwrap()]
    });
    let (tcp, udp) = (server.addrs[0], server.addrs[1]);
    let baseline = open_fds();

    for i in 0..CLIENTS {
        let mut c = connect(tcp);
        c.shutdown(Shutdown::Write).unwrap();
        let mut buf = [0u8; 16];
        let n = c
            .read(&mut buf)
            .unwrap_or_else(|e| panic!("client {i}: {e}"));
        assert_eq!(n, 0, "client {i} got a reply to nothing: {:?}", &buf[..n]);
    }
    wait_until("every empty connection to be closed", || {
        let m = server.handle.metrics();
        m.open_conns == 0 && m.closed == CLIENTS
    });
    let m = server.handle.metrics();
    assert_eq!(
        (m.accepted, m.bytes_in, m.bytes_out),
        (CLIENTS, 0, 0),
        "{m}"
    );
    wait_until("the fd count to return to its baseline", || {
        open_fds() == baseline
    });

    let client = udp_client();
    client.send_to(&[], udp).unwrap();
    let mut buf = [0u8; 16];
    let (n, from) = client
        .recv_from(&mut buf)
        .expect("the empty datagram's echo");
    assert_eq!((n, from), (0, udp));
    // And the socket still echoes normal datagrams afterwards.
    client.send_to(b"after", udp).unwrap();
    let (n, _) = client.recv_from(&mut buf).expect("echo");
    assert_eq!(&buf[..n], b"after");
    server.stop();
}
