//! The change set of a long range from `git log`: git's own revision walk, commit reader and
//! tree diff, in one process.
//!
//! Listing a range, reading each commit and diffing its trees all mean reading objects, and
//! libgit2 pays much more per object than git does (it re-inflates intermediate delta bases
//! that git's delta-base cache keeps, parses every tree into an entry array, and serialises
//! object reads on a process-wide lock, so threads do not help). On a 3,000-commit push,
//! walking, reading and diffing in process cost about three times what `git log
//! --name-only` costs for the same range. So for long ranges pushguard asks git: one
//! `git log` gets the range on stdin and prints, for each commit, its id, author time,
//! parents and message, then its raw diff. This process parses the output as it arrives.
//!
//! The output is the same change set the in-process diff computes: `-r` lists files, never
//! trees; `--no-renames`, a rename is a delete and an add; `-c`, a merge lists the paths that
//! differ from every parent (git's combined diff), each compared with the first parent;
//! `--root`, a root commit adds everything. Paths are raw bytes (`-z`: no quoting). Each
//! commit's header is framed by a random marker that no commit message can contain, so a
//! message cannot forge records. Commits come newest first in topological order and are
//! returned oldest first.
//!
//! Whenever git cannot do it (no `git` on PATH, a missing object, output this parser does
//! not expect), [`compute`] returns `None` and the caller walks and diffs in process, which
//! reports unreadable commits precisely. Partial clones are always handled in process (git
//! would try to fetch missing objects from the promisor remote), and so are shallow clones
//! (git treats a boundary commit as a root and would report its whole tree as added).
//!
//! Running git here runs no code from the repository: `log` with these options reads no
//! index and no worktree, verifies no signature (`--no-show-signature`: no `gpg.program`),
//! and raw output uses neither textconv drivers nor external diff programs. Settings that
//! would change what is listed are overridden on the command line (`diff.orderFile`,
//! `diff.relative`, `diff.ignoreSubmodules`, `i18n.logOutputEncoding`, colour, notes), and
//! replace refs are ignored, as libgit2 ignores them.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::process::Child;

use git2::{ObjectType, Oid, Repository};

use super::{Blob, ChangeKind, CommitChange, CommitChanges, CommitInfo, EntryKind, FileChange};
use crate::git::range::CommitRange;

/// Ranges of at least this many commits are handled by git: below it, starting a process
/// costs more CPU than walking and diffing in process. Measured on real pushes of 50
/// commits (1,200- and 22,000-file trees: 3 ms less in process) and on synthetic pushes of
/// small commits (even at 100 commits; at 200, 2 ms more in process).
const MIN_COMMITS: usize = 100;

/// The environment variable that picks the engine: `git` or `libgit2` (otherwise: by
/// range length). For tests and for diagnosing a difference between the two.
pub const ENGINE_ENV: &str = "PUSHGUARD_DIFF";

/// Ranges of at least this many commits may be long enough for git: from here on, git is
/// started while the rest of the range is counted ([`Starting`]), and stopped unused when
/// the range turns out shorter than [`MIN_COMMITS`]. Below it, no process is started: most
/// pushes are a few commits.
pub(super) const START_AT: usize = 10;

/// Whether `range` should be handed to git.
pub(super) fn wanted(repo: &Repository, range: &CommitRange) -> bool {
    forced().unwrap_or_else(|| has_at_least(repo, range, MIN_COMMITS))
}

/// The engine [`ENGINE_ENV`] picks: `Some(true)` for git, `Some(false)` for libgit2.
pub(super) fn forced() -> Option<bool> {
    match std::env::var_os(ENGINE_ENV)
        .as_deref()
        .and_then(OsStr::to_str)
    {
        Some("git") => Some(true),
        Some("libgit2") => Some(false),
        _ => None,
    }
}

/// Whether the range `count` walks holds at least [`MIN_COMMITS`] commits.
pub(super) fn long_enough(repo: &Repository, count: &mut Count) -> bool {
    count.reaches(repo, MIN_COMMITS)
}

/// Whether `range` may hold `n` commits or more (see [`Count`]).
fn has_at_least(repo: &Repository, range: &CommitRange, n: usize) -> bool {
    Count::new(range).reaches(repo, n)
}

