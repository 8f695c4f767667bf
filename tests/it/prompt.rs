//! The terminal confirm and the no-terminal policy, through a real `git push` with the hook
//! installed by install.sh. Interactive pushes run in a pseudo-terminal (rexpect) that is
//! the controlling terminal of git and the hook, exactly as in a developer's shell.
//!
//! Findings are made with the one rule the tests can rely on: `pushguard.toml` sets
//! `[rules.empty-commit] severity = "block"` and an empty commit is pushed to `main`.

use crate::common;

use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use common::{Sandbox, TestRepo, PUSHGUARD};
use rexpect::process::WaitStatus;
use rexpect::session::{spawn_command, PtySession};

const BLOCK_EMPTY: &str = "[rules.empty-commit]\nseverity = \"block\"\n";
const DOCKERFILE: &str =
    "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"main.py\"]\n";

/// Pseudo-terminal tests run one at a time: each forks, and the machine is small enough
/// that parallel builds make the timing of keystrokes unpredictable.
pub(crate) static PTY: Mutex<()> = Mutex::new(());

/// A repository whose `main` is pushed, with the hook installed and `config` committed as
/// pushguard.toml.
fn guarded<'s>(sandbox: &'s Sandbox, config: &str) -> TestRepo<'s> {
    let repo = sandbox.repo("app");
    repo.commit_files(
        "initial",
        &[
            ("pushguard.toml", config),
            ("Dockerfile", DOCKERFILE),
            ("main.py", "print(1)\n"),
        ],
    );
    repo.install_hook();
    let r = no_tty(&repo, &["-u", "origin", "main"], &[]);
    assert!(r.success(), "{r:?}");
    repo
}

/// `git push args` with no controlling terminal (`setsid`), like a GUI client or an agent.
fn no_tty(repo: &TestRepo<'_>, args: &[&str], env: &[(&str, &str)]) -> common::PushResult {
    let mut cmd = repo.sandbox.cmd("setsid", &repo.path);
    cmd.args(["-w", "git", "push"]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    common::run(&mut cmd).into()
}

/// `cmd` in a fresh pseudo-terminal that becomes its controlling terminal.
pub(crate) fn in_pty(mut cmd: Command) -> PtySession {
    cmd.env("TERM", "xterm").env("NO_COLOR", "1");
    spawn_command(cmd, Some(60_000)).expect("spawn in a pty")
}

/// `git push args` in a pseudo-terminal.
fn pty_push(repo: &TestRepo<'_>, args: &[&str]) -> PtySession {
    in_pty(repo.push_cmd(args))
}

/// `git push origin main` in a pseudo-terminal, followed by `stty -a` on the same terminal
/// (to see the modes it was left in), once the question is on screen and the hook reads
/// keys.
fn waiting_prompt(repo: &TestRepo<'_>) -> PtySession {
    let mut cmd = repo.sandbox.cmd("sh", &repo.path);
    cmd.args([
        "-c",
        "git push origin main; echo \"push-exit=$?\"; stty -a </dev/tty; echo stty-done",
    ]);
    let mut p = in_pty(cmd);
    p.exp_string("[y/N] ").unwrap();
    settle();
    p
}

/// Waits for the end of output and the exit code.
pub(crate) fn finish(p: &mut PtySession) -> (String, i32) {
    let rest = p.exp_eof().expect("output ends");
    let code = match p.process().wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("child did not exit normally: {other:?}\n{rest}"),
    };
    (rest, code)
}

/// Lets the hook reach its key read (raw mode) after the question is on screen.
pub(crate) fn settle() {
    std::thread::sleep(Duration::from_millis(300));
}

fn audit_json(repo: &TestRepo<'_>) -> Vec<serde_json::Value> {
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

#[test]
fn answering_n_refuses_the_push() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("rebuild please");
    let mut p = pty_push(&repo, &["origin", "main"]);
    p.exp_string("block[empty-commit]").unwrap();
    p.exp_string("Push anyway and deploy with NO rebuild (~30 s deploy)? [y/N] ")
        .unwrap();
    settle();
    p.send("n").unwrap();
    p.flush().unwrap();
    let (rest, code) = finish(&mut p);
    assert_ne!(code, 0, "{rest}");
    assert!(
        rest.contains("pushguard: push stopped: you answered no; nothing was sent."),
        "{rest}"
    );
    assert!(
        rest.contains("PUSHGUARD_SKIP=empty-commit git push"),
        "{rest}"
    );
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
    // Nothing was let through; the stop is recorded as one.
    let log = audit_json(&repo);
    assert!(
        log.iter().all(|e| e["how"] == "stopped") && log.len() == 1,
        "{log:?}"
    );
}

