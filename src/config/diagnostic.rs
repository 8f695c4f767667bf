//! Configuration errors, rendered the way cargo and rustc render theirs: a headline, the
//! file, line and column, the offending source line with a caret under the span, and a
//! `help:` line saying what to write instead.
//!
//! Invariant: every piece of user text that reaches the rendered output (file names,
//! source lines, keys and values quoted in messages) has gone through
//! [`crate::escape::escape`], so a config file cannot put control sequences on a terminal.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use crate::escape::escape;

/// One or more problems found in a configuration file.
///
/// `Display` renders all of them, each with its snippet, followed by a summary line when
/// there is more than one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    file: String,
    diagnostics: Vec<Diagnostic>,
}

impl ConfigError {
    pub(crate) fn new(file: &Path, diagnostics: Vec<Diagnostic>) -> ConfigError {
        ConfigError {
            file: escape(&file.to_string_lossy()).into_owned(),
            diagnostics,
        }
    }

    /// The problems, in the order they occur in the file.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            d.fmt(f)?;
        }
        if self.diagnostics.len() > 1 {
            write!(
                f,
                "\n\nerror: {} has {} errors; pushguard did not load it",
                self.file,
                self.diagnostics.len()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// A single problem: what is wrong, where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    message: String,
    location: Option<Location>,
    help: Option<String>,
}

/// Where a problem is, already prepared for display.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Location {
    /// Escaped file path as the user named it.
    path: String,
    /// 1-based line number.
    line: usize,
    /// 1-based column, counted in characters.
    column: usize,
    /// The escaped source line, tabs expanded.
    text: String,
    /// Characters of `text` before the caret.
    caret_offset: usize,
    /// Number of carets, at least 1.
    caret_len: usize,
}

impl Diagnostic {
    /// A diagnostic with no position in a file.
    pub(crate) fn unlocated(message: String, help: Option<String>) -> Diagnostic {
        Diagnostic {
            message,
            location: None,
            help,
        }
    }

    /// The headline, without the `error: ` prefix. Raw: it may quote text from the file,
    /// so print it through [`crate::escape::escape`] (as `Display` does).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The 1-based line of the problem, if it has a position.
    pub fn line(&self) -> Option<usize> {
        self.location.as_ref().map(|l| l.line)
    }

    /// The 1-based column (in characters) of the problem, if it has a position.
    pub fn column(&self) -> Option<usize> {
        self.location.as_ref().map(|l| l.column)
    }

    /// What to do about it.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", escape(&self.message))?;
        let gutter = match &self.location {
            Some(loc) => {
                let gutter = " ".repeat(loc.line.to_string().len());
                write!(
                    f,
                    "\n{gutter}--> {}:{}:{}\n{gutter} |\n{} | {}\n{gutter} | {}{}",
                    loc.path,
                    loc.line,
                    loc.column,
                    loc.line,
                    loc.text,
                    " ".repeat(loc.caret_offset),
                    "^".repeat(loc.caret_len),
                )?;
                gutter
            }
            None => String::new(),
        };
        if let Some(help) = &self.help {
            write!(f, "\n{gutter} = help: {}", escape(help))?;
        }
        Ok(())
    }
}

/// The text of one configuration file, able to turn byte spans into diagnostics.
pub(crate) struct Source<'a> {
    path: &'a Path,
    text: &'a str,
    /// Escaped file name for headlines (`unknown tier `fast` in pushguard.toml`).
    name: String,
}

