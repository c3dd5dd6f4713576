//! Finding where a message head ends in the bytes received so far, with
//! the size limits and the byte-level strictness rules (no NUL, no bare CR
//! or LF, an ASCII request line of bounded length) applied on the way, and
//! resumable across reads ([`HeadScan`]).
//!
//! This file does NOT parse the start line or the fields (httparse does,
//! once a head is complete; see `request.rs` and `response.rs`).

use super::checks::bytes_below;
use super::{HttpError, Limits};

/// How `scan_head` treats the start line, which differs between requests and
/// responses.
pub(crate) struct StartLineRules {
    /// Status to fail with when the start line exceeds `max_request_line`.
    pub too_long_status: u16,
    /// Whether bytes 0x80-0xFF are rejected in the start line. A request
    /// target must be ASCII, but a response reason phrase may carry obs-text.
    pub ascii_only: bool,
}

/// Where a head scan stopped, so the next call with more bytes of the same
/// head goes on from there instead of from byte 0 (as `LineCodec` keeps its
/// `next_index`). Without it a head trickled one byte per read costs
/// O(n²): a 16 KiB head would be scanned 16,384 times.
///
/// Keep one per connection and pass it with every call for the same head;
/// it resets itself when a head is complete or rejected. Passing a shorter
/// buffer than last time is treated as a new head (rescanned, never
/// skipped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadScan {
    /// Bytes of the current head already checked (no defect, no end).
    pos: usize,
    /// Where the line being scanned starts.
    line_start: usize,
    /// Still inside the (non-empty) start line?
    past_start_line: bool,
    prev: u8,
    /// Bytes examined by every scan so far (the work done; for tests and
    /// curious readers).
    examined: u64,
}

impl HeadScan {
    /// A scan at the start of a head.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes examined by every call so far, over every head: the work a
    /// peer made us do. Grows linearly with the bytes received, however
    /// they are split into reads.
    pub fn bytes_examined(&self) -> u64 {
        self.examined
    }

    /// Back to the start of a head, keeping the work counter.
    fn restart(&mut self) {
        *self = HeadScan {
            examined: self.examined,
            ..HeadScan::default()
        };
    }
}

