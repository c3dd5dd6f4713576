//! [`sleep`], [`timeout`], [`yield_now`]: time as futures, on the reactor's
//! one timer heap.
//!
//! Owns: the `Sleep` future (a slot for its waker plus a reactor timer that
//! fires into it), `timeout` (a race against a `Sleep`), and `yield_now`.
//! Does not own: the heap (`crate::timer`, through `Core::add_timer` and
//! `Timers::cancel`) or firing (the reactor's timer phase calls the
//! executor's `on_timer`, which wakes the slot's waker).

use super::context::{self, with_core};
use super::select::{select, Either};
use crate::timer::TimerKind;
use crate::TimerId;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Resolves after `after` (measured from the loop's clock, read once per
/// tick). Dropping it cancels its timer.
pub fn sleep(after: Duration) -> Sleep {
    Sleep {
        after,
        armed: None,
        done: false,
    }
}

/// The future [`sleep`] returns.
#[derive(Debug)]
pub struct Sleep {
    after: Duration,
    /// The waker slot (`Local::timers`) and the reactor timer.
    armed: Option<(usize, TimerId)>,
    done: bool,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        let Some((slot, _)) = self.armed else {
            // First poll: take a slot and put a timer on the heap.
            if self.after.is_zero() {
                self.done = true;
                return Poll::Ready(());
            }
            let Some(slot) = context::with_current(|l| {
                l.timers.borrow_mut().insert(super::executor::TimerSlot {
                    fired: false,
                    waker: Some(cx.waker().clone()),
                    orphan: false,
                })
            }) else {
                return Poll::Ready(()); // not in a runtime: nothing can wake us
            };
            let after = self.after;
            let tag = slot as u64;
            match with_core(|core| {
                let deadline: Instant = core.now + after;
                core.timers.add(deadline, TimerKind::Service { tag })
            }) {
                Ok(id) => self.armed = Some((slot, id)),
                Err(_) => {
                    free_slot(slot);
                    self.done = true;
                    return Poll::Ready(());
                }
            }
            log::trace!("sleep {after:?}: timer {tag} armed");
            return Poll::Pending;
        };
        let fired = context::with_current(|l| {
            let mut timers = l.timers.borrow_mut();
            match timers.get_mut(slot) {
                Some(s) if s.fired => true,
                Some(s) => {
                    s.waker = Some(cx.waker().clone());
                    false
                }
                None => true,
            }
        })
        .unwrap_or(true);
        if fired {
            free_slot(slot);
            self.armed = None;
            self.done = true;
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

fn free_slot(slot: usize) {
    context::with_current(|l| {
        let mut timers = l.timers.borrow_mut();
        if timers.contains(slot) {
            timers.remove(slot);
        }
    });
}

impl Drop for Sleep {
    fn drop(&mut self) {
        let Some((slot, id)) = self.armed.take() else {
            return;
        };
        if with_core(|core| core.timers.cancel(id)).is_ok() {
            free_slot(slot);
        } else {
            // Cannot reach the heap from here: let the timer fire into the
            // slot and free it then (`Executor::on_timer`).
            context::with_current(|l| {
                if let Some(s) = l.timers.borrow_mut().get_mut(slot) {
                    s.orphan = true;
                    s.waker = None;
                }
            });
        }
    }
}

/// `fut` did not finish within the time [`timeout`] gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(e: Elapsed) -> Self {
        std::io::Error::new(std::io::ErrorKind::TimedOut, e)
    }
}

/// Run `fut` for at most `after`; `Err(Elapsed)` if the time ran out first
/// (and `fut` is dropped: cancelled at its current `.await`).
pub async fn timeout<F: Future>(after: Duration, fut: F) -> Result<F::Output, Elapsed> {
    match select(fut, sleep(after)).await {
        Either::Left(v) => Ok(v),
        Either::Right(()) => Err(Elapsed),
    }
}

/// Let the other queued tasks run: wake ourselves and return `Pending` once.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}