#[test]
fn enter_means_no() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("rebuild please");
    let mut p = pty_push(&repo, &["origin", "main"]);
    p.exp_string("[y/N] ").unwrap();
    settle();
    // Keys that do not answer are ignored; Enter takes the default.
    p.send("x").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    let (rest, code) = finish(&mut p);
    assert_ne!(code, 0, "{rest}");
    assert!(rest.starts_with("no"), "{rest}");
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn answering_y_pushes_and_logs_the_override() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    // The empty commit is all the push holds, so it costs a deploy of its own and blocks.
    // (Beside a real change it would cost nothing extra and be reported as info.)
    let sha = repo.commit_empty("rebuild please");
    let mut p = pty_push(&repo, &["origin", "main"]);
    p.exp_string("Push anyway and deploy with NO rebuild (~30 s deploy)? [y/N] ")
        .unwrap();
    settle();
    p.send("y").unwrap();
    p.flush().unwrap();
    let (rest, code) = finish(&mut p);
    assert_eq!(code, 0, "{rest}");
    assert!(
        rest.contains(
            "pushguard: pushing anyway (confirmed at the terminal; recorded in the audit log)"
        ),
        "{rest}"
    );
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
    let log = audit_json(&repo);
    assert_eq!(log.len(), 1, "{log:?}");
    let e = &log[0];
    assert_eq!(e["how"], "prompt");
    assert_eq!(e["remote"], "origin");
    assert_eq!(e["ref"], "main");
    assert_eq!(e["rules"], serde_json::json!(["empty-commit"]));
    assert_eq!(e["commit"], sha.as_str());
    assert_eq!(e["reason"], "confirmed at the terminal");
    let time = e["time"].as_str().unwrap();
    assert!(
        time.len() == 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
        "{time}"
    );
    // The readable table names the same override.
    let out = common::run(sandbox.cmd(PUSHGUARD, &repo.path).arg("log"));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("prompt   origin/main"), "{table}");
    assert!(table.contains("empty-commit"), "{table}");
}

/// Ctrl-C at the question: in raw mode it reaches pushguard as a key, not as SIGINT, so
/// pushguard cancels the push itself and the shell that ran git lives on to run `stty`,
/// which shows the terminal back in cooked mode.
#[test]
fn ctrl_c_cancels_and_leaves_the_terminal_usable() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("rebuild please");
    let mut p = waiting_prompt(&repo);
    p.send_control('c').unwrap();
    let (rest, code) = finish(&mut p);
    assert_eq!(code, 0, "{rest}");
    assert!(
        rest.contains("pushguard: push cancelled (Ctrl-C); nothing was sent."),
        "{rest}"
    );
    assert!(rest.contains("push-exit=1"), "{rest}");
    assert!(rest.contains("stty-done"), "{rest}");
    let stty: Vec<&str> = rest.split_whitespace().collect();
    for flag in ["icanon", "isig", "opost", "icrnl"] {
        assert!(stty.contains(&flag), "{flag} not set after ^C:\n{rest}");
    }
    // The cursor was never hidden, so nothing needs showing again.
    assert!(!rest.contains("\x1b[?25l"), "{rest:?}");
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn a_signal_while_the_prompt_waits_restores_the_terminal() {
    for signal in ["TERM", "HUP", "INT"] {
        let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
        let sandbox = Sandbox::new();
        let repo = guarded(&sandbox, BLOCK_EMPTY);
        let before = repo.remote_sha("refs/heads/main");
        repo.commit_empty("rebuild please");
        let mut p = waiting_prompt(&repo);
        // Sent from elsewhere (a GUI client giving up, a closed window): not a key.
        let killed = common::run(sandbox.cmd("pkill", &repo.path).args([
            &format!("-{signal}"),
            "-f",
            "pushguard hook pre-push",
        ]));
        assert!(killed.status.success(), "{}", common::describe(&killed));
        let (rest, code) = finish(&mut p);
        assert_eq!(code, 0, "{rest}");
        assert!(rest.contains("push-exit=1"), "{signal}: {rest}");
        let stty: Vec<&str> = rest.split_whitespace().collect();
        // (rexpect opens the pty with echo off, so echo is not among them.)
        for flag in ["icanon", "isig", "opost", "icrnl"] {
            assert!(
                stty.contains(&flag),
                "{flag} not set after SIG{signal}:\n{rest}"
            );
        }
        assert_eq!(repo.remote_sha("refs/heads/main"), before);
    }
}

