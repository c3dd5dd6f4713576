//! A task woken from another thread: the wake goes through the inbox and
//! the reactor's `mio::Waker`, and the task runs again on the loop thread.

mod rt_util;
mod util;

use evloop::rt::{Runtime, TaskMetrics};
use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread;

/// A one-shot cell another thread fills, waking whoever waits.
#[derive(Default)]
struct Shared {
    value: Option<u32>,
    waker: Option<Waker>,
}

#[test]
fn a_task_woken_by_another_thread_runs_again() {
    let mut runtime = Runtime::new(rt_util::config()).unwrap();
    let shared = Arc::new(Mutex::new(Shared::default()));
    let theirs = shared.clone();
    let loop_thread = thread::current().id();
    let got = runtime
        .block_on(async move {
            let mut started = false;
            let v = poll_fn(|cx| {
                let mut s = shared.lock().unwrap();
                if let Some(v) = s.value.take() {
                    return Poll::Ready(v);
                }
                s.waker = Some(cx.waker().clone());
                if !started {
                    started = true;
                    // Only now is a waker stored: start the other thread.
                    let theirs = theirs.clone();
                    thread::spawn(move || {
                        thread::sleep(std::time::Duration::from_millis(50));
                        let mut s = theirs.lock().unwrap();
                        s.value = Some(42);
                        let w = s.waker.take().expect("a stored waker");
                        drop(s);
                        w.wake(); // not the loop thread
                    });
                }
                Poll::Pending
            })
            .await;
            (v, thread::current().id())
        })
        .expect("block_on");
    assert_eq!(got.0, 42);
    assert_eq!(got.1, loop_thread, "the task ran on the loop thread");
    let m: TaskMetrics = runtime.task_metrics();
    assert_eq!(m.remote_wakes, 1, "{m:?}");
}
