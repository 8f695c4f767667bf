//! `timestamp-edit`: a change whose changed lines differ only in dates, times, epoch
//! numbers, build counters or `vN` markers, in places where the value does nothing for the
//! app: comments, stamp-named settings (`BUILD_DATE=`, `DEPLOYED_AT = `, `CACHEBUST=`), log
//! and `echo` text, Dockerfile `LABEL`s.
//!
//! The volatile values themselves come from [`text::mask_volatile`], which already refuses
//! to mask version pins, image tags and digests (`flask==3.0.1`, `python:3.12`, `@v4`). On
//! top of that this rule only trusts a masked difference where it cannot matter: a date in
//! a Python assignment (`CUTOFF = "2024-11-07"`) or a test fixture is real data, a version
//! field (`"version": "v1.2.3"`, `APP_VERSION=v3`) is a real release, and a base image line
//! (`FROM ...-20241107`) is a real upgrade, so none of those is flagged.
//!
//! This module also holds the per-file classification ([`classify`]) that
//! `dummy-source-edit` shares, so both rules agree on what a stamp edit is.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use git2::{Oid, Repository};

use crate::globs::Globs;

use crate::config::RuleConfig;
use crate::escape::escape;
use crate::git::changes::{
    line_count, line_diff, middles, BlobContent, ChangeKind, CommitChange, EntryKind, FileChange,
};
use crate::hash::FastMap;
use crate::rules::text::{code_of_line, compare, mask_volatile, ChangeNature, FileKind};

mod marker_run;

use marker_run::marker_run;

use super::context_bloat::{Contexts, Placement, NOT_IN_CONTEXT_FACT};
use super::docker_context::dockerfile_changes;
use super::manifest_comment_only::{file_kind, first_changed_line, is_dockerfile_kind};
use super::{quoted_summary, AheadContext, Claim, Emitter, PushCache, Rule, RuleContext};

#[cfg(test)]
mod tests;

/// The rule's id, as in `[rules.timestamp-edit]`.
pub const ID: &str = "timestamp-edit";

pub struct TimestampEdit;

/// One changed line whose only difference is a volatile value: its number in the new
/// version, and both versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StampLine {
    pub line: u32,
    pub old: String,
    pub new: String,
}

/// What one changed file's edit amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Edit {
    /// Every changed line only bumps a stamp in a harmless place; `nature` is the whole-file
    /// comparison (a stamp in a comment is also `CommentOnly`).
    StampOnly {
        lines: Vec<StampLine>,
        nature: ChangeNature,
    },
    /// Only comments or whitespace changed; `line` is the first changed line, `changed`
    /// the added and removed lines.
    Cosmetic {
        nature: ChangeNature,
        line: u32,
        changed: Vec<String>,
    },
    /// Anything else, including files that cannot be read as text, added or deleted files,
    /// and mode changes.
    Functional,
}

/// Classifies one changed file, once per push: `timestamp-edit` and `dummy-source-edit`
/// both ask about the same files (see [`classify_uncached`]).
pub(super) fn classify(repo: &Repository, cache: &PushCache, file: &FileChange) -> Rc<Edit> {
    let memo = cache.memo::<Edits>();
    let key = (
        file.old.map(|b| b.id),
        file.new.map(|b| b.id),
        file.path.clone(),
    );
    if let Some(hit) = memo.0.borrow().get(&key) {
        return Rc::clone(hit);
    }
    let edit = Rc::new(classify_uncached(repo, cache, file));
    memo.0.borrow_mut().insert(key, Rc::clone(&edit));
    edit
}

/// [`classify`]'s answers for this push, by (old blob, new blob, path).
#[derive(Default)]
struct Edits(RefCell<FastMap<EditKey, Rc<Edit>>>);

/// A changed file as [`classify`] sees it: its old blob, new blob and path.
type EditKey = (Option<Oid>, Option<Oid>, Vec<u8>);