#[test]
fn escape_cancels() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("rebuild please");
    let mut p = pty_push(&repo, &["origin", "main"]);
    p.exp_string("[y/N] ").unwrap();
    settle();
    p.send("\x1b").unwrap();
    p.flush().unwrap();
    let (rest, code) = finish(&mut p);
    assert_ne!(code, 0, "{rest}");
    assert!(
        rest.contains("pushguard: push cancelled (Esc); nothing was sent."),
        "{rest}"
    );
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn warn_findings_print_and_continue_unless_confirm_is_warn() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, "[rules.empty-commit]\nseverity = \"warn\"\n");
    let sha = repo.commit_empty("rebuild please");
    let mut p = pty_push(&repo, &["origin", "main"]);
    let (rest, code) = finish(&mut p);
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("warn[empty-commit]"), "{rest}");
    assert!(!rest.contains("[y/N]"), "{rest}");
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );

    // With confirm = "warn", the same finding asks.
    repo.commit_files(
        "confirm warnings",
        &[(
            "pushguard.toml",
            "[rules.empty-commit]\nseverity = \"warn\"\n[policy]\nconfirm = \"warn\"\n",
        )],
    );
    repo.commit_empty("rebuild again");
    let mut p = pty_push(&repo, &["origin", "main"]);
    p.exp_string("Push anyway and start an INCREMENTAL rebuild (~45 s)? [y/N] ")
        .unwrap();
    settle();
    p.send("n").unwrap();
    p.flush().unwrap();
    let (rest, code) = finish(&mut p);
    assert_ne!(code, 0, "{rest}");
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
}

#[test]
fn ci_wins_over_a_terminal() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("rebuild please");
    let mut cmd = repo.push_cmd(&["origin", "main"]);
    cmd.env("CI", "true");
    let mut p = in_pty(cmd);
    let (rest, code) = finish(&mut p);
    assert_ne!(code, 0, "{rest}");
    assert!(!rest.contains("[y/N]"), "{rest}");
    assert!(rest.contains("(CI is set)"), "{rest}");
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn no_input_flag_applies_the_policy_at_a_terminal() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    let old = repo.head();
    let new = repo.commit_empty("rebuild please");
    let script = format!(
        "echo 'refs/heads/main {new} refs/heads/main {old}' | '{PUSHGUARD}' hook pre-push --no-input origin '{}'; echo \"hook-exit=$?\"",
        repo.remote_url()
    );
    let mut cmd = sandbox.cmd("sh", &repo.path);
    cmd.args(["-c", &script]);
    let mut p = in_pty(cmd);
    let (rest, _) = finish(&mut p);
    assert!(!rest.contains("[y/N]"), "{rest}");
    assert!(rest.contains("(--no-input was given)"), "{rest}");
    assert!(rest.contains("hook-exit=1"), "{rest}");
}

#[test]
fn colour_at_a_terminal_unless_no_color() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, "[rules.empty-commit]\nseverity = \"warn\"\n");
    repo.commit_empty("rebuild please");
    let mut cmd = repo.push_cmd(&["--dry-run", "origin", "main"]);
    cmd.env("TERM", "xterm");
    // Not `in_pty`: that sets NO_COLOR.
    let mut p = spawn_command(cmd, Some(60_000)).unwrap();
    let (rest, code) = finish(&mut p);
    assert_eq!(code, 0, "{rest}");
    assert!(
        rest.contains("\x1b[1;33mwarn[empty-commit]\x1b[0m"),
        "{rest:?}"
    );

    let mut p = pty_push(&repo, &["--dry-run", "origin", "main"]);
    let (rest, _) = finish(&mut p);
    assert!(rest.contains("warn[empty-commit]"), "{rest:?}");
    assert!(!rest.contains("\x1b["), "{rest:?}");
}

// ---- no terminal at all ----------------------------------------------------------------

