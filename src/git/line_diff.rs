//! Line diffs between two texts: which lines an edit added and removed, with their
//! numbers, as `git diff` (xdiff) reports them.

use crate::hash::{FastMap, FastSet};

/// Added and removed lines between two texts, with 1-based line numbers in the new and old
/// text respectively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineDiff {
    pub added: Vec<(u32, String)>,
    pub removed: Vec<(u32, String)>,
}

/// The lines of `new` that do not occur anywhere in `old`, with their 1-based line numbers
/// in `new`: what a commit brings in that was not there before, without a diff's
/// alignment (a line merely moved is not "added"). Linear in the size of both texts, for
/// rules that only scan what is new (secrets) on pushes of thousands of commits.
///
/// The usual edit changes a few lines in the middle of a file: the lines of the bytes both
/// texts start and end with are in `old` by construction, so only the new text's changed
/// middle is looked at, and a short middle is looked up line by line in `old` (a vectorised
/// search each) instead of hashing every line of both texts.
pub fn new_lines(old: &str, new: &str) -> Vec<(u32, String)> {
    let (start, end) = changed_middle(old.as_bytes(), new.as_bytes());
    let Some(middle) = new.get(start..end) else {
        return new_lines_hashed(old, new);
    };
    // As `str::lines` numbers them: the middle starts a line.
    let first =
        1 + memchr::memchr_iter(b'\n', new.as_bytes().get(..start).unwrap_or_default()).count();
    let lines: Vec<&str> = middle.lines().collect();
    // Lines `str::lines` would split otherwise at the middle's edge (a bare `\r` ending the
    // text), empty lines (which a search cannot place), and long middles: hashed.
    let odd = |l: &&str| l.is_empty() || l.ends_with('\r');
    if lines.len() > MAX_SEARCHED_LINES
        || lines.iter().any(odd)
        || end != new.len() && !middle.ends_with('\n')
    {
        return new_lines_hashed(old, new);
    }
    (first..)
        .zip(lines)
        .filter(|(_, line)| !has_line(old, line))
        .map(|(n, line)| (u32::try_from(n).unwrap_or(u32::MAX), line.to_owned()))
        .collect()
}

/// Middles longer than this many lines are looked up in a hash set of `old`'s lines.
const MAX_SEARCHED_LINES: usize = 16;

/// [`new_lines`] by hashing every line of both texts.
fn new_lines_hashed(old: &str, new: &str) -> Vec<(u32, String)> {
    let before: FastSet<&str> = old.lines().collect();
    new.lines()
        .enumerate()
        .filter(|(_, line)| !before.contains(line))
        .map(|(i, line)| (u32::try_from(i + 1).unwrap_or(u32::MAX), line.to_owned()))
        .collect()
}

/// The byte range of `new` between the whole lines it shares with `old` at its start and
/// at its end: every line outside it is a line of `old`.
fn changed_middle(old: &[u8], new: &[u8]) -> (usize, usize) {
    let start = shared_lines_end(old, new);
    let room = old.len().min(new.len()) - start;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    // Forward to the end (its `\n` included) of the line the last difference is on: the
    // lines after it are whole lines of both texts, each after a `\n` both share.
    let tail = new.len() - suffix;
    let end = match new.get(tail..).and_then(|t| memchr::memchr(b'\n', t)) {
        Some(i) => tail + i + 1,
        None => new.len(),
    };
    (start, end.max(start))
}

/// Whether `line` (not empty, not ending in `\r`) is one of `text.lines()`.
fn has_line(text: &str, line: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memmem::find_iter(bytes, line.as_bytes()).any(|at| {
        let before = at.checked_sub(1).map(|i| bytes.get(i));
        let after = at + line.len();
        let starts = matches!(before, None | Some(Some(b'\n')));
        let ends = match bytes.get(after) {
            None => true,
            Some(b'\n') => true,
            Some(b'\r') => bytes.get(after + 1) == Some(&b'\n'),
            Some(_) => false,
        };
        starts && ends
    })
}

