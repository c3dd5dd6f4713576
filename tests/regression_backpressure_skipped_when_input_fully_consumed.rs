//! Regression: backpressure was only applied when a service left input
//! unconsumed, so Echo (which consumes everything) never paused a peer that
//! does not read; it kept reading until pending output passed `max_output`
//! and the connection was closed. Now the peer is paused at `high_water`,
//! keeps its connection, and gets every byte once it reads.
mod util;
use evloop::{services::Echo, Config};
use std::io::Write;
use util::*;

#[test]
fn echo_pauses_a_peer_that_does_not_read_instead_of_closing_it() {
    let server = serve(Echo, Config::default());
    let mut c = connect(server.addr);
    let data = pattern(16 << 20); // four times max_output
    let mut writer = c.try_clone().unwrap();
    let sent = data.clone();
    let t = std::thread::spawn(move || writer.write_all(&sent));
    wait_until("the reactor to pause the peer", || {
        server.handle.metrics().backpressure_pauses > 0
    });
    // Only now start reading: everything comes back, in order.
    assert_eq!(read_n(&mut c, data.len()), data);
    t.join().unwrap().expect("the writer was cut off");
    let m = server.handle.metrics();
    assert_eq!(m.output_overflows, 0, "{m}");
    server.stop();
}
