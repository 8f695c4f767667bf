//! The `pushguard` command: argument parsing and exit codes. Everything else lives in the
//! library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use pushguard::commands::{self, CheckRange, Format, HookOptions, InstallOptions, Outcome};
use pushguard::output::style::ColorChoice;

/// `malloc` for every allocation, over-aligned ones included (see `memory::Malloc`).
#[global_allocator]
static ALLOCATOR: pushguard::memory::Malloc = pushguard::memory::Malloc;

#[derive(Parser)]
#[command(
    name = "pushguard",
    version,
    about = "A git pre-push hook that says what each push will rebuild and stops wasted or dangerous deploy builds"
)]
struct Cli {
    /// Use this config file instead of pushguard.toml (also: PUSHGUARD_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// When to colour the output (auto: when stderr is a terminal and NO_COLOR is unset).
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    color: ColorArg,
    /// Print only findings that block (the text report of the hook and of `check`).
    #[arg(short, long, global = true)]
    quiet: bool,
    /// The pre-push hook's full report: every finding with the fact behind it and the fix
    /// (also: PUSHGUARD_OUTPUT=full, or `[output] style = "full"`).
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run as a git hook (installed by `pushguard install`; git supplies the arguments and
    /// stdin).
    Hook {
        #[command(subcommand)]
        hook: Hook,
    },
    /// Check commits outside a push (in CI, pre-commit, by hand), as if they were pushed
    /// to a deploy branch. Never prompts; exits 0 (allow or warn), 1 (block), 2 (error).
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// The branch the range is treated as pushed to (default: $PRE_COMMIT_REMOTE_BRANCH
        /// under pre-commit, else the branch the deploy map deploys: `[deploy] branches`
        /// first, else the default branch, else the first branch a target names).
        #[arg(long, value_name = "REF")]
        to_ref: Option<String>,
        /// Check the commits of --head (default HEAD) that are not in this revision:
        /// `--base X --head Y` means `X..Y`.
        #[arg(long, value_name = "REV", conflicts_with = "range")]
        base: Option<String>,
        /// The newest commit to check (with --base; alone: its commits on no remote).
        #[arg(long, value_name = "REV", conflicts_with = "range")]
        head: Option<String>,
        /// Revisions in git syntax (`A..B`, `C^!`, a single rev = its commits on no remote).
        /// Default: $PRE_COMMIT_FROM_REF..$PRE_COMMIT_TO_REF when pre-commit sets both, else
        /// `@{upstream}..HEAD`, else HEAD's commits not on any remote.
        #[arg(value_name = "RANGE")]
        range: Vec<String>,
    },
    /// Show, for each app of the newest commit, which Dockerfile steps the commits re-run
    /// and why (see docs/rebuild.md).
    Explain {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExplainFormatArg::Text)]
        format: ExplainFormatArg,
        /// Print the full report of the last push the pre-push hook judged in this clone
        /// (every finding with the fact behind it and the fix) instead.
        #[arg(long, conflicts_with = "range")]
        last: bool,
        /// Revisions in git syntax, as for `check`. Default: `@{upstream}..HEAD`, else HEAD's
        /// commits not on any remote.
        #[arg(value_name = "RANGE")]
        range: Vec<String>,
    },
    /// What forced deploys cost this repository: each deploy branch's history replayed as
    /// the pushes that made it, judged as the hook would have (see docs/audit.md).
    Audit {
        /// A branch to replay (repeatable). Default: the branch the deploy map deploys.
        #[arg(long = "branch", value_name = "BRANCH")]
        branches: Vec<String>,
        /// Only pushes made on or after this day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only pushes made before this day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Output format: text with a terminal chart, JSON (docs/json.md), or one
        /// self-contained HTML file.
        #[arg(long, value_enum, default_value_t = AuditFormatArg::Text)]
        format: AuditFormatArg,
        /// Write the report to FILE instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also replay secret-in-image, which reads every line the history added (about
        /// what `git log -p` costs). Without it the report says it was not replayed.
        #[arg(long)]
        secrets: bool,
    },
    /// Read real build times from BuildKit plain progress logs (`docker build
    /// --progress=plain`, `fly deploy` output) and keep them for `[build] estimate = "steps"`.
    Calibrate {
        /// The Dockerfile (repository path) the logs were built from. Default: the app whose
        /// Dockerfile at HEAD shares the most steps with each log.
        #[arg(long, value_name = "PATH")]
        dockerfile: Option<String>,
        /// Build logs to read.
        #[arg(value_name = "LOG", required = true)]
        logs: Vec<PathBuf>,
    },
    /// Print the effective configuration (built-in defaults merged with pushguard.toml).
    Config,
    /// Print the overrides recorded in this clone (prompt answers, skips, trailers, PUSHGUARD=0).
    Log {
        /// Output format: a table, or the stored JSON lines.
        #[arg(long, value_enum, default_value_t = LogFormatArg::Text)]
        format: LogFormatArg,
    },
    /// Write a commented starter pushguard.toml at the repository root.
    Init {
        /// Overwrite an existing pushguard.toml.
        #[arg(long)]
        force: bool,
    },
    /// Install pushguard's pre-push hook into a repository (with husky: a line in
    /// .husky/pre-push). Idempotent; an existing pre-push hook is kept and runs first.
    Install {
        /// Install into the repository containing DIR (default: the current directory).
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
        /// The pushguard binary the hook runs (default: this one, by its absolute path).
        #[arg(long, value_name = "PATH")]
        binary: Option<PathBuf>,
        /// Install even though core.hooksPath is set in global or system configuration,
        /// which makes the hook run in every repository of this user.
        #[arg(long)]
        global_hooks: bool,
        /// Install even into pushguard's own source checkout.
        #[arg(long)]
        source_checkout: bool,
    },
    /// Remove pushguard's pre-push hook (or its line in .husky/pre-push) and restore the
    /// hook it displaced. The binary is left in place.
    Uninstall {
        /// Uninstall from the repository containing DIR (default: the current directory).
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
    },
    /// Check that pushguard runs on the next push: the hook, the binary it runs,
    /// core.hooksPath, hook managers (husky, lefthook, pre-commit), the configuration.
    /// Exits 0 when all is well, 1 when a problem was found (each with its fix).
    Doctor {
        /// Check the repository containing DIR (default: the current directory).
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
    },
    /// Print a completion script for SHELL to stdout (for example
    /// `pushguard completions bash > ~/.local/share/bash-completion/completions/pushguard`).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout (for example `pushguard man > pushguard.1`).
    Man,
}

