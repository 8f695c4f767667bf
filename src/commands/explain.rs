//! `pushguard explain`: every Dockerfile step as cached or re-run.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::{load_config, open_repository, Format, Outcome};
use crate::escape::escape;
use crate::git::range::{default_range, parse_range_args};
use crate::output::{explain, write_json};

/// `pushguard explain --last`: the full report of the last push the hook judged here.
pub fn explain_last() -> Result<Outcome> {
    let repo = open_repository()?;
    let (path, read) = crate::state::last_report(&repo);
    let text = match read {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "no push has been judged in this clone yet ({} does not exist): the pre-push hook \
             keeps the full report of the last push there. To see the findings of commits not \
             pushed yet, run `pushguard check`.",
            escape(&path.to_string_lossy())
        ),
        Err(e) => bail!(
            "cannot read the last push's report {}: {e}. Remove the file; the next push writes \
             it again.",
            escape(&path.to_string_lossy())
        ),
    };
    // Written by pushguard from escaped text; escaped again per line in case it was edited.
    let shown: String = text.lines().map(|l| format!("{}\n", escape(l))).collect();
    super::write_stdout(&shown)?;
    Ok(Outcome::Allow)
}

/// `pushguard explain [RANGE...]`: for every app of the range's newest commit, each
/// instruction of its Dockerfile with `cached` or `re-run (why)`, against the build of the
/// commit before the range (the parent of its oldest commit). RANGE as in `check`; the
/// default is `@{upstream}..HEAD`, else HEAD's commits on no remote. Only `Format::Text` and
/// `Format::Json` apply; other formats print JSON. Always allows: it decides nothing.
pub fn explain(config: Option<&Path>, format: Format, range: &[String]) -> Result<Outcome> {
    let repo = open_repository()?;
    let config = load_config(&repo, config)?;
    let (label, commits) = if range.is_empty() {
        default_range(&repo)?
    } else {
        (range.join(" "), parse_range_args(&repo, range)?)
    };
    let Some(&tip) = commits.include.first() else {
        bail!("the range names no commit to explain");
    };
    let tip = repo
        .find_object(tip, None)
        .and_then(|o| o.peel_to_commit())
        .with_context(|| format!("{} does not name a commit", escape(&label)))?
        .id();
    let ids = commits.commits(&repo)?;
    // Oldest first: the base is the parent of the first one.
    let base = crate::build::rebuild::base_of(&repo, None, tip, ids.first().copied());
    let found = crate::build::rebuild::analyze(&repo, &config, base, tip, None, None)
        .map_err(|why| anyhow::anyhow!("cannot explain {}: {why}", escape(&label)))?;
    let tree = repo.find_commit(tip).and_then(|c| c.tree())?;
    let map = crate::deploy::map_of(&repo, &tree, None);
    let mut out = std::io::stdout().lock();
    match format {
        Format::Text => {
            out.write_all(explain::map_text(&map).as_bytes())?;
            out.write_all(b"\n")?;
            out.write_all(explain::explain_text(&label, &found).as_bytes())?;
        }
        _ => write_json(&mut out, &explain::explain_json(&found, &map))?,
    }
    out.flush()?;
    Ok(Outcome::Allow)
}
