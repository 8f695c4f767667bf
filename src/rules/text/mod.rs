//! Tells cosmetic edits (whitespace, blank lines, comments) from functional ones, per file kind,
//! and masks volatile values (dates, times, counters) for the timestamp-edit rule.
//!
//! Whole-file comparison ([`compare`]) scans each file once, keeping the state a line-by-line
//! look cannot have: multi-line strings and docstrings (Python, TOML, JS template literals,
//! YAML quoted scalars), block comments (JS, Markdown), shell heredocs and YAML block scalars
//! (`run: |`), whose `#` lines are content. Dockerfiles are compared with the real parser
//! ([`crate::docker::dockerfile`]), so the answer matches BuildKit's cache.
//!
//! What counts as significant, per kind:
//! - Indentation is significant where the language makes it so: Python (for lines that start
//!   a logical line, i.e. outside brackets and backslash continuations), YAML, Markdown, and
//!   unknown files. Elsewhere leading whitespace is not.
//! - Trailing whitespace is never significant (not even inside multi-line strings, where it
//!   would technically change the value: nobody means anything by it).
//! - Runs of inner whitespace outside string literals count as one space (JSON: as none).
//! - `#` inside a string literal is not a comment; for shell, YAML and requirements files a
//!   `#` starts a comment only at the start of a word (pip: `(^|\s+)#`). pip does not honour
//!   quotes when stripping comments, so neither does the requirements scanner.
//!
//! Scanning is linear in the input and never panics; lines are split on `\n`, and a `\r`
//! before it is a line ending, not content.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ops::Range;

use crate::ascii::{ends_with_ignore_case, starts_with_ignore_case};
use crate::docker::dockerfile;
use crate::globs::extension;

mod scanner;
mod signature;
#[cfg(test)]
mod tests;
mod volatile;

use scanner::*;
use signature::*;
pub use volatile::mask_volatile;

/// The kinds of files whose comments and whitespace are understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Dockerfile,
    Python,
    /// JavaScript and TypeScript (`.js .jsx .mjs .cjs .ts .tsx .mts .cts`).
    JavaScript,
    Shell,
    Toml,
    Yaml,
    /// pip requirements and constraints files.
    Requirements,
    /// Documentation: every edit is content; see [`FileKind::is_docs`].
    Markdown,
    /// JSON; `//` and `/* */` comments are accepted as in JSONC (`tsconfig.json`).
    Json,
    Other,
}

impl FileKind {
    /// The kind of a repository path, by file name:
    /// `Dockerfile`, `Dockerfile.*`, `*.dockerfile`, `Containerfile[.*]` (but not
    /// `*.dockerignore`); `*.py[i]`; JS/TS extensions; `*.sh`, `*.bash`; `*.toml`;
    /// `*.yml`, `*.yaml`; `requirements*.txt|in`, `constraints*.txt|in`, and `*.txt|in` in a
    /// `requirements/` directory; `*.md`, `*.markdown`; `*.json`. Case-insensitive.
    pub fn from_path(path: &str) -> FileKind {
        // Case-insensitive throughout, without lowercased copies: rules ask this of every
        // pushed path.
        let mut parts = path.rsplit(['/', '\\']);
        let name = parts.next().unwrap_or(path).as_bytes();
        let parent = parts.next().unwrap_or("").as_bytes();
        if ends_with_ignore_case(name, b".dockerignore") {
            return FileKind::Other;
        }
        let is_base = |base: &[u8]| {
            starts_with_ignore_case(name, base)
                && name
                    .get(base.len()..)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(b"."))
        };
        if is_base(b"dockerfile")
            || is_base(b"containerfile")
            || ends_with_ignore_case(name, b".dockerfile")
        {
            return FileKind::Dockerfile;
        }
        let ext = extension(name).unwrap_or_default();
        let ext_is = |list: &[&str]| list.iter().any(|e| ext.eq_ignore_ascii_case(e.as_bytes()));
        if ext_is(&["txt", "in"])
            && (starts_with_ignore_case(name, b"requirements")
                || starts_with_ignore_case(name, b"constraints")
                || parent.eq_ignore_ascii_case(b"requirements"))
        {
            return FileKind::Requirements;
        }
        const KINDS: [(&[&str], FileKind); 7] = [
            (&["py", "pyi"], FileKind::Python),
            (
                &["js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts"],
                FileKind::JavaScript,
            ),
            (&["sh", "bash"], FileKind::Shell),
            (&["toml"], FileKind::Toml),
            (&["yml", "yaml"], FileKind::Yaml),
            (&["md", "markdown"], FileKind::Markdown),
            (&["json"], FileKind::Json),
        ];
        KINDS
            .iter()
            .find(|(exts, _)| ext_is(exts))
            .map_or(FileKind::Other, |&(_, kind)| kind)
    }

    /// True for documentation, whose edits never matter to a build's behaviour but are
    /// still reported as [`ChangeNature::Functional`] content changes by [`compare`].
    pub fn is_docs(self) -> bool {
        self == FileKind::Markdown
    }
}

