//! [`JoinHandle`]: the result of a spawned task, as a future.
//!
//! Owns: the cell a task's output (or its panic) lands in, and the future
//! that waits for it. Does not own: running the task or catching the panic
//! (`executor.rs`). Dropping a `JoinHandle` detaches the task: it runs on,
//! and its output is dropped when it ends (tokio does the same).

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// A task ended without an output: it panicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinError {
    /// `Box<str>`, not `String`: every task's join cell has room for one.
    message: Box<str>,
}

impl JoinError {
    pub(crate) fn panicked(payload: &(dyn Any + Send)) -> JoinError {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            s
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.as_str()
        } else {
            "a non-string payload"
        };
        JoinError {
            message: message.into(),
        }
    }

    /// The panic's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task panicked: {}", self.message)
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> Self {
        std::io::Error::other(e)
    }
}

struct State<T> {
    result: Option<Result<T, JoinError>>,
    waiter: Option<Waker>,
    done: bool,
}

/// Shared by a task's wrapper future (which fills it) and its handle.
pub(crate) struct JoinCell<T> {
    state: RefCell<State<T>>,
}

/// The type-erased side the executor sees: it can report a panic and ask
/// whether the task is done without knowing `T`.
pub(crate) trait TaskEnd {
    fn fail(&self, err: JoinError);
    fn is_done(&self) -> bool;
}

impl<T> JoinCell<T> {
    pub(crate) fn new() -> Rc<JoinCell<T>> {
        Rc::new(JoinCell {
            state: RefCell::new(State {
                result: None,
                waiter: None,
                done: false,
            }),
        })
    }

    pub(crate) fn complete(&self, result: Result<T, JoinError>) {
        let waiter = {
            let mut s = self.state.borrow_mut();
            if s.done {
                return;
            }
            s.done = true;
            s.result = Some(result);
            s.waiter.take()
        };
        if let Some(w) = waiter {
            w.wake();
        }
    }

    pub(crate) fn take(&self) -> Option<Result<T, JoinError>> {
        self.state.borrow_mut().result.take()
    }
}

impl<T> TaskEnd for JoinCell<T> {
    fn fail(&self, err: JoinError) {
        self.complete(Err(err));
    }

    fn is_done(&self) -> bool {
        self.state.borrow().done
    }
}

/// Await it for the task's output, `Err` if the task panicked. Drop it to
/// let the task run on detached.
pub struct JoinHandle<T> {
    pub(crate) cell: Rc<JoinCell<T>>,
}

impl<T> JoinHandle<T> {
    /// Has the task ended (returned or panicked)?
    pub fn is_finished(&self) -> bool {
        self.cell.is_done()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.cell.state.borrow_mut();
        if let Some(r) = s.result.take() {
            return Poll::Ready(r);
        }
        if s.done {
            // Polled again after it returned Ready: the output is gone.
            return Poll::Ready(Err(JoinError {
                message: "JoinHandle polled after completion".into(),
            }));
        }
        s.waiter = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}
