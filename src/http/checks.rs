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
pub(crate) fn origin_form(target: &str) -> Result<&str, HttpError> {
    if target.starts_with('/') || target == "*" {
        return Ok(target);
    }
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

/// HTTP/1.1 requires exactly one Host header (RFC 9112 section 3.2), whose
/// value is `uri-host [ ":" port ]`; HTTP/1.0 may omit it.
pub(crate) fn check_host(req: &Request<'_>) -> Result<(), HttpError> {
    let mut hosts = req
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("host"));
    match (hosts.next(), hosts.next()) {
        (None, _) if req.minor_version >= 1 => Err(HttpError::bad_request("missing Host header")),
        (None, _) => Ok(()),
        (Some(_), Some(_)) => Err(HttpError::bad_request("more than one Host header")),
        (Some(h), None) if valid_host(h.value) => Ok(()),
        (Some(_), None) => Err(HttpError::bad_request("invalid Host header")),
    }
}

/// `uri-host [ ":" port ]` (RFC 3986): a reg-name or IPv4 address of
/// unreserved, percent and sub-delim characters, or an IP literal in
/// brackets; the port is digits only. Empty is allowed (a client sends an
/// empty Host when the target has no authority). Spaces, `/`, `@` and any
/// other byte fail: they are how a request smuggles a second authority.
pub(crate) fn valid_host(value: &[u8]) -> bool {
    let (host, port) = if let Some(inner) = value.strip_prefix(b"[") {
        let Some(close) = inner.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = &inner[..close];
        let ip_char = |b: &u8| b.is_ascii_hexdigit() || b":.vV".contains(b);
        if literal.is_empty() || !literal.iter().all(ip_char) {
            return false;
        }
        match &inner[close + 1..] {
            [] => (&[][..], None),
            [b':', port @ ..] => (&[][..], Some(port)),
            _ => return false,
        }
    } else {
        match value.iter().rposition(|&b| b == b':') {
            Some(i) => (&value[..i], Some(&value[i + 1..])),
            None => (value, None),
        }
    };
    let reg_char = |b: &u8| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(b);
    host.iter().all(reg_char) && port.is_none_or(|p| p.iter().all(u8::is_ascii_digit))
}

/// The only expectation defined is `100-continue`; any other gets 417
/// (RFC 9110 section 10.1.1).
pub(crate) fn check_expect(req: &Request<'_>) -> Result<(), HttpError> {
    for h in req.headers {
        if h.name.eq_ignore_ascii_case("expect") && !h.value.eq_ignore_ascii_case(b"100-continue") {
            return Err(HttpError::new(417, "unsupported expectation"));
        }
    }
    Ok(())
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