/// How two versions of a file differ, from least to most significant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeNature {
    /// Byte-identical.
    Identical,
    /// Only whitespace characters differ (spaces, tabs, line breaks, blank lines), and none
    /// of the differences is significant for the kind.
    WhitespaceOnly,
    /// Comment text differs (possibly with whitespace and blank lines), nothing else.
    CommentOnly,
    /// Anything else: code, content, or significant whitespace such as Python indentation.
    Functional,
}

/// Compares two versions of a whole file of the given kind.
///
/// For Dockerfiles the test is [`dockerfile::Dockerfile::same_build`]: cache-key equality as
/// BuildKit sees it. A version that fails to parse while the other parses is `Functional`;
/// when both fail, a line-based comparison is used. Callers must still handle the case of a
/// Dockerfile copied into its own image (`COPY . .`), where any edit is a context change.
pub fn compare(kind: FileKind, old: &str, new: &str) -> ChangeNature {
    if old == new {
        return ChangeNature::Identical;
    }
    let equivalent = match kind {
        FileKind::Dockerfile => dockerfiles_equivalent(old, new),
        _ => same_signature(kind, old, new),
    };
    if !equivalent {
        ChangeNature::Functional
    } else if non_whitespace_eq(old, new) {
        ChangeNature::WhitespaceOnly
    } else {
        ChangeNature::CommentOnly
    }
}

/// The code part of one line, without comments and trailing whitespace (leading whitespace
/// kept), or `None` when the line is blank or only a comment.
///
/// Stateless best effort for callers that only have diff lines: it cannot know that a line
/// sits inside a multi-line string, a block comment, a heredoc or a YAML block scalar, so a
/// `#` line there is wrongly reported as a comment. Use [`compare`] when both whole files
/// are available. A block comment inside a line is replaced by one space.
pub fn code_of_line(kind: FileKind, line: &str) -> Option<Cow<'_, str>> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let scan = Scanner::new(kind).scan_line(line);
    let has_text = scan
        .pieces
        .iter()
        .any(|p| p.kind == PieceKind::Literal || !slice(line, &p.range).trim().is_empty());
    if !has_text {
        return None;
    }
    let (first, last) = (scan.pieces.first()?, scan.pieces.last()?);
    let contiguous = scan
        .pieces
        .windows(2)
        .all(|w| w.first().map(|p| p.range.end) == w.get(1).map(|p| p.range.start));
    if contiguous {
        return Some(Cow::Borrowed(
            slice(line, &(first.range.start..last.range.end)).trim_end(),
        ));
    }
    let mut out = String::with_capacity(line.len());
    let mut prev_end: Option<usize> = None;
    for piece in &scan.pieces {
        if prev_end.is_some_and(|e| e != piece.range.start) {
            out.push(' ');
        }
        out.push_str(slice(line, &piece.range));
        prev_end = Some(piece.range.end);
    }
    Some(Cow::Owned(out.trim_end().to_owned()))
}

fn dockerfiles_equivalent(old: &str, new: &str) -> bool {
    match (dockerfile::parse(old), dockerfile::parse(new)) {
        (Ok(a), Ok(b)) => a.same_build(&b),
        (Err(_), Err(_)) => {
            signature(FileKind::Dockerfile, old) == signature(FileKind::Dockerfile, new)
        }
        _ => false,
    }
}

fn non_whitespace_eq(a: &str, b: &str) -> bool {
    let visible = |c: &char| !c.is_whitespace();
    a.chars().filter(visible).eq(b.chars().filter(visible))
}

fn slice<'a>(line: &'a str, range: &Range<usize>) -> &'a str {
    line.get(range.clone()).unwrap_or("")
}
