//! Shared by the codec fuzz targets: feed a codec the way the reactor does.
//! Each read is appended to a buffer, `decode_all` runs over all of it, and
//! the consumed prefix is drained.

use evloop::codec::{decode_all, Codec};

/// Frames decoded from `stream` arriving in reads of `read` bytes, and
/// whether it ended in a framing error. Never consumes more than it was given.
pub fn feed<C: Codec>(mut codec: C, stream: &[u8], read: usize) -> (Vec<Vec<u8>>, bool) {
    let (mut buf, mut frames) = (Vec::new(), Vec::new());
    for chunk in stream.chunks(read) {
        buf.extend_from_slice(chunk);
        match decode_all(&mut codec, &buf, |f| frames.push(f.to_vec())) {
            Ok(used) => {
                assert!(used <= buf.len());
                buf.drain(..used);
            }
            Err(_) => return (frames, true),
        }
    }
    (frames, false)
}

/// The first byte picks the read size (1–32), the rest is the stream; the
/// result must not depend on the read size.
pub fn check<C: Codec>(make: impl Fn() -> C, data: &[u8]) {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    let read = usize::from(first % 32) + 1;
    assert_eq!(
        feed(make(), stream, read),
        feed(make(), stream, stream.len().max(1))
    );
}
