//! Listing a range's changes: per commit, its metadata and the files it changed, in
//! process (the pruned tree diff) or by the `git log` engine.

use std::collections::HashSet;

use git2::{Oid, Repository, Tree};

use super::tree_diff::{diff_cached, Trees};
use super::{
    external, Blob, ChangeKind, ChangeSet, CommitChange, CommitChanges, CommitInfo, FileChange,
};
use crate::git::blob::missing;
use crate::git::range::CommitRange;
use crate::hash::{FastMap, FastSet};

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
    InProcess(crate::git::Result<ChangeSet>),
    /// git was wanted but could not start; `finish` lists in process.
    Pending,
}

/// What a superset of a range settled about its listing before the range itself was known
/// (see [`Listing::warm_up`]).
pub enum EarlyChoice {
    /// Nothing: [`Listing::start_early`] decides as [`Listing::start`] does.
    Open,
    /// The superset is short, so the range is: it is listed in process. A git started while
    /// the superset was counted is stopped once the listing is done (stopping it now would
    /// wait for it to start).
    InProcess(Option<external::Starting>),
    /// The superset is long: `git log` is started and waits for the range. Dropped unused,
    /// git is stopped.
    Git(external::Spawned),
}

impl Listing {
    /// Settles what it can of the listing of a push's range before the range is known:
    /// `superset` is the pushed commit without what the remote's own commit reaches, before
    /// the other remote-tracking branches are read. The exact range hides more, so it is a
    /// subset: when `superset` is short ([`external::wanted`]), so is the range, and it will
    /// be listed in process without walking it again. When `superset` is long, git starts
    /// now, and its start-up (1.5 ms) overlaps the reading of the remote's branches; in the
    /// rare push whose exact range turns out short (a branch rebased onto many new commits
    /// of another), git lists that short range: the same change set, for the cost of a
    /// process start.
    pub fn warm_up(
        repo: &Repository,
        superset: &CommitRange,
        shallow: &HashSet<Oid>,
    ) -> EarlyChoice {
        if !shallow.is_empty() {
            return EarlyChoice::Open;
        }
        let started =
            |git: Option<external::Spawned>| git.map_or(EarlyChoice::Open, EarlyChoice::Git);
        match external::forced() {
            Some(true) => return started(external::Spawned::spawn(repo)),
            Some(false) => return EarlyChoice::InProcess(None),
            None => {}
        }
        let mut count = external::Count::new(superset);
        if !count.reaches(repo, external::START_AT) {
            return EarlyChoice::InProcess(None);
        }
        // Git starts on another thread while this one counts on.
        let Some(starting) = external::Starting::start(repo) else {
            return EarlyChoice::Open;
        };
        if external::long_enough(repo, &mut count) {
            started(starting.claim())
        } else {
            EarlyChoice::InProcess(Some(starting))
        }
    }

    /// Starts listing `range`: spawns `git log` for a long range, or lists a short one (and
    /// any range git cannot list) in process now.
    pub fn start(repo: &Repository, range: CommitRange, shallow: &HashSet<Oid>) -> Listing {
        Self::start_early(repo, range, shallow, EarlyChoice::Open)
    }

