//! Pitfall `blocking-in-task`: blocking code runs on the loop thread
//! (`spawn_blocking` degrades to calling the closure in place, which is
//! what a blocking call inside a task does). While it blocks, every other
//! connection stalls. Off: the closure runs on a worker thread and the
//! echo comes back while it blocks.

mod rt_util;
mod util;

use evloop::rt;
use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;
use util::*;

/// An echo server that first starts a job blocking until `gate` opens.
fn start_with_job(config: rt::RtConfig, gate: mpsc::Receiver<()>) -> rt_util::RtServer {
    rt_util::start(config, move |listener| async move {
        drop(rt::spawn(async move {
            let _ = rt::spawn_blocking(move || gate.recv_timeout(TIMEOUT)).await;
        }));
        rt_util::echo_server(listener).await
    })
}

#[test]
fn on_a_blocking_job_stalls_every_connection() {
    let (open, gate) = mpsc::channel();
    let server = start_with_job(rt_util::with_pitfall("blocking-in-task"), gate);
    let mut c = connect(server.addr);
    c.write_all(b"ping\n").unwrap();
    rt_util::expect_silence(&mut c, Duration::from_secs(1));
    open.send(()).unwrap();
    assert_eq!(read_n(&mut c, 5), b"ping\n", "served once the job ends");
    server.stop();
}

#[test]
fn off_the_job_runs_on_a_worker_and_connections_are_served() {
    let (open, gate) = mpsc::channel();
    let server = start_with_job(rt_util::config(), gate);
    let mut c = connect(server.addr);
    c.write_all(b"ping\n").unwrap();
    assert_eq!(read_n(&mut c, 5), b"ping\n");
    open.send(()).unwrap();
    server.stop();
}
