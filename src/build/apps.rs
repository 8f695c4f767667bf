//! Apps: what a push to this repository builds and deploys, found in the pushed commit.
//!
//! An app is a Docker build: a Dockerfile, a build context and an optional target stage.
//! They come from, in order:
//!
//! 1. `[[app]]` tables in pushguard.toml (any platform);
//! 2. `fly.toml` files in the pushed tree: the app name is its `app` key, the build context
//!    is the directory holding the fly.toml (where `fly deploy` runs), the Dockerfile is
//!    `[build] dockerfile` relative to that directory (default `Dockerfile`), the target is
//!    `[build] build-target`, and `[build.args]` are build arguments. A fly.toml app that
//!    builds from `[build] image` or a buildpack `builder` has no Dockerfile to read and is
//!    left out. An `[[app]]` with the same name replaces it (for a CI job that runs
//!    `fly deploy --config dir/fly.toml` from the root, where the context is the root);
//! 3. with neither, a `Dockerfile` at the root: one app named `app`.
//!
//! Discovery reads tree objects only, never blobs other than the fly.toml files found, and
//! looks for fly.toml files no deeper than [`MAX_DEPTH`] directories below the root, skipping
//! [`SKIPPED_DIRS`] and directories whose name starts with `.`. On a tree of 100,000 files
//! that costs a few milliseconds (see `docs/rebuild.md`). At most [`MAX_TREES`] trees are
//! read; beyond that the search stops with a note.

use std::collections::{BTreeMap, VecDeque};

use git2::{ObjectType, Oid, Repository, Tree};

use crate::config::Config;
use crate::git::blob::{file_at, FileAt};
use crate::git::changes::FileChange;
use crate::paths::{clean_repo_path, join};
use crate::severity::Severity;

/// The deepest directory searched for fly.toml: `a/b/c/d/fly.toml` is found,
/// `a/b/c/d/e/fly.toml` is not.
pub const MAX_DEPTH: usize = 4;

/// Directories never searched for fly.toml: dependency and build output trees.
pub const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "vendor",
    "target",
    "dist",
    "build",
    "__pycache__",
    "venv",
    "site-packages",
];

/// The most tree objects one discovery reads.
pub const MAX_TREES: usize = 50_000;

/// The largest fly.toml read; a bigger one is reported, not parsed.
const MAX_FLY_TOML_BYTES: u64 = 256 * 1024;

/// Where an app's definition came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppOrigin {
    /// A `[[app]]` table of the configuration.
    Config,
    /// The fly.toml at this repository-relative path.
    FlyToml(String),
    /// The repository's root `Dockerfile`, with no other app defined.
    RootDockerfile,
}

/// One app built from a Dockerfile.
///
/// Invariant: `context` and `dockerfile` are cleaned repository-relative paths (see
/// [`crate::paths::clean_repo_path`]); the root is `""`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub name: String,
    pub context: String,
    pub dockerfile: String,
    /// The stage built; `None` builds the last stage.
    pub target: Option<String>,
    /// Branches that deploy it; empty means `[deploy] branches`.
    pub branches: Vec<String>,
    /// Build arguments passed by the platform (fly.toml `[build.args]`).
    pub build_args: BTreeMap<String, String>,
    pub origin: AppOrigin,
}

impl App {
    /// How the app is named in reports: its context directory, or its name for an app
    /// built from the repository root. Raw (not escaped).
    pub fn label(&self) -> &str {
        if self.context.is_empty() {
            &self.name
        } else {
            &self.context
        }
    }

    /// Whether `path` (repository-relative) is inside the build context; the path relative
    /// to the context when it is.
    pub fn in_context<'p>(&self, path: &'p [u8]) -> Option<&'p [u8]> {
        if self.context.is_empty() {
            return Some(path);
        }
        let rest = path.strip_prefix(self.context.as_bytes())?;
        rest.strip_prefix(b"/")
    }
}

