//! [`Service`]: the protocol plug-in point.
//!
//! Owns: the callbacks a protocol implements. Does not own: any I/O. A
//! service never touches a socket; it reacts to what the reactor read and
//! queues what it wants written through [`Ctx`]. That split is what lets
//! echo, ack, print, framed, HTTP and chat protocols share one reactor.
//!
//! Where tokio would give each connection a task and an `async fn`, evloop
//! gives each connection a plain value (`Service::Conn`) and calls methods on
//! it when something happens. The state an `async fn` keeps implicitly across
//! `.await`s is written out explicitly here, which is the point for learners.

use crate::{CloseReason, Ctx, Token};
use std::io;
use std::net::SocketAddr;

/// A protocol running on a [`Reactor`](crate::Reactor).
///
/// All callbacks run on the reactor thread and must not block: a blocking
/// call stops every connection. Blocking work goes to a worker thread that
/// reports back through [`Handle::wake`](crate::Handle::wake) (see the
/// `chat_server` example).
///
/// # Write your own protocol
/// An uppercase line echo: each line a client sends comes back in capitals.
/// Only `on_open` and `on_data` are required. The per-connection state is
/// the line codec; a line split over two reads stays in the reactor's
/// buffer (we return only what we used) and comes back with the rest.
/// [`decode_each`](crate::codec::decode_each) hands the callback the codec
/// too, so replies are framed by the same rules as requests.
///
/// ```
/// use evloop::codec::{decode_each, Codec, LineCodec};
/// use evloop::{Config, Ctx, Reactor, Service, Token};
/// use std::net::SocketAddr;
///
/// struct Upper;
///
/// impl Service for Upper {
///     type Conn = LineCodec;
///
///     fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) -> LineCodec {
///         LineCodec::new()
///     }
///
///     fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, codec: &mut LineCodec, input: &[u8]) -> usize {
///         let mut reply = Vec::new();
///         let used = decode_each(codec, input, |codec, line| {
///             codec.encode(&line.to_ascii_uppercase(), &mut reply);
///         });
///         ctx.write(tok, &reply); // one write for every line of this read
///         used.unwrap_or_else(|_too_long| {
///             ctx.close(tok); // the stream cannot be re-framed
///             input.len()
///         })
///     }
/// }
///
/// // Run it on a thread, talk to it over loopback, stop it.
/// # fn main() -> std::io::Result<()> {
/// use std::io::{BufRead, BufReader, Write};
/// let (tx, rx) = std::sync::mpsc::channel();
/// let server = std::thread::spawn(move || -> std::io::Result<()> {
///     let mut reactor = Reactor::new(Upper, Config::default())?;
///     let tok = reactor.listen("127.0.0.1:0".parse().unwrap())?;
///     tx.send((reactor.local_addr(tok), reactor.handle())).unwrap();
///     reactor.run()
/// });
/// let (addr, handle) = rx.recv().unwrap();
/// let mut client = std::net::TcpStream::connect(addr.unwrap())?;
/// client.set_read_timeout(Some(std::time::Duration::from_secs(20)))?;
/// client.write_all(b"hello\nwor")?;
/// client.write_all(b"ld\n")?;
/// let mut lines = BufReader::new(client).lines();
/// assert_eq!(lines.next().unwrap()?, "HELLO");
/// assert_eq!(lines.next().unwrap()?, "WORLD");
/// drop(lines);
/// handle.shutdown();
/// server.join().unwrap()?;
/// # Ok(()) }
/// ```
pub trait Service {
    /// Per-connection protocol state, created by [`on_open`](Self::on_open)
    /// and stored by the reactor beside the connection. `()` for stateless
    /// protocols such as echo.
    type Conn;

