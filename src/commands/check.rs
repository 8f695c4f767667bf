//! `pushguard check`: commits outside a push, in CI or by hand.

use std::path::Path;

use anyhow::{bail, Result};

use super::pre_push::write_audit;
use super::{judge, load_config, open_repository, Format, Outcome};
use crate::decide::audit::{Entry, How};
use crate::decide::{Environment, Switch};
use crate::escape::escape;
use crate::git::range::{default_range, parse_range_args};
use crate::output::messages::{self, CheckContext};
use crate::output::style::{ColorChoice, Style};
use crate::output::{render, View};
use crate::pipeline::{analyze_range, check_branch};

/// The environment variables pre-commit sets for a `pre-push` stage hook: the commits
/// being pushed are `FROM..TO`, to the remote ref `REMOTE_BRANCH`.
const PRE_COMMIT_FROM_REF: &str = "PRE_COMMIT_FROM_REF";
const PRE_COMMIT_TO_REF: &str = "PRE_COMMIT_TO_REF";
const PRE_COMMIT_REMOTE_BRANCH: &str = "PRE_COMMIT_REMOTE_BRANCH";
const PRE_COMMIT_REMOTE_NAME: &str = "PRE_COMMIT_REMOTE_NAME";

/// The commits `pushguard check` was asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckRange {
    /// RANGE arguments in git revision syntax.
    Revisions(Vec<String>),
    /// `--base X [--head Y]`: the commits of `Y` (default `HEAD`) not in `X`.
    BaseHead { base: String, head: Option<String> },
    /// `--head Y` alone: `Y`'s commits not on any remote.
    Head(String),
    /// Nothing given: pre-commit's `PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF` when both are
    /// set, else `@{upstream}..HEAD`, else HEAD's commits not on any remote.
    Default,
}

impl CheckRange {
    /// From the command line: RANGE arguments, `--base`, `--head`. Giving RANGE together
    /// with `--base`/`--head` is a usage error.
    pub fn from_args(
        range: Vec<String>,
        base: Option<String>,
        head: Option<String>,
    ) -> Result<CheckRange> {
        match (range.is_empty(), base, head) {
            (false, None, None) => Ok(CheckRange::Revisions(range)),
            (false, _, _) => bail!(
                "give the commits either as RANGE or with --base/--head, not both \
                 (`--base X --head Y` means `X..Y`)"
            ),
            (true, Some(base), head) => Ok(CheckRange::BaseHead { base, head }),
            (true, None, Some(head)) => Ok(CheckRange::Head(head)),
            (true, None, None) => Ok(CheckRange::Default),
        }
    }
}

/// Whether `rev` is git's all-zero object id (a ref that does not exist yet).
fn is_null_oid(rev: &str) -> bool {
    matches!(rev.len(), 40 | 64) && rev.bytes().all(|b| b == b'0')
}

/// The revisions `check` hands to [`parse_range_args`].
struct Revisions {
    /// How the range is shown (`local_ref` in reports).
    label: String,
    args: Vec<String>,
    /// The remote ref pre-commit says the commits are pushed to.
    pushed_to: Option<String>,
}

impl Revisions {
    fn plain(label: String, args: Vec<String>) -> Revisions {
        Revisions {
            label,
            args,
            pushed_to: None,
        }
    }
}

/// The revisions of `range`; `None` for the default range.
fn check_revisions(range: &CheckRange) -> Result<Option<Revisions>> {
    match range {
        CheckRange::Revisions(args) => Ok(Some(Revisions::plain(args.join(" "), args.clone()))),
        CheckRange::BaseHead { base, head } => {
            let head = head.as_deref().unwrap_or("HEAD");
            if is_null_oid(base) {
                bail!(
                    "--base is the all-zero id, which is what CI reports for a branch that is \
                     new on the remote: there is no old commit to compare with. Pass the \
                     branch it was created from instead (for example `--base origin/main`)"
                );
            }
            // `^X Y` rather than `X..Y`: revisions containing `..` stay unambiguous.
            Ok(Some(Revisions::plain(
                format!("{base}..{head}"),
                vec![format!("^{base}"), head.to_owned()],
            )))
        }
        CheckRange::Head(head) => Ok(Some(Revisions::plain(head.clone(), vec![head.clone()]))),
        CheckRange::Default => {
            let (Some(from), Some(to)) = (env(PRE_COMMIT_FROM_REF), env(PRE_COMMIT_TO_REF)) else {
                return Ok(None);
            };
            let args = if is_null_oid(&from) {
                vec![to.clone()]
            } else {
                vec![format!("^{from}"), to.clone()]
            };
            Ok(Some(Revisions {
                label: format!("{from}..{to}"),
                args,
                pushed_to: env(PRE_COMMIT_REMOTE_BRANCH),
            }))
        }
    }
}