/// Something about an app's definition that the user should fix (a fly.toml that does not
/// parse, a Dockerfile that is not there). Text is raw; escape it for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppNote {
    /// Warn when the deploy will fail or go unpredicted; info when pushguard merely cannot
    /// tell.
    pub severity: Severity,
    /// Repository-relative path of the file concerned.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    pub message: String,
}

/// The apps of one tree, and the problems met while finding them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    pub apps: Vec<App>,
    pub notes: Vec<AppNote>,
}

/// Finds the apps of `tree` (the pushed commit's), with the `[[app]]` tables of `config`.
pub fn discover(
    repo: &Repository,
    tree: &Tree<'_>,
    config: &Config,
    previous: Option<Previous<'_>>,
) -> Discovery {
    let mut found = Discovery::default();
    for app in &config.apps {
        found.apps.push(App {
            name: app.name.clone(),
            context: app.context.clone(),
            dockerfile: app.dockerfile.clone(),
            target: app.target.clone(),
            branches: app.branches.clone(),
            build_args: BTreeMap::new(),
            origin: AppOrigin::Config,
        });
    }
    let located = locate_fly_tomls(repo, tree, previous);
    if located.truncated {
        found.notes.push(AppNote {
            severity: Severity::Info,
            path: String::new(),
            line: None,
            message: format!(
                "stopped looking for fly.toml files after {MAX_TREES} directories; declare \
                 the apps you deploy with [[app]] tables in pushguard.toml"
            ),
        });
    }
    for path in located.paths {
        let dir = path
            .rsplit_once('/')
            .map_or_else(String::new, |(d, _)| d.to_owned());
        match fly_app(repo, tree, &dir, &path) {
            FlyApp::App(app) => {
                if !config.apps.iter().any(|a| a.name == app.name) {
                    found.apps.push(*app);
                }
            }
            FlyApp::NotDocker => {}
            FlyApp::Note(note) => found.notes.push(note),
        }
    }
    if found.apps.is_empty() && is_blob(tree, "Dockerfile") {
        found.apps.push(App {
            name: "app".to_owned(),
            context: String::new(),
            dockerfile: "Dockerfile".to_owned(),
            target: None,
            branches: Vec::new(),
            build_args: BTreeMap::new(),
            origin: AppOrigin::RootDockerfile,
        });
    }
    found
}

/// The `[build.args]` of the fly.toml at `path` in `tree`; empty when it is absent or
/// unreadable. Used for the previous commit's arguments.
pub fn fly_build_args(repo: &Repository, tree: &Tree<'_>, path: &str) -> BTreeMap<String, String> {
    match file_at(repo, tree, path, MAX_FLY_TOML_BYTES) {
        FileAt::Text(text) => match text.parse::<toml::Table>() {
            Ok(doc) => build_args(&doc),
            Err(_) => BTreeMap::new(),
        },
        _ => BTreeMap::new(),
    }
}

fn is_blob(tree: &Tree<'_>, path: &str) -> bool {
    tree.get_path(std::path::Path::new(path))
        .is_ok_and(|e| e.kind() == Some(ObjectType::Blob))
}

/// The tree discovery last ran on and the files that changed since, from which the fly.toml
/// locations of the new tree follow without a walk when the old tree's are cached.
#[derive(Clone, Copy)]
pub struct Previous<'a> {
    pub tree: Oid,
    pub changed: &'a [FileChange],
}

/// The fly.toml files of a tree, shallowest first, and how they were found.
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

/// The state file caching fly.toml locations per tree id (`<git dir>/pushguard/`).
const CACHE_FILE: &str = "fly-tomls.json";

/// How many trees the cache remembers. Each push's previous tree is normally the tree of
/// the push before, so a few suffice.
const CACHE_TREES: usize = 16;

