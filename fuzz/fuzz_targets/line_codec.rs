//! Fuzz `LineCodec` fed the way the reactor feeds it: the first byte picks
//! the read size, the rest is the stream; each read is appended to a buffer,
//! `decode_all` runs over all of it, and the consumed prefix is drained.
//! Never a panic, never more consumed than given, and the frames are the
//! same as when the whole stream arrives in one read.
#![no_main]

use evloop::codec::{decode_all, LineCodec};
use libfuzzer_sys::fuzz_target;

fn feed(stream: &[u8], read: usize) -> (Vec<Vec<u8>>, bool) {
    let mut codec = LineCodec::with_max_len(64);
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

fuzz_target!(|data: &[u8]| {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    let read = usize::from(first % 32) + 1;
    assert_eq!(feed(stream, read), feed(stream, stream.len().max(1)));
});
