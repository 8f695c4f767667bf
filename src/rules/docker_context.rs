//! What the Dockerfile rules share: which changed files are Dockerfiles, both versions of an
//! edited Dockerfile parsed, the instructions an edit really changed, and whether a Dockerfile
//! is copied into its own image.
//!
//! The build context of a Dockerfile is the app model's ([`crate::build::context`]): the
//! context of the app built from it, else its directory (what `fly deploy`, `docker build -f
//! dir/Dockerfile dir` and Railway's root-directory setting use). Rules that depend on it
//! say so in their messages rather than guess harder.

use std::collections::HashSet;
use std::rc::Rc;

use git2::Oid;

use crate::build::context::{parent, BuildContext, Contexts, Ignore};
use crate::docker::dockerfile::{Dockerfile, Instruction};
use crate::docker::gopath;
use crate::git::changes::{line_diff, BlobContent, ChangeKind, CommitChange, FileChange};
use crate::rules::text::FileKind;

use super::RuleContext;

/// True for `Dockerfile`, `Dockerfile.*`, `*.dockerfile`, `Containerfile[.*]` (not
/// `*.dockerignore`), by file name, case-insensitively.
pub fn is_dockerfile(path: &str) -> bool {
    may_be_dockerfile(path.as_bytes()) && FileKind::from_path(path) == FileKind::Dockerfile
}

/// Whether a changed file is a Dockerfile by [`is_dockerfile`]: what the Dockerfile rules ask
/// of every file a push changes, so the name test comes before the UTF-8 check.
pub fn is_dockerfile_change(file: &FileChange) -> bool {
    may_be_dockerfile(&file.path)
        && file
            .path_str()
            .is_some_and(|p| FileKind::from_path(p) == FileKind::Dockerfile)
}

/// A cheap test that lets through every path [`FileKind::from_path`] could call a
/// Dockerfile: such a name contains `dockerfile` or `containerfile`, in any case, so what
/// follows the path's last `/` contains their common `erfile`. Rules ask it of every pushed
/// path.
fn may_be_dockerfile(path: &[u8]) -> bool {
    crate::ascii::contains_ignore_case(crate::globs::basename(path), b"erfile")
}

/// A Dockerfile added or modified by one commit, both sides read and parsed.
///
/// Invariant: `new` parsed without error (a Dockerfile the builder would reject is left to
/// the build to report); `old` is `None` when the file was added or its old side does not
/// parse, so every instruction then counts as new.
pub struct DockerfileEdit<'c> {
    pub file: &'c FileChange,
    /// The repository-relative path (edits of non-UTF-8 paths are not reported: such a path
    /// cannot be named in `fly.toml` or on a command line portably).
    pub path: &'c str,
    pub old_text: Rc<BlobContent>,
    pub new_text: Rc<BlobContent>,
    pub old: Option<Rc<Dockerfile>>,
    pub new: Rc<Dockerfile>,
    /// Added lines of the new text, ascending, 1-based.
    pub added: Vec<(u32, String)>,
    /// Removed lines of the old text, ascending, 1-based.
    pub removed: Vec<(u32, String)>,
}

impl DockerfileEdit<'_> {
    /// The old text (empty for an added file).
    pub fn old_str(&self) -> &str {
        text_of(&self.old_text)
    }

    /// The new text.
    pub fn new_str(&self) -> &str {
        text_of(&self.new_text)
    }

    /// Instructions of the new version that this edit really changed: an added line falls
    /// within the instruction's lines *and* no instruction of the old version has the same
    /// cache key. A moved or re-indented (but equal) instruction is not a change; an edited
    /// heredoc body is.
    pub fn changed_instructions(&self) -> Vec<(usize, &Instruction)> {
        let old_keys: HashSet<String> = self
            .old
            .iter()
            .flat_map(|d| d.instructions.iter().map(Instruction::cache_key))
            .collect();
        self.new
            .instructions
            .iter()
            .enumerate()
            .filter(|(_, i)| touched(&self.added, i.start_line, i.end_line))
            .filter(|(_, i)| !old_keys.contains(&i.cache_key()))
            .collect()
    }
}

fn text_of(content: &BlobContent) -> &str {
    match content {
        BlobContent::Text(s) => s,
        _ => "",
    }
}

/// Whether any of the (ascending) added lines lies in `start..=end`.
pub fn touched(added: &[(u32, String)], start: u32, end: u32) -> bool {
    let first = added.partition_point(|(n, _)| *n < start);
    added.get(first).is_some_and(|(n, _)| *n <= end)
}

/// The Dockerfiles `commit` adds or modifies, by [`is_dockerfile_change`]:
/// [`dockerfile_edits`] for the rules that look at every Dockerfile. Most commits change
/// none: their paths are turned away by name before anything is read.
pub fn dockerfile_changes<'c>(
    cx: &RuleContext<'_>,
    commit: &'c CommitChange,
) -> Vec<DockerfileEdit<'c>> {
    if !commit.files().iter().any(is_changed_dockerfile) {
        return Vec::new();
    }
    dockerfile_edits(cx, commit, &is_dockerfile_change)
}

fn is_changed_dockerfile(file: &FileChange) -> bool {
    file.kind != ChangeKind::Deleted && is_dockerfile_change(file)
}

