//! The subcommands, each a function from its arguments to an [`Outcome`]. `main.rs` maps
//! outcomes and errors to exit codes (0 allow, 1 block, 2 usage or config error).

use std::io::{IsTerminal, Read};
use std::path::Path;

use anyhow::{bail, Context, Result};
use git2::Repository;

use crate::config::Config;
use crate::finding::Decision;
use crate::pipeline::{analyze_push, analyze_range, Analysis};
use crate::push::parse_stdin;
use crate::range::{default_range, parse_range_args};
use crate::report;

/// What the process should tell git.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    Block,
}

/// Output format of `check` and the hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
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
    Config::load(explicit, repo.workdir())
}

/// `pushguard hook pre-push <remote> <url>` with git's ref lines on stdin.
pub fn pre_push(config: Option<&Path>, remote: &str, url: &str) -> Result<Outcome> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        bail!(
            "`pushguard hook pre-push` reads the ref lines git writes to a pre-push hook's \
             stdin, and stdin is a terminal. Let git run it (install it with ./install.sh), or \
             use `pushguard check` to check commits by hand."
        );
    }
    let mut input = Vec::new();
    stdin
        .lock()
        .read_to_end(&mut input)
        .context("cannot read the ref lines git sent on stdin")?;
    let updates = parse_stdin(&input)?;
    let repo = open_repository()?;
    let config = load_config(&repo, config)?;
    let analysis = analyze_push(&repo, &config, remote, url, &updates);
    eprint!("{}", report::text(&analysis));
    let outcome = decide(&analysis);
    if outcome == Outcome::Allow {
        record_deploys(&repo, &analysis);
    }
    Ok(outcome)
}

/// Remembers this push's deploys for `frequent-deploys`. Never fails the push.
fn record_deploys(repo: &Repository, analysis: &Analysis) {
    let now = crate::state::now();
    for r in &analysis.refs {
        let sends_commits = r.changes().is_some_and(|c| !c.commits.is_empty());
        if r.deploys && sends_commits {
            let branch = r.update.short_remote_name();
            if let Err(e) = crate::state::record_deploy(repo, &analysis.remote, &branch, now) {
                eprintln!("pushguard: note: could not record this deploy push ({e:#}); `frequent-deploys` will not see it");
            }
        }
    }
}

/// `pushguard check [RANGE...]`.
pub fn check(
    config: Option<&Path>,
    format: Format,
    to_ref: Option<&str>,
    range: &[String],
) -> Result<Outcome> {
    let repo = open_repository()?;
    let config = load_config(&repo, config)?;
    let (label, commits) = if range.is_empty() {
        default_range(&repo)?
    } else {
        (range.join(" "), parse_range_args(&repo, range)?)
    };
    let to_ref = match to_ref {
        Some(r) => r.strip_prefix("refs/heads/").unwrap_or(r).to_owned(),
        None => config
            .deploy_branches
            .first()
            .cloned()
            .unwrap_or_else(|| "main".to_owned()),
    };
    let analysis = analyze_range(&repo, &config, &label, commits, &to_ref);
    match format {
        Format::Text => print!("{}", report::text(&analysis)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report::json(&analysis))?
        ),
    }
    Ok(decide(&analysis))
}

fn decide(analysis: &Analysis) -> Outcome {
    match analysis.decision() {
        Decision::Block => Outcome::Block,
        Decision::Allow | Decision::Warn => Outcome::Allow,
    }
}

/// `pushguard config`: the effective configuration as TOML.
pub fn print_config(config: Option<&Path>) -> Result<Outcome> {
    let cfg = match open_repository() {
        Ok(repo) => load_config(&repo, config)?,
        Err(_) => Config::load(config, None)?,
    };
    print!("{}", cfg.to_toml());
    Ok(Outcome::Allow)
}

/// `pushguard init`: writes the starter pushguard.toml at the worktree root.
pub fn init(force: bool) -> Result<Outcome> {
    let repo = open_repository()?;
    let Some(root) = repo.workdir() else {
        bail!("this is a bare repository: there is no working tree to put pushguard.toml in");
    };
    let path = root.join("pushguard.toml");
    if path.exists() && !force {
        bail!(
            "{} already exists; edit it, or run `pushguard init --force` to overwrite it",
            path.display()
        );
    }
    std::fs::write(&path, crate::config::STARTER_TOML)
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(Outcome::Allow)
}

/// `pushguard hook pre-receive`: run by the receiving (usually bare) repository with
/// `<old> <new> <ref>` lines on stdin. The report goes to stderr, which git relays to the
/// pusher as `remote:` lines; exit 1 rejects the whole push.
pub fn pre_receive(config: Option<&Path>) -> Result<Outcome> {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut input)
        .context("cannot read the ref lines git sent on stdin")?;
    let updates = crate::push::parse_receive_stdin(&input)?;
    let repo = open_repository()?;
    let config = match config {
        Some(_) => Config::load(config, None)?,
        None => match std::env::var_os("PUSHGUARD_CONFIG") {
            Some(_) => Config::load(None, None)?,
            None => config_at_pushed_commit(&repo, &updates)?,
        },
    };
    let analysis = crate::pipeline::analyze_receive(&repo, &config, &updates);
    eprint!("{}", report::text(&analysis));
    let outcome = decide(&analysis);
    if outcome == Outcome::Block {
        eprintln!("pushguard: push rejected by the server's pre-receive hook");
    }
    Ok(outcome)
}

/// The `pushguard.toml` of the pushed commit: of the first update to a deploy branch, else
/// of the first update; the built-in default when that commit has none.
fn config_at_pushed_commit(
    repo: &Repository,
    updates: &[crate::push::RawUpdate],
) -> Result<Config> {
    let builtin = Config::builtin();
    let pick = updates
        .iter()
        .filter(|u| u.local_oid.is_some())
        .find(|u| {
            u.remote_ref
                .strip_prefix(b"refs/heads/")
                .and_then(|b| std::str::from_utf8(b).ok())
                .is_some_and(|b| builtin.is_deploy_branch(b))
        })
        .or_else(|| updates.iter().find(|u| u.local_oid.is_some()));
    let Some(oid) = pick.and_then(|u| u.local_oid) else {
        return Ok(builtin);
    };
    let Ok(commit) = repo.find_object(oid, None).and_then(|o| o.peel_to_commit()) else {
        return Ok(builtin);
    };
    let Ok(entry) = commit
        .tree()
        .and_then(|t| t.get_path(Path::new("pushguard.toml")))
    else {
        return Ok(builtin);
    };
    let blob = repo
        .find_blob(entry.id())
        .with_context(|| format!("cannot read pushguard.toml of commit {oid}"))?;
    let text = std::str::from_utf8(blob.content()).with_context(|| {
        format!("pushguard.toml of commit {oid} is not UTF-8 text; fix it and push again")
    })?;
    let short: String = oid.to_string().chars().take(12).collect();
    let label = format!("pushguard.toml (at {short})");
    Ok(Config::from_user_toml(text, Path::new(&label))?)
}
