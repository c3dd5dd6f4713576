//! chat_server on SIGINT: users are told, queued database writes finish,
//! and the process exits 0; what was stored is there after a restart.

mod chat_util;
mod util;

use chat_util::*;

#[test]
fn sigint_tells_users_keeps_stored_messages_and_exits_0() {
    let data = TempDir::new("shutdown");
    let mut server = start(&data, &[]);
    let mut ann = Client::connect(server.addr());
    ann.add_account("bob", "b");
    ann.register("ann", "a");
    assert_eq!(ann.ask("/msg bob before the stop"), "OK stored for bob");
    let mut anon = Client::connect(server.addr());

    assert_eq!(server.interrupt(), Some(0));
    ann.expect("* server shutting down");
    ann.expect_closed();
    anon.expect("* server shutting down");
    anon.expect_closed();
    let log = server.stderr.lock().unwrap().clone();
    assert!(log.contains("all queued jobs done"), "{log}");

    let again = start(&data, &[]);
    let mut bob = Client::connect(again.addr());
    bob.login("bob", "b");
    let got = bob.line();
    assert!(got.ends_with("] ann: before the stop"), "{got:?}");
}
