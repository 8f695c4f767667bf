//! `filtered-deploy`: a push to a deploy branch that deploys nothing, because each
//! target's path filter (`watchPatterns`, `paths:`, `buildFilter`) matched none of its
//! files, or its message skipped CI. Often intended; when it is not, the finding says how
//! to deploy by hand instead of committing a file the filter matches.

use super::{Emitter, Rule, RuleContext};

/// The rule's id, as in `[rules.filtered-deploy]`.
pub const ID: &str = "filtered-deploy";

pub struct FilteredDeploy;

impl Rule for FilteredDeploy {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        if !cx.deploys || cx.targets.iter().any(|t| t.triggered) {
            return;
        }
        let Some(last) = cx.changes.commits.last() else {
            return;
        };
        // The targets this branch reaches, stopped by a filter (not by the branch).
        let stopped: Vec<_> = cx
            .targets
            .iter()
            .filter(|t| {
                !t.triggered
                    && crate::deploy::status::reaches_branch(
                        &t.target,
                        &cx.update.short_remote_name(),
                        cx.default_branches,
                    )
            })
            .collect();
        let Some(first) = stopped.first() else {
            return;
        };
        let listed: Vec<String> = stopped
            .iter()
            .take(4)
            .map(|t| format!("{}: {}", t.target.label(), t.reason))
            .collect();
        let more = stopped.len().saturating_sub(listed.len());
        let tail = if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        };
        let msg = format!(
            "this push to {} deploys nothing: {}{tail}. To deploy anyway without a commit: {}",
            cx.ref_name,
            listed.join("; "),
            first.target.redeploy()
        );
        emit.finding(last, msg)
            .at(&first.target.config, first.target.line)
            .emit();
    }
}
