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

//!
//! The module is split by job: [`locate`] finds the fly.toml files of a tree (walking it, or
//! from a per-tree cache), [`fly_toml`] reads one into an app.

use std::collections::BTreeMap;

use git2::{ObjectType, Repository, Tree};

use crate::config::Config;
use crate::deploy::workflows::fly_deploys;
use crate::git::blob::resolve_links;
use crate::severity::Severity;

mod fly_toml;
mod locate;
#[cfg(test)]
mod tests;

pub use fly_toml::fly_build_args;
use fly_toml::{fly_app, FlyApp};
pub(crate) use locate::locate_fly_tomls;
pub use locate::Previous;

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
    // The directory flyctl runs in is the build context: a workflow that deploys a
    // fly.toml from elsewhere (`flyctl deploy --config apps/api/fly.toml` at the root)
    // says where; otherwise flyctl is taken to run beside its fly.toml.
    let deploys = fly_deploys(repo, tree);
    // `fly.staging.toml` and other names flyctl only reads when a command names them.
    let mut paths = located.paths;
    for d in &deploys {
        if d.config.ends_with(".toml") && !paths.contains(&d.config) && is_blob(tree, &d.config) {
            paths.push(d.config.clone());
        }
    }
    for path in paths {
        let dir = path
            .rsplit_once('/')
            .map_or_else(String::new, |(d, _)| d.to_owned());
        let workdir = deploys
            .iter()
            .find(|d| d.config == path)
            .map_or(dir.as_str(), |d| d.workdir.as_str());
        match fly_app(repo, tree, &dir, workdir, &path) {
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
    // A committed `Dockerfile -> deploy/Dockerfile` is, in the builder's checkout, the file
    // it points at.
    for app in &mut found.apps {
        if let Some(path) = resolve_links(repo, tree, &app.dockerfile) {
            app.dockerfile = path;
        }
    }
    found
}

fn is_blob(tree: &Tree<'_>, path: &str) -> bool {
    tree.get_path(std::path::Path::new(path))
        .is_ok_and(|e| e.kind() == Some(ObjectType::Blob))
}
