//! The [`Judgement`] of a push: which findings the bypasses waive, what is left in force,
//! and whether someone must confirm. Built once per analysis, the same way for the pre-push
//! hook, `check` and the pre-receive hook, so the three always agree on a commit.
//!
//! Invariant: a judgement holds data only (rule ids, commits, counts, escaped reasons); the
//! words shown to people are made in `output::messages`.

use std::collections::BTreeSet;

use git2::Oid;

use super::audit::{Entry, How};
use super::environment::{is_known, SkipList, PSEUDO_RULES};
use super::trailers::allow_trailers;
use crate::config::{ConfirmOn, Policy};
use crate::escape::Escaped;
use crate::finding::{Decision, Finding, Waiver};
use crate::pipeline::Analysis;
use crate::severity::Severity;

/// A trailer that accepted findings in this push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub ref_name: String,
    pub commit: Oid,
    pub rule: String,
    pub reason: Escaped,
    /// How many findings it accepted.
    pub findings: usize,
}

/// How many findings of one ref the skip list removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub ref_name: String,
    /// The skipped rules that had findings there, in first-seen order.
    pub rules: Vec<String>,
    pub findings: usize,
}

/// Where a rule id that names no rule was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownSource {
    /// In `PUSHGUARD_SKIP`.
    SkipList,
    /// In a `Pushguard-Allow` trailer of this commit.
    Trailer(Oid),
}

/// A rule id that names no rule: reported, never silently ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule {
    pub source: UnknownSource,
    /// The id as given.
    pub id: Escaped,
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

/// The findings of an analysis after the bypasses, and what the push should do.
#[derive(Debug, Clone, Default)]
pub struct Judgement {
    /// One slot per finding of the analysis, in order: `None` while the finding is in force.
    pub waivers: Vec<Option<Waiver>>,
    /// Rule ids that name no rule, in the order met.
    pub unknown: Vec<UnknownRule>,
    /// Trailers that accepted something.
    pub accepted: Vec<Accepted>,
    /// The skip list in force.
    pub skip: SkipList,
    /// What the skip list removed, per ref (in first-seen order).
    pub skipped: Vec<Skipped>,
    /// Every id a bypass may name: the configured rules, then the pseudo-rules.
    pub known: Vec<String>,
    /// What the findings still in force call for, before any prompt.
    pub decision: Decision,
    /// Whether, under the policy, someone must confirm the push.
    pub ask: Option<Ask>,
}

impl Judgement {
    /// Applies `skip` and (with `trailers`) the `Pushguard-Allow` trailers of the pushed
    /// commits to the findings of `analysis`, then `policy`'s confirmation threshold.
    pub fn new(
        analysis: &Analysis,
        skip: SkipList,
        known: &[&str],
        policy: &Policy,
        trailers: bool,
    ) -> Judgement {
        let mut j = Judgement {
            waivers: vec![None; analysis.findings.len()],
            known: known
                .iter()
                .chain(PSEUDO_RULES)
                .map(|s| (*s).to_owned())
                .collect(),
            ..Judgement::default()
        };
        for id in &skip.unknown {
            j.unknown.push(UnknownRule {
                source: UnknownSource::SkipList,
                id: id.into(),
            });
        }
        if trailers {
            j.accept_trailers(analysis, known);
        }
        j.apply_skip(analysis, &skip);
        j.skip = skip;
        j.decision = Decision::of_severities(j.open(analysis).map(|f| f.severity));
        j.ask = j.confirmation(analysis, policy);
        j
    }

    /// One judgement of the judgements of parts of one analysis, in the order the parts'
    /// findings were merged ([`Analysis::merge`]): what is in force in any part is in force.
    pub fn merge(parts: Vec<Judgement>) -> Judgement {
        let mut parts = parts.into_iter();
        let Some(mut whole) = parts.next() else {
            return Judgement::default();
        };
        for part in parts {
            whole.waivers.extend(part.waivers);
            whole.unknown.extend(part.unknown);
            whole.accepted.extend(part.accepted);
            whole.skipped.extend(part.skipped);
            whole.decision = whole.decision.max(part.decision);
            whole.ask = match (whole.ask, part.ask) {
                (Some(a), Some(b)) if b.severity > a.severity => Some(b),
                (Some(a), _) => Some(a),
                (None, b) => b,
            };
        }
        whole
    }

