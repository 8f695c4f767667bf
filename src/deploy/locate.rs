//! Where the deploy configuration files of a tree are (`fly.toml`, `fly.*.toml`,
//! `railway.json`, `vercel.json`, … see [`is_config_name`]): found by a bounded
//! breadth-first walk of tree objects, or derived from the previous tree's locations and
//! the diff, and cached per tree id in the state directory.
//!
//! The walk reads tree objects only, looks no deeper than [`MAX_DEPTH`] directories below
//! the root, skips [`SKIPPED_DIRS`] and directories whose name starts with `.`, and reads at
//! most [`MAX_TREES`] trees; on a tree of 100,000 files it costs a few milliseconds (see
//! `docs/rebuild.md`).

use std::collections::VecDeque;

use git2::{ObjectType, Oid, Repository, Tree};

use crate::git::changes::FileChange;
use crate::paths::join;

/// The tree discovery last ran on and the files that changed since, from which the config
/// locations of the new tree follow without a walk when the old tree's are cached.
#[derive(Clone, Copy)]
pub struct Previous<'a> {
    pub tree: Oid,
    pub changed: &'a [FileChange],
}

/// The deploy configuration files of a tree, shallowest first, and how they were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    pub paths: Vec<String>,
    /// The walk ran out of budget: deeper directories were not searched.
    pub truncated: bool,
    pub how: How,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    /// This tree's locations were cached.
    Cached,
    /// Derived from the cached locations of the previous tree and the changed files.
    Derived,
    /// Walked.
    Walked,
}

/// The state file caching config locations per tree id (`<git dir>/pushguard/`).
pub(crate) const CACHE_FILE: &str = "deploy-configs.json";

/// A larger cache file is not read (pushguard writes at most [`CACHE_TREES`] entries).
const MAX_CACHE_BYTES: u64 = 4 * 1024 * 1024;

/// The cache format; files of another version are ignored (version 1 held fly.toml only).
const CACHE_VERSION: u64 = 3;

/// The deepest directory searched: `a/b/c/d/fly.toml` is found, `a/b/c/d/e/fly.toml` is
/// not.
pub const MAX_DEPTH: usize = 4;

/// Directories never searched: dependency and build output trees, and the directories
/// that hold sample configurations rather than deployed ones (test fixtures, templates,
/// examples). A config there that a workflow deploys is still read: the workflow names it.
pub const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "vendor",
    "target",
    "dist",
    "build",
    "__pycache__",
    "venv",
    "site-packages",
    "test",
    "tests",
    "testdata",
    "__tests__",
    "fixtures",
    "__fixtures__",
    "templates",
    "examples",
];

/// The most tree objects one walk reads.
pub const MAX_TREES: usize = 50_000;

/// Whether a file named `name` is a deploy configuration the map reads wherever it is:
/// `fly.toml` and `fly.<anything>.toml` (flyctl reads any name given with `--config`),
/// `railway.json`/`.toml`, `vercel.json`, `netlify.toml`, `render.yaml`, `heroku.yml`
/// and the `wrangler` configs.
pub fn is_config_name(name: &str) -> bool {
    matches!(
        name,
        "fly.toml"
            | "railway.json"
            | "railway.toml"
            | "vercel.json"
            | "netlify.toml"
            | "render.yaml"
            | "heroku.yml"
            | "wrangler.toml"
            | "wrangler.json"
            | "wrangler.jsonc"
    ) || name
        .strip_prefix("fly.")
        .and_then(|n| n.strip_suffix(".toml"))
        .is_some_and(|mid| !mid.is_empty())
}

/// How many trees the cache remembers. Each push's previous tree is normally the tree of
/// the push before, so a few suffice.
const CACHE_TREES: usize = 16;

/// Finds the deploy configuration files of `tree`: from the cache, derived from the previous tree's
/// cached locations and the diff, or by walking; the result is cached (best effort: a
/// cache that cannot be read or written only costs a walk).
///
/// Derivation is exact: a config file appears or disappears only where the diff adds or
/// deletes a file of a config name, and whether its directory is searched depends on its
/// path alone.
pub(crate) fn locate_configs(
    repo: &Repository,
    tree: &Tree<'_>,
    previous: Option<Previous<'_>>,
) -> Located {
    let mut cache = Cache::load(repo);
    if let Some(hit) = cache.get(tree.id()) {
        return Located {
            how: How::Cached,
            ..hit
        };
    }
    let derived = previous.and_then(|p| {
        let old = cache.get(p.tree).filter(|o| !o.truncated)?;
        let mut paths = old.paths;
        for change in p.changed {
            let Ok(path) = std::str::from_utf8(&change.path) else {
                continue;
            };
            if !is_searched_config(path) {
                continue;
            }
            paths.retain(|p| p != path);
            let is_blob = change
                .new
                .is_some_and(|b| b.kind != crate::git::changes::EntryKind::Submodule);
            if is_blob {
                paths.push(path.to_owned());
            }
        }
        sort_by_depth(&mut paths);
        Some(Located {
            paths,
            truncated: false,
            how: How::Derived,
        })
    });
    let located = derived.unwrap_or_else(|| {
        let mut walk = Walk {
            repo,
            configs: Vec::new(),
            trees_read: 0,
            truncated: false,
        };
        walk.run(tree);
        let mut paths: Vec<String> = walk.configs.into_iter().map(|(_, p, _)| p).collect();
        sort_by_depth(&mut paths);
        Located {
            paths,
            truncated: walk.truncated,
            how: How::Walked,
        }
    });
    cache.put(tree.id(), &located);
    cache.save(repo);
    located
}

