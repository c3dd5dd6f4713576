//! [`select`]: race two futures, keep the first to finish.
//!
//! Owns: the whole "race" combinator, small enough to read: pin both
//! futures on the stack of the async fn (`std::pin::pin!`, no `unsafe`),
//! then poll both from one `poll_fn`, left first. The task's one waker is
//! given to both, so whichever side's event comes wakes the task, and the
//! next poll looks at both again. The loser is dropped when `select`
//! returns, which cancels it at its current `.await`: a pending socket
//! read just forgets its parked waker (nothing was read, so nothing is
//! lost), a `Sleep` cancels its timer. Any future whose partial progress
//! lives only inside itself would lose it, so race only cancel-safe ones
//! (evloop's leaf futures all are; keep a line buffer outside the future).
//!
//! tokio's `select!` macro and `futures::future::select` do the same; the
//! macro also picks a random side first for fairness, which two arms
//! polled in a fixed order do not need here.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

/// Which side of a [`select`] finished first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either<A, B> {
    /// The first future won.
    Left(A),
    /// The second future won.
    Right(B),
}

/// Wait for whichever of `a` and `b` finishes first (`a` if both are
/// ready at once); the other is dropped.
pub async fn select<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(v));
        }
        if let Poll::Ready(v) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(v));
        }
        Poll::Pending
    })
    .await
}
