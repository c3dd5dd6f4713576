//! `Ctx::hold_open`: a service whose reply is computed off the loop keeps
//! a connection open after the peer's EOF, and releases it once the reply
//! is queued (or without one); the reactor then flushes, sends FIN and
//! closes as usual. (The chat server relies on this; this test drives it
//! directly, with the reply triggered by `Handle::wake`.)
mod util;
use evloop::{Config, Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use util::*;

/// Echoes; at EOF holds the connection open; on wake answers `done` to
/// the held connections that sent `job`, and releases the others silently.
#[derive(Default)]
struct Deferred {
    held: Vec<(Token, bool)>,
    eofs: Arc<AtomicUsize>,
}

impl Service for Deferred {
    type Conn = bool; // sent a job
    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) -> bool {
        false
    }
    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, job: &mut bool, input: &[u8]) -> usize {
        *job |= input == b"job";
        ctx.write(tok, input);
        input.len()
    }
    fn on_eof(&mut self, ctx: &mut Ctx<'_>, tok: Token, job: &mut bool, _: &[u8]) {
        ctx.hold_open(tok, true);
        self.held.push((tok, *job));
        self.eofs.fetch_add(1, Ordering::SeqCst);
    }
    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        for (tok, job) in self.held.drain(..) {
            if job {
                ctx.write(tok, b"done\n");
            }
            ctx.hold_open(tok, false);
        }
    }
}

#[test]
fn held_connections_stay_open_after_eof_until_released() {
    let eofs = Arc::new(AtomicUsize::new(0));
    let svc = Deferred {
        eofs: eofs.clone(),
        ..Deferred::default()
    };
    let server = serve(svc, Config::default());
    let (mut job, mut silent) = (connect(server.addr), connect(server.addr));
    job.write_all(b"job").unwrap();
    assert_eq!(read_n(&mut job, 3), b"job");
    silent.write_all(b"hi").unwrap();
    assert_eq!(read_n(&mut silent, 2), b"hi");
    send_and_shutdown(&mut job, b"");
    send_and_shutdown(&mut silent, b"");
    wait_until("both EOFs", || eofs.load(Ordering::SeqCst) == 2);

    // A third connection, accepted in a later tick than the EOFs were read:
    // once it is counted, the counters of those ticks are published too.
    let mut other = connect(server.addr);
    other.write_all(b"ping").unwrap();
    assert_eq!(read_n(&mut other, 4), b"ping");
    wait_until("the third connection to be counted", || {
        server.handle.metrics().accepted == 3
    });
    let m = server.handle.metrics();
    assert_eq!(
        (m.closed, m.open_conns),
        (0, 3),
        "held connections closed: {m}"
    );

    server.handle.wake();
    // The reply, then the server's FIN; the silent one just closes.
    assert_eq!(read_to_eof(&mut job), b"done\n");
    assert_eq!(read_to_eof(&mut silent), b"");
    wait_until("both to close", || server.handle.metrics().closed == 2);
    drop(other);
    server.stop();
}
