//! Policy as data: what a push does once its findings are known.
//!
//! A [`Judgement`] is built once per analysis, the same way for the pre-push hook, `check`
//! and the pre-receive hook: the bypasses that waive findings, what stays in force, and
//! whether someone must confirm. Everything here is a pure function of the analysis, the
//! configuration and an [`Environment`] read once, so each rule of the policy is unit-tested
//! without a terminal. Nothing here writes words for people: `output::messages` does, and
//! `commands::pre_push` does the talking (terminal, audit log).
//!
//! The bypasses, from narrowest to widest, each explicit and each leaving a trace:
//! - a `Pushguard-Allow: <rule-id> <reason>` trailer accepts that rule's findings in that
//!   commit (the trace is the commit itself, plus the audit log);
//! - `PUSHGUARD_SKIP=rule-a,rule-b` treats the named rules as not run for one push;
//! - `PUSHGUARD=0` turns pushguard off for one push;
//! - `git push --no-verify` is git's own and skips every pre-push hook (git does not run
//!   pushguard at all, so it cannot leave a trace).

pub mod audit;
mod environment;
mod judgement;
pub mod prompt;
pub(crate) mod trailers;

pub use environment::{agent_marker, pushing_agent, switch, Environment, SkipList, Switch};
pub use judgement::{Accepted, Ask, Judgement, NoTerminal, Skipped, UnknownRule, UnknownSource};
pub use trailers::{allow_trailers, trailers, AllowTrailer, ALLOW_TRAILER};

use crate::config::{NonInteractive, Policy};

/// What to do without a terminal.
pub fn noninteractive_allows(policy: &Policy) -> bool {
    policy.noninteractive == NonInteractive::Allow
}
