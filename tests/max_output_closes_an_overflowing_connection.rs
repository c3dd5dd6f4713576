//! `max_output`: a write that would take a connection's pending output past
//! the cap closes that connection (`CloseReason::OutputTooLarge`, counted in
//! `output_overflows`) and queues nothing; exactly the cap is allowed, and
//! other connections are unaffected. (`chat_slow_reader_disconnected.rs`
//! checks this through the chat server; this drives `Ctx::write` directly.)
mod util;
use evloop::{CloseReason, Config, Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use util::*;

const MAX_OUTPUT: usize = 64 * 1024;

/// A line of sizes, e.g. `40000 40000\n`: write that many bytes, one
/// `Ctx::write` per size, all in the same callback (so nothing is flushed
/// in between). Records each write's result and each close reason.
#[derive(Default, Clone)]
struct Burst {
    log: Arc<Mutex<Vec<String>>>,
}

impl Service for Burst {
    type Conn = ();
    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) {}
    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        let Some(end) = input.iter().position(|&b| b == b'\n') else {
            return 0;
        };
        for size in String::from_utf8_lossy(&input[..end]).split_whitespace() {
            let n: usize = size.parse().unwrap();
            let ok = ctx.write(tok, &pattern(n));
            self.log.lock().unwrap().push(format!("write {n} {ok}"));
        }
        end + 1
    }
    fn on_close(&mut self, _: &mut Ctx<'_>, _: Token, _: (), reason: &CloseReason) {
        if matches!(reason, CloseReason::OutputTooLarge) {
            self.log
                .lock()
                .unwrap()
                .push("closed: output too large".into());
        }
    }
}

#[test]
fn pending_output_past_the_cap_closes_only_that_connection() {
    let svc = Burst::default();
    let config = Config {
        max_output: MAX_OUTPUT,
        ..Config::default()
    };
    let server = serve(svc.clone(), config);

    // Exactly the cap, in one write: allowed, and all of it arrives.
    let mut exact = connect(server.addr);
    exact
        .write_all(format!("{MAX_OUTPUT}\n").as_bytes())
        .unwrap();
    assert!(
        read_n(&mut exact, MAX_OUTPUT) == pattern(MAX_OUTPUT),
        "the exact-cap reply"
    );

    // Two writes that only together pass the cap: the second closes it.
    let mut greedy = connect(server.addr);
    greedy.write_all(b"40000 40000\n").unwrap();
    expect_closed(&mut greedy);
    wait_until("the overflow", || {
        server.handle.metrics().output_overflows == 1
    });

    // The first connection is still served.
    exact.write_all(b"10\n").unwrap();
    assert_eq!(read_n(&mut exact, 10), pattern(10));
    let m = server.handle.metrics();
    assert_eq!(
        (m.output_overflows, m.closed, m.open_conns),
        (1, 1, 1),
        "{m}"
    );
    drop((exact, greedy));
    server.stop();
    let log = svc.log.lock().unwrap();
    assert_eq!(
        *log,
        [
            format!("write {MAX_OUTPUT} true"),
            "write 40000 true".into(),
            "write 40000 false".into(),
            "closed: output too large".into(),
            "write 10 true".into(),
        ]
    );
}
