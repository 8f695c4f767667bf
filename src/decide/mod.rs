//! What a push does once its findings are known: the bypasses that waive findings, the
//! policy that says whether someone must confirm, and the instructions printed when a push
//! is stopped.
//!
//! Everything here is a pure function of the analysis, the configuration and an
//! [`Environment`] read once, so each rule of the policy is unit-tested without a terminal;
//! `commands::pre_push` does the talking (terminal, audit log).
//!
//! The bypasses, from narrowest to widest, each explicit and each leaving a trace:
//! - a `Pushguard-Allow: <rule-id> <reason>` trailer accepts that rule's findings in that
//!   commit (the trace is the commit itself, plus the audit log);
//! - `PUSHGUARD_SKIP=rule-a,rule-b` treats the named rules as not run for one push;
//! - `PUSHGUARD=0` turns pushguard off for one push;
//! - `git push --no-verify` is git's own and skips every pre-push hook (git does not run
//!   pushguard at all, so it cannot leave a trace).

pub mod audit;
pub mod prompt;

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::fmt;

use git2::Oid;

use crate::config::{ConfirmOn, NonInteractive, Policy};
use crate::decide::audit::{Entry, How};
use crate::escape::escape;
use crate::finding::{Finding, Waiver};
use crate::output::report::{wrap, WIDTH};
use crate::pipeline::Analysis;
use crate::severity::Severity;
use crate::tier::BuildTier;

/// The trailer key, matched case-insensitively.
pub const ALLOW_TRAILER: &str = "Pushguard-Allow";

/// Rule ids that are not configurable rules but appear in reports, and so may be skipped or
/// accepted like rules.
const PSEUDO_RULES: &[&str] = &["not-inspected", "app-build"];

/// The environment variables that steer a push, read once.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `PUSHGUARD`
    pub pushguard: Option<OsString>,
    /// `PUSHGUARD_SKIP`
    pub skip: Option<OsString>,
    /// `CI`
    pub ci: Option<OsString>,
}

impl Environment {
    pub fn from_process() -> Environment {
        Environment {
            pushguard: std::env::var_os("PUSHGUARD"),
            skip: std::env::var_os("PUSHGUARD_SKIP"),
            ci: std::env::var_os("CI"),
        }
    }

    /// What `PUSHGUARD` says.
    pub fn switch(&self) -> Switch {
        switch(self.pushguard.as_deref())
    }

    /// Whether `CI` says this is a CI job: set, non-empty, and not `false` or `0`.
    pub fn ci(&self) -> bool {
        self.ci.as_deref().is_some_and(|v| {
            let v = v.to_string_lossy();
            let v = v.trim();
            !v.is_empty() && !v.eq_ignore_ascii_case("false") && v != "0"
        })
    }
}

/// The `PUSHGUARD` switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Switch {
    /// Unset, empty, `1`, `true`, `on`, `yes`.
    On,
    /// `0`, `false`, `off`, `no`: skip pushguard for this push.
    Off,
    /// Anything else: pushguard runs, and says the value was not understood (escaped).
    Unrecognised(String),
}

pub fn switch(value: Option<&OsStr>) -> Switch {
    let Some(value) = value else {
        return Switch::On;
    };
    let v = value.to_string_lossy();
    let v = v.trim().to_ascii_lowercase();
    match v.as_str() {
        "" | "1" | "true" | "on" | "yes" => Switch::On,
        "0" | "false" | "off" | "no" => Switch::Off,
        _ => Switch::Unrecognised(escape(&value.to_string_lossy()).into_owned()),
    }
}

/// `PUSHGUARD_SKIP`, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkipList {
    /// Known rule ids to skip, in the order given, without duplicates.
    pub rules: Vec<String>,
    /// Ids that name no rule (escaped); reported, never silently ignored.
    pub unknown: Vec<String>,
}

