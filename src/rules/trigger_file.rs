//! `trigger-file`: a commit that touches a file whose only purpose is to trigger deploys.
//!
//! A trigger file is recognised by what it is, not by a list of names: a file named for
//! forcing or restarting (`.railway-trigger`, `FORCE_REDEPLOY.txt`, `restart.txt`, any
//! case, any separators), a small text file that holds nothing but a marker (a date in any
//! language and time zone, an epoch, a build number, the platform's name and "deployment"),
//! UTF-8 or UTF-16 as PowerShell writes it, or, when the commit message says it forces a
//! deploy, a tiny new text file. The rule's `globs` add names of the team's own.
//!
//! A commit made only of trigger files costs a build of its own: it is reported at the
//! rule's severity. A file named as a trigger pushed beside other changes costs nothing
//! extra (the other changes deploy anyway): that is reported as `info`.

use std::rc::Rc;

use crate::config::RuleConfig;
use crate::git::changes::{BlobContent, ChangeKind, EntryKind, FileChange};
use crate::globs::basename;
use crate::severity::Severity;

use super::intent::{self, decode_text, is_marker_text, says_forcing, trigger_name};
use super::{in_globs, quoted_summary, Claim, Emitter, Rule, RuleContext};

/// The rule's id, as in `[rules.trigger-file]`.
pub const ID: &str = "trigger-file";

pub struct TriggerFile;

/// A commit of more files than this is not made of trigger files (only files named as
/// triggers are looked for in it).
const MAX_FILES: usize = 3;

/// Files larger than this are never "just a marker".
const MAX_TRIGGER_BYTES: usize = 1024;

/// A new file this small, in a commit whose message says it forces a deploy, is taken for
/// a trigger (`VERSION` holding `1.0.1`).
const MAX_NEW_TRIGGER_BYTES: usize = 64;

impl Rule for TriggerFile {
    fn id(&self) -> &'static str {
        ID
    }

    fn forcing(&self) -> bool {
        true
    }

    /// A file named as a trigger is this rule's finding, whatever else changed in it.
    fn claims(&self, settings: &RuleConfig, claim: &Claim<'_>) -> bool {
        match claim {
            Claim::TriggerFile(file) => in_globs(settings, file) || named_trigger(file),
            _ => false,
        }
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        if !cx.deploys {
            return;
        }
        let settings = emit.settings();
        for commit in &cx.changes.commits {
            let files = commit.files();
            if files.is_empty() || commit.info.parents.len() > 1 {
                continue;
            }
            // The subject says what a commit is for; a long body describes, and mentions words
            // of every kind.
            let forcing = says_forcing(commit.info.summary());
            let mut triggers: Vec<&FileChange> = files
                .iter()
                .filter(|f| is_trigger(cx, settings, f, forcing, files.len() <= MAX_FILES))
                .collect();
            if triggers.len() < files.len() {
                // Beside real changes only a file named as a trigger is one: a date in
                // `BUILD_DATE` next to code may be what the code reads.
                // Nor is a script, whatever its name (`deploy_trigger.sh` is a program).
                triggers
                    .retain(|f| (in_globs(settings, f) || named_trigger(f)) && inert_name(&f.path));
            }
            let Some(first) = triggers.first() else {
                continue;
            };
            let names: Vec<String> = triggers.iter().map(|f| f.display_path()).collect();
            let others = files.len() - triggers.len();
            let msg = if others == 0 {
                format!(
                    "commit {} {} only touches {} to trigger a deploy",
                    commit.info.short_id(),
                    quoted_summary(commit),
                    names.join(", ")
                )
            } else {
                format!(
                    "commit {} {} touches {} to trigger a deploy, beside {} other {}: the \
                     other changes deploy anyway, so the trigger only adds noise",
                    commit.info.short_id(),
                    quoted_summary(commit),
                    names.join(", "),
                    others,
                    if others == 1 { "file" } else { "files" }
                )
            };
            let finding = emit.finding(commit, msg).path(first);
            if others == 0 {
                finding.emit();
            } else {
                finding.severity(Severity::Info).emit();
            }
        }
    }
}

/// Whether `file`, changed by `commit`, is a trigger file (see the module docs).
fn is_trigger(
    cx: &RuleContext<'_>,
    settings: &RuleConfig,
    file: &FileChange,
    forcing: bool,
    read_contents: bool,
) -> bool {
    if file.kind == ChangeKind::Deleted {
        return false;
    }
    if in_globs(settings, file) || named_trigger(file) {
        return true;
    }
    // Contents are read only for a few text-named files: on a long push most files are
    // code, and a commit of many files is not a trigger.
    if !read_contents || !inert_name(&file.path) {
        return false;
    }
    let Some(text) = small_text(cx, file) else {
        return false;
    };
    let tiny_new =
        forcing && file.kind == ChangeKind::Added && text.trim().len() <= MAX_NEW_TRIGGER_BYTES;
    tiny_new || is_marker_text(&text)
}

/// A file whose name says it is a trigger (`.railway-trigger`, `FORCE_DEPLOY.txt`).
fn named_trigger(file: &FileChange) -> bool {
    let name = String::from_utf8_lossy(basename(&file.path));
    file.kind != ChangeKind::Deleted && trigger_name(&name)
}

/// Whether no build step runs or parses a file at this path ([`intent::inert_name`]).
fn inert_name(path: &[u8]) -> bool {
    intent::inert_name(&String::from_utf8_lossy(basename(path)))
}

/// The new content of `file` as text, when it is a small regular file: UTF-8, or UTF-16
/// with a byte-order mark.
fn small_text(cx: &RuleContext<'_>, file: &FileChange) -> Option<String> {
    let new = file.new?;
    if !matches!(new.kind, EntryKind::File | EntryKind::Executable) {
        return None;
    }
    let content: Rc<BlobContent> = cx.content(new.id);
    match &*content {
        BlobContent::Text(text) if text.len() <= MAX_TRIGGER_BYTES => Some(text.clone()),
        BlobContent::Binary => {
            let blob = cx.repo.find_blob(new.id).ok()?;
            let bytes = blob.content();
            (bytes.len() <= 2 * MAX_TRIGGER_BYTES)
                .then(|| decode_text(bytes))
                .flatten()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::intent::is_marker_text;

    #[test]
    fn recognises_stamps() {
        for line in [
            "2024-11-07T14:03:11Z",
            "Thu Nov  7 14:03:11 UTC 2024",
            "1731008847",
            "build 42",
            "Deployed at: 2024-11-07 14:03",
        ] {
            assert!(is_marker_text(line), "{line}");
        }
        for line in ["hello world", "flask==3.0.1", "API_KEY=abc"] {
            assert!(!is_marker_text(line), "{line}");
        }
    }
}
