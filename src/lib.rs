//! pushguard: a git pre-push hook that tells what each push will make a deploy builder
//! rebuild, and warns about or blocks pushes that waste builds or leak secrets.
//!
//! Data flows one way through the modules:
//! stdin ([`push`]) → ref updates → commits ([`range`]) → changes ([`changes`]) →
//! findings ([`rules`]) and verdicts ([`verdict`]) → [`report`] → decision.

pub mod dockerfile;
pub mod escape;
pub mod lines;
pub mod severity;
pub mod tier;
