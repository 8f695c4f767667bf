//! The deploy map's vocabulary: a [`DeployTarget`] is one thing a push can deploy, with
//! the platform that deploys it, how a push reaches it, which pushes trigger it and what it
//! builds.
//!
//! Invariant: every path here is repository-relative, `/`-separated and cleaned (see
//! [`crate::paths::clean_repo_path`]); the repository root is `""`. Text is raw (from the
//! repository, untrusted): escape it for display.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::severity::Severity;

/// The platform that deploys a target. [`Platform::id`] is the name `check --format json`
/// uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Platform {
    Fly,
    Railway,
    Render,
    Vercel,
    Netlify,
    CloudflarePages,
    GithubPages,
    Huggingface,
    Heroku,
    /// A workflow that builds and pushes an image (`docker build` + `docker push`,
    /// `docker/build-push-action`).
    Container,
    /// An `[[app]]` table of pushguard.toml.
    Custom,
}

impl Platform {
    pub fn id(self) -> &'static str {
        match self {
            Platform::Fly => "fly",
            Platform::Railway => "railway",
            Platform::Render => "render",
            Platform::Vercel => "vercel",
            Platform::Netlify => "netlify",
            Platform::CloudflarePages => "cloudflare-pages",
            Platform::GithubPages => "github-pages",
            Platform::Huggingface => "huggingface",
            Platform::Heroku => "heroku",
            Platform::Container => "container",
            Platform::Custom => "custom",
        }
    }
}

/// How a push reaches a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Via {
    /// The platform watches the repository itself (Railway, Render, Vercel, Netlify and
    /// Pages Git integrations; a Space's own repository).
    Integration,
    /// A CI workflow or pipeline file runs the deploy.
    Workflow {
        /// The workflow's path (`.github/workflows/deploy.yml`, `.gitlab-ci.yml`).
        file: String,
        /// The workflow can also be run by hand (`workflow_dispatch`).
        dispatch: bool,
    },
    /// Nothing in the repository deploys it on a push: it is deployed by hand (a
    /// `fly.staging.toml` no workflow names).
    Manual,
}

impl Via {
    /// As `check --format json` shows it: `platform git integration`, the workflow path,
    /// or `by hand`.
    pub fn shown(&self) -> &str {
        match self {
            Via::Integration => "platform git integration",
            Via::Workflow { file, .. } => file,
            Via::Manual => "by hand",
        }
    }
}

/// Which branch pushes trigger a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Branches {
    /// The repository's default branch: the platform's setting lives in its dashboard,
    /// where it defaults to the repository's default branch.
    Default,
    /// Every branch (previews included).
    Any,
    /// GitHub Actions filter patterns, in order, `!` negating
    /// ([`super::filters::github_list`]).
    GitHub(Vec<String>),
    /// Exact branch names.
    Named(Vec<String>),
    /// Vercel `git.deploymentEnabled`: minimatch globs with a switch each; a branch no
    /// glob matches deploys, and a branch deploys when any matching glob says true.
    Vercel(Vec<(String, bool)>),
    /// No branch push.
    None,
}

/// Which changed files make a push trigger a target, in the dialect of the file that
/// declares the filter. `text` fields keep the patterns as written, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PathFilter {
    /// Every push triggers (no filter).
    All,
    /// GitHub Actions `paths` (at least one changed file matches, after ordered `!`
    /// processing) or `paths-ignore` (skipped only when every changed file matches).
    GitHub { patterns: Vec<String>, ignore: bool },
    /// Railway `watchPatterns`: gitignore-style patterns from the repository root; a push
    /// touching none of them does not deploy.
    Gitignore(Vec<String>),
    /// Render: `rootDir` (changes outside it do not trigger) and `buildFilter` (`paths`
    /// include, `ignoredPaths` exclude and win).
    Render {
        root_dir: Option<String>,
        paths: Vec<String>,
        ignored: Vec<String>,
    },
    /// A directory outside which changes do not trigger (Netlify `base` under its default
    /// ignore, an `ignoreCommand` of the `git diff --quiet HEAD^ HEAD -- DIR` idiom).
    Under(Vec<String>),
    /// GitLab CI `changes:` (glob patterns, any match triggers).
    GitLab(Vec<String>),
    /// An ignore command that always exits 0 (`exit 0`, `true`, a `git diff` without
    /// `--quiet`): the platform skips every build.
    Never(String),
    /// A command decides (Vercel `ignoreCommand`, Netlify `ignore`) that is not one of the
    /// idioms read: pushguard runs nothing, so the target counts as triggered.
    Command(String),
}

