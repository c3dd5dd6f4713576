//! The executor: tasks in a slab, a run queue, and the "run woken tasks"
//! phase that polls them with a budget.
//!
//! Owns: spawning (boxing a future into a task), the task slab with its
//! generations, the run queue, polling with `catch_unwind`, the per-tick
//! task budget, and the sleep-timer wakers. Does not own: the loop (the
//! reactor calls [`Executor::run_tasks`](crate::Service::run_tasks) once a
//! tick), wakers (`waker.rs`) or I/O (`net.rs`, `reactor/io_source.rs`).
//!
//! Tasks are local (`!Send` is fine): they live and run on the loop thread
//! only, so the slab needs no lock. A wake from elsewhere goes through the
//! inbox (`waker.rs`), drained in `on_wake`.

use super::config::RtConfig;
use super::context;
use super::join::{JoinCell, JoinError, JoinHandle, TaskEnd};
use super::waker::{Remote, TaskId, TaskWaker};
use super::TaskMetrics;
use crate::timer::TimerKind;
use crate::{Ctx, Service, Token};
use log::{trace, warn};
use slab::Slab;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

type BoxFuture = Pin<Box<dyn Future<Output = ()>>>;

/// The service-timer tag that keeps `epoll_wait` from sleeping while tasks
/// wait on the run queue (the budget ran out): a zero-delay timer.
const RUN_QUEUE_TAG: u64 = u64::MAX;

struct Task {
    /// `None` while being polled (taken out so a task may spawn others),
    /// with the `Waker` its polls lend: built once at spawn, moved out and
    /// back per poll instead of cloned (an `Arc` count up and down).
    run: Option<(BoxFuture, Waker)>,
    /// The same `Arc` as the waker's: its id and "already queued" flag.
    waker: Arc<TaskWaker>,
    end: Rc<dyn TaskEnd>,
}

/// A spawned future and the cell its output goes to: the task's outer
/// future. Written by hand rather than as an `async` block, which would
/// add a state machine to step through on every poll. The future is boxed
/// on its own: an `async` block that captured it and awaited it would
/// store it twice (rust-lang/rust#62958), and a box keeps this wrapper
/// small and `Unpin` (no pinning to project, no `unsafe`).
struct Spawned<F: Future> {
    /// `None` once it returned: its locals (sockets) are dropped before
    /// the output is delivered, as awaiting it in an `async` block did.
    fut: Option<Pin<Box<F>>>,
    out: Option<Rc<JoinCell<F::Output>>>,
}

impl<F: Future> Future for Spawned<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(fut) = self.fut.as_mut() else {
            return Poll::Ready(());
        };
        let Poll::Ready(v) = fut.as_mut().poll(cx) else {
            return Poll::Pending;
        };
        self.fut = None;
        if let Some(out) = self.out.take() {
            out.complete(Ok(v));
        }
        Poll::Ready(())
    }
}

/// A sleeping future's slot: the timer fired? who to wake.
pub(crate) struct TimerSlot {
    pub(crate) fired: bool,
    pub(crate) waker: Option<Waker>,
    /// Its `Sleep` was dropped while the timer could not be cancelled.
    pub(crate) orphan: bool,
}

/// Everything the executor keeps, shared (`Rc`) by the runtime, the
/// reactor-side [`Executor`] and the thread-local context.
pub(crate) struct Local {
    pub(crate) config: RtConfig,
    tasks: RefCell<Slab<Task>>,
    generations: RefCell<Vec<u32>>,
    queue: RefCell<VecDeque<TaskId>>,
    pub(crate) remote: Arc<Remote>,
    pub(crate) timers: RefCell<Slab<TimerSlot>>,
    pub(crate) metrics: Cell<TaskMetrics>,
    pub(crate) blocking: RefCell<Option<super::blocking::Pool>>,
    timer_armed: Cell<bool>,
}

