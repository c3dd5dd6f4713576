//! Helpers shared by request and response head parsing: converting
//! httparse headers into owned form, and deciding body framing and
//! connection persistence from the header fields. Finding where a head ends
//! (the size limits and the byte-level strictness rules) is `scan.rs`.
//!
//! This file does NOT parse the start line or the header syntax itself; that
//! is httparse's job, called from `request.rs` and `response.rs`.

use super::{BodyKind, HttpError};

/// Maps an httparse error to our error: too many headers is a size problem
/// (431), everything else is malformed syntax (400).
pub(crate) fn map_httparse_error(e: httparse::Error) -> HttpError {
    match e {
        httparse::Error::TooManyHeaders => HttpError::new(431, "too many header fields"),
        other => HttpError::bad_request(format!("malformed head: {other}")),
    }
}

/// A header field, borrowed (httparse's `Header`) or owned (`(String, Vec<u8>)`),
/// so the framing rules below are written once for both forms.
pub(crate) trait Field {
    /// The field name as sent.
    fn name(&self) -> &str;
    /// The raw field value.
    fn value(&self) -> &[u8];
}

impl Field for httparse::Header<'_> {
    fn name(&self) -> &str {
        self.name
    }
    fn value(&self) -> &[u8] {
        self.value
    }
}

impl Field for (String, Vec<u8>) {
    fn name(&self) -> &str {
        &self.0
    }
    fn value(&self) -> &[u8] {
        &self.1
    }
}

/// Copies httparse's borrowed headers into owned form. Values stay bytes
/// because they may legally contain obs-text (0x80-0xFF).
pub(crate) fn owned_headers(headers: &[httparse::Header<'_>]) -> Vec<(String, Vec<u8>)> {
    headers
        .iter()
        .map(|h| (h.name.to_string(), h.value.to_vec()))
        .collect()
}

/// The value of the first header named `name` (case-insensitive).
pub(crate) fn find_header<'a, F: Field>(headers: &'a [F], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|f| f.name().eq_ignore_ascii_case(name))
        .map(|f| f.value())
}

/// Strips optional whitespace (SP / HTAB) from both ends.
fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// All comma-separated elements of every field named `name`, trimmed.
/// Several fields with the same name are equivalent to one comma-joined
/// field (RFC 9110 section 5.3), so they are flattened together.
fn list_elements<'a, F: Field>(
    headers: &'a [F],
    name: &'a str,
) -> impl Iterator<Item = &'a [u8]> + 'a {
    headers
        .iter()
        .filter(move |f| f.name().eq_ignore_ascii_case(name))
        .flat_map(|f| f.value().split(|&b| b == b','))
        .map(trim_ows)
}

/// Parses one Content-Length element: ASCII digits only, no sign, no
/// whitespace inside, must fit in u64.
fn parse_content_length(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u64, |acc, &b| {
        if b.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// Whether any field is one [`body_framing`] or [`keep_alive`] looks at
/// (Transfer-Encoding, Content-Length, Connection). Most requests have
/// none, and then both answers are known without walking the fields again.
pub(crate) fn has_framing_fields<F: Field>(headers: &[F]) -> bool {
    headers.iter().any(|f| {
        let name = f.name();
        // The length first: most names are ruled out without comparing.
        match name.len() {
            17 => name.eq_ignore_ascii_case("transfer-encoding"),
            14 => name.eq_ignore_ascii_case("content-length"),
            10 => name.eq_ignore_ascii_case("connection"),
            _ => false,
        }
    })
}

/// Decides body framing from Transfer-Encoding / Content-Length.
///
/// Returns `BodyKind::None` when neither header is present; the caller
/// decides what that means (no body for requests, read-until-close for
/// responses).
pub(crate) fn body_framing<F: Field>(
    headers: &[F],
    minor_version: u8,
    max_body: usize,
) -> Result<BodyKind, HttpError> {
    let has = |name: &str| headers.iter().any(|f| f.name().eq_ignore_ascii_case(name));
    let has_te = has("transfer-encoding");
    let has_cl = has("content-length");
    // Both present is the classic smuggling vector: two parsers on the path
    // may pick different ones, so refuse instead of picking one.
    if has_te && has_cl {
        return Err(HttpError::bad_request(
            "both Content-Length and Transfer-Encoding present",
        ));
    }
    if has_te {
        // RFC 9112 section 6.1: Transfer-Encoding in HTTP/1.0 must be
        // treated as faulty framing.
        if minor_version == 0 {
            return Err(HttpError::bad_request("Transfer-Encoding in HTTP/1.0"));
        }
        // Empty list elements are legal and ignored (RFC 9110 section 5.6.1).
        let mut codings = list_elements(headers, "transfer-encoding").filter(|c| !c.is_empty());
        return match (codings.next(), codings.next()) {
            (None, _) => Err(HttpError::bad_request("empty Transfer-Encoding")),
            (Some(c), None) if c.eq_ignore_ascii_case(b"chunked") => Ok(BodyKind::Chunked),
            _ => Err(HttpError::new(501, "unsupported transfer coding")),
        };
    }
    if has_cl {
        let mut length: Option<u64> = None;
        for element in list_elements(headers, "content-length") {
            let value = parse_content_length(element)
                .ok_or_else(|| HttpError::bad_request("invalid Content-Length"))?;
            match length {
                Some(prev) if prev != value => {
                    return Err(HttpError::bad_request("conflicting Content-Length values"));
                }
                _ => length = Some(value),
            }
        }
        let length = length.ok_or_else(|| HttpError::bad_request("invalid Content-Length"))?;
        if length > u64::try_from(max_body).unwrap_or(u64::MAX) {
            return Err(HttpError::new(413, "body larger than the limit"));
        }
        return Ok(BodyKind::Length(length));
    }
    Ok(BodyKind::None)
}

/// Whether the connection persists after this message: HTTP/1.1 defaults to
/// keep-alive unless `Connection: close`; HTTP/1.0 defaults to close unless
/// `Connection: keep-alive`. `close` wins if both tokens appear.
pub(crate) fn keep_alive<F: Field>(headers: &[F], minor_version: u8) -> bool {
    let mut close = false;
    let mut keep = false;
    for token in list_elements(headers, "connection") {
        close |= token.eq_ignore_ascii_case(b"close");
        keep |= token.eq_ignore_ascii_case(b"keep-alive");
    }
    !close && (minor_version >= 1 || keep)
}

#[cfg(test)]
#[path = "head_tests.rs"]
mod tests;
