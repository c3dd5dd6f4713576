//! chat_server caps lines at 4 KiB: a longer line is answered with
//! `ERR line too long` and the connection is closed (not silently dropped
//! by the reactor's input cap), after the replies to earlier lines.

mod chat_util;
mod util;

use chat_util::*;
use std::io::Write;

#[test]
fn line_over_4_kib_is_answered_and_closed() {
    let data = TempDir::new("toolong");
    let server = start(&data, &[]);
    let mut c = user(server.addr(), "ann", "a");
    // 4096 bytes is still fine.
    let max = "y".repeat(4096);
    c.send(&max);
    assert_eq!(c.ask("/who"), "OK online: ann");
    c.send(&"x".repeat(4097));
    c.expect("ERR line too long");
    c.expect_closed();
}

#[test]
fn unterminated_flood_is_answered_and_closed() {
    let data = TempDir::new("flood");
    let server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    // 64 KiB without a newline: more than the reactor's input cap would keep.
    let _ = c.stream().write_all(&vec![b'z'; 64 * 1024]);
    c.expect("ERR line too long");
    c.expect_closed();
}

#[test]
fn overlong_line_after_a_login_waits_for_the_login_reply() {
    let data = TempDir::new("toolong-order");
    let server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    c.register("ann", "a");
    let mut burst = b"/login ann a\n/who\n".to_vec();
    burst.extend(vec![b'x'; 5000]);
    burst.push(b'\n');
    c.stream().write_all(&burst).expect("write");
    c.expect("OK welcome ann");
    c.expect("OK online: ann");
    c.expect("ERR line too long");
    c.expect_closed();
}
