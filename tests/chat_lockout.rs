//! chat_server login lockout: counted per (name, source address) and per
//! address, the refusal says for how long, it expires, and
//! `--max-failures 0` is refused at start-up.

mod chat_util;
mod util;

use chat_util::*;
use std::thread::sleep;
use std::time::Duration;

/// `ERR too many failed logins {scope}, try again in N s` → N.
#[track_caller]
fn locked_for(reply: &str, scope: &str) -> u64 {
    let prefix = format!("ERR too many failed logins {scope}, try again in ");
    let secs = reply
        .strip_prefix(&prefix)
        .and_then(|r| r.strip_suffix(" s"))
        .unwrap_or_else(|| panic!("not a lockout {scope:?}: {reply:?}"));
    secs.parse().expect("whole seconds")
}

#[test]
fn a_locked_name_says_for_how_long_and_only_for_that_address() {
    let data = TempDir::new("lock-pair");
    let server = start(&data, &["--max-failures", "2", "--lockout-secs", "600"]);
    let mut c = Client::connect(server.addr());
    c.add_account("ann", "right");
    for _ in 0..2 {
        assert_eq!(c.ask("/login ann wrong"), "ERR wrong name or password");
    }
    // Locked (any spelling of the name), even with the right password.
    let secs = locked_for(&c.ask("/login ANN right"), "for ANN");
    assert!((590..=600).contains(&secs), "{secs}");
    // Other names from this address are not affected.
    c.register("bob", "pw");
    // Nor is ann from another address: a stranger cannot lock her out.
    let mut home = Client::connect_from(server.addr(), [127, 0, 0, 2]);
    home.login("ann", "right");
}

#[test]
fn an_address_that_fails_on_many_names_is_locked() {
    let data = TempDir::new("lock-addr");
    // Per name after 1 failure, per address after 4 (4 × 1).
    let server = start(&data, &["--max-failures", "1", "--lockout-secs", "600"]);
    let mut c = Client::connect(server.addr());
    c.add_account("ann", "right");
    for name in ["n1", "n2", "n3", "n4"] {
        assert_eq!(
            c.ask(&format!("/login {name} x")),
            "ERR wrong name or password"
        );
    }
    let secs = locked_for(&c.ask("/login ann right"), "from your address");
    assert!((590..=600).contains(&secs), "{secs}");
    let mut other = Client::connect_from(server.addr(), [127, 0, 0, 3]);
    other.login("ann", "right");
}

#[test]
fn the_lockout_expires() {
    let data = TempDir::new("lock-expiry");
    let server = start(&data, &["--max-failures", "1", "--lockout-secs", "1"]);
    let mut c = Client::connect(server.addr());
    c.add_account("ann", "right");
    assert_eq!(c.ask("/login ann wrong"), "ERR wrong name or password");
    assert_eq!(locked_for(&c.ask("/login ann right"), "for ann"), 1);
    // Bounded: at most 200 tries, 100 ms apart (20 s), for a 1 s lock.
    for _ in 0..200 {
        let reply = c.ask("/login ann right");
        if reply == "OK welcome ann" {
            return;
        }
        assert!(locked_for(&reply, "for ann") <= 1, "{reply}");
        sleep(Duration::from_millis(100));
    }
    panic!("the lockout never expired");
}

#[test]
fn max_failures_zero_is_a_usage_error() {
    let data = TempDir::new("lock-zero");
    let args = [
        "--addr",
        "127.0.0.1:0",
        "--data",
        data.arg(),
        "--max-failures",
        "0",
    ];
    let mut server = util::spawn_example("chat_server", &args, false);
    let code = server.wait();
    assert!(code.is_some_and(|c| c != 0), "exit {code:?}");
    assert!(server.stderr_with("--max-failures").contains("at least 1"));
}