impl SkipList {
    /// Parses a comma- (or space-) separated list of rule ids.
    pub fn parse(value: &OsStr, known: &[&str]) -> SkipList {
        let text = value.to_string_lossy();
        let mut list = SkipList::default();
        for id in text.split([',', ' ', '\t']).filter(|s| !s.is_empty()) {
            let (bucket, id) = if is_known(id, known) {
                (&mut list.rules, id.to_owned())
            } else {
                (&mut list.unknown, escape(id).into_owned())
            };
            if !bucket.contains(&id) {
                bucket.push(id);
            }
        }
        list
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.unknown.is_empty()
    }
}

fn is_known(id: &str, known: &[&str]) -> bool {
    known.contains(&id) || PSEUDO_RULES.contains(&id)
}

/// One `Pushguard-Allow` trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowTrailer {
    /// The rule id, as written (not yet checked against the known rules).
    pub rule: String,
    /// The rest of the value, whitespace-normalised; may be empty.
    pub reason: String,
}

/// The `Pushguard-Allow` trailers of a commit message.
pub fn allow_trailers(message: &str) -> Vec<AllowTrailer> {
    // Most messages never mention the key: skip parsing their paragraphs (a long push
    // has thousands).
    if !crate::ascii::contains_ignore_case(message.as_bytes(), ALLOW_TRAILER.as_bytes()) {
        return Vec::new();
    }
    trailers(message)
        .into_iter()
        .filter(|(key, _)| key.eq_ignore_ascii_case(ALLOW_TRAILER))
        .filter_map(|(_, value)| {
            let mut words = value.split_whitespace();
            let rule = words.next()?.to_owned();
            let reason = words.collect::<Vec<_>>().join(" ");
            Some(AllowTrailer { rule, reason })
        })
        .collect()
}

/// The trailers (`Key: value`) of a message, the way `git interpret-trailers` finds them:
/// in the last paragraph, which must not be the first (the subject) and must consist of
/// trailers (continuation lines, starting with whitespace, fold into the previous one), or
/// be at least a quarter trailers including a `Signed-off-by` or `(cherry picked from`
/// line that git itself writes.
pub fn trailers(message: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = message.lines().map(|l| l.trim_end()).collect();
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    let lines = lines.get(..end).unwrap_or_default();
    let Some(start) = lines.iter().rposition(|l| l.is_empty()).map(|i| i + 1) else {
        // One paragraph: that is the subject and body, never trailers.
        return Vec::new();
    };
    let block = lines.get(start..).unwrap_or_default();
    let mut found: Vec<(String, String)> = Vec::new();
    let mut trailer_lines = 0usize;
    let mut non_trailer_lines = 0usize;
    let mut git_generated = false;
    let mut last_was_trailer = false;
    for line in block {
        if line.starts_with([' ', '\t']) && last_was_trailer {
            if let Some((_, v)) = found.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if line.starts_with("(cherry picked from commit ") {
            git_generated = true;
            trailer_lines += 1;
            last_was_trailer = false;
            continue;
        }
        match split_trailer(line) {
            Some((k, v)) => {
                git_generated |= k.eq_ignore_ascii_case("Signed-off-by");
                trailer_lines += 1;
                found.push((k.to_owned(), v.trim().to_owned()));
                last_was_trailer = true;
            }
            None => {
                non_trailer_lines += 1;
                last_was_trailer = false;
            }
        }
    }
    let all = non_trailer_lines == 0;
    let quarter = git_generated && trailer_lines * 3 >= non_trailer_lines;
    if trailer_lines > 0 && (all || quarter) {
        found
    } else {
        Vec::new()
    }
}

/// `Key: value` (git allows spaces before the colon); keys are letters, digits and `-`.
fn split_trailer(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim_end();
    let ok = !key.is_empty()
        && !key.starts_with('-')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then_some((key, value))
}

/// A trailer that accepted findings in this push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub ref_name: String,
    pub commit: Oid,
    pub rule: String,
    /// Escaped.
    pub reason: String,
    /// How many findings it accepted.
    pub findings: usize,
}

