//! Every way around the guard, through a real `git push` with the hook installed: each is
//! explicit, prints one line when used, and (except git's own `--no-verify`) is recorded in
//! the audit log that `pushguard log` prints.
//!
//! Pushes run under `setsid`, with no controlling terminal, so a blocked push is blocked
//! by the no-terminal policy and never waits for an answer, even when the tests are run
//! from a terminal.

use crate::common;

use common::{PushResult, Sandbox, TestRepo, PUSHGUARD};

const BLOCK_EMPTY: &str = "[rules.empty-commit]\nseverity = \"block\"\n";
const KNOWN: &str = "known rules: dockerfile-comment-only, cache-bust-arg, timestamp-edit,";

/// A repository whose `main` is pushed, with the hook installed and `empty-commit` set to
/// block.
fn guarded(sandbox: &Sandbox) -> TestRepo<'_> {
    let repo = sandbox.repo("app");
    repo.commit_files(
        "initial",
        &[("pushguard.toml", BLOCK_EMPTY), ("main.py", "print(1)\n")],
    );
    repo.install_hook();
    let r = push(&repo, &["-u", "origin", "main"], &[]);
    assert!(r.success(), "{r:?}");
    repo
}

/// `git push args` without a controlling terminal, with extra environment.
fn push(repo: &TestRepo<'_>, args: &[&str], env: &[(&str, &str)]) -> PushResult {
    let mut cmd = repo.sandbox.cmd("setsid", &repo.path);
    cmd.args(["-w", "git", "push"]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    common::run(&mut cmd).into()
}

fn audit(repo: &TestRepo<'_>) -> Vec<serde_json::Value> {
    let out = common::run(
        repo.sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["log", "--format", "json"]),
    );
    assert!(out.status.success(), "{}", common::describe(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn log_table(repo: &TestRepo<'_>) -> String {
    let out = common::run(repo.sandbox.cmd(PUSHGUARD, &repo.path).arg("log"));
    assert!(out.status.success(), "{}", common::describe(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `s` with every run of whitespace made one space, to match text that may be wrapped.
use common::flat;

fn pushed(repo: &TestRepo<'_>) -> Option<String> {
    repo.remote_sha("refs/heads/main")
}

#[test]
fn without_a_bypass_the_push_is_blocked() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox);
    let before = pushed(&repo);
    repo.commit_empty("rebuild please");
    let r = push(&repo, &["origin", "main"], &[]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("block[empty-commit]"), "{}", r.stderr);
    assert_eq!(pushed(&repo), before);
    // No override: only the stop itself is recorded (for `pushguard audit`).
    let log = audit(&repo);
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["how"], "stopped");
    assert_eq!(log[0]["rules"], serde_json::json!(["empty-commit"]));
}

#[test]
fn pushguard_0_skips_everything_in_one_line() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox);
    let sha = repo.commit_empty("rebuild please");
    let r = push(&repo, &["origin", "main"], &[("PUSHGUARD", "0")]);
    assert!(r.success(), "{r:?}");
    let ours: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("pushguard:"))
        .collect();
    assert_eq!(
        ours,
        vec!["pushguard: off for this push (PUSHGUARD=0): nothing was checked"],
        "{}",
        r.stderr
    );
    assert_eq!(pushed(&repo).as_deref(), Some(sha.as_str()));
    let log = audit(&repo);
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["how"], "off");
    assert_eq!(log[0]["ref"], "main");
    assert_eq!(log[0]["remote"], "origin");
    assert_eq!(log[0]["rules"], serde_json::json!([]));
    assert_eq!(log[0]["reason"], "PUSHGUARD=0");
    assert_eq!(log[0]["commit"], sha.as_str());
    assert!(log_table(&repo).contains("off      origin/main"));
}

#[test]
fn an_unrecognised_pushguard_value_is_reported_and_pushguard_runs() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox);
    let before = pushed(&repo);
    repo.commit_empty("rebuild please");
    let r = push(&repo, &["origin", "main"], &[("PUSHGUARD", "skip")]);
    assert!(!r.success(), "{r:?}");
    assert!(
        r.stderr.contains("pushguard: warning: PUSHGUARD=skip is not understood (PUSHGUARD=0 turns pushguard off for one push); checking as usual"),
        "{}",
        r.stderr
    );
    assert_eq!(pushed(&repo), before);
}

