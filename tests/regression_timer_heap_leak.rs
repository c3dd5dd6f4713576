//! The timer heap stays as small as the live timers: 20,000 short
//! connections, each with an idle timer (and the linger timer of those the
//! server closes), leave the heap near the handful of timers that are
//! really pending. What broke: a closed connection's timers stayed in the
//! heap until their deadline (a 60 s idle timer of a 1 ms connection, for
//! 60 s), and the heap never shrank, so churn grew it by one or two entries
//! per connection. Now the reap phase cancels them and the heap is rebuilt
//! once dead entries outnumber live ones; `Metrics::timer_heap` shows it.
mod util;
use evloop::{services::Echo, Config};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;
use util::*;

const THREADS: usize = 4;
const CYCLES: usize = 5_000; // per thread
/// The heap may hold up to twice the live timers, plus a small constant
/// below which it is not worth compacting.
const SLACK: u64 = 64 + 1;

#[test]
fn twenty_thousand_short_connections_leave_the_timer_heap_small() {
    let cfg = Config {
        // Far longer than the test: no idle timer ever fires on its own.
        idle_timeout: Some(Duration::from_secs(600)),
        ..Config::default()
    };
    let server = serve(Echo, cfg);
    let addr = server.addr;
    // One long-lived connection, as a real server has: its idle timer keeps
    // the heap from ever being empty (an empty heap is simply cleared).
    let mut resident = connect(addr);
    resident.write_all(b"x").unwrap();
    assert_eq!(read_n(&mut resident, 1), b"x");
    let done = Arc::new(AtomicBool::new(false));

    // Sample the gauges while the churn runs.
    let sampler = {
        let (handle, done) = (server.handle.clone(), done.clone());
        thread::spawn(move || {
            let (mut worst, mut samples) = (None::<evloop::Metrics>, 0u64);
            for _ in 0..(TIMEOUT.as_millis() as u64 * 30 / 5) {
                if done.load(Ordering::Acquire) {
                    break;
                }
                let m = handle.metrics();
                samples += 1;
                // Each open connection holds one idle timer, or a linger
                // timer and a close deadline: at most 3 live timers each.
                let bound = 2 * 3 * m.open_conns.max(THREADS as u64 + 1) + SLACK;
                if m.timer_heap > bound && worst.is_none() {
                    worst = Some(m);
                }
                thread::sleep(Duration::from_millis(5));
            }
            (worst, samples)
        })
    };

    let clients: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || {
                for i in 0..CYCLES {
                    let mut c = connect(addr);
                    let msg = format!("churn {t} {i:05}\n");
                    c.write_all(msg.as_bytes()).unwrap();
                    assert_eq!(read_n(&mut c, msg.len()), msg.as_bytes());
                    // Half reset (no TIME_WAIT, so ports last), half FIN.
                    if i % 2 == 1 {
                        set_linger_zero(&c);
                    }
                    drop(c);
                }
            })
        })
        .collect();
    for c in clients {
        c.join().expect("a client thread failed");
    }
    done.store(true, Ordering::Release);
    let (worst, samples) = sampler.join().unwrap();

    let total = (THREADS * CYCLES) as u64;
    wait_until("every connection to be closed", || {
        let m = server.handle.metrics();
        m.open_conns == 1 && m.closed == total
    });
    let m = server.handle.metrics();
    assert!(samples > 0);
    assert!(
        worst.is_none(),
        "the timer heap outgrew the live timers during the churn: {worst:?}"
    );
    // Only the resident connection's idle timer is pending now.
    assert_eq!(m.timers_live, 1, "{m}");
    assert!(m.timer_heap <= 2 + SLACK, "{m}");
    drop(resident);
    server.stop();
}
