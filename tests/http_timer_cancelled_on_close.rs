//! Regression (issue 12 item 3, HTTP half): `http::Server` left the
//! keep-alive timer of a connection the peer closed in the reactor's timer
//! heap until its deadline. Cancelled timers never fire, so after the
//! deadline has passed, a fired timer means one was left behind.

mod http_util;
mod util;

use evloop::http::ServerConfig;
use http_util::*;
use std::thread;
use std::time::Duration;

#[test]
fn keepalive_timer_of_a_closed_connection_never_fires() {
    let srv = start(ServerConfig {
        head_timeout: Duration::from_millis(200),
        keepalive_timeout: Duration::from_millis(200),
        ..ServerConfig::default()
    });
    for _ in 0..20 {
        let mut c = Client::connect(srv.addr());
        c.send(&get("/go"));
        assert_eq!(c.response(false).body, b"HelloWorld");
        drop(c); // the peer closes while its keep-alive timer is armed
    }
    let h = &srv.server.handle;
    util::wait_until("all 20 connections to close", || h.metrics().closed == 20);
    // Well past every deadline (200 ms).
    thread::sleep(Duration::from_millis(800));
    let m = h.metrics();
    assert_eq!(m.timers_fired, 0, "timers of closed connections fired: {m}");
}