/// How many lines `text` has as a diff counts them: each `\n` ends one, and a last line
/// without one counts too. A line diff between two texts adds and removes at least as many
/// lines as their counts differ by, which lets callers turn an edit away before diffing it.
pub fn line_count(text: &str) -> usize {
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    ends + usize::from(!text.is_empty() && !text.ends_with('\n'))
}

/// The lines (with their ends) of `old` and `new` between the lines both start with and
/// the lines both end with: what xdiff trims before it diffs. Every line a diff removes is
/// in the first, every line it adds in the second, and the lines of each that the diff
/// keeps are the same multiset, so callers can rule an edit out on the middles alone.
///
/// Only the middles are split into lines: the shared start is found by comparing bytes, and
/// the shared end line by line from the back, so a one-line edit of a large file costs a
/// comparison of it, not a vector of its lines.
pub fn middles<'a, 'b>(old: &'a str, new: &'b str) -> (Vec<&'a str>, Vec<&'b str>) {
    let start = shared_lines_end(old.as_bytes(), new.as_bytes());
    let (Some(a), Some(b)) = (old.get(start..), new.get(start..)) else {
        return (Vec::new(), Vec::new());
    };
    // The shared end, a whole line at a time, never into the shared start.
    let room = line_count(a).min(line_count(b));
    let (mut a_end, mut b_end) = (a.len(), b.len());
    for _ in 0..room {
        let (a_from, b_from) = (last_line_start(a, a_end), last_line_start(b, b_end));
        if a.get(a_from..a_end) != b.get(b_from..b_end) {
            break;
        }
        (a_end, b_end) = (a_from, b_from);
    }
    (split_lines(a, a_end), split_lines(b, b_end))
}

/// The lines (with their ends) of `text[..end]`.
fn split_lines(text: &str, end: usize) -> Vec<&str> {
    let head = text.get(..end).unwrap_or_default();
    head.split_inclusive('\n').collect()
}

/// The end of the whole lines `old` and `new` start with (line ends included): the start
/// of the line their first differing byte is on.
fn shared_lines_end(old: &[u8], new: &[u8]) -> usize {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let shared = new.get(..prefix).unwrap_or_default();
    memchr::memrchr(b'\n', shared).map_or(0, |i| i + 1)
}

/// Where the last line of `text[..end]` starts (`end` is a line's end, past its `\n`).
fn last_line_start(text: &str, end: usize) -> usize {
    let before = text
        .as_bytes()
        .get(..end.saturating_sub(1))
        .unwrap_or_default();
    memchr::memrchr(b'\n', before).map_or(0, |i| i + 1)
}

/// How many items `a` and `b` share at their start, and then at their end (never
/// overlapping the start): lines, as xdiff trims them, or bytes.
pub fn common_ends<T: PartialEq>(a: &[T], b: &[T]) -> (usize, usize) {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let room = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(room)
        .take_while(|(x, y)| x == y)
        .count();
    (prefix, suffix)
}

/// Computes a line diff: xdiff's, as libgit2 gives it with no context lines.
pub fn line_diff(old: &str, new: &str) -> Result<LineDiff, git2::Error> {
    match certain_diff(old, new) {
        Some(diff) => Ok(diff),
        None => xdiff(old, new),
    }
}

