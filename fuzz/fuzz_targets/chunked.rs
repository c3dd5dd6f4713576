//! Fuzz the chunked body decoder: the first byte picks the read size. Never
//! a panic, never more consumed than given, all of a read consumed unless
//! the body is done, and the same body (or error status) whatever the read
//! size.
#![no_main]

use evloop::http::{BodyProgress, ChunkedDecoder};
use libfuzzer_sys::fuzz_target;

fn feed(stream: &[u8], read: usize) -> Result<(Vec<u8>, bool), u16> {
    let mut dec = ChunkedDecoder::new(4096);
    let mut out = Vec::new();
    for chunk in stream.chunks(read) {
        let (used, progress) = dec.decode(chunk, &mut out).map_err(|e| e.status)?;
        assert!(used <= chunk.len());
        if progress == BodyProgress::Done {
            return Ok((out, true));
        }
        assert_eq!(used, chunk.len());
    }
    Ok((out, false))
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    let read = usize::from(first % 32) + 1;
    let (a, b) = (feed(stream, read), feed(stream, stream.len().max(1)));
    match (&a, &b) {
        // An error may be found at a different point, but with the same status.
        (Err(x), Err(y)) => assert_eq!(x, y),
        _ => assert_eq!(a, b),
    }
});
