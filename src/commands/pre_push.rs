//! `pushguard hook pre-push`: the hook git runs before a push.

use std::io::{IsTerminal, Read};
use std::path::Path;

use anyhow::{Context, Result};
use git2::Repository;

use super::{load_config, open_repository, Outcome};
use crate::config::{Agents, Config};
use crate::decide::audit::{self, Entry, How};
use crate::decide::prompt::{Answer, Tty};
use crate::decide::{self, Ask, Environment, Judgement, NoTerminal, SkipList, Switch};
use crate::escape::escape;
use crate::git::infer::infer;
use crate::git::push::parse_stdin;
use crate::output::style::{ColorChoice, Paint, Style};
use crate::output::{messages, report, View};
use crate::pipeline::{analyze_prepared, prepare_push, Analysis};

/// How `pushguard hook pre-push` was asked to behave beyond what git passes.
#[derive(Debug, Clone, Copy, Default)]
pub struct HookOptions {
    /// `--no-input`: never ask at the terminal; apply `[policy] noninteractive`.
    pub no_input: bool,
    pub color: ColorChoice,
    /// `-q`: print only what blocks.
    pub quiet: bool,
    /// `-v`: the full report, whatever `[output] style` says.
    pub verbose: bool,
}

/// `pushguard hook pre-push <remote> <url>` with git's ref lines on stdin.
///
/// The order matters: `PUSHGUARD=0` is honoured before anything that could fail, the
/// report is printed before any question, and the audit log is written only for a push
/// that goes ahead (and never stops it).
pub fn pre_push(
    config: Option<&Path>,
    remote: &str,
    url: &str,
    options: HookOptions,
) -> Result<Outcome> {
    let env = Environment::from_process();
    let style = Style::for_stderr(options.color);
    crate::output::report::fit_terminal();
    let stdin = std::io::stdin();
    match env.switch() {
        Switch::Off => return pushguard_off(remote),
        Switch::Unrecognised(value) => eprintln!(
            "pushguard: warning: PUSHGUARD={value} is not understood (PUSHGUARD=0 turns \
             pushguard off for one push); checking as usual"
        ),
        Switch::On => {}
    }
    // A terminal on stdin (a hook manager's pseudo-terminal, or lefthook's `interactive:
    // true`) has no ref lines to read, and reading it would wait for the user.
    let mut input = Vec::new();
    if !stdin.is_terminal() {
        stdin
            .lock()
            .read_to_end(&mut input)
            .context("cannot read the ref lines git sent on stdin")?;
    }
    let opened = parse_stdin(&input)
        .map_err(anyhow::Error::from)
        .and_then(|updates| Ok((updates, open_repository()?)))
        .and_then(|(updates, repo)| {
            // git runs a pre-push hook only when there is something to push, so no ref
            // lines means something between git and pushguard did not pass them on.
            if !updates.is_empty() {
                return Ok((updates, repo));
            }
            let inferred = infer(&repo, remote).map_err(|e| no_ref_lines(&e))?;
            eprintln!(
                "pushguard: git's ref lines did not reach the hook (stdin {}); judging {}",
                if stdin.is_terminal() {
                    "is a terminal"
                } else {
                    "was empty"
                },
                inferred.basis
            );
            Ok((inferred.updates, repo))
        });
    let (updates, repo) = match opened {
        Ok(x) => x,
        Err(e) => {
            // No repository to read pushguard.toml from: an explicit or PUSHGUARD_CONFIG
            // file still decides, else the built-in policy.
            let policy =
                Config::load(config, None).map_or_else(|_| Config::builtin().policy, |c| c.policy);
            return Ok(internal_error(&policy, &e));
        }
    };
    // What needs no configuration comes first: a long range's `git log` then starts and
    // walks the range while the configuration loads.
    let prepared = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        prepare_push(&repo, remote, url, &updates)
    }));
    // A broken pushguard.toml stops the push (exit 2) until it is fixed: it is the user's
    // own configuration, and guessing what it meant would check the wrong things.
    let config = match load_config(&repo, config) {
        Ok(c) => c,
        Err(e) => return Err(with_config_hints(&repo, e)),
    };
    let failed = || anyhow::anyhow!("pushguard's analysis of this push failed (see above)");
    let Ok(prepared) = prepared else {
        return Ok(internal_error(&config.policy, &failed()));
    };
    let analysis = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        analyze_prepared(&repo, &config, prepared)
    })) {
        Ok(analysis) => analysis,
        Err(_) => return Ok(internal_error(&config.policy, &failed())),
    };
    let known = config.known_rule_ids();
    let skip = env
        .skip
        .as_deref()
        .map(|v| SkipList::parse(v, &known))
        .unwrap_or_default();
    let judgement = Judgement::new(&analysis, skip, &known, &config.policy, true);
    for w in messages::warnings(&judgement) {
        eprint!("{}", style.paint(Paint::Yellow, w.trim_end()));
        eprintln!();
    }
    let view = View::new(&analysis, &judgement, true);
    let full = report::text_with(&view, Style::PLAIN);
    if let Err(e) = crate::state::save_last_report(&repo, &full) {
        eprintln!("pushguard: note: `pushguard explain --last` will not show this push ({e:#})");
    }
    let report = if options.quiet {
        report::blocks_only(&view, style)
    } else if !full_report(options, &config) {
        report::compact(&view, style)
    } else if style.is_colored() {
        report::text_with(&view, style)
    } else {
        full.clone()
    };
    // About to ask at the terminal while stderr goes elsewhere (`git push 2>&1 | tee log`,
    // a GUI's pane): the report goes to the terminal with the question, once, and stderr
    // says where it went.
    let ask_here = judgement.ask.is_some() && !std::io::stderr().is_terminal();
    let tty_report = ask_here && nobody_to_ask(&env, options).is_none() && Tty::open().is_ok();
    if tty_report {
        eprintln!("pushguard: the report and the question are on the terminal (/dev/tty)");
    } else {
        eprint!("{report}");
        for line in messages::notices(&judgement) {
            eprintln!("{line}");
        }
    }
    let now = crate::state::now();
    let mut audit = judgement.audit_entries(&analysis, now);
    let outcome = match &judgement.ask {
        None => Outcome::Allow,
        Some(ask) => {
            let shown_at_tty = tty_report.then_some(report.as_str());
            let (outcome, entries) = confirm(
                &analysis,
                &judgement,
                ask,
                &config,
                &env,
                options,
                shown_at_tty,
                style,
            );
            audit.extend(entries);
            outcome
        }
    };
    if outcome == Outcome::Allow {
        write_audit(&repo, &audit);
        record_deploys(&repo, &analysis);
    } else if let Some(ask) = &judgement.ask {
        write_audit(&repo, &stopped_entries(&analysis, ask, now));
    }
    // The process exits next, which frees everything at once; dropping a long push's
    // analysis (every commit's file list, every blob read) would free it piece by piece,
    // about 2 ms on 3,000 commits, and the configuration and repository handle cost a
    // few percent of a one-commit push's time.
    std::mem::forget((analysis, config, repo));
    Ok(outcome)
}

