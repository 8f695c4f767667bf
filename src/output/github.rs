//! GitHub Actions output (`--format github`): one workflow command per finding
//! (`::error file=…,line=…,title=…::message`), which GitHub shows as an annotation on the
//! run and inline on a pull request's diff, and a Markdown job summary appended to the file
//! named by `$GITHUB_STEP_SUMMARY`.
//!
//! Invariant: nothing from the repository can forge a workflow command or break out of
//! one. Every value is first escaped for terminals ([`crate::escape::escape`], which turns
//! line breaks into visible `\n`), then percent-escaped as GitHub's runner expects
//! (`%` `\r` `\n` in messages; also `:` and `,` in properties), so a path or message can
//! neither start a new `::command::` line nor end the property list early. In the job
//! summary every Markdown-significant character of repository text is backslash-escaped.

use std::fmt::Write as _;
use std::io::Write as _;

use super::{short_id, View};
use crate::escape::escape;
use crate::finding::Finding;
use crate::pipeline::{RefAnalysis, RefStatus};
use crate::severity::Severity;

crate::error::stage_error!(
    /// The job summary could not be written.
    Error
);

/// The environment variable GitHub sets to the job summary file of the current step.
pub const STEP_SUMMARY_ENV: &str = "GITHUB_STEP_SUMMARY";

/// The workflow command of a severity.
pub fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Block => "error",
        Severity::Warn => "warning",
        Severity::Info => "notice",
    }
}

