//! `cache-mount-no-id`: an added or changed `RUN --mount=type=cache` without the id its
//! builder needs.
//!
//! BuildKit defaults the id to the mount's target, so a mount without `id=` is fine with
//! Docker and on Fly.io (the build-decision guide's "Fly.io requires explicit cache IDs"
//! has no source); Railway rejects it, and also rejects an id without its
//! `s/<service-id>-` prefix (docs.railway.com, "Cache mounts"). So the rule asks whether
//! Railway builds the repository: `[deploy] platform = "railway"` or a `railway.json` /
//! `railway.toml` at the root declares it (`railway_severity`); a file that only names
//! Railway (`DEPLOY_RAILWAY.md`) makes an unprefixed id worth an `info`. Only instructions
//! the push changes are reported, so an existing Dockerfile is not re-litigated on every
//! push.

use crate::config::Platform;
use crate::escape::escape;
use crate::severity::Severity;

use super::docker_context::dockerfile_changes;
use super::{Emitter, Rule, RuleContext};

/// The rule's id, as in `[rules.cache-mount-no-id]`.
pub const ID: &str = "cache-mount-no-id";

pub struct CacheMountNoId;

impl Rule for CacheMountNoId {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        let railway_severity = emit.settings().severity_option("railway_severity");
        // Looked up once, and only for a push that changes a cache mount.
        let mut evidence: Option<Railway> = None;
        for commit in &cx.changes.commits {
            for edit in dockerfile_changes(cx, commit) {
                for (_, inst) in edit.changed_instructions() {
                    if inst.keyword != "RUN" {
                        continue;
                    }
                    for mount in inst.mounts() {
                        if mount.kind != "cache" {
                            continue;
                        }
                        let railway = *evidence.get_or_insert_with(|| railway_evidence(cx));
                        let target = mount.target.as_deref().unwrap_or("");
                        let msg = match (&mount.id, railway) {
                            (None, _) => message(railway == Railway::Declared, &mount.raw, target),
                            (Some(id), Railway::Declared | Railway::Named)
                                if !id.starts_with("s/") =>
                            {
                                prefix_message(&mount.raw, id, target)
                            }
                            (Some(_), _) => continue,
                        };
                        // Declared: Railway builds this, so its rule decides the severity.
                        // Only named (a file mentions Railway): say it, as `info`.
                        let severity = match railway {
                            Railway::Declared => match railway_severity {
                                Some(None) => continue,
                                Some(Some(s)) => Some(s),
                                None => None,
                            },
                            Railway::Named if mount.id.is_some() => Some(Severity::Info),
                            _ => None,
                        };
                        let mut finding = emit
                            .finding(commit, msg)
                            .path(edit.file)
                            .line(inst.start_line);
                        if let Some(s) = severity {
                            finding = finding.severity(s);
                        }
                        finding.emit();
                    }
                }
            }
        }
    }
}

/// What the repository says of Railway building it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Railway {
    /// `[deploy] platform = "railway"`, or a `railway.json`/`railway.toml` at the root of the
    /// pushed commit (Railway's config as code).
    Declared,
    /// A file of the pushed commit names Railway (`DEPLOY_RAILWAY.md`, `.railway-trigger`):
    /// the service may be configured in Railway's dashboard.
    Named,
    Unknown,
}

/// Files read while looking for a file that names Railway, at most.
const MAX_NAMES: usize = 20_000;

fn railway_evidence(cx: &RuleContext<'_>) -> Railway {
    if cx.config.platform == Platform::Railway {
        return Railway::Declared;
    }
    let tip = cx
        .update
        .commit
        .or_else(|| cx.changes.commits.last().map(|c| c.info.id));
    let Some(tree) = tip
        .and_then(|t| cx.repo.find_commit(t).ok())
        .and_then(|c| c.tree().ok())
    else {
        return Railway::Unknown;
    };
    if ["railway.json", "railway.toml"]
        .iter()
        .any(|name| tree.get_name(name).is_some())
    {
        return Railway::Declared;
    }
    let mut seen = 0usize;
    let mut named = false;
    let _ = tree.walk(git2::TreeWalkMode::PreOrder, |_, entry| {
        seen += 1;
        let mentions = entry
            .name_bytes()
            .windows(7)
            .any(|w| w.eq_ignore_ascii_case(b"railway"));
        named |= mentions;
        if named || seen >= MAX_NAMES {
            git2::TreeWalkResult::Abort
        } else {
            git2::TreeWalkResult::Ok
        }
    });
    if named {
        Railway::Named
    } else {
        Railway::Unknown
    }
}

fn prefix_message(raw: &str, id: &str, target: &str) -> String {
    format!(
        "`--mount={}` has `id={}` without Railway's `s/<service-id>-` prefix: Railway fails \
         cache mounts whose id lacks it (\"missing the cacheKey prefix\"); use \
         `id=s/<service-id>-{}`",
        escape(raw),
        escape(id),
        escape(target)
    )
}

fn message(railway: bool, raw: &str, target: &str) -> String {
    let raw = escape(raw);
    let target = escape(target);
    if railway {
        format!(
            "`--mount={raw}` has no `id=`: Railway fails the build (\"missing an id argument\"); \
             use `id=s/<service-id>-{target}`"
        )
    } else {
        format!(
            "`--mount={raw}` has no `id=`: BuildKit uses the target `{target}` as the id, which \
             works with Docker and on Fly.io (no id is required there); only Railway needs one"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::message;

    #[test]
    fn messages_name_the_platform_rule() {
        let m = message(
            true,
            "type=cache,target=/root/.cache/pip",
            "/root/.cache/pip",
        );
        assert!(m.contains("id=s/<service-id>-/root/.cache/pip"), "{m}");
        let m = message(
            false,
            "type=cache,target=/root/.cache/pip",
            "/root/.cache/pip",
        );
        assert!(m.contains("works with Docker and on Fly.io"), "{m}");
        let m = message(false, "type=cache,target=\u{1b}[2J", "\u{1b}[2J");
        assert!(!m.contains('\u{1b}'), "{m}");
    }
}
