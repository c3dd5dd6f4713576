//! The header lines a handler adds to a [`Response`](super::Response),
//! serialised as they are added, and what makes adding them cheap: the
//! previous response's lines, each of which was checked.
//!
//! This file owns the buffers and the "same line as last time" test. It does
//! NOT decide which headers are allowed (`reply.rs` and `response.rs` do);
//! it only lets a line that repeats an already accepted one skip the check.

use super::reply::RETAINED;

/// Header lines (`name: value\r\n`) of the response being built, and of the
/// previous one.
///
/// Handlers mostly add the same headers to every response (a
/// `Content-Type`, say), and checking a line's bytes for response splitting
/// cost more than the rest of adding it. A line with the same name and
/// value, at the same position, as one of the previous response's lines is
/// known to be accepted: only lines that passed the check (or were such
/// repeats) are ever stored.
#[derive(Debug, Default)]
pub(crate) struct HeaderLines {
    /// This response's lines.
    cur: Vec<u8>,
    /// Name length and end offset of each line of `cur`.
    cur_bounds: Vec<(usize, usize)>,
    /// The previous response's lines, and their bounds.
    prev: Vec<u8>,
    prev_bounds: Vec<(usize, usize)>,
}

impl HeaderLines {
    /// The serialised lines of this response.
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.cur
    }

    /// Starts the next response; this one's lines become the previous ones.
    /// Keeps the buffers' capacity up to [`RETAINED`].
    #[inline]
    pub(crate) fn next_response(&mut self) {
        std::mem::swap(&mut self.cur, &mut self.prev);
        std::mem::swap(&mut self.cur_bounds, &mut self.prev_bounds);
        self.cur.clear();
        self.cur_bounds.clear();
        if self.cur.capacity() > RETAINED {
            self.cur = Vec::new();
        }
        if self.cur_bounds.capacity() > RETAINED / 16 {
            self.cur_bounds = Vec::new();
        }
    }

    /// Whether `name: value` is the line the previous response had at the
    /// position it would take now (then it was accepted before). Same name
    /// length and same bytes mean the same name and the same value.
    #[inline]
    pub(crate) fn repeats(&self, name: &str, value: &str) -> bool {
        let k = self.cur_bounds.len();
        let Some(&(name_len, end)) = self.prev_bounds.get(k) else {
            return false;
        };
        let start = match k.checked_sub(1) {
            Some(before) => self.prev_bounds.get(before).map_or(0, |&(_, e)| e),
            None => 0,
        };
        let (name, value) = (name.as_bytes(), value.as_bytes());
        name_len == name.len()
            && end - start == name.len() + value.len() + 4
            && self.prev.get(start..start + name.len()) == Some(name)
            && self.prev.get(start + name.len() + 2..end - 2) == Some(value)
    }

    /// Appends `name: value\r\n`, which the caller has accepted.
    #[inline]
    pub(crate) fn push(&mut self, name: &str, value: &str) {
        self.cur.reserve(name.len() + value.len() + 4);
        self.cur.extend_from_slice(name.as_bytes());
        self.cur.extend_from_slice(b": ");
        self.cur.extend_from_slice(value.as_bytes());
        self.cur.extend_from_slice(b"\r\n");
        self.cur_bounds.push((name.len(), self.cur.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_repeats_only_with_the_same_name_value_and_position() {
        let mut lines = HeaderLines::default();
        assert!(!lines.repeats("A", "1"), "nothing before");
        lines.push("A", "1");
        lines.push("Bb", "x: y");
        assert_eq!(lines.bytes(), b"A: 1\r\nBb: x: y\r\n");
        lines.next_response();
        assert_eq!(lines.bytes(), b"");
        assert!(lines.repeats("A", "1"));
        assert!(!lines.repeats("Bb", "x: y"), "not at this position");
        assert!(!lines.repeats("a", "1"), "names compare exactly");
        assert!(!lines.repeats("A", "12"));
        lines.push("A", "1");
        assert!(lines.repeats("Bb", "x: y"));
        // The same bytes split differently are not the same line.
        assert!(!lines.repeats("Bb: x", "y"));
        assert!(!lines.repeats("B", "b: x: y"));
        lines.next_response();
        lines.next_response();
        assert!(
            !lines.repeats("A", "1"),
            "only the previous response counts"
        );
    }
}
