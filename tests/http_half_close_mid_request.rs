//! A client that half-closes in the middle of a request still gets told why
//! (issue 18 item 2): 400, then the close. Without the 400-on-EOF the server
//! would close silently and these reads would see EOF with no response.

mod http_util;
mod util;

use evloop::http::ServerConfig;
use http_util::*;
use std::net::Shutdown;

#[track_caller]
fn half_close_after(request: &[u8]) -> Resp {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.send(request);
    c.stream.shutdown(Shutdown::Write).expect("half-close");
    let r = c.response(false);
    c.expect_closed();
    assert!(
        srv.seen().is_empty(),
        "the partial request reached the handler"
    );
    r
}

#[test]
fn half_close_in_the_middle_of_a_head_gets_400() {
    let r = half_close_after(b"GET /go HTTP/1.1\r\nHost: x\r\nX-Partial: ab");
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.header("connection").as_deref(), Some("close"));
}

#[test]
fn half_close_in_the_middle_of_a_body_gets_400() {
    let r = half_close_after(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    assert_eq!(r.status, 400, "{r:?}");
    let r = half_close_after(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    );
    assert_eq!(r.status, 400, "{r:?}");
}

#[test]
fn half_close_after_whole_requests_gets_their_answers_only() {
    // The control: complete requests before the FIN are answered, no 400.
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    let mut two = get("/go");
    two.extend_from_slice(&get("/missing"));
    c.send(&two);
    c.stream.shutdown(Shutdown::Write).expect("half-close");
    assert_eq!(c.response(false).status, 200);
    assert_eq!(c.response(false).status, 404);
    c.expect_closed();
}
