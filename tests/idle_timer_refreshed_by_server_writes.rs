//! The idle clock counts writes as activity, not only reads: a server that
//! pushes to a client that never sends (a feed, a ticker) keeps the
//! connection open past `idle_timeout` as long as it keeps writing, and it
//! is closed as idle once it stops. Every other idle test has the client
//! sending, so a reactor whose writes no longer refreshed the clock would
//! pass them all and cut every push connection after `idle_timeout`.
mod util;
use evloop::{Config, Ctx, Service, Token};
use std::net::SocketAddr;
use std::time::Duration;
use util::*;

const IDLE: Duration = Duration::from_millis(600);
/// A push every 100 ms, 20 of them: 2 s, well over the idle timeout.
const EVERY: Duration = Duration::from_millis(100);
const PUSHES: u64 = 20;

/// Writes `push N\n` to every connection from a per-connection timer.
struct Ticker;

impl Service for Ticker {
    type Conn = u64; // pushes so far

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: SocketAddr) -> u64 {
        ctx.conn_timer(tok, EVERY, 0);
        0
    }

    fn on_data(&mut self, _: &mut Ctx<'_>, _: Token, _: &mut u64, input: &[u8]) -> usize {
        input.len()
    }

    fn on_conn_timer(&mut self, ctx: &mut Ctx<'_>, tok: Token, n: &mut u64, _: u64) {
        ctx.write(tok, format!("push {n:02}\n").as_bytes());
        *n += 1;
        if *n < PUSHES {
            ctx.conn_timer(tok, EVERY, 0);
        }
    }
}

#[test]
fn a_connection_the_server_keeps_writing_to_is_not_idle() {
    let cfg = Config {
        idle_timeout: Some(IDLE),
        ..Config::default()
    };
    let server = serve(Ticker, cfg);
    let mut c = connect(server.addr); // never sends a byte
    for n in 0..PUSHES {
        let want = format!("push {n:02}\n");
        let got = read_n(&mut c, want.len());
        assert_eq!(
            String::from_utf8_lossy(&got),
            want,
            "{}",
            server.handle.metrics()
        );
    }
    assert_eq!(server.handle.metrics().idle_timeouts, 0);
    // The pushes stop; now it really is idle, and is closed as such.
    assert!(read_to_eof(&mut c).is_empty());
    drop(c);
    wait_until("the idle close to be counted", || {
        let m = server.handle.metrics();
        m.idle_timeouts == 1 && m.open_conns == 0
    });
    server.stop();
}
