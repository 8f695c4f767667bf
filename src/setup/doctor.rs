//! `pushguard doctor`: whether pushguard will run on the next push, one check at a time.
//!
//! Invariant: every check is a [`Check`] whose `fix` is set exactly when its status is
//! [`Status::Problem`]; text from the repository (paths, configuration values) is escaped
//! before it is put in one.

use std::path::{Path, PathBuf};

use super::hooks::{self, CHAINED_NAME};
use super::{husky, is_executable, read_small, shown, Repo};
use crate::escape::escape;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Worth knowing, not wrong.
    Note,
    Problem,
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Check {
    pub status: Status,
    /// What was checked: `hook`, `binary`, `core.hooksPath`, `husky`, …
    pub topic: &'static str,
    pub message: String,
    /// What to do, for a problem.
    pub fix: Option<String>,
}

impl Check {
    fn ok(topic: &'static str, message: String) -> Check {
        Check {
            status: Status::Ok,
            topic,
            message,
            fix: None,
        }
    }

    fn note(topic: &'static str, message: String) -> Check {
        Check {
            status: Status::Note,
            topic,
            message,
            fix: None,
        }
    }

    fn problem(topic: &'static str, message: String, fix: String) -> Check {
        Check {
            status: Status::Problem,
            topic,
            message,
            fix: Some(fix),
        }
    }
}

/// How pushguard is wired into the repository.
enum Wiring {
    /// The managed hook, at this path.
    Hook(PathBuf),
    /// A line in husky's script.
    Husky(husky::Husky),
    /// pre-commit's pre-push hook, with pushguard in `.pre-commit-config.yaml`.
    PreCommit,
    /// lefthook's pre-push hook, with pushguard in lefthook's configuration.
    Lefthook,
    None,
}

