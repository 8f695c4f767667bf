//! Content rules: each looks at one ref update's change set and reports findings.

use git2::Repository;

use crate::changes::ChangeSet;
use crate::config::Config;
use crate::finding::Finding;
use crate::push::RefUpdate;
use crate::verdict::Verdict;

/// What a rule may look at.
pub struct RuleContext<'a> {
    pub repo: &'a Repository,
    pub config: &'a Config,
    pub update: &'a RefUpdate,
    /// The remote ref's short name, escaped.
    pub ref_name: &'a str,
    /// Whether this update deploys.
    pub deploys: bool,
    pub changes: &'a ChangeSet,
    pub verdict: Option<&'a Verdict>,
}

/// Runs every enabled rule.
pub fn run(_cx: &RuleContext<'_>) -> Vec<Finding> {
    Vec::new()
}
