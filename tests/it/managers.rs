//! pushguard under the real hook managers (husky 9, pre-commit), through real `git push`es
//! to bare remotes: the user's own hooks keep running, pushguard runs and can stop a push,
//! installing is idempotent and uninstalling gives back the user's files byte for byte.
//! The tools come from `.ci/run` ([`crate::tools`]); without them each test says it was
//! skipped.
//!
//! Pushes run under `setsid`, with no controlling terminal, so a push pushguard blocks is
//! blocked by the no-terminal policy and never waits for an answer.

use crate::common;
use crate::tools;

use std::fs;
use std::path::Path;

use common::{describe, PushResult, Sandbox, TestRepo, PUSHGUARD};

const BLOCK_EMPTY: &str = "[rules.empty-commit]\nseverity = \"block\"\n";
const USER_HOOK: &str = "echo user-hook-ran\n";

/// `git push args` without a controlling terminal, with extra environment.
fn push(repo: &TestRepo<'_>, args: &[&str], env: &[(&str, &str)]) -> PushResult {
    let mut cmd = repo.sandbox.cmd("setsid", &repo.path);
    cmd.args(["-w", "git", "push"]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    common::run(&mut cmd).into()
}

/// What the pusher saw: git passes a pre-push hook's stdout through as its own.
fn seen(r: &PushResult) -> String {
    format!("{}{}", r.stdout, r.stderr)
}

/// `pushguard args` in the repository; panics unless it exits 0.
fn pushguard(repo: &TestRepo<'_>, args: &[&str]) -> String {
    let out = common::run(repo.sandbox.cmd(PUSHGUARD, &repo.path).args(args));
    assert!(
        out.status.success(),
        "pushguard {args:?}: {}",
        describe(&out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file under `dir` with its contents, sorted: to see that nothing there changed.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(snapshot(&path));
        } else {
            files.push((path.display().to_string(), fs::read(&path).unwrap()));
        }
    }
    files.sort();
    files
}

/// `node <husky>/bin.js args` in the repository (as `npx husky args` would run it).
fn husky(repo: &TestRepo<'_>, husky_dir: &Path, args: &[&str]) {
    let out = common::run(
        repo.sandbox
            .cmd("node", &repo.path)
            .arg(husky_dir.join("bin.js"))
            .args(args),
    );
    assert!(out.status.success(), "husky {args:?}: {}", describe(&out));
}

/// A project with husky 9 set up by `husky init` and the user's own `.husky/pre-push`, its
/// first commit pushed; `empty-commit` blocks.
fn husky_project<'s>(sb: &'s Sandbox, husky_dir: &Path) -> TestRepo<'s> {
    let repo = sb.repo("app");
    repo.write(
        "package.json",
        "{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\",\n  \"private\": true\n}\n",
    );
    husky(&repo, husky_dir, &["init"]);
    // husky init's sample pre-commit runs `npm test`; this project has none.
    repo.remove(".husky/pre-commit");
    assert_eq!(repo.git_ok(&["config", "core.hooksPath"]), ".husky/_");
    repo.commit_files(
        "initial",
        &[
            ("pushguard.toml", BLOCK_EMPTY),
            ("main.py", "print(1)\n"),
            (".husky/pre-push", USER_HOOK),
        ],
    );
    let r = push(&repo, &["-u", "origin", "main"], &[]);
    assert!(r.success(), "{r:?}");
    assert!(seen(&r).contains("user-hook-ran"), "{r:?}");
    repo
}

