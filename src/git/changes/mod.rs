//! The change set: which paths each pushed commit adds, modifies or deletes, and (lazily)
//! what text changed in the files that content rules ask about.
//!
//! Tree diffs here descend only into subtrees whose ids differ, so the cost of a commit is
//! proportional to what it changed, not to the size of the tree (libgit2's
//! `diff_tree_to_tree` visits every entry of both trees). Renames are reported as a delete
//! plus an add: rename detection needs blob contents and is slow. No blob is read here.

//!
//! This module holds the model; `listing` lists a range's commits and their changes
//! (in process, or with the `git log` engine of `external`), and `tree_diff` is the pruned
//! tree diff.

use git2::Oid;

use crate::escape::escape_bytes;

mod external;
mod listing;
mod tree_diff;

// Re-exported: the blob reader and the line diffs lived here, and the rules name them by
// this path.
pub(crate) use crate::git::blob::BlobContent;
pub(crate) use crate::git::line_diff::{line_count, line_diff, middles, new_lines, LineDiff};
pub use listing::tune_libgit2;
pub(crate) use listing::{EarlyChoice, Listing};
pub use tree_diff::diff_trees;

pub use external::ENGINE_ENV;

/// How a path changed between a commit and its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
        }
    }
}

/// What a tree entry is, from its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Executable,
    Symlink,
    /// A gitlink: the entry records a commit of another repository.
    Submodule,
}

impl EntryKind {
    fn of(mode: i32) -> EntryKind {
        match mode {
            0o100755 => EntryKind::Executable,
            0o120000 => EntryKind::Symlink,
            0o160000 => EntryKind::Submodule,
            _ => EntryKind::File,
        }
    }
}

/// One side of a changed path: the object and what kind of entry holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Blob {
    pub id: Oid,
    pub kind: EntryKind,
}

/// A changed path. Invariant: `old` is `None` exactly when `kind` is `Added`, `new` is
/// `None` exactly when `kind` is `Deleted`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Repository-relative, `/`-separated, raw bytes (git paths need not be UTF-8).
    pub path: Vec<u8>,
    pub kind: ChangeKind,
    pub old: Option<Blob>,
    pub new: Option<Blob>,
}

impl FileChange {
    /// The path for display, with control characters and invalid UTF-8 escaped.
    pub fn display_path(&self) -> String {
        escape_bytes(&self.path).into_owned()
    }

    /// The path as `&str` when it is valid UTF-8 (rules that match names use this).
    pub fn path_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.path).ok()
    }
}

/// What a commit is, independent of its changes.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub id: Oid,
    pub parents: Vec<Oid>,
    /// The full message, decoded lossily (it is only ever matched against and displayed
    /// escaped).
    pub message: String,
    pub author_time: i64,
}

impl CommitInfo {
    /// The first line of the message.
    pub fn summary(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }

    pub fn short_id(&self) -> String {
        let mut s = self.id.to_string();
        s.truncate(8);
        s
    }
}

/// The changes of one commit, or why they could not be computed.
#[derive(Debug, Clone)]
pub enum CommitChanges {
    Inspected(Vec<FileChange>),
    NotInspected(String),
}

/// One pushed commit with its changes.
#[derive(Debug, Clone)]
pub struct CommitChange {
    pub info: CommitInfo,
    pub changes: CommitChanges,
}

impl CommitChange {
    /// The changed files, empty when the commit was not inspected.
    pub fn files(&self) -> &[FileChange] {
        match &self.changes {
            CommitChanges::Inspected(files) => files,
            CommitChanges::NotInspected(_) => &[],
        }
    }

    /// True for an inspected commit whose tree equals its (first) parent's.
    pub fn is_empty_change(&self) -> bool {
        matches!(&self.changes, CommitChanges::Inspected(f) if f.is_empty())
            && self.info.parents.len() <= 1
    }
}

/// The change set of one ref update: its commits, oldest first.
#[derive(Debug, Clone, Default)]
pub struct ChangeSet {
    pub commits: Vec<CommitChange>,
}
