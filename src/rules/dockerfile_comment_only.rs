//! `dockerfile-comment-only`: a commit whose Dockerfile edit touches only comments, blank
//! lines or whitespace the builder ignores, typically the guide's
//! `echo "# Force rebuild: $(date)" >> Dockerfile`.
//!
//! "Only comments" is decided by the parser ([`Dockerfile::same_build`]), never by line
//! patterns: a `#` line inside a heredoc is part of a script and is a real change. A path that
//! any pushed commit changes for real is not reported at all: the push rebuilds from that
//! change anyway, and a comment written alongside it is documentation.
//!
//! [`Dockerfile::same_build`]: crate::docker::dockerfile::Dockerfile::same_build

use std::collections::HashSet;

use crate::ascii::ends_with_ignore_case;
use crate::config::RuleConfig;
use crate::escape::escape;
use crate::git::changes::{ChangeKind, CommitChange, FileChange};
use crate::rules::text::{compare, ChangeNature, FileKind};
use crate::severity::Severity;
use crate::tier::BuildTier;

use super::docker_context::{dockerfile_edits, excerpt, is_dockerfile_change, self_copy, SelfCopy};
use super::intent::says_forcing;
use super::timestamp_edit::is_docs_path;
use super::{in_globs, quoted_summary, AheadContext, Claim, Emitter, Rule, RuleContext};

/// The rule's id, as in `[rules.dockerfile-comment-only]`.
pub const ID: &str = "dockerfile-comment-only";

pub struct DockerfileCommentOnly;

/// One comment-only edit found in a commit.
struct CommentEdit<'c> {
    commit: &'c CommitChange,
    file: &'c FileChange,
    nature: ChangeNature,
    /// Line of the first changed comment (or blank line) in the new version.
    line: Option<u32>,
    /// The first changed comment, when one was added or rewritten.
    comment: Option<String>,
    copied_by: Option<SelfCopy>,
}

impl Rule for DockerfileCommentOnly {
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

    /// Reads and parses both sides of each Dockerfile the commit edits while the push is
    /// listed: the check compares them after (and `cache-bust-arg` reads the same).
    fn read_ahead(&self, cx: &AheadContext<'_>, commit: &CommitChange) {
        if !cx.deploys {
            return;
        }
        let edited = commit
            .files()
            .iter()
            .filter(|f| f.kind != ChangeKind::Deleted && is_dockerfile_change(f));
        for file in edited {
            let _ = cx.cache.texts(cx.repo, file);
            for side in [file.old, file.new].into_iter().flatten() {
                cx.cache.dockerfile(cx.repo, side.id);
            }
        }
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        if !cx.deploys {
            return;
        }
        let globs = emit.settings().globs_option("globs");
        // Asked of every pushed file, twice: the cheap byte tests first, the UTF-8 check last.
        let is_target = |f: &FileChange| {
            !ends_with_ignore_case(&f.path, b".dockerignore")
                && match globs {
                    None => is_dockerfile_change(f),
                    Some(g) => g.is_match(&f.path) && f.path_str().is_some(),
                }
        };
        let edits = comment_only_edits(cx, &is_target);
        if edits.is_empty() {
            return;
        }
        let commented: HashSet<&[u8]> = edits.iter().map(|e| e.file.path.as_slice()).collect();
        let rest = Rest::of(cx, &commented);
        let configured = emit.settings().severity.unwrap_or(Severity::Block);
        for edit in &edits {
            report(edit, &rest, configured, emit);
        }
    }
}

