//! End-to-end tests of `install.sh` and the `hooks/pre-push` shim, through real git pushes.
//!
//! install.sh copies the binary and then runs its `pushguard install`, so every install here
//! is made by the real binary. Most tests then put a *recording* stand-in for pushguard (a
//! small sh script that logs its arguments and stdin and exits with a chosen status) in the
//! installed binary's place, because that is the only way to see exactly what the hook
//! handed to the binary. Some tests push through the real binary.

use crate::common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{describe, write_executable, Sandbox, TestRepo, PUSHGUARD, ZERO_OID};

const MARKER: &str = "# pushguard-managed-hook";
const CHAINED: &str = "pre-push.pushguard-chained";

/// A program that records how it was called: its arguments (one a line) to `<log>.args` and
/// its stdin to `<log>.stdin`, then exits with `status`.
struct Recorder {
    script: PathBuf,
    log: PathBuf,
}

impl Recorder {
    fn new(sb: &Sandbox, name: &str, status: i32) -> Recorder {
        let script = sb.path(&format!("recorders/{name}"));
        let log = sb.path(&format!("logs/{name}"));
        fs::create_dir_all(log.parent().unwrap()).unwrap();
        let log_str = log.to_str().unwrap();
        write_executable(
            &script,
            &format!(
                "#!/bin/sh\nprintf '%s\\n' \"$@\" >'{log_str}.args'\ncat >'{log_str}.stdin'\nexit {status}\n"
            ),
        );
        Recorder { script, log }
    }

    fn ran(&self) -> bool {
        self.log.with_extension("args").exists()
    }

    fn args(&self) -> String {
        fs::read_to_string(self.log.with_extension("args")).expect("recorder did not run")
    }

    fn stdin(&self) -> String {
        fs::read_to_string(self.log.with_extension("stdin")).expect("recorder did not run")
    }

    fn contents(&self) -> Vec<u8> {
        fs::read(&self.script).unwrap()
    }
}

/// A repository with one commit on `main`, not yet pushed; returns the commit's sha.
fn repo_with_commit(sb: &Sandbox) -> (TestRepo<'_>, String) {
    let repo = sb.repo("app");
    let sha = repo.commit_files("add app", &[("app/Dockerfile", "FROM scratch\n")]);
    (repo, sha)
}

