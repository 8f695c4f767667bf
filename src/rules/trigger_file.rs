//! `trigger-file`: a commit that only touches files whose purpose is to trigger deploys
//! (`.deploy-trigger`, `force-redeploy.txt`, files holding only a timestamp).

use std::rc::Rc;

use crate::config::RuleConfig;
use crate::git::changes::{BlobContent, ChangeKind, FileChange};

use super::{in_globs, quoted_summary, Claim, Emitter, Rule, RuleContext};

/// The rule's id, as in `[rules.trigger-file]`.
pub const ID: &str = "trigger-file";

pub struct TriggerFile;

/// Files larger than this are never "just a timestamp".
const MAX_TRIGGER_BYTES: usize = 256;

impl Rule for TriggerFile {
    fn id(&self) -> &'static str {
        ID
    }

    /// A file named as a trigger is this rule's finding, whatever else changed in it.
    fn claims(&self, settings: &RuleConfig, claim: &Claim<'_>) -> bool {
        match claim {
            Claim::TriggerFile(file) => in_globs(settings, file),
            _ => false,
        }
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        if !cx.deploys {
            return;
        }
        let globs = emit.settings().globs_option("globs");
        for commit in &cx.changes.commits {
            let files = commit.files();
            if files.is_empty() || files.len() > 3 {
                continue;
            }
            let all_triggers = files.iter().all(|f| {
                let named = globs.is_some_and(|g| g.is_match(&f.path));
                named || holds_only_a_stamp(cx, f)
            });
            if !all_triggers {
                continue;
            }
            let names: Vec<String> = files.iter().map(FileChange::display_path).collect();
            let msg = format!(
                "commit {} {} only touches {} to trigger a deploy",
                commit.info.short_id(),
                quoted_summary(commit),
                names.join(", ")
            );
            emit.finding(commit, msg).path(&files[0]).emit();
        }
    }
}

/// A file whose new content is nothing but a date, time, epoch or build number.
fn holds_only_a_stamp(cx: &RuleContext<'_>, f: &FileChange) -> bool {
    if f.kind == ChangeKind::Deleted {
        return false;
    }
    let Some(new) = f.new else { return false };
    let content: Rc<BlobContent> = cx.content(new.id);
    let BlobContent::Text(text) = &*content else {
        return false;
    };
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_TRIGGER_BYTES {
        return false;
    }
    text.split_whitespace().all(stamp_word) && text.chars().any(|c| c.is_ascii_digit())
}

/// A word that can appear in `date` output, an ISO timestamp or a build counter line.
fn stamp_word(word: &str) -> bool {
    const WORDS: &[&str] = &[
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "oct",
        "nov",
        "dec",
        "utc",
        "gmt",
        "cet",
        "cest",
        "est",
        "edt",
        "pst",
        "pdt",
        "z",
        "am",
        "pm",
        "build",
        "deploy",
        "deployed",
        "trigger",
        "triggered",
        "redeploy",
        "rebuild",
        "force",
        "at",
        "on",
        "timestamp",
        "run",
        "#",
    ];
    let w =
        word.trim_matches(|c: char| matches!(c, ',' | ';' | '"' | '\'' | '(' | ')' | '#' | '='));
    if w.is_empty() {
        return true;
    }
    let lower = w.to_ascii_lowercase();
    let lower = lower.trim_end_matches(':');
    WORDS.contains(&lower)
        || lower
            .chars()
            .all(|c| c.is_ascii_digit() || "-:./tz+".contains(c))
        || (lower.len() > 3
            && WORDS.iter().any(|m| lower.starts_with(m) && m.len() == 3)
            && lower.chars().all(|c| c.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::stamp_word;

    #[test]
    fn recognises_stamps() {
        for line in [
            "2024-11-07T14:03:11Z",
            "Thu Nov  7 14:03:11 UTC 2024",
            "1731008847",
            "build 42",
            "Deployed at: 2024-11-07 14:03",
        ] {
            assert!(line.split_whitespace().all(stamp_word), "{line}");
        }
        for line in ["hello world", "flask==3.0.1", "API_KEY=abc"] {
            assert!(!line.split_whitespace().all(stamp_word), "{line}");
        }
    }
}
