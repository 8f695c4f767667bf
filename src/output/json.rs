//! The JSON document of a judged push (schema in docs/json.md).

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
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

/// The JSON document (schema in docs/json.md), as a value. [`write`] gives the same text
/// without holding the whole document.
pub fn json(view: &View<'_>) -> Value {
    serde_json::to_value(Doc(view)).unwrap_or(Value::Null)
}

/// Writes the JSON document pretty-printed, as `serde_json::to_writer_pretty` would write
/// [`json`]'s value, a ref, a commit, a file or a finding at a time: a whole-history push's
/// report is megabytes of text, and a value tree of it takes several times that.
pub fn write(out: &mut dyn std::io::Write, view: &View<'_>) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::pretty(&mut *out);
    Doc(view).serialize(&mut ser)?;
    writeln!(out)
}

/// The document, serialised field by field in the schema's order.
struct Doc<'a, 'v>(&'a View<'v>);

impl Serialize for Doc<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (view, a) = (self.0, self.0.analysis);
        let mut map = s.serialize_map(Some(5))?;
        map.serialize_entry("version", &JSON_VERSION)?;
        map.serialize_entry("decision", view.decision.as_str())?;
        map.serialize_entry("remote", &escape(&a.remote))?;
        map.serialize_entry("refs", &Lazy(|| a.refs.iter().map(RefDoc)))?;
        map.serialize_entry("findings", &Lazy(|| view.findings().map(finding_json)))?;
        map.end()
    }
}

/// A sequence serialised one element at a time, from an iterator made afresh for it.
struct Lazy<F>(F);

impl<F, I, T> Serialize for Lazy<F>
where
    F: Fn() -> I,
    I: Iterator<Item = T>,
    T: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

/// One ref: its small fields as one value, its commits and files a record at a time.
struct RefDoc<'a>(&'a RefAnalysis);

impl Serialize for RefDoc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let Value::Object(fields) = ref_json(r) else {
            return Err(serde::ser::Error::custom("a ref's fields are an object"));
        };
        let mut map = s.serialize_map(Some(fields.len() + 2))?;
        for (key, value) in &fields {
            // The long lists go in their place in the schema's order.
            if key == "tier" {
                map.serialize_entry("commits", &Lazy(|| commit_values(r)))?;
                map.serialize_entry("files", &Lazy(|| file_values(r)))?;
            }
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

fn commit_values(r: &RefAnalysis) -> impl Iterator<Item = Value> + '_ {
    r.changes().into_iter().flat_map(|c| {
        c.commits.iter().map(|cc| {
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
    })
}

fn file_values(r: &RefAnalysis) -> impl Iterator<Item = Value> + '_ {
    r.changes().into_iter().flat_map(|c| {
        c.paths().into_iter().map(move |(path, commits)| {
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
    })
}

/// A ref's fields but `commits` and `files`, which [`RefDoc`] streams before `tier`.
fn ref_json(r: &RefAnalysis) -> Value {
    let (status, reason) = match &r.status {
        RefStatus::Deleted => ("deleted", None),
        RefStatus::UpToDate => ("up-to-date", None),
        RefStatus::NotInspected(reason) => ("not-inspected", Some(reason.clone())),
        RefStatus::Inspected(_) => ("inspected", None),
    };
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
