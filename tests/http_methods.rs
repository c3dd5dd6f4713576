//! Regression (issue 12 item 12): every method reached the handler, so a
//! handler that only looks at the path answered `CONNECT` (or `PUT`, or
//! `BREW`) with `200 OK` and a body. Now methods the handler does not serve
//! (`Handler::allows`; GET, HEAD and POST by default) get 405 with `Allow`,
//! or 501 for an unknown method, and never reach the handler.

mod http_util;
mod util;

use evloop::http::{self, Request, Response, ServerConfig};
use evloop::Config;
use http_util::*;
use std::net::SocketAddr;

/// A path-only handler with the default `allows`, like `http_server`'s.
fn path_only(_: &Request<'_>, _: &[u8], _: SocketAddr, resp: &mut Response) {
    resp.body(b"HelloWorld");
}

#[test]
fn default_handler_refuses_connect_put_and_unknown_methods() {
    let srv = util::serve(http::Server::new(path_only), Config::default());
    for (req, status) in [
        (
            &b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"[..],
            405,
        ),
        (
            b"PUT /go HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi",
            405,
        ),
        (b"DELETE /go HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        (b"BREW /go HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    ] {
        let r = expect_status_then_close(srv.addr, req, status);
        if status == 405 {
            assert_eq!(
                r.header("allow").as_deref(),
                Some("GET, HEAD, POST"),
                "{r:?}"
            );
        }
    }
    // The default methods are still served.
    let mut c = Client::connect(srv.addr);
    c.send(b"POST /go HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(c.response(false).status, 200);
}

#[test]
fn a_handler_that_opts_in_serves_the_method() {
    // The recorder allows DELETE and CONNECT as well.
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.send(b"DELETE /go HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response(false).body, b"HelloWorld");
    let r = expect_status_then_close(srv.addr(), b"PATCH /go HTTP/1.1\r\nHost: x\r\n\r\n", 405);
    assert_eq!(
        r.header("allow").as_deref(),
        Some("GET, HEAD, POST, DELETE, CONNECT")
    );
    let methods: Vec<String> = srv.seen().into_iter().map(|s| s.method).collect();
    assert_eq!(methods, ["DELETE"]);
}

#[test]
fn an_allowed_connect_gets_its_2xx_without_a_body_then_close() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.send(b"CONNECT /go HTTP/1.1\r\nHost: x\r\n\r\n");
    // Read as a HEAD response: had a body followed, expect_closed sees it.
    let r = c.response(true);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("content-length"), None, "{r:?}");
    assert_eq!(r.header("connection").as_deref(), Some("close"));
    c.expect_closed();
}
