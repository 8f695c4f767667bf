//! `pushguard audit`: generated histories with known forcing pushes replayed, totals read
//! from the JSON report; the HTML report checked for being one self-contained file, and
//! rendered in a real headless Chromium when one is installed (`.ci/run` installs it).

use crate::common;

use common::{Sandbox, TestRepo, PUSHGUARD};
use serde_json::Value;

const FLY: &str = "app = \"acme\"\n";
const DOCKERFILE: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n";

fn audit(repo: &TestRepo<'_>, args: &[&str]) -> Value {
    let mut cmd = repo.sandbox.cmd(PUSHGUARD, &repo.path);
    cmd.args(["audit", "--format", "json"]).args(args);
    let out = common::run(&mut cmd);
    assert!(out.status.success(), "{}", common::describe(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// A repository with a Fly.io app's first commit (and `extra` files in it).
fn fly_app<'s>(sandbox: &'s Sandbox, extra: &[(&str, &str)]) -> TestRepo<'s> {
    let repo = sandbox.repo("app");
    let mut files = vec![
        ("fly.toml", FLY),
        ("Dockerfile", DOCKERFILE),
        ("app.py", "x = 1\n"),
    ];
    files.extend_from_slice(extra);
    repo.commit_files("initial", &files);
    repo
}

/// A Fly.io app whose history has one push of each kind, committed but never pushed: the
/// audit counts one push per first-parent commit.
fn history(sandbox: &Sandbox) -> TestRepo<'_> {
    let repo = fly_app(sandbox, &[]);
    repo.commit_files("feature", &[("app.py", "x = 2\n")]);
    repo.commit_empty("redeploy");
    repo.commit_files("trigger deploy", &[(".deploy-trigger", "1\n")]);
    repo.commit_files("deps", &[("requirements.txt", "flask==3.0.0\n")]);
    repo
}

#[test]
fn per_commit_replay_counts_each_forcing_commit_as_a_wasted_deploy() {
    let sandbox = Sandbox::new();
    let repo = history(&sandbox);
    let a = audit(&repo, &["--branch", "main"]);
    assert_eq!(a["version"], 1);
    assert_eq!(a["branches"], serde_json::json!(["main"]));
    assert_eq!(a["boundaries"], "per-commit");
    assert_eq!(a["pushes"], 5);
    assert_eq!(a["deploys"], 5);
    assert_eq!(a["by_rule"]["empty-commit"], 1, "{a:#}");
    assert_eq!(a["by_rule"]["trigger-file"], 1, "{a:#}");
    let forcing = a["forcing_pushes"].as_array().expect("array");
    assert_eq!(forcing.len(), 2, "{a:#}");
    // The empty commit rebuilds nothing (tier none: 0 s build) but still deploys (30 s);
    // the trigger file is source to the build (incremental: 45 s, 2 min deploy).
    let total: u64 = forcing
        .iter()
        .map(|p| p["wasted_build_seconds"].as_u64().unwrap())
        .sum();
    assert_eq!(a["wasted_build_seconds"].as_u64(), Some(total));
    assert_eq!(a["wasted_build_seconds"], 45, "{a:#}");
    assert_eq!(a["wasted_deploy_seconds"], 30 + 120, "{a:#}");
    assert_eq!(forcing[0]["rules"], serde_json::json!(["empty-commit"]));
    assert_eq!(forcing[0]["commits"].as_array().unwrap().len(), 1);
    assert_eq!(forcing[0]["apps"], serde_json::json!(["fly acme"]));
    let months = a["by_month"].as_array().unwrap();
    assert_eq!(months.len(), 1, "{a:#}");
    assert_eq!(months[0]["deploys"], 5);
    assert_eq!(months[0]["forcing"], 2);
    // --since after the history: nothing.
    let none = audit(&repo, &["--since", "2100-01-01"]);
    assert_eq!(none["pushes"], 0);
}

