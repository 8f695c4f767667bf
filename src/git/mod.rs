//! Git in: what a push sends and what changed in it.
//!
//! [`push`] parses the ref lines git hands a hook into [`push::RefUpdate`]s, [`range`] works
//! out which commits each update carries, and [`changes`] lists what each of those commits
//! changed (a [`changes::ChangeSet`]). Nothing here knows about Docker or deploys.

pub mod changes;
pub mod push;
pub mod range;
