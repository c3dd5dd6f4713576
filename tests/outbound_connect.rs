//! Outbound connections with `Reactor::connect` / `Ctx::connect`: the
//! connect is non-blocking; `on_open` follows once it is established, bytes
//! queued while it is still connecting are delivered, a refused connect
//! calls `on_connect_failed` with `ConnectionRefused`, and a client service
//! can end the loop with `ctx.shutdown()`.
mod util;
use evloop::{CloseReason, Config, Ctx, Service, Token};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use util::*;

type Log = Arc<Mutex<Vec<String>>>;

/// A client: greets on open, shuts the reactor down when the server says
/// "bye" or when a connect fails; on wake, connects to `target` and queues
/// bytes at once.
struct Client {
    target: SocketAddr,
    log: Log,
}

impl Client {
    fn new(target: SocketAddr) -> (Self, Log) {
        let log = Log::default();
        (
            Client {
                target,
                log: log.clone(),
            },
            log,
        )
    }
    fn note(&self, line: String) {
        self.log.lock().unwrap().push(line);
    }
}

impl Service for Client {
    type Conn = ();
    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, peer: SocketAddr) {
        self.note(format!("open {peer}"));
        ctx.write(tok, b"hello from on_open;");
    }
    fn on_data(&mut self, ctx: &mut Ctx<'_>, _: Token, _: &mut (), input: &[u8]) -> usize {
        self.note(format!("data {}", String::from_utf8_lossy(input)));
        if input.ends_with(b"bye") {
            ctx.shutdown();
        }
        input.len()
    }
    fn on_close(&mut self, _: &mut Ctx<'_>, _: Token, _: (), reason: &CloseReason) {
        self.note(format!("close {reason}"));
    }
    fn on_connect_failed(&mut self, ctx: &mut Ctx<'_>, _: Token, err: io::Error) {
        self.note(format!("failed {:?}", err.kind()));
        ctx.shutdown();
    }
    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        let tok = ctx.connect(self.target).expect("connect");
        let state = ctx.state(tok);
        let queued = ctx.write(tok, b"queued while connecting;");
        self.note(format!("queued {queued} {state:?}"));
    }
}

/// Accept one connection (bounded wait), with read timeouts set.
#[track_caller]
fn accept_one(l: &TcpListener) -> TcpStream {
    l.set_nonblocking(true).unwrap();
    let mut got = None;
    wait_until("the reactor to connect", || match l.accept() {
        Ok((s, _)) => {
            got = Some(s);
            true
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
        Err(e) => panic!("accept: {e}"),
    });
    let s = got.unwrap();
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s
}

fn lines(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

#[test]
fn reactor_connect_opens_and_the_service_can_shut_the_loop_down() {
    let listener = TcpListener::bind(loopback0()).unwrap();
    let target = listener.local_addr().unwrap();
    let (svc, log) = Client::new(target);
    let mut client = serve_with(svc, Config::default(), move |r| {
        r.connect(target).expect("connect");
        vec![target]
    });
    let mut s = accept_one(&listener);
    let greeting = b"hello from on_open;";
    assert_eq!(read_n(&mut s, greeting.len()), greeting);
    s.write_all(b"bye").unwrap();
    // ctx.shutdown(): the reactor closes its side (FIN) and run() returns.
    assert!(read_to_eof(&mut s).is_empty());
    drop(s);
    client.join();
    let l = lines(&log);
    assert_eq!(
        l,
        [
            format!("open {target}"),
            "data bye".to_owned(),
            "close reactor shutdown".to_owned()
        ]
    );
    let m = client.handle.metrics();
    assert_eq!((m.connected, m.open_conns, m.closed), (1, 0, 1), "{m}");
}

#[test]
fn bytes_queued_before_the_connect_completes_are_delivered() {
    let listener = TcpListener::bind(loopback0()).unwrap();
    let target = listener.local_addr().unwrap();
    let (svc, log) = Client::new(target);
    let client = serve_with(svc, Config::default(), move |_| vec![target]);
    client.handle.wake(); // on_wake: ctx.connect + ctx.write at once
    let mut s = accept_one(&listener);
    let want = b"queued while connecting;hello from on_open;";
    assert_eq!(read_n(&mut s, want.len()), want);
    let l = lines(&log);
    assert_eq!(l[0], "queued true Some(Connecting)", "{l:?}");
    assert_eq!(l[1], format!("open {target}"), "{l:?}");
    drop(s);
    client.stop();
}

#[test]
fn a_refused_connect_calls_on_connect_failed() {
    // A port that was just free: nothing listens there now.
    let dead = {
        let l = TcpListener::bind(loopback0()).unwrap();
        l.local_addr().unwrap()
    };
    let (svc, log) = Client::new(dead);
    let mut client = serve_with(svc, Config::default(), move |r| {
        r.connect(dead).expect("connect starts without error");
        vec![dead]
    });
    // on_connect_failed calls ctx.shutdown(): run() returns by itself.
    client.join();
    assert_eq!(lines(&log), ["failed ConnectionRefused"]);
    let m = client.handle.metrics();
    assert_eq!((m.connected, m.open_conns), (0, 0), "{m}");
}