/// Classifies one changed file. Reads both versions from the push's blob cache, as
/// [`RuleContext::texts`] does, so blobs over the cap, binaries and unreadable objects count
/// as functional (never flagged).
fn classify_uncached(repo: &Repository, cache: &PushCache, file: &FileChange) -> Edit {
    let (Some(new), true) = (file.new, !functional_unread(file)) else {
        return Edit::Functional;
    };
    let Some(path) = file.path_str() else {
        return Edit::Functional;
    };
    if !hand_written_size(repo, cache, new.id) {
        return Edit::Functional;
    }
    let Some((old_text, new_text)) = cache.texts(repo, file) else {
        return Edit::Functional;
    };
    let (BlobContent::Text(old_text), BlobContent::Text(new_text)) = (&*old_text, &*new_text)
    else {
        return Edit::Functional;
    };
    let kind = file_kind(path);
    let nature = compare(kind, old_text, new_text);
    if nature == ChangeNature::Identical {
        return Edit::Functional;
    }
    // A stamp edit replaces as many lines as it removes ([`stamp_lines`]), so a functional
    // edit that changes the line count is neither a stamp nor cosmetic: no diff needed.
    if nature == ChangeNature::Functional
        && (line_count(old_text) != line_count(new_text) || !stamps_could_pair(old_text, new_text))
    {
        return Edit::Functional;
    }
    let Ok(diff) = line_diff(old_text, new_text) else {
        return Edit::Functional;
    };
    if let Some(lines) = stamp_lines(kind, &diff.removed, &diff.added) {
        return Edit::StampOnly { lines, nature };
    }
    match nature {
        ChangeNature::CommentOnly | ChangeNature::WhitespaceOnly => Edit::Cosmetic {
            nature,
            line: first_changed_line(&diff),
            changed: diff
                .added
                .into_iter()
                .chain(diff.removed)
                .map(|(_, text)| text)
                .collect(),
        },
        ChangeNature::Identical | ChangeNature::Functional => Edit::Functional,
    }
}

/// Whether [`classify`] calls `file` functional without reading it: added, deleted, or
/// changed in kind, or not a plain file.
pub(super) fn functional_unread(file: &FileChange) -> bool {
    let (Some(old), Some(new)) = (file.old, file.new) else {
        return true;
    };
    let plain = |k: EntryKind| matches!(k, EntryKind::File | EntryKind::Executable);
    file.kind != ChangeKind::Modified || old.kind != new.kind || !plain(new.kind)
}

/// The largest text the cosmetic rules compare. A stamp, a marker comment or a dummy edit
/// is written by hand into a file a person edits: source files and configurations are far
/// below this (a 6,000-line module is about 250 KB). Larger texts are data, generated
/// output or bundles; comparing both versions of each would cost more than git's whole
/// diff of them, so such an edit counts as functional, like a file over the content cap.
pub(super) const MAX_COSMETIC_BYTES: usize = 256 * 1024;

/// Whether blob `id` is text no larger than [`MAX_COSMETIC_BYTES`]. Its size is looked up
/// first, so a larger one is never read for this.
pub(super) fn hand_written_size(repo: &Repository, cache: &PushCache, id: Oid) -> bool {
    let cap = MAX_COSMETIC_BYTES as u64;
    matches!(&*cache.blob_upto(repo, id, cap), BlobContent::Text(t) if t.len() <= MAX_COSMETIC_BYTES)
}

/// Whether the changed lines of an edit could pair up as [`stamp_lines`] requires, each
/// removed line with an added one equal to it once volatile values are masked: then the
/// middles the diff works in ([`middles`]) hold the same masked lines, whatever the diff's
/// alignment. Most functional edits fail this on a few lines, without the diff.
fn stamps_could_pair(old: &str, new: &str) -> bool {
    let (a, b) = middles(old, new);
    if a.len() != b.len() {
        return false;
    }
    // As the diff gives its lines: without their ends.
    let masked = |lines: Vec<&str>| {
        let mut m: Vec<String> = lines
            .into_iter()
            .map(|l| mask_volatile(l.trim_end_matches(['\n', '\r'])))
            .collect();
        m.sort_unstable();
        m
    };
    masked(a) == masked(b)
}

/// The changed lines of a file when every one of them only bumps a stamp in a harmless
/// place; `None` otherwise. Removed and added lines are paired in order, so the edit must
/// replace as many lines as it removes.
pub(super) fn stamp_lines(
    kind: FileKind,
    removed: &[(u32, String)],
    added: &[(u32, String)],
) -> Option<Vec<StampLine>> {
    if added.is_empty() || added.len() != removed.len() {
        return None;
    }
    removed
        .iter()
        .zip(added)
        .map(|((_, old), (line, new))| {
            is_stamp_pair(kind, old, new).then(|| StampLine {
                line: *line,
                old: old.clone(),
                new: new.clone(),
            })
        })
        .collect()
}

