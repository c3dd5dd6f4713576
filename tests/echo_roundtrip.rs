//! Echo is byte-exact for payloads from 1 byte to 4 MiB, with the client
//! writing and reading at the same time.
mod util;
use evloop::{services::Echo, Config};
use std::io::Write;
use util::*;

#[test]
fn echo_returns_every_byte_for_sizes_1b_to_4mib() {
    let server = serve(Echo, Config::default());
    for size in [1, 2, 100, 4096, 65_535, 65_536, 65_537, 1 << 20, 4 << 20] {
        let mut c = connect(server.addr);
        let data = pattern(size);
        let mut writer = c.try_clone().unwrap();
        let sent = data.clone();
        let t = std::thread::spawn(move || writer.write_all(&sent).unwrap());
        assert_eq!(read_n(&mut c, size), data, "payload of {size} bytes");
        t.join().unwrap();
    }
    // Metrics are published once per tick: wait for the last one.
    let total: u64 = [1, 2, 100, 4096, 65_535, 65_536, 65_537, 1 << 20, 4 << 20]
        .iter()
        .sum();
    wait_until("metrics to count every byte", || {
        let m = server.handle.metrics();
        m.bytes_in == total && m.bytes_out == total
    });
    server.stop();
}
