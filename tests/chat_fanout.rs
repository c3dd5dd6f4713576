//! chat_server fan-out: broadcast reaches every other logged-in user and
//! not the sender; direct messages; presence; one session per user.

mod chat_util;
mod util;

use chat_util::*;

/// ann, bob and cat logged in, each having seen the later ones join.
#[track_caller]
fn three_online(server: &util::Example) -> (Client, Client, Client) {
    let mut ann = user(server.addr(), "ann", "a");
    let mut bob = user(server.addr(), "bob", "b");
    ann.expect("* bob joined");
    let cat = user(server.addr(), "cat", "c");
    ann.expect("* cat joined");
    bob.expect("* cat joined");
    (ann, bob, cat)
}

#[test]
fn broadcast_reaches_all_others_and_not_the_sender() {
    let data = TempDir::new("broadcast");
    let server = start(&data, &[]);
    let (mut ann, mut bob, mut cat) = three_online(&server);
    // Not logged in: sees nothing.
    let mut anon = Client::connect(server.addr());

    ann.send("hello, all of you");
    bob.expect("[all] ann: hello, all of you");
    cat.expect("[all] ann: hello, all of you");
    // The sender's next line is the reply to its next command, not an echo.
    assert_eq!(ann.ask("/who"), "OK online: ann, bob, cat");
    assert_eq!(anon.ask("/help").split(':').next(), Some("OK commands"));
}

#[test]
fn direct_message_to_an_online_user() {
    let data = TempDir::new("dm");
    let server = start(&data, &[]);
    let (mut ann, mut bob, mut cat) = three_online(&server);

    assert_eq!(ann.ask("/msg bob psst, bob"), "OK sent");
    bob.expect("[dm] ann: psst, bob");
    assert_eq!(ann.ask("/msg nobody hi"), "ERR no such user nobody");
    // Cat saw neither: its next line answers its own command.
    assert_eq!(cat.ask("/who"), "OK online: ann, bob, cat");
}

#[test]
fn second_login_replaces_the_first_session() {
    let data = TempDir::new("replace");
    let server = start(&data, &[]);
    let mut watcher = user(server.addr(), "watcher", "w");
    let mut first = user(server.addr(), "ann", "a");
    watcher.expect("* ann joined");
    let mut second = Client::connect(server.addr());
    second.login("ann", "a");
    first.expect("* logged in from elsewhere");
    first.expect_closed();
    // Still one ann, and she is reachable on the new session.
    assert_eq!(watcher.ask("/who"), "OK online: ann, watcher");
    assert_eq!(watcher.ask("/msg ann still there?"), "OK sent");
    second.expect("[dm] watcher: still there?");
}
