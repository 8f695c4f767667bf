//! The two change-set engines agree: `git log` (long ranges) and the in-process libgit2 walk
//! and diff (short ranges) give the same commits, in the same order, with the same changes,
//! on a history with every kind of change a tree diff can meet.

use crate::common;

use std::collections::HashSet;
use std::fs;
use std::os::unix::ffi::OsStrExt;

use common::{Sandbox, PUSHGUARD};
use git2::{Oid, Repository};
use pushguard::git::changes::{ChangeSet, CommitChanges, ENGINE_ENV};
use pushguard::git::range::CommitRange;

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
    // A message that reads like raw diff output must stay a message.
    repo.commit_files(
        "forged\n\n:000000 100644 0000000000000000000000000000000000000000 \
         1111111111111111111111111111111111111111 A\tforged.py\n",
        &[("real.py", "r = 1\n")],
    );
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

fn range(include: &[Oid], hide: &[Oid]) -> CommitRange {
    CommitRange {
        include: include.to_vec(),
        hide: hide.to_vec(),
    }
}

/// Both engines on `range`: git's (which must succeed) and the in-process one.
fn both(git: &Repository, range: &CommitRange) -> (ChangeSet, ChangeSet) {
    let by_git = ChangeSet::of_range_with_git(git, range).expect("git lists and diffs the range");
    let ids = range.commits(git).unwrap();
    (
        by_git,
        ChangeSet::compute_in_process(git, &ids, &HashSet::new()),
    )
}

