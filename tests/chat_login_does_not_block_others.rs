//! chat_server never blocks the loop: while one client's login hash is
//! computing on the worker thread, another client's `/who` is answered.
//!
//! Ordering, not timing: B's `/who` reply does not list A yet. A joins the
//! online list in the same callback that writes A's `OK welcome`, so a
//! reply without A was written before A's login finished.

mod chat_util;
mod util;

use chat_util::*;

#[test]
fn who_is_answered_while_a_login_hash_is_computing() {
    let data = TempDir::new("nonblocking");
    // A deliberately expensive KDF (verify uses the parameters stored in
    // the hash, so registration must use it too).
    let server = start(&data, &["--kdf-mem-kib", "16384", "--kdf-iters", "4"]);
    let mut b = user(server.addr(), "bee", "b");
    let mut a = Client::connect(server.addr());
    a.add_account("ay", "a");
    b.expect("* ay joined");
    b.expect("* ay left");

    a.send("/login ay a");
    // A's next line waits in A's queue behind the login, in order.
    a.send("/who");
    b.send("/who");
    assert_eq!(b.line(), "OK online: bee");
    a.expect("OK welcome ay");
    a.expect("OK online: ay, bee");
    b.expect("* ay joined");
}
