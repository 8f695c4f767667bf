//! The one blob reader: "the file at this path in this tree", and "this blob", capped.
//!
//! Every read of repository content goes through [`read_blob`], which takes the size from
//! the object header first, so a huge file is never loaded. [`file_at`] adds the path
//! lookup and admits regular files only: a symbolic link's blob is its target's name and a
//! submodule is a commit of another repository, and neither is what a builder reads when
//! it opens that path.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout};

use git2::{ObjectType, Oid, Repository, Tree};

/// Content of a blob for line-level rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobContent {
    Text(String),
    /// Contains a NUL byte or is not UTF-8.
    Binary,
    /// Larger than the cap; judged by its size (from the object header) only.
    TooLarge(u64),
    /// The object is not in the repository (partial clone) or could not be read.
    Unreadable(String),
}

/// Reads a blob for a content rule, never more than `cap` bytes: the size comes from the
/// object header first, so a huge file is not loaded.
pub fn read_blob(repo: &Repository, id: Oid, cap: u64) -> BlobContent {
    read_blob_sized(repo, id, cap).1
}

/// [`read_blob`], with the blob's size from its header when it could be read.
pub fn read_blob_sized(repo: &Repository, id: Oid, cap: u64) -> (Option<u64>, BlobContent) {
    let odb = match repo.odb() {
        Ok(odb) => odb,
        Err(e) => return (None, BlobContent::Unreadable(e.message().to_owned())),
    };
    let size = match odb.read_header(id) {
        Ok((size, _)) => size as u64,
        Err(e) => return (None, BlobContent::Unreadable(missing(id, "blob", &e))),
    };
    if size > cap {
        return (Some(size), BlobContent::TooLarge(size));
    }
    let content = match repo.find_blob(id) {
        Ok(b) => content_of(b.content()),
        Err(e) => BlobContent::Unreadable(missing(id, "blob", &e)),
    };
    (Some(size), content)
}

/// A blob's bytes as the content rules see them: text, or binary when it holds a NUL or is
/// not UTF-8.
pub fn content_of(bytes: &[u8]) -> BlobContent {
    if memchr::memchr(0, bytes).is_some() {
        return BlobContent::Binary;
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => BlobContent::Text(s.to_owned()),
        Err(_) => BlobContent::Binary,
    }
}

/// Reads many blobs through one `git cat-file --batch`, for pushes that read thousands.
///
/// libgit2 caches only the base of a delta chain, and only when it is under 1 MiB, so
/// reading every version of a file that is stored as a chain of deltas (a data file a bot
/// rewrites, a bundle rebuilt on every commit) re-inflates the chain for each version:
/// quadratic in the chain's length. git keeps every step of the chains it resolves in its
/// delta base cache. On a real repository's whole history (9,207 pushed blobs, 1.5 GB)
/// that is 2.9 s of git against about 7 s of libgit2, and git also serves a long push's
/// many small blobs in about half libgit2's time. The reader asks for a batch of ids at a
/// time, so the cost of a round trip is paid per batch, not per blob.
///
/// Invariants: git runs with replace objects and lazy fetching off (it reads exactly what
/// libgit2 would, and never the network), with its pack windows and delta cache bounded
/// so that its memory stays small; a reply that does not parse breaks the reader for
/// good, and callers then read through libgit2.
pub struct BatchReader {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// What [`BatchReader::read`] gives for one id.
pub enum Batched<'a> {
    Bytes(&'a [u8]),
    /// git has no such object (its reply says `missing`).
    Missing,
}

/// Whether `repo` is a partial clone: git would fetch a missing object from its promisor
/// remote, so only libgit2 (which never fetches) reads it.
pub(crate) fn is_partial_clone(repo: &Repository) -> bool {
    repo.config()
        .ok()
        .and_then(|c| c.get_string("extensions.partialclone").ok())
        .is_some_and(|remote| !remote.is_empty())
}

impl BatchReader {
    /// Starts `git cat-file --batch` on `repo`; `None` when git cannot be started or the
    /// clone is partial.
    pub fn spawn(repo: &Repository) -> Option<BatchReader> {
        if is_partial_clone(repo) {
            return None;
        }
        let mut child = crate::git::git_process(repo)
            // Versions of one path come in a row, each a delta or two from the last.
            .args(crate::git::bounded_memory("core.deltaBaseCacheLimit=8m"))
            .args(["cat-file", "--batch"])
            .spawn()
            .ok()?;
        let stdin = child.stdin.take()?;
        let stdout = child.stdout.take()?;
        crate::git::grow_pipe(&stdout);
        let stdout = BufReader::with_capacity(64 * 1024, stdout);
        Some(BatchReader {
            child,
            stdin,
            stdout,
        })
    }