/// The exact pre-push stdin for creating `main` at `sha` on the remote.
fn new_main_line(sha: &str) -> String {
    format!("refs/heads/main {sha} refs/heads/main {ZERO_OID}\n")
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Files in the sandbox TMPDIR; the hook must not leave its stdin copy behind.
fn tmp_leftovers(sb: &Sandbox) -> Vec<String> {
    fs::read_dir(sb.tmp_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn install_then_plain_push_reaches_remote_with_real_binary() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    repo.install_hook();

    let installed = sb.bin_dir().join("pushguard");
    assert_eq!(fs::read(&installed).unwrap(), fs::read(PUSHGUARD).unwrap());
    assert_eq!(mode(&installed), 0o755);

    let push = repo.push(&["origin", "main"]);
    assert!(push.success(), "{push:?}");
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
}

#[test]
fn install_prints_where_things_went_and_hook_is_executable() {
    let sb = Sandbox::new();
    let (repo, _) = repo_with_commit(&sb);
    let output = repo.install_hook_with(Path::new(PUSHGUARD));
    let hook = repo.path.join(".git/hooks/pre-push");
    let out = stdout(&output);
    assert!(
        out.contains(&format!(
            "installed pushguard to {}",
            s(&sb.bin_dir().join("pushguard"))
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("installed pre-push hook to {}", s(&hook))),
        "{out}"
    );
    assert_eq!(mode(&hook), 0o755);
    let text = fs::read_to_string(&hook).unwrap();
    assert!(text.lines().any(|l| l == MARKER));
    assert!(
        !text.contains("@PUSHGUARD_BIN@"),
        "placeholder left in:\n{text}"
    );
}

#[test]
fn hook_names_absolute_binary_and_works_with_gui_client_path() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    let fake = Recorder::new(&sb, "pushguard", 0);
    repo.install_hook_with(&fake.script);

    let installed = sb.bin_dir().join("pushguard");
    let hook = fs::read_to_string(repo.path.join(".git/hooks/pre-push")).unwrap();
    let line = format!("PUSHGUARD_BIN='{}'", s(&installed));
    assert!(hook.lines().any(|l| l == line), "no {line} in:\n{hook}");

    let push = run_push(&repo, &["origin", "main"], Some(&sb.minimal_path()));
    assert!(push.success(), "{push:?}");
    assert_eq!(
        fake.args(),
        format!("hook\npre-push\norigin\n{}\n", repo.remote_url())
    );
    assert_eq!(fake.stdin(), new_main_line(&sha));
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
}

#[test]
fn bin_dir_with_spaces_and_quotes_is_quoted_in_the_hook() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    let fake = Recorder::new(&sb, "pushguard", 0);
    let bin_dir = sb.path("it's a $bin & dir");
    let output = sb.run_install(
        &repo.path,
        &["--binary", PUSHGUARD, "--bin-dir", s(&bin_dir)],
    );
    assert!(output.status.success(), "{}", describe(&output));
    assert!(bin_dir.join("pushguard").is_file());
    common::replace_file(&fake.script, &bin_dir.join("pushguard"));

    let push = run_push(&repo, &["origin", "main"], Some(&sb.minimal_path()));
    assert!(push.success(), "{push:?}");
    assert_eq!(fake.stdin(), new_main_line(&sha));
}

#[test]
fn blocking_exit_code_stops_the_push() {
    let sb = Sandbox::new();
    let (repo, _) = repo_with_commit(&sb);
    let fake = Recorder::new(&sb, "pushguard", 1);
    repo.install_hook_with(&fake.script);

    let push = repo.push(&["origin", "main"]);
    assert!(!push.success(), "{push:?}");
    assert!(fake.ran());
    assert_eq!(repo.remote_sha("refs/heads/main"), None);
}

#[test]
fn failing_foreign_hook_is_chained_and_stops_the_push() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    let foreign = Recorder::new(&sb, "foreign", 7);
    let hooks = repo.path.join(".git/hooks");
    fs::copy(&foreign.script, hooks.join("pre-push")).unwrap();
    let fake = Recorder::new(&sb, "pushguard", 0);

    let output = repo.install_hook_with(&fake.script);
    assert!(
        stdout(&output).contains(&format!(
            "moved the existing pre-push hook to {}",
            s(&hooks.join(CHAINED))
        )),
        "{}",
        describe(&output)
    );
    assert_eq!(fs::read(hooks.join(CHAINED)).unwrap(), foreign.contents());

    let push = repo.push(&["origin", "main"]);
    assert!(!push.success(), "{push:?}");
    assert_eq!(repo.remote_sha("refs/heads/main"), None);
    assert_eq!(foreign.args(), format!("origin\n{}\n", repo.remote_url()));
    assert_eq!(foreign.stdin(), new_main_line(&sha));
    assert!(
        !fake.ran(),
        "pushguard ran although the chained hook failed"
    );
    assert!(tmp_leftovers(&sb).is_empty(), "{:?}", tmp_leftovers(&sb));
}