#[test]
fn pushguard_skip_skips_the_named_rules() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox);
    let sha = repo.commit_empty("rebuild please");
    let r = push(
        &repo,
        &["origin", "main"],
        &[("PUSHGUARD_SKIP", "empty-commit")],
    );
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains(
            "pushguard: PUSHGUARD_SKIP: not checking empty-commit for this push (1 finding skipped)\n"
        ),
        "{}",
        r.stderr
    );
    // A skipped rule is as if it had not run: its findings are not listed.
    assert!(!r.stderr.contains("block[empty-commit]"), "{}", r.stderr);
    assert_eq!(pushed(&repo).as_deref(), Some(sha.as_str()));
    let log = audit(&repo);
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["how"], "skip");
    assert_eq!(log[0]["rules"], serde_json::json!(["empty-commit"]));
    assert_eq!(log[0]["reason"], "PUSHGUARD_SKIP=empty-commit");
    assert_eq!(log[0]["commit"], sha.as_str());
}

#[test]
fn unknown_ids_in_pushguard_skip_are_reported() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox);
    let before = pushed(&repo);
    repo.commit_empty("rebuild please");
    let r = push(
        &repo,
        &["origin", "main"],
        &[("PUSHGUARD_SKIP", "empty-comit")],
    );
    assert!(!r.success(), "{r:?}");
    let expected =
        format!("pushguard: warning: PUSHGUARD_SKIP names unknown rule `empty-comit`; {KNOWN}");
    assert!(flat(&r.stderr).contains(&expected), "{}", r.stderr);
    assert_eq!(pushed(&repo), before);

    // Known ids still apply next to unknown ones.
    let r = push(
        &repo,
        &["origin", "main"],
        &[("PUSHGUARD_SKIP", "nope,empty-commit")],
    );
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("unknown rule `nope`"), "{}", r.stderr);
}

#[test]
fn a_trailer_accepts_its_rule_for_its_commit_and_shows_the_reason() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox);
    repo.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "Redeploy",
        "-m",
        "The builder cache is poisoned.",
        "-m",
        "pushguard-allow: empty-commit builder cache poisoned, see INC-42\nSigned-off-by: Pushguard Test <test@pushguard.invalid>",
    ]);
    let sha = repo.head();
    let r = push(&repo, &["origin", "main"], &[]);
    assert!(r.success(), "{r:?}");
    // The hook's compact report shows the finding as accepted, with the trailer's reason.
    assert!(
        common::flat(&r.stderr).contains("accepted[empty-commit] commit")
            && common::flat(&r.stderr)
                .contains("(Pushguard-Allow: builder cache poisoned, see INC-42)"),
        "{}",
        r.stderr
    );
    let line = format!(
        "pushguard: Pushguard-Allow: empty-commit accepted in commit {} (1 finding)\n",
        &sha[..8]
    );
    assert!(r.stderr.contains(&line), "{}", r.stderr);
    assert_eq!(pushed(&repo).as_deref(), Some(sha.as_str()));
    let log = audit(&repo);
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["how"], "trailer");
    assert_eq!(log[0]["rules"], serde_json::json!(["empty-commit"]));
    assert_eq!(log[0]["reason"], "builder cache poisoned, see INC-42");
    assert_eq!(log[0]["commit"], sha.as_str());
    let table = log_table(&repo);
    assert!(table.contains("trailer  origin/main"), "{table}");
    assert!(
        table.contains("    builder cache poisoned, see INC-42\n"),
        "{table}"
    );
}

#[test]
fn a_trailer_does_not_cover_other_commits_or_the_body() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox);
    let before = pushed(&repo);
    repo.commit_empty("rebuild one");
    // Not in the last paragraph: prose follows it.
    repo.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "rebuild two",
        "-m",
        "Pushguard-Allow: empty-commit looks like a trailer",
        "-m",
        "but this paragraph is last.",
    ]);
    repo.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "rebuild three",
        "-m",
        "Pushguard-Allow: empty-commit only this one",
    ]);
    let r = push(&repo, &["origin", "main"], &[]);
    assert!(!r.success(), "{r:?}");
    assert_eq!(
        common::flat(&r.stderr)
            .matches("(Pushguard-Allow: ")
            .count(),
        1,
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("only this one"), "{}", r.stderr);
    assert_eq!(pushed(&repo), before);
    assert!(audit(&repo).iter().all(|e| e["how"] == "stopped"));
}

