//! Accepting TCP connections.
//!
//! Owns: the accept loop, `TCP_NODELAY`, the `max_conns` cap, and the
//! EMFILE/ENFILE pause. Does not own: what a connection does once open (the
//! service, via `Reactor::open_service`).
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
//! event, is what resumes accepting.

use super::{Phase, Reactor, Source};
use crate::conn::{Conn, ConnState};
use crate::timer::TimerKind;
use crate::{Service, Token};
use log::{debug, trace, warn};
use mio::net::{TcpListener, TcpStream};
use mio::Interest;
use std::io::{self, Write};
use std::net::SocketAddr;

/// The slab's record for a listening socket.
pub(crate) struct Listener {
    pub(crate) socket: TcpListener,
    pub(crate) local: SocketAddr,
    /// Accepting paused after EMFILE/ENFILE until the retry timer fires.
    pub(crate) paused: bool,
}

impl Listener {
    pub(crate) fn new(socket: TcpListener, local: SocketAddr) -> Listener {
        Listener {
            socket,
            local,
            paused: false,
        }
    }
}

/// Out of descriptors or memory: waiting helps, retrying at once does not.
fn is_resource_exhaustion(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
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
                        self.reject(stream, peer);
                    } else if let Err(e) = self.open_accepted(stream, peer) {
                        warn!("accept tok={tok}: registering {peer} failed: {e}");
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    trace!("accept tok={tok} WouldBlock");
                    return;
                }
                // The peer gave up before we got to it: next.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                    ) => {}
                Err(e) => return self.accept_failed(tok, e),
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
        if is_resource_exhaustion(&e) {
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

    /// Over `max_conns`: say why if the protocol has a way, then close.
    fn reject(&mut self, mut stream: TcpStream, peer: SocketAddr) {
        self.core.metrics.rejected += 1;
        let msg = self.service.reject_message();
        if !msg.is_empty() {
            // Best effort and non-blocking: a fresh socket's send buffer
            // takes a short message whole.
            let _ = stream.write(msg);
        }
        debug!(
            "rejected {peer}: max_conns {} reached",
            self.core.config.max_conns
        );
    }

    fn open_accepted(&mut self, mut stream: TcpStream, peer: SocketAddr) -> io::Result<Token> {
        if self.core.config.nodelay {
            stream.set_nodelay(true)?;
        }
        let now = self.core.now;
        let tok = self.core.insert(|tok, registry| {
            registry.register(&mut stream, tok.to_mio(), Interest::READABLE)?;
            Ok(Source::Conn(Conn::new(stream, peer, ConnState::Open, now)))
        })?;
        self.core.metrics.accepted += 1;
        self.core.metrics.open_conns += 1;
        self.core.arm_idle_timer(tok);
        self.open_service(tok, peer);
        Ok(tok)
    }
}
