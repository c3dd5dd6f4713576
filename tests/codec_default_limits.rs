//! The codecs' default limits are the ones the README documents: a line of
//! up to 64 KiB (65,536 bytes of payload) and a length-prefixed frame of up
//! to 1 MiB. Exactly the limit decodes; one byte more is refused. (Other
//! tests use `DEFAULT_MAX_LEN` / `DEFAULT_MAX_FRAME` symbolically, so they
//! would not notice the constants themselves changing.)
use evloop::codec::{decode_all, Codec, FramingError, LengthCodec, LineCodec};

const LINE_LIMIT: usize = 64 * 1024;
const FRAME_LIMIT: usize = 1024 * 1024;

#[track_caller]
fn decode(codec: &mut dyn Codec, input: &[u8]) -> Result<Vec<usize>, FramingError> {
    let mut sizes = Vec::new();
    decode_all(codec, input, |f| sizes.push(f.len()))?;
    Ok(sizes)
}

#[test]
fn a_default_line_codec_takes_64_kib_lines_and_refuses_longer_ones() {
    let mut at_limit = vec![b'a'; LINE_LIMIT];
    at_limit.extend_from_slice(b"\r\n");
    assert_eq!(
        decode(&mut LineCodec::new(), &at_limit),
        Ok(vec![LINE_LIMIT])
    );
    let over = vec![b'a'; LINE_LIMIT + 1];
    assert_eq!(
        decode(&mut LineCodec::default(), &over),
        Err(FramingError::LineTooLong { limit: LINE_LIMIT })
    );
    assert_eq!(LineCodec::new().max_len(), LINE_LIMIT);
}

#[test]
fn a_default_length_codec_takes_1_mib_frames_and_refuses_larger_ones() {
    let mut stream = Vec::new();
    LengthCodec::new().encode(&vec![7; FRAME_LIMIT], &mut stream);
    assert_eq!(
        decode(&mut LengthCodec::new(), &stream),
        Ok(vec![FRAME_LIMIT])
    );
    let over = u32::try_from(FRAME_LIMIT + 1).unwrap().to_be_bytes();
    assert_eq!(
        decode(&mut LengthCodec::default(), &over),
        Err(FramingError::FrameTooLarge {
            declared: FRAME_LIMIT as u64 + 1,
            limit: FRAME_LIMIT
        })
    );
    assert_eq!(LengthCodec::new().max_frame(), FRAME_LIMIT);
}
