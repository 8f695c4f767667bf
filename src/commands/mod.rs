//! The subcommands, each a function from its arguments to an [`Outcome`]: orchestration
//! only. `main.rs` maps outcomes and errors to exit codes (0 allow, 1 block, 2 usage or
//! config error). Each subcommand has its own file; what they share is here.

mod admin;
mod audit;
mod calibrate;
mod check;
mod explain;
mod pre_push;
mod pre_receive;
mod setup;

pub use admin::{init, log, print_config};
pub use audit::{audit, parse_date, AuditFormat};
pub use calibrate::calibrate;
pub use check::{check, CheckRange};
pub use explain::{explain, explain_last};
pub use pre_push::{pre_push, HookOptions};
pub use pre_receive::pre_receive;
pub use setup::{doctor, install, uninstall, InstallOptions};

pub use crate::output::Format;

use std::ffi::OsStr;
use std::path::Path;

use anyhow::{Context, Result};
use git2::Repository;

use crate::config::Config;
use crate::decide::{Judgement, SkipList};
use crate::finding::Decision;
use crate::output::messages;
use crate::pipeline::Analysis;

/// What the process should tell git.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    Block,
}

impl Outcome {
    /// Where nobody is asked (`check`, the server): `block` stops, `warn` goes ahead.
    fn of(decision: Decision) -> Outcome {
        match decision {
            Decision::Block => Outcome::Block,
            Decision::Allow | Decision::Warn => Outcome::Allow,
        }
    }
}

/// Opens the repository the way git describes it to a hook: `GIT_DIR`, `GIT_WORK_TREE` and
/// friends when set (git sets `GIT_DIR` for hooks run with `--git-dir`), else discovery from
/// the current directory (which git sets to the worktree root for pre-push).
pub fn open_repository() -> Result<Repository> {
    Repository::open_from_env().context(
        "not inside a git repository (and GIT_DIR does not name one); run pushguard from a \
         repository, or as the pre-push hook `pushguard install` installs",
    )
}

/// Writes `text` to stdout. A reader that stopped reading (`pushguard log | head -1`) is
/// not an error: the output was wanted only that far.
fn write_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}

fn load_config(repo: &Repository, explicit: Option<&Path>) -> Result<Config> {
    let mut config = Config::load(explicit, repo.workdir())?;
    // Measured step times count only where they are used; a broken file is said, and the
    // weights stand in.
    if config.build.estimate == crate::config::Estimate::Steps {
        match crate::build::calibrate::Measured::load(repo) {
            Ok(measured) => config.build.measured = measured.map(std::sync::Arc::new),
            Err(why) => eprintln!("pushguard: note: measured build times not used: {why}"),
        }
    }
    Ok(config)
}

/// Judges `analysis` under `config` with the skip list `skip` (`PUSHGUARD_SKIP`, when it
/// applies), honouring `Pushguard-Allow` trailers when `trailers` is set. Warnings about
/// unknown rule ids and notices of the bypasses used go to stderr when `tell` is set (not
/// where stderr carries a JSON or SARIF document).
fn judge(
    analysis: &Analysis,
    config: &Config,
    skip: Option<&OsStr>,
    trailers: bool,
    tell: bool,
) -> Judgement {
    let known = config.known_rule_ids();
    let skip = skip.map(|v| SkipList::parse(v, &known)).unwrap_or_default();
    let judgement = Judgement::new(analysis, skip, &known, &config.policy, trailers);
    if tell {
        let notices = messages::notices(&judgement);
        for line in messages::warnings(&judgement).iter().chain(&notices) {
            eprintln!("{}", line.trim_end());
        }
    }
    judgement
}
