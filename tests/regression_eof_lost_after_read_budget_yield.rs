//! Regression: a connection that used up its read budget was resumed with
//! the short-read shortcut ("a short read means nothing more is coming; the
//! next edge will tell us"), but the peer's FIN had already been reported
//! in the event that started the read. Its edge was spent, so the EOF was
//! never read: the echo was complete, yet the connection hung open forever.
//! A tiny read budget makes nearly every read a resumed one.
mod util;
use evloop::{services::Echo, Config};
use util::*;

#[test]
fn eof_that_arrives_while_a_conn_yields_its_budget_is_still_seen() {
    let config = Config {
        read_budget: 1, // yield after every read
        ..Config::default()
    };
    let server = serve(Echo, config);
    for round in 0..10 {
        let mut c = connect(server.addr);
        let data = pattern(256 << 10);
        let mut writer = c.try_clone().unwrap();
        let sent = data.clone();
        let t = std::thread::spawn(move || send_and_shutdown(&mut writer, &sent));
        let back = read_to_eof(&mut c);
        t.join().unwrap();
        assert!(back == data, "round {round}: {} bytes back", back.len());
    }
    wait_until("every connection to be closed", || {
        let m = server.handle.metrics();
        m.closed == 10 && m.open_conns == 0
    });
    server.stop();
}
