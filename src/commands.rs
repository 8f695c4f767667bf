//! The subcommands, each a function from its arguments to an [`Outcome`]. `main.rs` maps
//! outcomes and errors to exit codes (0 allow, 1 block, 2 usage or config error).

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use git2::Repository;

use crate::audit::{self, Entry, How};
use crate::config::Config;
use crate::decide::{self, Environment, NoTerminal, SkipList, Switch};
use crate::escape::escape;
use crate::finding::Decision;
use crate::pipeline::{analyze_prepared, analyze_range, prepare_push, Analysis};
use crate::prompt::{Answer, Tty};
use crate::push::parse_stdin;
use crate::range::{default_range, parse_range_args};
use crate::report;
use crate::style::{ColorChoice, Paint, Style};

/// What the process should tell git.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    Block,
}

/// Output format of `check` and the hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The report for people ([`report::text`]).
    Text,
    /// The JSON document of docs/json.md ([`report::json`]).
    Json,
    /// A SARIF 2.1.0 log ([`crate::sarif`]).
    Sarif,
    /// GitHub Actions workflow commands, then the text report; plus a job summary when
    /// `$GITHUB_STEP_SUMMARY` is set ([`crate::github`]).
    Github,
}

/// Writes `analysis` (made under `config`) to `out` in `format`.
///
/// Errors are write errors (a closed pipe): the caller turns them into exit code 2 rather
/// than a panic, which is what `print!` would do.
pub fn render(
    analysis: &Analysis,
    config: &Config,
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Text => out.write_all(report::text(analysis).as_bytes())?,
        Format::Json => {
            let doc = serde_json::to_string_pretty(&report::json(analysis))?;
            writeln!(out, "{doc}")?;
        }
        Format::Sarif => {
            let doc = serde_json::to_string_pretty(&crate::sarif::sarif(analysis, config))?;
            writeln!(out, "{doc}")?;
        }
        Format::Github => {
            out.write_all(crate::github::annotations(analysis).as_bytes())?;
            out.write_all(report::text(analysis).as_bytes())?;
            // A summary that cannot be written must not change the verdict.
            if let Err(e) = crate::github::append_job_summary(analysis) {
                eprintln!("pushguard: note: no job summary written: {e:#}");
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Opens the repository the way git describes it to a hook: `GIT_DIR`, `GIT_WORK_TREE` and
/// friends when set (git sets `GIT_DIR` for hooks run with `--git-dir`), else discovery from
/// the current directory (which git sets to the worktree root for pre-push).
pub fn open_repository() -> Result<Repository> {
    Repository::open_from_env().context(
        "not inside a git repository (and GIT_DIR does not name one); run pushguard from a \
         repository, or as the pre-push hook installed by install.sh",
    )
}

fn load_config(repo: &Repository, explicit: Option<&Path>) -> Result<Config> {
    Config::load(explicit, repo.workdir())
}

/// How `pushguard hook pre-push` was asked to behave beyond what git passes.
#[derive(Debug, Clone, Copy, Default)]
pub struct HookOptions {
    /// `--no-input`: never ask at the terminal; apply `[policy] noninteractive`.
    pub no_input: bool,
    pub color: ColorChoice,
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
    let stdin = std::io::stdin();
    match env.switch() {
        Switch::Off => return pushguard_off(remote),
        Switch::Unrecognised(value) => eprintln!(
            "pushguard: warning: PUSHGUARD={value} is not understood (PUSHGUARD=0 turns \
             pushguard off for one push); checking as usual"
        ),
        Switch::On => {}
    }
    if stdin.is_terminal() {
        bail!(
            "`pushguard hook pre-push` reads the ref lines git writes to a pre-push hook's \
             stdin, and stdin is a terminal. Let git run it (install it with ./install.sh), or \
             use `pushguard check` to check commits by hand."
        );
    }
    let mut input = Vec::new();
    stdin
        .lock()
        .read_to_end(&mut input)
        .context("cannot read the ref lines git sent on stdin")?;
    let opened = parse_stdin(&input).and_then(|updates| Ok((updates, open_repository()?)));
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
    let config = load_config(&repo, config)?;
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
    let review = decide::review(&analysis, skip, &known);
    for w in &review.warnings {
        eprint!("{}", style.paint(Paint::Yellow, w.trim_end()));
        eprintln!();
    }
    let report = report::text_with(&analysis, &review.waivers, style);
    eprint!("{report}");
    for line in review.notices() {
        eprintln!("{line}");
    }
    let now = crate::state::now();
    let mut audit = review.audit_entries(&analysis, now);
    let outcome = match decide::confirmation(&analysis, &review, &config.policy) {
        None => Outcome::Allow,
        Some(ask) => {
            let (outcome, entries) = confirm(
                &analysis, &review, &ask, &config, &env, options, &report, style,
            );
            audit.extend(entries);
            outcome
        }
    };
    if outcome == Outcome::Allow {
        write_audit(&repo, &audit);
        record_deploys(&repo, &analysis);
    }
    // The process exits next, which frees everything at once; dropping a long push's
    // analysis (every commit's file list, every blob read) would free it piece by piece,
    // about 2 ms on 3,000 commits, and the configuration and repository handle cost a
    // few percent of a one-commit push's time.
    std::mem::forget((analysis, config, repo));
    Ok(outcome)
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
    review: &decide::Review,
    ask: &decide::Ask,
    config: &Config,
    env: &Environment,
    options: HookOptions,
    report: &str,
    style: Style,
) -> (Outcome, Vec<Entry>) {
    let now = crate::state::now();
    let no_terminal = if options.no_input {
        Some(NoTerminal::Flag)
    } else if env.ci() {
        Some(NoTerminal::Ci)
    } else {
        None
    };
    let tty = match no_terminal {
        Some(reason) => Err(reason),
        None => Tty::open().map_err(|e| NoTerminal::NoTty(tty_error(&e))),
    };
    let tty = match tty {
        Ok(tty) => tty,
        Err(reason) => return noninteractive(analysis, review, ask, config, &reason, style),
    };
    // The report went to stderr; when that is not this terminal (`git push 2>log`), the
    // person answering must still see what they are answering about.
    if !std::io::stderr().is_terminal() {
        let _ = tty.write(report);
    }
    match tty.confirm(&ask.question) {
        Ok(Answer::Yes) => {
            eprintln!(
                "{}",
                style.paint(
                    Paint::Bold,
                    "pushguard: pushing anyway (confirmed at the terminal; recorded in the audit log)"
                )
            );
            let entries = decide::confirm_entries(
                analysis,
                review,
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
            noninteractive(analysis, review, ask, config, &reason, style)
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
    review: &decide::Review,
    ask: &decide::Ask,
    config: &Config,
    reason: &NoTerminal,
    style: Style,
) -> (Outcome, Vec<Entry>) {
    if decide::noninteractive_allows(&config.policy) {
        let why =
            format!("nobody can confirm here ({reason}), and [policy] noninteractive = \"allow\"");
        eprint!(
            "{}",
            report::wrap(
                &format!("pushguard: {why}: pushing anyway (recorded in the audit log)"),
                "",
                "  ",
                report::WIDTH
            )
        );
        let entries = decide::confirm_entries(
            analysis,
            review,
            ask,
            How::Policy,
            &why,
            crate::state::now(),
        );
        (Outcome::Allow, entries)
    } else {
        let msg = format!(
            "push stopped: nobody can confirm here ({reason}), and [policy] noninteractive = \"block\"."
        );
        stopped(&msg, ask, style);
        (Outcome::Block, Vec::new())
    }
}

fn stopped(message: &str, ask: &decide::Ask, style: Style) {
    let head = report::wrap(&format!("pushguard: {message}"), "", "  ", report::WIDTH);
    eprintln!("{}", style.paint(Paint::Red, head.trim_end()));
    eprint!("{}", decide::how_to_proceed(ask));
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
            let update = crate::push::RefUpdate::classify_unwalked(&repo, raw);
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
fn write_audit(repo: &Repository, entries: &[Entry]) {
    let path = audit::log_path(repo);
    if let Err(e) = audit::append(&path, entries) {
        eprintln!(
            "pushguard: note: could not write the audit log ({e:#}); the push goes on, unrecorded"
        );
    }
}

/// `pushguard log`: the overrides recorded in this clone.
pub fn log(format: Format) -> Result<Outcome> {
    let repo = open_repository()?;
    let path = audit::log_path(&repo);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if format == Format::Text {
                println!("no overrides recorded ({} does not exist)", path.display());
            }
            return Ok(Outcome::Allow);
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    match format {
        // The lines as stored; escaped in case the file was edited by hand (pushguard's
        // own lines contain nothing to escape, so they come out byte for byte).
        Format::Json | Format::Sarif | Format::Github => {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                println!("{}", escape(line));
            }
        }
        Format::Text => print!("{}", audit::table(&audit::parse(&text))),
    }
    Ok(Outcome::Allow)
}

/// Remembers this push's deploys for `frequent-deploys`. Never fails the push.
fn record_deploys(repo: &Repository, analysis: &Analysis) {
    let now = crate::state::now();
    for r in &analysis.refs {
        let sends_commits = r.changes().is_some_and(|c| !c.commits.is_empty());
        if r.deploys && sends_commits {
            let branch = r.update.short_remote_name();
            if let Err(e) = crate::state::record_deploy(repo, &analysis.remote, &branch, now) {
                eprintln!("pushguard: note: could not record this deploy push ({e:#}); `frequent-deploys` will not see it");
            }
        }
    }
}

/// The environment variables pre-commit sets for a `pre-push` stage hook: the commits
/// being pushed are `FROM..TO`, to the remote ref `REMOTE_BRANCH`.
const PRE_COMMIT_FROM_REF: &str = "PRE_COMMIT_FROM_REF";
const PRE_COMMIT_TO_REF: &str = "PRE_COMMIT_TO_REF";
const PRE_COMMIT_REMOTE_BRANCH: &str = "PRE_COMMIT_REMOTE_BRANCH";

/// The commits `pushguard check` was asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckRange {
    /// RANGE arguments in git revision syntax.
    Revisions(Vec<String>),
    /// `--base X [--head Y]`: the commits of `Y` (default `HEAD`) not in `X`.
    BaseHead { base: String, head: Option<String> },
    /// `--head Y` alone: `Y`'s commits not on any remote.
    Head(String),
    /// Nothing given: pre-commit's `PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF` when both are
    /// set, else `@{upstream}..HEAD`, else HEAD's commits not on any remote.
    Default,
}

impl CheckRange {
    /// From the command line: RANGE arguments, `--base`, `--head`. Giving RANGE together
    /// with `--base`/`--head` is a usage error.
    pub fn from_args(
        range: Vec<String>,
        base: Option<String>,
        head: Option<String>,
    ) -> Result<CheckRange> {
        match (range.is_empty(), base, head) {
            (false, None, None) => Ok(CheckRange::Revisions(range)),
            (false, _, _) => bail!(
                "give the commits either as RANGE or with --base/--head, not both \
                 (`--base X --head Y` means `X..Y`)"
            ),
            (true, Some(base), head) => Ok(CheckRange::BaseHead { base, head }),
            (true, None, Some(head)) => Ok(CheckRange::Head(head)),
            (true, None, None) => Ok(CheckRange::Default),
        }
    }
}

/// Whether `rev` is git's all-zero object id (a ref that does not exist yet).
fn is_null_oid(rev: &str) -> bool {
    matches!(rev.len(), 40 | 64) && rev.bytes().all(|b| b == b'0')
}

/// The revisions `check` hands to [`parse_range_args`].
struct Revisions {
    /// How the range is shown (`local_ref` in reports).
    label: String,
    args: Vec<String>,
    /// The remote ref pre-commit says the commits are pushed to.
    pushed_to: Option<String>,
}

impl Revisions {
    fn plain(label: String, args: Vec<String>) -> Revisions {
        Revisions {
            label,
            args,
            pushed_to: None,
        }
    }
}

/// The revisions of `range`; `None` for the default range.
fn check_revisions(range: &CheckRange) -> Result<Option<Revisions>> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match range {
        CheckRange::Revisions(args) => Ok(Some(Revisions::plain(args.join(" "), args.clone()))),
        CheckRange::BaseHead { base, head } => {
            let head = head.as_deref().unwrap_or("HEAD");
            if is_null_oid(base) {
                bail!(
                    "--base is the all-zero id, which is what CI reports for a branch that is \
                     new on the remote: there is no old commit to compare with. Pass the \
                     branch it was created from instead (for example `--base origin/main`)"
                );
            }
            // `^X Y` rather than `X..Y`: revisions containing `..` stay unambiguous.
            Ok(Some(Revisions::plain(
                format!("{base}..{head}"),
                vec![format!("^{base}"), head.to_owned()],
            )))
        }
        CheckRange::Head(head) => Ok(Some(Revisions::plain(head.clone(), vec![head.clone()]))),
        CheckRange::Default => {
            let (Some(from), Some(to)) = (env(PRE_COMMIT_FROM_REF), env(PRE_COMMIT_TO_REF)) else {
                return Ok(None);
            };
            let args = if is_null_oid(&from) {
                vec![to.clone()]
            } else {
                vec![format!("^{from}"), to.clone()]
            };
            Ok(Some(Revisions {
                label: format!("{from}..{to}"),
                args,
                pushed_to: env(PRE_COMMIT_REMOTE_BRANCH),
            }))
        }
    }
}

/// `pushguard check`: inspects commits as if pushed to `to_ref` (default: the remote
/// branch pre-commit names, else the first deploy branch) and writes the report to
/// stdout. Never prompts; the outcome maps to the hook's exit codes.
pub fn check(
    config: Option<&Path>,
    format: Format,
    to_ref: Option<&str>,
    range: &CheckRange,
) -> Result<Outcome> {
    let repo = open_repository()?;
    let config = load_config(&repo, config)?;
    let (label, commits, pushed_to) = match check_revisions(range)? {
        Some(r) => (r.label, parse_range_args(&repo, &r.args)?, r.pushed_to),
        None => {
            let (label, commits) = default_range(&repo)?;
            (label, commits, None)
        }
    };
    let to_ref = match to_ref.map(str::to_owned).or(pushed_to) {
        Some(r) => r.strip_prefix("refs/heads/").unwrap_or(&r).to_owned(),
        None => config
            .deploy_branches
            .first()
            .cloned()
            .unwrap_or_else(|| "main".to_owned()),
    };
    let analysis = analyze_range(&repo, &config, &label, commits, &to_ref);
    let skip = Environment::from_process().skip;
    let analysis = apply_bypasses(&analysis, &config, skip.as_deref(), true);
    render(&analysis, &config, format, &mut std::io::stdout().lock())?;
    Ok(decide(&analysis))
}

/// The bypasses that hold outside a pre-push hook too: `Pushguard-Allow` trailers in the
/// commits and (for `check`) `PUSHGUARD_SKIP`. Notices and unknown-id warnings go to
/// stderr when `tell` is set (not where stderr carries a JSON or SARIF document).
fn apply_bypasses(
    analysis: &Analysis,
    config: &Config,
    skip: Option<&std::ffi::OsStr>,
    tell: bool,
) -> Analysis {
    let known = config.known_rule_ids();
    let skip = skip.map(|v| SkipList::parse(v, &known)).unwrap_or_default();
    let review = decide::review(analysis, skip, &known);
    if tell {
        for line in review.warnings.iter().chain(&review.notices()) {
            eprintln!("{}", line.trim_end());
        }
    }
    review.without_waived(analysis)
}

fn decide(analysis: &Analysis) -> Outcome {
    match analysis.decision() {
        Decision::Block => Outcome::Block,
        Decision::Allow | Decision::Warn => Outcome::Allow,
    }
}

/// `pushguard config`: the effective configuration as TOML.
pub fn print_config(config: Option<&Path>) -> Result<Outcome> {
    let cfg = match open_repository() {
        Ok(repo) => load_config(&repo, config)?,
        Err(_) => Config::load(config, None)?,
    };
    print!("{}", cfg.to_toml());
    Ok(Outcome::Allow)
}

/// `pushguard init`: writes the starter pushguard.toml at the worktree root.
pub fn init(force: bool) -> Result<Outcome> {
    let repo = open_repository()?;
    let Some(root) = repo.workdir() else {
        bail!("this is a bare repository: there is no working tree to put pushguard.toml in");
    };
    let path = root.join("pushguard.toml");
    if path.exists() && !force {
        bail!(
            "{} already exists; edit it, or run `pushguard init --force` to overwrite it",
            path.display()
        );
    }
    std::fs::write(&path, crate::config::STARTER_TOML)
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(Outcome::Allow)
}

/// `pushguard hook pre-receive`: run by the receiving (usually bare) repository with
/// `<old> <new> <ref>` lines on stdin. The report goes to stderr in `format`, which git
/// relays to the pusher as `remote:` lines; exit 1 rejects the whole push.
pub fn pre_receive(config: Option<&Path>, format: Format) -> Result<Outcome> {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut input)
        .context("cannot read the ref lines git sent on stdin")?;
    let updates = crate::push::parse_receive_stdin(&input)?;
    let repo = open_repository()?;
    let config = match config {
        Some(_) => Config::load(config, None)?,
        None => match std::env::var_os("PUSHGUARD_CONFIG") {
            Some(_) => Config::load(None, None)?,
            None => config_at_pushed_commit(&repo, &updates)?,
        },
    };
    let analysis = crate::pipeline::analyze_receive(&repo, &config, &updates);
    // The pusher's environment does not reach the server: only trailers apply here.
    let tell = matches!(format, Format::Text | Format::Github);
    let analysis = apply_bypasses(&analysis, &config, None, tell);
    // The verdict must not depend on whether the pusher can still be told about it.
    let _ = render(&analysis, &config, format, &mut std::io::stderr().lock());
    let outcome = decide(&analysis);
    // Only after reports meant for people: it would corrupt a JSON or SARIF document.
    if outcome == Outcome::Block && matches!(format, Format::Text | Format::Github) {
        eprintln!("pushguard: push rejected by the server's pre-receive hook");
    }
    Ok(outcome)
}

/// The `pushguard.toml` of the pushed commit: of the first update to a deploy branch, else
/// of the first update; the built-in default when that commit has none.
fn config_at_pushed_commit(
    repo: &Repository,
    updates: &[crate::push::RawUpdate],
) -> Result<Config> {
    let builtin = Config::builtin();
    let pick = updates
        .iter()
        .filter(|u| u.local_oid.is_some())
        .find(|u| {
            u.remote_ref
                .strip_prefix(b"refs/heads/")
                .and_then(|b| std::str::from_utf8(b).ok())
                .is_some_and(|b| builtin.is_deploy_branch(b))
        })
        .or_else(|| updates.iter().find(|u| u.local_oid.is_some()));
    let Some(oid) = pick.and_then(|u| u.local_oid) else {
        return Ok(builtin);
    };
    let Ok(commit) = repo.find_object(oid, None).and_then(|o| o.peel_to_commit()) else {
        return Ok(builtin);
    };
    let Ok(entry) = commit
        .tree()
        .and_then(|t| t.get_path(Path::new("pushguard.toml")))
    else {
        return Ok(builtin);
    };
    let blob = repo
        .find_blob(entry.id())
        .with_context(|| format!("cannot read pushguard.toml of commit {oid}"))?;
    let text = std::str::from_utf8(blob.content()).with_context(|| {
        format!("pushguard.toml of commit {oid} is not UTF-8 text; fix it and push again")
    })?;
    let short: String = oid.to_string().chars().take(12).collect();
    let label = format!("pushguard.toml (at {short})");
    Ok(Config::from_user_toml(text, Path::new(&label))?)
}

/// `pushguard explain [RANGE...]`: for every app of the range's newest commit, each
/// instruction of its Dockerfile with `cached` or `re-run (why)`, against the build of the
/// commit before the range (the parent of its oldest commit). RANGE as in `check`; the
/// default is `@{upstream}..HEAD`, else HEAD's commits on no remote. Only `Format::Text` and
/// `Format::Json` apply; other formats print JSON. Always allows: it decides nothing.
pub fn explain(config: Option<&Path>, format: Format, range: &[String]) -> Result<Outcome> {
    let repo = open_repository()?;
    let config = load_config(&repo, config)?;
    let (label, commits) = if range.is_empty() {
        default_range(&repo)?
    } else {
        (range.join(" "), parse_range_args(&repo, range)?)
    };
    let Some(&tip) = commits.include.first() else {
        bail!("the range names no commit to explain");
    };
    let tip = repo
        .find_object(tip, None)
        .and_then(|o| o.peel_to_commit())
        .with_context(|| format!("{} does not name a commit", escape(&label)))?
        .id();
    let ids = commits.commits(&repo)?;
    // Oldest first: the base is the parent of the first one.
    let base = crate::rebuild::base_of(&repo, None, tip, ids.first().copied());
    let found = crate::rebuild::analyze(&repo, &config, base, tip, None, None)
        .map_err(|why| anyhow::anyhow!("cannot explain {}: {why}", escape(&label)))?;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Text => out.write_all(report::explain_text(&label, &found).as_bytes())?,
        _ => {
            let doc = serde_json::to_string_pretty(&report::explain_json(&found))?;
            writeln!(out, "{doc}")?;
        }
    }
    out.flush()?;
    Ok(Outcome::Allow)
}
