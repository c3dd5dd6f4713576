//! Pitfall `no-budget`: no per-event read budget, so one flooding peer keeps
//! the loop to itself.
//!
//! What we measure, and why it is honest: a flood client writes as fast as
//! it can; a second client does ping/pong. Before each ping, a control
//! connection makes the test service block the loop for 300 ms (a stand-in
//! for a slow tick), so the flood piles up in the kernel and is readable,
//! and ahead of the ping in epoll's ready list, when the loop wakes. Just
//! before sending the ping the client notes how many flood bytes the
//! server has read so far (`flood_read`, kept by the test service); when the
//! server's `on_data` sees the ping it records how many more flood bytes
//! were read in between. That number is the starvation, counted in work
//! done for someone else instead of in seconds: no timing assertion.
//!
//! With the budget (256 KiB per connection per tick) the flood gets at most
//! one budget as the `again` resume of the blocked tick and one for its
//! event in the next tick, then the ping is served: at most 2 budgets plus
//! a read chunk each, so never more than `LIMIT` = 4 budgets. Without it, the
//! read loop for the flood runs until `read` says `WouldBlock`: it empties
//! the whole receive buffer (MiBs once Linux has grown it) and keeps going
//! while the writer refills it, so the ping waits behind more than the budget
//! could ever allow (runs here: 2 MiB to 70 MiB).
//!
//! The two tests take a lock so they do not share the 2 CPUs with each other.

mod util;

use evloop::{services::Echo, Config, Ctx, Pitfalls, Service, Token};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use util::*;

const BUDGET: usize = 256 * 1024;
const CHUNK: usize = 64 * 1024;
const PINGS: usize = 5;
/// The most flood a ping can wait behind when the budget works.
const LIMIT: u64 = 4 * BUDGET as u64;
/// The flood writer stops after this long (or when the pings are done).
const FLOOD_FOR: Duration = Duration::from_secs(10);
/// How long a `sleep` message blocks the loop.
const BLOCK: Duration = Duration::from_millis(300);

#[derive(Default)]
struct Shared {
    /// Flood bytes the server has read so far.
    flood_read: AtomicU64,
    /// `flood_read` as the ping client saw it just before its last ping.
    at_ping: AtomicU64,
    /// Per ping: flood bytes read between sending it and `on_data` seeing it.
    gaps: Mutex<Vec<u64>>,
    /// Set when the loop starts blocking on a `sleep` message.
    sleeping: AtomicBool,
}

/// The first connection is the flood (counted, not echoed); every later
/// one is echoed and measured.
struct Measure {
    shared: Arc<Shared>,
    flood: Option<Token>,
}

impl Service for Measure {
    type Conn = ();

    fn on_open(&mut self, _ctx: &mut Ctx<'_>, tok: Token, _peer: SocketAddr) {
        self.flood.get_or_insert(tok);
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, conn: &mut (), input: &[u8]) -> usize {
        let s = &self.shared;
        if input == b"sleep" {
            self.shared.sleeping.store(true, Ordering::SeqCst);
            thread::sleep(BLOCK);
            return input.len();
        }
        if Some(tok) == self.flood {
            s.flood_read.fetch_add(input.len() as u64, Ordering::SeqCst);
            return input.len();
        }
        let gap = s.flood_read.load(Ordering::SeqCst) - s.at_ping.load(Ordering::SeqCst);
        s.gaps.lock().unwrap().push(gap);
        Echo.on_data(ctx, tok, conn, input)
    }
}

static SERIAL: Mutex<()> = Mutex::new(());

/// Run the flood and `PINGS` round trips; the largest gap in flood bytes.
#[track_caller]
fn worst_gap(no_budget: bool) -> u64 {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let shared = Arc::new(Shared::default());
    let config = Config {
        read_chunk: CHUNK,
        read_budget: BUDGET,
        pitfalls: Pitfalls {
            no_budget,
            ..Pitfalls::default()
        },
        ..Config::default()
    };
    let service = Measure {
        shared: shared.clone(),
        flood: None,
    };
    let server = serve(service, config);
    let stop = Arc::new(AtomicBool::new(false));
    let mut flood = connect(server.addr);
    let flood_stop = stop.clone();
    let writer = thread::spawn(move || {
        let block = vec![0x55u8; 1024 * 1024];
        let until = Instant::now() + FLOOD_FOR;
        while !flood_stop.load(Ordering::SeqCst) && Instant::now() < until {
            if flood.write_all(&block).is_err() {
                break;
            }
        }
    });
    // The flood is running (and is the first connection) before we ping.
    wait_until("the flood to start", || {
        shared.flood_read.load(Ordering::SeqCst) > 4 * BUDGET as u64
    });
    let mut ping = connect(server.addr);
    let mut control = connect(server.addr);
    for i in 0..PINGS {
        shared.sleeping.store(false, Ordering::SeqCst);
        control.write_all(b"sleep").expect("write sleep");
        wait_until("the loop to block", || {
            shared.sleeping.load(Ordering::SeqCst)
        });
        thread::sleep(Duration::from_millis(50));
        let msg = format!("ping{i}");
        let seen = shared.flood_read.load(Ordering::SeqCst);
        shared.at_ping.store(seen, Ordering::SeqCst);
        ping.write_all(msg.as_bytes()).expect("write ping");
        assert_eq!(read_n(&mut ping, msg.len()), msg.as_bytes());
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("flood writer");
    drop(server);
    let gaps = shared.gaps.lock().unwrap().clone();
    assert_eq!(gaps.len(), PINGS, "one on_data per ping: {gaps:?}");
    gaps.into_iter().max().unwrap_or(0)
}

#[test]
fn no_budget_on_shows_the_bug() {
    let worst = worst_gap(true);
    assert!(
        worst > LIMIT,
        "without a budget a ping should wait behind more than {LIMIT} bytes of flood, \
         but the worst gap was {worst} bytes"
    );
}

#[test]
fn no_budget_off_works() {
    let worst = worst_gap(false);
    assert!(
        worst <= LIMIT,
        "with the budget a ping waits behind at most {LIMIT} bytes of flood, \
         but the worst gap was {worst} bytes"
    );
}
