//! Hash maps and sets for the hot paths of a long push.
//!
//! A 3,000-commit push fills maps keyed by object ids and paths with tens of thousands of
//! entries, and std's SipHash was a tenth of pushguard's instructions on it. foldhash is
//! several times cheaper and still seeded at random per process, so a repository cannot
//! pick paths that collide on every machine (object ids cannot be picked at all).

use std::collections::{HashMap, HashSet};

/// The hasher of [`FastMap`] and [`FastSet`].
pub type FastHasher = foldhash::fast::RandomState;

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, FastHasher>;

/// A `HashSet` with [`FastHasher`].
pub type FastSet<T> = HashSet<T, FastHasher>;