/// Runs every check on `repo`. `version` is the running pushguard's (`pushguard x.y.z`).
/// `config` loads pushguard's configuration for the working tree and returns its error
/// paragraph when it fails (the caller owns the loader's options).
pub fn run(
    repo: &Repo,
    version: &str,
    config: &dyn Fn(Option<&Path>) -> Result<String, String>,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let hook = repo.hooks_dir.join("pre-push");
    let hook_text = read_small(&hook).ok();
    let husky = husky::detect(repo);
    let pre_commit = pre_commit_config(repo);
    let lefthook = lefthook_config(repo);

    hooks_path_checks(repo, &mut checks);

    let wiring = if let Some(h) = husky {
        Wiring::Husky(h)
    } else if hook_text.as_deref().is_some_and(hooks::is_ours_text) {
        Wiring::Hook(hook.clone())
    } else if hook_text.as_deref().is_some_and(is_pre_commit_hook)
        && pre_commit.as_ref().is_some_and(|(_, has)| *has)
    {
        Wiring::PreCommit
    } else if hook_text.as_deref().is_some_and(is_lefthook_hook)
        && lefthook.as_ref().is_some_and(|(_, has)| *has)
    {
        Wiring::Lefthook
    } else {
        Wiring::None
    };

    match &wiring {
        Wiring::Hook(path) => hook_checks(path, version, repo.toplevel.as_deref(), &mut checks),
        Wiring::Husky(h) => {
            let script = h.script();
            let which = match h.version {
                husky::Version::V9 => "husky 9",
                husky::Version::V5to8 => "husky 5-8",
            };
            if husky::has_line(&script) {
                checks.push(Check::ok(
                    "hook",
                    format!(
                        "git runs hooks through {which} ({}), and {} runs pushguard",
                        shown(&repo.hooks_dir),
                        shown(&script)
                    ),
                ));
                if let Some(bin) = read_small(&script).ok().and_then(|t| husky_binary(&t)) {
                    binary_checks(&bin, version, repo.toplevel.as_deref(), &mut checks);
                }
            } else {
                checks.push(Check::problem(
                    "hook",
                    format!(
                        "git runs hooks through {which} ({}), but {} does not run pushguard",
                        shown(&repo.hooks_dir),
                        shown(&script)
                    ),
                    "run `pushguard install`: it adds one line to that script".into(),
                ));
            }
        }
        Wiring::PreCommit => checks.push(Check::ok(
            "hook",
            format!(
                "{} is pre-commit's, and .pre-commit-config.yaml runs pushguard",
                shown(&hook)
            ),
        )),
        Wiring::Lefthook => checks.push(Check::ok(
            "hook",
            format!(
                "{} is lefthook's, and lefthook's configuration runs pushguard",
                shown(&hook)
            ),
        )),
        Wiring::None => {
            let default = repo.common_dir.join("hooks/pre-push");
            let elsewhere = default != hook && hooks::is_ours(&default);
            let message = match (&hook_text, elsewhere) {
                (_, true) => format!(
                    "pushguard's hook is in {}, but git runs hooks from {} (core.hooksPath), so \
                     it never runs",
                    shown(&default),
                    shown(&repo.hooks_dir)
                ),
                (None, false) => format!("no pre-push hook in {}", shown(&repo.hooks_dir)),
                (Some(_), false) => format!(
                    "{} is not pushguard's hook and does not run pushguard",
                    shown(&hook)
                ),
            };
            let fix = match &repo.hooks_path {
                Some(p) if p.scope.is_shared() => format!(
                    "run `pushguard install --global-hooks` to install into {} (every \
                     repository of this user), or unset it (`git config --{} --unset \
                     core.hooksPath`) and run `pushguard install`",
                    escape(&p.value),
                    if p.scope == super::Scope::System {
                        "system"
                    } else {
                        "global"
                    }
                ),
                _ => "run `pushguard install`".into(),
            };
            checks.push(Check::problem("hook", message, fix));
        }
    }

    chained_checks(&repo.hooks_dir, &mut checks);
    if !matches!(wiring, Wiring::Husky(_)) {
        if let Some(dir) = husky::present(repo) {
            checks.push(Check::note(
                "husky",
                format!(
                    "{} exists but husky is not installed in this clone (core.hooksPath does \
                     not point into it); once `npm install` runs husky, git runs husky's hooks \
                     instead: run `pushguard install` again then",
                    shown(&dir)
                ),
            ));
        }
    }
    if let Some((path, has)) = &pre_commit {
        let runs = hook_text.as_deref().is_some_and(is_pre_commit_hook);
        let chained =
            read_small(&repo.hooks_dir.join(CHAINED_NAME)).is_ok_and(|t| is_pre_commit_hook(&t));
        checks.push(match (has, runs || chained) {
            (true, true) if chained && matches!(wiring, Wiring::Hook(_)) => Check::note(
                "pre-commit",
                format!(
                    "{} runs pushguard, and pre-commit's hook is chained by pushguard's: \
                     pushguard checks each push twice",
                    shown(path)
                ),
            ),
            (true, true) if hooks::is_ours(&repo.hooks_dir.join("pre-push.legacy")) => Check::note(
                "pre-commit",
                format!(
                    "{} runs pushguard, and pre-commit also runs pushguard's own hook (kept \
                         as pre-push.legacy): pushguard checks each push twice; `pushguard \
                         uninstall` then `pre-commit install --hook-type pre-push` leaves one",
                    shown(path)
                ),
            ),
            (true, true) => Check::ok(
                "pre-commit",
                format!("{} runs pushguard on pre-push", shown(path)),
            ),
            (true, false) => Check::problem(
                "pre-commit",
                format!(
                    "{} has the pushguard hook, but pre-commit's pre-push hook is not installed",
                    shown(path)
                ),
                "run `pre-commit install --hook-type pre-push`".into(),
            ),
            (false, _) => Check::note(
                "pre-commit",
                format!("{} does not use the pushguard hook", shown(path)),
            ),
        });
    }
    if let Some((path, has)) = &lefthook {
        let runs = hook_text.as_deref().is_some_and(is_lefthook_hook);
        checks.push(match (has, runs) {
            (true, true) => Check::ok(
                "lefthook",
                format!("{} runs pushguard on pre-push", shown(path)),
            ),
            (true, false) => Check::problem(
                "lefthook",
                format!(
                    "{} runs pushguard on pre-push, but lefthook's hook is not installed",
                    shown(path)
                ),
                "run `lefthook install`".into(),
            ),
            (false, _) => Check::note(
                "lefthook",
                format!(
                    "{} does not run pushguard on pre-push{}",
                    shown(path),
                    if runs {
                        "; lefthook's hook replaced pushguard's: add pushguard to its pre-push \
                         as a script (docs/examples/lefthook.yml)"
                    } else {
                        ""
                    }
                ),
            ),
        });
    }
    checks.push(match config(repo.toplevel.as_deref()) {
        Ok(source) => Check::ok("config", source),
        Err(paragraph) => Check::problem(
            "config",
            paragraph,
            "fix pushguard.toml at the place named (`pushguard config` shows the effective \
             configuration once it loads)"
                .into(),
        ),
    });
    checks
}

