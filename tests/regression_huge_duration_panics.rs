//! No duration panics the loop: `Duration::MAX` for every `Config`
//! duration and for `Ctx::timer` / `Ctx::conn_timer` means "never", and the
//! reactor keeps serving. What broke: every deadline was `now + after`,
//! which overflows `Instant` and panics (`idle_timeout` at the first accept,
//! `shutdown_grace` at shutdown, a service timer at once). Each deadline is
//! armed here at least once: idle (accept), send progress (a reply the peer
//! does not read), close and linger (`Ctx::close`), shutdown grace (stop),
//! and the service timers; a short conn timer still fires among them.
mod util;
use evloop::{Config, Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;
use util::*;

const HUGE: Duration = Duration::MAX;
const BIG: usize = 24 << 20;

struct Huge;

impl Service for Huge {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: SocketAddr) {
        ctx.timer(HUGE, 1);
        ctx.conn_timer(tok, HUGE, 2);
        ctx.conn_timer(tok, Duration::from_secs(u64::MAX), 3);
        ctx.conn_timer(tok, Duration::from_millis(10), 4);
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        match input {
            b"big" => ctx.write(tok, &vec![b'b'; BIG]),
            b"close" => {
                ctx.write(tok, b"bye");
                ctx.close(tok);
                true
            }
            _ => ctx.write(tok, input),
        };
        input.len()
    }

    fn on_timer(&mut self, _: &mut Ctx<'_>, tag: u64) {
        panic!("timer {tag} was set for Duration::MAX and fired");
    }

    fn on_conn_timer(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), tag: u64) {
        assert_eq!(tag, 4, "a conn timer set for a huge duration fired");
        ctx.write(tok, b"tick");
    }
}

#[test]
fn duration_max_everywhere_never_panics_and_never_fires() {
    let cfg = Config {
        idle_timeout: Some(HUGE),
        send_timeout: Some(HUGE),
        close_timeout: HUGE,
        linger: HUGE,
        shutdown_grace: HUGE,
        accept_retry: HUGE,
        max_output: 64 << 20,
        ..Config::default()
    };
    let server = serve(Huge, cfg);

    // Idle timer armed at accept; the short conn timer fires among the huge ones.
    let mut c = connect(server.addr);
    assert_eq!(read_n(&mut c, 4), b"tick");
    c.write_all(b"hello").unwrap();
    assert_eq!(read_n(&mut c, 5), b"hello");

    // A reply the peer does not read: the send-progress timer is armed.
    let mut stalled = connect(server.addr);
    assert_eq!(read_n(&mut stalled, 4), b"tick");
    stalled.write_all(b"big").unwrap();
    wait_until("the big reply to be stuck", || {
        server.handle.metrics().bytes_out >= (1 << 20)
    });
    assert!(server.handle.metrics().timers_live >= 4);
    drop(stalled); // unread data: a reset, so the server drops it at once

    // A local close: the close deadline, then the linger timer, are armed.
    c.write_all(b"close").unwrap();
    assert_eq!(read_to_eof(&mut c), b"bye");
    drop(c); // ends the (otherwise endless) lingering close
    wait_until("both connections to be closed", || {
        let m = server.handle.metrics();
        m.open_conns == 0 && m.closed == 2
    });
    let m = server.handle.metrics();
    assert_eq!(
        (m.idle_timeouts, m.send_timeouts, m.close_timeouts),
        (0, 0, 0),
        "{m}"
    );
    // The shutdown deadline is armed too; `stop` joins the thread, and
    // fails if the reactor panicked.
    server.stop();
}
