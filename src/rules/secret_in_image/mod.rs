//! `secret-in-image`: secrets baked into an image by a Dockerfile, and secret-shaped literals
//! in the lines a push adds to any text file.
//!
//! Two kinds of evidence:
//!
//! - **Dockerfile instructions** the push changes: `ENV`/`ARG` whose name is secret-like (the
//!   words of Docker's `SecretsUsedInArgOrEnv` check) with a literal value; `RUN` commands
//!   that write `NAME=value` into a `.env` file; `COPY`/`ADD` of files that hold secrets
//!   (`.env`, private keys, `credentials*`, `*key*.json`, …).
//! - **Added lines of every pushed text file**, scanned for the shapes gitleaks uses: AWS
//!   access key ids, private key blocks, GCP API keys, Fly.io tokens, GitHub tokens, and a
//!   secret-like name assigned a 10–150 character value with Shannon entropy ≥ 3.5.
//!
//! Only added lines (or changed instructions) are read: content that was already in the
//! repository was already pushed. Scanners are hand-written, linear in the line length, and
//! work on ASCII shapes, so no input can make them slow or panic.
//!
//! False alarms are avoided as follows, and every finding masks the value (at most its first
//! four characters, then `****`):
//!
//! - placeholders are not secrets: values containing `example`, `changeme`, `xxx`, `your`,
//!   `<…>`, `${…}`, `{{…}}`, `%s`, `dummy`, `placeholder`, `redacted`, …; AWS's documented
//!   example key ids (ending in `EXAMPLE`) are skipped (gitleaks skips them too);
//! - in code files (Python, JavaScript, Go, …) only quoted values are literals: `key =
//!   os.environ["KEY"]` is a reference, not a value;
//! - the generic check also skips values that read as words (`pip-cache-v2-linux`), paths,
//!   URLs, and names whose words mark them as not secret (`PUBLIC_KEY`, `KEY_FILE`,
//!   `GPG_KEY`, `CACHE_KEY`, `TOKEN_URL`, …);
//! - a line containing `pushguard:allow` (or gitleaks' `gitleaks:allow`) is skipped;
//! - in test, fixture, example and documentation paths findings are at most `warn`: such
//!   files commonly hold well-formed fake keys (a test TLS key, a sample token).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use git2::{Oid, Repository};

use crate::ascii::ends_with_ignore_case;
use crate::docker::dockerfile::{Dockerfile, Instruction};
use crate::escape::escape;
use crate::git::changes::{new_lines, BlobContent, ChangeKind, CommitChange, FileChange};
use crate::globs::{basename, extension};
use crate::hash::{FastMap, FastSet};
use crate::mask;
use crate::severity::Severity;

use super::docker_context::{dockerfile_changes, DockerfileEdit};
use super::{AheadContext, Emitter, PushCache, Rule, RuleContext};

mod dockerfile;
mod scan;
#[cfg(test)]
mod tests;

use dockerfile::*;
use scan::*;

/// The rule's id, as in `[rules.secret-in-image]`.
pub const ID: &str = "secret-in-image";

pub struct SecretInImage;

/// Findings reported per file and commit before the rest are summarised in one more.
const MAX_FINDINGS_PER_FILE: usize = 5;