#[test]
fn ci_blocks_by_default_and_says_how_to_proceed() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    let before = repo.remote_sha("refs/heads/main");
    let sha = repo.commit_empty("rebuild please");
    let r = repo
        .push_cmd(&["origin", "main"])
        .env("CI", "true")
        .output();
    let r: common::PushResult = r.expect("git push").into();
    assert!(!r.success(), "{r:?}");
    let short = &sha[..8];
    for line in [
        "pushguard: push stopped: nobody can confirm here (CI is set), and [policy]\n  noninteractive = \"block\".\n",
        "  To push anyway, push again after one of:\n",
        &format!("    - end the message of commit {short} with this trailer:\n"),
        "        Pushguard-Allow: empty-commit <reason>\n",
        "      (git commit --amend; for an older commit, git rebase -i)\n",
        "    - skip the rules:   PUSHGUARD_SKIP=empty-commit git push\n",
        "    - skip pushguard:   PUSHGUARD=0 git push\n",
        "    - skip every hook:  git push --no-verify  (leaves no trace)\n",
    ] {
        assert!(r.stderr.contains(line), "missing {line:?} in\n{}", r.stderr);
    }
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn ci_false_is_not_ci() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    repo.commit_empty("rebuild please");
    // No terminal either (setsid), so the reason given must be the missing terminal.
    let r = no_tty(&repo, &["origin", "main"], &[("CI", "false")]);
    assert!(!r.success(), "{r:?}");
    assert!(
        r.stderr
            .contains("nobody can confirm here (no terminal: /dev/tty:"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("CI is set"), "{}", r.stderr);
}

#[test]
fn setsid_without_a_terminal_blocks_by_default() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("rebuild please");
    let r = no_tty(&repo, &["origin", "main"], &[]);
    assert!(!r.success(), "{r:?}");
    assert!(
        r.stderr.contains("nobody can confirm here (no terminal"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("[y/N]"), "{}", r.stderr);
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn noninteractive_allow_pushes_and_logs_both_ways() {
    let sandbox = Sandbox::new();
    let repo = guarded(
        &sandbox,
        "[rules.empty-commit]\nseverity = \"block\"\n[policy]\nnoninteractive = \"allow\"\n",
    );
    let first = repo.commit_empty("rebuild please");
    let r: common::PushResult = repo
        .push_cmd(&["origin", "main"])
        .env("CI", "1")
        .output()
        .expect("git push")
        .into();
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("pushguard: nobody can confirm here (CI is set), and [policy] noninteractive =\n  \"allow\": pushing anyway (recorded in the audit log)"),
        "{}",
        r.stderr
    );
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(first.as_str())
    );

    let second = repo.commit_empty("rebuild again");
    let r = no_tty(&repo, &["origin", "main"], &[]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("pushing anyway"), "{}", r.stderr);
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(second.as_str())
    );

    let log = audit_json(&repo);
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.iter().all(|e| e["how"] == "policy"), "{log:?}");
    assert_eq!(log[0]["commit"], first.as_str());
    assert_eq!(log[1]["commit"], second.as_str());
    assert!(log[0]["reason"].as_str().unwrap().contains("CI is set"));
    assert!(log[1]["reason"].as_str().unwrap().contains("no terminal"));
}

#[test]
fn color_flag_forces_colour_without_a_terminal() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    let old = repo.head();
    let new = repo.commit_empty("rebuild please");
    let stdin = format!("refs/heads/main {new} refs/heads/main {old}\n");
    for (flag, colour) in [("always", true), ("never", false), ("auto", false)] {
        let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
        cmd.args([
            "--color",
            flag,
            "hook",
            "pre-push",
            "origin",
            repo.remote_url(),
        ])
        .env("CI", "true")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(
            stderr.contains("\x1b[1;31mblock[empty-commit]\x1b[0m"),
            colour,
            "--color {flag}: {stderr:?}"
        );
    }
}

// ---- coding assistants -------------------------------------------------------------------

