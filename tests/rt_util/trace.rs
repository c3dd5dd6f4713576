//! Comparing quoted ```` ```trace ```` blocks of a document with a real
//! run's stderr (the blocks come from `util::trace_blocks`). Looser than
//! `tests/walkthrough_trace.rs`, whose blocks must appear as consecutive
//! lines: here timestamps are dropped, every run of digits matches any run
//! of digits, and lines must appear in order with others allowed between.

/// Drop a leading timestamp, collapse digit runs to `#`, trim.
pub fn normalize(line: &str) -> String {
    let line = line.trim();
    let line = match line.split_once(' ') {
        Some((first, rest))
            if first.len() > 10 && first.as_bytes()[4] == b'-' && first.contains('T') =>
        {
            rest.trim_start()
        }
        _ => line,
    };
    let mut out = String::with_capacity(line.len());
    let mut in_digits = false;
    for ch in line.chars() {
        if ch.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(ch);
            in_digits = false;
        }
    }
    out.trim_end().to_string()
}

/// Is `want` a subsequence of `have`? On failure, the first missing line.
pub fn missing_line<'a>(want: &'a [String], have: &[String]) -> Option<&'a str> {
    let mut it = have.iter();
    want.iter()
        .find(|w| !it.any(|h| normalize(h) == normalize(w)))
        .map(String::as_str)
}
