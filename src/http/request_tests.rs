//! Unit tests for `request.rs`, kept in their own file so the parser source stays short.

use super::*;

fn parse(buf: &[u8]) -> Result<Parsed<RequestHead>, HttpError> {
    parse_request_head(buf, &Limits::default())
}

fn complete(buf: &[u8]) -> (RequestHead, usize) {
    match parse(buf) {
        Ok(Parsed::Complete { value, len }) => (value, len),
        other => panic!("expected complete, got {other:?}"),
    }
}

fn status(buf: &[u8]) -> u16 {
    match parse(buf) {
        Err(e) => e.status,
        other => panic!("expected error, got {other:?}"),
    }
}

#[test]
fn complete_get() {
    let buf = b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Y:  z \r\n\r\nrest";
    let (h, len) = complete(buf);
    assert_eq!(len, buf.len() - 4);
    assert_eq!(h.method, "GET");
    assert_eq!(h.path, "/a?b=1");
    assert_eq!(h.minor_version, 1);
    assert_eq!(h.headers.len(), 2);
    assert_eq!(h.header("host"), Some(&b"x"[..]));
    assert_eq!(h.header("x-y"), Some(&b"z"[..]));
    assert_eq!(h.header("missing"), None);
    assert_eq!(h.body, BodyKind::None);
    assert!(h.keep_alive);
}

#[test]
fn leading_empty_line_is_skipped_and_counted() {
    let buf = b"\r\nGET / HTTP/1.1\r\n\r\n";
    let (h, len) = complete(buf);
    assert_eq!(h.path, "/");
    assert_eq!(len, buf.len());
}

