//! `max_input`: unconsumed input (a frame that never completes) is capped.
//! A connection holding more than `max_input` unconsumed bytes is closed
//! and counted as `input_overflows`; other connections keep their partial
//! input and are unaffected.
mod util;
use evloop::{Config, Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;
use util::*;

const MAX_INPUT: usize = 1024;

/// Consumes nothing (returns 0) until a newline arrives; then echoes
/// everything it holds.
struct UntilNewline;

impl Service for UntilNewline {
    type Conn = ();
    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) {}
    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        if !input.contains(&b'\n') {
            return 0;
        }
        ctx.write(tok, input);
        input.len()
    }
}

fn config() -> Config {
    Config {
        max_input: MAX_INPUT,
        ..Config::default()
    }
}

#[test]
fn a_connection_over_max_input_is_closed_and_others_are_unaffected() {
    let server = serve(UntilNewline, config());
    // Holds a partial line under the cap.
    let mut patient = connect(server.addr);
    let partial = vec![b'p'; 500];
    patient.write_all(&partial).unwrap();
    // Holds exactly the cap: still allowed.
    let mut at_cap = connect(server.addr);
    let full = vec![b'c'; MAX_INPUT];
    at_cap.write_all(&full).unwrap();
    wait_until("the partial input to be read", || {
        server.handle.metrics().bytes_in == (partial.len() + MAX_INPUT) as u64
    });

    // One byte over (in any number of reads) closes.
    let mut greedy = connect(server.addr);
    greedy.write_all(&vec![b'g'; MAX_INPUT + 1]).unwrap();
    expect_closed(&mut greedy);
    drop(greedy); // ends the server's lingering close
    wait_until("the overflow to be counted", || {
        let m = server.handle.metrics();
        m.input_overflows == 1 && m.closed == 1
    });

    // The others kept their bytes: completing the line echoes all of it.
    patient.write_all(b"\n").unwrap();
    let mut want = partial.clone();
    want.push(b'\n');
    assert_eq!(read_n(&mut patient, want.len()), want);
    at_cap.write_all(b"\n").unwrap();
    let mut want = full.clone();
    want.push(b'\n');
    assert!(read_n(&mut at_cap, want.len()) == want, "at-cap echo");
    let m = server.handle.metrics();
    assert_eq!((m.input_overflows, m.open_conns), (1, 2), "{m}");
    drop((patient, at_cap));
    server.stop();
}
