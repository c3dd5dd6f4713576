//! `Ctx::resume_input`: a service that left input unconsumed on purpose gets
//! it handed back on the next tick without the peer sending another byte.
//! Before it existed, kept input waited for new bytes that might never come.

mod util;

use evloop::{Config, Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

/// Echoes nothing until its per-connection timer has fired, then echoes
/// whatever was kept: a stand-in for a service waiting on a worker job.
struct Gate;

impl Service for Gate {
    type Conn = bool; // open yet?

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: SocketAddr) -> bool {
        ctx.conn_timer(tok, Duration::from_millis(200), 0);
        false
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, open: &mut bool, input: &[u8]) -> usize {
        if !*open {
            return 0;
        }
        ctx.write(tok, input);
        input.len()
    }

    fn on_conn_timer(&mut self, ctx: &mut Ctx<'_>, tok: Token, open: &mut bool, _: u64) {
        *open = true;
        ctx.resume_input(tok);
    }
}

#[test]
fn kept_input_is_redelivered_without_new_bytes() {
    let srv = util::serve(Gate, Config::default());
    let mut c = util::connect(srv.addr);
    c.write_all(b"hello").unwrap();
    // Nothing more is sent: only resume_input can bring "hello" back.
    assert_eq!(util::read_n(&mut c, 5), b"hello");
    c.write_all(b" world").unwrap();
    assert_eq!(util::read_n(&mut c, 6), b" world");
}

#[test]
fn resume_input_with_nothing_kept_is_harmless() {
    let srv = util::serve(Gate, Config::default());
    let mut c = util::connect(srv.addr);
    // The timer fires (and asks to resume) before anything is sent.
    std::thread::sleep(Duration::from_millis(400));
    c.write_all(b"late").unwrap();
    assert_eq!(util::read_n(&mut c, 4), b"late");
    assert_eq!(srv.handle.metrics().input_overflows, 0);
}
