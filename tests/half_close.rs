//! Half-close: a client writes, then `shutdown(Write)`. The server treats
//! EOF as "no more requests", not "gone": it still sends the full echo,
//! then its own FIN, so the client reads everything and then EOF.
mod util;
use evloop::{services::Echo, Config};
use std::net::Shutdown;
use std::thread;
use util::*;

#[track_caller]
fn echo_after_half_close(size: usize) {
    let server = serve(Echo, Config::default());
    let mut c = connect(server.addr);
    let data = pattern(size);
    // A writer thread: a large payload may not fit in the socket buffers
    // before we start reading.
    let mut writer = c.try_clone().unwrap();
    let sent = data.clone();
    let w = thread::spawn(move || send_and_shutdown(&mut writer, &sent));
    let got = read_to_eof(&mut c);
    w.join().expect("writer panicked");
    assert_eq!(got.len(), size, "echo length after half-close");
    assert!(got == data, "echo of {size} bytes differs");
    wait_until("the server to close its side", || {
        let m = server.handle.metrics();
        m.closed == 1 && m.open_conns == 0 && m.bytes_out == size as u64
    });
    server.stop();
}

#[test]
fn small_payload_then_half_close_gets_full_echo_then_eof() {
    echo_after_half_close(5);
}

#[test]
fn one_mib_then_half_close_gets_full_echo_then_eof() {
    echo_after_half_close(1 << 20);
}

#[test]
fn half_close_with_nothing_sent_gets_eof() {
    let server = serve(Echo, Config::default());
    let mut c = connect(server.addr);
    c.shutdown(Shutdown::Write).expect("shutdown");
    assert!(read_to_eof(&mut c).is_empty());
    wait_until("the server to close", || {
        server.handle.metrics().closed == 1
    });
    server.stop();
}
