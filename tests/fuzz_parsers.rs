//! "Arbitrary bytes never panic": the stable, CI-run counterpart of the
//! cargo-fuzz targets in `fuzz/` (which need nightly). Covers the HTTP head
//! parsers, both codecs and the chunked decoder, each fed in random chunks
//! the way the reactor feeds them. Inputs mix raw bytes with protocol-ish
//! ones so the interesting paths are reached, not only "garbage → error".
//! (The chat command parser is tested with the chat example.)

use evloop::codec::{decode_all, Codec, LengthCodec, LineCodec};
use evloop::http::{
    parse_request_head, parse_request_resume, parse_response_head, BodyProgress, ChunkedDecoder,
    HeadScan, Limits, Parsed,
};
use proptest::prelude::*;

/// Bytes that matter to the parsers, plus anything at all.
fn wire_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let alphabet: Vec<u8> = b"GET /HTTP1.0:\r\n\t ;=chunkedTransfer-EncodingContent-Length0123456789abcdefABCDEF\x00\x7f\xff".to_vec();
    let byte = prop_oneof![
        3 => prop::sample::select(alphabet),
        1 => any::<u8>(),
    ];
    let text = prop::collection::vec(byte, 0..max);
    // Sometimes start from something valid-looking, then append the noise.
    let prefix = prop::sample::select(vec![
        &b""[..],
        b"GET / HTTP/1.1\r\nHost: x\r\n",
        b"POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
        b"5\r\nhello\r\n",
        b"\x00\x00\x00\x03abc",
        b"line one\nline two\r\n",
    ]);
    (prefix, text).prop_map(|(p, t)| [p, &t[..]].concat())
}

/// Read sizes: how TCP cut the stream (cycled).
fn reads() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..64, 1..8)
}

fn cut<'a>(stream: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let (mut out, mut at) = (Vec::new(), 0);
    for &n in sizes.iter().cycle() {
        if at >= stream.len() {
            break;
        }
        let end = (at + n).min(stream.len());
        out.push(&stream[at..end]);
        at = end;
    }
    out
}

fn small_limits() -> Limits {
    Limits {
        max_request_line: 32,
        max_head: 128,
        max_headers: 4,
        max_body: 64,
    }
}

/// Feed a codec as the reactor does; frames, and whether it hit an error.
fn feed<C: Codec>(mut codec: C, chunks: &[&[u8]]) -> (Vec<Vec<u8>>, bool) {
    let (mut buf, mut frames) = (Vec::new(), Vec::new());
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        match decode_all(&mut codec, &buf, |f| frames.push(f.to_vec())) {
            Ok(used) => {
                assert!(used <= buf.len(), "consumed {used} of {}", buf.len());
                buf.drain(..used);
            }
            Err(_) => return (frames, true),
        }
    }
    (frames, false)
}

/// Feed the chunked decoder; the body and whether it finished, or a status.
fn dechunk(chunks: &[&[u8]]) -> Result<(Vec<u8>, bool), u16> {
    let mut dec = ChunkedDecoder::new(256);
    let mut out = Vec::new();
    for chunk in chunks {
        let (used, progress) = dec.decode(chunk, &mut out).map_err(|e| e.status)?;
        assert!(used <= chunk.len());
        if progress == BodyProgress::Done {
            return Ok((out, true));
        }
        assert_eq!(used, chunk.len(), "NeedMore must consume the whole read");
    }
    Ok((out, false))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn http_head_parsers_never_panic(data in wire_bytes(300), sizes in reads()) {
        for limits in [Limits::default(), small_limits()] {
            // Every prefix the reactor could see, as reads arrive; the
            // server's resumed scan must agree with a fresh parse of each.
            let mut seen = 0;
            let mut slots = vec![httparse::EMPTY_HEADER; limits.max_headers];
            let mut scan = HeadScan::new();
            let mut resumed_done = false;
            for chunk in cut(&data, &sizes) {
                seen += chunk.len();
                let buf = &data[..seen];
                let fresh = parse_request_head(buf, &limits);
                if let Ok(Parsed::Complete { len, .. }) = fresh {
                    prop_assert!(len <= buf.len());
                    prop_assert!(buf[..len].ends_with(b"\r\n\r\n"));
                }
                if !resumed_done {
                    let resumed = parse_request_resume(buf, &limits, &mut slots, &mut scan)
                        .map(|p| matches!(p, Parsed::Complete { .. }));
                    let fresh = fresh.map(|p| matches!(p, Parsed::Complete { .. }));
                    prop_assert_eq!(&resumed, &fresh, "after {} bytes", seen);
                    resumed_done = !matches!(resumed, Ok(false));
                }
                for was_head in [false, true] {
                    if let Ok(Parsed::Complete { len, .. }) = parse_response_head(buf, was_head, &limits) {
                        prop_assert!(len <= buf.len());
                    }
                }
            }
        }
    }

    #[test]
    fn line_codec_never_panics_and_ignores_chunking(data in wire_bytes(400), sizes in reads()) {
        let chunked = feed(LineCodec::with_max_len(16), &cut(&data, &sizes));
        let whole = feed(LineCodec::with_max_len(16), &[&data]);
        prop_assert_eq!(chunked, whole);
    }

    #[test]
    fn length_codec_never_panics_and_ignores_chunking(data in wire_bytes(400), sizes in reads()) {
        let chunked = feed(LengthCodec::with_max_frame(64), &cut(&data, &sizes));
        let whole = feed(LengthCodec::with_max_frame(64), &[&data]);
        prop_assert_eq!(chunked, whole);
    }

    #[test]
    fn chunked_decoder_never_panics_and_ignores_chunking(data in wire_bytes(400), sizes in reads()) {
        let by_reads = dechunk(&cut(&data, &sizes));
        let whole = dechunk(&[&data]);
        match (&by_reads, &whole) {
            // Found at another point, but the same status.
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            _ => prop_assert_eq!(by_reads, whole),
        }
    }
}
