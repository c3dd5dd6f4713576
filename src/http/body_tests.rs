//! Unit tests for `body.rs`, kept in their own file so the decoder source
//! stays short.

use super::*;

/// Feeds `input` in the given pieces, returning the body, the bytes
/// consumed in total and the final progress.
fn feed(
    dec: &mut ChunkedDecoder,
    pieces: &[&[u8]],
) -> Result<(Vec<u8>, usize, BodyProgress), HttpError> {
    let mut out = Vec::new();
    let mut consumed = 0;
    let mut progress = BodyProgress::NeedMore;
    for piece in pieces {
        let (n, p) = dec.decode(piece, &mut out)?;
        consumed += n;
        progress = p;
    }
    Ok((out, consumed, progress))
}

fn decode_all(input: &[u8]) -> Result<(Vec<u8>, usize, BodyProgress), HttpError> {
    feed(&mut ChunkedDecoder::new(1 << 20), &[input])
}

const SAMPLE: &[u8] =
    b"4\r\nWiki\r\n5;name=val\r\npedia\r\nE ; x\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\n";
const SAMPLE_BODY: &[u8] = b"Wikipedia in\r\n\r\nchunks.";

#[test]
fn decodes_sample_with_extensions_and_trailers() {
    let (out, n, p) = decode_all(SAMPLE).unwrap();
    assert_eq!(out, SAMPLE_BODY);
    assert_eq!(n, SAMPLE.len());
    assert_eq!(p, BodyProgress::Done);
}

#[test]
fn every_split_point_gives_the_same_result() {
    for i in 0..=SAMPLE.len() {
        for j in i..=SAMPLE.len() {
            let (a, b) = SAMPLE.split_at(i);
            let (b, c) = b.split_at(j - i);
            let mut dec = ChunkedDecoder::new(1 << 20);
            let (out, n, p) = feed(&mut dec, &[a, b, c]).unwrap();
            assert_eq!(
                (out.as_slice(), n, p),
                (SAMPLE_BODY, SAMPLE.len(), BodyProgress::Done)
            );
        }
    }
}

#[test]
fn one_byte_at_a_time() {
    let pieces: Vec<&[u8]> = SAMPLE.chunks(1).collect();
    let mut dec = ChunkedDecoder::new(1 << 20);
    let (out, n, p) = feed(&mut dec, &pieces).unwrap();
    assert_eq!(
        (out.as_slice(), n, p),
        (SAMPLE_BODY, SAMPLE.len(), BodyProgress::Done)
    );
}

#[test]
fn stops_at_end_leaving_pipelined_bytes() {
    let mut input = b"3\r\nabc\r\n0\r\n\r\n".to_vec();
    input.extend_from_slice(b"GET / HTTP/1.1\r\n\r\n");
    let mut dec = ChunkedDecoder::new(100);
    let mut out = Vec::new();
    assert_eq!(
        dec.decode(&input, &mut out).unwrap(),
        (13, BodyProgress::Done)
    );
    assert_eq!(out, b"abc");
    // Further calls consume nothing.
    assert_eq!(
        dec.decode(b"more", &mut out).unwrap(),
        (0, BodyProgress::Done)
    );
    assert!(dec.is_done());
}

#[test]
fn incomplete_needs_more() {
    let (out, n, p) = decode_all(b"5\r\nab").unwrap();
    assert_eq!(
        (out.as_slice(), n, p),
        (&b"ab"[..], 5, BodyProgress::NeedMore)
    );
    let (_, _, p) = decode_all(b"0\r\n\r").unwrap();
    assert_eq!(p, BodyProgress::NeedMore);
}

