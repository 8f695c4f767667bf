//! The GitHub Action (`action.yml`): its check step run as the script it is, with the
//! variables GitHub gives it, on real repositories, for a push, a new branch and a pull
//! request. (Its install step is `cargo install` of this checkout, which the test suite
//! has already built.)

use std::collections::BTreeMap;
use std::path::Path;

use crate::common;

use common::{Sandbox, TestRepo, PUSHGUARD};
use yaml_rust2::{Yaml, YamlLoader};

/// The step `id` of action.yml: its script and its `env:` names.
fn step(id: &str) -> (String, Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let text = std::fs::read_to_string(path).expect("action.yml");
    let doc = YamlLoader::load_from_str(&text).expect("action.yml is YAML");
    let steps = doc[0]["runs"]["steps"].as_vec().expect("runs.steps");
    let found = steps
        .iter()
        .find(|s| s["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no step {id}"));
    assert_eq!(doc[0]["runs"]["using"].as_str(), Some("composite"));
    assert_eq!(found["shell"].as_str(), Some("bash"));
    let env = match &found["env"] {
        Yaml::Hash(h) => h
            .keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    (found["run"].as_str().expect("run").to_owned(), env)
}

/// A repository pushed to `origin` once, then two commits on top: an empty "trigger
/// deploy" commit and one that adds a secret. Returns the repo, the pushed base and the tip.
fn repository(sandbox: &Sandbox) -> (TestRepo<'_>, String, String) {
    let repo = sandbox.repo("app");
    let base = repo.commit_files(
        "initial",
        &[
            ("app.py", "print('hi')\n"),
            ("Dockerfile", "FROM python:3.12-slim\nCOPY . /app\n"),
        ],
    );
    repo.git_ok(&["push", "-q", "origin", "main"]);
    repo.git_ok(&["fetch", "-q", "origin"]);
    repo.commit_empty("trigger deploy");
    // Assembled at run time, so this file holds no secret-shaped literal.
    let key: String = "AKIA".chars().chain("Q7ZL2M9XK4TN8PB3".chars()).collect();
    let tip = repo.commit_files(
        "settings",
        &[("settings.py", &format!("AWS_ACCESS_KEY_ID = \"{key}\"\n"))],
    );
    (repo, base, tip)
}

/// Runs the check step in `repo` with GitHub's variables `vars`; returns the exit code,
/// stdout, and the step's outputs file.
fn run_check(
    sandbox: &Sandbox,
    repo: &TestRepo<'_>,
    vars: &BTreeMap<&str, String>,
) -> (i32, String, String) {
    let (script, names) = step("check");
    let outputs = sandbox.root().join("outputs");
    let _ = std::fs::remove_file(&outputs);
    let bin = Path::new(PUSHGUARD).parent().expect("bin dir");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = sandbox.cmd("bash", &repo.path);
    cmd.arg("-c").arg(&script).env("PATH", path);
    cmd.env("GITHUB_OUTPUT", &outputs);
    cmd.env("GITHUB_STEP_SUMMARY", sandbox.root().join("summary.md"));
    // Every name the step's env declares is set (GitHub sets each, empty or not).
    for name in &names {
        cmd.env(name, vars.get(name.as_str()).cloned().unwrap_or_default());
    }
    for name in vars.keys() {
        assert!(
            names.iter().any(|n| n == name),
            "action.yml's check step has no env {name}"
        );
    }
    let out = common::run(&mut cmd);
    let outputs = std::fs::read_to_string(&outputs).unwrap_or_default();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        outputs,
    )
}

#[test]
fn the_check_step_reads_only_its_env() {
    let (script, names) = step("check");
    // Nothing from an event is pasted into the script: it reads `$PG_…` variables only.
    assert!(!script.contains("${{"), "{script}");
    let mut rest = script.as_str();
    while let Some(at) = rest.find("PG_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
            .collect();
        assert!(
            names.contains(&name),
            "{name} is used but not in the step's env"
        );
        rest = &rest[at + name.len()..];
    }
}

#[test]
fn a_push_is_checked_and_blocked_with_annotations_and_sarif() {
    let sandbox = Sandbox::new();
    let (repo, base, tip) = repository(&sandbox);
    let sarif = sandbox.root().join("pushguard.sarif");
    let vars = BTreeMap::from([
        ("PG_EVENT", "push".to_owned()),
        ("PG_BEFORE", base),
        ("PG_SHA", tip.clone()),
        ("PG_REF_NAME", "main".to_owned()),
        ("PG_DEFAULT_BRANCH", "main".to_owned()),
        ("PG_SARIF", sarif.display().to_string()),
    ]);
    let (code, stdout, outputs) = run_check(&sandbox, &repo, &vars);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("::error"), "{stdout}");
    assert!(stdout.contains("secret-in-image"), "{stdout}");
    assert!(stdout.contains("empty-commit"), "{stdout}");
    assert!(
        !stdout.contains("Q7ZL2M9XK4TN8PB3"),
        "the key is masked: {stdout}"
    );
    assert!(outputs.contains("exit-code=1"), "{outputs}");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sarif).expect("SARIF written")).expect("SARIF");
    assert!(doc["runs"][0]["results"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
}

#[test]
fn a_new_branch_is_judged_against_the_default_branch() {
    let sandbox = Sandbox::new();
    let (repo, _, tip) = repository(&sandbox);
    let vars = BTreeMap::from([
        ("PG_EVENT", "push".to_owned()),
        (
            "PG_BEFORE",
            "0000000000000000000000000000000000000000".to_owned(),
        ),
        ("PG_SHA", tip),
        ("PG_REF_NAME", "feature/x".to_owned()),
        ("PG_DEFAULT_BRANCH", "main".to_owned()),
    ]);
    let (code, stdout, outputs) = run_check(&sandbox, &repo, &vars);
    // The two new commits, not the whole history: the secret blocks on any branch.
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("secret-in-image"), "{stdout}");
    assert!(stdout.contains("2 commits"), "{stdout}");
    assert!(outputs.contains("exit-code=1"), "{outputs}");
}

#[test]
fn a_pull_request_is_judged_as_pushed_to_its_base() {
    let sandbox = Sandbox::new();
    let (repo, _, tip) = repository(&sandbox);
    let vars = BTreeMap::from([
        ("PG_EVENT", "pull_request".to_owned()),
        (
            "PG_SHA",
            "0123456789012345678901234567890123456789".to_owned(),
        ),
        ("PG_PR_BASE", "main".to_owned()),
        ("PG_PR_HEAD", tip),
        ("PG_REF_NAME", "7/merge".to_owned()),
    ]);
    let (code, stdout, _) = run_check(&sandbox, &repo, &vars);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("-> main"), "{stdout}");
    assert!(stdout.contains("empty-commit"), "{stdout}");
}