impl Local {
    pub(crate) fn new(config: RtConfig, handle: crate::Handle) -> Local {
        Local {
            config,
            tasks: RefCell::new(Slab::new()),
            generations: RefCell::new(Vec::new()),
            queue: RefCell::new(VecDeque::new()),
            remote: Arc::new(Remote {
                inbox: Default::default(),
                handle,
            }),
            timers: RefCell::new(Slab::new()),
            metrics: Cell::new(TaskMetrics::default()),
            blocking: RefCell::new(None),
            timer_armed: Cell::new(false),
        }
    }

    pub(crate) fn count(&self, f: impl FnOnce(&mut TaskMetrics)) {
        let mut m = self.metrics.get();
        f(&mut m);
        self.metrics.set(m);
    }

    /// Queue a task (same-thread wake). `false` if the queue is in use.
    pub(crate) fn push(&self, id: TaskId) -> bool {
        match self.queue.try_borrow_mut() {
            Ok(mut q) => {
                q.push_back(id);
                self.count(|m| m.local_wakes += 1);
                true
            }
            Err(_) => false,
        }
    }

    /// Box `fut` into a task and queue its first poll.
    pub(crate) fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let cell = JoinCell::new();
        let out = cell.clone();
        // The future gets a box of its own inside the wrapper (`Spawned`
        // says why); the wrapper is the task's `dyn Future`.
        let task: BoxFuture = Box::pin(Spawned {
            fut: Some(Box::pin(fut)),
            out: Some(out),
        });
        let end: Rc<dyn TaskEnd> = cell.clone();
        let id = {
            let mut tasks = self.tasks.borrow_mut();
            let entry = tasks.vacant_entry();
            let slot = entry.key();
            let mut gens = self.generations.borrow_mut();
            if slot >= gens.len() {
                gens.resize(slot + 1, 0);
            }
            let id = TaskId {
                slot: slot as u32,
                generation: gens[slot],
            };
            let waker = Arc::new(TaskWaker {
                id,
                scheduled: AtomicBool::new(true),
                remote: self.remote.clone(),
            });
            entry.insert(Task {
                run: Some((task, Waker::from(waker.clone()))),
                waker,
                end,
            });
            id
        };
        trace!("spawn task={id}");
        self.count(|m| m.spawned += 1);
        self.queue.borrow_mut().push_back(id);
        JoinHandle { cell }
    }

    /// Poll up to `budget` queued tasks (all of them, forever if they keep
    /// waking themselves, under pitfall `no-task-budget`).
    fn run_queue(&self) {
        let unbounded = self.config.reactor.pitfalls.no_task_budget;
        let budget = self.config.task_budget.max(1);
        let mut polled = 0;
        loop {
            if polled >= budget && !unbounded {
                trace!("task budget {budget} spent: the rest wait for the next tick");
                self.count(|m| m.budget_yields += 1);
                return;
            }
            let next = self.queue.borrow_mut().pop_front();
            let Some(id) = next else { return };
            polled += 1;
            self.poll_task(id);
        }
    }

    fn poll_task(&self, id: TaskId) {
        let (mut fut, waker) = {
            let mut tasks = self.tasks.borrow_mut();
            // The task in the slot carries its own id: a different
            // generation means this one ended and the slot holds another.
            let Some(task) = tasks.get_mut(id.slot as usize) else {
                return;
            };
            if task.waker.id != id {
                return;
            }
            let Some(run) = task.run.take() else { return };
            task.waker.scheduled.store(false, Ordering::Release);
            run
        };
        let mut cx = Context::from_waker(&waker);
        let coop = if self.config.reactor.pitfalls.no_task_budget {
            u32::MAX
        } else {
            self.config.coop_budget
        };
        context::reset_budget(coop);
        trace!("poll task={id}");
        self.count(|m| m.polls += 1);
        let result = catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx)));
        match result {
            Ok(Poll::Pending) => {
                trace!("task={id} Pending");
                if let Some(task) = self.tasks.borrow_mut().get_mut(id.slot as usize) {
                    task.run = Some((fut, waker));
                }
            }
            Ok(Poll::Ready(())) => {
                trace!("task={id} Ready: done");
                self.finish(id);
                self.count(|m| m.completed += 1);
                drop(fut); // locals of the finished task (sockets) go now
            }
            Err(payload) => {
                let err = JoinError::panicked(payload.as_ref());
                warn!("task={id} panicked: {}; the loop goes on", err.message());
                let end = self.tasks.borrow()[id.slot as usize].end.clone();
                self.finish(id);
                self.count(|m| m.panicked += 1);
                // Dropping a half-run future can panic too: contain it.
                let _ = catch_unwind(AssertUnwindSafe(move || drop(fut)));
                end.fail(err);
            }
        }
    }

    fn finish(&self, id: TaskId) {
        let slot = id.slot as usize;
        let mut gens = self.generations.borrow_mut();
        gens[slot] = gens[slot].wrapping_add(1);
        self.tasks.borrow_mut().remove(slot);
    }

    /// If tasks are queued, make the next `epoll_wait` return at once: a
    /// zero-delay timer (the heap already sets the poll timeout, so the
    /// reactor needs no extra "is the run queue empty?" check).
    pub(crate) fn keep_awake(&self, core: &mut crate::reactor::Core) {
        if !self.queue.borrow().is_empty() && !self.timer_armed.get() {
            self.timer_armed.set(true);
            core.add_timer(Duration::ZERO, TimerKind::Service { tag: RUN_QUEUE_TAG });
        }
    }

    /// Every task, taken out so they can be dropped (`Runtime`'s drop).
    pub(crate) fn take_all(&self) -> Vec<BoxFuture> {
        let mut tasks = self.tasks.borrow_mut();
        tasks
            .drain()
            .filter_map(|t| t.run.map(|(f, _)| f))
            .collect()
    }
}