#[derive(Subcommand)]
enum Hook {
    /// git's pre-push hook: `pushguard hook pre-push <remote> <url>`, ref lines on stdin.
    PrePush {
        remote: String,
        url: String,
        /// Never ask at the terminal: apply `[policy] noninteractive` instead.
        #[arg(long)]
        no_input: bool,
    },
    /// A server's pre-receive hook: `<old> <new> <ref>` lines on stdin (see docs/server.md).
    PreReceive {
        /// Format of the report written to stderr (relayed to the pusher).
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormatArg {
    /// A table.
    Text,
    /// The stored JSON lines.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum AuditFormatArg {
    Text,
    Json,
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExplainFormatArg {
    /// Every step of every affected app, for people.
    Text,
    /// The document of docs/rebuild.md.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// The report for people.
    Text,
    /// The JSON document of docs/json.md.
    Json,
    /// A SARIF 2.1.0 log, for code-scanning dashboards.
    Sarif,
    /// GitHub Actions annotations, the text report, and a job summary.
    Github,
}

impl FormatArg {
    fn format(self) -> Format {
        match self {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
        }
    }
}

/// Writes generated text (`what`) to stdout.
fn print_generated(text: &[u8], what: &str) -> anyhow::Result<Outcome> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text)
        .and_then(|()| out.flush())
        .map(|()| Outcome::Allow)
        .map_err(|e| anyhow::anyhow!("could not write the {what} to stdout: {e}"))
}

/// The pre-push hook's own command line, `hook pre-push <remote> <url>` and nothing else:
/// recognised without the parser, whose set-up (about 0.2 ms) would otherwise delay every
/// push, and a long push's `git log` with it. Anything else (an option, an argument that is
/// not UTF-8 or looks like an option) is left to the parser, which then reads it as it
/// always does.
fn plain_pre_push() -> Option<(String, String)> {
    let mut args = std::env::args_os().skip(1);
    let (hook, pre_push) = (args.next()?, args.next()?);
    let (remote, url) = (
        args.next()?.into_string().ok()?,
        args.next()?.into_string().ok()?,
    );
    let plain = hook == "hook"
        && pre_push == "pre-push"
        && args.next().is_none()
        && ![&remote, &url].iter().any(|a| a.starts_with('-'));
    plain.then_some((remote, url))
}

fn main() -> ExitCode {
    pushguard::panic::install();
    pushguard::memory::tune();
    pushguard::git::changes::tune_libgit2();
    match plain_pre_push() {
        Some((remote, url)) => {
            let result = commands::pre_push(None, &remote, &url, HookOptions::default());
            exit_now(status(result))
        }
        None => ExitCode::from(status(run(Cli::parse()))),
    }
}

/// Ends the hook's process with `code` at once. What returning from `main` would still do
/// (drop the thread-local caches, the deploy maps and the secret scan's tables, and run the
/// runtime's clean-up) frees piece by piece memory the process gives back whole: about
/// 0.2 ms of every push. Everything the hook writes is written and closed by then, and
/// nothing it starts outlives it (`git` children are stopped and waited for where they are
/// dropped); standard output is flushed here, standard error is not buffered.
fn exit_now(code: u8) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // SAFETY: `_exit` ends the process with the given status and never returns; no Rust
    // state is observed after it.
    unsafe { libc::_exit(i32::from(code)) }
}

