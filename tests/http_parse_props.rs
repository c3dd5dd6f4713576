//! Property tests for the HTTP parsers: on arbitrary input they never
//! panic and every answer is one the input justifies (a complete head ends
//! in CRLFCRLF inside the input and the limits, re-serialises to a head that
//! parses the same; a bare LF or CR before the end is always an error), and
//! valid messages parse the same however they are split.

use evloop::http::{
    parse_request_head, parse_request_resume, parse_response_head, BodyKind, BodyProgress,
    ChunkedDecoder, HeadScan, HttpError, Limits, Parsed, RequestHead,
};
use proptest::prelude::*;

/// The index of the first LF without a CR before it, or CR without an LF
/// after it (within `buf`): a byte no valid head may contain before its end.
fn first_bare_line_break(buf: &[u8]) -> Option<usize> {
    (0..buf.len()).find(|&i| match buf[i] {
        b'\n' => i == 0 || buf[i - 1] != b'\r',
        b'\r' => i + 1 < buf.len() && buf[i + 1] != b'\n',
        _ => false,
    })
}

/// `head` written out again, in the tightest form (`name:value`), so it is
/// never longer than the bytes it was parsed from.
fn reserialise(head: &RequestHead) -> Vec<u8> {
    let mut out = format!(
        "{} {} HTTP/1.{}\r\n",
        head.method, head.path, head.minor_version
    )
    .into_bytes();
    for (name, value) in &head.headers {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Everything a request parse may say about `buf`, checked against `buf`.
fn check_request_outcome(
    buf: &[u8],
    limits: &Limits,
    got: &Result<Parsed<RequestHead>, HttpError>,
) -> Result<(), TestCaseError> {
    let bare = first_bare_line_break(buf).filter(|&i| i < limits.max_head);
    match got {
        Ok(Parsed::Complete { value, len }) => {
            let len = *len;
            prop_assert!(len <= buf.len() && len <= limits.max_head, "len {}", len);
            prop_assert!(buf[..len].ends_with(b"\r\n\r\n"));
            prop_assert!(!buf[..len].contains(&0), "NUL inside a complete head");
            prop_assert!(
                bare.is_none_or(|i| i >= len),
                "bare CR/LF at {:?} inside the head",
                bare
            );
            let again = reserialise(value);
            let parsed = parse_request_head(&again, limits);
            prop_assert_eq!(
                parsed,
                Ok(Parsed::Complete {
                    value: value.clone(),
                    len: again.len()
                }),
                "re-serialised {:?}",
                String::from_utf8_lossy(&again)
            );
        }
        Ok(Parsed::Incomplete) => {
            prop_assert!(buf.len() < limits.max_head, "incomplete past max_head");
            prop_assert!(bare.is_none(), "bare CR/LF at {:?} not refused", bare);
            prop_assert!(!buf.contains(&0), "NUL not refused");
        }
        Err(e) => prop_assert!([400, 413, 414, 431, 501].contains(&e.status), "{}", e),
    }
    Ok(())
}

/// The same head fed one byte at a time through one `HeadScan`, as the
/// server does with a trickled head: the first answer that is not
/// "incomplete", or the last one.
fn parse_byte_by_byte(buf: &[u8], limits: &Limits) -> Result<Parsed<usize>, u16> {
    let mut slots = vec![httparse::EMPTY_HEADER; limits.max_headers];
    let mut scan = HeadScan::new();
    for end in 1..=buf.len() {
        match parse_request_resume(&buf[..end], limits, &mut slots, &mut scan) {
            Ok(Parsed::Incomplete) => {}
            Ok(Parsed::Complete { len, .. }) => return Ok(Parsed::Complete { value: end, len }),
            Err(e) => return Err(e.status),
        }
    }
    Ok(Parsed::Incomplete)
}

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
    fn request_parser_answers_only_what_any_input_justifies(buf in prop::collection::vec(any::<u8>(), 0..600)) {
        for limits in [Limits::default(), small_limits()] {
            check_request_outcome(&buf, &limits, &parse_request_head(&buf, &limits))?;
        }
    }

    #[test]
    fn request_parser_answers_only_what_near_valid_input_justifies(
        req in request(),
        pos in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut buf = req.bytes();
        let i = pos.index(buf.len());
        buf[i] = byte;
        for limits in [Limits::default(), small_limits()] {
            let whole = parse_request_head(&buf, &limits);
            check_request_outcome(&buf, &limits, &whole)?;
            // Resuming the scan read by read reaches the same verdict.
            let expected = match &whole {
                Ok(Parsed::Complete { len, .. }) => Ok(Parsed::Complete { value: *len, len: *len }),
                Ok(Parsed::Incomplete) => Ok(Parsed::Incomplete),
                Err(e) => Err(e.status),
            };
            prop_assert_eq!(parse_byte_by_byte(&buf, &limits), expected);
        }
    }

    #[test]
    fn request_with_a_bare_lf_in_its_head_is_refused(
        req in request(),
        pos in any::<prop::sample::Index>(),
    ) {
        // Drop the CR of one line break of the head: always an error.
        let buf = req.bytes();
        let crs: Vec<usize> = (0..buf.len()).filter(|&i| buf[i] == b'\r').collect();
        let mut broken = buf.clone();
        broken.remove(crs[pos.index(crs.len())]);
        let got = parse_request_head(&broken, &Limits::default());
        prop_assert!(matches!(&got, Err(e) if e.status == 400), "{:?}", got);
    }

    #[test]
    fn response_parser_answers_only_what_any_input_justifies(buf in prop::collection::vec(any::<u8>(), 0..600), head in any::<bool>()) {
        for limits in [Limits::default(), small_limits()] {
            let bare = first_bare_line_break(&buf).filter(|&i| i < limits.max_head);
            match parse_response_head(&buf, head, &limits) {
                Ok(Parsed::Complete { value, len }) => {
                    prop_assert!(len <= buf.len() && len <= limits.max_head);
                    prop_assert!(buf[..len].ends_with(b"\r\n\r\n"));
                    prop_assert!(bare.is_none_or(|i| i >= len));
                    prop_assert!((100..=999).contains(&value.status));
                    if head {
                        prop_assert_eq!(value.body, BodyKind::None);
                    }
                }
                Ok(Parsed::Incomplete) => {
                    prop_assert!(buf.len() < limits.max_head && bare.is_none());
                }
                Err(_) => {}
            }
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