/// Whether the hook prints the full report: `-v`, else `PUSHGUARD_OUTPUT`, else
/// `[output] style`.
fn full_report(options: HookOptions, config: &Config) -> bool {
    if options.verbose {
        return true;
    }
    match std::env::var("PUSHGUARD_OUTPUT").as_deref() {
        Ok("full") => true,
        Ok("compact") => false,
        Ok(other) if !other.is_empty() => {
            eprintln!(
                "pushguard: warning: PUSHGUARD_OUTPUT={} is not understood (full or compact); \
                 using [output] style",
                escape(other)
            );
            config.report_style == crate::config::ReportStyle::Full
        }
        _ => config.report_style == crate::config::ReportStyle::Full,
    }
}

/// Why nobody will be asked, before any terminal is tried: `--no-input`, or CI.
fn nobody_to_ask(env: &Environment, options: HookOptions) -> Option<NoTerminal> {
    if options.no_input {
        Some(NoTerminal::Flag)
    } else if env.ci() {
        Some(NoTerminal::Ci)
    } else {
        None
    }
}

/// A configuration that cannot be read stops the push: the error, then how to proceed, in
/// the hook's own terms. The file is read from the working tree, so a half-edited,
/// uncommitted pushguard.toml stops a push of commits that never touched it; it says so.
/// A coding assistant is told to leave the decision to a person instead.
fn with_config_hints(repo: &git2::Repository, e: anyhow::Error) -> anyhow::Error {
    let uncommitted = repo
        .status_file(std::path::Path::new("pushguard.toml"))
        .is_ok_and(|s| s.intersects(git2::Status::WT_MODIFIED | git2::Status::WT_NEW));
    // A coding assistant, as at the prompt: its markers set and no terminal to ask.
    let agent =
        Tty::open().is_err() && decide::agent_marker(&Config::builtin().policy.agent_env).is_some();
    let hints = messages::unreadable_config(uncommitted, agent);
    anyhow::anyhow!("{e:#}\n\n{}", hints.trim_end())
}

/// The ref lines did not arrive and what `git push` sends could not be worked out either.
fn no_ref_lines(e: &crate::git::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "git's ref lines did not reach `pushguard hook pre-push` (its stdin is a terminal or \
         empty), and what this push sends could not be worked out without them: {e}. If a hook \
         manager runs pushguard, have it pass git's stdin on (lefthook: `use_stdin: true`; \
         husky: run pushguard before anything in .husky/pre-push reads stdin); to check \
         commits by hand, use `pushguard check`."
    )
}