    /// [`Listing::start`] with what [`Listing::warm_up`] settled for a superset of `range`.
    pub fn start_early(
        repo: &Repository,
        range: CommitRange,
        shallow: &HashSet<Oid>,
        early: EarlyChoice,
    ) -> Listing {
        // A git started for nothing, stopped once the range is listed in process.
        let mut unused = None;
        let git = if !shallow.is_empty() {
            None
        } else {
            match early {
                EarlyChoice::Git(git) => Some(git.feed(repo, &range)),
                EarlyChoice::InProcess(starting) => {
                    unused = starting;
                    None
                }
                EarlyChoice::Open if external::wanted(repo, &range) => {
                    Some(external::Started::start(repo, &range))
                }
                EarlyChoice::Open => None,
            }
        };
        let state = match git {
            Some(started) => {
                // The trees of thousands of commits would pass through libgit2's object
                // cache for nothing but memory (linux_version's whole history: 5 MB more).
                git2::opts::enable_caching(false);
                bound_pack_windows(repo);
                match started {
                    Some(started) => ListingState::Git(started),
                    None => ListingState::Pending,
                }
            }
            None => ListingState::InProcess(Self::in_process(repo, &range, shallow)),
        };
        drop(unused);
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
    ) -> crate::git::Result<ChangeSet> {
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
    ) -> crate::git::Result<ChangeSet> {
        let ids = range.commits(repo)?;
        let mut set = ChangeSet::compute_in_process(repo, &ids, shallow);
        // What libgit2 could not read, git may: git accepted these objects.
        for change in &mut set.commits {
            let unreadable =
                matches!(&change.changes, CommitChanges::NotInspected(r) if r != SHALLOW_REASON);
            if unreadable {
                if let Some(read) = external::one_commit(repo, change.info.id) {
                    *change = read;
                }
            }
        }
        Ok(set)
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
    ) -> crate::git::Result<ChangeSet> {
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
    /// first old side and last new side are what [`diff_trees`](super::diff_trees) finds between the two trees
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

/// Process-wide libgit2 settings for reading many objects once: a small object cache, off
/// once a long listing starts (memory stays flat however large the push; the tree diff's
/// `Trees` keeps what is reused) and no re-hashing of every object read (git itself does
/// not verify hashes on ordinary reads; `git fsck` does).
pub fn tune_libgit2() {
    git2::opts::enable_caching(true);
    git2::opts::strict_hash_verification(false);
    // libgit2 maps packfiles in windows of 1 GiB and keeps up to 8 GiB of them mapped
    // (its 64-bit defaults). Every page a read touches stays resident while its window is
    // mapped, so a push that reads across a large pack would hold most of the pack in its
    // resident set. Windows of 1 MiB, at most 8 MiB mapped (least recently used unmapped
    // first), bound that part of the memory whatever the pack's size; mapping a window is
    // one `mmap`, a few microseconds against the inflation of the objects read from it.
    // SAFETY: these calls only store a global setting; they run once, at startup, before
    // any repository is opened or any other thread exists.
    unsafe {
        let _ = git2::opts::set_mwindow_size(MWINDOW_BYTES);
        let _ = git2::opts::set_mwindow_mapped_limit(MWINDOW_MAPPED_BYTES);
        // A short push reads the same few trees several times (its diff, the deploy map,
        // the rebuild model): a small object cache spares re-inflating their delta chains,
        // 6 % of a one-commit push. A long push turns it off (see `Listing::start`).
        let _ = git2::opts::set_cache_max_size(OBJECT_CACHE_BYTES);
    }
}

/// For a long push: when the repository's packs are larger than [`MWINDOW_MAPPED_BYTES`],
/// at most [`LONG_PUSH_MAPPED_BYTES`] of them stay mapped. A pack that fits is mapped whole
/// and never remapped, whatever the bound; one that does not is remapped under either
/// bound, and the smaller one halves what its pages add to the resident set. Whole
/// histories: linux_version (278 MB of packs) 50.4 -> 46.9 MB, loa-freeside (34 MB) 36.3
/// -> 34.5 MB, cidadao.ai-backend (10 MB) 34.0 -> 31.4 MB, for 1-4 % more CPU; the
/// 3,000-commit bench push (c), whose 4.8 MB pack fits, is unchanged (at 4 MiB it took
/// 10 % longer). Packs of alternate object stores are not counted.
fn bound_pack_windows(repo: &Repository) {
    let packs = repo.commondir().join("objects").join("pack");
    let Ok(entries) = std::fs::read_dir(packs) else {
        return;
    };
    let total: u64 = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".pack"))
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    if total > MWINDOW_MAPPED_BYTES as u64 {
        // SAFETY: this only stores a global setting, read under libgit2's own lock when it
        // maps a window; this process reads the repository from this one thread.
        unsafe {
            let _ = git2::opts::set_mwindow_mapped_limit(LONG_PUSH_MAPPED_BYTES);
        }
    }
}

/// The bound on mapped pack windows of a long push over packs that do not fit in
/// [`MWINDOW_MAPPED_BYTES`] (see [`bound_pack_windows`]).
const LONG_PUSH_MAPPED_BYTES: usize = 4 * 1024 * 1024;

/// The most libgit2's object cache holds, as it counts (parsed trees take more).
const OBJECT_CACHE_BYTES: isize = 2 * 1024 * 1024;

/// The size of one mapped window of a packfile (see [`tune_libgit2`]).
const MWINDOW_BYTES: usize = 1024 * 1024;

/// The most of all packfiles libgit2 keeps mapped at once (see [`tune_libgit2`]). 2 MiB
/// saved 2.4 MB of resident memory on linux_version's whole history but remapped windows
/// four times as often: the 3,000-commit bench push (c) took 30 % longer.
const MWINDOW_MAPPED_BYTES: usize = 8 * 1024 * 1024;

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
