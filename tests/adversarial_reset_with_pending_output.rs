//! A peer resets (SO_LINGER 0) while megabytes of its echo are still queued
//! and it has stopped reading. No panic, the slot is freed, and the next
//! connection, which reuses the slot, gets exactly its own echo: none of the
//! old connection's queued bytes leak into it.
mod util;
use evloop::{Ctx, Service, Token};
use std::io::{ErrorKind, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use util::*;

/// Echo that records each connection's token (`slot.generation`).
struct RecordingEcho(Arc<Mutex<Vec<String>>>);

impl Service for RecordingEcho {
    type Conn = ();
    fn on_open(&mut self, _ctx: &mut Ctx<'_>, tok: Token, _peer: SocketAddr) {
        self.0.lock().unwrap().push(tok.to_string());
    }
    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _c: &mut (), input: &[u8]) -> usize {
        ctx.write(tok, input);
        input.len()
    }
}

fn slot(tok: &str) -> &str {
    tok.split('.').next().unwrap()
}

#[test]
fn reset_with_megabytes_pending_frees_the_slot_and_leaks_nothing_to_its_next_user() {
    let tokens = Arc::new(Mutex::new(Vec::new()));
    let server = serve(RecordingEcho(tokens.clone()), evloop::Config::default());

    // Fill every buffer on the way: write without reading until the reactor
    // pauses us (pending output over high_water) and our socket is full.
    let mut old = connect(server.addr);
    old.set_nonblocking(true).unwrap();
    let chunk = pattern(64 << 10);
    let (mut sent, deadline) = (0usize, Instant::now() + TIMEOUT);
    while sent < (64 << 20) {
        match old.write(&chunk) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if server.handle.metrics().backpressure_pauses > 0 {
                    break;
                }
                assert!(Instant::now() < deadline, "never paused after {sent} bytes");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("write after {sent} bytes: {e}"),
        }
    }
    assert!(sent >= 2 << 20, "only {sent} bytes went out");
    set_linger_zero(&old);
    drop(old); // RST: the server's queued output has nowhere to go

    wait_until("the reset connection's slot to be freed", || {
        let m = server.handle.metrics();
        m.open_conns == 0 && m.closed == 1
    });

    let mut new = connect(server.addr);
    let msg = b"only my own bytes\n";
    new.write_all(msg).unwrap();
    assert_eq!(read_n(&mut new, msg.len()), msg);
    new.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(read_to_eof(&mut new), b"", "bytes after our echo");

    let tokens = tokens.lock().unwrap().clone();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert_eq!(
        slot(&tokens[0]),
        slot(&tokens[1]),
        "slot not reused: {tokens:?}"
    );
    assert_ne!(tokens[0], tokens[1], "same token for two connections");
    wait_until("both to be closed", || {
        let m = server.handle.metrics();
        m.open_conns == 0 && m.closed == 2
    });
    server.stop();
}