/// The comment-only Dockerfile edits of the push, leaving out every path that some pushed
/// commit changes for real (adds, deletes, edits functionally, or leaves unparsable): that
/// change rebuilds anyway, and a comment made next to it is documentation.
fn comment_only_edits<'c>(
    cx: &RuleContext<'c>,
    is_target: &dyn Fn(&FileChange) -> bool,
) -> Vec<CommentEdit<'c>> {
    let mut edits = Vec::new();
    let mut functional: HashSet<&[u8]> = HashSet::new();
    for commit in &cx.changes.commits {
        let parsed = dockerfile_edits(cx, commit, is_target);
        for file in commit.files().iter().filter(|f| is_target(f)) {
            if !parsed.iter().any(|e| std::ptr::eq(e.file, file)) {
                functional.insert(&file.path);
            }
        }
        for edit in parsed {
            let (old, new) = (edit.old_str(), edit.new_str());
            let nature = match &edit.old {
                Some(before) if before.same_build(&edit.new) => {
                    compare(FileKind::Dockerfile, old, new)
                }
                _ => ChangeNature::Functional,
            };
            match nature {
                ChangeNature::Identical => {}
                ChangeNature::Functional => {
                    functional.insert(&edit.file.path);
                }
                ChangeNature::WhitespaceOnly | ChangeNature::CommentOnly => {
                    let (line, comment) = first_changed_comment(&edit.added, &edit.removed);
                    edits.push(CommentEdit {
                        commit,
                        file: edit.file,
                        nature,
                        line: line.map(|l| l.min(line_count(new))),
                        comment,
                        copied_by: self_copy(cx, commit.info.id, edit.path, &edit.new),
                    });
                }
            }
        }
    }
    edits.retain(|e| !functional.contains(e.file.path.as_slice()));
    edits
}

/// What the other files of the push cost.
struct Rest {
    /// The other changed paths (escaped), at most a few, for the message.
    names: Vec<String>,
    count: usize,
    /// The highest tier among them.
    tier: BuildTier,
}

impl Rest {
    fn of(cx: &RuleContext<'_>, commented: &HashSet<&[u8]>) -> Rest {
        let mut rest = Rest {
            names: Vec::new(),
            count: 0,
            tier: BuildTier::None,
        };
        for (path, _) in cx.changes.paths() {
            if commented.contains(path) {
                continue;
            }
            let (tier, _) = cx.config.classify(path);
            rest.tier = rest.tier.max(tier);
            rest.count += 1;
            if rest.names.len() < 3 {
                rest.names
                    .push(crate::escape::escape_bytes(path).into_owned());
            }
        }
        rest
    }

    /// The guide's pitfall: forcing a rebuild for source-only changes.
    fn is_source_only(&self) -> bool {
        self.count > 0 && self.tier <= BuildTier::Incremental
    }

    fn listed(&self) -> String {
        let mut s = self.names.join(", ");
        if self.count > self.names.len() {
            s.push_str(", …");
        }
        s
    }
}

fn report(edit: &CommentEdit<'_>, rest: &Rest, configured: Severity, emit: &mut Emitter<'_>) {
    let what = match edit.nature {
        ChangeNature::WhitespaceOnly => "only blank lines or whitespace",
        _ => "only comments",
    };
    let mut msg = format!(
        "commit {} {} changes {what} in {}",
        edit.commit.info.short_id(),
        quoted_summary(edit.commit),
        edit.file.display_path()
    );
    if let Some(comment) = &edit.comment {
        msg.push_str(&format!(" (`{}`)", escape(&excerpt(comment, 60))));
    }
    match &edit.copied_by {
        None => msg.push_str(
            ": the builder runs the same instructions, so no layer is rebuilt: a comment \
             cannot force a rebuild",
        ),
        Some(copy) => msg.push_str(&format!(
            ": it is copied into the image by `{}` (line {}) and no .dockerignore excludes it, \
             so this edit re-runs that COPY and every later step (an incremental rebuild of \
             the same code); it still cannot force a full rebuild",
            escape(&excerpt(&copy.instruction, 40)),
            copy.line
        )),
    }
    if rest.is_source_only() {
        msg.push_str(&format!(
            "; the source and config changes pushed with it ({}) already re-run the steps \
             from the COPY that picks them up",
            rest.listed()
        ));
    } else if rest.count == 0 {
        msg.push_str("; nothing else changes in this push, so the deploy ships the same code");
    } else {
        msg.push_str(&format!(
            "; what rebuilds is decided by the other changes ({})",
            rest.listed()
        ));
    }
    // Comments written in a commit that also edits the documentation, and does not say it
    // forces a build, are documentation themselves: worth a note, not a stop.
    let documents = !says_forcing(edit.commit.info.summary())
        && edit
            .commit
            .files()
            .iter()
            .any(|f| !std::ptr::eq(f, edit.file) && f.path_str().is_some_and(is_docs_path));
    if documents {
        msg.push_str("; the commit also edits the documentation, so this reads as documentation");
    }
    let mut finding = emit.finding(edit.commit, msg).path(edit.file);
    if let Some(line) = edit.line {
        finding = finding.line(line);
    }
    if documents {
        finding = finding.severity(Severity::Info);
    } else if !rest.is_source_only() {
        finding = finding.severity(configured.min(Severity::Warn));
    }
    if let Some(copy) = &edit.copied_by {
        finding = finding.fact(copied_fact(copy));
    }
    finding.emit();
}

