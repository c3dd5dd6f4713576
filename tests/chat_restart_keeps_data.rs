//! chat_server durability: after `kill -9` and a restart on the same
//! `--data`, users and undelivered messages are still there, and messages
//! delivered before the crash are not delivered again.

mod chat_util;
mod util;

use chat_util::*;

#[test]
fn kill_9_then_restart_keeps_users_and_undelivered_messages() {
    let data = TempDir::new("restart");
    let mut first = start(&data, &[]);
    let mut ann = Client::connect(first.addr());
    for (name, pw) in [("bob", "pw-bob"), ("cat", "pw-cat")] {
        ann.add_account(name, pw);
    }
    ann.register("ann", "pw-ann");
    assert_eq!(ann.ask("/msg bob kept one"), "OK stored for bob");
    assert_eq!(
        ann.ask("/msg cat read before the crash"),
        "OK stored for cat"
    );

    let mut cat = Client::connect(first.addr());
    cat.login("cat", "pw-cat");
    let got = cat.line();
    assert!(got.ends_with("] ann: read before the crash"), "{got:?}");
    // This line confirms the delivery, and worker jobs run in order: once
    // this is stored, the delete of the message cat just read is committed.
    assert_eq!(cat.ask("/msg bob kept two"), "OK stored for bob");

    // SIGKILL: no shutdown code runs.
    first.child.kill().expect("kill -9");
    first.child.wait().expect("reap");
    drop((ann, cat));

    let second = start(&data, &[]);
    let mut bob = Client::connect(second.addr());
    bob.login("bob", "pw-bob");
    let one = bob.line();
    let two = bob.line();
    assert!(
        one.starts_with("[offline ") && one.ends_with("] ann: kept one"),
        "{one:?}"
    );
    assert!(
        two.starts_with("[offline ") && two.ends_with("] cat: kept two"),
        "{two:?}"
    );
    assert_eq!(bob.ask("/who"), "OK online: bob");

    let mut cat = Client::connect(second.addr());
    cat.login("cat", "pw-cat");
    // Nothing offline any more: the next line answers /who.
    assert_eq!(cat.ask("/who"), "OK online: bob, cat");
    assert_eq!(cat.ask("/login ann pw-ann"), "ERR already logged in as cat");
    let mut ann = Client::connect(second.addr());
    assert_eq!(ann.ask("/login ann wrong"), "ERR wrong name or password");
    ann.login("ann", "pw-ann");
}
