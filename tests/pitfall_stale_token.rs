//! Pitfall `stale-token`: token generations are not checked, so a token kept
//! from a closed connection reaches the next connection in the same slab slot.
//!
//! A test service remembers the token of the first connection after it
//! closes, and when the next connection opens writes `STALE` to the old
//! token (as a service with a forgotten timer or a pub/sub list would).
//! With the pitfall on, the new connection (same slot, next generation)
//! receives `STALE`: output misrouted to a stranger. Off, `ctx.write` on the
//! old token returns false and the new connection gets only its own echo.

mod util;

use evloop::{services::Echo, CloseReason, Config, Ctx, Pitfalls, Service, Token};
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use util::*;

#[derive(Default, Debug, Clone)]
struct Seen {
    /// The token of the connection that closed.
    closed: Option<Token>,
    /// The token of the connection opened after it.
    reopened: Option<Token>,
    /// What `ctx.write(closed, b"STALE")` returned.
    stale_write: Option<bool>,
}

/// Echo that writes `STALE` to the last closed token whenever a connection opens.
struct Remember {
    seen: Arc<Mutex<Seen>>,
}

impl Service for Remember {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _peer: SocketAddr) {
        let mut seen = self.seen.lock().unwrap();
        if let Some(old) = seen.closed {
            seen.reopened = Some(tok);
            seen.stale_write = Some(ctx.write(old, b"STALE"));
        }
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut (), input: &[u8]) -> usize {
        Echo.on_data(ctx, tok, conn, input)
    }

    fn on_close(&mut self, _ctx: &mut Ctx<'_>, tok: Token, _conn: (), _why: &CloseReason) {
        // Only the first close: the second connection closes too, later.
        self.seen.lock().unwrap().closed.get_or_insert(tok);
    }
}

fn slot(tok: Token) -> String {
    tok.to_string().split('.').next().unwrap_or("").to_string()
}

/// Open and close one connection, open a second, send `hi`, half-close, and
/// return what the second one received plus what the service saw.
#[track_caller]
fn reuse_slot(stale_token: bool) -> (Vec<u8>, Seen) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let config = Config {
        pitfalls: Pitfalls {
            stale_token,
            ..Pitfalls::default()
        },
        ..Config::default()
    };
    let server = serve(Remember { seen: seen.clone() }, config);
    let mut first = connect(server.addr);
    send_and_shutdown(&mut first, b"one");
    assert_eq!(read_to_eof(&mut first), b"one");
    drop(first);
    wait_until("the first connection to be reaped", || {
        seen.lock().unwrap().closed.is_some()
    });
    let mut second = connect(server.addr);
    wait_until("the second connection to open", || {
        seen.lock().unwrap().reopened.is_some()
    });
    send_and_shutdown(&mut second, b"hi");
    second
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut got = Vec::new();
    second.read_to_end(&mut got).expect("read to EOF");
    drop(server);
    let seen = seen.lock().unwrap().clone();
    let (old, new) = (seen.closed.unwrap(), seen.reopened.unwrap());
    assert_ne!(old, new, "a new connection must get a new token");
    assert_eq!(slot(old), slot(new), "the slab should reuse the freed slot");
    (got, seen)
}

#[test]
fn stale_token_on_shows_the_bug() {
    let (got, seen) = reuse_slot(true);
    assert_eq!(seen.stale_write, Some(true), "the stale write was accepted");
    assert_eq!(
        String::from_utf8_lossy(&got),
        "STALEhi",
        "the old connection's output reached the new one"
    );
}

#[test]
fn stale_token_off_works() {
    let (got, seen) = reuse_slot(false);
    assert_eq!(
        seen.stale_write,
        Some(false),
        "a stale token must be refused"
    );
    assert_eq!(String::from_utf8_lossy(&got), "hi");
}
