//! `pushguard hook pre-receive`: the guard on a git server.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};
use git2::{Oid, Repository};

use super::{judge, open_repository, Format, Outcome};
use crate::config::{Config, ServerTrailers, FILE_NAME, MAX_CONFIG_BYTES};
use crate::finding::{APP_BUILD, NOT_INSPECTED};
use crate::git::blob::{file_at, regular_file, FileAt};
use crate::git::push::RawUpdate;
use crate::output::{render, View};
use crate::pipeline::Analysis;
use crate::severity::Severity;

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
    // The pusher's environment does not reach the server. Trailers are the pusher's words
    // too: honoured only when the server's own configuration says so.
    let tell = matches!(format, Format::Text | Format::Github);
    let fixed = match config {
        Some(_) => Some(Config::load(config, None)?),
        None => match std::env::var_os("PUSHGUARD_CONFIG") {
            Some(_) => Some(Config::load(None, None)?),
            None => None,
        },
    };
    // Each update is judged under its own pushed commit's pushguard.toml (updates that
    // share one are analysed together).
    let mut groups: Vec<(Option<git2::Oid>, Config, Vec<RawUpdate>)> = Vec::new();
    for update in updates {
        let (key, config) = match &fixed {
            Some(c) => (None, c.clone()),
            None => config_at_pushed_commit(&repo, &update)?,
        };
        match groups.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, _, members)) => members.push(update),
            None => groups.push((key, config, vec![update])),
        }
    }
    let honour = fixed
        .as_ref()
        .is_some_and(|c| c.policy.server_trailers == ServerTrailers::Honour);
    let mut parts = Vec::new();
    for (_, config, members) in &groups {
        let mut analysis = crate::pipeline::analyze_receive(&repo, config, members);
        fail_closed(&mut analysis);
        if !honour && tell && has_trailers(&analysis) {
            eprintln!(
                "pushguard: Pushguard-Allow trailers are not honoured on this server \
                 ([policy] server_trailers = \"ignore\" in the server's configuration)"
            );
        }
        let judgement = judge(&analysis, config, None, honour, tell);
        parts.push((analysis, judgement));
    }
    let (analyses, judgements): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
    let analysis = crate::pipeline::Analysis::merge(analyses);
    let judgement = crate::decide::Judgement::merge(judgements);
    let config = groups
        .into_iter()
        .next()
        .map_or_else(Config::builtin, |(_, c, _)| c);
    let view = View::new(&analysis, &judgement, false);
    // The verdict must not depend on whether the pusher can still be told about it.
    let _ = render(
        &view,
        &config,
        format,
        crate::output::style::Style::PLAIN,
        &mut std::io::stderr().lock(),
    );
    let outcome = Outcome::of(judgement.decision);
    // Only after reports meant for people: it would corrupt a JSON or SARIF document.
    if outcome == Outcome::Block && matches!(format, Format::Text | Format::Github) {
        eprintln!("pushguard: push rejected by the server's pre-receive hook");
        eprintln!(
            "  To proceed: fix the commits named above and push again{}. \
             `git push --no-verify` does not skip a server's hook.",
            if honour {
                ", or end a commit's message with `Pushguard-Allow: <rule> <reason>` \
                 (this server honours the trailer)"
            } else {
                " (this server does not honour Pushguard-Allow trailers; ask its \
                 administrator if a finding is intended)"
            }
        );
    }
    Ok(outcome)
}

/// The `pushguard.toml` of an update's pushed commit, with the id of its blob (`None` for
/// the built-in default, when the commit has none or nothing is pushed). Read as a regular
/// file of at most [`MAX_CONFIG_BYTES`]: the file comes from the pusher.
fn config_at_pushed_commit(repo: &Repository, update: &RawUpdate) -> Result<(Option<Oid>, Config)> {
    let builtin = || Ok((None, Config::builtin()));
    let Some(oid) = update.local_oid else {
        return builtin();
    };
    let Ok(commit) = repo.find_object(oid, None).and_then(|o| o.peel_to_commit()) else {
        return builtin();
    };
    let short: String = oid.to_string().chars().take(12).collect();
    // A tree libgit2 cannot parse (git accepted it): its pushguard.toml cannot be read, so
    // the built-in rules judge it, and the analysis, which reads such commits through git,
    // reports and blocks what it cannot read.
    let Ok(tree) = commit.tree() else {
        eprintln!(
            "pushguard: the tree of commit {short} cannot be read here, so its pushguard.toml \
             is not used; the built-in rules judge this update"
        );
        return builtin();
    };
    let blob = match regular_file(&tree, FILE_NAME) {
        Ok(id) => id,
        Err(FileAt::Missing) => return builtin(),
        Err(_) => bail!(
            "pushguard.toml of commit {short} is not a regular file (a symbolic link or a \
             submodule); the server reads its configuration only from a regular file. Fix it \
             and push again"
        ),
    };
    let text = match file_at(repo, &tree, FILE_NAME, MAX_CONFIG_BYTES) {
        FileAt::Text(text) => text,
        FileAt::TooLarge(size) => bail!(
            "pushguard.toml of commit {short} is {size} bytes, larger than the {} KiB a \
             configuration may have; the server does not parse it. Fix it and push again",
            MAX_CONFIG_BYTES / 1024
        ),
        FileAt::Binary => {
            bail!("pushguard.toml of commit {short} is not UTF-8 text; fix it and push again")
        }
        other => bail!("cannot read pushguard.toml of commit {short}: {other:?}"),
    };
    let label = format!("pushguard.toml (at {short})");
    Ok((
        Some(blob),
        Config::from_user_toml(&text, Path::new(&label))?,
    ))
}

/// Whether a pushed commit carries a `Pushguard-Allow` trailer.
fn has_trailers(analysis: &Analysis) -> bool {
    analysis.refs.iter().filter_map(|r| r.changes()).any(|c| {
        c.commits
            .iter()
            .any(|cc| !crate::decide::trailers::allow_trailers(&cc.info.message).is_empty())
    })
}

/// The server blocks what it cannot inspect: commits or trees it could not read (a tree
/// entry libgit2 cannot parse but git accepted, a missing object) and apps whose build it
/// could not predict are `block`, whatever their severity at push time. A pusher must not
/// get a commit past the server by making it unreadable. Notes that only inform (`info`:
/// two Railway configs side by side, an app with no Dockerfile to predict) stay as they are.
fn fail_closed(analysis: &mut Analysis) {
    for f in &mut analysis.findings {
        let unreadable =
            f.rule == NOT_INSPECTED || (f.rule == APP_BUILD && f.severity >= Severity::Warn);
        if unreadable {
            f.severity = Severity::Block;
            f.message = format!("{}; the server rejects what it cannot inspect", f.message).into();
        }
    }
}
