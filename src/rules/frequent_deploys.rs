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
        let Some(last) = cx.changes.commits.last() else {
            return;
        };
        let minutes = emit.settings().int_option("minutes").unwrap_or(10);
        let window = minutes.saturating_mul(60);
        let within: Vec<i64> = cx
            .recent_deploys
            .iter()
            .copied()
            .filter(|&ago| (0..window).contains(&ago))
            .collect();
        let Some(&ago) = within.first() else {
            return;
        };
        let msg = message(cx.ref_name, minutes, within.len(), ago);
        emit.finding(last, msg).emit();
    }
}

/// The finding's message: the push is the `earlier + 1`-th deploy push to `branch` within
/// `minutes`, the last `ago` seconds before it. Shared with `pushguard audit`'s replay.
pub fn message(branch: &str, minutes: i64, earlier: usize, ago: i64) -> String {
    format!(
        "this is the {} deploy push to {} within {} min (the last was {} ago): each push \
         starts its own build",
        ordinal(earlier + 1),
        branch,
        minutes,
        if ago < 60 {
            format!("{ago} s")
        } else {
            format!("{} min", ago / 60)
        }
    )
}

/// `second`, `third`, `4th`, `21st`, ...
fn ordinal(n: usize) -> String {
    match n {
        2 => "second".to_owned(),
        3 => "third".to_owned(),
        n => {
            let suffix = match (n % 10, n % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{n}{suffix}")
        }
    }
}
