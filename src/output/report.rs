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
    if v.unconfigured {
        return "deploys, no rebuild estimate (no Dockerfile, [[app]] or deploy configuration \
                found to say what it builds)"
            .to_owned();
    }
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
        out.push_str(&wrap(&line, "    ", "      ", width()));
    }
    out
}

/// The width text is laid out for when it does not go to a terminal (a log, a pipe, a
/// test): fact and fix texts and messages wrap here.
pub const WIDTH: usize = 80;

/// The width in force; [`fit_terminal`] changes it once, at start.
static LAYOUT_WIDTH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(WIDTH);

/// The width the text output is laid out for: [`WIDTH`], or the terminal's once
/// [`fit_terminal`] has found one.
pub fn width() -> usize {
    LAYOUT_WIDTH.load(std::sync::atomic::Ordering::Relaxed)
}

/// Lays the text out for the terminal stderr is, when it is one: its width, between 40
/// and 160 columns (narrower wraps every word; wider lines are hard to read). Output to
/// anything else keeps [`WIDTH`], so logs and pipes read the same everywhere.
pub fn fit_terminal() {
    if let Some(columns) = super::style::stderr_columns() {
        LAYOUT_WIDTH.store(columns.clamp(40, 160), std::sync::atomic::Ordering::Relaxed);
        AT_TERMINAL.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Whether [`fit_terminal`] found a terminal: ref lines are wrapped only there, and stay
/// one line each in logs, where they are searched for.
static AT_TERMINAL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

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
    let mut out = verdict(view, style);
    let with_ref = view.analysis.refs.len() > 1;
    for group in group_by_rule(&view.findings) {
        out.push('\n');
        out.push_str(&group_text(&group, with_ref, style));
    }
    out
}

/// The report's first part, the same in every style: a header, then per ref its verdict
/// line, the apps it builds and the deploy targets.
fn verdict(view: &View<'_>, style: Style) -> String {
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
        if AT_TERMINAL.load(std::sync::atomic::Ordering::Relaxed) {
            out.push_str(&wrap_spaced(&ref_line(r), "  ", "      ", width()));
        } else {
            let _ = writeln!(out, "  {}", ref_line(r));
        }
        out.push_str(&app_lines(r));
        out.push_str(&target_lines(r));
    }
    out
}

/// How a group of findings is headed: its severity while in force, or what waived it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Standing {
    /// Waived by `PUSHGUARD_SKIP` (the hook shows these; nothing else does).
    Skipped,
    /// Waived by a `Pushguard-Allow` trailer.
    Accepted,
    InForce(Severity),
}

impl Standing {
    fn of(f: &Finding, waiver: Option<&Waiver>) -> Standing {
        match waiver {
            None => Standing::InForce(f.severity),
            Some(Waiver::Accepted { .. }) => Standing::Accepted,
            Some(Waiver::Skipped) => Standing::Skipped,
        }
    }

    /// `block[rule]`, `accepted[rule]`: a finding a trailer or a skip let through is not
    /// shown at the severity it no longer has.
    fn heading(self, rule: &str, style: Style) -> String {
        match self {
            Standing::InForce(severity) => style.severity(severity, &format!("{severity}[{rule}]")),
            Standing::Accepted => style.paint(Paint::Green, &format!("accepted[{rule}]")),
            Standing::Skipped => style.paint(Paint::Dim, &format!("skipped[{rule}]")),
        }
    }
}

/// The findings of one rule at one standing, in report order.
struct Group<'a> {
    rule: &'a str,
    standing: Standing,
    items: Vec<(&'a Finding, Option<&'a Waiver>)>,
}

/// Groups by (rule, standing): most severe first, waived ones last, then in order of first
/// appearance.
fn group_by_rule<'a>(findings: &[(&'a Finding, Option<&'a Waiver>)]) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for &(f, w) in findings {
        let standing = Standing::of(f, w);
        match groups
            .iter_mut()
            .find(|g| g.rule == f.rule && g.standing == standing)
        {
            Some(g) => g.items.push((f, w)),
            None => groups.push(Group {
                rule: &f.rule,
                standing,
                items: vec![(f, w)],
            }),
        }
    }
    // Stable: equal standings keep their first-appearance order.
    groups.sort_by_key(|g| std::cmp::Reverse(g.standing));
    groups
}