/// xdiff's result, worked out without running it when the answer is certain; `None` when
/// it is not, and xdiff must decide.
///
/// xdiff first trims the lines both texts start and end with. In what is left, it marks
/// every line with no equal line in the other text as changed, and matches the others with
/// Myers' algorithm. When the lines each side has in common with the other side's middle
/// are the same sequence on both sides (the usual edit: lines replaced, added or removed
/// between unchanged ones), the longest common subsequence is that sequence, and only one
/// alignment reaches it, so any minimal diff (Myers') marks exactly the other lines. This
/// gives that answer, and leaves to xdiff the cases where it would not be minimal or would
/// then move what it marked:
///
/// - a middle line that has many equal lines in the other text (at least the square root
///   xdiff computes for that text's length): xdiff may mark it changed even though it could
///   match;
/// - 200 or more changed lines: past its cost limit xdiff stops looking for the minimum;
/// - a run of changed lines that could slide along equal lines (`a` → `a a`: which `a` is
///   new?), where xdiff picks a position;
/// - a NUL anywhere: libgit2 then takes the text for binary and reports no lines.
///
/// Lines compare as xdiff's records do, with their line ends, so `x` without a final newline
/// differs from `x\n`. A property test checks the answers against xdiff's.
fn certain_diff(old: &str, new: &str) -> Option<LineDiff> {
    if memchr::memchr(0, old.as_bytes()).is_some() || memchr::memchr(0, new.as_bytes()).is_some() {
        return None;
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let (prefix, suffix) = common_ends(&a, &b);
    let (a_mid, b_mid) = (
        a.get(prefix..a.len() - suffix)?,
        b.get(prefix..b.len() - suffix)?,
    );
    if a_mid.len() + b_mid.len() >= 200 {
        return None;
    }
    let in_a: FastSet<&str> = a_mid.iter().copied().collect();
    let in_b: FastSet<&str> = b_mid.iter().copied().collect();
    let kept_a: Vec<bool> = a_mid.iter().map(|l| in_b.contains(l)).collect();
    let kept_b: Vec<bool> = b_mid.iter().map(|l| in_a.contains(l)).collect();
    let (common_a, common_b) = (kept_lines(a_mid, &kept_a), kept_lines(b_mid, &kept_b));
    if common_a != common_b
        || has_many_matches(&common_a, a.len(), &b)
        || has_many_matches(&common_b, b.len(), &a)
    {
        return None;
    }
    let removed = changed_runs(&a, prefix, &kept_a)?;
    let added = changed_runs(&b, prefix, &kept_b)?;
    Some(LineDiff { added, removed })
}

/// The lines of `lines` whose `keep` is true.
fn kept_lines<'t>(lines: &[&'t str], keep: &[bool]) -> Vec<&'t str> {
    lines
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(l, _)| *l)
        .collect()
}

/// Whether one of the matchable middle lines `kept`, from a text of `own` lines, occurs in
/// the whole `other` text as often as xdiff's limit for that text (`xdl_bogosqrt(own)`, as
/// `xdl_cleanup_records` computes it per file): then xdiff may discard it.
fn has_many_matches(kept: &[&str], own: usize, other: &[&str]) -> bool {
    let mut limit = 1usize;
    let mut n = own;
    while n > 0 {
        limit <<= 1;
        n >>= 2;
    }
    let limit = limit.min(1024);
    let wanted: FastSet<&str> = kept.iter().copied().collect();
    if wanted.is_empty() {
        return false;
    }
    let mut counts: FastMap<&str, usize> = FastMap::default();
    other.iter().filter(|l| wanted.contains(*l)).any(|l| {
        let c = counts.entry(l).or_insert(0);
        *c += 1;
        *c >= limit
    })
}

/// The changed (not kept) lines of `lines[start..]`, numbered from 1, trimmed of their line
/// ends; `None` when a run of them could slide (see [`certain_diff`]).
fn changed_runs(lines: &[&str], start: usize, kept: &[bool]) -> Option<Vec<(u32, String)>> {
    let mut out = Vec::new();
    let mut run_start = None;
    for (i, keep) in kept.iter().chain([&true]).enumerate() {
        let at = start + i;
        match (run_start, keep) {
            (None, false) => run_start = Some(at),
            (Some(from), true) => {
                if can_slide(lines, from, at) {
                    return None;
                }
                run_start = None;
            }
            _ => {}
        }
        if !keep {
            let line = lines.get(at)?;
            let number = u32::try_from(at + 1).unwrap_or(u32::MAX);
            out.push((number, line.trim_end_matches(['\n', '\r']).to_owned()));
        }
    }
    Some(out)
}

/// Whether xdiff could move the changed run `lines[start..end]` by a line: down when its
/// first line equals the line after it, up when its last line equals the line before it.
fn can_slide(lines: &[&str], start: usize, end: usize) -> bool {
    if start == end {
        return false;
    }
    let down = lines.get(start).is_some_and(|l| lines.get(end) == Some(l));
    let up = start > 0
        && lines
            .get(start - 1)
            .is_some_and(|l| lines.get(end - 1) == Some(l));
    down || up
}