/// A count of a range's commits, made by walking back from its tips, never past a hidden
/// tip, and taken further on demand. It can count a commit of a short range that a hidden
/// tip reaches without being that tip, but never misses one: so it can say a short range
/// is long, never the reverse, and the cost of that wrong answer is one process start.
pub(super) struct Count {
    hidden: HashSet<Oid>,
    seen: HashSet<Oid>,
    todo: Vec<Oid>,
}

impl Count {
    pub(super) fn new(range: &CommitRange) -> Count {
        Count {
            hidden: range.hide.iter().copied().collect(),
            seen: HashSet::new(),
            todo: range.include.clone(),
        }
    }

    /// Whether the range may hold `n` commits or more: walks on until `n` commits are seen
    /// (at most `n` commit reads in all, over every call) or the range ends.
    pub(super) fn reaches(&mut self, repo: &Repository, n: usize) -> bool {
        if self.seen.len() >= n {
            return true;
        }
        while let Some(id) = self.todo.pop() {
            if self.hidden.contains(&id) || !self.seen.insert(id) {
                continue;
            }
            // Parents first: a later call walks on from them.
            if let Ok(commit) = repo.find_commit(id) {
                self.todo.extend(commit.parent_ids());
            }
            if self.seen.len() >= n {
                return true;
            }
        }
        false
    }
}

/// The commits of `range` with their changes, oldest first, or `None` when git could not
/// list and diff them all.
pub(super) fn compute(
    repo: &Repository,
    range: &CommitRange,
    each: &mut dyn FnMut(&CommitChange),
) -> Option<Vec<CommitChange>> {
    Started::start(repo, range)?.finish(each)
}

/// One commit libgit2 could not read (a tree entry with a mode git accepts and libgit2
/// rejects, a malformed author line), read by git itself: its parents from `git cat-file
/// --batch`, then its changes from `git log` over just that commit. `None` when git cannot
/// read it either.
pub(super) fn one_commit(repo: &Repository, id: Oid) -> Option<CommitChange> {
    let parents = parents_by_git(repo, id)?;
    let range = CommitRange {
        include: vec![id],
        hide: parents,
    };
    compute(repo, &range, &mut |_| {})?
        .into_iter()
        .find(|c| c.info.id == id)
}

/// The parents of commit `id` as git reads its header (`parent <id>` lines).
fn parents_by_git(repo: &Repository, id: Oid) -> Option<Vec<Oid>> {
    let mut child = crate::git::git_process(repo)
        .args(["cat-file", "--batch"])
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let written = stdin.write_all(format!("{id}\n").as_bytes()).is_ok();
    drop(stdin);
    let out = child.wait_with_output().ok()?;
    if !written || !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    // `<id> commit <size>`, then the header up to the first blank line.
    if !lines.next()?.contains(" commit ") {
        return None;
    }
    Some(
        lines
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.strip_prefix("parent "))
            .filter_map(|p| Oid::from_str(p.trim()).ok())
            .collect(),
    )
}

/// A `git log` started before its range is known: git's start-up (loading its libraries
/// and configuration, opening the repository: about 1.5 ms) runs while this process works
/// the range out. It waits for its range on stdin; [`Spawned::feed`] hands it over.
/// Dropped unfed, it stops git and waits for it, leaving no zombie.
pub struct Spawned {
    /// `None` only once fed.
    child: Option<Child>,
    marker: String,
    /// Set when git's output is read in batches ([`batch`]).
    exited: Option<std::os::fd::OwnedFd>,
}

impl Spawned {
    /// Spawns `git log`, which waits for its range; `None` when git cannot do this
    /// repository (a partial clone) or cannot be started.
    pub(super) fn spawn(repo: &Repository) -> Option<Spawned> {
        if crate::git::blob::is_partial_clone(repo) {
            return None;
        }
        Spawned::spawn_in(repo.path())
    }

    /// [`Spawned::spawn`] on the repository whose git directory is `git_dir`, which the
    /// caller has checked is not a partial clone.
    fn spawn_in(git_dir: &std::path::Path) -> Option<Spawned> {
        let marker = marker();
        let child = spawn(git_dir, &marker)?;
        // Before git writes anything: its first commit comes once it has walked the range.
        let exited = child
            .stdout
            .as_ref()
            .and_then(|out| batch::prepare(out, child.id()));
        Some(Spawned {
            child: Some(child),
            marker,
            exited,
        })
    }

