//! `tcp_echo_server --threads 2`: 400 connections open at once are spread
//! over both shards by the kernel, every echo is byte-exact, and one SIGINT
//! drains both shards: every client sees the server close, nothing stays
//! open, and the process exits 0 after one summary line.

mod util;
use util::shards::{assert_spread_and_drained, echo_then_sigint};
use util::*;

#[test]
fn two_shards_share_400_connections_and_drain_on_sigint() {
    let args = ["--addr", "127.0.0.1:0", "--threads", "2"];
    let mut server = spawn_example("tcp_echo_server", &args, true);
    let line = echo_then_sigint(&mut server, 400);
    assert_spread_and_drained(&line, 2, 400);
}
