//! The command line itself: help for each command, did-you-mean for mistyped commands and
//! flags, and the completion scripts and man page generated from the same definitions.

use crate::common;

use common::{Sandbox, PUSHGUARD};

fn run(sandbox: &Sandbox, args: &[&str]) -> std::process::Output {
    common::run(sandbox.cmd(PUSHGUARD, sandbox.root()).args(args))
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn completions_are_generated_for_each_shell() {
    let sandbox = Sandbox::new();
    for (shell, marker) in [
        ("bash", "_pushguard()"),
        ("zsh", "#compdef pushguard"),
        ("fish", "complete -c pushguard"),
        ("elvish", "pushguard"),
        ("powershell", "pushguard"),
    ] {
        let out = run(&sandbox, &["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", common::describe(&out));
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: {script}");
        // Every subcommand is completed.
        for sub in ["check", "explain", "init", "completions", "man"] {
            assert!(script.contains(sub), "{shell} misses {sub}");
        }
    }
    let out = run(&sandbox, &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("possible values"), "{}", stderr(&out));
}

#[test]
fn the_man_page_documents_every_command() {
    let sandbox = Sandbox::new();
    let out = run(&sandbox, &["man"]);
    assert!(out.status.success(), "{}", common::describe(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH pushguard 1"), "{page}");
    for sub in ["check", "explain", "config", "log", "init", "completions"] {
        assert!(page.contains(sub), "the man page misses {sub}");
    }
}

#[test]
fn mistyped_commands_and_flags_get_a_suggestion() {
    let sandbox = Sandbox::new();
    let out = run(&sandbox, &["chek"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("similar subcommand exists: 'check'"),
        "{}",
        stderr(&out)
    );
    let out = run(&sandbox, &["check", "--fromat", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("similar argument exists: '--format'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn help_names_a_command() {
    let sandbox = Sandbox::new();
    let out = run(&sandbox, &["help", "check"]);
    assert!(out.status.success(), "{}", common::describe(&out));
    assert!(
        stdout(&out).contains("Usage: pushguard check"),
        "{}",
        stdout(&out)
    );
    let out = run(&sandbox, &["help"]);
    assert!(out.status.success(), "{}", common::describe(&out));
    assert!(stdout(&out).contains("completions"), "{}", stdout(&out));
}

/// A revision that does not resolve is explained in pushguard's words and git's, without
/// libgit2's internals (`class=Reference (4); code=NotFound (-3)`).
#[test]
fn errors_carry_no_libgit2_internals() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    repo.commit_files("initial", &[("app.py", "print('hi')\n")]);
    let out = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["check", "no-such-branch"]),
    );
    assert_eq!(out.status.code(), Some(2), "{}", common::describe(&out));
    let err = stderr(&out);
    assert!(err.contains("`no-such-branch` is not a revision"), "{err}");
    assert!(err.contains("not found"), "{err}");
    assert!(!err.contains("class="), "{err}");
    assert!(!err.contains("code="), "{err}");
}

/// `pushguard --config FILE init` writes the starter to FILE, which the other commands then
/// read; without it, pushguard.toml at the repository root.
#[test]
fn init_writes_where_config_points() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    repo.commit_files("initial", &[("app.py", "print('hi')\n")]);
    let out = common::run(sandbox.cmd(PUSHGUARD, &repo.path).args([
        "--config",
        "ops/guard.toml",
        "init",
    ]));
    // The directory must exist: init writes a file, it does not make directories.
    assert_eq!(out.status.code(), Some(2), "{}", common::describe(&out));
    std::fs::create_dir_all(repo.path.join("ops")).expect("mkdir");
    let out = common::run(sandbox.cmd(PUSHGUARD, &repo.path).args([
        "--config",
        "ops/guard.toml",
        "init",
    ]));
    assert!(out.status.success(), "{}", common::describe(&out));
    assert!(stdout(&out).contains("ops/guard.toml"), "{}", stdout(&out));
    assert!(repo.path.join("ops/guard.toml").is_file());
    assert!(!repo.path.join("pushguard.toml").exists());
    let out = common::run(sandbox.cmd(PUSHGUARD, &repo.path).args([
        "--config",
        "ops/guard.toml",
        "config",
    ]));
    assert!(out.status.success(), "{}", common::describe(&out));
    let out = common::run(sandbox.cmd(PUSHGUARD, &repo.path).args(["init"]));
    assert!(out.status.success(), "{}", common::describe(&out));
    assert!(repo.path.join("pushguard.toml").is_file());
}

/// `PUSHGUARD=0` turns `check` off as it turns the hook off; under pre-commit's pre-push
/// stage (its variables set), the skipped push is recorded in the audit log.
#[test]
fn pushguard_off_is_honoured_and_recorded_by_check() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    repo.commit_files("initial", &[("app.py", "print('hi')\n")]);
    let tip = repo.commit_empty("trigger deploy");
    let out = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["check", "--to-ref", "main", "HEAD^!"])
            .env("PUSHGUARD", "0"),
    );
    assert!(out.status.success(), "{}", common::describe(&out));
    assert!(
        stderr(&out).contains("nothing was checked"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("empty-commit"), "{}", stdout(&out));
    // By hand or in CI nothing is recorded; under pre-commit the push is.
    let log = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["log", "--format", "json"]),
    );
    assert!(!stdout(&log).contains("PUSHGUARD=0"), "{}", stdout(&log));
    let out = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .arg("check")
            .env("PUSHGUARD", "0")
            .env(
                "PRE_COMMIT_FROM_REF",
                "0000000000000000000000000000000000000000",
            )
            .env("PRE_COMMIT_TO_REF", &tip)
            .env("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main")
            .env("PRE_COMMIT_REMOTE_NAME", "origin"),
    );
    assert!(out.status.success(), "{}", common::describe(&out));
    let log = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["log", "--format", "json"]),
    );
    let text = stdout(&log);
    assert!(text.contains("PUSHGUARD=0"), "{text}");
    assert!(text.contains("\"off\""), "{text}");
    assert!(text.contains(&tip), "{text}");
    assert!(text.contains("main"), "{text}");
}

/// libgit2's zlib calls resolve to zlib-rs (`libz-rs-sys`), linked in: the binary names no
/// system libz among the libraries it needs. A change in link order that brought the
/// system's back would still work, only slower, so this is where it shows.
#[test]
#[cfg(target_os = "linux")]
fn the_binary_inflates_with_the_linked_zlib_not_the_system_one() {
    let binary = std::fs::read(PUSHGUARD).expect("read the binary");
    let needs = |name: &[u8]| binary.windows(name.len()).any(|w| w == name);
    assert!(!needs(b"libz.so"), "pushguard links the system libz");
    assert!(needs(b"inflateInit_"), "no zlib symbols at all");
}
