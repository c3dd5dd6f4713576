// PEER (not part of the evloop library): THE FLOOR, a bare epoll loop in raw libc.
//
// A comparison peer for the echo benchmark. It does the least work any epoll
// reactor can do per event: level-triggered EPOLLIN, and per ready socket
// exactly ONE read(2) into a shared 64 KiB buffer and ONE write(2) of what was
// read. There is deliberately NO output buffering: if the write is short (or
// would block) the remaining bytes are DROPPED. That makes this a floor for CPU
// per operation, not a correct echo server; evloop cannot do less than this.
//
//   cargo run --release --example peer_epoll_floor -- --addr 127.0.0.1:20001
//   printf 'hello\n' | nc -q 1 127.0.0.1 20001
//
// With `--http` it is the HTTP floor instead: the same one read and one write,
// but the write is one canned `200 HelloWorld` response per request head
// (`\r\n\r\n`) found in what was read, without parsing anything. A head
// split across two reads is missed: again a floor, not a server.
//
//   cargo run --release --example peer_epoll_floor -- --http --addr 127.0.0.1:20001
//   curl http://127.0.0.1:20001/go
//
// Options:
//   --addr HOST:PORT   where to listen (default 127.0.0.1:20001)
//   --http             answer HTTP requests with the canned response (default: echo)
//
// Runs until killed. A bind failure prints one line and exits with 1.

mod common;

use std::io::{self, ErrorKind};
use std::mem::{size_of, zeroed};
use std::net::SocketAddr;
use std::ptr;

use libc::c_int;

const NAME: &str = "peer_epoll_floor";
const DEFAULT_ADDR: &str = "127.0.0.1:20001";
const CANNED: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nHelloWorld";
const BUF_SIZE: usize = 64 * 1024;
const MAX_EVENTS: usize = 1024;

/// Turn a libc return value into an `io::Result`, reading errno on -1.
fn cvt(ret: c_int) -> io::Result<c_int> {
    (ret != -1)
        .then_some(ret)
        .ok_or_else(io::Error::last_os_error)
}

/// Set an int socket option to 1 (SO_REUSEADDR, TCP_NODELAY).
fn set_flag(fd: c_int, level: c_int, name: c_int) -> io::Result<()> {
    let one: c_int = 1;
    let len = size_of::<c_int>() as libc::socklen_t;
    // SAFETY: `one` is a valid c_int that outlives the call; `len` is its size.
    cvt(unsafe { libc::setsockopt(fd, level, name, (&one as *const c_int).cast(), len) }).map(drop)
}

/// socket + SO_REUSEADDR + bind + listen, nonblocking, IPv4 only (the benchmark
/// is loopback); returns the listening fd.
fn listen_on(sa: SocketAddr) -> io::Result<c_int> {
    let SocketAddr::V4(v4) = sa else {
        return Err(io::Error::new(ErrorKind::Unsupported, "IPv4 only"));
    };
    // SAFETY: an all-zero sockaddr_in is valid; the fields that matter are set below.
    let mut sin: libc::sockaddr_in = unsafe { zeroed() };
    sin.sin_family = libc::AF_INET as libc::sa_family_t;
    sin.sin_port = v4.port().to_be();
    sin.sin_addr.s_addr = u32::from_ne_bytes(v4.ip().octets());
    let flags = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: socket(2) takes no pointers.
    let fd = cvt(unsafe { libc::socket(libc::AF_INET, flags, 0) })?;
    let len = size_of::<libc::sockaddr_in>() as libc::socklen_t;
    let setup = || {
        set_flag(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR)?;
        // SAFETY: `sin` is a fully initialised sockaddr_in and `len` its size.
        cvt(unsafe { libc::bind(fd, (&sin as *const libc::sockaddr_in).cast(), len) })?;
        // SAFETY: listen(2) takes no pointers.
        cvt(unsafe { libc::listen(fd, 1024) })
    };
    if let Err(e) = setup() {
        // SAFETY: `fd` is ours and is not used after this.
        unsafe { libc::close(fd) };
        return Err(e);
    }
    Ok(fd)
}

