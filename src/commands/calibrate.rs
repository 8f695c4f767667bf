//! `pushguard calibrate LOG...`: real build times from BuildKit plain progress logs.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::{load_config, open_repository, write_stdout, Outcome};
use crate::build::calibrate::{key_of, parse_plain, Measured};
use crate::escape::escape;

/// A build log larger than this is not read (a plain log of a long build is a few MiB).
const MAX_LOG_BYTES: u64 = 64 << 20;

/// Reads each log, matches its steps to an app's Dockerfile at HEAD (`dockerfile`, else
/// the app whose Dockerfile shares the most steps with it), and adds their times to this
/// clone's measurements.
pub fn calibrate(
    config: Option<&Path>,
    logs: &[PathBuf],
    dockerfile: Option<&str>,
) -> Result<Outcome> {
    let repo = open_repository()?;
    let config = load_config(&repo, config)?;
    let tree = repo
        .head()
        .and_then(|h| h.peel_to_tree())
        .context("HEAD names no commit, so there is no Dockerfile to match the logs to")?;
    let candidates: Vec<String> = match dockerfile {
        Some(d) => vec![d.to_owned()],
        None => {
            let mut paths: Vec<String> = crate::build::apps::discover(&repo, &tree, &config, None)
                .apps
                .into_iter()
                .map(|a| a.dockerfile)
                .collect();
            paths.dedup();
            paths
        }
    };
    if candidates.is_empty() {
        bail!(
            "no app with a Dockerfile was found at HEAD to match the build logs to; name it \
             with --dockerfile PATH"
        );
    }
    let keyed: Vec<(String, Vec<String>)> = candidates
        .iter()
        .filter_map(|path| Some((path.clone(), dockerfile_keys(&repo, &tree, path)?)))
        .collect();
    let mut measured = Measured::load(&repo)
        .map_err(anyhow::Error::msg)?
        .unwrap_or_default();
    let mut report = String::new();
    for log in logs {
        let text = read_log(log)?;
        let steps = parse_plain(&text);
        if steps.is_empty() {
            bail!(
                "{}: no step that ran was found. calibrate reads BuildKit's plain progress \
                 format (`docker build --progress=plain`, `fly deploy` output): lines like \
                 `#8 [4/7] RUN pip install …` and `#8 DONE 41.2s`; cached steps carry no time.",
                escape(&log.to_string_lossy())
            );
        }
        let best = keyed
            .iter()
            .map(|(path, keys)| {
                let matched: Vec<_> = steps
                    .iter()
                    .filter(|s| keys.contains(&s.key))
                    .cloned()
                    .collect();
                (path, matched)
            })
            .max_by_key(|(_, m)| m.len());
        let Some((path, matched)) = best.filter(|(_, m)| !m.is_empty()) else {
            bail!(
                "{}: none of its {} timed steps is an instruction of {} at HEAD. Build logs \
                 match the Dockerfile they were built from; pass --dockerfile PATH if the app \
                 builds another one.",
                escape(&log.to_string_lossy()),
                steps.len(),
                candidates
                    .iter()
                    .map(|c| escape(c).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        measured.add(path, &matched);
        let total: f64 = matched.iter().map(|s| s.seconds).sum();
        report.push_str(&format!(
            "{}: {} of {} timed steps matched {} ({total:.1} s)\n",
            escape(&log.to_string_lossy()),
            matched.len(),
            steps.len(),
            escape(path)
        ));
    }
    measured
        .save(&repo)
        .with_context(|| format!("cannot write {}", Measured::path(&repo).display()))?;
    report.push_str(&format!(
        "kept in {}\n",
        escape(&Measured::path(&repo).to_string_lossy())
    ));
    if config.build.estimate != crate::config::Estimate::Steps {
        report.push_str(
            "note: estimates use them with `[build] estimate = \"steps\"` in pushguard.toml \
             (now \"tier\")\n",
        );
    }
    write_stdout(&report)?;
    Ok(Outcome::Allow)
}

/// The step keys of the Dockerfile at `path` in `tree`; `None` when it is not there or does
/// not parse.
fn dockerfile_keys(
    repo: &git2::Repository,
    tree: &git2::Tree<'_>,
    path: &str,
) -> Option<Vec<String>> {
    let entry = tree.get_path(Path::new(path)).ok()?;
    let blob = repo.find_blob(entry.id()).ok()?;
    let text = std::str::from_utf8(blob.content()).ok()?;
    let df = crate::docker::dockerfile::parse(text).ok()?;
    Some(df.instructions.iter().map(key_of).collect())
}

fn read_log(path: &Path) -> Result<String> {
    let shown = escape(&path.to_string_lossy()).into_owned();
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read the build log {shown}"))?;
    if !meta.is_file() {
        bail!("the build log {shown} is not a regular file");
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_LOG_BYTES).read_to_end(&mut bytes))
        .with_context(|| format!("cannot read the build log {shown}"))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