/// The findings of a push after the bypasses: which are waived and why.
#[derive(Debug, Clone, Default)]
pub struct Review {
    /// One slot per finding of the analysis, in order.
    pub waivers: Vec<Option<Waiver>>,
    /// Warning lines (unknown rule ids), ready to print.
    pub warnings: Vec<String>,
    /// Trailers that accepted something.
    pub accepted: Vec<Accepted>,
    /// The skip list in force.
    pub skip: SkipList,
    /// How many findings the skip list removed, per ref (in first-seen order).
    pub skipped: Vec<(String, Vec<String>, usize)>,
}

/// Applies `skip` and the `Pushguard-Allow` trailers of the pushed commits.
pub fn review(analysis: &Analysis, skip: SkipList, known: &[&str]) -> Review {
    let mut r = Review {
        waivers: vec![None; analysis.findings.len()],
        ..Review::default()
    };
    for id in &skip.unknown {
        r.warnings
            .push(unknown_rule_warning("PUSHGUARD_SKIP names", id, known));
    }
    // Trailers, per pushed commit (a commit pushed to two refs is read once per ref: its
    // findings are per ref too).
    let mut warned: BTreeSet<(Oid, String)> = BTreeSet::new();
    for rf in &analysis.refs {
        let Some(changes) = rf.changes() else {
            continue;
        };
        let ref_name = rf.update.short_remote_name();
        for commit in &changes.commits {
            for t in allow_trailers(&commit.info.message) {
                if !is_known(&t.rule, known) {
                    if warned.insert((commit.info.id, t.rule.clone())) {
                        let what = format!(
                            "commit {} has a {ALLOW_TRAILER} trailer naming",
                            commit.info.short_id()
                        );
                        r.warnings
                            .push(unknown_rule_warning(&what, &escape(&t.rule), known));
                    }
                    continue;
                }
                let reason = escape(&t.reason).into_owned();
                let mut n = 0;
                for (i, f) in analysis.findings.iter().enumerate() {
                    let hit = f.rule == t.rule
                        && f.commit == Some(commit.info.id)
                        && f.ref_name == ref_name;
                    if hit {
                        if let Some(slot @ None) = r.waivers.get_mut(i) {
                            *slot = Some(Waiver::Accepted {
                                reason: reason.clone(),
                            });
                            n += 1;
                        }
                    }
                }
                if n > 0 {
                    r.accepted.push(Accepted {
                        ref_name: ref_name.clone(),
                        commit: commit.info.id,
                        rule: t.rule.clone(),
                        reason,
                        findings: n,
                    });
                }
            }
        }
    }
    // The skip list wins over trailers: a skipped rule is as if it had not run.
    for (i, f) in analysis.findings.iter().enumerate() {
        if skip.rules.contains(&f.rule) {
            if let Some(slot) = r.waivers.get_mut(i) {
                *slot = Some(Waiver::Skipped);
            }
            match r.skipped.iter_mut().find(|(rf, _, _)| *rf == f.ref_name) {
                Some((_, rules, n)) => {
                    if !rules.contains(&f.rule) {
                        rules.push(f.rule.clone());
                    }
                    *n += 1;
                }
                None => r
                    .skipped
                    .push((f.ref_name.clone(), vec![f.rule.clone()], 1)),
            }
        }
    }
    // Trailers whose findings were all skipped did not let anything through.
    for a in &mut r.accepted {
        a.findings = analysis
            .findings
            .iter()
            .zip(&r.waivers)
            .filter(|(f, w)| {
                f.rule == a.rule
                    && f.commit == Some(a.commit)
                    && f.ref_name == a.ref_name
                    && matches!(w, Some(Waiver::Accepted { .. }))
            })
            .count();
    }
    r.accepted.retain(|a| a.findings > 0);
    r.skip = skip;
    r
}

/// `pushguard: warning: <what> unknown rule `x`; known rules: a, b, c`, wrapped.
fn unknown_rule_warning(what: &str, id: &str, known: &[&str]) -> String {
    let mut ids: Vec<&str> = known.to_vec();
    ids.extend(PSEUDO_RULES);
    let text = format!(
        "pushguard: warning: {what} unknown rule `{id}`; known rules: {}",
        ids.join(", ")
    );
    wrap(&text, "", "  ", WIDTH)
}

