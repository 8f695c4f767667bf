//! Build contexts: which context a repository path is sent to, and which `.dockerignore`
//! decides whether it is. The one answer to that question, used by the rebuild prediction
//! ([`crate::build::rebuild`]) and by every rule that asks it.
//!
//! The context of a path is the app model's ([`crate::build::apps`]): the deepest context
//! of a discovered app that contains the path. A directory holding a `Dockerfile`,
//! `Containerfile` or `fly.toml` that no app builds from is a context too (a service built
//! by hand or by a CI job pushguard does not know of), when it is deeper than every app's:
//! so a sub-project's own `.dockerignore` is honoured even when only the root app is
//! declared. Outside every context, the repository root is the context.
//!
//! The ignore file of a context is the first of
//! [`ignore_file_candidates`]`(context, dockerfile)` present in the tree, as BuildKit picks
//! it; an ignore file that is present but unusable (not a regular text file, or a pattern
//! Docker refuses) decides nothing either way.

use std::collections::HashMap;
use std::rc::Rc;

use git2::{ObjectType, Oid, Repository, Tree};

use crate::build::apps::{self, App, AppOrigin};
use crate::config::Config;
use crate::docker::dockerignore::{ignore_file_candidates, DockerIgnore};
use crate::git::blob::{file_at, FileAt};
use crate::paths::join;

/// The largest `.dockerignore` read.
pub const MAX_IGNORE_BYTES: u64 = 1024 * 1024;

/// Files that mark a directory as the root of a build context.
const CONTEXT_MARKERS: &[&str] = &["Dockerfile", "Containerfile", "fly.toml"];

/// A build context: the directory sent to the builder and the Dockerfile built from it.
///
/// Invariant: both are cleaned repository-relative paths; the root is `""`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildContext {
    pub dir: String,
    pub dockerfile: String,
}

impl BuildContext {
    /// The context of `app`.
    pub fn of_app(app: &App) -> BuildContext {
        BuildContext {
            dir: app.context.clone(),
            dockerfile: app.dockerfile.clone(),
        }
    }

    /// The context of a directory built with its own `Dockerfile` (`docker build dir`).
    pub fn of_dir(dir: &str) -> BuildContext {
        BuildContext {
            dir: dir.to_owned(),
            dockerfile: join(dir, "Dockerfile"),
        }
    }

    /// `path` (repository-relative) relative to the context directory, when it is inside.
    pub fn relative<'p>(&self, path: &'p str) -> Option<&'p str> {
        relative(path, &self.dir)
    }
}

/// The ignore file BuildKit uses for `context` in `tree`: the first candidate present, with
/// what is there. `None` when there is none.
pub fn ignore_file(
    repo: &Repository,
    tree: &Tree<'_>,
    context: &BuildContext,
) -> Option<(String, FileAt)> {
    ignore_file_candidates(&context.dir, &context.dockerfile)
        .into_iter()
        .find_map(|path| match file_at(repo, tree, &path, MAX_IGNORE_BYTES) {
            FileAt::Missing => None,
            other => Some((path, other)),
        })
}

/// The effective ignore rules of a context.
#[derive(Debug)]
pub enum Ignore {
    /// `file` is the ignore file in effect, or the one to create when there is none (then
    /// `rules` is empty).
    Parsed { file: String, rules: DockerIgnore },
    /// The ignore file exists but cannot be used (invalid, binary, not a regular file,
    /// unreadable), so nothing is claimed either way.
    Unusable,
}

/// Where a path stands with respect to its build context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Sent to the builder. `ignore_file` is the ignore file in effect (or the one to create).
    Sent {
        context: String,
        ignore_file: String,
    },
    /// Left out by the context's ignore file.
    Excluded,
    /// The ignore file exists but cannot be used, so nothing is claimed either way.
    Unknown,
}

/// The build contexts of one tree, answering per path with everything looked up once.
///
/// The apps are discovered on first need: most pushes never ask.
pub struct Contexts<'r> {
    repo: &'r Repository,
    config: &'r Config,
    tree: Tree<'r>,
    apps: Option<Vec<App>>,
    trees: HashMap<String, Option<Tree<'r>>>,
    markers: HashMap<String, bool>,
    ignores: HashMap<BuildContextKey, Rc<Ignore>>,
}

type BuildContextKey = (String, String);

