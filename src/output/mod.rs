//! Every byte pushguard writes for people or programs: the text report, JSON, SARIF, GitHub
//! annotations and job summaries, `explain`, the words around a decision, and colour.
//!
//! Invariant: text that came from the repository or the configuration reaches this module
//! already escaped (in findings, paths and reasons) or is escaped here (commit summaries,
//! the remote's name); nothing printed can drive a terminal.

pub mod audit;
pub mod explain;
pub mod github;
pub mod json;
pub mod log;
pub mod messages;
pub mod report;
pub mod sarif;
pub mod style;

use std::io::{self, Write};

use crate::config::Config;
use crate::decide::Judgement;
use crate::finding::{Decision, Finding, Waiver};
use crate::pipeline::Analysis;

/// Output format of `check` and the hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The report for people ([`report::text`]).
    Text,
    /// The JSON document of docs/json.md ([`json::write`]).
    Json,
    /// A SARIF 2.1.0 log ([`sarif::sarif`]).
    Sarif,
    /// GitHub Actions workflow commands, then the text report; plus a job summary when
    /// `$GITHUB_STEP_SUMMARY` is set ([`github`]).
    Github,
}

/// What a report shows of a judged analysis: every ref, the findings shown (each with its
/// waiver, if any), and the decision they lead to.
#[derive(Debug)]
pub struct View<'a> {
    pub analysis: &'a Analysis,
    /// In report order; waived findings only in the hook's view (`with_accepted`).
    pub findings: Vec<(&'a Finding, Option<&'a Waiver>)>,
    pub decision: Decision,
}

impl<'a> View<'a> {
    /// The analysis as judged: accepted findings shown with their reason when
    /// `with_accepted` (the pre-push hook), left out otherwise (`check` and the server
    /// report what is in force).
    pub fn new(analysis: &'a Analysis, judgement: &'a Judgement, with_accepted: bool) -> View<'a> {
        View {
            analysis,
            findings: judgement.shown(analysis, with_accepted),
            decision: judgement.decision,
        }
    }

    /// Every finding in force, nothing waived (for `explain`-like uses and tests).
    pub fn all(analysis: &'a Analysis) -> View<'a> {
        View {
            analysis,
            findings: analysis.findings.iter().map(|f| (f, None)).collect(),
            decision: analysis.decision(),
        }
    }

    /// The findings shown, without their waivers.
    pub fn findings(&self) -> impl Iterator<Item = &'a Finding> + '_ {
        self.findings.iter().map(|(f, _)| *f)
    }
}

/// A commit id as reports show it: its first eight hex digits.
pub(crate) fn short_id(id: &git2::Oid) -> String {
    let mut s = id.to_string();
    s.truncate(8);
    s
}

/// Writes `view` (made under `config`) to `out` in `format`; the text report in `style`
/// (the other formats are for programs and never coloured).
///
/// Errors are write errors (a closed pipe): the caller turns them into exit code 2 rather
/// than a panic, which is what `print!` would do.
pub fn render(
    view: &View<'_>,
    config: &Config,
    format: Format,
    style: style::Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => out.write_all(report::text_with(view, style).as_bytes())?,
        Format::Json => json::write(out, view)?,
        Format::Sarif => write_json(out, &sarif::sarif(view, config))?,
        Format::Github => {
            out.write_all(github::annotations(view).as_bytes())?;
            out.write_all(github::inert(&report::text(view)).as_bytes())?;
            // A summary that cannot be written must not change the verdict.
            if let Err(e) = github::append_job_summary(view) {
                eprintln!("pushguard: note: no job summary written: {e:#}");
            }
        }
    }
    out.flush()
}

/// A JSON document, pretty-printed, with a final newline.
pub fn write_json(out: &mut dyn Write, doc: &serde_json::Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc)?;
    writeln!(out)
}