    /// Trailers, per pushed commit (a commit pushed to two refs is read once per ref: its
    /// findings are per ref too).
    fn accept_trailers(&mut self, analysis: &Analysis, known: &[&str]) {
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
                            self.unknown.push(UnknownRule {
                                source: UnknownSource::Trailer(commit.info.id),
                                id: Escaped::new(&t.rule),
                            });
                        }
                        continue;
                    }
                    let reason = Escaped::new(&t.reason);
                    let mut n = 0;
                    for (i, f) in analysis.findings.iter().enumerate() {
                        let hit = f.rule == t.rule
                            && f.commit == Some(commit.info.id)
                            && f.ref_name == ref_name;
                        if hit {
                            if let Some(slot @ None) = self.waivers.get_mut(i) {
                                *slot = Some(Waiver::Accepted {
                                    reason: reason.clone(),
                                });
                                n += 1;
                            }
                        }
                    }
                    if n > 0 {
                        self.accepted.push(Accepted {
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
    }

    /// The skip list wins over trailers: a skipped rule is as if it had not run.
    fn apply_skip(&mut self, analysis: &Analysis, skip: &SkipList) {
        for (i, f) in analysis.findings.iter().enumerate() {
            if !skip.rules.contains(&f.rule) {
                continue;
            }
            if let Some(slot) = self.waivers.get_mut(i) {
                *slot = Some(Waiver::Skipped);
            }
            match self.skipped.iter_mut().find(|s| s.ref_name == f.ref_name) {
                Some(s) => {
                    if !s.rules.contains(&f.rule) {
                        s.rules.push(f.rule.clone());
                    }
                    s.findings += 1;
                }
                None => self.skipped.push(Skipped {
                    ref_name: f.ref_name.clone(),
                    rules: vec![f.rule.clone()],
                    findings: 1,
                }),
            }
        }
        // Trailers whose findings were all skipped did not let anything through.
        for a in &mut self.accepted {
            a.findings = analysis
                .findings
                .iter()
                .zip(&self.waivers)
                .filter(|(f, w)| {
                    f.rule == a.rule
                        && f.commit == Some(a.commit)
                        && f.ref_name == a.ref_name
                        && matches!(w, Some(Waiver::Accepted { .. }))
                })
                .count();
        }
        self.accepted.retain(|a| a.findings > 0);
    }

    /// Whether the open findings call for confirmation under `policy`: any `block`
    /// finding, or any `warn` finding when `confirm = "warn"`.
    fn confirmation(&self, analysis: &Analysis, policy: &Policy) -> Option<Ask> {
        let threshold = match policy.confirm {
            ConfirmOn::Block => Severity::Block,
            ConfirmOn::Warn => Severity::Warn,
        };
        let asking: Vec<&Finding> = self
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
        Some(Ask {
            severity,
            all_in_commits: asking.iter().all(|f| f.commit.is_some()),
            rules,
            commits,
        })
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

    /// The findings a report shows, each with its waiver. Waived ones (accepted by a
    /// trailer, skipped by `PUSHGUARD_SKIP`) are shown, as waived, only when
    /// `with_accepted`: the pre-push hook shows what it let through and why; `check` and
    /// the server report what is in force.
    pub fn shown<'a>(
        &'a self,
        analysis: &'a Analysis,
        with_accepted: bool,
    ) -> Vec<(&'a Finding, Option<&'a Waiver>)> {
        analysis
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| (f, self.waivers.get(i).and_then(Option::as_ref)))
            .filter(|(_, w)| match w {
                None => true,
                Some(Waiver::Accepted { .. } | Waiver::Skipped) => with_accepted,
            })
            .collect()
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
        for s in &self.skipped {
            out.push(Entry::new(
                time,
                &analysis.remote,
                &s.ref_name,
                s.rules.clone(),
                How::Skip,
                &reason,
                tip(analysis, &s.ref_name),
            ));
        }
        out
    }

    /// Audit entries for a confirmed push (`how` is [`How::Prompt`] or [`How::Policy`]):
    /// one per ref whose open findings called for confirmation.
    pub fn confirm_entries(
        &self,
        analysis: &Analysis,
        ask: &Ask,
        how: How,
        reason: &str,
        time: i64,
    ) -> Vec<Entry> {
        let mut per_ref: Vec<(String, Vec<String>)> = Vec::new();
        for f in self.open(analysis) {
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
