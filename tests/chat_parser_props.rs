//! chat_server's protocol module under arbitrary input: framing and
//! parsing never panic, and what they accept respects the documented
//! limits (names, password length, line cap, no control characters).

#[path = "../examples/chat_server/protocol.rs"]
mod protocol;

use proptest::prelude::*;
use protocol::{next_line, parse, Command, Frame, MAX_LINE, MAX_PASSWORD};

fn check_command(cmd: &Command<'_>) {
    match cmd {
        Command::Register { name, password } | Command::Login { name, password } => {
            assert!(protocol::valid_name(name));
            assert!(!password.is_empty() && password.len() <= MAX_PASSWORD);
            assert!(!password.chars().any(char::is_control));
        }
        Command::Msg { to, text } => {
            assert!(protocol::valid_name(to));
            assert!(!text.is_empty() && !text.chars().any(char::is_control));
        }
        Command::Say(text) => {
            assert!(!text.starts_with('/') && !text.chars().any(char::is_control));
        }
        _ => {}
    }
}

/// Lines that look like commands, so the interesting branches are reached.
fn commandish() -> impl Strategy<Value = Vec<u8>> {
    let head = prop_oneof![
        Just("/register "),
        Just("/login "),
        Just("/msg "),
        Just("/who"),
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
        check_command(&parse(&line));
    }

    #[test]
    fn parse_never_panics_on_commandish_lines(line in commandish()) {
        check_command(&parse(&line));
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
                    check_command(&parse(line));
                    rest = &rest[used..];
                }
                Frame::Incomplete => {
                    prop_assert!(rest.len() <= MAX_LINE + 1 && !rest.contains(&b'\n'));
                    break;
                }
                Frame::TooLong => break,
            }
        }
    }
}

#[test]
fn known_lines_parse_as_documented() {
    assert_eq!(
        parse(b"/register ann pass word"),
        Command::Register {
            name: "ann",
            password: "pass word"
        }
    );
    assert_eq!(
        parse(b"/msg bob hi there"),
        Command::Msg {
            to: "bob",
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
fn timestamps_are_utc_rfc3339() {
    assert_eq!(protocol::rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(protocol::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(protocol::rfc3339(1_795_255_200), "2026-11-21T10:00:00Z");
    assert_eq!(protocol::rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
    assert_eq!(protocol::rfc3339(-1), "1969-12-31T23:59:59Z");
}