/// The fact for a Dockerfile that is part of its own build context.
fn copied_fact(copy: &SelfCopy) -> String {
    format!(
        "Docker removes comment lines before it runs a Dockerfile, so a comment changes no \
         instruction. But this Dockerfile is itself in the build context and copied by the \
         instruction at line {}: any edit to it, comments included, changes that COPY's \
         checksum, so that layer and every later one re-run, while the base image and the \
         steps before the COPY stay cached. A comment can never force a full rebuild.",
        copy.line
    )
}

/// The line (in the new version) and text of the first added comment; else the first added
/// line; else where the first removed line used to be.
fn first_changed_comment(
    added: &[(u32, String)],
    removed: &[(u32, String)],
) -> (Option<u32>, Option<String>) {
    if let Some((line, text)) = added.iter().find(|(_, t)| t.trim_start().starts_with('#')) {
        return (Some(*line), Some(text.trim().to_owned()));
    }
    if let Some((line, _)) = added.first() {
        return (Some(*line), None);
    }
    // Only removals: nothing was added before the first one, so it sat at the same line
    // number the next surviving line now has.
    (removed.first().map(|(line, _)| (*line).max(1)), None)
}

fn line_count(text: &str) -> u32 {
    u32::try_from(text.lines().count())
        .unwrap_or(u32::MAX)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[(u32, &str)]) -> Vec<(u32, String)> {
        v.iter().map(|(n, s)| (*n, (*s).to_owned())).collect()
    }

    #[test]
    fn first_changed_comment_prefers_comments() {
        let added = lines(&[(3, ""), (4, "  # Force rebuild: Thu")]);
        assert_eq!(
            first_changed_comment(&added, &[]),
            (Some(4), Some("# Force rebuild: Thu".to_owned()))
        );
        assert_eq!(
            first_changed_comment(&lines(&[(2, "")]), &[]),
            (Some(2), None)
        );
        assert_eq!(
            first_changed_comment(&[], &lines(&[(7, "# old")])),
            (Some(7), None)
        );
        assert_eq!(first_changed_comment(&[], &[]), (None, None));
    }

    #[test]
    fn rest_of_push() {
        let rest = Rest {
            names: vec!["main.py".into()],
            count: 1,
            tier: BuildTier::Incremental,
        };
        assert!(rest.is_source_only());
        let alone = Rest {
            names: Vec::new(),
            count: 0,
            tier: BuildTier::None,
        };
        assert!(!alone.is_source_only());
        let deps = Rest {
            names: vec!["requirements.txt".into()],
            count: 4,
            tier: BuildTier::Partial,
        };
        assert!(!deps.is_source_only());
        assert_eq!(deps.listed(), "requirements.txt, …");
    }
}
