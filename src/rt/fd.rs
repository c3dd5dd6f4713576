//! [`AsyncFd`]: readiness for a raw file descriptor you own (stdin, a pipe).
//!
//! Owns: registering the fd and waiting for its readiness. Does not own:
//! the fd (you open, read and close it) or the syscall (your closure).
//!
//! As with sockets, readiness is a hint: [`read_with`](AsyncFd::read_with)
//! runs your non-blocking read and, if it says `WouldBlock`, clears the bit
//! and waits for the next edge. The fd must be non-blocking (`O_NONBLOCK`),
//! or a spurious wake-up blocks the whole loop. Regular files cannot be
//! watched (epoll refuses them with `EPERM`): read those with
//! [`spawn_blocking`](super::spawn_blocking).

use super::io::{clear_ready, poll_io, poll_ready, register, release};
use crate::reactor::io_source::{Dir, IoKind};
use crate::Token;
use mio::Interest;
use std::future::poll_fn;
use std::io::Result;
use std::os::fd::RawFd;

/// A raw fd watched by the runtime's reactor.
#[derive(Debug)]
pub struct AsyncFd {
    tok: Token,
    fd: RawFd,
}

impl AsyncFd {
    /// Watch `fd` for `interest`. Only inside a runtime's task. The fd stays
    /// yours: dropping the `AsyncFd` only stops watching it.
    pub fn new(fd: RawFd, interest: Interest) -> Result<AsyncFd> {
        let tok = register(IoKind::Fd(fd), interest)?;
        log::debug!("watching fd {fd} (tok={tok})");
        Ok(AsyncFd { tok, fd })
    }

    /// The fd.
    pub fn fd(&self) -> RawFd {
        self.fd
    }

    /// Resolves once the fd is readable (or at EOF, or in error).
    pub async fn readable(&self) -> Result<()> {
        let tok = self.tok;
        poll_fn(|cx| poll_ready(tok, Dir::Read, cx)).await
    }

    /// Forget read readiness: your read said `WouldBlock`.
    pub fn clear_readable(&self) {
        clear_ready(self.tok, Dir::Read);
    }

    /// Run the non-blocking `read` once the fd is readable; wait again each
    /// time it returns `WouldBlock`.
    pub async fn read_with<R>(&self, mut read: impl FnMut() -> Result<R>) -> Result<R> {
        let tok = self.tok;
        poll_fn(|cx| poll_io(tok, Dir::Read, cx, |_| read().map(|r| (r, false)))).await
    }
}

impl Drop for AsyncFd {
    fn drop(&mut self) {
        release(self.tok);
    }
}
