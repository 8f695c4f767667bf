//! The JSON document of a judged push (schema in docs/json.md).

use serde_json::{json, Value};

use super::explain::explain_app_json;
use super::View;
use crate::deploy::TargetStatus;
use crate::escape::{escape, escape_bytes};
use crate::finding::Finding;
use crate::git::changes::ChangeKind;
use crate::pipeline::{RefAnalysis, RefStatus};

/// Version of the JSON document; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

/// The JSON document (schema in docs/json.md).
pub fn json(view: &View<'_>) -> Value {
    let a = view.analysis;
    json!({
        "version": JSON_VERSION,
        "decision": view.decision.as_str(),
        "remote": escape(&a.remote),
        "refs": a.refs.iter().map(ref_json).collect::<Vec<_>>(),
        "findings": view.findings().map(finding_json).collect::<Vec<_>>(),
    })
}

fn ref_json(r: &RefAnalysis) -> Value {
    let (status, reason) = match &r.status {
        RefStatus::Deleted => ("deleted", None),
        RefStatus::UpToDate => ("up-to-date", None),
        RefStatus::NotInspected(reason) => ("not-inspected", Some(reason.clone())),
        RefStatus::Inspected(_) => ("inspected", None),
    };
    let commits: Vec<Value> = r
        .changes()
        .map(|c| {
            c.commits
                .iter()
                .map(|cc| {
                    let not = match &cc.changes {
                        crate::git::changes::CommitChanges::NotInspected(why) => Some(why.clone()),
                        crate::git::changes::CommitChanges::Inspected(_) => None,
                    };
                    json!({
                        "id": cc.info.id.to_string(),
                        "summary": escape(cc.info.summary()),
                        "parents": cc.info.parents.len(),
                        "files": cc.files().len(),
                        "not_inspected": not,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let files: Vec<Value> = r
        .changes()
        .map(|c| {
            c.paths()
                .into_iter()
                .map(|(path, commits)| {
                    let last = commits
                        .last()
                        .and_then(|&i| c.commits.get(i))
                        .and_then(|cc| cc.files().iter().find(|f| f.path == path))
                        .map_or(ChangeKind::Modified, |f| f.kind);
                    json!({
                        "path": escape_bytes(path),
                        "change": last.as_str(),
                        "commits": commits.len(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let v = r.verdict.as_ref();
    json!({
        "ref": r.update.short_remote_name(),
        "remote_ref": escape_bytes(&r.update.remote_ref),
        "local_ref": escape_bytes(&r.update.local_ref),
        "local_sha": r.update.local_oid.map(|o| o.to_string()),
        "remote_sha": r.update.remote_oid.map(|o| o.to_string()),
        "kind": r.update.kind.as_str(),
        "ref_type": r.update.ref_kind.as_str(),
        "deploys": r.triggers_deploy(),
        "targets": r.targets.iter().map(|t| target_json(r, t)).collect::<Vec<_>>(),
        "status": status,
        "reason": reason,
        "commits": commits,
        "files": files,
        "tier": v.map(|v| v.tier.as_str()),
        "build_seconds": v.map(|v| v.times.build_seconds),
        "deploy_seconds": v.map(|v| v.times.deploy_seconds),
        "note": v.and_then(|v| v.note.as_deref()).map(escape),
        "paths_tier": v.and_then(|v| v.by_paths).map(|t| t.as_str()),
        "apps": v.map(|v| v.apps.iter().map(explain_app_json).collect::<Vec<_>>()).unwrap_or_default(),
        "reasons": v.map(|v| v.reasons.iter().map(|re| json!({
            "rule": re.rule,
            "tier": re.tier.as_str(),
            "message": re.describe(),
            "paths": re.paths,
            "commits": re.commits,
        })).collect::<Vec<_>>()).unwrap_or_default(),
    })
}

/// One deploy target of a ref (docs/json.md, `refs[].targets[]`).
fn target_json(r: &RefAnalysis, t: &TargetStatus) -> Value {
    json!({
        "platform": t.target.platform.id(),
        "app": escape(&t.target.app),
        "config": escape(&t.target.config),
        "line": t.target.line,
        "via": escape(t.target.via.shown()),
        "triggered": t.triggered,
        "reason": escape(&t.reason),
        "tier": r.target_tier(t).map(|tier| tier.as_str()),
    })
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "rule": f.rule,
        "severity": f.severity.as_str(),
        "ref": f.ref_name,
        "commit": f.commit.map(|c| c.to_string()),
        "path": f.path,
        "line": f.line,
        "message": f.message,
        "fact": f.fact,
        "hint": f.hint,
    })
}
