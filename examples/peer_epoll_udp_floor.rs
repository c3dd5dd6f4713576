// PEER (not part of the evloop library): THE UDP FLOOR, a bare epoll loop.
//
// A comparison peer for the UDP echo benchmark: one UDP socket,
// level-triggered EPOLLIN, and per wakeup the least work an echo can do.
// By default that is one recvfrom(2) and one sendto(2) per datagram until
// EAGAIN (what a per-datagram C loop does). With `--batch` it is one
// recvmmsg(2) of up to 32 datagrams and one sendmmsg(2) of their echoes,
// reusing the very headers the kernel filled in (sender address, length):
// the batched floor. A reply that would block is dropped (UDP may), and a
// datagram longer than 2,048 bytes is cut: a floor, not a server.
//
//   cargo run --release --example peer_epoll_udp_floor -- --addr 127.0.0.1:9091
//   cargo run --release --example peer_epoll_udp_floor -- --batch
//   echo hello | nc -u -w1 127.0.0.1 9091
//
// Options:
//   --addr HOST:PORT   where to bind (default 127.0.0.1:9091)
//   --batch            recvmmsg/sendmmsg, 32 datagrams a call (default: one recvfrom and sendto each)
//
// Runs until killed. A bind failure prints one line and exits with 1.

mod common;

use std::io::{self, ErrorKind};
use std::net::UdpSocket;
use std::os::fd::AsRawFd;

use libc::c_int;

const NAME: &str = "peer_epoll_udp_floor";
const BATCH: usize = 32;
const SLOT: usize = 2048;

/// Echo datagrams one syscall each way until the socket is empty.
fn echo_each(sock: &UdpSocket, buf: &mut [u8]) -> io::Result<()> {
    loop {
        let (n, from) = sock.recv_from(buf)?;
        if let Err(e) = sock.send_to(&buf[..n], from) {
            if e.kind() != ErrorKind::WouldBlock {
                return Err(e);
            }
        }
    }
}

/// The batch buffers: BATCH slots, their iovecs, addresses and headers.
struct Batch {
    bufs: Vec<u8>,
    iov: Vec<libc::iovec>,
    names: Vec<libc::sockaddr_storage>,
    hdrs: Vec<libc::mmsghdr>,
}

impl Batch {
    fn new() -> Batch {
        let mut b = Batch {
            bufs: vec![0; BATCH * SLOT],
            iov: Vec::with_capacity(BATCH),
            // SAFETY: all zeros is a valid sockaddr_storage and mmsghdr.
            names: vec![unsafe { std::mem::zeroed() }; BATCH],
            hdrs: vec![unsafe { std::mem::zeroed() }; BATCH],
        };
        for slot in b.bufs.chunks_exact_mut(SLOT) {
            let (iov_base, iov_len) = (slot.as_mut_ptr().cast(), SLOT);
            b.iov.push(libc::iovec { iov_base, iov_len });
        }
        // The vectors never grow again, so these pointers stay valid.
        for i in 0..BATCH {
            b.hdrs[i].msg_hdr.msg_iov = &mut b.iov[i];
            b.hdrs[i].msg_hdr.msg_iovlen = 1;
            b.hdrs[i].msg_hdr.msg_name = (&mut b.names[i] as *mut libc::sockaddr_storage).cast();
        }
        b
    }

    /// recvmmsg then sendmmsg, until a batch comes back short.
    fn echo(&mut self, fd: c_int) -> io::Result<()> {
        loop {
            for (h, v) in self.hdrs.iter_mut().zip(&mut self.iov) {
                v.iov_len = SLOT;
                h.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            }
            let flags = libc::MSG_DONTWAIT;
            // SAFETY: each header points at its own live iovec (a SLOT-byte
            // slot of `bufs`) and address storage of `msg_namelen` bytes.
            let n = unsafe {
                libc::recvmmsg(
                    fd,
                    self.hdrs.as_mut_ptr(),
                    BATCH as _,
                    flags,
                    std::ptr::null_mut(),
                )
            };
            let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
            // Echo in place: the kernel left each sender in msg_name.
            for (h, v) in self.hdrs.iter_mut().zip(&mut self.iov).take(n) {
                v.iov_len = h.msg_len as usize;
            }
            // SAFETY: as above; the first n headers were just filled in.
            let sent = unsafe { libc::sendmmsg(fd, self.hdrs.as_mut_ptr(), n as _, flags) };
            if sent < 0 && io::Error::last_os_error().kind() != ErrorKind::WouldBlock {
                return Err(io::Error::last_os_error());
            }
            if n < BATCH {
                return Ok(());
            }
        }
    }
}

fn main() {
    let mut args = common::Args::parse(include_str!("peer_epoll_udp_floor.rs"));
    let addr = args.addr("127.0.0.1:9091");
    let batch = args.flag("batch");
    args.finish();
    let sock = UdpSocket::bind(addr)
        .and_then(|s| s.set_nonblocking(true).map(|()| s))
        .unwrap_or_else(|e| common::fail(format!("cannot bind udp {addr}: {e}")));
    let fd = sock.as_raw_fd();
    let mut ev = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: 0,
    };
    // SAFETY: epoll_create1 takes no pointers; `ev` is valid for epoll_ctl.
    let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if epfd < 0 || unsafe { libc::epoll_ctl(epfd, libc::EPOLL_CTL_ADD, fd, &mut ev) } < 0 {
        common::fail(format!("epoll setup: {}", io::Error::last_os_error()));
    }
    let local = sock.local_addr().unwrap_or(addr);
    eprintln!("{NAME}: udp bound on {local}");
    let (mut buf, mut b) = (vec![0u8; SLOT], Batch::new());
    loop {
        // SAFETY: `ev` has room for the one event asked for.
        if unsafe { libc::epoll_wait(epfd, &mut ev, 1, -1) } < 0 {
            let e = io::Error::last_os_error();
            if e.kind() != ErrorKind::Interrupted {
                common::fail(format!("epoll_wait: {e}"));
            }
            continue;
        }
        let r = if batch {
            b.echo(fd)
        } else {
            echo_each(&sock, &mut buf)
        };
        match r {
            Err(e) if !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                eprintln!("{NAME}: {e}"); // e.g. ECONNREFUSED from an ICMP error: go on
            }
            _ => {}
        }
    }
}
