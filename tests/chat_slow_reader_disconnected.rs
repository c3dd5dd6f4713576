//! chat_server backpressure: a logged-in client that never reads is
//! disconnected (with a log line) once its pending output passes
//! `--max-output`, and the others keep chatting.

mod chat_util;
mod util;

use chat_util::*;

#[test]
fn client_that_never_reads_is_disconnected_and_others_keep_chatting() {
    let data = TempDir::new("slowreader");
    // Flood control off (a rate nobody reaches): this test floods on purpose.
    let server = start(
        &data,
        &["--max-output", "200000", "--say-rate", "1000000000"],
    );
    let mut sleeper = user(server.addr(), "sleeper", "s");
    let mut talker = user(server.addr(), "talker", "t");
    // From here on, the sleeper reads nothing.

    let text = "z".repeat(4000);
    let over_cap = || server.stderr.lock().unwrap().contains("over max_output");
    // Enough to fill the kernel's socket buffers and the cap; the
    // loop is bounded (at most ~200 MB) and stops as soon as the log says so.
    let mut sent = 0;
    while !over_cap() {
        assert!(sent < 50_000, "the sleeper was never disconnected");
        for _ in 0..64 {
            talker.send(&text);
        }
        sent += 64;
        // Our own replies: none (no echo to the sender), so nothing to read.
    }
    // The server tells the others, and serves them as before.
    talker.wait_for("* sleeper left");
    // Lines are handled in order: once /who is answered, the whole flood
    // has been fanned out (a reader joining mid-flood would get its tail).
    talker.wait_for_reply("/who", "OK online: talker");
    let mut fresh = user(server.addr(), "fresh", "f");
    talker.expect("* fresh joined");
    talker.send("still here?");
    fresh.expect("[all] talker: still here?");
    fresh.send("yes");
    talker.expect("[all] fresh: yes");
    assert_eq!(fresh.ask("/who"), "OK online: fresh, talker");
    // The sleeper's socket ends (after what the kernel already held).
    sleeper.expect_closed();
}
