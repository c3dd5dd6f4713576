//! Property tests for `evloop::codec`: whatever way TCP cuts or glues the
//! stream, the codecs must hand back exactly the messages that were sent,
//! and exactly what a tiny reference model of each framing rule says.
//!
//! Each test feeds chunks the way the reactor does: append the chunk to a
//! buffer, run `decode_all` over the whole unconsumed buffer, drain the
//! consumed prefix, repeat. Comparing the codec only with itself (chunked
//! against whole) would let a codec that is consistently wrong pass, so the
//! results are also checked against `line_model` / `length_model` below
//! (written from the rules, not from the codecs: no scan position, no
//! window, whole input at once) and against invariants that hold for any
//! input: no frame over the limit, no delimiter inside a line frame, the
//! consumed bytes are exactly the frames re-encoded, and an error exactly
//! when a line or a declared length is over the limit.

use evloop::codec::{decode_all, Codec, FramingError, LengthCodec, LineCodec};
use proptest::prelude::*;
use proptest::sample::Index;

/// How the encoded stream is cut into reads.
#[derive(Debug, Clone)]
enum Chunking {
    /// Everything in one read: all messages glued together ("coalescing").
    Whole,
    /// One byte per read: the worst case for re-scanning.
    Bytewise,
    /// Cuts at random positions (duplicates collapse, so chunks are never empty).
    Cuts(Vec<Index>),
}

fn chunking() -> impl Strategy<Value = Chunking> {
    prop_oneof![
        1 => Just(Chunking::Whole),
        1 => Just(Chunking::Bytewise),
        4 => prop::collection::vec(any::<Index>(), 0..40).prop_map(Chunking::Cuts),
    ]
}

fn split<'s>(stream: &'s [u8], chunking: &Chunking) -> Vec<&'s [u8]> {
    match chunking {
        Chunking::Whole => vec![stream],
        Chunking::Bytewise => stream.chunks(1).collect(),
        Chunking::Cuts(cuts) => {
            let mut at: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
            at.push(0);
            at.push(stream.len());
            at.sort_unstable();
            at.dedup();
            at.windows(2).map(|w| &stream[w[0]..w[1]]).collect()
        }
    }
}

/// What the reactor ends up with after feeding every chunk.
#[derive(Debug, PartialEq, Eq)]
struct Fed {
    frames: Vec<Vec<u8>>,
    /// Unconsumed bytes at the end (only meaningful when `error` is `None`).
    rest: Vec<u8>,
    error: Option<FramingError>,
}

/// Feeds `chunks` to `codec` exactly as the reactor would, stopping at the
/// first error (where the reactor would close the connection).
fn feed<C: Codec + ?Sized>(codec: &mut C, chunks: &[&[u8]]) -> Fed {
    let mut buf = Vec::new();
    let mut frames = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        match decode_all(codec, &buf, |f| frames.push(f.to_vec())) {
            Ok(used) => {
                assert!(used <= buf.len(), "consumed {used} of {} bytes", buf.len());
                buf.drain(..used);
            }
            Err(error) => {
                return Fed {
                    frames,
                    rest: buf,
                    error: Some(error),
                }
            }
        }
    }
    Fed {
        frames,
        rest: buf,
        error: None,
    }
}

#[track_caller]
fn assert_round_trip(codec: &mut dyn Codec, payloads: &[Vec<u8>], chunking: &Chunking) {
    let mut stream = Vec::new();
    for payload in payloads {
        codec.encode(payload, &mut stream);
    }
    let fed = feed(codec, &split(&stream, chunking));
    assert_eq!(fed.error, None);
    assert_eq!(fed.frames, payloads, "frames differ from what was sent");
    assert!(fed.rest.is_empty(), "{} bytes left over", fed.rest.len());
}

/// Reshapes a uniform random byte so that about a third are `\n`, `\r` or
/// zero: the bytes framing cares about (zeros make small length prefixes
/// likely). Mapping plain bytes is much cheaper to generate and shrink than a
/// per-byte `prop_oneof!`, which keeps the tests fast in debug builds.
fn bias(b: u8) -> u8 {
    match b {
        0..=31 => b'\n',
        32..=63 => b'\r',
        64..=95 => 0,
        _ => b,
    }
}

