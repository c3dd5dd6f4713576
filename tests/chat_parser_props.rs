//! chat_server's protocol module under arbitrary input: framing and
//! parsing never panic, and what they accept respects the documented
//! limits (names, password length, line cap, no control characters).

#[path = "../examples/chat_server/protocol.rs"]
mod protocol;

use proptest::prelude::*;
use protocol::{line_end, next_line, parse, Command, Frame, MAX_LINE, MAX_PASSWORD};
use unicode_normalization::is_nfc;

/// What `parse(line)` returned must follow from `line`, on every branch.
fn check_command(line: &[u8], cmd: &Command<'_>) {
    let text = std::str::from_utf8(line).ok();
    // The first word of a `/command` line, if it is UTF-8.
    let word = text
        .and_then(|t| t.strip_prefix('/'))
        .map(|t| t.split(' ').next().unwrap_or(""));
    match cmd {
        Command::Register { name, password } => {
            assert_eq!(word, Some("register"));
            assert!(protocol::valid_name(name) && is_nfc(name), "{name:?}");
            assert!(!password.is_empty() && password.len() <= MAX_PASSWORD);
            assert!(!password.chars().any(char::is_control));
            assert_eq!(
                *password,
                password.trim(),
                "edges of a password are never kept"
            );
        }
        Command::Login {
            name,
            password,
            as_typed,
        } => {
            assert_eq!(word, Some("login"));
            assert!(protocol::valid_name(name) && is_nfc(name), "{name:?}");
            assert!(password.len() <= MAX_PASSWORD);
            assert!(!as_typed.chars().any(char::is_control));
            assert_eq!(
                *password,
                password.trim(),
                "edges of a password are never kept"
            );
            assert_eq!(as_typed.trim(), *password, "as typed, then trimmed");
            assert!(
                text.is_some_and(|t| t.ends_with(as_typed)),
                "as typed is the end of the line"
            );
            // Something to verify: today's rule (trimmed, 1-128 bytes) or
            // the rule before edge whitespace was refused (1-128 bytes).
            assert!(
                !password.is_empty() || (!as_typed.is_empty() && as_typed.len() <= MAX_PASSWORD),
                "{as_typed:?}"
            );
        }
        Command::Msg { to, text } => {
            assert_eq!(word, Some("msg"));
            assert!(protocol::valid_name(to) && is_nfc(to));
            assert!(!text.is_empty() && !text.chars().any(char::is_control));
        }
        Command::Say(said) => {
            assert_eq!(said.as_bytes(), line, "a broadcast is the whole line");
            assert!(!said.starts_with('/') && !said.chars().any(char::is_control));
        }
        Command::Who | Command::Help | Command::Logout | Command::Quit => {
            let want = match cmd {
                Command::Who => "who",
                Command::Help => "help",
                Command::Logout => "logout",
                _ => "quit",
            };
            assert_eq!(word, Some(want));
        }
        Command::Empty => assert!(line.is_empty()),
        Command::Unknown => {
            let w = word.expect("an unknown command is a /word");
            let known = ["register", "login", "msg", "who", "help", "logout", "quit"];
            assert!(!known.contains(&w), "{w:?} is known");
        }
        Command::Invalid(why) => {
            assert!(!why.is_empty());
            // Only bytes that are not clean text, or a command with
            // arguments, can be malformed.
            let unclean = text.is_none_or(|t| t.chars().any(char::is_control));
            let with_args = matches!(word, Some("register" | "login" | "msg"));
            assert!(unclean || with_args, "{line:?} -> {why}");
        }
    }
}

/// Lines that look like commands, so the interesting branches are reached.
fn commandish() -> impl Strategy<Value = Vec<u8>> {
    let head = prop_oneof![
        Just("/register "),
        Just("/login "),
        Just("/msg "),
        Just("/who"),
        Just("/logout"),
        Just("/quit"),
        Just("/help"),
        Just("/"),
        Just(""),
    ];
    (head, "[ -~\t\r\u{80}-\u{10ffff}]{0,200}")
        .prop_map(|(h, rest)| format!("{h}{rest}").into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn parse_never_panics_on_bytes(line in proptest::collection::vec(any::<u8>(), 0..600)) {
        check_command(&line, &parse(&line));
    }

    #[test]
    fn parse_never_panics_on_commandish_lines(line in commandish()) {
        check_command(&line, &parse(&line));
    }

    #[test]
    fn framing_never_panics_and_respects_the_cap(
        input in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), any::<u8>()], 0..6_000)
    ) {
        let mut rest = &input[..];
        for _ in 0..=input.len() {
            match next_line(rest) {
                Frame::Line(line, used) => {
                    prop_assert!(line.len() <= MAX_LINE);
                    prop_assert!(used > 0 && used <= rest.len());
                    prop_assert!(!line.contains(&b'\n'));
                    prop_assert_eq!(rest[used - 1], b'\n');
                    check_command(line, &parse(line));
                    rest = &rest[used..];
                }
                Frame::Incomplete => {
                    prop_assert!(rest.len() <= MAX_LINE + 1 && !rest.contains(&b'\n'));
                    break;
                }
                Frame::TooLong => {
                    // Exactly when the first line (without `\r\n`) is over
                    // the cap, or no `\n` came within the cap.
                    let over = match rest.iter().position(|&b| b == b'\n') {
                        Some(p) => p - usize::from(p > 0 && rest[p - 1] == b'\r') > MAX_LINE,
                        None => rest.len() > MAX_LINE + 1,
                    };
                    prop_assert!(over, "TooLong for a line within the cap");
                    // The server skips the overlong line and frames on.
                    match line_end(rest) {
                        Some(n) => {
                            prop_assert!(!rest[..n - 1].contains(&b'\n') && rest[n - 1] == b'\n');
                            rest = &rest[n..];
                        }
                        None => break,
                    }
                }
            }
        }
    }
}

