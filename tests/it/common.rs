//! Shared harness for integration tests that drive real git (and the real `install.sh` and
//! `pushguard`) in throwaway repositories.
//!
//! Every [`Sandbox`] owns a temporary directory and the environment each child process gets.
//! The environment is applied per [`Command`], never to the test process itself, so tests run
//! in parallel without seeing each other, the developer's git configuration, hooks, `HOME`,
//! `CI`, or any `GIT_*`/`PUSHGUARD_*` variable that happens to be set (for instance when the
//! tests run from inside a git hook).
//!
//! Helpers panic with the command's output on unexpected failure: this is test-only code and
//! a panic with git's own stderr is the most useful failure report.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use tempfile::TempDir;

/// The pushguard binary cargo built for this test run.
pub const PUSHGUARD: &str = env!("CARGO_BIN_EXE_pushguard");

/// The all-zero object id git puts on pre-push stdin for a ref that does not exist yet.
pub const ZERO_OID: &str = "0000000000000000000000000000000000000000";

/// Seconds since the epoch of the first commit in every sandbox; each git call advances the
/// clock by a minute so commits are deterministic yet strictly ordered.
const EPOCH: u64 = 1_700_000_000;

/// The source checkout's `install.sh`.
pub fn install_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh")
}

/// The source checkout's hook template, `hooks/pre-push`.
pub fn hook_template() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-push")
}

/// An isolated world for one test: a temporary directory holding `HOME`, the global git
/// config, `TMPDIR`, `CARGO_HOME`, a bin directory and any repositories the test creates.
pub struct Sandbox {
    /// Deleted when the sandbox is dropped.
    pub dir: TempDir,
    /// `dir`'s canonical path, so paths compare equal to what git and `pwd -P` print.
    root: PathBuf,
    /// Variables set on every child process.
    env: Vec<(OsString, OsString)>,
    /// Inherited variables removed from every child process.
    removed: Vec<OsString>,
    /// Minutes since [`EPOCH`] handed to the next git call.
    clock: AtomicU64,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("pushguard-test-")
            .tempdir()
            .expect("create sandbox tempdir");
        let root = dir.path().canonicalize().expect("canonicalize sandbox");
        let home = root.join("home");
        for sub in ["home/.config", "tmp", "cargo-home", "bin"] {
            fs::create_dir_all(root.join(sub)).expect("create sandbox dirs");
        }
        let global_config = root.join("gitconfig");
        fs::write(
            &global_config,
            "[user]\n\tname = Pushguard Test\n\temail = test@pushguard.invalid\n\
             [init]\n\tdefaultBranch = main\n\
             [advice]\n\tdetachedHead = false\n",
        )
        .expect("write global gitconfig");

        let removed = std::env::vars_os()
            .map(|(key, _)| key)
            .filter(|key| {
                let key = key.to_string_lossy();
                // A coding assistant's markers too: the tests say which pusher they are.
                const AGENT: &[&str] = &[
                    "CLAUDE",
                    "CURSOR_",
                    "AIDER_",
                    "CODEX_",
                    "GEMINI_CLI",
                    "OPENHANDS_",
                    "CLINE_",
                ];
                key == "CI"
                    || key.starts_with("GIT_")
                    || key.starts_with("PUSHGUARD_")
                    || AGENT.iter().any(|a| key.starts_with(a))
            })
            .collect();
        let env = [
            ("HOME", home.clone().into_os_string()),
            ("XDG_CONFIG_HOME", home.join(".config").into_os_string()),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
            ("GIT_CONFIG_GLOBAL", global_config.into_os_string()),
            // Repository discovery must never escape into a repository around the tempdir.
            ("GIT_CEILING_DIRECTORIES", root.clone().into_os_string()),
            ("GIT_TERMINAL_PROMPT", "0".into()),
            ("LC_ALL", "C".into()),
            ("TMPDIR", root.join("tmp").into_os_string()),
            ("CARGO_HOME", root.join("cargo-home").into_os_string()),
        ]
        .into_iter()
        .map(|(key, value)| (OsString::from(key), value))
        .collect();

