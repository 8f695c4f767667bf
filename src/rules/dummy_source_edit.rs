//! `dummy-source-edit`: a commit pushed to a deploy branch that changes nothing
//! functional, only comments, blank lines or whitespace in source and config files, or
//! whose message says it exists to force a rebuild or redeploy while its diff changes
//! nothing functional.
//!
//! A message that says the commit forces a build or deploy ("trigger Railway redeploy",
//! "bump version to force deployment", in any case and wording, see [`super::intent`])
//! widens what counts as changing nothing: documentation edits, and edits whose changed
//! lines are only markers (comments, log and print lines, version or timestamp settings
//! with literal values). So does a marker line that says it itself (`<!-- Cache bust:
//! 1763452808 -->`, `# Railway deploy trigger` appended to a file).
//!
//! What is left to other rules, so a commit is reported once: empty commits
//! (`empty-commit`), comment-only Dockerfile and manifest edits (`dockerfile-comment-only`,
//! `manifest-comment-only`), trigger files (`trigger-file`) and stamp bumps
//! (`timestamp-edit`). What is never reported: a commit with any functional change (a
//! comment fix inside a real refactor), documentation edits (a README typo fix) unless
//! the message says the commit is a deploy trigger, and comments that are tool
//! directives (`# noqa`, `// eslint-disable`, `# type:`, shebangs, encoding lines), which
//! change what linters, type checkers or bundlers do.

use crate::git::changes::{
    line_count, line_diff, middles, BlobContent, ChangeKind, CommitChange, FileChange,
};
use crate::hash::FastSet;
use crate::rules::text::ChangeNature;

use super::context_bloat::{Contexts, Placement, NOT_IN_CONTEXT_FACT};
use super::intent::{is_marker_line, may_say_forcing, says_forcing};
use super::manifest_comment_only::is_dockerfile_kind;
use super::timestamp_edit::{classify, hand_written_size, is_docs_path, Edit};
use super::{quoted_summary, Claim, Emitter, Rule, RuleContext};

/// The rule's id, as in `[rules.dummy-source-edit]`.
pub const ID: &str = "dummy-source-edit";

pub struct DummySourceEdit;

/// Substrings (lower case) of a changed comment line that make it a tool directive.
const DIRECTIVES: &[&str] = &[
    "#!",
    "coding:",
    "coding=",
    "noqa",
    "type:",
    "pylint",
    "mypy",
    "pyright",
    "ruff",
    "isort",
    "fmt:",
    "nosec",
    "pragma",
    "eslint",
    "jshint",
    "prettier",
    "@ts-",
    "<reference",
    "@flow",
    "@jsx",
    "istanbul",
    "c8 ignore",
    "v8 ignore",
    "webpack",
    "vite-ignore",
    "__pure__",
    "@license",
    "@preserve",
    "biome-ignore",
    "deno-",
    "shellcheck",
    "rubocop",
    "nolint",
    "go:",
    "+build",
    "codespell",
    "yamllint",
    "lint",
];

/// How many files a message names.
const MAX_NAMED: usize = 3;

/// True when a changed line may be a directive some tool reads.
fn is_directive(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    DIRECTIVES.iter().any(|d| lower.contains(d))
}

/// A cosmetic file of a commit, with the line to point at.
struct Cosmetic<'f> {
    file: &'f FileChange,
    line: u32,
    docs: bool,
    /// Its changed lines are markers (not only comments or whitespace).
    markers: bool,
}