impl<'a> Source<'a> {
    pub(crate) fn new(path: &'a Path, text: &'a str) -> Source<'a> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_else(|| path.to_string_lossy());
        Source {
            path,
            text,
            name: escape(&name).into_owned(),
        }
    }

    /// The escaped file name used in headlines.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// A diagnostic pointing at `span` (byte offsets into the text).
    pub(crate) fn diagnostic(
        &self,
        span: Range<usize>,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        Diagnostic {
            message,
            location: Some(self.locate(span)),
            help,
        }
    }

    /// Turns a byte span into a line, a column and a caret. Spans that are out of range
    /// or split a character are clamped rather than trusted, so this never panics.
    fn locate(&self, span: Range<usize>) -> Location {
        let text = self.text;
        let slice = |r: Range<usize>| text.get(r).unwrap_or("");
        let start = floor_boundary(text, span.start);
        let line_start = slice(0..start).rfind('\n').map_or(0, |i| i + 1);
        let line_end = slice(start..text.len())
            .find('\n')
            .map_or(text.len(), |i| start + i);
        let end = floor_boundary(text, span.end.clamp(start, line_end));
        let before = slice(line_start..start);
        let under = slice(start..end).trim_end_matches('\r');
        let line = slice(line_start..line_end).trim_end_matches('\r');
        let column = before.chars().count() + 1;
        // A long line (a minified file, a file of NUL bytes) is shown as a window around
        // the caret: an error message quotes a short excerpt, never the whole input.
        let from = (column - 1).saturating_sub(SNIPPET_BEFORE);
        let clipped_before: String = before.chars().skip(from).collect();
        let lead = if from > 0 { "…" } else { "" };
        let shown: String = line.chars().skip(from).take(MAX_SNIPPET_CHARS).collect();
        let tail = if line.chars().count() > from + MAX_SNIPPET_CHARS {
            "…"
        } else {
            ""
        };
        let caret_offset = lead.chars().count() + display_line(&clipped_before).chars().count();
        let room = display_line(&shown)
            .chars()
            .count()
            .saturating_sub(display_line(&clipped_before).chars().count());
        Location {
            path: escape(&self.path.to_string_lossy()).into_owned(),
            line: slice(0..start).matches('\n').count() + 1,
            column,
            text: format!("{lead}{}{tail}", display_line(&shown)),
            caret_offset,
            caret_len: display_line(under).chars().count().clamp(1, room.max(1)),
        }
    }
}

/// The most characters of a source line a snippet shows.
const MAX_SNIPPET_CHARS: usize = 120;

/// How many characters before the caret a clipped snippet keeps.
const SNIPPET_BEFORE: usize = 40;

/// The largest char boundary of `text` at or below `i`.
fn floor_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A source line as shown in a snippet: tabs expanded (as rustc does) and then escaped.
fn display_line(s: &str) -> String {
    escape(&s.replace('\t', "    ")).into_owned()
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a
/// plausible typo (at most a third of the word's length, and at least 1).
pub(crate) fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = Vec::with_capacity(b.len() + 1);
    for (i, ca) in a.chars().enumerate() {
        cur.clear();
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let delete = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let insert = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(substitute.min(delete).min(insert));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}

/// `help` prefixed with "did you mean `x`? " when there is a close candidate.
pub(crate) fn with_suggestion(suggestion: Option<&str>, help: String) -> String {
    match suggestion {
        Some(s) => format!("did you mean `{}`? {help}", escape(s)),
        None => help,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("tier", "tiers"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
    }

    #[test]
    fn suggestions_are_close_only() {
        let keys = ["globs", "tier", "reason", "enabled"];
        assert_eq!(did_you_mean("glob", keys), Some("globs"));
        assert_eq!(did_you_mean("Tier", keys), Some("tier"));
        assert_eq!(did_you_mean("zzzzzz", keys), None);
    }

    #[test]
    fn locate_clamps_and_counts_characters() {
        let text = "a = 1\n\té = \"x\"\n";
        let src = Source::new(Path::new("p.toml"), text);
        let d = src.diagnostic(10..13, "m".into(), None);
        assert_eq!((d.line(), d.column()), (Some(2), Some(4)));
        // Out-of-range and mid-character spans do not panic.
        let d = src.diagnostic(1000..2000, "m".into(), None);
        assert_eq!(d.line(), Some(3));
        let d = src.diagnostic(8..9, "m".into(), None);
        assert_eq!(d.line(), Some(2));
    }

    #[test]
    fn rendering_escapes_control_characters() {
        let text = "x = \"\u{1b}[31m\"\n";
        let src = Source::new(Path::new("p\u{1b}.toml"), text);
        let rendered = src
            .diagnostic(4..11, "bad \u{1b}".into(), Some("h".into()))
            .to_string();
        assert!(rendered.contains("p\\e.toml:1:5"), "{rendered}");
        assert!(!rendered.contains("p\u{1b}"), "{rendered}");
        assert!(rendered.contains("x = \"\\e[31m\""), "{rendered}");
        assert!(!rendered.contains('\u{1b}'), "{rendered}");
    }
}
