//! Unit tests for `scan.rs`: the word-at-a-time scan against a byte-at-a-time
//! model of the same rules, whole and resumed.

use super::*;

/// The rules of `scan_head` one byte at a time, as they were written before
/// the word-at-a-time skip: the model the fast scan must agree with.
fn reference_scan(
    buf: &[u8],
    limits: &Limits,
    rules: &StartLineRules,
) -> Result<Option<usize>, HttpError> {
    let window = buf.get(..limits.max_head).unwrap_or(buf);
    let (mut line_start, mut in_start_line, mut prev) = (0, true, 0u8);
    for (i, &b) in window.iter().enumerate() {
        if b == 0 {
            return Err(HttpError::bad_request("NUL byte in message head"));
        }
        if prev == b'\r' && b != b'\n' {
            return Err(HttpError::bad_request("bare CR in message head"));
        }
        if b == b'\n' {
            if prev != b'\r' {
                return Err(HttpError::bad_request("bare LF in message head"));
            }
            let empty = i == line_start + 1;
            if empty && !in_start_line {
                return Ok(Some(i + 1));
            }
            in_start_line &= empty;
            line_start = i + 1;
        } else if in_start_line {
            if i + 1 - line_start >= limits.max_request_line {
                return Err(HttpError::new(rules.too_long_status, "start line too long"));
            }
            if rules.ascii_only && b >= 0x80 {
                return Err(HttpError::bad_request("non-ASCII byte in request line"));
            }
        }
        prev = b;
    }
    if buf.len() >= limits.max_head {
        return Err(HttpError::new(431, "message head too large"));
    }
    Ok(None)
}

/// `scan_head` on `buf` whole, and resumed after every read of `step`
/// bytes, must both give the reference answer.
fn check_against_reference(buf: &[u8], limits: &Limits, rules: &StartLineRules) {
    let want = reference_scan(buf, limits, rules);
    let whole = scan_head(buf, limits, rules, &mut HeadScan::new());
    assert_eq!(whole, want, "{buf:?}");
    for step in [1, 3, 9] {
        let mut scan = HeadScan::new();
        let mut got = Ok(None);
        let mut end = 0;
        while end < buf.len() {
            end = (end + step).min(buf.len());
            got = scan_head(&buf[..end], limits, rules, &mut scan);
            if !matches!(got, Ok(None)) {
                break;
            }
        }
        if !buf.is_empty() {
            assert_eq!(got, want, "{buf:?} in reads of {step}");
        }
    }
}

#[test]
fn scan_agrees_with_the_reference_on_every_short_input() {
    // Every string over a small alphabet, up to 8 bytes, with tiny limits
    // so the length rules are exercised too.
    let alphabet = [b'a', b'\r', b'\n', 0, 0x80];
    for max_request_line in [0, 1, 2, 4, 64] {
        for max_head in [7, 64] {
            let limits = Limits {
                max_request_line,
                max_head,
                ..Limits::default()
            };
            for ascii_only in [true, false] {
                let rules = StartLineRules {
                    too_long_status: 414,
                    ascii_only,
                };
                for len in 0..=8u32 {
                    for mut n in 0..alphabet.len().pow(len) {
                        let mut buf = Vec::new();
                        for _ in 0..len {
                            buf.push(alphabet[n % alphabet.len()]);
                            n /= alphabet.len();
                        }
                        check_against_reference(&buf, &limits, &rules);
                    }
                }
            }
        }
    }
}

#[test]
fn scan_agrees_with_the_reference_on_long_lines() {
    // Long runs of plain text (the word-at-a-time path) with a few special
    // bytes at pseudo-random places, under limits that fall inside words.
    let special = [b'\r', b'\n', 0, 0x80, 0xFF, b'\t', 0x0D, 0x0E, 0x7F, 0x01];
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20_000 {
        let len = (next() % 80) as usize;
        let mut buf: Vec<u8> = (0..len).map(|_| b'a' + (next() % 26) as u8).collect();
        for _ in 0..next() % 6 {
            if len > 0 {
                let at = (next() % len as u64) as usize;
                buf[at] = special[(next() % special.len() as u64) as usize];
            }
        }
        // Make the CRLFs common enough that many inputs are whole heads.
        for _ in 0..next() % 4 {
            if len > 1 {
                let at = (next() % (len as u64 - 1)) as usize;
                buf[at..at + 2].copy_from_slice(b"\r\n");
            }
        }
        let limits = Limits {
            max_request_line: 1 + (next() % 40) as usize,
            max_head: 1 + (next() % 90) as usize,
            ..Limits::default()
        };
        for ascii_only in [true, false] {
            let rules = StartLineRules {
                too_long_status: 400,
                ascii_only,
            };
            check_against_reference(&buf, &limits, &rules);
        }
    }
}

#[test]
fn a_resumed_scan_agrees_with_a_whole_one() {
    // Every split point of heads with defects at every position.
    let limits = Limits::default();
    let rules = StartLineRules {
        too_long_status: 414,
        ascii_only: true,
    };
    let good = b"\r\nGET /a HTTP/1.1\r\nHost: x\r\nX-Y: z\r\n\r\nrest";
    for i in 0..good.len() {
        for bad in [b'\n', b'\r', 0, 0x80] {
            let mut buf = good.to_vec();
            buf[i] = bad;
            let whole = scan_head(&buf, &limits, &rules, &mut HeadScan::new());
            let mut scan = HeadScan::new();
            let mut got = Ok(None);
            for end in 1..=buf.len() {
                got = scan_head(&buf[..end], &limits, &rules, &mut scan);
                if !matches!(got, Ok(None)) {
                    break;
                }
            }
            assert_eq!(got, whole, "{buf:?}");
        }
    }
}
