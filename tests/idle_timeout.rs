//! `idle_timeout`: a connection with no reads or writes for that long is
//! closed (the client sees EOF) and counted; one that keeps talking stays
//! open. Only outcomes are asserted; the bounds are generous.
mod util;
use evloop::{services::Echo, Config};
use std::io::Write;
use std::thread;
use std::time::{Duration, Instant};
use util::*;

fn config() -> Config {
    Config {
        idle_timeout: Some(Duration::from_millis(300)),
        ..Config::default()
    }
}

#[test]
fn an_idle_client_is_closed_and_counted() {
    let server = serve(Echo, config());
    let mut c = connect(server.addr);
    c.write_all(b"hi").unwrap();
    assert_eq!(read_n(&mut c, 2), b"hi");
    // Then silence: the server closes (EOF, within the read timeout).
    assert!(read_to_eof(&mut c).is_empty());
    drop(c); // ends the server's lingering close
    wait_until("the idle close to be counted", || {
        let m = server.handle.metrics();
        m.idle_timeouts == 1 && m.open_conns == 0
    });
    server.stop();
}

#[test]
fn a_client_talking_every_100ms_stays_open() {
    let server = serve(Echo, config());
    let mut c = connect(server.addr);
    let start = Instant::now();
    let mut rounds = 0;
    while start.elapsed() < Duration::from_secs(1) {
        let msg = format!("round {rounds}");
        c.write_all(msg.as_bytes()).unwrap();
        assert_eq!(read_n(&mut c, msg.len()), msg.as_bytes(), "round {rounds}");
        thread::sleep(Duration::from_millis(100)); // the behaviour: talk, pause, talk
        rounds += 1;
        assert!(rounds < 1000, "bounded loop");
    }
    // Still open after well over the idle timeout in total.
    c.write_all(b"last").unwrap();
    assert_eq!(read_n(&mut c, 4), b"last");
    let m = server.handle.metrics();
    assert_eq!((m.idle_timeouts, m.open_conns), (0, 1), "{m}");
    // And once it falls silent, it is closed after all.
    assert!(read_to_eof(&mut c).is_empty());
    wait_until("the idle close to be counted", || {
        server.handle.metrics().idle_timeouts == 1
    });
    drop(c);
    server.stop();
}