/// True when `old` → `new` only changes a volatile value, in a comment, a stamp-named
/// setting, log text or (in a Dockerfile) a `LABEL`.
pub(super) fn is_stamp_pair(kind: FileKind, old: &str, new: &str) -> bool {
    if old == new || mask_volatile(old) != mask_volatile(new) {
        return false;
    }
    if code_of_line(kind, old) == code_of_line(kind, new) {
        // Only comment text differs.
        return true;
    }
    let start = diff_start(old, new);
    let key = key_before(kind, new, start);
    if key.is_some_and(is_version_key) {
        return false;
    }
    if kind == FileKind::Dockerfile && instruction_is(new, "FROM") {
        return false;
    }
    if inside_reference(new, start) {
        return false;
    }
    key.is_some_and(is_stamp_key)
        || in_log_text(new, start)
        || (kind == FileKind::Dockerfile && instruction_is(new, "LABEL"))
}

/// The byte index of the first character where the two lines differ.
fn diff_start(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or_else(|| a.len().min(b.len()), |((i, _), _)| i)
}

/// Whether a Dockerfile line is the instruction `name` (case-insensitive).
fn instruction_is(line: &str, name: &str) -> bool {
    let word = line.split_whitespace().next().unwrap_or("");
    word.eq_ignore_ascii_case(name)
}

/// The name a value at `start` is assigned to: the nearest `name=` or `name:` before it
/// (quotes and blanks allowed around the name), or for Dockerfile `ENV`/`ARG`/`LABEL` in
/// the legacy `ENV NAME value` form, the name after the instruction.
fn key_before(kind: FileKind, line: &str, start: usize) -> Option<&str> {
    let prefix = line.get(..start)?;
    for (pos, c) in prefix.char_indices().rev() {
        if c != '=' && c != ':' {
            continue;
        }
        let before = prefix.get(..pos)?.trim_end_matches([' ', '\t', '"', '\'']);
        let ident_start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || "_.-".contains(*c))
            .last()
            .map(|(i, _)| i);
        if let Some(ident) = ident_start.and_then(|i| before.get(i..)) {
            let starts_alpha = ident
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
            if starts_alpha {
                return Some(ident);
            }
        }
    }
    if kind == FileKind::Dockerfile
        && ["ENV", "ARG", "LABEL"]
            .iter()
            .any(|i| instruction_is(prefix, i))
    {
        return prefix.split_whitespace().nth(1);
    }
    None
}

/// The words of a setting name: split at non-alphanumerics and at camelCase boundaries,
/// upper-cased.
fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_uppercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `version`, `APP_VERSION`, `__version__`, `toolVer`: a real release number.
fn is_version_key(key: &str) -> bool {
    key_words(key)
        .iter()
        .any(|w| w.contains("VERSION") || w == "VER")
}

/// Parts of a setting name that mark it as a build or deploy stamp.
const STAMP_PARTS: &[&str] = &["BUILD", "BUILT", "BUST", "DEPLOY", "STAMP", "NONCE"];

/// Last words of a stamp-named setting that hold a counter, date or time.
const STAMP_ENDINGS: &[&str] = &[
    "NUMBER",
    "NUM",
    "NO",
    "NR",
    "COUNT",
    "COUNTER",
    "ID",
    "SERIAL",
    "ITERATION",
    "REVISION",
    "REV",
    "DATE",
    "TIME",
    "DATETIME",
    "AT",
    "TS",
    "EPOCH",
    "DEPLOYED",
    "BUSTER",
];

/// `BUILD_DATE`, `CACHEBUST`, `deployedAt`, `LAST_DEPLOY`, `TIMESTAMP`: a setting whose
/// value is a stamp by name. `MAX_BUILD_WORKERS`, `BUILD_TIMEOUT` and `DOCKER_BUILDKIT` are
/// not: their last word is neither a stamp part nor a counter or date word.
fn is_stamp_key(key: &str) -> bool {
    let words = key_words(key);
    let Some(last) = words.last() else {
        return false;
    };
    let has_part = words
        .iter()
        .any(|w| STAMP_PARTS.iter().any(|p| w.contains(p)));
    has_part
        && (STAMP_PARTS.iter().any(|p| last.ends_with(p)) || STAMP_ENDINGS.contains(&last.as_str()))
}

