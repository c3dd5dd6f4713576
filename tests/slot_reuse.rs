//! Slab slot reuse never misroutes. A closed connection's slot is handed to
//! the next connection, but its token carries an older generation: writes
//! to the old token (from `on_open` or a later timer) are refused and the
//! new connection in the same slot receives none of those bytes.
mod util;
use evloop::{CloseReason, Config, ConnState, Ctx, Service, Token};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use util::*;

#[derive(Default)]
struct Log {
    /// Every token `on_open` saw, in order.
    opened: Vec<Token>,
    /// Writes to closed tokens attempted, and how many were accepted.
    stale_writes: usize,
    stale_accepted: usize,
    /// Stale tokens that still reported a state.
    stale_with_state: usize,
    timers: usize,
}

/// Echo that, whenever a connection opens and again from a timer shortly
/// after, writes to every connection that has closed so far.
struct StaleWriter {
    closed: Vec<Token>,
    log: Arc<Mutex<Log>>,
}

impl StaleWriter {
    fn write_stale(&mut self, ctx: &mut Ctx<'_>) {
        let mut log = self.log.lock().unwrap();
        for &old in &self.closed {
            log.stale_writes += 1;
            if ctx.write(old, b"STALE BYTES") {
                log.stale_accepted += 1;
            }
            let st: Option<ConnState> = ctx.state(old);
            if st.is_some() {
                log.stale_with_state += 1;
            }
        }
    }
}

impl Service for StaleWriter {
    type Conn = ();
    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: SocketAddr) {
        self.log.lock().unwrap().opened.push(tok);
        self.write_stale(ctx);
        ctx.timer(Duration::from_millis(20), 0);
    }
    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        ctx.write(tok, input);
        input.len()
    }
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, _tag: u64) {
        self.write_stale(ctx);
        self.log.lock().unwrap().timers += 1;
    }
    fn on_close(&mut self, _: &mut Ctx<'_>, tok: Token, _: (), _: &CloseReason) {
        self.closed.push(tok);
        if self.closed.len() > 8 {
            self.closed.remove(0);
        }
    }
}

fn start() -> (Server<StaleWriter>, Arc<Mutex<Log>>) {
    let log = Arc::new(Mutex::new(Log::default()));
    let svc = StaleWriter {
        closed: Vec::new(),
        log: log.clone(),
    };
    (serve(svc, Config::default()), log)
}

/// `slot.generation` → slot.
fn slot(tok: Token) -> String {
    tok.to_string().split('.').next().unwrap().to_owned()
}

#[track_caller]
fn echo_once(server: &Server<StaleWriter>, log: &Mutex<Log>, data: &[u8]) {
    let timers_before = log.lock().unwrap().timers;
    let mut c = connect(server.addr);
    // Let the stale writes from on_open and from the timer happen while
    // this connection is open, before it sends anything.
    wait_until("the stale-writing timer to fire", || {
        log.lock().unwrap().timers > timers_before
    });
    send_and_shutdown(&mut c, data);
    let got = read_to_eof(&mut c);
    assert!(
        got == data,
        "expected only our echo, got {:?}",
        String::from_utf8_lossy(&got)
    );
}

#[test]
fn writes_to_a_closed_token_never_reach_the_connection_reusing_its_slot() {
    let (server, log) = start();
    echo_once(&server, &log, b"first");
    wait_until("the first connection to be reaped", || {
        server.handle.metrics().closed == 1
    });
    echo_once(&server, &log, b"second");
    let l = log.lock().unwrap();
    let (a, b) = (l.opened[0], l.opened[1]);
    assert_eq!(slot(a), slot(b), "the slot was not reused: {a} then {b}");
    assert_ne!(a, b, "a reused slot must get a new generation");
    // One stale write from on_open and one from the timer.
    assert_eq!(l.stale_writes, 2);
    assert_eq!(
        l.stale_accepted, 0,
        "a write to a closed token was accepted"
    );
    assert_eq!(l.stale_with_state, 0, "a closed token still has a state");
    drop(l);
    server.stop();
}

#[test]
fn many_sequential_connect_close_cycles_each_echo_exactly() {
    let (server, log) = start();
    const CYCLES: usize = 150;
    for i in 0..CYCLES {
        let data = format!("cycle {i} {}", "x".repeat(i)).into_bytes();
        echo_once(&server, &log, &data);
        // Wait for the reap so the next connection reuses the slot.
        wait_until("the connection to be reaped", || {
            server.handle.metrics().closed == i as u64 + 1
        });
    }
    let l = log.lock().unwrap();
    assert_eq!(l.opened.len(), CYCLES);
    let mut tokens = l.opened.clone();
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), CYCLES, "a token was handed out twice");
    let mut slots: Vec<String> = l.opened.iter().map(|&t| slot(t)).collect();
    slots.sort();
    slots.dedup();
    assert_eq!(
        slots.len(),
        1,
        "every cycle should reuse one slot: {slots:?}"
    );
    assert!(l.stale_writes > CYCLES, "stale writes were attempted");
    assert_eq!(
        l.stale_accepted, 0,
        "a write to a closed token was accepted"
    );
    assert_eq!(l.stale_with_state, 0);
    drop(l);
    server.stop();
}
