//! Regression (issue 12 item 12): an absolute-form target
//! (`GET http://host/go HTTP/1.1`, which RFC 9112 section 3.2.2 says an
//! origin server must accept) reached the handler as the whole URL, so
//! `/go` was a 404. The handler now sees the path (and query) only.

mod http_util;
mod util;

use evloop::http::ServerConfig;
use http_util::*;

#[test]
fn absolute_form_target_reaches_the_handler_as_its_path() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.send(b"GET http://127.0.0.1:9000/go HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n\r\n");
    let r = c.response(false);
    assert_eq!((r.status, r.body.as_slice()), (200, &b"HelloWorld"[..]));
    c.send(b"GET HTTP://example.com/missing?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    assert_eq!(c.response(false).status, 404);
    c.send(b"GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n");
    assert_eq!(c.response(false).status, 404);
    let paths: Vec<String> = srv.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(paths, ["/go", "/missing?q=1", "/"]);
}

#[test]
fn absolute_form_with_a_bad_authority_or_scheme_is_400() {
    let srv = start(ServerConfig::default());
    for target in ["http://user@host/go", "http:///go", "ftp://host/go"] {
        let req = format!("GET {target} HTTP/1.1\r\nHost: host\r\n\r\n");
        expect_status_then_close(srv.addr(), req.as_bytes(), 400);
    }
    assert!(srv.seen().is_empty());
}
