//! The subcommands, each a function from its arguments to an [`Outcome`]: orchestration
//! only. `main.rs` maps outcomes and errors to exit codes (0 allow, 1 block, 2 usage or
//! config error). Each subcommand has its own file; what they share is here.

mod admin;
mod check;
mod explain;
mod pre_push;
mod pre_receive;

pub use admin::{init, log, print_config};
pub use check::{check, CheckRange};
pub use explain::explain;
pub use pre_push::{pre_push, HookOptions};
pub use pre_receive::pre_receive;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use git2::Repository;

use crate::config::Config;
use crate::decide::{self, SkipList};
use crate::finding::Decision;
use crate::output::report;
use crate::pipeline::Analysis;

/// What the process should tell git.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    Block,
}

/// Output format of `check` and the hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The report for people ([`report::text`]).
    Text,
    /// The JSON document of docs/json.md ([`report::json`]).
    Json,
    /// A SARIF 2.1.0 log ([`crate::output::sarif`]).
    Sarif,
    /// GitHub Actions workflow commands, then the text report; plus a job summary when
    /// `$GITHUB_STEP_SUMMARY` is set ([`crate::output::github`]).
    Github,
}

/// Writes `analysis` (made under `config`) to `out` in `format`.
///
/// Errors are write errors (a closed pipe): the caller turns them into exit code 2 rather
/// than a panic, which is what `print!` would do.
pub fn render(
    analysis: &Analysis,
    config: &Config,
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Text => out.write_all(report::text(analysis).as_bytes())?,
        Format::Json => {
            let doc = serde_json::to_string_pretty(&report::json(analysis))?;
            writeln!(out, "{doc}")?;
        }
        Format::Sarif => {
            let doc = serde_json::to_string_pretty(&crate::output::sarif::sarif(analysis, config))?;
            writeln!(out, "{doc}")?;
        }
        Format::Github => {
            out.write_all(crate::output::github::annotations(analysis).as_bytes())?;
            out.write_all(report::text(analysis).as_bytes())?;
            // A summary that cannot be written must not change the verdict.
            if let Err(e) = crate::output::github::append_job_summary(analysis) {
                eprintln!("pushguard: note: no job summary written: {e:#}");
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Opens the repository the way git describes it to a hook: `GIT_DIR`, `GIT_WORK_TREE` and
/// friends when set (git sets `GIT_DIR` for hooks run with `--git-dir`), else discovery from
/// the current directory (which git sets to the worktree root for pre-push).
pub fn open_repository() -> Result<Repository> {
    Repository::open_from_env().context(
        "not inside a git repository (and GIT_DIR does not name one); run pushguard from a \
         repository, or as the pre-push hook installed by install.sh",
    )
}

fn load_config(repo: &Repository, explicit: Option<&Path>) -> Result<Config> {
    Ok(Config::load(explicit, repo.workdir())?)
}

/// The bypasses that hold outside a pre-push hook too: `Pushguard-Allow` trailers in the
/// commits and (for `check`) `PUSHGUARD_SKIP`. Notices and unknown-id warnings go to
/// stderr when `tell` is set (not where stderr carries a JSON or SARIF document).
fn apply_bypasses(
    analysis: &Analysis,
    config: &Config,
    skip: Option<&std::ffi::OsStr>,
    tell: bool,
) -> Analysis {
    let known = config.known_rule_ids();
    let skip = skip.map(|v| SkipList::parse(v, &known)).unwrap_or_default();
    let review = decide::review(analysis, skip, &known);
    if tell {
        for line in review.warnings.iter().chain(&review.notices()) {
            eprintln!("{}", line.trim_end());
        }
    }
    review.without_waived(analysis)
}

fn decide(analysis: &Analysis) -> Outcome {
    match analysis.decision() {
        Decision::Block => Outcome::Block,
        Decision::Allow | Decision::Warn => Outcome::Allow,
    }
}
