//! Property tests: no input makes the parsers panic, and round trips hold where they exist.
//! (Parsers of git's hook stdin, the config loader, the .dockerignore matcher and the
//! terminal escaper; the Dockerfile parser and line classifier have their own below.)

use std::path::Path;

use proptest::prelude::*;
use pushguard::config::Config;
use pushguard::dockerignore::DockerIgnore;
use pushguard::escape::{escape, escape_bytes};
use pushguard::push::{parse_receive_stdin, parse_stdin};

fn oid() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-f]{40}",
        Just("0".repeat(40)),
        "[0-9a-fA-F]{0,70}",
        "[0-9a-f]{64}",
    ]
}

fn refname() -> impl Strategy<Value = String> {
    prop_oneof![
        "refs/heads/[a-z/._-]{1,20}",
        "refs/tags/[a-zA-Z0-9._-]{1,10}",
        Just("(delete)".to_owned()),
        "\\PC{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn pre_push_stdin_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_stdin(&bytes);
        let _ = parse_receive_stdin(&bytes);
    }

    #[test]
    fn well_formed_pre_push_lines_round_trip(
        lines in proptest::collection::vec((refname(), "[0-9a-f]{40}", refname(), oid()), 0..6)
    ) {
        let input: String = lines
            .iter()
            .map(|(l, lo, r, ro)| format!("{l} {lo} {r} {ro}\n"))
            .collect();
        let well_formed = lines.iter().all(|(l, _, r, ro)| {
            !l.is_empty() && !r.is_empty() && !l.contains([' ', '\n', '\r']) && !r.contains([' ', '\n', '\r'])
                && (ro.len() == 40 || ro.len() == 64) && ro.chars().all(|c| c.is_ascii_hexdigit())
        });
        match parse_stdin(input.as_bytes()) {
            Ok(parsed) => {
                prop_assert_eq!(parsed.len(), lines.len());
                for (p, (l, lo, r, _)) in parsed.iter().zip(&lines) {
                    prop_assert_eq!(&p.local_ref, l.as_bytes());
                    prop_assert_eq!(&p.remote_ref, r.as_bytes());
                    prop_assert_eq!(p.local_oid.map(|o| o.to_string()), (lo != &"0".repeat(40)).then(|| lo.clone()));
                }
            }
            Err(e) => {
                // Only malformed input may be rejected, and the error names a line.
                let msg = e.to_string();
                prop_assert!(!well_formed || msg.contains("SHA-256") || msg.contains("(delete)"), "{msg}");
                prop_assert!(msg.contains("line"), "{msg}");
                prop_assert!(!msg.contains('\x1b'), "{}", msg);
            }
        }
    }

    #[test]
    fn config_loader_never_panics(text in "\\PC{0,300}") {
        let _ = Config::from_user_toml(&text, Path::new("pushguard.toml"));
    }

    #[test]
    fn config_loader_never_panics_on_tomlish_input(
        section in prop_oneof![Just("deploy".to_owned()), Just("paths.x".to_owned()), Just("rules.empty-commit".to_owned()), Just("tiers.full".to_owned()), Just("policy".to_owned()), "[a-z.-]{1,12}"],
        key in "[a-z_]{1,10}",
        value in prop_oneof![Just("\"x\"".to_owned()), Just("[\"**/*\"]".to_owned()), Just("3".to_owned()), Just("-1".to_owned()), Just("[\"[\"]".to_owned()), "\"\\PC{0,10}\""],
    ) {
        let text = format!("[{section}]\n{key} = {value}\n");
        if let Err(e) = Config::from_user_toml(&text, Path::new("pushguard.toml")) {
            let msg = e.to_string();
            prop_assert!(msg.contains("pushguard.toml:"), "{msg}");
        }
    }

    #[test]
    fn dockerignore_never_panics(text in "\\PC{0,200}", path in "[a-z./*!?\\[\\]-]{0,40}") {
        if let Ok(ignore) = DockerIgnore::parse(&text) {
            let _ = ignore.is_excluded(&path);
        }
    }

    #[test]
    fn dockerignore_literal_patterns_exclude_themselves_and_their_children(name in "[a-z]{1,8}", child in "[a-z]{1,8}") {
        let ignore = DockerIgnore::parse(&name).unwrap();
        prop_assert!(ignore.is_excluded(&name));
        let nested = format!("{name}/{child}");
        prop_assert!(ignore.is_excluded(&nested));
        let other = format!("{name}x");
        prop_assert!(!ignore.is_excluded(&other));
    }

    #[test]
    fn escaped_text_has_no_control_characters(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let out = escape_bytes(&bytes);
        prop_assert!(!out.chars().any(char::is_control), "{}", out);
        if let Ok(s) = std::str::from_utf8(&bytes) {
            let escaped = escape(s);
            prop_assert!(!escaped.chars().any(char::is_control), "{}", escaped);
        }
    }
}
