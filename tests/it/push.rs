//! The core promise, through real `git push` to real bare remotes with the hook installed by
//! install.sh: every pushed ref is inspected exactly, with a build-tier verdict.

use crate::common;

use common::{Sandbox, TestRepo, PUSHGUARD};

const DOCKERFILE: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nCMD [\"python\", \"main.py\"]\n";

/// A repository with an installed hook and one pushed commit on main.
fn deployed(sandbox: &Sandbox) -> TestRepo<'_> {
    sandbox.deployed(&[
        ("Dockerfile", DOCKERFILE),
        ("requirements.txt", "flask==3.0.0\n"),
        ("main.py", "print('hi')\n"),
    ])
}

#[test]
fn one_commit_gets_an_incremental_verdict() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let sha = repo.commit_files("fix typo", &[("main.py", "print('hello')\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("main -> origin/main  1 commit, 1 file  INCREMENTAL rebuild (~45 s build, ~2 min deploy)"),
        "{}",
        r.stderr
    );
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
}

#[test]
fn requirements_and_dockerfile_changes_reach_their_tiers() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "add openai",
        &[("requirements.txt", "flask==3.0.0\nopenai==1.12.0\n")],
    );
    let r = repo.push(&["origin", "main"]);
    assert!(
        r.stderr
            .contains("PARTIAL rebuild (~120 s build, ~3 min deploy)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("requirements.txt"), "{}", r.stderr);

    repo.commit_files(
        "py 3.13",
        &[("Dockerfile", &DOCKERFILE.replace("3.12", "3.13"))],
    );
    repo.commit_files(
        "more",
        &[
            ("Dockerfile", &DOCKERFILE.replace("3.12", "3.14")),
            ("main.py", "x = 1\n"),
        ],
    );
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr
            .contains("2 commits, 2 files  FULL rebuild (~180 s build, ~4 min deploy)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("in 2 commits (Dockerfile)"),
        "{}",
        r.stderr
    );
}

#[test]
fn new_branch_reports_only_its_own_commits() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    for i in 0..3 {
        repo.commit_files(
            &format!("main {i}"),
            &[("main.py", &format!("print({i})\n"))],
        );
    }
    assert!(repo.push(&["origin", "main"]).success());
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.commit_files("feature 1", &[("feature.py", "a = 1\n")]);
    repo.commit_files("feature 2", &[("feature.py", "a = 2\n")]);
    let r = repo.push(&["origin", "feature"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("feature -> origin/feature  new branch, 2 commits, 1 file  no deploy (feature is not a deploy branch)"),
        "{}",
        r.stderr
    );
}

#[test]
fn every_ref_of_a_multi_ref_push_is_reported() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.git(&["branch", "other"]);
    repo.commit_files("on main", &[("Dockerfile", "FROM python:3.13-slim\n")]);
    repo.git(&["checkout", "-q", "other"]);
    repo.commit_files("on other", &[("other.py", "b = 1\n")]);
    repo.git(&["checkout", "-q", "main"]);
    let r = repo.push(&["origin", "main", "other"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("pushguard: 2 refs to origin"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("main -> origin/main  1 commit, 1 file  FULL rebuild"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("other -> origin/other  new branch, 1 commit, 1 file  no deploy"),
        "{}",
        r.stderr
    );
    assert!(repo.remote_sha("refs/heads/other").is_some());
}

#[test]
fn a_branch_that_is_not_checked_out_is_inspected() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.commit_files("deps", &[("requirements.txt", "flask==3.0.1\n")]);
    repo.git(&["checkout", "-q", "main"]);
    // Push side's commit to main while main is checked out elsewhere.
    let r = repo.push(&["origin", "side:main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr
            .contains("side -> origin/main  1 commit, 1 file  PARTIAL rebuild"),
        "{}",
        r.stderr
    );
}

#[test]
fn deletion_is_reported() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.git(&["branch", "old"]);
    assert!(repo.push(&["origin", "old"]).success());
    let r = repo.push(&["origin", "--delete", "old"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr
            .contains("(delete) -> origin/old  deleted on the remote, no deploy"),
        "{}",
        r.stderr
    );
    assert_eq!(repo.remote_sha("refs/heads/old"), None);
}

#[test]
fn lightweight_and_annotated_tags_are_inspected() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files("release", &[("main.py", "print('v1')\n")]);
    repo.git(&["tag", "light"]);
    repo.git(&["tag", "-a", "v1.0", "-m", "release 1.0"]);
    let r = repo.push(&["origin", "light", "v1.0"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr
            .contains("light -> origin tag light  1 commit, 1 file  no deploy"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("v1.0 -> origin tag v1.0  1 commit, 1 file  no deploy"),
        "{}",
        r.stderr
    );
}

#[test]
fn force_push_after_rebase_is_detected() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files("one", &[("a.py", "1\n")]);
    repo.commit_files("two", &[("b.py", "2\n")]);
    assert!(repo.push(&["origin", "main"]).success());
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.commit_files("two, rewritten", &[("b.py", "3\n")]);
    let r = repo.push(&["--force", "origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr
            .contains("main -> origin/main  force push, 1 commit, 1 file"),
        "{}",
        r.stderr
    );
}

/// The fast-forward check reads nothing when the remote's commit is a parent of a pushed
/// one. Here it is not: `dev` was pushed first, so the one commit `main` sends sits on
/// `origin/dev`, and the history is walked to find `origin/main` below it.
#[test]
fn fast_forward_past_commits_another_branch_pushed_is_no_force_push() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.git(&["checkout", "-q", "-b", "dev"]);
    repo.commit_files("on dev", &[("a.py", "1\n")]);
    assert!(repo.push(&["origin", "dev"]).success());
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--ff-only", "dev"]);
    repo.commit_files("on main", &[("b.py", "2\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("main -> origin/main  1 commit, 1 file"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("force push"), "{}", r.stderr);
}

#[test]
fn push_by_url_matches_the_configured_remote() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files("by url", &[("main.py", "print(2)\n")]);
    let url = repo.remote_url().to_owned();
    let r = repo.push(&[&url, "main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr
            .contains("main -> origin/main  1 commit, 1 file  INCREMENTAL"),
        "{}",
        r.stderr
    );
}

#[test]
fn push_from_a_subdirectory_and_a_linked_worktree() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files("sub", &[("pkg/mod.py", "x = 1\n")]);
    let r: common::PushResult =
        common::run(&mut sandbox.git_cmd(&repo.path.join("pkg"), &["push", "origin", "main"]))
            .into();
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("main -> origin/main  1 commit, 1 file"),
        "{}",
        r.stderr
    );

    let wt = sandbox.path("linked");
    repo.git(&["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()]);
    std::fs::write(wt.join("wt.py"), "y = 2\n").unwrap();
    sandbox.git(&wt, &["add", "wt.py"]);
    sandbox.git(&wt, &["commit", "-qm", "from worktree"]);
    let r: common::PushResult =
        common::run(&mut sandbox.git_cmd(&wt, &["push", "origin", "wt:main"])).into();
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr
            .contains("wt -> origin/main  1 commit, 1 file  INCREMENTAL"),
        "{}",
        r.stderr
    );
}

#[test]
fn dry_run_reports_and_pushes_nothing() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_files("dry", &[("Dockerfile", "FROM python:3.13\n")]);
    let r = repo.push(&["--dry-run", "origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("FULL rebuild"), "{}", r.stderr);
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn nothing_to_push() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("Everything up-to-date"), "{}", r.stderr);
    assert!(!r.stderr.contains("rebuild"), "{}", r.stderr);
}

#[test]
fn merging_main_into_a_feature_does_not_blame_mains_changes_on_it() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.commit_files("feature work", &[("feature.py", "f = 1\n")]);
    repo.git(&["checkout", "-q", "main"]);
    repo.commit_files(
        "base image",
        &[("Dockerfile", &DOCKERFILE.replace("3.12", "3.13"))],
    );
    assert!(repo.push(&["origin", "main"]).success());
    repo.git(&["checkout", "-q", "feature"]);
    repo.git(&["merge", "-q", "--no-edit", "main"]);
    let r = repo.push(&["origin", "feature:main"]);
    assert!(r.success(), "{r:?}");
    // The merge commit changes nothing relative to both parents; the feature commit adds one
    // file. main's Dockerfile change is not this push's.
    assert!(
        r.stderr.contains("2 commits, 1 file  INCREMENTAL"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("FULL"), "{}", r.stderr);
}

#[test]
fn a_merge_that_resolves_a_conflict_reports_the_resolved_path() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.commit_files(
        "feature deps",
        &[("requirements.txt", "flask==3.0.0\nrequests==2.0\n")],
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.commit_files(
        "main deps",
        &[("requirements.txt", "flask==3.0.0\nhttpx==0.27\n")],
    );
    // The merge conflicts; resolve it by keeping both lines.
    let _ = sandbox.git_raw(&repo.path, &["merge", "--no-edit", "feature"]);
    repo.write(
        "requirements.txt",
        "flask==3.0.0\nhttpx==0.27\nrequests==2.0\n",
    );
    repo.git(&["add", "requirements.txt"]);
    repo.git(&["commit", "-qm", "merge feature"]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("3 commits, 1 file  PARTIAL"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_invalid_config_stops_the_push_with_a_clear_error() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.write(
        "pushguard.toml",
        "[paths.python]\nglobs = [\"**/*.py\"]\ntier = \"fast\"\n",
    );
    repo.commit_files("change", &[("main.py", "print(3)\n")]);
    let before = repo.remote_sha("refs/heads/main");
    let r = repo.push(&["origin", "main"]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("pushguard.toml:3:8"), "{}", r.stderr);
    assert!(r.stderr.contains("unknown tier"), "{}", r.stderr);
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
    let direct = common::run(sandbox.cmd(PUSHGUARD, &repo.path).arg("check"));
    assert_eq!(
        direct.status.code(),
        Some(2),
        "{}",
        common::describe(&direct)
    );
}

/// A long push's `git log` starts before the configuration loads (to overlap the two): a
/// broken configuration still stops the push with its error, and the git started for the
/// listing is stopped, not left writing to a closed pipe.
#[test]
fn an_invalid_config_stops_a_long_push_whose_listing_had_started() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    for i in 0..60 {
        repo.commit_files(
            &format!("step {i}"),
            &[("main.py", &format!("print({i})\n"))],
        );
    }
    repo.write("pushguard.toml", "[policy]\nconfirm = \"sometimes\"\n");
    repo.commit_all("config");
    let before = repo.remote_sha("refs/heads/main");
    let r: common::PushResult = common::run(
        repo.push_cmd(&["origin", "main"])
            .env(pushguard::git::changes::ENGINE_ENV, "git"),
    )
    .into();
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("pushguard.toml:2:11"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn shallow_boundary_commits_are_not_inspected_and_say_why() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    for i in 0..3 {
        repo.commit_files(&format!("c{i}"), &[("main.py", &format!("print({i})\n"))]);
    }
    assert!(repo.push(&["origin", "main"]).success());
    let shallow = sandbox.path("shallow");
    let url = format!("file://{}", repo.remote_url());
    sandbox.git(
        sandbox.root(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            shallow.to_str().unwrap(),
        ],
    );
    let other = sandbox.bare_remote("mirror");
    sandbox.git(
        &shallow,
        &["remote", "add", "mirror", other.to_str().unwrap()],
    );
    let clone = TestRepo {
        path: shallow.clone(),
        remote: other.clone(),
        sandbox: &sandbox,
    };
    clone.install_hook();
    let r = clone.push(&["mirror", "main"]);
    assert!(r.stderr.contains("not inspected"), "{}", r.stderr);
    assert!(r.stderr.contains("shallow"), "{}", r.stderr);
}

#[test]
fn check_reports_ranges_as_json() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let base = repo.head();
    repo.commit_files("deps", &[("requirements.txt", "flask==3.1.0\n")]);
    let tip = repo.commit_files("code", &[("main.py", "print(9)\n")]);
    let out = common::run(sandbox.cmd(PUSHGUARD, &repo.path).args([
        "check",
        "--format",
        "json",
        &format!("{base}..{tip}"),
    ]));
    assert!(out.status.success(), "{}", common::describe(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["decision"], "allow");
    let r = &doc["refs"][0];
    assert_eq!(r["ref"], "main");
    assert_eq!(r["tier"], "partial");
    assert_eq!(r["build_seconds"], 120);
    assert_eq!(r["commits"].as_array().unwrap().len(), 2);
    assert_eq!(r["files"].as_array().unwrap().len(), 2);

    // `C^!` is just that commit; the default range is @{upstream}..HEAD.
    let out = common::run(sandbox.cmd(PUSHGUARD, &repo.path).args([
        "check",
        "--format",
        "json",
        &format!("{tip}^!"),
    ]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["refs"][0]["tier"], "incremental");
    let out = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["check", "--format", "json"]),
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["refs"][0]["commits"].as_array().unwrap().len(), 2);
}

#[test]
fn check_works_in_a_bare_repository() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files("deps", &[("requirements.txt", "flask==3.1.0\n")]);
    assert!(repo.push(&["origin", "main"]).success());
    let out = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.remote)
            .args(["check", "--to-ref", "main", "main^!"]),
    );
    assert!(out.status.success(), "{}", common::describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("PARTIAL rebuild"), "{stdout}");
}

#[test]
fn hostile_names_are_escaped() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files("\x1b[31mred\x1b[0m", &[("evil\x1b[2J.py", "x = 1\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    let ours: String = r
        .stderr
        .lines()
        .filter(|l| l.contains("pushguard") || l.contains("->"))
        .collect();
    assert!(!ours.contains('\x1b'), "{:?}", r.stderr);
    assert!(r.stderr.contains("evil\\e[2J.py"), "{}", r.stderr);
}

/// `-q`: a push with only warnings prints nothing of pushguard's; one that blocks prints
/// only what blocks.
#[test]
fn quiet_prints_only_what_blocks() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let hook = repo.hooks_dir().join("pre-push");
    let text = std::fs::read_to_string(&hook).expect("the installed hook");
    let quiet = text.replace("hook pre-push", "--quiet hook pre-push");
    assert_ne!(quiet, text, "the hook runs `pushguard hook pre-push`");
    std::fs::write(&hook, quiet).expect("rewrite the hook");
    repo.commit_empty("trigger deploy");
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(!r.stderr.contains("pushguard:"), "{}", r.stderr);
    let key: String = "AKIA".chars().chain("Q7ZL2M9XK4TN8PB3".chars()).collect();
    repo.commit_files(
        "settings",
        &[("settings.py", &format!("AWS_ACCESS_KEY_ID = \"{key}\"\n"))],
    );
    let r = repo.push(&["origin", "main"]);
    assert!(!r.success(), "{r:?}");
    assert!(
        r.stderr.contains("pushguard: 1 finding that block"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("secret-in-image"), "{}", r.stderr);
    assert!(!r.stderr.contains("empty-commit"), "{}", r.stderr);
    assert!(!r.stderr.contains("INCREMENTAL"), "{}", r.stderr);
}