#[test]
fn an_agent_is_told_what_to_do_instead_without_the_bypass_menu() {
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("trigger deploy");
    let r = no_tty(&repo, &["origin", "main"], &[("CLAUDECODE", "1")]);
    assert!(!r.success(), "{r:?}");
    assert!(
        r.stderr
            .contains("a coding assistant is pushing (CLAUDECODE is set)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("What to do instead:"), "{}", r.stderr);
    assert!(r.stderr.contains("person's decision"), "{}", r.stderr);
    for bypass in ["--no-verify", "PUSHGUARD=0", "PUSHGUARD_SKIP"] {
        assert!(
            !r.stderr.contains(bypass),
            "{bypass} offered:\n{}",
            r.stderr
        );
    }
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn agents_follow_policy_agents() {
    // "block": stopped even where a pusher without a terminal is let through.
    let sandbox = Sandbox::new();
    let repo = guarded(
        &sandbox,
        "[rules.empty-commit]\nseverity = \"block\"\n[policy]\nnoninteractive = \"allow\"\nagents = \"block\"\n",
    );
    repo.commit_empty("trigger deploy");
    let r = no_tty(&repo, &["origin", "main"], &[("AIDER_MODEL", "gpt")]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("(AIDER_MODEL is set)"), "{}", r.stderr);
    let r = no_tty(&repo, &["origin", "main"], &[]);
    assert!(
        r.success(),
        "a person without a terminal is let through: {r:?}"
    );

    // "ignore": an agent gets what any pusher without a terminal gets.
    let sandbox = Sandbox::new();
    let repo = guarded(
        &sandbox,
        "[rules.empty-commit]\nseverity = \"block\"\n[policy]\nagents = \"ignore\"\n",
    );
    repo.commit_empty("trigger deploy");
    let r = no_tty(&repo, &["origin", "main"], &[("CLAUDECODE", "1")]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("nobody can confirm here"), "{}", r.stderr);
    assert!(r.stderr.contains("--no-verify"), "{}", r.stderr);

    // Configurable markers.
    let sandbox = Sandbox::new();
    let repo = guarded(
        &sandbox,
        "[rules.empty-commit]\nseverity = \"block\"\n[policy]\nagent_env = [\"MY_BOT_*\"]\n",
    );
    repo.commit_empty("trigger deploy");
    let r = no_tty(&repo, &["origin", "main"], &[("CLAUDECODE", "1")]);
    assert!(r.stderr.contains("nobody can confirm here"), "{}", r.stderr);
    let r = no_tty(&repo, &["origin", "main"], &[("MY_BOT_RUN", "7")]);
    assert!(r.stderr.contains("(MY_BOT_RUN is set)"), "{}", r.stderr);
}

/// `git push 2>&1 | cat` (stderr piped, the terminal still there): the report is shown
/// once, at the terminal with the question, not once on the pipe and again at the prompt.
#[test]
fn with_stderr_piped_the_report_is_shown_once_with_the_question() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, BLOCK_EMPTY);
    let sha = repo.commit_empty("rebuild please");
    let mut cmd = repo.sandbox.cmd("sh", &repo.path);
    cmd.args(["-c", "git push origin main 2>&1 | cat"]);
    let mut p = in_pty(cmd);
    let before = p.exp_string("[y/N] ").unwrap();
    settle();
    p.send("y").unwrap();
    p.flush().unwrap();
    let (rest, code) = finish(&mut p);
    assert_eq!(code, 0, "{rest}");
    let screen = format!("{before}{rest}");
    assert_eq!(screen.matches("block[empty-commit]").count(), 1, "{screen}");
    assert!(
        screen.contains("pushguard: the report and the question are on the terminal (/dev/tty)"),
        "{screen}"
    );
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
}

/// At a terminal, the report is laid out for its width (here 120 columns, then 50), words
/// kept whole; in a pipe it keeps 80.
#[test]
fn the_report_wraps_at_the_terminals_width() {
    let _guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = guarded(&sandbox, "");
    for cols in [120, 50] {
        repo.commit_empty("redeploy please, the builder looks stuck again today");
        let mut cmd = repo.sandbox.cmd("sh", &repo.path);
        cmd.args([
            "-c",
            &format!("stty cols {cols} </dev/tty; git push origin main; echo pushed=$?"),
        ]);
        let mut p = in_pty(cmd);
        let (out, _) = finish(&mut p);
        assert!(out.contains("pushed=0"), "{out}");
        // pushguard's report: everything before git's own progress.
        let report = out.split("Enumerating objects").next().unwrap_or_default();
        let lines: Vec<&str> = report.lines().collect();
        let widest = lines
            .iter()
            .map(|l| l.trim_end().chars().count())
            .max()
            .unwrap_or(0);
        assert!(widest <= cols, "{cols}: {out}");
        assert!(widest > cols - 15, "laid out for {cols} columns: {out}");
        assert!(
            common::flat(&out).contains("warn[empty-commit] commit "),
            "{out}"
        );
    }
}