#[test]
fn keep_alive_rules() {
    let ka = |s: &[u8]| complete(s).0.keep_alive;
    assert!(ka(b"GET / HTTP/1.1\r\n\r\n"));
    assert!(!ka(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
    assert!(!ka(b"GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n"));
    assert!(!ka(b"GET / HTTP/1.0\r\n\r\n"));
    assert!(ka(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
    assert!(ka(
        b"GET / HTTP/1.0\r\nConnection: foo , keep-alive\r\n\r\n"
    ));
    assert!(!ka(
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"
    ));
}

#[test]
fn incomplete() {
    assert_eq!(parse(b""), Ok(Parsed::Incomplete));
    assert_eq!(
        parse(b"GET / HTTP/1.1\r\nHost: x\r\n"),
        Ok(Parsed::Incomplete)
    );
    assert_eq!(
        parse(b"GET / HTTP/1.1\r\nHost: x\r\n\r"),
        Ok(Parsed::Incomplete)
    );
}

#[test]
fn request_line_too_long_is_414_even_if_incomplete() {
    let limits = Limits {
        max_request_line: 16,
        ..Limits::default()
    };
    let long = vec![b'A'; 16];
    let e = parse_request_head(&long, &limits).unwrap_err();
    assert_eq!(e.status, 414);
    // One byte short of the limit without LF is still just incomplete.
    assert_eq!(
        parse_request_head(&long[..15], &limits),
        Ok(Parsed::Incomplete)
    );
    let fits = b"GET /ab HTTP/1.1\r\n\r\n"; // line is 18 bytes incl. CRLF
    let limits18 = Limits {
        max_request_line: 18,
        ..limits
    };
    assert!(matches!(
        parse_request_head(fits, &limits18),
        Ok(Parsed::Complete { .. })
    ));
    let limits17 = Limits {
        max_request_line: 17,
        ..limits
    };
    assert_eq!(parse_request_head(fits, &limits17).unwrap_err().status, 414);
    assert_eq!(status(&vec![b'a'; 9000]), 414);
}

#[test]
fn head_too_large_is_431() {
    let limits = Limits {
        max_head: 64,
        ..Limits::default()
    };
    let mut buf = b"GET / HTTP/1.1\r\nX: ".to_vec();
    buf.resize(64, b'a');
    assert_eq!(parse_request_head(&buf, &limits).unwrap_err().status, 431);
    assert_eq!(
        parse_request_head(&buf[..63], &limits),
        Ok(Parsed::Incomplete)
    );
    // A complete head of exactly max_head bytes is fine.
    let mut exact = b"GET / HTTP/1.1\r\nX: ".to_vec();
    exact.resize(60, b'a');
    exact.extend_from_slice(b"\r\n\r\n");
    assert!(matches!(
        parse_request_head(&exact, &limits),
        Ok(Parsed::Complete { len: 64, .. })
    ));
}

#[test]
fn too_many_headers_is_431() {
    let limits = Limits {
        max_headers: 2,
        ..Limits::default()
    };
    let two = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n";
    assert!(matches!(
        parse_request_head(two, &limits),
        Ok(Parsed::Complete { .. })
    ));
    let three = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    assert_eq!(parse_request_head(three, &limits).unwrap_err().status, 431);
}

#[test]
fn malformed_is_400() {
    assert_eq!(status(b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n"), 400);
    assert_eq!(status(b"GET / HTTP/1.1\r\n: x\r\n\r\n"), 400);
    assert_eq!(status(b"GET  / HTTP/1.1\r\n\r\n"), 400);
    assert_eq!(status(b"GET / HTTP/2.0\r\n\r\n"), 400);
    assert_eq!(status(b"GET / FOO/1.1\r\n\r\n"), 400);
    assert_eq!(status(b"GET /\r\n\r\n"), 400);
    // obs-fold (continuation line) is rejected.
    assert_eq!(status(b"GET / HTTP/1.1\r\nA: 1\r\n 2\r\n\r\n"), 400);
}

#[test]
fn nul_high_bytes_and_bare_lf_are_400() {
    assert_eq!(status(b"GET /\0 HTTP/1.1\r\n\r\n"), 400);
    assert_eq!(status(b"GET / HTTP/1.1\r\nA: x\0y\r\n\r\n"), 400);
    // Rejected as soon as seen, even in an incomplete head.
    assert_eq!(status(b"GET /\xe9"), 400);
    assert_eq!(status(b"GET / HTTP/1.1\nHost: x\r\n\r\n"), 400);
    assert_eq!(status(b"GET / HTTP/1.1\r\nHost: x\n\r\n"), 400);
    assert_eq!(status(b"GET / HTTP/1.1\r\nHost: x\r\n\n"), 400);
    assert_eq!(status(b"GET / HTTP/1.1\r\nHost: x\ry: z\r\n\r\n"), 400);
}

#[test]
fn obs_text_in_header_value_is_kept() {
    let (h, _) = complete(b"GET / HTTP/1.1\r\nX-Name: caf\xc3\xa9 \xff\r\n\r\n");
    assert_eq!(h.header("X-NAME"), Some(&b"caf\xc3\xa9 \xff"[..]));
}

#[test]
fn content_length_framing() {
    let body = |s: &[u8]| complete(s).0.body;
    assert_eq!(
        body(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"),
        BodyKind::Length(5)
    );
    assert_eq!(
        body(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
        BodyKind::Length(0)
    );
    // Identical duplicates, as separate fields or a list, are allowed.
    assert_eq!(
        body(b"POST / HTTP/1.1\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n"),
        BodyKind::Length(7)
    );
    assert_eq!(
        body(b"POST / HTTP/1.1\r\nContent-Length: 7, 7\r\n\r\n"),
        BodyKind::Length(7)
    );
}

#[test]
fn bad_content_length_is_400_or_413() {
    let p = |v: &str| status(format!("POST / HTTP/1.1\r\nContent-Length: {v}\r\n\r\n").as_bytes());
    assert_eq!(p("5, 6"), 400);
    assert_eq!(p("-1"), 400);
    assert_eq!(p("+1"), 400);
    assert_eq!(p("0x10"), 400);
    assert_eq!(p("1 0"), 400);
    assert_eq!(p(""), 400);
    assert_eq!(p("5,"), 400);
    assert_eq!(p("18446744073709551616"), 400);
    assert_eq!(p("1048577"), 413);
    assert_eq!(
        status(b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
        400
    );
    let (h, _) = complete(b"POST / HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n");
    assert_eq!(h.body, BodyKind::Length(1 << 20));
}

#[test]
fn transfer_encoding_framing() {
    let te =
        |v: &str| parse(format!("POST / HTTP/1.1\r\nTransfer-Encoding: {v}\r\n\r\n").as_bytes());
    for ok in ["chunked", "Chunked", "CHUNKED", "  chunked "] {
        match te(ok) {
            Ok(Parsed::Complete { value, .. }) => assert_eq!(value.body, BodyKind::Chunked),
            other => panic!("{ok:?}: {other:?}"),
        }
    }
    for unsupported in ["gzip, chunked", "identity", "foo", "chunked, chunked"] {
        assert_eq!(te(unsupported).unwrap_err().status, 501, "{unsupported}");
    }
    assert_eq!(te("").unwrap_err().status, 400);
}

#[test]
fn content_length_with_transfer_encoding_is_400() {
    assert_eq!(
        status(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
        400
    );
    assert_eq!(
        status(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
        400
    );
}

#[test]
fn transfer_encoding_in_http10_is_400() {
    assert_eq!(
        status(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
        400
    );
}
