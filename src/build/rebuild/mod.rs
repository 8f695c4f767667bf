//! The invalidation model: which build steps of an app a push makes BuildKit re-run, read
//! from the app's own Dockerfile and `.dockerignore` in the pushed commit and compared with
//! the previous build's (the remote's commit, or the parent of the oldest pushed commit).
//!
//! What invalidates a step (docs/rebuild.md has the facts and their sources):
//!
//! - Steps are the instructions that make a filesystem layer: `FROM`, `RUN`, `COPY`, `ADD`
//!   and `WORKDIR`. Within a stage they form a chain: once one re-runs, every later step of
//!   the stage re-runs. Other instructions (`ENV`, `ARG`, `LABEL`, `CMD`, `USER`, ...) only
//!   change image settings or what later steps see.
//! - A step misses the cache when its *effective key* differs from the previous build's step
//!   at the same position in the same stage: the instruction as BuildKit compares it
//!   ([`crate::docker::dockerfile::Instruction::cache_key`], so comment edits change nothing), plus
//!   the values of the variables it uses, plus, for `RUN`, every `ENV` and `ARG` value in
//!   scope and the `USER` and `SHELL` (a `RUN` sees all of them). That is how a changed ARG
//!   default invalidates its first use and every later `RUN`, and nothing before.
//! - A `COPY`/`ADD` from the build context (and a `RUN --mount=type=bind` of it) misses when
//!   a file its sources select changed in the context: changed in git, inside the context
//!   directory, and not excluded by the effective `.dockerignore` (old or new). The
//!   Dockerfile and `.dockerignore` are ordinary files here, so `COPY . .` picks up edits to
//!   them unless they are dockerignored.
//! - `COPY --from=<stage>`, `RUN --mount=from=<stage>` and `FROM <stage>` miss when that
//!   stage re-runs anything (assumed to change its output).
//! - Only the stages the target needs are built; the others are skipped.
//!
//! The tier follows from what re-runs: a base image, a system-package step or a model
//! download: `full`; a dependency install: `partial`; anything else: `incremental`; nothing:
//! `none`.

//! The module is split along that flow: [`load`] reads the two trees from git (the apps,
//! their Dockerfiles and ignore files, the changed files), [`model`] is the pure model of
//! what re-runs, and [`describe`] names and displays steps.

use std::sync::Arc;

use git2::Oid;

use crate::build::apps::{App, AppNote};
use crate::config::StepWeights;
use crate::tier::BuildTier;

mod describe;
mod load;
mod model;
#[cfg(test)]
mod tests;

pub use describe::shorten;
pub use load::{analyze, base_of, prepare, Prepared};

/// What a build step is, for its tier and its cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// `FROM` an image.
    BaseImage,
    /// A `RUN` matching `[build] system_commands`.
    SystemPackages,
    /// A `RUN` matching `[build] dependency_commands`.
    Dependencies,
    /// A `RUN` matching `[build] model_commands`: downloads or bakes in a model.
    Models,
    /// Any other `RUN`.
    Run,
    /// `COPY` or `ADD`.
    Copy,
    /// `WORKDIR`, or `FROM` another stage.
    Other,
    /// An instruction that makes no layer (`ENV`, `CMD`, `LABEL`, global `ARG`, ...).
    Setting,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::BaseImage => "base_image",
            StepKind::SystemPackages => "system_packages",
            StepKind::Dependencies => "dependencies",
            StepKind::Models => "models",
            StepKind::Run => "run",
            StepKind::Copy => "copy",
            StepKind::Other => "other",
            StepKind::Setting => "setting",
        }
    }

    /// The tier a re-run of this kind of step costs.
    pub fn tier(self) -> BuildTier {
        match self {
            StepKind::BaseImage | StepKind::SystemPackages | StepKind::Models => BuildTier::Full,
            StepKind::Dependencies => BuildTier::Partial,
            StepKind::Run | StepKind::Copy | StepKind::Other => BuildTier::Incremental,
            StepKind::Setting => BuildTier::None,
        }
    }

    /// The estimated seconds of a re-run (`[build.weights]`).
    pub fn weight(self, w: &StepWeights) -> u32 {
        match self {
            StepKind::BaseImage => w.base_image,
            StepKind::SystemPackages => w.system_packages,
            StepKind::Dependencies => w.dependencies,
            StepKind::Models => w.models,
            StepKind::Run => w.run,
            StepKind::Copy => w.copy,
            StepKind::Other => w.other,
            StepKind::Setting => 0,
        }
    }
}

/// What the build does with one instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepStatus {
    /// Reused from the cache (or, for a setting, nothing to run).
    Cached,
    /// Runs again.
    Rerun,
    /// In a stage the target does not need: not built at all.
    Skipped,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Cached => "cached",
            StepStatus::Rerun => "rerun",
            StepStatus::Skipped => "skipped",
        }
    }
}