impl<'r> Contexts<'r> {
    /// The contexts of `tree`, with the `[[app]]` tables of `config`.
    pub fn new(repo: &'r Repository, config: &'r Config, tree: Tree<'r>) -> Contexts<'r> {
        Contexts {
            repo,
            config,
            tree,
            apps: None,
            trees: HashMap::new(),
            markers: HashMap::new(),
            ignores: HashMap::new(),
        }
    }

    /// The contexts of `commit`'s tree; `None` when the tree cannot be read.
    pub fn of_commit(
        repo: &'r Repository,
        config: &'r Config,
        commit: Oid,
    ) -> Option<Contexts<'r>> {
        let tree = repo.find_commit(commit).ok()?.tree().ok()?;
        Some(Contexts::new(repo, config, tree))
    }

    fn apps(&mut self) -> &[App] {
        let (repo, config, tree) = (self.repo, self.config, &self.tree);
        self.apps
            .get_or_insert_with(|| apps::discover(repo, tree, config, None).apps)
    }

    /// The object id of the blob at `path` in this tree, if there is one.
    pub fn blob_at(&mut self, path: &str) -> Option<Oid> {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let tree = self.tree_at(dir)?;
        let entry = tree.get_name_bytes(name.as_bytes())?;
        (entry.kind() == Some(ObjectType::Blob)).then(|| entry.id())
    }

    /// The subtree at `dir` (`""`: the root), each looked up once: a push that adds
    /// thousands of files to one directory reads its tree once, not once per file.
    fn tree_at(&mut self, dir: &str) -> Option<Tree<'r>> {
        if dir.is_empty() {
            return Some(self.tree.clone());
        }
        if let Some(known) = self.trees.get(dir) {
            return known.clone();
        }
        let (parent_dir, name) = dir.rsplit_once('/').unwrap_or(("", dir));
        let found = self.tree_at(parent_dir).and_then(|parent| {
            let entry = parent.get_name_bytes(name.as_bytes())?;
            if entry.kind() != Some(ObjectType::Tree) {
                return None;
            }
            self.repo.find_tree(entry.id()).ok()
        });
        self.trees.insert(dir.to_owned(), found.clone());
        found
    }

    /// The build context `path` (repository-relative) is sent to: the deepest app context
    /// holding it, or a deeper directory marked by a Dockerfile, Containerfile or fly.toml,
    /// else the root.
    pub fn context_for(&mut self, path: &str) -> BuildContext {
        let app = self
            .apps()
            .iter()
            .filter(|a| a.in_context(path.as_bytes()).is_some())
            .fold(None::<&App>, |best, a| match best {
                Some(b) if b.context.len() >= a.context.len() => Some(b),
                _ => Some(a),
            })
            .map(BuildContext::of_app);
        let app_depth = app.as_ref().map_or(0, |c| c.dir.len());
        let mut dir = parent(path);
        while dir.len() > app_depth {
            if self.is_marked(dir) {
                return BuildContext::of_dir(dir);
            }
            dir = parent(dir);
        }
        app.unwrap_or_else(|| BuildContext::of_dir(""))
    }

    /// The build context of the Dockerfile at `path`: the context of the first app built
    /// from it, else the Dockerfile's directory (what `fly deploy`, `docker build -f
    /// dir/Dockerfile dir` and Railway's root-directory setting use).
    pub fn context_of_dockerfile(&mut self, path: &str) -> BuildContext {
        if let Some(app) = self.apps().iter().find(|a| a.dockerfile == path) {
            return BuildContext::of_app(app);
        }
        BuildContext {
            dir: parent(path).to_owned(),
            dockerfile: path.to_owned(),
        }
    }

    fn is_marked(&mut self, dir: &str) -> bool {
        if let Some(&known) = self.markers.get(dir) {
            return known;
        }
        // The markers of an app built from elsewhere (a fly.toml deployed from the root by
        // a workflow) make no context of their own: the app's context is where it is built.
        let built_elsewhere = self.apps().iter().any(|a| {
            let declared_here = parent(&a.dockerfile) == dir
                || matches!(&a.origin, AppOrigin::FlyToml(p) if parent(p) == dir);
            declared_here && a.context != dir
        });
        let marked = !built_elsewhere
            && CONTEXT_MARKERS
                .iter()
                .any(|m| self.blob_at(&format!("{dir}/{m}")).is_some());
        self.markers.insert(dir.to_owned(), marked);
        marked
    }

    /// Whether `path` (repository-relative) is sent to the builder of its context.
    pub fn placement(&mut self, path: &str) -> Placement {
        let context = self.context_for(path);
        let ignore = self.ignore(&context);
        let Ignore::Parsed { file, rules } = &*ignore else {
            return Placement::Unknown;
        };
        if rules.is_excluded(context.relative(path).unwrap_or(path)) {
            Placement::Excluded
        } else {
            Placement::Sent {
                context: context.dir,
                ignore_file: file.clone(),
            }
        }
    }

    /// The effective ignore rules of `context` in this tree (see [`ignore_file`]).
    pub fn ignore(&mut self, context: &BuildContext) -> Rc<Ignore> {
        let key = (context.dir.clone(), context.dockerfile.clone());
        if let Some(known) = self.ignores.get(&key) {
            return Rc::clone(known);
        }
        let ignore = match ignore_file(self.repo, &self.tree, context) {
            None => Ignore::Parsed {
                file: join(&context.dir, ".dockerignore"),
                rules: DockerIgnore::empty(),
            },
            Some((file, FileAt::Text(text))) => match DockerIgnore::parse(&text) {
                Ok(rules) => Ignore::Parsed { file, rules },
                Err(_) => Ignore::Unusable,
            },
            Some(_) => Ignore::Unusable,
        };
        let ignore = Rc::new(ignore);
        self.ignores.insert(key, Rc::clone(&ignore));
        ignore
    }
}

