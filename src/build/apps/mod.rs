//! Apps: the Docker builds a push to this repository makes, found in the pushed commit.
//!
//! An app is a Docker build: a Dockerfile, a build context and an optional target stage.
//! They come from, in order:
//!
//! 1. `[[app]]` tables in pushguard.toml (any platform);
//! 2. the deploy map's targets that build a Dockerfile ([`crate::deploy::map_of`]): a fly
//!    config read as flyctl reads it (context = the directory flyctl runs in), a Railway,
//!    Render, Heroku or Space Docker build, a workflow's `docker build` + push. Targets
//!    building one Dockerfile the same way are one app. An `[[app]]` with the same name
//!    replaces a target's app;
//! 3. with neither, a `Dockerfile` at the root: one app named `app`, unless the map says
//!    every target builds some other way (a buildpack, a prebuilt image, a site).

use std::collections::BTreeMap;

use git2::{Repository, Tree};

use crate::config::Config;
use crate::deploy::locate::Previous as LocatePrevious;
use crate::deploy::{map_of, Build, DeployTarget, Platform};
use crate::git::blob::{is_blob, resolve_links};

#[cfg(test)]
mod tests;

pub use crate::deploy::fly::fly_build_args;
pub use crate::deploy::locate::Previous;
/// A problem with an app's definition: the deploy map's [`crate::deploy::Note`].
pub type AppNote = crate::deploy::Note;

/// Where an app's definition came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppOrigin {
    /// A `[[app]]` table of the configuration.
    Config,
    /// The fly.toml at this repository-relative path.
    FlyToml(String),
    /// A deploy target declared in this file (a railway.json, a workflow…).
    Deploy(String),
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
    /// Build arguments passed by the platform (fly.toml `[build.args]`, `--build-arg`).
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

    /// Whether `other` is this app: the same name, or the same Dockerfile built from the
    /// same context to the same stage.
    pub fn same_build(&self, other: &App) -> bool {
        self.name == other.name
            || (self.dockerfile == other.dockerfile
                && self.context == other.context
                && self.target == other.target)
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
    previous: Option<LocatePrevious<'_>>,
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
    let map = map_of(repo, tree, previous);
    found.notes.extend(map.notes.iter().cloned());
    for t in &map.targets {
        let Some(app) = app_of(t) else { continue };
        let taken = found.apps.iter().any(|a| {
            a.name == app.name
                || (a.dockerfile == app.dockerfile
                    && a.context == app.context
                    && a.target == app.target
                    && a.build_args == app.build_args)
        });
        if !taken {
            found.apps.push(app);
        }
    }
    let builds_otherwise = !map.targets.is_empty()
        && map
            .targets
            .iter()
            .all(|t| !matches!(t.build, Build::Unknown | Build::Docker(_)));
    if found.apps.is_empty() && !builds_otherwise && is_blob(tree, "Dockerfile") {
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

/// The app a target builds, when it builds a Dockerfile.
pub fn app_of(t: &DeployTarget) -> Option<App> {
    let Build::Docker(d) = &t.build else {
        return None;
    };
    Some(App {
        name: t.app.clone(),
        context: d.context.clone(),
        dockerfile: d.dockerfile.clone(),
        target: d.target.clone(),
        branches: Vec::new(),
        build_args: d.args.clone(),
        origin: match t.platform {
            Platform::Fly => AppOrigin::FlyToml(t.config.clone()),
            _ => AppOrigin::Deploy(t.config.clone()),
        },
    })
}
