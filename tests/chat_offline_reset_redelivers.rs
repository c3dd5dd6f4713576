//! Regression: offline messages were deleted as soon as the recipient's
//! kernel took them (`on_drained`), so a recipient that reset its connection
//! right after delivery lost them, against the README's "at-least-once". A
//! delivery is now confirmed only by a later line or a clean EOF from the
//! recipient; after a reset the messages come again at the next login.

mod chat_util;
mod util;

use chat_util::*;

#[track_caller]
fn expect_offline(c: &mut Client, rest: &str) {
    let got = c.line();
    assert!(
        got.starts_with("[offline ") && got.ends_with(&format!("] {rest}")),
        "{got:?}"
    );
}

#[test]
fn recipient_that_resets_right_after_delivery_gets_them_again() {
    let data = TempDir::new("reset-redeliver");
    let server = start(&data, &[]);
    Client::connect(server.addr()).add_account("bob", "b");
    let mut ann = user(server.addr(), "ann", "a");
    assert_eq!(ann.ask("/msg bob one"), "OK stored for bob");
    assert_eq!(ann.ask("/msg bob two"), "OK stored for bob");

    let mut bob = Client::connect(server.addr());
    bob.login("bob", "b");
    expect_offline(&mut bob, "ann: one");
    expect_offline(&mut bob, "ann: two");
    bob.reset();

    // Delivered again: the reset proved nothing was read.
    let mut bob = Client::connect(server.addr());
    bob.login("bob", "b");
    expect_offline(&mut bob, "ann: one");
    expect_offline(&mut bob, "ann: two");
    // This line confirms them; after it they are gone for good.
    assert_eq!(bob.ask("/quit"), "OK bye");
    bob.expect_closed();

    let mut bob = Client::connect(server.addr());
    bob.login("bob", "b");
    assert_eq!(bob.ask("/who"), "OK online: ann, bob");
}
