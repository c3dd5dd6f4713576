//! Every close has a deadline (`Config::close_timeout`): a connection whose
//! close began and whose peer never reads (so the queued output can never
//! drain) is aborted once the close is `close_timeout` old, counted in
//! `close_timeouts`, and its slot and fd are freed. What broke: the close
//! waited for the output to drain before anything was timed, so such a peer
//! held the socket, the slot and megabytes of output forever. One test per
//! way a close begins: the idle timeout, `Ctx::close`, the input cap, and
//! the peer's half-close (`Draining`).
//!
//! The clients never read. The server queues far more than loopback's
//! socket buffers hold (a few MiB), so the output really is stuck.
//! `send_timeout` is off, so only the close deadline can end it.
mod util;
use evloop::{services::Echo, CloseReason, Config, Ctx, Service, Token};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;
use util::*;

/// Far more than loopback buffers: the peer's window closes long before.
const REPLY: usize = 24 << 20;

fn config() -> Config {
    Config {
        close_timeout: Duration::from_millis(500),
        send_timeout: None,
        max_output: 64 << 20,
        ..Config::default()
    }
}

/// When the big reply is queued, and how the close begins.
#[derive(Clone, Copy)]
enum Reply {
    /// On the first bytes: queue the reply, then `Ctx::close`.
    ThenClose,
    /// On the first bytes: queue the reply and consume nothing, so the
    /// input grows past `max_input`.
    AndKeepInput,
    /// On the peer's EOF: queue the reply (the connection is `Draining`).
    OnEof,
}

type Reasons = Arc<Mutex<Vec<String>>>;

struct BigReply {
    plan: Reply,
    reasons: Reasons,
}

impl Service for BigReply {
    type Conn = bool; // replied yet?

    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) -> bool {
        false
    }

    fn on_data(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        replied: &mut bool,
        input: &[u8],
    ) -> usize {
        match self.plan {
            Reply::OnEof => return input.len(),
            _ if *replied => {}
            Reply::ThenClose => {
                assert!(ctx.write(tok, &vec![b'r'; REPLY]));
                ctx.close(tok);
            }
            Reply::AndKeepInput => assert!(ctx.write(tok, &vec![b'r'; REPLY])),
        }
        *replied = true;
        match self.plan {
            Reply::AndKeepInput => 0,
            _ => input.len(),
        }
    }

    fn on_eof(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut bool, _: &[u8]) {
        if let Reply::OnEof = self.plan {
            assert!(ctx.write(tok, &vec![b'r'; REPLY]));
        }
    }

    fn on_close(&mut self, _: &mut Ctx<'_>, _: Token, _: bool, reason: &CloseReason) {
        self.reasons.lock().unwrap().push(reason.to_string());
    }
}

/// Write to `s` until the server stops taking bytes and then drops the
/// connection (the write fails), or `limit` bytes. Never reads.
fn flood(mut s: TcpStream, limit: usize) -> JoinHandle<usize> {
    thread::spawn(move || {
        let chunk = pattern(64 << 10);
        let mut sent = 0;
        while sent < limit {
            match s.write(&chunk) {
                Ok(n) => sent += n,
                Err(_) => break,
            }
        }
        sent
    })
}

/// The close began, the deadline ran out, and the connection is gone.
#[track_caller]
fn wait_for_the_close_deadline(handle: &evloop::Handle) -> evloop::Metrics {
    wait_until("the close deadline to free the connection", || {
        let m = handle.metrics();
        m.close_timeouts == 1 && m.open_conns == 0 && m.closed == 1
    });
    handle.metrics()
}

#[test]
fn an_idle_close_of_a_flooder_that_never_reads_is_aborted_at_the_close_deadline() {
    let server = serve(
        Echo,
        Config {
            idle_timeout: Some(Duration::from_millis(300)),
            ..config()
        },
    );
    let c = connect(server.addr);
    // The echo fills the client's receive buffer, the server pauses
    // (backpressure) and stops reading; nothing moves, so the idle timeout
    // closes it, and the close waits on output that never drains.
    let writer = flood(c.try_clone().unwrap(), 256 << 20);
    let m = wait_for_the_close_deadline(&server.handle);
    assert_eq!(m.idle_timeouts, 1, "{m}");
    // The abort reset the connection, so the blocked flood fails.
    wait_until("the flood to fail", || writer.is_finished());
    let sent = writer.join().unwrap();
    assert!(sent < 256 << 20, "the server never stopped reading: {sent}");
    drop(c);
    server.stop();
}

#[track_caller]
fn run(
    plan: Reply,
    cfg: Config,
    client: impl FnOnce(&mut TcpStream),
) -> (evloop::Metrics, Vec<String>) {
    let reasons = Reasons::default();
    let svc = BigReply {
        plan,
        reasons: reasons.clone(),
    };
    let server = serve(svc, cfg);
    let mut c = connect(server.addr);
    client(&mut c);
    let m = wait_for_the_close_deadline(&server.handle);
    drop(c);
    server.stop();
    let r = reasons.lock().unwrap().clone();
    (m, r)
}

#[test]
fn ctx_close_after_a_reply_the_peer_never_reads_is_aborted_at_the_close_deadline() {
    let (m, reasons) = run(Reply::ThenClose, config(), |c| {
        c.write_all(b"go").unwrap();
    });
    assert_eq!(m.output_overflows, 0, "{m}");
    assert_eq!(reasons, ["close not done within close_timeout"]);
}

#[test]
fn an_input_cap_close_with_unread_output_is_aborted_at_the_close_deadline() {
    let cfg = Config {
        max_input: 1024,
        ..config()
    };
    let (m, reasons) = run(Reply::AndKeepInput, cfg, |c| {
        c.write_all(&pattern(4096)).unwrap();
    });
    assert_eq!(m.input_overflows, 1, "{m}");
    assert_eq!(reasons, ["close not done within close_timeout"]);
}

#[test]
fn a_peer_that_half_closes_and_never_reads_is_aborted_at_the_close_deadline() {
    let (m, reasons) = run(Reply::OnEof, config(), |c| {
        send_and_shutdown(c, b"go");
    });
    assert_eq!(m.send_timeouts, 0, "{m}");
    assert_eq!(reasons, ["close not done within close_timeout"]);
}
