//! `spawn_blocking`: the closure runs on a worker thread, its result (or
//! its panic) comes back through the handle, and while it blocks, the loop
//! keeps serving other connections.

mod rt_util;
mod util;

use evloop::rt::{self, Runtime};
use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;
use util::*;

#[test]
fn the_result_comes_back_from_a_worker_thread() {
    let mut runtime = Runtime::new(rt_util::config()).unwrap();
    let loop_thread = std::thread::current().id();
    let (value, worker) = runtime
        .block_on(async {
            rt::spawn_blocking(|| (6 * 7, std::thread::current().id()))
                .await
                .unwrap()
        })
        .unwrap();
    assert_eq!(value, 42);
    assert_ne!(worker, loop_thread);
}

#[test]
fn a_panicking_closure_is_reported() {
    let mut runtime = Runtime::new(rt_util::config()).unwrap();
    let err = runtime
        .block_on(async { rt::spawn_blocking(|| panic!("worker boom")).await })
        .unwrap()
        .expect_err("panic reported");
    assert_eq!(err.message(), "worker boom");
}

#[test]
fn other_connections_are_served_while_a_job_blocks() {
    let (release, gate) = mpsc::channel::<()>();
    let server = rt_util::start(rt_util::config(), move |listener| async move {
        // A job that blocks until the test says so.
        drop(rt::spawn_blocking(move || gate.recv_timeout(TIMEOUT)));
        rt_util::echo_server(listener).await
    });
    std::thread::sleep(Duration::from_millis(50)); // the job is running
    let mut c = connect(server.addr);
    c.write_all(b"not stalled\n").unwrap();
    assert_eq!(read_n(&mut c, 12), b"not stalled\n");
    release.send(()).unwrap();
    server.stop();
}
