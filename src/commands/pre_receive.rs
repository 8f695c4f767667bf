//! `pushguard hook pre-receive`: the guard on a git server.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};
use git2::Repository;

use super::{judge, open_repository, Format, Outcome};
use crate::config::Config;
use crate::output::{render, View};

/// `pushguard hook pre-receive`: run by the receiving (usually bare) repository with
/// `<old> <new> <ref>` lines on stdin. The report goes to stderr in `format`, which git
/// relays to the pusher as `remote:` lines; exit 1 rejects the whole push.
pub fn pre_receive(config: Option<&Path>, format: Format) -> Result<Outcome> {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut input)
        .context("cannot read the ref lines git sent on stdin")?;
    let updates = crate::git::push::parse_receive_stdin(&input)?;
    let repo = open_repository()?;
    let config = match config {
        Some(_) => Config::load(config, None)?,
        None => match std::env::var_os("PUSHGUARD_CONFIG") {
            Some(_) => Config::load(None, None)?,
            None => config_at_pushed_commit(&repo, &updates)?,
        },
    };
    let analysis = crate::pipeline::analyze_receive(&repo, &config, &updates);
    // The pusher's environment does not reach the server: only trailers apply here.
    let tell = matches!(format, Format::Text | Format::Github);
    let judgement = judge(&analysis, &config, None, tell);
    let view = View::new(&analysis, &judgement, false);
    // The verdict must not depend on whether the pusher can still be told about it.
    let _ = render(&view, &config, format, &mut std::io::stderr().lock());
    let outcome = Outcome::of(judgement.decision);
    // Only after reports meant for people: it would corrupt a JSON or SARIF document.
    if outcome == Outcome::Block && matches!(format, Format::Text | Format::Github) {
        eprintln!("pushguard: push rejected by the server's pre-receive hook");
    }
    Ok(outcome)
}

/// The `pushguard.toml` of the pushed commit: of the first update to a deploy branch, else
/// of the first update; the built-in default when that commit has none.
fn config_at_pushed_commit(
    repo: &Repository,
    updates: &[crate::git::push::RawUpdate],
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
