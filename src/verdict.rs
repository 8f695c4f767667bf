//! The build verdict of one ref update: the highest tier its changed paths reach under the
//! configured path rules, the estimated times, and the reasons.

use crate::changes::ChangeSet;
use crate::config::{Config, TierTimes};
use crate::escape::escape_bytes;
use crate::tier::BuildTier;

/// Why a tier was reached: one configured path rule (or the unmatched default) and the
/// files that matched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The `[paths.<id>]` rule, `None` for files no rule matched.
    pub rule: Option<String>,
    pub tier: BuildTier,
    /// A short phrase, e.g. `Dockerfile changed`.
    pub what: String,
    /// Escaped paths that matched, in first-seen order.
    pub paths: Vec<String>,
    /// How many commits touched those paths.
    pub commits: usize,
}

impl Reason {
    /// `Dockerfile changed in 2 commits (Dockerfile, api/Dockerfile)`.
    pub fn describe(&self) -> String {
        let plural = if self.commits == 1 { "" } else { "s" };
        let mut names: Vec<&str> = self.paths.iter().take(3).map(String::as_str).collect();
        if self.paths.len() > 3 {
            names.push("…");
        }
        format!(
            "{} in {} commit{plural} ({})",
            self.what,
            self.commits,
            names.join(", ")
        )
    }
}

/// What a ref update will make the deploy builder do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub tier: BuildTier,
    pub times: TierTimes,
    /// Highest tier first.
    pub reasons: Vec<Reason>,
}

impl Verdict {
    /// Classifies every changed path of `changes` with `config`'s path rules.
    pub fn of(config: &Config, changes: &ChangeSet) -> Verdict {
        let mut reasons: Vec<Reason> = Vec::new();
        let mut commits_per_reason: Vec<Vec<usize>> = Vec::new();
        for (path, commits) in changes.paths() {
            let (tier, rule) = config.classify(path);
            let key = rule.map(|r| r.id.clone());
            let idx = match reasons.iter().position(|r| r.rule == key) {
                Some(i) => i,
                None => {
                    reasons.push(Reason {
                        rule: key,
                        tier,
                        what: rule
                            .map_or_else(|| "other files changed".to_owned(), |r| r.reason.clone()),
                        paths: Vec::new(),
                        commits: 0,
                    });
                    commits_per_reason.push(Vec::new());
                    reasons.len() - 1
                }
            };
            reasons[idx].paths.push(escape_bytes(path).into_owned());
            commits_per_reason[idx].extend(commits);
        }
        for (reason, mut commits) in reasons.iter_mut().zip(commits_per_reason) {
            commits.sort_unstable();
            commits.dedup();
            reason.commits = commits.len();
        }
        reasons.sort_by_key(|r| std::cmp::Reverse(r.tier));
        let tier = reasons.first().map_or(BuildTier::None, |r| r.tier);
        Verdict {
            tier,
            times: config.tier_times(tier),
            reasons,
        }
    }

    /// The reasons that decided the tier (those at the verdict's tier).
    pub fn deciding(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(move |r| r.tier == self.tier)
    }
}
