//! Property tests: no input makes the parsers panic, and round trips hold where they exist.
//! (Parsers of git's hook stdin, the config loader, the .dockerignore matcher and the
//! terminal escaper; the Dockerfile parser and line classifier have their own below.)

use std::path::Path;

use proptest::prelude::*;
use pushguard::config::Config;
use pushguard::docker::dockerignore::DockerIgnore;
use pushguard::escape::{escape, escape_bytes};
use pushguard::git::push::{parse_receive_stdin, parse_stdin};

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
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, .. ProptestConfig::default() })]

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

use pushguard::docker::dockerfile;
use pushguard::rules::text::{self, ChangeNature, FileKind};

/// Dockerfile-ish text: instructions, flags, continuations, comments, heredocs, directives.
fn dockerfile_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("FROM python:3.12-slim AS base".to_owned()),
        Just("# syntax=docker/dockerfile:1".to_owned()),
        Just("# escape=`".to_owned()),
        Just("RUN --mount=type=cache,target=/root/.cache pip install \\".to_owned()),
        Just("    flask".to_owned()),
        Just("# a comment".to_owned()),
        Just("".to_owned()),
        Just("COPY --from=base . .".to_owned()),
        Just("RUN <<EOF".to_owned()),
        Just("RUN <<-\"EOT\" cat".to_owned()),
        Just("EOF".to_owned()),
        Just("ARG CACHEBUST=1".to_owned()),
        Just("ENV A=1 B=\"2 3\"".to_owned()),
        Just("\\".to_owned()),
        "\\PC{0,30}",
    ];
    proptest::collection::vec(line, 0..25).prop_map(|l| l.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn dockerfile_parser_never_panics(text in dockerfile_text()) {
        if let Ok(df) = dockerfile::parse(&text) {
            for i in &df.instructions {
                let _ = i.cache_key();
                let _ = i.copy_sources();
                let _ = i.arg_defs();
                let _ = i.env_pairs();
                let _ = i.variables_used();
                let _ = i.mounts();
                prop_assert!(i.start_line >= 1 && i.start_line <= i.end_line);
            }
        }
    }

    #[test]
    fn dockerfile_parser_never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        let _ = dockerfile::parse(&text);
    }

    /// Appending a comment line never changes what BuildKit builds.
    #[test]
    fn appended_comments_are_the_same_build(text in dockerfile_text(), comment in "[ -~]{0,40}") {
        if let Ok(old) = dockerfile::parse(&text) {
            let new_text = format!("{text}\n# {comment}\n");
            if let Ok(new) = dockerfile::parse(&new_text) {
                // Unless the comment lands inside an open heredoc or continuation.
                let open = text.trim_end().ends_with('\\') || text.contains("<<");
                prop_assert!(open || old.same_build(&new), "{text:?}");
            }
        }
    }

    #[test]
    fn line_classifier_never_panics(old in "\\PC{0,200}", new in "\\PC{0,200}", kind in 0usize..10) {
        let kinds = ["Dockerfile", "a.py", "a.ts", "a.sh", "a.toml", "a.yml", "requirements.txt", "README.md", "a.json", "a.bin"];
        let kind = FileKind::from_path(kinds[kind]);
        let _ = text::compare(kind, &old, &new);
        for line in new.lines() {
            let _ = text::code_of_line(kind, line);
            let _ = text::mask_volatile(line);
        }
    }

    /// Comparing a file with itself is always Identical; with trailing spaces added, never
    /// Functional (outside quoted strings, which may span lines and keep their spaces). A
    /// line ending in a backslash is left unpadded: `\` then a newline continues the line in
    /// Python, shell and Dockerfiles, while `\` then a space does not, so padding it is a real
    /// change (found by this test: `"\\\n A"` as Python).
    #[test]
    fn line_classifier_identity(text in "[ !#-&(-_a-~\n]{0,200}", kind in 0usize..9) {
        let kinds = ["Dockerfile", "a.py", "a.ts", "a.sh", "a.toml", "a.yml", "requirements.txt", "README.md", "a.json"];
        let kind = FileKind::from_path(kinds[kind]);
        prop_assert_eq!(text::compare(kind, &text, &text), ChangeNature::Identical);
        let padded: String = text
            .lines()
            .map(|l| if l.ends_with('\\') { format!("{l}\n") } else { format!("{l}  \n") })
            .collect();
        let unpadded: String = text.lines().map(|l| format!("{l}\n")).collect();
        prop_assert_ne!(text::compare(kind, &unpadded, &padded), ChangeNature::Functional, "{:?}", text);
    }

    /// Masking is idempotent: a masked line masks to itself.
    #[test]
    fn mask_volatile_is_idempotent(line in "[ -~]{0,80}") {
        let once = text::mask_volatile(&line);
        prop_assert_eq!(text::mask_volatile(&once), once.clone());
    }
}
