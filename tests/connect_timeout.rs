//! `Config::connect_timeout`: an outbound connect that gets no answer fails
//! through `on_connect_failed` with `TimedOut` (counted in
//! `connect_timeouts`), and `Ctx::conn_timer` on a token still connecting
//! fires right after `on_open` if it came due before (never if the connect
//! fails).
//!
//! "No answer", on loopback only: a listener with backlog 0 whose one
//! place is taken by a connection it never accepts. Linux drops further
//! SYNs while the accept queue is full, so the reactor's connect waits
//! (SYN retransmits) until a place frees up.
mod util;
use evloop::{Config, Ctx, Service, Token};
use socket2::{Domain, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use util::*;

type Log = Arc<Mutex<Vec<String>>>;

/// On wake: connect to `target` and set a 1 ms conn timer at once.
struct Dialer {
    target: SocketAddr,
    log: Log,
}

impl Dialer {
    fn note(&self, line: String) {
        self.log.lock().unwrap().push(line);
    }
}

impl Service for Dialer {
    type Conn = ();
    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) {
        self.note("open".into());
    }
    fn on_data(&mut self, _: &mut Ctx<'_>, _: Token, _: &mut (), input: &[u8]) -> usize {
        input.len()
    }
    fn on_conn_timer(&mut self, ctx: &mut Ctx<'_>, _: Token, _: &mut (), tag: u64) {
        self.note(format!("timer {tag}"));
        ctx.shutdown();
    }
    fn on_connect_failed(&mut self, ctx: &mut Ctx<'_>, _: Token, err: io::Error) {
        self.note(format!("failed {:?}: {err}", err.kind()));
        ctx.shutdown();
    }
    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        let tok = ctx.connect(self.target).expect("connect");
        ctx.conn_timer(tok, Duration::from_millis(1), 7);
    }
}

/// A loopback listener with backlog 0, and the connection that fills it.
#[track_caller]
fn full_listener() -> (Socket, SocketAddr, TcpStream) {
    let l = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    l.bind(&loopback0().into()).unwrap();
    l.listen(0).unwrap();
    let addr = l.local_addr().unwrap().as_socket().unwrap();
    let filler = connect(addr);
    // Let the filler's last ACK land in the accept queue before our SYN.
    std::thread::sleep(Duration::from_millis(50));
    (l, addr, filler)
}

#[track_caller]
fn dial(target: SocketAddr, connect_timeout: Duration) -> (Server<Dialer>, Log) {
    let log = Log::default();
    let dialer = Dialer {
        target,
        log: log.clone(),
    };
    let config = Config {
        connect_timeout: Some(connect_timeout),
        ..Config::default()
    };
    let server = serve_with(dialer, config, move |_| vec![target]);
    server.handle.wake();
    (server, log)
}

#[test]
fn a_connect_with_no_answer_fails_with_timed_out() {
    let (_l, addr, _filler) = full_listener();
    let (mut client, log) = dial(addr, Duration::from_millis(300));
    client.join(); // on_connect_failed shuts the loop down
                   // The 1 ms conn timer came due while connecting and is dropped with it.
    let log = log.lock().unwrap().clone();
    assert_eq!(log, ["failed TimedOut: timed out after 300ms"]);
    let m = client.handle.metrics();
    assert_eq!(
        (m.connect_timeouts, m.connected, m.open_conns),
        (1, 0, 0),
        "{m}"
    );
}

#[test]
fn a_conn_timer_due_while_connecting_fires_right_after_on_open() {
    let (l, addr, _filler) = full_listener();
    let (mut client, log) = dial(addr, TIMEOUT);
    wait_until("the conn timer to come due", || {
        client.handle.metrics().timers_fired >= 1
    });
    assert!(log.lock().unwrap().is_empty(), "still connecting");
    // Free the accept queue's place: the next SYN retransmit gets in.
    let (_accepted, _) = l.accept().unwrap();
    client.join(); // on_conn_timer shuts the loop down
    assert_eq!(*log.lock().unwrap(), ["open", "timer 7"]);
    assert_eq!(client.handle.metrics().connect_timeouts, 0);
}
