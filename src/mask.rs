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
    if let Some(scheme) = word.find("://") {
        let rest_start = scheme + 3;
        if let Some(at) = word.get(rest_start..).and_then(|r| r.find('@')) {
            let host = word.get(rest_start + at..).unwrap_or_default().to_owned();
            word = format!("{}…{host}", word.get(..rest_start).unwrap_or_default());
        }
    }
    let mut out = String::with_capacity(word.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let letters = run.chars().any(|c| c.is_ascii_alphabetic());
        let digits = run.chars().any(|c| c.is_ascii_digit());
        if run.chars().count() >= 12 && letters && digits {
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