fn hooks_path_checks(repo: &Repo, checks: &mut Vec<Check>) {
    let local = super::config_at(&repo.dir, "--local", "core.hooksPath");
    let global = super::config_at(&repo.dir, "--global", "core.hooksPath");
    let system = super::config_at(&repo.dir, "--system", "core.hooksPath");
    let effective = match &repo.hooks_path {
        None => "not set: git runs hooks from the git directory's hooks/".to_owned(),
        Some(p) => format!(
            "{} (set in {} config): git runs hooks from {}",
            escape(&p.value),
            p.scope.as_str(),
            shown(&repo.hooks_dir)
        ),
    };
    checks.push(Check::ok("core.hooksPath", effective));
    for (scope, value) in [("global", global), ("system", system)] {
        if let Some(v) = value {
            let overridden = local.is_some();
            checks.push(Check::note(
                "core.hooksPath",
                format!(
                    "set in {scope} config to {}: {}",
                    escape(&v),
                    if overridden {
                        "this repository overrides it"
                    } else {
                        "every repository of this user runs its hooks from there"
                    }
                ),
            ));
        }
    }
}

fn hook_checks(path: &Path, version: &str, worktree: Option<&Path>, checks: &mut Vec<Check>) {
    let text = read_small(path).unwrap_or_default();
    if !is_executable(path) {
        checks.push(Check::problem(
            "hook",
            format!(
                "{} is pushguard's but not executable, so git skips it",
                shown(path)
            ),
            format!("chmod +x {}", shown(path)),
        ));
    } else if !hooks::is_pristine(&text) {
        checks.push(Check::problem(
            "hook",
            format!(
                "{} is pushguard's but was edited since it was installed (or comes from another \
                 pushguard version)",
                shown(path)
            ),
            "run `pushguard install` to rewrite it (keep a copy of your edits first)".into(),
        ));
    } else {
        checks.push(Check::ok(
            "hook",
            format!("{} is pushguard's, executable and unedited", shown(path)),
        ));
    }
    match hooks::binary_named(&text) {
        Some(bin) => binary_checks(&bin, version, worktree, checks),
        None => checks.push(Check::problem(
            "binary",
            format!("{} names no pushguard binary", shown(path)),
            "run `pushguard install`".into(),
        )),
    }
}

/// The binary named by pushguard's line in a husky script.
fn husky_binary(text: &[u8]) -> Option<PathBuf> {
    let start = text.windows(14).position(|w| w == b"pushguard_bin=")? + 14;
    let rest = &text[start..];
    let mut end = 1;
    // The quoted word runs to the first `'` not followed by `\''`.
    while end < rest.len() {
        if rest[end] == b'\'' {
            if rest[end..].starts_with(b"'\\''") {
                end += 4;
                continue;
            }
            break;
        }
        end += 1;
    }
    let word = super::sh_unquote(rest.get(..=end)?)?;
    use std::os::unix::ffi::OsStrExt;
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(&word)))
}

