//! `pushguard install`, `pushguard uninstall` and `pushguard doctor`: orchestration of
//! [`crate::setup`] (which repository, which wiring, what consent) and what is printed.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::{write_stdout, Outcome};
use crate::config::Config;
use crate::escape::escape;
use crate::setup::{self, doctor, hooks, husky, shown, Repo};

/// Options of `pushguard install`.
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// A directory inside the repository (default: the current directory).
    pub repo: Option<PathBuf>,
    /// The binary the hook runs (default: this one).
    pub binary: Option<PathBuf>,
    /// Consent to install into a hooks directory set in global or system configuration.
    pub global_hooks: bool,
    /// Consent to install into pushguard's own source checkout.
    pub source_checkout: bool,
}

fn discover(repo: Option<&Path>) -> Result<Repo> {
    Ok(Repo::discover(repo.unwrap_or(Path::new(".")))?)
}

/// `pushguard install`.
pub fn install(opts: &InstallOptions) -> Result<Outcome> {
    let repo = discover(opts.repo.as_deref())?;
    let binary = setup::binary_path(opts.binary.as_deref())?;

    // Both refusals happen before anything is written, and say what would have happened.
    if repo.is_pushguard_source() && !opts.source_checkout {
        let top = repo.toplevel.as_deref().unwrap_or(&repo.dir);
        bail!(
            "{} is pushguard's own source checkout: installing here would make every push of \
             pushguard's sources run the binary being developed. Nothing was installed. To \
             guard another repository pass --repo DIR; to guard this one anyway pass \
             --source-checkout.",
            shown(top)
        );
    }
    if let Some(p) = repo.hooks_path.as_ref().filter(|p| p.scope.is_shared()) {
        if !opts.global_hooks {
            bail!(
                "core.hooksPath is set in {} config to {}, so git runs every repository's \
                 hooks from {}: installing there guards every repository of this user (and \
                 moves aside any pre-push hook they share). Nothing was installed. Pass \
                 --global-hooks to do that, or unset it (`git config --{} --unset \
                 core.hooksPath`) and run pushguard install again.",
                p.scope.as_str(),
                escape(&p.value),
                shown(&repo.hooks_dir),
                p.scope.as_str()
            );
        }
    }

    let said = match husky::detect(&repo) {
        Some(h) => husky::install(&repo, &h, &binary)?,
        None => {
            let mut said = hooks::install(&repo.hooks_dir, &binary)?;
            if let Some(dir) = husky::present(&repo) {
                said.push(format!(
                    "note: {} exists but husky is not installed in this clone; once it is \
                     (`npm install`), git runs husky's hooks instead of this one: run \
                     pushguard install again then",
                    shown(&dir)
                ));
            }
            said
        }
    };
    print_lines(&said)?;
    Ok(Outcome::Allow)
}

/// `pushguard uninstall`.
pub fn uninstall(repo: Option<&Path>) -> Result<Outcome> {
    let repo = discover(repo)?;
    let said = match husky::detect(&repo) {
        Some(h) => husky::uninstall(&repo, &h)?,
        None => hooks::uninstall(&repo.hooks_dir)?,
    };
    print_lines(&said)?;
    Ok(Outcome::Allow)
}

/// `pushguard doctor`: one line per check; `Block` (exit 1) when one found a problem.
pub fn doctor(config: Option<&Path>, repo: Option<&Path>) -> Result<Outcome> {
    let repo = discover(repo)?;
    let version = format!("pushguard {}", env!("CARGO_PKG_VERSION"));
    let load = |root: Option<&Path>| match Config::load(config, root) {
        Ok(c) => Ok(format!("configuration loads: {}", c.source)),
        Err(e) => Err(format!("{e:#}")),
    };
    let checks = doctor::run(&repo, &version, &load);
    let mut out = String::new();
    for c in &checks {
        let status = match c.status {
            doctor::Status::Ok => "ok     ",
            doctor::Status::Note => "note   ",
            doctor::Status::Problem => "PROBLEM",
        };
        out.push_str(&format!("{status} {}: {}", c.topic, c.message.trim_end()));
        if let Some(fix) = &c.fix {
            out.push_str(&format!("\n        fix: {fix}"));
        }
        out.push('\n');
    }
    let problems = checks
        .iter()
        .filter(|c| c.status == doctor::Status::Problem)
        .count();
    out.push_str(&match problems {
        0 => "pushguard is set up: it runs on every push of this repository\n".to_owned(),
        1 => "1 problem found\n".to_owned(),
        n => format!("{n} problems found\n"),
    });
    write_stdout(&out)?;
    Ok(if problems == 0 {
        Outcome::Allow
    } else {
        Outcome::Block
    })
}

fn print_lines(lines: &[String]) -> Result<()> {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    write_stdout(&text)
}