/// Calls whose arguments are only printed. `(name, shell word)`: a shell word's arguments
/// need no quotes.
const LOG_CALLS: &[(&str, bool)] = &[
    ("echo ", true),
    ("printf ", true),
    ("puts ", true),
    ("print ", true),
    ("print(", false),
    ("println(", false),
    ("println!(", false),
    ("eprintln!(", false),
    ("printf(", false),
    ("puts(", false),
    ("console.", false),
    ("logger.", false),
    ("logging.", false),
    ("log.", false),
    ("Log.", false),
    ("log(", false),
    ("logger(", false),
    ("warn(", false),
    ("warning(", false),
    ("info(", false),
    ("debug(", false),
    ("System.out.print", false),
    ("fmt.Print", false),
    ("fmt.Fprint", false),
];

/// Whether the difference at `start` is text printed by a log or echo call before it.
fn in_log_text(line: &str, start: usize) -> bool {
    let Some(prefix) = line.get(..start) else {
        return false;
    };
    let call = LOG_CALLS
        .iter()
        .filter_map(|(name, shell)| find_word(prefix, name).map(|at| (at + name.len(), *shell)))
        .max_by_key(|(end, _)| *end);
    let Some((end, shell)) = call else {
        return false;
    };
    shell || inside_quotes(prefix.get(end..).unwrap_or(""))
}

/// The last occurrence of `needle` in `hay` that does not continue a word.
fn find_word(hay: &str, needle: &str) -> Option<usize> {
    hay.rmatch_indices(needle).map(|(i, _)| i).find(|&i| {
        hay.get(..i)
            .and_then(|h| h.chars().next_back())
            .map_or(true, |c| !(c.is_ascii_alphanumeric() || c == '_'))
    })
}

/// Whether the end of `text` lies inside a quoted string opened within it.
fn inside_quotes(text: &str) -> bool {
    let mut open: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match (open, c) {
            (_, '\\') => escaped = true,
            (None, '"' | '\'' | '`') => open = Some(c),
            (Some(q), c) if c == q => open = None,
            _ => {}
        }
    }
    open.is_some()
}

/// Whether the difference at `start` sits in an image reference, URL or digest: the token
/// around it has `@`, `://` or a `name:` before the difference (`app:v2-20241107`).
fn inside_reference(line: &str, start: usize) -> bool {
    let Some(prefix) = line.get(..start) else {
        return false;
    };
    let token_start = prefix
        .rfind(|c: char| c.is_whitespace() || "\"'`(),=[]{}<>".contains(c))
        .map_or(0, |i| i + 1);
    let token = prefix.get(token_start..).unwrap_or("");
    if token.contains('@') || token.contains("://") {
        return true;
    }
    let bytes = token.as_bytes();
    bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b':' && i > 0 && bytes.get(i - 1).is_some_and(u8::is_ascii_alphabetic))
}

/// Documentation (README, CHANGELOG, `docs/`): a date fixed there is content, not a stamp.
pub(super) fn is_docs_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    const NAMES: &[&str] = &[
        "readme",
        "changelog",
        "changes",
        "history",
        "news",
        "license",
        "licence",
        "copying",
        "authors",
        "contributing",
        "notice",
    ];
    const EXTENSIONS: &[&str] = &["md", "markdown", "rst", "adoc", "asciidoc", "txt", "rdoc"];
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    FileKind::from_path(path).is_docs()
        || (EXTENSIONS.contains(&ext) && FileKind::from_path(path) != FileKind::Requirements)
        || NAMES.iter().any(|n| name.starts_with(n))
        || lower.starts_with("docs/")
        || lower.contains("/docs/")
}