#[test]
fn passing_chained_hook_runs_first_and_pushguard_gets_the_same_stdin() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    let foreign = Recorder::new(&sb, "foreign", 0);
    fs::copy(&foreign.script, repo.path.join(".git/hooks/pre-push")).unwrap();
    let fake = Recorder::new(&sb, "pushguard", 0);
    repo.install_hook_with(&fake.script);

    // Two refs at once, so the replayed stdin has more than one line.
    repo.git(&["tag", "v1"]);
    let push = repo.push(&["origin", "main", "v1"]);
    assert!(push.success(), "{push:?}");
    let tag = repo.git_ok(&["rev-parse", "v1"]);
    let expected = format!(
        "{}refs/tags/v1 {tag} refs/tags/v1 {ZERO_OID}\n",
        new_main_line(&sha)
    );
    assert_eq!(foreign.stdin(), expected);
    assert_eq!(fake.stdin(), expected);
    assert_eq!(foreign.args(), format!("origin\n{}\n", repo.remote_url()));
    assert_eq!(
        fake.args(),
        format!("hook\npre-push\norigin\n{}\n", repo.remote_url())
    );
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
    assert!(tmp_leftovers(&sb).is_empty(), "{:?}", tmp_leftovers(&sb));
}

#[test]
fn signal_during_chained_hook_removes_the_stdin_copy() {
    let sb = Sandbox::new();
    let (repo, _) = repo_with_commit(&sb);
    // The chained hook kills the shim (its parent) with SIGTERM, then succeeds.
    write_executable(
        &repo.path.join(".git/hooks/pre-push"),
        "#!/bin/sh\nkill -TERM \"$PPID\"\nexit 0\n",
    );
    let fake = Recorder::new(&sb, "pushguard", 0);
    repo.install_hook_with(&fake.script);

    let push = repo.push(&["origin", "main"]);
    assert!(!push.success(), "{push:?}");
    assert!(!fake.ran());
    assert_eq!(repo.remote_sha("refs/heads/main"), None);
    assert!(tmp_leftovers(&sb).is_empty(), "{:?}", tmp_leftovers(&sb));
}

#[test]
fn reinstall_is_idempotent_and_never_chains_itself() {
    let sb = Sandbox::new();
    let (repo, _) = repo_with_commit(&sb);
    let hooks = repo.path.join(".git/hooks");
    let original = "#!/bin/sh\n# the team's own hook\nexit 0\n";
    write_executable(&hooks.join("pre-push"), original);
    let fake = Recorder::new(&sb, "pushguard", 0);

    repo.install_hook_with(&fake.script);
    let first = fs::read(hooks.join("pre-push")).unwrap();
    let second_run = repo.install_hook_with(&fake.script);
    assert!(
        !stdout(&second_run).contains("moved"),
        "{}",
        describe(&second_run)
    );
    repo.install_hook_with(&fake.script);

    assert_eq!(fs::read(hooks.join("pre-push")).unwrap(), first);
    assert_eq!(fs::read_to_string(hooks.join(CHAINED)).unwrap(), original);
    assert!(!hooks.join(format!("{CHAINED}.pushguard-chained")).exists());
    let mut names: Vec<String> = fs::read_dir(&hooks)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("pre-push") || n.starts_with(".pre-push"))
        .collect();
    names.sort();
    assert_eq!(names, ["pre-push", CHAINED, "pre-push.sample"]);
}

#[test]
fn uninstall_restores_the_original_hook_byte_for_byte() {
    let sb = Sandbox::new();
    let (repo, _) = repo_with_commit(&sb);
    let hook = repo.path.join(".git/hooks/pre-push");
    // No trailing newline, CRLF and non-ASCII bytes: nothing may be normalised.
    let original: &[u8] = b"#!/bin/sh\r\n# caf\xc3\xa9 \xff\nexit 0";
    fs::write(&hook, original).unwrap();
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o750)).unwrap();
    repo.install_hook();

    let output = sb.run_install(&repo.path, &["--uninstall", "--bin-dir", s(&sb.bin_dir())]);
    assert!(output.status.success(), "{}", describe(&output));
    let out = stdout(&output);
    assert!(out.contains("removed pushguard's pre-push hook"), "{out}");
    assert!(out.contains("restored the original pre-push hook"), "{out}");
    assert!(
        out.contains(&format!("rm {}", s(&sb.bin_dir().join("pushguard")))),
        "{out}"
    );
    assert_eq!(fs::read(&hook).unwrap(), original);
    assert_eq!(mode(&hook), 0o750);
    assert!(!hook.with_file_name(CHAINED).exists());
    assert!(
        sb.bin_dir().join("pushguard").is_file(),
        "binary must be left in place"
    );
}

