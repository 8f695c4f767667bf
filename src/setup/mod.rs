//! Installing pushguard into a repository: the managed pre-push hook (`hooks`), the line it
//! adds to husky's `.husky/pre-push` (`husky`), and the health check of both (`doctor`).
//!
//! This is a leaf of the pipeline (nothing of `git/` … `output/` is used, and nothing there
//! uses it): it reads git's configuration through the `git` command, as git itself resolves
//! it (`core.hooksPath`, worktrees, `~`), and writes only files in the hooks directory, in
//! husky's user directory, and its own lock.
//!
//! Invariants:
//! - The hook goes where `git rev-parse --git-path hooks` says: the one directory git runs
//!   hooks from (core.hooksPath honoured, linked worktrees share the main one's).
//! - Nothing that is not pushguard's is deleted or overwritten: a foreign hook is moved aside
//!   and moved back, an edited managed hook is kept under another name, husky's own files
//!   are never touched (only one marked line in the user's `.husky/pre-push`).
//! - Files are replaced by writing a temporary file beside them and renaming it, so a push
//!   running meanwhile sees the old file or the new one, never half of one.

pub mod doctor;
pub mod hooks;
pub mod husky;

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::escape::escape;

crate::error::stage_error!(
    /// An install, uninstall or check that cannot go on: one paragraph naming the file and
    /// what to do.
    Error
);

/// `path` escaped for printing (paths come from the repository and its configuration).
pub fn shown(path: &Path) -> String {
    escape(&path.to_string_lossy()).into_owned()
}

/// Where `core.hooksPath` was set, as `git config --show-scope` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    System,
    Global,
    Local,
    Worktree,
    /// `git -c` or `GIT_CONFIG_PARAMETERS`: this run only.
    Command,
}

impl Scope {
    fn parse(s: &str) -> Option<Scope> {
        Some(match s {
            "system" => Scope::System,
            "global" => Scope::Global,
            "local" => Scope::Local,
            "worktree" => Scope::Worktree,
            "command" => Scope::Command,
            _ => return None,
        })
    }

    /// True for configuration every repository of the user (or machine) reads.
    pub fn is_shared(self) -> bool {
        matches!(self, Scope::System | Scope::Global)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::System => "system",
            Scope::Global => "global",
            Scope::Local => "local",
            Scope::Worktree => "worktree",
            Scope::Command => "command-line",
        }
    }
}

/// The effective `core.hooksPath` and where it was set.
#[derive(Debug, Clone)]
pub struct HooksPath {
    /// As written in the configuration (may be relative or start with `~`).
    pub value: String,
    pub scope: Scope,
}

/// What git says about the repository containing a directory.
#[derive(Debug, Clone)]
pub struct Repo {
    /// The directory git was asked about (absolute).
    pub dir: PathBuf,
    /// The working tree's root; `None` in a bare repository.
    pub toplevel: Option<PathBuf>,
    /// The git directory shared by all worktrees (absolute).
    pub common_dir: PathBuf,
    /// The directory git runs hooks from (absolute; may not exist yet).
    pub hooks_dir: PathBuf,
    /// The effective `core.hooksPath`, when set.
    pub hooks_path: Option<HooksPath>,
}

