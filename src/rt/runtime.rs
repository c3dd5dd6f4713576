//! [`Runtime`]: the reactor plus the executor, and `block_on`.
//!
//! Owns: building the pair, `block_on` (run the one reactor loop until a
//! future is done), `spawn` from outside a task, and dropping every task
//! while their sources can still be released. Does not own: the loop (it is
//! [`Reactor::run`](crate::Reactor::run), unchanged but for its "run woken
//! tasks" phase) or the task machinery (`executor.rs`).

use super::config::RtConfig;
use super::context;
use super::executor::{Executor, Local};
use super::join::JoinHandle;
use super::TaskMetrics;
use crate::{Handle, Metrics, Reactor};
use std::future::Future;
use std::io;
use std::rc::Rc;

/// A single-threaded async runtime on an evloop [`Reactor`]: one
/// `mio::Poll`, one slab, one timer heap, shared by every task.
pub struct Runtime {
    reactor: Reactor<Executor>,
    local: Rc<Local>,
}

impl Runtime {
    /// A runtime with nothing spawned. With `config.reactor.handle_signals`,
    /// SIGINT/SIGTERM start a graceful shutdown, as in callback programs.
    pub fn new(config: RtConfig) -> io::Result<Runtime> {
        // The executor needs the reactor's Handle (for remote wakes), and
        // the reactor needs the executor: build the reactor first, then
        // install the executor's state.
        let executor = Executor {
            local: None,
            main: None,
        };
        let mut reactor = Reactor::new(executor, config.reactor.clone())?;
        let local = Rc::new(Local::new(config, reactor.handle()));
        reactor.service_mut().local = Some(local.clone());
        Ok(Runtime { reactor, local })
    }

    /// Run the loop until `fut` is done and return its output. Tasks spawned
    /// meanwhile keep running while it does, and stay for the next
    /// `block_on`. If a shutdown (signal, [`Handle::shutdown`]) is under way
    /// when `fut` finishes, `block_on` first lets it complete: every source
    /// closed, within `Config::shutdown_grace`.
    ///
    /// Errors: polling failed, `fut` panicked (the message is in the error),
    /// or the loop shut down before `fut` finished.
    pub fn block_on<F>(&mut self, fut: F) -> io::Result<F::Output>
    where
        F: Future + 'static,
    {
        let handle = self.local.spawn(fut);
        self.reactor.service_mut().main = Some(handle.cell.clone());
        // Tasks spawned before the loop runs: poll before the first sleep.
        self.local.keep_awake(&mut self.reactor.core);
        let local = self.local.clone();
        let ran = context::set_current(&local, || self.reactor.run());
        self.reactor.service_mut().main = None;
        ran?;
        match handle.cell.take() {
            Some(r) => r.map_err(io::Error::from),
            None => Err(io::Error::other(
                "evloop::rt: the loop shut down before the block_on future finished",
            )),
        }
    }

    /// Spawn a task; it starts at the next `block_on`.
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        self.local.spawn(fut)
    }

    /// A `Send` handle: `shutdown()` from any thread (or a signal) starts a
    /// graceful shutdown; `metrics()` reads the reactor's counters.
    pub fn handle(&self) -> Handle {
        self.reactor.handle()
    }

    /// The reactor's counters.
    pub fn metrics(&self) -> Metrics {
        self.reactor.metrics()
    }

    /// The executor's counters.
    pub fn task_metrics(&self) -> TaskMetrics {
        self.local.metrics.get()
    }
}

impl Drop for Runtime {
    /// Drop the tasks first, inside the runtime's context, so their
    /// sockets and timers are released through the reactor rather than
    /// leaked into a slab that is about to go.
    fn drop(&mut self) {
        let tasks = self.local.take_all();
        let local = self.local.clone();
        context::set_current(&local, || {
            context::enter(&mut self.reactor.core, || drop(tasks))
        });
        self.local.blocking.borrow_mut().take();
    }
}
