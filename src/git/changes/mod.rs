//! The change set: which paths each pushed commit adds, modifies or deletes, and (lazily)
//! what text changed in the files that content rules ask about.
//!
//! Tree diffs here descend only into subtrees whose ids differ, so the cost of a commit is
//! proportional to what it changed, not to the size of the tree (libgit2's
//! `diff_tree_to_tree` visits every entry of both trees). Renames are reported as a delete
//! plus an add: rename detection needs blob contents and is slow. No blob is read here.

use std::cmp::Ordering;
use std::collections::HashSet;

use anyhow::Result;
use git2::{ObjectType, Oid, Repository, Tree, TreeEntry};

use crate::escape::escape_bytes;
use crate::git::range::CommitRange;
use crate::hash::{FastMap, FastSet};

// Re-exported: the blob reader lived here, and the rules still name it by this path.
use crate::git::blob::missing;
pub use crate::git::blob::{read_blob, BlobContent};

mod external;

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

/// The listing of a range's changes, begun before its reader is ready: [`Listing::start`]
/// does what needs nothing from the caller (git's start and revision walk, or the whole
/// in-process diff), [`Listing::finish`] hands each commit to the caller's read-ahead and
/// returns the change set. A push starts its first listing while its configuration is
/// still loading.
///
/// Invariant: `finish` gives the change set [`ChangeSet::of_range`] gives; only when the
/// work is done differs.
pub struct Listing {
    range: CommitRange,
    state: ListingState,
}

enum ListingState {
    /// `git log` is running.
    Git(external::Started),
    /// Listed and diffed in process.
    InProcess(Result<ChangeSet>),
    /// git was wanted but could not start; `finish` lists in process.
    Pending,
}

impl Listing {
    /// Starts listing `range`: spawns `git log` for a long range, or lists a short one (and
    /// any range git cannot list) in process now.
    pub fn start(repo: &Repository, range: CommitRange, shallow: &HashSet<Oid>) -> Listing {
        let state = if shallow.is_empty() && external::wanted(repo, &range) {
            match external::Started::start(repo, &range) {
                Some(started) => ListingState::Git(started),
                None => ListingState::Pending,
            }
        } else {
            ListingState::InProcess(Self::in_process(repo, &range, shallow))
        };
        Listing { range, state }
    }

    /// Whether another process is listing the range: until its first commit arrives, this
    /// one has time for other work.
    pub fn is_running(&self) -> bool {
        matches!(self.state, ListingState::Git(_))
    }

    /// The change set of the range, calling `each` on every commit as it is listed.
    /// `shallow` is the set given to [`Listing::start`].
    pub fn finish(
        self,
        repo: &Repository,
        shallow: &HashSet<Oid>,
        each: &mut dyn FnMut(&CommitChange),
    ) -> Result<ChangeSet> {
        let range = &self.range;
        let set = match self.state {
            ListingState::Git(started) => match started.finish(each) {
                Some(commits) => return Ok(ChangeSet { commits }),
                // git gave up part way: the in-process walk reports what it could not read.
                None => Self::in_process(repo, range, shallow)?,
            },
            ListingState::InProcess(set) => set?,
            ListingState::Pending => Self::in_process(repo, range, shallow)?,
        };
        set.commits.iter().for_each(each);
        Ok(set)
    }

    fn in_process(
        repo: &Repository,
        range: &CommitRange,
        shallow: &HashSet<Oid>,
    ) -> Result<ChangeSet> {
        let ids = range.commits(repo)?;
        Ok(ChangeSet::compute_in_process(repo, &ids, shallow))
    }
}

impl ChangeSet {
    /// The commits of `range`, oldest first (parents before children), with their changes.
    /// `shallow` holds the shallow clone's boundary commits, whose parents are absent: those
    /// are reported as not inspected, never diffed against an empty tree.
    ///
    /// `each` sees every commit as soon as its changes are known, in no particular order,
    /// while the rest are still being listed: the caller can read ahead what it will need.
    ///
    /// Long ranges are listed and diffed by `git log` (see [`external`]), which reads
    /// commits and trees several times faster than libgit2 can; short ones, and any range
    /// git cannot do, in process. Both give the same change set.
    pub fn of_range(
        repo: &Repository,
        range: &CommitRange,
        shallow: &HashSet<Oid>,
        each: &mut dyn FnMut(&CommitChange),
    ) -> Result<ChangeSet> {
        Listing::start(repo, range.clone(), shallow).finish(repo, shallow, each)
    }