impl Repo {
    /// Asks git about the repository containing `dir`.
    pub fn discover(dir: &Path) -> Result<Repo, Error> {
        let meta = std::fs::metadata(dir).ok();
        if !meta.is_some_and(|m| m.is_dir()) {
            return Err(Error::new(format!(
                "{} is not a directory, so there is no repository to install the hook into. \
                 Pass --repo with the path of a git repository (or a directory inside one).",
                shown(dir)
            )));
        }
        let dir = dir.canonicalize().map_err(|e| {
            Error::with_source(format!("cannot resolve the directory {}", shown(dir)), e)
        })?;
        let out = git(&dir, &["rev-parse", "--git-common-dir"])?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            if err.contains("not a git repository") {
                return Err(Error::new(format!(
                    "{} is not inside a git repository, so there is no hooks directory to \
                     install the pre-push hook into. Run pushguard from inside the repository \
                     you want to guard, or pass --repo DIR.",
                    shown(&dir)
                )));
            }
            return Err(Error::new(format!(
                "git could not open the repository at {}: {}",
                shown(&dir),
                escape(err.trim())
            )));
        }
        let common_dir = absolute(&dir, &first_line(&out.stdout));
        let hooks = git_ok(&dir, &["rev-parse", "--git-path", "hooks"])?;
        let hooks_dir = absolute(&dir, &hooks);
        let bare = git_ok(&dir, &["rev-parse", "--is-bare-repository"])?;
        let toplevel = if bare.as_os_str() == "true" {
            None
        } else {
            let top = git_ok(&dir, &["rev-parse", "--show-toplevel"])?;
            Some(absolute(&dir, &top))
        };
        let hooks_path = config_with_scope(&dir, "core.hooksPath")?;
        Ok(Repo {
            dir,
            toplevel,
            common_dir,
            hooks_dir,
            hooks_path,
        })
    }

    /// True when the working tree is pushguard's own source checkout: its root holds a
    /// Cargo.toml whose package is named `pushguard`.
    pub fn is_pushguard_source(&self) -> bool {
        let Some(top) = &self.toplevel else {
            return false;
        };
        let Ok(text) = read_small(&top.join("Cargo.toml")) else {
            return false;
        };
        let Ok(table) = std::str::from_utf8(&text)
            .ok()
            .map(toml::from_str::<toml::Table>)
            .transpose()
        else {
            return false;
        };
        table
            .as_ref()
            .and_then(|t| t.get("package"))
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            == Some("pushguard")
    }

    /// Where pushguard's own setup state lives (the lock of husky installs).
    pub fn state_dir(&self) -> PathBuf {
        self.common_dir.join("pushguard")
    }
}

/// The binary a hook should run: `explicit` (`--binary`), else this very program, as an
/// absolute path without links, so GUI clients with a bare PATH still find it.
pub fn binary_path(explicit: Option<&Path>) -> Result<PathBuf, Error> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => std::env::current_exe().map_err(|e| {
            Error::with_source(
                "cannot tell where this pushguard binary is; pass --binary PATH",
                e,
            )
        })?,
    };
    let abs = path.canonicalize().map_err(|e| {
        Error::with_source(
            format!(
                "the pushguard binary {} cannot be found; pass --binary with the path of an \
                 installed pushguard",
                shown(&path)
            ),
            e,
        )
    })?;
    if !abs.is_file() {
        return Err(Error::new(format!(
            "{} is not a file; pass --binary with the path of an installed pushguard",
            shown(&abs)
        )));
    }
    if abs.as_os_str().as_bytes().contains(&b'\n') {
        return Err(Error::new(format!(
            "the path of the pushguard binary {} holds a newline, which a hook cannot name; \
             install pushguard elsewhere and pass --binary",
            shown(&abs)
        )));
    }
    Ok(abs)
}

/// `text` quoted for sh: between single quotes, each `'` as `'\''`.
pub(crate) fn sh_quote(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    out.push(b'\'');
    for &b in text {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

/// The inverse of [`sh_quote`] for one single-quoted word (`'a'\''b'`); `None` for anything
/// else.
pub(crate) fn sh_unquote(word: &[u8]) -> Option<Vec<u8>> {
    let inner = word.strip_prefix(b"'")?.strip_suffix(b"'")?;
    let mut out = Vec::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(i) = rest.iter().position(|&b| b == b'\'') {
        out.extend_from_slice(&rest[..i]);
        rest = rest[i..].strip_prefix(b"'\\''")?;
        out.push(b'\'');
    }
    out.extend_from_slice(rest);
    Some(out)
}

/// Runs `git args` in `dir`.
fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, Error> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            Error::with_source(
                "could not run git; install git (or put it on PATH) and run pushguard again",
                e,
            )
        })
}

