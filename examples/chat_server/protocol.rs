//! The chat protocol as pure functions: framing lines, parsing commands,
//! validating names and text, and formatting timestamps.
//!
//! Owns: what the bytes mean. Does not own: any I/O, state or database; the
//! service decides what to do with a [`Command`]. Being pure is what lets
//! `tests/chat_parser_props.rs` feed it arbitrary bytes with proptest.
#![allow(dead_code)] // the property test uses a different subset than the server

use std::borrow::Cow;
use unicode_normalization::{is_nfc, UnicodeNormalization};

/// Longest accepted line, without its `\n` / `\r\n`.
pub const MAX_LINE: usize = 4096;
/// Longest accepted password, in bytes.
pub const MAX_PASSWORD: usize = 128;
/// Longest accepted user name, in characters.
pub const MAX_NAME: usize = 32;

/// The result of looking for one line at the front of the input.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A whole line (terminator stripped) and the bytes it used up.
    Line(&'a [u8], usize),
    /// No `\n` yet, and not too long: wait for more bytes (normal, not an error).
    Incomplete,
    /// More than [`MAX_LINE`] bytes without a `\n`, or a longer line. The
    /// caller answers it and discards up to the line's end ([`line_end`]).
    TooLong,
}

/// Find the first line in `input`. `\n` and `\r\n` both end a line.
pub fn next_line(input: &[u8]) -> Frame<'_> {
    // Look one byte past the cap: `MAX_LINE` bytes + `\r` + `\n` is fine.
    let window = &input[..input.len().min(MAX_LINE + 2)];
    match window.iter().position(|&b| b == b'\n') {
        Some(end) => {
            let line = &input[..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.len() > MAX_LINE {
                Frame::TooLong
            } else {
                Frame::Line(line, end + 1)
            }
        }
        None if input.len() > MAX_LINE + 1 => Frame::TooLong,
        None => Frame::Incomplete,
    }
}

/// After [`Frame::TooLong`]: how many bytes end the overlong line (through
/// its `\n`), or `None` if its end has not arrived yet (discard them all).
pub fn line_end(input: &[u8]) -> Option<usize> {
    input.iter().position(|&b| b == b'\n').map(|i| i + 1)
}

/// One parsed line. Borrowed from the input: parsing allocates only to
/// normalise a name that is not already in NFC.
#[derive(Debug, PartialEq, Eq)]
pub enum Command<'a> {
    /// `password` has no leading or trailing whitespace (refused otherwise).
    Register {
        name: Cow<'a, str>,
        password: &'a str,
    },
    /// `password` is trimmed: a stray space cannot lock a user out.
    Login {
        name: Cow<'a, str>,
        password: &'a str,
        /// The password as typed, edges included. An account registered
        /// before `/register` refused edge whitespace may have such a
        /// password (its hash is of the untrimmed bytes), so the worker tries
        /// this too when `password` fails and the two differ. Never empty;
        /// `password` is empty only when this is all whitespace (an old
        /// account's password can be), and then this is at most
        /// [`MAX_PASSWORD`] bytes, the old limit.
        as_typed: &'a str,
    },
    Who,
    Msg {
        to: Cow<'a, str>,
        text: &'a str,
    },
    /// A line not starting with `/`: broadcast it.
    Say(&'a str),
    Help,
    Logout,
    Quit,
    /// An empty line: ignored.
    Empty,
    Unknown,
    /// A malformed line; the reason is sent back as `ERR <reason>`.
    Invalid(&'static str),
}

/// Parse one line (without its terminator).
pub fn parse(line: &[u8]) -> Command<'_> {
    let Ok(line) = std::str::from_utf8(line) else {
        return Command::Invalid("line is not valid UTF-8");
    };
    if line.chars().any(char::is_control) {
        return Command::Invalid("control characters are not allowed");
    }
    if line.is_empty() {
        return Command::Empty;
    }
    let Some(cmd) = line.strip_prefix('/') else {
        return Command::Say(line);
    };
    let (word, rest) = cmd.split_once(' ').unwrap_or((cmd, ""));
    // Extra spaces between the words are forgiven.
    let rest = rest.trim_start();
    match word {
        "register" | "login" => {
            let Some((name, password)) = rest.split_once(' ') else {
                return Command::Invalid("usage: /register NAME PASSWORD or /login NAME PASSWORD");
            };
            let Some(name) = normalize(name) else {
                return Command::Invalid(NAME_RULE);
            };
            let trimmed = password.trim();
            if word == "register" && trimmed.len() != password.len() {
                return Command::Invalid("a password may not start or end with whitespace");
            }
            // A login may match a password of either rule: trimmed, 1-128
            // bytes (today's), or as typed, 1-128 bytes (before the
            // whitespace rule, so possibly all whitespace).
            let old_rule = word == "login" && (1..=MAX_PASSWORD).contains(&password.len());
            if trimmed.len() > MAX_PASSWORD || (trimmed.is_empty() && !old_rule) {
                return Command::Invalid("invalid password (1-128 bytes)");
            }
            if word == "register" {
                Command::Register { name, password }
            } else {
                Command::Login {
                    name,
                    password: trimmed,
                    as_typed: password,
                }
            }
        }
        "msg" => match rest.split_once(' ') {
            Some((to, text)) if !text.is_empty() => match normalize(to) {
                Some(to) => Command::Msg { to, text },
                None => Command::Invalid(NAME_RULE),
            },
            _ => Command::Invalid("usage: /msg NAME TEXT"),
        },
        "who" => Command::Who,
        "help" => Command::Help,
        "logout" => Command::Logout,
        "quit" => Command::Quit,
        _ => Command::Unknown,
    }
}

/// Why a name was refused.
pub const NAME_RULE: &str = "invalid name (1-32 letters, digits, _ or -)";

/// `name` in NFC, if it is a valid name (see [`valid_name`]).
pub fn normalize(name: &str) -> Option<Cow<'_, str>> {
    let name = if is_nfc(name) {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(name.nfc().collect())
    };
    valid_name(&name).then_some(name)
}

/// 1–32 characters, each a Unicode letter or digit, `_` or `-` (so no
/// whitespace, control or format characters), checked on the NFC form.
pub fn valid_name(name: &str) -> bool {
    (1..=MAX_NAME).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// What names are compared by: `Ann`, `ANN` and `ann` are one user, who
/// keeps the form they registered (the display form) everywhere else.
pub fn name_key(name: &str) -> String {
    name.nfc().flat_map(char::to_lowercase).nfc().collect()
}

/// The reply to `/help`: one line, so that every command has one reply.
pub const HELP: &str = "OK commands: /register NAME PASSWORD (logs you in), /login NAME PASSWORD, \
/who, /msg NAME TEXT, /logout, /help, /quit; any other line goes to everyone";

/// Seconds since the Unix epoch as UTC RFC 3339, e.g. `2026-11-21T10:00:00Z`.
///
/// Howard Hinnant's `civil_from_days`: exact for the proleptic Gregorian
/// calendar, no tables, no dependency (chrono would be overkill for this).
pub fn rfc3339(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Now, as Unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
