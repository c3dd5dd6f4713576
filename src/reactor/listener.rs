//! Accepting TCP connections.
//!
//! Owns: the accept loop, the socket options every stream gets
//! (`TCP_NODELAY`, `SO_OOBINLINE`), the `max_conns` cap with its lingering
//! rejection and its rate-limited log line, and what each accept error
//! means (skip one connection, or pause the listener). Does not own: what a
//! connection does once open (the service, via `Reactor::open_service`).
//!
//! The loop follows [the drain rule](crate::reactor#readiness-is-a-hint-drain-until-wouldblock),
//! capped at `Config::accepts_per_tick` so a connect storm cannot starve
//! established connections; a listener stopped by the cap is parked and
//! resumed next tick, since the edge will not fire again.
//!
//! Running out of file descriptors is the classic trap: `accept` fails with
//! EMFILE and leaves the connection in the backlog, the listener stays
//! readable, and a loop that retries at once spins at 100% CPU (Node and
//! libuv both had this bug). We pause the listener and retry from a timer;
//! edge-triggered mio will not re-notify the backlog, so the timer, not an
//! event, is what resumes accepting. The opposite mistake is pausing for an
//! error that concerns one connection only: `accept(2)` says that on Linux
//! the network errors of the new connection (ECONNABORTED, EPROTO, ENETDOWN,
//! EHOSTUNREACH, …, and EPERM from a firewall rule) are reported by accept
//! itself and must be treated like EAGAIN, i.e. retried at once. Those skip
//! that connection and the loop goes on ([`classify_accept_error`]).
//!
//! The two socket options cost two `setsockopt` calls per connection if set
//! on each stream, a fifth of the syscalls of a short-lived connection
//! (accept, register, read, write, read EOF, close). Linux copies both from
//! the listening socket to every socket it accepts, so we set them once on
//! the listener and check the first accepted stream with `getsockopt`
//! ([`StreamOpts`]); where they turn out not to be inherited we fall back
//! to setting them per stream, as mio and tokio leave to the user.
//!
//! Refusing a connection over `max_conns` is a close with the request
//! unread, which the kernel turns into a RST, and a RST can destroy the
//! refusal message (an HTTP 503) before the client reads it. So a refused
//! connection gets the message, our FIN, and a short lingering close, like
//! any local close (`Config::linger`): its bytes are read and discarded until
//! the client closes. At most [`MAX_LINGERING_REJECTS`] refused connections
//! per listener linger at once, so a flood costs a bounded number of fds;
//! beyond that the refusal is a plain close again.

use super::ratelog::RateLimitedLog;
use super::{Phase, Reactor, Source};
use crate::conn::{Conn, ConnState, READ_INTEREST};
use crate::timer::TimerKind;
use crate::{Service, Token};
use log::{debug, trace, warn};
use mio::net::{TcpListener, TcpStream};
use std::io::{self, Write};
use std::net::SocketAddr;

/// Refused connections (over `max_conns`) that may linger at once, per
/// listener; more are closed at once.
pub(crate) const MAX_LINGERING_REJECTS: usize = 64;

/// The slab's record for a listening socket.
pub(crate) struct Listener {
    pub(crate) socket: TcpListener,
    pub(crate) local: SocketAddr,
    /// Accepting paused after EMFILE/ENFILE until the retry timer fires.
    pub(crate) paused: bool,
    /// Refused connections lingering now (pruned when the next is refused).
    lingering: Vec<Token>,
    /// One log line per second for refusals, however many there are.
    reject_log: RateLimitedLog,
    /// Whether accepted streams already carry our socket options.
    opts: StreamOpts,
}

/// Do accepted streams inherit `TCP_NODELAY` and `SO_OOBINLINE` from the
/// listener (module doc)? Learned from the first accepted stream.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum StreamOpts {
    /// Set on the listener; not yet checked on an accepted stream.
    Unchecked,
    /// Checked: every accepted stream has them, nothing to set.
    Inherited,
    /// Set them on every accepted stream.
    PerStream,
}

