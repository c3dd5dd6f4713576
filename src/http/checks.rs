//! The request rules an origin server applies after the head parsed: the
//! request target's form, the `Host` header, methods the handler does not
//! serve, and `Expect` (RFC 9110 and RFC 9112 section 3).
//!
//! This file owns those decisions as pure functions from a head to "go on"
//! or an [`HttpError`]. It does NOT parse bytes (`request.rs`), route, or
//! write responses (`server.rs` and `reply.rs` do, from its verdicts).

use super::{HttpError, Request};

/// The methods RFC 9110 (and RFC 5789's PATCH) define. A method the handler
/// does not serve gets 405 with `Allow` if it is one of these, else 501.
pub(crate) const KNOWN_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// The path and query of a request target: origin-form (`/go?x`) is
/// returned as it is, and absolute-form (`http://host/go?x`, which RFC 9112
/// section 3.2.2 says a server must accept) loses its scheme and authority
/// (`/go?x`, or `/` when it has no path). Authority-form (CONNECT's
/// `host:port`) and asterisk-form (`*`) are returned unchanged.
#[inline]
pub(crate) fn origin_form(target: &str) -> Result<&str, HttpError> {
    if target.starts_with('/') || target == "*" {
        return Ok(target);
    }
    absolute_form(target)
}

/// [`origin_form`] of any other target, out of line: rare.
fn absolute_form(target: &str) -> Result<&str, HttpError> {
    let Some((scheme, rest)) = target.split_once("://") else {
        return Ok(target); // authority-form: only CONNECT may use it
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(HttpError::bad_request(
            "unsupported scheme in request target",
        ));
    }
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    if !valid_host(authority.as_bytes()) || authority.is_empty() {
        return Err(HttpError::bad_request(
            "invalid authority in request target",
        ));
    }
    Ok(match path {
        "" => "/",
        p if p.starts_with('?') => "/", // "http://h?q": the query of "/"; rare, and dropped
        p => p,
    })
}

/// The last Host value [`check_host_and_expect`] found valid, kept by the server:
/// clients send the same Host on every request (a server has one name, or
/// a few), and comparing with it is cheaper than checking its bytes again.
/// Validity depends on the bytes only, so an equal value is valid too.
#[derive(Debug, Default)]
pub(crate) struct KnownHost(Vec<u8>);

/// Longer valid values are not remembered (they are checked every time).
const KNOWN_HOST_MAX: usize = 255;

impl KnownHost {
    /// Whether `value` is a valid Host value (see [`valid_host`]).
    #[inline]
    fn valid(&mut self, value: &[u8]) -> bool {
        if !self.0.is_empty() && self.0 == value {
            return true;
        }
        let ok = valid_host(value);
        if ok && !value.is_empty() && value.len() <= KNOWN_HOST_MAX {
            self.0.clear();
            self.0.extend_from_slice(value);
        }
        ok
    }
}

/// The Host and Expect rules, in one pass over the fields (Host first):
///
/// HTTP/1.1 requires exactly one Host header (RFC 9112 section 3.2), whose
/// value is `uri-host [ ":" port ]`; HTTP/1.0 may omit it.
///
/// The only expectation defined is `100-continue`; any other gets 417
/// (RFC 9110 section 10.1.1).
#[inline]
pub(crate) fn check_host_and_expect(
    req: &Request<'_>,
    known: &mut KnownHost,
) -> Result<(), HttpError> {
    let (mut host, mut hosts, mut bad_expect) = (None, 0, false);
    for h in req.headers {
        if name_is(h.name, b"host") {
            host = host.or(Some(h.value));
            hosts += 1;
        } else if name_is(h.name, b"expect") {
            bad_expect |= !h.value.eq_ignore_ascii_case(b"100-continue");
        }
    }
    match host {
        None if req.minor_version >= 1 => Err(HttpError::bad_request("missing Host header")),
        Some(_) if hosts > 1 => Err(HttpError::bad_request("more than one Host header")),
        Some(value) if !known.valid(value) => Err(HttpError::bad_request("invalid Host header")),
        _ if bad_expect => Err(HttpError::new(417, "unsupported expectation")),
        _ => Ok(()),
    }
}

