//! The scanner: splits each line into code and literal pieces; comments are the gaps.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PieceKind {
    Code,
    /// String-literal text, kept verbatim.
    Literal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Piece {
    pub(super) range: Range<usize>,
    pub(super) kind: PieceKind,
}

#[derive(Debug, Default)]
pub(super) struct LineScan {
    /// Code and literal pieces in order; comment text lies between or after them.
    pub(super) pieces: Vec<Piece>,
    /// Leading whitespace of this line is significant.
    pub(super) indent_significant: bool,
    /// The whole line is literal content (heredoc body, YAML block scalar).
    pub(super) content: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Escape {
    Backslash,
    /// YAML single quotes: `''` stands for a quote.
    Doubled,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Open {
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

#[derive(Clone)]
pub(super) struct Scanner {
    pub(super) kind: FileKind,
    pub(super) open: Open,
    /// Python bracket depth: inside brackets indentation means nothing.
    pub(super) depth: u32,
    /// The previous line ended with a backslash continuation.
    pub(super) continued: bool,
    pub(super) lines_seen: usize,
    /// Shell heredocs opened on the current line, and those whose bodies are being read.
    pub(super) pending_heredocs: Vec<(String, bool)>,
    pub(super) heredocs: VecDeque<(String, bool)>,
    /// YAML block scalar: the indentation its content must exceed.
    pub(super) block_scalar: Option<usize>,
}

impl Scanner {
    /// Whether two scanners will scan any further lines alike: the same open literal,
    /// comment, brackets, continuation, heredocs and block scalar, and both past or both
    /// before the first line (the only use of the line count).
    pub(super) fn same_state(&self, other: &Scanner) -> bool {
        self.kind == other.kind
            && self.open == other.open
            && self.depth == other.depth
            && self.continued == other.continued
            && (self.lines_seen == 0) == (other.lines_seen == 0)
            && self.pending_heredocs == other.pending_heredocs
            && self.heredocs == other.heredocs
            && self.block_scalar == other.block_scalar
    }

    pub(super) fn new(kind: FileKind) -> Scanner {
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

    pub(super) fn scan_line(&mut self, line: &str) -> LineScan {
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
    pub(super) fn heredoc_line(&mut self, line: &str) -> Option<LineScan> {
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
    pub(super) fn block_scalar_line(&mut self, line: &str) -> Option<LineScan> {
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

    pub(super) fn scan_pieces(&mut self, line: &str) -> Vec<Piece> {
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
    pub(super) fn step(&mut self, line: &str, i: usize, pieces: &[Piece]) -> Step {
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
    pub(super) fn shell_heredoc(&mut self, b: &[u8], i: usize) -> Option<usize> {
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

pub(super) enum Step {
    /// This many bytes of code.
    Code(usize),
    /// A string or block comment opens here; its opener is this many bytes long.
    Open(Open, usize),
    /// A complete single-line literal (JS regex) of this many bytes.
    Literal(usize),
    /// A line comment runs to the end of the line.
    CommentToEnd,
}

pub(super) fn single_line(quote: u8) -> Open {
    Open::Str {
        close: if quote == b'"' { "\"" } else { "'" },
        escape: Escape::Backslash,
        multiline: false,
    }
}

pub(super) fn multi_line(close: &'static str, escape: Escape) -> Open {
    Open::Str {
        close,
        escape,
        multiline: true,
    }
}

pub(super) fn python_string(rest: &[u8]) -> Option<Step> {
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

pub(super) fn toml_string(rest: &[u8]) -> Option<Step> {
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
pub(super) fn regex_allowed(line: &str, i: usize, pieces: &[Piece]) -> bool {
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
pub(super) fn regex_len(b: &[u8], i: usize) -> usize {
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
pub(super) fn byte(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// The bytes from `i` on, empty past the end.
pub(super) fn tail(b: &[u8], i: usize) -> &[u8] {
    b.get(i..).unwrap_or(&[])
}

/// The byte length of the character at `i` (1 for ASCII).
pub(super) fn char_len(line: &str, i: usize) -> usize {
    line.get(i..)
        .and_then(|s| s.chars().next())
        .map_or(1, char::len_utf8)
}

/// A backslash and the character it escapes.
pub(super) fn escaped_len(line: &str, i: usize) -> usize {
    1 + line.get(i + 1..).map_or(0, |_| char_len(line, i + 1))
}

pub(super) fn find(b: &[u8], from: usize, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    (from..b.len()).find(|&j| tail(b, j).starts_with(n))
}

/// The index just past the closing delimiter of a string whose text starts at `from`.
pub(super) fn string_end(b: &[u8], from: usize, close: &str, escape: Escape) -> Option<usize> {
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
pub(super) fn push(pieces: &mut Vec<Piece>, range: Range<usize>, kind: PieceKind) {
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
pub(super) fn block_scalar_parent(line: &str, pieces: &[Piece]) -> Option<usize> {
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
