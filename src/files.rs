//! Opening pushguard's own state files (the audit log, the deploy records) for writing,
//! never through a symbolic link: a link put in a state file's place makes the write fail
//! instead of landing in the file it points at.

use std::fs::{File, OpenOptions};
use std::io;
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

/// Creates or truncates `path` for writing; fails on a symbolic link.
pub fn create_no_follow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
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
        assert!(create_no_follow(&link).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
        let plain = dir.path().join("deploys");
        assert!(create_no_follow(&plain).is_ok());
        assert!(append_no_follow(&plain).is_ok());
    }
}
