//! chat_server caps lines at 4 KiB: a longer line is answered with
//! `ERR line too long` and dropped, in order with the replies still owed,
//! and the connection stays usable (it is neither closed nor silently cut
//! by the reactor's input cap).

mod chat_util;
mod util;

use chat_util::*;
use std::io::Write;

#[test]
fn line_over_4_kib_is_answered_and_dropped() {
    let data = TempDir::new("toolong");
    let server = start(&data, &[]);
    let mut c = user(server.addr(), "ann", "a");
    let mut bob = user(server.addr(), "bob", "b");
    c.expect("* bob joined");
    // 4096 bytes is still fine.
    let max = "y".repeat(4096);
    c.send(&max);
    bob.expect(&format!("[all] ann: {max}"));
    c.send(&"x".repeat(4097));
    c.expect("ERR line too long");
    // Only that line went: the next one is served, and bob saw no part of it.
    assert_eq!(c.ask("/who"), "OK online: ann, bob");
    c.send("after");
    bob.expect("[all] ann: after");
}

#[test]
fn unterminated_flood_is_answered_once_and_skipped_to_its_newline() {
    let data = TempDir::new("flood");
    let server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    // 64 KiB without a newline: more than the reactor's input cap would keep.
    c.stream().write_all(&vec![b'z'; 64 * 1024]).expect("write");
    c.expect("ERR line too long");
    // Its end, then a real command: one error in all, then the reply.
    c.stream().write_all(b"zzz\n/who\n").expect("write");
    c.expect("ERR login first");
}

#[test]
fn overlong_line_after_a_login_waits_for_the_login_reply() {
    let data = TempDir::new("toolong-order");
    let server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    c.add_account("ann", "a");
    let mut burst = b"/login ann a\n/who\n".to_vec();
    burst.extend(vec![b'x'; 5000]);
    burst.extend_from_slice(b"\n/who\n");
    c.stream().write_all(&burst).expect("write");
    c.expect("OK welcome ann");
    c.expect("OK online: ann");
    c.expect("ERR line too long");
    c.expect("OK online: ann");
}