#[test]
fn husky9_runs_the_users_hook_and_pushguard_and_uninstall_restores_it() {
    let Some(husky_dir) = tools::husky_dir() else {
        return;
    };
    let sb = Sandbox::new();
    let repo = husky_project(&sb, &husky_dir);
    let script = repo.path.join(".husky/pre-push");
    let wrappers = snapshot(&repo.path.join(".husky/_"));
    let original = fs::read(&script).unwrap();

    let out = pushguard(&repo, &["install"]);
    assert!(out.contains(".husky/pre-push"), "{out}");
    let installed = fs::read(&script).unwrap();
    assert_ne!(installed, original);
    // The user's lines are all still there; one line was added.
    let text = String::from_utf8_lossy(&installed);
    assert!(text.contains(USER_HOOK), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert_eq!(snapshot(&repo.path.join(".husky/_")), wrappers);
    assert_eq!(repo.git_ok(&["config", "core.hooksPath"]), ".husky/_");

    // Idempotent.
    let again = pushguard(&repo, &["install"]);
    assert!(again.contains("unchanged"), "{again}");
    assert_eq!(fs::read(&script).unwrap(), installed);

    // What `npm install`'s `prepare` runs rewrites husky's wrappers, not the user's script.
    husky(&repo, &husky_dir, &[]);
    assert_eq!(fs::read(&script).unwrap(), installed);

    // pushguard stops a deploy-wasting push.
    repo.commit_empty("trigger deploy");
    let blocked = push(&repo, &["origin", "main"], &[]);
    assert!(!blocked.success(), "{blocked:?}");
    assert!(blocked.stderr.contains("empty-commit"), "{blocked:?}");
    assert_eq!(
        repo.remote_sha("refs/heads/main"),
        Some(repo.git_ok(&["rev-parse", "HEAD~1"]))
    );

    // An ordinary push goes through both pushguard and the user's hook.
    // (`--keep`: pushguard's line in the working tree stays.)
    repo.git(&["reset", "-q", "--keep", "HEAD~1"]);
    let sha = repo.commit_files("feature", &[("main.py", "print(2)\n")]);
    let ok = push(&repo, &["origin", "main"], &[]);
    assert!(ok.success(), "{ok:?}");
    assert!(seen(&ok).contains("user-hook-ran"), "{ok:?}");
    assert!(ok.stderr.contains("pushguard: 1 ref to origin"), "{ok:?}");
    assert_eq!(repo.remote_sha("refs/heads/main"), Some(sha));

    let doctor = pushguard(&repo, &["doctor"]);
    assert!(doctor.contains("husky 9"), "{doctor}");

    let out = pushguard(&repo, &["uninstall"]);
    assert!(out.contains("removed pushguard's line"), "{out}");
    assert_eq!(fs::read(&script).unwrap(), original);
    assert_eq!(snapshot(&repo.path.join(".husky/_")), wrappers);
    let again = pushguard(&repo, &["uninstall"]);
    assert!(again.contains("nothing to do"), "{again}");
}

#[test]
fn husky9_users_hook_still_reads_the_ref_lines() {
    let Some(husky_dir) = tools::husky_dir() else {
        return;
    };
    let sb = Sandbox::new();
    let repo = husky_project(&sb, &husky_dir);
    // A user hook that reads git's stdin, as the pre-push sample does.
    repo.write(
        ".husky/pre-push",
        "while read local_ref local_sha remote_ref remote_sha; do echo \"user-saw $local_ref\"; done\n",
    );
    pushguard(&repo, &["install"]);
    let sha = repo.commit_files("feature", &[("main.py", "print(2)\n")]);
    let ok = push(&repo, &["origin", "main"], &[]);
    assert!(ok.success(), "{ok:?}");
    assert!(ok.stderr.contains("pushguard: 1 ref to origin"), "{ok:?}");
    assert!(seen(&ok).contains("user-saw refs/heads/main"), "{ok:?}");
    assert_eq!(repo.remote_sha("refs/heads/main"), Some(sha));
    assert!(
        fs::read_dir(sb.tmp_dir()).unwrap().next().is_none(),
        "the stdin copy was left behind"
    );
}

#[test]
fn husky9_without_a_pre_push_script_gets_one_and_loses_it_on_uninstall() {
    let Some(husky_dir) = tools::husky_dir() else {
        return;
    };
    let sb = Sandbox::new();
    let repo = husky_project(&sb, &husky_dir);
    repo.remove(".husky/pre-push");
    repo.commit_all("no pre-push script");
    assert!(push(&repo, &["origin", "main"], &[]).success());
    let script = repo.path.join(".husky/pre-push");

    let out = pushguard(&repo, &["install"]);
    assert!(out.contains("created"), "{out}");
    repo.commit_empty("trigger deploy");
    let blocked = push(&repo, &["origin", "main"], &[]);
    assert!(!blocked.success(), "{blocked:?}");
    assert!(blocked.stderr.contains("empty-commit"), "{blocked:?}");

    pushguard(&repo, &["uninstall"]);
    assert!(!script.exists());
    let ok = push(&repo, &["origin", "main"], &[]);
    assert!(ok.success(), "{ok:?}");
}

/// A repository whose first commit is pushed, with a `.pre-commit-config.yaml` running the
/// built pushguard (`repo: local`, no build) and pre-commit's pre-push hook installed.
fn pre_commit_project<'s>(sb: &'s Sandbox, pre_commit: &Path) -> TestRepo<'s> {
    let repo = sb.repo("app");
    let config = format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: pushguard\n        name: pushguard\n        \
         entry: {PUSHGUARD} check\n        language: system\n        stages: [pre-push]\n        \
         pass_filenames: false\n        always_run: true\n        verbose: true\n"
    );
    repo.commit_files(
        "initial",
        &[
            ("pushguard.toml", BLOCK_EMPTY),
            ("main.py", "print(1)\n"),
            (".pre-commit-config.yaml", &config),
        ],
    );
    let r = push(&repo, &["-u", "origin", "main"], &[]);
    assert!(r.success(), "{r:?}");
    let out =
        common::run(
            sb.cmd(pre_commit, &repo.path)
                .args(["install", "--hook-type", "pre-push"]),
        );
    assert!(out.status.success(), "{}", describe(&out));
    repo
}

