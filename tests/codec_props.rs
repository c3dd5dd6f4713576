//! Property tests for `evloop::codec`: whatever way TCP cuts or glues the
//! stream, the codecs must hand back exactly the messages that were sent.
//!
//! Each test feeds chunks the way the reactor does: append the chunk to a
//! buffer, run `decode_all` over the whole unconsumed buffer, drain the
//! consumed prefix, repeat.

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

    /// Arbitrary bytes never panic, and how they are chunked never changes
    /// the frames, the error, or the leftover.
    #[test]
    fn noise_never_panics_and_chunking_does_not_matter(
        bytes in noise(),
        chunking in chunking(),
        line_max in prop_oneof![0..64usize, Just(LineCodec::DEFAULT_MAX_LEN)],
        frame_max in prop_oneof![0..256usize, Just(LengthCodec::DEFAULT_MAX_FRAME)],
    ) {
        let codecs: [(Box<dyn Codec>, Box<dyn Codec>); 2] = [
            (Box::new(LineCodec::with_max_len(line_max)), Box::new(LineCodec::with_max_len(line_max))),
            (Box::new(LengthCodec::with_max_frame(frame_max)), Box::new(LengthCodec::with_max_frame(frame_max))),
        ];
        for (mut chunked, mut whole) in codecs {
            let chunked = feed(chunked.as_mut(), &split(&bytes, &chunking));
            let whole = feed(whole.as_mut(), &[&bytes]);
            prop_assert_eq!(&chunked.frames, &whole.frames);
            prop_assert_eq!(&chunked.error, &whole.error);
            if whole.error.is_none() {
                prop_assert_eq!(&chunked.rest, &whole.rest);
            }
        }
    }

    /// Line frames carry no `\n` and respect the limit, whatever came in.
    #[test]
    fn line_frames_from_noise_are_well_formed(bytes in noise(), max in 0..64usize) {
        let fed = feed(&mut LineCodec::with_max_len(max), &[&bytes]);
        for frame in &fed.frames {
            prop_assert!(!frame.contains(&b'\n'));
            prop_assert!(frame.len() <= max);
        }
    }
}
