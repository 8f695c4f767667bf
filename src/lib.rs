//! pushguard: a git pre-push hook that tells what each push will make a deploy builder
//! rebuild, and warns about or blocks pushes that waste builds or leak secrets.
//!
//! Data flows one way through the modules:
//! stdin ([`push`]) → ref updates → commits ([`range`]) → changes ([`changes`]) →
//! findings ([`rules`]) and verdicts ([`verdict`]) → [`report`] → decision.
//! [`pipeline`] strings the stages together.

pub mod apps;
pub mod ascii;
pub mod audit;
pub mod changes;
pub mod commands;
pub mod config;
pub mod decide;
pub mod dockerfile;
pub mod dockerignore;
pub mod escape;
pub mod finding;
pub mod github;
pub mod globs;
pub mod hash;
pub mod lines;
pub mod panic;
pub mod pipeline;
pub mod prompt;
pub mod push;
pub mod range;
pub mod rebuild;
pub mod report;
pub mod rules;
pub mod sarif;
pub mod severity;
pub mod state;
pub mod style;
pub mod tier;
pub mod verdict;