/// Add `fd` to the epoll set, level-triggered EPOLLIN, with the fd as its token.
fn epoll_add(epfd: c_int, fd: c_int) -> io::Result<()> {
    let (events, token) = (libc::EPOLLIN as u32, fd as u64);
    let mut ev = libc::epoll_event { events, u64: token };
    // SAFETY: `ev` is a valid epoll_event for the duration of the call.
    cvt(unsafe { libc::epoll_ctl(epfd, libc::EPOLL_CTL_ADD, fd, &mut ev) }).map(drop)
}

/// Accept ONE connection (level-triggered: more pending ones fire again).
fn accept_one(epfd: c_int, lfd: c_int) -> io::Result<()> {
    let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: null addr/addrlen pointers are allowed by accept4(2).
    let cfd = cvt(unsafe { libc::accept4(lfd, ptr::null_mut(), ptr::null_mut(), flags) })?;
    let added =
        set_flag(cfd, libc::IPPROTO_TCP, libc::TCP_NODELAY).and_then(|()| epoll_add(epfd, cfd));
    if added.is_err() {
        // SAFETY: `cfd` is ours and is not used after this.
        unsafe { libc::close(cfd) };
    }
    added
}

/// Exactly one read, then one write: of what was read, or (`canned`, the
/// HTTP floor) of one canned response per request head in it. Ok(false) = close.
fn echo_once(fd: c_int, buf: &mut [u8], canned: &[u8]) -> io::Result<bool> {
    // SAFETY: `buf` is valid for `buf.len()` writable bytes.
    let r = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if r == 0 {
        return Ok(false);
    }
    let r = usize::try_from(r).map_err(|_| io::Error::last_os_error())?; // -1: errno
    let out = match canned {
        [] => &buf[..r],
        _ => {
            let heads = buf[..r].windows(4).filter(|w| *w == b"\r\n\r\n").count();
            &canned[..(heads * CANNED.len()).min(canned.len())]
        }
    };
    // SAFETY: `out` is a live slice of `out.len()` bytes.
    let w = unsafe { libc::write(fd, out.as_ptr().cast(), out.len()) };
    (w >= 0)
        .then_some(true)
        .ok_or_else(io::Error::last_os_error)
}

fn main() {
    let mut args = common::Args::parse(include_str!("peer_epoll_floor.rs"));
    let addr = args.addr(DEFAULT_ADDR);
    // Canned responses for up to 64 pipelined heads per read, built once.
    let canned = if args.flag("http") {
        CANNED.repeat(64)
    } else {
        Vec::new()
    };
    args.finish();
    let lfd = listen_on(addr).unwrap_or_else(|e| common::fail(format!("cannot bind {addr}: {e}")));
    // SAFETY: epoll_create1(2) takes no pointers.
    let epfd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })
        .and_then(|epfd| epoll_add(epfd, lfd).map(|()| epfd))
        .unwrap_or_else(|e| common::fail(format!("epoll setup: {e}")));
    eprintln!("{NAME}: listening on {addr}");

    let mut buf = vec![0u8; BUF_SIZE];
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; MAX_EVENTS];
    loop {
        // SAFETY: `events` has room for MAX_EVENTS entries.
        let n = unsafe { libc::epoll_wait(epfd, events.as_mut_ptr(), MAX_EVENTS as _, -1) };
        let n = match cvt(n) {
            Ok(n) => n as usize,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                common::fail(format!("epoll_wait: {e}"));
            }
        };
        for ev in &events[..n] {
            let fd = ev.u64 as c_int; // a copy out of the packed struct
            if fd == lfd {
                match accept_one(epfd, lfd) {
                    Err(e) if e.kind() != ErrorKind::WouldBlock => eprintln!("{NAME}: accept: {e}"),
                    _ => {}
                }
                continue;
            }
            let keep = match echo_once(fd, &mut buf, &canned) {
                Ok(keep) => keep,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                    true
                }
                Err(e) => {
                    eprintln!("{NAME}: fd {fd}: {e}");
                    false
                }
            };
            if !keep {
                // SAFETY: `fd` is a connection we accepted; closing its only
                // descriptor also removes it from the epoll set.
                unsafe { libc::close(fd) };
            }
        }
    }
}
