//! Masking of what may be a secret, the one place it is done: a value a rule found
//! ([`secret`]) and a word of an instruction the rebuild model quotes
//! ([`instruction_word`]).
//!
//! Invariant: a finding never shows more of a secret than [`secret`] does (its first
//! characters, escaped); a quoted instruction never shows a word [`instruction_word`] would
//! hide.

use crate::escape::escape;

/// The first characters of a secret (at most four, fewer for short values), then `****`.
/// The result is escaped for printing.
pub fn secret(secret: &str) -> String {
    let n = secret.chars().count();
    let shown: String = secret.chars().take((n / 4).min(4)).collect();
    format!("{}****", escape(&shown))
}

/// Names whose values are credentials: a flag (`--access-token`), a variable
/// (`DB_PASSWORD=`), a header (`Authorization: Bearer`).
const SECRET_NAME_PARTS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api-key",
    "api_key",
    "auth",
    "credential",
    "private-key",
    "private_key",
];

fn names_a_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_NAME_PARTS.iter().any(|p| lower.contains(p))
}

/// A line quoted in a finding (a workflow line, a changed file's line) with credentials
/// replaced by `…`: the value after a credential flag (`--password x`, `--token=x`,
/// `--access-token x`), after `Bearer`, of a credential-named assignment (`API_TOKEN=x`,
/// `password: x`), URL credentials, and runs of 20 or more letters and digits that mix
/// both (keys and tokens). Dates, versions and ordinary words stay readable. Raw; escape
/// for display.
pub fn line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut hide_next = false;
    for (i, piece) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if piece.is_empty() {
            continue;
        }
        let bare = piece.trim_matches(['"', '\'', ',']);
        if hide_next {
            // `Authorization: Bearer TOKEN`: the scheme stays, the token goes.
            if bare.eq_ignore_ascii_case("bearer") || bare.eq_ignore_ascii_case("basic") {
                out.push_str(piece);
            } else {
                out.push('…');
                hide_next = false;
            }
            continue;
        }
        if bare.eq_ignore_ascii_case("bearer") || bare.eq_ignore_ascii_case("basic") {
            out.push_str(piece);
            hide_next = true;
            continue;
        }
        if let Some((name, value)) = piece.split_once(['=', ':']) {
            if names_a_secret(name) && !value.is_empty() {
                let sep = &piece[name.len()..=name.len()];
                out.push_str(name);
                out.push_str(sep);
                out.push('…');
                continue;
            }
        }
        if (bare.starts_with('-') || bare.ends_with(':')) && names_a_secret(bare) {
            out.push_str(piece);
            hide_next = true;
            continue;
        }
        out.push_str(&key_runs(&url_credentials(piece), 20));
    }
    out
}

/// `scheme://user:pw@host` with the credentials replaced by `…`.
fn url_credentials(word: &str) -> String {
    if let Some(scheme) = word.find("://") {
        let rest_start = scheme + 3;
        if let Some(at) = word.get(rest_start..).and_then(|r| r.find('@')) {
            let host = word.get(rest_start + at..).unwrap_or_default();
            return format!("{}…{host}", word.get(..rest_start).unwrap_or_default());
        }
    }
    word.to_owned()
}

/// `word` with every run of at least `min` ASCII letters and digits that mixes both
/// replaced by `…`.
fn key_runs(word: &str, min: usize) -> String {
    let mut out = String::with_capacity(word.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let letters = run.chars().any(|c| c.is_ascii_alphabetic());
        let digits = run.chars().any(|c| c.is_ascii_digit());
        if run.chars().count() >= min && letters && digits {
            out.push('…');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in word.chars() {
        if c.is_ascii_alphanumeric() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// A word of an instruction with what may be a secret replaced by `…`: the value of a
/// `NAME=value` assignment (but not `pkg==1.0`), the credentials of a `scheme://user:pw@`
/// URL, and every run of 12 or more letters and digits that mixes both (keys and tokens
/// are such runs; words, versions and paths rarely are).
pub fn instruction_word(word: &str) -> String {
    let mut word = word.to_owned();
    if let Some((name, value)) = word.split_once('=') {
        let bare = name.trim_start_matches(['"', '\'']);
        let is_name = bare
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_name && !value.is_empty() && !value.starts_with('=') {
            word = format!("{name}=…");
        }
    }
    key_runs(&url_credentials(&word), 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_lines_lose_their_credentials_and_keep_the_rest() {
        assert_eq!(
            line("flyctl deploy --access-token fo1_abc --build-arg V=1"),
            "flyctl deploy --access-token … --build-arg V=1"
        );
        assert_eq!(
            line("login --password=CorrectHorse9 -u me"),
            "login --password=… -u me"
        );
        assert_eq!(
            line("curl -H 'Authorization: Bearer eyJhbGciOi' https://x"),
            "curl -H 'Authorization: Bearer … https://x"
        );
        assert_eq!(
            line("DB_PASSWORD=hunter2 BUILD_DATE=2025-01-02"),
            "DB_PASSWORD=… BUILD_DATE=2025-01-02"
        );
        assert_eq!(
            line("git clone https://user:pw@github.com/o/r"),
            "git clone https://…@github.com/o/r"
        );
        assert_eq!(line("key AKIAIOSFODNN7EXAMPLEXYZ end"), "key … end");
        assert_eq!(
            line("version: 1.2.3 # built 2025-11-04T10:22:01Z"),
            "version: 1.2.3 # built 2025-11-04T10:22:01Z"
        );
    }
}