/// One instruction of the pushed Dockerfile and what the build does with it. Text fields
/// are raw (from the repository): escape them for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Index of the stage; `None` for global `ARG`s before the first `FROM`.
    pub stage: Option<usize>,
    /// The stage's `AS` name.
    pub stage_name: Option<String>,
    pub line: u32,
    /// The instruction on one line, shortened.
    pub instruction: String,
    /// The whole instruction as a calibration key ([`crate::build::calibrate::key_of`]).
    pub key: String,
    pub kind: StepKind,
    pub status: StepStatus,
    /// Why it re-runs (or is skipped, or why a changed setting costs nothing).
    pub reason: Option<String>,
    /// Changed files (repository-relative) that made it re-run.
    pub triggers: Triggers,
    /// It re-runs only if what a RUN of another stage writes changed (a `COPY --from` of a
    /// path a re-running RUN may or may not write): the worst case counts it, the likely
    /// case does not.
    pub uncertain: bool,
}

impl Step {
    /// `builder` or `0`; empty for global instructions.
    pub fn stage_label(&self) -> String {
        match (&self.stage_name, self.stage) {
            (Some(name), _) => name.clone(),
            (None, Some(i)) => i.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// What became of one changed file of the push, for one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Outside the app's build context.
    Outside,
    /// Excluded by the effective ignore file (`file`), at `line` by `pattern`.
    Ignored {
        file: Arc<str>,
        line: u32,
        pattern: Arc<str>,
    },
    /// In the context and copied by step `step` (an index into [`Rebuild::steps`]).
    Copied { step: usize },
    /// In the context, but no step of a built stage reads it.
    NotCopied,
    /// The app's Dockerfile, not read by any `COPY`: the first step whose instruction
    /// changed, `None` when no instruction did (a comment or whitespace edit).
    Dockerfile { changed_step: Option<usize> },
}

/// A changed file and its [`Fate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathFate {
    /// Repository-relative, raw.
    pub path: Vec<u8>,
    pub fate: Fate,
}

/// The changed files (repository-relative) that made a step re-run, shared by every step
/// that re-run sets off: a first push of a large tree names every file, once.
pub type Triggers = Arc<[Vec<u8>]>;

/// The predicted rebuild of one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuild {
    /// The worst case: every step that may re-run does.
    pub tier: BuildTier,
    /// The likely case: steps that re-run only if a RUN of another stage wrote something
    /// different ([`Step::uncertain`]) stay cached. Equal to `tier` when nothing is
    /// uncertain.
    pub likely_tier: BuildTier,
    pub build_seconds: u32,
    /// How many of the re-run steps' times in `build_seconds` were measured by `pushguard
    /// calibrate` (the others are `[build.weights]`'s).
    pub timed_steps: usize,
    /// Every instruction of the pushed Dockerfile, in file order.
    pub steps: Vec<Step>,
    /// The step that decided the tier: the first re-run step of the tier's kind.
    pub deciding: Option<usize>,
    /// The fate of each changed file in the app's context, and of its Dockerfile: a file
    /// without one is outside the context (a push of tens of thousands of files keeps no
    /// entry for each of those).
    pub fates: Vec<PathFate>,
    /// The Dockerfile is inside the context, not dockerignored, and copied by a step of a
    /// built stage (`COPY . .`): any edit to it, comments included, re-runs that step.
    pub dockerfile_copied: bool,
    /// An image setting (`CMD`, `ENV`, `LABEL`, ...) of the built stages changed.
    pub settings_changed: bool,
}

impl Rebuild {
    /// How many steps re-run.
    pub fn rerun_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::Rerun)
            .count()
    }

    /// The first step that re-runs, in file order.
    pub fn first_rerun(&self) -> Option<&Step> {
        self.steps.iter().find(|s| s.status == StepStatus::Rerun)
    }

    /// The step that decided the tier.
    pub fn deciding_step(&self) -> Option<&Step> {
        self.deciding.and_then(|i| self.steps.get(i))
    }

    /// The changed files that set off the deciding step.
    pub fn triggers(&self) -> &[Vec<u8>] {
        self.deciding_step().map_or(&[], |s| &s.triggers[..])
    }

    /// Whether the push changes the app's image at all.
    pub fn affected(&self) -> bool {
        self.tier != BuildTier::None || self.settings_changed
    }
}

/// The outcome for one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppOutcome {
    Predicted(Rebuild),
    /// The Dockerfile (or ignore file) could not be read or parsed. Raw text.
    Unknown {
        path: String,
        line: Option<u32>,
        message: String,
    },
}

/// One app and what a push does to its build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppVerdict {
    pub app: App,
    pub outcome: AppOutcome,
}

impl AppVerdict {
    pub fn rebuild(&self) -> Option<&Rebuild> {
        match &self.outcome {
            AppOutcome::Predicted(r) => Some(r),
            AppOutcome::Unknown { .. } => None,
        }
    }

    /// The predicted tier; `None` when the build could not be predicted.
    pub fn tier(&self) -> Option<BuildTier> {
        self.rebuild().map(|r| r.tier)
    }
}

/// The apps of a ref update and what the push does to each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppsAnalysis {
    pub apps: Vec<AppVerdict>,
    /// Problems with app definitions (fly.toml files).
    pub notes: Vec<AppNote>,
}

/// The commit whose build the builder's cache holds, as far as pushguard can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Commit(Oid),
    /// No previous build: the oldest pushed commit has no parent.
    Nothing,
}
