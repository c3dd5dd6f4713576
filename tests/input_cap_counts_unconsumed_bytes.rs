//! `max_input` bounds the input a connection holds *unconsumed* (a frame
//! still incomplete), not the input it sends: a peer may send any amount
//! as long as the service keeps consuming it, while a partial frame that
//! grows past the cap over several reads closes the connection with
//! `CloseReason::InputTooLarge`. (`input_cap.rs` checks the cap from the
//! outside with many connections; this checks it read by read, through
//! the reason the service is given.)
mod util;
use evloop::{CloseReason, Config, Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use util::*;

const MAX_INPUT: usize = 4096;

/// Consumes whole lines (echoing them) and keeps any partial line; records
/// why each connection closed, and the largest input it was ever handed.
#[derive(Default, Clone)]
struct Lines {
    log: Arc<Mutex<Log>>,
}

#[derive(Default)]
struct Log {
    closes: Vec<String>,
    largest_input: usize,
}

impl Service for Lines {
    type Conn = ();
    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) {}
    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        let mut log = self.log.lock().unwrap();
        log.largest_input = log.largest_input.max(input.len());
        let used = input.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        ctx.write(tok, &input[..used]);
        used
    }
    fn on_close(&mut self, _: &mut Ctx<'_>, _: Token, _: (), reason: &CloseReason) {
        let reason = match reason {
            CloseReason::InputTooLarge => "input too large".to_string(),
            other => other.to_string(),
        };
        self.log.lock().unwrap().closes.push(reason);
    }
}

fn config() -> Config {
    Config {
        max_input: MAX_INPUT,
        ..Config::default()
    }
}

#[test]
fn sending_far_more_than_the_cap_is_fine_while_it_is_consumed() {
    let svc = Lines::default();
    let server = serve(svc.clone(), config());
    let mut c = connect(server.addr);
    // 64 lines of 1000 bytes: 16 times the cap in all, each line under it.
    let mut sent = Vec::new();
    for i in 0..64u8 {
        let mut line = vec![b'a' + i % 26; 999];
        line.push(b'\n');
        c.write_all(&line).unwrap();
        sent.extend_from_slice(&line);
    }
    assert!(read_n(&mut c, sent.len()) == sent, "echo of every line");
    let m = server.handle.metrics();
    assert_eq!((m.input_overflows, m.closed), (0, 0), "{m}");
    drop(c);
    server.stop();
    let log = svc.log.lock().unwrap();
    assert!(
        !log.closes.iter().any(|r| r == "input too large"),
        "{:?}",
        log.closes
    );
}

#[test]
fn a_partial_line_growing_past_the_cap_read_by_read_closes_with_input_too_large() {
    let svc = Lines::default();
    let server = serve(svc.clone(), config());
    let mut c = connect(server.addr);
    // Up to the cap in 8 separate reads (each waited for): the kept input
    // grows across reads and stays allowed, including at exactly the cap.
    let step = MAX_INPUT / 8;
    for i in 1..=8 {
        c.write_all(&vec![b'x'; step]).unwrap();
        wait_until("the step to be read", || {
            server.handle.metrics().bytes_in == (i * step) as u64
        });
        // Read and closed are published together, at the end of the tick.
        let m = server.handle.metrics();
        assert_eq!(
            (m.input_overflows, m.closed),
            (0, 0),
            "at {} bytes: {m}",
            i * step
        );
    }
    assert_eq!(svc.log.lock().unwrap().largest_input, MAX_INPUT);
    // One more byte, and no newline: over the cap.
    c.write_all(b"y").unwrap();
    expect_closed(&mut c);
    drop(c); // ends the lingering close
    wait_until("the close", || server.handle.metrics().closed == 1);
    let m = server.handle.metrics();
    assert_eq!(m.input_overflows, 1, "{m}");
    server.stop();
    let log = svc.log.lock().unwrap();
    assert_eq!(log.closes, ["input too large"]);
    assert_eq!(
        log.largest_input,
        MAX_INPUT + 1,
        "the service saw the last byte too"
    );
}
