//! `manifest-comment-only`: a dependency manifest (`requirements.txt`, `pyproject.toml`,
//! `package.json`, ...) changed only in comments, blank lines or whitespace. The manifest
//! is normally copied on its own before the install step, so the edit still misses that
//! COPY's cache and re-runs the whole install to get the same packages.
//!
//! Whether an edit is cosmetic is decided by [`text::compare`] on the whole file, with the
//! comment syntax of the manifest's format ([`file_kind`]); a format whose comments are not
//! understood counts only whitespace changes as cosmetic. JSON has no comments, so a
//! `package.json` is reported only for a whitespace-only reformat. A comment edit next to a
//! real change of the same manifest elsewhere in the push is not reported: the install
//! re-runs for that change anyway.

use std::collections::HashSet;

use crate::ascii::ends_with_ignore_case;
use crate::config::RuleConfig;
use crate::git::changes::{BlobContent, ChangeKind, CommitChange, EntryKind, FileChange, LineDiff};
use crate::rules::text::{self, ChangeNature, FileKind};

use super::{in_globs, quoted_summary, AheadContext, Claim, Emitter, Rule, RuleContext};

/// The rule's id, as in `[rules.manifest-comment-only]`.
pub const ID: &str = "manifest-comment-only";

pub struct ManifestCommentOnly;

/// The [`FileKind`] whose comment syntax a file follows: [`FileKind::from_path`], plus the
/// manifests it does not know by name. Pipfiles and TOML lockfiles are TOML; Gemfiles,
/// gemspecs and `mix.exs` take `#` comments outside strings (the shell scanner's rule);
/// `go.mod` takes `//` comments (the JavaScript scanner's); apt package lists take `#`
/// comments like pip requirements.
pub(super) fn file_kind(path: &str) -> FileKind {
    let name = path.rsplit('/').next().unwrap_or(path).as_bytes();
    let named = |list: &[&str]| list.iter().any(|n| name.eq_ignore_ascii_case(n.as_bytes()));
    if named(&[
        "pipfile",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "cargo.lock",
    ]) {
        FileKind::Toml
    } else if named(&["gemfile", "mix.exs"]) || ends_with_ignore_case(name, b".gemspec") {
        FileKind::Shell
    } else if named(&["go.mod", "go.work"]) {
        FileKind::JavaScript
    } else if named(&["aptfile", "apt.txt", "apt-packages.txt", "packages.txt"])
        || ends_with_ignore_case(name, b".apt")
    {
        FileKind::Requirements
    } else {
        FileKind::from_path(path)
    }
}

/// Whether [`file_kind`] calls `path` a Dockerfile: asked of every file of a deploy push, so
/// the usual path, which is none, is turned away by [`is_dockerfile`]'s cheap test first.
///
/// [`is_dockerfile`]: super::docker_context::is_dockerfile
pub(super) fn is_dockerfile_kind(path: &str) -> bool {
    super::docker_context::is_dockerfile(path) && file_kind(path) == FileKind::Dockerfile
}

/// The line a finding about `diff` points at: the first added line, or where the first
/// removed line was (clamped to line 1) when the edit only removes lines.
pub(super) fn first_changed_line(diff: &LineDiff) -> u32 {
    let added = diff.added.first().map(|(n, _)| *n);
    let removed = diff.removed.first().map(|(n, _)| *n);
    added.or(removed).unwrap_or(1).max(1)
}

/// How a manifest changed in one commit, when both versions are readable text.
fn nature(cx: &RuleContext<'_>, file: &FileChange) -> Option<(ChangeNature, u32)> {
    let (old, new) = (file.old?, file.new?);
    let plain = |k: EntryKind| matches!(k, EntryKind::File | EntryKind::Executable);
    if file.kind != ChangeKind::Modified || !plain(old.kind) || !plain(new.kind) {
        return None;
    }
    let path = file.path_str()?;
    let (old_text, new_text) = cx.texts(file)?;
    let (BlobContent::Text(old_text), BlobContent::Text(new_text)) = (&*old_text, &*new_text)
    else {
        return None;
    };
    let nature = text::compare(file_kind(path), old_text, new_text);
    let line = crate::git::changes::line_diff(old_text, new_text)
        .map(|d| first_changed_line(&d))
        .unwrap_or(1);
    Some((nature, line))
}