#[test]
fn known_lines_parse_as_documented() {
    assert_eq!(
        parse(b"/register ann pass word"),
        Command::Register {
            name: "ann".into(),
            password: "pass word"
        }
    );
    assert_eq!(
        parse(b"/msg bob hi there"),
        Command::Msg {
            to: "bob".into(),
            text: "hi there"
        }
    );
    assert_eq!(parse(b"hello"), Command::Say("hello"));
    assert_eq!(parse(b""), Command::Empty);
    assert_eq!(parse(b"/nope"), Command::Unknown);
    assert!(matches!(parse(b"/register a\tb c"), Command::Invalid(_)));
    assert!(matches!(parse(&[0xff, 0xfe]), Command::Invalid(_)));
    assert!(matches!(
        parse(format!("/login {} pw", "n".repeat(33)).as_bytes()),
        Command::Invalid(_)
    ));
    assert!(matches!(
        parse(format!("/login ann {}", "p".repeat(129)).as_bytes()),
        Command::Invalid(_)
    ));
    assert_eq!(next_line(b"abc\r\ndef"), Frame::Line(b"abc", 5));
    assert_eq!(next_line(b"abc"), Frame::Incomplete);
    assert_eq!(next_line(&[b'x'; MAX_LINE + 2]), Frame::TooLong);
    let mut ok = vec![b'x'; MAX_LINE];
    ok.extend_from_slice(b"\r\n");
    assert_eq!(next_line(&ok), Frame::Line(&ok[..MAX_LINE], MAX_LINE + 2));
}

#[test]
fn names_and_passwords_follow_the_documented_rules() {
    // Unicode letters and digits; decomposed forms become NFC.
    let login = |name: &'static str| Command::Login {
        name: name.into(),
        password: "pw",
        as_typed: "pw",
    };
    assert_eq!(parse("/login 小明 pw".as_bytes()), login("小明"));
    assert_eq!(
        parse("/login Jose\u{301} pw".as_bytes()),
        login("Jos\u{e9}")
    );
    // Zero-width space, no-break space, punctuation, and a combining mark
    // that has no precomposed form with `x` (so it stays a mark).
    for bad in ["a\u{200b}b", "a\u{a0}b", "a.b", "x\u{301}"] {
        let line = format!("/login {bad} pw");
        assert!(
            matches!(parse(line.as_bytes()), Command::Invalid(_)),
            "{bad:?}"
        );
    }
    // 33 characters are too many (`é` is one character, two bytes).
    let long = "\u{e9}".repeat(33);
    assert!(matches!(
        parse(format!("/login {long} pw").as_bytes()),
        Command::Invalid(_)
    ));
    // Compared case-insensitively, after NFC.
    assert_eq!(protocol::name_key("ANN"), protocol::name_key("ann"));
    assert_eq!(
        protocol::name_key("JOSE\u{301}"),
        protocol::name_key("jos\u{e9}")
    );
    assert_ne!(protocol::name_key("ann"), protocol::name_key("anne"));
    // Extra spaces around a login password are forgiven; /register refuses them.
    // The login keeps it as typed too, for accounts registered before that.
    assert_eq!(
        parse(b"/login  ann  pw "),
        Command::Login {
            name: "ann".into(),
            password: "pw",
            as_typed: " pw ",
        }
    );
    // Before the rule, an all-whitespace password could be registered.
    assert_eq!(
        parse("/login ann  \u{a0} ".as_bytes()),
        Command::Login {
            name: "ann".into(),
            password: "",
            as_typed: " \u{a0} ",
        }
    );
    assert!(matches!(parse(b"/login ann "), Command::Invalid(_)));
    let spaces = " ".repeat(MAX_PASSWORD + 1);
    assert!(matches!(
        parse(format!("/login ann {spaces}").as_bytes()),
        Command::Invalid(_)
    ));
    let padded = format!("/login ann  {}  ", "p".repeat(MAX_PASSWORD));
    assert!(matches!(
        parse(padded.as_bytes()),
        Command::Login { password, .. } if password.len() == MAX_PASSWORD
    ));
    assert_eq!(
        parse(b"/register ann pw "),
        Command::Invalid("a password may not start or end with whitespace")
    );
    assert!(matches!(parse(b"/register ann  pw"), Command::Invalid(_)));
    assert_eq!(parse(b"/logout"), Command::Logout);
}

#[test]
fn timestamps_are_utc_rfc3339() {
    assert_eq!(protocol::rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(protocol::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(protocol::rfc3339(1_795_255_200), "2026-11-21T10:00:00Z");
    assert_eq!(protocol::rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
    assert_eq!(protocol::rfc3339(-1), "1969-12-31T23:59:59Z");
}
