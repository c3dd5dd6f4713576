//! Regression (issue 12 item 11): a head trickled in small reads was
//! rescanned from byte 0 on every read, so a 16 KiB head sent one byte per
//! read cost over 500 times the work of the same head in 512-byte reads.
//! The scan now goes on where it stopped. Work is counted in bytes examined
//! (`HeadScan::bytes_examined`), not in time, and must stay proportional to
//! the head's length however it is split.

use evloop::http::{parse_request_resume, HeadScan, Limits, Parsed};

/// A valid head of about `len` bytes: many header lines.
fn long_head(len: usize) -> Vec<u8> {
    let mut head = b"GET /go HTTP/1.1\r\nHost: x\r\n".to_vec();
    let mut i = 0;
    while head.len() + 40 < len {
        head.extend_from_slice(format!("X-Filler-{i:04}: abcdefghijklmnopqrst\r\n").as_bytes());
        i += 1;
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// Bytes examined to parse `head` delivered `step` bytes per read, the way
/// the server sees it: the whole head so far, once per read.
fn work(head: &[u8], step: usize) -> u64 {
    let limits = Limits::default();
    let mut slots = vec![httparse::EMPTY_HEADER; limits.max_headers * 8];
    let mut scan = HeadScan::new();
    let big = Limits {
        max_headers: slots.len(),
        ..limits
    };
    let mut end = 0;
    loop {
        end = (end + step).min(head.len());
        match parse_request_resume(&head[..end], &big, &mut slots, &mut scan) {
            Ok(Parsed::Incomplete) => assert!(end < head.len(), "whole head incomplete"),
            Ok(Parsed::Complete { len, .. }) => {
                assert_eq!((end, len), (head.len(), head.len()));
                return scan.bytes_examined();
            }
            Err(e) => panic!("valid head refused: {e}"),
        }
    }
}

#[test]
fn work_per_byte_does_not_grow_with_the_head_length() {
    for len in [1024, 4096, 16_000] {
        let head = long_head(len);
        let trickled = work(&head, 1);
        let batched = work(&head, 512);
        let n = head.len() as u64;
        // Each byte is examined once (the scan resumes where the last read
        // stopped), never once per read; 3n leaves room for a change of
        // method, not for a quadratic one.
        assert!(
            trickled <= 3 * n,
            "{n}-byte head in 1-byte reads: {trickled} bytes examined"
        );
        assert!(
            batched <= 3 * n,
            "{n}-byte head in 512-byte reads: {batched} bytes examined"
        );
    }
}

#[test]
fn one_scan_state_serves_many_heads_in_a_row() {
    // After a complete head the state starts over for the next one.
    let head = long_head(2048);
    let limits = Limits {
        max_headers: 128,
        ..Limits::default()
    };
    let mut slots = vec![httparse::EMPTY_HEADER; 128];
    let mut scan = HeadScan::new();
    for _ in 0..3 {
        for end in 1..=head.len() {
            let got = parse_request_resume(&head[..end], &limits, &mut slots, &mut scan);
            match got {
                Ok(Parsed::Incomplete) => assert!(end < head.len()),
                Ok(Parsed::Complete { len, .. }) => assert_eq!(len, head.len()),
                Err(e) => panic!("{e}"),
            }
        }
    }
    assert!(scan.bytes_examined() <= 3 * 3 * head.len() as u64);
}
