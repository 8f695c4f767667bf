//! The text report for people: one line per ref update, the apps a deploy builds, then the
//! findings grouped by rule.
//!
//! Invariant: every string that came from the repository was escaped before it got here
//! (paths, ref names, findings) or is escaped here (commit summaries), so nothing printed can
//! drive the terminal.

use std::fmt::Write;

use super::{short_id, View};
use crate::build::rebuild::{AppOutcome, Rebuild, StepStatus};
use crate::build::verdict::Verdict;
use crate::escape::{escape, escape_bytes};
use crate::finding::{Finding, Waiver};
use crate::git::push::{short_name, RefKind, UpdateKind};
use crate::output::style::{Paint, Style};
use crate::pipeline::{RefAnalysis, RefStatus};
use crate::severity::Severity;

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

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one-line verdict of a ref update.
pub fn ref_line(r: &RefAnalysis) -> String {
    let local = if r.update.kind == UpdateKind::Delete {
        "(delete)".to_owned()
    } else {
        short_name(&r.update.local_ref)
    };
    let mut line = format!("{local} -> {}  ", escape(&r.target));
    // A tag says so in its destination (`origin tag v1.0`).
    let what = match r.update.ref_kind {
        RefKind::Other => "ref, ",
        RefKind::Tag | RefKind::Branch => "",
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
            let files = changes.path_count();
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

/// One line per deploy target of the pushed commit: whether this push deploys it, and why
/// (the filter that stopped it, in one line).
pub fn target_lines(r: &RefAnalysis) -> String {
    let mut out = String::new();
    for t in &r.targets {
        let tier = r
            .target_tier(t)
            .map(|tier| format!(", {} rebuild", tier.as_str()))
            .unwrap_or_default();
        let state = if t.triggered {
            "deploys"
        } else {
            "not deployed"
        };
        let line = format!(
            "{}: {state}{tier} ({})",
            escape(&t.target.label()),
            escape(&t.reason),
        );
        out.push_str(&wrap(&line, "    ", "      ", WIDTH));
    }
    out
}

/// Width the text report is laid out for: fact and fix texts and messages wrap here.
pub const WIDTH: usize = 80;

/// The full text report, without colour and without overrides.
pub fn text(view: &View<'_>) -> String {
    text_with(view, Style::PLAIN)
}

/// The full text report: findings accepted by a trailer are shown with its reason (skipped
/// ones never reach a [`View`]).
///
/// Layout: one line per ref, then the findings grouped by rule and severity (most severe
/// first), each group with one line per occurrence and the rule's fact and fix once.
/// The quiet report (`-q`): only the findings in force at `block` severity, with the
/// refs they belong to; nothing at all when there is none.
pub fn blocks_only(view: &View<'_>, style: Style) -> String {
    let blocks: Vec<_> = view
        .findings
        .iter()
        .filter(|(f, w)| w.is_none() && f.severity == Severity::Block)
        .copied()
        .collect();
    if blocks.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "{} {} that block\n",
        style.paint(Paint::Bold, "pushguard:"),
        plural(blocks.len(), "finding", "findings")
    );
    for group in group_by_rule(&blocks) {
        out.push('\n');
        out.push_str(&group_text(&group, view.analysis.refs.len() > 1, style));
    }
    out
}

pub fn text_with(view: &View<'_>, style: Style) -> String {
    let a = view.analysis;
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
        "{} {}{to}",
        style.paint(Paint::Bold, "pushguard:"),
        plural(a.refs.len(), "ref", "refs")
    );
    for r in &a.refs {
        let _ = writeln!(out, "  {}", ref_line(r));
        out.push_str(&app_lines(r));
        out.push_str(&target_lines(r));
    }
    let with_ref = a.refs.len() > 1;
    for group in group_by_rule(&view.findings) {
        out.push('\n');
        out.push_str(&group_text(&group, with_ref, style));
    }
    out
}

/// The findings of one rule at one severity, in report order.
struct Group<'a> {
    rule: &'a str,
    severity: Severity,
    items: Vec<(&'a Finding, Option<&'a Waiver>)>,
}

/// Groups by (rule, severity): most severe first, then in order of first appearance.
fn group_by_rule<'a>(findings: &[(&'a Finding, Option<&'a Waiver>)]) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for &(f, w) in findings {
        match groups
            .iter_mut()
            .find(|g| g.rule == f.rule && g.severity == f.severity)
        {
            Some(g) => g.items.push((f, w)),
            None => groups.push(Group {
                rule: &f.rule,
                severity: f.severity,
                items: vec![(f, w)],
            }),
        }
    }
    // Stable: equal severities keep their first-appearance order.
    groups.sort_by_key(|g| std::cmp::Reverse(g.severity));
    groups
}