        Sandbox {
            dir,
            root,
            env,
            removed,
            clock: AtomicU64::new(0),
        }
    }

    /// The sandbox directory (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `rel` inside the sandbox directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// `HOME` of every child process.
    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    /// `TMPDIR` of every child process; hooks must leave it as they found it.
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// `CARGO_HOME` of every child process (empty: the developer's is never consulted).
    pub fn cargo_home(&self) -> PathBuf {
        self.root.join("cargo-home")
    }

    /// Where [`TestRepo::install_hook`] installs the binary.
    pub fn bin_dir(&self) -> PathBuf {
        self.root.join("bin")
    }

    /// `program` run in `cwd` with the sandbox environment and stdin from /dev/null.
    pub fn cmd(&self, program: impl AsRef<OsStr>, cwd: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(cwd).stdin(Stdio::null());
        for key in &self.removed {
            cmd.env_remove(key);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        let date = format!("{} +0000", EPOCH + 60 * self.clock.load(Ordering::SeqCst));
        cmd.env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
        cmd
    }

    /// `git args` in `cwd`; each call advances the commit clock by a minute.
    pub fn git_cmd(&self, cwd: &Path, args: &[&str]) -> Command {
        let mut cmd = self.cmd("git", cwd);
        cmd.args(args);
        self.clock.fetch_add(1, Ordering::SeqCst);
        cmd
    }

    /// Runs `git args` in `cwd` and returns its output whatever the exit status.
    pub fn git_raw(&self, cwd: &Path, args: &[&str]) -> Output {
        run(&mut self.git_cmd(cwd, args))
    }

    /// Runs `git args` in `cwd`; panics with git's output if it fails.
    pub fn git(&self, cwd: &Path, args: &[&str]) -> Output {
        let output = self.git_raw(cwd, args);
        assert!(
            output.status.success(),
            "git {args:?} in {} failed:\n{}",
            cwd.display(),
            describe(&output)
        );
        output
    }

    /// Runs `git args` in `cwd`; panics if it fails; returns stdout without the trailing
    /// newline.
    pub fn git_ok(&self, cwd: &Path, args: &[&str]) -> String {
        stdout_line(&self.git(cwd, args))
    }

    /// Runs `git args` in `cwd`; panics if it succeeds.
    pub fn git_fail(&self, cwd: &Path, args: &[&str]) -> Output {
        let output = self.git_raw(cwd, args);
        assert!(
            !output.status.success(),
            "git {args:?} in {} unexpectedly succeeded:\n{}",
            cwd.display(),
            describe(&output)
        );
        output
    }

    /// A fresh bare repository `remotes/<name>.git`.
    pub fn bare_remote(&self, name: &str) -> PathBuf {
        let path = self.root.join("remotes").join(format!("{name}.git"));
        fs::create_dir_all(&path).expect("create bare remote dir");
        self.git(&path, &["init", "-q", "--bare"]);
        path
    }

    /// A fresh repository `<name>` on branch `main` whose `origin` is a fresh bare remote.
    pub fn repo(&self, name: &str) -> TestRepo<'_> {
        let path = self.root.join(name);
        fs::create_dir_all(&path).expect("create repo dir");
        self.git(&path, &["init", "-q", "-b", "main"]);
        let remote = self.bare_remote(name);
        let url = remote.to_str().expect("sandbox paths are UTF-8");
        self.git(&path, &["remote", "add", "origin", url]);
        TestRepo {
            path,
            remote,
            sandbox: self,
        }
    }

    /// Runs the source checkout's `install.sh args` in `cwd`, whatever the exit status.
    pub fn run_install(&self, cwd: &Path, args: &[&str]) -> Output {
        let mut cmd = self.cmd(install_script(), cwd);
        cmd.args(args);
        run(&mut cmd)
    }

    /// A PATH as bare as a GUI git client's: the directory holding git, `/usr/bin`, `/bin`.
    /// Nothing from cargo, so the hook must rely on the absolute path install.sh wrote.
    pub fn minimal_path(&self) -> OsString {
        let mut dirs: Vec<PathBuf> = Vec::new();
        if let Some(git_dir) =
            find_on_path("git").and_then(|git| git.parent().map(Path::to_path_buf))
        {
            dirs.push(git_dir);
        }
        for dir in ["/usr/bin", "/bin"] {
            if !dirs.iter().any(|d| d == Path::new(dir)) {
                dirs.push(PathBuf::from(dir));
            }
        }
        std::env::join_paths(dirs).expect("join PATH")
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

/// A non-bare repository inside a [`Sandbox`], with a bare `origin`.
pub struct TestRepo<'s> {
    /// The working tree.
    pub path: PathBuf,
    /// The bare repository `origin` points at (its URL is this path).
    pub remote: PathBuf,
    pub sandbox: &'s Sandbox,
}

