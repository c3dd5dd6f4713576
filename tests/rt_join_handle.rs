//! `JoinHandle`: awaiting it gives the task's output; a panic in a task is
//! caught and reported through its handle while the loop and the other
//! tasks go on; dropping a handle detaches the task, which still runs.

mod rt_util;
mod util;

use evloop::rt::{self, Runtime};
use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;
use util::*;

#[test]
fn awaiting_a_handle_gives_the_output() {
    let mut runtime = Runtime::new(rt_util::config()).unwrap();
    let out = runtime
        .block_on(async {
            let a = rt::spawn(async { 20 });
            let b = rt::spawn(async { 22 });
            a.await.unwrap() + b.await.unwrap()
        })
        .unwrap();
    assert_eq!(out, 42);
}

#[test]
fn a_panicking_task_is_reported_and_the_loop_goes_on() {
    let server = rt_util::start(rt_util::config(), |listener| async move {
        let boom = rt::spawn(async {
            rt::yield_now().await;
            panic!("boom in a task");
        });
        let err = boom.await.expect_err("the panic is reported");
        assert_eq!(err.message(), "boom in a task");
        rt_util::echo_server(listener).await
    });
    // The loop survived: the echo still works.
    let mut c = connect(server.addr);
    c.write_all(b"still alive\n").unwrap();
    assert_eq!(read_n(&mut c, 12), b"still alive\n");
    let ended = server.stop();
    assert_eq!(ended.tasks.panicked, 1);
    assert!(matches!(ended.result, Ok(Ok(()))));
}

#[test]
fn a_panic_in_block_on_is_an_error_not_a_crash() {
    let mut runtime = Runtime::new(rt_util::config()).unwrap();
    let err = runtime
        .block_on(async { panic!("main future panicked") })
        .expect_err("reported as an error");
    assert!(err.to_string().contains("main future panicked"), "{err}");
    // The runtime is still usable.
    assert_eq!(runtime.block_on(async { 7 }).unwrap(), 7);
}

#[test]
fn dropping_a_handle_detaches_the_task() {
    let mut runtime = Runtime::new(rt_util::config()).unwrap();
    let ran = Rc::new(Cell::new(false));
    let flag = ran.clone();
    runtime
        .block_on(async move {
            drop(rt::spawn(async move {
                rt::sleep(std::time::Duration::from_millis(20)).await;
                flag.set(true);
            }));
            rt::sleep(std::time::Duration::from_millis(200)).await;
        })
        .unwrap();
    assert!(ran.get(), "the detached task ran to its end");
}
