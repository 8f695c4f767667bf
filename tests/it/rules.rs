//! The history-level rules through real pushes: empty-commit, trigger-file,
//! no-cache-deploy, frequent-deploys. Each fires on the waste and stays quiet on the
//! legitimate change next to it.

use crate::common;

use common::{Sandbox, TestRepo};

fn deployed(sandbox: &Sandbox) -> TestRepo<'_> {
    sandbox.deployed(&[
        ("Dockerfile", "FROM python:3.12-slim\nCOPY . .\n"),
        ("main.py", "print('hi')\n"),
    ])
}

#[test]
fn empty_commit_on_a_deploy_branch_warns_and_names_the_alternative() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_empty("rebuild: clear cache");
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "warn does not block: {r:?}");
    // Compact by default: one line for the finding, and where its fact and fix are.
    assert!(
        r.stderr.contains("warn[empty-commit] commit "),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("changes no file"), "{}", r.stderr);
    assert!(!r.stderr.contains("--no-cache"), "{}", r.stderr);
    assert!(
        common::flat(&r.stderr)
            .contains("the fact behind each finding and its fix: `pushguard explain --last`"),
        "{}",
        r.stderr
    );
    let out = common::run(
        sandbox
            .cmd(common::PUSHGUARD, &repo.path)
            .args(["explain", "--last"]),
    );
    let full = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", common::describe(&out));
    assert!(full.contains("warn[empty-commit]\n  commit "), "{full}");
    assert!(full.contains("--no-cache"), "{full}");
    // --verbose (and PUSHGUARD_OUTPUT=full) print the same here.
    repo.commit_empty("rebuild again");
    let r: common::PushResult = common::run(
        repo.push_cmd(&["origin", "main"])
            .env("PUSHGUARD_OUTPUT", "full"),
    )
    .into();
    assert!(
        r.stderr.contains("  fix: To redeploy unchanged code"),
        "{}",
        r.stderr
    );
}

#[test]
fn empty_commit_on_a_feature_branch_is_fine() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.git(&["checkout", "-q", "-b", "wip"]);
    repo.commit_empty("start work");
    let r = repo.push(&["origin", "wip"]);
    assert!(r.success(), "{r:?}");
    assert!(!r.stderr.contains("empty-commit"), "{}", r.stderr);
}

#[test]
fn a_blocking_severity_from_config_stops_the_push() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "config",
        &[(
            "pushguard.toml",
            "[rules.empty-commit]\nseverity = \"block\"\n",
        )],
    );
    assert!(repo.push(&["origin", "main"]).success());
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("trigger deploy");
    let r = repo.push(&["origin", "main"]);
    assert_eq!(r.status, 1, "{r:?}");
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn trigger_files_warn_by_name_and_by_content() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files("redeploy", &[(".deploy-trigger", "x\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.stderr.contains("trigger-file"), "{}", r.stderr);
    assert!(r.stderr.contains(".deploy-trigger"), "{}", r.stderr);

    repo.commit_files(
        "bump",
        &[("deployed_at.txt", "Thu Nov  7 14:03:11 UTC 2024\n")],
    );
    let r = repo.push(&["origin", "main"]);
    assert!(r.stderr.contains("trigger-file"), "{}", r.stderr);
}

#[test]
fn a_real_change_next_to_a_timestamp_file_is_not_a_trigger() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "feature",
        &[
            ("main.py", "print('new')\n"),
            ("VERSION_DATE", "2024-11-07\n"),
        ],
    );
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(!r.stderr.contains("trigger-file"), "{}", r.stderr);
}

#[test]
fn no_cache_added_to_a_deploy_workflow_warns_with_the_line() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let workflow = "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: flyctl deploy --remote-only\n";
    repo.commit_files("ci", &[(".github/workflows/fly.yml", workflow)]);
    let r = repo.push(&["origin", "main"]);
    assert!(!r.stderr.contains("no-cache-deploy"), "{}", r.stderr);
    repo.commit_files(
        "ci: clean builds",
        &[(
            ".github/workflows/fly.yml",
            &workflow.replace("--remote-only", "--remote-only --no-cache"),
        )],
    );
    let r = repo.push(&["origin", "main"]);
    assert!(r.stderr.contains("no-cache-deploy"), "{}", r.stderr);
    assert!(
        r.stderr.contains(".github/workflows/fly.yml:6"),
        "{}",
        r.stderr
    );
    // pip's --no-cache-dir is not a build cache flag.
    repo.commit_files(
        "pip",
        &[(
            "deploy.sh",
            "pip install --no-cache-dir -r requirements.txt\n",
        )],
    );
    let r = repo.push(&["origin", "main"]);
    assert!(!r.stderr.contains("deploy.sh:1"), "{}", r.stderr);
}

#[test]
fn a_second_deploy_push_within_minutes_warns() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    repo.commit_files("one", &[("main.py", "print(1)\n")]);
    repo.install_hook();
    let r = repo.push(&["origin", "main"]);
    assert!(!r.stderr.contains("frequent-deploys"), "{}", r.stderr);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.commit_files("wip", &[("main.py", "print(9)\n")]);
    let r = repo.push(&["origin", "feature"]);
    assert!(
        !r.stderr.contains("frequent-deploys"),
        "not a deploy: {}",
        r.stderr
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.commit_files("two", &[("main.py", "print(2)\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("frequent-deploys"), "{}", r.stderr);
    assert!(
        r.stderr.contains("second deploy push to main"),
        "{}",
        r.stderr
    );
    // check never uses push-time state.
    let out = common::run(
        sandbox
            .cmd(common::PUSHGUARD, &repo.path)
            .args(["check", "HEAD^!"]),
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("frequent-deploys"));
}

#[test]
fn only_pushes_that_landed_count_as_earlier_deploys() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    repo.commit_files("one", &[("main.py", "print(1)\n")]);
    repo.install_hook();
    // A dry run runs the hook but deploys nothing.
    let r = repo.push(&["--dry-run", "origin", "main"]);
    assert!(r.success(), "{r:?}");
    let r = repo.push(&["origin", "main"]);
    assert!(!r.stderr.contains("frequent-deploys"), "{}", r.stderr);
    repo.commit_files("two", &[("main.py", "print(2)\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(
        r.stderr.contains("second deploy push to main"),
        "{}",
        r.stderr
    );
    repo.commit_files("three", &[("main.py", "print(3)\n")]);
    // Dry runs of the commit being pushed did not land, however many there were.
    for _ in 0..2 {
        let r = repo.push(&["--dry-run", "origin", "main"]);
        assert!(r.success(), "{r:?}");
    }
    let r = repo.push(&["origin", "main"]);
    assert!(
        r.stderr.contains("third deploy push to main"),
        "{}",
        r.stderr
    );
    // Once it landed, its dry runs and its push are one deploy.
    repo.commit_files("four", &[("main.py", "print(4)\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.stderr.contains("4th deploy push to main"), "{}", r.stderr);
}