/// The Dockerfiles `commit` adds or modifies whose path `is_dockerfile_path` accepts, read
/// and parsed. Deleted files, binary or oversized files and new versions that do not parse
/// are skipped.
pub fn dockerfile_edits<'c>(
    cx: &RuleContext<'_>,
    commit: &'c CommitChange,
    is_dockerfile_path: &dyn Fn(&FileChange) -> bool,
) -> Vec<DockerfileEdit<'c>> {
    commit
        .files()
        .iter()
        .filter(|f| f.kind != ChangeKind::Deleted && is_dockerfile_path(f))
        .filter_map(|f| edit_of(cx, f))
        .collect()
}

fn edit_of<'c>(cx: &RuleContext<'_>, file: &'c FileChange) -> Option<DockerfileEdit<'c>> {
    let path = file.path_str()?;
    let (old_text, new_text) = cx.texts(file)?;
    let new = cx.dockerfile(file.new?.id)?;
    let old = match (file.kind, file.old) {
        (ChangeKind::Added, _) | (_, None) => None,
        (_, Some(old)) => cx.dockerfile(old.id),
    };
    let diff = line_diff(text_of(&old_text), text_of(&new_text)).ok()?;
    Some(DockerfileEdit {
        file,
        path,
        old_text,
        new_text,
        old,
        new,
        added: diff.added,
        removed: diff.removed,
    })
}

/// A `COPY`/`ADD` from the build context that picks up the Dockerfile itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfCopy {
    /// The instruction's first line.
    pub line: u32,
    /// `COPY . .`, `ADD . /app`: keyword and arguments as the builder sees them (unescaped;
    /// callers escape before printing).
    pub instruction: String,
}

/// The first `COPY`/`ADD` of `df` (the Dockerfile at `path` in `commit`) whose sources take
/// in the Dockerfile, when no `.dockerignore` excludes it.
///
/// The build context and its ignore file are the app model's
/// ([`Contexts::context_of_dockerfile`]: the context of the app built from this Dockerfile,
/// else the Dockerfile's directory). Sources with variables or URLs are not guessed at. An
/// ignore file Docker would reject fails the build anyway, so it is treated as excluding
/// nothing.
pub fn self_copy(
    cx: &RuleContext<'_>,
    commit: Oid,
    path: &str,
    df: &Dockerfile,
) -> Option<SelfCopy> {
    let mut contexts = Contexts::of_commit(cx.repo, cx.config, commit);
    let context = match contexts.as_mut() {
        Some(contexts) => contexts.context_of_dockerfile(path),
        None => BuildContext {
            dir: parent(path).to_owned(),
            dockerfile: path.to_owned(),
        },
    };
    // A Dockerfile outside its context cannot be copied from it.
    let rel = context.relative(path)?;
    let copy = df.instructions.iter().find(|i| copies(i, rel))?;
    let excluded = contexts.is_some_and(|mut c| match &*c.ignore(&context) {
        Ignore::Parsed { rules, .. } => rules.is_excluded(rel),
        Ignore::Unusable => false,
    });
    if excluded {
        return None;
    }
    Some(SelfCopy {
        line: copy.start_line,
        instruction: format!("{} {}", copy.keyword, copy.args),
    })
}

/// Whether a `COPY`/`ADD` from the build context copies the context path `rel`.
fn copies(instruction: &Instruction, rel: &str) -> bool {
    let Some(spec) = instruction.copy_sources() else {
        return false;
    };
    if spec.from.is_some() {
        return false;
    }
    spec.sources.iter().any(|s| source_covers(s, rel))
}

/// Whether the `COPY` source `source` (relative to the context) is `rel` or a directory
/// above it, literally or as a `filepath.Match` pattern ([`gopath::selects`], what the
/// rebuild model uses). `.`, `./` and `/` are the context root.
pub fn source_covers(source: &str, rel: &str) -> bool {
    if source.contains('$') || source.contains("://") || source.starts_with("git@") {
        return false;
    }
    gopath::selects(&gopath::trim(source), rel)
}

/// A short, single-line excerpt of an instruction for messages (not escaped).
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max_chars {
        return one_line;
    }
    let mut s: String = one_line.chars().take(max_chars).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_sources_that_take_in_the_dockerfile() {
        for source in [
            ".",
            "./",
            "/",
            "./.",
            "Dockerfile",
            "./Dockerfile",
            "*",
            "Docker*",
        ] {
            assert!(source_covers(source, "Dockerfile"), "{source}");
        }
        for source in [
            "src",
            "requirements.txt",
            "*.py",
            "$DIR",
            "https://x/Dockerfile",
        ] {
            assert!(!source_covers(source, "Dockerfile"), "{source}");
        }
        assert!(source_covers("docker", "docker/Dockerfile"));
        assert!(source_covers("d*", "docker/Dockerfile"));
        assert!(!source_covers("docker/a", "docker/Dockerfile"));
    }

    #[test]
    fn touched_lines() {
        let added = vec![(3, String::new()), (9, String::new())];
        assert!(touched(&added, 1, 3));
        assert!(touched(&added, 4, 9));
        assert!(!touched(&added, 4, 8));
        assert!(!touched(&added, 10, 12));
        assert!(!touched(&[], 1, 1));
    }

    #[test]
    fn excerpts_are_short_and_single_line() {
        assert_eq!(
            excerpt("apt-get  update \\\n  && x", 40),
            "apt-get update \\ && x"
        );
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }
}
