//! The pruned tree diff: descends only into subtrees whose ids differ, so a commit costs
//! what it changed, not the size of its tree.

use std::cmp::Ordering;

use git2::{ObjectType, Oid, Repository, Tree, TreeEntry};

use super::{Blob, ChangeKind, EntryKind, FileChange};
use crate::git::blob::missing;
use crate::hash::FastMap;

/// Diffs two trees (either may be absent: all added / all deleted), pruning equal subtrees.
pub fn diff_trees(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: Option<&Tree<'_>>,
) -> Result<Vec<FileChange>, String> {
    diff_cached(&mut Trees::new(repo), old, new)
}

pub(super) fn diff_cached(
    trees: &mut Trees<'_>,
    old: Option<&Tree<'_>>,
    new: Option<&Tree<'_>>,
) -> Result<Vec<FileChange>, String> {
    let mut out = Vec::new();
    let mut prefix = Vec::new();
    diff_level(trees, old, new, &mut prefix, &mut out)?;
    Ok(out)
}

fn diff_level(
    trees: &mut Trees<'_>,
    old: Option<&Tree<'_>>,
    new: Option<&Tree<'_>>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<FileChange>,
) -> Result<(), String> {
    let mut a = old.map(|t| t.iter()).into_iter().flatten().peekable();
    let mut b = new.map(|t| t.iter()).into_iter().flatten().peekable();
    loop {
        let order = match (a.peek(), b.peek()) {
            (None, None) => return Ok(()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => git_entry_order(x, y),
        };
        match order {
            Ordering::Less => {
                if let Some(x) = a.next() {
                    entry_side(trees, &x, prefix, out, Side::Old)?;
                }
            }
            Ordering::Greater => {
                if let Some(y) = b.next() {
                    entry_side(trees, &y, prefix, out, Side::New)?;
                }
            }
            Ordering::Equal => {
                let (Some(x), Some(y)) = (a.next(), b.next()) else {
                    return Ok(());
                };
                if x.id() == y.id() && x.filemode() == y.filemode() {
                    continue;
                }
                if is_tree(&x) && is_tree(&y) {
                    let len = push_name(prefix, &x);
                    let old_sub = trees.get(x.id())?;
                    let new_sub = trees.get(y.id())?;
                    diff_level(trees, Some(&old_sub), Some(&new_sub), prefix, out)?;
                    prefix.truncate(len);
                } else {
                    out.push(FileChange {
                        path: joined(prefix, &x),
                        kind: ChangeKind::Modified,
                        old: Some(blob_of(&x)),
                        new: Some(blob_of(&y)),
                    });
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Side {
    Old,
    New,
}

/// Reports an entry present on one side only: a file, or every file under a subtree.
fn entry_side(
    trees: &mut Trees<'_>,
    entry: &TreeEntry<'_>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<FileChange>,
    side: Side,
) -> Result<(), String> {
    if is_tree(entry) {
        let len = push_name(prefix, entry);
        let sub = trees.get(entry.id())?;
        match side {
            Side::Old => diff_level(trees, Some(&sub), None, prefix, out)?,
            Side::New => diff_level(trees, None, Some(&sub), prefix, out)?,
        }
        prefix.truncate(len);
        return Ok(());
    }
    let blob = Some(blob_of(entry));
    let (kind, old, new) = match side {
        Side::Old => (ChangeKind::Deleted, blob, None),
        Side::New => (ChangeKind::Added, None, blob),
    };
    out.push(FileChange {
        path: joined(prefix, entry),
        kind,
        old,
        new,
    });
    Ok(())
}

fn is_tree(entry: &TreeEntry<'_>) -> bool {
    entry.kind() == Some(ObjectType::Tree) || entry.filemode() == 0o040000
}

fn blob_of(entry: &TreeEntry<'_>) -> Blob {
    Blob {
        id: entry.id(),
        kind: EntryKind::of(entry.filemode()),
    }
}

/// Appends `name/` to `prefix`, returning the length to truncate back to.
fn push_name(prefix: &mut Vec<u8>, entry: &TreeEntry<'_>) -> usize {
    let len = prefix.len();
    prefix.extend_from_slice(entry.name_bytes());
    prefix.push(b'/');
    len
}

fn joined(prefix: &[u8], entry: &TreeEntry<'_>) -> Vec<u8> {
    let mut path = Vec::with_capacity(prefix.len() + entry.name_bytes().len());
    path.extend_from_slice(prefix);
    path.extend_from_slice(entry.name_bytes());
    path
}

/// git's tree entry order: names compared bytewise, with a tree's name compared as if it
/// ended in `/`. Both trees are sorted this way, so a merge-join visits each name once.
fn git_entry_order(a: &TreeEntry<'_>, b: &TreeEntry<'_>) -> Ordering {
    let (an, bn) = (a.name_bytes(), b.name_bytes());
    let common = an.len().min(bn.len());
    match an[..common].cmp(&bn[..common]) {
        Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], entry: &TreeEntry<'_>| -> Option<u8> {
        name.get(common)
            .copied()
            .or_else(|| is_tree(entry).then_some(b'/'))
    };
    match (next(an, a), next(bn, b)) {
        (None, None) => Ordering::Equal,
        (x, y) => x.cmp(&y),
    }
}

/// Trees read while diffing, kept for one commit more: commits are visited parents first,
/// so the trees a commit's diff reads as "new" are what its child's diff reads as "old".
/// This halves tree reads on a linear history without libgit2's unbounded object cache
/// (which [`tune_libgit2`](super::tune_libgit2) turns off to keep memory flat on huge pushes).
pub(super) struct Trees<'r> {
    pub(super) repo: &'r Repository,
    prev: FastMap<Oid, Tree<'r>>,
    cur: FastMap<Oid, Tree<'r>>,
    /// The last commit diffed and its tree id: usually the next commit's parent, which then
    /// need not be looked up again.
    pub(super) last_commit: Option<(Oid, Oid)>,
}

impl<'r> Trees<'r> {
    pub(super) fn new(repo: &'r Repository) -> Trees<'r> {
        Trees {
            repo,
            prev: FastMap::default(),
            cur: FastMap::default(),
            last_commit: None,
        }
    }

    pub(super) fn get(&mut self, id: Oid) -> Result<Tree<'r>, String> {
        if let Some(t) = self.cur.get(&id) {
            return Ok(t.clone());
        }
        let tree = match self.prev.remove(&id) {
            Some(t) => t,
            None => self
                .repo
                .find_tree(id)
                .map_err(|e| missing(id, "tree", &e))?,
        };
        self.cur.insert(id, tree.clone());
        Ok(tree)
    }

    /// Forgets the trees no later commit is likely to need.
    pub(super) fn next_commit(&mut self) {
        self.prev = std::mem::take(&mut self.cur);
    }
}
