//! Every example's `--help` and `-h`: exit 0, print the usage (Run/Options
//! from the file's doc comment), and mention every option the example's
//! code reads, each value option with its default. An unknown option is
//! one line on stderr and exit 1.
//!
//! The options are found by reading the example's source for the
//! `common::Args` calls (`.value("KEY"`, `.get("KEY"`, `.flag("KEY"`,
//! `.all("KEY"`, a helper taking `(&mut args, "KEY"`, `.addr(`,
//! `.config()`, `.verbose()`), so a new option without a help line fails
//! here (and, in debug builds, at run time: see `examples/common`).

mod util;
use std::path::{Path, PathBuf};
use util::*;

/// Every example: (name, the source files that make it up).
fn examples() -> Vec<(String, Vec<PathBuf>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("examples/") {
        let path = entry.expect("dir entry").path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.extension().is_some_and(|e| e == "rs") {
            found.push((name, vec![path]));
        } else if path.join("main.rs").is_file() {
            let files = std::fs::read_dir(&path)
                .expect("example dir")
                .map(|e| e.expect("dir entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                .collect();
            found.push((name, files));
        }
    }
    found.sort();
    assert!(found.len() >= 15, "only {} examples found", found.len());
    found
}

/// The option keys (without `--`) that `source` reads through `common::Args`.
fn options_read(source: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for call in [
        ".value(\"",
        ".get(\"",
        ".flag(\"",
        ".all(\"",
        "(&mut args, \"",
    ] {
        for (at, _) in source.match_indices(call) {
            let rest = &source[at + call.len()..];
            if let Some(end) = rest.find('"') {
                keys.push(rest[..end].to_string());
            }
        }
    }
    if source.contains("args.addr(") {
        keys.push("addr".into());
    }
    if source.contains("args.config()") {
        keys.extend(["max-conns", "max-output", "idle-timeout", "pitfall"].map(String::from));
    }
    if source.contains("args.verbose()") {
        keys.push("verbose".into());
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The help line of `--key` and its continuation lines (indented deeper,
/// not starting another option).
fn option_text(help: &str, key: &str) -> Option<String> {
    let flag = format!("--{key}");
    let lines: Vec<&str> = help.lines().collect();
    let start = lines.iter().position(|l| {
        let t = l.trim_start();
        t.starts_with(&flag) || t.starts_with(&format!("-v, {flag}"))
    })?;
    let indent = lines[start].len() - lines[start].trim_start().len();
    let mut text = lines[start].to_string();
    for l in &lines[start + 1..] {
        let t = l.trim_start();
        if t.is_empty() || t.starts_with('-') || l.len() - t.len() <= indent {
            break;
        }
        text.push(' ');
        text.push_str(t);
    }
    Some(text)
}

#[test]
fn every_example_documents_every_option_in_help() {
    for (name, files) in examples() {
        let source: String = files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("read example"))
            .flat_map(|text| {
                // Code only: a comment may name a call the code does not make.
                let code: Vec<String> = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .map(|l| format!("{l}\n"))
                    .collect();
                code
            })
            .collect();
        let (code, help, err) = run_to_end(&name, &["--help"], b"");
        assert_eq!(code, Some(0), "{name} --help: stderr {err}");
        assert!(help.contains("Options:"), "{name} --help:\n{help}");
        let (code, short, _) = run_to_end(&name, &["-h"], b"");
        assert_eq!(code, Some(0), "{name} -h");
        assert_eq!(short, help, "{name}: -h and --help differ");
        for key in options_read(&source) {
            assert!(
                help.contains(&format!("--{key}")),
                "{name} reads --{key} but --help does not mention it:\n{help}"
            );
            let text = option_text(&help, &key).unwrap_or_default();
            // A value option (`--key VALUE`) states its default.
            let takes_value = text
                .split_whitespace()
                .nth(1)
                .is_some_and(|w| w.chars().any(|c| c.is_ascii_uppercase()));
            if takes_value {
                assert!(
                    text.contains("default"),
                    "{name} --help: no default for --{key}: {text:?}"
                );
            }
        }
        if source.contains("args.config()") {
            assert!(
                help.contains("no-emfile-guard"),
                "{name} takes --pitfall: --help should name the pitfalls:\n{help}"
            );
        }
    }
}

#[test]
fn an_unknown_option_is_one_line_and_exit_1() {
    for name in ["tcp_echo_server", "tcp_client", "http_client", "echo_bench"] {
        let (code, out, err) = run_to_end(name, &["--no-such-option"], b"");
        assert_eq!(code, Some(1), "{name}: stdout {out:?} stderr {err:?}");
        assert_eq!(err.lines().count(), 1, "{name}: {err:?}");
        assert!(err.starts_with(&format!("{name}: ")), "{name}: {err:?}");
        assert!(err.contains("--help"), "{name}: {err:?}");
    }
}
