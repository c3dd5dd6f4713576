//! chat_server accounts: register, login, /who, and the refusals
//! (duplicate name, wrong password, commands before login, lockout).

mod chat_util;
mod util;

use chat_util::*;

#[test]
fn register_login_and_who() {
    let data = TempDir::new("accounts");
    let server = start(&data, &[]);
    let mut ann = Client::connect(server.addr());
    ann.register("ann", "pw one");
    ann.login("ann", "pw one");
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
    c.register("ann", "right");
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
fn repeated_failed_logins_lock_the_name() {
    let data = TempDir::new("lockout");
    let server = start(&data, &["--max-failures", "3", "--lockout-secs", "600"]);
    let mut c = Client::connect(server.addr());
    c.register("ann", "right");
    for _ in 0..3 {
        assert_eq!(c.ask("/login ann wrong"), "ERR wrong name or password");
    }
    // Locked: even the right password is refused, without a hash.
    assert_eq!(
        c.ask("/login ann right"),
        "ERR too many failed logins, try later"
    );
    // Other names are not affected.
    c.register("bob", "pw");
    c.login("bob", "pw");
}
