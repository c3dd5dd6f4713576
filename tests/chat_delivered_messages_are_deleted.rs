//! chat_server deletes a delivered offline message from the database (read
//! here straight from the SQLite file, not through the server) once the
//! recipient confirms it, by a later line or by a clean EOF, and not before.

mod chat_util;
mod util;

use chat_util::*;
use std::net::Shutdown;

#[test]
fn confirmed_deliveries_leave_the_database() {
    let data = TempDir::new("deleted");
    let server = start(&data, &[]);
    Client::connect(server.addr()).add_account("bob", "b");
    let mut ann = user(server.addr(), "ann", "a");
    assert_eq!(ann.ask("/msg bob one"), "OK stored for bob");
    assert_eq!(ann.ask("/msg bob two"), "OK stored for bob");
    assert_eq!(stored_messages(&data), 2);

    // Read, but not yet confirmed: still stored.
    let mut bob = Client::connect(server.addr());
    bob.login("bob", "b");
    assert!(bob.line().ends_with("] ann: one"));
    assert!(bob.line().ends_with("] ann: two"));
    ann.expect("* bob joined");
    assert_eq!(stored_messages(&data), 2);
    // A later line confirms; worker jobs run in order, so once this job's
    // reply is here the delete before it is committed.
    assert_eq!(bob.ask("/msg nobody x"), "ERR no such user nobody");
    assert_eq!(stored_messages(&data), 0);

    // A clean EOF confirms too.
    assert_eq!(bob.ask("/logout"), "OK logged out bob");
    ann.expect("* bob left");
    assert_eq!(ann.ask("/msg bob three"), "OK stored for bob");
    assert_eq!(stored_messages(&data), 1);
    bob.login("bob", "b");
    ann.expect("* bob joined");
    assert!(bob.line().ends_with("] ann: three"));
    bob.stream().shutdown(Shutdown::Write).expect("half-close");
    // The server closes once it has handled the EOF (and queued the delete).
    bob.expect_closed();
    // (`* bob left` may come before the reply or after it.)
    ann.wait_for_reply("/msg nobody y", "ERR no such user nobody");
    assert_eq!(stored_messages(&data), 0);
}
