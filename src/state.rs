//! State pushguard keeps under the git directory (`<common git dir>/pushguard/`): the times
//! of this clone's deploy pushes, for `frequent-deploys`.
//!
//! The state is advisory: failing to read it means "no previous deploy known", failing to
//! write it is reported by the caller and never blocks a push.

use std::fs;
use std::path::PathBuf;

use git2::{Oid, Repository};

crate::error::stage_error!(
    /// A state file that could not be written.
    Error
);

const DEPLOYS_FILE: &str = "deploys";
/// Keep the file small: older entries cannot matter to a minutes-scale window.
const KEEP_ENTRIES: usize = 200;

/// The directory for pushguard's state in this repository.
pub fn state_dir(repo: &Repository) -> PathBuf {
    repo.commondir().join("pushguard")
}

/// The deploy pushes recorded to `remote` `branch`: when, and the commit pushed (absent in
/// entries written before pushguard recorded it).
pub fn deploys(repo: &Repository, remote: &str, branch: &str) -> Vec<(i64, Option<Oid>)> {
    let Ok(text) = fs::read_to_string(state_dir(repo).join(DEPLOYS_FILE)) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| {
            let mut parts = l.splitn(4, ' ');
            let t: i64 = parts.next()?.parse().ok()?;
            let ours = parts.next()? == remote && parts.next()? == branch;
            let sha = parts.next().and_then(|s| Oid::from_str(s.trim()).ok());
            ours.then_some((t, sha))
        })
        .collect()
}

/// Records a deploy push of commit `pushed` to `remote` `branch` at `time`.
pub fn record_deploy(
    repo: &Repository,
    remote: &str,
    branch: &str,
    time: i64,
    pushed: Option<Oid>,
) -> Result<(), Error> {
    let dir = state_dir(repo);
    fs::create_dir_all(&dir)
        .map_err(|e| Error::with_source(format!("cannot create {}", dir.display()), e))?;
    let path = dir.join(DEPLOYS_FILE);
    // Concurrent pushes (two terminals, a script) each read, add and rename: under the lock
    // no record is lost.
    let lock_path = dir.join(format!("{DEPLOYS_FILE}.lock"));
    let _lock = crate::files::lock_exclusive(&lock_path)
        .map_err(|e| Error::with_source(format!("cannot lock {}", lock_path.display()), e))?;
    let old = fs::read_to_string(&path).unwrap_or_default();
    let mut lines: Vec<&str> = old.lines().collect();
    let skip = lines.len().saturating_sub(KEEP_ENTRIES - 1);
    lines.drain(..skip);
    let mut text = lines.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    // Names are stored with spaces replaced: they are only ever compared, never shown.
    let clean = |s: &str| s.replace([' ', '\n', '\r'], "_");
    let pushed = pushed.map(|o| format!(" {o}")).unwrap_or_default();
    text.push_str(&format!(
        "{time} {} {}{pushed}\n",
        clean(remote),
        clean(branch)
    ));
    crate::files::replace(&path, &[text.as_bytes()], None)
        .map_err(|e| Error::with_source(format!("cannot write {}", path.display()), e.into_io()))
}

const LAST_REPORT_FILE: &str = "last-push.txt";
/// The last report is for people to read: a report past this is cut, and says so.
const MAX_REPORT_BYTES: usize = 4 << 20;

/// Keeps `report` (plain text) as the last push's full report, for `explain --last`.
pub fn save_last_report(repo: &Repository, report: &str) -> Result<(), Error> {
    let dir = state_dir(repo);
    fs::create_dir_all(&dir)
        .map_err(|e| Error::with_source(format!("cannot create {}", dir.display()), e))?;
    let mut text = report;
    let mut cut = "";
    if text.len() > MAX_REPORT_BYTES {
        let mut end = MAX_REPORT_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text = text.get(..end).unwrap_or_default();
        cut = "\n[cut: the report is longer than 4 MiB]\n";
    }
    let path = dir.join(LAST_REPORT_FILE);
    crate::files::replace(&path, &[text.as_bytes(), cut.as_bytes()], None)
        .map_err(|e| Error::with_source(format!("cannot write {}", path.display()), e.into_io()))
}

/// The last push's full report and where it is kept; `None` (with the path) when no push
/// was judged in this clone yet. Read as a regular file, at most the size it is written at.
pub fn last_report(repo: &Repository) -> (PathBuf, std::io::Result<String>) {
    let path = state_dir(repo).join(LAST_REPORT_FILE);
    let read = crate::files::read_regular(&path, (MAX_REPORT_BYTES + 64) as u64).and_then(|b| {
        String::from_utf8(b).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    });
    (path, read)
}

/// Seconds since the unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_records_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        Repository::init(dir.path()).unwrap();
        let path = dir.path().to_path_buf();
        let handles: Vec<_> = (0..40)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let repo = Repository::open(&path).unwrap();
                    record_deploy(&repo, "origin", "main", 1_000 + i, None).unwrap();
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let repo = Repository::open(&path).unwrap();
        assert_eq!(deploys(&repo, "origin", "main").len(), 40);
    }
}
