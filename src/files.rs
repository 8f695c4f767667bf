//! Opening pushguard's own files (the audit log, the deploy records, the last report, the
//! measured build times, the hooks it installs) never through a symbolic link: a link put
//! in such a file's place makes the write fail instead of landing in the file it points
//! at, and a read fail instead of reading whatever it names.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Opens `path` for appending (and reading), creating it if needed; fails on a symbolic
/// link.
pub fn append_no_follow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Creates `path` for writing; fails if anything (a link included) is already there.
pub fn create_new_no_follow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create_new(true)
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Why [`replace`] failed.
#[derive(Debug)]
pub enum ReplaceError {
    /// No new file could be made beside the target (the directory is not writable).
    Temporary(io::Error),
    /// The new file could not be written or renamed over the target.
    Write(io::Error),
}

impl ReplaceError {
    /// The I/O error underneath.
    pub fn into_io(self) -> io::Error {
        match self {
            ReplaceError::Temporary(e) | ReplaceError::Write(e) => e,
        }
    }
}

/// Replaces the file at `path` with the concatenation of `parts`: they are written to a new
/// file beside it (created afresh, never through a link), which is then renamed over it, so
/// a reader sees the old file or the new one, never part of one. With `mode`, the data is
/// synced and the mode set before the rename: an installed hook is complete and executable
/// the moment it appears.
pub fn replace(path: &Path, parts: &[&[u8]], mode: Option<u32>) -> Result<(), ReplaceError> {
    use std::os::unix::fs::PermissionsExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or(std::ffi::OsStr::new("file"));
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".pushguard.{}.{attempt}", std::process::id()));
        let tmp = dir.join(tmp_name);
        match create_new_no_follow(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(ReplaceError::Temporary(e)),
        }
    };
    let written = parts
        .iter()
        .try_for_each(|part| file.write_all(part))
        .and_then(|()| match mode {
            Some(mode) => file.sync_all().and_then(|()| {
                std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode))
            }),
            None => Ok(()),
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        ReplaceError::Write(e)
    })
}

/// [`replace`] for a file whose readers can do without it for a moment: the old file is
/// removed first, so a reader in between finds none. A new file renamed over another is
/// written out to disk at once by ext4 (its default `auto_da_alloc`, which protects
/// programs that do not sync); a rename onto no file is not, and the write stays in the
/// page cache like any other (about a tenth of a millisecond of CPU per push).
pub fn replace_unflushed(path: &Path, parts: &[&[u8]]) -> Result<(), ReplaceError> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(ReplaceError::Write(e)),
    }
    replace(path, parts, None)
}

/// Reads at most `cap` bytes of the regular file at `path`, never through a link. A missing
/// file is `NotFound`, as from `File::open`.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(cap).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// An exclusive lock on the file `path` (created if needed, never through a link), held
/// until the returned file is dropped. Writers of one state file take it around their
/// read-modify-write, so concurrent pushes do not lose each other's records.
pub fn lock_exclusive(path: &Path) -> io::Result<File> {
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    // SAFETY: `flock` on a file descriptor this function owns; no memory is passed.
    let rc = unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&f), libc::LOCK_EX) };
    if rc == 0 {
        Ok(f)
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "keep\n").unwrap();
        let link = dir.path().join("audit.log");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(append_no_follow(&link).is_err());
        assert!(read_regular(&link, 10).is_err());
        // Replacing a link replaces the link itself, never the file it names.
        assert!(replace(&link, &[b"x"], None)
            .is_ok_and(|()| std::fs::read(&target).unwrap() == b"keep\n"));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
        let plain = dir.path().join("deploys");
        assert!(append_no_follow(&plain).is_ok());
        assert!(read_regular(dir.path(), 10).is_err());
    }

    #[test]
    fn replace_swaps_the_whole_file_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        std::fs::write(&path, "old\n").unwrap();
        replace(&path, &[b"new ", b"text\n"], None).unwrap();
        assert_eq!(read_regular(&path, 5).unwrap(), b"new t");
        replace(&path, &[b"#!/bin/sh\n"], Some(0o755)).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state")]);
        let missing = dir.path().join("no-dir/state");
        assert!(matches!(
            replace(&missing, &[b"x"], None),
            Err(ReplaceError::Temporary(_))
        ));
    }
}
