//! chat_server accounts: register (which logs in), login, /who, /logout,
//! and the refusals (duplicate name, wrong password, commands before login).

mod chat_util;
mod util;

use chat_util::*;

#[test]
fn register_login_and_who() {
    let data = TempDir::new("accounts");
    let server = start(&data, &[]);
    let mut ann = Client::connect(server.addr());
    ann.register("ann", "pw one");
    assert_eq!(ann.ask("/who"), "OK online: ann");
    let mut bob = user(server.addr(), "bob-2", "x");
    ann.expect("* bob-2 joined");
    assert_eq!(bob.ask("/who"), "OK online: ann, bob-2");
    assert_eq!(bob.ask("/login bob-2 x"), "ERR already logged in as bob-2");
    assert_eq!(bob.ask("/quit"), "OK bye");
    bob.expect_closed();
    ann.expect("* bob-2 left");
    assert_eq!(ann.ask("/who"), "OK online: ann");
}

#[test]
fn duplicate_registration_is_refused() {
    let data = TempDir::new("dup");
    let server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    c.register("ann", "first");
    assert_eq!(c.ask("/register bob x"), "ERR already logged in as ann");
    assert_eq!(c.ask("/logout"), "OK logged out ann");
    assert_eq!(c.ask("/register ann second"), "ERR name ann is taken");
    // The first password still works, the second does not.
    assert_eq!(c.ask("/login ann second"), "ERR wrong name or password");
    c.login("ann", "first");
}

#[test]
fn wrong_password_and_unknown_user_are_refused_alike() {
    let data = TempDir::new("wrongpw");
    let server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    c.add_account("ann", "right");
    assert_eq!(c.ask("/login ann wrong"), "ERR wrong name or password");
    assert_eq!(c.ask("/login nobody right"), "ERR wrong name or password");
    assert_eq!(c.ask("/who"), "ERR login first");
}

#[test]
fn commands_before_login_are_refused() {
    let data = TempDir::new("before");
    let server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    assert_eq!(c.ask("/who"), "ERR login first");
    assert_eq!(c.ask("/msg ann hi"), "ERR login first");
    assert_eq!(c.ask("hello everyone"), "ERR login first");
    assert_eq!(c.ask("/frobnicate"), "ERR unknown command");
    assert!(c.ask("/help").starts_with("OK commands:"));
    assert!(c
        .ask("/register bad!name pw")
        .starts_with("ERR invalid name"));
    assert!(c.ask("/register ann").starts_with("ERR usage"));
    assert_eq!(c.ask("/quit"), "OK bye");
    c.expect_closed();
}

#[test]
fn logout_ends_the_session_but_not_the_connection() {
    let data = TempDir::new("logout");
    let server = start(&data, &[]);
    let mut ann = user(server.addr(), "ann", "a");
    let mut bob = user(server.addr(), "bob", "b");
    ann.expect("* bob joined");
    assert_eq!(bob.ask("/logout"), "OK logged out bob");
    ann.expect("* bob left");
    assert_eq!(bob.ask("/who"), "ERR login first");
    assert_eq!(ann.ask("/msg bob are you there?"), "OK stored for bob");
    assert_eq!(bob.ask("/logout"), "ERR login first");
    // Same connection, logged in again: the stored message arrives.
    bob.login("bob", "b");
    assert!(bob.line().ends_with("] ann: are you there?"));
    ann.expect("* bob joined");
}