    /// Hands git `range`; `None` (and git stopped) when git cannot walk it (see
    /// [`revisions`]).
    pub(super) fn feed(self, repo: &Repository, range: &CommitRange) -> Option<Started> {
        self.write(&revisions(repo, range)?)
    }

    /// Writes `input` (see [`revisions`]) to git's stdin and closes it.
    fn write(mut self, input: &str) -> Option<Started> {
        let mut stdin = self.child.as_mut()?.stdin.take()?;
        // git reads all of stdin before it prints anything, so writing it all first cannot
        // deadlock on a full pipe.
        let written = stdin.write_all(input.as_bytes()).is_ok();
        drop(stdin);
        if !written {
            return None;
        }
        Some(Started {
            child: self.child.take(),
            marker: std::mem::take(&mut self.marker),
            exited: self.exited.take(),
        })
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        // Unfed: git still waits on its stdin. Kill it before closing stdin, or it would
        // take the closed stdin for an empty range and list HEAD's whole history.
        if let Some(child) = self.child.take() {
            reap(child);
        }
    }
}

/// A [`Spawned`] `git log` being started on another thread. Starting a process holds up its
/// caller until the process has been executed (0.3-1 ms on a virtual machine), time this
/// thread spends walking the range instead. Dropped unclaimed, it waits for that thread and
/// stops git.
pub struct Starting(Option<std::thread::JoinHandle<Option<Spawned>>>);

impl Starting {
    /// Starts git on another thread; `None` when git cannot do this repository (a partial
    /// clone) or no thread could be started.
    pub(super) fn start(repo: &Repository) -> Option<Starting> {
        if crate::git::blob::is_partial_clone(repo) {
            return None;
        }
        let git_dir = repo.path().to_path_buf();
        let thread = std::thread::Builder::new()
            .name("git-start".to_owned())
            .spawn(move || Spawned::spawn_in(&git_dir))
            .ok()?;
        Some(Starting(Some(thread)))
    }

    /// The started git, once started; `None` when it could not be.
    pub(super) fn claim(mut self) -> Option<Spawned> {
        self.0.take()?.join().ok()?
    }
}

impl Drop for Starting {
    fn drop(&mut self) {
        // The git it started, if any, is dropped unfed: stopped and waited for.
        if let Some(thread) = self.0.take() {
            drop(thread.join());
        }
    }
}

/// A `git log` that has its range and is walking it: started before the caller is ready to
/// read its output, so that git's start and walk overlap the caller's own set-up. Dropped
/// unfinished, it stops git and waits for it, leaving no zombie.
pub(super) struct Started {
    /// `None` only once finished.
    child: Option<Child>,
    marker: String,
    /// Set when git's output is read in batches ([`batch`]).
    exited: Option<std::os::fd::OwnedFd>,
}

impl Started {
    /// Spawns `git log` for `range` and hands it the range; `None` when git cannot do it.
    pub(super) fn start(repo: &Repository, range: &CommitRange) -> Option<Started> {
        // The tips are checked before git is started: a range git would refuse costs no
        // process.
        let input = revisions(repo, range)?;
        Spawned::spawn(repo)?.write(&input)
    }

    /// Reads git's output to the end, calling `each` on every commit as it arrives; the
    /// commits oldest first, or `None` when git failed or printed what the parser does not
    /// expect.
    pub(super) fn finish(
        mut self,
        each: &mut dyn FnMut(&CommitChange),
    ) -> Option<Vec<CommitChange>> {
        let mut child = self.child.take()?;
        let Some(stdout) = child.stdout.take() else {
            reap(child);
            return None;
        };
        let parsed = match self.exited.take() {
            Some(exited) => parse_stream(
                batch::Batched::new(stdout, exited),
                self.marker.as_bytes(),
                each,
            ),
            None => parse_stream(stdout, self.marker.as_bytes(), each),
        };
        let succeeded = child.wait().is_ok_and(|status| status.success());
        let mut commits = parsed.filter(|_| succeeded)?;
        commits.reverse();
        Some(commits)
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            reap(child);
        }
    }
}

