//! `frequent-deploys`: a deploy push within a few minutes of this clone's previous one to
//! the same branch. The guide: batch related changes into one push.

use super::{Emitter, Rule, RuleContext};

/// The rule's id, as in `[rules.frequent-deploys]`.
pub const ID: &str = "frequent-deploys";

pub struct FrequentDeploys;

impl Rule for FrequentDeploys {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        if !cx.deploys {
            return;
        }
        let (Some(ago), Some(last)) = (cx.last_deploy_secs_ago, cx.changes.commits.last()) else {
            return;
        };
        let minutes = emit.settings().int_option("minutes").unwrap_or(10);
        if ago < 0 || ago >= minutes.saturating_mul(60) {
            return;
        }
        let msg = format!(
            "this is the second deploy push to {} within {} min (the last was {} ago): each \
             push starts its own build",
            cx.ref_name,
            minutes,
            if ago < 60 {
                format!("{ago} s")
            } else {
                format!("{} min", ago / 60)
            }
        );
        emit.finding(last, msg).emit();
    }
}
