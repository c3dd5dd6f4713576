//! [`Shards::start_async`]: each shard an async [`Runtime`] instead of a
//! callback [`Service`](crate::Service).
//!
//! Owns: the async shard's body: build the runtime from the shard's
//! config, hand the shard's pre-bound socket to the future as an
//! [`rt::TcpListener`](TcpListener), report ready, `block_on` the future.
//! Does not own: anything else. Binding, pinning, signals, supervision,
//! panic reports and the summary are the same code as for callback shards
//! (`mod.rs`, `shard.rs`, `running.rs`): a runtime *is* a reactor, and its
//! [`Handle`] shuts it down and reads its counters like any other.

use super::shard::Body;
use super::socket::StdSocket;
use super::{Bind, Running, Shards};
use crate::rt::{JoinError, RtConfig, Runtime, TcpListener};
use crate::{Config, Handle};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::resume_unwind;
use std::sync::Arc;

impl Shards {
    /// Like [`start`](Self::start), but each shard runs
    /// `serve(shard_index, listener)` on its own single-threaded
    /// [`Runtime`] (the shard's config as [`RtConfig::reactor`], the other
    /// `RtConfig` fields at their defaults). `listener` is that shard's
    /// `SO_REUSEPORT` socket on `addr`. The future is built on the shard's
    /// thread, so it need not be `Send`; spawned tasks stay on that shard.
    ///
    /// A shard ends when its future returns. `Ok` is a clean stop (what an
    /// accept loop does once [`is_shutdown`](crate::rt::is_shutdown) tells
    /// it the shutdown began); an `Err` or a panic is a failed shard and,
    /// as with callbacks, stops the others. Ready is reported once the
    /// runtime exists; the socket is already listening, so connections
    /// that arrive before the future's first poll wait in its backlog.
    ///
    /// The [`Summary`](super::Summary) holds each runtime's reactor
    /// counters: streams driven by futures count as connections there
    /// (`accepted`, `connected`, `closed`, `open_conns`) like callback ones;
    /// their bytes are not counted (`bytes_in`/`bytes_out` stay callback-only).
    pub fn start_async<F, Fut>(self, addr: SocketAddr, serve: F) -> io::Result<Running>
    where
        F: Fn(usize, TcpListener) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<()>> + 'static,
    {
        let serve = Arc::new(serve);
        let body: Arc<Body> = Arc::new(move |i, socket, config, ready: &dyn Fn(Handle)| {
            run_shard(i, socket, config, ready, serve.clone())
        });
        self.launch(Bind::Tcp(addr), body)
    }
}

/// One async shard: the runtime, ready, then the future to its end.
fn run_shard<F, Fut>(
    index: usize,
    socket: StdSocket,
    config: Config,
    ready: &dyn Fn(Handle),
    serve: Arc<F>,
) -> io::Result<()>
where
    F: Fn(usize, TcpListener) -> Fut + 'static,
    Fut: Future<Output = io::Result<()>> + 'static,
{
    let StdSocket::Tcp(std_listener) = socket else {
        // `start_async` binds TCP only; a UDP socket here is a bug in this module.
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "an async shard needs a TCP listener",
        ));
    };
    let mut runtime = Runtime::new(RtConfig::from(config))?;
    ready(runtime.handle());
    // The listener is registered inside the future: `from_std` needs the
    // runtime's context, which exists only while `block_on` runs.
    let outcome = runtime.block_on(async move {
        let listener = TcpListener::from_std(std_listener)?;
        serve(index, listener).await
    });
    match outcome {
        Ok(served) => served,
        Err(e) => match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<JoinError>())
        {
            // The future panicked (the executor caught it): report it as
            // the shard panicking, exactly as a panicking service is.
            Some(panic) => resume_unwind(Box::new(panic.message().to_string())),
            None => Err(e),
        },
    }
}