/// What waived a finding, for its line: the trailer's reason, or the skip.
fn waiver_note(waiver: Option<&Waiver>) -> Option<String> {
    match waiver? {
        Waiver::Accepted { reason } if reason.is_empty() => {
            Some("accepted by Pushguard-Allow: no reason given".to_owned())
        }
        Waiver::Accepted { reason } => Some(format!("accepted by Pushguard-Allow: {reason}")),
        Waiver::Skipped => Some("skipped by PUSHGUARD_SKIP".to_owned()),
    }
}

fn group_text(g: &Group<'_>, with_ref: bool, style: Style) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", g.standing.heading(g.rule, style));
    for (f, waiver) in &g.items {
        s.push_str(&wrap(
            &occurrence_or_message(f, with_ref),
            "  ",
            "    ",
            width(),
        ));
        if let Some(note) = waiver_note(*waiver) {
            let line = wrap(&note, "    ", "      ", width());
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

/// At most this many lines of one rule in the compact report; the rest are counted.
const COMPACT_PER_RULE: usize = 3;

/// The compact report, the pre-push hook's default: the verdict as in the full report,
/// then one line per finding (`warn[rule] where: message`, at most three a rule, the rest
/// counted), then one line saying where the fact behind each and its fix are. Without
/// findings it is the verdict alone.
pub fn compact(view: &View<'_>, style: Style) -> String {
    let mut out = verdict(view, style);
    let groups = group_by_rule(&view.findings);
    if groups.is_empty() {
        return out;
    }
    out.push('\n');
    let with_ref = view.analysis.refs.len() > 1;
    for g in &groups {
        let heading = g.standing.heading(g.rule, Style::PLAIN);
        for (f, waiver) in g.items.iter().take(COMPACT_PER_RULE) {
            let mut text = format!("{heading} {}", occurrence_or_message(f, with_ref));
            match waiver {
                Some(Waiver::Accepted { reason }) if !reason.is_empty() => {
                    let _ = write!(text, " (Pushguard-Allow: {reason})");
                }
                Some(Waiver::Accepted { .. }) => text.push_str(" (Pushguard-Allow)"),
                Some(Waiver::Skipped) => text.push_str(" (PUSHGUARD_SKIP)"),
                None => {}
            }
            let line = wrap(&text, "", "    ", width());
            // The heading opens the first line, so its first occurrence is it.
            out.push_str(&line.replacen(&heading, &g.standing.heading(g.rule, style), 1));
        }
        if g.items.len() > COMPACT_PER_RULE {
            let more = g.items.len() - COMPACT_PER_RULE;
            let _ = writeln!(out, "    and {more} more {heading}");
        }
    }
    out.push_str(&wrap(
        &format!(
            "{} the fact behind each finding and its fix: `pushguard explain --last` \
             (`--verbose`, PUSHGUARD_OUTPUT=full or [output] style = \"full\" show them here)",
            style.paint(Paint::Dim, "pushguard:")
        ),
        "",
        "  ",
        width(),
    ));
    out
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
    let plain = wrap(text, &format!("  {label}"), "       ", width());
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
    wrap_words(text, first, rest, width, false)
}

/// [`wrap`], keeping the runs of spaces inside a line (the ref line separates its parts
/// with two); a line break replaces a run.
pub fn wrap_spaced(text: &str, first: &str, rest: &str, width: usize) -> String {
    wrap_words(text, first, rest, width, true)
}

/// Both wraps: words are separated by one space, or with `keep_runs` by the run of spaces
/// that separated them in `text`.
fn wrap_words(text: &str, first: &str, rest: &str, width: usize, keep_runs: bool) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut line_len = first.chars().count();
    let mut empty = true;
    let mut gap = 0;
    for word in text.split(' ') {
        if word.is_empty() {
            gap += 1;
            continue;
        }
        let len = word.chars().count();
        let sep = match (empty, keep_runs) {
            (true, _) => 0,
            (false, true) => gap + 1,
            (false, false) => 1,
        };
        if !empty && line_len + sep + len > width {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_owned();
            line_len = rest.chars().count();
        } else {
            line.extend(std::iter::repeat(' ').take(sep));
            line_len += sep;
        }
        line.push_str(word);
        line_len += len;
        empty = false;
        gap = 0;
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
    fn waived_findings_are_shown_as_waived_not_at_their_severity() {
        let a = analysis(vec![
            finding("secret", Severity::Block, 2, "a secret"),
            finding("trigger-file", Severity::Warn, 1, "skipped"),
            finding("empty-commit", Severity::Block, 3, "in force"),
        ]);
        let waivers = vec![
            Some(Waiver::Accepted {
                reason: "test key".into(),
            }),
            Some(Waiver::Skipped),
            None,
        ];
        let judgement = Judgement {
            waivers,
            ..Judgement::default()
        };
        let view = View::new(&a, &judgement, true);
        let t = text_with(&view, Style::PLAIN);
        assert!(
            t.contains(
                "accepted[secret]\n  Dockerfile:2 (02020202): a secret\n    accepted by \
                 Pushguard-Allow: test key\n"
            ),
            "{t}"
        );
        assert!(
            t.contains("skipped[trigger-file]\n  Dockerfile:1 (01010101): skipped\n    skipped by PUSHGUARD_SKIP\n"),
            "{t}"
        );
        assert!(
            !t.contains("block[secret]") && !t.contains("warn[trigger-file]"),
            "{t}"
        );
        // In force first, waived after.
        let order = [
            "block[empty-commit]",
            "accepted[secret]",
            "skipped[trigger-file]",
        ]
        .map(|h| t.find(h).expect("heading"));
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{t}");
        let compact = compact(&view, Style::PLAIN);
        let flat = compact.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(
                "block[empty-commit] Dockerfile:3 (03030303): in force accepted[secret] \
                 Dockerfile:2 (02020202): a secret (Pushguard-Allow: test key) \
                 skipped[trigger-file] Dockerfile:1 (01010101): skipped (PUSHGUARD_SKIP)"
            ),
            "{compact}"
        );
        // `check` and the server show what is in force only.
        let in_force = text_with(&View::new(&a, &judgement, false), Style::PLAIN);
        assert!(
            !in_force.contains("secret") && !in_force.contains("trigger-file"),
            "{in_force}"
        );
        let colored = text_with(&view, Style::new(true));
        assert!(
            colored.contains("\x1b[1;31mblock[empty-commit]\x1b[0m"),
            "{colored:?}"
        );
        assert!(colored.contains("\x1b[2mwhy:\x1b[0m A fact"), "{colored:?}");
    }

    #[test]
    fn compact_is_the_verdict_one_line_a_finding_and_where_the_rest_is() {
        let a = analysis(vec![
            finding("trigger-file", Severity::Warn, 1, "first"),
            finding("trigger-file", Severity::Warn, 2, "second"),
            finding("trigger-file", Severity::Warn, 3, "third"),
            finding("trigger-file", Severity::Warn, 4, "fourth"),
            finding("trigger-file", Severity::Warn, 5, "fifth"),
        ]);
        let judgement = Judgement::default();
        let c = compact(&View::new(&a, &judgement, true), Style::PLAIN);
        assert!(c.starts_with("pushguard: 1 ref to origin\n"), "{c}");
        assert!(
            c.contains("\nwarn[trigger-file] Dockerfile:1 (01010101): first\n"),
            "{c}"
        );
        assert!(c.contains("warn[trigger-file] Dockerfile:3 (03030303): third\n    and 2 more warn[trigger-file]\n"), "{c}");
        assert!(!c.contains("why:") && !c.contains("fourth"), "{c}");
        assert!(c.contains("its fix: `pushguard explain --last`"), "{c}");
        assert!(c.lines().all(|l| l.chars().count() <= WIDTH), "{c}");
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