#[test]
fn pre_commit_stops_a_blocking_push_and_skip_and_pushguard_0_let_it_through() {
    let Some(pre_commit) = tools::pre_commit() else {
        return;
    };
    let sb = Sandbox::new();
    let repo = pre_commit_project(&sb, &pre_commit);
    let before = repo.remote_sha("refs/heads/main");

    let trigger = repo.commit_empty("trigger deploy");
    let blocked = push(&repo, &["origin", "main"], &[]);
    assert!(!blocked.success(), "{blocked:?}");
    assert!(seen(&blocked).contains("empty-commit"), "{blocked:?}");
    assert_eq!(repo.remote_sha("refs/heads/main"), before);

    // pre-commit's own switch: pushguard is never started, so nothing is recorded.
    let skipped = push(&repo, &["origin", "main"], &[("SKIP", "pushguard")]);
    assert!(skipped.success(), "{skipped:?}");
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(trigger.as_str())
    );
    let log = pushguard(&repo, &["log", "--format", "json"]);
    assert!(log.trim().is_empty(), "{log}");

    // pushguard's switch: it runs, checks nothing, and records the push.
    let again = repo.commit_empty("trigger deploy again");
    let off = push(&repo, &["origin", "main"], &[("PUSHGUARD", "0")]);
    assert!(off.success(), "{off:?}");
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(again.as_str())
    );
    let log = pushguard(&repo, &["log", "--format", "json"]);
    assert!(log.contains("PUSHGUARD=0"), "{log}");
    assert_eq!(log.lines().count(), 1, "{log}");
}

#[test]
fn pre_commit_accepts_the_projects_hook_manifest() {
    let Some(pre_commit) = tools::pre_commit() else {
        return;
    };
    let sb = Sandbox::new();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let out = common::run(
        sb.cmd(&pre_commit, sb.root())
            .arg("validate-manifest")
            .arg(&manifest),
    );
    assert!(out.status.success(), "{}", describe(&out));
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/pre-commit-config.yaml");
    let out = common::run(
        sb.cmd(&pre_commit, sb.root())
            .arg("validate-config")
            .arg(&example),
    );
    assert!(out.status.success(), "{}", describe(&out));
}

#[test]
fn doctor_sees_pushguard_running_through_pre_commit() {
    let Some(pre_commit) = tools::pre_commit() else {
        return;
    };
    let sb = Sandbox::new();
    let repo = pre_commit_project(&sb, &pre_commit);
    let out = pushguard(&repo, &["doctor"]);
    assert!(out.contains("pre-commit"), "{out}");
    assert!(out.contains("pushguard is set up"), "{out}");
}

