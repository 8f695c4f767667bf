//! Git in: what a push sends and what changed in it.
//!
//! [`push`] parses the ref lines git hands a hook into [`push::RefUpdate`]s, [`range`] works
//! out which commits each update carries, and [`changes`] lists what each of those commits
//! changed (a [`changes::ChangeSet`]); `blob` reads the file at a path of a tree. Nothing here knows about Docker or deploys.

pub(crate) mod blob;
pub mod changes;
pub(crate) mod line_diff;
pub mod push;
pub mod range;

crate::error::stage_error!(
    /// An error of the git stage: a push line that does not parse, a revision that does not
    /// resolve, history that cannot be read. The message is for people; the libgit2 or I/O
    /// error underneath, when there is one, is its source.
    Error
);

/// A libgit2 error on its own shows as libgit2 words it.
impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Error {
        Error::new(e.to_string())
    }
}

/// The git stage's results.
pub type Result<T> = std::result::Result<T, Error>;