/// The reactor-side half of the runtime: a [`Service`] with no connections
/// whose `run_tasks` hook is the "run woken tasks" phase.
pub(crate) struct Executor {
    /// Set right after the reactor is built (it needs the reactor's Handle).
    pub(crate) local: Option<Rc<Local>>,
    /// `block_on`'s task: `run()` returns once it is done.
    pub(crate) main: Option<Rc<dyn TaskEnd>>,
}

impl Service for Executor {
    type Conn = ();

    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) {}

    fn on_data(&mut self, _: &mut Ctx<'_>, _: Token, _: &mut (), input: &[u8]) -> usize {
        input.len()
    }

    fn run_tasks(&mut self, ctx: &mut Ctx<'_>) -> bool {
        let Some(local) = &self.local else {
            return false;
        };
        context::enter(ctx.core, || local.run_queue());
        // Tasks still wait (budget spent): poll without sleeping.
        local.keep_awake(ctx.core);
        // During a graceful shutdown, `run()` returns by itself once every
        // source is closed; returning early would cut the shutdown short.
        let done = self.main.as_ref().is_some_and(|m| m.is_done());
        done && !ctx.is_shutting_down()
    }

    fn on_timer(&mut self, _: &mut Ctx<'_>, tag: u64) {
        let Some(local) = &self.local else { return };
        if tag == RUN_QUEUE_TAG {
            local.timer_armed.set(false);
            return;
        }
        let mut timers = local.timers.borrow_mut();
        let Some(slot) = timers.get_mut(tag as usize) else {
            return;
        };
        if slot.orphan {
            timers.remove(tag as usize);
            return;
        }
        slot.fired = true;
        if let Some(w) = slot.waker.take() {
            drop(timers);
            trace!("timer {tag} fired: wake its task");
            w.wake();
        }
    }

    fn on_wake(&mut self, _: &mut Ctx<'_>) {
        let Some(local) = &self.local else { return };
        let ids = match local.remote.inbox.lock() {
            Ok(mut inbox) => std::mem::take(&mut *inbox),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        };
        let n = ids.len() as u64;
        trace!("inbox: {n} remote wakes");
        local.count(|m| m.remote_wakes += n);
        local.queue.borrow_mut().extend(ids);
    }
}
