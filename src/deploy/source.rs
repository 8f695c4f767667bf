//! The tree a deploy map is read from, and a record of every path the reading looked at.
//!
//! A map depends on its tree only through what the reading looked at: the configuration
//! files the search found ([`super::locate`], which has its own cache), and the paths
//! [`MapSource`] was asked about (the workflows directory, each platform file, the
//! Dockerfiles and directories a config names, the README of a Space). So a later tree in
//! which every one of those paths holds the same entry (same object id and mode, or still
//! nothing) has the same map ([`unchanged_in`]), which [`super::map_cache`] uses to
//! reuse maps across pushes.
//!
//! Invariant: the map readers reach the tree only through [`MapSource`]; a read that
//! bypassed it would leave a path out of the record, and a later change to that path would
//! go unseen.

use std::cell::RefCell;

use git2::{Repository, Tree, TreeEntry};
use serde::{Deserialize, Serialize};

use crate::git::blob::{file_of, regular_entry, FileAt};

/// A path the map reading looked at, and what was there: the entry's object id and mode,
/// or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Looked {
    pub path: String,
    /// `<id> <mode in octal>`, `None` when nothing was at the path.
    pub entry: Option<String>,
}

/// A tree as the map readers see it, recording every path they look at.
pub struct MapSource<'r> {
    repo: &'r Repository,
    tree: &'r Tree<'r>,
    looked: RefCell<Vec<Looked>>,
}

impl<'r> MapSource<'r> {
    pub fn new(repo: &'r Repository, tree: &'r Tree<'r>) -> MapSource<'r> {
        MapSource {
            repo,
            tree,
            looked: RefCell::new(Vec::new()),
        }
    }

    /// The entry at `path`, recorded.
    pub fn entry(&self, path: &str) -> Option<TreeEntry<'static>> {
        let entry = entry_at(self.tree, path);
        let mut looked = self.looked.borrow_mut();
        if !looked.iter().any(|l| l.path == path) {
            looked.push(Looked {
                path: path.to_owned(),
                entry: entry.as_ref().map(described),
            });
        }
        entry
    }

    /// Whether something is at `path` (a file, a directory, a link, a submodule).
    pub fn exists(&self, path: &str) -> bool {
        self.entry(path).is_some()
    }

    /// Whether `path` is a blob (a file or a symbolic link).
    pub fn is_blob(&self, path: &str) -> bool {
        self.entry(path)
            .is_some_and(|e| e.kind() == Some(git2::ObjectType::Blob))
    }

    /// The file at `path`, as [`crate::git::blob::file_at`] reads it.
    pub fn file_at(&self, path: &str, cap: u64) -> FileAt {
        match regular_entry(self.entry(path).as_ref()) {
            Ok(id) => file_of(self.repo, id, cap),
            Err(other) => other,
        }
    }

    /// The directory at `path`; its entries are covered by its id in the record.
    pub fn dir(&self, path: &str) -> Option<Tree<'r>> {
        let entry = self.entry(path)?;
        self.repo.find_tree(entry.id()).ok()
    }

    /// Everything looked at, in first-look order.
    pub fn into_looked(self) -> Vec<Looked> {
        self.looked.into_inner()
    }
}

/// Whether every path of `looked` holds in `tree` what it held when it was looked at.
pub fn unchanged_in(tree: &Tree<'_>, looked: &[Looked]) -> bool {
    looked
        .iter()
        .all(|l| entry_at(tree, &l.path).as_ref().map(described) == l.entry)
}

fn entry_at(tree: &Tree<'_>, path: &str) -> Option<TreeEntry<'static>> {
    if path.is_empty() {
        return None;
    }
    tree.get_path(std::path::Path::new(path)).ok()
}

fn described(entry: &TreeEntry<'_>) -> String {
    format!("{} {:o}", entry.id(), entry.filemode())
}