impl Rule for TimestampEdit {
    fn id(&self) -> &'static str {
        ID
    }

    fn forcing(&self) -> bool {
        true
    }

    /// Classifies, ahead of the check, the files of `commit` it will classify.
    fn read_ahead(&self, cx: &AheadContext<'_>, commit: &CommitChange) {
        if cx.deploys && commit.info.parents.len() <= 1 {
            let manifests = cx.settings.globs_option("manifest_globs");
            stamp_edits(cx.repo, cx.cache, commit, manifests);
        }
    }

    /// A stamp bump outside the documentation is this rule's finding.
    fn claims(&self, _settings: &RuleConfig, claim: &Claim<'_>) -> bool {
        match claim {
            Claim::StampEdit(file) => !file.path_str().is_some_and(is_docs_path),
            _ => false,
        }
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        if !cx.deploys {
            return;
        }
        let settings = emit.settings();
        let manifests = settings.globs_option("manifest_globs");
        let manifest_severity = settings.severity_option("manifest_severity");
        let mut real_changes = RealChanges::default();
        let tip = cx
            .update
            .commit
            .or_else(|| cx.changes.commits.last().map(|c| c.info.id));
        let mut contexts = tip.and_then(|tip| Contexts::new(cx, tip));
        for (index, commit) in cx.changes.commits.iter().enumerate() {
            if commit.info.parents.len() > 1 {
                continue;
            }
            for stamp in stamp_edits(cx.repo, cx.cache, commit, manifests) {
                let Stamp {
                    file,
                    lines,
                    nature,
                    manifest,
                } = stamp;
                let dockerfile = file.path_str().map(file_kind) == Some(FileKind::Dockerfile);
                let cosmetic = nature != ChangeNature::Functional;
                // Comments in a Dockerfile change no layer: `dockerfile-comment-only`'s
                // finding, and not a rebuild at all.
                if cosmetic && (dockerfile || cx.claimed_by_other(ID, &Claim::CosmeticEdit(file))) {
                    continue;
                }
                if cx.claimed_by_other(ID, &Claim::TriggerFile(file)) {
                    continue;
                }
                let bust = |l: &StampLine| cx.claimed_by_other(ID, &Claim::CacheBustLine(&l.new));
                if dockerfile && lines.iter().any(bust) {
                    continue;
                }
                if (manifest || dockerfile) && real_changes.elsewhere(cx, &file.path, index) {
                    continue;
                }
                // A Dockerfile is read whatever .dockerignore says; other files only
                // matter to the build when they are in the context.
                let excluded = !dockerfile
                    && contexts.as_mut().is_some_and(|c| {
                        c.placement(&String::from_utf8_lossy(&file.path)) == Placement::Excluded
                    });
                if manifest && excluded {
                    // An excluded manifest cannot be copied: no install re-runs.
                    continue;
                }
                let severity = if manifest {
                    match manifest_severity {
                        Some(None) => continue,
                        Some(Some(s)) => Some(s),
                        None => None,
                    }
                } else {
                    None
                };
                let effect = if manifest {
                    Effect::Install
                } else if dockerfile {
                    Effect::Instruction
                } else if excluded {
                    Effect::DeployOnly
                } else {
                    Effect::Copy
                };
                let msg = message(commit, file, &lines, effect);
                let Some(first) = lines.first() else {
                    continue;
                };
                let mut builder = emit.finding(commit, msg).path(file).line(first.line);
                if let Some(s) = severity {
                    builder = builder.severity(s);
                }
                if effect == Effect::DeployOnly {
                    builder = builder.fact(NOT_IN_CONTEXT_FACT.to_owned());
                }
                builder.emit();
            }
            for edit in dockerfile_changes(cx, commit) {
                for (_, inst) in edit.changed_instructions() {
                    let Some(echoed) = marker_run(inst) else {
                        continue;
                    };
                    let msg = format!(
                        "commit {} {} changes a RUN step that carries a build marker \
                         (`{}`): BuildKit keys a RUN on its text, so the step and every later \
                         one re-run, for nothing the image needs",
                        commit.info.short_id(),
                        quoted_summary(commit),
                        escape(&crate::build::rebuild::shorten(
                            &crate::mask::line(&echoed),
                            60
                        ))
                    );
                    emit.finding(commit, msg)
                        .path(edit.file)
                        .line(inst.start_line)
                        .emit();
                }
            }
        }
    }
}

/// A file of a commit whose edit only bumps stamps.
struct Stamp<'f> {
    file: &'f FileChange,
    lines: Vec<StampLine>,
    nature: ChangeNature,
    manifest: bool,
}