    /// [`ChangeSet::of_range`] with `git log`; `None` when git cannot list and diff it all.
    pub fn of_range_with_git(repo: &Repository, range: &CommitRange) -> Option<ChangeSet> {
        external::compute(repo, range, &mut |_| {}).map(|commits| ChangeSet { commits })
    }

    /// The changes of `commits` (oldest first) with libgit2 only.
    pub fn compute_in_process(
        repo: &Repository,
        commits: &[Oid],
        shallow: &HashSet<Oid>,
    ) -> ChangeSet {
        let mut trees = Trees::new(repo);
        let commits = commits
            .iter()
            .map(|&id| {
                let change = commit_change(&mut trees, id, shallow);
                trees.next_commit();
                change
            })
            .collect();
        ChangeSet { commits }
    }

    /// Every distinct changed path across the inspected commits, in first-seen order, with
    /// the indices of the commits that touched it.
    pub fn paths(&self) -> Vec<(&[u8], Vec<usize>)> {
        let mut index: FastMap<&[u8], usize> = FastMap::default();
        let mut out: Vec<(&[u8], Vec<usize>)> = Vec::new();
        for (ci, commit) in self.commits.iter().enumerate() {
            for file in commit.files() {
                match index.get(file.path.as_slice()) {
                    Some(&i) => out[i].1.push(ci),
                    None => {
                        index.insert(&file.path, out.len());
                        out.push((&file.path, vec![ci]));
                    }
                }
            }
        }
        out
    }

    /// The files that differ between commit `base` and commit `tip`, from the commits' own
    /// changes, without reading a tree. `None` unless the change set is exactly the chain of
    /// inspected single-parent commits from `base` (exclusive) to `tip`: then each path's
    /// first old side and last new side are what [`diff_trees`] finds between the two trees
    /// (a path that ends as it started is left out), and sorting by the full path bytes
    /// gives its order, git's tree order.
    pub fn net_changes(&self, base: Oid, tip: Oid) -> Option<Vec<FileChange>> {
        let mut parent = base;
        let mut sides: FastMap<&[u8], (Option<Blob>, Option<Blob>)> = FastMap::default();
        for commit in &self.commits {
            let CommitChanges::Inspected(files) = &commit.changes else {
                return None;
            };
            if commit.info.parents != [parent] {
                return None;
            }
            for file in files {
                sides
                    .entry(&file.path)
                    .and_modify(|(_, new)| *new = file.new)
                    .or_insert((file.old, file.new));
            }
            parent = commit.info.id;
        }
        if parent != tip {
            return None;
        }
        let mut net: Vec<FileChange> = sides
            .into_iter()
            .filter_map(|(path, (old, new))| {
                let kind = match (old, new) {
                    (None, Some(_)) => ChangeKind::Added,
                    (Some(_), None) => ChangeKind::Deleted,
                    (Some(a), Some(b)) if a != b => ChangeKind::Modified,
                    _ => return None,
                };
                Some(FileChange {
                    path: path.to_vec(),
                    kind,
                    old,
                    new,
                })
            })
            .collect();
        net.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        Some(net)
    }

    /// How many distinct paths the inspected commits change: [`ChangeSet::paths`]' length,
    /// without building the per-path commit lists.
    pub fn path_count(&self) -> usize {
        let files = self.commits.iter().flat_map(CommitChange::files);
        let mut seen: FastSet<&[u8]> =
            FastSet::with_capacity_and_hasher(files.clone().count(), Default::default());
        files.filter(|f| seen.insert(&f.path)).count()
    }

    /// Whether one of the commits has `id` as a parent.
    pub fn has_child_of(&self, id: Oid) -> bool {
        self.commits.iter().any(|c| c.info.parents.contains(&id))
    }

