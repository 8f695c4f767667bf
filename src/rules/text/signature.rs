//! Signatures: the functionally significant text of a file, one entry per significant line.

use super::*;

/// How inner whitespace outside literals is normalised.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Collapse {
    /// Runs become one space.
    Single,
    /// Removed (JSON, where tokens never need a separator).
    Remove,
    /// Kept as is.
    Keep,
}

/// What happens to blank (or comment-only) lines.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Blanks {
    Drop,
    /// Runs of blank lines count as one; blank lines at either end are dropped (Markdown).
    CollapseRuns,
    /// Kept, except at the end of the file (unknown formats).
    Keep,
}

pub(super) fn policy(kind: FileKind) -> (Collapse, Blanks) {
    match kind {
        FileKind::Json => (Collapse::Remove, Blanks::Drop),
        FileKind::Markdown => (Collapse::Keep, Blanks::CollapseRuns),
        FileKind::Other => (Collapse::Keep, Blanks::Keep),
        _ => (Collapse::Single, Blanks::Drop),
    }
}

pub(super) fn signature(kind: FileKind, text: &str) -> Vec<String> {
    let lines: Vec<String> = SignatureLines::new(kind, text).collect();
    if policy(kind).0 == Collapse::Remove {
        return vec![lines.concat()];
    }
    lines
}

/// Whether two texts have the same [`signature`], compared a line at a time so that a
/// functional change (the usual case) stops the comparison at its first line.
pub(super) fn same_signature(kind: FileKind, old: &str, new: &str) -> bool {
    if policy(kind).0 == Collapse::Remove {
        return signature(kind, old) == signature(kind, new);
    }
    SignatureLines::new(kind, old).eq(SignatureLines::new(kind, new))
}

/// The lines of a [`signature`], one at a time: each line's significant text, with blank
/// and comment-only lines kept, collapsed or dropped as [`policy`] says, and none at the
/// end of the text (blank lines are held back until a line with text follows).
pub(super) struct SignatureLines<'t> {
    pub(super) collapse: Collapse,
    pub(super) blanks: Blanks,
    pub(super) scanner: Scanner,
    pub(super) lines: std::str::Split<'t, char>,
    /// Empty lines held back since the last line with text.
    pub(super) held: usize,
    /// Whether the last line kept (held or not) has text: a run of blank lines collapses
    /// to one after it, and to none at the start.
    pub(super) after_text: bool,
    /// A line with text to give once the held blank lines are out.
    pub(super) next_text: Option<String>,
}

impl<'t> SignatureLines<'t> {
    pub(super) fn new(kind: FileKind, text: &'t str) -> SignatureLines<'t> {
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
pub(super) fn normalise(line: &str, scan: &LineScan, collapse: Collapse) -> Option<String> {
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
