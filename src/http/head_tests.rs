//! Unit tests for `head.rs`, kept in their own file so the parser source stays short.

use super::*;

#[test]
fn trim_ows_strips_both_ends() {
    assert_eq!(trim_ows(b" \t a b\t "), b"a b");
    assert_eq!(trim_ows(b"   "), b"");
    assert_eq!(trim_ows(b""), b"");
}

#[test]
fn clean_scan_agrees_with_the_exact_scan() {
    // Every string over a small alphabet, up to 8 bytes, with tiny limits
    // so the length rules are exercised too. Both directions: whenever
    // the exact scan finds a clean head, the fast scan must find it too
    // (a fast scan that always said "no" would otherwise pass).
    let alphabet = [b'a', b'\r', b'\n', 0, 0x80];
    let mut found = 0;
    for max_request_line in [2, 4, 64] {
        let limits = Limits {
            max_request_line,
            max_head: 7,
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
                    let window = buf.get(..limits.max_head).unwrap_or(&buf);
                    let clean = scan_clean_head(window, &limits, &rules);
                    let exact = scan_exact(&buf, &limits, &rules, &mut HeadScan::new());
                    match exact {
                        Ok(Some(end)) => assert_eq!(clean, Some(end), "{buf:?}"),
                        _ => assert_eq!(clean, None, "{buf:?}: exact said {exact:?}"),
                    }
                    found += usize::from(clean.is_some());
                }
            }
        }
    }
    assert!(found > 100, "only {found} clean heads in the sample");
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

#[test]
fn content_length_element_parsing() {
    assert_eq!(parse_content_length(b"0"), Some(0));
    assert_eq!(parse_content_length(b"0012"), Some(12));
    assert_eq!(
        parse_content_length(b"18446744073709551615"),
        Some(u64::MAX)
    );
    assert_eq!(parse_content_length(b"18446744073709551616"), None);
    assert_eq!(parse_content_length(b"+1"), None);
    assert_eq!(parse_content_length(b"1 2"), None);
    assert_eq!(parse_content_length(b""), None);
}
