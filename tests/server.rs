//! pushguard as a server-side pre-receive hook: a real bare repository with the hook, real
//! pushes that are accepted and rejected, the report relayed as `remote:` lines.

mod common;

use common::{write_executable, Sandbox, TestRepo, PUSHGUARD};

fn server_hook(repo: &TestRepo<'_>) {
    let hook = repo.remote.join("hooks/pre-receive");
    write_executable(
        &hook,
        &format!("#!/bin/sh\nexec '{PUSHGUARD}' hook pre-receive\n"),
    );
}

#[test]
fn an_accepted_push_shows_the_verdict_as_remote_lines() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    server_hook(&repo);
    repo.commit_files(
        "init",
        &[
            ("Dockerfile", "FROM python:3.12\nCOPY . .\n"),
            ("app.py", "x = 1\n"),
        ],
    );
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    repo.commit_files("deps", &[("requirements.txt", "flask==3.0.0\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("remote: pushguard: 1 ref"),
        "{}",
        r.stderr
    );
    // The Dockerfile installs nothing: requirements.txt reaches the image only through
    // `COPY . .`, so the Dockerfile model says incremental where the path rules said partial.
    assert!(
        r.stderr.contains("1 commit, 1 file  INCREMENTAL rebuild"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_blocking_finding_rejects_the_push_and_the_config_comes_from_the_pushed_commit() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    server_hook(&repo);
    repo.commit_files(
        "init",
        &[
            ("app.py", "x = 1\n"),
            (
                "pushguard.toml",
                "[rules.empty-commit]\nseverity = \"block\"\n",
            ),
        ],
    );
    assert!(repo.push(&["origin", "main"]).success());
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("rebuild: clear cache");
    let r = repo.push(&["origin", "main"]);
    assert!(!r.success(), "{r:?}");
    assert!(
        r.stderr.contains("remote: block[empty-commit]") || r.stderr.contains("empty-commit"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("pre-receive hook declined"),
        "{}",
        r.stderr
    );
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn only_commits_new_to_the_server_are_inspected() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    server_hook(&repo);
    repo.commit_files("init", &[("app.py", "x = 1\n")]);
    for i in 0..3 {
        repo.commit_files(&format!("c{i}"), &[("app.py", &format!("x = {i}\n"))]);
    }
    assert!(repo.push(&["origin", "main"]).success());
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.commit_files("feature", &[("f.py", "y = 1\n")]);
    let r = repo.push(&["origin", "feature"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("new branch, 1 commit, 1 file"),
        "{}",
        r.stderr
    );
}