    /// Commits that could not be inspected, with the reason.
    pub fn not_inspected(&self) -> impl Iterator<Item = (&CommitInfo, &str)> {
        self.commits.iter().filter_map(|c| match &c.changes {
            CommitChanges::NotInspected(reason) => Some((&c.info, reason.as_str())),
            CommitChanges::Inspected(_) => None,
        })
    }
}

/// Trees read while diffing, kept for one commit more: commits are visited parents first,
/// so the trees a commit's diff reads as "new" are what its child's diff reads as "old".
/// This halves tree reads on a linear history without libgit2's unbounded object cache
/// (which [`tune_libgit2`] turns off to keep memory flat on huge pushes).
struct Trees<'r> {
    repo: &'r Repository,
    prev: FastMap<Oid, Tree<'r>>,
    cur: FastMap<Oid, Tree<'r>>,
    /// The last commit diffed and its tree id: usually the next commit's parent, which then
    /// need not be looked up again.
    last_commit: Option<(Oid, Oid)>,
}

impl<'r> Trees<'r> {
    fn new(repo: &'r Repository) -> Trees<'r> {
        Trees {
            repo,
            prev: FastMap::default(),
            cur: FastMap::default(),
            last_commit: None,
        }
    }

    fn get(&mut self, id: Oid) -> Result<Tree<'r>, String> {
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
    fn next_commit(&mut self) {
        self.prev = std::mem::take(&mut self.cur);
    }
}

/// Process-wide libgit2 settings for reading many objects once: no object cache (memory
/// stays flat however large the push; [`Trees`] keeps what is reused) and no re-hashing of
/// every object read (git itself does not verify hashes on ordinary reads; `git fsck` does).
pub fn tune_libgit2() {
    git2::opts::enable_caching(false);
    git2::opts::strict_hash_verification(false);
}

fn commit_change(trees: &mut Trees<'_>, id: Oid, shallow: &HashSet<Oid>) -> CommitChange {
    let (info, tree_id) = match commit_info(trees.repo, id) {
        Ok(found) => found,
        Err(unreadable) => return unreadable,
    };
    let changes = if shallow.contains(&id) {
        CommitChanges::NotInspected(SHALLOW_REASON.to_owned())
    } else {
        let files = commit_files(trees, tree_id, &info.parents);
        trees.last_commit = Some((id, tree_id));
        match files {
            Ok(files) => CommitChanges::Inspected(files),
            Err(reason) => CommitChanges::NotInspected(reason),
        }
    };
    CommitChange { info, changes }
}

/// Why a shallow clone's boundary commit is not inspected.
const SHALLOW_REASON: &str = "its parent is cut off by this shallow clone, so its changes are \
                              unknown; run `git fetch --unshallow` to inspect it";

/// A commit's metadata and tree id, or (when it cannot be read) its entry in the change set
/// as not inspected.
fn commit_info(repo: &Repository, id: Oid) -> Result<(CommitInfo, Oid), CommitChange> {
    match repo.find_commit(id) {
        Ok(commit) => Ok((
            CommitInfo {
                id,
                parents: commit.parent_ids().collect(),
                message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
                author_time: commit.author().when().seconds(),
            },
            commit.tree_id(),
        )),
        Err(e) => Err(CommitChange {
            info: CommitInfo {
                id,
                parents: Vec::new(),
                message: String::new(),
                author_time: 0,
            },
            changes: CommitChanges::NotInspected(missing(id, "commit", &e)),
        }),
    }
}

/// The paths a commit changes. For a merge, only paths that differ from every parent count
/// (git's combined-diff sense), so merging `main` into a branch does not attribute `main`'s
/// changes to the branch.
fn commit_files(
    trees: &mut Trees<'_>,
    tree_id: Oid,
    parent_ids: &[Oid],
) -> Result<Vec<FileChange>, String> {
    let tree = trees.get(tree_id)?;
    let Some((first, rest)) = parent_ids.split_first() else {
        return diff_cached(trees, None, Some(&tree));
    };
    let first_tree = parent_tree(trees, *first)?;
    let mut files = diff_cached(trees, Some(&first_tree), Some(&tree))?;
    for &parent in rest {
        if files.is_empty() {
            break;
        }
        let other = parent_tree(trees, parent)?;
        let changed: HashSet<Vec<u8>> = diff_cached(trees, Some(&other), Some(&tree))?
            .into_iter()
            .map(|f| f.path)
            .collect();
        files.retain(|f| changed.contains(&f.path));
    }
    Ok(files)
}

fn parent_tree<'r>(trees: &mut Trees<'r>, parent: Oid) -> Result<Tree<'r>, String> {
    let tree_id = match trees.last_commit {
        Some((commit, tree)) if commit == parent => tree,
        _ => trees
            .repo
            .find_commit(parent)
            .map_err(|e| missing(parent, "parent commit", &e))?
            .tree_id(),
    };
    trees.get(tree_id)
}

