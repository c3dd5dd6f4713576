//! Connection cap under a flood: with `max_conns = 20`, the 50 connections
//! beyond the cap are closed at once and counted as `rejected`, while the
//! 20 admitted connections keep echoing through and after the flood.
mod util;
use evloop::{services::Echo, Config};
use std::io::Write;
use util::*;

const CAP: usize = 20;
const EXTRA: usize = 50;

#[test]
fn connections_over_max_conns_are_closed_and_the_admitted_ones_keep_working() {
    let config = Config {
        max_conns: CAP,
        ..Config::default()
    };
    let server = serve(Echo, config);
    // Admit the first CAP, and prove each one is really open (an echo is
    // only possible once the reactor accepted and registered it).
    let mut admitted: Vec<_> = (0..CAP).map(|_| connect(server.addr)).collect();
    for (i, c) in admitted.iter_mut().enumerate() {
        let msg = format!("before {i}\n");
        c.write_all(msg.as_bytes()).unwrap();
        assert_eq!(read_n(c, msg.len()), msg.as_bytes());
    }
    wait_until("the cap to be reached", || {
        server.handle.metrics().open_conns == CAP as u64
    });

    // The flood: every one is accepted by the kernel, then closed by us.
    let mut flood: Vec<_> = (0..EXTRA).map(|_| connect(server.addr)).collect();
    for c in &mut flood {
        // Echo has no reject message: the first read is EOF (or a reset).
        expect_closed(c);
    }
    wait_until("all 50 to be counted as rejected", || {
        server.handle.metrics().rejected == EXTRA as u64
    });

    // The admitted ones did not notice.
    for (i, c) in admitted.iter_mut().enumerate() {
        let msg = format!("after {i}\n");
        c.write_all(msg.as_bytes()).unwrap();
        assert_eq!(read_n(c, msg.len()), msg.as_bytes());
    }
    let m = server.handle.metrics();
    assert_eq!(m.open_conns, CAP as u64, "{m}");
    assert_eq!(m.accepted, CAP as u64, "{m}");
    assert_eq!(m.rejected, EXTRA as u64, "{m}");
    drop(flood);
    drop(admitted);
    server.stop();
}