fn group_text(g: &Group<'_>, with_ref: bool, style: Style) -> String {
    let mut s = String::new();
    let heading = format!("{}[{}]", g.severity, g.rule);
    let _ = writeln!(s, "{}", style.severity(g.severity, &heading));
    for (f, waiver) in &g.items {
        s.push_str(&wrap(
            &occurrence_or_message(f, with_ref),
            "  ",
            "    ",
            WIDTH,
        ));
        if let Some(Waiver::Accepted { reason }) = waiver {
            let reason = if reason.is_empty() {
                "no reason given"
            } else {
                reason
            };
            let line = wrap(
                &format!("accepted by Pushguard-Allow: {reason}"),
                "    ",
                "      ",
                WIDTH,
            );
            s.push_str(&paint_lines(&line, Paint::Green, style));
        }
    }
    let mut facts: Vec<&str> = Vec::new();
    for (f, _) in &g.items {
        if !f.fact.is_empty() && !facts.contains(&f.fact.as_str()) {
            facts.push(&f.fact);
        }
    }
    for fact in facts {
        s.push_str(&labelled("why: ", fact, style));
    }
    if let Some((f, _)) = g.items.iter().find(|(f, _)| !f.hint.is_empty()) {
        s.push_str(&labelled("fix: ", &f.hint, style));
    }
    s
}

/// `Dockerfile:3 (1a2b3c4d): message`; the ref is named when the push has several.
fn occurrence(f: &Finding, with_ref: bool) -> String {
    let mut s = f.location();
    let mut origin = Vec::new();
    if let Some(c) = f.commit {
        origin.push(short_id(&c));
    }
    if with_ref && !f.ref_name.is_empty() {
        origin.push(format!("on {}", f.ref_name));
    }
    if !origin.is_empty() {
        if !s.is_empty() {
            s.push(' ');
        }
        let _ = write!(s, "({})", origin.join(" "));
    }
    if s.is_empty() {
        f.message.to_string()
    } else {
        format!("{s}: {}", f.message)
    }
}

/// The occurrence line of a finding without a location whose message already names its
/// commit is just the message: `commit 1a2b3c4d "rebuild" changes no file, ...`.
fn occurrence_or_message(f: &Finding, with_ref: bool) -> String {
    let names_commit = f.commit.is_some_and(|c| f.message.contains(&short_id(&c)));
    if f.path.is_none() && names_commit && !with_ref {
        f.message.to_string()
    } else {
        occurrence(f, with_ref)
    }
}

/// `  why: text` wrapped, continuation lines aligned under the text; the label dimmed.
fn labelled(label: &str, text: &str, style: Style) -> String {
    let plain = wrap(text, &format!("  {label}"), "       ", WIDTH);
    // The label is the first thing on the first line, so its first occurrence is it.
    let name = label.trim_end();
    plain.replacen(name, &style.paint(Paint::Dim, name), 1)
}

fn paint_lines(text: &str, paint: Paint, style: Style) -> String {
    text.lines()
        .map(|l| format!("{}\n", style.paint(paint, l)))
        .collect()
}

/// Word-wraps `text` to `width` columns: the first line starts with `first`, the others
/// with `rest`. Words longer than a line are kept whole (never split: they may be paths).
/// Every line ends with a newline. Columns are counted in chars: the text is escaped, so
/// it holds no control characters.
pub fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut line_len = first.chars().count();
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = word.chars().count();
        if !empty && line_len + 1 + len > width {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_owned();
            line_len = rest.chars().count();
            empty = true;
        }
        if !empty {
            line.push(' ');
            line_len += 1;
        }
        line.push_str(word);
        line_len += len;
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// The apps a deploying ref update builds, under its ref line (each line indented four
/// spaces, ending in a newline; empty when there is nothing to add):
///
/// - one line per affected app naming the step that decides its tier,
///   `apps/api  partial: apps/api/requirements.txt -> RUN pip install … (line 23) and 6 more
///   steps` (for a single app only when the ref line gives the path rules' reasons), then,
///   with several apps, the unaffected ones on one line;
/// - an app whose build could not be predicted (its finding follows below);
/// - `note: …` when the Dockerfiles overrule the path rules.
///
pub fn app_lines(r: &RefAnalysis) -> String {
    let Some(v) = &r.verdict else {
        return String::new();
    };
    let mut out = String::new();
    let several = v.apps.len() > 1;
    let mut unaffected: Vec<String> = Vec::new();
    for app in &v.apps {
        let label = escape(app.app.label());
        match &app.outcome {
            AppOutcome::Unknown { .. } => {
                let _ = writeln!(out, "    {label}  not predicted: see app-build below");
            }
            AppOutcome::Predicted(rb) if !rb.affected() => unaffected.push(label.into_owned()),
            // One app's step is on the ref line already when it decided the tier.
            AppOutcome::Predicted(rb) if several || v.note.is_none() => {
                let _ = writeln!(out, "    {label}  {}", app_summary(rb));
            }
            AppOutcome::Predicted(_) => {}
        }
    }
    if several && !unaffected.is_empty() {
        let shown: Vec<&str> = unaffected.iter().take(6).map(String::as_str).collect();
        let more = unaffected.len().saturating_sub(shown.len());
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let _ = writeln!(out, "    not affected: {}{tail}", shown.join(", "));
    }
    if let Some(note) = &v.note {
        let _ = writeln!(out, "    note: {note}");
    }
    out
}

