//! The per-poll (coop) budget: a task whose every operation is ready at
//! once never returns `Pending` on its own. Here it sends UDP datagrams in
//! a loop (a send to a local socket never blocks). With `coop_budget` the
//! leaf future makes it yield every 128 operations, so the loop still polls
//! for I/O and an echo is served. With no budget at all (the
//! `no-task-budget` pitfall also turns this one off), the task holds the
//! loop until it is told to stop.

mod rt_util;
mod util;

use evloop::rt::{self, UdpSocket};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use util::*;

/// An echo server plus a task that sends datagrams until `stop` is set.
fn start_with_sender(config: rt::RtConfig, stop: Arc<AtomicBool>) -> rt_util::RtServer {
    let sink = std::net::UdpSocket::bind(loopback0()).unwrap();
    let to = sink.local_addr().unwrap();
    rt_util::start(config, move |listener| async move {
        let sock = UdpSocket::bind(loopback0()).await?;
        drop(rt::spawn(async move {
            let _sink = sink; // keep the port bound (nobody reads it)
            while !stop.load(Ordering::Relaxed) {
                if sock.send_to(b"busy", to).await.is_err() {
                    return;
                }
            }
        }));
        rt_util::echo_server(listener).await
    })
}

#[test]
fn an_always_ready_task_yields_and_io_is_served() {
    let stop = Arc::new(AtomicBool::new(false));
    let server = start_with_sender(rt_util::config(), stop.clone());
    let mut c = connect(server.addr);
    c.write_all(b"ping\n").unwrap();
    assert_eq!(read_n(&mut c, 5), b"ping\n");
    stop.store(true, Ordering::Relaxed);
    server.stop();
}

#[test]
fn without_any_budget_it_holds_the_loop() {
    let stop = Arc::new(AtomicBool::new(false));
    let server = start_with_sender(rt_util::with_pitfall("no-task-budget"), stop.clone());
    let mut c = connect(server.addr);
    c.write_all(b"ping\n").unwrap();
    rt_util::expect_silence(&mut c, Duration::from_secs(1));
    stop.store(true, Ordering::Relaxed);
    assert_eq!(read_n(&mut c, 5), b"ping\n", "served once the task stops");
    server.stop();
}