/// Whether `path` is a config file the walk would find: at most [`MAX_DEPTH`] directories
/// deep, under no skipped or dot directory.
pub(crate) fn is_searched_config(path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    if !parts.pop().is_some_and(is_config_name) || parts.len() > MAX_DEPTH {
        return false;
    }
    parts
        .iter()
        .all(|d| !d.is_empty() && !d.starts_with('.') && !SKIPPED_DIRS.contains(d))
}

/// Shallowest first, then by path: the walk's breadth-first order, made deterministic.
fn sort_by_depth(paths: &mut [String]) {
    paths.sort_by(|a, b| {
        let depth = |p: &str| p.matches('/').count();
        depth(a).cmp(&depth(b)).then_with(|| a.cmp(b))
    });
}

/// The location cache: `{"version": 2, "trees": [{"tree", "truncated",
/// "paths"}]}`, most recent last.
#[derive(Default)]
struct Cache {
    trees: Vec<(Oid, bool, Vec<String>)>,
    dirty: bool,
}

impl Cache {
    fn load(repo: &Repository) -> Cache {
        let path = crate::state::state_dir(repo).join(CACHE_FILE);
        let Ok(bytes) = crate::files::read_regular(&path, MAX_CACHE_BYTES) else {
            return Cache::default();
        };
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            return Cache::default();
        };
        if doc.get("version").and_then(serde_json::Value::as_u64) != Some(CACHE_VERSION) {
            return Cache::default();
        }
        let trees = doc
            .get("trees")
            .and_then(serde_json::Value::as_array)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| {
                        let tree = Oid::from_str(e.get("tree")?.as_str()?).ok()?;
                        let truncated = e.get("truncated")?.as_bool()?;
                        let paths = e
                            .get("paths")?
                            .as_array()?
                            .iter()
                            .map(|p| p.as_str().map(str::to_owned))
                            .collect::<Option<Vec<String>>>()?;
                        Some((tree, truncated, paths))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Cache {
            trees,
            dirty: false,
        }
    }

    fn get(&self, tree: Oid) -> Option<Located> {
        self.trees
            .iter()
            .find(|(t, _, _)| *t == tree)
            .map(|(_, truncated, paths)| Located {
                paths: paths.clone(),
                truncated: *truncated,
                how: How::Cached,
            })
    }

    fn put(&mut self, tree: Oid, located: &Located) {
        self.trees.retain(|(t, _, _)| *t != tree);
        self.trees
            .push((tree, located.truncated, located.paths.clone()));
        let excess = self.trees.len().saturating_sub(CACHE_TREES);
        self.trees.drain(..excess);
        self.dirty = true;
    }

    /// Writes the cache (whole, never through a link); errors are ignored, the cache being
    /// an optimisation. A new tree is cached on most pushes, so the old file is removed
    /// first ([`crate::files::replace_unflushed`]): a reader in between walks, which is all
    /// a missing cache costs.
    fn save(&self, repo: &Repository) {
        if !self.dirty {
            return;
        }
        let doc = serde_json::json!({
            "version": CACHE_VERSION,
            "trees": self.trees.iter().map(|(t, truncated, paths)| serde_json::json!({
                "tree": t.to_string(),
                "truncated": truncated,
                "paths": paths,
            })).collect::<Vec<_>>(),
        });
        let dir = crate::state::state_dir(repo);
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let _ =
            crate::files::replace_unflushed(&dir.join(CACHE_FILE), &[doc.to_string().as_bytes()]);
    }
}

/// The depth-limited search for config files, breadth first so that when the budget runs
/// out it is the deepest directories that go unsearched.
struct Walk<'r> {
    repo: &'r Repository,
    /// (directory, config path, blob id), shallowest first, in tree order within a level.
    configs: Vec<(String, String, Oid)>,
    trees_read: usize,
    truncated: bool,
}

impl Walk<'_> {
    fn run(&mut self, root: &Tree<'_>) {
        let mut queue: VecDeque<(String, git2::Oid, usize)> = VecDeque::new();
        self.entries(root, "", 0, &mut queue);
        while let Some((dir, id, depth)) = queue.pop_front() {
            if self.trees_read >= MAX_TREES {
                self.truncated = true;
                return;
            }
            self.trees_read += 1;
            if let Ok(tree) = self.repo.find_tree(id) {
                self.entries(&tree, &dir, depth, &mut queue);
            }
        }
    }

    /// Records the config files of `tree` (at `dir`, `depth` levels down) and queues its
    /// searchable subdirectories.
    fn entries(
        &mut self,
        tree: &Tree<'_>,
        dir: &str,
        depth: usize,
        queue: &mut VecDeque<(String, git2::Oid, usize)>,
    ) {
        for entry in tree.iter() {
            let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
                continue;
            };
            match entry.kind() {
                Some(ObjectType::Blob) if is_config_name(name) => {
                    self.configs
                        .push((dir.to_owned(), join(dir, name), entry.id()));
                }
                Some(ObjectType::Tree)
                    if depth < MAX_DEPTH
                        && !name.starts_with('.')
                        && !SKIPPED_DIRS.contains(&name) =>
                {
                    queue.push_back((join(dir, name), entry.id(), depth + 1));
                }
                _ => {}
            }
        }
    }
}
