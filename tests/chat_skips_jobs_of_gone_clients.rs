//! Regression: chat_server's worker hashed the passwords of every queued
//! `/register` and `/login`, even for clients that had already left, so a
//! backlog of them delayed the shutdown by one hash each. A hashing job of a
//! client that is gone is now skipped (and nothing is registered for it).

mod chat_util;
mod util;

use chat_util::*;

#[test]
fn queued_registrations_of_clients_that_reset_are_not_run() {
    let data = TempDir::new("skip-gone");
    // Slow enough that the worker's start-up hash is still running while
    // the three clients below come and go, so their jobs wait behind it.
    let mut server = start(&data, &["--kdf-mem-kib", "8192", "--kdf-iters", "12"]);
    for i in 0..3 {
        let mut c = Client::connect(server.addr());
        c.send(&format!("/register gone{i} pw"));
        // Replies are sent in order, so this is answered only after the
        // registration: its reply proves the line was read and queued.
        c.send("/help");
        c.reset();
    }
    util::wait_until("three disconnects", || {
        log_count(&server, "user=- disconnected") == 3
    });
    assert_eq!(
        log_count(&server, "registered gone"),
        0,
        "the worker was too fast"
    );
    assert_eq!(server.interrupt(), Some(0));
    let log = server.stderr_with("all queued jobs done");
    assert!(log.contains("(3 of gone clients skipped)"), "{log}");
    assert_eq!(stored_users(&data), 0);
}