#[test]
fn bad_syntax_is_400() {
    for bad in [
        &b"\r\n"[..],
        b"g\r\n",
        b";ext\r\n",
        b"3\nabc\r\n",
        b"3\rabc",
        b"3\r\nabcX\r\n",
        b"3\r\nabc\r\r",
        b"3 4\r\n",
        b"-3\r\n",
        b"3;a\nb\r\n",
        b"0\r\nX: y\nZ",
        b"0\r\nX: \0\r\n\r\n",
        b"0\r\n\rx",
    ] {
        let e = decode_all(bad).unwrap_err();
        assert_eq!(e.status, 400, "{:?}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn whitespace_before_extension_is_accepted() {
    let (out, _, p) = decode_all(b"3 \t;ext=1\r\nabc\r\n0 \r\n\r\n").unwrap();
    assert_eq!((out.as_slice(), p), (&b"abc"[..], BodyProgress::Done));
}

#[test]
fn size_overflow_is_400() {
    assert_eq!(decode_all(b"FFFFFFFFFFFFFFFF\r\n").unwrap_err().status, 413);
    assert_eq!(
        decode_all(b"10000000000000000\r\n").unwrap_err().status,
        400
    );
    // Leading zeros do not overflow.
    let (out, _, _) = decode_all(b"00000000000000000001\r\nx\r\n0\r\n\r\n").unwrap();
    assert_eq!(out, b"x");
}

#[test]
fn long_size_line_is_400_without_lookahead() {
    let mut line = b"1;".to_vec();
    line.resize(MAX_CHUNK_LINE - 2, b'a');
    line.extend_from_slice(b"\r\nx\r\n0\r\n\r\n");
    assert_eq!(decode_all(&line).unwrap().0, b"x");
    let mut long = b"1;".to_vec();
    long.resize(MAX_CHUNK_LINE + 1, b'a');
    assert_eq!(decode_all(&long).unwrap_err().status, 400);
}

#[test]
fn body_over_limit_is_413_before_appending() {
    let mut dec = ChunkedDecoder::new(5);
    let mut out = Vec::new();
    assert_eq!(
        dec.decode(b"3\r\nabc\r\n", &mut out).unwrap().1,
        BodyProgress::NeedMore
    );
    let e = dec.decode(b"3\r\ndef\r\n", &mut out).unwrap_err();
    assert_eq!(e.status, 413);
    assert_eq!(out, b"abc");
    // The decoder stays failed.
    assert_eq!(dec.decode(b"0\r\n\r\n", &mut out).unwrap_err(), e);
    // Exactly at the limit is fine.
    let (out, _, p) = feed(&mut ChunkedDecoder::new(5), &[b"5\r\nabcde\r\n0\r\n\r\n"]).unwrap();
    assert_eq!((out.as_slice(), p), (&b"abcde"[..], BodyProgress::Done));
}

#[test]
fn huge_trailers_are_431() {
    let mut input = b"0\r\n".to_vec();
    while input.len() < MAX_TRAILERS + 10 {
        input.extend_from_slice(b"X-A: aaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    assert_eq!(decode_all(&input).unwrap_err().status, 431);
}

#[test]
fn trailer_lines_must_be_fields() {
    for bad in [
        &b"0\r\nNoColonHere\r\n\r\n"[..],
        b"0\r\n: empty name\r\n\r\n",
        b"0\r\nX-A: 1\r\n folded\r\n\r\n",
        b"0\r\nBad Name: 1\r\n\r\n",
    ] {
        assert_eq!(
            decode_all(bad).unwrap_err().status,
            400,
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    assert!(decode_all(b"0\r\nX-A: 1\r\nX-B:\r\n\r\n").is_ok());
}

#[test]
fn length_decoder() {
    let mut dec = BodyDecoder::new(BodyKind::Length(5), 100);
    let mut out = Vec::new();
    assert_eq!(
        dec.decode(b"abc", &mut out).unwrap(),
        (3, BodyProgress::NeedMore)
    );
    assert_eq!(dec.eof().unwrap_err().status, 400);
    assert_eq!(
        dec.decode(b"deNEXT", &mut out).unwrap(),
        (2, BodyProgress::Done)
    );
    assert_eq!(out, b"abcde");
    assert!(dec.eof().is_ok());
}

#[test]
fn none_is_an_empty_body() {
    let mut dec = BodyDecoder::new(BodyKind::None, 100);
    let mut out = Vec::new();
    assert_eq!(
        dec.decode(b"GET", &mut out).unwrap(),
        (0, BodyProgress::Done)
    );
    assert!(out.is_empty());
}

#[test]
fn until_close_decoder() {
    let mut dec = BodyDecoder::new(BodyKind::UntilClose, 6);
    let mut out = Vec::new();
    assert_eq!(
        dec.decode(b"abc", &mut out).unwrap(),
        (3, BodyProgress::NeedMore)
    );
    assert_eq!(
        dec.decode(b"def", &mut out).unwrap(),
        (3, BodyProgress::NeedMore)
    );
    assert!(dec.eof().is_ok());
    assert_eq!(dec.decode(b"g", &mut out).unwrap_err().status, 413);
    assert_eq!(out, b"abcdef");
}

#[test]
fn chunked_via_body_decoder() {
    let mut dec = BodyDecoder::new(BodyKind::Chunked, 100);
    let mut out = Vec::new();
    assert_eq!(
        dec.decode(b"2\r\nhi\r\n", &mut out).unwrap().1,
        BodyProgress::NeedMore
    );
    assert!(dec.eof().is_err());
    assert_eq!(
        dec.decode(b"0\r\n\r\n", &mut out).unwrap().1,
        BodyProgress::Done
    );
    assert!(dec.eof().is_ok());
    assert_eq!(out, b"hi");
}