/// Whether `name` is `letters` (lowercase ASCII letters only), ignoring
/// case. For letters, setting bit 5 lowercases, and only the two cases of a
/// letter have that bit set to the letter: one OR and compare a byte, no
/// branch (the checks here run on every field of every request).
#[inline]
fn name_is<const N: usize>(name: &str, letters: &[u8; N]) -> bool {
    debug_assert!(letters.iter().all(u8::is_ascii_lowercase));
    name.as_bytes()
        .first_chunk::<N>()
        .is_some_and(|name_bytes| {
            name.len() == N
                && name_bytes
                    .iter()
                    .zip(letters)
                    .fold(true, |same, (a, b)| same & (a | 0x20 == *b))
        })
}

/// `uri-host [ ":" port ]` (RFC 3986): a reg-name or IPv4 address of
/// unreserved, percent and sub-delim characters, or an IP literal in
/// brackets; the port is digits only. Empty is allowed (a client sends an
/// empty Host when the target has no authority). Spaces, `/`, `@` and any
/// other byte fail: they are how a request smuggles a second authority.
pub(crate) fn valid_host(value: &[u8]) -> bool {
    let digits = |port: &[u8]| port.iter().all(u8::is_ascii_digit);
    if let Some(inner) = value.strip_prefix(b"[") {
        let Some(close) = inner.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = &inner[..close];
        let ip_char = |b: &u8| b.is_ascii_hexdigit() || b":.vV".contains(b);
        if literal.is_empty() || !literal.iter().all(ip_char) {
            return false;
        }
        return match &inner[close + 1..] {
            [] => true,
            [b':', port @ ..] => digits(port),
            _ => false,
        };
    }
    // The host is what precedes the last `:`; a `:` is not a reg-name
    // byte, so the first byte that is not one must be that `:` (or there
    // is none), with only port digits after it. One pass, one table look-up
    // a byte, eight at a time without early exit while they all pass: this
    // check runs on every request.
    let reg = |b: &u8| REG_CHAR[usize::from(*b)];
    let (words, _) = value.as_chunks::<8>();
    let skip = 8 * words
        .iter()
        .take_while(|w| w.iter().fold(true, |all, b| all & reg(b)))
        .count();
    let rest = &value[skip..];
    match rest.iter().position(|b| !reg(b)) {
        None => true,
        Some(colon) => rest[colon] == b':' && digits(&rest[colon + 1..]),
    }
}

/// The bytes of a reg-name or IPv4 address: unreserved, `%` (of
/// pct-encoded) and sub-delims (RFC 3986 section 3.2.2).
const REG_CHAR: [bool; 256] = byte_set(b"-._~%!$&'()*+,;=");

/// The bytes of a token, such as a field name (RFC 9110 section 5.6.2):
/// response header names (`response.rs`) and trailer names (`body.rs`).
pub(crate) const TCHAR: [bool; 256] = byte_set(b"!#$%&'*+-.^_`|~");

/// Flags (bit 7 of each byte) the bytes of the little-endian word `x` that
/// are below `n` (n ≤ 0x80): the classic "has a byte less than n" trick.
/// Whether any flag is set is exact, and so is the lowest flag (a borrow
/// only flags bytes above a real hit); the higher ones may be false.
#[inline]
pub(crate) fn bytes_below(x: u64, n: u8) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS
}