impl Listener {
    /// `nodelay` is `Config::nodelay`: set on the listener (and so on its
    /// streams) only when asked for.
    pub(crate) fn new(socket: TcpListener, local: SocketAddr, nodelay: bool) -> Listener {
        let opts = StreamOpts::set_on_listener(&socket, local, nodelay);
        Listener {
            socket,
            local,
            paused: false,
            lingering: Vec::new(),
            reject_log: RateLimitedLog::per_second(),
            opts,
        }
    }
}

impl StreamOpts {
    /// Set the options on a listening socket, for its streams to inherit.
    pub(crate) fn set_on_listener(l: &TcpListener, local: SocketAddr, nodelay: bool) -> StreamOpts {
        let sock = socket2::SockRef::from(l);
        let set = sock.set_out_of_band_inline(true).and_then(|()| {
            if nodelay {
                sock.set_tcp_nodelay(true)
            } else {
                Ok(())
            }
        });
        match set {
            Ok(()) => StreamOpts::Unchecked,
            Err(e) => {
                debug!("listener on {local}: socket options per stream: {e}");
                StreamOpts::PerStream
            }
        }
    }

    /// Give `stream`, accepted from the listener on `local`, our socket
    /// options, unless it inherited them: no syscall on the fast path. The
    /// callback path and `rt::TcpListener::accept` both come here.
    pub(crate) fn prepare(
        &mut self,
        stream: &TcpStream,
        local: SocketAddr,
        nodelay: bool,
    ) -> io::Result<()> {
        if *self == StreamOpts::Unchecked {
            let sock = socket2::SockRef::from(stream);
            let inherited = sock.out_of_band_inline().unwrap_or(false)
                && (!nodelay || sock.tcp_nodelay().unwrap_or(false));
            *self = if inherited {
                StreamOpts::Inherited
            } else {
                debug!("listener on {local}: socket options per stream");
                StreamOpts::PerStream
            };
        }
        if *self == StreamOpts::PerStream {
            if nodelay {
                stream.set_nodelay(true)?;
            }
            oob_inline(stream)?;
        }
        Ok(())
    }
}

/// Keep urgent (out-of-band) bytes in the stream: without this the kernel
/// takes the urgent byte out of the byte stream (see `read.rs` for the rest
/// of the story). Set on every accepted and connected stream.
pub(crate) fn oob_inline(stream: &TcpStream) -> io::Result<()> {
    socket2::SockRef::from(stream).set_out_of_band_inline(true)
}

/// What a failed `accept` means for the listener.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum AcceptError {
    /// That one connection failed (or the call was interrupted): go on
    /// accepting at once.
    Skip,
    /// Out of descriptors or memory: waiting helps, retrying at once spins.
    Exhausted,
    /// Anything else: unexpected, so pause as for exhaustion rather than
    /// risk a busy loop.
    Unexpected,
}

/// Sort an `accept` error (other than `WouldBlock`). The skip list is the
/// one `accept(2)` gives for Linux ("treat them like EAGAIN by retrying"),
/// plus ECONNRESET (the peer reset before we got to it) and EINTR.
pub(crate) fn classify_accept_error(e: &io::Error) -> AcceptError {
    if e.kind() == io::ErrorKind::Interrupted {
        return AcceptError::Skip;
    }
    match e.raw_os_error() {
        Some(
            libc::ECONNABORTED
            | libc::ECONNRESET
            | libc::EPROTO
            | libc::ENETDOWN
            | libc::ENOPROTOOPT
            | libc::EHOSTDOWN
            | libc::EHOSTUNREACH
            | libc::EOPNOTSUPP
            | libc::ENETUNREACH
            | libc::EPERM,
        ) => AcceptError::Skip,
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Some(libc::ENONET) => AcceptError::Skip,
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => AcceptError::Exhausted,
        _ => AcceptError::Unexpected,
    }
}