/// pushguard itself failed (not the user's config): `[policy] on_error` decides, loudly.
fn internal_error(policy: &crate::config::Policy, e: &anyhow::Error) -> Outcome {
    eprintln!("pushguard: error: {e:#}");
    match policy.on_error {
        crate::config::OnError::Allow => {
            eprintln!(
                "pushguard: WARNING: this push was NOT checked. [policy] on_error = \"allow\", \
                 so it goes ahead; set on_error = \"block\" in pushguard.toml to stop pushes \
                 when pushguard cannot check them."
            );
            Outcome::Allow
        }
        crate::config::OnError::Block => {
            eprintln!(
                "pushguard: push stopped: it could not be checked and [policy] on_error = \
                 \"block\". Fix the problem above, or push with `git push --no-verify` to skip \
                 pushguard."
            );
            Outcome::Block
        }
    }
}

/// Asks at the terminal, or applies `[policy] noninteractive` when nobody can be asked.
/// Returns the outcome and the audit entries of a push let through.
#[allow(clippy::too_many_arguments)]
fn confirm(
    analysis: &Analysis,
    judgement: &Judgement,
    ask: &Ask,
    config: &Config,
    env: &Environment,
    options: HookOptions,
    report: Option<&str>,
    style: Style,
) -> (Outcome, Vec<Entry>) {
    let now = crate::state::now();
    let tty = match nobody_to_ask(env, options) {
        Some(reason) => Err(reason),
        None => Tty::open().map_err(|e| NoTerminal::NoTty(tty_error(&e))),
    };
    let tty = match tty {
        Ok(tty) => tty,
        Err(reason) => return noninteractive(analysis, judgement, ask, config, &reason, style),
    };
    // The report did not go to stderr: the person answering sees it here.
    if let Some(report) = report {
        let _ = tty.write(report);
        for line in messages::notices(judgement) {
            let _ = tty.write(&format!("{line}\n"));
        }
    }
    match tty.confirm(&messages::question(analysis, ask)) {
        Ok(Answer::Yes) => {
            eprintln!(
                "{}",
                style.paint(
                    Paint::Bold,
                    "pushguard: pushing anyway (confirmed at the terminal; recorded in the audit log)"
                )
            );
            let entries = judgement.confirm_entries(
                analysis,
                ask,
                How::Prompt,
                "confirmed at the terminal",
                now,
            );
            (Outcome::Allow, entries)
        }
        Ok(Answer::No) => {
            stopped(
                "push stopped: you answered no; nothing was sent.",
                ask,
                style,
            );
            (Outcome::Block, Vec::new())
        }
        Ok(Answer::Cancelled(key)) => {
            let msg = format!("push cancelled ({}); nothing was sent.", key.name());
            stopped(&msg, ask, style);
            (Outcome::Block, Vec::new())
        }
        Err(e) => {
            let reason = NoTerminal::NoTty(format!("reading the answer failed: {}", tty_error(&e)));
            noninteractive(analysis, judgement, ask, config, &reason, style)
        }
    }
}

/// `/dev/tty: No such device or address`, without the `(os error 6)` noise.
fn tty_error(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" (os error ") {
        Some(i) => text.get(..i).unwrap_or(&text),
        None => &text,
    };
    format!("/dev/tty: {}", escape(text))
}

/// `[policy] noninteractive` applied, saying why nobody was asked.
fn noninteractive(
    analysis: &Analysis,
    judgement: &Judgement,
    ask: &Ask,
    config: &Config,
    reason: &NoTerminal,
    style: Style,
) -> (Outcome, Vec<Entry>) {
    // A coding assistant is told what to do instead, and under `agents = "block"` it is
    // stopped even where the policy would let a pusher without a terminal through.
    let agent = decide::pushing_agent(&config.policy);
    let agent_blocked = agent.is_some() && config.policy.agents == Agents::Block;
    if let (Some(marker), true) = (
        &agent,
        agent_blocked || !decide::noninteractive_allows(&config.policy),
    ) {
        let redeploys = redeploy_ways(analysis, judgement, ask);
        let text = messages::for_agent(ask, marker, &redeploys);
        eprint!("{}", style.paint(Paint::Red, text.trim_end()));
        eprintln!();
        return (Outcome::Block, Vec::new());
    }
    if decide::noninteractive_allows(&config.policy) {
        let why =
            format!("nobody can confirm here ({reason}), and [policy] noninteractive = \"allow\"");
        eprint!(
            "{}",
            report::wrap(
                &format!("pushguard: {why}: pushing anyway (recorded in the audit log)"),
                "",
                "  ",
                report::width()
            )
        );
        let entries =
            judgement.confirm_entries(analysis, ask, How::Policy, &why, crate::state::now());
        (Outcome::Allow, entries)
    } else {
        let msg = format!(
            "push stopped: nobody can confirm here ({reason}), and [policy] noninteractive = \"block\"."
        );
        stopped(&msg, ask, style);
        (Outcome::Block, Vec::new())
    }
}

