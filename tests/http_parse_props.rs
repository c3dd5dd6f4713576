//! Property tests for the HTTP parsers: arbitrary input never panics, and
//! valid messages parse the same however they are split.

use evloop::http::{
    parse_request_head, parse_response_head, BodyKind, BodyProgress, ChunkedDecoder, Limits, Parsed,
};
use proptest::prelude::*;

fn small_limits() -> Limits {
    Limits {
        max_request_line: 64,
        max_head: 256,
        max_headers: 4,
        max_body: 100,
    }
}

/// A valid request head and the parts it was built from.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    minor: u8,
    headers: Vec<(String, String)>,
    length: Option<u64>,
}

impl Req {
    fn bytes(&self) -> Vec<u8> {
        let mut s = format!("{} {} HTTP/1.{}\r\n", self.method, self.path, self.minor);
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
        if let Some(len) = self.length {
            s.push_str(&format!("Content-Length: {len}\r\n"));
        }
        s.push_str("\r\n");
        s.into_bytes()
    }
}

fn request() -> impl Strategy<Value = Req> {
    (
        prop::sample::select(vec!["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]),
        "/[a-zA-Z0-9/._~?=&%-]{0,40}",
        0u8..=1,
        prop::collection::vec(("X-[A-Za-z0-9-]{1,12}", "[!-~]([ -~]{0,20}[!-~])?"), 0..8),
        prop::option::of(0u64..=1_000_000),
    )
        .prop_map(|(method, path, minor, headers, length)| Req {
            method: method.to_string(),
            path,
            minor,
            headers,
            length,
        })
}

/// Chunk-encodes `data` using the given chunk sizes (cycled), with an
/// extension on every other chunk and an optional trailer.
fn chunked(data: &[u8], sizes: &[usize], trailer: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        let ext = if i % 2 == 1 { ";a=b" } else { "" };
        out.extend_from_slice(format!("{n:x}{ext}\r\n").as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
        rest = tail;
        i += 1;
    }
    out.extend_from_slice(b"0\r\n");
    if trailer {
        out.extend_from_slice(b"X-Checksum: abc\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

proptest! {
    #[test]
    fn request_parser_never_panics(buf in prop::collection::vec(any::<u8>(), 0..600)) {
        for limits in [Limits::default(), small_limits()] {
            if let Ok(Parsed::Complete { len, .. }) = parse_request_head(&buf, &limits) {
                prop_assert!(len <= buf.len());
            }
        }
    }

    #[test]
    fn request_parser_never_panics_on_near_valid_input(
        req in request(),
        pos in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut buf = req.bytes();
        let i = pos.index(buf.len());
        buf[i] = byte;
        for limits in [Limits::default(), small_limits()] {
            let _ = parse_request_head(&buf, &limits);
        }
    }

    #[test]
    fn response_parser_never_panics(buf in prop::collection::vec(any::<u8>(), 0..600), head in any::<bool>()) {
        for limits in [Limits::default(), small_limits()] {
            let _ = parse_response_head(&buf, head, &limits);
        }
    }

    #[test]
    fn chunked_decoder_never_panics(
        buf in prop::collection::vec(any::<u8>(), 0..600),
        split in any::<prop::sample::Index>(),
    ) {
        let (a, b) = buf.split_at(split.index(buf.len() + 1));
        let mut dec = ChunkedDecoder::new(100);
        let mut out = Vec::new();
        if let Ok((n, progress)) = dec.decode(a, &mut out) {
            prop_assert!(n <= a.len());
            if progress == BodyProgress::NeedMore {
                prop_assert_eq!(n, a.len());
                let _ = dec.decode(b, &mut out);
            }
        }
        prop_assert!(out.len() <= 100);
    }

    #[test]
    fn valid_request_parses_only_when_whole(req in request(), extra in prop::collection::vec(any::<u8>(), 0..16)) {
        let head = req.bytes();
        let limits = Limits::default();
        for cut in 0..head.len() {
            prop_assert_eq!(parse_request_head(&head[..cut], &limits), Ok(Parsed::Incomplete), "cut at {}", cut);
        }
        let mut buf = head.clone();
        buf.extend_from_slice(&extra);
        match parse_request_head(&buf, &limits) {
            Ok(Parsed::Complete { value, len }) => {
                prop_assert_eq!(len, head.len());
                prop_assert_eq!(&value.method, &req.method);
                prop_assert_eq!(&value.path, &req.path);
                prop_assert_eq!(value.minor_version, req.minor);
                prop_assert_eq!(value.keep_alive, req.minor == 1);
                let expected = match req.length {
                    Some(n) => BodyKind::Length(n),
                    None => BodyKind::None,
                };
                prop_assert_eq!(value.body, expected);
                for (name, v) in &req.headers {
                    let found = value.headers.iter().any(|(n, val)| n == name && val == v.as_bytes());
                    prop_assert!(found, "header {} missing", name);
                }
            }
            other => prop_assert!(false, "expected Complete, got {:?}", other),
        }
    }

    #[test]
    fn chunked_round_trip_at_any_split(
        data in prop::collection::vec(any::<u8>(), 0..300),
        sizes in prop::collection::vec(1usize..40, 1..5),
        trailer in any::<bool>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let encoded = chunked(&data, &sizes, trailer);
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(encoded.len() + 1)).collect();
        points.sort_unstable();
        let mut dec = ChunkedDecoder::new(1000);
        let mut out = Vec::new();
        let mut consumed = 0;
        let mut last = 0;
        let mut progress = BodyProgress::NeedMore;
        for end in points.into_iter().chain([encoded.len()]) {
            let (n, p) = dec.decode(&encoded[last..end], &mut out).expect("valid chunked body");
            consumed += n;
            progress = p;
            last = end;
        }
        prop_assert_eq!(out, data);
        prop_assert_eq!(consumed, encoded.len());
        prop_assert_eq!(progress, BodyProgress::Done);
    }
}
