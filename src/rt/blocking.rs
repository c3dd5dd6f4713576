//! [`spawn_blocking`]: run a blocking closure on a worker thread and await
//! its result from a task.
//!
//! Owns: the small pool of worker threads (started on first use), its
//! bounded job queue, and the one-shot cell a worker fills. Does not own:
//! waking the task (the worker calls the task's `Waker`, whose cross-thread
//! road, inbox + `mio::Waker`, is `waker.rs`).
//!
//! This is `chat_server`'s worker + channel + `Handle::wake`, made reusable:
//! the job goes down a channel, the worker runs it, stores the result and
//! wakes the waiting task; the task, polled again on the loop thread, takes
//! the result. Pitfall `blocking-in-task` runs the closure on the loop
//! thread instead, which is what calling blocking code from a task does.

use super::context;
use super::join::JoinHandle;
use std::future::poll_fn;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread;

type Job = Box<dyn FnOnce() + Send>;

/// The worker threads; they exit when this (the only sender) is dropped.
pub(crate) struct Pool {
    jobs: SyncSender<Job>,
}

impl Pool {
    fn start(threads: usize, queue: usize) -> Pool {
        let (jobs, rx) = sync_channel::<Job>(queue.max(1));
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = thread::Builder::new()
                .name(format!("evloop-blocking-{i}"))
                .spawn(move || worker(&rx));
            if let Err(e) = spawned {
                log::error!("spawn_blocking: cannot start worker {i}: {e}");
            }
        }
        Pool { jobs }
    }
}

fn worker(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return, // the runtime is gone
        }
    }
}

/// What a worker hands back: the result (or panic), and who to wake.
struct Slot<T> {
    result: Option<thread::Result<T>>,
    waker: Option<Waker>,
}

/// Run `f` on a worker thread; await the returned handle for its result
/// (`Err` if `f` panicked, or if `RtConfig::blocking_queue` jobs were
/// already waiting). Call it from a task of a running runtime.
pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
    }));
    let inline = context::with_current(|l| l.config.reactor.pitfalls.blocking_in_task);
    let submitted = match inline {
        None => Err("spawn_blocking outside a running runtime"),
        Some(true) => {
            // Pitfall `blocking-in-task`: the loop thread itself blocks.
            log::trace!("spawn_blocking pitfall=blocking-in-task: running on the loop thread");
            fill(&slot, catch_unwind(AssertUnwindSafe(f)));
            Ok(())
        }
        Some(false) => submit(&slot, f),
    };
    let task = async move {
        if let Err(why) = submitted {
            resume_unwind(Box::new(why));
        }
        let result = poll_fn(|cx| {
            let mut s = lock(&slot);
            match s.result.take() {
                Some(r) => Poll::Ready(r),
                None => {
                    s.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
        .await;
        result.unwrap_or_else(|payload| resume_unwind(payload))
    };
    match context::current() {
        Some(local) => local.spawn(task),
        None => {
            // No runtime: a handle that reports the error when awaited.
            let cell = super::join::JoinCell::new();
            cell.complete(Err(super::JoinError::panicked(
                &"spawn_blocking outside a running runtime",
            )));
            JoinHandle { cell }
        }
    }
}

fn submit<F, T>(slot: &Arc<Mutex<Slot<T>>>, f: F) -> Result<(), &'static str>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let out = slot.clone();
    let job: Job = Box::new(move || fill(&out, catch_unwind(AssertUnwindSafe(f))));
    context::with_current(|l| {
        let mut pool = l.blocking.borrow_mut();
        let pool = pool
            .get_or_insert_with(|| Pool::start(l.config.blocking_threads, l.config.blocking_queue));
        match pool.jobs.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err("spawn_blocking queue is full"),
            Err(TrySendError::Disconnected(_)) => Err("spawn_blocking workers are gone"),
        }
    })
    .unwrap_or(Err("spawn_blocking outside a running runtime"))
}

fn fill<T>(slot: &Mutex<Slot<T>>, result: thread::Result<T>) {
    let waker = {
        let mut s = lock(slot);
        s.result = Some(result);
        s.waker.take()
    };
    if let Some(w) = waker {
        w.wake(); // from a worker: the cross-thread road (inbox + mio::Waker)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
