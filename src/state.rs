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
/// The file is appended to, and cut back to [`KEEP_ENTRIES`] once it is larger than this
/// (an entry is about 70 bytes).
const COMPACT_AFTER_BYTES: u64 = 32 * 1024;

/// The directory for pushguard's state in this repository.
pub fn state_dir(repo: &Repository) -> PathBuf {
    repo.commondir().join("pushguard")
}

/// The deploy pushes recorded to `remote` `branch`: when, and the commit pushed (absent in
/// entries written before pushguard recorded it). Only whole lines count: a record being
/// appended while this reads is not one yet.
pub fn deploys(repo: &Repository, remote: &str, branch: &str) -> Vec<(i64, Option<Oid>)> {
    DeployRecords::read(repo).to(remote, branch)
}

/// Every deploy push this clone recorded, read once: the hook reads them while `git log`
/// lists the push, and picks its branch's after.
#[derive(Debug, Default)]
pub struct DeployRecords {
    /// Oldest first.
    records: Vec<DeployRecord>,
}

/// One recorded deploy push.
#[derive(Debug)]
struct DeployRecord {
    at: i64,
    remote: Box<str>,
    branch: Box<str>,
    /// Absent in entries written before pushguard recorded it.
    pushed: Option<Oid>,
}

impl DeployRecords {
    /// The records of `repo`; none when the file cannot be read (see the module's note).
    pub fn read(repo: &Repository) -> DeployRecords {
        let Ok(text) = read_records(&state_dir(repo).join(DEPLOYS_FILE)) else {
            return DeployRecords::default();
        };
        let records = whole_lines(&text)
            .filter_map(|l| {
                let mut parts = l.splitn(4, ' ');
                Some(DeployRecord {
                    at: parts.next()?.parse().ok()?,
                    remote: parts.next()?.into(),
                    branch: parts.next()?.into(),
                    pushed: parts.next().and_then(|s| Oid::from_str(s.trim()).ok()),
                })
            })
            .collect();
        DeployRecords { records }
    }

    /// The records of deploy pushes to `remote` `branch` ([`deploys`]).
    pub fn to(&self, remote: &str, branch: &str) -> Vec<(i64, Option<Oid>)> {
        self.records
            .iter()
            .filter(|r| *r.remote == *remote && *r.branch == *branch)
            .map(|r| (r.at, r.pushed))
            .collect()
    }
}

/// Records a deploy push of commit `pushed` to `remote` `branch` at `time`.
///
/// The record is appended, not written into a new copy of the file renamed over the old:
/// ext4 (with its default `auto_da_alloc`) writes a file renamed over another out to disk
/// at once, which cost every push about a tenth of a millisecond of CPU.
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
    let cannot_write = |e| Error::with_source(format!("cannot write {}", path.display()), e);
    // Concurrent pushes (two terminals, a script) each append, or cut the file back, under
    // the lock: no record is lost.
    let lock_path = dir.join(format!("{DEPLOYS_FILE}.lock"));
    let _lock = crate::files::lock_exclusive(&lock_path)
        .map_err(|e| Error::with_source(format!("cannot lock {}", lock_path.display()), e))?;
    let mut file = crate::files::append_no_follow(&path).map_err(cannot_write)?;
    if file.metadata().map_err(cannot_write)?.len() > COMPACT_AFTER_BYTES {
        compact(&path).map_err(cannot_write)?;
        file = crate::files::append_no_follow(&path).map_err(cannot_write)?;
    }
    // Names are stored with spaces replaced: they are only ever compared, never shown.
    let clean = |s: &str| s.replace([' ', '\n', '\r'], "_");
    let pushed = pushed.map(|o| format!(" {o}")).unwrap_or_default();
    let line = format!("{time} {} {}{pushed}\n", clean(remote), clean(branch));
    // One write of a whole line: a reader sees it whole or not at all (see `deploys`).
    std::io::Write::write_all(&mut file, line.as_bytes()).map_err(cannot_write)
}

/// Cuts the deploy records at `path` back to the last [`KEEP_ENTRIES`] - 1 whole lines.
fn compact(path: &std::path::Path) -> std::io::Result<()> {
    let text = read_records(path)?;
    let lines: Vec<&str> = whole_lines(&text).collect();
    let skip = lines.len().saturating_sub(KEEP_ENTRIES - 1);
    let mut kept = String::new();
    for line in lines.get(skip..).unwrap_or_default() {
        kept.push_str(line);
        kept.push('\n');
    }
    crate::files::replace(path, &[kept.as_bytes()], None).map_err(|e| e.into_io())
}

/// The deploy records file at `path`, as text (capped: it is cut back long before).
fn read_records(path: &std::path::Path) -> std::io::Result<String> {
    let bytes = crate::files::read_regular(path, COMPACT_AFTER_BYTES * 4)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The lines of `text` that end in a newline, without it: a record still being appended
/// when the file was read is not one yet.
fn whole_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive('\n')
        .filter_map(|l| l.strip_suffix('\n'))
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
    crate::files::replace_unflushed(&path, &[text.as_bytes(), cut.as_bytes()])
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

    #[test]
    fn records_are_cut_back_to_the_newest_and_a_partial_line_is_not_one() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let sha = Oid::from_str("4b0fdcba29cbef88407913423e71fd71a70bc793").unwrap();
        for i in 0..1_000 {
            record_deploy(&repo, "origin", "main", i, Some(sha)).unwrap();
        }
        let path = state_dir(&repo).join(DEPLOYS_FILE);
        assert!(fs::metadata(&path).unwrap().len() <= COMPACT_AFTER_BYTES + 100);
        let kept = deploys(&repo, "origin", "main");
        assert!(kept.len() >= KEEP_ENTRIES - 1, "{}", kept.len());
        assert_eq!(kept.last(), Some(&(999, Some(sha))));
        assert!(kept.windows(2).all(|w| w[0].0 + 1 == w[1].0));
        // A record half written when read is left out, not misread.
        let mut f = crate::files::append_no_follow(&path).unwrap();
        std::io::Write::write_all(&mut f, b"1000 origin main 4b0fdcba").unwrap();
        assert_eq!(deploys(&repo, "origin", "main").len(), kept.len());
    }
}