/// Escapes a workflow command's message: `%`, `\r`, `\n`.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow command's property value: as [`escape_data`], plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape_data(s).chars() {
        match c {
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// `text` (the report printed after the annotations) with no line the runner could take
/// for a workflow command: a `::` that starts a line, after any indentation, becomes `: :`.
/// Facts and hints come from the configuration, and a pushguard.toml in a pull request
/// must not make the runner mask, set or annotate anything.
pub fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        match body.strip_prefix("::") {
            Some(rest) => {
                out.push_str(line.get(..line.len() - body.len()).unwrap_or_default());
                out.push_str(": :");
                out.push_str(rest);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// One workflow command line per finding, in finding order.
pub fn annotations(view: &View<'_>) -> String {
    let mut out = String::new();
    for f in view.findings() {
        out.push_str(&annotation(f));
        out.push('\n');
    }
    out
}

/// The workflow command of one finding (without the trailing newline).
pub fn annotation(f: &Finding) -> String {
    let mut props = Vec::new();
    if let Some(path) = &f.path {
        props.push(format!("file={}", escape_property(&escape(path))));
        if let Some(line) = f.line.filter(|&l| l >= 1) {
            props.push(format!("line={line}"));
        }
    }
    let mut title = format!("pushguard {}", f.rule);
    let origin = origin(f);
    if !origin.is_empty() {
        let _ = write!(title, " ({origin})");
    }
    props.push(format!("title={}", escape_property(&escape(&title))));
    // Line breaks between the parts are real ones (escaped to %0A below); those inside
    // each part were made visible by `escape`.
    let mut message = escape(&f.message).into_owned();
    if !f.hint.is_empty() {
        let _ = write!(message, "\nfix: {}", escape(&f.hint));
    }
    format!(
        "::{} {}::{}",
        command(f.severity),
        props.join(","),
        escape_data(&message)
    )
}

/// `main 4f1c2a3b`: the ref and short commit of a finding, either possibly absent.
fn origin(f: &Finding) -> String {
    let mut parts = Vec::new();
    if !f.ref_name.is_empty() {
        parts.push(f.ref_name.clone());
    }
    if let Some(c) = f.commit {
        parts.push(short_id(&c));
    }
    parts.join(" ")
}

/// The Markdown job summary: the verdict of each ref, then the findings.
pub fn job_summary(view: &View<'_>) -> String {
    let analysis = view.analysis;
    let mut out = String::new();
    let decision = view.decision.as_str();
    let _ = writeln!(out, "### pushguard: {decision}\n");
    if analysis.refs.is_empty() {
        out.push_str("Nothing to check.\n");
    } else {
        out.push_str("| Ref | Commits | Files | Rebuild | Build time |\n");
        out.push_str("| --- | ---: | ---: | --- | ---: |\n");
        for r in &analysis.refs {
            out.push_str(&ref_row(r));
        }
    }
    out.push('\n');
    if view.findings.is_empty() {
        out.push_str("No findings.\n");
    } else {
        out.push_str("| Severity | Rule | Location | Commit | Message |\n");
        out.push_str("| --- | --- | --- | --- | --- |\n");
        for f in view.findings() {
            let commit = f.commit.map(|c| short_id(&c)).unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                f.severity,
                md_cell(&f.rule),
                md_cell(&f.location()),
                commit,
                md_cell(&f.message)
            );
        }
    }
    if view.decision == crate::finding::Decision::Block {
        out.push_str(
            "\n**To proceed:** rewrite the commits with a `block` finding, or, when a finding is \
             intended, end that commit's message with `Pushguard-Allow: <rule> <reason>` and \
             push again (a person's decision, reviewed with the change).\n",
        );
    }
    // A blank line keeps the next step's summary out of this table.
    out.push('\n');
    out
}

fn ref_row(r: &RefAnalysis) -> String {
    let name = md_cell(&r.update.short_remote_name());
    let (commits, files, rebuild) = match &r.status {
        RefStatus::Deleted => (String::new(), String::new(), "deleted".to_owned()),
        RefStatus::UpToDate => (String::new(), String::new(), "up to date".to_owned()),
        RefStatus::NotInspected(_) => (String::new(), String::new(), "not inspected".to_owned()),
        RefStatus::Inspected(changes) => {
            let rebuild = match &r.verdict {
                Some(v) => v.tier.as_str().to_owned(),
                None => "no deploy".to_owned(),
            };
            (
                changes.commits.len().to_string(),
                changes.path_count().to_string(),
                rebuild,
            )
        }
    };
    let build = r
        .verdict
        .as_ref()
        .map(|v| format!("~{} s", v.times.build_seconds))
        .unwrap_or_default();
    format!("| {name} | {commits} | {files} | {rebuild} | {build} |\n")
}

/// Repository text made inert in a Markdown table cell: control characters made visible,
/// then every character CommonMark or GFM tables give a meaning backslash-escaped.
fn md_cell(s: &str) -> String {
    let visible = escape(s);
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '<'
                | '>'
                | '('
                | ')'
                | '#'
                | '+'
                | '!'
                | '|'
                | '~'
                | '&'
                | '$'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Appends [`job_summary`] to the file named by `$GITHUB_STEP_SUMMARY`. Returns whether
/// the variable was set (and the summary written).
pub fn append_job_summary(view: &View<'_>) -> Result<bool, Error> {
    let Some(path) = std::env::var_os(STEP_SUMMARY_ENV).filter(|p| !p.is_empty()) else {
        return Ok(false);
    };
    let shown = escape(&path.to_string_lossy()).into_owned();
    let context = |what: String| move |e: std::io::Error| Error::with_source(what, e);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(context(format!(
            "cannot open the job summary file {shown} (${STEP_SUMMARY_ENV})"
        )))?;
    file.write_all(job_summary(view).as_bytes())
        .map_err(context(format!(
            "cannot write the job summary file {shown}"
        )))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding() -> Finding {
        Finding {
            rule: "trigger-file".into(),
            severity: Severity::Warn,
            ref_name: "main".into(),
            commit: Some(git2::Oid::from_str("4f1c2a3b00000000000000000000000000000000").unwrap()),
            path: Some("a%b,c:d\\x01.deploy-trigger".into()),
            line: Some(2),
            message: "100% done\r\n::error::forged".into(),
            fact: "f".into(),
            hint: "run it by hand".into(),
        }
    }

    #[test]
    fn messages_and_properties_are_escaped() {
        assert_eq!(escape_data("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e");
        assert_eq!(escape_property("a%b\r\nc:d,e"), "a%25b%0D%0Ac%3Ad%2Ce");
    }

    #[test]
    fn an_annotation_cannot_be_broken_out_of() {
        let line = annotation(&finding());
        assert_eq!(
            line,
            "::warning file=a%25b%2Cc%3Ad\\x01.deploy-trigger,line=2,\
             title=pushguard trigger-file (main 4f1c2a3b)::100%25 done\\r\\n::error::forged%0Afix: run it by hand"
        );
        assert!(!line.contains('\n'));
    }

    #[test]
    fn findings_without_a_path_have_only_a_title() {
        let mut f = finding();
        f.path = None;
        f.severity = Severity::Info;
        assert!(annotation(&f).starts_with("::notice title=pushguard trigger-file"));
    }

    #[test]
    fn markdown_cells_are_inert() {
        assert_eq!(md_cell("a|b"), "a\\|b");
        assert_eq!(md_cell("[x](javascript:y)"), "\\[x\\]\\(javascript:y\\)");
        assert_eq!(md_cell("<img>\n"), "\\<img\\>\\\\n");
    }

    #[test]
    fn the_text_report_holds_no_workflow_command() {
        let report = "warn[x]\n  why: ::add-mask::s3cret\n::error::hi\nfine :: here\n";
        let out = inert(report);
        assert!(
            out.lines().all(|l| !l.trim_start().starts_with("::")),
            "{out}"
        );
        assert!(out.contains("fine :: here"), "{out}");
    }
}
