//! Service timers: `ctx.timer` fires `on_timer` with its tag, in deadline
//! order; a cancelled timer never fires (even when it was due in the same
//! tick as the timer that cancelled it); `conn_timer` fires
//! `on_conn_timer` for a live connection and never once it has closed, even
//! if its slot now holds another connection.
mod util;
use evloop::{CloseReason, Config, Ctx, Service, TimerId, Token};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use util::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

type Log = Arc<Mutex<Vec<String>>>;

/// What each test makes the service do.
enum Plan {
    /// On wake: timers in scrambled order, some cancelled.
    Order,
    /// On wake: two timers with the same deadline; the first cancels the second.
    CancelDueInSameTick,
    /// The first connection sets a conn timer and is aborted at once; the
    /// next one (same slot) sets one for the stale token and one for itself.
    ConnTimers,
    /// A conn timer set when the peer half-closes (the conn closes this tick).
    TimerAfterEof,
}

struct Timers {
    plan: Plan,
    log: Log,
    pending_cancel: Option<TimerId>,
    opens: usize,
    last_closed: Option<Token>,
}

impl Timers {
    fn new(plan: Plan) -> (Self, Log) {
        let log = Log::default();
        let svc = Timers {
            plan,
            log: log.clone(),
            pending_cancel: None,
            opens: 0,
            last_closed: None,
        };
        (svc, log)
    }
    fn note(&self, line: String) {
        self.log.lock().unwrap().push(line);
    }
}

impl Service for Timers {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: SocketAddr) {
        self.opens += 1;
        self.note(format!("open {tok}"));
        if let Plan::ConnTimers = self.plan {
            if self.opens == 1 {
                ctx.conn_timer(tok, ms(100), 9);
                ctx.abort(tok);
            } else {
                let stale = self.last_closed.expect("first conn closed");
                ctx.conn_timer(stale, ms(10), 10);
                let cancelled = ctx.conn_timer(tok, ms(50), 12);
                ctx.cancel_timer(cancelled);
                ctx.conn_timer(tok, ms(150), 11);
            }
        }
    }

    fn on_data(&mut self, _: &mut Ctx<'_>, _: Token, _: &mut (), input: &[u8]) -> usize {
        input.len()
    }

    fn on_eof(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), _: &[u8]) {
        if let Plan::TimerAfterEof = self.plan {
            // Nothing is pending: the conn is flushed and closed this tick.
            ctx.conn_timer(tok, ms(1), 13);
            ctx.timer(ms(50), 99);
        }
    }

    fn on_close(&mut self, _: &mut Ctx<'_>, tok: Token, _: (), _: &CloseReason) {
        self.last_closed = Some(tok);
        self.note(format!("close {tok}"));
    }

    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        match self.plan {
            Plan::Order => {
                ctx.timer(ms(150), 3);
                ctx.timer(ms(50), 1);
                ctx.timer(ms(100), 2);
                // Cancelled later, from on_timer(1).
                self.pending_cancel = Some(ctx.timer(ms(120), 4));
                let five = ctx.timer(ms(80), 5);
                ctx.cancel_timer(five);
                ctx.timer(ms(300), 99);
            }
            Plan::CancelDueInSameTick => {
                ctx.timer(ms(20), 1);
                self.pending_cancel = Some(ctx.timer(ms(20), 2));
                ctx.timer(ms(100), 99);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_>, tag: u64) {
        self.note(format!("timer {tag}"));
        if tag == 1 {
            if let Some(id) = self.pending_cancel.take() {
                ctx.cancel_timer(id);
            }
        }
    }

    fn on_conn_timer(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), tag: u64) {
        self.note(format!("conn timer {tok} {tag}"));
        if tag == 11 {
            ctx.write(tok, b"tick");
        }
    }
}

fn lines(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

#[track_caller]
fn wait_for(log: &Log, line: &str) {
    wait_until(line, || log.lock().unwrap().iter().any(|l| l == line));
}

#[test]
fn timers_fire_in_deadline_order_and_cancelled_ones_never_fire() {
    let (svc, log) = Timers::new(Plan::Order);
    let server = serve(svc, Config::default());
    server.handle.wake();
    wait_for(&log, "timer 99");
    assert_eq!(lines(&log), ["timer 1", "timer 2", "timer 3", "timer 99"]);
    wait_until("the fired timers to be counted", || {
        server.handle.metrics().timers_fired == 4
    });
    server.stop();
}

/// The regression: due timers were collected before any fired, so a timer
/// cancelled by another timer due in the same tick fired anyway.
#[test]
fn a_timer_cancelled_by_an_earlier_timer_due_in_the_same_tick_does_not_fire() {
    let (svc, log) = Timers::new(Plan::CancelDueInSameTick);
    let server = serve(svc, Config::default());
    server.handle.wake();
    wait_for(&log, "timer 99");
    assert_eq!(lines(&log), ["timer 1", "timer 99"]);
    server.stop();
}

#[test]
fn conn_timers_fire_for_live_conns_only_even_when_the_slot_is_reused() {
    let (svc, log) = Timers::new(Plan::ConnTimers);
    let server = serve(svc, Config::default());
    let mut first = connect(server.addr);
    expect_closed(&mut first); // aborted in on_open
    wait_until("the first conn to be reaped", || {
        server.handle.metrics().closed == 1
    });
    let mut second = connect(server.addr);
    assert_eq!(read_n(&mut second, 4), b"tick");
    let l = lines(&log);
    let (a, b) = (&l[0]["open ".len()..], &l[2]["open ".len()..]);
    assert_eq!(
        a.split('.').next(),
        b.split('.').next(),
        "slot reused: {l:?}"
    );
    // Tag 9 (first conn, closed) and 10 (its stale token, set after the
    // slot was reused) were due before 11 and were dropped; 12 was cancelled.
    let want = [
        format!("open {a}"),
        format!("close {a}"),
        format!("open {b}"),
        format!("conn timer {b} 11"),
    ];
    assert_eq!(l, want);
    drop((first, second));
    server.stop();
}

#[test]
fn a_conn_timer_never_fires_after_on_close() {
    let (svc, log) = Timers::new(Plan::TimerAfterEof);
    let server = serve(svc, Config::default());
    let mut c = connect(server.addr);
    send_and_shutdown(&mut c, b"");
    assert!(read_to_eof(&mut c).is_empty());
    wait_for(&log, "timer 99");
    let l = lines(&log);
    assert_eq!(l.len(), 3, "{l:?}");
    assert!(
        l[0].starts_with("open ") && l[1].starts_with("close "),
        "{l:?}"
    );
    assert_eq!(l[2], "timer 99");
    server.stop();
}
