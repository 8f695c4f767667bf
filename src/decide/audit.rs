//! The override log: every way a push got past a finding (a `yes` at the prompt, the
//! no-terminal policy set to allow, `PUSHGUARD_SKIP`, a `Pushguard-Allow` trailer,
//! `PUSHGUARD=0`) appends one JSON object per line to `<common git dir>/pushguard/audit.log`,
//! and so does every push the hook stopped (`stopped`, with the build it would have started).
//!
//! Invariants, and why:
//! - Append-only, one `write` per push with `O_APPEND`: concurrent pushes from linked
//!   worktrees interleave whole lines, never parts of lines.
//! - The log never blocks a push: a write failure is reported by the caller and the push
//!   goes on (a guard that fails closed on its own bookkeeping would be turned off).
//! - Strings are stored escaped (see [`crate::escape`]) and escaped again when shown, so
//!   neither a hostile trailer nor a hand-edited log can drive the terminal.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use git2::Repository;
use serde::{Deserialize, Serialize};

use crate::escape::escape;

crate::error::stage_error!(
    /// The audit log could not be written.
    Error
);

const LOG_FILE: &str = "audit.log";

/// How a push got past its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Someone answered yes at the terminal prompt.
    Prompt,
    /// Nobody could be asked and `[policy] noninteractive = "allow"`.
    Policy,
    /// `PUSHGUARD_SKIP` named the rules.
    Skip,
    /// A `Pushguard-Allow` trailer in the commit accepted the rule.
    Trailer,
    /// `PUSHGUARD=0`: nothing was checked.
    Off,
    /// The hook stopped the push (not an override: `pushguard audit` counts these as the
    /// builds it prevented).
    Stopped,
}

impl How {
    /// The value of the `how` field.
    pub fn as_str(self) -> &'static str {
        match self {
            How::Prompt => "prompt",
            How::Policy => "policy",
            How::Skip => "skip",
            How::Trailer => "trailer",
            How::Stopped => "stopped",
            How::Off => "off",
        }
    }
}

/// One override, as stored. Every field is present on write; reading tolerates missing
/// fields (an older or hand-edited log) by defaulting them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Entry {
    /// RFC 3339, UTC, whole seconds: `2024-05-01T09:30:00Z`.
    pub time: String,
    /// The remote as shown in the report (`origin`, or the URL pushed to).
    pub remote: String,
    /// The remote ref's short name (`main`).
    #[serde(rename = "ref")]
    pub ref_name: String,
    /// The rule ids let through; empty for `off` (every rule).
    pub rules: Vec<String>,
    /// [`How::as_str`].
    pub how: String,
    pub reason: String,
    /// The commit the override is about: the trailer's commit, or the pushed tip.
    pub commit: Option<String>,
    /// For a stopped push: the build it would have started, estimated in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_seconds: Option<u32>,
}

impl Entry {
    /// An entry at unix time `time`; `remote`, `ref_name` and `reason` are escaped here.
    pub fn new(
        time: i64,
        remote: &str,
        ref_name: &str,
        rules: Vec<String>,
        how: How,
        reason: &str,
        commit: Option<String>,
    ) -> Entry {
        Entry {
            time: rfc3339(time),
            remote: escape(remote).into_owned(),
            ref_name: escape(ref_name).into_owned(),
            rules: rules.iter().map(|r| escape(r).into_owned()).collect(),
            how: how.as_str().to_owned(),
            reason: escape(reason).into_owned(),
            commit,
            build_seconds: None,
        }
    }
}

/// `<common git dir>/pushguard/audit.log`: shared by all worktrees of a clone.
pub fn log_path(repo: &Repository) -> PathBuf {
    crate::state::state_dir(repo).join(LOG_FILE)
}

/// Appends `entries` to the log at `path` in a single write.
pub fn append(path: &Path, entries: &[Entry]) -> Result<(), Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut text = String::new();
    for e in entries {
        text.push_str(
            &serde_json::to_string(e)
                .map_err(|e| Error::with_source("cannot encode an audit entry", e))?,
        );
        text.push('\n');
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)
            .map_err(|e| Error::with_source(format!("cannot create {}", dir.display()), e))?;
    }
    let lock_path = path.with_extension("lock");
    let _lock = crate::files::lock_exclusive(&lock_path)
        .map_err(|e| Error::with_source(format!("cannot lock {}", lock_path.display()), e))?;
    let mut f = crate::files::append_no_follow(path)
        .map_err(|e| Error::with_source(format!("cannot open {}", path.display()), e))?;
    let len = f
        .metadata()
        .map_err(|e| Error::with_source(format!("cannot read {}", path.display()), e))?
        .len();
    // A line cut short by an earlier failed write gets its own line end, so the new entries
    // never glue onto it.
    if len > 0 && !ends_with_newline(&f, len) {
        text.insert(0, '\n');
    }
    f.write_all(text.as_bytes()).map_err(|e| {
        // A full disk: take the partial entry back out, so no torn line stays.
        let _ = f.set_len(len);
        Error::with_source(format!("cannot write {}", path.display()), e)
    })
}

/// Whether the byte at `len - 1` of `f` is a newline.
fn ends_with_newline(f: &fs::File, len: u64) -> bool {
    use std::os::unix::fs::FileExt;
    let mut last = [0u8; 1];
    f.read_exact_at(&mut last, len - 1).is_ok() && last[0] == b'\n'
}

/// One line of the log: an entry, or a line that is not one (kept so `pushguard log` can
/// say where the log is damaged instead of hiding it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Entry(Entry),
    Invalid { number: usize, text: String },
}

/// Parses the log's text (blank lines are skipped).
pub fn parse(text: &str) -> Vec<Line> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| match serde_json::from_str::<Entry>(l) {
            Ok(e) => Line::Entry(e),
            Err(_) => Line::Invalid {
                number: i + 1,
                text: l.to_owned(),
            },
        })
        .collect()
}

/// Unix seconds as RFC 3339 in UTC (`1970-01-01T00:00:00Z`).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`), the inverse of [`civil_from_days`].
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for days in [-719_468, -1, 0, 59, 60, 11_016, 19_723, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn entries_round_trip_and_escape() {
        let e = Entry::new(
            0,
            "origin",
            "main",
            vec!["empty-commit".into()],
            How::Trailer,
            "ok \x1b[31m\u{202e}",
            Some("0123456789abcdef".into()),
        );
        assert_eq!(e.reason, "ok \\e[31m\\u{202e}");
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("\"ref\":\"main\""), "{json}");
        assert!(json.contains("\"how\":\"trailer\""), "{json}");
        let lines = parse(&format!("{json}\n\nnot json\n"));
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], Line::Entry(e));
        assert!(matches!(lines[1], Line::Invalid { number: 3, .. }));
    }

    #[test]
    fn a_torn_last_line_is_not_glued_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        fs::write(&path, "{\"partial").unwrap();
        let e = Entry::new(0, "o", "main", vec![], How::Off, "PUSHGUARD=0", None);
        append(&path, std::slice::from_ref(&e)).unwrap();
        let lines = parse(&fs::read_to_string(&path).unwrap());
        assert_eq!(lines.len(), 2);
        assert!(matches!(lines[1], Line::Entry(_)));
    }

    #[test]
    fn append_creates_the_directory_and_appends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pushguard").join(LOG_FILE);
        let e = Entry::new(0, "o", "main", vec![], How::Off, "PUSHGUARD=0", None);
        append(&path, std::slice::from_ref(&e)).unwrap();
        append(&path, &[e.clone(), e]).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3);
    }
}
