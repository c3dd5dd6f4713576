//! Pipelining: 50 requests written at once are all answered, in order.

mod http_util;
mod util;

use evloop::http::ServerConfig;
use http_util::*;

#[test]
fn fifty_pipelined_requests_answered_in_order() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    let mut batch = Vec::new();
    for i in 0..50 {
        // Alternate paths (and a body-carrying echo) so order is observable.
        match i % 3 {
            0 => batch.extend_from_slice(&get("/go")),
            1 => batch.extend_from_slice(&get(&format!("/missing/{i}"))),
            _ => batch.extend_from_slice(
                format!("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nreq{i:03}")
                    .as_bytes(),
            ),
        }
    }
    c.send(&batch);
    for i in 0..50 {
        let r = c.response(false);
        match i % 3 {
            0 => assert_eq!(r.body, b"HelloWorld", "response {i}"),
            1 => assert_eq!(r.status, 404, "response {i}"),
            _ => assert_eq!(r.body, format!("req{i:03}").as_bytes(), "response {i}"),
        }
    }
    let seen = srv.seen();
    assert_eq!(seen.len(), 50);
    assert_eq!(seen[1].path, "/missing/1");
    assert_eq!(seen[49].path, "/missing/49");
}

#[test]
fn requests_after_connection_close_are_ignored() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    let mut batch = get("/go");
    batch.extend_from_slice(b"GET /go HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    batch.extend_from_slice(&get("/never"));
    c.send(&batch);
    assert_eq!(c.response(false).header("connection"), None);
    assert_eq!(
        c.response(false).header("connection").as_deref(),
        Some("close")
    );
    c.expect_closed();
    assert_eq!(srv.seen().len(), 2);
}