/// Payloads a `LineCodec` can carry: no `\n`, no trailing `\r` (it would be
/// stripped as part of a `\r\n`).
fn line_payloads() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let payload = prop::collection::vec(any::<u8>(), 0..300).prop_map(|mut p| {
        for b in &mut p {
            *b = match bias(*b) {
                b'\n' => b'x',
                other => other,
            };
        }
        while p.last() == Some(&b'\r') {
            p.pop();
        }
        p
    });
    prop::collection::vec(payload, 0..40)
}

fn any_payloads() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..40)
}

/// Random bytes, biased towards the ones framing cares about.
fn noise() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..1500).prop_map(|v| v.into_iter().map(bias).collect())
}

/// The line rule, written from scratch over the whole stream: a frame ends
/// at each `\n`; its payload is the line minus one trailing `\r`; a payload
/// over `max` is an error. An unterminated tail is an error once no `\n` can
/// save it: over `max` bytes, unless it is `max` bytes and then a `\r`.
fn line_model(stream: &[u8], max: usize) -> Fed {
    let mut frames = Vec::new();
    let mut rest = stream;
    let too_long = |frames| Fed {
        frames,
        rest: Vec::new(),
        error: Some(FramingError::LineTooLong { limit: max }),
    };
    while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
        let line = &rest[..nl];
        let payload = line.strip_suffix(b"\r").unwrap_or(line);
        if payload.len() > max {
            return too_long(frames);
        }
        frames.push(payload.to_vec());
        rest = &rest[nl + 1..];
    }
    let cr_at_max = rest.len() == max + 1 && rest[max] == b'\r';
    if rest.len() > max && !cr_at_max {
        return too_long(frames);
    }
    Fed {
        frames,
        rest: rest.to_vec(),
        error: None,
    }
}

/// The length rule, from scratch: 4 bytes big-endian, then that many bytes;
/// a declared length over `max` is an error as soon as the 4 bytes are in.
fn length_model(stream: &[u8], max: usize) -> Fed {
    let mut frames = Vec::new();
    let mut rest = stream;
    while rest.len() >= 4 {
        let declared = rest[..4].iter().fold(0u64, |n, &b| n << 8 | u64::from(b));
        if declared > max as u64 {
            let error = Some(FramingError::FrameTooLarge {
                declared,
                limit: max,
            });
            return Fed {
                frames,
                rest: Vec::new(),
                error,
            };
        }
        let end = 4 + declared as usize;
        if rest.len() < end {
            break;
        }
        frames.push(rest[4..end].to_vec());
        rest = &rest[end..];
    }
    Fed {
        frames,
        rest: rest.to_vec(),
        error: None,
    }
}

/// The model encoder for the length rule: the prefix byte by byte.
fn length_model_encode(payloads: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in payloads {
        let n = p.len();
        out.extend([(n >> 24) as u8, (n >> 16) as u8, (n >> 8) as u8, n as u8]);
        out.extend_from_slice(p);
    }
    out
}

/// Holds for any input: no frame over `max`, none holding a `\n`, and (when
/// decoding went through) the consumed bytes are exactly the frames, each
/// followed by `\n` or `\r\n`.
#[track_caller]
fn assert_line_invariants(stream: &[u8], fed: &Fed, max: usize) {
    for frame in &fed.frames {
        assert!(
            frame.len() <= max,
            "a {}-byte frame, limit {max}",
            frame.len()
        );
        assert!(
            !frame.contains(&b'\n'),
            "a frame holds a newline: {frame:?}"
        );
    }
    if fed.error.is_some() {
        return;
    }
    let mut consumed = &stream[..stream.len() - fed.rest.len()];
    for frame in &fed.frames {
        let after = consumed
            .strip_prefix(&frame[..])
            .expect("frame is the next bytes");
        consumed = after
            .strip_prefix(b"\n")
            .or_else(|| after.strip_prefix(b"\r\n"))
            .expect("a frame ends at a newline");
    }
    assert!(
        consumed.is_empty(),
        "{} consumed bytes are in no frame",
        consumed.len()
    );
    assert!(!fed.rest.contains(&b'\n'), "an undecoded line is left over");
}

/// Holds for any input: no frame over `max`, and (when decoding went
/// through) the consumed bytes are exactly the frames, each with its prefix.
#[track_caller]
fn assert_length_invariants(stream: &[u8], fed: &Fed, max: usize) {
    for frame in &fed.frames {
        assert!(
            frame.len() <= max,
            "a {}-byte frame, limit {max}",
            frame.len()
        );
    }
    if fed.error.is_none() {
        let consumed = &stream[..stream.len() - fed.rest.len()];
        assert_eq!(consumed, length_model_encode(&fed.frames), "consumed bytes");
    }
}

