//! [`Route`]: two services on one reactor, chosen per listener.
//!
//! Owns: sending each accepted connection to one of two services by the
//! listener that accepted it ([`Ctx::listener_of`]), and forwarding every
//! later callback of that connection to the same service. Does not own: any
//! protocol; it is pure plumbing, so an admin port (Prometheus `/metrics`,
//! `/healthz`, see [`Admin`](super::Admin)) or a health check runs on the
//! same loop as the main protocol, with no side thread.
//!
//! Connections accepted by a listener passed to
//! [`side_listener`](Route::side_listener) go to `side`; everything else
//! goes to `main`: other listeners, outbound connects (and their failures),
//! datagrams and raw fds. Both hear `on_wake`, `on_shutdown` and
//! `run_tasks`.
//!
//! Limits are the reactor's and shared: `max_conns`, `idle_timeout`,
//! `max_output` and the rest apply to both services' connections (an admin
//! port on a server at `max_conns` is refused too, with the main protocol's
//! [`reject_message`](Service::reject_message)), and the counters count both.
//!
//! Timers: a connection timer ([`Ctx::conn_timer`]) reaches the service
//! that owns the connection by itself. A reactor-wide timer ([`Ctx::timer`])
//! carries only a `u64` tag, so the tag space is split: tags with the top
//! bit ([`SIDE_TIMER`]) set go to `side`, the rest to `main`. The side
//! service must set that bit on its timers (and sees the tag with the bit
//! still set); the main service keeps using small tags as before.
//!
//! ```no_run
//! use evloop::services::{Admin, Echo, Route};
//! use evloop::{Config, Reactor};
//! let mut reactor = Reactor::new(Route::new(Echo, Admin::new()), Config::default())?;
//! reactor.listen("127.0.0.1:20000".parse().unwrap())?;
//! let admin = reactor.listen("127.0.0.1:9464".parse().unwrap())?;
//! reactor.service_mut().side_listener(admin);
//! reactor.run()?;
//! # Ok::<(), std::io::Error>(())
//! ```

use crate::{CloseReason, Ctx, Service, Token};
use std::io;
use std::net::SocketAddr;

/// The bit that marks a reactor-wide timer tag as the side service's.
pub const SIDE_TIMER: u64 = 1 << 63;

/// Per-connection state of a [`Route`]: whose connection it is.
#[derive(Debug)]
pub enum Routed<M, S> {
    /// A connection of the main service.
    Main(M),
    /// A connection accepted by a side listener.
    Side(S),
}

/// Connections from the side listeners to `side`, the rest to `main`.
pub struct Route<M, S> {
    /// The main protocol.
    pub main: M,
    /// The protocol of the side listeners (admin, health checks).
    pub side: S,
    side_listeners: Vec<Token>,
}

impl<M: Service, S: Service> Route<M, S> {
    /// No side listeners yet: everything goes to `main` until
    /// [`side_listener`](Self::side_listener) names one.
    pub fn new(main: M, side: S) -> Self {
        Route {
            main,
            side,
            side_listeners: Vec::new(),
        }
    }

    /// Send the connections `listener` accepts to `side`.
    pub fn side_listener(&mut self, listener: Token) -> &mut Self {
        self.side_listeners.push(listener);
        self
    }

    fn is_side(&self, ctx: &Ctx<'_>, tok: Token) -> bool {
        ctx.listener_of(tok)
            .is_some_and(|l| self.side_listeners.contains(&l))
    }
}

impl<M: Service, S: Service> Service for Route<M, S> {
    type Conn = Routed<M::Conn, S::Conn>;

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) -> Self::Conn {
        if self.is_side(ctx, tok) {
            Routed::Side(self.side.on_open(ctx, tok, peer))
        } else {
            Routed::Main(self.main.on_open(ctx, tok, peer))
        }
    }

    fn on_data(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        conn: &mut Self::Conn,
        input: &[u8],
    ) -> usize {
        match conn {
            Routed::Main(c) => self.main.on_data(ctx, tok, c, input),
            Routed::Side(c) => self.side.on_data(ctx, tok, c, input),
        }
    }

    fn on_eof(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut Self::Conn, rest: &[u8]) {
        match conn {
            Routed::Main(c) => self.main.on_eof(ctx, tok, c, rest),
            Routed::Side(c) => self.side.on_eof(ctx, tok, c, rest),
        }
    }

    fn on_drained(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut Self::Conn) {
        match conn {
            Routed::Main(c) => self.main.on_drained(ctx, tok, c),
            Routed::Side(c) => self.side.on_drained(ctx, tok, c),
        }
    }

    fn on_close(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: Self::Conn, reason: &CloseReason) {
        match conn {
            Routed::Main(c) => self.main.on_close(ctx, tok, c, reason),
            Routed::Side(c) => self.side.on_close(ctx, tok, c, reason),
        }
    }

    fn on_connect_failed(&mut self, ctx: &mut Ctx<'_>, tok: Token, err: io::Error) {
        self.main.on_connect_failed(ctx, tok, err);
    }

    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, sock: Token, from: SocketAddr, data: &[u8]) {
        self.main.on_datagram(ctx, sock, from, data);
    }

    fn on_ready(&mut self, ctx: &mut Ctx<'_>, tok: Token, readable: bool, writable: bool) {
        self.main.on_ready(ctx, tok, readable, writable);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_>, tag: u64) {
        if tag & SIDE_TIMER != 0 {
            self.side.on_timer(ctx, tag);
        } else {
            self.main.on_timer(ctx, tag);
        }
    }

    fn on_conn_timer(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut Self::Conn, tag: u64) {
        match conn {
            Routed::Main(c) => self.main.on_conn_timer(ctx, tok, c, tag),
            Routed::Side(c) => self.side.on_conn_timer(ctx, tok, c, tag),
        }
    }

    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        self.main.on_wake(ctx);
        self.side.on_wake(ctx);
    }

    fn on_shutdown(&mut self, ctx: &mut Ctx<'_>) {
        self.main.on_shutdown(ctx);
        self.side.on_shutdown(ctx);
    }

    fn run_tasks(&mut self, ctx: &mut Ctx<'_>) -> bool {
        // Both run every tick; either may end the loop.
        let main = self.main.run_tasks(ctx);
        self.side.run_tasks(ctx) | main
    }

    /// A refusal at `max_conns` does not know the listener yet: the main
    /// protocol's message is sent.
    fn reject_message(&self) -> &[u8] {
        self.main.reject_message()
    }
}
