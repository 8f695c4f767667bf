//! `pushguard install`, `uninstall` and `doctor` run directly (install.sh's own tests are in
//! `install`): what they refuse without consent, and what `doctor` says about healthy and
//! broken installs, with the fix for each problem.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Output;

use common::{describe, Sandbox, TestRepo, PUSHGUARD};

fn pushguard(repo: &TestRepo<'_>, args: &[&str]) -> Output {
    common::run(repo.sandbox.cmd(PUSHGUARD, &repo.path).args(args))
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn repo_with_commit(sb: &Sandbox) -> TestRepo<'_> {
    let repo = sb.repo("app");
    repo.commit_files("add app", &[("main.py", "print(1)\n")]);
    repo
}

/// A copy of the real binary at `<sandbox>/<name>`, for installs whose binary a test breaks.
fn binary_copy(sb: &Sandbox, name: &str) -> std::path::PathBuf {
    let path = sb.path(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::copy(PUSHGUARD, &path).unwrap();
    path
}

#[test]
fn install_names_the_running_binary_and_uninstall_removes_it() {
    let sb = Sandbox::new();
    let repo = repo_with_commit(&sb);
    let o = pushguard(&repo, &["install"]);
    assert!(o.status.success(), "{}", describe(&o));
    let hook = repo.path.join(".git/hooks/pre-push");
    let text = fs::read_to_string(&hook).unwrap();
    let real = Path::new(PUSHGUARD).canonicalize().unwrap();
    assert!(
        text.contains(&format!("PUSHGUARD_BIN='{}'", real.display())),
        "{text}"
    );
    let push = repo.push(&["origin", "main"]);
    assert!(push.success(), "{push:?}");
    assert!(
        push.stderr.contains("pushguard: 1 ref to origin"),
        "{push:?}"
    );

    let o = pushguard(&repo, &["uninstall"]);
    assert!(o.status.success(), "{}", describe(&o));
    assert!(!hook.exists());
}

#[test]
fn doctor_on_a_healthy_install_exits_0() {
    let sb = Sandbox::new();
    let repo = repo_with_commit(&sb);
    assert!(pushguard(&repo, &["install"]).status.success());
    let o = pushguard(&repo, &["doctor"]);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    let text = out(&o);
    assert!(text.contains("pushguard is set up"), "{text}");
    assert!(!text.contains("PROBLEM"), "{text}");
    assert!(text.contains("executable and unedited"), "{text}");
    assert!(
        text.contains(&format!("pushguard {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
}

#[test]
fn doctor_without_a_hook_says_to_install() {
    let sb = Sandbox::new();
    let repo = repo_with_commit(&sb);
    let o = pushguard(&repo, &["doctor"]);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(
        out(&o).contains("fix: run `pushguard install`"),
        "{}",
        out(&o)
    );
}

#[test]
fn doctor_finds_the_binary_gone() {
    let sb = Sandbox::new();
    let repo = repo_with_commit(&sb);
    let bin = binary_copy(&sb, "tools/pushguard");
    let o = pushguard(&repo, &["install", "--binary", bin.to_str().unwrap()]);
    assert!(o.status.success(), "{}", describe(&o));
    fs::remove_file(&bin).unwrap();
    let o = pushguard(&repo, &["doctor"]);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    let text = common::flat(&out(&o));
    assert!(text.contains("which does not exist"), "{text}");
    assert!(text.contains("NOT checked"), "{text}");
    assert!(text.contains("fix: reinstall"), "{text}");
}

#[test]
fn doctor_finds_an_edited_hook_and_a_broken_configuration() {
    let sb = Sandbox::new();
    let repo = repo_with_commit(&sb);
    assert!(pushguard(&repo, &["install"]).status.success());
    let hook = repo.path.join(".git/hooks/pre-push");
    let mut text = fs::read_to_string(&hook).unwrap();
    text.push_str("echo mine\n");
    fs::write(&hook, text).unwrap();
    repo.write(
        "pushguard.toml",
        "[rules.empty-commit]\nseverity = \"loud\"\n",
    );
    let o = pushguard(&repo, &["doctor"]);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    let text = common::flat(&out(&o));
    assert!(text.contains("was edited since it was installed"), "{text}");
    assert!(text.contains("PROBLEM config"), "{text}");
    assert!(text.contains("pushguard.toml"), "{text}");
    assert!(text.contains("2 problems found"), "{text}");
}

#[test]
fn doctor_sees_a_global_hooks_path_that_bypasses_the_hook() {
    let sb = Sandbox::new();
    let repo = repo_with_commit(&sb);
    assert!(pushguard(&repo, &["install"]).status.success());
    let shared = sb.path("global-hooks");
    repo.git(&[
        "config",
        "--global",
        "core.hooksPath",
        shared.to_str().unwrap(),
    ]);
    let o = pushguard(&repo, &["doctor"]);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    let text = common::flat(&out(&o));
    assert!(text.contains("so it never runs"), "{text}");
    assert!(text.contains("--global-hooks"), "{text}");
    assert!(
        text.contains("git config --global --unset core.hooksPath"),
        "{text}"
    );
}

#[test]
fn install_refuses_a_global_hooks_path_without_consent() {
    let sb = Sandbox::new();
    let repo = repo_with_commit(&sb);
    let shared = sb.path("global-hooks");
    repo.git(&[
        "config",
        "--global",
        "core.hooksPath",
        shared.to_str().unwrap(),
    ]);
    let o = pushguard(&repo, &["install"]);
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    let text = common::flat(&err(&o));
    assert!(
        text.contains("core.hooksPath is set in global config"),
        "{text}"
    );
    assert!(text.contains("every repository of this user"), "{text}");
    assert!(text.contains("Pass --global-hooks"), "{text}");
    assert!(text.contains("Nothing was installed"), "{text}");
    assert!(!shared.join("pre-push").exists());
    assert!(!repo.path.join(".git/hooks/pre-push").exists());

    // install.sh passes the flag on; its failure is exit 1 with the same words.
    let o = sb.run_install(
        &repo.path,
        &[
            "--binary",
            PUSHGUARD,
            "--bin-dir",
            sb.bin_dir().to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(err(&o).contains("--global-hooks"), "{}", describe(&o));

    let o = pushguard(&repo, &["install", "--global-hooks"]);
    assert!(o.status.success(), "{}", describe(&o));
    assert!(shared.join("pre-push").is_file());
    let push = repo.push(&["origin", "main"]);
    assert!(
        push.stderr.contains("pushguard: 1 ref to origin"),
        "{push:?}"
    );
}

#[test]
fn install_refuses_pushguards_own_checkout_without_consent() {
    let sb = Sandbox::new();
    let repo = sb.repo("pushguard");
    repo.commit_files(
        "sources",
        &[(
            "Cargo.toml",
            "[package]\nname = \"pushguard\"\nversion = \"0.1.0\"\n",
        )],
    );
    let o = pushguard(&repo, &["install"]);
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    let text = common::flat(&err(&o));
    assert!(text.contains("pushguard's own source checkout"), "{text}");
    assert!(text.contains("--source-checkout"), "{text}");
    assert!(!repo.path.join(".git/hooks/pre-push").exists());

    let o = pushguard(&repo, &["install", "--source-checkout"]);
    assert!(o.status.success(), "{}", describe(&o));
    assert!(repo.path.join(".git/hooks/pre-push").is_file());

    // Another crate is not pushguard.
    let other = sb.repo("other");
    other.commit_files(
        "sources",
        &[("Cargo.toml", "[package]\nname = \"pushguard-fork\"\n")],
    );
    assert!(pushguard(&other, &["install"]).status.success());
}

#[test]
fn doctor_never_runs_a_binary_named_by_a_committed_file_inside_the_repository() {
    let sb = Sandbox::new();
    let repo = sb.repo("app");
    let ran = sb.path("evil-ran");
    common::write_executable(
        &repo.path.join("evil.sh"),
        &format!(
            "#!/bin/sh\ntouch '{}'\necho pushguard 0.0.0\n",
            ran.display()
        ),
    );
    // A husky 5-8 layout whose committed pre-push names a script of the repository.
    repo.write(".husky/_/husky.sh", "true\n");
    repo.write(
        ".husky/pre-push",
        "pushguard_bin='./evil.sh'; \"$pushguard_bin\" hook pre-push \"$@\" # pushguard-managed-line\n",
    );
    repo.git(&["config", "core.hooksPath", ".husky"]);
    repo.commit_all("initial");
    for bin in ["./evil.sh", repo.path.join("evil.sh").to_str().unwrap()] {
        repo.write(
            ".husky/pre-push",
            &format!(
                "pushguard_bin='{bin}'; \"$pushguard_bin\" hook pre-push \"$@\" # pushguard-managed-line\n"
            ),
        );
        let o = pushguard(&repo, &["doctor"]);
        assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
        assert!(out(&o).contains("did not run it"), "{}", out(&o));
        assert!(!ran.exists(), "doctor ran {bin}");
    }
}
