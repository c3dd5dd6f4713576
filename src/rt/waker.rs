//! Task wakers: what `Waker::wake` does in evloop.
//!
//! Owns: the one `Arc<TaskWaker>` per task behind every `Waker` clone (built
//! with `std::task::Wake`, no `RawWaker` and no `unsafe`), the "already
//! queued" flag that makes repeated wakes cost nothing, and the two roads a
//! wake takes. Does not own: the run queue itself (`executor.rs`) or the
//! `mio::Waker` (`reactor/handle.rs`).
//!
//! The two roads:
//! - **from the loop thread** (an event in dispatch, a timer, a task waking
//!   another): push the task id on the run queue. No syscall, no lock.
//! - **from any other thread** (a `spawn_blocking` worker, user threads):
//!   push the id on a mutex-protected inbox and poke the reactor's
//!   `mio::Waker` ([`Handle::wake`](crate::Handle::wake)), which makes
//!   `epoll_wait` return; dispatch then moves the inbox to the run queue.
//!   This is exactly how tokio's current-thread scheduler handles a remote
//!   wake (its `Handle::schedule` + `driver.unpark`).

use super::context;
use crate::Handle;
use log::trace;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Wake;

/// A task's name: slab slot and generation, like a [`Token`](crate::Token),
/// so a wake for a finished task never reaches the task now in its slot.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct TaskId {
    pub(crate) slot: u32,
    pub(crate) generation: u32,
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.slot, self.generation)
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({self})")
    }
}

/// Wakes from other threads wait here until the loop looks.
pub(crate) struct Remote {
    pub(crate) inbox: Mutex<Vec<TaskId>>,
    pub(crate) handle: Handle,
}

pub(crate) struct TaskWaker {
    pub(crate) id: TaskId,
    /// Set when queued, cleared just before each poll: a task woken ten
    /// times before it runs is queued once, and a wake during its own poll
    /// queues it again.
    pub(crate) scheduled: AtomicBool,
    /// The runtime's inbox; it also names the runtime (a waker can outlive
    /// its runtime, or be woken on a thread that runs another one).
    pub(crate) remote: Arc<Remote>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return; // already on a queue
        }
        let id = self.id;
        let mine = |l: &super::executor::Local| Arc::ptr_eq(&l.remote, &self.remote);
        let local = context::with_current(|l| mine(l) && l.push(id));
        if local == Some(true) {
            trace!("wake task={id} on the loop thread: queued");
            return;
        }
        trace!("wake task={id} from another thread: inbox + mio::Waker");
        match self.remote.inbox.lock() {
            Ok(mut inbox) => inbox.push(id),
            Err(poisoned) => poisoned.into_inner().push(id),
        }
        self.remote.handle.wake();
    }
}