/// The stamp-only files of a commit that cost a rebuild of their own: any in a dependency
/// manifest or a Dockerfile (they re-run the install or the steps after them), others only
/// when the rest of the commit changes nothing functional (otherwise the commit's real
/// change rebuilds the same layers anyway). Documentation is never a stamp.
fn stamp_edits<'f>(
    repo: &Repository,
    cache: &PushCache,
    commit: &'f CommitChange,
    manifests: Option<&Globs>,
) -> Vec<Stamp<'f>> {
    // A file added, deleted or changed in kind is a real change without reading it; the
    // outcome does not depend on the order files are looked at, so those go first and the
    // other files' contents are not compared at all.
    let mut idle = !commit.files().iter().any(|f| {
        let special = manifests.is_some_and(|g| g.is_match(&f.path))
            || is_dockerfile_kind(f.path_str().unwrap_or(""));
        !special && functional_unread(f)
    });
    let mut found = Vec::new();
    for file in commit.files() {
        let manifest = manifests.is_some_and(|g| g.is_match(&file.path));
        let path = file.path_str().unwrap_or("");
        let special = manifest || is_dockerfile_kind(path);
        if !special && !idle {
            continue;
        }
        match &*classify(repo, cache, file) {
            Edit::Functional => idle = false,
            Edit::Cosmetic { .. } => {}
            Edit::StampOnly { lines, nature } => {
                if !is_docs_path(path) {
                    found.push((
                        special,
                        Stamp {
                            file,
                            lines: lines.clone(),
                            nature: *nature,
                            manifest,
                        },
                    ));
                }
            }
        }
    }
    found
        .into_iter()
        .filter(|(special, _)| *special || idle)
        .map(|(_, s)| s)
        .collect()
}

/// Remembers, per path, whether any commit of the push changes it for real, so that a
/// stamp bump next to a real change of the same manifest (whose install re-runs anyway) is
/// not reported.
#[derive(Default)]
struct RealChanges {
    /// `(path, commit index)` → whether that commit's change of the path is functional.
    known: HashMap<(Vec<u8>, usize), bool>,
}

impl RealChanges {
    fn elsewhere(&mut self, cx: &RuleContext<'_>, path: &[u8], except: usize) -> bool {
        for (index, commit) in cx.changes.commits.iter().enumerate() {
            if index == except {
                continue;
            }
            let Some(file) = commit.files().iter().find(|f| f.path == path) else {
                continue;
            };
            let real = *self
                .known
                .entry((path.to_vec(), index))
                .or_insert_with(|| matches!(*classify(cx.repo, cx.cache, file), Edit::Functional));
            if real {
                return true;
            }
        }
        false
    }
}

/// Lines longer than this are shortened in messages.
const MAX_SHOWN_CHARS: usize = 80;

fn shown(line: &str) -> String {
    let masked = crate::mask::line(line.trim());
    let trimmed = masked.as_str();
    let mut s: String = trimmed.chars().take(MAX_SHOWN_CHARS).collect();
    if trimmed.chars().count() > MAX_SHOWN_CHARS {
        s.push('…');
    }
    escape(&s).into_owned()
}

/// What a stamp edit costs, by where the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// A dependency manifest: its COPY and the install re-run.
    Install,
    /// A Dockerfile instruction: it and every later step re-run.
    Instruction,
    /// A file in the build context: the COPY that picks it up and later steps re-run.
    Copy,
    /// A file .dockerignore excludes: no layer changes, but the push still deploys.
    DeployOnly,
}

fn message(
    commit: &CommitChange,
    file: &FileChange,
    lines: &[StampLine],
    effect: Effect,
) -> String {
    let mut msg = format!(
        "commit {} {} changes only a date, timestamp or counter in {}",
        commit.info.short_id(),
        quoted_summary(commit),
        file.display_path()
    );
    if let Some(first) = lines.first() {
        msg.push_str(&format!(
            ": `{}` → `{}`",
            shown(&first.old),
            shown(&first.new)
        ));
    }
    if lines.len() > 1 {
        msg.push_str(&format!(" (and {} more line(s))", lines.len() - 1));
    }
    msg.push_str(match effect {
        Effect::Install => {
            "; the manifest's COPY misses the cache and the whole dependency install re-runs"
        }
        Effect::Instruction => "; this instruction and every step after it re-run",
        Effect::Copy => "; the COPY that picks it up and every later step re-run",
        Effect::DeployOnly => {
            "; .dockerignore excludes it, so the build is all cache hits, yet the push deploys \
             the same image again"
        }
    });
    msg
}