/// The platforms' redeploy commands the asking findings' hints name ("Here: …"), once each.
fn redeploy_ways(analysis: &Analysis, judgement: &Judgement, ask: &Ask) -> Vec<String> {
    let mut ways: Vec<String> = Vec::new();
    for f in judgement
        .open(analysis)
        .filter(|f| ask.rules.contains(&f.rule))
    {
        let Some((_, here)) = f.hint.as_str().split_once("Here: ") else {
            continue;
        };
        for way in here.trim_end_matches('.').split("; ") {
            if !ways.iter().any(|w| w == way) {
                ways.push(way.to_owned());
            }
        }
    }
    ways.truncate(3);
    ways
}

fn stopped(message: &str, ask: &Ask, style: Style) {
    let head = report::wrap(&format!("pushguard: {message}"), "", "  ", report::width());
    eprintln!("{}", style.paint(Paint::Red, head.trim_end()));
    eprint!("{}", messages::how_to_proceed(ask));
}

/// `PUSHGUARD=0`: one line, one audit entry per ref, no analysis. Reading the ref lines is
/// not analysis: it names the refs for the log, and git expects its stdin to be drained.
fn pushguard_off(remote: &str) -> Result<Outcome> {
    eprintln!("pushguard: off for this push (PUSHGUARD=0): nothing was checked");
    let stdin = std::io::stdin();
    let mut input = Vec::new();
    if !stdin.is_terminal() {
        let _ = stdin.lock().read_to_end(&mut input);
    }
    let Ok(repo) = open_repository() else {
        eprintln!("pushguard: note: not in a git repository, so PUSHGUARD=0 was not recorded");
        return Ok(Outcome::Allow);
    };
    let now = crate::state::now();
    let entries: Vec<Entry> = parse_stdin(&input)
        .unwrap_or_default()
        .iter()
        .map(|raw| {
            let update = crate::git::push::RefUpdate::classify_unwalked(&repo, raw);
            Entry::new(
                now,
                remote,
                &update.short_remote_name(),
                Vec::new(),
                How::Off,
                "PUSHGUARD=0",
                update.local_oid.map(|o| o.to_string()),
            )
        })
        .collect();
    write_audit(&repo, &entries);
    Ok(Outcome::Allow)
}

/// Appends to the audit log; says so, and goes on, when it cannot.
pub(super) fn write_audit(repo: &Repository, entries: &[Entry]) {
    let path = audit::log_path(repo);
    if let Err(e) = audit::append(&path, entries) {
        eprintln!(
            "pushguard: note: could not write the audit log ({e:#}); the push goes on, unrecorded"
        );
    }
}

/// One `stopped` entry per ref that asked, with the build it would have started: what
/// `pushguard audit` counts as prevented when the commit never lands.
fn stopped_entries(analysis: &Analysis, ask: &crate::decide::Ask, now: i64) -> Vec<Entry> {
    analysis
        .refs
        .iter()
        .filter(|r| {
            let name = r.update.short_remote_name();
            judged_here(analysis, ask, &name)
        })
        .map(|r| {
            let mut entry = Entry::new(
                now,
                &analysis.remote,
                &r.update.short_remote_name(),
                ask.rules.clone(),
                How::Stopped,
                "the hook stopped the push",
                r.update.local_oid.map(|o| o.to_string()),
            );
            entry.build_seconds = r
                .verdict
                .as_ref()
                .filter(|v| r.deploys && !v.unconfigured)
                .map(|v| v.times.build_seconds);
            entry
        })
        .collect()
}

/// Whether a finding the question is about belongs to the ref `name`.
fn judged_here(analysis: &Analysis, ask: &crate::decide::Ask, name: &str) -> bool {
    analysis
        .findings
        .iter()
        .any(|f| f.ref_name == name && ask.rules.iter().any(|r| *r == *f.rule))
}

/// Remembers this push's deploys for `frequent-deploys`. Never fails the push.
fn record_deploys(repo: &Repository, analysis: &Analysis) {
    let now = crate::state::now();
    for r in &analysis.refs {
        let sends_commits = r.changes().is_some_and(|c| !c.commits.is_empty());
        if r.deploys && sends_commits {
            let branch = r.update.short_remote_name();
            if let Err(e) = crate::state::record_deploy(
                repo,
                &analysis.remote,
                &branch,
                now,
                r.update.local_oid,
            ) {
                eprintln!("pushguard: note: could not record this deploy push ({e:#}); `frequent-deploys` will not see it");
            }
        }
    }
}
