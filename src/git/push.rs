//! The pre-push protocol: the lines git writes to a pre-push hook's stdin, and what kind of
//! update each one is.
//!
//! git writes one line per ref it is about to update on the remote:
//! `<local ref> SP <local object name> SP <remote ref> SP <remote object name> LF`
//! (githooks(5)). A deletion has local ref `(delete)` and an all-zero local object name; a ref
//! the remote does not have yet has an all-zero remote object name. Every line matters: `git
//! push origin a b` writes two, and a hook that reads only the first checks one branch.

use std::fmt;

use git2::{ObjectType, Oid, Repository};

use crate::escape::escape_bytes;
use crate::git::{Error, Result};

/// One line of pre-push stdin, syntactically valid but not yet looked up in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawUpdate {
    /// 1-based line number on stdin, for error messages.
    pub line: usize,
    pub local_ref: Vec<u8>,
    /// `None` for the all-zero name (a deletion).
    pub local_oid: Option<Oid>,
    pub remote_ref: Vec<u8>,
    /// `None` for the all-zero name (the remote does not have the ref).
    pub remote_oid: Option<Oid>,
}

/// Parses the whole of pre-push stdin.
///
/// Invariant: every non-empty line yields exactly one [`RawUpdate`] or the whole input is
/// rejected with an error naming the line; nothing is skipped.
pub fn parse_stdin(input: &[u8]) -> Result<Vec<RawUpdate>> {
    let mut updates = Vec::new();
    for (idx, raw_line) in input.split(|&b| b == b'\n').enumerate() {
        let line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        if line.is_empty() {
            continue;
        }
        updates.push(parse_line(idx + 1, line)?);
    }
    Ok(updates)
}

fn parse_line(line_no: usize, line: &[u8]) -> Result<RawUpdate> {
    let fields: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let [local_ref, local_sha, remote_ref, remote_sha] = fields.as_slice() else {
        return Err(Error::new(format!(
            "git sent an unexpected line on the pre-push hook's stdin (line {line_no}): `{}`. \
             Expected four fields `<local ref> <local sha> <remote ref> <remote sha>`. \
             pushguard must be run by git as a pre-push hook (`pushguard hook pre-push <remote> \
             <url>`); to check commits outside a push, use `pushguard check`.",
            escape_bytes(line)
        )));
    };
    let local_oid = parse_oid(line_no, local_sha)?;
    let remote_oid = parse_oid(line_no, remote_sha)?;
    if local_ref.is_empty() || remote_ref.is_empty() {
        return Err(Error::new(format!(
            "git sent an empty ref name on the pre-push hook's stdin (line {line_no}): `{}`.",
            escape_bytes(line)
        )));
    }
    if local_oid.is_none() && *local_ref != b"(delete)" {
        return Err(Error::new(format!(
            "line {line_no} of the pre-push hook's stdin has an all-zero local object name for \
             `{}`, which git only sends for `(delete)`: `{}`.",
            escape_bytes(local_ref),
            escape_bytes(line)
        )));
    }
    Ok(RawUpdate {
        line: line_no,
        local_ref: local_ref.to_vec(),
        local_oid,
        remote_ref: remote_ref.to_vec(),
        remote_oid,
    })
}

/// Parses a full hexadecimal object name (SHA-1 or SHA-256). All zeros means "none".
fn parse_oid(line_no: usize, hex: &[u8]) -> Result<Option<Oid>> {
    let valid_len = hex.len() == 40 || hex.len() == 64;
    if !valid_len || !hex.iter().all(u8::is_ascii_hexdigit) {
        return Err(Error::new(format!(
            "line {line_no} of the pre-push hook's stdin has `{}` where a full object name (40 or \
             64 hexadecimal digits) was expected.",
            escape_bytes(hex)
        )));
    }
    if hex.iter().all(|&b| b == b'0') {
        return Ok(None);
    }
    let text = std::str::from_utf8(hex).unwrap_or_default();
    match Oid::from_str(text) {
        Ok(oid) => Ok(Some(oid)),
        Err(_) if hex.len() == 64 => Err(Error::new(format!(
            "line {line_no} of the pre-push hook's stdin names a SHA-256 object ({}); this \
             pushguard build reads SHA-1 repositories only. Push with `git push --no-verify` \
             to bypass it.",
            escape_bytes(hex)
        ))),
        Err(e) => Err(Error::new(format!(
            "line {line_no}: invalid object name `{}`: {}",
            escape_bytes(hex),
            e.message()
        ))),
    }
}

