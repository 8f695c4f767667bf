//! Which commits a push sends: the commit range of each ref update.
//!
//! A ref update sends the commits reachable from the pushed commit that the remote does not
//! have. We cannot ask the remote, so we exclude what we know it has: the commit it has for
//! this ref (when that object exists locally) and everything reachable from our
//! remote-tracking refs for that remote (taken from its fetch refspecs). A new branch off
//! `main` therefore reports only its own commits, and re-pushing commits the remote already
//! has reports none.

use std::collections::HashSet;

use git2::{Oid, Repository, Sort};

use crate::git::{Error, Result};

/// The commits to inspect for one update: reachable from `include`, not from any of `hide`.
#[derive(Debug, Clone, Default)]
pub struct CommitRange {
    pub include: Vec<Oid>,
    pub hide: Vec<Oid>,
}

impl CommitRange {
    /// Lists the range's commits, oldest first (topological, so parents precede children).
    pub fn commits(&self, repo: &Repository) -> Result<Vec<Oid>> {
        if self.include.is_empty() {
            return Ok(Vec::new());
        }
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        for &oid in &self.include {
            walk.push(oid).map_err(|e| {
                Error::with_source(format!("cannot walk history from commit {oid}"), e)
            })?;
        }
        for &oid in &self.hide {
            // A tip that cannot be walked (missing in a partial or damaged clone) only makes
            // the range larger, never hides pushed commits, so it is safe to skip here.
            let _ = walk.hide(oid);
        }
        walk.map(|r| r.map_err(|e| Error::with_source("cannot list the pushed commits", e)))
            .collect()
    }
}

/// Parses `pushguard check`'s RANGE arguments, git revision syntax as `git rev-list` takes
/// it: `A..B`, `A...B` (both sides, without their merge bases), `C^!` (just C), `^X`
/// (exclude X), or a plain revision. With no exclusion at all, everything reachable from a
/// remote-tracking ref is excluded: "its commits not on any remote".
pub fn parse_range_args(repo: &Repository, args: &[String]) -> Result<CommitRange> {
    let mut range = CommitRange::default();
    let mut excluded_any = false;
    for arg in args {
        if let Some(base) = arg.strip_suffix("^!") {
            let commit = resolve(repo, base)?;
            range.include.push(commit);
            let c = repo.find_commit(commit)?;
            range.hide.extend(c.parent_ids());
            excluded_any = true;
        } else if let Some(rev) = arg.strip_prefix('^') {
            range.hide.push(resolve(repo, rev)?);
            excluded_any = true;
        } else if let Some((a, b)) = arg.split_once("...") {
            let (a, b) = (resolve_or_head(repo, a)?, resolve_or_head(repo, b)?);
            range.include.extend([a, b]);
            if let Ok(base) = repo.merge_base(a, b) {
                range.hide.push(base);
            }
            excluded_any = true;
        } else if let Some((a, b)) = arg.split_once("..") {
            range.hide.push(resolve_or_head(repo, a)?);
            range.include.push(resolve_or_head(repo, b)?);
            excluded_any = true;
        } else {
            range.include.push(resolve(repo, arg)?);
        }
    }
    if !excluded_any {
        range.hide.extend(RemoteKnowledge::all_remotes(repo)?.tips);
    }
    Ok(range)
}

/// The default range of `check`: `@{upstream}..HEAD`, else HEAD's commits not on any remote.
pub fn default_range(repo: &Repository) -> Result<(String, CommitRange)> {
    let head = resolve(repo, "HEAD")?;
    if let Ok(upstream) = repo.revparse_single("@{upstream}") {
        if let Ok(c) = upstream.peel_to_commit() {
            let range = CommitRange {
                include: vec![head],
                hide: vec![c.id()],
            };
            return Ok(("@{upstream}..HEAD".to_owned(), range));
        }
    }
    let range = CommitRange {
        include: vec![head],
        hide: RemoteKnowledge::all_remotes(repo)?.tips,
    };
    Ok(("HEAD".to_owned(), range))
}

fn resolve_or_head(repo: &Repository, rev: &str) -> Result<Oid> {
    resolve(repo, if rev.is_empty() { "HEAD" } else { rev })
}