#[test]
fn git_log_and_libgit2_agree() {
    let s = Sandbox::new();
    let repo = tricky_history(&s);
    let ids = commits(&repo);
    let git = Repository::open(&repo.path).unwrap();
    let (by_git, in_process) = both(&git, &range(&[*ids.last().unwrap()], &[]));
    assert_eq!(normalized(&by_git), normalized(&in_process));
    assert!(!normalized(&by_git)
        .join("\n")
        .contains("path: [102, 111, 114, 103"));
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
fn hidden_tips_are_excluded_alike_and_unknown_ones_skipped() {
    let s = Sandbox::new();
    let repo = tricky_history(&s);
    let ids = commits(&repo);
    let git = Repository::open(&repo.path).unwrap();
    let missing = Oid::from_str("1234567890123456789012345678901234567890").unwrap();
    let tree = git.find_commit(ids[0]).unwrap().tree_id();
    let hide = [ids[4], missing, tree];
    let (by_git, in_process) = both(&git, &range(&[*ids.last().unwrap()], &hide));
    assert_eq!(normalized(&by_git), normalized(&in_process));
    assert_eq!(by_git.commits.len(), ids.len() - 5);
}

#[test]
fn shallow_boundary_commits_are_never_diffed_by_git() {
    let s = Sandbox::new();
    let repo = tricky_history(&s);
    let ids = commits(&repo);
    let git = Repository::open(&repo.path).unwrap();
    let boundary: HashSet<Oid> = ids.get(3).copied().into_iter().collect();
    let set = ChangeSet::of_range(
        &git,
        &range(&[*ids.last().unwrap()], &[]),
        &boundary,
        &mut |_| {},
    )
    .unwrap();
    let in_process = ChangeSet::compute_in_process(&git, &ids, &boundary);
    assert_eq!(normalized(&set), normalized(&in_process));
    assert!(matches!(
        set.commits[3].changes,
        CommitChanges::NotInspected(_)
    ));
}

#[test]
fn a_missing_commit_makes_git_give_up() {
    let s = Sandbox::new();
    let repo = tricky_history(&s);
    let ids = commits(&repo);
    let hex = ids[2].to_string();
    fs::remove_file(
        repo.path
            .join(".git/objects")
            .join(&hex[..2])
            .join(&hex[2..]),
    )
    .unwrap();
    let git = Repository::open(&repo.path).unwrap();
    let range = range(&[*ids.last().unwrap()], &[]);
    assert!(ChangeSet::of_range_with_git(&git, &range).is_none());
    // The in-process walk then says which commit is missing.
    let err = ChangeSet::of_range(&git, &range, &HashSet::new(), &mut |_| {}).unwrap_err();
    assert!(
        format!("{err:#}").contains("cannot list the pushed commits"),
        "{err:#}"
    );
}

/// Composing a linear range's per-commit changes gives what diffing its end trees gives,
/// through adds, deletes, a rename, a type change, a mode change, a file becoming a
/// directory, a non-UTF-8 name and a submodule entry; anything but such a chain is refused.
#[test]
fn net_changes_of_a_linear_range_equal_the_tree_diff() {
    let s = Sandbox::new();
    let repo = tricky_history(&s);
    let ids = commits(&repo);
    let git = Repository::open(&repo.path).unwrap();
    let tree = |id: Oid| git.find_commit(id).unwrap().tree().unwrap();
    // The history's first commits, up to where it branches, form a chain.
    let mut linear = vec![ids[0]];
    for &id in &ids[1..] {
        let parents: Vec<Oid> = git.find_commit(id).unwrap().parent_ids().collect();
        if parents != [*linear.last().unwrap()] {
            break;
        }
        linear.push(id);
    }
    assert!(linear.len() >= 10, "{}", linear.len());
    for start in [0, 3] {
        let (base, tip) = (linear[start], *linear.last().unwrap());
        let set = ChangeSet::compute_in_process(&git, &linear[start + 1..], &HashSet::new());
        let net = set.net_changes(base, tip).expect("a linear chain");
        let diffed =
            pushguard::git::changes::diff_trees(&git, Some(&tree(base)), Some(&tree(tip))).unwrap();
        assert_eq!(net, diffed);
        assert!(set.net_changes(linear[start + 1], tip).is_none());
        assert!(set.net_changes(base, linear[start + 2]).is_none());
    }
    let all = ChangeSet::compute_in_process(&git, &ids[1..], &HashSet::new());
    assert!(all.net_changes(ids[0], *ids.last().unwrap()).is_none());
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

/// A push long enough for `git log` goes through the real hook: the report counts every
/// commit and path, a secret added halfway is found (its blob read ahead while git streams)
/// and blocks the push, and forcing the in-process engine gives the same report.
#[test]
fn a_long_push_is_listed_by_git_and_checked_whole() {
    let s = Sandbox::new();
    let repo = s.deployed(&[
        (
            "Dockerfile",
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"main.py\"]\n",
        ),
        ("main.py", "print(0)\n"),
    ]);
    let deployed = repo.head();
    let key = format!("AKIA{}", "Q2W7ZK4M".repeat(2));
    for i in 1..=60 {
        let path = format!("app/mod{}.py", i % 7);
        let value = format!("VALUE = {i}\n");
        let secret = format!("AWS_ACCESS_KEY_ID = \"{key}\"\n");
        let mut files = vec![(path.as_str(), value.as_str())];
        if i == 30 {
            files.push(("app/settings.py", secret.as_str()));
        }
        repo.commit_files(&format!("change {i}"), &files);
    }
    let push = |engine: &str| push_with(&repo, &["origin", "main"], engine);
    let (status, report) = push("auto");
    assert_eq!(status, Some(1), "{report}");
    assert!(
        report.contains("main -> origin/main  60 commits, 8 files"),
        "{report}"
    );
    assert!(report.contains("secret-in-image"), "{report}");
    assert!(report.contains("app/settings.py"), "{report}");
    assert!(
        report.contains("AKIA****") && !report.contains(&key),
        "{report}"
    );
    assert_eq!(repo.remote_sha("refs/heads/main"), Some(deployed));
    assert_in_process_agrees(push, status, &report);
}

/// On a long push the read-ahead notes which commits touch no Dockerfile and hold no secret
/// candidate, and classifies edits while git streams; the rules then skip what it ruled
/// out. Among 60 commits, an `ARG CACHEBUST` added in one and a deploy-time bump in
/// another are still found, and the in-process engine reports the same.
#[test]
fn a_long_push_still_finds_the_edits_among_its_commits() {
    let s = Sandbox::new();
    let dockerfile = "FROM python:3.12-slim\nWORKDIR /app\n\
                      RUN apt-get update && apt-get install -y curl\nCOPY . .\n\
                      CMD [\"python\", \"main.py\"]\n";
    let settings = "[app]\nDEPLOYED_AT = \"2024-11-07T10:00:00Z\"\n";
    let repo = s.deployed(&[
        ("Dockerfile", dockerfile),
        (".dockerignore", ".git\nDockerfile\n.dockerignore\n"),
        ("main.py", "print(0)\n"),
        ("settings.toml", settings),
    ]);
    let busted = dockerfile.replace("WORKDIR /app\n", "WORKDIR /app\nARG CACHEBUST=1\n");
    let bumped = settings.replace("2024-11-07", "2024-11-08");
    for i in 1..=60 {
        let value = format!("VALUE = {i}\n");
        let path = format!("app/mod{}.py", i % 7);
        match i {
            20 => repo.commit_files("rebuild please", &[("Dockerfile", busted.as_str())]),
            40 => repo.commit_files("bump the deploy time", &[("settings.toml", &bumped)]),
            _ => repo.commit_files(&format!("change {i}"), &[(path.as_str(), value.as_str())]),
        };
    }
    let push = |engine: &str| {
        // Both engines judge the same push: warnings do not stop it, so dry runs.
        let out = common::run(
            repo.push_cmd(&["--dry-run", "origin", "main"])
                .env(ENGINE_ENV, engine),
        );
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (status, report) = push("git");
    assert!(report.contains("60 commits"), "{report}");
    assert!(report.contains("warn[cache-bust-arg]"), "{report}");
    assert!(report.contains("`ARG CACHEBUST=1` added"), "{report}");
    // Beside 58 real changes the stamp bump costs no build of its own: the push is settled
    // by one real commit, and the forcing rules say what they did not read.
    assert!(report.contains("info[timestamp-edit]"), "{report}");
    assert!(report.contains("the other 59 commits"), "{report}");
    assert_in_process_agrees(push, status, &report);
}

/// `report` with the seconds in `frequent-deploys`' "the last was N s ago" left out: the
/// second push runs a moment after the first.
/// `git push args` with the listing engine `engine`: its exit code and what it printed.
fn push_with(repo: &common::TestRepo<'_>, args: &[&str], engine: &str) -> (Option<i32>, String) {
    let out = common::run(repo.push_cmd(args).env(ENGINE_ENV, engine));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The in-process engine (`push("libgit2")`) gives the exit status and the report (push
/// ages aside) that the push under test gave.
fn assert_in_process_agrees(
    push: impl Fn(&str) -> (Option<i32>, String),
    status: Option<i32>,
    report: &str,
) {
    let (again, other) = push("libgit2");
    assert_eq!(
        (again, without_ages(&other)),
        (status, without_ages(report))
    );
}

fn without_ages(report: &str) -> String {
    let mut out = String::new();
    let mut rest = report;
    while let Some(at) = rest.find("the last was") {
        let (head, tail) = rest.split_at(at + "the last was".len());
        out.push_str(head);
        // The report may wrap the line before the number.
        rest = tail
            .trim_start()
            .trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

/// Makes `n` commits on the current branch, each a new version of `lib.py`.
fn commit_versions(s: &Sandbox, repo: &common::TestRepo<'_>, n: usize) {
    let script = format!(
        "i=0; while [ $i -lt {n} ]; do i=$((i+1)); echo \"v = $i\" >lib.py; \
         git add lib.py && git commit -q -m \"lib $i\" || exit 1; done"
    );
    let made = common::run(s.cmd("sh", &repo.path).args(["-c", &script]));
    assert!(made.status.success(), "{}", common::describe(&made));
}

/// A branch rebased onto many new commits of `main`: from the remote's old commit of the
/// branch, more than a hundred commits lead to the new one, so the hook starts `git log`
/// before it has read `origin/main`; once it has, the range is the branch's one commit,
/// and that is what the report counts, as with the in-process engine.
#[test]
fn a_branch_rebased_onto_many_new_commits_is_judged_on_its_own_commit() {
    let s = Sandbox::new();
    let repo = s.deployed(&[("main.py", "print(0)\n")]);
    repo.git_ok(&["checkout", "-q", "-b", "feature"]);
    repo.commit_files("feature work", &[("feature.py", "f = 1\n")]);
    assert!(repo.push(&["-q", "origin", "feature"]).success());
    repo.git_ok(&["checkout", "-q", "main"]);
    commit_versions(&s, &repo, 110);
    assert!(repo
        .push(&["-q", "--no-verify", "origin", "main"])
        .success());
    repo.git_ok(&["checkout", "-q", "feature"]);
    repo.git_ok(&["rebase", "-q", "main"]);
    let push = |engine: &str| push_with(&repo, &["--dry-run", "-f", "origin", "feature"], engine);
    let (status, report) = push("auto");
    assert_eq!(status, Some(0), "{report}");
    assert!(
        report.contains("feature -> origin/feature  force push, 1 commit, 1 file"),
        "{report}"
    );
    assert_in_process_agrees(push, status, &report);
}

/// A push of a few dozen commits: long enough for the hook to start `git log` while it
/// counts them, too short for git to list them. The git it started is stopped, the commits
/// are listed in process, and the report is the in-process engine's; the push then lands.
#[test]
fn a_push_of_a_few_dozen_commits_is_listed_in_process_after_git_was_started() {
    let s = Sandbox::new();
    let repo = s.deployed(&[("main.py", "print(0)\n")]);
    commit_versions(&s, &repo, 40);
    let push = |engine: &str| push_with(&repo, &["--dry-run", "origin", "main"], engine);
    let (status, report) = push("auto");
    assert_eq!(status, Some(0), "{report}");
    assert!(report.contains("40 commits, 1 file"), "{report}");
    assert_in_process_agrees(push, status, &report);
    let (pushed, _) = push_with(&repo, &["-q", "origin", "main"], "auto");
    assert_eq!(pushed, Some(0));
    assert_eq!(
        repo.git_ok(&["rev-parse", "origin/main"]),
        repo.git_ok(&["rev-parse", "main"])
    );
}
