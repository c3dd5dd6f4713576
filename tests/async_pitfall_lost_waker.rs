//! Pitfall `lost-waker`: a leaf future returns `Pending` without storing
//! the waker. Nobody wakes the task when data arrives: the connection hangs
//! forever with the bytes waiting in the kernel. Off: the echo comes back.

mod rt_util;
mod util;

use std::io::Write;
use std::time::Duration;
use util::*;

#[test]
fn on_the_message_is_never_echoed() {
    let server = rt_util::start(rt_util::with_pitfall("lost-waker"), rt_util::echo_server);
    let mut c = connect(server.addr);
    // The echo task parks (without a waker) before anything arrives: a new
    // connection is "not readable" until its first event says otherwise.
    c.write_all(b"one\n").unwrap();
    rt_util::expect_silence(&mut c, Duration::from_secs(1));
    // Shutdown wakes every parked source, lost or not: the runtime ends.
    drop(c);
    server.stop();
}

#[test]
fn off_every_message_is_echoed() {
    let server = rt_util::start(rt_util::config(), rt_util::echo_server);
    let mut c = connect(server.addr);
    for msg in [&b"one\n"[..], b"two\n", b"six\n"] {
        c.write_all(msg).unwrap();
        assert_eq!(read_n(&mut c, 4), msg);
    }
    server.stop();
}