/// Parses pre-receive (and post-receive) stdin: `<old-value> SP <new-value> SP <ref-name>`
/// per line (githooks(5)), as seen by the receiving repository. The result uses the same
/// [`RawUpdate`] shape as pre-push: the receiving side's "local" object is the new value and
/// its "remote" object is the old one; the ref name is the same on both sides.
pub fn parse_receive_stdin(input: &[u8]) -> Result<Vec<RawUpdate>> {
    let mut updates = Vec::new();
    for (idx, raw_line) in input.split(|&b| b == b'\n').enumerate() {
        let line_no = idx + 1;
        let line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
        let [old, new, refname] = fields.as_slice() else {
            return Err(Error::new(format!(
                "git sent an unexpected line on the pre-receive hook's stdin (line {line_no}): \
                 `{}`. Expected three fields `<old-sha> <new-sha> <ref>`. Install pushguard as \
                 a pre-receive hook with `pushguard hook pre-receive` (see docs/server.md).",
                escape_bytes(line)
            )));
        };
        if refname.is_empty() {
            return Err(Error::new(format!(
                "line {line_no} of the pre-receive hook's stdin has an empty ref name"
            )));
        }
        let new_oid = parse_oid(line_no, new)?;
        updates.push(RawUpdate {
            line: line_no,
            local_ref: if new_oid.is_some() {
                refname.to_vec()
            } else {
                b"(delete)".to_vec()
            },
            local_oid: new_oid,
            remote_ref: refname.to_vec(),
            remote_oid: parse_oid(line_no, old)?,
        });
    }
    Ok(updates)
}

/// What kind of change a push makes to one remote ref.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    /// The remote does not have the ref yet.
    Create,
    /// The remote's commit is an ancestor of the pushed one.
    FastForward,
    /// The remote's commit is known locally and is not an ancestor: history is rewritten.
    Force,
    /// The remote's object is not in the local repository (someone else pushed; fetch first).
    UnknownBase,
    /// The ref is deleted on the remote.
    Delete,
    /// The remote already has exactly this object.
    UpToDate,
    /// Not a push: a revision range given to `pushguard check`.
    Range,
}

impl UpdateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateKind::Create => "create",
            UpdateKind::FastForward => "fast-forward",
            UpdateKind::Force => "force",
            UpdateKind::UnknownBase => "unknown-base",
            UpdateKind::Delete => "delete",
            UpdateKind::UpToDate => "up-to-date",
            UpdateKind::Range => "range",
        }
    }
}

/// What namespace the remote ref lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Branch,
    Tag,
    Other,
}

impl RefKind {
    fn of(name: &[u8]) -> RefKind {
        if name.starts_with(b"refs/heads/") {
            RefKind::Branch
        } else if name.starts_with(b"refs/tags/") {
            RefKind::Tag
        } else {
            RefKind::Other
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Branch => "branch",
            RefKind::Tag => "tag",
            RefKind::Other => "ref",
        }
    }
}

/// One remote ref update, classified against the local repository.
#[derive(Debug, Clone)]
pub struct RefUpdate {
    pub local_ref: Vec<u8>,
    pub local_oid: Option<Oid>,
    pub remote_ref: Vec<u8>,
    pub remote_oid: Option<Oid>,
    pub kind: UpdateKind,
    pub ref_kind: RefKind,
    /// The commit the pushed object peels to (annotated tags peel to their commit). `None`
    /// for deletions and for pushed objects that are not commits (a tag of a tree or blob).
    pub commit: Option<Oid>,
    /// The commit the remote's current object peels to, when that object is in this
    /// repository: what the push builds on, and what the remote already has.
    pub remote_commit: Option<Oid>,
}

impl RefUpdate {
    /// Classifies `raw` by looking its objects up in `repo`, all but one question: an
    /// update from a known commit to another is `FastForward` until
    /// [`RefUpdate::settle_fast_forward`] checks it, which may walk the history. The
    /// pipeline lists the pushed commits first, and they usually settle it without a walk.
    pub fn classify_unwalked(repo: &Repository, raw: &RawUpdate) -> RefUpdate {
        let ref_kind = RefKind::of(&raw.remote_ref);
        let commit = raw.local_oid.and_then(|oid| peel_to_commit(repo, oid));
        let remote_commit = raw.remote_oid.and_then(|oid| peel_to_commit(repo, oid));
        let kind = match (raw.local_oid, raw.remote_oid) {
            (None, _) => UpdateKind::Delete,
            (Some(_), None) => UpdateKind::Create,
            (Some(local), Some(remote)) if local == remote => UpdateKind::UpToDate,
            (Some(_), Some(remote)) => match (commit, remote_commit) {
                _ if repo.find_object(remote, None).is_err() => UpdateKind::UnknownBase,
                (Some(_), Some(_)) => UpdateKind::FastForward,
                // Tags and other non-commit objects: replacing one is not a fast-forward.
                _ => UpdateKind::Force,
            },
        };
        RefUpdate {
            local_ref: raw.local_ref.clone(),
            local_oid: raw.local_oid,
            remote_ref: raw.remote_ref.clone(),
            remote_oid: raw.remote_oid,
            kind,
            ref_kind,
            commit,
            remote_commit,
        }
    }