/// Finds the fly.toml files of `tree`: from the cache, derived from the previous tree's
/// cached locations and the diff, or by walking; the result is cached (best effort: a
/// cache that cannot be read or written only costs a walk).
///
/// Derivation is exact: a fly.toml appears or disappears only where the diff adds or
/// deletes a file named `fly.toml`, and whether its directory is searched depends on its
/// path alone.
pub(crate) fn locate_fly_tomls(
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
            if !is_searched_fly_toml(path) {
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
            fly_tomls: Vec::new(),
            trees_read: 0,
            truncated: false,
        };
        walk.run(tree);
        let mut paths: Vec<String> = walk.fly_tomls.into_iter().map(|(_, p, _)| p).collect();
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

/// Whether `path` is a fly.toml the walk would find: at most [`MAX_DEPTH`] directories
/// deep, under no skipped or dot directory.
fn is_searched_fly_toml(path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    if parts.pop() != Some("fly.toml") || parts.len() > MAX_DEPTH {
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

/// The fly.toml location cache: `{"version": 1, "trees": [{"tree", "truncated",
/// "paths"}]}`, most recent last.
#[derive(Default)]
struct Cache {
    trees: Vec<(Oid, bool, Vec<String>)>,
    dirty: bool,
}

impl Cache {
    fn load(repo: &Repository) -> Cache {
        let path = crate::state::state_dir(repo).join(CACHE_FILE);
        let Ok(text) = std::fs::read_to_string(path) else {
            return Cache::default();
        };
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
            return Cache::default();
        };
        if doc.get("version").and_then(serde_json::Value::as_u64) != Some(1) {
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

    /// Writes the cache (atomically: a temporary file renamed over it); errors are
    /// ignored, the cache being an optimisation.
    fn save(&self, repo: &Repository) {
        if !self.dirty {
            return;
        }
        let doc = serde_json::json!({
            "version": 1,
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
        let tmp = dir.join(format!("{CACHE_FILE}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, doc.to_string()).is_ok()
            && std::fs::rename(&tmp, dir.join(CACHE_FILE)).is_err()
        {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// The depth-limited search for fly.toml files, breadth first so that when the budget runs
/// out it is the deepest directories that go unsearched.
struct Walk<'r> {
    repo: &'r Repository,
    /// (directory, fly.toml path, blob id), shallowest first, in tree order within a level.
    fly_tomls: Vec<(String, String, Oid)>,
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

    /// Records the fly.toml of `tree` (at `dir`, `depth` levels down) and queues its
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
                Some(ObjectType::Blob) if name == "fly.toml" => {
                    self.fly_tomls
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

enum FlyApp {
    App(Box<App>),
    /// Built from an image or a buildpack builder: no Dockerfile.
    NotDocker,
    Note(AppNote),
}

/// Reads the fly.toml at `path` (in directory `dir`) and makes an app of it.
fn fly_app(repo: &Repository, tree: &Tree<'_>, dir: &str, path: &str) -> FlyApp {
    let note_with = |severity: Severity, line: Option<u32>, message: String| {
        FlyApp::Note(AppNote {
            severity,
            path: path.to_owned(),
            line,
            message,
        })
    };
    let note = |line: Option<u32>, message: String| note_with(Severity::Warn, line, message);
    let text = match file_at(repo, tree, path, MAX_FLY_TOML_BYTES) {
        FileAt::Text(text) => text,
        // Gone between the listing and the read: the listing came from a cache.
        FileAt::Missing => return FlyApp::NotDocker,
        FileAt::NotAFile => {
            return note(
                None,
                "is not a regular file (a symbolic link or submodule), so its app is not \
                 analysed"
                    .to_owned(),
            )
        }
        FileAt::Binary => {
            return note(
                None,
                "is not UTF-8 text, so its app is not analysed".to_owned(),
            )
        }
        FileAt::TooLarge(size) => {
            return note(
                None,
                format!("is {size} bytes, too large to be a fly.toml; its app is not analysed"),
            )
        }
        FileAt::Unreadable(why) => return note(None, why),
    };
    let doc = match text.parse::<toml::Table>() {
        Ok(doc) => doc,
        Err(e) => {
            let line = e.span().map(|s| line_of(&text, s.start));
            let message = e.message().trim().replace('\n', "; ");
            return note(
                line,
                format!(
                    "does not parse as TOML ({message}); flyctl will reject it too, and \
                     pushguard cannot tell which Dockerfile this app builds"
                ),
            );
        }
    };
    let build = doc.get("build").and_then(toml::Value::as_table);
    let build_str = |key: &str| {
        build
            .and_then(|b| b.get(key))
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    let name = doc
        .get("app")
        .and_then(toml::Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| match dir.rsplit('/').next() {
            Some(last) if !last.is_empty() => last.to_owned(),
            _ => "app".to_owned(),
        });
    let target = build_str("build-target").or_else(|| build_str("build_target"));
    let explicit = build_str("dockerfile");
    let dockerfile = match &explicit {
        Some(rel) => match clean_repo_path(&join(dir, rel)) {
            Some(p) => p,
            None => {
                return note(
                    None,
                    format!(
                        "`[build] dockerfile = {rel:?}` points outside the repository, so \
                         pushguard cannot read it"
                    ),
                )
            }
        },
        None => join(dir, "Dockerfile"),
    };
    if !is_blob(tree, &dockerfile) {
        if explicit.is_some() {
            return note(
                None,
                format!(
                    "names the Dockerfile {dockerfile}, which is not in the pushed commit; \
                     `fly deploy` will fail to find it"
                ),
            );
        }
        if build_str("image").is_some()
            || build_str("builder").is_some()
            || build.and_then(|b| b.get("buildpacks")).is_some()
        {
            return FlyApp::NotDocker;
        }
        return note_with(
            Severity::Info,
            None,
            format!(
                "app `{name}` has no Dockerfile ({dockerfile} is not in the pushed commit and \
                 `[build]` names none), so pushguard cannot predict its build"
            ),
        );
    }
    FlyApp::App(Box::new(App {
        name,
        context: dir.to_owned(),
        dockerfile,
        target,
        branches: Vec::new(),
        build_args: build.map(build_args).unwrap_or_default(),
        origin: AppOrigin::FlyToml(path.to_owned()),
    }))
}

/// `[build.args]` (given the `[build]` table, or the whole document): string, integer,
/// float and boolean values, as flyctl passes them.
fn build_args(table: &toml::Table) -> BTreeMap<String, String> {
    let args = table
        .get("args")
        .or_else(|| {
            table
                .get("build")
                .and_then(toml::Value::as_table)
                .and_then(|b| b.get("args"))
        })
        .and_then(toml::Value::as_table);
    let Some(args) = args else {
        return BTreeMap::new();
    };
    args.iter()
        .filter_map(|(k, v)| {
            let value = match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => return None,
            };
            Some((k.clone(), value))
        })
        .collect()
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> u32 {
    let upto = text.get(..offset).unwrap_or(text);
    u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository whose HEAD tree holds `files`.
    fn repo_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Repository) {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        for (path, text) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        let mut index = repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        let tree_id = index.write_tree().unwrap();
        {
            let tree = repo.find_tree(tree_id).unwrap();
            let sig = git2::Signature::now("t", "t@example.com").unwrap();
            repo.commit(Some("HEAD"), &sig, &sig, "init", &tree, &[])
                .unwrap();
        }
        (dir, repo)
    }

    fn discover_head(repo: &Repository, config: &Config) -> Discovery {
        let tree = repo.head().unwrap().peel_to_tree().unwrap();
        discover(repo, &tree, config, None)
    }

    #[test]
    fn a_root_dockerfile_is_one_app() {
        let (_d, repo) = repo_with(&[("Dockerfile", "FROM scratch\n")]);
        let found = discover_head(&repo, &Config::builtin());
        assert_eq!(found.apps.len(), 1);
        let app = &found.apps[0];
        assert_eq!(
            (
                app.name.as_str(),
                app.context.as_str(),
                app.dockerfile.as_str()
            ),
            ("app", "", "Dockerfile")
        );
        assert_eq!(app.origin, AppOrigin::RootDockerfile);
        assert!(found.notes.is_empty());
    }

    #[test]
    fn fly_tomls_define_apps_in_their_directories() {
        let (_d, repo) = repo_with(&[
            ("Dockerfile", "FROM scratch\n"),
            (
                "apps/api/fly.toml",
                "app = \"acme-api\"\nprimary_region = \"ams\"\n[build]\ndockerfile = \"docker/Dockerfile.prod\"\nbuild-target = \"runtime\"\n[build.args]\nPY = \"3.12\"\nN = 2\n[[services]]\ninternal_port = 8080\n",
            ),
            ("apps/api/docker/Dockerfile.prod", "FROM scratch\n"),
            ("apps/web/fly.toml", "app = \"acme-web\"\n"),
            ("apps/web/Dockerfile", "FROM scratch\n"),
            ("apps/img/fly.toml", "app = \"img\"\n[build]\nimage = \"nginx:1\"\n"),
        ]);
        let found = discover_head(&repo, &Config::builtin());
        assert!(found.notes.is_empty(), "{:?}", found.notes);
        let names: Vec<&str> = found.apps.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["acme-api", "acme-web"]);
        let api = &found.apps[0];
        assert_eq!(api.context, "apps/api");
        assert_eq!(api.dockerfile, "apps/api/docker/Dockerfile.prod");
        assert_eq!(api.target.as_deref(), Some("runtime"));
        assert_eq!(api.build_args.get("PY").map(String::as_str), Some("3.12"));
        assert_eq!(api.build_args.get("N").map(String::as_str), Some("2"));
        assert_eq!(api.label(), "apps/api");
        assert_eq!(api.in_context(b"apps/api/x.py"), Some(&b"x.py"[..]));
        assert_eq!(api.in_context(b"apps/apix/y"), None);
        assert_eq!(
            fly_build_args(
                &repo,
                &repo.head().unwrap().peel_to_tree().unwrap(),
                "apps/api/fly.toml"
            )
            .len(),
            2
        );
    }

    #[test]
    fn broken_and_dockerless_fly_tomls_are_notes() {
        let (_d, repo) = repo_with(&[
            ("a/fly.toml", "app = \"a\"\n[build\n"),
            (
                "b/fly.toml",
                "app = \"b\"\n[build]\ndockerfile = \"Nope\"\n",
            ),
            ("c/fly.toml", "app = \"c\"\n"),
            ("d/fly.toml", "[build]\ndockerfile = \"../../x\"\n"),
        ]);
        let found = discover_head(&repo, &Config::builtin());
        assert!(found.apps.is_empty());
        let notes: Vec<(&str, Option<u32>)> = found
            .notes
            .iter()
            .map(|n| (n.path.as_str(), n.line))
            .collect();
        assert_eq!(
            notes,
            [
                ("a/fly.toml", Some(2)),
                ("b/fly.toml", None),
                ("c/fly.toml", None),
                ("d/fly.toml", None)
            ]
        );
        assert!(found.notes[0].message.contains("does not parse"));
        assert!(found.notes[1].message.contains("b/Nope"));
    }

    #[test]
    fn the_search_stops_at_depth_and_skips_dependency_trees() {
        let (_d, repo) = repo_with(&[
            ("a/b/c/d/fly.toml", "app = \"deep\"\n"),
            ("a/b/c/d/Dockerfile", "FROM scratch\n"),
            ("a/b/c/d/e/fly.toml", "app = \"too-deep\"\n"),
            ("a/b/c/d/e/Dockerfile", "FROM scratch\n"),
            ("node_modules/x/fly.toml", "app = \"dep\"\n"),
            ("node_modules/x/Dockerfile", "FROM scratch\n"),
            (".hidden/fly.toml", "app = \"hidden\"\n"),
            (".hidden/Dockerfile", "FROM scratch\n"),
        ]);
        let found = discover_head(&repo, &Config::builtin());
        let names: Vec<&str> = found.apps.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["deep"]);
    }

    #[test]
    fn config_apps_come_first_and_replace_fly_apps_of_the_same_name() {
        let (_d, repo) = repo_with(&[
            ("svc/fly.toml", "app = \"svc\"\n"),
            ("svc/Dockerfile", "FROM scratch\n"),
            ("Dockerfile", "FROM scratch\n"),
        ]);
        let config = Config::from_user_toml(
            "[[app]]\nname = \"svc\"\ncontext = \".\"\ndockerfile = \"svc/Dockerfile\"\n\
             [[app]]\nname = \"worker\"\ncontext = \"./worker/\"\ntarget = \"w\"\nbranches = [\"prod\"]\n",
            std::path::Path::new("pushguard.toml"),
        )
        .unwrap();
        let found = discover_head(&repo, &config);
        let apps: Vec<(&str, &str, &str)> = found
            .apps
            .iter()
            .map(|a| (a.name.as_str(), a.context.as_str(), a.dockerfile.as_str()))
            .collect();
        assert_eq!(
            apps,
            [
                ("svc", "", "svc/Dockerfile"),
                ("worker", "worker", "worker/Dockerfile")
            ]
        );
        assert_eq!(found.apps[1].branches, ["prod"]);
        assert!(config.deploys_anything("prod"));
        assert!(!config.deploys_app(&found.apps[1].branches, "main"));
        assert!(config.deploys_app(&found.apps[0].branches, "main"));
    }

    /// Writes `files`, removes `gone`, stages everything and commits; returns the tree.
    fn commit_change<'r>(
        dir: &std::path::Path,
        repo: &'r Repository,
        files: &[(&str, &str)],
        gone: &[&str],
    ) -> Tree<'r> {
        for (path, text) in files {
            let full = dir.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        for path in gone {
            std::fs::remove_file(dir.join(path)).unwrap();
        }
        let mut index = repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.update_all(["*"], None).unwrap();
        let tree_id = index.write_tree().unwrap();
        let tree = repo.find_tree(tree_id).unwrap();
        let sig = git2::Signature::now("t", "t@example.com").unwrap();
        let parent = repo.head().unwrap().peel_to_commit().unwrap();
        repo.commit(Some("HEAD"), &sig, &sig, "change", &tree, &[&parent])
            .unwrap();
        tree
    }

    #[test]
    fn fly_toml_locations_are_cached_and_derived_from_the_diff() {
        let (dir, repo) = repo_with(&[
            ("a/fly.toml", "app = \"a\"\n"),
            ("keep/fly.toml", "app = \"k\"\n"),
            ("x.py", "1\n"),
        ]);
        let t1 = repo.head().unwrap().peel_to_tree().unwrap();
        let first = locate_fly_tomls(&repo, &t1, None);
        assert_eq!(first.how, How::Walked);
        assert_eq!(first.paths, ["a/fly.toml", "keep/fly.toml"]);
        assert_eq!(locate_fly_tomls(&repo, &t1, None).how, How::Cached);

        let t2 = commit_change(
            dir.path(),
            &repo,
            &[
                ("b/c/fly.toml", "app = \"b\"\n"),
                ("fly.toml", "app = \"root\"\n"),
                ("node_modules/m/fly.toml", "app = \"m\"\n"),
                ("d1/d2/d3/d4/d5/fly.toml", "app = \"deep\"\n"),
                ("keep/fly.toml", "app = \"k2\"\n"),
            ],
            &["a/fly.toml"],
        );
        let changed = crate::git::changes::diff_trees(&repo, Some(&t1), Some(&t2)).unwrap();
        let derived = locate_fly_tomls(
            &repo,
            &t2,
            Some(Previous {
                tree: t1.id(),
                changed: &changed,
            }),
        );
        assert_eq!(derived.how, How::Derived);
        assert_eq!(derived.paths, ["fly.toml", "keep/fly.toml", "b/c/fly.toml"]);
        // The same as a walk of the new tree.
        let cache = crate::state::state_dir(&repo).join(CACHE_FILE);
        std::fs::write(&cache, "not json").unwrap();
        let walked = locate_fly_tomls(&repo, &t2, None);
        assert_eq!(walked.how, How::Walked);
        assert_eq!(walked.paths, derived.paths);
        // Discovery goes through the cache too.
        let found = discover(&repo, &t2, &Config::builtin(), None);
        assert!(found.apps.is_empty());
        assert_eq!(found.notes.len(), 3, "{:?}", found.notes);
    }
}