fn resolve(repo: &Repository, rev: &str) -> Result<Oid> {
    let obj = repo.revparse_single(rev).map_err(|e| {
        let message = format!(
            "`{}` is not a revision in this repository; give a branch, tag, commit id or \
             range such as `origin/main..HEAD`",
            crate::escape::escape(rev)
        );
        Error::with_source(message, e)
    })?;
    let commit = obj.peel_to_commit().map_err(|e| {
        let message = format!(
            "`{}` does not point to a commit",
            crate::escape::escape(rev)
        );
        Error::with_source(message, e)
    })?;
    Ok(commit.id())
}

/// Commits the remote is known to have, from the remote-tracking refs of the remote that
/// git named in the hook's arguments.
#[derive(Debug, Clone, Default)]
pub struct RemoteKnowledge {
    /// The configured remote the push goes to, when it could be identified.
    pub remote: Option<String>,
    /// Peeled commit ids of that remote's tracking refs.
    pub tips: Vec<Oid>,
}

impl RemoteKnowledge {
    /// Identifies the remote (by name, else by matching `url` against each remote's url and
    /// pushurl) and collects its tracking refs' commits.
    pub fn for_push(repo: &Repository, name: &str, url: &str) -> Result<RemoteKnowledge> {
        let remotes = repo.remotes()?;
        let names: Vec<String> = remotes
            .iter_bytes()
            .filter_map(|b| std::str::from_utf8(b).ok())
            .map(str::to_owned)
            .collect();
        let matched = names
            .iter()
            .find(|n| n.as_str() == name)
            .cloned()
            .or_else(|| {
                names.iter().find_map(|n| {
                    let remote = repo.find_remote(n).ok()?;
                    let same = [remote.url().ok(), remote.pushurl().ok().flatten()]
                        .into_iter()
                        .flatten()
                        .any(|u| same_url(u, url) || same_url(u, name));
                    same.then(|| n.clone())
                })
            });
        let Some(remote_name) = matched else {
            return Ok(RemoteKnowledge::default());
        };
        let remote = repo.find_remote(&remote_name)?;
        let mut globs = Vec::new();
        for spec in remote.refspecs() {
            if spec.direction() != git2::Direction::Fetch {
                continue;
            }
            let Ok(dst) = spec.dst() else { continue };
            if spec.str().is_ok_and(|s| s.starts_with('^')) {
                continue;
            }
            globs.push(dst.to_owned());
        }
        let tips = tips_of_globs(repo, &globs)?;
        Ok(RemoteKnowledge {
            remote: Some(remote_name),
            tips,
        })
    }

    /// Every remote-tracking ref (`refs/remotes/*`), for checks outside a push.
    pub fn all_remotes(repo: &Repository) -> Result<RemoteKnowledge> {
        Ok(RemoteKnowledge {
            remote: None,
            tips: tips_of_globs(repo, &["refs/remotes/*".to_owned()])?,
        })
    }
}

fn tips_of_globs(repo: &Repository, globs: &[String]) -> Result<Vec<Oid>> {
    let mut seen = HashSet::new();
    let mut tips = Vec::new();
    for glob in globs {
        let refs = if glob.contains('*') {
            repo.references_glob(glob)?
                .filter_map(|r| r.ok())
                .collect::<Vec<_>>()
        } else {
            repo.find_reference(glob).into_iter().collect()
        };
        for reference in refs {
            if let Ok(commit) = reference.peel_to_commit() {
                if seen.insert(commit.id()) {
                    tips.push(commit.id());
                }
            }
        }
    }
    Ok(tips)
}

/// Compares remote URLs loosely: trailing slashes and a trailing `.git` do not matter.
fn same_url(a: &str, b: &str) -> bool {
    fn norm(u: &str) -> &str {
        let u = u.trim_end_matches('/');
        u.strip_suffix(".git").unwrap_or(u)
    }
    norm(a) == norm(b)
}

/// The commits at which a shallow clone's history is cut off. Their parents are not in the
/// repository, so their changes cannot be computed.
pub fn shallow_boundary(repo: &Repository) -> HashSet<Oid> {
    let path = repo.commondir().join("shallow");
    let Ok(text) = std::fs::read_to_string(path) else {
        return HashSet::new();
    };
    text.lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_compare_loosely() {
        assert!(same_url("/srv/a.git", "/srv/a"));
        assert!(same_url("https://x/y.git/", "https://x/y"));
        assert!(!same_url("/srv/a", "/srv/b"));
    }
}