/// `git log --stdin` input: each included tip, then each hidden one as `^<id>`. A hidden tip
/// that is missing or not a commit (or tag) is left out, as the in-process walk skips it:
/// git would refuse the whole range. `None` when an included tip is missing, or there is
/// none: git would then list `HEAD`.
fn revisions(repo: &Repository, range: &CommitRange) -> Option<String> {
    if range.include.is_empty() {
        return None;
    }
    let odb = repo.odb().ok()?;
    let walkable = |id: &Oid| {
        odb.read_header(*id)
            .is_ok_and(|(_, kind)| matches!(kind, ObjectType::Commit | ObjectType::Tag))
    };
    if !range.include.iter().all(walkable) {
        return None;
    }
    let mut input = String::new();
    for id in &range.include {
        input.push_str(&format!("{id}\n"));
    }
    for id in range.hide.iter().filter(|id| walkable(id)) {
        input.push_str(&format!("^{id}\n"));
    }
    Some(input)
}

/// A string no commit message can be expected to contain: 128 random bits between control
/// characters. `RandomState` is seeded from the operating system's randomness.
fn marker() -> String {
    let word = |salt: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(salt);
        h.finish()
    };
    format!("\u{1}{:016x}{:016x}\u{2}", word(1), word(2))
}

fn spawn(git_dir: &std::path::Path, marker: &str) -> Option<Child> {
    crate::git::git_process_in(git_dir)
        .args(crate::git::bounded_memory("core.deltaBaseCacheLimit=16m"))
        .args([
            "log",
            "--stdin",
            "-z",
            "--topo-order",
            &format!("--format={marker}%H%x00%at%x00%P%x00%B{marker}"),
            "--raw",
            "-r",
            "--no-renames",
            "--no-abbrev",
            "-c",
            "--root",
            "--ignore-submodules=none",
            "--no-relative",
            "-O/dev/null",
            "--encoding=UTF-8",
            "--no-color",
            "--no-notes",
            "--no-show-signature",
        ])
        // Into a pipe git flushes after every commit, so each commit is a write and a
        // wake-up of this process: 3,000 of them cost (c) about 18 ms. Buffered, git writes
        // 4 KiB at a time, which the parser takes as it comes.
        .env("GIT_FLUSH", "0")
        .spawn()
        .ok()
}

/// Stops a child whose output is no longer wanted (or whose pipes were lost) and waits for
/// it, so it leaves no zombie.
fn reap(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Parses `git log` output as it arrives, newest commit first. The output alternates
/// between marker-framed headers and the raw records of the commit before; anything else is
/// `None` (and so is a read error).
fn parse_stream(
    mut out: impl Read,
    marker: &[u8],
    each: &mut dyn FnMut(&CommitChange),
) -> Option<Vec<CommitChange>> {
    let mut parser = Parser {
        pieces: 0,
        header: None,
        files: Vec::new(),
        commits: Vec::new(),
        each,
    };
    let finder = memchr::memmem::Finder::new(marker);
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = out.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        // The marker may straddle two reads: search only where a new one can be.
        let from = buf.len().saturating_sub(marker.len());
        buf.extend_from_slice(chunk.get(..n)?);
        let mut consumed = 0;
        let mut search = from;
        while let Some(at) = finder.find(buf.get(search..)?) {
            let end = search + at;
            parser.piece(buf.get(consumed..end)?)?;
            consumed = end + marker.len();
            search = consumed;
        }
        // One commit's records can be megabytes (a first commit of a whole tree): its
        // complete records are taken as they arrive, so the buffer holds a read's worth.
        consumed += parser.partial(buf.get(consumed..)?)?;
        buf.drain(..consumed);
        if buf.capacity() > KEPT_BUFFER && buf.len() < KEPT_BUFFER / 2 {
            buf.shrink_to(KEPT_BUFFER);
        }
    }
    parser.piece(&buf)?;
    parser.finish()
}

/// The most room the listing's read buffer keeps once a large piece is parsed.
const KEPT_BUFFER: usize = 256 * 1024;

/// The pieces between markers: first nothing, then a header, then that commit's records,
/// then the next header, and so on.
struct Parser<'e> {
    pieces: usize,
    header: Option<CommitInfo>,
    /// The records of the commit whose records are being read, so far.
    files: Vec<FileChange>,
    commits: Vec<CommitChange>,
    each: &'e mut dyn FnMut(&CommitChange),
}

