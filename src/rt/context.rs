//! How a future reaches the loop it runs on: thread-local context.
//!
//! Owns: lending the reactor's `Core` to leaf futures while the "run woken
//! tasks" phase polls them, naming the runtime `block_on` is running on this
//! thread (for `spawn`, `sleep` and same-thread wakes), and the per-poll
//! cooperative budget. Does not own: the executor (`executor.rs`) or any I/O.
//!
//! Why thread-locals: `Future::poll` gets only a `Context` (a waker), so a
//! leaf future finds its reactor the way tokio's and smol's do, through the
//! thread it runs on. `enter` is scoped: the `Core` is reachable only while
//! the phase that owns `&mut Core` is polling tasks, never after.

use crate::reactor::Core;
use std::cell::{Cell, RefCell};
use std::io;
use std::ptr::NonNull;
use std::rc::Rc;
use std::task::Context;

use super::executor::Local;

thread_local! {
    /// The `Core` lent by [`enter`]; `None` while lent out by [`with_core`].
    static CORE: Cell<Option<NonNull<Core>>> = const { Cell::new(None) };
    /// The runtime `block_on` is running on this thread.
    static CURRENT: RefCell<Option<Rc<Local>>> = const { RefCell::new(None) };
    /// Leaf-future operations left to the task being polled (tokio's `coop`).
    static BUDGET: Cell<u32> = const { Cell::new(u32::MAX) };
}

/// Restores a thread-local on drop, so an unwinding panic cannot leave a
/// dangling pointer or the wrong runtime behind.
struct RestoreCore(Option<NonNull<Core>>);

impl Drop for RestoreCore {
    #[inline]
    fn drop(&mut self) {
        CORE.with(|c| c.set(self.0));
    }
}

/// Run `f` with `core` reachable through [`with_core`].
pub(crate) fn enter<R>(core: &mut Core, f: impl FnOnce() -> R) -> R {
    let prev = CORE.with(|c| c.replace(Some(NonNull::from(core))));
    let _restore = RestoreCore(prev);
    f()
}

/// Run `f` on the lent `Core`; an error outside a runtime's task.
/// Inlined: every leaf-future poll comes through here (two thread-local
/// accesses and a guard, which cost more as a call than as code).
#[inline]
pub(crate) fn with_core<R>(f: impl FnOnce(&mut Core) -> R) -> io::Result<R> {
    let ptr = CORE.with(|c| c.take()).ok_or_else(not_in_runtime)?;
    let _restore = RestoreCore(Some(ptr));
    // SAFETY: `ptr` came from the `&mut Core` that `enter` holds for as long
    // as the pointer is in `CORE` (`RestoreCore` puts the previous value back
    // when `enter` returns or unwinds), so it points to a live `Core` that
    // nothing else touches meanwhile: `enter`'s caller cannot use its
    // borrow until `f` returns. `CORE` is emptied while `f` runs, so a nested
    // `with_core` gets `None` instead of a second `&mut`. Thread-local, so
    // no other thread ever sees the pointer.
    let core = unsafe { &mut *ptr.as_ptr() };
    Ok(f(core))
}

pub(crate) fn not_in_runtime() -> io::Error {
    io::Error::other("evloop::rt: not inside a task of a running Runtime")
}

/// Run `f` with `local` as this thread's current runtime.
pub(crate) fn set_current<R>(local: &Rc<Local>, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<Rc<Local>>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let prev = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = prev);
        }
    }
    let prev = CURRENT.with(|c| c.borrow_mut().replace(local.clone()));
    let _reset = Reset(prev);
    f()
}

/// This thread's current runtime, if `block_on` is running.
pub(crate) fn current() -> Option<Rc<Local>> {
    CURRENT.with(|c| c.try_borrow().ok().and_then(|l| l.clone()))
}

/// Call `f` with the current runtime without cloning the `Rc`.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Local) -> R) -> Option<R> {
    CURRENT.with(|c| c.try_borrow().ok().and_then(|l| l.as_deref().map(f)))
}

/// The executor gives each task poll a fresh budget.
#[inline]
pub(crate) fn reset_budget(ops: u32) {
    BUDGET.with(|b| b.set(ops));
}

/// May a leaf future do one more operation in this poll? When the budget
/// is spent it wakes its task and says no: the future returns `Pending`
/// and the task goes to the back of the run queue, like the read budget of
/// the callback path. Without this, `loop { read().await; write().await }`
/// on a fast peer would never return `Pending`, and never let others run.
#[inline]
pub(crate) fn proceed(cx: &Context<'_>) -> bool {
    BUDGET.with(|b| match b.get() {
        0 => budget_spent(cx),
        n => {
            b.set(n - 1);
            true
        }
    })
}

/// `proceed`'s rare branch, out of line so the common one stays small.
#[cold]
fn budget_spent(cx: &Context<'_>) -> bool {
    log::trace!("coop budget spent: task yields");
    cx.waker().wake_by_ref();
    false
}