impl Review {
    /// `analysis` with the waived findings left out: what `check` and the pre-receive hook
    /// report and decide on, so CI, the server and the pre-push hook agree on a commit that
    /// carries a `Pushguard-Allow` trailer. (The pre-push hook shows waived findings with
    /// their reason instead, through `report::text_with`.)
    pub fn without_waived(&self, analysis: &Analysis) -> Analysis {
        let mut out = analysis.clone();
        out.findings = self.open(analysis).cloned().collect();
        out
    }

    /// The findings still in force (neither accepted nor skipped).
    pub fn open<'a>(&'a self, analysis: &'a Analysis) -> impl Iterator<Item = &'a Finding> {
        analysis
            .findings
            .iter()
            .enumerate()
            .filter(|(i, _)| matches!(self.waivers.get(*i), Some(None) | None))
            .map(|(_, f)| f)
    }

    /// The one-line notices of the bypasses used, ready to print.
    pub fn notices(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.skip.rules.is_empty() {
            let n: usize = self.skipped.iter().map(|(_, _, n)| n).sum();
            lines.push(format!(
                "pushguard: PUSHGUARD_SKIP: not checking {} for this push ({} skipped)",
                self.skip.rules.join(", "),
                plural(n, "finding", "findings")
            ));
        }
        for a in &self.accepted {
            let mut id = a.commit.to_string();
            id.truncate(8);
            lines.push(format!(
                "pushguard: {ALLOW_TRAILER}: {} accepted in commit {id} ({})",
                a.rule,
                plural(a.findings, "finding", "findings")
            ));
        }
        lines
    }

    /// Audit entries for the bypasses used.
    pub fn audit_entries(&self, analysis: &Analysis, time: i64) -> Vec<Entry> {
        let mut out = Vec::new();
        for a in &self.accepted {
            out.push(Entry::new(
                time,
                &analysis.remote,
                &a.ref_name,
                vec![a.rule.clone()],
                How::Trailer,
                &a.reason,
                Some(a.commit.to_string()),
            ));
        }
        let reason = format!("PUSHGUARD_SKIP={}", self.skip.rules.join(","));
        for (ref_name, rules, _) in &self.skipped {
            out.push(Entry::new(
                time,
                &analysis.remote,
                ref_name,
                rules.clone(),
                How::Skip,
                &reason,
                tip(analysis, ref_name),
            ));
        }
        out
    }
}

/// The pushed commit of `ref_name` in the analysis.
fn tip(analysis: &Analysis, ref_name: &str) -> Option<String> {
    analysis
        .refs
        .iter()
        .find(|r| r.update.short_remote_name() == ref_name)
        .and_then(|r| r.update.local_oid)
        .map(|o| o.to_string())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A push that someone (or the no-terminal policy) must confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    /// The most severe open finding.
    pub severity: Severity,
    /// The rule ids of the open findings that call for confirmation, in report order.
    pub rules: Vec<String>,
    /// Whether every such finding is tied to a commit (so a trailer could accept it).
    pub all_in_commits: bool,
    /// The commits of those findings, in report order.
    pub commits: Vec<Oid>,
    /// The question, without ` [y/N]`.
    pub question: String,
}

/// Whether the open findings call for confirmation under `policy`: any `block` finding,
/// or any `warn` finding when `confirm = "warn"`.
pub fn confirmation(analysis: &Analysis, review: &Review, policy: &Policy) -> Option<Ask> {
    let threshold = match policy.confirm {
        ConfirmOn::Block => Severity::Block,
        ConfirmOn::Warn => Severity::Warn,
    };
    let asking: Vec<&Finding> = review
        .open(analysis)
        .filter(|f| f.severity >= threshold)
        .collect();
    let severity = asking.iter().map(|f| f.severity).max()?;
    let mut rules: Vec<String> = Vec::new();
    let mut commits: Vec<Oid> = Vec::new();
    for f in &asking {
        if !rules.contains(&f.rule) {
            rules.push(f.rule.clone());
        }
        if let Some(c) = f.commit.filter(|c| !commits.contains(c)) {
            commits.push(c);
        }
    }
    let question = question(analysis, &rules);
    Some(Ask {
        severity,
        all_in_commits: asking.iter().all(|f| f.commit.is_some()),
        rules,
        commits,
        question,
    })
}