impl Parser<'_> {
    fn piece(&mut self, piece: &[u8]) -> Option<()> {
        let index = self.pieces;
        self.pieces += 1;
        if index == 0 {
            return piece.is_empty().then_some(());
        }
        if index % 2 == 1 {
            self.header = Some(header(piece)?);
            return Some(());
        }
        let info = self.header.take()?;
        let mut files = std::mem::take(&mut self.files);
        let taken = records(piece, &mut files)?;
        let rest = piece.get(taken..)?;
        if !rest.strip_prefix(b"\n").unwrap_or(rest).is_empty() {
            return None;
        }
        // A commit's list lives as long as the push's analysis; a first commit of
        // thousands of files would otherwise keep up to half its list again as spare
        // capacity.
        files.shrink_to_fit();
        let commit = CommitChange {
            info,
            changes: CommitChanges::Inspected(files),
        };
        (self.each)(&commit);
        self.commits.push(commit);
        Some(())
    }

    /// Takes the complete records at the start of `bytes`, which follow the pieces parsed
    /// so far and hold no marker, when a commit's records are being read; how many bytes
    /// it took (nothing between a marker and a header's end).
    fn partial(&mut self, bytes: &[u8]) -> Option<usize> {
        let reading_records = self.pieces >= 2 && self.pieces % 2 == 0;
        if !reading_records {
            return Some(0);
        }
        records(bytes, &mut self.files)
    }

    fn finish(self) -> Option<Vec<CommitChange>> {
        // The output ends with a commit's records (or is empty).
        (self.header.is_none() && self.pieces % 2 == 1).then_some(self.commits)
    }
}

/// `<id>\0<author time>\0<parents>\0<message>`.
fn header(piece: &[u8]) -> Option<CommitInfo> {
    let mut fields = piece.splitn(4, |&b| b == 0);
    let id = oid(fields.next()?)?;
    let author_time = std::str::from_utf8(fields.next()?).ok()?.parse().ok()?;
    let parents = fields
        .next()?
        .split(|&b| b == b' ')
        .filter(|p| !p.is_empty())
        .map(oid)
        .collect::<Option<Vec<_>>>()?;
    let message = String::from_utf8_lossy(fields.next()?).into_owned();
    Some(CommitInfo {
        id,
        parents,
        message,
        author_time,
    })
}

/// Appends to `files` the complete raw records at the start of `bytes`, each `:<modes>
/// <ids> <status>` then the path, fields ended by NULs (git puts a newline, and after a
/// merge's header a NUL, before the first), and says how many bytes they took: what
/// follows is a record not yet whole. `None` when `bytes` holds anything else.
fn records(bytes: &[u8], files: &mut Vec<FileChange>) -> Option<usize> {
    let mut taken = 0;
    loop {
        let rest = bytes.get(taken..)?;
        let Some(end) = memchr::memchr(0, rest) else {
            // A last field without its NUL: a record still arriving, or (at the end of a
            // piece) git's output is not what it should be, which the caller tells.
            return Some(taken);
        };
        let field = rest.get(..end)?;
        let field = field.strip_prefix(b"\n").unwrap_or(field);
        if field.is_empty() {
            taken += end + 1;
            continue;
        }
        if field.first() != Some(&b':') {
            return None;
        }
        let after = rest.get(end + 1..)?;
        let Some(path_end) = memchr::memchr(0, after) else {
            return Some(taken);
        };
        let path = after.get(..path_end).filter(|p| !p.is_empty())?;
        files.push(record(field, path)?);
        taken += end + 1 + path_end + 1;
    }
}

/// One raw record (`header` without the path) as the change relative to the first parent.
fn record(header: &[u8], path: &[u8]) -> Option<FileChange> {
    let parents = header.iter().take_while(|&&b| b == b':').count();
    // Modes and ids of each parent and of the result, then the status letters: only the
    // first parent's and the result's are kept.
    let (mut old_mode, mut new_mode, mut old_id, mut new_id) = (None, None, None, None);
    let mut words = 0;
    for (i, word) in header.get(parents..)?.split(|&b| b == b' ').enumerate() {
        words += 1;
        match i {
            0 => old_mode = mode(word),
            _ if i == parents => new_mode = mode(word),
            _ if i == parents + 1 => old_id = oid(word),
            _ if i == 2 * parents + 1 => new_id = oid(word),
            _ => {}
        }
    }
    if parents == 0 || words != 2 * (parents + 1) + 1 {
        return None;
    }
    let (old_mode, new_mode, old_id, new_id) = (old_mode?, new_mode?, old_id?, new_id?);
    let side = |mode: i32, id: Oid| {
        (mode != 0).then(|| Blob {
            id,
            kind: EntryKind::of(mode),
        })
    };
    let (old, new) = (side(old_mode, old_id), side(new_mode, new_id));
    let kind = match (old, new) {
        (None, Some(_)) => ChangeKind::Added,
        (Some(_), None) => ChangeKind::Deleted,
        (Some(_), Some(_)) => ChangeKind::Modified,
        (None, None) => return None,
    };
    Some(FileChange {
        path: path.to_vec(),
        kind,
        old,
        new,
    })
}

