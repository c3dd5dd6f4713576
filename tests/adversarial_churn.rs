//! Churn: 20,000 connect/echo/close cycles from 4 client threads, half of
//! them ending in a clean close and half in a reset (SO_LINGER 0). Nothing
//! leaks: `open_conns` returns to 0, `closed` counts every one, and this
//! process's fd count (the reactor runs in-process) returns to baseline.
//!
//! One test function on purpose: another test in this binary would open
//! descriptors on another thread while we count them.
mod util;
use evloop::{services::Echo, Config};
use std::io::Write;
use std::thread;
use util::*;

const THREADS: usize = 4;
const CYCLES: usize = 5_000; // per thread

#[test]
fn twenty_thousand_connect_echo_close_cycles_leak_no_fd_and_no_slot() {
    let server = serve(Echo, Config::default());
    let addr = server.addr;
    let baseline = open_fds();

    let clients: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || {
                for i in 0..CYCLES {
                    let mut c = connect(addr); // read/write timeouts set
                    let msg = format!("churn {t} {i:05}\n");
                    c.write_all(msg.as_bytes()).unwrap();
                    assert_eq!(read_n(&mut c, msg.len()), msg.as_bytes());
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

    let total = (THREADS * CYCLES) as u64;
    wait_until("every connection to be closed", || {
        let m = server.handle.metrics();
        m.open_conns == 0 && m.closed == total
    });
    let m = server.handle.metrics();
    assert_eq!((m.accepted, m.rejected), (total, 0), "{m}");
    wait_until("the fd count to return to its baseline", || {
        open_fds() == baseline
    });
    server.stop();
}
