//! Rendering an [`Analysis`] for people (text) and programs (JSON).
//!
//! Invariant: every string that came from the repository was escaped before it got here
//! (paths, ref names, findings) or is escaped here (commit summaries), so nothing printed can
//! drive the terminal.

use std::fmt::Write;

use serde_json::{json, Value};

use crate::changes::ChangeKind;
use crate::escape::{escape, escape_bytes};
use crate::finding::Finding;
use crate::pipeline::{Analysis, RefAnalysis, RefStatus};
use crate::push::{short_name, RefKind, UpdateKind};
use crate::verdict::Verdict;

/// Version of the JSON document; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

/// `~45 s`, `~4 min`.
fn seconds(s: u32) -> String {
    if s >= 120 && s % 60 == 0 {
        format!("~{} min", s / 60)
    } else if s >= 90 {
        format!("~{:.1} min", f64::from(s) / 60.0)
    } else {
        format!("~{s} s")
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one-line verdict of a ref update.
pub fn ref_line(r: &RefAnalysis) -> String {
    let local = if r.update.kind == UpdateKind::Delete {
        "(delete)".to_owned()
    } else {
        short_name(&r.update.local_ref)
    };
    let mut line = format!("{local} -> {}  ", r.target);
    let what = match r.update.ref_kind {
        RefKind::Tag => "tag, ",
        RefKind::Other => "ref, ",
        RefKind::Branch => "",
    };
    match &r.status {
        RefStatus::Deleted => {
            let _ = write!(line, "{what}deleted on the remote, no deploy");
        }
        RefStatus::UpToDate => {
            let _ = write!(line, "up to date, nothing to push");
        }
        RefStatus::NotInspected(reason) => {
            let _ = write!(line, "NOT INSPECTED: {reason}");
        }
        RefStatus::Inspected(changes) => {
            let commits = changes.commits.len();
            let files = changes.paths().len();
            let kind = match r.update.kind {
                UpdateKind::Force => "force push, ",
                UpdateKind::UnknownBase => "remote has commits you have not fetched, ",
                UpdateKind::Create if r.update.ref_kind == RefKind::Branch => "new branch, ",
                _ => "",
            };
            if commits == 0 {
                let _ = write!(
                    line,
                    "{what}{kind}no new commits (the remote already has them)"
                );
                if r.deploys {
                    line.push_str(", deploys without rebuilding");
                }
                return line;
            }
            let _ = write!(
                line,
                "{what}{kind}{}, {}  ",
                plural(commits, "commit", "commits"),
                plural(files, "file", "files")
            );
            match &r.verdict {
                Some(v) => line.push_str(&verdict_text(v)),
                None if r.update.ref_kind == RefKind::Branch => {
                    let _ = write!(
                        line,
                        "no deploy ({} is not a deploy branch)",
                        r.update.short_remote_name()
                    );
                }
                None => line.push_str("no deploy"),
            }
        }
    }
    line
}

fn verdict_text(v: &Verdict) -> String {
    let head = match v.tier {
        crate::tier::BuildTier::None => "NO rebuild".to_owned(),
        t => format!("{} rebuild", t.as_str().to_uppercase()),
    };
    let reasons: Vec<String> = v.deciding().map(|r| r.describe()).collect();
    let mut s = format!(
        "{head} (~{} s build, {} deploy)",
        v.times.build_seconds,
        seconds(v.times.deploy_seconds)
    );
    if !reasons.is_empty() {
        let _ = write!(s, ": {}", reasons.join("; "));
    }
    s
}

/// The full text report.
pub fn text(a: &Analysis) -> String {
    let mut out = String::new();
    let to = if a.remote.is_empty() {
        String::new()
    } else {
        format!(" to {}", escape(&a.remote))
    };
    if a.refs.is_empty() {
        let _ = writeln!(out, "pushguard: nothing to push{to}");
        return out;
    }
    let _ = writeln!(
        out,
        "pushguard: {}{to}",
        plural(a.refs.len(), "ref", "refs")
    );
    for r in &a.refs {
        let _ = writeln!(out, "  {}", ref_line(r));
    }
    if !a.findings.is_empty() {
        out.push('\n');
        for f in &a.findings {
            out.push_str(&finding_text(f));
        }
    }
    out
}

fn finding_text(f: &Finding) -> String {
    let mut s = format!("{}[{}]", f.severity, f.rule);
    let loc = f.location();
    if !loc.is_empty() {
        let _ = write!(s, " {loc}");
    }
    let mut origin = Vec::new();
    if !f.ref_name.is_empty() {
        origin.push(f.ref_name.clone());
    }
    if let Some(c) = f.commit {
        let mut id = c.to_string();
        id.truncate(8);
        origin.push(id);
    }
    if !origin.is_empty() {
        let _ = write!(s, " ({})", origin.join(" "));
    }
    let _ = writeln!(s, ": {}", f.message);
    if !f.fact.is_empty() {
        let _ = writeln!(s, "  why: {}", f.fact);
    }
    if !f.hint.is_empty() {
        let _ = writeln!(s, "  fix: {}", f.hint);
    }
    s
}

/// The JSON document (schema in docs/json.md).
pub fn json(a: &Analysis) -> Value {
    json!({
        "version": JSON_VERSION,
        "decision": a.decision().as_str(),
        "remote": escape(&a.remote),
        "refs": a.refs.iter().map(ref_json).collect::<Vec<_>>(),
        "findings": a.findings.iter().map(finding_json).collect::<Vec<_>>(),
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
                        crate::changes::CommitChanges::NotInspected(why) => Some(why.clone()),
                        crate::changes::CommitChanges::Inspected(_) => None,
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
        "deploys": r.deploys,
        "status": status,
        "reason": reason,
        "commits": commits,
        "files": files,
        "tier": v.map(|v| v.tier.as_str()),
        "build_seconds": v.map(|v| v.times.build_seconds),
        "deploy_seconds": v.map(|v| v.times.deploy_seconds),
        "reasons": v.map(|v| v.reasons.iter().map(|re| json!({
            "rule": re.rule,
            "tier": re.tier.as_str(),
            "message": re.describe(),
            "paths": re.paths,
            "commits": re.commits,
        })).collect::<Vec<_>>()).unwrap_or_default(),
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