/// What a `git push` did, with output decoded lossily.
#[derive(Debug)]
pub struct PushResult {
    /// Exit code; -1 if git was killed by a signal.
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl PushResult {
    pub fn success(&self) -> bool {
        self.status == 0
    }
}

impl From<Output> for PushResult {
    fn from(output: Output) -> PushResult {
        PushResult {
            status: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl TestRepo<'_> {
    /// `origin`'s URL as git passes it to the hook.
    pub fn remote_url(&self) -> &str {
        self.remote.to_str().expect("sandbox paths are UTF-8")
    }

    /// Runs `git args` in the working tree; panics if it fails.
    pub fn git(&self, args: &[&str]) -> Output {
        self.sandbox.git(&self.path, args)
    }

    /// Runs `git args` in the working tree; panics if it fails; returns trimmed stdout.
    pub fn git_ok(&self, args: &[&str]) -> String {
        self.sandbox.git_ok(&self.path, args)
    }

    /// Writes `contents` to `rel` in the working tree, creating parent directories.
    pub fn write(&self, rel: &str, contents: &str) {
        let file = self.path.join(rel);
        if let Some(parent) = file.parent() {
            fs::create_dir_all(parent).expect("create parent dirs");
        }
        fs::write(&file, contents).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
    }

    /// Deletes `rel` from the working tree.
    pub fn remove(&self, rel: &str) {
        let file = self.path.join(rel);
        fs::remove_file(&file).unwrap_or_else(|e| panic!("remove {}: {e}", file.display()));
    }

    /// Stages everything and commits; returns the new commit's sha.
    pub fn commit_all(&self, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", msg]);
        self.head()
    }

    /// Writes each `(path, contents)` and commits everything; returns the new sha.
    pub fn commit_files(&self, msg: &str, files: &[(&str, &str)]) -> String {
        for (rel, contents) in files {
            self.write(rel, contents);
        }
        self.commit_all(msg)
    }

    /// Commits nothing (`--allow-empty`); returns the new sha.
    pub fn commit_empty(&self, msg: &str) -> String {
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.head()
    }

    /// The sha of HEAD.
    pub fn head(&self) -> String {
        self.git_ok(&["rev-parse", "HEAD"])
    }

    /// The absolute hooks directory git runs this repository's hooks from.
    pub fn hooks_dir(&self) -> PathBuf {
        self.path
            .join(self.git_ok(&["rev-parse", "--git-path", "hooks"]))
    }

    /// Runs the real `install.sh --repo <path> --binary <pushguard> --bin-dir <sandbox>/bin`,
    /// which installs the hook with the real binary's `pushguard install`; then, when
    /// `binary` is another program (a recording stand-in), puts it in the installed binary's
    /// place, so the unedited hook runs it. Panics if install.sh fails.
    pub fn install_hook_with(&self, binary: &Path) -> Output {
        let repo = self.path.to_str().expect("sandbox paths are UTF-8");
        let bin_dir = self.sandbox.bin_dir();
        let bin_dir_str = bin_dir.to_str().expect("sandbox paths are UTF-8");
        let output = self.sandbox.run_install(
            self.sandbox.root(),
            &[
                "--repo",
                repo,
                "--binary",
                PUSHGUARD,
                "--bin-dir",
                bin_dir_str,
            ],
        );
        assert!(
            output.status.success(),
            "install.sh failed:\n{}",
            describe(&output)
        );
        if binary != Path::new(PUSHGUARD) {
            replace_file(binary, &bin_dir.join("pushguard"));
        }
        output
    }

    /// Installs the real pushguard binary and hook (see [`TestRepo::install_hook_with`]).
    pub fn install_hook(&self) {
        self.install_hook_with(Path::new(PUSHGUARD));
    }

    /// `git push args` in the working tree, stdin from /dev/null, ready for extra env.
    pub fn push_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.sandbox.git_cmd(&self.path, &["push"]);
        cmd.args(args);
        cmd
    }

    /// Runs `git push args`; never panics on a failed push.
    pub fn push(&self, args: &[&str]) -> PushResult {
        run(&mut self.push_cmd(args)).into()
    }

    /// The sha `refname` points at in `origin`, or None if it does not exist there.
    pub fn remote_sha(&self, refname: &str) -> Option<String> {
        let git_dir = format!("--git-dir={}", self.remote_url());
        let output = self.sandbox.git_raw(
            &self.path,
            &[&git_dir, "rev-parse", "--verify", "--quiet", refname],
        );
        output.status.success().then(|| stdout_line(&output))
    }
}

/// Runs `cmd` to completion, capturing stdout and stderr.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"))
}

/// stdout as a string without the trailing newline.
pub fn stdout_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .trim_end_matches('\n')
        .to_string()
}

