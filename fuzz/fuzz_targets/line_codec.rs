//! Fuzz `LineCodec` fed the way the reactor feeds it (see feed.rs): never a
//! panic, never more consumed than given, and the same frames (and error)
//! whatever the read size.
#![no_main]

mod feed;

use evloop::codec::LineCodec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| feed::check(|| LineCodec::with_max_len(64), data));