/// Runs the command `cli` names.
fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let config = cli.config.as_deref();
    let color = match cli.color {
        ColorArg::Auto => ColorChoice::Auto,
        ColorArg::Always => ColorChoice::Always,
        ColorArg::Never => ColorChoice::Never,
    };
    match cli.command {
        Command::Hook {
            hook:
                Hook::PrePush {
                    remote,
                    url,
                    no_input,
                },
        } => commands::pre_push(
            config,
            &remote,
            &url,
            HookOptions {
                no_input,
                color,
                quiet: cli.quiet,
                verbose: cli.verbose,
            },
        ),
        Command::Hook {
            hook: Hook::PreReceive { format },
        } => commands::pre_receive(config, format.format()),
        Command::Check {
            format,
            to_ref,
            base,
            head,
            range,
        } => CheckRange::from_args(range, base, head).and_then(|range| {
            commands::check(
                config,
                format.format(),
                to_ref.as_deref(),
                &range,
                cli.quiet,
                color,
            )
        }),
        Command::Explain { last: true, .. } => commands::explain_last(),
        Command::Explain { format, range, .. } => {
            let format = match format {
                ExplainFormatArg::Text => Format::Text,
                ExplainFormatArg::Json => Format::Json,
            };
            commands::explain(config, format, &range)
        }
        Command::Audit {
            branches,
            since,
            until,
            format,
            output,
            secrets,
        } => (|| {
            let request = pushguard::audit::AuditRequest {
                branches,
                secrets,
                since: since
                    .map(|d| commands::parse_date(&d, "--since"))
                    .transpose()?,
                until: until
                    .map(|d| commands::parse_date(&d, "--until"))
                    .transpose()?,
            };
            let format = match format {
                AuditFormatArg::Text => commands::AuditFormat::Text,
                AuditFormatArg::Json => commands::AuditFormat::Json,
                AuditFormatArg::Html => commands::AuditFormat::Html,
            };
            commands::audit(config, &request, format, output.as_deref())
        })(),
        Command::Calibrate { dockerfile, logs } => {
            commands::calibrate(config, &logs, dockerfile.as_deref())
        }
        Command::Config => commands::print_config(config),
        Command::Log { format } => commands::log(match format {
            LogFormatArg::Text => Format::Text,
            LogFormatArg::Json => Format::Json,
        }),
        Command::Init { force } => commands::init(config, force),
        Command::Install {
            repo,
            binary,
            global_hooks,
            source_checkout,
        } => commands::install(&InstallOptions {
            repo,
            binary,
            global_hooks,
            source_checkout,
        }),
        Command::Uninstall { repo } => commands::uninstall(repo.as_deref()),
        Command::Doctor { repo } => commands::doctor(config, repo.as_deref()),
        Command::Completions { shell } => {
            // Generated into memory: clap_complete panics when it cannot write.
            let mut script = Vec::new();
            let mut cli = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cli, "pushguard", &mut script);
            print_generated(&script, "completion script")
        }
        Command::Man => {
            let mut page = Vec::new();
            let cli = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cli)
                .render(&mut page)
                .map_err(anyhow::Error::from)
                .and_then(|()| print_generated(&page, "man page"))
        }
    }
}

/// The exit status of a command's `result` (0 allow, 1 block, 2 error), with its error
/// printed.
fn status(result: anyhow::Result<Outcome>) -> u8 {
    match result {
        Ok(Outcome::Allow) => 0,
        Ok(Outcome::Block) => 1,
        Err(e) => {
            // Config diagnostics render their own `error:` headings, cargo style; each cause
            // as a user reads it (libgit2's class and code left out).
            let msg = e
                .chain()
                .map(pushguard::error::shown)
                .collect::<Vec<_>>()
                .join(": ");
            match msg.strip_prefix("error: ") {
                Some(rest) => eprintln!("pushguard: error: {rest}"),
                None => eprintln!("pushguard: error: {msg}"),
            }
            2
        }
    }
}