#[test]
fn unknown_ids_in_trailers_are_reported() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox);
    repo.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "rebuild",
        "-m",
        "Pushguard-Allow: empty-comit typo",
    ]);
    let sha = repo.head();
    let r = push(&repo, &["origin", "main"], &[]);
    assert!(!r.success(), "{r:?}");
    let line = format!(
        "pushguard: warning: commit {} has a Pushguard-Allow trailer naming unknown rule `empty-comit`; {KNOWN}",
        &sha[..8]
    );
    assert!(flat(&r.stderr).contains(&line), "{}", r.stderr);
}

#[test]
fn no_verify_skips_the_hook_entirely() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox);
    let sha = repo.commit_empty("rebuild please");
    let r = push(&repo, &["--no-verify", "origin", "main"], &[]);
    assert!(r.success(), "{r:?}");
    assert!(!r.stderr.contains("pushguard:"), "{}", r.stderr);
    assert_eq!(pushed(&repo).as_deref(), Some(sha.as_str()));
    // git never ran the hook, so there is nothing pushguard could record.
    assert!(audit(&repo).is_empty());
}

#[test]
fn hostile_trailer_reasons_are_escaped_everywhere() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox);
    repo.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "rebuild",
        "-m",
        "Pushguard-Allow: empty-commit \x1b[2J\u{202e}gone",
    ]);
    let r = push(&repo, &["origin", "main"], &[]);
    assert!(r.success(), "{r:?}");
    assert!(!r.stderr.contains('\x1b'), "{:?}", r.stderr);
    assert!(!r.stderr.contains('\u{202e}'), "{:?}", r.stderr);
    assert!(
        r.stderr.contains("(Pushguard-Allow: \\e[2J\\u{202e}gone)"),
        "{}",
        r.stderr
    );
    let table = log_table(&repo);
    assert!(
        !table.contains('\x1b') && !table.contains('\u{202e}'),
        "{table:?}"
    );
    let raw = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["log", "--format", "json"]),
    );
    assert!(!raw.stdout.contains(&0x1b), "{}", common::describe(&raw));
}

#[test]
fn an_unwritable_audit_log_never_blocks_a_push() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox);
    // A file where the state directory should be: nothing can be created under it.
    let git_dir = repo.path.join(".git");
    std::fs::remove_dir_all(git_dir.join("pushguard")).ok();
    std::fs::write(git_dir.join("pushguard"), "not a directory").unwrap();
    let sha = repo.commit_empty("rebuild please");
    let r = push(
        &repo,
        &["origin", "main"],
        &[("PUSHGUARD_SKIP", "empty-commit")],
    );
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr
            .contains("pushguard: note: could not write the audit log"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("the push goes on, unrecorded"),
        "{}",
        r.stderr
    );
    assert_eq!(pushed(&repo).as_deref(), Some(sha.as_str()));
}

#[test]
fn log_with_nothing_recorded() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox);
    let table = log_table(&repo);
    assert!(table.starts_with("no overrides recorded ("), "{table}");
    assert!(audit(&repo).is_empty());
}

/// A half-edited pushguard.toml in the working tree stops a push that never touched it,
/// says that the file is not committed, and gives the usual ways to push anyway.
#[test]
fn an_uncommitted_broken_config_stops_the_push_with_the_bypass_hints() {
    let sandbox = Sandbox::new();
    let repo = sandbox.deployed(&[("main.py", "print('hi')\n")]);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_files("work", &[("main.py", "print('hello')\n")]);
    repo.write(
        "pushguard.toml",
        "[rules.empty-commit\nseverity = \"block\"\n",
    );
    let r = repo.push(&["origin", "main"]);
    assert!(!r.success(), "{r:?}");
    for line in [
        "pushguard.toml:1:",
        "pushguard.toml has changes that are not committed",
        "    - skip pushguard:   PUSHGUARD=0 git push  (recorded in the audit log)\n",
        "    - skip every hook:  git push --no-verify  (leaves no trace)\n",
    ] {
        assert!(r.stderr.contains(line), "missing {line:?} in\n{}", r.stderr);
    }
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
    let r: common::PushResult = repo
        .push_cmd(&["origin", "main"])
        .env("PUSHGUARD", "0")
        .output()
        .expect("git push")
        .into();
    assert!(r.success(), "{r:?}");
}