/// What a deploy builds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Build {
    /// A Docker build.
    Docker(DockerBuild),
    /// A buildpack, Nixpacks or Railpack build (the builder's name).
    Buildpack(String),
    /// A prebuilt image is deployed; nothing is built.
    Image(String),
    /// A static site or a framework build (Vercel, Netlify, Pages): the output or base
    /// directory, `""` when unknown or the root.
    Site(String),
    /// Nothing pushguard can see (a dashboard setting decides).
    Unknown,
}

impl Build {
    /// One word for the report: `docker`, `buildpack`, `image`, `site`, `unknown`.
    pub fn kind(&self) -> &'static str {
        match self {
            Build::Docker(_) => "docker",
            Build::Buildpack(_) => "buildpack",
            Build::Image(_) => "image",
            Build::Site(_) => "site",
            Build::Unknown => "unknown",
        }
    }
}

/// A Docker build: the Dockerfile, the context, the stage and the arguments.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DockerBuild {
    pub dockerfile: String,
    pub context: String,
    /// The stage built; `None` builds the last stage.
    pub target: Option<String>,
    /// Build arguments with values (fly.toml `[build.args]`, `--build-arg A=1`).
    pub args: BTreeMap<String, String>,
    /// The names of the arguments a command line passes (`--build-arg NAME=...`), in
    /// order: checked against the Dockerfile's `ARG`s.
    pub cli_args: Vec<String>,
}

/// One thing a push can deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployTarget {
    pub platform: Platform,
    /// The app, service, site or project name; the config's directory (or `app`) when
    /// the file names none.
    pub app: String,
    /// The file that declares the target.
    pub config: String,
    /// 1-based line of the declaration in `config`, when known.
    pub line: Option<u32>,
    pub via: Via,
    pub branches: Branches,
    /// Tag pushes that trigger it (GitHub filter patterns); empty: none.
    pub tags: Vec<String>,
    pub paths: PathFilter,
    pub build: Build,
    /// The push is skipped when the pushed head's message says `[skip ci]` and the like
    /// (GitHub Actions, GitLab CI).
    pub honours_skip_ci: bool,
}

impl Branches {
    /// As `explain` shows it: `main, release/**`, `the default branch`, `every branch`.
    pub fn describe(&self) -> String {
        match self {
            Branches::Default => "the default branch".to_owned(),
            Branches::Any => "every branch".to_owned(),
            Branches::GitHub(list) | Branches::Named(list) => list.join(", "),
            Branches::Vercel(rules) => rules
                .iter()
                .map(|(g, on)| format!("{g}: {on}"))
                .collect::<Vec<_>>()
                .join(", "),
            Branches::None => "no branch (not on a push)".to_owned(),
        }
    }
}

impl Build {
    /// As `explain` shows it: `docker Dockerfile (context ., target web, args A, B)`.
    pub fn describe(&self) -> String {
        match self {
            Build::Docker(d) => {
                let mut parts = vec![format!(
                    "context {}",
                    if d.context.is_empty() {
                        "."
                    } else {
                        &d.context
                    }
                )];
                if let Some(t) = &d.target {
                    parts.push(format!("target {t}"));
                }
                let mut args: Vec<&str> = d.args.keys().map(String::as_str).collect();
                for a in &d.cli_args {
                    if !args.contains(&a.as_str()) {
                        args.push(a);
                    }
                }
                if !args.is_empty() {
                    parts.push(format!("args {}", args.join(", ")));
                }
                format!("docker {} ({})", d.dockerfile, parts.join(", "))
            }
            Build::Buildpack(b) => format!("buildpack ({b})"),
            Build::Image(i) => format!("prebuilt image {i} (nothing built)"),
            Build::Site(dir) if dir.is_empty() => "site".to_owned(),
            Build::Site(dir) => format!("site ({dir})"),
            Build::Unknown => "unknown (a dashboard setting decides)".to_owned(),
        }
    }
}

