//! HTTP basics: `GET /go` answers HelloWorld with its headers, other paths
//! 404, HEAD gets the headers without the body.

mod http_util;
mod util;

use evloop::http::ServerConfig;
use http_util::*;

#[test]
fn get_go_answers_hello_world() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.send(&get("/go"));
    let r = c.response(false);
    assert_eq!(r.status, 200);
    assert!(r.head.starts_with("HTTP/1.1 200 OK\r\n"), "{}", r.head);
    assert_eq!(r.body, b"HelloWorld");
    assert_eq!(r.header("content-length").as_deref(), Some("10"));
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    // HTTP/1.1 keeps the connection: no Connection: close.
    assert_eq!(r.header("connection"), None);
    let seen = srv.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("GET", "/go")
    );
}

#[test]
fn other_paths_are_404() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.send(&get("/nope"));
    let r = c.response(false);
    assert_eq!(r.status, 404);
    assert!(
        r.head.starts_with("HTTP/1.1 404 Not Found\r\n"),
        "{}",
        r.head
    );
    // The same connection still serves /go afterwards.
    c.send(&get("/go"));
    assert_eq!(c.response(false).body, b"HelloWorld");
}

#[test]
fn head_gets_headers_without_body() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.send(b"HEAD /go HTTP/1.1\r\nHost: x\r\n\r\n");
    let r = c.response(true);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length").as_deref(), Some("10"));
    assert!(r.body.is_empty());
    // Had a body been sent, this GET's response would not parse cleanly.
    c.send(&get("/go"));
    let r = c.response(false);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"HelloWorld");
}

#[test]
fn other_methods_on_go_are_answered() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.send(b"DELETE /go HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response(false).body, b"HelloWorld");
    assert_eq!(srv.seen()[0].method, "DELETE");
}