/// An octal file mode.
fn mode(word: &[u8]) -> Option<i32> {
    i32::from_str_radix(std::str::from_utf8(word).ok()?, 8).ok()
}

/// A full hexadecimal object id. Hand-rolled: a long push has tens of thousands, and
/// `Oid::from_str` goes through libgit2 for each.
fn oid(hex: &[u8]) -> Option<Oid> {
    let mut raw = [0u8; 20];
    if hex.len() != 2 * raw.len() {
        return None;
    }
    // Invalid digits map to 0x10 and above: OR-ing them all lets one test at the end
    // reject the id without a branch per digit.
    let mut invalid = 0u8;
    for (byte, pair) in raw.iter_mut().zip(hex.chunks_exact(2)) {
        if let [hi, lo] = pair {
            let (hi, lo) = (HEX[usize::from(*hi)], HEX[usize::from(*lo)]);
            invalid |= hi | lo;
            *byte = (hi << 4) | (lo & 0x0f);
        }
    }
    if invalid & 0xf0 != 0 {
        return None;
    }
    Oid::from_bytes(&raw).ok()
}

/// The value of each hexadecimal digit (either case); 0xff for every other byte.
const HEX: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const C: &str = "3333333333333333333333333333333333333333";
    const Z: &str = "0000000000000000000000000000000000000000";
    const M: &str = "\u{1}marker\u{2}";

    fn parse(out: &str) -> Option<Vec<CommitChange>> {
        parse_stream(out.as_bytes(), M.as_bytes(), &mut |_| {})
    }

    /// A count taken further in steps answers as a count taken at once: each commit's
    /// parents are walked before the count stops at it.
    #[test]
    fn a_count_taken_further_in_steps_answers_as_one_taken_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let tree = crate::git::testing::tree_with(&repo, &[("a", "a")]);
        let tree = repo.find_tree(tree).unwrap();
        let who = git2::Signature::new("t", "t@example.com", &git2::Time::new(0, 0)).unwrap();
        let mut chain: Vec<Oid> = Vec::new();
        for i in 0..30 {
            let parents: Vec<git2::Commit> = chain
                .last()
                .map(|&p| repo.find_commit(p).unwrap())
                .into_iter()
                .collect();
            let parents: Vec<&git2::Commit> = parents.iter().collect();
            let id = repo
                .commit(None, &who, &who, &format!("c{i}"), &tree, &parents)
                .unwrap();
            chain.push(id);
        }
        // The newest 25 commits: the 5th is the remote's.
        let range = CommitRange {
            include: vec![chain[29]],
            hide: vec![chain[4]],
        };
        for n in [1, 10, 24, 25, 26, 40] {
            let at_once = has_at_least(&repo, &range, n);
            assert_eq!(at_once, n <= 25, "n = {n}");
            let mut count = Count::new(&range);
            assert_eq!(count.reaches(&repo, START_AT), START_AT <= 25);
            assert_eq!(count.reaches(&repo, n), at_once, "n = {n} after {START_AT}");
        }
    }

    #[test]
    fn parses_headers_and_plain_and_combined_records() {
        let out = format!(
            "{M}{C}\x00100\x00{A} {B}\x00merge\n{M}\x00\x00\n::100644 100644 100755 {A} {B} {C} MM\x00both\x00\
             ::100644 000000 000000 {A} {B} {Z} DD\x00gone\x00\
             {M}{B}\x0090\x00\x00empty\n\nbody {M}\x00\
             {M}{A}\x0080\x00\x00root\n{M}\x00\n:000000 100644 {Z} {B} A\x00new file\x00\
             :100644 120000 {B} {C} T\x00link\x00"
        );
        let commits = parse(&out).unwrap();
        assert_eq!(commits.len(), 3);
        let (merge, empty, root) = (&commits[0], &commits[1], &commits[2]);
        assert_eq!(merge.info.parents.len(), 2);
        assert_eq!(merge.info.author_time, 100);
        let files = merge.files();
        assert_eq!(files[0].old.unwrap().id, Oid::from_str(A).unwrap());
        assert_eq!(files[0].new.unwrap().kind, EntryKind::Executable);
        assert_eq!(files[1].kind, ChangeKind::Deleted);
        assert_eq!(empty.info.message, "empty\n\nbody ");
        assert!(empty.files().is_empty() && empty.info.parents.is_empty());
        let files = root.files();
        assert_eq!(
            (files[0].path.as_slice(), files[0].kind),
            (&b"new file"[..], ChangeKind::Added)
        );
        assert_eq!(files[1].new.unwrap().kind, EntryKind::Symlink);
    }

    #[test]
    fn a_marker_split_across_reads_is_found() {
        let out = format!("{M}{A}\x001\x00\x00m{M}\x00\n:000000 100644 {Z} {B} A\x00f\x00");
        let mut seen = 0;
        let commits =
            parse_stream(Trickle(out.as_bytes(), 3), M.as_bytes(), &mut |_| seen += 1).unwrap();
        assert_eq!(seen, 1);
        assert_eq!(commits.len(), 1);
        assert_eq!(commits[0].files().len(), 1);
    }

    /// Reads everything `script` writes to stdout through [`batch::Batched`] (the script's
    /// own stdout when batching cannot be set up here).
    #[cfg(target_os = "linux")]
    fn read_batched(script: &str) -> (Vec<u8>, bool) {
        let mut child = std::process::Command::new("sh")
            .args(["-c", script])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let exited = batch::prepare(&out, child.id());
        let batched = exited.is_some();
        let mut got = Vec::new();
        match exited {
            Some(exited) => batch::Batched::new(out, exited).read_to_end(&mut got),
            None => { out }.read_to_end(&mut got),
        }
        .unwrap();
        child.wait().unwrap();
        (got, batched)
    }

    /// Output written in pieces while the process runs, and more than the pipe's default
    /// 64 KiB, is read whole.
    #[cfg(target_os = "linux")]
    #[test]
    fn batched_reading_gets_everything_a_process_writes() {
        let (got, batched) = read_batched(
            "printf start; sleep 0.01; i=0; while [ $i -lt 3000 ]; do \
             printf '%0100d' $i; i=$((i+1)); done; sleep 0.005; printf end",
        );
        assert!(
            batched,
            "pipe resizing and pidfd_open work on the test machines"
        );
        assert_eq!(got.len(), 5 + 3000 * 100 + 3);
        assert!(got.starts_with(b"start") && got.ends_with(b"end"));
    }

    /// A process the child started can hold the pipe after the child exits: its output is
    /// still read, up to the end of the pipe, not cut at the child's exit.
    #[cfg(target_os = "linux")]
    #[test]
    fn batched_reading_reads_past_the_childs_exit() {
        let (got, _) = read_batched("(sleep 0.05; printf late) & printf early");
        assert_eq!(got, b"earlylate");
    }

    /// A reader that hands out `.1` bytes at a time.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// Records are taken as they arrive, a commit's list in several goes: whatever the
    /// reads' sizes, the commits are the ones a single read gives.
    #[test]
    fn records_taken_as_they_arrive_make_the_same_commits() {
        let mut out = String::new();
        for (i, id) in [C, B, A].iter().enumerate() {
            out.push_str(&format!("{M}{id}\x00{i}\x00\x00m{i}{M}\x00\n"));
            for f in 0..(i * 7 + 1) {
                out.push_str(&format!(":100644 100644 {A} {B} M\x00dir/file {i}-{f}\x00"));
            }
        }
        let paths = |commits: Vec<CommitChange>| -> Vec<Vec<Vec<u8>>> {
            commits
                .iter()
                .map(|c| c.files().iter().map(|f| f.path.clone()).collect())
                .collect()
        };
        let whole = paths(parse(&out).unwrap());
        assert_eq!(whole.iter().map(Vec::len).collect::<Vec<_>>(), [1, 8, 15]);
        for step in 1..=41 {
            let got = parse_stream(Trickle(out.as_bytes(), step), M.as_bytes(), &mut |_| {});
            assert_eq!(paths(got.unwrap()), whole, "reads of {step} bytes");
        }
    }

    #[test]
    fn rejects_what_it_does_not_expect() {
        // Records before any header, a header with no records piece, a bad id, a record
        // with too few fields, a record without its path.
        assert!(parse(&format!(":100644 100644 {A} {B} M\x00x\x00")).is_none());
        assert!(parse(&format!("{M}{A}\x001\x00\x00m")).is_none());
        assert!(parse(&format!("{M}nope\x001\x00\x00m{M}")).is_none());
        assert!(parse(&format!("{M}{A}\x001\x00\x00m{M}:100644 {A} M\x00x\x00")).is_none());
        assert!(parse(&format!(
            "{M}{A}\x001\x00\x00m{M}:100644 100644 {A} {B} M\x00"
        ))
        .is_none());
        assert_eq!(parse("").map(|c| c.len()), Some(0));
    }

    #[test]
    fn markers_differ_between_calls() {
        assert_ne!(marker(), marker());
        assert_eq!(marker().len(), 34);
    }
}