/// Diffs two trees (either may be absent: all added / all deleted), pruning equal subtrees.
pub fn diff_trees(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: Option<&Tree<'_>>,
) -> Result<Vec<FileChange>, String> {
    diff_cached(&mut Trees::new(repo), old, new)
}

fn diff_cached(
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

/// Added and removed lines between two texts, with 1-based line numbers in the new and old
/// text respectively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineDiff {
    pub added: Vec<(u32, String)>,
    pub removed: Vec<(u32, String)>,
}

/// The lines of `new` that do not occur anywhere in `old`, with their 1-based line numbers
/// in `new`: what a commit brings in that was not there before, without a diff's
/// alignment (a line merely moved is not "added"). Linear in the size of both texts, for
/// rules that only scan what is new (secrets) on pushes of thousands of commits.
pub fn new_lines(old: &str, new: &str) -> Vec<(u32, String)> {
    let before: FastSet<&str> = old.lines().collect();
    new.lines()
        .enumerate()
        .filter(|(_, line)| !before.contains(line))
        .map(|(i, line)| (u32::try_from(i + 1).unwrap_or(u32::MAX), line.to_owned()))
        .collect()
}

/// Computes a line diff: xdiff's, as libgit2 gives it with no context lines.
pub fn line_diff(old: &str, new: &str) -> Result<LineDiff> {
    match certain_diff(old, new) {
        Some(diff) => Ok(diff),
        None => xdiff(old, new),
    }
}

/// xdiff's result, worked out without running it when the answer is certain; `None` when
/// it is not, and xdiff must decide.
///
/// xdiff first trims the lines both texts start and end with. In what is left, it marks
/// every line with no equal line in the other text as changed, and matches the others with
/// Myers' algorithm. When the lines each side has in common with the other side's middle
/// are the same sequence on both sides (the usual edit: lines replaced, added or removed
/// between unchanged ones), the longest common subsequence is that sequence, and only one
/// alignment reaches it, so any minimal diff (Myers') marks exactly the other lines. This
/// gives that answer, and leaves to xdiff the cases where it would not be minimal or would
/// then move what it marked:
///
/// - a middle line that has many equal lines in the other text (at least the square root
///   xdiff computes for that text's length): xdiff may mark it changed even though it could
///   match;
/// - 200 or more changed lines: past its cost limit xdiff stops looking for the minimum;
/// - a run of changed lines that could slide along equal lines (`a` → `a a`: which `a` is
///   new?), where xdiff picks a position;
/// - a NUL anywhere: libgit2 then takes the text for binary and reports no lines.
///
/// Lines compare as xdiff's records do, with their line ends, so `x` without a final newline
/// differs from `x\n`. A property test checks the answers against xdiff's.
fn certain_diff(old: &str, new: &str) -> Option<LineDiff> {
    if memchr::memchr(0, old.as_bytes()).is_some() || memchr::memchr(0, new.as_bytes()).is_some() {
        return None;
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let room = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(room)
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (
        a.get(prefix..a.len() - suffix)?,
        b.get(prefix..b.len() - suffix)?,
    );
    if a_mid.len() + b_mid.len() >= 200 {
        return None;
    }
    let in_a: FastSet<&str> = a_mid.iter().copied().collect();
    let in_b: FastSet<&str> = b_mid.iter().copied().collect();
    let kept_a: Vec<bool> = a_mid.iter().map(|l| in_b.contains(l)).collect();
    let kept_b: Vec<bool> = b_mid.iter().map(|l| in_a.contains(l)).collect();
    let (common_a, common_b) = (kept_lines(a_mid, &kept_a), kept_lines(b_mid, &kept_b));
    if common_a != common_b
        || has_many_matches(&common_a, a.len(), &b)
        || has_many_matches(&common_b, b.len(), &a)
    {
        return None;
    }
    let removed = changed_runs(&a, prefix, &kept_a)?;
    let added = changed_runs(&b, prefix, &kept_b)?;
    Some(LineDiff { added, removed })
}

/// The lines of `lines` whose `keep` is true.
fn kept_lines<'t>(lines: &[&'t str], keep: &[bool]) -> Vec<&'t str> {
    lines
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(l, _)| *l)
        .collect()
}