/// `pushguard check`: inspects commits as if pushed to `to_ref` (default: the remote
/// branch pre-commit names, else the first deploy branch) and writes the report to
/// stdout. Never prompts; the outcome maps to the hook's exit codes.
pub fn check(
    config: Option<&Path>,
    format: Format,
    to_ref: Option<&str>,
    range: &CheckRange,
    quiet: bool,
    color: ColorChoice,
) -> Result<Outcome> {
    match Environment::from_process().switch() {
        Switch::Off => return check_off(),
        Switch::Unrecognised(value) => eprintln!(
            "pushguard: warning: PUSHGUARD={value} is not understood (PUSHGUARD=0 turns \
             pushguard off); checking as usual"
        ),
        Switch::On => {}
    }
    let repo = open_repository()?;
    let config = load_config(&repo, config)?;
    let (label, commits, pushed_to) = match check_revisions(range)? {
        Some(r) => (r.label, parse_range_args(&repo, &r.args)?, r.pushed_to),
        None => {
            let (label, commits) = default_range(&repo)?;
            (label, commits, None)
        }
    };
    // With no range and no branch given, `check` previews `git push`: the branch it would
    // update, so the deploy decision is the hook's.
    let previewed = (*range == CheckRange::Default && pushed_to.is_none() && to_ref.is_none())
        .then(|| crate::git::infer::push_destination(&repo))
        .flatten()
        .map(|(_, branch)| branch);
    let to_ref = match to_ref.map(str::to_owned).or(pushed_to).or(previewed) {
        Some(r) => r.strip_prefix("refs/heads/").unwrap_or(&r).to_owned(),
        None => check_branch(&repo, &config, commits.include.first().copied()),
    };
    let analysis = analyze_range(&repo, &config, &label, commits, &to_ref);
    let skip = Environment::from_process().skip;
    let judgement = judge(&analysis, &config, skip.as_deref(), true, true);
    let view = View::new(&analysis, &judgement, false);
    let style = Style::for_stdout(color);
    if quiet && format == Format::Text {
        super::write_stdout(&crate::output::report::blocks_only(&view, style))?;
    } else {
        render(&view, &config, format, style, &mut std::io::stdout().lock())?;
    }
    let outcome = Outcome::of(judgement.decision);
    // After the report, on stderr: a JSON or SARIF document on stdout stays whole.
    if outcome == Outcome::Block && !quiet {
        let (rules, commits) = blocking(&view);
        eprint!(
            "{}",
            messages::check_stop(check_context(&config), &rules, &commits)
        );
    }
    Ok(outcome)
}

/// Where this `check` runs, for the words of its stop.
fn check_context(config: &crate::config::Config) -> CheckContext {
    let env = Environment::from_process();
    // An agent first: under pre-commit too it is not offered the switches around the check.
    let agent = crate::decide::pushing_agent(&config.policy).is_some();
    if env.ci() {
        CheckContext::Ci
    } else if agent {
        CheckContext::Agent
    } else if self::env(PRE_COMMIT_TO_REF).is_some() {
        CheckContext::PreCommit
    } else {
        CheckContext::Preview
    }
}

/// The rules and commits of the findings that block, each once, in report order.
fn blocking(view: &View<'_>) -> (Vec<String>, Vec<git2::Oid>) {
    let mut rules: Vec<String> = Vec::new();
    let mut commits = Vec::new();
    for (f, waiver) in &view.findings {
        if waiver.is_some() || f.severity != crate::severity::Severity::Block {
            continue;
        }
        if !rules.contains(&f.rule) {
            rules.push(f.rule.clone());
        }
        if let Some(c) = f.commit.filter(|c| !commits.contains(c)) {
            commits.push(c);
        }
    }
    (rules, commits)
}

/// `PUSHGUARD=0 pushguard check`: nothing is checked (exit 0). Under pre-commit's pre-push
/// stage, where `check` is the push's hook, the skipped push is recorded in the audit log
/// as the installed hook records it (`pushguard log` lists it).
fn check_off() -> Result<Outcome> {
    eprintln!("pushguard: off (PUSHGUARD=0): nothing was checked");
    let Some(to) = env(PRE_COMMIT_TO_REF) else {
        return Ok(Outcome::Allow);
    };
    let Ok(repo) = open_repository() else {
        return Ok(Outcome::Allow);
    };
    let remote = env(PRE_COMMIT_REMOTE_NAME).unwrap_or_default();
    let branch = env(PRE_COMMIT_REMOTE_BRANCH).unwrap_or_default();
    let branch = branch.strip_prefix("refs/heads/").unwrap_or(&branch);
    let entry = Entry::new(
        crate::state::now(),
        &remote,
        branch,
        Vec::new(),
        How::Off,
        "PUSHGUARD=0",
        Some(escape(&to).into_owned()),
    );
    write_audit(&repo, &[entry]);
    Ok(Outcome::Allow)
}

/// A variable pre-commit sets, when set and not empty.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
