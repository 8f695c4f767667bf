//! Build tiers: how much of a Docker build a push makes the builder re-run.

use std::fmt;
use std::str::FromStr;

/// How much of an image build re-runs, from cheapest to most expensive.
///
/// The order is meaningful: a push's tier is the maximum over its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum BuildTier {
    /// Nothing in the image changes (or nothing is deployed).
    #[default]
    None,
    /// Only the final source `COPY` and what follows it re-run.
    Incremental,
    /// A dependency-install step re-runs.
    Partial,
    /// Base image or system-package steps re-run.
    Full,
}

impl BuildTier {
    pub const ALL: [BuildTier; 4] = [
        BuildTier::None,
        BuildTier::Incremental,
        BuildTier::Partial,
        BuildTier::Full,
    ];

    /// The lowercase name used in config files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            BuildTier::None => "none",
            BuildTier::Incremental => "incremental",
            BuildTier::Partial => "partial",
            BuildTier::Full => "full",
        }
    }
}

impl fmt::Display for BuildTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BuildTier {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BuildTier::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!("unknown tier `{s}`: expected one of none, incremental, partial, full")
            })
    }
}
