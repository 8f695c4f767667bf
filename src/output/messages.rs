//! The words around a decision: warnings about unknown rule ids, the notices of the
//! bypasses used, the confirm question, and what a stopped push prints.
//!
//! Every function here renders data from [`crate::decide`]; none decides anything.

use std::fmt;

use super::report::{plural, width, wrap};
use super::short_id;
use crate::build::verdict::Verdict;
use crate::decide::{Ask, Judgement, NoTerminal, UnknownSource, ALLOW_TRAILER};
use crate::pipeline::Analysis;
use crate::tier::BuildTier;

/// `pushguard: warning: <what> unknown rule `x`; known rules: a, b, c`, wrapped.
fn unknown_rule_warning(what: &str, id: &str, known: &[String]) -> String {
    let text = format!(
        "pushguard: warning: {what} unknown rule `{id}`; known rules: {}",
        known.join(", ")
    );
    wrap(&text, "", "  ", width())
}

/// One warning per rule id that names no rule, ready to print.
pub fn warnings(judgement: &Judgement) -> Vec<String> {
    judgement
        .unknown
        .iter()
        .map(|u| {
            let what = match u.source {
                UnknownSource::SkipList => "PUSHGUARD_SKIP names".to_owned(),
                UnknownSource::Trailer(commit) => format!(
                    "commit {} has a {ALLOW_TRAILER} trailer naming",
                    short_id(&commit)
                ),
            };
            unknown_rule_warning(&what, &u.id, &judgement.known)
        })
        .collect()
}

/// The one-line notices of the bypasses used, ready to print.
pub fn notices(judgement: &Judgement) -> Vec<String> {
    let mut lines = Vec::new();
    if !judgement.skip.rules.is_empty() {
        let n: usize = judgement.skipped.iter().map(|s| s.findings).sum();
        lines.push(format!(
            "pushguard: PUSHGUARD_SKIP: not checking {} for this push ({} skipped)",
            judgement.skip.rules.join(", "),
            plural(n, "finding", "findings")
        ));
    }
    for a in &judgement.accepted {
        lines.push(format!(
            "pushguard: {ALLOW_TRAILER}: {} accepted in commit {} ({})",
            a.rule,
            short_id(&a.commit),
            plural(a.findings, "finding", "findings")
        ));
    }
    lines
}

/// The confirm question, without ` [y/N]`. It says what yes costs: the most expensive
/// deploy of the push, or (when nothing deploys) what is being overridden.
pub fn question(analysis: &Analysis, ask: &Ask) -> String {
    let deploy = analysis
        .refs
        .iter()
        .filter(|r| r.deploys)
        .filter_map(|r| r.verdict.as_ref())
        .max_by_key(|v| (v.tier, v.times.build_seconds));
    deploy_question(deploy, &ask.rules)
}

fn deploy_question(deploy: Option<&Verdict>, rules: &[String]) -> String {
    match deploy {
        Some(v) if v.unconfigured => "Push anyway and deploy?".to_owned(),
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

impl fmt::Display for NoTerminal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoTerminal::Flag => f.write_str("--no-input was given"),
            NoTerminal::Ci => f.write_str("CI is set"),
            NoTerminal::NoTty(e) => write!(f, "no terminal: {e}"),
        }
    }
}

/// The lines printed when a push is stopped: exactly how to get it through, narrowest
/// bypass first. Commands are never wrapped (they are meant to be copied).
pub fn how_to_proceed(ask: &Ask) -> String {
    let mut out = String::from("  To push anyway, push again after one of:\n");
    if ask.all_in_commits && !ask.commits.is_empty() {
        let ids: Vec<String> = ask.commits.iter().take(4).map(short_id).collect();
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
            width(),
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
    out.push_str(SKIP_EVERY_HOOK);
    out.push_str("  All but the last are recorded in the audit log (`pushguard log`).\n");
    out
}

/// Where `pushguard check` ran when it blocks: its stop says how to proceed there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckContext {
    /// pre-commit's pre-push stage (`PRE_COMMIT_TO_REF` set): `check` is the push's hook.
    PreCommit,
    /// A CI job (`CI` set): the commits are pushed already.
    Ci,
    /// A coding assistant's shell (its markers set, no CI).
    Agent,
    /// By hand: a preview of what the hook will do.
    Preview,
}

