//! The pre-push hook run without git's ref lines, as hook managers run it: lefthook gives
//! a command a pseudo-terminal as stdin unless `use_stdin: true`, and the terminal itself
//! with `interactive: true`; a husky script can read stdin first. pushguard then works out
//! what the running `git push` sends and says so in one line.
//!
//! The hooks here are small sh scripts standing where the manager would, each handing
//! pushguard the stdin a manager would: nothing (`</dev/null`) or the terminal
//! (`</dev/tty`). The real lefthook runs in `lefthook_interactive_shows_the_prompt`.

use crate::common;
use crate::prompt::{finish, in_pty, settle, PTY};

use common::{write_executable, Sandbox, TestRepo, PUSHGUARD};

const BLOCK_EMPTY: &str = "[rules.empty-commit]\nseverity = \"block\"\n";
const DOCKERFILE: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n";

/// A repository with `main` pushed and tracking `origin/main`, then `hook` (sh, with
/// `@PG@` standing for the pushguard binary) installed as its pre-push hook.
fn with_hook<'s>(sandbox: &'s Sandbox, hook: &str) -> TestRepo<'s> {
    let repo = sandbox.repo("app");
    repo.commit_files(
        "initial",
        &[
            ("pushguard.toml", BLOCK_EMPTY),
            ("Dockerfile", DOCKERFILE),
            ("main.py", "print(1)\n"),
        ],
    );
    let r = repo.push(&["-u", "origin", "main"]);
    assert!(r.success(), "{r:?}");
    write_executable(
        &repo.hooks_dir().join("pre-push"),
        &format!("#!/bin/sh\n{}\n", hook.replace("@PG@", PUSHGUARD)),
    );
    repo
}

const EMPTY_STDIN: &str = "exec '@PG@' hook pre-push \"$@\" </dev/null";

#[test]
fn without_ref_lines_the_current_branch_is_judged_and_said_so() {
    let sandbox = Sandbox::new();
    let repo = with_hook(&sandbox, EMPTY_STDIN);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("redeploy");
    let r = repo.push(&[]);
    assert!(!r.success(), "{r:?}");
    assert!(
        r.stderr.contains(
            "pushguard: git's ref lines did not reach the hook (stdin was empty); judging \
             what `git push` sends, from push.default = simple, against the remote as last \
             fetched"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("main -> origin/main  1 commit"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("block[empty-commit]"), "{}", r.stderr);
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn without_ref_lines_an_explicit_refspec_is_read_from_the_push_command() {
    let sandbox = Sandbox::new();
    let repo = with_hook(&sandbox, EMPTY_STDIN);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let sha = repo.commit_files("change", &[("main.py", "print(2)\n")]);
    let r = repo.push(&["origin", "feature:main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr
            .contains("judging what `git push origin feature:main` sends, from its refspecs"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("feature -> origin/main  1 commit, 1 file"),
        "{}",
        r.stderr
    );
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
    // A deletion by refspec is one too.
    repo.git(&["push", "-q", "--no-verify", "origin", "feature"]);
    let r = repo.push(&["origin", ":feature"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("origin/feature  deleted"), "{}", r.stderr);
}

#[test]
fn what_cannot_be_worked_out_is_said_not_guessed() {
    let sandbox = Sandbox::new();
    let repo = with_hook(&sandbox, EMPTY_STDIN);
    repo.git(&["tag", "v1"]);
    let r = repo.push(&["--tags", "origin"]);
    assert!(
        common::flat(&r.stderr).contains(
            "what this push sends could not be worked out without them: `git push --tags` \
             pushes refs that only git's ref lines on the hook's stdin can name exactly"
        ),
        "{}",
        r.stderr
    );
    assert!(
        common::flat(&r.stderr).contains("lefthook: `use_stdin: true`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("this push was NOT checked"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_terminal_on_stdin_is_not_read_and_the_prompt_still_asks() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = with_hook(&sandbox, "exec '@PG@' hook pre-push \"$@\" </dev/tty");
    let sha = repo.commit_empty("redeploy");
    let mut p = in_pty(repo.push_cmd(&[]));
    p.exp_string("(stdin is a terminal); judging what `git push` sends")
        .unwrap();
    p.exp_string("[y/N] ").unwrap();
    settle();
    p.send("y").unwrap();
    p.flush().unwrap();
    let (rest, code) = finish(&mut p);
    assert_eq!(code, 0, "{rest}");
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
}

/// A repository whose pre-push hook is the real lefthook running pushguard as the script
/// docs/ci.md gives, with `option` (`interactive: true` or `use_stdin: true`); `None` (and
/// a line saying so) when lefthook is not installed.
fn with_lefthook<'s>(sandbox: &'s Sandbox, option: &str) -> Option<TestRepo<'s>> {
    let lefthook = crate::tools::lefthook()?;
    let repo = with_hook(sandbox, "exit 0");
    std::fs::remove_file(repo.hooks_dir().join("pre-push")).expect("remove");
    // A script, not a command: lefthook skips a pre-push *command* when `git diff HEAD
    // @{push}` lists no file (an empty commit), and never skips a script for that.
    repo.write(
        "lefthook.yml",
        &format!(
            "pre-push:\n  scripts:\n    \"pushguard.sh\":\n      runner: sh\n      {option}\n"
        ),
    );
    repo.write(
        ".lefthook/pre-push/pushguard.sh",
        &format!("exec '{PUSHGUARD}' hook pre-push \"$@\"\n"),
    );
    repo.commit_all("lefthook");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    let out = common::run(sandbox.cmd(&lefthook, &repo.path).arg("install"));
    assert!(out.status.success(), "{}", common::describe(&out));
    Some(repo)
}

/// The real lefthook, with the snippet docs/ci.md gives for the prompt: a script with
/// `interactive: true`.
#[test]
fn lefthook_interactive_shows_the_prompt() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let Some(repo) = with_lefthook(&sandbox, "interactive: true") else {
        return;
    };
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("redeploy");
    let mut p = in_pty(repo.push_cmd(&[]));
    p.exp_string("judging what `git push` sends").unwrap();
    p.exp_string("block[empty-commit]").unwrap();
    p.exp_string("[y/N] ").unwrap();
    settle();
    p.send("n").unwrap();
    p.flush().unwrap();
    let (rest, code) = finish(&mut p);
    assert_ne!(code, 0, "{rest}");
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

/// The real lefthook with `use_stdin: true` and no terminal (an agent, a GUI): git's own
/// ref lines arrive, and the policy for nobody-to-ask applies.
#[test]
fn lefthook_use_stdin_passes_the_ref_lines() {
    let sandbox = Sandbox::new();
    let Some(repo) = with_lefthook(&sandbox, "use_stdin: true") else {
        return;
    };
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("redeploy");
    let mut cmd = sandbox.cmd("setsid", &repo.path);
    cmd.args(["-w", "git", "push", "origin", "main"]);
    let r: common::PushResult = common::run(&mut cmd).into();
    assert!(!r.success(), "{r:?}");
    assert!(
        r.stdout.contains("block[empty-commit]") || r.stderr.contains("block[empty-commit]"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("did not reach the hook"), "{}", r.stderr);
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}
