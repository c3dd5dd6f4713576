//! One shard's thread, and the start-up handshake with the supervisor.
//!
//! Owns: what runs on a shard thread (pin, then the shard's [`Body`]:
//! build the loop around the socket, report ready, run; then report how it
//! ended, panics included), the callback body ([`serve`]: a service's
//! reactor; the async one is in `rt.rs`), and waiting until all shards are
//! ready or one failed. Does not own: the loop itself (`Reactor::run`) or
//! supervising running shards (`running.rs`).

use super::socket::{self, StdSocket};
use super::summary;
use crate::{Config, Handle, Reactor, Service};
use mio::Waker;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

/// What a shard thread tells the supervisor.
pub(super) enum Msg {
    /// Its reactor is up and listening.
    Ready(usize, Handle),
    /// Its thread is ending: `run()` returned, failed, or panicked.
    Done(usize, Result<(), String>),
}

/// Wait until every shard is listening. If one fails first (or a thread
/// could not be spawned), shut down those that started, wait for every
/// thread to end, and return why: never fewer shards than asked for.
pub(super) fn started(
    rx: &mpsc::Receiver<Msg>,
    threads: Vec<JoinHandle<()>>,
    spawn_error: Option<io::Error>,
) -> io::Result<(Vec<Handle>, Vec<JoinHandle<()>>)> {
    let n = threads.len();
    let mut handles: Vec<Option<Handle>> = vec![None; n];
    let mut done = vec![false; n];
    let mut failure = spawn_error.map(|e| format!("cannot spawn a shard thread: {e}"));
    loop {
        let all_ready = failure.is_none() && handles.iter().all(Option::is_some);
        if all_ready || done.iter().all(|d| *d) {
            break;
        }
        match rx.recv() {
            Err(_) => break, // every shard thread has ended
            Ok(Msg::Ready(i, h)) => {
                if failure.is_some() {
                    h.shutdown();
                }
                handles[i] = Some(h);
            }
            Ok(Msg::Done(i, outcome)) => {
                done[i] = true;
                if failure.is_none() {
                    let why = outcome.err().unwrap_or_else(|| "stopped at once".into());
                    failure = Some(format!("shard {i} {why}"));
                    handles.iter().flatten().for_each(Handle::shutdown);
                }
            }
        }
    }
    if let Some(why) = failure {
        for t in threads {
            let _ = t.join();
        }
        return Err(io::Error::other(format!(
            "{why} while starting; the other shards were shut down"
        )));
    }
    Ok((handles.into_iter().flatten().collect(), threads))
}

/// Everything one shard thread needs, moved into it.
pub(super) struct ShardStart {
    pub(super) index: usize,
    pub(super) socket: StdSocket,
    pub(super) config: Config,
    pub(super) cpu: Option<usize>,
    pub(super) tx: mpsc::Sender<Msg>,
    pub(super) waker: Arc<Waker>,
}

/// What runs on a shard thread after pinning: build the loop for this
/// shard's index, socket and config, hand its `Handle` to `ready`, and run
/// it until it stops. `start` builds a [`Reactor`] around a service,
/// `start_async` a [`Runtime`](crate::rt::Runtime) around a future; the
/// thread, the handshake and the panic report are the same code.
pub(super) type Body =
    dyn Fn(usize, StdSocket, Config, &dyn Fn(Handle)) -> io::Result<()> + Send + Sync;

/// The [`Body`] of a callback shard: `factory(index)`'s service on a reactor.
/// `setup` runs once the socket is registered, before the shard is ready.
pub(super) fn serve<S: Service>(
    service: S,
    socket: StdSocket,
    config: Config,
    setup: &dyn Fn(&mut Reactor<S>) -> io::Result<()>,
    ready: &dyn Fn(Handle),
) -> io::Result<()> {
    let mut reactor = Reactor::new(service, config)?;
    match socket {
        StdSocket::Tcp(l) => reactor.listen_std(l)?,
        StdSocket::Udp(u) => reactor.bind_udp_std(u)?,
    };
    setup(&mut reactor)?;
    ready(reactor.handle());
    reactor.run()
}

impl ShardStart {
    /// The shard thread: pin, then `body`; report how it ended, panics
    /// included, so the supervisor never waits on a dead shard.
    pub(super) fn run(self, body: &Body) {
        let ShardStart {
            index,
            socket,
            config,
            cpu,
            tx,
            waker,
        } = self;
        let ready = |handle: Handle| {
            let _ = tx.send(Msg::Ready(index, handle));
        };
        // The loop is dropped by the unwinding (closing its sockets), so
        // nothing observes it half-updated: AssertUnwindSafe is honest.
        let result = catch_unwind(AssertUnwindSafe(|| -> io::Result<()> {
            if let Some(cpu) = cpu {
                socket::pin_current_thread(cpu)
                    .map_err(|e| io::Error::new(e.kind(), format!("pinning to CPU {cpu}: {e}")))?;
            }
            body(index, socket, config, &ready)
        }));
        let outcome = match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("failed: {e}")),
            Err(payload) => Err(format!("panicked: {}", summary::panic_message(&*payload))),
        };
        let _ = tx.send(Msg::Done(index, outcome));
        if let Err(e) = waker.wake() {
            log::error!("shard {index}: waking the supervisor failed: {e}");
        }
    }
}
