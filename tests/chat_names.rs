//! chat_server names: compared case-insensitively after NFC normalisation
//! (so `ANN` cannot impersonate `ann`, nor a decomposed `José` a composed
//! one), shown in the form they were registered in, Unicode letters and
//! digits allowed, whitespace and invisible characters refused.

mod chat_util;
mod util;

use chat_util::*;

#[test]
fn names_differing_only_in_case_are_one_user() {
    let data = TempDir::new("names-case");
    let server = start(&data, &[]);
    let mut ann = user(server.addr(), "Ann", "a");
    let mut c = Client::connect(server.addr());
    assert_eq!(c.ask("/register ANN x"), "ERR name ANN is taken");
    assert_eq!(c.ask("/register ann x"), "ERR name ann is taken");
    // Any spelling logs in, as the registered display form.
    assert_eq!(c.ask("/login aNN a"), "OK welcome Ann");
    ann.expect("* logged in from elsewhere");
    ann.expect_closed();
    let mut bob = user(server.addr(), "bob", "b");
    c.expect("* bob joined");
    assert_eq!(bob.ask("/msg ANN hi"), "OK sent");
    c.expect("[dm] bob: hi");
    assert_eq!(bob.ask("/who"), "OK online: Ann, bob");
}

#[test]
fn unicode_names_are_normalised_before_comparing() {
    let data = TempDir::new("names-unicode");
    let server = start(&data, &[]);
    let mut ming = user(server.addr(), "小明", "pw");
    // `e` + combining acute is stored and shown composed (NFC).
    let mut c = Client::connect(server.addr());
    assert_eq!(
        c.ask("/register Jose\u{301} pw"),
        "OK registered Jos\u{e9}, logged in"
    );
    ming.expect("* Jos\u{e9} joined");
    let mut d = Client::connect(server.addr());
    assert_eq!(
        d.ask("/register jos\u{e9} x"),
        "ERR name jos\u{e9} is taken"
    );
    assert_eq!(d.ask("/login JOSE\u{301} pw"), "OK welcome Jos\u{e9}");
    assert_eq!(ming.ask("/who"), "OK online: Jos\u{e9}, 小明");
}

#[test]
fn whitespace_and_invisible_characters_are_refused() {
    let data = TempDir::new("names-bad");
    let server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    let rule = "ERR invalid name (1-32 letters, digits, _ or -)";
    for bad in ["a\u{200b}b", "a\u{a0}b", "a\u{2028}b", "ann!"] {
        assert_eq!(c.ask(&format!("/register {bad} pw")), rule, "{bad:?}");
    }
    assert_eq!(
        c.ask("/register a\u{1}b pw"),
        "ERR control characters are not allowed"
    );
}