    /// Checks a `FastForward` left by [`RefUpdate::classify_unwalked`]: it stays one when the
    /// remote's commit is an ancestor of the pushed one, and becomes `Force` otherwise.
    /// `sends_child_of(id)` says whether a commit this update sends has `id` as a parent;
    /// when the remote's commit is one, it is an ancestor and nothing is read. Otherwise
    /// (nothing listed, or the remote's commit lies behind another commit the remote has)
    /// libgit2 walks the history, reading every commit in between.
    pub fn settle_fast_forward(&mut self, repo: &Repository, sends_child_of: impl Fn(Oid) -> bool) {
        let (UpdateKind::FastForward, Some(local), Some(remote)) =
            (self.kind, self.commit, self.remote_commit)
        else {
            return;
        };
        let is_ancestor = local == remote
            || sends_child_of(remote)
            || repo.graph_descendant_of(local, remote).unwrap_or(false);
        if !is_ancestor {
            self.kind = UpdateKind::Force;
        }
    }

    /// The remote ref's short name (`main` for `refs/heads/main`, `v1` for `refs/tags/v1`).
    pub fn short_remote_name(&self) -> String {
        short_name(&self.remote_ref)
    }
}

/// Strips `refs/heads/`, `refs/tags/` (or `refs/`) and escapes the rest for display.
pub fn short_name(refname: &[u8]) -> String {
    let short = refname
        .strip_prefix(b"refs/heads/")
        .or_else(|| refname.strip_prefix(b"refs/tags/"))
        .unwrap_or(refname);
    escape_bytes(short).into_owned()
}

fn peel_to_commit(repo: &Repository, oid: Oid) -> Option<Oid> {
    let obj = repo.find_object(oid, None).ok()?;
    let peeled = obj.peel(ObjectType::Commit).ok()?;
    Some(peeled.id())
}

impl fmt::Display for UpdateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn parses_every_line() {
        let input = format!(
            "refs/heads/a {A} refs/heads/a {Z}\nrefs/heads/b {A} refs/heads/b {A}\n(delete) {Z} refs/heads/c {A}\n"
        );
        let updates = parse_stdin(input.as_bytes()).unwrap();
        assert_eq!(updates.len(), 3);
        assert_eq!(updates[0].remote_oid, None);
        assert_eq!(updates[2].local_oid, None);
        assert_eq!(updates[2].line, 3);
    }

    #[test]
    fn empty_input_is_no_updates() {
        assert!(parse_stdin(b"").unwrap().is_empty());
        assert!(parse_stdin(b"\n\n").unwrap().is_empty());
    }

    #[test]
    fn rejects_malformed_lines_with_line_number() {
        let err = parse_stdin(format!("refs/heads/a {A} refs/heads/a {Z}\nbogus\n").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        let err = parse_stdin(b"refs/heads/a xyz refs/heads/a 00")
            .unwrap_err()
            .to_string();
        assert!(err.contains("object name"), "{err}");
        let err = parse_stdin(format!("refs/heads/a {Z} refs/heads/a {A}").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("(delete)"), "{err}");
    }

    #[test]
    fn parses_pre_receive_lines() {
        let input = format!("{Z} {A} refs/heads/new\n{A} {Z} refs/heads/gone\n");
        let u = parse_receive_stdin(input.as_bytes()).unwrap();
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].remote_oid, None);
        assert_eq!(u[0].local_ref, b"refs/heads/new");
        assert_eq!(u[1].local_ref, b"(delete)");
        assert!(parse_receive_stdin(b"a b").is_err());
    }

    #[test]
    fn escapes_control_characters_in_errors() {
        let err = parse_stdin(b"\x1b[31mred").unwrap_err().to_string();
        assert!(!err.contains('\u{1b}'), "{err}");
    }
}