impl DeployTarget {
    /// The target as one name: its platform, then its app unless the app is only the
    /// platform's name again (`railway`, not `railway railway`). Raw (the app name comes
    /// from the repository).
    pub fn label(&self) -> String {
        if self.app == self.platform.id() || self.app.is_empty() {
            self.platform.id().to_owned()
        } else {
            format!("{} {}", self.platform.id(), self.app)
        }
    }

    /// How to deploy this target again without a commit, on its platform: a workflow that
    /// can be run by hand first (`gh workflow run`), else the platform's own redeploy.
    /// Raw (the app name comes from the repository).
    pub fn redeploy(&self) -> String {
        if let Via::Workflow {
            file,
            dispatch: true,
        } = &self.via
        {
            let name = file.rsplit('/').next().unwrap_or(file);
            return format!("`gh workflow run {name}` (it has workflow_dispatch)");
        }
        match self.platform {
            Platform::Fly => format!(
                "`fly deploy -a {}` (add `--no-cache` for a clean build), or `fly apps restart {}` \
                 to restart without building",
                self.app, self.app
            ),
            Platform::Railway => {
                "`railway redeploy` (or the service's Redeploy in the Railway dashboard)".to_owned()
            }
            Platform::Render => {
                "Manual Deploy in the Render dashboard, or the service's deploy hook".to_owned()
            }
            Platform::Vercel => "`vercel --prod` (or Redeploy in the Vercel dashboard)".to_owned(),
            Platform::Netlify => {
                "`netlify deploy --prod` (or Trigger deploy in the Netlify UI)".to_owned()
            }
            Platform::CloudflarePages => {
                "Retry deployment in the Cloudflare dashboard, or `wrangler pages deploy`"
                    .to_owned()
            }
            Platform::GithubPages | Platform::Container => match &self.via {
                Via::Workflow { file, .. } => format!(
                    "re-run the last run of {file} (`gh run rerun`), or add `workflow_dispatch` \
                     to it so that `gh workflow run` can start it"
                ),
                _ => {
                    "re-run the last Pages deployment from the repository's Actions tab".to_owned()
                }
            },
            Platform::Huggingface => {
                "Restart (or Factory rebuild) in the Space's settings".to_owned()
            }
            Platform::Heroku => format!(
                "`heroku restart -a {}`, or Deploy Branch in the dashboard",
                self.app
            ),
            Platform::Custom => "the platform's redeploy".to_owned(),
        }
    }
}

/// Something about the repository's deploy configuration the user should know: a file
/// that does not parse, a Dockerfile that is not there, a setting pushguard cannot read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Warn when a deploy will fail or go unpredicted; info when pushguard merely cannot
    /// tell.
    pub severity: Severity,
    /// Repository-relative path of the file concerned (`""`: none).
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    pub message: String,
}

/// What a platform file reader found in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Read {
    pub targets: Vec<DeployTarget>,
    pub notes: Vec<Note>,
}

impl Read {
    /// A reading that found only a problem.
    pub fn note(severity: Severity, path: &str, line: Option<u32>, message: String) -> Read {
        Read {
            targets: Vec::new(),
            notes: vec![Note {
                severity,
                path: path.to_owned(),
                line,
                message,
            }],
        }
    }
}

/// The 1-based line holding byte `offset` of `text`.
pub fn line_of(text: &str, offset: usize) -> u32 {
    let upto = text.get(..offset).unwrap_or(text);
    u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

/// The 1-based line of the first occurrence of `needle` in `text`.
pub fn line_containing(text: &str, needle: &str) -> Option<u32> {
    text.find(needle).map(|at| line_of(text, at))
}
