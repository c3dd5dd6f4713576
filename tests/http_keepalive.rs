//! Keep-alive: HTTP/1.1 connections persist (100 sequential requests on
//! one), `Connection: close` is honoured, HTTP/1.0 closes unless it asks
//! for keep-alive.

mod http_util;
mod util;

use evloop::http::ServerConfig;
use http_util::*;

#[test]
fn hundred_sequential_requests_on_one_connection() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    for i in 0..100 {
        let path = if i % 2 == 0 { "/go" } else { "/missing" };
        c.send(&get(path));
        let r = c.response(false);
        assert_eq!(r.status, if i % 2 == 0 { 200 } else { 404 }, "request {i}");
        assert_eq!(r.header("connection"), None, "request {i}");
    }
    assert_eq!(srv.seen().len(), 100);
    let m = srv.server.handle.metrics();
    assert_eq!(m.accepted, 1, "all requests used one connection");
}

#[test]
fn connection_close_is_honoured() {
    let srv = start(ServerConfig::default());
    let req = b"GET /go HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let r = expect_status_then_close(srv.addr(), req, 200);
    assert_eq!(r.body, b"HelloWorld");
}

#[test]
fn http10_closes_by_default() {
    let srv = start(ServerConfig::default());
    let r = expect_status_then_close(srv.addr(), b"GET /go HTTP/1.0\r\n\r\n", 200);
    assert_eq!(r.body, b"HelloWorld");
}

#[test]
fn http10_keep_alive_when_asked() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    for _ in 0..3 {
        c.send(b"GET /go HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        let r = c.response(false);
        assert_eq!(r.body, b"HelloWorld");
        assert_eq!(r.header("connection").as_deref(), Some("keep-alive"));
    }
    c.send(b"GET /go HTTP/1.0\r\n\r\n");
    assert_eq!(
        c.response(false).header("connection").as_deref(),
        Some("close")
    );
    c.expect_closed();
}

#[test]
fn idle_keepalive_connection_is_closed_after_the_timeout() {
    let srv = start(ServerConfig {
        keepalive_timeout: std::time::Duration::from_millis(300),
        ..ServerConfig::default()
    });
    let mut c = Client::connect(srv.addr());
    c.send(&get("/go"));
    assert_eq!(c.response(false).status, 200);
    // No request follows: the server closes without a response.
    c.expect_closed();
}
