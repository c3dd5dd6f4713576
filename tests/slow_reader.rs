//! Partial writes: a client sends several MiB while reading slowly, in
//! small pieces with pauses. The server cannot write everything at once, so
//! echo output waits in its buffer (with WRITABLE interest) and comes back
//! later; every byte must still arrive, in order.
mod util;
use evloop::{services::Echo, Config};
use std::io::{Read, Write};
use std::thread;
use std::time::Duration;
use util::*;

const SIZE: usize = 12 << 20;

#[test]
fn slow_small_reads_get_every_byte_in_order() {
    let server = serve(Echo, Config::default());
    let mut c = connect(server.addr);
    let data = pattern(SIZE);
    let mut writer = c.try_clone().unwrap();
    let sent = data.clone();
    let w = thread::spawn(move || writer.write_all(&sent).expect("write"));

    // Do not read at all until the server has had to hold output back
    // (a write took less than was queued): the kernel buffers are full.
    wait_until("the server to queue output it cannot write", || {
        let m = server.handle.metrics();
        m.bytes_in > m.bytes_out
    });
    let mut got = Vec::with_capacity(SIZE);
    let mut piece = [0u8; 3000]; // deliberately not a power of two
    let mut reads = 0usize;
    while got.len() < SIZE {
        let n = c.read(&mut piece).expect("read");
        assert!(n > 0, "EOF after {} of {SIZE} bytes", got.len());
        got.extend_from_slice(&piece[..n]);
        reads += 1;
        // Pauses are the behaviour under test (a slow reader), not a wait
        // for something: the test passes with any timing.
        if reads.is_multiple_of(200) {
            thread::sleep(Duration::from_millis(5));
        }
    }
    w.join().expect("writer panicked");
    assert_eq!(got.len(), SIZE);
    let first_bad = got.iter().zip(&data).position(|(a, b)| a != b);
    assert_eq!(first_bad, None, "echo differs at this offset");

    send_and_shutdown(&mut c, b"");
    assert!(read_to_eof(&mut c).is_empty(), "no bytes after the echo");
    wait_until("every byte to be counted both ways", || {
        let m = server.handle.metrics();
        m.bytes_in == SIZE as u64 && m.bytes_out == SIZE as u64 && m.open_conns == 0
    });
    server.stop();
}