#[test]
fn husky_5_to_8_layout_gets_the_line_after_its_preamble() {
    // husky 5-8 point core.hooksPath at `.husky` itself; each script sources
    // `_/husky.sh`, which re-runs the script with `sh -e`. A stand-in of ours for that file,
    // doing just that, so the lines above the preamble would run twice.
    let sb = Sandbox::new();
    let repo = sb.repo("app");
    repo.write(
        ".husky/_/husky.sh",
        "if [ -z \"$husky_skip_init\" ]; then\n  husky_skip_init=1\n  export husky_skip_init\n  \
         sh -e \"$0\" \"$@\"\n  exit $?\nfi\n",
    );
    let original =
        "#!/usr/bin/env sh\n. \"$(dirname -- \"$0\")/_/husky.sh\"\n\necho user-hook-ran\n";
    common::write_executable(&repo.path.join(".husky/pre-push"), original);
    repo.git(&["config", "core.hooksPath", ".husky"]);
    repo.commit_files(
        "initial",
        &[("pushguard.toml", BLOCK_EMPTY), ("main.py", "print(1)\n")],
    );
    assert!(push(&repo, &["-u", "origin", "main"], &[]).success());

    let out = pushguard(&repo, &["install"]);
    assert!(out.contains(".husky/pre-push"), "{out}");
    let script = repo.path.join(".husky/pre-push");
    let text = fs::read_to_string(&script).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[2].ends_with("# pushguard-managed-line"), "{text}");
    assert!(!repo.path.join(".husky/pre-push.pushguard-chained").exists());

    repo.commit_empty("trigger deploy");
    let blocked = push(&repo, &["origin", "main"], &[]);
    assert!(!blocked.success(), "{blocked:?}");
    assert_eq!(
        seen(&blocked).matches("block[empty-commit]").count(),
        1,
        "{blocked:?}"
    );

    repo.git(&["reset", "-q", "--keep", "HEAD~1"]);
    let sha = repo.commit_files("feature", &[("main.py", "print(2)\n")]);
    let ok = push(&repo, &["origin", "main"], &[]);
    assert!(ok.success(), "{ok:?}");
    assert_eq!(seen(&ok).matches("pushguard: 1 ref").count(), 1, "{ok:?}");
    assert!(seen(&ok).contains("user-hook-ran"), "{ok:?}");
    assert_eq!(repo.remote_sha("refs/heads/main"), Some(sha));

    pushguard(&repo, &["uninstall"]);
    assert_eq!(fs::read_to_string(&script).unwrap(), original);
}

#[test]
fn doctor_sees_lefthooks_hook_and_whether_it_runs_pushguard() {
    let Some(lefthook) = tools::lefthook() else {
        return;
    };
    let sb = Sandbox::new();
    let repo = sb.repo("app");
    repo.commit_files(
        "initial",
        &[(
            "lefthook.yml",
            "pre-commit:\n  commands:\n    lint:\n      run: true\n",
        )],
    );
    let out = common::run(sb.cmd(&lefthook, &repo.path).arg("install"));
    assert!(out.status.success(), "{}", describe(&out));

    let o = common::run(sb.cmd(PUSHGUARD, &repo.path).arg("doctor"));
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    let text = common::flat(&String::from_utf8_lossy(&o.stdout));
    assert!(
        text.contains("lefthook.yml does not run pushguard"),
        "{text}"
    );

    repo.write(
        "lefthook.yml",
        &format!(
            "pre-push:\n  commands:\n    pushguard:\n      run: {PUSHGUARD} hook pre-push {{1}} {{2}}\n      \
             use_stdin: true\n"
        ),
    );
    let out = common::run(sb.cmd(&lefthook, &repo.path).arg("install"));
    assert!(out.status.success(), "{}", describe(&out));
    let text = pushguard(&repo, &["doctor"]);
    assert!(text.contains("is lefthook's"), "{text}");
    assert!(text.contains("pushguard is set up"), "{text}");
}
