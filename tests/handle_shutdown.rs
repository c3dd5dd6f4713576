//! `Handle::shutdown()` from another thread: the reactor stops accepting,
//! flushes what every connection has pending (a client with megabytes of
//! echo queued still gets all of it, then EOF), closes, and `run()` returns.
//! With nothing connected it returns without waiting for the grace period.
mod util;
use evloop::{services::Echo, CloseReason, Config, Ctx, Service, Token};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;
use util::*;

/// Echo that counts the bytes it queued and records close reasons.
#[derive(Default)]
struct CountingEcho {
    echoed: Arc<AtomicU64>,
    reasons: Arc<Mutex<Vec<String>>>,
}

impl Service for CountingEcho {
    type Conn = ();
    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) {}
    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        if ctx.write(tok, input) {
            self.echoed.fetch_add(input.len() as u64, Ordering::Relaxed);
        }
        input.len()
    }
    fn on_close(&mut self, _: &mut Ctx<'_>, _: Token, _: (), reason: &CloseReason) {
        self.reasons.lock().unwrap().push(reason.to_string());
    }
}

/// Longer than the bounded waits: if shutdown waited for the grace period
/// (instead of finishing when the work is done), `join` would time out.
const LONG: Duration = Duration::from_secs(60);

#[test]
fn shutdown_flushes_a_large_pending_echo_then_eof_and_run_returns() {
    let svc = CountingEcho::default();
    let (echoed, reasons) = (svc.echoed.clone(), svc.reasons.clone());
    let config = Config {
        shutdown_grace: Duration::from_secs(15),
        linger: Duration::from_secs(10),
        ..Config::default()
    };
    let mut server = serve(svc, config);
    let mut c = connect(server.addr);
    let data = pattern(8 << 20);
    let mut writer = c.try_clone().unwrap();
    let sent = data.clone();
    // Errors are tolerated: the server stops reading for good at shutdown.
    let w = thread::spawn(move || writer.write_all(&sent).is_ok());

    let stalled = wait_for_reads_to_stop(&server.handle, Duration::from_millis(300));
    assert!(
        stalled.bytes_in > stalled.bytes_out,
        "echo pending: {stalled}"
    );

    let handle = server.handle.clone();
    thread::spawn(move || handle.shutdown()).join().unwrap();

    let got = read_to_eof(&mut c);
    assert!(got.len() as u64 >= stalled.bytes_in, "lost pending echo");
    let first_bad = got.iter().zip(&data).position(|(a, b)| a != b);
    assert_eq!(first_bad, None, "flushed echo differs at this offset");
    // The server discards what we still send while it lingers, so the
    // writer finishes too; then our close ends the linger.
    assert!(w.join().unwrap(), "writer failed");
    drop(c);
    server.join();
    assert_eq!(
        got.len() as u64,
        echoed.load(Ordering::Relaxed),
        "all echo flushed"
    );
    assert_eq!(*reasons.lock().unwrap(), ["reactor shutdown"]);
    let m = server.handle.metrics();
    assert_eq!((m.open_conns, m.output_overflows), (0, 0), "{m}");
}

#[test]
fn shutdown_with_no_connections_returns_without_waiting_for_the_grace() {
    let config = Config {
        shutdown_grace: LONG,
        ..Config::default()
    };
    let server = serve(Echo, config);
    let handle = server.handle.clone();
    thread::spawn(move || handle.shutdown()).join().unwrap();
    server.stop(); // bounded by util::TIMEOUT, far below the grace
}

#[test]
fn shutdown_closes_idle_clients_and_stops_accepting() {
    let config = Config {
        shutdown_grace: LONG,
        linger: LONG,
        ..Config::default()
    };
    let mut server = serve(Echo, config);
    let addr = server.addr;
    let mut idle = connect(addr);
    idle.write_all(b"hi").unwrap();
    assert_eq!(read_n(&mut idle, 2), b"hi");
    server.handle.shutdown();
    assert!(read_to_eof(&mut idle).is_empty(), "idle client gets EOF");
    wait_until("the listener to be closed", || {
        TcpStream::connect(addr).is_err()
    });
    drop(idle); // ends the linger; run() returns
    server.join();
}