/// Finds the end of the head (the index just past the blank line), checking
/// the limits and the strictness rules on the way.
///
/// Returns `Ok(None)` when the head is incomplete and no rule was broken yet.
/// Only the first `max_head` bytes are ever examined, so a peer cannot make
/// us scan (or buffer) more than that, and with `scan` each byte is examined
/// once however the head is split. Leading empty lines before the start
/// line are skipped, as RFC 9112 section 2.2 recommends; httparse skips
/// them too, so the lengths agree.
///
/// Most bytes of a head are plain text that no rule is about: they are
/// skipped eight at a time ([`skip_plain`]), and only the few others (CR,
/// LF, other control bytes, obs-text in the start line, the byte at the
/// start-line limit) take the exact byte-at-a-time step. The byte-at-a-time
/// loop over every byte was the top user-space cost of a server request.
pub(crate) fn scan_head(
    buf: &[u8],
    limits: &Limits,
    rules: &StartLineRules,
    scan: &mut HeadScan,
) -> Result<Option<usize>, HttpError> {
    if buf.len() < scan.pos {
        scan.restart();
    }
    let window = buf.get(..limits.max_head).unwrap_or(buf);
    let from = scan.pos.min(window.len());
    let mut i = from;
    // Index where the current line starts.
    let mut line_start = scan.line_start;
    // True until the (non-empty) start line has been terminated.
    let mut in_start_line = !scan.past_start_line;
    let mut prev = scan.prev;
    let found = loop {
        // After a CR only an LF may follow: that byte always takes the
        // exact step.
        if prev != b'\r' {
            i = if in_start_line {
                // The byte at the start-line limit is checked exactly.
                let limit = line_start
                    .saturating_add(limits.max_request_line)
                    .saturating_sub(1);
                let end = limit.min(window.len()).max(i);
                skip_plain(window, i, end, rules.ascii_only)
            } else {
                skip_plain(window, i, window.len(), false)
            };
        }
        let Some(&b) = window.get(i) else {
            break Ok(None);
        };
        if b == b'\r' && prev != b'\r' && window.get(i + 1) == Some(&b'\n') {
            // The common case, a CRLF, in one step: exactly what the two
            // byte-at-a-time steps below would do with it.
            if in_start_line && i + 1 - line_start >= limits.max_request_line {
                break Err(HttpError::new(rules.too_long_status, "start line too long"));
            }
            let empty = i == line_start;
            if empty && !in_start_line {
                break Ok(Some(i + 2));
            }
            in_start_line &= empty;
            line_start = i + 2;
            prev = b'\n';
            i += 2;
            // Every head ends with a header line's CRLF followed by an
            // empty line: take that one here too.
            if !in_start_line && window.get(i..i + 2) == Some(b"\r\n") {
                break Ok(Some(i + 2));
            }
            continue;
        }
        if b == 0 {
            break Err(HttpError::bad_request("NUL byte in message head"));
        }
        // A CR must always be followed by LF; a lone CR could be read as a
        // line break by some other parser on the path (smuggling).
        if prev == b'\r' && b != b'\n' {
            break Err(HttpError::bad_request("bare CR in message head"));
        }
        if b == b'\n' {
            if prev != b'\r' {
                break Err(HttpError::bad_request("bare LF in message head"));
            }
            // The line consisted of just CRLF.
            let empty = i == line_start + 1;
            if empty && !in_start_line {
                break Ok(Some(i + 1));
            }
            if !empty {
                in_start_line = false;
            }
            line_start = i + 1;
        } else if in_start_line {
            // The start line including its LF must fit in max_request_line
            // bytes: once it has filled them without an LF it can never be
            // valid, so fail now instead of waiting for more bytes.
            if i + 1 - line_start >= limits.max_request_line {
                break Err(HttpError::new(rules.too_long_status, "start line too long"));
            }
            if rules.ascii_only && b >= 0x80 {
                break Err(HttpError::bad_request("non-ASCII byte in request line"));
            }
        }
        prev = b;
        i += 1;
    };
    // The byte a scan stopped on (end of head or defect) was examined too.
    let stop = match found {
        Ok(None) => i,
        Ok(Some(end)) => end,
        Err(_) => i + 1,
    };
    scan.examined += (stop - from) as u64;
    if !matches!(found, Ok(None)) {
        scan.restart();
        return found;
    }
    // Incomplete: remember where we stopped.
    scan.pos = window.len();
    scan.line_start = line_start;
    scan.past_start_line = !in_start_line;
    scan.prev = prev;
    if buf.len() >= limits.max_head {
        scan.restart();
        return Err(HttpError::new(431, "message head too large"));
    }
    Ok(None)
}

/// Bytes below this are "special" for [`skip_plain`]: NUL, CR and LF are
/// what the rules are about; the other control bytes below it (TAB among
/// them) are harmless but rare, and cheaper to test for as one range.
const SPECIAL_BELOW: u8 = 0x0E;

/// The index of the first byte of `window[from..end]` that is not plain
/// text (below [`SPECIAL_BELOW`], or 0x80 and up when `high_too`), or `end`.
/// Eight bytes are tested at a time with the classic "has a byte less than
/// n" word trick: its lowest flagged byte is always exact (borrows only
/// flag bytes above a real hit), which is the only one used.
fn skip_plain(window: &[u8], from: usize, end: usize, high_too: bool) -> usize {
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Flags (bit 7 of each byte) the special bytes of a little-endian word.
    let hits = |word: &[u8; 8]| {
        let x = u64::from_le_bytes(*word);
        bytes_below(x, SPECIAL_BELOW) | (x & if high_too { HIGHS } else { 0 })
    };
    let Some(bytes) = window.get(from..end) else {
        return from;
    };
    let (words, tail) = bytes.as_chunks::<8>();
    for (n, word) in words.iter().enumerate() {
        let found = hits(word);
        if found != 0 {
            return from + n * 8 + (found.trailing_zeros() / 8) as usize;
        }
    }
    if tail.is_empty() {
        return end;
    }
    if let Some(last) = bytes.last_chunk::<8>() {
        // The last eight bytes, overlapping bytes already found plain, so
        // a hit among them is the first one.
        let found = hits(last);
        return if found == 0 {
            end
        } else {
            end - 8 + (found.trailing_zeros() / 8) as usize
        };
    }
    let special = |&b: &u8| b < SPECIAL_BELOW || (high_too && b >= 0x80);
    tail.iter().position(special).map_or(end, |k| from + k)
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
