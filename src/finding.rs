//! Findings: what a rule reports about a push.

use git2::Oid;

use crate::escape::Escaped;
use crate::severity::Severity;

/// The id of findings about commits or refs pushguard could not read. Not a configurable
/// rule, but skipped or accepted like one.
pub const NOT_INSPECTED: &str = "not-inspected";

/// The id of findings about an app whose build could not be predicted. Not a configurable
/// rule, but skipped or accepted like one.
pub const APP_BUILD: &str = "app-build";

/// One thing a rule noticed. Its text fields are [`Escaped`]: whatever quoted the
/// repository or the configuration, every output format can print them as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule id (`dockerfile-comment-only`, ...).
    pub rule: String,
    pub severity: Severity,
    /// The remote ref (short name) whose push carries the commit.
    pub ref_name: String,
    pub commit: Option<Oid>,
    /// Repository-relative path, escaped for display.
    pub path: Option<Escaped>,
    /// 1-based line in the new version of `path`.
    pub line: Option<u32>,
    /// What happened, specific to this push.
    pub message: Escaped,
    /// The Docker/platform fact the rule relies on.
    pub fact: Escaped,
    /// How to fix it.
    pub hint: Escaped,
}

impl Finding {
    /// `path:line`, `path`, or empty.
    pub fn location(&self) -> String {
        match (&self.path, self.line) {
            (Some(p), Some(l)) => format!("{p}:{l}"),
            (Some(p), None) => p.to_string(),
            _ => String::new(),
        }
    }
}

/// What the push should do given its findings, before any prompt or bypass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Decision {
    #[default]
    Allow,
    /// Allowed, with warnings printed.
    Warn,
    Block,
}

impl Decision {
    pub fn of(findings: &[Finding]) -> Decision {
        Decision::of_severities(findings.iter().map(|f| f.severity))
    }

    /// What the most severe of `severities` calls for.
    pub fn of_severities(severities: impl Iterator<Item = Severity>) -> Decision {
        match severities.max() {
            Some(Severity::Block) => Decision::Block,
            Some(Severity::Warn) => Decision::Warn,
            _ => Decision::Allow,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Warn => "warn",
            Decision::Block => "block",
        }
    }
}

/// Why a finding no longer counts against its push. Kept beside the findings (one slot per
/// finding, in order) rather than inside [`Finding`], so the rules that build findings never
/// need to know that overrides exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiver {
    /// A `Pushguard-Allow: <rule-id> <reason>` trailer in the finding's own commit (the
    /// reason may be empty when the trailer gave none).
    Accepted { reason: Escaped },
    /// The rule is named in `PUSHGUARD_SKIP`: treated as if it had not run.
    Skipped,
}
