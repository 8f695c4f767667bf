//! Signatures: the functionally significant text of a file, one entry per significant line.

use super::*;
use crate::git::line_diff::common_ends;

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
    if let Some(same) = same_signature_in_middles(kind, old, new) {
        return same;
    }
    SignatureLines::new(kind, old).eq(SignatureLines::new(kind, new))
}

/// [`same_signature`] from the lines that differ: the lines both texts start with give the
/// same signature lines and leave the same state behind, so they are scanned once, and
/// each text's changed middle is scanned from that state. When both middles leave the same
/// state too, the lines both texts end with give the same signature lines on both sides,
/// and the answer is whether the middles' signature lines are equal; otherwise `None`,
/// and the whole texts are compared. A usual edit changes a few lines of a long file, so
/// this scans a bit over half of one text where the whole comparison scans both.
pub(super) fn same_signature_in_middles(kind: FileKind, old: &str, new: &str) -> Option<bool> {
    let (prefix, old_mid, new_mid) = split_common_lines(old, new);
    let mut shared = SignatureLines::new(kind, "");
    shared.pass_over(prefix);
    let mut a = shared.clone_state();
    a.lines = lines_of(old_mid);
    let mut b = shared.clone_state();
    b.lines = lines_of(new_mid);
    // The whole texts give the prefix's items, then the middles', then the suffix's: the
    // first middle item that differs settles it, as the whole comparison would.
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => {}
            (Some(_), Some(_)) => return Some(false),
            (None, None) => break,
            // One middle has more items: the texts differ if the suffix, read from the
            // same state on both sides, gives the same items after both.
            _ => {
                a.by_ref().for_each(drop);
                b.by_ref().for_each(drop);
                return a.same_state(&b).then_some(false);
            }
        }
    }
    a.same_state(&b).then_some(true)
}

/// The lines of `text` (empty, or ending with a line end, or running to the end of its
/// file) as [`SignatureLines`] reads them from a whole text: a line end closes a line
/// rather than opening an empty one, and the empty text has no lines. A text's own last
/// line end is followed by one empty piece in a whole-text read; only blank lines at the
/// end of a text are lost that way, and those never give a signature line.
pub(super) fn lines_of(text: &str) -> std::str::Split<'_, char> {
    let mut lines = text.strip_suffix('\n').unwrap_or(text).split('\n');
    if text.is_empty() {
        lines.next();
    }
    lines
}

/// `(prefix, old_middle, new_middle)`: the whole lines both texts start with, then what
/// each has before the whole lines both end with. The prefix is empty or ends with `\n`,
/// and so does each middle unless it runs to the end of its text.
fn split_common_lines<'a>(old: &'a str, new: &'a str) -> (&'a str, &'a str, &'a str) {
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let (same, _) = common_ends(a, b);
    let prefix_len = a
        .get(..same)
        .and_then(|p| memchr::memrchr(b'\n', p))
        .map_or(0, |i| i + 1);
    // The common tail, not reaching back into the prefix's lines.
    let (_, tail) = common_ends(
        a.get(prefix_len..).unwrap_or_default(),
        b.get(prefix_len..).unwrap_or_default(),
    );
    // The common tail is taken from a line start in both texts on: just after a `\n`, or
    // at the prefix's end.
    let line_start = |t: &[u8], at: usize| at == prefix_len || t.get(at - 1) == Some(&b'\n');
    let mut suffix_len = tail;
    while suffix_len > 0
        && !(line_start(a, a.len() - suffix_len) && line_start(b, b.len() - suffix_len))
    {
        suffix_len -= 1;
    }
    let old_mid = old.get(prefix_len..a.len() - suffix_len).unwrap_or("");
    let new_mid = new.get(prefix_len..b.len() - suffix_len).unwrap_or("");
    (old.get(..prefix_len).unwrap_or(""), old_mid, new_mid)
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

impl<'t> SignatureLines<'t> {
    /// A copy of this iterator's state (scanner, held blank lines) with no lines left to
    /// read; give it lines to continue from here.
    fn clone_state<'u>(&self) -> SignatureLines<'u> {
        SignatureLines {
            collapse: self.collapse,
            blanks: self.blanks,
            scanner: self.scanner.clone(),
            lines: lines_of(""),
            held: self.held,
            after_text: self.after_text,
            next_text: self.next_text.clone(),
        }
    }

    /// Reads the lines of `text` (as [`lines_of`] splits them) for their effect on the
    /// state alone, as draining the iterator over them would leave it, without building
    /// the signature lines themselves: for lines both texts share, whose items are equal.
    pub(super) fn pass_over(&mut self, text: &str) {
        for line in lines_of(text) {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let scan = self.scanner.scan_line(line);
            match normalised_kind(line, &scan) {
                Normalised::Text => {
                    // As reading it would leave it: the held blank lines given out first.
                    self.held = 0;
                    self.after_text = true;
                }
                Normalised::Empty => self.hold_empty_text(),
                Normalised::Nothing => self.hold_blank(),
            }
        }
    }

    /// A line whose significant text is empty (a line of a multi-line literal): held back
    /// until a line with text follows.
    fn hold_empty_text(&mut self) {
        self.held += 1;
        self.after_text = false;
    }

    /// A blank or comment-only line, as the format's [`Blanks`] policy says.
    fn hold_blank(&mut self) {
        match self.blanks {
            Blanks::Drop => {}
            Blanks::Keep => self.hold_empty_text(),
            Blanks::CollapseRuns => {
                if self.after_text {
                    self.hold_empty_text();
                }
            }
        }
    }

    /// Whether two iterators, given the same lines from here on, give the same items.
    pub(super) fn same_state(&self, other: &SignatureLines<'_>) -> bool {
        self.scanner.same_state(&other.scanner)
            && self.held == other.held
            && self.after_text == other.after_text
            && self.next_text == other.next_text
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
                Some(text) if text.is_empty() => self.hold_empty_text(),
                Some(text) => {
                    self.next_text = Some(text);
                    self.after_text = true;
                }
                None => self.hold_blank(),
            }
        }
    }
}

/// What [`normalise`] makes of a line, without making it.
enum Normalised {
    /// `Some` of a non-empty text.
    Text,
    /// `Some` of an empty text (a line of a multi-line literal).
    Empty,
    /// `None`: blank or comment-only.
    Nothing,
}

/// [`normalise`]'s kind of answer for `line`: its text is empty exactly when no piece holds
/// a character that is not whitespace and no indent is kept.
fn normalised_kind(line: &str, scan: &LineScan) -> Normalised {
    if scan.content {
        return if line.trim_end().is_empty() {
            Normalised::Empty
        } else {
            Normalised::Text
        };
    }
    let solid = scan
        .pieces
        .iter()
        .any(|p| slice(line, &p.range).chars().any(|c| !c.is_whitespace()));
    if solid {
        return Normalised::Text;
    }
    if !scan.pieces.iter().any(|p| p.kind == PieceKind::Literal) {
        return Normalised::Nothing;
    }
    let indented = scan.indent_significant
        && scan
            .pieces
            .first()
            .is_some_and(|p| p.range.start == 0 && p.kind == PieceKind::Code)
        && line.starts_with([' ', '\t']);
    if indented {
        Normalised::Text
    } else {
        Normalised::Empty
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
