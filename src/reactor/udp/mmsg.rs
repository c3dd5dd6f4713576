//! Linux only: `recvmmsg`/`sendmmsg`, the two syscalls that move a batch of
//! datagrams at once, and the buffers they fill.
//!
//! Owns: the receive slots (one buffer, cut into [`BATCH`] slots of
//! [`SLOT`] bytes, plus one address per slot) and the two `unsafe` calls.
//! Does not own: what to do with the datagrams (`udp.rs` hands them to the
//! service and queues the replies) or when to send (the flush phase).
//!
//! Why a buffer of its own and not slices of the reactor's read buffer:
//! a datagram longer than its slot is cut by the kernel (`MSG_TRUNC`) and
//! the rest is lost, and one datagram can be 65,507 bytes. So every slot is
//! 64 KiB (plus a cache line, [`STRIDE`]), 2 MiB for the batch, allocated zeroed on the first UDP read:
//! the allocator takes fresh pages from `mmap`, and the kernel backs only
//! the pages a datagram actually touches (32 small datagrams: 32 pages).

use socket2::{SockAddr, SockAddrStorage};
use std::io;
use std::net::SocketAddr;
use std::os::fd::RawFd;

/// Datagrams per `recvmmsg`, and the bound of a socket's reply queue.
pub(crate) const BATCH: usize = 32;
/// Bytes per receive slot: the largest UDP payload fits (65,507 over IPv4).
const SLOT: usize = 65_536;
/// Distance between slot starts: one cache line more than a slot. At a
/// stride of exactly 64 KiB every slot would start in the same L1 and L2
/// cache set, and 32 small datagrams would evict each other (those caches
/// have 8 or 16 ways) between the kernel's copy in and our copy out; the
/// extra line puts each slot's first bytes in a set of its own.
const STRIDE: usize = SLOT + 64;

/// The receive side of a batch: where `recvmmsg` writes.
#[derive(Default)]
pub(crate) struct RecvBatch {
    buf: Vec<u8>,
    names: Vec<SockAddrStorage>,
    /// `(bytes, sender)` of each datagram of the last batch.
    got: Vec<(usize, Option<SocketAddr>)>,
}

impl RecvBatch {
    /// Read up to [`BATCH`] datagrams from `fd` (non-blocking). `Ok(0)`
    /// never happens: an empty queue is `WouldBlock`.
    pub(crate) fn recv(&mut self, fd: RawFd) -> io::Result<usize> {
        if self.buf.is_empty() {
            self.buf = vec![0; BATCH * STRIDE];
            self.names = (0..BATCH).map(|_| SockAddrStorage::zeroed()).collect();
        }
        self.got.clear();
        let mut iov = [libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        }; BATCH];
        for (v, slot) in iov.iter_mut().zip(self.buf.chunks_exact_mut(STRIDE)) {
            v.iov_base = slot.as_mut_ptr().cast();
            v.iov_len = SLOT; // < STRIDE: the slot is the chunk's first SLOT bytes
        }
        // SAFETY: mmsghdr is plain C data (pointers, lengths, flags); all
        // zeros is a valid value (null pointers, zero lengths).
        let mut hdrs: [libc::mmsghdr; BATCH] = unsafe { std::mem::zeroed() };
        for ((h, v), name) in hdrs.iter_mut().zip(iov.iter_mut()).zip(&mut self.names) {
            h.msg_hdr.msg_iov = v;
            h.msg_hdr.msg_iovlen = 1;
            h.msg_hdr.msg_name = (name as *mut SockAddrStorage).cast();
            h.msg_hdr.msg_namelen = name.size_of();
        }
        // SAFETY: each of the BATCH headers points at one iovec and one
        // address, all alive and not otherwise borrowed for the call; each
        // iovec covers the first SLOT bytes of one STRIDE-byte chunk of
        // `self.buf` (chunks_exact_mut, so disjoint and in bounds), and `msg_namelen` is
        // the size of the storage behind `msg_name`. The kernel writes at
        // most `iov_len` bytes per slot and `msg_namelen` bytes per
        // address, and `vlen` (BATCH) is the length of `hdrs`. A null
        // timeout: the socket is non-blocking, so the call never waits.
        let n = unsafe {
            libc::recvmmsg(
                fd,
                hdrs.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
        for (h, name) in hdrs.iter().zip(&mut self.names).take(n) {
            let storage = std::mem::replace(name, SockAddrStorage::zeroed());
            // SAFETY: the kernel wrote a socket address of `msg_namelen`
            // bytes (at most the storage's size) into this storage.
            let from = unsafe { SockAddr::new(storage, h.msg_hdr.msg_namelen) }.as_socket();
            self.got.push((h.msg_len as usize, from));
        }
        Ok(n)
    }

    /// Datagram `i` of the last batch: its sender (`None` if the kernel
    /// reported no IP address) and its bytes.
    pub(crate) fn get(&self, i: usize) -> Option<(Option<SocketAddr>, &[u8])> {
        let &(len, from) = self.got.get(i)?;
        let start = i * STRIDE;
        Some((from, &self.buf[start..start + len.min(SLOT)]))
    }
}

/// One queued reply: the address is converted once, when it is queued.
pub(crate) struct Reply {
    pub(crate) to: SockAddr,
    pub(crate) data: Vec<u8>,
}

/// Send `msgs` in order with one `sendmmsg`. Returns how many the kernel
/// took (at least 1); it stops at the first that fails, and reports that
/// failure as the error only if it was the first datagram.
pub(crate) fn send_batch(fd: RawFd, msgs: &[Reply]) -> io::Result<usize> {
    let msgs = &msgs[..msgs.len().min(BATCH)];
    if msgs.is_empty() {
        return Ok(0);
    }
    let mut iov = [libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    }; BATCH];
    for (v, m) in iov.iter_mut().zip(msgs) {
        // The kernel only reads through this pointer (sendmmsg).
        v.iov_base = m.data.as_ptr().cast_mut().cast();
        v.iov_len = m.data.len();
    }
    // SAFETY: as in `recv`: all zeros is a valid mmsghdr.
    let mut hdrs: [libc::mmsghdr; BATCH] = unsafe { std::mem::zeroed() };
    for ((h, v), m) in hdrs.iter_mut().zip(iov.iter_mut()).zip(msgs) {
        h.msg_hdr.msg_iov = v;
        h.msg_hdr.msg_iovlen = 1;
        h.msg_hdr.msg_name = m.to.as_ptr().cast_mut().cast();
        h.msg_hdr.msg_namelen = m.to.len();
    }
    // SAFETY: the first `msgs.len()` (<= BATCH) headers each point at one
    // iovec covering one whole reply (`data`, alive and unchanged for the
    // call) and at one address of `msg_namelen` valid bytes (`m.to`,
    // alive and unchanged for the call). sendmmsg only reads these buffers; it writes
    // only `msg_len` in the headers, which we own mutably.
    let n = unsafe {
        libc::sendmmsg(
            fd,
            hdrs.as_mut_ptr(),
            msgs.len() as libc::c_uint,
            libc::MSG_DONTWAIT,
        )
    };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}
