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

// ---------------------------------------------------------------------------------------------
// Signatures: the functionally significant text of a file, one entry per significant line.

/// How inner whitespace outside literals is normalised.
#[derive(Clone, Copy, PartialEq)]
enum Collapse {
    /// Runs become one space.
    Single,
    /// Removed (JSON, where tokens never need a separator).
    Remove,
    /// Kept as is.
    Keep,
}

/// What happens to blank (or comment-only) lines.
#[derive(Clone, Copy, PartialEq)]
enum Blanks {
    Drop,
    /// Runs of blank lines count as one; blank lines at either end are dropped (Markdown).
    CollapseRuns,
    /// Kept, except at the end of the file (unknown formats).
    Keep,
}

fn policy(kind: FileKind) -> (Collapse, Blanks) {
    match kind {
        FileKind::Json => (Collapse::Remove, Blanks::Drop),
        FileKind::Markdown => (Collapse::Keep, Blanks::CollapseRuns),
        FileKind::Other => (Collapse::Keep, Blanks::Keep),
        _ => (Collapse::Single, Blanks::Drop),
    }
}

fn signature(kind: FileKind, text: &str) -> Vec<String> {
    let lines: Vec<String> = SignatureLines::new(kind, text).collect();
    if policy(kind).0 == Collapse::Remove {
        return vec![lines.concat()];
    }
    lines
}

/// Whether two texts have the same [`signature`], compared a line at a time so that a
/// functional change (the usual case) stops the comparison at its first line.
fn same_signature(kind: FileKind, old: &str, new: &str) -> bool {
    if policy(kind).0 == Collapse::Remove {
        return signature(kind, old) == signature(kind, new);
    }
    SignatureLines::new(kind, old).eq(SignatureLines::new(kind, new))
}

/// The lines of a [`signature`], one at a time: each line's significant text, with blank
/// and comment-only lines kept, collapsed or dropped as [`policy`] says, and none at the
/// end of the text (blank lines are held back until a line with text follows).
struct SignatureLines<'t> {
    collapse: Collapse,
    blanks: Blanks,
    scanner: Scanner,
    lines: std::str::Split<'t, char>,
    /// Empty lines held back since the last line with text.
    held: usize,
    /// Whether the last line kept (held or not) has text: a run of blank lines collapses
    /// to one after it, and to none at the start.
    after_text: bool,
    /// A line with text to give once the held blank lines are out.
    next_text: Option<String>,
}

impl<'t> SignatureLines<'t> {
    fn new(kind: FileKind, text: &'t str) -> SignatureLines<'t> {
        let (collapse, blanks) = policy(kind);
        SignatureLines {
            collapse,
            blanks,
            scanner: Scanner::new(kind),
            lines: text.split('\n'),
            held: 0,
            after_text: false,
            next_text: None,
        }
    }
}

impl Iterator for SignatureLines<'_> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        loop {
            if self.next_text.is_some() {
                if self.held > 0 {
                    self.held -= 1;
                    return Some(String::new());
                }
                return self.next_text.take();
            }
            let line = self.lines.next()?;
            let line = line.strip_suffix('\r').unwrap_or(line);
            let scan = self.scanner.scan_line(line);
            match normalise(line, &scan, self.collapse) {
                // A line of a multi-line literal can be empty text: kept as such.
                Some(text) if text.is_empty() => {
                    self.held += 1;
                    self.after_text = false;
                }
                Some(text) => {
                    self.next_text = Some(text);
                    self.after_text = true;
                }
                None => match self.blanks {
                    Blanks::Drop => {}
                    Blanks::Keep => {
                        self.held += 1;
                        self.after_text = false;
                    }
                    Blanks::CollapseRuns => {
                        if self.after_text {
                            self.held += 1;
                            self.after_text = false;
                        }
                    }
                },
            }
        }
    }
}

