//! `no-cache-deploy`: `--no-cache` added to a deploy or image build command in a CI
//! workflow or script, so every deploy pays a full rebuild.

use std::cell::RefCell;

use git2::Oid;

use crate::escape::escape;
use crate::git::changes::{line_diff, BlobContent, ChangeKind, CommitChange, FileChange};
use crate::globs::Globs;
use crate::hash::FastSet;

use super::{AheadContext, Emitter, Rule, RuleContext};

/// The rule's id, as in `[rules.no-cache-deploy]`.
pub const ID: &str = "no-cache-deploy";

pub struct NoCacheDeploy;

/// Commands whose `--no-cache` disables the build cache.
const BUILD_COMMANDS: &[&str] = &[
    "fly deploy",
    "flyctl deploy",
    "fly launch",
    "docker build",
    "docker buildx build",
    "docker compose build",
    "docker-compose build",
    "buildctl",
    "railway up",
    "podman build",
    "depot build",
];

impl Rule for NoCacheDeploy {
    fn id(&self) -> &'static str {
        ID
    }

    fn read_ahead(&self, cx: &AheadContext<'_>, commit: &CommitChange) {
        let Some(globs) = cx.settings.globs_option("globs") else {
            return;
        };
        // Answered now, while the read-ahead has the new texts cached.
        for file in commit.files().iter().filter(|f| is_build_file(globs, f)) {
            if let Some(new) = file.new {
                cx.cache.contains(cx.repo, new.id, NO_CACHE);
            }
        }
        if !commit.files().iter().any(|f| is_build_file(globs, f)) {
            cx.cache
                .memo::<NoBuildFiles>()
                .0
                .borrow_mut()
                .insert(commit.info.id);
        }
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        let Some(globs) = emit.settings().globs_option("globs") else {
            return;
        };
        let skip = cx.cache.memo::<NoBuildFiles>();
        for commit in &cx.changes.commits {
            if skip.0.borrow().contains(&commit.info.id) {
                continue;
            }
            for file in commit.files() {
                if !is_build_file(globs, file) {
                    continue;
                }
                // Only an added line with the flag is reported: a new text without it (most
                // of them) has none, and its old side need not be read.
                if !cx.new_text_contains(file, NO_CACHE) {
                    continue;
                }
                let Some((old, new)) = cx.texts(file) else {
                    continue;
                };
                let (BlobContent::Text(old), BlobContent::Text(new)) = (&*old, &*new) else {
                    continue;
                };
                let Ok(diff) = line_diff(old, new) else {
                    continue;
                };
                let new_lines: Vec<&str> = new.lines().collect();
                for (line_no, text) in &diff.added {
                    if !has_no_cache_flag(text) {
                        continue;
                    }
                    let Some(command) = build_command_near(&new_lines, *line_no) else {
                        continue;
                    };
                    let msg = format!(
                        "`--no-cache` added to `{command}`: `{}`",
                        escape(&crate::mask::line(text.trim()))
                    );
                    emit.finding(commit, msg).path(file).line(*line_no).emit();
                }
            }
        }
    }
}

/// The flag this rule looks for on added lines.
const NO_CACHE: &[u8] = b"--no-cache";

/// Commits the read-ahead found changing none of the files this rule reads, so the check
/// after the listing skips them without matching their paths again.
#[derive(Default)]
struct NoBuildFiles(RefCell<FastSet<Oid>>);

/// A CI workflow or build script (by the rule's `globs`) that the change leaves in place.
fn is_build_file(globs: &Globs, file: &FileChange) -> bool {
    file.kind != ChangeKind::Deleted && globs.is_match(&file.path)
}

fn has_no_cache_flag(line: &str) -> bool {
    line.split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',')
        .any(|w| w == "--no-cache" || w == "--no-cache=true")
}

/// The build command this line belongs to: on the line itself or on up to five earlier
/// lines joined to it by `\` continuations (or a YAML block running the command).
fn build_command_near(lines: &[&str], line_no: u32) -> Option<&'static str> {
    let idx = (line_no as usize).checked_sub(1)?;
    let first = idx.saturating_sub(5);
    (first..=idx).rev().find_map(|i| {
        let l = lines.get(i)?;
        let joined = i == idx || l.trim_end().ends_with('\\') || l.trim_end().ends_with('`');
        if !joined {
            return None;
        }
        BUILD_COMMANDS
            .iter()
            .copied()
            .find(|c| normalized(l).contains(c))
    })
}

fn normalized(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_commands_on_continued_lines() {
        let lines = [
            "run: |",
            "  flyctl deploy \\",
            "    --remote-only \\",
            "    --no-cache",
        ];
        assert_eq!(build_command_near(&lines, 4), Some("flyctl deploy"));
        assert_eq!(build_command_near(&["echo --no-cache"], 1), None);
        assert!(has_no_cache_flag("docker build --no-cache ."));
        assert!(!has_no_cache_flag("pip install --no-cache-dir x"));
    }
}