/// Exit status, stdout and stderr, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Writes an executable (mode 755) file.
///
/// The file is written by a child process (`cat`), never opened for writing here: the
/// tests run in parallel threads that spawn processes all the time, and a child forked
/// while this process held the file open for writing keeps that descriptor until it
/// execs, during which running the file fails with "Text file busy".
pub fn write_executable(path: &Path, contents: &str) {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create parent dirs");
    }
    let mut cat = Command::new("sh")
        .args(["-c", "cat > \"$1\"", "sh"])
        .arg(path)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    let mut stdin = cat.stdin.take().expect("piped stdin");
    stdin
        .write_all(contents.as_bytes())
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    drop(stdin);
    assert!(
        cat.wait().is_ok_and(|s| s.success()),
        "write {}",
        path.display()
    );
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod 755");
}

/// Copies `from` over `to` through a rename, so a binary that ran from `to` is not
/// rewritten in place (which Linux refuses while it runs). The copy is made by `cp`, for
/// the reason [`write_executable`] gives.
pub fn replace_file(from: &Path, to: &Path) {
    let tmp = to.with_extension("replacing");
    let copied = Command::new("cp")
        .arg(from)
        .arg(&tmp)
        .status()
        .is_ok_and(|s| s.success());
    assert!(copied, "copy {} to {}", from.display(), tmp.display());
    fs::rename(&tmp, to).unwrap_or_else(|e| panic!("rename to {}: {e}", to.display()));
}

/// The first `name` on the test process's PATH.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `s` with every run of whitespace folded to one space: reports wrap long lines at 80
/// columns, so tests look for phrases in the folded text.
pub fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl<'s> Sandbox {
    /// A repository `app` whose first commit (`files`) is pushed to `origin/main` with the
    /// real hook installed: the state most tests start from.
    pub fn deployed(&'s self, files: &[(&str, &str)]) -> TestRepo<'s> {
        let repo = self.repo("app");
        repo.commit_files("initial", files);
        repo.install_hook();
        let r = repo.push(&["-u", "origin", "main"]);
        assert!(r.success(), "first push failed: {r:?}");
        repo
    }
}