/// Reading git's output in batches instead of as each write arrives.
///
/// git writes its output to the pipe 4 KiB at a time, and every write to a pipe that a
/// reader waits on wakes the reader: on the 200-commit bench push, 169 wake-ups took git
/// from 8.1 to 9.3 ms, and git's run is most of what such a push waits for. So the pipe is
/// made large enough for git never to wait on it ([`crate::git::grow_pipe`]), and this
/// process waits on git's exit instead of on the pipe: it drains the pipe when git
/// exits, and at most every [`WAIT`] meanwhile, so that it still reads each commit's
/// files while git lists the next ones. A process that still has work queued does not
/// wait at all. Where this cannot be set up (not Linux, no `pidfd_open`, a pipe that cannot
/// grow) the output is read as it comes.
mod batch {
    use std::io::{self, Read};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::process::ChildStdout;

    /// The longest wait between two reads while git runs: 250 µs. What git wrote since the
    /// last read is what is left to parse, and to read ahead for, once git exits; at 1 ms
    /// that tail held up the 200-commit bench push by 0.6-1 ms (its secret scan reads each
    /// pushed blob as its commit arrives), for 4 wake-ups per millisecond, each a timer on
    /// this process's own core.
    const WAIT: libc::timespec = libc::timespec {
        tv_sec: 0,
        tv_nsec: 250_000,
    };