    /// A connection was accepted, or an outbound connect completed.
    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) -> Self::Conn;

    /// Bytes arrived. `input` holds everything not yet consumed, oldest
    /// first; consume as many whole messages as you can and return how many
    /// bytes you used. The rest is kept and handed back, with new bytes
    /// appended, on the next call (up to `Config::max_input`).
    ///
    /// It may also come back with no new bytes: after
    /// [`Ctx::resume_input`], and when the connection resumes reading after
    /// a backpressure pause. So a service may stop consuming on purpose (its
    /// output is high, or it waits for a worker) and go on later. Kept input
    /// counts against `max_input`, and the reactor keeps reading unless the
    /// connection is paused: a service that stops because output is high
    /// should stop only once `Ctx::pending_output` is over
    /// `Ctx::config().high_water`, so reading pauses in the same tick and its
    /// kept input cannot grow (the HTTP server does this).
    fn on_data(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        conn: &mut Self::Conn,
        input: &[u8],
    ) -> usize;

    /// The peer sent EOF (half-close). The connection is now `Draining`:
    /// writes are still accepted, and once output is flushed the reactor
    /// sends FIN and closes. Unconsumed input is passed here one last time.
    fn on_eof(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut Self::Conn, rest: &[u8]) {
        let _ = (ctx, tok, conn, rest);
    }

    /// All queued output reached the socket (the "writable" callback).
    /// A service that left input unconsumed while its output was high can
    /// call [`Ctx::resume_input`] here to have it handed back.
    fn on_drained(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut Self::Conn) {
        let _ = (ctx, tok, conn);
    }

    /// The connection is gone; this is the last call for `tok`.
    fn on_close(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: Self::Conn, reason: &CloseReason) {
        let _ = (ctx, tok, conn, reason);
    }

    /// An outbound [`Ctx::connect`] / [`Reactor::connect`](crate::Reactor::connect) failed.
    fn on_connect_failed(&mut self, ctx: &mut Ctx<'_>, tok: Token, err: io::Error) {
        let _ = (ctx, tok);
        log::warn!("connect tok={tok} failed: {err}");
    }

    /// A datagram arrived on a UDP socket (possibly empty: 0-byte datagrams
    /// are valid and delivered).
    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, sock: Token, from: SocketAddr, data: &[u8]) {
        let _ = (ctx, sock, from, data);
    }

    /// A file descriptor registered with
    /// [`Reactor::register_fd`](crate::Reactor::register_fd) is ready. As with
    /// sockets, readiness is a hint: read until `WouldBlock`.
    fn on_ready(&mut self, ctx: &mut Ctx<'_>, tok: Token, readable: bool, writable: bool) {
        let _ = (ctx, tok, readable, writable);
    }

    /// A timer set with [`Ctx::timer`] fired.
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, tag: u64) {
        let _ = (ctx, tag);
    }

    /// A timer set with [`Ctx::conn_timer`] fired (never after `on_close`).
    fn on_conn_timer(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut Self::Conn, tag: u64) {
        let _ = (ctx, tok, conn, tag);
    }

    /// [`Handle::wake`](crate::Handle::wake) was called from another thread.
    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        let _ = ctx;
    }

    /// A graceful shutdown began. Connections are closed (gracefully) right
    /// after this returns, so goodbyes written here are delivered.
    fn on_shutdown(&mut self, ctx: &mut Ctx<'_>) {
        let _ = ctx;
    }

    /// The phase "run woken tasks" (after timers, before flush), where the
    /// async runtime ([`rt`](crate::rt)) polls the tasks woken this tick.
    /// Callback services have no tasks and keep this default. Returning
    /// `true` makes [`Reactor::run`](crate::Reactor::run) return at the end
    /// of this tick (the runtime's `block_on` future is done).
    fn run_tasks(&mut self, ctx: &mut Ctx<'_>) -> bool {
        let _ = ctx;
        false
    }

    /// Bytes sent (best effort) to a connection refused by `max_conns`
    /// before it is closed, e.g. an HTTP 503. Default: nothing.
    fn reject_message(&self) -> &[u8] {
        b""
    }
}
