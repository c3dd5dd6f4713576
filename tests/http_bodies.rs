//! Request bodies: chunked and Content-Length bodies reach the handler
//! decoded, also when they arrive in pieces; bodies over the limit get 413.

mod http_util;
mod util;

use evloop::http::{Limits, ServerConfig};
use http_util::*;
use std::time::Duration;

#[test]
fn chunked_post_body_is_decoded_for_the_handler() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.send(
        b"POST /go HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n",
    );
    assert_eq!(c.response(false).body, b"HelloWorld");
    let seen = srv.seen();
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].body, b"hello, world");
}

#[test]
fn content_length_body_is_delivered() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
    assert_eq!(c.response(false).body, b"hello world");
    assert_eq!(srv.seen()[0].body, b"hello world");
}

#[test]
fn body_split_across_reads_is_reassembled() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    let body = util::pattern(200_000);
    c.send(
        format!(
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    for piece in body.chunks(7_001) {
        c.send(piece);
        std::thread::sleep(Duration::from_millis(1));
    }
    let r = c.response(false);
    assert_eq!(r.body.len(), body.len());
    assert!(r.body == body, "echoed body differs");
    // A chunked body in dribbles, then the connection still works.
    c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for piece in [&b"3\r"[..], b"\nabc", b"\r\n", b"0\r\n", b"\r\n"] {
        c.send(piece);
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(c.response(false).body, b"abc");
    c.send(&get("/go"));
    assert_eq!(c.response(false).body, b"HelloWorld");
}

#[test]
fn expect_100_continue_gets_an_interim_response() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    assert_eq!(c.response(false).status, 100);
    c.send(b"ok");
    assert_eq!(c.response(false).body, b"ok");
}

#[test]
fn bodies_over_the_limit_get_413() {
    let config = ServerConfig {
        limits: Limits {
            max_body: 1000,
            ..Limits::default()
        },
        ..ServerConfig::default()
    };
    let srv = start(config);
    // Announced too large: refused before any body byte is read.
    let req = b"POST /go HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n";
    expect_status_then_close(srv.addr(), req, 413);
    // Chunked: refused when the chunk that passes the limit is announced.
    let mut req = b"POST /go HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    req.extend_from_slice(b"3e8\r\n");
    req.extend_from_slice(&[b'a'; 1000]);
    req.extend_from_slice(b"\r\n1\r\nb\r\n0\r\n\r\n");
    expect_status_then_close(srv.addr(), &req, 413);
    // Exactly the limit is fine.
    let mut c = Client::connect(srv.addr());
    c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
    c.send(&[b'z'; 1000]);
    assert_eq!(c.response(false).body.len(), 1000);
    // The default limit is 1 MiB.
    let srv = start(ServerConfig::default());
    let req = b"POST /go HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n";
    expect_status_then_close(srv.addr(), req, 413);
}