/// The significant text of one scanned line, or `None` when it is blank or comment-only.
fn normalise(line: &str, scan: &LineScan, collapse: Collapse) -> Option<String> {
    if scan.content {
        return Some(line.trim_end().to_owned());
    }
    let mut out = String::with_capacity(line.len());
    let mut pending_space = false;
    let mut prev_end: Option<usize> = None;
    let mut has_literal = false;
    for piece in &scan.pieces {
        if prev_end.is_some_and(|e| e != piece.range.start) {
            pending_space = true;
        }
        prev_end = Some(piece.range.end);
        let text = slice(line, &piece.range);
        if piece.kind == PieceKind::Literal {
            has_literal = true;
            if pending_space && !out.is_empty() && collapse != Collapse::Remove {
                out.push(' ');
            }
            pending_space = false;
            out.push_str(text);
            continue;
        }
        if collapse == Collapse::Keep {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push_str(text);
            continue;
        }
        for c in text.chars() {
            if c.is_whitespace() {
                pending_space = true;
                continue;
            }
            if pending_space && !out.is_empty() && collapse == Collapse::Single {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    let body = if collapse == Collapse::Keep {
        out.trim()
    } else {
        out.trim_end()
    };
    if body.is_empty() && !has_literal {
        return None;
    }
    let indent = if scan.indent_significant {
        let starts_in_code = scan
            .pieces
            .first()
            .is_some_and(|p| p.range.start == 0 && p.kind == PieceKind::Code);
        if starts_in_code {
            line.get(..line.len() - line.trim_start_matches([' ', '\t']).len())
                .unwrap_or("")
        } else {
            ""
        }
    } else {
        ""
    };
    Some(format!("{indent}{body}"))
}

// ---------------------------------------------------------------------------------------------
// The scanner: splits each line into code and literal pieces; comments are the gaps.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PieceKind {
    Code,
    /// String-literal text, kept verbatim.
    Literal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Piece {
    range: Range<usize>,
    kind: PieceKind,
}

#[derive(Debug, Default)]
struct LineScan {
    /// Code and literal pieces in order; comment text lies between or after them.
    pieces: Vec<Piece>,
    /// Leading whitespace of this line is significant.
    indent_significant: bool,
    /// The whole line is literal content (heredoc body, YAML block scalar).
    content: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    Backslash,
    /// YAML single quotes: `''` stands for a quote.
    Doubled,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    Str {
        close: &'static str,
        escape: Escape,
        multiline: bool,
    },
    BlockComment {
        close: &'static str,
    },
}

struct Scanner {
    kind: FileKind,
    open: Open,
    /// Python bracket depth: inside brackets indentation means nothing.
    depth: u32,
    /// The previous line ended with a backslash continuation.
    continued: bool,
    lines_seen: usize,
    /// Shell heredocs opened on the current line, and those whose bodies are being read.
    pending_heredocs: Vec<(String, bool)>,
    heredocs: VecDeque<(String, bool)>,
    /// YAML block scalar: the indentation its content must exceed.
    block_scalar: Option<usize>,
}

impl Scanner {
    fn new(kind: FileKind) -> Scanner {
        Scanner {
            kind,
            open: Open::Nothing,
            depth: 0,
            continued: false,
            lines_seen: 0,
            pending_heredocs: Vec::new(),
            heredocs: VecDeque::new(),
            block_scalar: None,
        }
    }

    fn scan_line(&mut self, line: &str) -> LineScan {
        let first_line = self.lines_seen == 0;
        self.lines_seen = self.lines_seen.saturating_add(1);
        if let Some(scan) = self.heredoc_line(line) {
            return scan;
        }
        if let Some(scan) = self.block_scalar_line(line) {
            return scan;
        }
        let starts_open = self.open != Open::Nothing;
        let indent_significant = match self.kind {
            FileKind::Python => !starts_open && self.depth == 0 && !self.continued,
            FileKind::Yaml | FileKind::Markdown | FileKind::Other => !starts_open,
            _ => false,
        };
        self.continued = false;
        let whole = Piece {
            range: 0..line.len(),
            kind: PieceKind::Code,
        };
        let pieces = match self.kind {
            FileKind::Dockerfile if line.trim_start().starts_with('#') => Vec::new(),
            FileKind::Dockerfile | FileKind::Other => vec![whole],
            FileKind::Shell if first_line && line.starts_with("#!") => vec![whole],
            _ => self.scan_pieces(line),
        };
        if self.kind == FileKind::Shell && !self.continued {
            self.heredocs.extend(self.pending_heredocs.drain(..));
        }
        if self.kind == FileKind::Yaml && self.open == Open::Nothing {
            self.block_scalar = block_scalar_parent(line, &pieces);
        }
        LineScan {
            pieces,
            indent_significant,
            content: false,
        }
    }

    /// A line inside a shell heredoc: body (content) or the terminator (code).
    fn heredoc_line(&mut self, line: &str) -> Option<LineScan> {
        let (delimiter, strip_tabs) = self.heredocs.front()?;
        let candidate = if *strip_tabs {
            line.trim_start_matches('\t')
        } else {
            line
        };
        let is_end = candidate == delimiter;
        if is_end {
            self.heredocs.pop_front();
        }
        Some(LineScan {
            pieces: vec![Piece {
                range: 0..line.len(),
                kind: if is_end {
                    PieceKind::Code
                } else {
                    PieceKind::Literal
                },
            }],
            indent_significant: false,
            content: !is_end,
        })
    }

    /// A line inside a YAML block scalar: blank or more indented than its parent.
    fn block_scalar_line(&mut self, line: &str) -> Option<LineScan> {
        let parent = self.block_scalar?;
        let indent = line.len() - line.trim_start_matches(' ').len();
        if !line.trim().is_empty() && indent <= parent {
            self.block_scalar = None;
            return None;
        }
        Some(LineScan {
            pieces: vec![Piece {
                range: 0..line.len(),
                kind: PieceKind::Literal,
            }],
            indent_significant: false,
            content: true,
        })
    }

    fn scan_pieces(&mut self, line: &str) -> Vec<Piece> {
        let b = line.as_bytes();
        let mut pieces: Vec<Piece> = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match self.open {
                Open::BlockComment { close } => match find(b, i, close) {
                    Some(j) => {
                        i = j + close.len();
                        self.open = Open::Nothing;
                    }
                    None => i = b.len(),
                },
                Open::Str {
                    close,
                    escape,
                    multiline,
                } => {
                    let end = string_end(b, i, close, escape);
                    push(&mut pieces, i..end.unwrap_or(b.len()), PieceKind::Literal);
                    i = end.unwrap_or(b.len());
                    if end.is_some() || !multiline {
                        self.open = Open::Nothing;
                    }
                }
                Open::Nothing => match self.step(line, i, &pieces) {
                    Step::Code(len) => {
                        push(&mut pieces, i..i + len, PieceKind::Code);
                        i += len;
                    }
                    Step::Open(open, len) => {
                        let kind = match open {
                            Open::Str { .. } => PieceKind::Literal,
                            _ => PieceKind::Code,
                        };
                        if kind == PieceKind::Literal {
                            push(&mut pieces, i..i + len, kind);
                        }
                        self.open = open;
                        i += len;
                    }
                    Step::Literal(len) => {
                        push(&mut pieces, i..i + len, PieceKind::Literal);
                        i += len;
                    }
                    Step::CommentToEnd => break,
                },
            }
        }
        if let Open::Str {
            multiline: false, ..
        } = self.open
        {
            self.open = Open::Nothing;
        }
        pieces
    }

    /// Decides what the text at `i` (outside strings and comments) is.
    fn step(&mut self, line: &str, i: usize, pieces: &[Piece]) -> Step {
        let b = line.as_bytes();
        let c = byte(b, i);
        let rest = tail(b, i);
        let prev = i.checked_sub(1).map(|p| byte(b, p));
        let word_start = prev.map_or(true, |p| p.is_ascii_whitespace());
        match self.kind {
            FileKind::Python => {
                if c == b'#' {
                    return Step::CommentToEnd;
                }
                if let Some(open) = python_string(rest) {
                    return open;
                }
                match c {
                    b'(' | b'[' | b'{' => self.depth = self.depth.saturating_add(1),
                    b')' | b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                    b'\\' if i + 1 == b.len() => self.continued = true,
                    _ => {}
                }
            }
            FileKind::Toml => {
                if c == b'#' {
                    return Step::CommentToEnd;
                }
                if let Some(open) = toml_string(rest) {
                    return open;
                }
            }
            FileKind::JavaScript | FileKind::Json => {
                if rest.starts_with(b"//") {
                    return Step::CommentToEnd;
                }
                if rest.starts_with(b"/*") {
                    return Step::Open(Open::BlockComment { close: "*/" }, 2);
                }
                match c {
                    b'"' | b'\'' if self.kind == FileKind::JavaScript || c == b'"' => {
                        return Step::Open(single_line(c), 1)
                    }
                    b'`' if self.kind == FileKind::JavaScript => {
                        return Step::Open(multi_line("`", Escape::Backslash), 1)
                    }
                    b'/' if self.kind == FileKind::JavaScript && regex_allowed(line, i, pieces) => {
                        return Step::Literal(regex_len(b, i))
                    }
                    _ => {}
                }
            }
            FileKind::Shell => {
                let shell_word_start =
                    prev.map_or(true, |p| p.is_ascii_whitespace() || b";&|()".contains(&p));
                match c {
                    b'#' if shell_word_start => return Step::CommentToEnd,
                    b'\'' => return Step::Open(multi_line("'", Escape::None), 1),
                    b'"' => return Step::Open(multi_line("\"", Escape::Backslash), 1),
                    b'\\' if i + 1 == b.len() => self.continued = true,
                    b'\\' => return Step::Code(escaped_len(line, i)),
                    b'<' => {
                        if let Some(len) = self.shell_heredoc(b, i) {
                            return Step::Code(len);
                        }
                    }
                    _ => {}
                }
            }
            FileKind::Yaml => {
                let quote_ok =
                    prev.map_or(true, |p| p.is_ascii_whitespace() || b"[{,".contains(&p));
                match c {
                    b'#' if word_start => return Step::CommentToEnd,
                    b'"' if quote_ok => return Step::Open(multi_line("\"", Escape::Backslash), 1),
                    b'\'' if quote_ok => return Step::Open(multi_line("'", Escape::Doubled), 1),
                    _ => {}
                }
            }
            FileKind::Requirements => {
                if c == b'#' && word_start {
                    return Step::CommentToEnd;
                }
            }
            FileKind::Markdown => {
                if rest.starts_with(b"<!--") {
                    return Step::Open(Open::BlockComment { close: "-->" }, 4);
                }
            }
            FileKind::Dockerfile | FileKind::Other => {}
        }
        Step::Code(char_len(line, i))
    }

    /// Recognises `<<[-]WORD` (not `<<<`, not arithmetic shifts) and queues the heredoc.
    fn shell_heredoc(&mut self, b: &[u8], i: usize) -> Option<usize> {
        if !tail(b, i).starts_with(b"<<") || b.get(i + 2) == Some(&b'<') {
            return None;
        }
        if i > 0 && byte(b, i - 1) == b'<' {
            return None;
        }
        let mut j = i + 2;
        let strip_tabs = b.get(j) == Some(&b'-');
        if strip_tabs {
            j += 1;
        }
        while b.get(j).is_some_and(|&c| c == b' ' || c == b'\t') {
            j += 1;
        }
        let start = j;
        let mut word = Vec::new();
        let mut quoted = false;
        while let Some(&c) = b.get(j) {
            match c {
                b'\'' | b'"' => {
                    quoted = true;
                    let inner = tail(b, j + 1);
                    let close = inner.iter().position(|&q| q == c)?;
                    word.extend_from_slice(inner.get(..close).unwrap_or(&[]));
                    j += close + 2;
                }
                b'\\' => {
                    quoted = true;
                    j += 1;
                }
                c if c.is_ascii_whitespace() || b";|&<>()".contains(&c) => break,
                c => {
                    word.push(c);
                    j += 1;
                }
            }
        }
        let first = *word.first()?;
        if !(quoted || first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        let word = String::from_utf8(word).ok()?;
        self.pending_heredocs.push((word, strip_tabs));
        // Only the ASCII operator is consumed; the word is scanned as ordinary code.
        Some(start.min(b.len()) - i)
    }
}

enum Step {
    /// This many bytes of code.
    Code(usize),
    /// A string or block comment opens here; its opener is this many bytes long.
    Open(Open, usize),
    /// A complete single-line literal (JS regex) of this many bytes.
    Literal(usize),
    /// A line comment runs to the end of the line.
    CommentToEnd,
}

fn single_line(quote: u8) -> Open {
    Open::Str {
        close: if quote == b'"' { "\"" } else { "'" },
        escape: Escape::Backslash,
        multiline: false,
    }
}

fn multi_line(close: &'static str, escape: Escape) -> Open {
    Open::Str {
        close,
        escape,
        multiline: true,
    }
}

fn python_string(rest: &[u8]) -> Option<Step> {
    for triple in ["\"\"\"", "'''"] {
        if rest.starts_with(triple.as_bytes()) {
            return Some(Step::Open(multi_line(triple, Escape::Backslash), 3));
        }
    }
    match rest.first() {
        Some(&q @ (b'"' | b'\'')) => Some(Step::Open(single_line(q), 1)),
        _ => None,
    }
}

fn toml_string(rest: &[u8]) -> Option<Step> {
    if rest.starts_with(b"\"\"\"") {
        return Some(Step::Open(multi_line("\"\"\"", Escape::Backslash), 3));
    }
    if rest.starts_with(b"'''") {
        return Some(Step::Open(multi_line("'''", Escape::None), 3));
    }
    match rest.first() {
        Some(b'"') => Some(Step::Open(single_line(b'"'), 1)),
        Some(b'\'') => Some(Step::Open(
            Open::Str {
                close: "'",
                escape: Escape::None,
                multiline: false,
            },
            1,
        )),
        _ => None,
    }
}

/// JS: a `/` starts a regex literal (not division) after an operator or at line start.
fn regex_allowed(line: &str, i: usize, pieces: &[Piece]) -> bool {
    let b = line.as_bytes();
    if matches!(b.get(i + 1), Some(b'/') | Some(b'*') | None) {
        return false;
    }
    let before = b.get(..i).unwrap_or(&[]);
    let prev = before.iter().rev().find(|c| !c.is_ascii_whitespace());
    match prev {
        None => pieces.is_empty(),
        Some(p) => b"(,=:[!&|?{};+-*%~^<>".contains(p),
    }
}

/// Length of a regex literal starting at `i` (the `/`), to its closing `/` and flags.
fn regex_len(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    let mut in_class = false;
    while let Some(&c) = b.get(j) {
        match c {
            b'\\' => j += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'/' if !in_class => {
                j += 1;
                while b.get(j).is_some_and(|c| c.is_ascii_alphabetic()) {
                    j += 1;
                }
                return j.min(b.len()) - i;
            }
            _ => {}
        }
        j += 1;
    }
    b.len() - i
}

/// The byte at `i`, or 0 past the end (0 matches no syntax byte).
fn byte(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// The bytes from `i` on, empty past the end.
fn tail(b: &[u8], i: usize) -> &[u8] {
    b.get(i..).unwrap_or(&[])
}

/// The byte length of the character at `i` (1 for ASCII).
fn char_len(line: &str, i: usize) -> usize {
    line.get(i..)
        .and_then(|s| s.chars().next())
        .map_or(1, char::len_utf8)
}

/// A backslash and the character it escapes.
fn escaped_len(line: &str, i: usize) -> usize {
    1 + line.get(i + 1..).map_or(0, |_| char_len(line, i + 1))
}

fn find(b: &[u8], from: usize, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    (from..b.len()).find(|&j| tail(b, j).starts_with(n))
}

/// The index just past the closing delimiter of a string whose text starts at `from`.
fn string_end(b: &[u8], from: usize, close: &str, escape: Escape) -> Option<usize> {
    let close = close.as_bytes();
    let mut j = from;
    while j < b.len() {
        if escape == Escape::Backslash && byte(b, j) == b'\\' {
            j += 2;
            continue;
        }
        if tail(b, j).starts_with(close) {
            if escape == Escape::Doubled && b.get(j + 1) == Some(&b'\'') {
                j += 2;
                continue;
            }
            return Some(j + close.len());
        }
        j += 1;
    }
    None
}

/// Appends a piece, merging it with the previous one when adjacent and of the same kind.
fn push(pieces: &mut Vec<Piece>, range: Range<usize>, kind: PieceKind) {
    if range.is_empty() {
        return;
    }
    if let Some(last) = pieces.last_mut() {
        if last.kind == kind && last.range.end == range.start {
            last.range.end = range.end;
            return;
        }
    }
    pieces.push(Piece { range, kind });
}

/// When a YAML line opens a block scalar (`key: |`, `- >-`, `key: !tag |+`), the indentation
/// its content must exceed.
fn block_scalar_parent(line: &str, pieces: &[Piece]) -> Option<usize> {
    let code: String = pieces
        .iter()
        .filter(|p| p.kind == PieceKind::Code)
        .map(|p| slice(line, &p.range))
        .collect();
    let mut words = code.split_whitespace().rev();
    let last = words.next()?;
    let indicator = last.strip_prefix(['|', '>'])?;
    let valid = indicator.len() <= 2
        && indicator
            .chars()
            .all(|c| c == '+' || c == '-' || c.is_ascii_digit());
    if !valid {
        return None;
    }
    let opener_ok = match words.next() {
        None => true,
        Some(w) => w.ends_with(':') || w == "-" || w == "?" || w.starts_with(['!', '&']),
    };
    if !opener_ok {
        return None;
    }
    let b = line.as_bytes();
    let indent = line.len() - line.trim_start_matches(' ').len();
    let mut col = indent;
    let mut last_dash = None;
    while b.get(col) == Some(&b'-') && b.get(col + 1).map_or(true, |c| *c == b' ') {
        last_dash = Some(col);
        col += 1;
        while b.get(col) == Some(&b' ') {
            col += 1;
        }
    }
    let rest = line.get(col..).unwrap_or("");
    if rest.starts_with(['|', '>']) {
        Some(last_dash.unwrap_or(indent))
    } else {
        Some(col)
    }
}

// ---------------------------------------------------------------------------------------------
// Volatile values

/// Replaces volatile values in one line with placeholders, so that
/// `mask_volatile(a) == mask_volatile(b) && a != b` means "a and b differ only in
/// timestamps, counters or version markers".
///
/// Masked, as whole tokens (not inside words):
/// - dates `2024-11-07`, `2024/11/07`, `07.11.2024`, `11/07/2024`, `07-11-2024`, `20241107`,
///   `Nov 7 2024`, `November 7th, 2024`, `7 Nov 2024`, `07-Nov-2024` → `<DATE>`;
/// - ISO-8601 datetimes `2024-11-07T14:03:11.5+01:00`, `20241107T140311Z`, and 12/14-digit
///   `YYYYMMDDHHMM[SS]` → `<DATETIME>`;
/// - times `14:03`, `14:03:11`, `14:03:11.123456`, with `Z`, `±hh[:]mm` or ` AM/PM` →
///   `<TIME>`;
/// - epoch seconds or milliseconds: 9–13 digit numbers starting with 1 (fraction allowed) →
///   `<EPOCH>`;
/// - build counters: the number after `build`, `rebuild`, `run`, `attempt`, `try`, `retry`,
///   `iteration`, `deploy`, `deployment`, `bump`, `counter`, `rev`, `revision` (separators
///   ` :#=_-` allowed), after `#` (`#42`), and assigned to a name containing `BUILD`, `BUST`,
///   `COUNTER`, `NUMBER`, `ITERATION`, `ATTEMPT`, `REVISION`, `TIMESTAMP`, `DATE`, `EPOCH` or
///   `SERIAL` (`BUILD_NUMBER=42`, `CACHEBUST=3`) → `<N>`;
/// - version markers `v3`, `v1.2.3` standing alone (after a blank, bracket, quote, comma,
///   single `=` or the line start) → `<VER>`;
/// - only on lines that also hold a date or time: weekday names, time-zone abbreviations
///   (`UTC`, `CET`, …) and bare years 1970–2099 → `<WEEKDAY>`, `<TZ>`, `<YEAR>`, so that
///   `date` output (`Thu Nov  7 14:03:11 UTC 2024`) masks whole.
///
/// Never masked: a token right after a version operator (`==`, `>=`, `<=`, `~=`, `!=`, `===`,
/// `<`, `>`, spaces allowed), after `:` (image tags, ports, URLs) or after `@` (digests,
/// `actions/checkout@v4`). So `flask==3.0.1` → `flask==3.0.2`, `python:3.11` → `python:3.12`
/// and `certifi==2024.2.2` → `certifi==2024.7.4` stay real changes. Plain numbers
/// (`EXPOSE 8080`, `timeout 30`) and dotted versions without `v` are never masked.
pub fn mask_volatile(line: &str) -> String {
    let (masked, saw_date) = mask_pass(line, false);
    if saw_date {
        mask_pass(line, true).0
    } else {
        masked
    }
}

/// One masking pass; returns the text and whether a date or time was masked.
/// `contextual` also masks weekday names, time zones and bare years.
fn mask_pass(line: &str, contextual: bool) -> (String, bool) {
    let b = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut copied = 0;
    let mut i = 0;
    let mut saw_date = false;
    let mut counter_at: Option<usize> = None;
    while i < b.len() {
        let counter = counter_at == Some(i);
        if !counter && !token_start(b, i) {
            i += 1;
            continue;
        }
        if protected(b, i) {
            i = token_end(b, i);
            continue;
        }
        match match_volatile(b, i, contextual, counter) {
            Some(Found::Replace { len, with, date }) => {
                out.push_str(line.get(copied..i).unwrap_or(""));
                out.push_str(with);
                i += len;
                copied = i;
                saw_date |= date;
            }
            Some(Found::CounterLabel { len }) => {
                i += len;
                counter_at = Some(i);
            }
            None => i += 1,
        }
    }
    out.push_str(line.get(copied..).unwrap_or(""));
    (out, saw_date)
}

enum Found {
    Replace {
        len: usize,
        with: &'static str,
        date: bool,
    },
    /// A counter word and its separators: the number that follows is a counter.
    CounterLabel { len: usize },
}

fn replace(len: usize, with: &'static str, date: bool) -> Option<Found> {
    Some(Found::Replace { len, with, date })
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn token_start(b: &[u8], i: usize) -> bool {
    match i.checked_sub(1).map(|p| byte(b, p)) {
        None => true,
        Some(p) => !(is_word_byte(p) || (p == b'.' && byte(b, i).is_ascii_digit())),
    }
}

fn boundary_after(b: &[u8], j: usize) -> bool {
    b.get(j).map_or(true, |&c| !is_word_byte(c))
}

fn token_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && !byte(b, j).is_ascii_whitespace() && !b",;)\"'".contains(&byte(b, j)) {
        j += 1;
    }
    j.max(i + 1)
}

/// A token right after a version operator, `:` or `@` is a pin, tag or digest.
fn protected(b: &[u8], i: usize) -> bool {
    let Some(p) = i.checked_sub(1) else {
        return false;
    };
    if byte(b, p) == b':' || byte(b, p) == b'@' {
        return true;
    }
    let mut k = p;
    while byte(b, k) == b' ' {
        match k.checked_sub(1) {
            Some(j) => k = j,
            None => return false,
        }
    }
    match byte(b, k) {
        b'<' | b'>' => true,
        b'=' => k
            .checked_sub(1)
            .is_some_and(|j| b"=<>~!".contains(&byte(b, j))),
        _ => false,
    }
}

fn match_volatile(b: &[u8], i: usize, contextual: bool, counter: bool) -> Option<Found> {
    let c = byte(b, i);
    if c.is_ascii_digit() {
        return match_number(b, i, contextual, counter);
    }
    if c == b'#' {
        let n = digits(b, i + 1);
        let after_ok = i == 0 || b" \t([".contains(&byte(b, i - 1));
        if after_ok && (1..=9).contains(&n) && boundary_after(b, i + 1 + n) {
            return replace(1 + n, "#<N>", false);
        }
        return None;
    }
    if c.is_ascii_alphabetic() || c == b'_' {
        return match_word(b, i, contextual);
    }
    None
}

fn match_number(b: &[u8], i: usize, contextual: bool, counter: bool) -> Option<Found> {
    if let Some((len, with)) = date_ymd(b, i) {
        return replace(len, with, true);
    }
    if let Some(len) = date_dmy(b, i) {
        return replace(len, "<DATE>", true);
    }
    if let Some((len, with)) = compact_date(b, i) {
        return replace(len, with, true);
    }
    if let Some(len) = time_of_day(b, i) {
        return replace(len, "<TIME>", true);
    }
    if let Some(len) = day_month_name(b, i) {
        return replace(len, "<DATE>", true);
    }
    let n = digits(b, i);
    if (9..=13).contains(&n) && byte(b, i) == b'1' {
        let mut end = i + n;
        if b.get(end) == Some(&b'.') && digits(b, end + 1) > 0 {
            end += 1 + digits(b, end + 1);
        }
        if boundary_after(b, end) {
            return replace(end - i, "<EPOCH>", false);
        }
    }
    if counter && (1..=9).contains(&n) && boundary_after(b, i + n) {
        return replace(n, "<N>", false);
    }
    if contextual && n == 4 && boundary_after(b, i + 4) && !dot_digit(b, i + 4) {
        let year = number(b, i, 4)?;
        if (1970..=2099).contains(&year) {
            return replace(4, "<YEAR>", false);
        }
    }
    None
}

const COUNTER_WORDS: &[&str] = &[
    "build",
    "rebuild",
    "run",
    "attempt",
    "try",
    "retry",
    "iteration",
    "deploy",
    "deployment",
    "bump",
    "counter",
    "rev",
    "revision",
];

const COUNTER_NAME_PARTS: &[&str] = &[
    "BUILD",
    "BUST",
    "COUNTER",
    "NUMBER",
    "ITERATION",
    "ATTEMPT",
    "REVISION",
    "TIMESTAMP",
    "DATE",
    "EPOCH",
    "SERIAL",
];

const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

const TIME_ZONES: &[&str] = &[
    "UTC", "GMT", "Z", "CET", "CEST", "EET", "EEST", "WET", "WEST", "BST", "IST", "MSK", "JST",
    "KST", "HKT", "SGT", "AEST", "AEDT", "ACST", "AWST", "NZST", "NZDT", "EST", "EDT", "CST",
    "CDT", "MST", "MDT", "PST", "PDT", "AKST", "AKDT", "HST",
];

fn match_word(b: &[u8], i: usize, contextual: bool) -> Option<Found> {
    let ident_len = tail(b, i).iter().take_while(|c| is_word_byte(**c)).count();
    let ident = std::str::from_utf8(b.get(i..i + ident_len)?).ok()?;
    if let Some(len) = counter_assignment(b, i, ident) {
        return Some(Found::CounterLabel { len });
    }
    let alpha_len = tail(b, i)
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let alpha = std::str::from_utf8(b.get(i..i + alpha_len)?).ok()?;
    if COUNTER_WORDS.contains(&alpha.to_ascii_lowercase().as_str()) {
        let seps = tail(b, i + alpha_len)
            .iter()
            .take_while(|c| b" \t:#=_-".contains(c))
            .count();
        let at = i + alpha_len + seps;
        if seps <= 3 && b.get(at).is_some_and(u8::is_ascii_digit) {
            return Some(Found::CounterLabel { len: at - i });
        }
    }
    if let Some(len) = month_name_date(b, i) {
        return replace(len, "<DATE>", true);
    }
    if let Some(len) = version_marker(b, i) {
        return replace(len, "<VER>", false);
    }
    if contextual && boundary_after(b, i + alpha_len) {
        if month_or_weekday(alpha, WEEKDAYS) {
            return replace(alpha_len, "<WEEKDAY>", false);
        }
        if TIME_ZONES.contains(&alpha) {
            return replace(alpha_len, "<TZ>", false);
        }
    }
    None
}

/// `NAME=` / `NAME: ` where NAME looks like a counter; returns the length up to the value.
fn counter_assignment(b: &[u8], i: usize, ident: &str) -> Option<usize> {
    let upper = ident.to_ascii_uppercase();
    if !COUNTER_NAME_PARTS.iter().any(|part| upper.contains(part)) {
        return None;
    }
    let mut j = i + ident.len();
    match b.get(j) {
        Some(b'=') if b.get(j + 1) != Some(&b'=') => j += 1,
        Some(b':') => j += 1,
        _ => return None,
    }
    while b.get(j).is_some_and(|c| b" \t\"'".contains(c)) {
        j += 1;
    }
    b.get(j).is_some_and(u8::is_ascii_digit).then_some(j - i)
}

fn version_marker(b: &[u8], i: usize) -> Option<usize> {
    if !matches!(byte(b, i), b'v' | b'V') {
        return None;
    }
    let prev_ok = i == 0 || b" \t([\"',=".contains(&byte(b, i - 1));
    let mut j = i + 1;
    let n = digits(b, j);
    if !prev_ok || n == 0 {
        return None;
    }
    j += n;
    while b.get(j) == Some(&b'.') && digits(b, j + 1) > 0 {
        j += 1 + digits(b, j + 1);
    }
    boundary_after(b, j).then_some(j - i)
}

fn digits(b: &[u8], i: usize) -> usize {
    b.get(i..)
        .map_or(0, |s| s.iter().take_while(|c| c.is_ascii_digit()).count())
}

fn dot_digit(b: &[u8], j: usize) -> bool {
    b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit)
}

/// The value of exactly `n` digits at `i`, if they are all digits.
fn number(b: &[u8], i: usize, n: usize) -> Option<u32> {
    let s = b.get(i..i + n)?;
    if n == 0 || n > 9 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |acc, c| acc * 10 + u32::from(c - b'0')))
}

fn valid_date(year: u32, month: u32, day: u32) -> bool {
    (1970..=2099).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// `YYYY-MM-DD` or `YYYY/MM/DD`, optionally followed by `T` and a time.
fn date_ymd(b: &[u8], i: usize) -> Option<(usize, &'static str)> {
    if digits(b, i) != 4 {
        return None;
    }
    let sep = *b.get(i + 4)?;
    if sep != b'-' && sep != b'/' {
        return None;
    }
    let m_len = digits(b, i + 5);
    let d_at = i + 5 + m_len + 1;
    let d_len = digits(b, d_at);
    if !(1..=2).contains(&m_len) || b.get(d_at - 1) != Some(&sep) || !(1..=2).contains(&d_len) {
        return None;
    }
    let (year, month, day) = (
        number(b, i, 4)?,
        number(b, i + 5, m_len)?,
        number(b, d_at, d_len)?,
    );
    if !valid_date(year, month, day) {
        return None;
    }
    let end = d_at + d_len;
    if matches!(b.get(end), Some(b'T' | b't')) {
        if let Some(t) = time_of_day(b, end + 1) {
            return Some((end + 1 + t - i, "<DATETIME>"));
        }
    }
    boundary_after(b, end).then_some((end - i, "<DATE>"))
}

/// `DD.MM.YYYY`, `MM/DD/YYYY`, `DD-MM-YYYY` (either day-month order).
fn date_dmy(b: &[u8], i: usize) -> Option<usize> {
    let a_len = digits(b, i);
    let sep = *b.get(i + a_len)?;
    if !(1..=2).contains(&a_len) || !b".-/".contains(&sep) {
        return None;
    }
    let b_at = i + a_len + 1;
    let b_len = digits(b, b_at);
    let y_at = b_at + b_len + 1;
    if !(1..=2).contains(&b_len) || b.get(y_at - 1) != Some(&sep) || digits(b, y_at) != 4 {
        return None;
    }
    let (x, y, year) = (
        number(b, i, a_len)?,
        number(b, b_at, b_len)?,
        number(b, y_at, 4)?,
    );
    let plausible = (1..=31).contains(&x) && (1..=31).contains(&y) && (x <= 12 || y <= 12);
    (plausible && (1970..=2099).contains(&year) && boundary_after(b, y_at + 4))
        .then_some(y_at + 4 - i)
}

/// `YYYYMMDD` (optionally `THHMMSS[Z]`), `YYYYMMDDHHMM`, `YYYYMMDDHHMMSS`.
fn compact_date(b: &[u8], i: usize) -> Option<(usize, &'static str)> {
    let n = digits(b, i);
    if n != 8 && n != 12 && n != 14 {
        return None;
    }
    let (year, month, day) = (number(b, i, 4)?, number(b, i + 4, 2)?, number(b, i + 6, 2)?);
    if !valid_date(year, month, day) {
        return None;
    }
    if n >= 12 && !valid_clock(number(b, i + 8, 2)?, number(b, i + 10, 2)?, 0) {
        return None;
    }
    if n == 14 && number(b, i + 12, 2)? > 60 {
        return None;
    }
    let mut end = i + n;
    let mut with = if n == 8 { "<DATE>" } else { "<DATETIME>" };
    if n == 8 && b.get(end) == Some(&b'T') && digits(b, end + 1) == 6 {
        let (h, m, s) = (
            number(b, end + 1, 2)?,
            number(b, end + 3, 2)?,
            number(b, end + 5, 2)?,
        );
        if valid_clock(h, m, s) {
            end += 7;
            if b.get(end) == Some(&b'Z') {
                end += 1;
            }
            with = "<DATETIME>";
        }
    }
    boundary_after(b, end).then_some((end - i, with))
}

fn valid_clock(h: u32, m: u32, s: u32) -> bool {
    h <= 23 && m <= 59 && s <= 60
}

/// `H:MM`, `HH:MM:SS`, fractions, then an optional zone: `Z`, `±hh:mm`, `±hhmm`, ` AM`.
fn time_of_day(b: &[u8], i: usize) -> Option<usize> {
    let h_len = digits(b, i);
    if !(1..=2).contains(&h_len) || b.get(i + h_len) != Some(&b':') || digits(b, i + h_len + 1) != 2
    {
        return None;
    }
    let hour = number(b, i, h_len)?;
    let minute = number(b, i + h_len + 1, 2)?;
    let mut end = i + h_len + 3;
    let mut second = 0;
    if b.get(end) == Some(&b':') && digits(b, end + 1) == 2 {
        second = number(b, end + 1, 2)?;
        end += 3;
        if matches!(b.get(end), Some(b'.' | b',')) && digits(b, end + 1) > 0 {
            end += 1 + digits(b, end + 1);
        }
    }
    if !valid_clock(hour, minute, second) {
        return None;
    }
    end += zone_len(b, end);
    (boundary_after(b, end) && b.get(end) != Some(&b':')).then_some(end - i)
}

fn zone_len(b: &[u8], at: usize) -> usize {
    match b.get(at) {
        Some(b'Z') if boundary_after(b, at + 1) => 1,
        Some(b'+' | b'-') => {
            let n = digits(b, at + 1);
            if n == 4 {
                5
            } else if n == 2 && b.get(at + 3) == Some(&b':') && digits(b, at + 4) == 2 {
                6
            } else {
                0
            }
        }
        _ => {
            let space = usize::from(b.get(at) == Some(&b' '));
            let ampm = b.get(at + space..at + space + 2).is_some_and(|s| {
                matches!(byte(s, 0), b'A' | b'a' | b'P' | b'p') && matches!(byte(s, 1), b'M' | b'm')
            });
            if ampm && boundary_after(b, at + space + 2) {
                space + 2
            } else {
                0
            }
        }
    }
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A capitalised (or all-caps) full or three-letter name from `names`; `Sept` too.
fn month_or_weekday(word: &str, names: &[&str]) -> bool {
    let first_upper = word.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    let lower = word.to_ascii_lowercase();
    let is_name = names
        .iter()
        .any(|n| *n == lower || (lower.len() == 3 && n.starts_with(&lower)))
        || (lower == "sept" && names == MONTHS);
    first_upper
        && is_name
        && (word.len() == 3 || word == word.to_ascii_uppercase() || word.get(1..) == lower.get(1..))
}

/// The length of a month name at `i`, with an optional trailing dot.
fn month_at(b: &[u8], i: usize) -> Option<usize> {
    let len = tail(b, i)
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let word = std::str::from_utf8(b.get(i..i + len)?).ok()?;
    if !month_or_weekday(word, MONTHS) {
        return None;
    }
    Some(len + usize::from(b.get(i + len) == Some(&b'.')))
}

/// `Nov 7`, `Nov 7 2024`, `November 7th, 2024`.
fn month_name_date(b: &[u8], i: usize) -> Option<usize> {
    let m_len = month_at(b, i)?;
    let spaces = tail(b, i + m_len)
        .iter()
        .take_while(|c| **c == b' ')
        .count();
    let d_at = i + m_len + spaces;
    let d_len = digits(b, d_at);
    if spaces == 0 || !(1..=2).contains(&d_len) || !(1..=31).contains(&number(b, d_at, d_len)?) {
        return None;
    }
    let mut end = d_at + d_len;
    if let Some(s) = b.get(end..end + 2) {
        if [&b"st"[..], b"nd", b"rd", b"th"].contains(&s) {
            end += 2;
        }
    }
    if !boundary_after(b, end) || b.get(end) == Some(&b':') {
        return None;
    }
    Some(end + year_suffix(b, end) - i)
}

/// `7 Nov 2024`, `07-Nov-2024`.
fn day_month_name(b: &[u8], i: usize) -> Option<usize> {
    let d_len = digits(b, i);
    if !(1..=2).contains(&d_len) || !(1..=31).contains(&number(b, i, d_len)?) {
        return None;
    }
    let sep = *b.get(i + d_len)?;
    if sep != b' ' && sep != b'-' {
        return None;
    }
    let m_at = i + d_len + 1;
    if !b.get(m_at).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let m_len = month_at(b, m_at)?;
    let end = m_at + m_len;
    if !boundary_after(b, end) {
        return None;
    }
    Some(end + year_suffix(b, end) - i)
}

/// The length of `[,] YYYY` / `-YYYY` after a date, or 0.
fn year_suffix(b: &[u8], end: usize) -> usize {
    let sep = tail(b, end)
        .iter()
        .take_while(|c| b" ,-".contains(c))
        .count();
    let y_at = end + sep;
    let is_year = sep > 0
        && digits(b, y_at) == 4
        && number(b, y_at, 4).is_some_and(|y| (1970..=2099).contains(&y))
        && boundary_after(b, y_at + 4)
        && b.get(y_at + 4) != Some(&b':');
    if is_year {
        sep + 4
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChangeNature::*;
    use FileKind::*;

    fn masks_equal(a: &str, b: &str) -> bool {
        mask_volatile(a) == mask_volatile(b)
    }

    #[test]
    fn kinds_from_paths() {
        let cases = [
            ("Dockerfile", Dockerfile),
            ("deploy/Dockerfile.prod", Dockerfile),
            ("api.dockerfile", Dockerfile),
            ("Containerfile", Dockerfile),
            ("Dockerfile.dockerignore", Other),
            (".dockerignore", Other),
            ("app/main.py", Python),
            ("web/src/App.tsx", JavaScript),
            ("index.mjs", JavaScript),
            ("scripts/entry.sh", Shell),
            ("pyproject.toml", Toml),
            (".github/workflows/ci.yml", Yaml),
            ("fly.yaml", Yaml),
            ("requirements.txt", Requirements),
            ("requirements-dev.txt", Requirements),
            ("constraints.txt", Requirements),
            ("requirements/base.in", Requirements),
            ("requirements/prod.txt", Requirements),
            ("notes.txt", Other),
            ("README.md", Markdown),
            ("package.json", Json),
            ("Makefile", Other),
            // Case never matters, and a name is only a Dockerfile as a whole word.
            ("REQUIREMENTS.TXT", Requirements),
            ("Requirements/Base.IN", Requirements),
            ("Dockerfile.Prod", Dockerfile),
            ("svc/CONTAINERFILE", Dockerfile),
            ("api.DockerFile", Dockerfile),
            ("Dockerfiles", Other),
            ("App.PY", Python),
            ("x.Dockerignore", Other),
        ];
        for (path, kind) in cases {
            assert_eq!(FileKind::from_path(path), kind, "{path}");
        }
        assert!(Markdown.is_docs() && !Python.is_docs());
    }

    #[test]
    fn identical_and_whitespace_only() {
        assert_eq!(compare(Python, "x = 1\n", "x = 1\n"), Identical);
        assert_eq!(compare(Python, "x = 1\n", "x = 1   \n"), WhitespaceOnly);
        assert_eq!(compare(Python, "x = 1\n", "x  =  1\n"), WhitespaceOnly);
        assert_eq!(
            compare(Python, "x = 1\ny = 2\n", "x = 1\n\n\ny = 2\n"),
            WhitespaceOnly
        );
        assert_eq!(
            compare(Yaml, "a: 1\r\nb: 2\r\n", "a: 1\nb: 2\n"),
            WhitespaceOnly
        );
        assert_eq!(
            compare(
                Json,
                "{\"a\": [1, 2]}",
                "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n"
            ),
            WhitespaceOnly
        );
        assert_eq!(compare(Other, "a\n", "a \n"), WhitespaceOnly);
    }

    #[test]
    fn python_indentation_is_functional() {
        let old = "if x:\n    a()\n    b()\n";
        let new = "if x:\n    a()\nb()\n";
        assert_eq!(compare(Python, old, new), Functional);
        // Inside brackets indentation is not significant.
        let old = "f(\n    a,\n    b)\n";
        let new = "f(\n        a,\n  b)\n";
        assert_eq!(compare(Python, old, new), WhitespaceOnly);
        // After a backslash continuation neither.
        assert_eq!(
            compare(Python, "x = 1 + \\\n    2\n", "x = 1 + \\\n  2\n"),
            WhitespaceOnly
        );
    }

    #[test]
    fn python_comments() {
        assert_eq!(
            compare(Python, "x = 1  # note\n", "x = 1  # other note\n"),
            CommentOnly
        );
        assert_eq!(compare(Python, "x = 1\n", "# header\nx = 1\n"), CommentOnly);
        assert_eq!(
            compare(
                Python,
                "    # indented comment\nx = 1\n",
                "# indented comment\nx = 1\n"
            ),
            WhitespaceOnly
        );
        assert_eq!(
            compare(Python, "s = 'a # b'\n", "s = 'a # c'\n"),
            Functional
        );
        assert_eq!(
            compare(Python, "s = \"a\"  # x\n", "s = \"b\"  # x\n"),
            Functional
        );
    }

    #[test]
    fn python_docstrings_are_code() {
        let old = "def f():\n    \"\"\"Doc.\n    # not a comment\n    \"\"\"\n";
        let new = "def f():\n    \"\"\"Doc.\n    # changed\n    \"\"\"\n";
        assert_eq!(compare(Python, old, new), Functional);
        let old = "x = '''\n# a\n'''\ny = 1  # c\n";
        let new = "x = '''\n# a\n'''\ny = 1  # d\n";
        assert_eq!(compare(Python, old, new), CommentOnly);
        assert_eq!(
            compare(
                Python,
                "\"\"\"Module doc.\"\"\"\n",
                "\"\"\"Module docs.\"\"\"\n"
            ),
            Functional
        );
    }

    #[test]
    fn javascript_comments() {
        let old = "/* header\n * v1\n */\nconst a = 1; // x\n";
        let new = "/* header\n * v2, longer\n */\nconst a = 1; // y\n";
        assert_eq!(compare(JavaScript, old, new), CommentOnly);
        assert_eq!(
            compare(JavaScript, "const a = 1;\n", "const a = 2;\n"),
            Functional
        );
        assert_eq!(
            compare(
                JavaScript,
                "const u = 'http://x';\n",
                "const u = 'http://y';\n"
            ),
            Functional
        );
        assert_eq!(
            compare(JavaScript, "a /* c */ + b\n", "a /* d */ + b\n"),
            CommentOnly
        );
        assert_eq!(
            compare(
                JavaScript,
                "const t = `\n// in template\n`;\n",
                "const t = `\n// changed\n`;\n"
            ),
            Functional
        );
        assert_eq!(
            compare(
                JavaScript,
                "x = s.replace(/\"/g, '');  // q\n",
                "x = s.replace(/\"/g, '');  // r\n"
            ),
            CommentOnly
        );
        assert_eq!(compare(JavaScript, "  a();\n", "a();\n"), WhitespaceOnly);
    }

    #[test]
    fn shell_comments_shebang_and_heredocs() {
        assert_eq!(
            compare(Shell, "#!/bin/sh\necho hi\n", "#!/bin/bash\necho hi\n"),
            Functional
        );
        assert_eq!(
            compare(Shell, "echo hi # a\n", "echo hi # b\n"),
            CommentOnly
        );
        assert_eq!(compare(Shell, "echo a#b\n", "echo a#c\n"), Functional);
        assert_eq!(
            compare(Shell, "echo ${#x} $#\n", "echo ${#y} $#\n"),
            Functional
        );
        assert_eq!(compare(Shell, "echo '# a'\n", "echo '# b'\n"), Functional);
        let old = "cat <<EOF > f\n# line one\nEOF\necho done # x\n";
        let new = "cat <<EOF > f\n# line two\nEOF\necho done # y\n";
        assert_eq!(compare(Shell, old, new), Functional);
        let old = "cat <<-'EOF'\n\t# one\n\tEOF\n# c1\n";
        let new = "cat <<-'EOF'\n\t# one\n\tEOF\n# c2\n";
        assert_eq!(compare(Shell, old, new), CommentOnly);
        assert_eq!(
            compare(Shell, "x=$((1 << 2))\n# a\n", "x=$((1 << 2))\n# b\n"),
            CommentOnly
        );
    }

    #[test]
    fn toml_comments_and_strings() {
        assert_eq!(compare(Toml, "a = 1 # x\n", "a = 1 # y\n"), CommentOnly);
        assert_eq!(compare(Toml, "a = \"#x\"\n", "a = \"#y\"\n"), Functional);
        assert_eq!(
            compare(Toml, "a = '''\n# x\n'''\n", "a = '''\n# y\n'''\n"),
            Functional
        );
        assert_eq!(
            compare(Toml, "[tool]\n  a = 1\n", "[tool]\na = 1\n"),
            WhitespaceOnly
        );
    }

    #[test]
    fn yaml_comments_indentation_and_block_scalars() {
        assert_eq!(compare(Yaml, "a: 1 # x\n", "a: 1 # y\n"), CommentOnly);
        assert_eq!(compare(Yaml, "a:\n  b: 1\n", "a:\nb: 1\n"), Functional);
        assert_eq!(compare(Yaml, "a: 'x # y'\n", "a: 'x # z'\n"), Functional);
        assert_eq!(
            compare(Yaml, "a: it's # c1\n", "a: it's # c2\n"),
            CommentOnly
        );
        assert_eq!(
            compare(Yaml, "url: http://x/#frag\n", "url: http://x/#other\n"),
            Functional
        );
        let old = "steps:\n  - run: |\n      # install\n      pip install x\n    name: deps # c\n";
        let new =
            "steps:\n  - run: |\n      # install deps\n      pip install x\n    name: deps # c\n";
        assert_eq!(compare(Yaml, old, new), Functional);
        let new = "steps:\n  - run: |\n      # install\n      pip install x\n    name: deps # d\n";
        assert_eq!(compare(Yaml, old, new), CommentOnly);
    }

    #[test]
    fn requirements_comments() {
        assert_eq!(
            compare(
                Requirements,
                "flask==3.0.1  # web\n",
                "flask==3.0.1  # web framework\n"
            ),
            CommentOnly
        );
        assert_eq!(
            compare(Requirements, "flask==3.0.1\n", "flask==3.0.2\n"),
            Functional
        );
        assert_eq!(
            compare(Requirements, "flask\n", "# deps\n\nflask\n"),
            CommentOnly
        );
        assert_eq!(
            compare(
                Requirements,
                "pkg @ https://x/p.zip#egg=pkg\n",
                "pkg @ https://x/p.zip#egg=other\n"
            ),
            Functional
        );
    }

    #[test]
    fn markdown_and_json() {
        assert_eq!(
            compare(Markdown, "# Title\ntext\n", "# Title\ntext!\n"),
            Functional
        );
        assert_eq!(
            compare(
                Markdown,
                "a\n<!-- note -->\nb\n",
                "a\n<!-- other\nnote -->\nb\n"
            ),
            CommentOnly
        );
        assert_eq!(compare(Markdown, "a\n\nb\n", "a\n\n\nb\n"), WhitespaceOnly);
        assert_eq!(compare(Markdown, "    code\n", "code\n"), Functional);
        assert_eq!(
            compare(Json, "{\"a\": \"x y\"}", "{\"a\": \"x  y\"}"),
            Functional
        );
        assert_eq!(
            compare(Json, "{\n// c\n\"a\": 1}", "{\n// d\n\"a\": 1}"),
            CommentOnly
        );
    }

    #[test]
    fn dockerfile_comparisons() {
        let base = "FROM python:3.12-slim\nRUN pip install flask\nCOPY . /app\n";
        let forced = format!("{base}# Force rebuild: Thu Nov  7 14:03:11 UTC 2024\n");
        assert_eq!(compare(Dockerfile, base, &forced), CommentOnly);
        let forced = format!("{base}# Force rebuild: $(date)\n");
        assert_eq!(compare(Dockerfile, base, &forced), CommentOnly);
        let changed = base.replace("flask", "django");
        assert_eq!(compare(Dockerfile, base, &changed), Functional);
        assert_eq!(
            compare(Dockerfile, "RUN pip install x\n", "RUN pip install y\n"),
            Functional
        );
        assert_eq!(
            compare(Dockerfile, "FROM a\nCOPY  x  y\n", "FROM a\nCOPY x y\n"),
            WhitespaceOnly
        );
        assert_eq!(
            compare(
                Dockerfile,
                "RUN <<EOF\necho\nEOF\n",
                "RUN <<EOF\n# c\necho\nEOF\n"
            ),
            Functional
        );
        assert_eq!(
            compare(Dockerfile, "RUN a \\\n  b\n", "RUN a \\\n  # note\n  b\n"),
            CommentOnly
        );
        // One side unparseable: the build breaks, so it matters.
        assert_eq!(compare(Dockerfile, "RUN x\n", "RUN <<EOF\nx\n"), Functional);
        assert_eq!(
            compare(Dockerfile, "RUN <<EOF\n# a\n", "RUN <<EOF\n# b\n"),
            CommentOnly
        );
    }

    #[test]
    fn code_of_line_per_kind() {
        assert_eq!(code_of_line(Python, "x = 1  # c").as_deref(), Some("x = 1"));
        assert_eq!(code_of_line(Python, "    # c"), None);
        assert_eq!(code_of_line(Python, "   "), None);
        assert_eq!(
            code_of_line(Python, "    s = '#'").as_deref(),
            Some("    s = '#'")
        );
        assert_eq!(
            code_of_line(Dockerfile, "RUN echo # not a comment").as_deref(),
            Some("RUN echo # not a comment")
        );
        assert_eq!(code_of_line(Dockerfile, "  # comment"), None);
        assert_eq!(
            code_of_line(Shell, "#!/bin/sh").as_deref(),
            Some("#!/bin/sh")
        );
        assert_eq!(code_of_line(Shell, "# c"), None);
        assert_eq!(
            code_of_line(JavaScript, "a /* c */ b // d").as_deref(),
            Some("a   b")
        );
        assert_eq!(code_of_line(JavaScript, "a/**/b").as_deref(), Some("a b"));
        assert_eq!(code_of_line(JavaScript, "/* only */"), None);
        assert_eq!(
            code_of_line(Requirements, "flask==3.0.1 # web").as_deref(),
            Some("flask==3.0.1")
        );
        assert_eq!(
            code_of_line(Yaml, "  key: v # c\r").as_deref(),
            Some("  key: v")
        );
        assert_eq!(
            code_of_line(Json, "  \"a\": 1,").as_deref(),
            Some("  \"a\": 1,")
        );
        assert_eq!(code_of_line(Markdown, "<!-- hidden -->"), None);
        assert_eq!(
            code_of_line(Other, "# anything").as_deref(),
            Some("# anything")
        );
    }

    #[test]
    fn mask_dates_times_and_datetimes() {
        assert!(masks_equal("# built 2024-11-07", "# built 2024-11-08"));
        assert!(masks_equal("# built 2024/11/07", "# built 2025/01/30"));
        assert!(masks_equal("# 07.11.2024", "# 08.11.2024"));
        assert!(masks_equal("# 11/07/2024", "# 12/25/2024"));
        assert!(masks_equal("# Nov 7 2024", "# Dec 24 2024"));
        assert!(masks_equal("# November 7th, 2024", "# November 8th, 2024"));
        assert!(masks_equal("# 7 Nov 2024", "# 8 Nov 2024"));
        assert!(masks_equal("at 14:03:11", "at 09:00:00"));
        assert!(masks_equal("at 14:03:11.123456Z", "at 1:02:03.5+01:00"));
        assert!(masks_equal("at 2:03 PM", "at 11:59 am"));
        assert!(masks_equal(
            "2024-11-07T14:03:11Z",
            "2024-11-08T01:02:03.123+01:00"
        ));
        assert!(masks_equal("tag 20241107", "tag 20241108"));
        assert!(masks_equal("ts 20241107T140311Z", "ts 20250101T000000Z"));
        assert!(masks_equal(
            "# Force rebuild: Thu Nov  7 14:03:11 UTC 2024",
            "# Force rebuild: Fri Nov  8 09:10:11 CET 2024"
        ));
        assert_eq!(
            mask_volatile("Thu Nov  7 14:03:11 UTC 2024"),
            "<WEEKDAY> <DATE> <TIME> <TZ> <YEAR>"
        );
        assert_eq!(
            mask_volatile("ENV BUILD_DATE=2024-11-07"),
            "ENV BUILD_DATE=<DATE>"
        );
    }

    #[test]
    fn mask_epochs_counters_and_versions() {
        assert!(masks_equal(
            "ARG CACHEBUST=1731000000",
            "ARG CACHEBUST=1731099999"
        ));
        assert!(masks_equal("ts=1731000000123", "ts=1731000999999"));
        assert!(masks_equal("ARG CACHEBUST=3", "ARG CACHEBUST=4"));
        assert!(masks_equal("# build 42", "# build 43"));
        assert!(masks_equal("# rebuild #7", "# rebuild #8"));
        assert!(masks_equal("# #42", "# #43"));
        assert!(masks_equal("# run 17", "# run 18"));
        assert!(masks_equal("ENV BUILD_NUMBER=42", "ENV BUILD_NUMBER=43"));
        assert!(masks_equal("# deploy v3", "# deploy v4"));
        assert!(masks_equal("# release v1.2.3", "# release v1.2.4"));
        assert_eq!(mask_volatile("# build 42"), "# build <N>");
    }

    #[test]
    fn mask_keeps_real_changes() {
        let pairs = [
            ("flask==3.0.1", "flask==3.0.2"),
            ("requests == 2.31.0", "requests == 2.32.0"),
            ("numpy>=1.26.0", "numpy>=1.26.1"),
            ("certifi==2024.2.2", "certifi==2024.7.4"),
            ("build==1.0.3", "build==1.0.4"),
            ("FROM python:3.11-slim", "FROM python:3.12-slim"),
            ("image: app:20241107", "image: app:20241108"),
            ("uses: actions/checkout@v3", "uses: actions/checkout@v4"),
            ("EXPOSE 8080", "EXPOSE 8081"),
            ("timeout 30", "timeout 60"),
            ("RUN pip install x", "RUN pip install y"),
            ("sha256:1234567890abc", "sha256:1234567891abc"),
            ("version 3.1", "version 3.2"),
            ("ENV PYTHON_VERSION=3.11", "ENV PYTHON_VERSION=3.12"),
            ("Copyright 2023", "Copyright 2024"),
            ("workers: 4", "workers: 8"),
        ];
        for (a, b) in pairs {
            assert!(!masks_equal(a, b), "{a} vs {b}: {}", mask_volatile(a));
        }
        assert_eq!(mask_volatile("flask==3.0.1"), "flask==3.0.1");
        assert_eq!(mask_volatile("tzdata==2024.1"), "tzdata==2024.1");
    }

    #[test]
    fn multi_line_strings_in_yaml_toml_and_shell() {
        let old = "a: \"first\n  # inside\"\nb: 1 # c\n";
        let new = "a: \"first\n  # changed\"\nb: 1 # c\n";
        assert_eq!(compare(Yaml, old, new), Functional);
        assert_eq!(
            compare(Toml, "p = 'C:\\x' # a\n", "p = 'C:\\x' # b\n"),
            CommentOnly
        );
        assert_eq!(compare(Shell, "echo \\# a\n", "echo \\# b\n"), Functional);
        let old = "echo \"multi\n# not a comment\"\n";
        let new = "echo \"multi\n# really not\"\n";
        assert_eq!(compare(Shell, old, new), Functional);
        assert_eq!(
            compare(Python, "x = f\"{a}#\"  # c\n", "x = f\"{a}#\"  # d\n"),
            CommentOnly
        );
    }

    #[test]
    fn large_files_scan_quickly() {
        let py: String = (0..50_000)
            .map(|i| format!("x{i} = {i}  # note {i}\n"))
            .collect();
        let py2 = py.replace("# note 49999", "# changed");
        assert_eq!(compare(Python, &py, &py2), CommentOnly);
        let df: String = (0..20_000)
            .map(|i| format!("RUN echo {i} \\\n  && true\n# c\n"))
            .collect();
        let df2 = df.replacen("# c", "# d", 1);
        assert_eq!(compare(Dockerfile, &df, &df2), CommentOnly);
        let line = "2024-11-07 ".repeat(20_000);
        assert_eq!(mask_volatile(&line), "<DATE> ".repeat(20_000));
    }

    #[test]
    fn masking_is_idempotent() {
        for s in [
            "Thu Nov  7 14:03:11 UTC 2024",
            "BUILD_NUMBER=42 v1.2 #3",
            "flask==3.0.1",
        ] {
            let once = mask_volatile(s);
            assert_eq!(mask_volatile(&once), once);
        }
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let long = "x".repeat(100_000) + "\"#'/*`<<EOF";
        let inputs = [
            "",
            "\0",
            "\"",
            "'''",
            "/*",
            "<<",
            "<<-",
            "<<'",
            "<<\"x",
            "#!",
            "\\",
            "é#é",
            "\u{202e}#",
            "2024-",
            "2024-11-",
            "99:99:99",
            "1:",
            "v",
            "#",
            "build",
            "Nov",
            "Nov 99",
            "1 Nov",
            "a: |",
            "- |\n",
            "`${`",
            "/[/",
            long.as_str(),
        ];
        let kinds = [
            Dockerfile,
            Python,
            JavaScript,
            Shell,
            Toml,
            Yaml,
            Requirements,
            Markdown,
            Json,
            Other,
        ];
        for input in inputs {
            let _ = mask_volatile(input);
            for kind in kinds {
                let _ = code_of_line(kind, input);
                let _ = compare(kind, input, "x");
                let _ = compare(kind, input, &format!("{input}\n{input}"));
            }
        }
    }
}
