//! `unused-build-arg`: a deploy passes `--build-arg NAME=...` (a workflow's `flyctl
//! deploy`, `docker build`, `docker/build-push-action` `build-args`) that no `ARG` of the
//! Dockerfile it builds declares. Docker ignores such an argument (with a warning in the
//! build log), so a cache-busting `--build-arg CACHEBUST=$(date)` aimed at a Dockerfile
//! without the ARG busts nothing.
//!
//! Reported when the push changes the file that passes the argument or the Dockerfile, so
//! the finding is about the push, not an old configuration: at the configured severity
//! when the push makes the argument unused (it edits the passing file, or its Dockerfile
//! edit removes the `ARG`), as `info` when an unrelated Dockerfile edit merely shows it.

use super::{Emitter, Rule, RuleContext};
use crate::deploy::Build;
use crate::git::blob::{file_at, FileAt};

/// The rule's id, as in `[rules.unused-build-arg]`.
pub const ID: &str = "unused-build-arg";

/// Arguments BuildKit accepts without an `ARG`: the proxy variables and its own settings
/// (docs.docker.com, "Predefined ARGs" and "BuildKit built-in build args").
const PREDEFINED: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
    "SOURCE_DATE_EPOCH",
];

/// The largest Dockerfile read.
const MAX_DOCKERFILE_BYTES: u64 = 1024 * 1024;

pub struct UnusedBuildArg;

impl Rule for UnusedBuildArg {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        if !cx.deploys {
            return;
        }
        let (Some(last), Some(tip)) = (cx.changes.commits.last(), cx.update.commit) else {
            return;
        };
        let Ok(tree) = cx.repo.find_commit(tip).and_then(|c| c.tree()) else {
            return;
        };
        let changed = |path: &str| {
            cx.changes
                .commits
                .iter()
                .any(|c| c.files().iter().any(|f| f.path == path.as_bytes()))
        };
        let mut seen: Vec<(String, String)> = Vec::new();
        for status in cx.targets {
            let t = &status.target;
            let Build::Docker(build) = &t.build else {
                continue;
            };
            if build.cli_args.is_empty() {
                continue;
            }
            let passes_from = match &t.via {
                crate::deploy::Via::Workflow { file, .. } => file.as_str(),
                _ => t.config.as_str(),
            };
            if !changed(passes_from) && !changed(&build.dockerfile) {
                continue;
            }
            let FileAt::Text(text) =
                file_at(cx.repo, &tree, &build.dockerfile, MAX_DOCKERFILE_BYTES)
            else {
                continue;
            };
            let Some(declared) = declared_args(&text) else {
                continue;
            };
            let before = cx.base_tree().and_then(|old| {
                match file_at(cx.repo, &old, &build.dockerfile, MAX_DOCKERFILE_BYTES) {
                    FileAt::Text(t) => declared_args(&t),
                    _ => None,
                }
            });
            let edits_passing_file = changed(passes_from);
            for name in &build.cli_args {
                let known = declared.iter().any(|d| d == name)
                    || PREDEFINED.contains(&name.as_str())
                    || name.starts_with("BUILDKIT_");
                let key = (passes_from.to_owned(), name.clone());
                if known || seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                let line = crate::deploy::target::line_containing(
                    &read_text(cx, &tree, passes_from).unwrap_or_default(),
                    name,
                );
                let msg = format!(
                    "{passes_from} passes the build argument {name} to {}, which declares no \
                     `ARG {name}`: Docker ignores it, so it changes nothing in the build",
                    build.dockerfile
                );
                let removed = before.as_ref().is_some_and(|b| b.contains(name));
                let mut finding = emit.finding(last, msg).at(passes_from, line);
                if !edits_passing_file && !removed {
                    finding = finding.severity(crate::severity::Severity::Info);
                }
                finding.emit();
            }
        }
    }
}

/// The names every `ARG` of a Dockerfile declares; `None` when it does not parse.
fn declared_args(text: &str) -> Option<Vec<String>> {
    let dockerfile = crate::docker::dockerfile::parse(text).ok()?;
    Some(
        dockerfile
            .instructions
            .iter()
            .filter(|i| i.keyword.eq_ignore_ascii_case("ARG"))
            .flat_map(|i| i.arg_defs().into_iter().map(|(name, _)| name))
            .collect(),
    )
}

fn read_text(cx: &RuleContext<'_>, tree: &git2::Tree<'_>, path: &str) -> Option<String> {
    match file_at(cx.repo, tree, path, MAX_DOCKERFILE_BYTES) {
        FileAt::Text(t) => Some(t),
        _ => None,
    }
}
