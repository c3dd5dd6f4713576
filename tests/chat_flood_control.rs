//! chat_server flood control: a client that broadcasts faster than
//! `--say-rate` lines per second gets `ERR slow down` (once per run of
//! dropped lines), its extra lines reach nobody, and it stays connected.

mod chat_util;
mod util;

use chat_util::*;
use std::io::Write;

#[test]
fn lines_over_the_rate_are_dropped_with_one_warning() {
    let data = TempDir::new("flood-control");
    // 3 lines at once, then 3 per second.
    let server = start(&data, &["--say-rate", "3"]);
    let mut ann = user(server.addr(), "ann", "a");
    let mut bob = user(server.addr(), "bob", "b");
    ann.expect("* bob joined");

    // Ten lines in one write: handled in one go, at one instant.
    let burst: String = (1..=10).map(|i| format!("line {i}\n")).collect();
    ann.stream().write_all(burst.as_bytes()).expect("write");
    ann.expect("ERR slow down");
    // Lines are handled in order, so once this is answered all ten were.
    assert_eq!(ann.ask("/who"), "OK online: ann, bob");
    for i in 1..=3 {
        bob.expect(&format!("[all] ann: line {i}"));
    }
    // Nothing of lines 4..10 reached bob: his next line answers his command.
    assert_eq!(bob.ask("/who"), "OK online: ann, bob");
    // Commands and direct messages are not rate-limited.
    assert_eq!(ann.ask("/msg bob still here"), "OK sent");
    bob.expect("[dm] ann: still here");
}
