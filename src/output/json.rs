//! The JSON document of a judged push (schema in docs/json.md).

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Value};

use super::explain::explain_app_json;
use super::View;
use crate::build::verdict::Reason;
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

/// One ref, its fields in the schema's order; the lists a record at a time.
struct RefDoc<'a>(&'a RefAnalysis);

impl Serialize for RefDoc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let (status, reason) = match &r.status {
            RefStatus::Deleted => ("deleted", None),
            RefStatus::UpToDate => ("up-to-date", None),
            RefStatus::NotInspected(reason) => ("not-inspected", Some(reason)),
            RefStatus::Inspected(_) => ("inspected", None),
        };
        let v = r.verdict.as_ref();
        let mut map = s.serialize_map(Some(20))?;
        map.serialize_entry("ref", &r.update.short_remote_name())?;
        map.serialize_entry("remote_ref", &escape_bytes(&r.update.remote_ref))?;
        map.serialize_entry("local_ref", &escape_bytes(&r.update.local_ref))?;
        map.serialize_entry("local_sha", &r.update.local_oid.map(|o| o.to_string()))?;
        map.serialize_entry("remote_sha", &r.update.remote_oid.map(|o| o.to_string()))?;
        map.serialize_entry("kind", r.update.kind.as_str())?;
        map.serialize_entry("ref_type", r.update.ref_kind.as_str())?;
        map.serialize_entry("deploys", &r.triggers_deploy())?;
        map.serialize_entry(
            "targets",
            &Lazy(|| r.targets.iter().map(|t| target_json(r, t))),
        )?;
        map.serialize_entry("status", status)?;
        map.serialize_entry("reason", &reason)?;
        map.serialize_entry("commits", &Lazy(|| commit_values(r)))?;
        map.serialize_entry("files", &Lazy(|| file_values(r)))?;
        // No Dockerfile or deploy configuration: no estimate to give.
        let estimate = v.filter(|v| !v.unconfigured);
        map.serialize_entry("tier", &estimate.map(|v| v.tier.as_str()))?;
        map.serialize_entry("build_seconds", &estimate.map(|v| v.times.build_seconds))?;
        map.serialize_entry("deploy_seconds", &estimate.map(|v| v.times.deploy_seconds))?;
        map.serialize_entry("note", &v.and_then(|v| v.note.as_deref()).map(escape))?;
        map.serialize_entry(
            "paths_tier",
            &v.and_then(|v| v.by_paths).map(|t| t.as_str()),
        )?;
        map.serialize_entry(
            "apps",
            &Lazy(|| {
                v.into_iter()
                    .flat_map(|v| v.apps.iter().map(explain_app_json))
            }),
        )?;
        map.serialize_entry(
            "reasons",
            &Lazy(|| v.into_iter().flat_map(|v| v.reasons.iter().map(ReasonDoc))),
        )?;
        map.end()
    }
}

/// One path rule that matched (`refs[].reasons[]`); its `paths` can name every file of a
/// whole-history push, so they are written from the verdict, not copied into a value.
struct ReasonDoc<'a>(&'a Reason);

impl Serialize for ReasonDoc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let re = self.0;
        let mut map = s.serialize_map(Some(5))?;
        map.serialize_entry("rule", &re.rule)?;
        map.serialize_entry("tier", re.tier.as_str())?;
        map.serialize_entry("message", &re.describe())?;
        map.serialize_entry("paths", &re.paths)?;
        map.serialize_entry("commits", &re.commits)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::push::{RefKind, RefUpdate, UpdateKind};
    use crate::pipeline::Analysis;
    use crate::severity::Severity;
    use git2::Oid;

    fn analysis() -> Analysis {
        let oid = Oid::from_bytes(&[7; 20]).unwrap();
        let update = |remote_ref: &[u8], kind| RefUpdate {
            local_ref: b"refs/heads/main".to_vec(),
            local_oid: Some(oid),
            remote_ref: remote_ref.to_vec(),
            remote_oid: None,
            kind,
            ref_kind: RefKind::Branch,
            commit: None,
            remote_commit: None,
        };
        let unread = |remote_ref: &[u8], status| RefAnalysis {
            update: update(remote_ref, UpdateKind::Create),
            target: "origin/x".into(),
            deploys: false,
            targets: Vec::new(),
            status,
            verdict: None,
        };
        Analysis {
            remote: "origin\x1b".into(),
            refs: vec![
                unread(b"refs/heads/main", RefStatus::NotInspected("gone".into())),
                unread(b"refs/heads/old", RefStatus::Deleted),
            ],
            findings: vec![Finding {
                rule: "not-inspected".into(),
                severity: Severity::Block,
                ref_name: "main".into(),
                commit: Some(oid),
                path: None,
                line: None,
                message: "m \"q\"".into(),
                fact: "f".into(),
                hint: "h".into(),
            }],
            blobs: Default::default(),
        }
    }

    #[test]
    fn written_text_is_the_value_pretty_printed() {
        let a = analysis();
        let view = View::all(&a);
        let mut written = Vec::new();
        write(&mut written, &view).unwrap();
        let value = json(&view);
        let mut expected = serde_json::to_string_pretty(&value).unwrap();
        expected.push('\n');
        assert_eq!(String::from_utf8(written).unwrap(), expected);
        assert_eq!(value["remote"], "origin\\e");
        assert_eq!(value["refs"][0]["reason"], "gone");
        assert_eq!(value["refs"][1]["local_sha"], "07".repeat(20));
        assert!(expected.contains("      \"commits\": [],\n"), "{expected}");
    }

    #[test]
    fn a_ref_has_the_documented_fields_in_order() {
        let a = analysis();
        let value = json(&View::all(&a));
        let keys: Vec<&str> = value["refs"][0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        // docs/json.md, `refs[]`.
        assert_eq!(
            keys,
            [
                "ref",
                "remote_ref",
                "local_ref",
                "local_sha",
                "remote_sha",
                "kind",
                "ref_type",
                "deploys",
                "targets",
                "status",
                "reason",
                "commits",
                "files",
                "tier",
                "build_seconds",
                "deploy_seconds",
                "note",
                "paths_tier",
                "apps",
                "reasons",
            ]
        );
    }
}
