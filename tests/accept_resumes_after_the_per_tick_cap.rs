//! The accept loop stops after `accepts_per_tick` connections so a connect
//! storm cannot starve established ones, and must then resume on its own:
//! the listener is edge-triggered, and connections already waiting in the
//! backlog raise no new edge.
//!
//! To make the storm deterministic, every client connects before the loop
//! polls for the first time (from inside the setup, right after `listen`):
//! the kernel completes the handshakes into the backlog, and the first poll
//! reports the listener readable once, for all of them. With a cap of 2,
//! accepting them all takes many ticks without any new event.

mod util;
use evloop::{services::Echo, Config};
use std::io::Write;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use util::*;

const CLIENTS: usize = 40;
const CAP: usize = 2;

#[test]
fn a_backlog_larger_than_the_cap_is_accepted_in_full_without_new_events() {
    let config = Config {
        accepts_per_tick: CAP,
        ..Config::default()
    };
    let clients: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let early = clients.clone();
    let server = serve_with(Echo, config, move |r| {
        let tok = r.listen(loopback0()).expect("listen");
        let addr = r.local_addr(tok).expect("local addr");
        // The backlog (mio asks for 1024) holds them all until accepted.
        let mut early = early.lock().unwrap();
        early.extend((0..CLIENTS).map(|_| connect(addr)));
        vec![addr]
    });
    let mut clients = std::mem::take(&mut *clients.lock().unwrap());
    assert_eq!(clients.len(), CLIENTS);

    wait_until("every waiting connection to be accepted", || {
        server.handle.metrics().accepted == CLIENTS as u64
    });
    // And each one is served.
    for (i, c) in clients.iter_mut().enumerate() {
        let msg = format!("client {i}\n");
        c.write_all(msg.as_bytes()).unwrap();
        assert_eq!(read_n(c, msg.len()), msg.as_bytes());
    }
    let m = server.handle.metrics();
    assert_eq!(
        (m.accepted, m.rejected, m.open_conns),
        (CLIENTS as u64, 0, CLIENTS as u64),
        "{m}"
    );
    drop(clients);
    server.stop();
}