#[test]
fn reflog_boundaries_replay_real_pushes_and_a_forcing_commit_beside_real_changes_is_free() {
    let sandbox = Sandbox::new();
    // The pushes are minutes apart: frequent-deploys is off to look at empty-commit alone.
    let quiet = "[rules.frequent-deploys]\nseverity = \"off\"\n";
    let repo = fly_app(&sandbox, &[("pushguard.toml", quiet)]);
    repo.git(&["push", "-q", "-u", "origin", "main"]);
    repo.commit_files("feature", &[("app.py", "x = 2\n")]);
    repo.commit_empty("redeploy");
    repo.git(&["push", "-q", "origin", "main"]);
    repo.commit_empty("redeploy again");
    repo.git(&["push", "-q", "origin", "main"]);
    let a = audit(&repo, &[]);
    assert_eq!(a["boundaries"], "reflog", "{a:#}");
    assert_eq!(a["pushes"], 3, "{a:#}");
    // The first empty commit went out with a real change: it cost nothing.
    assert_eq!(a["by_rule"]["empty-commit"], 1, "{a:#}");
    let forcing = a["forcing_pushes"].as_array().unwrap();
    assert_eq!(forcing.len(), 1, "{a:#}");
    assert_eq!(forcing[0]["commits"].as_array().unwrap().len(), 1);
    assert_eq!(forcing[0]["wasted_deploy_seconds"], 30);
}

