//! Unit tests for `head.rs`, kept in their own file so the parser source stays short.

use super::*;

#[test]
fn trim_ows_strips_both_ends() {
    assert_eq!(trim_ows(b" \t a b\t "), b"a b");
    assert_eq!(trim_ows(b"   "), b"");
    assert_eq!(trim_ows(b""), b"");
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
