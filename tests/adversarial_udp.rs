//! UDP under stress, on a reactor that also serves TCP: the largest
//! possible datagram (65,507 bytes) and a normal one after it are echoed
//! intact, and a flood of at least 100k datagrams does not stop a TCP client
//! from being served (its echo round trip completes while the flood is
//! still running). Every datagram the reactor took in was either echoed or
//! counted as dropped (on loopback a send never fails, so the drop path
//! itself is forced in `udp_failed_send_is_counted_as_dropped.rs`).
mod util;
use evloop::{services::Echo, Config};
use std::io::Write;
use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use util::*;

const MAX_DATAGRAM: usize = 65_507; // 65,535 - 8 (UDP) - 20 (IPv4)
const FLOOD: u64 = 100_000;
/// The flood goes on past FLOOD until the TCP round trip is done, up to this.
const FLOOD_BOUND: u64 = 2_000_000;

#[test]
fn big_datagrams_are_intact_and_a_udp_flood_does_not_starve_tcp() {
    let server = serve_with(Echo, Config::default(), |r| {
        let udp = r.bind_udp(loopback0()).expect("bind udp");
        let tcp = r.listen(loopback0()).expect("listen");
        vec![r.local_addr(udp).unwrap(), r.local_addr(tcp).unwrap()]
    });
    let (udp, tcp) = (server.addrs[0], server.addrs[1]);

    let client = udp_client();
    let big = pattern(MAX_DATAGRAM);
    let mut buf = vec![0u8; 65_536];
    client
        .send_to(&big, udp)
        .expect("send the largest datagram");
    let (n, _) = client
        .recv_from(&mut buf)
        .expect("echo of the largest datagram");
    assert!(n == MAX_DATAGRAM && buf[..n] == big[..], "{n} bytes back");
    client.send_to(b"normal", udp).unwrap();
    let (n, _) = client
        .recv_from(&mut buf)
        .expect("echo of a normal datagram");
    assert_eq!(&buf[..n], b"normal");

    // The flood: from its own socket, which never reads its echoes.
    let (sent, tcp_done) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let flooder = {
        let (sent, tcp_done) = (sent.clone(), tcp_done.clone());
        thread::spawn(move || {
            let sock = UdpSocket::bind(loopback0()).expect("bind flooder");
            let deadline = Instant::now() + TIMEOUT;
            let msg = [b'f'; 32];
            let mut n = 0;
            while n < FLOOD_BOUND && (n < FLOOD || !tcp_done.load(Ordering::Acquire)) {
                if Instant::now() > deadline {
                    break;
                }
                // Loopback send_to does not block; a full receiver drops.
                if sock.send_to(&msg, udp).is_ok() {
                    n += 1;
                    sent.store(n, Ordering::Release);
                }
            }
            n
        })
    };
    wait_until("the flood to reach the server", || {
        server.handle.metrics().udp_in > 1_000
    });
    let mut c = connect(tcp);
    c.write_all(b"tcp during the flood\n").unwrap();
    assert_eq!(read_n(&mut c, 21), b"tcp during the flood\n");
    // The flooder only stops once it sees this flag (or its bounds).
    let running = !flooder.is_finished();
    tcp_done.store(true, Ordering::Release);
    let total = flooder.join().unwrap();
    assert!(
        running,
        "the flood ended before the TCP round trip completed"
    );
    assert!((FLOOD..FLOOD_BOUND).contains(&total), "flood sent {total}");

    // Still serving both afterwards. The server's receive queue may still
    // be full of flood for a moment, and a full queue drops what arrives:
    // that is UDP, so retry a few times.
    client
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let echoed = (0..10).any(|_| {
        client.send_to(b"after", udp).unwrap();
        // The flood's echoes went to the flooder's socket, not here.
        matches!(client.recv_from(&mut buf), Ok((5, _))) && &buf[..5] == b"after"
    });
    assert!(echoed, "no UDP echo after the flood");
    c.write_all(b"tcp after\n").unwrap();
    assert_eq!(read_n(&mut c, 10), b"tcp after\n");

    wait_until(
        "every datagram in to be echoed or counted as dropped",
        || {
            let m = server.handle.metrics();
            m.udp_in > 0 && m.udp_out + m.udp_dropped == m.udp_in
        },
    );
    let m = server.handle.metrics();
    // In: our 3, plus the part of the flood the kernel did not drop.
    assert!(m.udp_in >= 3 && m.udp_in <= total + 3, "{m}");
    server.stop();
}