impl Rule for SecretInImage {
    fn id(&self) -> &'static str {
        ID
    }

    /// Reads and pre-scans what the check will look at first for `commit`'s files, and
    /// remembers the commit as secret-free when none of them could hold a finding: the
    /// check then skips its files (a verdict depends only on the blob and the path's style).
    fn read_ahead(&self, cx: &AheadContext<'_>, commit: &CommitChange) {
        let mut free = true;
        let memo = cx.cache.memo::<Memo>();
        for file in commit.files() {
            let Some(id) = blob_to_scan(file) else {
                continue;
            };
            let style = ValueStyle::of(&file.path);
            // A blob pushed again (a file reverted, the same text at several paths) was
            // worked out when first seen.
            if let Some(known) = memo.known(id, style) {
                free &= known.is_empty();
                continue;
            }
            // One header read decides: a small blob is read here, a large one left.
            let content = cx.cache.blob_upto(cx.repo, id, MIN_DEFERRED_BYTES);
            if matches!(*content, BlobContent::TooLarge(_)) {
                // Scanned after the listing with every version of its path in a row.
                memo.deferred
                    .borrow_mut()
                    .push((file.path.clone(), id, style));
                free = false;
                continue;
            }
            free &= reportable(cx.repo, cx.cache, id, style).is_empty();
        }
        if free {
            let memo = cx.cache.memo::<Memo>();
            memo.secret_free.borrow_mut().insert(commit.info.id);
        }
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        let configured = emit.settings().severity.unwrap_or(Severity::Block);
        let memo = cx.cache.memo::<Memo>();
        scan_deferred(cx.repo, cx.cache, &memo);
        for commit in &cx.changes.commits {
            let edits = dockerfile_changes(cx, commit);
            if edits.is_empty() && memo.secret_free.borrow().contains(&commit.info.id) {
                continue;
            }
            for file in commit.files() {
                if file.kind == ChangeKind::Deleted {
                    continue;
                }
                let edit = edits.iter().find(|e| std::ptr::eq(e.file, file));
                let found = secrets_in_file(cx, file, edit);
                report(commit, file, found, configured, emit);
            }
        }
    }
}

/// One secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    line: u32,
    message: String,
    /// A lower severity than the rule's (placeholders written into `.env`).
    at_most: Option<Severity>,
}

fn report(
    commit: &CommitChange,
    file: &FileChange,
    mut found: Vec<Found>,
    configured: Severity,
    emit: &mut Emitter<'_>,
) {
    if found.is_empty() {
        return;
    }
    found.sort_by_key(|f| f.line);
    let fixture = is_fixture_path(&String::from_utf8_lossy(&file.path));
    let cap = |s: Severity| if fixture { s.min(Severity::Warn) } else { s };
    let extra = found.len().saturating_sub(MAX_FINDINGS_PER_FILE);
    for f in found.iter().take(MAX_FINDINGS_PER_FILE) {
        let mut message = f.message.clone();
        if fixture {
            message.push_str(
                " (in a test, example or docs path: if it is a throwaway value, add \
                 `pushguard:allow` to the line)",
            );
        }
        let severity = cap(f.at_most.map_or(configured, |s| s.min(configured)));
        emit.finding(commit, message)
            .path(file)
            .line(f.line)
            .severity(severity)
            .emit();
    }
    if extra > 0 {
        let line = found.get(MAX_FINDINGS_PER_FILE).map_or(1, |f| f.line);
        let msg = format!("{extra} more secret-like values in this file are not listed");
        emit.finding(commit, msg)
            .path(file)
            .line(line)
            .severity(cap(configured))
            .emit();
    }
}

/// Everything found in the lines `file` adds, plus the Dockerfile instructions it changes.
fn secrets_in_file(
    cx: &RuleContext<'_>,
    file: &FileChange,
    edit: Option<&DockerfileEdit<'_>>,
) -> Vec<Found> {
    let Some(id) = blob_to_scan(file) else {
        return Vec::new();
    };
    let style = ValueStyle::of(&file.path);
    let mut found = added_line_secrets(cx, file, id, style);
    if let Some(edit) = edit {
        for (inst, hit) in dockerfile_secrets(edit) {
            let covered = found
                .iter()
                .any(|f| (inst.start_line..=inst.end_line).contains(&f.line));
            if !covered {
                found.push(hit);
            }
        }
    }
    found
}

/// The blob this rule reads first for `file`: the new side of an added or modified file
/// that is not generated (lockfiles, minified code). Only when that text has a candidate
/// line is the old side read too.
pub(super) fn blob_to_scan(file: &FileChange) -> Option<Oid> {
    let new = file.new?;
    (!is_generated(&file.path)).then_some(new.id)
}