/// `partial: requirements.txt -> RUN pip install -r requirements.txt (line 4) and 2 more
/// steps`, or `none: only image settings changed (CMD ["app"], line 9)`. Escaped.
pub fn app_summary(rb: &Rebuild) -> String {
    let Some(step) = rb.deciding_step() else {
        let setting = rb
            .steps
            .iter()
            .find(|s| s.status == StepStatus::Cached && s.reason.is_some() && s.stage.is_some());
        return match setting {
            Some(s) => format!(
                "none: only image settings changed ({}, line {})",
                escape(&crate::build::rebuild::shorten(&s.instruction, 40)),
                s.line
            ),
            None => "none: nothing re-runs".to_owned(),
        };
    };
    let triggers = rb.triggers();
    let trigger = triggers
        .first()
        .map_or_else(|| "?".to_owned(), |p| escape_bytes(p).into_owned());
    let more_triggers = match triggers.len() {
        0 | 1 => String::new(),
        2 => " and 1 more file".to_owned(),
        n => format!(" and {} more files", n - 1),
    };
    let others = rb.rerun_count().saturating_sub(1);
    let and = if others > 0 {
        format!(" and {}", plural(others, "more step", "more steps"))
    } else {
        String::new()
    };
    format!(
        "{}: {trigger}{more_triggers} -> {} (line {}){and}",
        rb.tier,
        escape(&crate::build::rebuild::shorten(&step.instruction, 40)),
        step.line
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::Judgement;
    use crate::git::push::RefUpdate;
    use crate::pipeline::{Analysis, RefAnalysis};
    use git2::Oid;

    fn finding(rule: &str, severity: Severity, n: u8, message: &str) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            ref_name: "main".into(),
            commit: Some(Oid::from_bytes(&[n; 20]).unwrap()),
            path: Some("Dockerfile".into()),
            line: Some(u32::from(n)),
            message: message.into(),
            fact: "A fact that is long enough to need wrapping when it is printed with its label in front of it.".into(),
            hint: "Do the right thing.".into(),
        }
    }

    fn analysis(findings: Vec<Finding>) -> Analysis {
        let update = RefUpdate {
            local_ref: Vec::new(),
            local_oid: None,
            remote_ref: b"refs/heads/old".to_vec(),
            remote_oid: None,
            kind: UpdateKind::Delete,
            ref_kind: RefKind::Branch,
            commit: None,
            remote_commit: None,
        };
        Analysis {
            remote: "origin".into(),
            refs: vec![RefAnalysis {
                update,
                target: "origin/old".into(),
                deploys: false,
                targets: Vec::new(),
                status: RefStatus::Deleted,
                verdict: None,
            }],
            findings,
            blobs: Default::default(),
        }
    }

    #[test]
    fn findings_are_grouped_by_rule_most_severe_first() {
        let a = analysis(vec![
            finding("trigger-file", Severity::Warn, 1, "first warn"),
            finding("secret", Severity::Block, 2, "a secret"),
            finding("trigger-file", Severity::Warn, 3, "second warn"),
        ]);
        let t = text(&View::all(&a));
        let expected = "\
pushguard: 1 ref to origin
  (delete) -> origin/old  deleted on the remote, no deploy

block[secret]
  Dockerfile:2 (02020202): a secret
  why: A fact that is long enough to need wrapping when it is printed with its
       label in front of it.
  fix: Do the right thing.

warn[trigger-file]
  Dockerfile:1 (01010101): first warn
  Dockerfile:3 (03030303): second warn
  why: A fact that is long enough to need wrapping when it is printed with its
       label in front of it.
  fix: Do the right thing.
";
        assert_eq!(t, expected);
        assert!(t.lines().all(|l| l.chars().count() <= WIDTH));
    }

    #[test]
    fn accepted_findings_show_the_reason_and_skipped_ones_are_hidden() {
        let a = analysis(vec![
            finding("secret", Severity::Block, 2, "a secret"),
            finding("trigger-file", Severity::Warn, 1, "skipped"),
        ]);
        let waivers = vec![
            Some(Waiver::Accepted {
                reason: "test key".into(),
            }),
            Some(Waiver::Skipped),
        ];
        let judgement = Judgement {
            waivers,
            ..Judgement::default()
        };
        let view = View::new(&a, &judgement, true);
        let t = text_with(&view, Style::PLAIN);
        assert!(
            t.contains(
                "  Dockerfile:2 (02020202): a secret\n    accepted by Pushguard-Allow: test key\n"
            ),
            "{t}"
        );
        assert!(!t.contains("trigger-file"), "{t}");
        let colored = text_with(&view, Style::new(true));
        assert!(
            colored.contains("\x1b[1;31mblock[secret]\x1b[0m"),
            "{colored:?}"
        );
        assert!(colored.contains("\x1b[2mwhy:\x1b[0m A fact"), "{colored:?}");
    }

    #[test]
    fn wrap_keeps_long_words_whole() {
        assert_eq!(wrap("a b c", "> ", "  ", 5), "> a b\n  c\n");
        assert_eq!(
            wrap("x averyveryverylongword y", "", "  ", 8),
            "x\n  averyveryverylongword\n  y\n"
        );
        assert_eq!(wrap("", "  why: ", "", 80), "  why:\n");
    }
}
