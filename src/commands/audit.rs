//! `pushguard audit`: what forced deploys cost this repository, from its own history.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::{load_config, open_repository, Outcome};
use crate::audit::{audit as replay, AuditRequest};

/// The formats of `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFormat {
    Text,
    Json,
    Html,
}

/// `pushguard audit`: replays the branches' histories and writes the report to `output`
/// (stdout when `None`). Always allows: it decides nothing.
pub fn audit(
    config: Option<&Path>,
    request: &AuditRequest,
    format: AuditFormat,
    output: Option<&Path>,
) -> Result<Outcome> {
    let repo = open_repository()?;
    let config = load_config(&repo, config)?;
    let started = std::time::Instant::now();
    let mut progress = Progress::new(started);
    let audit = replay(&repo, &config, request, &mut |done, total| {
        progress.update(done, total);
    })?;
    progress.clear();
    let text = match format {
        AuditFormat::Text => crate::output::audit::text(&repo, &audit),
        AuditFormat::Json => {
            let mut s = serde_json::to_string_pretty(&crate::output::audit::json(&repo, &audit))?;
            s.push('\n');
            s
        }
        AuditFormat::Html => crate::output::audit::html(&repo, &audit),
    };
    match output {
        Some(path) => std::fs::write(path, text).with_context(|| {
            format!(
                "cannot write the report to {}; pass -o with a path you can write to",
                path.display()
            )
        })?,
        None => super::write_stdout(&text)?,
    }
    Ok(Outcome::Allow)
}

/// A progress line on stderr, only at a terminal and only once the replay has run for a
/// second: short audits print nothing extra, and pipes and logs never get it.
struct Progress {
    started: std::time::Instant,
    shown: bool,
    at_terminal: bool,
}

impl Progress {
    fn new(started: std::time::Instant) -> Progress {
        Progress {
            started,
            shown: false,
            at_terminal: std::io::stderr().is_terminal(),
        }
    }

    fn update(&mut self, done: usize, total: usize) {
        if !self.at_terminal || self.started.elapsed().as_secs() < 1 {
            return;
        }
        if done % 64 != 0 && done != total {
            return;
        }
        let width = 30;
        let filled = (done * width).checked_div(total).unwrap_or(width);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\rpushguard audit: [{}{}] {done}/{total} pushes",
            "#".repeat(filled),
            " ".repeat(width - filled)
        );
        let _ = err.flush();
        self.shown = true;
    }

    fn clear(&self) {
        if self.shown {
            eprint!("\r\x1b[2K");
        }
    }
}

/// `YYYY-MM-DD` (UTC midnight) as unix seconds.
pub fn parse_date(text: &str, flag: &str) -> Result<i64> {
    let parts: Vec<&str> = text.split('-').collect();
    let parsed = match parts.as_slice() {
        [y, m, d] => y
            .parse::<i64>()
            .ok()
            .zip(m.parse::<i64>().ok())
            .zip(d.parse::<i64>().ok())
            .filter(|((_, m), d)| (1..=12).contains(m) && (1..=31).contains(d)),
        _ => None,
    };
    let Some(((y, m), d)) = parsed else {
        bail!(
            "{flag} {} is not a date: write it as YYYY-MM-DD (for example {flag} 2025-01-31)",
            crate::escape::escape(text)
        );
    };
    Ok(crate::decide::audit::days_from_civil(y, m, d) * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_midnights() {
        assert_eq!(parse_date("1970-01-01", "--since").unwrap(), 0);
        assert_eq!(parse_date("2024-03-01", "--since").unwrap(), 1_709_251_200);
        assert!(parse_date("2024-13-01", "--since").is_err());
        assert!(parse_date("yesterday", "--since").is_err());
    }
}