    /// Reads `ids` in order, calling `each` with every one's bytes (or [`Batched::Missing`]).
    /// At most [`BATCH_IDS`] ids go out before their replies are read, so neither side can
    /// block the other on a full pipe. `Err` when git's replies stop making sense; the ids
    /// not yet given to `each` must then be read some other way.
    pub fn read(
        &mut self,
        ids: &[Oid],
        mut each: impl FnMut(Oid, Batched<'_>),
    ) -> Result<(), BatchBroken> {
        let mut content = Vec::new();
        for chunk in ids.chunks(BATCH_IDS) {
            let mut request = String::with_capacity(chunk.len() * 41);
            for id in chunk {
                request.push_str(&id.to_string());
                request.push('\n');
            }
            self.stdin
                .write_all(request.as_bytes())
                .and_then(|()| self.stdin.flush())
                .map_err(|_| BatchBroken)?;
            for &id in chunk {
                let mut header = String::new();
                self.stdout
                    .read_line(&mut header)
                    .map_err(|_| BatchBroken)?;
                let mut words = header.trim_end().split(' ');
                if words.next() != Some(id.to_string().as_str()) {
                    return Err(BatchBroken);
                }
                match (words.next(), words.next()) {
                    (Some("missing"), None) => each(id, Batched::Missing),
                    (Some("blob"), Some(size)) => {
                        let size: usize = size.parse().map_err(|_| BatchBroken)?;
                        content.clear();
                        content.resize(size + 1, 0);
                        self.stdout
                            .read_exact(&mut content)
                            .map_err(|_| BatchBroken)?;
                        // Each object's bytes end with a line feed of the protocol's own.
                        if content.pop() != Some(b'\n') {
                            return Err(BatchBroken);
                        }
                        each(id, Batched::Bytes(&content));
                    }
                    _ => return Err(BatchBroken),
                }
            }
        }
        Ok(())
    }
}

impl Drop for BatchReader {
    fn drop(&mut self) {
        // Closing its input ends `cat-file`; wait so that it leaves no zombie.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Ids a [`BatchReader`] sends before it reads their replies: 41 bytes each, well within a
/// pipe's 64 KiB, so git is never waiting to write while this process waits to write.
const BATCH_IDS: usize = 512;

/// A [`BatchReader`]'s git replied with something it did not ask for.
#[derive(Debug)]
pub struct BatchBroken;

/// The message for an object that cannot be read.
pub(crate) fn missing(id: Oid, what: &str, e: &git2::Error) -> String {
    format!(
        "{what} {id} could not be read ({}); the clone may be partial or damaged: run `git \
         fetch` (or `git fsck`) and push again",
        e.message()
    )
}

/// What is at a path of a tree, read as a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAt {
    /// A regular file holding UTF-8 text without NUL bytes, within the cap.
    Text(String),
    /// A regular file that is not text.
    Binary,
    /// A regular file larger than the cap, by this many bytes (from the object header).
    TooLarge(u64),
    /// Nothing at that path.
    Missing,
    /// A directory, symbolic link or submodule.
    NotAFile,
    /// The object could not be read (partial or damaged clone).
    Unreadable(String),
}

/// `git2`'s mode of a symbolic link entry.
const SYMLINK_MODE: i32 = 0o120000;

/// The object id of the regular file at `path` (repository-relative, `/`-separated) in
/// `tree`; [`FileAt::Missing`] when there is nothing there, [`FileAt::NotAFile`] for a
/// directory, symbolic link or submodule.
pub fn regular_file(tree: &Tree<'_>, path: &str) -> Result<Oid, FileAt> {
    regular_entry(tree.get_path(std::path::Path::new(path)).ok().as_ref())
}

/// [`regular_file`] for an entry already looked up (`None`: nothing at the path).
pub fn regular_entry(entry: Option<&git2::TreeEntry<'_>>) -> Result<Oid, FileAt> {
    let entry = entry.ok_or(FileAt::Missing)?;
    if entry.kind() == Some(ObjectType::Blob) && entry.filemode() != SYMLINK_MODE {
        Ok(entry.id())
    } else {
        Err(FileAt::NotAFile)
    }
}

/// Whether `path` in `tree` is a blob (a file or a symbolic link, not a directory or a
/// submodule).
pub fn is_blob(tree: &Tree<'_>, path: &str) -> bool {
    tree.get_path(std::path::Path::new(path))
        .is_ok_and(|e| e.kind() == Some(git2::ObjectType::Blob))
}

/// `path` with a symbolic link at any of its components followed (`conf/app.yml` where
/// `conf -> settings/prod` is `settings/prod/app.yml`), as a checkout resolves it. `None`
/// when a link leaves the repository or loops.
pub fn resolve_path(repo: &Repository, tree: &Tree<'_>, path: &str) -> Option<String> {
    let mut resolved = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        let next = crate::paths::join(&resolved, part);
        resolved = resolve_links(repo, tree, &next)?;
    }
    Some(resolved)
}

/// How many symbolic links [`resolve_links`] follows before it gives up (a loop).
const MAX_LINK_HOPS: usize = 8;

/// The path `path` leads to in `tree` once its symbolic links are followed the way a
/// checkout resolves them: a link's target is read from its blob, relative to the link's
/// directory. `None` when a link leaves the repository, is absolute, loops, or cannot be
/// read. A path that is not a link is returned as it is.
///
/// Builders read a checkout, where a committed `Dockerfile -> deploy/Dockerfile` is the
/// file it points at; pushguard reads the same file, and never anything outside the tree.
pub fn resolve_links(repo: &Repository, tree: &Tree<'_>, path: &str) -> Option<String> {
    let mut path = path.to_owned();
    for _ in 0..MAX_LINK_HOPS {
        let Ok(entry) = tree.get_path(std::path::Path::new(&path)) else {
            return Some(path);
        };
        if entry.filemode() != SYMLINK_MODE {
            return Some(path);
        }
        let blob = repo.find_blob(entry.id()).ok()?;
        let target = std::str::from_utf8(blob.content())
            .ok()?
            .trim_end_matches('\n');
        if target.starts_with('/') || target.len() > 4096 {
            return None;
        }
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        path = crate::paths::clean_repo_path(&crate::paths::join(dir, target))?;
    }
    None
}

/// The file at `path` (repository-relative, `/`-separated) in `tree`, never reading more
/// than `cap` bytes.
pub fn file_at(repo: &Repository, tree: &Tree<'_>, path: &str, cap: u64) -> FileAt {
    match regular_file(tree, path) {
        Ok(id) => file_of(repo, id, cap),
        Err(other) => other,
    }
}

/// The regular file whose blob is `id`, read as [`file_at`] reads it.
pub fn file_of(repo: &Repository, id: Oid, cap: u64) -> FileAt {
    match read_blob(repo, id, cap) {
        BlobContent::Text(text) => FileAt::Text(text),
        BlobContent::Binary => FileAt::Binary,
        BlobContent::TooLarge(size) => FileAt::TooLarge(size),
        BlobContent::Unreadable(why) => FileAt::Unreadable(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let mut builder = repo.treebuilder(None).unwrap();
        let text = repo.blob(b"FROM scratch\n").unwrap();
        let binary = repo.blob(b"\0\x01").unwrap();
        let big = repo.blob(&[b'x'; 100]).unwrap();
        builder.insert("Dockerfile", text, 0o100644).unwrap();
        builder.insert("run.sh", text, 0o100755).unwrap();
        builder.insert("bin", binary, 0o100644).unwrap();
        builder.insert("big", big, 0o100644).unwrap();
        builder.insert("link", text, 0o120000).unwrap();
        let sub = repo.treebuilder(None).unwrap().write().unwrap();
        builder.insert("dir", sub, 0o040000).unwrap();
        let tree = repo.find_tree(builder.write().unwrap()).unwrap();
        let at = |path: &str| file_at(&repo, &tree, path, 64);
        assert_eq!(at("Dockerfile"), FileAt::Text("FROM scratch\n".to_owned()));
        assert_eq!(at("run.sh"), FileAt::Text("FROM scratch\n".to_owned()));
        assert_eq!(at("bin"), FileAt::Binary);
        assert_eq!(at("big"), FileAt::TooLarge(100));
        assert_eq!(at("link"), FileAt::NotAFile);
        assert_eq!(at("dir"), FileAt::NotAFile);
        assert_eq!(at("nope"), FileAt::Missing);
        assert_eq!(at("dir/nope"), FileAt::Missing);
    }

    #[test]
    fn links_resolve_inside_the_tree_only() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let file = repo.blob(b"FROM scratch\n").unwrap();
        let mut deploy = repo.treebuilder(None).unwrap();
        deploy.insert("Dockerfile", file, 0o100644).unwrap();
        let deploy = deploy.write().unwrap();
        let mut root = repo.treebuilder(None).unwrap();
        root.insert("deploy", deploy, 0o040000).unwrap();
        let link = |target: &[u8]| repo.blob(target).unwrap();
        root.insert("Dockerfile", link(b"deploy/Dockerfile"), 0o120000)
            .unwrap();
        root.insert("out", link(b"../../etc/passwd"), 0o120000)
            .unwrap();
        root.insert("abs", link(b"/etc/passwd"), 0o120000).unwrap();
        root.insert("loop", link(b"loop"), 0o120000).unwrap();
        let tree = repo.find_tree(root.write().unwrap()).unwrap();
        let at = |p: &str| resolve_links(&repo, &tree, p);
        assert_eq!(at("Dockerfile").as_deref(), Some("deploy/Dockerfile"));
        assert_eq!(
            at("deploy/Dockerfile").as_deref(),
            Some("deploy/Dockerfile")
        );
        assert_eq!(at("out"), None);
        assert_eq!(at("abs"), None);
        assert_eq!(at("loop"), None);
    }
}
