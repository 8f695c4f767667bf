//! `pushguard check` as a preview of `git push` and as a stop in its own context: the
//! branch a plain push would update decides the deploy, and a blocking check says how to
//! proceed where it ran (by hand, under pre-commit, in CI, for a coding assistant).

use crate::common;

use common::{Sandbox, TestRepo, PUSHGUARD};

const BLOCK_EMPTY: &str = "[rules.empty-commit]\nseverity = \"block\"\n";

fn deployed(sandbox: &Sandbox) -> TestRepo<'_> {
    let repo = sandbox.repo("app");
    repo.commit_files(
        "initial",
        &[
            ("pushguard.toml", BLOCK_EMPTY),
            ("Dockerfile", "FROM python:3.12-slim\nCOPY . .\n"),
            ("main.py", "print(1)\n"),
        ],
    );
    repo.git(&["push", "-q", "-u", "origin", "main"]);
    repo
}

fn check(repo: &TestRepo<'_>, env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = repo.sandbox.cmd(PUSHGUARD, &repo.path);
    cmd.arg("check");
    for (k, v) in env {
        cmd.env(k, v);
    }
    common::run(&mut cmd)
}

#[test]
fn with_no_range_check_judges_the_branch_git_push_would_update() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.git(&["push", "-q", "-u", "origin", "feature"]);
    repo.commit_empty("redeploy");
    // `git push` from feature updates origin/feature, which deploys nothing: as the hook
    // would, check lets it through (before, it was judged as if pushed to main).
    let out = check(&repo, &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", common::describe(&out));
    assert!(
        text.contains("-> feature  1 commit, 0 files  no deploy (feature is not a deploy branch)"),
        "{text}"
    );
    let r = repo.push(&[]);
    assert!(r.success(), "{r:?}");
    // --to-ref still asks "what if this went to main".
    let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
    cmd.args(["check", "--to-ref", "main", "origin/main..HEAD"]);
    let out = common::run(&mut cmd);
    assert_eq!(out.status.code(), Some(1), "{}", common::describe(&out));
}

#[test]
fn a_blocking_check_says_how_to_proceed_where_it_runs() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let sha = repo.commit_empty("redeploy");
    let short = &sha[..8];
    let stop = |env: &[(&str, &str)]| {
        let out = check(&repo, env);
        assert_eq!(out.status.code(), Some(1), "{}", common::describe(&out));
        common::flat(&String::from_utf8_lossy(&out.stderr))
    };
    let by_hand = stop(&[]);
    assert!(
        by_hand.contains("`git push` would stop here (empty-commit); at a terminal it asks first"),
        "{by_hand}"
    );
    assert!(
        by_hand.contains(&format!(
            "end the message of commit {short} with `Pushguard-Allow: empty-commit <reason>`"
        )),
        "{by_hand}"
    );
    let pre_commit = stop(&[
        ("PRE_COMMIT_FROM_REF", "origin/main"),
        ("PRE_COMMIT_TO_REF", "HEAD"),
        ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main"),
    ]);
    assert!(
        pre_commit.contains("push stopped by pre-commit's `pushguard` hook"),
        "{pre_commit}"
    );
    assert!(
        pre_commit.contains("SKIP=pushguard git push (pre-commit's switch)"),
        "{pre_commit}"
    );
    assert!(pre_commit.contains("PUSHGUARD=0 git push"), "{pre_commit}");
    let ci = stop(&[("CI", "true")]);
    assert!(
        ci.contains("check failed: empty-commit at block severity"),
        "{ci}"
    );
    assert!(ci.contains("These commits are pushed already"), "{ci}");
    assert!(!ci.contains("--no-verify"), "{ci}");
    let agent = stop(&[
        ("CLAUDECODE", "1"),
        ("PRE_COMMIT_FROM_REF", "origin/main"),
        ("PRE_COMMIT_TO_REF", "HEAD"),
    ]);
    assert!(
        agent.contains("Overriding the check is a person's decision"),
        "{agent}"
    );
    assert!(
        !agent.contains("SKIP=")
            && !agent.contains("PUSHGUARD=0")
            && !agent.contains("--no-verify"),
        "{agent}"
    );
    // A document on stdout stays a document: the stop goes to stderr.
    let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
    cmd.args(["check", "--format", "json"]);
    let out = common::run(&mut cmd);
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("stdout is JSON");
}

#[test]
fn check_honours_color() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_empty("redeploy");
    let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
    cmd.args(["check", "--color", "always"]);
    let out = common::run(&mut cmd);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\x1b[1;31mblock[empty-commit]\x1b[0m"),
        "{}",
        common::describe(&out)
    );
    let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
    cmd.args(["check"]);
    let out = common::run(&mut cmd);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains('\x1b'),
        "{}",
        common::describe(&out)
    );
}
