//! Lingering close (nginx's `lingering_close`): when the server closes a
//! connection whose peer is still sending, it flushes its last reply, sends
//! FIN, then keeps reading and discarding until the peer closes or
//! `Config::linger` runs out. Closing with unread input instead would send
//! a RST, and a RST can destroy the reply before the peer reads it.
//!
//! The service answers `quit` with `bye` and closes, while the client goes
//! on sending 4 MiB it never gets answers for (more than the socket buffers
//! hold, so the writer only finishes if the server keeps reading).
mod util;
use evloop::{CloseReason, Config, Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;
use util::*;

const JUNK: usize = 4 << 20;

/// `quit` → `bye\n`, then close. Counts the bytes it is handed after
/// closing (must stay 0: lingering discards) and records close reasons.
#[derive(Default, Clone)]
struct Bye {
    after_close: Arc<AtomicUsize>,
    closes: Arc<Mutex<Vec<String>>>,
}

impl Service for Bye {
    type Conn = bool; // closed by us
    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) -> bool {
        false
    }
    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, closed: &mut bool, input: &[u8]) -> usize {
        if *closed {
            self.after_close.fetch_add(input.len(), Ordering::SeqCst);
        } else if input.starts_with(b"quit\n") {
            ctx.write(tok, b"bye\n");
            ctx.close(tok);
            *closed = true;
        }
        input.len()
    }
    fn on_close(&mut self, _: &mut Ctx<'_>, _: Token, _: bool, reason: &CloseReason) {
        let reason = match reason {
            CloseReason::Local => "local".to_string(),
            other => other.to_string(),
        };
        self.closes.lock().unwrap().push(reason);
    }
}

fn config(linger: Duration) -> Config {
    Config {
        linger,
        ..Config::default()
    }
}

#[test]
fn the_last_reply_survives_a_peer_that_keeps_sending_and_the_rest_is_discarded() {
    let svc = Bye::default();
    let server = serve(svc.clone(), config(Duration::from_secs(60)));
    let mut c = connect(server.addr);
    let mut w = c.try_clone().unwrap();
    let writer = thread::spawn(move || {
        w.write_all(b"quit\n")?;
        w.write_all(&pattern(JUNK))
    });
    // The writer can only finish if the server reads (and discards) after
    // it has closed: 4 MiB does not fit in the socket buffers.
    wait_until("the writer to finish", || writer.is_finished());
    let written = writer.join().unwrap();
    assert!(written.is_ok(), "the server stopped reading: {written:?}");
    wait_until("all of it to be read", || {
        server.handle.metrics().bytes_in == (5 + JUNK) as u64
    });
    // Only now do we read: the reply is still there, then the server's FIN.
    assert_eq!(read_to_eof(&mut c), b"bye\n");
    let m = server.handle.metrics();
    assert_eq!(m.closed, 0, "closed before the peer did: {m}");
    drop(c);
    wait_until("the close", || server.handle.metrics().closed == 1);
    server.stop();
    assert_eq!(
        svc.after_close.load(Ordering::SeqCst),
        0,
        "bytes reached the service after close"
    );
    assert_eq!(*svc.closes.lock().unwrap(), ["local"]);
}

#[test]
fn a_peer_that_never_closes_is_closed_when_the_linger_runs_out() {
    let svc = Bye::default();
    let server = serve(svc.clone(), config(Duration::from_millis(200)));
    let mut c = connect(server.addr);
    c.write_all(b"quit\n").unwrap();
    assert_eq!(read_to_eof(&mut c), b"bye\n");
    // We keep our end open and send more; only the linger timer can end it.
    c.write_all(b"still talking").unwrap();
    wait_until("the linger to run out", || {
        server.handle.metrics().closed == 1
    });
    assert_eq!(server.handle.metrics().open_conns, 0);
    drop(c);
    server.stop();
    assert_eq!(svc.after_close.load(Ordering::SeqCst), 0);
    assert_eq!(*svc.closes.lock().unwrap(), ["local"]);
}
