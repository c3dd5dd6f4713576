//! The shards' sockets and CPU pinning: the two places a shard touches the
//! operating system directly instead of going through mio.
//!
//! Owns: building N sockets on one address with `SO_REUSEPORT` (with
//! `socket2`, then handed to each shard's reactor as a std socket), and
//! pinning a shard's thread to one CPU. Does not own: what happens on the
//! sockets once they are registered (`reactor::listener`, `reactor::udp`).
//!
//! # Why `SO_REUSEPORT` and not one shared listener
//! N threads could share one listening socket, but then every connection
//! wakes every shard's `epoll_wait` (or needs `EPOLLEXCLUSIVE`), and the
//! accept queue is one lock they all contend on. With `SO_REUSEPORT` each
//! shard has its own socket and its own accept queue, and the kernel picks
//! the socket for each new connection (TCP) or each datagram (UDP) by a hash
//! of the 4-tuple: no shared state and no lock in user space. The price is
//! that the hash, not the load, decides (see `docs/scaling.md`).

use super::Bind;
use socket2::{Domain, Socket, Type};
use std::io;
use std::net::SocketAddr;

/// Does this platform spread connections across `SO_REUSEPORT` sockets?
/// Linux (since 3.9) does. macOS and the BSDs accept the option but hand
/// every connection to one socket (FreeBSD needs `SO_REUSEPORT_LB`), which
/// would be N shards with one doing all the work: so more than one shard is
/// refused there rather than silently running one.
pub(crate) const BALANCES: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// A socket built and bound here, for one shard.
pub(crate) enum StdSocket {
    Tcp(std::net::TcpListener),
    Udp(std::net::UdpSocket),
}

/// Listen backlog per shard: mio's value for `TcpListener::bind`, so a
/// shard's listener behaves like the single reactor's.
const BACKLOG: i32 = 1024;

/// `n` sockets on `bind`'s address, and the address they share. With port 0
/// the first socket picks a free port and the others bind that one. With
/// `n == 1` no `SO_REUSEPORT` is set: nothing needs to share the port, and
/// the option would let another process of the same user join it silently.
pub(crate) fn bind_all(bind: Bind, n: usize) -> io::Result<(Vec<StdSocket>, SocketAddr)> {
    let reuse_port = n > 1;
    let (first, local) = bind_one(bind, reuse_port)?;
    let mut sockets = Vec::with_capacity(n);
    sockets.push(first);
    let same = match bind {
        Bind::Tcp(_) => Bind::Tcp(local),
        Bind::Udp(_) => Bind::Udp(local),
    };
    for _ in 1..n {
        sockets.push(bind_one(same, reuse_port)?.0);
    }
    Ok((sockets, local))
}

fn bind_one(bind: Bind, reuse_port: bool) -> io::Result<(StdSocket, SocketAddr)> {
    let (addr, ty) = match bind {
        Bind::Tcp(addr) => (addr, Type::STREAM),
        Bind::Udp(addr) => (addr, Type::DGRAM),
    };
    // socket2 opens it with SOCK_CLOEXEC, as std and mio do.
    let socket = Socket::new(Domain::for_address(addr), ty, None)?;
    if matches!(bind, Bind::Tcp(_)) {
        // What std and mio set on every listener: a restart is not refused
        // because of the last run's connections in TIME_WAIT.
        socket.set_reuse_address(true)?;
    }
    if reuse_port {
        set_reuse_port(&socket)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    let local = socket
        .local_addr()?
        .as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bound to a non-IP address"))?;
    let socket = match bind {
        Bind::Tcp(_) => {
            socket.listen(BACKLOG)?;
            StdSocket::Tcp(socket.into())
        }
        Bind::Udp(_) => StdSocket::Udp(socket.into()),
    };
    Ok((socket, local))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_reuse_port(socket: &Socket) -> io::Result<()> {
    socket.set_reuse_port(true)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_reuse_port(_socket: &Socket) -> io::Result<()> {
    // Unreachable in practice: `Shards::new` refuses n > 1 here.
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "SO_REUSEPORT does not balance connections on this platform",
    ))
}

/// The CPUs this process may run on (its affinity mask, which `taskset`,
/// cgroups or a container may have narrowed), in order.
#[cfg(target_os = "linux")]
pub(crate) fn allowed_cpus() -> io::Result<Vec<usize>> {
    // SAFETY: cpu_set_t is a plain bit array, for which all zeroes is the
    // empty set; sched_getaffinity writes at most `size_of::<cpu_set_t>()`
    // bytes into it, and CPU_ISSET reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Err(io::Error::last_os_error());
        }
        let max = libc::CPU_SETSIZE as usize;
        Ok((0..max).filter(|&cpu| libc::CPU_ISSET(cpu, &set)).collect())
    }
}

/// Pin the calling thread to `cpu`.
#[cfg(target_os = "linux")]
pub(crate) fn pin_current_thread(cpu: usize) -> io::Result<()> {
    // SAFETY: as in `allowed_cpus`; pid 0 means the calling thread, and the
    // set is only read by the kernel.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn allowed_cpus() -> io::Result<Vec<usize>> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "pinning threads to CPUs is only implemented on Linux",
    ))
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn pin_current_thread(_cpu: usize) -> io::Result<()> {
    allowed_cpus().map(|_| ())
}
