//! The two change-set engines agree: `git diff-tree` (long ranges) and the in-process
//! libgit2 diff (short ranges) give the same changes for the same commits, on a history
//! with every kind of change a tree diff can meet.

mod common;

use std::collections::HashSet;
use std::fs;
use std::os::unix::ffi::OsStrExt;

use common::{Sandbox, PUSHGUARD};
use git2::{Oid, Repository};
use pushguard::changes::{ChangeSet, CommitChanges, ENGINE_ENV};

/// A history with adds, edits, deletes, a rename, a type change (file to symlink), a mode
/// change, a file replaced by a directory, a non-UTF-8 name, a submodule entry, an empty
/// commit, a clean merge and a merge that resolves a conflict.
fn tricky_history(s: &Sandbox) -> common::TestRepo<'_> {
    let repo = s.repo("work");
    repo.commit_files(
        "root",
        &[
            ("app.py", "print(1)\n"),
            ("lib/util.py", "x = 1\n"),
            ("Dockerfile", "FROM python:3.12\nCOPY . .\n"),
            ("thing", "a file that becomes a directory\n"),
            ("tool.sh", "echo hi\n"),
        ],
    );
    repo.commit_files("edit", &[("app.py", "print(2)\n"), ("docs/a.md", "# a\n")]);
    repo.git(&["mv", "lib/util.py", "lib/helpers.py"]);
    repo.commit_all("rename");
    repo.remove("docs/a.md");
    // A Latin-1 name: not UTF-8.
    let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    fs::write(repo.path.join(latin1), "latin\n").unwrap();
    repo.commit_all("delete and add");
    // File to symlink, and a mode change.
    repo.remove("tool.sh");
    std::os::unix::fs::symlink("app.py", repo.path.join("tool.sh")).unwrap();
    repo.commit_all("type change");
    repo.git(&["update-index", "--chmod=+x", "app.py"]);
    repo.git(&["commit", "-q", "-m", "mode"]);
    repo.remove("thing");
    repo.commit_files("file to dir", &[("thing/inside.txt", "now a dir\n")]);
    let head = repo.head();
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{head},vendor/sub"),
    ]);
    repo.git(&["commit", "-q", "-m", "submodule"]);
    repo.commit_empty("rebuild");
    // A clean merge and a conflicting one resolved by hand.
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.commit_files(
        "side",
        &[("side.py", "s = 1\n"), ("app.py", "print('side')\n")],
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.commit_files(
        "main",
        &[("main.py", "m = 1\n"), ("app.py", "print('main')\n")],
    );
    let merge = repo
        .sandbox
        .git_raw(&repo.path, &["merge", "-q", "--no-edit", "side"]);
    assert!(!merge.status.success(), "the merge was meant to conflict");
    repo.write("app.py", "print('both')\n");
    repo.commit_all("merge side");
    repo.git(&["checkout", "-q", "-b", "other", "HEAD~1"]);
    repo.commit_files("other", &[("other.py", "o = 1\n")]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-edit", "other"]);
    repo
}

fn commits(repo: &common::TestRepo<'_>) -> Vec<Oid> {
    repo.git_ok(&["rev-list", "--reverse", "--topo-order", "HEAD"])
        .lines()
        .map(|l| Oid::from_str(l).unwrap())
        .collect()
}

/// Each commit's id, parents, message and changes, files sorted by path.
fn normalized(set: &ChangeSet) -> Vec<String> {
    set.commits
        .iter()
        .map(|c| {
            let changes = match &c.changes {
                CommitChanges::Inspected(files) => {
                    let mut files: Vec<String> = files.iter().map(|f| format!("{f:?}")).collect();
                    files.sort();
                    files.join("\n  ")
                }
                CommitChanges::NotInspected(why) => format!("not inspected: {why}"),
            };
            format!("{:?}\n  {changes}", c.info)
        })
        .collect()
}

#[test]
fn git_diff_tree_and_libgit2_agree() {
    let s = Sandbox::new();
    let repo = tricky_history(&s);
    let ids = commits(&repo);
    let git = Repository::open(&repo.path).unwrap();
    let none = HashSet::new();
    let by_git = ChangeSet::compute_with_git(&git, &ids, &none).expect("git diffs the range");
    let in_process = ChangeSet::compute_in_process(&git, &ids, &none);
    assert_eq!(normalized(&by_git), normalized(&in_process));
    // The history really has what it is meant to test.
    let all = normalized(&in_process).join("\n");
    // 233 is the Latin-1 é.
    for expected in [
        "Symlink",
        "Executable",
        "Submodule",
        "Deleted",
        "Added",
        "233",
    ] {
        assert!(all.contains(expected), "{expected} missing from\n{all}");
    }
}

#[test]
fn shallow_boundary_commits_stay_not_inspected() {
    let s = Sandbox::new();
    let repo = tricky_history(&s);
    let ids = commits(&repo);
    let git = Repository::open(&repo.path).unwrap();
    let boundary: HashSet<Oid> = ids.get(3).copied().into_iter().collect();
    let by_git = ChangeSet::compute_with_git(&git, &ids, &boundary).unwrap();
    let in_process = ChangeSet::compute_in_process(&git, &ids, &boundary);
    assert_eq!(normalized(&by_git), normalized(&in_process));
    assert!(matches!(
        by_git.commits[3].changes,
        CommitChanges::NotInspected(_)
    ));
}

#[test]
fn a_missing_commit_is_reported_as_not_inspected_by_both() {
    let s = Sandbox::new();
    let repo = tricky_history(&s);
    let mut ids = commits(&repo);
    ids.insert(
        2,
        Oid::from_str("1234567890123456789012345678901234567890").unwrap(),
    );
    let git = Repository::open(&repo.path).unwrap();
    let in_process = ChangeSet::compute_in_process(&git, &ids, &HashSet::new());
    assert!(matches!(
        in_process.commits[2].changes,
        CommitChanges::NotInspected(_)
    ));
    // git may diff the others (and then agrees) or give up (and the caller diffs in
    // process): either way the result is the in-process one.
    if let Some(by_git) = ChangeSet::compute_with_git(&git, &ids, &HashSet::new()) {
        assert_eq!(normalized(&by_git), normalized(&in_process));
    }
    let set = ChangeSet::compute(&git, &ids, &HashSet::new());
    assert_eq!(normalized(&set), normalized(&in_process));
}

/// The whole check with git's engine forced on a short range: the same report as in
/// process.
#[test]
fn check_reports_the_same_with_either_engine() {
    let s = Sandbox::new();
    let repo = tricky_history(&s);
    let run = |engine: &str| {
        let out = common::run(
            s.cmd(PUSHGUARD, &repo.path)
                .args(["check", "--format", "json", "HEAD"])
                .env(ENGINE_ENV, engine),
        );
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (git_status, git_report) = run("git");
    let (lib_status, lib_report) = run("libgit2");
    assert_eq!(git_status, lib_status);
    assert_eq!(git_report, lib_report);
    assert!(git_report.contains("empty-commit"), "{git_report}");
}
