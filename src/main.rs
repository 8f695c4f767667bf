//! The `pushguard` command: argument parsing and exit codes. Everything else lives in the
//! library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use pushguard::commands::{self, Format, HookOptions, Outcome};
use pushguard::style::ColorChoice;

#[derive(Parser)]
#[command(
    name = "pushguard",
    version,
    about = "A git pre-push hook that says what each push will rebuild and stops wasted or dangerous deploy builds",
    disable_help_subcommand = true
)]
struct Cli {
    /// Use this config file instead of pushguard.toml (also: PUSHGUARD_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// When to colour the output (auto: when stderr is a terminal and NO_COLOR is unset).
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    color: ColorArg,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run as a git hook (installed by install.sh; git supplies the arguments and stdin).
    Hook {
        #[command(subcommand)]
        hook: Hook,
    },
    /// Check commits outside a push, as if they were pushed to a deploy branch.
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// The branch the range is treated as pushed to (default: the first deploy branch).
        #[arg(long, value_name = "REF")]
        to_ref: Option<String>,
        /// Revisions in git syntax (`A..B`, `C^!`, a single rev = its commits on no remote).
        /// Default: `@{upstream}..HEAD`, else HEAD's commits not on any remote.
        #[arg(value_name = "RANGE")]
        range: Vec<String>,
    },
    /// Print the effective configuration (built-in defaults merged with pushguard.toml).
    Config,
    /// Print the overrides recorded in this clone (prompt answers, skips, trailers, PUSHGUARD=0).
    Log {
        /// Output format: a table, or the stored JSON lines.
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
    },
    /// Write a commented starter pushguard.toml at the repository root.
    Init {
        /// Overwrite an existing pushguard.toml.
        #[arg(long)]
        force: bool,
    },
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
    PreReceive,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
}

fn main() -> ExitCode {
    pushguard::panic::install();
    let cli = Cli::parse();
    let config = cli.config.as_deref();
    let color = match cli.color {
        ColorArg::Auto => ColorChoice::Auto,
        ColorArg::Always => ColorChoice::Always,
        ColorArg::Never => ColorChoice::Never,
    };
    let result = match cli.command {
        Command::Hook {
            hook:
                Hook::PrePush {
                    remote,
                    url,
                    no_input,
                },
        } => commands::pre_push(config, &remote, &url, HookOptions { no_input, color }),
        Command::Hook {
            hook: Hook::PreReceive,
        } => commands::pre_receive(config),
        Command::Check {
            format,
            to_ref,
            range,
        } => {
            let format = match format {
                FormatArg::Text => Format::Text,
                FormatArg::Json => Format::Json,
            };
            commands::check(config, format, to_ref.as_deref(), &range)
        }
        Command::Config => commands::print_config(config),
        Command::Log { format } => commands::log(match format {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
        }),
        Command::Init { force } => commands::init(force),
    };
    match result {
        Ok(Outcome::Allow) => ExitCode::SUCCESS,
        Ok(Outcome::Block) => ExitCode::from(1),
        Err(e) => {
            // Config diagnostics render their own `error:` headings, cargo style.
            let msg = format!("{e:#}");
            match msg.strip_prefix("error: ") {
                Some(rest) => eprintln!("pushguard: error: {rest}"),
                None => eprintln!("pushguard: error: {msg}"),
            }
            ExitCode::from(2)
        }
    }
}