/// `path` relative to the directory `dir` (`""`: the root), when it is inside.
pub fn relative<'p>(path: &'p str, dir: &str) -> Option<&'p str> {
    if dir.is_empty() {
        return Some(path);
    }
    path.strip_prefix(dir)?.strip_prefix('/')
}

/// The directory part of a `/`-separated path (`""` at the root).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::git::testing::tree_with;

    fn config(toml: &str) -> Config {
        Config::from_user_toml(toml, std::path::Path::new("pushguard.toml")).unwrap()
    }

    #[test]
    fn the_deepest_of_app_contexts_and_marker_directories_wins() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let tree = tree_with(
            &repo,
            &[
                ("fly.toml", "app = \"root\"\n"),
                ("Dockerfile", "FROM scratch\n"),
                ("api/Dockerfile", "FROM scratch\n"),
                ("api/.dockerignore", ".venv\n"),
                ("worker/src/x.py", "1\n"),
                ("docker/worker.Dockerfile", "FROM scratch\n"),
                ("docker/worker.Dockerfile.dockerignore", "**/*.log\n"),
            ],
        );
        let config = config(
            "[[app]]\nname = \"worker\"\ncontext = \"worker\"\n\
             dockerfile = \"docker/worker.Dockerfile\"\n",
        );
        let tree = repo.find_tree(tree).unwrap();
        let mut contexts = Contexts::new(&repo, &config, tree);
        // A marker directory below the root app is its own context.
        assert_eq!(
            contexts.context_for("api/.venv/a.py"),
            BuildContext::of_dir("api")
        );
        assert_eq!(contexts.placement("api/.venv/a.py"), Placement::Excluded);
        // The root app, for the rest.
        assert_eq!(
            contexts.placement("web/.venv/a.py"),
            Placement::Sent {
                context: String::new(),
                ignore_file: ".dockerignore".to_owned()
            }
        );
        // A configured app's context, with its Dockerfile-specific ignore file.
        let worker = contexts.context_for("worker/src/x.log");
        assert_eq!(worker.dir, "worker");
        assert_eq!(worker.dockerfile, "docker/worker.Dockerfile");
        assert_eq!(contexts.placement("worker/src/x.log"), Placement::Excluded);
        assert_eq!(
            contexts
                .context_of_dockerfile("docker/worker.Dockerfile")
                .dir,
            "worker"
        );
        assert_eq!(contexts.context_of_dockerfile("api/Dockerfile").dir, "api");
    }

    #[test]
    fn an_unusable_ignore_file_decides_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let tree = tree_with(
            &repo,
            &[("Dockerfile", "FROM scratch\n"), (".dockerignore", "[\n")],
        );
        let config = Config::builtin();
        let tree = repo.find_tree(tree).unwrap();
        let mut contexts = Contexts::new(&repo, &config, tree);
        assert_eq!(contexts.placement("x"), Placement::Unknown);
    }

    #[test]
    fn paths_relative_to_a_context() {
        assert_eq!(relative("api/x/y", "api"), Some("x/y"));
        assert_eq!(relative("apix/y", "api"), None);
        assert_eq!(relative("x", ""), Some("x"));
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("c"), "");
    }
}
