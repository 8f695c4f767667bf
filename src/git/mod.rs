//! Git in: what a push sends and what changed in it.
//!
//! [`push`] parses the ref lines git hands a hook into [`push::RefUpdate`]s, [`range`] works
//! out which commits each update carries, and [`changes`] lists what each of those commits
//! changed (a [`changes::ChangeSet`]); `blob` reads the file at a path of a tree. Nothing here knows about Docker or deploys.

pub(crate) mod blob;
pub mod changes;
pub mod infer;
pub(crate) mod line_diff;
pub mod push;
pub mod range;
#[cfg(test)]
pub(crate) mod testing;

/// A `git` process on `repo` as pushguard runs one: on exactly the objects libgit2 reads
/// (replace refs off), never fetching (git >= 2.44 would fetch a missing object from a
/// promisor remote), input and output piped, its complaints dropped (a failure shows as
/// output the caller does not accept, and the caller then reads through libgit2).
pub(crate) fn git_process(repo: &git2::Repository) -> std::process::Command {
    git_process_in(repo.path())
}

/// [`git_process`] on the repository whose git directory is `git_dir`: for a thread that
/// cannot share the repository's handle.
pub(crate) fn git_process_in(git_dir: &std::path::Path) -> std::process::Command {
    use std::process::Stdio;
    let mut cmd = std::process::Command::new("git");
    cmd.arg("--git-dir")
        .arg(git_dir)
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    cmd
}

/// Grows the pipe a git child writes its output to to 1 MiB (`/proc/sys/fs/pipe-max-size`'s
/// default, what an unprivileged process may ask for), so that git writes ahead of this
/// process instead of stopping at every 64 KiB, and this process is woken for a batch of
/// output, not for each write: a push reading its large blobs through `git cat-file`
/// waited 4 % less for it (loa-freeside's last 50 commits, 167 → 161 ms). Whether the pipe
/// has that size now; nothing changes where it cannot grow.
pub(crate) fn grow_pipe(pipe: &impl std::os::fd::AsRawFd) -> bool {
    #[cfg(target_os = "linux")]
    {
        const PIPE_BYTES: libc::c_int = 1024 * 1024;
        // SAFETY: fcntl on a pipe descriptor the caller owns; no memory is passed.
        let size = unsafe { libc::fcntl(pipe.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_BYTES) };
        size >= PIPE_BYTES
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pipe;
        false
    }
}

/// `-c` settings for the git processes pushguard starts on a long push (`git log`, `git
/// cat-file`), so that what they keep resident is bounded whatever the pack's size. git's
/// defaults map packfiles in 1 GiB windows, up to 8 GiB, and cache 96 MiB of delta bases:
/// listing a whole history reads trees from all over the pack, and the pages it touched
/// stay resident (106 MB for a 284 MB pack, against 39 MB with these, in the same CPU
/// time). `delta_cache` is the `core.deltaBaseCacheLimit=…` setting, sized per use: a
/// small one makes git re-inflate deltas (4 MiB: 30 % more CPU listing 3,000 commits of a
/// 20,000-file tree). Only memory changes; what git prints does not.
pub(crate) fn bounded_memory(delta_cache: &'static str) -> [&'static str; 6] {
    [
        "-c",
        "core.packedGitWindowSize=1m",
        "-c",
        "core.packedGitLimit=8m",
        "-c",
        delta_cache,
    ]
}

crate::error::stage_error!(
    /// An error of the git stage: a push line that does not parse, a revision that does not
    /// resolve, history that cannot be read. The message is for people; the libgit2 or I/O
    /// error underneath, when there is one, is its source.
    Error
);

/// A libgit2 error on its own shows as libgit2 words it, without its class and code.
impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Error {
        Error::new(e.message())
    }
}

/// The git stage's results.
pub type Result<T> = std::result::Result<T, Error>;
