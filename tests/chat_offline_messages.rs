//! chat_server offline messages: a DM to a registered user who is offline
//! is stored, delivered at the next login oldest first, and only once (the
//! database no longer holds it once the recipient answered after reading).

mod chat_util;
mod util;

use chat_util::*;

/// `[offline 2026-11-21T10:00:00Z] SENDER: TEXT` → (timestamp, rest).
#[track_caller]
fn split_offline(line: &str) -> (&str, &str) {
    let rest = line
        .strip_prefix("[offline ")
        .unwrap_or_else(|| panic!("not an offline message: {line:?}"));
    rest.split_once("] ").expect("offline format")
}

#[track_caller]
fn assert_rfc3339(ts: &str) {
    let b = ts.as_bytes();
    assert_eq!(b.len(), 20, "{ts:?}");
    for (i, &c) in b.iter().enumerate() {
        match i {
            4 | 7 => assert_eq!(c, b'-', "{ts:?}"),
            10 => assert_eq!(c, b'T', "{ts:?}"),
            13 | 16 => assert_eq!(c, b':', "{ts:?}"),
            19 => assert_eq!(c, b'Z', "{ts:?}"),
            _ => assert!(c.is_ascii_digit(), "{ts:?}"),
        }
    }
    let year: u32 = ts[..4].parse().expect("year");
    assert!(year >= 2024, "{ts:?}");
}

#[test]
fn offline_dm_is_delivered_at_next_login_exactly_once() {
    let data = TempDir::new("offline");
    let mut server = start(&data, &[]);
    let mut bob = Client::connect(server.addr());
    bob.add_account("bob", "b");
    let mut ann = user(server.addr(), "ann", "a");
    assert_eq!(ann.ask("/msg bob first"), "OK stored for bob");
    assert_eq!(ann.ask("/msg bob second: with spaces"), "OK stored for bob");

    bob.login("bob", "b");
    let (ts, rest) = {
        let l = bob.line();
        let (ts, rest) = split_offline(&l);
        (ts.to_string(), rest.to_string())
    };
    assert_rfc3339(&ts);
    assert_eq!(rest, "ann: first");
    let l = bob.line();
    assert_eq!(split_offline(&l).1, "ann: second: with spaces");
    ann.expect("* bob joined");
    // Nothing else queued: the next line answers the next command.
    assert_eq!(bob.ask("/who"), "OK online: ann, bob");
    assert_eq!(bob.ask("/quit"), "OK bye");
    bob.expect_closed();
    ann.expect("* bob left");

    // The second login gets no offline message again: the next line after
    // the welcome is the answer to /who.
    let mut again = Client::connect(server.addr());
    again.login("bob", "b");
    assert_eq!(again.ask("/who"), "OK online: ann, bob");

    // Nor after a restart, which forgets everything but the database: the
    // messages were deleted there, not merely hidden by the running server.
    drop((ann, again));
    assert_eq!(server.interrupt(), Some(0));
    let server = start(&data, &[]);
    let mut later = Client::connect(server.addr());
    later.login("bob", "b");
    assert_eq!(later.ask("/who"), "OK online: bob");
}

#[test]
fn dm_to_an_unknown_user_is_refused_and_not_stored() {
    let data = TempDir::new("unknown");
    let server = start(&data, &[]);
    let mut ann = user(server.addr(), "ann", "a");
    assert_eq!(ann.ask("/msg ghost boo"), "ERR no such user ghost");
    let mut ghost = Client::connect(server.addr());
    ghost.register("ghost", "g");
    assert_eq!(ghost.ask("/who"), "OK online: ann, ghost");
}
