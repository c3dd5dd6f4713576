//! UDP's drop-don't-block send: a reply that cannot be sent is dropped and
//! counted in `udp_dropped`, and the socket keeps receiving.
//!
//! On loopback a send never blocks: the kernel hands the datagram to the
//! receiver at once (and drops it there, silently, if the receiver is
//! full), so even a 1-byte `SO_SNDBUF` never makes `send_to` fail (checked
//! on Linux 6.x: 20,000 sends of 60 KB, no `EAGAIN`). To force the drop
//! path we make every send fail instead: `shutdown(SHUT_WR)` on the
//! server's UDP socket, which Linux applies even to an unconnected socket
//! (it returns `ENOTCONN`, but `sendto` then fails with `EPIPE`) while
//! receiving goes on. The server runs in this process, so its socket is one
//! of our file descriptors: we find it by its address.

mod util;
use evloop::{services::Echo, Config};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::RawFd;
use std::time::Duration;
use util::*;

/// The descriptor of this process's UDP socket bound to `addr`.
#[track_caller]
fn udp_fd_bound_to(addr: SocketAddr) -> RawFd {
    let fds: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    let found: Vec<RawFd> = fds
        .into_iter()
        .filter(|&fd| is_udp(fd) && local_addr(fd) == Some(addr))
        .collect();
    assert_eq!(found.len(), 1, "UDP sockets bound to {addr}: {found:?}");
    found[0]
}

fn is_udp(fd: RawFd) -> bool {
    let mut ty: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `ty`, which lives
    // for the call; on a descriptor that is not a socket it just fails.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_TYPE,
            (&mut ty as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    rc == 0 && ty == libc::SOCK_DGRAM
}

fn local_addr(fd: RawFd) -> Option<SocketAddr> {
    // SAFETY: an all-zero sockaddr_in is a valid value.
    let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: getsockname writes at most `len` bytes into `sa`.
    let rc = unsafe { libc::getsockname(fd, (&mut sa as *mut libc::sockaddr_in).cast(), &mut len) };
    if rc != 0 || i32::from(sa.sin_family) != libc::AF_INET {
        return None;
    }
    let ip = std::net::Ipv4Addr::from(u32::from_be(sa.sin_addr.s_addr));
    Some(SocketAddr::from((ip, u16::from_be(sa.sin_port))))
}

/// From now on every `send_to` on `fd` fails (receiving still works).
#[track_caller]
fn shut_down_sending(fd: RawFd) {
    // SAFETY: shutdown on a descriptor we found open; it only changes the
    // socket's state. On an unconnected UDP socket Linux returns ENOTCONN
    // after applying it, so the result is checked by behaviour below.
    unsafe { libc::shutdown(fd, libc::SHUT_WR) };
}

#[track_caller]
fn echo_of(c: &UdpSocket, server: SocketAddr, msg: &[u8]) -> Vec<u8> {
    c.send_to(msg, server).expect("send_to");
    let mut buf = [0u8; 64];
    let (n, from) = c.recv_from(&mut buf).expect("no echo");
    assert_eq!(from, server);
    buf[..n].to_vec()
}

#[test]
fn replies_that_cannot_be_sent_are_counted_as_dropped_and_receiving_goes_on() {
    const ECHOED: u64 = 3;
    const DROPPED: u64 = 5;
    let server = serve_with(Echo, Config::default(), |r| {
        let udp = r.bind_udp(loopback0()).expect("bind udp");
        vec![r.local_addr(udp).expect("udp local addr")]
    });
    let c = udp_client();
    for i in 0..ECHOED {
        let msg = format!("before {i}");
        assert_eq!(echo_of(&c, server.addr, msg.as_bytes()), msg.as_bytes());
    }
    // Counters are published at the end of a tick, maybe after the echo.
    wait_until("the echoes to be counted", || {
        server.handle.metrics().udp_in == ECHOED
    });
    let m = server.handle.metrics();
    assert_eq!(
        (m.udp_in, m.udp_out, m.udp_dropped),
        (ECHOED, ECHOED, 0),
        "{m}"
    );

    shut_down_sending(udp_fd_bound_to(server.addr));
    for i in 0..DROPPED {
        c.send_to(format!("after {i}").as_bytes(), server.addr)
            .expect("send_to");
    }
    // Loopback delivers every datagram (the server's queue is far from
    // full), so all of them are received, and none can be answered.
    wait_until("every datagram to be received", || {
        server.handle.metrics().udp_in == ECHOED + DROPPED
    });
    let m = server.handle.metrics();
    assert!(m.udp_dropped > 0, "no reply was counted as dropped: {m}");
    assert_eq!(m.udp_dropped, DROPPED, "{m}");
    assert_eq!(m.udp_out, ECHOED, "{m}");
    assert_eq!(m.udp_out + m.udp_dropped, m.udp_in, "{m}");
    // And indeed nothing came back for them.
    c.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 64];
    assert!(c.recv_from(&mut buf).is_err(), "a dropped reply arrived");
    server.stop();
}