    /// Grows the pipe `out` reads and makes it non-blocking; the descriptor that becomes
    /// readable when the process `pid` exits, or `None` (nothing changed) where batching
    /// cannot be set up.
    #[cfg(target_os = "linux")]
    pub(super) fn prepare(out: &ChildStdout, pid: u32) -> Option<OwnedFd> {
        let fd = out.as_raw_fd();
        if !crate::git::grow_pipe(out) {
            return None;
        }
        let pid = libc::pid_t::try_from(pid).ok()?;
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
        let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        let raw = libc::c_int::try_from(raw).ok().filter(|&r| r >= 0)?;
        // SAFETY: `raw` is a descriptor pidfd_open just opened, owned by nobody else.
        let exited = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: fcntl on a pipe descriptor `out` owns; no memory is passed.
        let nonblocking = unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) == 0
        };
        nonblocking.then_some(exited)
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn prepare(_: &ChildStdout, _: u32) -> Option<OwnedFd> {
        None
    }

    /// git's output, made ready by [`prepare`].
    pub(super) struct Batched {
        out: ChildStdout,
        exited: OwnedFd,
        /// git has exited (or waiting on it failed): what is left is read as it comes, a
        /// process git started could still hold the pipe open.
        gone: bool,
    }

    impl Batched {
        pub(super) fn new(out: ChildStdout, exited: OwnedFd) -> Batched {
            Batched {
                out,
                exited,
                gone: false,
            }
        }

        /// Waits until there may be something to read: git has exited or [`WAIT`]
        /// passed, or, once git is gone, the pipe has data or is closed.
        fn wait(&mut self) {
            let (fd, timeout) = if self.gone {
                (self.out.as_raw_fd(), std::ptr::null())
            } else {
                (self.exited.as_raw_fd(), &WAIT as *const libc::timespec)
            };
            let mut poll = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd and a valid or null timeout, for the duration of the
            // call; no signal mask is passed.
            let ready = unsafe { libc::ppoll(&mut poll, 1, timeout, std::ptr::null()) };
            if ready != 0 {
                self.gone = true;
            }
        }
    }

    impl Read for Batched {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            loop {
                match self.out.read(buf) {
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                        ) => {}
                    other => return other,
                }
                self.wait();
            }
        }
    }
}