impl<S: Service> Reactor<S> {
    pub(crate) fn accept_ready(&mut self, tok: Token) {
        // Shutting down: the listener is retired and freed at this tick's
        // reap; a connection accepted now would only be cut off later.
        if self.core.phase != Phase::Running {
            return;
        }
        for _ in 0..self.core.config.accepts_per_tick {
            let Some(Source::Listener(l)) = self.core.source_mut(tok) else {
                return;
            };
            if l.paused {
                return;
            }
            match l.socket.accept() {
                Ok((stream, peer)) => {
                    trace!("accept tok={tok} peer={peer}");
                    if self.core.metrics.open_conns as usize >= self.core.config.max_conns {
                        self.reject(tok, stream, peer);
                    } else if let Err(e) = self.open_accepted(tok, stream, peer) {
                        warn!("accept tok={tok}: registering {peer} failed: {e}");
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    trace!("accept tok={tok} WouldBlock");
                    return;
                }
                Err(e) => match classify_accept_error(&e) {
                    // That connection failed before we got to it: next.
                    AcceptError::Skip => debug!("accept tok={tok}: {e}; skipped"),
                    AcceptError::Exhausted | AcceptError::Unexpected => {
                        return self.accept_failed(tok, e)
                    }
                },
            }
        }
        // Cap reached: more may be waiting, and no new edge will say so.
        self.core.again(tok);
    }

    fn accept_failed(&mut self, tok: Token, e: io::Error) {
        if self.core.config.pitfalls.no_emfile_guard {
            // Pitfall `no-emfile-guard`: try again next tick, forever.
            trace!("accept tok={tok} err={e} pitfall=no-emfile-guard retrying now");
            return self.core.again(tok);
        }
        let retry = self.core.config.accept_retry;
        if classify_accept_error(&e) == AcceptError::Exhausted {
            warn!("accept tok={tok}: {e}; pausing accepts for {retry:?}");
        } else {
            warn!("accept tok={tok}: unexpected error {e}; pausing accepts for {retry:?}");
        }
        if let Some(Source::Listener(l)) = self.core.source_mut(tok) {
            l.paused = true;
        }
        self.core.metrics.accept_pauses += 1;
        self.core.add_timer(retry, TimerKind::AcceptRetry { tok });
    }

    /// Over `max_conns`: say why if the protocol has a way, send FIN, and
    /// linger (bounded in time and in number, see the module doc).
    fn reject(&mut self, listener: Token, mut stream: TcpStream, peer: SocketAddr) {
        self.core.metrics.rejected += 1;
        let (max_conns, now) = (self.core.config.max_conns, self.core.now);
        let Some(Source::Listener(l)) = self.core.source_mut(listener) else {
            return;
        };
        if let Some(held_back) = l.reject_log.admit(now) {
            let more = RateLimitedLog::suffix(held_back);
            warn!("refused {peer}: max_conns {max_conns} reached{more}");
        }
        let mut lingering = std::mem::take(&mut l.lingering);
        let core = &self.core;
        lingering.retain(|&t| core.conn(t).is_some_and(|c| c.rejected));
        let msg = self.service.reject_message();
        if !msg.is_empty() {
            // Best effort and non-blocking: a fresh socket's send buffer
            // takes a short message whole.
            let _ = stream.write(msg);
        }
        if lingering.len() < MAX_LINGERING_REJECTS {
            match self.linger_rejected(stream, peer) {
                Ok(tok) => lingering.push(tok),
                Err(e) => debug!("refused {peer}: cannot linger: {e}"),
            }
        } else {
            trace!("refused {peer}: {MAX_LINGERING_REJECTS} refusals lingering, closing at once");
        }
        if let Some(Source::Listener(l)) = self.core.source_mut(listener) {
            l.lingering = lingering;
        }
    }

    /// A refused connection joins the slab as `Lingering`: FIN sent, read
    /// and discard until EOF or `Config::linger`. It has no service state
    /// and does not count in `open_conns` (`Conn::rejected`).
    fn linger_rejected(&mut self, mut stream: TcpStream, peer: SocketAddr) -> io::Result<Token> {
        let now = self.core.now;
        let tok = self.core.insert(|tok, registry| {
            registry.register(&mut stream, tok.to_mio(), READ_INTEREST)?;
            let mut c = Conn::new(stream, peer, ConnState::Lingering, now);
            c.rejected = true;
            c.send_fin(tok);
            Ok(Source::Conn(c))
        })?;
        trace!("refused tok={tok} peer={peer}: lingering");
        let linger = self.core.config.linger;
        self.core.add_timer(linger, TimerKind::Linger { tok });
        Ok(tok)
    }

    fn open_accepted(
        &mut self,
        listener: Token,
        mut stream: TcpStream,
        peer: SocketAddr,
    ) -> io::Result<Token> {
        let nodelay = self.core.config.nodelay;
        if let Some(Source::Listener(l)) = self.core.source_mut(listener) {
            l.opts.prepare(&stream, l.local, nodelay)?;
        }
        let now = self.core.now;
        let tok = self.core.insert(|tok, registry| {
            registry.register(&mut stream, tok.to_mio(), READ_INTEREST)?;
            let mut c = Conn::new(stream, peer, ConnState::Open, now);
            c.listener = Some(listener);
            Ok(Source::Conn(c))
        })?;
        self.core.metrics.accepted += 1;
        self.core.metrics.open_conns += 1;
        let accept = || super::timeline::Kind::Accept;
        super::timeline::note(&mut self.core.timeline, tok, accept);
        self.core.arm_idle_timer(tok);
        self.open_service(tok, peer);
        Ok(tok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn accepted_streams_inherit_the_options_set_on_the_listener() {
        let std_l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_l.set_nonblocking(true).unwrap();
        let local = std_l.local_addr().unwrap();
        let mut l = Listener::new(TcpListener::from_std(std_l), local, true);
        assert_eq!(l.opts, StreamOpts::Unchecked);
        let _client = std::net::TcpStream::connect(local).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let stream = loop {
            match l.socket.accept() {
                Ok((s, _)) => break s,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    assert!(std::time::Instant::now() < deadline, "no connection");
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(e) => panic!("accept: {e}"),
            }
        };
        l.opts.prepare(&stream, local, true).unwrap();
        assert_eq!(l.opts, StreamOpts::Inherited);
        let sock = socket2::SockRef::from(&stream);
        assert!(sock.tcp_nodelay().unwrap());
        assert!(sock.out_of_band_inline().unwrap());
    }

    fn os(code: i32) -> io::Error {
        io::Error::from_raw_os_error(code)
    }

    #[test]
    fn errors_of_one_connection_skip_it() {
        let mut skip = vec![
            libc::ECONNABORTED,
            libc::ECONNRESET,
            libc::EPROTO,
            libc::ENETDOWN,
            libc::ENOPROTOOPT,
            libc::EHOSTDOWN,
            libc::EHOSTUNREACH,
            libc::EOPNOTSUPP,
            libc::ENETUNREACH,
            libc::EPERM,
            libc::EINTR,
        ];
        #[cfg(any(target_os = "linux", target_os = "android"))]
        skip.push(libc::ENONET);
        for code in skip {
            assert_eq!(
                classify_accept_error(&os(code)),
                AcceptError::Skip,
                "{}",
                os(code)
            );
        }
        let interrupted = io::Error::from(io::ErrorKind::Interrupted);
        assert_eq!(classify_accept_error(&interrupted), AcceptError::Skip);
    }

    #[test]
    fn running_out_of_descriptors_or_memory_pauses() {
        for code in [libc::EMFILE, libc::ENFILE, libc::ENOBUFS, libc::ENOMEM] {
            assert_eq!(
                classify_accept_error(&os(code)),
                AcceptError::Exhausted,
                "{}",
                os(code)
            );
        }
    }

    #[test]
    fn anything_else_pauses_too() {
        for e in [os(libc::EBADF), os(libc::EINVAL), io::Error::other("odd")] {
            assert_eq!(classify_accept_error(&e), AcceptError::Unexpected, "{e}");
        }
    }
}