/// `"Railway": {`, `build = [`, `deploy:`: a key that only opens a block.
fn opens_block(line: &str) -> bool {
    let t = line.trim().trim_end_matches(['{', '[']).trim_end();
    let Some(key) = t.strip_suffix(':').or_else(|| t.strip_suffix('=')) else {
        return false;
    };
    let key = key.trim().trim_matches(['"', '\'']);
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A commit of more files than this is judged on markers only when its message says it
/// forces a build.
const MAX_MARKER_FILES: usize = 3;

/// Changed lines beyond this many are a real edit, whatever they look like.
const MAX_MARKER_LINES: usize = 40;

/// How many lines of either middle have no equal line in the other: a line diff changes
/// at least that many.
fn unmatched_lines(a: &[&str], b: &[&str]) -> usize {
    let in_a: FastSet<&str> = a.iter().copied().collect();
    let in_b: FastSet<&str> = b.iter().copied().collect();
    a.iter().filter(|l| !in_b.contains(*l)).count()
        + b.iter().filter(|l| !in_a.contains(*l)).count()
}

/// Whether the lines `file` changes are only markers ([`is_marker_line`]) around code that
/// is the same but for whitespace and separators; `Some(true)` when an added marker says
/// itself that it forces a build (`# deploy trigger 2025-11-17`).
fn marker_edit(cx: &RuleContext<'_>, file: &FileChange, forcing: bool) -> Option<(u32, bool)> {
    if !hand_written_size(cx.repo, cx.cache, file.new?.id) {
        return None;
    }
    let (old, new) = cx.texts(file)?;
    let (BlobContent::Text(old), BlobContent::Text(new)) = (&*old, &*new) else {
        return None;
    };
    // The diff changes at least as many lines as the counts differ by.
    if line_count(old).abs_diff(line_count(new)) > MAX_MARKER_LINES {
        return None;
    }
    // Every line of one changed middle that the other lacks is a changed line, whatever
    // the diff's alignment: a real edit is turned away here without a diff.
    let (old_mid, new_mid) = middles(old, new);
    if unmatched_lines(&old_mid, &new_mid) > MAX_MARKER_LINES {
        return None;
    }
    // Without a forcing message, only a marker that says it itself counts: a text with no
    // word of forcing in it is not diffed at all (most commits of a long push).
    // The added lines are all in the new text's changed middle: only it is searched.
    if !forcing && !new_mid.iter().any(|l| may_say_forcing(l)) {
        return None;
    }
    let diff = line_diff(old, new).ok()?;
    if diff.added.len() + diff.removed.len() > MAX_MARKER_LINES || diff.added.is_empty() {
        return None;
    }
    // What is left once markers, and the block lines that only open or close around them
    // (`"Railway": {`), are taken out, without whitespace, separators and brackets: a
    // one-line dict spread over lines to slip a marker in compares equal.
    let rest = |lines: &[(u32, String)]| -> String {
        lines
            .iter()
            .filter(|(_, l)| !is_marker_line(l) && !opens_block(l))
            .flat_map(|(_, l)| l.chars())
            .filter(|c| !c.is_whitespace() && !matches!(c, ',' | ';' | '{' | '}' | '[' | ']'))
            .collect()
    };
    if rest(&diff.added) != rest(&diff.removed) {
        return None;
    }
    let says = diff.added.iter().any(|(_, l)| says_forcing(l));
    Some((diff.added.first().map_or(1, |(n, _)| *n), says))
}

/// What a commit amounts to, for this rule.
enum Verdict<'f> {
    /// Something functional changed, or another rule reports the commit.
    Skip,
    /// Only cosmetic edits in these files (others belong to other rules).
    Cosmetic(Vec<Cosmetic<'f>>),
}

fn judge<'f>(cx: &RuleContext<'_>, commit: &'f CommitChange, forcing: bool) -> Verdict<'f> {
    let files = commit.files();
    if files.is_empty() || commit.info.parents.len() > 1 {
        return Verdict::Skip;
    }
    // Without a forcing message, a file added or deleted is a real change unless another
    // rule reports it (a trigger file). The verdict does not depend on the order files are
    // looked at, so such a file settles it before any content is compared.
    let real_unread = |f: &FileChange| {
        f.kind != ChangeKind::Modified && !cx.claimed_by_other(ID, &Claim::TriggerFile(f))
    };
    if !forcing && files.iter().any(real_unread) {
        return Verdict::Skip;
    }
    let mut mine = Vec::new();
    let mut said = forcing;
    // A file moved with its content unchanged (a deletion and an addition of the same blob):
    // a rename, which under a forcing subject only moves bytes to change the build context.
    let moved = |file: &FileChange| {
        let id = file.new.or(file.old).map(|b| b.id);
        files.iter().any(|other| {
            !std::ptr::eq(other, file)
                && other.kind != file.kind
                && other.new.or(other.old).map(|b| b.id) == id
        })
    };
    for file in files {
        let Some(path) = file.path_str() else {
            return Verdict::Skip;
        };
        let docs = is_docs_path(path);
        let (line, stamp) = match &*classify(cx.repo, cx.cache, file) {
            Edit::Functional => {
                let small = files.len() <= MAX_MARKER_FILES;
                match inert_change(cx, file, path, forcing, small, moved(file)) {
                    Inert::Claimed => {}
                    Inert::No => return Verdict::Skip,
                    Inert::Yes {
                        line,
                        markers,
                        says,
                    } => {
                        said |= says;
                        mine.push(Cosmetic {
                            file,
                            line,
                            docs,
                            markers,
                        });
                    }
                }
                continue;
            }
            // A stamp in code or settings is functional text: `timestamp-edit`'s business.
            Edit::StampOnly {
                nature: ChangeNature::Functional,
                ..
            } => return Verdict::Skip,
            Edit::StampOnly { lines, .. } => {
                let directive = lines
                    .iter()
                    .any(|l| is_directive(&l.old) || is_directive(&l.new));
                if directive {
                    return Verdict::Skip;
                }
                (lines.first().map_or(1, |l| l.line), true)
            }
            Edit::Cosmetic { line, changed, .. } => {
                if changed.iter().any(|l| is_directive(l)) {
                    return Verdict::Skip;
                }
                (*line, false)
            }
        };
        let claimed = |claim: Claim<'_>| cx.claimed_by_other(ID, &claim);
        let owned = is_dockerfile_kind(path)
            || claimed(Claim::CosmeticEdit(file))
            || claimed(Claim::TriggerFile(file))
            || (stamp && claimed(Claim::StampEdit(file)));
        if !owned {
            mine.push(Cosmetic {
                file,
                line,
                docs,
                markers: false,
            });
        }
    }
    if mine.is_empty() || (mine.iter().any(|c| c.markers) && !said) {
        // Marker lines without a word of forcing are ordinary edits (a log line, a
        // release's version bump).
        return Verdict::Skip;
    }
    Verdict::Cosmetic(mine)
}

/// What a functionally changed file amounts to, for this rule.
enum Inert {
    /// Another rule reports it (a trigger file).
    Claimed,
    /// It changes nothing a user of the app would notice: `markers` when its changed lines
    /// are markers (not only a moved or documentation file), `says` when one of them says
    /// itself that it forces a build.
    Yes {
        line: u32,
        markers: bool,
        says: bool,
    },
    /// A real change.
    No,
}

/// Whether a functionally changed file of a commit of `small` size, under a `forcing`
/// subject or not, is inert: a file `moved` with its content unchanged or a document under
/// a forcing subject, or an edit of marker lines only.
fn inert_change(
    cx: &RuleContext<'_>,
    file: &FileChange,
    path: &str,
    forcing: bool,
    small: bool,
    moved: bool,
) -> Inert {
    let added_or_deleted = file.kind != ChangeKind::Modified;
    if forcing && added_or_deleted && moved {
        return Inert::Yes {
            line: 1,
            markers: true,
            says: false,
        };
    }
    if cx.claimed_by_other(ID, &Claim::TriggerFile(file)) {
        return Inert::Claimed;
    }
    // A Dockerfile edit is `dockerfile-comment-only`'s or real; and marker lines matter in
    // small commits only: a commit of many files, or a file added or deleted, is a real
    // change unless its subject says otherwise.
    if is_dockerfile_kind(path) || (!forcing && (!small || added_or_deleted)) {
        return Inert::No;
    }
    if forcing && is_docs_path(path) {
        return Inert::Yes {
            line: 1,
            markers: false,
            says: false,
        };
    }
    match marker_edit(cx, file, forcing) {
        Some((line, says)) => Inert::Yes {
            line,
            markers: true,
            says,
        },
        None => Inert::No,
    }
}

/// Whether the commit's subject says the commit is there to trigger a build or deploy (a
/// long body describes, and mentions words of every kind).
fn says_trigger(commit: &CommitChange, patterns: &[String]) -> bool {
    let message = commit.info.summary().to_lowercase();
    patterns
        .iter()
        .any(|p| !p.is_empty() && message.contains(&p.to_lowercase()))
}

impl Rule for DummySourceEdit {
    fn id(&self) -> &'static str {
        ID
    }

    fn forcing(&self) -> bool {
        true
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        if !cx.deploys {
            return;
        }
        let patterns = emit.settings().list_option("message_patterns");
        let tip = cx
            .update
            .commit
            .or_else(|| cx.changes.commits.last().map(|c| c.info.id));
        let mut contexts = tip.and_then(|tip| Contexts::new(cx, tip));
        for commit in &cx.changes.commits {
            let trigger = says_trigger(commit, &patterns) || says_forcing(commit.info.summary());
            let Verdict::Cosmetic(files) = judge(cx, commit, trigger) else {
                continue;
            };
            if files.iter().any(|f| f.docs) && !trigger {
                continue;
            }
            let Some(first) = files.first() else {
                continue;
            };
            let names: Vec<String> = files
                .iter()
                .take(MAX_NAMED)
                .map(|f| f.file.display_path())
                .collect();
            let mut shown = names.join(", ");
            if files.len() > MAX_NAMED {
                shown.push_str(&format!(" and {} more", files.len() - MAX_NAMED));
            }
            let ignored = contexts.as_mut().is_some_and(|c| {
                files.iter().all(|f| {
                    let path = String::from_utf8_lossy(&f.file.path);
                    c.placement(&path) == Placement::Excluded
                })
            });
            let what = if files.iter().any(|f| f.markers) {
                "comments, log lines or version and time markers"
            } else {
                "comments or whitespace"
            };
            let mut msg = format!(
                "commit {} {} changes only {what} in {shown}",
                commit.info.short_id(),
                quoted_summary(commit),
            );
            if trigger {
                msg.push_str(", and its message says it is meant to trigger a build");
            }
            msg.push_str(if ignored {
                ": the build is all cache hits, yet the push deploys the same image again"
            } else {
                ": the push rebuilds and deploys the same code"
            });
            let builder = emit.finding(commit, msg).path(first.file).line(first.line);
            if ignored {
                builder.fact(NOT_IN_CONTEXT_FACT.to_owned()).emit();
            } else {
                builder.emit();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_are_recognised() {
        for line in [
            "import x  # noqa: F401",
            "// eslint-disable-next-line no-console",
            "#!/usr/bin/env python3",
            "# -*- coding: latin-1 -*-",
            "x = []  # type: list[int]",
            "/* webpackChunkName: \"admin\" */",
            "// @ts-expect-error",
            "//go:build linux",
        ] {
            assert!(is_directive(line), "{line}");
        }
        for line in ["# fix typo", "// explain the retry loop", "", "   "] {
            assert!(!is_directive(line), "{line}");
        }
    }

    #[test]
    fn trigger_messages_match_case_insensitively() {
        let commit = |message: &str| CommitChange {
            info: crate::git::changes::CommitInfo {
                id: git2::Oid::ZERO_SHA1,
                parents: Vec::new(),
                message: message.to_owned(),
                author_time: 0,
            },
            changes: crate::git::changes::CommitChanges::Inspected(Vec::new()),
        };
        let patterns = vec!["force rebuild".to_owned(), "Redeploy".to_owned()];
        assert!(says_trigger(&commit("FORCE REBUILD please"), &patterns));
        assert!(says_trigger(&commit("chore: redeploy\n\nbody"), &patterns));
        assert!(!says_trigger(&commit("fix: typo"), &patterns));
        assert!(!says_trigger(&commit("x"), &[String::new()]));
    }
}