/// Whether one of the matchable middle lines `kept`, from a text of `own` lines, occurs in
/// the whole `other` text as often as xdiff's limit for that text (`xdl_bogosqrt(own)`, as
/// `xdl_cleanup_records` computes it per file): then xdiff may discard it.
fn has_many_matches(kept: &[&str], own: usize, other: &[&str]) -> bool {
    let mut limit = 1usize;
    let mut n = own;
    while n > 0 {
        limit <<= 1;
        n >>= 2;
    }
    let limit = limit.min(1024);
    let wanted: FastSet<&str> = kept.iter().copied().collect();
    if wanted.is_empty() {
        return false;
    }
    let mut counts: FastMap<&str, usize> = FastMap::default();
    other.iter().filter(|l| wanted.contains(*l)).any(|l| {
        let c = counts.entry(l).or_insert(0);
        *c += 1;
        *c >= limit
    })
}

/// The changed (not kept) lines of `lines[start..]`, numbered from 1, trimmed of their line
/// ends; `None` when a run of them could slide (see [`certain_diff`]).
fn changed_runs(lines: &[&str], start: usize, kept: &[bool]) -> Option<Vec<(u32, String)>> {
    let mut out = Vec::new();
    let mut run_start = None;
    for (i, keep) in kept.iter().chain([&true]).enumerate() {
        let at = start + i;
        match (run_start, keep) {
            (None, false) => run_start = Some(at),
            (Some(from), true) => {
                if can_slide(lines, from, at) {
                    return None;
                }
                run_start = None;
            }
            _ => {}
        }
        if !keep {
            let line = lines.get(at)?;
            let number = u32::try_from(at + 1).unwrap_or(u32::MAX);
            out.push((number, line.trim_end_matches(['\n', '\r']).to_owned()));
        }
    }
    Some(out)
}

/// Whether xdiff could move the changed run `lines[start..end]` by a line: down when its
/// first line equals the line after it, up when its last line equals the line before it.
fn can_slide(lines: &[&str], start: usize, end: usize) -> bool {
    if start == end {
        return false;
    }
    let down = lines.get(start).is_some_and(|l| lines.get(end) == Some(l));
    let up = start > 0
        && lines
            .get(start - 1)
            .is_some_and(|l| lines.get(end - 1) == Some(l));
    down || up
}

