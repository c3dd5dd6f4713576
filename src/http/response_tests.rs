//! Unit tests for `response.rs`, kept in their own file so the response
//! source stays short.

use super::*;

fn written(status: u16, headers: &[(&str, &str)], body: &[u8], head: bool, ka: bool) -> String {
    let mut out = Vec::new();
    write_response(&mut out, status, headers, body, head, ka);
    String::from_utf8(out).unwrap()
}

fn parse(buf: &[u8], head: bool) -> Result<Parsed<ResponseHead>, HttpError> {
    parse_response_head(buf, head, &Limits::default())
}

fn complete(buf: &[u8], head: bool) -> ResponseHead {
    match parse(buf, head) {
        Ok(Parsed::Complete { value, len }) => {
            assert_eq!(len, buf.len());
            value
        }
        other => panic!("expected complete, got {other:?}"),
    }
}

#[test]
fn writes_response() {
    let s = written(200, &[("Content-Type", "text/plain")], b"hi", false, true);
    assert_eq!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"
    );
    let s = written(404, &[], b"nope", true, false);
    assert_eq!(
        s,
        "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nConnection: close\r\n\r\n"
    );
}

#[test]
fn drops_framing_and_unsafe_headers() {
    let headers = [
        ("content-length", "99"),
        ("Transfer-Encoding", "chunked"),
        ("Connection", "keep-alive"),
        ("X-Evil", "a\r\nSet-Cookie: x"),
        ("Bad Name", "v"),
        ("X-Ok", "caf\u{e9}\t1"),
    ];
    let s = written(200, &headers, b"", false, false);
    assert_eq!(
        s,
        "HTTP/1.1 200 OK\r\nX-Ok: caf\u{e9}\t1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    // With keep-alive the caller's Connection header is kept.
    let s = written(200, &[("Connection", "keep-alive")], b"", false, true);
    assert!(s.contains("Connection: keep-alive\r\n"));
}

#[test]
fn no_content_length_or_body_for_204_and_1xx() {
    assert_eq!(
        written(204, &[], b"x", false, true),
        "HTTP/1.1 204 No Content\r\n\r\n"
    );
    assert_eq!(
        written(100, &[], b"", false, true),
        "HTTP/1.1 100 Continue\r\n\r\n"
    );
}

#[test]
fn reason_phrases() {
    for (code, text) in [
        (200, "OK"),
        (400, "Bad Request"),
        (404, "Not Found"),
        (408, "Request Timeout"),
        (413, "Content Too Large"),
        (414, "URI Too Long"),
        (431, "Request Header Fields Too Large"),
        (500, "Internal Server Error"),
        (501, "Not Implemented"),
        (503, "Service Unavailable"),
        (299, "Success"),
        (499, "Client Error"),
        (42, "Unknown"),
    ] {
        assert_eq!(reason_phrase(code), text);
    }
}

#[test]
fn round_trip() {
    let mut out = Vec::new();
    write_response(&mut out, 200, &[("X-A", "1")], b"hello", false, true);
    match parse(&out, false) {
        Ok(Parsed::Complete { value, len }) => {
            assert_eq!((value.status, value.reason.as_str()), (200, "OK"));
            assert_eq!(value.body, BodyKind::Length(5));
            assert_eq!(value.header("x-a"), Some(&b"1"[..]));
            assert!(value.keep_alive());
            assert_eq!(out.get(len..), Some(&b"hello"[..]));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn response_framing() {
    let h = complete(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        false,
    );
    assert_eq!(h.body, BodyKind::Chunked);
    let h = complete(b"HTTP/1.0 200 OK\r\n\r\n", false);
    assert_eq!(h.body, BodyKind::UntilClose);
    assert!(!h.keep_alive());
    let h = complete(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true);
    assert_eq!(h.body, BodyKind::None);
    for status in ["100 Continue", "204 No Content", "304 Not Modified"] {
        let buf = format!("HTTP/1.1 {status}\r\nContent-Length: 3\r\n\r\n");
        assert_eq!(
            complete(buf.as_bytes(), false).body,
            BodyKind::None,
            "{status}"
        );
    }
    let h = complete(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        false,
    );
    assert!(!h.keep_alive());
}

#[test]
fn response_errors() {
    let st = |b: &[u8]| parse(b, false).unwrap_err().status;
    assert_eq!(
        st(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
        400
    );
    assert_eq!(st(b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n"), 400);
    assert_eq!(
        st(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
        501
    );
    assert_eq!(st(b"HTTP/1.1 2000 OK\r\n\r\n"), 400);
    assert_eq!(st(b"HTTP/1.1 099 Odd\r\n\r\n"), 400);
    assert_eq!(st(b"HTTP/1.1 200 OK\nA: b\r\n\r\n"), 400);
    let limits = Limits {
        max_headers: 1,
        ..Limits::default()
    };
    let many = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n";
    assert_eq!(
        parse_response_head(many, false, &limits)
            .unwrap_err()
            .status,
        431
    );
}

#[test]
fn incomplete_and_obs_text_reason() {
    assert_eq!(
        parse(b"HTTP/1.1 200 OK\r\nA: b\r\n", false),
        Ok(Parsed::Incomplete)
    );
    let h = complete(
        b"HTTP/1.1 200 \xc3\xa9t\xe9\r\nContent-Length: 0\r\n\r\n",
        false,
    );
    assert_eq!(h.status, 200);
}

#[test]
fn header_safety_agrees_with_the_bytewise_rule() {
    // The rule as first written, one byte at a time.
    let model = |name: &str, value: &str| {
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        !name.is_empty()
            && name.bytes().all(token)
            && value
                .bytes()
                .all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
    };
    // Every byte (as a char, so non-ASCII ones are multi-byte UTF-8) at
    // every position of values and names of lengths around the word size.
    for len in 0..20 {
        for at in 0..len.max(1) {
            for c in (0u32..0x100).filter_map(char::from_u32) {
                let mut value: String = "v".repeat(len);
                if len > 0 {
                    value.replace_range(at..=at, c.encode_utf8(&mut [0; 4]));
                }
                assert_eq!(
                    header_is_safe("X-Name", &value),
                    model("X-Name", &value),
                    "{value:?}"
                );
                let mut name: String = "n".repeat(len);
                if len > 0 {
                    name.replace_range(at..=at, c.encode_utf8(&mut [0; 4]));
                }
                assert_eq!(header_is_safe(&name, "v"), model(&name, "v"), "{name:?}");
            }
        }
    }
}
