//! Finding severities.

use std::fmt;
use std::str::FromStr;

/// How seriously a finding is taken. Ordered: `Block` is the most severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    /// Printed, never stops a push.
    Info,
    /// Printed; stops a push only when `[policy] confirm = "warn"` and the user declines.
    Warn,
    /// Stops the push unless confirmed at a terminal or bypassed.
    Block,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Block => "block",
        }
    }

    /// Parses a configured severity; `"off"` yields `Ok(None)` (the rule is disabled).
    pub fn parse_setting(s: &str) -> Result<Option<Severity>, String> {
        match s {
            "off" => Ok(None),
            other => other.parse().map(Some),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "warn" => Ok(Severity::Warn),
            "block" => Ok(Severity::Block),
            _ => Err(format!(
                "unknown severity `{s}`: expected one of off, info, warn, block"
            )),
        }
    }
}