/// xdiff via libgit2, no context lines.
fn xdiff(old: &str, new: &str) -> Result<LineDiff, git2::Error> {
    let mut opts = git2::DiffOptions::new();
    opts.context_lines(0);
    let patch =
        git2::Patch::from_buffers(old.as_bytes(), None, new.as_bytes(), None, Some(&mut opts))?;
    let mut diff = LineDiff::default();
    for h in 0..patch.num_hunks() {
        let lines = patch.num_lines_in_hunk(h)?;
        for l in 0..lines {
            let line = patch.line_in_hunk(h, l)?;
            let text = String::from_utf8_lossy(line.content())
                .trim_end_matches(['\n', '\r'])
                .to_owned();
            match line.origin() {
                '+' => diff
                    .added
                    .push((line.new_lineno().unwrap_or_default(), text)),
                '-' => diff
                    .removed
                    .push((line.old_lineno().unwrap_or_default(), text)),
                _ => {}
            }
        }
    }
    Ok(diff)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lines` with `edits` applied in order: `(0, at, _)` removes the line at `at`, `(1, at,
    /// line)` inserts `line` there, `(_, at, line)` replaces it (positions wrap around).
    fn edited(lines: &[usize], edits: &[(usize, usize, usize)]) -> Vec<usize> {
        let mut new = lines.to_vec();
        for &(op, at, line) in edits {
            let at = at % (new.len() + 1);
            match op {
                0 if at < new.len() => {
                    new.remove(at);
                }
                1 => new.insert(at, line),
                _ if at < new.len() => new[at] = line,
                _ => {}
            }
        }
        new
    }

    /// The lines `ids` of `lines` joined, without the last line end unless `end`.
    fn joined(lines: &[&str], ids: &[usize], end: bool) -> String {
        let mut t: String = ids.iter().map(|&i| lines[i]).collect();
        if !end && t.ends_with('\n') {
            t.pop();
        }
        t
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(6000))]

        /// The middle-only lookup gives exactly the hash set's answer: few distinct lines,
        /// carriage returns, empty lines, a missing final newline, lines that hold others.
        #[test]
        fn new_lines_is_the_set_difference(
            old in proptest::collection::vec(0usize..9, 0..12),
            edits in proptest::collection::vec((0usize..3, 0usize..12, 0usize..9), 0..4),
            old_end in proptest::bool::ANY,
            new_end in proptest::bool::ANY,
        ) {
            const LINES: [&str; 9] =
                ["a\n", "b\n", "ab\n", "\n", "a\r\n", "\r\n", "KEY=x\n", "b a\n", "a\r"];
            let new = edited(&old, &edits);
            let text = |ids: &[usize], end: bool| joined(&LINES, ids, end);
            let (old, new) = (text(&old, old_end), text(&new, new_end));
            proptest::prop_assert_eq!(new_lines(&old, &new), new_lines_hashed(&old, &new));
        }
    }

    /// [`middles`] as first written: both texts split into lines, the common ends trimmed.
    fn middles_by_splitting<'a, 'b>(old: &'a str, new: &'b str) -> (Vec<&'a str>, Vec<&'b str>) {
        let a: Vec<&str> = old.split_inclusive('\n').collect();
        let b: Vec<&str> = new.split_inclusive('\n').collect();
        let (prefix, suffix) = common_ends(&a, &b);
        let (a_end, b_end) = (a.len() - suffix, b.len() - suffix);
        (a[prefix..a_end].to_vec(), b[prefix..b_end].to_vec())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(6000))]

        /// The byte-wise start and line-wise end give the middles splitting gives: repeated
        /// lines, lines that are prefixes of others, carriage returns, no final newline.
        #[test]
        fn middles_are_what_splitting_gives(
            old in proptest::collection::vec(0usize..7, 0..12),
            edits in proptest::collection::vec((0usize..3, 0usize..12, 0usize..7), 0..4),
            old_end in proptest::bool::ANY,
            new_end in proptest::bool::ANY,
        ) {
            const LINES: [&str; 7] = ["a\n", "ab\n", "b\n", "\n", "a\r\n", "a", "b a\n"];
            let new = edited(&old, &edits);
            let text = |ids: &[usize], end: bool| joined(&LINES, ids, end);
            let (old, new) = (text(&old, old_end), text(&new, new_end));
            proptest::prop_assert_eq!(middles(&old, &new), middles_by_splitting(&old, &new));
        }
    }

    #[test]
    fn new_lines_are_those_not_in_the_old_text() {
        let added = new_lines("a\nb\nc\n", "c\na\nKEY=x\nb\n");
        assert_eq!(added, vec![(3, "KEY=x".to_owned())]);
        assert_eq!(new_lines("", "x\n"), vec![(1, "x".to_owned())]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The shortcut gives xdiff's own answer whenever it answers. Few distinct lines
        /// (and carriage returns, and texts without a final newline) make repeated lines,
        /// where xdiff's choices show.
        #[test]
        fn certain_diff_is_what_xdiff_gives(
            old in proptest::collection::vec(0usize..6, 0..8),
            new in proptest::collection::vec(0usize..6, 0..8),
            old_end in proptest::bool::ANY,
            new_end in proptest::bool::ANY,
        ) {
            const LINES: [&str; 6] = ["a\n", "b\n", "c\n", "\n", "a\r\n", "x\u{0}\n"];
            let text = |ids: &[usize], end: bool| joined(&LINES, ids, end);
            let (old, new) = (text(&old, old_end), text(&new, new_end));
            if let Some(fast) = certain_diff(&old, &new) {
                proptest::prop_assert_eq!(fast, xdiff(&old, &new).unwrap());
            }
        }

        /// The same on edits: lines of a longer text replaced, inserted and removed.
        #[test]
        fn certain_diff_of_an_edit_is_what_xdiff_gives(
            old in proptest::collection::vec(0usize..40, 0..60),
            edits in proptest::collection::vec((0usize..3, 0usize..60, 0usize..40), 0..6),
        ) {
            let new = edited(&old, &edits);
            // 40 distinct lines for up to 60, so some repeat; a blank and a brace among them.
            let line = |i: &usize| match i {
                0 => "\n".to_owned(),
                1 => "    }\n".to_owned(),
                i => format!("line {i}\n"),
            };
            let old: String = old.iter().map(line).collect();
            let new: String = new.iter().map(line).collect();
            if let Some(fast) = certain_diff(&old, &new) {
                proptest::prop_assert_eq!(fast, xdiff(&old, &new).unwrap());
            }
        }
    }

    #[test]
    fn certain_diff_answers_usual_edits_and_leaves_the_rest_to_xdiff() {
        let d = certain_diff("a\nb\nc\n", "a\nB\nC\r\nc\n").unwrap();
        assert_eq!(d.removed, vec![(2, "b".to_owned())]);
        assert_eq!(d.added, vec![(2, "B".to_owned()), (3, "C".to_owned())]);
        // Two changed runs around an unchanged line.
        let d = certain_diff("a\nb\nc\n", "a\nB\nc\nd").unwrap();
        assert_eq!(d.removed, vec![(2, "b".to_owned())]);
        assert_eq!(d.added, vec![(2, "B".to_owned()), (4, "d".to_owned())]);
        // A moved line: the common lines differ in order.
        assert_eq!(certain_diff("a\nb\nc\n", "b\na\nc\n"), None);
        assert_eq!(
            certain_diff("", "x\n").unwrap().added,
            [(1, "x".to_owned())]
        );
        assert_eq!(certain_diff("a\n", "a\n").unwrap(), LineDiff::default());
        // Which `a` was added is xdiff's call.
        assert_eq!(certain_diff("a\n", "a\na\n"), None);
        assert_eq!(certain_diff("a\n", "a\u{0}\n"), None);
    }

    #[test]
    fn line_diff_reports_numbers() {
        let d = line_diff("a\nb\nc\n", "a\nB\nc\nd\n").unwrap();
        assert_eq!(d.removed, vec![(2, "b".to_owned())]);
        assert_eq!(d.added, vec![(2, "B".to_owned()), (4, "d".to_owned())]);
    }
}
