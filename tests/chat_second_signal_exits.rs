//! Regression: after the first SIGINT, chat_server waits for its worker to
//! finish the job in hand (a password hash can take seconds), and a second
//! SIGINT or SIGTERM in that window did nothing, so neither Ctrl-C nor a
//! supervisor could stop it. Now the second signal exits at once, non-zero.

mod chat_util;
mod util;

use chat_util::*;

#[test]
fn second_signal_while_the_worker_is_busy_exits_at_once() {
    let data = TempDir::new("second-signal");
    // A KDF slow enough that the worker's start-up hash (the decoy it
    // verifies unknown names against) takes far longer than this test: the
    // worker is busy for all of it.
    let mut server = start(&data, &["--kdf-mem-kib", "32768", "--kdf-iters", "32"]);
    signal(&server, libc::SIGINT);
    server.stderr_with("waiting for the worker to finish");
    signal(&server, libc::SIGTERM);
    let code = server.wait();
    assert_ne!(
        code,
        Some(0),
        "the second signal must not end in a clean exit"
    );
    let log = server.stderr.lock().unwrap().clone();
    assert!(
        !log.contains("all queued jobs done"),
        "the hash was not interrupted: {log}"
    );
}