/// The lines `check` prints after its report when it blocks: how to proceed where it ran.
/// `rules` are the blocking rules, `commits` the commits holding their findings.
pub fn check_stop(context: CheckContext, rules: &[String], commits: &[git2::Oid]) -> String {
    let rules_list = rules.join(",");
    let first = rules.first().map_or("<rule>", String::as_str);
    let which = match commits {
        [] => "the commit".to_owned(),
        [one] => format!("commit {}", short_id(one)),
        many => format!(
            "commits {}",
            many.iter()
                .take(4)
                .map(short_id)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let trailer = format!("{ALLOW_TRAILER}: {first} <reason>");
    match context {
        CheckContext::PreCommit => format!(
            "pushguard: push stopped by pre-commit's `pushguard` hook.\n  To push anyway, push \
             again after one of:\n    - end the message of {which} with `{trailer}`\n      (git \
             commit --amend; for an older commit, git rebase -i)\n    - skip the rules:   \
             PUSHGUARD_SKIP={rules_list} git push\n    - skip pushguard:   PUSHGUARD=0 git push\n    \
             - skip the hook:    SKIP=pushguard git push  (pre-commit's switch)\n{SKIP_EVERY_HOOK}  \
             The first three are recorded in the audit log (`pushguard log`); the last two leave \
             no trace.\n"
        ),
        CheckContext::Ci => paragraphs(&format!(
            "pushguard: check failed: {rules_list} at block severity.\n  These commits are pushed \
             already, so the fix is a new push: rewrite {which} without the finding, or end its \
             message with `{trailer}` when it is intended (a person's decision, reviewed with \
             the change), or lower the rule in pushguard.toml (`[rules.{first}] severity = \
             \"warn\"`).\n"
        )),
        CheckContext::Agent => paragraphs(&format!(
            "pushguard: these commits would be stopped when pushed ({rules_list}). Fix them before \
             pushing: the findings above say what each one is and what to do instead (drop a \
             commit that only forces a deploy and push the real change). Overriding the check \
             is a person's decision. {PERSON_DECIDES}\n"
        )),
        CheckContext::Preview => paragraphs(&format!(
            "pushguard: `git push` would stop here ({rules_list}); at a terminal it asks first.\n  \
             To let it through: end the message of {which} with `{trailer}`, or push with \
             PUSHGUARD_SKIP={rules_list} (both recorded in `pushguard log`).\n"
        )),
    }
}

/// Each line of `text` wrapped at the layout width, continuation lines indented two more
/// than the line.
fn paragraphs(text: &str) -> String {
    text.lines()
        .map(|line| {
            let body = line.trim_start();
            let indent = &line[..line.len() - body.len()];
            wrap(body, indent, &format!("{indent}  "), width())
        })
        .collect()
}

/// The last way around a stop: git's own, which pushguard never sees.
const SKIP_EVERY_HOOK: &str = "    - skip every hook:  git push --no-verify  (leaves no trace)\n";

/// What an agent is told after what to do instead: a person decides.
const PERSON_DECIDES: &str = "Do not retry the push or look for a way around this check.";

/// The lines after the error of a pushguard.toml that cannot be read, which stops the push:
/// that its changes are not committed when they are not (pushguard reads the working
/// copy), then how to proceed, for a person or (`agent`) for a coding assistant.
pub fn unreadable_config(uncommitted: bool, agent: bool) -> String {
    let mut out = String::new();
    if uncommitted {
        out.push_str(
            "  pushguard.toml has changes that are not committed; pushguard reads the working\n  \
             copy, so those changes stop this push.\n",
        );
    }
    if agent {
        out.push_str(&wrap(
            &format!(
                "A coding assistant is pushing: show the user this error and let them fix \
                 pushguard.toml. {PERSON_DECIDES}"
            ),
            "  ",
            "  ",
            width(),
        ));
    } else {
        out.push_str(
            "  Fix pushguard.toml and push again. To push now anyway, push again after one of:\n\
             \x20   - skip pushguard:   PUSHGUARD=0 git push  (recorded in the audit log)\n",
        );
        out.push_str(SKIP_EVERY_HOOK);
    }
    out
}

/// The lines printed when a coding assistant's push is stopped (`[policy] agents`):
/// what to do instead first, then that overriding is a person's decision. The bypass
/// switches are not offered: an agent told how to skip a check skips it. `marker` is the
/// environment variable that marked the agent; `redeploys` are the platforms' own
/// redeploy commands from the findings' hints.
pub fn for_agent(ask: &Ask, marker: &str, redeploys: &[String]) -> String {
    let mut out = wrap(
        &format!(
            "pushguard: push stopped: a coding assistant is pushing ({marker} is set), and \
             pushguard found {} ({}).",
            if ask.severity >= crate::severity::Severity::Block {
                "problems that block it"
            } else {
                "problems to confirm"
            },
            ask.rules.join(", ")
        ),
        "",
        "  ",
        width(),
    );
    out.push_str("  What to do instead:\n");
    let mut item =
        |text: &str| out.push_str(&wrap(&format!("- {text}"), "    ", "      ", width()));
    item("do what each finding's `fix:` above says.");
    for way in redeploys {
        item(&format!("to deploy again without a new commit: {way}"));
    }
    item(
        "a commit made only to trigger a build or deploy: drop it (`git rebase -i` and delete \
         its line, or `git reset --soft` to the commit before it) and push the real change \
         alone.",
    );
    item(
        "a secret: take it out of every pushed commit, not only the newest, and have the \
         user rotate it.",
    );
    out.push_str(&wrap(
        &format!(
            "Pushing this anyway is a person's decision: show the user these findings and let \
             them decide. {PERSON_DECIDES}"
        ),
        "  ",
        "  ",
        width(),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::severity::Severity;
    use git2::Oid;

    #[test]
    fn how_to_proceed_fits_80_columns() {
        let ask = Ask {
            severity: Severity::Block,
            rules: vec!["empty-commit".into(), "dockerfile-secret".into()],
            all_in_commits: true,
            commits: vec![Oid::ZERO_SHA1],
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

    #[test]
    fn an_agent_is_told_what_to_do_and_not_how_to_bypass() {
        let ask = Ask {
            severity: Severity::Block,
            rules: vec!["empty-commit".into()],
            all_in_commits: true,
            commits: vec![Oid::ZERO_SHA1],
        };
        let text = for_agent(&ask, "CLAUDECODE", &["fly app: fly deploy".to_owned()]);
        assert!(text.contains("CLAUDECODE is set"), "{text}");
        assert!(text.contains("fly deploy"), "{text}");
        assert!(text.contains("person's decision"), "{text}");
        for bypass in [
            "--no-verify",
            "PUSHGUARD=0",
            "PUSHGUARD_SKIP",
            "Pushguard-Allow",
        ] {
            assert!(!text.contains(bypass), "{text}");
        }
        let first = text.find("What to do instead").unwrap_or(usize::MAX);
        assert!(
            first < text.find("person's decision").unwrap_or(0),
            "{text}"
        );
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    }

    fn analysis_with(verdicts: &[(bool, BuildTier, u32)]) -> Analysis {
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
                targets: Vec::new(),
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

    fn ask_for(rules: &[String]) -> Ask {
        Ask {
            severity: Severity::Block,
            rules: rules.to_vec(),
            all_in_commits: false,
            commits: Vec::new(),
        }
    }

    #[test]
    fn the_question_names_the_most_expensive_deploy() {
        let question = |a: &Analysis, rules: &Vec<String>| question(a, &ask_for(rules));
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
        let known: Vec<String> = ["a", "b", "not-inspected", "app-build"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let w = unknown_rule_warning("PUSHGUARD_SKIP names", "nope", &known);
        assert_eq!(
            w,
            "pushguard: warning: PUSHGUARD_SKIP names unknown rule `nope`; known rules: a, b,\n  not-inspected, app-build\n"
        );
    }
}
