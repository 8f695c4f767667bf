//! `cache-mount-no-id`: an added or changed `RUN --mount=type=cache` without `id=`.
//!
//! BuildKit defaults the id to the mount's target, so this is fine with Docker and on Fly.io
//! (the build-decision guide's "Fly.io requires explicit cache IDs" has no source); Railway
//! rejects it. The severity therefore follows `[deploy] platform`: `railway_severity` on
//! Railway, the rule's severity (default `info`) elsewhere. Only instructions the push
//! changes are reported, so an existing Dockerfile is not re-litigated on every push.

use crate::config::Platform;
use crate::escape::escape;

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
        let railway = cx.config.platform == Platform::Railway;
        let severity = if railway {
            match emit.settings().severity_option("railway_severity") {
                Some(None) => return,
                Some(Some(s)) => Some(s),
                None => None,
            }
        } else {
            None
        };
        for commit in &cx.changes.commits {
            for edit in dockerfile_changes(cx, commit) {
                for (_, inst) in edit.changed_instructions() {
                    if inst.keyword != "RUN" {
                        continue;
                    }
                    for mount in inst.mounts() {
                        if mount.kind != "cache" || mount.id.is_some() {
                            continue;
                        }
                        let target = mount.target.as_deref().unwrap_or("");
                        let msg = message(railway, &mount.raw, target);
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