/// `git args` in `dir`, which must succeed; its first output line.
fn git_ok(dir: &Path, args: &[&str]) -> Result<PathBuf, Error> {
    let out = git(dir, args)?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "`git {}` failed in {}: {}",
            args.join(" "),
            shown(dir),
            escape(String::from_utf8_lossy(&out.stderr).trim())
        )));
    }
    Ok(first_line(&out.stdout))
}

/// The value of `key` git would use in `dir`, and the scope that set it; `None` when unset.
fn config_with_scope(dir: &Path, key: &str) -> Result<Option<HooksPath>, Error> {
    let out = git(dir, &["config", "--show-scope", "--get", key])?;
    if out.status.code() == Some(129) {
        // git before 2.26 has no --show-scope: the value alone, its scope unknown.
        return Ok(config_at(dir, "--get", key).map(|value| HooksPath {
            value,
            scope: Scope::Local,
        }));
    }
    if !out.status.success() {
        // 1: not set. Anything else (a broken config file) shows up when git runs hooks.
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.trim_end_matches('\n');
    let (scope, value) = line.split_once('\t').unwrap_or(("local", line));
    Ok(Some(HooksPath {
        value: value.to_owned(),
        scope: Scope::parse(scope).unwrap_or(Scope::Local),
    }))
}

/// The value of `key` in the configuration of one `scope` flag (`--global`, `--system`,
/// `--local`; `--get` for the effective one), as seen from `dir`.
pub(crate) fn config_at(dir: &Path, scope: &str, key: &str) -> Option<String> {
    let args: &[&str] = if scope == "--get" {
        &["config", "--get", key]
    } else {
        &["config", scope, "--get", key]
    };
    let out = git(dir, args).ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
}

fn first_line(stdout: &[u8]) -> PathBuf {
    let end = stdout
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(stdout.len());
    PathBuf::from(OsStr::from_bytes(&stdout[..end]))
}

/// `path` made absolute against `base` (git prints paths relative to where it ran).
fn absolute(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// True for anything at `path`, a dangling symbolic link included.
pub(crate) fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Reads a file of at most 1 MiB (hooks and configuration files are small; a larger one is
/// not a hook pushguard wrote).
pub(crate) fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let mut buf = Vec::new();
    f.take(1 << 20).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Writes `contents` to `path` atomically: a new file beside it, then a rename over it.
/// The new file gets `mode`.
pub(crate) fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> Result<(), Error> {
    crate::files::replace(path, &[contents], Some(mode)).map_err(|e| match e {
        crate::files::ReplaceError::Temporary(e) => Error::with_source(
            format!(
                "could not create a temporary file in {}; check that you can write there",
                shown(path.parent().unwrap_or(Path::new(".")))
            ),
            e,
        ),
        crate::files::ReplaceError::Write(e) => {
            Error::with_source(format!("could not write {}", shown(path)), e)
        }
    })
}

/// A lock held by one installer at a time: a directory, because `mkdir` is atomic on every
/// filesystem and an older `install.sh` took the same one. Removed on drop.
pub(crate) struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes the lock `path`, waiting up to 30 s for another installer to release it.
    pub(crate) fn acquire(path: PathBuf) -> Result<Lock, Error> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Error::with_source(
                    format!("could not create the directory {}", shown(parent)),
                    e,
                )
            })?;
        }
        for _ in 0..300 {
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Lock { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => {
                    return Err(Error::with_source(
                        format!("could not create the install lock {}", shown(&path)),
                        e,
                    ))
                }
            }
        }
        Err(Error::new(format!(
            "another pushguard install has held {} for 30 s. If none is running (one was \
             killed), remove that directory and run pushguard install again.",
            shown(&path)
        )))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.path);
    }
}

/// Whether `path` is a file its owner may execute.
pub(crate) fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips() {
        for text in [&b"/usr/bin/pushguard"[..], b"it's a $bin & dir", b"''", b""] {
            let q = sh_quote(text);
            assert_eq!(sh_unquote(&q).as_deref(), Some(text));
        }
        assert_eq!(sh_quote(b"a'b"), b"'a'\\''b'");
        assert_eq!(sh_unquote(b"'a'b'"), None);
        assert_eq!(sh_unquote(b"plain"), None);
    }
}