/// The question says what yes costs: the most expensive deploy of the push, or (when
/// nothing deploys) what is being overridden.
pub fn question(analysis: &Analysis, rules: &[String]) -> String {
    let deploy = analysis
        .refs
        .iter()
        .filter(|r| r.deploys)
        .filter_map(|r| r.verdict.as_ref())
        .max_by_key(|v| (v.tier, v.times.build_seconds));
    match deploy {
        Some(v) if v.tier > BuildTier::None => {
            let tier = v.tier.as_str().to_uppercase();
            let article = if tier.starts_with(['A', 'E', 'I', 'O', 'U']) {
                "an"
            } else {
                "a"
            };
            format!(
                "Push anyway and start {article} {tier} rebuild (~{} s)?",
                v.times.build_seconds
            )
        }
        Some(v) => format!(
            "Push anyway and deploy with NO rebuild (~{} s deploy)?",
            v.times.deploy_seconds
        ),
        None => {
            let mut names: Vec<&str> = rules.iter().take(3).map(String::as_str).collect();
            if rules.len() > 3 {
                names.push("…");
            }
            format!("Push anyway despite {}?", names.join(", "))
        }
    }
}

/// Why nobody can be asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoTerminal {
    /// `--no-input`.
    Flag,
    /// `CI` is set.
    Ci,
    /// `/dev/tty` could not be opened or read (the error, escaped).
    NoTty(String),
}

impl fmt::Display for NoTerminal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoTerminal::Flag => f.write_str("--no-input was given"),
            NoTerminal::Ci => f.write_str("CI is set"),
            NoTerminal::NoTty(e) => write!(f, "no terminal: {e}"),
        }
    }
}

/// What to do without a terminal.
pub fn noninteractive_allows(policy: &Policy) -> bool {
    policy.noninteractive == NonInteractive::Allow
}

/// The lines printed when a push is stopped: exactly how to get it through, narrowest
/// bypass first. Commands are never wrapped (they are meant to be copied).
pub fn how_to_proceed(ask: &Ask) -> String {
    let mut out = String::from("  To push anyway, push again after one of:\n");
    if ask.all_in_commits && !ask.commits.is_empty() {
        let ids: Vec<String> = ask.commits.iter().take(4).map(short).collect();
        let which = match ids.as_slice() {
            [one] => format!("the message of commit {one}"),
            _ => format!("the messages of commits {}", ids.join(", ")),
        };
        let trailers = if ask.rules.len() > 1 {
            "these trailers"
        } else {
            "this trailer"
        };
        out.push_str(&wrap(
            &format!("- end {which} with {trailers}:"),
            "    ",
            "      ",
            WIDTH,
        ));
        for rule in ask.rules.iter().take(3) {
            out.push_str(&format!("        {ALLOW_TRAILER}: {rule} <reason>\n"));
        }
        out.push_str("      (git commit --amend; for an older commit, git rebase -i)\n");
    }
    out.push_str(&format!(
        "    - skip the rules:   PUSHGUARD_SKIP={} git push\n",
        ask.rules.join(",")
    ));
    out.push_str("    - skip pushguard:   PUSHGUARD=0 git push\n");
    out.push_str("    - skip every hook:  git push --no-verify  (leaves no trace)\n");
    out.push_str("  All but the last are recorded in the audit log (`pushguard log`).\n");
    out
}

fn short(id: &Oid) -> String {
    let mut s = id.to_string();
    s.truncate(8);
    s
}