#[test]
fn uninstall_without_a_chained_hook_leaves_no_pre_push() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    let fake = Recorder::new(&sb, "pushguard", 1);
    repo.install_hook_with(&fake.script);
    // The installed binary is the stand-in, so name a real one to uninstall with.
    let output = sb.run_install(&repo.path, &["--uninstall", "--binary", PUSHGUARD]);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(!repo.path.join(".git/hooks/pre-push").exists());

    // The blocking stand-in is gone from the push path.
    let push = repo.push(&["origin", "main"]);
    assert!(push.success(), "{push:?}");
    assert!(!fake.ran());
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
}

#[test]
fn uninstall_when_not_installed_says_so() {
    let sb = Sandbox::new();
    let (repo, _) = repo_with_commit(&sb);
    let output = sb.run_install(&repo.path, &["--uninstall", "--binary", PUSHGUARD]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(
        stdout(&output).contains("not installed"),
        "{}",
        describe(&output)
    );

    // A foreign hook is not ours to remove.
    let hook = repo.path.join(".git/hooks/pre-push");
    write_executable(&hook, "#!/bin/sh\nexit 0\n");
    let output = sb.run_install(&repo.path, &["--uninstall", "--binary", PUSHGUARD]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(
        stdout(&output).contains("not installed"),
        "{}",
        describe(&output)
    );
    assert_eq!(fs::read_to_string(&hook).unwrap(), "#!/bin/sh\nexit 0\n");
}

#[test]
fn refuses_to_clobber_when_foreign_hook_and_chained_hook_both_exist() {
    let sb = Sandbox::new();
    let (repo, _) = repo_with_commit(&sb);
    let hooks = repo.path.join(".git/hooks");
    write_executable(&hooks.join("pre-push"), "#!/bin/sh\necho new\n");
    write_executable(&hooks.join(CHAINED), "#!/bin/sh\necho old\n");

    let output = sb.run_install(
        &repo.path,
        &["--binary", PUSHGUARD, "--bin-dir", s(&sb.bin_dir())],
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let err = stderr(&output);
    assert!(
        err.contains("already exists") && err.contains(CHAINED),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(hooks.join("pre-push")).unwrap(),
        "#!/bin/sh\necho new\n"
    );
    assert_eq!(
        fs::read_to_string(hooks.join(CHAINED)).unwrap(),
        "#!/bin/sh\necho old\n"
    );
}

#[test]
fn relative_core_hooks_path_is_honoured() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let fake = Recorder::new(&sb, "pushguard", 0);
    repo.install_hook_with(&fake.script);

    assert!(repo.path.join(".githooks/pre-push").is_file());
    assert!(!repo.path.join(".git/hooks/pre-push").exists());
    let push = repo.push(&["origin", "main"]);
    assert!(push.success(), "{push:?}");
    assert_eq!(fake.stdin(), new_main_line(&sha));
}

#[test]
fn absolute_core_hooks_path_is_honoured() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    let shared = sb.path("shared-hooks");
    repo.git(&["config", "core.hooksPath", s(&shared)]);
    let fake = Recorder::new(&sb, "pushguard", 0);
    let output = repo.install_hook_with(&fake.script);

    let hook = shared.join("pre-push");
    assert!(stdout(&output).contains(&format!("installed pre-push hook to {}", s(&hook))));
    assert!(!repo.path.join(".git/hooks/pre-push").exists());
    let push = repo.push(&["origin", "main"]);
    assert!(push.success(), "{push:?}");
    assert_eq!(fake.stdin(), new_main_line(&sha));
}

#[test]
fn linked_worktree_installs_into_the_common_hooks_dir() {
    let sb = Sandbox::new();
    let (repo, _) = repo_with_commit(&sb);
    let worktree = sb.path("feature-wt");
    repo.git(&["worktree", "add", "-q", "-b", "feature", s(&worktree)]);
    let fake = Recorder::new(&sb, "pushguard", 0);
    let output = sb.run_install(
        &worktree,
        &["--binary", PUSHGUARD, "--bin-dir", s(&sb.bin_dir())],
    );
    assert!(output.status.success(), "{}", describe(&output));
    common::replace_file(&fake.script, &sb.bin_dir().join("pushguard"));
    assert!(repo.path.join(".git/hooks/pre-push").is_file());
    assert!(!repo.path.join(".git/worktrees/feature-wt/hooks").exists());

    let sha = sb.git_ok(&worktree, &["rev-parse", "HEAD"]);
    let push = common::run(&mut sb.git_cmd(&worktree, &["push", "origin", "feature"]));
    assert!(push.status.success(), "{}", describe(&push));
    assert_eq!(
        fake.stdin(),
        format!("refs/heads/feature {sha} refs/heads/feature {ZERO_OID}\n")
    );
}

#[test]
fn repo_flag_works_from_another_directory_and_subdirectories_work_without_it() {
    let sb = Sandbox::new();
    let (repo, _) = repo_with_commit(&sb);
    let elsewhere = sb.path("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    let output = sb.run_install(
        &elsewhere,
        &[
            "--repo",
            s(&repo.path),
            "--binary",
            PUSHGUARD,
            "--bin-dir",
            s(&sb.bin_dir()),
        ],
    );
    assert!(output.status.success(), "{}", describe(&output));
    assert!(repo.path.join(".git/hooks/pre-push").is_file());
    assert!(!elsewhere.join(".git").exists());

    let other = sb.repo("other");
    other.commit_files("x", &[("deep/dir/file", "x\n")]);
    let output = sb.run_install(
        &other.path.join("deep/dir"),
        &["--binary", PUSHGUARD, "--bin-dir", s(&sb.bin_dir())],
    );
    assert!(output.status.success(), "{}", describe(&output));
    assert!(other.path.join(".git/hooks/pre-push").is_file());
    assert!(!other.path.join("deep/dir/.git").exists());
}

#[test]
fn bare_repository_gets_the_hook_and_runs_it() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    assert!(repo.push(&["origin", "main"]).success());
    let fake = Recorder::new(&sb, "pushguard", 0);
    let output = sb.run_install(
        &repo.remote,
        &["--binary", PUSHGUARD, "--bin-dir", s(&sb.bin_dir())],
    );
    assert!(output.status.success(), "{}", describe(&output));
    common::replace_file(&fake.script, &sb.bin_dir().join("pushguard"));
    assert!(repo.remote.join("hooks/pre-push").is_file());

    let mirror = sb.bare_remote("mirror");
    sb.git(&repo.remote, &["push", s(&mirror), "main"]);
    assert_eq!(
        fake.args(),
        format!("hook\npre-push\n{0}\n{0}\n", s(&mirror))
    );
    assert_eq!(fake.stdin(), new_main_line(&sha));
}

