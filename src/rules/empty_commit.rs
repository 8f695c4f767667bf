//! `empty-commit`: a commit that changes no file, pushed to a deploy branch to make the
//! builder run again (the guide's "nuclear option").

use super::{quoted_summary, Emitter, Rule, RuleContext};

/// The rule's id, as in `[rules.empty-commit]`.
pub const ID: &str = "empty-commit";

pub struct EmptyCommit;

impl Rule for EmptyCommit {
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
        for commit in &cx.changes.commits {
            if commit.is_empty_change() {
                let msg = format!(
                    "commit {} {} changes no file, yet pushing it to {} starts a deploy",
                    commit.info.short_id(),
                    quoted_summary(commit),
                    cx.ref_name
                );
                emit.finding(commit, msg).emit();
            }
        }
    }
}