/// Audit entries for a confirmed push (`how` is [`How::Prompt`] or [`How::Policy`]): one
/// per ref whose open findings called for confirmation.
pub fn confirm_entries(
    analysis: &Analysis,
    review: &Review,
    ask: &Ask,
    how: How,
    reason: &str,
    time: i64,
) -> Vec<Entry> {
    let mut per_ref: Vec<(String, Vec<String>)> = Vec::new();
    for f in review.open(analysis) {
        if !ask.rules.contains(&f.rule) {
            continue;
        }
        match per_ref.iter_mut().find(|(r, _)| *r == f.ref_name) {
            Some((_, rules)) => {
                if !rules.contains(&f.rule) {
                    rules.push(f.rule.clone());
                }
            }
            None => per_ref.push((f.ref_name.clone(), vec![f.rule.clone()])),
        }
    }
    per_ref
        .into_iter()
        .map(|(ref_name, rules)| {
            let commit = tip(analysis, &ref_name);
            Entry::new(
                time,
                &analysis.remote,
                &ref_name,
                rules,
                how,
                reason,
                commit,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switch_values() {
        assert_eq!(switch(None), Switch::On);
        for on in ["", "1", "true", "ON", "yes"] {
            assert_eq!(switch(Some(OsStr::new(on))), Switch::On, "{on}");
        }
        for off in ["0", "false", "Off", "no", " 0 "] {
            assert_eq!(switch(Some(OsStr::new(off))), Switch::Off, "{off}");
        }
        assert_eq!(
            switch(Some(OsStr::new("skip\x1b"))),
            Switch::Unrecognised("skip\\e".into())
        );
    }

    #[test]
    fn ci_values() {
        let env = |v: Option<&str>| Environment {
            ci: v.map(OsString::from),
            ..Environment::default()
        };
        assert!(env(Some("true")).ci());
        assert!(env(Some("1")).ci());
        assert!(env(Some("woodpecker")).ci());
        assert!(!env(Some("")).ci());
        assert!(!env(Some("false")).ci());
        assert!(!env(Some("FALSE")).ci());
        assert!(!env(Some("0")).ci());
        assert!(!env(None).ci());
    }

    #[test]
    fn skip_list_separates_unknown_ids() {
        let known = ["empty-commit", "trigger-file"];
        let s = SkipList::parse(
            OsStr::new("empty-commit, nope,,empty-commit trigger-file"),
            &known,
        );
        assert_eq!(s.rules, vec!["empty-commit", "trigger-file"]);
        assert_eq!(s.unknown, vec!["nope"]);
        let s = SkipList::parse(OsStr::new("not-inspected"), &known);
        assert_eq!(s.rules, vec!["not-inspected"]);
        assert!(SkipList::parse(OsStr::new(" , "), &known).is_empty());
    }

    #[test]
    fn trailers_come_from_the_last_paragraph_only() {
        let msg = "Rebuild\n\nPushguard-Allow: empty-commit in the body\n\nbody text\n";
        assert!(allow_trailers(msg).is_empty());
        let msg = "Rebuild\n\nbody\n\npushguard-allow: empty-commit  builder   cache broken\nSigned-off-by: A <a@b>\n\n";
        assert_eq!(
            allow_trailers(msg),
            vec![AllowTrailer {
                rule: "empty-commit".into(),
                reason: "builder cache broken".into()
            }]
        );
    }

    #[test]
    fn the_subject_is_never_a_trailer() {
        assert!(allow_trailers("Pushguard-Allow: empty-commit why").is_empty());
    }

    #[test]
    fn continuation_lines_and_spaces_before_the_colon() {
        let msg = "s\n\nPushguard-Allow : trigger-file first\n  second line\nCo-authored-by: x\n";
        assert_eq!(
            allow_trailers(msg),
            vec![AllowTrailer {
                rule: "trigger-file".into(),
                reason: "first second line".into()
            }]
        );
    }

    #[test]
    fn a_prose_paragraph_is_not_a_trailer_block() {
        let msg =
            "s\n\nNote: this is prose\nand more prose here\nPushguard-Allow: empty-commit x\n";
        assert!(allow_trailers(msg).is_empty());
        // With a git-generated trailer, a quarter of trailer lines is enough.
        let msg =
            "s\n\nsome prose\nmore prose\nPushguard-Allow: empty-commit x\nSigned-off-by: a\n";
        assert_eq!(allow_trailers(msg).len(), 1);
    }

    #[test]
    fn allow_without_a_reason_or_rule() {
        let t = allow_trailers("s\n\nPushguard-Allow: empty-commit\nPushguard-Allow:\n");
        assert_eq!(
            t,
            vec![AllowTrailer {
                rule: "empty-commit".into(),
                reason: String::new()
            }]
        );
    }

    #[test]
    fn how_to_proceed_fits_80_columns() {
        let ask = Ask {
            severity: Severity::Block,
            rules: vec!["empty-commit".into(), "dockerfile-secret".into()],
            all_in_commits: true,
            commits: vec![Oid::ZERO_SHA1],
            question: String::new(),
        };
        let text = how_to_proceed(&ask);
        assert!(
            text.contains("PUSHGUARD_SKIP=empty-commit,dockerfile-secret git push"),
            "{text}"
        );
        assert!(
            text.contains("\n        Pushguard-Allow: empty-commit <reason>\n"),
            "{text}"
        );
        assert!(
            text.contains("\n        Pushguard-Allow: dockerfile-secret <reason>\n"),
            "{text}"
        );
        assert!(
            text.contains("    - end the message of commit 00000000 with these trailers:\n"),
            "{text}"
        );
        assert!(text.contains("git push --no-verify"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    }

    fn analysis_with(verdicts: &[(bool, BuildTier, u32)]) -> Analysis {
        use crate::build::verdict::Verdict;
        use crate::config::TierTimes;
        use crate::git::push::{RefKind, RefUpdate, UpdateKind};
        use crate::pipeline::{RefAnalysis, RefStatus};
        let refs = verdicts
            .iter()
            .map(|&(deploys, tier, build_seconds)| RefAnalysis {
                update: RefUpdate {
                    local_ref: b"refs/heads/main".to_vec(),
                    local_oid: None,
                    remote_ref: b"refs/heads/main".to_vec(),
                    remote_oid: None,
                    kind: UpdateKind::Create,
                    ref_kind: RefKind::Branch,
                    commit: None,
                    remote_commit: None,
                },
                target: "origin/main".into(),
                deploys,
                status: RefStatus::UpToDate,
                verdict: deploys.then(|| Verdict {
                    tier,
                    times: TierTimes {
                        build_seconds,
                        deploy_seconds: 30,
                    },
                    reasons: Vec::new(),
                    ..Verdict::default()
                }),
            })
            .collect();
        Analysis {
            remote: "origin".into(),
            refs,
            findings: Vec::new(),
            blobs: Default::default(),
        }
    }

    #[test]
    fn the_question_names_the_most_expensive_deploy() {
        let rules = vec!["empty-commit".to_owned()];
        let a = analysis_with(&[
            (true, BuildTier::Incremental, 45),
            (true, BuildTier::Full, 180),
        ]);
        assert_eq!(
            question(&a, &rules),
            "Push anyway and start a FULL rebuild (~180 s)?"
        );
        let a = analysis_with(&[(true, BuildTier::Incremental, 45)]);
        assert_eq!(
            question(&a, &rules),
            "Push anyway and start an INCREMENTAL rebuild (~45 s)?"
        );
        let a = analysis_with(&[(true, BuildTier::None, 0)]);
        assert_eq!(
            question(&a, &rules),
            "Push anyway and deploy with NO rebuild (~30 s deploy)?"
        );
        let a = analysis_with(&[(false, BuildTier::Full, 180)]);
        let many: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        assert_eq!(question(&a, &rules), "Push anyway despite empty-commit?");
        assert_eq!(question(&a, &many), "Push anyway despite a, b, c, …?");
    }

    #[test]
    fn unknown_rule_warning_names_the_id_and_the_known_ones() {
        let w = unknown_rule_warning("PUSHGUARD_SKIP names", "nope", &["a", "b"]);
        assert_eq!(
            w,
            "pushguard: warning: PUSHGUARD_SKIP names unknown rule `nope`; known rules: a, b,\n  not-inspected, app-build\n"
        );
    }
}
