//! Slowloris (issue 7 item 1): with a 1 s head deadline, 500 connections
//! trickling header bytes do not stop a new client from being served, and
//! each slow one gets 408 and is closed at the deadline. Trickling does not
//! extend the deadline: every slow head would take 6 s to complete, so a
//! server that reset the deadline on each byte would answer 200 instead.

mod http_util;
mod util;

use evloop::http::ServerConfig;
use http_util::*;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

const SLOW: usize = 500;
/// 60 bytes at one byte per 100 ms: 6 s, far past the 1 s deadline.
const SLOW_HEAD: &[u8] = b"GET /go HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 0123456789ab\r\n\r\n";

/// One trickling client: what it has sent and received, and whether the
/// server closed.
struct Slow {
    stream: TcpStream,
    sent: usize,
    got: Vec<u8>,
    closed: bool,
}

impl Slow {
    /// Non-blocking read of whatever arrived; stops trickling once the
    /// server has answered (writing into a closed socket would draw a RST).
    fn poll(&mut self) {
        let mut buf = [0u8; 512];
        while !self.closed {
            match self.stream.read(&mut buf) {
                Ok(0) => self.closed = true,
                Ok(n) => self.got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::ConnectionReset => self.closed = true,
                Err(e) => panic!("slow client read: {e}"),
            }
        }
    }

    fn trickle(&mut self) {
        let waiting = self.got.is_empty() && !self.closed && self.sent < SLOW_HEAD.len();
        if waiting
            && self
                .stream
                .write_all(&SLOW_HEAD[self.sent..=self.sent])
                .is_ok()
        {
            self.sent += 1;
        }
    }
}

/// 500 slow clients plus the server's 500 sockets live in this process: lift
/// the soft fd limit to the hard one (best effort) in case it is 1024.
fn raise_fd_limit() {
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

#[test]
fn trickling_heads_get_408_at_the_deadline_and_others_are_served() {
    raise_fd_limit();
    let srv = start(ServerConfig {
        head_timeout: Duration::from_secs(1),
        ..ServerConfig::default()
    });
    let mut slow: Vec<Slow> = (0..SLOW)
        .map(|_| {
            let stream = util::connect(srv.addr());
            stream.set_nonblocking(true).unwrap();
            stream.set_nodelay(true).unwrap();
            Slow {
                stream,
                sent: 0,
                got: Vec::new(),
                closed: false,
            }
        })
        .collect();
    // A well-behaved client, served while the slow ones trickle.
    let addr = srv.addr();
    let fresh = thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        let mut c = Client::connect(addr);
        c.send(&get("/go"));
        c.response(false)
    });
    let deadline = Instant::now() + util::TIMEOUT;
    while slow.iter().any(|s| !s.closed) {
        assert!(
            Instant::now() < deadline,
            "slow clients were not all closed"
        );
        for s in &mut slow {
            s.poll();
            s.trickle();
        }
        thread::sleep(Duration::from_millis(100));
    }
    let r = fresh.join().expect("fresh client");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"HelloWorld");
    for (i, s) in slow.iter().enumerate() {
        let text = String::from_utf8_lossy(&s.got);
        assert!(
            text.starts_with("HTTP/1.1 408 "),
            "slow client {i} got {text:?}"
        );
        assert!(
            s.sent < SLOW_HEAD.len(),
            "slow client {i} completed its head"
        );
    }
    // The handler only ever saw the fresh client.
    assert_eq!(srv.seen().len(), 1);
}

#[test]
fn silent_connection_gets_408_at_the_head_deadline() {
    let srv = start(ServerConfig {
        head_timeout: Duration::from_millis(500),
        ..ServerConfig::default()
    });
    let mut c = Client::connect(srv.addr());
    let r = c.response(false);
    assert_eq!(r.status, 408);
    c.expect_closed();
}

#[test]
fn a_complete_head_in_time_is_not_cut() {
    // Bytes spread over ~0.5 s with a 5 s deadline: served normally.
    let srv = start(ServerConfig {
        head_timeout: Duration::from_secs(5),
        ..ServerConfig::default()
    });
    let mut c = Client::connect(srv.addr());
    c.stream.set_nodelay(true).unwrap();
    for piece in get("/go").chunks(20) {
        c.send(piece);
        thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(c.response(false).body, b"HelloWorld");
}

#[test]
fn body_that_never_completes_gets_408() {
    // The body deadline is keepalive_timeout after the head.
    let srv = start(ServerConfig {
        keepalive_timeout: Duration::from_millis(500),
        ..ServerConfig::default()
    });
    let mut c = Client::connect(srv.addr());
    c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    let r = c.response(false);
    assert_eq!(r.status, 408);
    c.expect_closed();
    assert!(srv.seen().is_empty());
}
