//! The change set of a long range from `git diff-tree --stdin`: git's own tree diff.
//!
//! Diffing a commit means reading the trees along every changed path on both sides.
//! libgit2 pays much more per tree than git does (it re-inflates intermediate delta bases
//! that git's delta-base cache keeps, and parses every tree into an entry array), and its
//! object reads serialise on a process-wide lock, so threads do not help. On a 3,000-commit
//! push the in-process diff cost about twice what `git log --name-only` costs for the same
//! range. So for long ranges pushguard asks git: one `git diff-tree` process gets the
//! commit ids on stdin and prints each commit's raw diff; meanwhile this process reads the
//! commits' metadata.
//!
//! The output is the same change set the in-process diff computes: `-r` lists files,
//! never trees; `--no-renames`, a rename is a delete and an add; `-c`, a merge lists the
//! paths that differ from every parent (git's combined diff), each compared with the first
//! parent; `--root`, a root commit adds everything; `--always`, a commit that changes
//! nothing still gets its header. Paths are raw bytes (`-z`: no quoting).
//!
//! Whenever git cannot do it (no `git` on PATH, a missing object, output this parser does
//! not expect), [`compute`] returns `None` and the caller diffs in process, which reports
//! unreadable commits precisely. Partial clones are always diffed in process: git would
//! try to fetch missing trees from the promisor remote.
//!
//! Running git here runs no code from the repository: `diff-tree` reads no index and no
//! worktree, and raw output uses neither textconv drivers nor external diff programs.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};

use git2::{Oid, Repository};

use super::{
    commit_info, Blob, ChangeKind, CommitChange, CommitChanges, EntryKind, FileChange,
    SHALLOW_REASON,
};

/// Ranges of at least this many commits are diffed by git: below it, starting a process
/// costs more than the in-process diff saves.
const MIN_COMMITS: usize = 48;

/// The environment variable that picks the engine: `git` or `libgit2` (otherwise: by
/// range length). For tests and for diagnosing a difference between the two.
pub const ENGINE_ENV: &str = "PUSHGUARD_DIFF";

/// Whether a range of `commits` commits should be diffed by git.
pub(super) fn wanted(commits: usize) -> bool {
    match std::env::var_os(ENGINE_ENV)
        .as_deref()
        .and_then(OsStr::to_str)
    {
        Some("git") => true,
        Some("libgit2") => false,
        _ => commits >= MIN_COMMITS,
    }
}