/// Checks the binary a hook runs, asking it `--version` only when it is an absolute path
/// outside the working tree: the path may come from a committed file (husky's script), and
/// nothing from the repository is run.
fn binary_checks(bin: &Path, version: &str, worktree: Option<&Path>, checks: &mut Vec<Check>) {
    let inside = worktree.is_some_and(|top| {
        bin.canonicalize()
            .is_ok_and(|b| b.starts_with(top.canonicalize().unwrap_or_else(|_| top.into())))
    });
    if !bin.is_absolute() || inside {
        checks.push(Check::problem(
            "binary",
            format!(
                "the hook runs {}, which is not an absolute path outside the repository, so \
                 pushguard did not run it to check it",
                shown(bin)
            ),
            "run `pushguard install` to point the hook at an installed pushguard".into(),
        ));
        return;
    }
    if !bin.is_file() {
        checks.push(Check::problem(
            "binary",
            format!(
                "the hook runs {}, which does not exist: pushes are NOT checked (the hook \
                 warns and lets them through)",
                shown(bin)
            ),
            "reinstall: run `pushguard install` with the pushguard you want (or ./install.sh \
             from the source checkout)"
                .into(),
        ));
        return;
    }
    if !is_executable(bin) {
        checks.push(Check::problem(
            "binary",
            format!("the hook runs {}, which is not executable", shown(bin)),
            format!("chmod +x {}", shown(bin)),
        ));
        return;
    }
    let theirs = std::process::Command::new(bin)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    match theirs {
        Some(v) if v == version => checks.push(Check::ok(
            "binary",
            format!("the hook runs {} ({})", shown(bin), escape(&v)),
        )),
        Some(v) if v.starts_with("pushguard ") => checks.push(Check::problem(
            "binary",
            format!(
                "the hook runs {}, which is {}, not {version} (this one)",
                shown(bin),
                escape(&v)
            ),
            "run `pushguard install` with the pushguard you want the hook to run".into(),
        )),
        _ => checks.push(Check::problem(
            "binary",
            format!(
                "the hook runs {}, which does not answer `--version` as pushguard does",
                shown(bin)
            ),
            "run `pushguard install` to point the hook at this pushguard".into(),
        )),
    }
}

fn chained_checks(hooks_dir: &Path, checks: &mut Vec<Check>) {
    let chained = hooks_dir.join(CHAINED_NAME);
    if !super::exists(&chained) {
        return;
    }
    if hooks::is_ours(&chained) {
        checks.push(Check::problem(
            "chained",
            format!("{} is a copy of pushguard's own hook", shown(&chained)),
            format!("delete it: rm {}", shown(&chained)),
        ));
    } else if !is_executable(&chained) {
        checks.push(Check::problem(
            "chained",
            format!(
                "{} (the hook pushguard displaced) is not executable, so it is skipped",
                shown(&chained)
            ),
            format!("chmod +x {}", shown(&chained)),
        ));
    } else {
        checks.push(Check::ok(
            "chained",
            format!(
                "{} (the hook that was there before) runs before pushguard",
                shown(&chained)
            ),
        ));
    }
}

/// `.pre-commit-config.yaml` and whether it uses the pushguard hook.
fn pre_commit_config(repo: &Repo) -> Option<(PathBuf, bool)> {
    let path = repo.toplevel.as_ref()?.join(".pre-commit-config.yaml");
    let text = read_small(&path).ok()?;
    let text = String::from_utf8_lossy(&text);
    let has = text.lines().any(|l| {
        let l = l.trim_start().trim_start_matches("- ").trim();
        l == "id: pushguard" || l == "id: \"pushguard\"" || l == "id: 'pushguard'"
    }) || text.contains("pushguard check")
        || text.contains("pushguard hook");
    Some((path, has))
}

/// lefthook's configuration file and whether its pre-push runs pushguard.
fn lefthook_config(repo: &Repo) -> Option<(PathBuf, bool)> {
    let top = repo.toplevel.as_ref()?;
    let path = [
        "lefthook.yml",
        ".lefthook.yml",
        "lefthook.yaml",
        ".lefthook.yaml",
    ]
    .iter()
    .map(|n| top.join(n))
    .find(|p| p.is_file())?;
    let text = read_small(&path).ok()?;
    let text = String::from_utf8_lossy(&text);
    // The `pre-push:` section: from its line to the next top-level key.
    let mut in_pre_push = false;
    let mut has = false;
    for l in text.lines() {
        if !l.starts_with([' ', '\t', '#']) && !l.is_empty() {
            in_pre_push = l.trim_end().starts_with("pre-push:");
        } else if in_pre_push && l.contains("pushguard") && !l.trim_start().starts_with('#') {
            has = true;
        }
    }
    Some((path, has))
}

/// pre-commit writes its hooks from a template naming itself.
fn is_pre_commit_hook(text: &[u8]) -> bool {
    let t = String::from_utf8_lossy(text);
    t.contains("File generated by pre-commit") || t.contains("pre_commit")
}

fn is_lefthook_hook(text: &[u8]) -> bool {
    String::from_utf8_lossy(text).contains("lefthook")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_of_a_husky_line_is_read_back() {
        let bin = Path::new("/opt/it's/pushguard");
        let mut text = b"npm test\n".to_vec();
        text.extend_from_slice(&husky::line(bin, false));
        assert_eq!(husky_binary(&text).as_deref(), Some(bin));
    }
}