#[test]
fn a_push_the_hook_stopped_is_counted_as_prevented() {
    let sandbox = Sandbox::new();
    let repo = fly_app(
        &sandbox,
        &[(
            "pushguard.toml",
            "[rules.trigger-file]\nseverity = \"block\"\n",
        )],
    );
    repo.install_hook();
    let r = repo.push(&["-u", "origin", "main"]);
    assert!(r.success(), "{r:?}");
    repo.commit_files("trigger deploy", &[(".deploy-trigger", "1\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(!r.success(), "{r:?}");
    let a = audit(&repo, &[]);
    assert_eq!(a["prevented"]["pushes"], 1, "{a:#}");
    assert_eq!(a["prevented"]["build_seconds"], 45, "{a:#}");
    assert_eq!(a["prevented"]["rewritten"], 0, "{a:#}");
    // The trigger dropped and a real change pushed instead: the stop led to a rewrite.
    repo.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.commit_files("feature", &[("app.py", "print('new')\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    let a = audit(&repo, &[]);
    assert_eq!(a["prevented"]["pushes"], 1, "{a:#}");
    assert_eq!(a["prevented"]["rewritten"], 1, "{a:#}");
    let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
    let log = common::run(cmd.arg("log"));
    assert!(
        String::from_utf8_lossy(&log.stdout).contains("stopped"),
        "{}",
        common::describe(&log)
    );
}

#[test]
fn the_secret_scan_is_replayed_only_when_asked_and_the_report_says_so() {
    let sandbox = Sandbox::new();
    let repo = fly_app(&sandbox, &[]);
    let key = format!("AKIA{}", "Q2W7ZK4M".repeat(2));
    repo.commit_files(
        "settings",
        &[("settings.py", &format!("AWS_KEY = \"{key}\"\n"))],
    );
    repo.commit_files("feature", &[("app.py", "x = 2\n")]);

    let skipped = audit(&repo, &["--branch", "main"]);
    assert_eq!(skipped["secret_scan"], "skipped", "{skipped:#}");
    assert!(
        skipped["by_rule"].get("secret-in-image").is_none(),
        "{skipped:#}"
    );
    let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
    let out = common::run(cmd.arg("audit"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("secret-in-image not replayed") && text.contains("--secrets"),
        "{text}"
    );

    let scanned = audit(&repo, &["--branch", "main", "--secrets"]);
    assert_eq!(scanned["secret_scan"], "replayed", "{scanned:#}");
    assert_eq!(scanned["by_rule"]["secret-in-image"], 1, "{scanned:#}");
    // A secret is reported, but it wastes no build.
    assert_eq!(scanned["wasted_build_seconds"], 0, "{scanned:#}");
    let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
    let out = common::run(cmd.args(["audit", "--secrets"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("not replayed") && !text.contains(&key),
        "{text}"
    );
}

#[test]
fn the_text_report_names_the_pushes_and_says_how_they_were_counted() {
    let sandbox = Sandbox::new();
    let repo = history(&sandbox);
    let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
    let out = common::run(cmd.arg("audit"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", common::describe(&out));
    assert!(
        text.starts_with("pushguard audit: main: 5 pushes, 5 deploys\n"),
        "{text}"
    );
    assert!(text.contains("an upper bound"), "{text}");
    assert!(text.contains("\"trigger deploy\""), "{text}");
    assert!(text.contains("fly acme"), "{text}");
    // A mistyped date is a usage error naming the flag and the format.
    let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
    let out = common::run(cmd.args(["audit", "--since", "last week"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--since last week is not a date: write it as YYYY-MM-DD"));
}

#[test]
fn the_html_report_is_one_self_contained_file_that_renders() {
    let sandbox = Sandbox::new();
    let repo = history(&sandbox);
    // A hostile subject must come out as text.
    repo.commit_empty("<script>alert(1)</script>");
    let file = sandbox.path("audit.html");
    let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
    let out = common::run(cmd.args(["audit", "--format", "html", "-o"]).arg(&file));
    assert!(out.status.success(), "{}", common::describe(&out));
    let html = std::fs::read_to_string(&file).expect("written");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(!html.contains("<script"), "no script at all: {html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.matches("<svg").count() == 2, "{html}");
    assert!(html.contains("class=\"bar\""), "{html}");
    let external = html
        .match_indices("http")
        .filter(|(i, _)| !html[..*i].ends_with("xmlns=\""))
        .count();
    assert_eq!(external, 0, "nothing from the network: {html}");
    let Some(chromium) = std::env::var_os("PUSHGUARD_TEST_CHROMIUM") else {
        eprintln!("skipped: rendering in Chromium (PUSHGUARD_TEST_CHROMIUM unset; run .ci/run)");
        return;
    };
    let url = format!("file://{}", file.display());
    let shot = std::env::var_os("PUSHGUARD_TEST_ARTIFACTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| sandbox.path("artifacts"));
    std::fs::create_dir_all(&shot).expect("artifact dir");
    let png = shot.join("audit.png");
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--enable-logging=stderr",
        "--v=0",
    ];
    let mut cmd = sandbox.cmd(&chromium, sandbox.root());
    cmd.args(base).arg("--dump-dom").arg(&url);
    let dom = common::run(&mut cmd);
    let dumped = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dumped.contains("<rect class=\"bar\""),
        "{}",
        common::describe(&dom)
    );
    let console = String::from_utf8_lossy(&dom.stderr);
    assert!(
        !console.contains("Uncaught") && !console.contains("CONSOLE("),
        "console errors: {console}"
    );
    let mut cmd = sandbox.cmd(&chromium, sandbox.root());
    cmd.args(base)
        .arg("--window-size=1100,1400")
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url);
    let out = common::run(&mut cmd);
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "a rendered screenshot: {}",
        common::describe(&out)
    );
    eprintln!("audit screenshot: {}", png.display());
}

#[test]
fn deploy_pushes_minutes_apart_are_replayed_as_frequent_deploys_from_the_reflog() {
    let sandbox = Sandbox::new();
    let repo = fly_app(&sandbox, &[]);
    repo.git(&["push", "-q", "-u", "origin", "main"]);
    // Two real changes pushed one after the other (the sandbox's clock moves a minute per
    // git call): the second deploy push comes minutes after the first.
    repo.commit_files("first fix", &[("app.py", "x = 2\n")]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo.commit_files("second fix", &[("app.py", "x = 3\n")]);
    repo.git(&["push", "-q", "origin", "main"]);
    let a = audit(&repo, &[]);
    assert_eq!(a["boundaries"], "reflog", "{a:#}");
    assert_eq!(a["by_rule"]["frequent-deploys"], 2, "{a:#}");
    let forcing = a["forcing_pushes"].as_array().unwrap();
    assert_eq!(forcing.len(), 2, "{a:#}");
    assert_eq!(forcing[1]["rules"], serde_json::json!(["frequent-deploys"]));
    assert_eq!(forcing[1]["wasted_build_seconds"], 45, "{a:#}");
    // Without a reflog the pushes' times are unknown: not judged.
    let fresh = sandbox.repo("copy");
    fresh.git(&["pull", "-q", repo.remote_url(), "main"]);
    let b = audit(&fresh, &["--branch", "main"]);
    assert!(b["by_rule"].get("frequent-deploys").is_none(), "{b:#}");
}