/// xdiff via libgit2, no context lines.
fn xdiff(old: &str, new: &str) -> Result<LineDiff> {
    let mut opts = git2::DiffOptions::new();
    opts.context_lines(0);
    let patch =
        git2::Patch::from_buffers(old.as_bytes(), None, new.as_bytes(), None, Some(&mut opts))?;
    let mut diff = LineDiff::default();
    for h in 0..patch.num_hunks() {
        let lines = patch.num_lines_in_hunk(h)?;
        for l in 0..lines {
            let line = patch.line_in_hunk(h, l)?;
            let text = String::from_utf8_lossy(line.content())
                .trim_end_matches(['\n', '\r'])
                .to_owned();
            match line.origin() {
                '+' => diff
                    .added
                    .push((line.new_lineno().unwrap_or_default(), text)),
                '-' => diff
                    .removed
                    .push((line.old_lineno().unwrap_or_default(), text)),
                _ => {}
            }
        }
    }
    Ok(diff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_lines_are_those_not_in_the_old_text() {
        let added = new_lines("a\nb\nc\n", "c\na\nKEY=x\nb\n");
        assert_eq!(added, vec![(3, "KEY=x".to_owned())]);
        assert_eq!(new_lines("", "x\n"), vec![(1, "x".to_owned())]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The shortcut gives xdiff's own answer whenever it answers. Few distinct lines
        /// (and carriage returns, and texts without a final newline) make repeated lines,
        /// where xdiff's choices show.
        #[test]
        fn certain_diff_is_what_xdiff_gives(
            old in proptest::collection::vec(0usize..6, 0..8),
            new in proptest::collection::vec(0usize..6, 0..8),
            old_end in proptest::bool::ANY,
            new_end in proptest::bool::ANY,
        ) {
            const LINES: [&str; 6] = ["a\n", "b\n", "c\n", "\n", "a\r\n", "x\u{0}\n"];
            let text = |ids: &[usize], end: bool| {
                let mut t: String = ids.iter().map(|&i| LINES[i]).collect();
                if !end && t.ends_with('\n') {
                    t.pop();
                }
                t
            };
            let (old, new) = (text(&old, old_end), text(&new, new_end));
            if let Some(fast) = certain_diff(&old, &new) {
                proptest::prop_assert_eq!(fast, xdiff(&old, &new).unwrap());
            }
        }

        /// The same on edits: lines of a longer text replaced, inserted and removed.
        #[test]
        fn certain_diff_of_an_edit_is_what_xdiff_gives(
            old in proptest::collection::vec(0usize..40, 0..60),
            edits in proptest::collection::vec((0usize..3, 0usize..60, 0usize..40), 0..6),
        ) {
            let mut new = old.clone();
            for (op, at, line) in edits {
                let at = at % (new.len() + 1);
                match op {
                    0 if at < new.len() => {
                        new.remove(at);
                    }
                    1 => new.insert(at, line),
                    _ if at < new.len() => new[at] = line,
                    _ => {}
                }
            }
            // 40 distinct lines for up to 60, so some repeat; a blank and a brace among them.
            let line = |i: &usize| match i {
                0 => "\n".to_owned(),
                1 => "    }\n".to_owned(),
                i => format!("line {i}\n"),
            };
            let old: String = old.iter().map(line).collect();
            let new: String = new.iter().map(line).collect();
            if let Some(fast) = certain_diff(&old, &new) {
                proptest::prop_assert_eq!(fast, xdiff(&old, &new).unwrap());
            }
        }
    }

    #[test]
    fn certain_diff_answers_usual_edits_and_leaves_the_rest_to_xdiff() {
        let d = certain_diff("a\nb\nc\n", "a\nB\nC\r\nc\n").unwrap();
        assert_eq!(d.removed, vec![(2, "b".to_owned())]);
        assert_eq!(d.added, vec![(2, "B".to_owned()), (3, "C".to_owned())]);
        // Two changed runs around an unchanged line.
        let d = certain_diff("a\nb\nc\n", "a\nB\nc\nd").unwrap();
        assert_eq!(d.removed, vec![(2, "b".to_owned())]);
        assert_eq!(d.added, vec![(2, "B".to_owned()), (4, "d".to_owned())]);
        // A moved line: the common lines differ in order.
        assert_eq!(certain_diff("a\nb\nc\n", "b\na\nc\n"), None);
        assert_eq!(
            certain_diff("", "x\n").unwrap().added,
            [(1, "x".to_owned())]
        );
        assert_eq!(certain_diff("a\n", "a\n").unwrap(), LineDiff::default());
        // Which `a` was added is xdiff's call.
        assert_eq!(certain_diff("a\n", "a\na\n"), None);
        assert_eq!(certain_diff("a\n", "a\u{0}\n"), None);
    }

    #[test]
    fn line_diff_reports_numbers() {
        let d = line_diff("a\nb\nc\n", "a\nB\nc\nd\n").unwrap();
        assert_eq!(d.removed, vec![(2, "b".to_owned())]);
        assert_eq!(d.added, vec![(2, "B".to_owned()), (4, "d".to_owned())]);
    }
}
