//! `async_echo_server --threads 2`: two runtimes behind one port
//! (`Shards::start_async`). 200 connections open at once are spread over
//! both shards by the kernel, every echo is byte-exact, and one SIGINT
//! stops both: every client sees the server close, and the process exits 0
//! after one summary line, whose counters include the connections the
//! futures drove (accepted, closed, none left open).

mod util;
use util::shards::{assert_spread_and_drained, echo_then_sigint};
use util::*;

#[test]
fn two_async_shards_share_200_connections_and_stop_on_sigint() {
    let args = ["--addr", "127.0.0.1:0", "--threads", "2"];
    let mut server = spawn_example("async_echo_server", &args, true);
    let line = echo_then_sigint(&mut server, 200);
    assert_spread_and_drained(&line, 2, 200);
}