/// A length-prefixed stream: well-formed frames (some over a small limit),
/// then a few bytes overwritten with noise and maybe the end cut off.
fn length_stream() -> impl Strategy<Value = Vec<u8>> {
    (
        any_payloads(),
        prop::collection::vec((any::<Index>(), any::<u8>()), 0..3),
        any::<Index>(),
    )
        .prop_map(|(payloads, hits, cut)| {
            let mut stream = length_model_encode(&payloads);
            if !stream.is_empty() {
                for (at, b) in hits {
                    let at = at.index(stream.len());
                    stream[at] = bias(b);
                }
                stream.truncate(cut.index(stream.len() + 1).max(stream.len() / 2));
            }
            stream
        })
}

proptest! {
    #[test]
    fn line_codec_round_trips_under_any_chunking(
        payloads in line_payloads(),
        chunking in chunking(),
    ) {
        assert_round_trip(&mut LineCodec::new(), &payloads, &chunking);
        // 299 is the longest generated payload: exercise the exact limit too.
        assert_round_trip(&mut LineCodec::with_max_len(299), &payloads, &chunking);
    }

    #[test]
    fn length_codec_round_trips_under_any_chunking(
        payloads in any_payloads(),
        chunking in chunking(),
    ) {
        assert_round_trip(&mut LengthCodec::new(), &payloads, &chunking);
        assert_round_trip(&mut LengthCodec::with_max_frame(299), &payloads, &chunking);
    }

    /// On arbitrary bytes, however chunked, the line codec gives what the
    /// model gives: the same frames, the same error (an error exactly when a
    /// line is over the limit), the same leftover; and the invariants hold.
    #[test]
    fn line_codec_agrees_with_the_model(
        bytes in noise(),
        chunking in chunking(),
        max in prop_oneof![0..64usize, Just(LineCodec::DEFAULT_MAX_LEN)],
    ) {
        let fed = feed(&mut LineCodec::with_max_len(max), &split(&bytes, &chunking));
        let model = line_model(&bytes, max);
        prop_assert_eq!(&fed.frames, &model.frames);
        prop_assert_eq!(&fed.error, &model.error);
        if model.error.is_none() {
            prop_assert_eq!(&fed.rest, &model.rest);
        }
        assert_line_invariants(&bytes, &fed, max);
    }

    /// The same for the length codec, on streams of mostly well-formed
    /// frames (noise alone almost never declares a small length).
    #[test]
    fn length_codec_agrees_with_the_model(
        bytes in length_stream(),
        chunking in chunking(),
        max in prop_oneof![0..300usize, Just(LengthCodec::DEFAULT_MAX_FRAME)],
    ) {
        let fed = feed(&mut LengthCodec::with_max_frame(max), &split(&bytes, &chunking));
        let model = length_model(&bytes, max);
        prop_assert_eq!(&fed.frames, &model.frames);
        prop_assert_eq!(&fed.error, &model.error);
        if model.error.is_none() {
            prop_assert_eq!(&fed.rest, &model.rest);
        }
        assert_length_invariants(&bytes, &fed, max);
    }

    /// Both encoders write what the models write, and the models decode the
    /// codecs' streams back to the payloads (and the other way round, above).
    #[test]
    fn encoders_agree_with_the_models(payloads in any_payloads(), lines in line_payloads()) {
        let mut stream = Vec::new();
        for p in &payloads {
            LengthCodec::new().encode(p, &mut stream);
        }
        prop_assert_eq!(&stream, &length_model_encode(&payloads));
        prop_assert_eq!(length_model(&stream, 300).frames, payloads.clone());
        let mut checked = Vec::new();
        for p in &payloads {
            prop_assert_eq!(LengthCodec::with_max_frame(299).try_encode(p, &mut checked), Ok(()));
        }
        prop_assert_eq!(&checked, &stream);

        let mut stream = Vec::new();
        for p in &lines {
            LineCodec::new().encode(p, &mut stream);
        }
        let model: Vec<u8> = lines.iter().flat_map(|p| p.iter().chain(b"\n")).copied().collect();
        prop_assert_eq!(&stream, &model);
        prop_assert_eq!(line_model(&stream, 299).frames, lines);
    }
}
