//! Fuzz the HTTP head parsers: any bytes give a head, "incomplete" or an
//! error with a status, never a panic, and a complete head never claims more
//! bytes than it was given. Small limits make the limit paths reachable.
#![no_main]

use evloop::http::{parse_request_head, parse_response_head, Limits, Parsed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for limits in [
        Limits::default(),
        Limits {
            max_request_line: 32,
            max_head: 128,
            max_headers: 4,
            max_body: 64,
        },
    ] {
        if let Ok(Parsed::Complete { len, .. }) = parse_request_head(data, &limits) {
            assert!(len <= data.len());
        }
        for was_head in [false, true] {
            if let Ok(Parsed::Complete { len, .. }) = parse_response_head(data, was_head, &limits) {
                assert!(len <= data.len());
            }
        }
    }
});
