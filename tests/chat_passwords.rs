//! chat_server passwords: `/register` refuses one that starts or ends with
//! whitespace (an invisible character that would later lock its owner
//! out), and `/login` trims it, so a stray or doubled space does no harm.
//! Accounts registered before that rule, whose password has whitespace
//! edges, still log in with the password as typed.

mod chat_util;
mod util;

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, Version};
use chat_util::*;

#[test]
fn edge_whitespace_is_refused_at_register_and_trimmed_at_login() {
    let data = TempDir::new("passwords");
    let server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    let refused = "ERR a password may not start or end with whitespace";
    assert_eq!(c.ask("/register ann secret "), refused);
    assert_eq!(c.ask("/register ann  secret"), refused);
    // Spaces inside are part of the password.
    c.add_account("ann", "two words");
    assert_eq!(c.ask("/login ann two  words"), "ERR wrong name or password");
    assert_eq!(c.ask("/login ann  two words  "), "OK welcome ann");
}

/// Register `name` on a fresh server in `data`, stop it, and give the
/// account `old_password` as an older server would have stored it: an
/// argon2id PHC hash of exactly those bytes (today's `/register` refuses
/// them).
fn account_from_before_the_rule(data: &TempDir, name: &str, old_password: &str) {
    let mut server = start(data, &[]);
    Client::connect(server.addr()).add_account(name, "placeholder");
    assert_eq!(server.interrupt(), Some(0));

    let params = Params::new(64, 1, 1, None).expect("argon2 params");
    let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(old_password.as_bytes())
        .expect("hash")
        .to_string();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let db = rusqlite::Connection::open(data.path().join("chat.sqlite3")).expect("open db");
    let changed = db
        .execute(
            "UPDATE users SET hash = ?1 WHERE key = ?2",
            [hash.as_str(), name],
        )
        .expect("rewrite the hash");
    assert_eq!(changed, 1);
}

#[test]
fn an_account_registered_with_edge_spaces_before_the_rule_can_still_log_in() {
    let data = TempDir::new("old-password");
    account_from_before_the_rule(&data, "ann", " old pw ");
    let server = start(&data, &["--max-failures", "4"]);
    let mut c = Client::connect(server.addr());
    let wrong = "ERR wrong name or password";
    // What is typed after the name's space is the password, edges included.
    assert_eq!(c.ask("/login ann  old pw "), "OK welcome ann");
    assert_eq!(c.ask("/logout"), "OK logged out ann");
    // Trimmed, or with other edges, it is not the registered password.
    assert_eq!(c.ask("/login ann old pw"), wrong);
    assert_eq!(c.ask("/login ann  old pw  "), wrong);
    assert_eq!(c.ask("/login ann  old px "), wrong);
    assert_eq!(c.ask("/login bob  old pw "), wrong);
    // Those with edges tried two hashes but were one failure each: three
    // for ann since the success, under --max-failures 4, so not locked.
    c.login("ann", " old pw ");
}

#[test]
fn an_all_whitespace_password_from_before_the_rule_can_still_log_in() {
    let data = TempDir::new("blank-password");
    account_from_before_the_rule(&data, "bob", "  \u{a0}");
    let server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    assert_eq!(c.ask("/login bob  "), "ERR wrong name or password");
    assert_eq!(c.ask("/login bob   \u{a0}"), "OK welcome bob");
}