impl Rule for ManifestCommentOnly {
    fn id(&self) -> &'static str {
        ID
    }

    /// A comment-only edit of a file this rule watches is this rule's finding.
    fn claims(&self, settings: &RuleConfig, claim: &Claim<'_>) -> bool {
        match claim {
            Claim::CosmeticEdit(file) => in_globs(settings, file),
            _ => false,
        }
    }

    /// Whether each listed file is a manifest, asked now while the push is listed: the
    /// globs remember the answers for the check.
    fn read_ahead(&self, cx: &AheadContext<'_>, commit: &CommitChange) {
        let globs = cx.settings.globs_option("globs");
        if let (true, Some(globs)) = (cx.deploys, globs.filter(|g| g.remembers_more())) {
            for file in commit.files() {
                globs.is_match(&file.path);
            }
        }
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        if !cx.deploys {
            return;
        }
        let Some(globs) = emit.settings().globs_option("globs") else {
            return;
        };
        let mut candidates = Vec::new();
        let mut real: HashSet<&[u8]> = HashSet::new();
        for commit in &cx.changes.commits {
            for file in commit.files() {
                if !globs.is_match(&file.path) {
                    continue;
                }
                if commit.info.parents.len() > 1 {
                    // A merge brings in changes made elsewhere: count them as real.
                    real.insert(&file.path);
                    continue;
                }
                match nature(cx, file) {
                    Some((
                        n @ (ChangeNature::CommentOnly | ChangeNature::WhitespaceOnly),
                        line,
                    )) => {
                        candidates.push((commit, file, n, line));
                    }
                    Some((ChangeNature::Identical, _)) => {}
                    _ => {
                        real.insert(&file.path);
                    }
                }
            }
        }
        for (commit, file, nature, line) in candidates {
            if real.contains(file.path.as_slice()) {
                continue;
            }
            let what = match nature {
                ChangeNature::CommentOnly => "comments",
                _ => "whitespace or blank lines",
            };
            let msg = format!(
                "commit {} {} changes only {what} in {}: its COPY misses the cache and the \
                 dependency install re-runs to install the same packages",
                commit.info.short_id(),
                quoted_summary(commit),
                file.display_path(),
            );
            emit.finding(commit, msg).path(file).line(line).emit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::changes::line_diff;
    use crate::rules::text::compare;

    #[test]
    fn manifest_kinds() {
        assert_eq!(file_kind("requirements.txt"), FileKind::Requirements);
        assert_eq!(
            file_kind("api/requirements-dev.txt"),
            FileKind::Requirements
        );
        assert_eq!(file_kind("pyproject.toml"), FileKind::Toml);
        assert_eq!(file_kind("Pipfile"), FileKind::Toml);
        assert_eq!(file_kind("web/package.json"), FileKind::Json);
        assert_eq!(file_kind("Gemfile"), FileKind::Shell);
        assert_eq!(file_kind("go.mod"), FileKind::JavaScript);
        assert_eq!(file_kind("Aptfile"), FileKind::Requirements);
        assert_eq!(file_kind("deps/base.apt"), FileKind::Requirements);
        assert_eq!(file_kind("setup.cfg"), FileKind::Other);
        assert_eq!(file_kind("main.py"), FileKind::Python);
        assert_eq!(file_kind("PIPFILE"), FileKind::Toml);
        assert_eq!(file_kind("app/My.Gemspec"), FileKind::Shell);
        assert_eq!(file_kind("Go.Work"), FileKind::JavaScript);
        assert_eq!(file_kind("deps/BASE.APT"), FileKind::Requirements);
    }

    #[test]
    fn cosmetic_manifest_edits() {
        let c = |path: &str, a: &str, b: &str| compare(file_kind(path), a, b);
        assert_eq!(
            c(
                "requirements.txt",
                "flask==3.0.1\n",
                "# web\nflask==3.0.1\n"
            ),
            ChangeNature::CommentOnly
        );
        assert_eq!(
            c("package.json", "{\"a\": 1}\n", "{\n  \"a\": 1\n}\n"),
            ChangeNature::WhitespaceOnly
        );
        assert_eq!(
            c(
                "package.json",
                "{\"version\": \"1.0.0\"}",
                "{\"version\": \"1.0.1\"}"
            ),
            ChangeNature::Functional
        );
        assert_eq!(
            c(
                "Gemfile",
                "gem 'rails' # web\n",
                "gem 'rails' # framework\n"
            ),
            ChangeNature::CommentOnly
        );
        assert_eq!(
            c("Gemfile", "gem 'rails'\n", "gem 'rails', '~> 7'\n"),
            ChangeNature::Functional
        );
        assert_eq!(
            c(
                "go.mod",
                "// deps\nrequire x v1.0.0\n",
                "require x v1.0.0\n"
            ),
            ChangeNature::CommentOnly
        );
        assert_eq!(
            c("setup.cfg", "[x]\n# a\n", "[x]\n# b\n"),
            ChangeNature::Functional
        );
    }

    #[test]
    fn first_line_of_a_diff() {
        let d = line_diff("a\nb\n", "a\n# c\nb\n").unwrap();
        assert_eq!(first_changed_line(&d), 2);
        let d = line_diff("a\n# c\nb\n", "a\nb\n").unwrap();
        assert_eq!(first_changed_line(&d), 2);
        assert_eq!(first_changed_line(&LineDiff::default()), 1);
    }
}