/// A look-up table of the ASCII letters and digits plus `extra`.
pub(crate) const fn byte_set(extra: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut b = 0;
    while b < 256 {
        set[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        set[extra[i] as usize] = true;
        i += 1;
    }
    set
}

/// Does the request ask for `100 Continue`? (Only HTTP/1.1 may.)
pub(crate) fn expects_continue(req: &Request<'_>) -> bool {
    req.minor_version == 1 && req.header("expect").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_values() {
        for ok in [
            &b""[..],
            b"example.com",
            b"example.com:8080",
            b"127.0.0.1:9000",
            b"[::1]:9000",
            b"[::1]",
            b"a-b_c~d%20",
            b"host:",
        ] {
            assert!(valid_host(ok), "{:?}", String::from_utf8_lossy(ok));
        }
        for bad in [
            &b"exa mple.com"[..],
            b"example.com/path",
            b"user@example.com",
            b"example.com:80x",
            b"example.com:8:8",
            b"[::1",
            b"[::1]x",
            b"[]",
            b"host\t",
        ] {
            assert!(!valid_host(bad), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    /// `valid_host` as first written: split at the last `:`, then check
    /// both parts (the model of the one-pass version).
    fn two_pass_host(value: &[u8]) -> bool {
        let (host, port) = match value.iter().rposition(|&b| b == b':') {
            Some(i) => (&value[..i], Some(&value[i + 1..])),
            None => (value, None),
        };
        let reg_char = |b: &u8| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(b);
        host.iter().all(reg_char) && port.is_none_or(|p| p.iter().all(u8::is_ascii_digit))
    }

    #[test]
    fn one_pass_host_check_agrees_with_the_two_pass_one() {
        // Every string up to 5 bytes over bytes that matter (not starting
        // with `[`, the IP-literal branch both share).
        let alphabet = [b'a', b'7', b':', b'.', b'/', b'@', b' ', b'%', 0xC3, b']'];
        for len in 0..=5u32 {
            for mut n in 0..alphabet.len().pow(len) {
                let mut v = Vec::new();
                for _ in 0..len {
                    v.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                assert_eq!(valid_host(&v), two_pass_host(&v), "{v:?}");
            }
        }
    }

    #[test]
    fn letter_names_ignore_case_and_nothing_else() {
        for (name, want) in [
            ("host", true),
            ("Host", true),
            ("HOST", true),
            ("hOsT", true),
            ("hos", false),
            ("hosts", false),
            ("h0st", false),
            ("ho\u{13}t", false),
            ("", false),
        ] {
            assert_eq!(name_is(name, b"host"), want, "{name:?}");
        }
        // Every byte pair that differs only in bit 5 is one letter's two
        // cases, or not a match.
        for b in 0..=255u8 {
            let name = [b, b'o', b's', b't'];
            let Ok(name) = std::str::from_utf8(&name) else {
                continue;
            };
            assert_eq!(name_is(name, b"host"), b == b'h' || b == b'H', "{b:#x}");
        }
    }

    #[test]
    fn a_known_host_is_remembered_only_when_valid() {
        let mut known = KnownHost::default();
        assert!(known.valid(b"example.com:80"));
        assert_eq!(known.0, b"example.com:80");
        assert!(known.valid(b"example.com:80"), "from memory");
        assert!(!known.valid(b"exa mple.com"));
        assert_eq!(known.0, b"example.com:80", "an invalid value is not kept");
        assert!(!known.valid(b"example.com/x"));
        assert!(known.valid(b""), "empty is valid, never remembered");
        assert_eq!(known.0, b"example.com:80");
        let long = vec![b'a'; KNOWN_HOST_MAX + 1];
        assert!(known.valid(&long));
        assert_eq!(known.0, b"example.com:80", "too long to keep");
    }

    #[test]
    fn target_forms() {
        assert_eq!(origin_form("/go?x=1"), Ok("/go?x=1"));
        assert_eq!(origin_form("http://host/go"), Ok("/go"));
        assert_eq!(origin_form("HTTP://host:80/go?q"), Ok("/go?q"));
        assert_eq!(origin_form("http://host"), Ok("/"));
        assert_eq!(origin_form("*"), Ok("*"));
        assert_eq!(origin_form("host:443"), Ok("host:443"));
        assert_eq!(origin_form("ftp://host/x").unwrap_err().status, 400);
        assert_eq!(origin_form("http://us@er/x").unwrap_err().status, 400);
        assert_eq!(origin_form("http:///x").unwrap_err().status, 400);
    }
}
