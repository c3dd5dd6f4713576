//! chat_server `--timestamps`: live broadcasts and direct messages carry the
//! UTC time as offline messages do (`[all TIME] …`, `[dm TIME] …`); without
//! the flag they do not.

mod chat_util;
mod util;

use chat_util::*;

/// `[KIND 2026-11-21T10:00:00Z] REST` → `REST`, checking the time's shape.
#[track_caller]
fn strip_stamp<'a>(line: &'a str, kind: &str) -> &'a str {
    let rest = line
        .strip_prefix(&format!("[{kind} "))
        .unwrap_or_else(|| panic!("not a stamped {kind} line: {line:?}"));
    let (ts, rest) = rest.split_once("] ").expect("stamp format");
    let shape: String = ts
        .chars()
        .map(|c| if c.is_ascii_digit() { 'd' } else { c })
        .collect();
    assert_eq!(shape, "dddd-dd-ddTdd:dd:ddZ", "{line:?}");
    rest
}

#[test]
fn live_messages_carry_the_time_with_the_flag() {
    let data = TempDir::new("timestamps");
    let server = start(&data, &["--timestamps"]);
    let mut ann = user(server.addr(), "ann", "a");
    let mut bob = user(server.addr(), "bob", "b");
    ann.expect("* bob joined");
    ann.send("hello");
    assert_eq!(strip_stamp(&bob.line(), "all"), "ann: hello");
    assert_eq!(bob.ask("/msg ann hi"), "OK sent");
    assert_eq!(strip_stamp(&ann.line(), "dm"), "bob: hi");
}

#[test]
fn live_messages_are_unstamped_by_default() {
    let data = TempDir::new("no-timestamps");
    let server = start(&data, &[]);
    let mut ann = user(server.addr(), "ann", "a");
    let mut bob = user(server.addr(), "bob", "b");
    ann.expect("* bob joined");
    ann.send("hello");
    bob.expect("[all] ann: hello");
}