#[test]
fn outside_a_git_repository_exits_1_with_a_clear_message() {
    let sb = Sandbox::new();
    let outside = sb.path("not-a-repo");
    fs::create_dir_all(&outside).unwrap();
    let output = sb.run_install(
        &outside,
        &["--binary", PUSHGUARD, "--bin-dir", s(&sb.bin_dir())],
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let err = stderr(&output);
    assert!(
        err.contains("not inside a git repository") && err.contains("--repo"),
        "{err}"
    );
    assert!(!err.contains("fatal:"), "git's own error leaked: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one paragraph: {err}");
    assert!(
        !sb.bin_dir().join("pushguard").exists(),
        "nothing installed on failure"
    );

    let output = sb.run_install(
        sb.root(),
        &["--repo", s(&sb.path("missing")), "--uninstall"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
}

#[test]
fn unknown_option_exits_2_with_usage_and_help_exits_0() {
    let sb = Sandbox::new();
    let output = sb.run_install(sb.root(), &["--frobnicate"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(stderr(&output).contains("unknown option: --frobnicate"));
    assert!(stderr(&output).contains("Usage: ./install.sh"));

    let output = sb.run_install(sb.root(), &["--repo"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));

    let output = sb.run_install(sb.root(), &["--help"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(stdout(&output).contains("--uninstall"));
}

#[test]
fn missing_binary_warns_loudly_and_lets_the_push_through() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    repo.install_hook();
    fs::remove_file(sb.bin_dir().join("pushguard")).unwrap();

    let push = run_push(&repo, &["origin", "main"], Some(&sb.minimal_path()));
    assert!(push.success(), "{push:?}");
    assert!(
        push.stderr.contains("this push was NOT checked"),
        "{}",
        push.stderr
    );
    assert!(push.stderr.contains("./install.sh"), "{}", push.stderr);
    assert!(
        push.stderr.contains("git push --no-verify"),
        "{}",
        push.stderr
    );
    assert!(
        push.stderr.contains(s(&sb.bin_dir().join("pushguard"))),
        "names where it looked: {}",
        push.stderr
    );
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
}

#[test]
fn missing_binary_still_runs_the_chained_hook() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    let foreign = Recorder::new(&sb, "foreign", 1);
    fs::copy(&foreign.script, repo.path.join(".git/hooks/pre-push")).unwrap();
    repo.install_hook();
    fs::remove_file(sb.bin_dir().join("pushguard")).unwrap();

    let push = run_push(&repo, &["origin", "main"], Some(&sb.minimal_path()));
    assert!(!push.success(), "{push:?}");
    assert!(
        push.stderr.contains("this push was NOT checked"),
        "{}",
        push.stderr
    );
    assert_eq!(foreign.stdin(), new_main_line(&sha));
    assert_eq!(repo.remote_sha("refs/heads/main"), None);
}

#[test]
fn uninstalled_template_falls_back_to_path_then_cargo_home_then_local_bin() {
    // The template as shipped still holds the placeholder: it must search for the binary.
    let template = fs::read_to_string(common::hook_template()).unwrap();
    assert!(template.contains("PUSHGUARD_BIN='@PUSHGUARD_BIN@'"));

    for place in ["path", "cargo-home", "local-bin"] {
        let sb = Sandbox::new();
        let (repo, sha) = repo_with_commit(&sb);
        write_executable(&repo.path.join(".git/hooks/pre-push"), &template);
        let fake = Recorder::new(&sb, "pushguard", 0);
        let dir = match place {
            "path" => sb.path("on-path"),
            "cargo-home" => sb.cargo_home().join("bin"),
            _ => sb.home().join(".local/bin"),
        };
        fs::create_dir_all(&dir).unwrap();
        fs::copy(&fake.script, dir.join("pushguard")).unwrap();
        let mut path = sb.minimal_path();
        if place == "path" {
            let dirs = std::iter::once(dir.clone()).chain(std::env::split_paths(&path));
            path = std::env::join_paths(dirs.collect::<Vec<_>>()).unwrap();
        }

        let push = run_push(&repo, &["origin", "main"], Some(&path));
        assert!(push.success(), "{place}: {push:?}");
        assert!(
            !push.stderr.contains("NOT checked"),
            "{place}: {}",
            push.stderr
        );
        assert_eq!(fake.stdin(), new_main_line(&sha), "{place}");
    }
}

#[test]
fn no_verify_skips_the_hook() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    let foreign = Recorder::new(&sb, "foreign", 1);
    fs::copy(&foreign.script, repo.path.join(".git/hooks/pre-push")).unwrap();
    let fake = Recorder::new(&sb, "pushguard", 1);
    repo.install_hook_with(&fake.script);

    assert!(!repo.push(&["origin", "main"]).success());
    assert_eq!(repo.remote_sha("refs/heads/main"), None);
    fs::remove_file(foreign.log.with_extension("args")).unwrap();

    let push = repo.push(&["--no-verify", "origin", "main"]);
    assert!(push.success(), "{push:?}");
    assert!(!foreign.ran() && !fake.ran());
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
}

#[test]
fn hook_shim_is_posix_sh_and_install_script_is_committed_executable() {
    let sb = Sandbox::new();
    for shell in ["sh", "dash"] {
        let Ok(output) = sb
            .cmd(shell, sb.root())
            .arg("-n")
            .arg(common::hook_template())
            .output()
        else {
            continue; // dash is optional
        };
        assert!(output.status.success(), "{shell} -n: {}", describe(&output));
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(mode(&manifest.join("install.sh")) & 0o111, 0o111);
    assert_eq!(mode(&common::hook_template()) & 0o111, 0o111);
    let text = fs::read_to_string(common::hook_template()).unwrap();
    assert!(text.starts_with("#!/bin/sh\n"));
    assert_eq!(text.lines().filter(|l| *l == MARKER).count(), 1);
    assert_eq!(text.matches("@PUSHGUARD_BIN@").count(), 1);
}

/// `git push args` in `repo`, optionally with PATH replaced (as a GUI client would run it).
fn run_push(
    repo: &TestRepo<'_>,
    args: &[&str],
    path: Option<&std::ffi::OsStr>,
) -> common::PushResult {
    let mut cmd = repo.push_cmd(args);
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    common::run(&mut cmd).into()
}

/// A stand-in `cargo` in `<sandbox>/fake-cargo` that logs its cwd and arguments and, when
/// `status` is 0, "builds" by copying `built` to `$CARGO_TARGET_DIR/release/pushguard`.
fn fake_cargo(sb: &Sandbox, built: &Path, status: i32) -> (std::ffi::OsString, PathBuf) {
    let dir = sb.path("fake-cargo");
    let log = sb.path("logs/cargo");
    write_executable(
        &dir.join("cargo"),
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$(pwd -P)\" \"$@\" >'{log}'\n\
             [ {status} -eq 0 ] || exit {status}\n\
             mkdir -p \"$CARGO_TARGET_DIR/release\"\n\
             cp '{built}' \"$CARGO_TARGET_DIR/release/pushguard\"\n",
            log = s(&log),
            built = s(built),
        ),
    );
    let minimal = sb.minimal_path();
    let dirs = std::iter::once(dir).chain(std::env::split_paths(&minimal));
    (std::env::join_paths(dirs.collect::<Vec<_>>()).unwrap(), log)
}

#[test]
fn without_binary_builds_with_cargo_and_installs_into_cargo_home_bin() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    let fake = Recorder::new(&sb, "pushguard", 0);
    let (path, cargo_log) = fake_cargo(&sb, Path::new(PUSHGUARD), 0);

    let mut cmd = sb.cmd(common::install_script(), &repo.path);
    cmd.env("PATH", &path)
        .env("CARGO_TARGET_DIR", sb.path("target"));
    let output = common::run(&mut cmd);
    assert!(output.status.success(), "{}", describe(&output));

    let source_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .unwrap();
    assert_eq!(
        fs::read_to_string(&cargo_log).unwrap(),
        format!("{}\nbuild\n--release\n--locked\n", s(&source_dir))
    );
    let installed = sb.cargo_home().join("bin/pushguard");
    assert_eq!(fs::read(&installed).unwrap(), fs::read(PUSHGUARD).unwrap());
    assert!(stdout(&output).contains(&format!("installed pushguard to {}", s(&installed))));
    common::replace_file(&fake.script, &installed);

    let push = run_push(&repo, &["origin", "main"], Some(&sb.minimal_path()));
    assert!(push.success(), "{push:?}");
    assert_eq!(fake.stdin(), new_main_line(&sha));
}

#[test]
fn failed_cargo_build_exits_1_and_installs_nothing() {
    let sb = Sandbox::new();
    let (repo, _) = repo_with_commit(&sb);
    let (path, _) = fake_cargo(&sb, Path::new(PUSHGUARD), 101);

    let mut cmd = sb.cmd(common::install_script(), &repo.path);
    cmd.env("PATH", &path)
        .env("CARGO_TARGET_DIR", sb.path("target"));
    let output = common::run(&mut cmd);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(stderr(&output).contains("cargo build --release --locked failed"));
    assert!(!repo.path.join(".git/hooks/pre-push").exists());
    assert!(!sb.cargo_home().join("bin/pushguard").exists());
}

#[test]
fn a_chained_copy_of_our_own_hook_is_ignored_not_recursed_into() {
    let sb = Sandbox::new();
    let (repo, sha) = repo_with_commit(&sb);
    let fake = Recorder::new(&sb, "pushguard", 0);
    repo.install_hook_with(&fake.script);
    let hooks = repo.path.join(".git/hooks");
    fs::copy(hooks.join("pre-push"), hooks.join(CHAINED)).unwrap();

    let push = repo.push(&["origin", "main"]);
    assert!(push.success(), "{push:?}");
    assert!(
        push.stderr.contains("copy of pushguard's own hook"),
        "{}",
        push.stderr
    );
    assert_eq!(fake.stdin(), new_main_line(&sha));

    // Reinstalling cleans the copy up instead of keeping it as "the original" hook.
    let output = repo.install_hook_with(&fake.script);
    assert!(stdout(&output).contains("copy of pushguard's own hook"));
    assert!(!hooks.join(CHAINED).exists());
}

#[test]
fn concurrent_installs_keep_the_users_own_hook() {
    let sb = Sandbox::new();
    let (repo, _) = repo_with_commit(&sb);
    let hook = repo.path.join(".git/hooks/pre-push");
    let original = "#!/bin/sh\necho users-own-hook\n";
    fs::write(&hook, original).unwrap();
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();
    let bin_dir = sb.bin_dir();
    let args = [
        "--repo",
        s(&repo.path),
        "--binary",
        common::PUSHGUARD,
        "--bin-dir",
        s(&bin_dir),
    ];
    let children: Vec<_> = (0..6)
        .map(|_| {
            sb.cmd(common::install_script(), sb.root())
                .args(args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start install.sh")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", describe(&out));
    }
    assert!(fs::read_to_string(&hook)
        .unwrap()
        .contains("pushguard-managed-hook"));
    assert_eq!(
        fs::read_to_string(hook.with_file_name(CHAINED)).unwrap(),
        original
    );
    assert!(!repo
        .path
        .join(".git/hooks/.pushguard-install.lock")
        .exists());
}

#[test]
fn uninstall_keeps_a_managed_hook_the_user_edited() {
    let sb = Sandbox::new();
    let (repo, _) = repo_with_commit(&sb);
    repo.install_hook();
    let hook = repo.path.join(".git/hooks/pre-push");
    let edited = format!(
        "{}\n# my own addition\necho extra\n",
        fs::read_to_string(&hook).unwrap()
    );
    fs::write(&hook, &edited).unwrap();
    let output = sb.run_install(&repo.path, &["--uninstall", "--bin-dir", s(&sb.bin_dir())]);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        stdout(&output).contains("was edited since it was installed"),
        "{}",
        stdout(&output)
    );
    assert!(!hook.exists());
    assert_eq!(
        fs::read_to_string(hook.with_file_name("pre-push.pushguard-edited")).unwrap(),
        edited
    );
}
