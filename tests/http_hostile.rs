//! Hostile input: every malformed or oversized request gets its status and
//! then the connection is closed (the Host, Expect and trailer cases are
//! issue 12 item 12's regressions: they used to be answered 200); the server never panics and keeps serving
//! well-behaved clients in between.

mod http_util;
mod util;

use evloop::http::ServerConfig;
use http_util::*;

/// (what, request, expected status)
fn cases() -> Vec<(&'static str, Vec<u8>, u16)> {
    let mut long_line = b"GET /".to_vec();
    long_line.extend_from_slice(&[b'a'; 9000]);
    long_line.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut big_head = b"GET /go HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..40 {
        big_head.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "v".repeat(500)).as_bytes());
    }
    big_head.extend_from_slice(b"\r\n");
    let mut many_headers = b"GET /go HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..70 {
        many_headers.extend_from_slice(format!("X-H{i}: {i}\r\n").as_bytes());
    }
    many_headers.extend_from_slice(b"\r\n");
    vec![
        ("bare LF", b"GET /go HTTP/1.1\nHost: x\n\n".to_vec(), 400),
        ("NUL in request line", b"GET /g\0o HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400),
        ("NUL in header", b"GET /go HTTP/1.1\r\nHost: x\0y\r\n\r\n".to_vec(), 400),
        ("0x80 in request line", b"GET /\x80 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400),
        ("0xFF in request line", b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400),
        ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n".to_vec(), 400),
        (
            "CL + TE",
            b"POST /go HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                .to_vec(),
            400,
        ),
        (
            "different duplicate CLs",
            b"POST /go HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd".to_vec(),
            400,
        ),
        (
            "overflowing CL",
            b"POST /go HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n".to_vec(),
            400,
        ),
        (
            "unknown TE",
            b"POST /go HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(),
            501,
        ),
        ("request line > 8 KiB", long_line, 414),
        ("head > 16 KiB", big_head, 431),
        ("more than 64 headers", many_headers, 431),
        (
            "body over 1 MiB",
            b"POST /go HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n".to_vec(),
            413,
        ),
        ("HTTP/1.1 without Host", b"GET /go HTTP/1.1\r\n\r\n".to_vec(), 400),
        (
            "two Host headers",
            b"GET /go HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n".to_vec(),
            400,
        ),
        ("Host with a space", b"GET /go HTTP/1.1\r\nHost: a b\r\n\r\n".to_vec(), 400),
        ("Host with a slash", b"GET /go HTTP/1.1\r\nHost: a/b\r\n\r\n".to_vec(), 400),
        ("Host with userinfo", b"GET /go HTTP/1.1\r\nHost: u@a\r\n\r\n".to_vec(), 400),
        ("Host with a bad port", b"GET /go HTTP/1.1\r\nHost: a:8o\r\n\r\n".to_vec(), 400),
        (
            "Expect other than 100-continue",
            b"GET /go HTTP/1.1\r\nHost: x\r\nExpect: fly\r\n\r\n".to_vec(),
            417,
        ),
        (
            "trailer line without a colon",
            b"POST /go HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nNoColon\r\n\r\n"
                .to_vec(),
            400,
        ),
        (
            "bad chunk size",
            b"POST /go HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
            400,
        ),
    ]
}

#[test]
fn each_hostile_request_gets_its_status_then_close() {
    let srv = start(ServerConfig::default());
    for (what, request, status) in cases() {
        let r = expect_status_then_close(srv.addr(), &request, status);
        assert!(
            !r.body.is_empty(),
            "{what}: the error response explains itself"
        );
        // The server is still serving.
        let mut c = Client::connect(srv.addr());
        c.send(&get("/go"));
        assert_eq!(c.response(false).body, b"HelloWorld", "after {what}");
    }
    // Nothing hostile reached the handler: only the checks' GETs did.
    assert!(srv
        .seen()
        .iter()
        .all(|s| s.path == "/go" && s.method == "GET"));
}

#[test]
fn hostile_request_after_a_good_one_on_the_same_connection() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    let mut batch = get("/go");
    batch.extend_from_slice(
        b"GET /go HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    );
    batch.extend_from_slice(&get("/go"));
    c.send(&batch);
    assert_eq!(c.response(false).status, 200);
    let r = c.response(false);
    assert_eq!(r.status, 400);
    assert_eq!(r.header("connection").as_deref(), Some("close"));
    c.expect_closed();
    assert_eq!(srv.seen().len(), 1);
}

#[test]
fn hostile_bytes_split_into_single_byte_writes() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.stream.set_nodelay(true).unwrap();
    for b in b"GET /go HTTP/1.1\r\nHost: x\r\nBad\0" {
        // The server may close as soon as the NUL arrives; later writes may fail.
        if std::io::Write::write_all(&mut c.stream, &[*b]).is_err() {
            break;
        }
    }
    let r = c.response(false);
    assert_eq!(r.status, 400);
    c.expect_closed();
}