/// The changes of `commits` (oldest first), or `None` when git could not diff them all.
pub(super) fn compute(
    repo: &Repository,
    commits: &[Oid],
    shallow: &HashSet<Oid>,
) -> Option<Vec<CommitChange>> {
    if is_partial_clone(repo) {
        return None;
    }
    let input: String = commits
        .iter()
        .filter(|id| !shallow.contains(id))
        .map(|id| format!("{id}\n"))
        .collect();
    let mut child = spawn(repo)?;
    let (Some(mut stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
        reap(child);
        return None;
    };
    let (infos, output, written) = std::thread::scope(|scope| {
        // Separate threads feed and drain the pipes, so neither side waits on a full pipe
        // while this thread reads the commits.
        let writer = scope.spawn(move || stdin.write_all(input.as_bytes()));
        let reader = scope.spawn(move || {
            let mut out = Vec::new();
            stdout.read_to_end(&mut out).map(|_| out)
        });
        let infos: Vec<_> = commits.iter().map(|&id| commit_info(repo, id)).collect();
        let output = reader.join().ok().and_then(Result::ok);
        let written = writer.join().ok().and_then(Result::ok);
        (infos, output, written)
    });
    let succeeded = child.wait().is_ok_and(|status| status.success());
    let (Some(output), Some(()), true) = (output, written, succeeded) else {
        return None;
    };
    let mut diffs = parse(&output)?;
    let mut changes = Vec::with_capacity(commits.len());
    for info in infos {
        let (info, _) = match info {
            Ok(found) => found,
            Err(unreadable) => {
                changes.push(unreadable);
                continue;
            }
        };
        let files = if shallow.contains(&info.id) {
            CommitChanges::NotInspected(SHALLOW_REASON.to_owned())
        } else {
            CommitChanges::Inspected(diffs.remove(&info.id)?)
        };
        changes.push(CommitChange {
            info,
            changes: files,
        });
    }
    Some(changes)
}

fn spawn(repo: &Repository) -> Option<Child> {
    Command::new("git")
        .arg("--git-dir")
        .arg(repo.path())
        .args([
            "diff-tree",
            "--stdin",
            "--always",
            "-r",
            "-z",
            "--raw",
            "--no-renames",
            "--no-abbrev",
            "-c",
            "--root",
        ])
        // git >= 2.44: never fetch a missing object from a promisor remote.
        .env("GIT_NO_LAZY_FETCH", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

/// Waits for a child whose pipes were lost, so it leaves no zombie.
fn reap(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn is_partial_clone(repo: &Repository) -> bool {
    repo.config()
        .ok()
        .and_then(|c| c.get_string("extensions.partialclone").ok())
        .is_some_and(|remote| !remote.is_empty())
}

/// Parses `diff-tree --stdin -z --raw` output: each commit's id, then its records. A plain
/// record is `:<old mode> <new mode> <old id> <new id> <status>` and a combined one (a
/// merge, `-c`) has one leading colon, mode and id per parent before the result's; either
/// is followed by the path. `None` on anything else.
fn parse(output: &[u8]) -> Option<HashMap<Oid, Vec<FileChange>>> {
    let mut diffs: HashMap<Oid, Vec<FileChange>> = HashMap::new();
    let mut fields = output.split(|&b| b == 0);
    let mut current: Option<&mut Vec<FileChange>> = None;
    while let Some(field) = fields.next() {
        if field.is_empty() {
            continue;
        }
        if field.first() == Some(&b':') {
            let path = fields.next().filter(|p| !p.is_empty())?;
            current.as_mut()?.push(record(field, path)?);
        } else {
            let id = Oid::from_str(std::str::from_utf8(field).ok()?.trim()).ok()?;
            current = Some(diffs.entry(id).or_default());
        }
    }
    Some(diffs)
}

/// One raw record (`header` without the path) as the change relative to the first parent.
fn record(header: &[u8], path: &[u8]) -> Option<FileChange> {
    let header = std::str::from_utf8(header).ok()?;
    let parents = header.bytes().take_while(|&b| b == b':').count();
    let words: Vec<&str> = header[parents..].split(' ').collect();
    // Modes and ids of each parent and of the result, then the status letters.
    if parents == 0 || words.len() != 2 * (parents + 1) + 1 {
        return None;
    }
    let mode = |w: &str| i32::from_str_radix(w, 8).ok();
    let old_mode = mode(words.first()?)?;
    let new_mode = mode(words.get(parents)?)?;
    let old_id = Oid::from_str(words.get(parents + 1)?).ok()?;
    let new_id = Oid::from_str(words.get(2 * parents + 1)?).ok()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const C: &str = "3333333333333333333333333333333333333333";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn parses_plain_and_combined_records() {
        let out = format!(
            "{A}\0:000000 100644 {Z} {B} A\0new file\0:100644 120000 {B} {C} T\0link\0\
             {B}\0\
             {C}\0::100644 100644 100755 {A} {B} {C} MM\0both\0::100644 000000 000000 {A} {B} {Z} DD\0gone\0"
        );
        let diffs = parse(out.as_bytes()).unwrap();
        let a = &diffs[&Oid::from_str(A).unwrap()];
        assert_eq!(a.len(), 2);
        assert_eq!(
            (a[0].path.as_slice(), a[0].kind),
            (&b"new file"[..], ChangeKind::Added)
        );
        assert_eq!(a[1].kind, ChangeKind::Modified);
        assert_eq!(a[1].new.unwrap().kind, EntryKind::Symlink);
        assert!(diffs[&Oid::from_str(B).unwrap()].is_empty());
        let c = &diffs[&Oid::from_str(C).unwrap()];
        assert_eq!(c[0].old.unwrap().id, Oid::from_str(A).unwrap());
        assert_eq!(c[0].new.unwrap().kind, EntryKind::Executable);
        assert_eq!(c[1].kind, ChangeKind::Deleted);
    }

    #[test]
    fn rejects_what_it_does_not_expect() {
        assert!(parse(format!(":100644 100644 {A} {B} M\0x\0").as_bytes()).is_none());
        assert!(parse(format!("{A}\0:100644 {A} M\0x\0").as_bytes()).is_none());
        assert!(parse(format!("{A}\0:100644 100644 {A} {B} M\0").as_bytes()).is_none());
        assert!(parse(b"not an id\0").is_none());
    }
}
