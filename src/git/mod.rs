//! Git in: what a push sends and what changed in it.
//!
//! [`push`] parses the ref lines git hands a hook into [`push::RefUpdate`]s, [`range`] works
//! out which commits each update carries, and [`changes`] lists what each of those commits
//! changed (a [`changes::ChangeSet`]); [`blob`] reads the file at a path of a tree. Nothing here knows about Docker or deploys.

pub mod blob;
pub mod changes;
pub mod line_diff;
pub mod push;
pub mod range;
