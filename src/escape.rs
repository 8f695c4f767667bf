//! Escaping of untrusted text (paths, commit messages, file lines, ref names) before it
//! reaches a terminal or a log.
//!
//! Invariant: the output of [`escape`] and [`escape_bytes`] contains no C0 or C1 control
//! characters (other than none at all), no DEL, and no bidi override characters, so nothing
//! taken from a repository can move the cursor, change colours or reorder text.

use std::borrow::Cow;
use std::fmt::Write;

/// Escapes control characters in `s` as `\n`, `\t`, `\e`, `\x7f`, `\u{202e}`, … .
/// Backslashes are left alone; the result is for human eyes, not for parsing back.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_char(&mut out, c);
    }
    Cow::Owned(out)
}

/// Like [`escape`] for bytes that may not be UTF-8: invalid bytes become `\xNN`.
pub fn escape_bytes(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => escape(s),
        Err(_) => {
            let mut out = String::with_capacity(b.len() + 8);
            for chunk in b.utf8_chunks() {
                for c in chunk.valid().chars() {
                    push_char(&mut out, c);
                }
                for byte in chunk.invalid() {
                    let _ = write!(out, "\\x{byte:02x}");
                }
            }
            Cow::Owned(out)
        }
    }
}

/// Text that is safe to print: it went through [`escape`] (or came from pushguard's own
/// words, which hold no control characters and are unchanged by it).
///
/// Invariant: holds no character [`escape`] would change. It is made only by escaping, so
/// a [`Finding`](crate::finding::Finding) cannot carry raw repository or configuration
/// text, whoever builds it; escaping is idempotent, so text escaped earlier is unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Escaped(String);

impl Escaped {
    /// Escapes `text`.
    pub fn new(text: &str) -> Escaped {
        Escaped(escape(text).into_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Escaped {
    fn from(text: &str) -> Escaped {
        Escaped::new(text)
    }
}

impl From<String> for Escaped {
    fn from(text: String) -> Escaped {
        match escape(&text) {
            Cow::Borrowed(_) => Escaped(text),
            Cow::Owned(escaped) => Escaped(escaped),
        }
    }
}

impl From<&String> for Escaped {
    fn from(text: &String) -> Escaped {
        Escaped::new(text)
    }
}

impl std::ops::Deref for Escaped {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Escaped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Escaped {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Escaped {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_char(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{1b}' => out.push_str("\\e"),
        c if (c as u32) < 0x80 && needs_escape(c) => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if needs_escape(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_ansi_and_newlines() {
        assert_eq!(escape("a\u{1b}[31mb\nc"), "a\\e[31mb\\nc");
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape("\u{9b}"), "\\u{9b}");
    }

    #[test]
    fn escapes_invalid_utf8() {
        assert_eq!(escape_bytes(b"a\xffb\x07"), "a\\xffb\\x07");
    }
}
