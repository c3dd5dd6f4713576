//! Pitfall `no-task-budget`: the run queue is drained without a budget. A
//! task that is always ready (here one that yields in a loop: cooperative,
//! but never idle) is polled again and again inside one tick, and the loop
//! never gets back to `epoll_wait`: no connection is served. Off: at most
//! `task_budget` polls per tick, then I/O, so the echo comes back while the
//! spinner spins.

mod rt_util;
mod util;

use evloop::rt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use util::*;

/// An echo server plus a task that yields until `stop` is set.
fn start_with_spinner(config: rt::RtConfig, stop: Arc<AtomicBool>) -> rt_util::RtServer {
    rt_util::start(config, move |listener| async move {
        drop(rt::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                rt::yield_now().await;
            }
        }));
        rt_util::echo_server(listener).await
    })
}

#[test]
fn on_an_always_ready_task_starves_io() {
    let stop = Arc::new(AtomicBool::new(false));
    let server = start_with_spinner(rt_util::with_pitfall("no-task-budget"), stop.clone());
    let mut c = connect(server.addr); // the kernel completes the handshake
    c.write_all(b"ping\n").unwrap();
    rt_util::expect_silence(&mut c, Duration::from_secs(1));
    stop.store(true, Ordering::Relaxed);
    assert_eq!(
        read_n(&mut c, 5),
        b"ping\n",
        "served once the spinner stops"
    );
    server.stop();
}

#[test]
fn off_io_is_served_while_the_task_spins() {
    let stop = Arc::new(AtomicBool::new(false));
    let server = start_with_spinner(rt_util::config(), stop.clone());
    let mut c = connect(server.addr);
    c.write_all(b"ping\n").unwrap();
    assert_eq!(read_n(&mut c, 5), b"ping\n");
    stop.store(true, Ordering::Relaxed);
    let ended = server.stop();
    assert!(ended.tasks.budget_yields > 0, "{:?}", ended.tasks);
}
