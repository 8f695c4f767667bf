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

use std::collections::{BTreeMap, BTreeSet, HashSet};

use git2::{ObjectType, Oid, Repository, Tree};

use crate::build::apps::{self, App, AppNote, AppOrigin};
use crate::build::context::{self, BuildContext};
use crate::config::{BuildSettings, Config, Estimate, StepWeights};
use crate::docker::dockerfile::{self, Dockerfile, Instruction};
use crate::docker::dockerignore::DockerIgnore;
use crate::docker::gopath;
use crate::git::blob::{file_at, FileAt};
use crate::git::changes::{diff_trees, FileChange};
use crate::hash::FastSet;
use crate::tier::BuildTier;

/// The largest Dockerfile or `.dockerignore` read.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The most context entries walked to find files whose membership a `.dockerignore` edit
/// changed; beyond it every context `COPY` is assumed to change.
const MAX_CONTEXT_ENTRIES: usize = 200_000;

/// The longest instruction text kept for display.
const MAX_INSTRUCTION_CHARS: usize = 80;

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
    pub kind: StepKind,
    pub status: StepStatus,
    /// Why it re-runs (or is skipped, or why a changed setting costs nothing).
    pub reason: Option<String>,
    /// Changed files (repository-relative) that made it re-run.
    pub triggers: Vec<Vec<u8>>,
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
        file: String,
        line: u32,
        pattern: String,
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

/// The predicted rebuild of one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuild {
    pub tier: BuildTier,
    pub build_seconds: u32,
    /// Every instruction of the pushed Dockerfile, in file order.
    pub steps: Vec<Step>,
    /// The step that decided the tier: the first re-run step of the tier's kind.
    pub deciding: Option<usize>,
    /// What became of each changed file.
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
        self.deciding_step().map_or(&[], |s| s.triggers.as_slice())
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

/// The base of a push: the remote's commit when this repository has it (`remote`, already
/// peeled: [`crate::git::push::RefUpdate::remote_commit`]), else the first parent of `oldest`, the
/// oldest pushed commit; `tip` itself when nothing is pushed.
pub fn base_of(repo: &Repository, remote: Option<Oid>, tip: Oid, oldest: Option<Oid>) -> Base {
    if let Some(commit) = remote {
        return Base::Commit(commit);
    }
    let Some(oldest) = oldest else {
        return Base::Commit(tip);
    };
    match repo.find_commit(oldest).map(|c| c.parent_ids().next()) {
        Ok(Some(parent)) => Base::Commit(parent),
        Ok(None) => Base::Nothing,
        // Unreadable: compare with itself rather than claim everything changed.
        Err(_) => Base::Commit(tip),
    }
}

/// Finds the apps of commit `tip` and predicts each one's rebuild against `base`. With
/// `branch`, only the apps a push to that branch deploys. `known` is the list of files that
/// differ between the two trees when the caller already has it (in tree order, as
/// [`diff_trees`] gives it); otherwise the trees are diffed here.
pub fn analyze(
    repo: &Repository,
    config: &Config,
    base: Base,
    tip: Oid,
    branch: Option<&str>,
    known: Option<Vec<FileChange>>,
) -> Result<AppsAnalysis, String> {
    let new = repo
        .find_commit(tip)
        .and_then(|c| c.tree())
        .map_err(|e| format!("cannot read the tree of commit {tip}: {}", e.message()))?;
    let old = match base {
        Base::Commit(id) => Some(
            repo.find_commit(id)
                .and_then(|c| c.tree())
                .map_err(|e| format!("cannot read the tree of commit {id}: {}", e.message()))?,
        ),
        Base::Nothing => None,
    };
    let changed = match known {
        Some(changed) => changed,
        None => diff_trees(repo, old.as_ref(), Some(&new))?,
    };
    let previous = old.as_ref().map(|t| apps::Previous {
        tree: t.id(),
        changed: &changed,
    });
    let discovery = apps::discover(repo, &new, config, previous);
    let push = Snapshot {
        repo,
        old: old.as_ref(),
        new: &new,
        changed: &changed,
    };
    let apps = discovery
        .apps
        .into_iter()
        .filter(|app| match branch {
            Some(b) => config.deploys_app(&app.branches, b),
            None => true,
        })
        .map(|app| {
            let outcome = predict(&push, &app, config);
            AppVerdict { app, outcome }
        })
        .collect();
    Ok(AppsAnalysis {
        apps,
        notes: discovery.notes,
    })
}

/// The two trees of a push and the files that differ between them.
pub struct Snapshot<'a> {
    pub repo: &'a Repository,
    /// The previous build's tree; `None` when there was none.
    pub old: Option<&'a Tree<'a>>,
    pub new: &'a Tree<'a>,
    pub changed: &'a [FileChange],
}

/// A text file of a tree.
enum FileText {
    Absent,
    Text(String),
    Unusable(String),
}

/// The file at `path` of `tree` as a [`FileText`] (no tree: absent).
fn file_text(repo: &Repository, tree: Option<&Tree<'_>>, path: &str) -> FileText {
    match tree {
        Some(tree) => FileText::from(file_at(repo, tree, path, MAX_FILE_BYTES)),
        None => FileText::Absent,
    }
}

impl From<FileAt> for FileText {
    fn from(file: FileAt) -> FileText {
        match file {
            FileAt::Text(t) => FileText::Text(t),
            FileAt::Missing => FileText::Absent,
            FileAt::NotAFile => FileText::Unusable(
                "is not a regular file (a directory, symbolic link or submodule)".to_owned(),
            ),
            FileAt::Binary => FileText::Unusable("is not UTF-8 text".to_owned()),
            FileAt::TooLarge(n) => FileText::Unusable(format!("is too large ({n} bytes)")),
            FileAt::Unreadable(why) => FileText::Unusable(why),
        }
    }
}

/// The effective ignore file of an app in one tree ([`context::ignore_file`]): its path
/// and text.
fn ignore_file(
    repo: &Repository,
    tree: Option<&Tree<'_>>,
    app: &App,
) -> Option<(String, FileText)> {
    let (path, file) = context::ignore_file(repo, tree?, &BuildContext::of_app(app))?;
    Some((path, FileText::from(file)))
}

/// Predicts the rebuild of `app` for the push `snap`.
pub fn predict(snap: &Snapshot<'_>, app: &App, config: &Config) -> AppOutcome {
    let unknown = |line: Option<u32>, message: String| AppOutcome::Unknown {
        path: app.dockerfile.clone(),
        line,
        message,
    };
    let new_text = match file_text(snap.repo, Some(snap.new), &app.dockerfile) {
        FileText::Text(t) => t,
        FileText::Absent => {
            return unknown(
                None,
                format!(
                    "the Dockerfile {} of app `{}` is not in the pushed commit",
                    app.dockerfile, app.name
                ),
            )
        }
        FileText::Unusable(why) => {
            return unknown(
                None,
                format!("the Dockerfile {why}; its build is not predicted"),
            )
        }
    };
    let new_df = match dockerfile::parse(&new_text) {
        Ok(df) => df,
        Err(e) => {
            return unknown(
                Some(e.line),
                format!(
                    "the Dockerfile does not parse: {} (line {}); the build will fail, and \
                     pushguard cannot predict it",
                    e.message, e.line
                ),
            )
        }
    };
    let old_df = match file_text(snap.repo, snap.old, &app.dockerfile) {
        FileText::Text(t) => match dockerfile::parse(&t) {
            Ok(df) => Old::Parsed(df),
            Err(_) => Old::Unparsable,
        },
        FileText::Absent if snap.old.is_none() => Old::NoBuild,
        FileText::Absent => Old::Absent,
        FileText::Unusable(_) => Old::Unparsable,
    };
    let new_ignore = match ignore_file(snap.repo, Some(snap.new), app) {
        None => None,
        Some((path, FileText::Text(text))) => match DockerIgnore::parse(&text) {
            Ok(ig) => Some((path, text, ig)),
            Err(e) => {
                return AppOutcome::Unknown {
                    path,
                    line: Some(e.line),
                    message: format!(
                        "Docker will refuse this ignore file: {e}; the build will fail, and \
                         pushguard cannot predict it"
                    ),
                }
            }
        },
        Some((path, FileText::Unusable(why))) => {
            return AppOutcome::Unknown {
                path,
                line: None,
                message: format!("the ignore file {why}; the build is not predicted"),
            }
        }
        Some((_, FileText::Absent)) => None,
    };
    let old_ignore = match ignore_file(snap.repo, snap.old, app) {
        Some((path, FileText::Text(text))) => {
            DockerIgnore::parse(&text).ok().map(|ig| (path, text, ig))
        }
        _ => None,
    };
    let empty = DockerIgnore::empty();
    let new_ig = new_ignore.as_ref().map_or(&empty, |(_, _, ig)| ig);
    let old_ig = old_ignore.as_ref().map_or(&empty, |(_, _, ig)| ig);
    let ignore_changed = match (&new_ignore, &old_ignore) {
        (Some((_, a, _)), Some((_, b, _))) => a != b,
        (None, None) => false,
        _ => true,
    };

    // The changed files, sorted into the context's changes and the others' fates.
    let mut delta = ContextDelta::default();
    let mut fates: Vec<PathFate> = Vec::new();
    let mut members: Vec<usize> = Vec::new();
    let mut seen: HashSet<&[u8]> = HashSet::new();
    for change in snap.changed {
        seen.insert(&change.path);
        let Some(rel) = app.in_context(&change.path) else {
            fates.push(PathFate {
                path: change.path.clone(),
                fate: Fate::Outside,
            });
            continue;
        };
        let rel = String::from_utf8_lossy(rel).into_owned();
        let in_new = change.new.is_some() && !new_ig.is_excluded(&rel);
        let in_old = change.old.is_some() && !old_ig.is_excluded(&rel);
        if in_new || in_old {
            members.push(fates.len());
            fates.push(PathFate {
                path: change.path.clone(),
                fate: Fate::NotCopied,
            });
            delta.changes.push((rel, change.path.clone()));
        } else {
            let (file, ig) = match &new_ignore {
                Some((path, _, ig)) if change.new.is_some() => (path.clone(), ig),
                _ => match &old_ignore {
                    Some((path, _, ig)) => (path.clone(), ig),
                    None => (String::new(), &empty),
                },
            };
            let (line, pattern) = ig
                .is_excluded_with_reason(&rel)
                .map_or((0, String::new()), |(l, p)| (l, p.to_owned()));
            fates.push(PathFate {
                path: change.path.clone(),
                fate: Fate::Ignored {
                    file,
                    line,
                    pattern,
                },
            });
        }
    }
    if ignore_changed {
        let trigger = new_ignore
            .as_ref()
            .or(old_ignore.as_ref())
            .map(|(p, _, _)| p.clone().into_bytes())
            .unwrap_or_default();
        membership_changes(snap, app, new_ig, old_ig, &seen, &trigger, &mut delta);
    }

    let inputs = Inputs {
        new: &new_df,
        old: &old_df,
        target: app.target.as_deref(),
        new_args: &app.build_args,
        old_args: &old_build_args(snap, app),
        context: &delta,
        dockerfile: app.dockerfile.as_bytes(),
        args_file: match &app.origin {
            AppOrigin::FlyToml(p) => p.as_bytes(),
            _ => app.dockerfile.as_bytes(),
        },
    };
    let eval = match evaluate(&inputs, &config.build) {
        Ok(e) => e,
        Err(message) => return unknown(None, message),
    };

    // Fates of the context's files and of the Dockerfile.
    for (&fate_index, (rel, _)) in members.iter().zip(&delta.changes) {
        let copied = eval
            .readers
            .iter()
            .find(|(_, src)| src.matches(rel))
            .map(|(step, _)| *step);
        if let (Some(step), Some(slot)) = (copied, fates.get_mut(fate_index)) {
            slot.fate = Fate::Copied { step };
        }
    }
    let dockerfile_rel = app
        .in_context(app.dockerfile.as_bytes())
        .map(|r| String::from_utf8_lossy(r).into_owned());
    let dockerfile_copied = dockerfile_rel.is_some_and(|rel| {
        !new_ig.is_excluded(&rel) && eval.readers.iter().any(|(_, src)| src.matches(&rel))
    });
    for fate in &mut fates {
        if fate.path == app.dockerfile.as_bytes()
            && matches!(
                fate.fate,
                Fate::NotCopied | Fate::Outside | Fate::Ignored { .. }
            )
        {
            fate.fate = Fate::Dockerfile {
                changed_step: eval.first_edit,
            };
        }
    }

    let (tier, deciding) = summarize(&eval.steps);
    let build_seconds = match config.build.estimate {
        Estimate::Tier => config.tier_times(tier).build_seconds,
        Estimate::Steps if tier == BuildTier::None => 0,
        Estimate::Steps => eval
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::Rerun)
            .fold(config.build.overhead_seconds, |sum, s| {
                sum.saturating_add(s.kind.weight(&config.build.weights))
            }),
    };
    AppOutcome::Predicted(Rebuild {
        tier,
        build_seconds,
        steps: eval.steps,
        deciding,
        fates,
        dockerfile_copied,
        settings_changed: eval.settings_changed,
    })
}

/// The build arguments of the previous build: the old fly.toml's `[build.args]`.
fn old_build_args(snap: &Snapshot<'_>, app: &App) -> BTreeMap<String, String> {
    match (&app.origin, snap.old) {
        (AppOrigin::FlyToml(path), Some(old)) => apps::fly_build_args(snap.repo, old, path),
        (AppOrigin::FlyToml(_), None) => BTreeMap::new(),
        _ => app.build_args.clone(),
    }
}

/// Adds the context files git did not change whose membership the ignore-file edit
/// changed (walking the context's tree, entries only).
fn membership_changes(
    snap: &Snapshot<'_>,
    app: &App,
    new_ig: &DockerIgnore,
    old_ig: &DockerIgnore,
    seen: &HashSet<&[u8]>,
    trigger: &[u8],
    delta: &mut ContextDelta,
) {
    let root = if app.context.is_empty() {
        Some(snap.new.clone())
    } else {
        snap.new
            .get_path(std::path::Path::new(&app.context))
            .ok()
            .and_then(|e| snap.repo.find_tree(e.id()).ok())
    };
    let Some(root) = root else {
        return;
    };
    let mut budget = MAX_CONTEXT_ENTRIES;
    let mut stack: Vec<(Tree<'_>, String)> = vec![(root, String::new())];
    while let Some((tree, prefix)) = stack.pop() {
        for entry in tree.iter() {
            if budget == 0 {
                delta.everything = Some(trigger.to_vec());
                return;
            }
            budget -= 1;
            let name = String::from_utf8_lossy(entry.name_bytes());
            let rel = crate::paths::join(&prefix, &name);
            if entry.kind() == Some(ObjectType::Tree) {
                if let Ok(sub) = snap.repo.find_tree(entry.id()) {
                    stack.push((sub, rel));
                }
                continue;
            }
            if new_ig.is_excluded(&rel) == old_ig.is_excluded(&rel) {
                continue;
            }
            let path = crate::paths::join(&app.context, &rel).into_bytes();
            if !seen.contains(path.as_slice()) {
                delta.changes.push((rel, trigger.to_vec()));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The model proper: pure functions of parsed files, testable without git.

/// The previous build's Dockerfile.
#[derive(Debug)]
enum Old {
    Parsed(Dockerfile),
    /// Not in the previous commit (the Dockerfile is new, or moved).
    Absent,
    /// There was no previous commit at all.
    NoBuild,
    /// Present but not parseable or readable.
    Unparsable,
}

/// What changed in the build context: `(path relative to the context, repository path to
/// blame)`. `everything` is set (to the path to blame) when the changes are unknown.
#[derive(Debug, Default)]
struct ContextDelta {
    changes: Vec<(String, Vec<u8>)>,
    everything: Option<Vec<u8>>,
}

struct Inputs<'a> {
    new: &'a Dockerfile,
    old: &'a Old,
    target: Option<&'a str>,
    new_args: &'a BTreeMap<String, String>,
    old_args: &'a BTreeMap<String, String>,
    context: &'a ContextDelta,
    /// The Dockerfile's repository path: the file to blame for instruction changes.
    dockerfile: &'a [u8],
    /// The file that sets the build arguments (fly.toml), to blame for their changes.
    args_file: &'a [u8],
}

struct Evaluation {
    steps: Vec<Step>,
    /// Steps (indices) that read the build context in built stages, with what they read.
    readers: Vec<(usize, Source)>,
    /// The first step whose instruction differs from the previous Dockerfile's.
    first_edit: Option<usize>,
    settings_changed: bool,
}

/// Where a variable's value comes from, to explain a change.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// An `ARG` or `ENV` at this line.
    Line(&'static str, u32),
    /// The platform's build arguments.
    BuildArg,
    /// `ENV` inherited from the stage built `FROM`.
    Inherited(String),
}

#[derive(Debug, Clone)]
struct Var {
    value: Option<String>,
    origin: Origin,
}

/// A layer-making instruction with its effective cache key.
#[derive(Debug, Clone)]
struct Op {
    /// Index into `Dockerfile::instructions`.
    instr: usize,
    raw: String,
    /// Variables (and USER/SHELL, as `@user`/`@shell`) that go into the key.
    vars: BTreeMap<String, Var>,
}

impl Op {
    fn same(&self, other: &Op) -> bool {
        self.raw == other.raw
            && self.vars.len() == other.vars.len()
            && self
                .vars
                .iter()
                .zip(&other.vars)
                .all(|((k1, v1), (k2, v2))| k1 == k2 && v1.value == v2.value)
    }
}

/// A stage seen through the cache: its steps, and what it leaves to stages built on it.
#[derive(Debug, Clone, Default)]
struct StageView {
    ops: Vec<Op>,
    /// Cache keys of the setting instructions, in order.
    settings: Vec<String>,
    /// `ENV` at the end of the stage.
    env: BTreeMap<String, Var>,
    user: Option<Var>,
}

/// Everything the previous and pushed Dockerfiles say about each stage.
struct Views {
    stages: Vec<StageView>,
    globals: BTreeMap<String, Var>,
}

fn views(df: &Dockerfile, build_args: &BTreeMap<String, String>) -> Views {
    let mut globals: BTreeMap<String, Var> = BTreeMap::new();
    for ins in df.instructions.iter().filter(|i| i.stage.is_none()) {
        for (name, default) in ins.arg_defs() {
            let var = match build_args.get(&name) {
                Some(v) => Var {
                    value: Some(v.clone()),
                    origin: Origin::BuildArg,
                },
                None => Var {
                    value: default,
                    origin: Origin::Line("ARG", ins.start_line),
                },
            };
            globals.insert(name, var);
        }
    }
    let mut stages: Vec<StageView> = Vec::with_capacity(df.stages.len());
    for stage in &df.stages {
        let parent = base_stage(df, stage.index, &globals).and_then(|p| stages.get(p).cloned());
        let view = view_stage(df, stage.index, &globals, build_args, parent.as_ref());
        stages.push(view);
    }
    Views { stages, globals }
}

/// The index of the earlier stage that stage `index` is built `FROM`, if any.
fn base_stage(df: &Dockerfile, index: usize, globals: &BTreeMap<String, Var>) -> Option<usize> {
    let stage = df.stages.get(index)?;
    let lookup = |name: &str| globals.get(name).and_then(|v| v.value.clone());
    let base = expand(&stage.base, &lookup).unwrap_or_else(|| stage.base.clone());
    df.stage_by_ref(&base)
        .map(|s| s.index)
        .filter(|&i| i < index)
}

fn view_stage(
    df: &Dockerfile,
    index: usize,
    globals: &BTreeMap<String, Var>,
    build_args: &BTreeMap<String, String>,
    parent: Option<&StageView>,
) -> StageView {
    let mut view = StageView::default();
    let Some(stage) = df.stages.get(index) else {
        return view;
    };
    let parent_name = base_stage(df, index, globals)
        .and_then(|p| df.stages.get(p))
        .map(|s| s.name.clone().unwrap_or_else(|| s.index.to_string()));
    if let (Some(parent), Some(name)) = (parent, parent_name) {
        for (k, v) in &parent.env {
            let origin = Origin::Inherited(name.clone());
            view.env.insert(
                k.clone(),
                Var {
                    value: v.value.clone(),
                    origin,
                },
            );
        }
        view.user = parent.user.clone();
    }
    let mut args: BTreeMap<String, Var> = BTreeMap::new();
    let mut shell: Option<Var> = None;
    for index in stage.instructions.clone() {
        let Some(ins) = df.instructions.get(index) else {
            continue;
        };
        match ins.keyword.as_str() {
            "FROM" => {
                let mut vars = BTreeMap::new();
                for name in ins.variables_used() {
                    let var = globals.get(&name).cloned().unwrap_or(Var {
                        value: None,
                        origin: Origin::Line("ARG", 0),
                    });
                    vars.insert(name, var);
                }
                view.ops.push(Op {
                    instr: index,
                    raw: from_key(ins),
                    vars,
                });
            }
            "RUN" => {
                let mut vars: BTreeMap<String, Var> = BTreeMap::new();
                for (k, v) in args.iter().filter(|(_, v)| v.value.is_some()) {
                    vars.insert(k.clone(), v.clone());
                }
                for (k, v) in &view.env {
                    vars.insert(k.clone(), v.clone());
                }
                if let Some(user) = &view.user {
                    vars.insert("@user".to_owned(), user.clone());
                }
                if let Some(shell) = &shell {
                    vars.insert("@shell".to_owned(), shell.clone());
                }
                view.ops.push(Op {
                    instr: index,
                    raw: ins.cache_key(),
                    vars,
                });
            }
            "COPY" | "ADD" | "WORKDIR" => {
                let mut vars = BTreeMap::new();
                for name in ins.variables_used() {
                    let var = view
                        .env
                        .get(&name)
                        .or_else(|| args.get(&name))
                        .cloned()
                        .unwrap_or(Var {
                            value: None,
                            origin: Origin::Line("ARG", 0),
                        });
                    vars.insert(name, var);
                }
                view.ops.push(Op {
                    instr: index,
                    raw: ins.cache_key(),
                    vars,
                });
            }
            keyword => {
                view.settings.push(ins.cache_key());
                match keyword {
                    "ARG" => {
                        for (name, default) in ins.arg_defs() {
                            let var = match build_args.get(&name) {
                                Some(v) => Var {
                                    value: Some(v.clone()),
                                    origin: Origin::BuildArg,
                                },
                                None => match default {
                                    Some(d) => Var {
                                        value: Some(d),
                                        origin: Origin::Line("ARG", ins.start_line),
                                    },
                                    None => globals.get(&name).cloned().unwrap_or(Var {
                                        value: None,
                                        origin: Origin::Line("ARG", ins.start_line),
                                    }),
                                },
                            };
                            args.insert(name, var);
                        }
                    }
                    "ENV" => {
                        for (k, v) in ins.env_pairs() {
                            view.env.insert(
                                k,
                                Var {
                                    value: Some(v),
                                    origin: Origin::Line("ENV", ins.start_line),
                                },
                            );
                        }
                    }
                    "USER" => {
                        view.user = Some(Var {
                            value: Some(ins.args.clone()),
                            origin: Origin::Line("USER", ins.start_line),
                        });
                    }
                    "SHELL" => {
                        shell = Some(Var {
                            value: Some(ins.cache_key()),
                            origin: Origin::Line("SHELL", ins.start_line),
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    view
}

/// What BuildKit compares for a `FROM`: the platform and the image, not the stage name.
fn from_key(ins: &Instruction) -> String {
    let platform = ins
        .flag("platform")
        .and_then(|f| f.value.clone())
        .unwrap_or_default();
    let image = ins.args.split_whitespace().next().unwrap_or_default();
    format!("FROM {platform} {image}")
}

/// The old stage matching new stage `index`: the same `AS` name, else the same position.
fn old_stage_index(new: &Dockerfile, old: &Dockerfile, index: usize) -> Option<usize> {
    let stage = new.stages.get(index)?;
    let by_name = stage.name.as_ref().and_then(|name| {
        old.stages
            .iter()
            .position(|s| s.name.as_deref() == Some(name.as_str()))
    });
    by_name.or_else(|| old.stages.get(index).map(|s| s.index))
}

/// What a context-reading step reads.
#[derive(Debug, Clone)]
enum Source {
    /// Source patterns relative to the context root (cleaned, Go `filepath.Match` syntax).
    Patterns(Vec<String>),
    /// Could not be resolved (an unknown variable): assumed to read everything.
    Everything,
}

impl Source {
    fn matches(&self, rel: &str) -> bool {
        match self {
            Source::Everything => true,
            Source::Patterns(patterns) => patterns.iter().any(|p| gopath::selects(p, rel)),
        }
    }
}

/// What an instruction depends on outside its own stage's chain.
#[derive(Debug, Default)]
struct StepReads {
    /// Context reads.
    context: Option<Source>,
    /// Stages read (by `--from`).
    stages: Vec<usize>,
}

fn lookup_in<'v>(
    view: &'v StageView,
    op_vars: &'v BTreeMap<String, Var>,
) -> impl Fn(&str) -> Option<String> + 'v {
    move |name: &str| {
        op_vars
            .get(name)
            .or_else(|| view.env.get(name))
            .and_then(|v| v.value.clone())
    }
}

/// The context and stages `ins` (a step of stage `stage`) reads.
fn step_inputs(df: &Dockerfile, ins: &Instruction, op: &Op, view: &StageView) -> StepReads {
    let mut out = StepReads::default();
    let lookup = lookup_in(view, &op.vars);
    let stage_ref = |r: &str| -> Option<usize> {
        let r = expand(r, &lookup).unwrap_or_else(|| r.to_owned());
        df.stage_by_ref(&r).map(|s| s.index)
    };
    if let Some(spec) = ins.copy_sources() {
        match spec.from.as_deref() {
            Some(from) => {
                if let Some(s) = stage_ref(from) {
                    out.stages.push(s);
                }
            }
            None => {
                let local = spec.sources.iter().filter(|src| !is_remote(src));
                out.context = context_source(local.map(String::as_str), &lookup);
            }
        }
    }
    if ins.keyword == "RUN" {
        let binds: Vec<_> = ins
            .mounts()
            .into_iter()
            .filter(|m| m.kind == "bind")
            .collect();
        for from in binds.iter().filter_map(|m| m.from.as_deref()) {
            if let Some(s) = stage_ref(from) {
                out.stages.push(s);
            }
        }
        let local = binds
            .iter()
            .filter(|m| m.from.is_none())
            .map(|m| m.source.as_deref().unwrap_or("."));
        out.context = context_source(local, &lookup);
    }
    out
}

/// What a step reads from the build context, from its source paths: `None` when it names
/// none, `Everything` when one of them cannot be expanded (an unknown variable).
fn context_source<'a>(
    sources: impl Iterator<Item = &'a str>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Option<Source> {
    let mut patterns = Vec::new();
    for src in sources {
        match expand(src, lookup) {
            Some(p) => patterns.push(gopath::trim(&p)),
            None => return Some(Source::Everything),
        }
    }
    (!patterns.is_empty()).then_some(Source::Patterns(patterns))
}

/// URLs and git remotes, which `ADD` fetches instead of reading the context.
fn is_remote(src: &str) -> bool {
    src.contains("://") || src.starts_with("git@")
}

/// Expands `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}` and
/// `${NAME+word}` with `lookup`; `\$` is a literal dollar. `None` when a variable without a
/// fallback is unknown (its value cannot be predicted).
fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'$') => {
                out.push('$');
                chars.next();
            }
            '$' => match chars.peek().copied() {
                Some('{') => {
                    chars.next();
                    let mut inner = String::new();
                    let mut closed = false;
                    for ch in chars.by_ref() {
                        if ch == '}' {
                            closed = true;
                            break;
                        }
                        inner.push(ch);
                    }
                    if !closed {
                        return None;
                    }
                    out.push_str(&expand_braced(&inner, lookup)?);
                }
                Some(ch) if ch == '_' || ch.is_ascii_alphanumeric() => {
                    let mut name = String::new();
                    while let Some(&ch) = chars.peek() {
                        if ch == '_' || ch.is_ascii_alphanumeric() {
                            name.push(ch);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    out.push_str(&lookup(&name)?);
                }
                _ => out.push('$'),
            },
            other => out.push(other),
        }
    }
    Some(out)
}

fn expand_braced(inner: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let end = inner
        .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
        .unwrap_or(inner.len());
    let (name, op) = inner.split_at(end);
    let value = lookup(name).filter(|v| !v.is_empty() || !op.starts_with(':'));
    let set = lookup(name).is_some();
    match op {
        "" => value.or_else(|| set.then(String::new)),
        _ => {
            let (op, word) = if let Some(w) = op.strip_prefix(":-") {
                ("-", w)
            } else if let Some(w) = op.strip_prefix(":+") {
                ("+", w)
            } else if let Some(w) = op.strip_prefix('-') {
                ("-", w)
            } else if let Some(w) = op.strip_prefix('+') {
                ("+", w)
            } else {
                return None;
            };
            match op {
                "-" => Some(value.unwrap_or_else(|| word.to_owned())),
                _ => Some(if value.is_some() {
                    word.to_owned()
                } else {
                    String::new()
                }),
            }
        }
    }
}

/// The stages needed to build `target`: it and, transitively, the stages it is built
/// `FROM` or reads with `--from`.
fn needed_stages(df: &Dockerfile, target: usize, views: &Views) -> BTreeSet<usize> {
    let mut needed = BTreeSet::new();
    let mut todo = vec![target];
    while let Some(s) = todo.pop() {
        if !needed.insert(s) {
            continue;
        }
        if let Some(p) = base_stage(df, s, &views.globals) {
            todo.push(p);
        }
        let Some(view) = views.stages.get(s) else {
            continue;
        };
        for op in &view.ops {
            if let Some(ins) = df.instructions.get(op.instr) {
                todo.extend(step_inputs(df, ins, op, view).stages);
            }
        }
    }
    needed
}

/// Why a step misses the cache, when it has a cause of its own.
struct Cause {
    reason: String,
    triggers: Vec<Vec<u8>>,
    /// The instruction itself differs from the previous Dockerfile's (an edit).
    edit: bool,
}

fn evaluate(inputs: &Inputs<'_>, settings: &BuildSettings) -> Result<Evaluation, String> {
    let df = inputs.new;
    if df.stages.is_empty() {
        return Err("the Dockerfile has no FROM instruction; the build will fail".to_owned());
    }
    let target = match inputs.target {
        Some(name) => df.stage_by_ref(name).map(|s| s.index).ok_or_else(|| {
            format!(
                "the build target `{name}` is not a stage of the Dockerfile; the build will \
                 fail (stages: {})",
                df.stages
                    .iter()
                    .map(|s| s.name.clone().unwrap_or_else(|| s.index.to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?,
        None => df.stages.len() - 1,
    };
    let new_views = views(df, inputs.new_args);
    let old_views = match inputs.old {
        Old::Parsed(old) => Some((old, views(old, inputs.old_args))),
        _ => None,
    };
    let needed = needed_stages(df, target, &new_views);
    let target_name = match df.stages.get(target).and_then(|s| s.name.as_deref()) {
        Some(name) => format!("the target `{name}`"),
        None => "the last stage".to_owned(),
    };

    // Per instruction: status, reason, triggers.
    let mut steps: Vec<Step> = df
        .instructions
        .iter()
        .map(|ins| Step {
            stage: ins.stage,
            stage_name: ins
                .stage
                .and_then(|s| df.stages.get(s))
                .and_then(|s| s.name.clone()),
            line: ins.start_line,
            instruction: one_line(ins),
            kind: kind_of(df, ins, &new_views.globals, settings),
            status: StepStatus::Cached,
            reason: None,
            triggers: Vec::new(),
        })
        .collect();
    let mut readers: Vec<(usize, Source)> = Vec::new();
    let mut first_edit: Option<usize> = None;
    let mut settings_changed = false;
    // Whether each stage re-runs anything, and the triggers of its first re-run.
    let mut reruns: Vec<Option<Vec<Vec<u8>>>> = vec![None; df.stages.len()];

    for stage in &df.stages {
        let s = stage.index;
        if !needed.contains(&s) {
            for i in stage.instructions.clone() {
                if let Some(step) = steps.get_mut(i) {
                    step.status = StepStatus::Skipped;
                    step.reason = Some(format!("stage not needed to build {target_name}"));
                }
            }
            continue;
        }
        let Some(view) = new_views.stages.get(s) else {
            continue;
        };
        let old_view = old_views.as_ref().and_then(|(old, ov)| {
            old_stage_index(df, old, s).and_then(|i| ov.stages.get(i).map(|v| (*old, v)))
        });
        if let Some((_, ov)) = old_view {
            if ov.settings != view.settings {
                settings_changed = true;
            }
        } else {
            settings_changed = true;
        }
        let mut chain: Option<(u32, Vec<Vec<u8>>)> = None;
        let mut positional_broken = false;
        for (pos, op) in view.ops.iter().enumerate() {
            let Some(ins) = df.instructions.get(op.instr) else {
                continue;
            };
            let deps = step_inputs(df, ins, op, view);
            if let Some(src) = &deps.context {
                readers.push((op.instr, src.clone()));
            }
            let mut cause: Option<Cause> = None;
            // 1. The step against the previous build's step at the same position.
            if !positional_broken {
                if let Some(c) = positional_cause(inputs, old_view, op, pos) {
                    positional_broken = true;
                    cause = Some(c);
                }
            }
            // 2. Stages it is built from or copies from.
            if cause.is_none() {
                let mut from_stages = deps.stages.clone();
                if pos == 0 {
                    from_stages.extend(base_stage(df, s, &new_views.globals));
                }
                for dep in from_stages {
                    if let Some(Some(triggers)) = reruns.get(dep) {
                        let name = df
                            .stages
                            .get(dep)
                            .map(|d| d.name.clone().unwrap_or_else(|| d.index.to_string()))
                            .unwrap_or_default();
                        let reason = if pos == 0 && ins.keyword == "FROM" {
                            format!("built from stage `{name}`, which re-runs")
                        } else {
                            format!("reads from stage `{name}`, which re-runs")
                        };
                        cause = Some(Cause {
                            reason,
                            triggers: triggers.clone(),
                            edit: false,
                        });
                        break;
                    }
                }
            }
            // 3. Changed files of the context it reads.
            if cause.is_none() {
                if let Some(src) = &deps.context {
                    cause = context_cause(inputs.context, src);
                }
            }
            let Some(step) = steps.get_mut(op.instr) else {
                continue;
            };
            match (cause, &chain) {
                (Some(c), _) => {
                    if c.edit && first_edit.is_none() {
                        first_edit = Some(op.instr);
                    }
                    if chain.is_none() {
                        chain = Some((ins.start_line, c.triggers.clone()));
                    }
                    step.status = StepStatus::Rerun;
                    step.reason = Some(c.reason);
                    step.triggers = c.triggers;
                }
                (None, Some((line, triggers))) => {
                    step.status = StepStatus::Rerun;
                    step.reason = Some(format!("follows line {line}, which re-runs"));
                    step.triggers = triggers.clone();
                }
                (None, None) => {}
            }
        }
        if let Some((_, triggers)) = chain {
            if let Some(slot) = reruns.get_mut(s) {
                *slot = Some(triggers);
            }
        }
    }
    if first_edit.is_none() {
        first_edit = first_setting_edit(inputs, &steps);
    }
    if settings_changed {
        mark_changed_settings(inputs, &mut steps);
    }
    Ok(Evaluation {
        steps,
        readers,
        first_edit,
        settings_changed,
    })
}

/// The tier of a set of steps (the costliest re-run step's) and the step that decided it
/// (the first re-run step of that tier).
fn summarize(steps: &[Step]) -> (BuildTier, Option<usize>) {
    let tier = steps
        .iter()
        .filter(|s| s.status == StepStatus::Rerun)
        .map(|s| s.kind.tier())
        .max()
        .unwrap_or(BuildTier::None);
    let deciding = steps
        .iter()
        .position(|s| s.status == StepStatus::Rerun && s.kind.tier() == tier)
        .filter(|_| tier != BuildTier::None);
    (tier, deciding)
}

/// Why `op` (at `pos` among the steps of new stage `s`) misses against the previous
/// Dockerfile, if it does.
fn positional_cause(
    inputs: &Inputs<'_>,
    old_view: Option<(&Dockerfile, &StageView)>,
    op: &Op,
    pos: usize,
) -> Option<Cause> {
    let blame = |reason: String, edit: bool| Cause {
        reason,
        triggers: vec![inputs.dockerfile.to_vec()],
        edit,
    };
    let Some((_, old_view)) = old_view else {
        let reason = match inputs.old {
            Old::NoBuild => "no previous build to reuse",
            Old::Absent => "the Dockerfile is new",
            Old::Unparsable => "the previous Dockerfile did not parse",
            Old::Parsed(_) if pos == 0 => "new stage",
            Old::Parsed(_) => return None,
        };
        return (pos == 0).then(|| blame(reason.to_owned(), true));
    };
    let Some(old) = old_view.ops.get(pos) else {
        return Some(blame("new step".to_owned(), true));
    };
    if op.same(old) {
        return None;
    }
    if op.raw != old.raw {
        // Linear per step; a stage has few steps.
        let reason = if old_view.ops.iter().any(|o| o.raw == op.raw) {
            "steps before it were removed or reordered"
        } else {
            "instruction changed"
        };
        return Some(blame(reason.to_owned(), true));
    }
    // Same instruction, different environment: name what changed.
    let changed = op
        .vars
        .iter()
        .find(|(k, v)| old.vars.get(*k).map(|o| &o.value) != Some(&v.value))
        .map(|(k, v)| (k.clone(), v.origin.clone()))
        .or_else(|| {
            old.vars
                .keys()
                .find(|k| !op.vars.contains_key(*k))
                .map(|k| (k.clone(), Origin::Line("ARG", 0)))
        });
    let Some((name, origin)) = changed else {
        return Some(blame("its environment changed".to_owned(), false));
    };
    let shown = match name.as_str() {
        "@user" => "the user".to_owned(),
        "@shell" => "the shell".to_owned(),
        other => other.to_owned(),
    };
    Some(match origin {
        Origin::BuildArg => Cause {
            reason: format!("build argument {shown} changed"),
            triggers: vec![inputs.args_file.to_vec()],
            edit: false,
        },
        Origin::Line(keyword, line) if line > 0 => {
            let what = match keyword {
                "USER" | "SHELL" => format!("{keyword} changed (line {line})"),
                _ => format!("{keyword} {shown} changed (line {line})"),
            };
            blame(what, false)
        }
        Origin::Line(..) => blame(format!("{shown} changed"), false),
        Origin::Inherited(stage) => blame(
            format!("{shown} changed in stage `{stage}`, which it is built from"),
            false,
        ),
    })
}

/// The context cause of a step reading `src`: the changed files it selects.
fn context_cause(delta: &ContextDelta, src: &Source) -> Option<Cause> {
    if let Some(trigger) = &delta.everything {
        return Some(Cause {
            reason: "the .dockerignore change alters what it copies".to_owned(),
            triggers: vec![trigger.clone()],
            edit: false,
        });
    }
    let hits: Vec<&(String, Vec<u8>)> = delta
        .changes
        .iter()
        .filter(|(rel, _)| src.matches(rel))
        .collect();
    let (first_rel, _) = hits.first()?;
    let reason = match hits.len() {
        1 => format!("{first_rel} changed"),
        2 => format!("{first_rel} and 1 other file changed"),
        n => format!("{first_rel} and {} other files changed", n - 1),
    };
    let mut seen: FastSet<&[u8]> = FastSet::default();
    let triggers: Vec<Vec<u8>> = hits
        .into_iter()
        .filter(|(_, path)| seen.insert(path))
        .map(|(_, path)| path.clone())
        .collect();
    Some(Cause {
        reason,
        triggers,
        edit: false,
    })
}

/// The first setting instruction of a built stage whose text changed (for a Dockerfile
/// whose steps all stayed the same).
fn first_setting_edit(inputs: &Inputs<'_>, steps: &[Step]) -> Option<usize> {
    let Old::Parsed(old) = inputs.old else {
        return None;
    };
    if old.same_build(inputs.new) {
        return None;
    }
    let old_keys: HashSet<String> = old
        .instructions
        .iter()
        .map(Instruction::cache_key)
        .collect();
    inputs
        .new
        .instructions
        .iter()
        .enumerate()
        .find(|(i, ins)| {
            steps
                .get(*i)
                .is_some_and(|s| s.status != StepStatus::Skipped)
                && !old_keys.contains(&ins.cache_key())
        })
        .map(|(i, _)| i)
}

/// Gives the setting instructions that are new or changed a reason: they change the image,
/// but re-run nothing by themselves.
fn mark_changed_settings(inputs: &Inputs<'_>, steps: &mut [Step]) {
    let old_keys: HashSet<String> = match inputs.old {
        Old::Parsed(old) => old
            .instructions
            .iter()
            .map(Instruction::cache_key)
            .collect(),
        _ => HashSet::new(),
    };
    for (ins, step) in inputs.new.instructions.iter().zip(steps.iter_mut()) {
        if step.kind == StepKind::Setting
            && step.status == StepStatus::Cached
            && ins.stage.is_some()
            && !old_keys.contains(&ins.cache_key())
        {
            step.reason = Some("changed: an image setting, no step re-runs for it".to_owned());
        }
    }
}

/// The kind of an instruction.
fn kind_of(
    df: &Dockerfile,
    ins: &Instruction,
    globals: &BTreeMap<String, Var>,
    settings: &BuildSettings,
) -> StepKind {
    match ins.keyword.as_str() {
        "FROM" => match ins.stage {
            Some(s) if base_stage(df, s, globals).is_some() => StepKind::Other,
            _ => StepKind::BaseImage,
        },
        "RUN" => {
            let text = ins.script();
            if mentions_any(&text, &settings.system_commands) {
                StepKind::SystemPackages
            } else if settings
                .model_commands
                .iter()
                .any(|m| text.contains(m.as_str()))
            {
                StepKind::Models
            } else if mentions_any(&text, &settings.dependency_commands) {
                StepKind::Dependencies
            } else {
                StepKind::Run
            }
        }
        "COPY" | "ADD" => StepKind::Copy,
        "WORKDIR" => StepKind::Other,
        _ => StepKind::Setting,
    }
}

/// Whether one of the shell commands in `text` contains one of `phrases`: the phrase's
/// first word as a word of the command (a `/path/` prefix ignored) and its other words
/// after it in the same command, in order.
fn mentions_any(text: &str, phrases: &[String]) -> bool {
    let commands: Vec<Vec<&str>> = text
        .split(['\n', ';', '|', '&', '(', ')', '`', '{', '}'])
        .map(|cmd| {
            cmd.split_whitespace()
                .map(|w| w.trim_matches(['"', '\'']))
                .map(|w| w.rsplit('/').next().unwrap_or(w))
                .collect()
        })
        .collect();
    phrases.iter().any(|phrase| {
        let want: Vec<&str> = phrase.split_whitespace().collect();
        commands.iter().any(|words| contains_in_order(words, &want))
    })
}

fn contains_in_order(words: &[&str], want: &[&str]) -> bool {
    let Some((first, rest)) = want.split_first() else {
        return false;
    };
    words.iter().enumerate().any(|(i, w)| {
        w == first && {
            let mut tail = words.iter().skip(i + 1);
            rest.iter().all(|r| tail.any(|w| w == r))
        }
    })
}

/// The instruction on one line for display, safe to print: keyword, flags and arguments
/// with runs of whitespace collapsed, heredoc bodies left out, at most
/// [`MAX_INSTRUCTION_CHARS`], and anything that may be a secret masked (see [`mask_word`]):
/// a Dockerfile can hold credentials, and reports must never repeat them.
fn one_line(ins: &Instruction) -> String {
    let mut text = ins.keyword.clone();
    for flag in &ins.flags {
        text.push_str(" --");
        text.push_str(&flag.name);
        match (flag.name.as_str(), &flag.value) {
            ("from" | "platform" | "chown" | "chmod" | "link" | "parents", Some(v)) => {
                text.push('=');
                text.push_str(&mask_word(v));
            }
            ("mount", Some(v)) => {
                let kind = v
                    .split(',')
                    .find_map(|f| f.strip_prefix("type="))
                    .unwrap_or("bind");
                text.push_str("=type=");
                text.push_str(&mask_word(kind));
            }
            (_, Some(_)) => text.push_str("=…"),
            (_, None) => {}
        }
    }
    let words: Vec<String> = match &ins.exec_form {
        Some(array) => array.iter().map(|w| mask_word(w)).collect(),
        None => ins.args.split_whitespace().map(mask_word).collect(),
    };
    for word in words {
        text.push(' ');
        text.push_str(&word);
    }
    shorten(&text, MAX_INSTRUCTION_CHARS)
}

/// A word of an instruction with what may be a secret replaced by `…`: the value of a
/// `NAME=value` assignment (but not `pkg==1.0`), the credentials of a `scheme://user:pw@`
/// URL, and every run of 12 or more letters and digits that mixes both (keys and tokens
/// are such runs; words, versions and paths rarely are).
fn mask_word(word: &str) -> String {
    let mut word = word.to_owned();
    if let Some((name, value)) = word.split_once('=') {
        let bare = name.trim_start_matches(['"', '\'']);
        let is_name = bare
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_name && !value.is_empty() && !value.starts_with('=') {
            word = format!("{name}=…");
        }
    }
    if let Some(scheme) = word.find("://") {
        let rest_start = scheme + 3;
        if let Some(at) = word.get(rest_start..).and_then(|r| r.find('@')) {
            let host = word.get(rest_start + at..).unwrap_or_default().to_owned();
            word = format!("{}…{host}", word.get(..rest_start).unwrap_or_default());
        }
    }
    let mut out = String::with_capacity(word.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let letters = run.chars().any(|c| c.is_ascii_alphabetic());
        let digits = run.chars().any(|c| c.is_ascii_digit());
        if run.chars().count() >= 12 && letters && digits {
            out.push('…');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in word.chars() {
        if c.is_ascii_alphanumeric() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// `text` cut to `max` characters, with `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evaluates `new` against `old` (`None`: the Dockerfile is new) with `changed` context
    /// files; returns the steps as `(line, status)` plus the tier and deciding line.
    struct Run {
        steps: Vec<Step>,
        tier: BuildTier,
        deciding: Option<u32>,
        settings_changed: bool,
        first_edit: Option<usize>,
    }

    fn run_with(
        old: Option<&str>,
        new: &str,
        changed: &[&str],
        target: Option<&str>,
        old_args: &[(&str, &str)],
        new_args: &[(&str, &str)],
    ) -> Run {
        let new_df = dockerfile::parse(new).unwrap();
        let old = match old {
            Some(text) => Old::Parsed(dockerfile::parse(text).unwrap()),
            None => Old::Absent,
        };
        let delta = ContextDelta {
            changes: changed
                .iter()
                .map(|p| ((*p).to_owned(), p.as_bytes().to_vec()))
                .collect(),
            everything: None,
        };
        let map = |a: &[(&str, &str)]| -> BTreeMap<String, String> {
            a.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let (new_args, old_args) = (map(new_args), map(old_args));
        let inputs = Inputs {
            new: &new_df,
            old: &old,
            target,
            new_args: &new_args,
            old_args: &old_args,
            context: &delta,
            dockerfile: b"Dockerfile",
            args_file: b"fly.toml",
        };
        let eval = evaluate(&inputs, &Config::builtin().build).unwrap();
        let (tier, deciding) = summarize(&eval.steps);
        Run {
            tier,
            deciding: deciding.and_then(|i| eval.steps.get(i)).map(|s| s.line),
            settings_changed: eval.settings_changed,
            first_edit: eval.first_edit,
            steps: eval.steps,
        }
    }

    fn run(old: Option<&str>, new: &str, changed: &[&str]) -> Run {
        run_with(old, new, changed, None, &[], &[])
    }

    impl Run {
        fn statuses(&self) -> Vec<(u32, &'static str)> {
            self.steps
                .iter()
                .map(|s| (s.line, s.status.as_str()))
                .collect()
        }

        fn reason(&self, line: u32) -> &str {
            self.steps
                .iter()
                .find(|s| s.line == line)
                .and_then(|s| s.reason.as_deref())
                .unwrap_or("")
        }

        fn rerun_lines(&self) -> Vec<u32> {
            self.steps
                .iter()
                .filter(|s| s.status == StepStatus::Rerun)
                .map(|s| s.line)
                .collect()
        }
    }

    const PY: &str = "FROM python:3.12-slim\n\
        RUN apt-get update && apt-get install -y --no-install-recommends gcc\n\
        WORKDIR /app\n\
        COPY requirements*.txt ./\n\
        RUN pip install -r requirements.txt\n\
        COPY . .\n\
        CMD [\"python\", \"main.py\"]\n";

    #[test]
    fn a_source_change_reruns_the_final_copy_only() {
        let r = run(Some(PY), PY, &["main.py"]);
        assert_eq!(r.rerun_lines(), [6]);
        assert_eq!(r.tier, BuildTier::Incremental);
        assert_eq!(r.deciding, Some(6));
        assert_eq!(r.reason(6), "main.py changed");
        assert!(!r.settings_changed);
    }

    #[test]
    fn a_manifest_change_reruns_the_install() {
        let r = run(Some(PY), PY, &["requirements-dev.txt", "requirements.txt"]);
        assert_eq!(r.rerun_lines(), [4, 5, 6]);
        assert_eq!(r.tier, BuildTier::Partial);
        assert_eq!(r.deciding, Some(5));
        assert_eq!(r.reason(4), "requirements-dev.txt and 1 other file changed");
        assert_eq!(r.reason(5), "follows line 4, which re-runs");
        // The final COPY has its own cause.
        assert!(r.reason(6).contains("changed"), "{}", r.reason(6));
    }

    #[test]
    fn nothing_changed_is_none() {
        let r = run(Some(PY), PY, &[]);
        assert_eq!(r.tier, BuildTier::None);
        assert_eq!(r.deciding, None);
        assert!(r.statuses().iter().all(|(_, s)| *s == "cached"));
    }

    #[test]
    fn comment_and_whitespace_edits_change_no_step() {
        let edited = PY.replace("WORKDIR /app\n", "# force rebuild\nWORKDIR   /app\n\n");
        let r = run(Some(PY), &edited, &[]);
        assert_eq!(r.tier, BuildTier::None);
        assert_eq!(r.first_edit, None);
    }

    #[test]
    fn a_changed_base_image_is_full() {
        let r = run(Some(PY), &PY.replace("3.12", "3.13"), &[]);
        assert_eq!(r.tier, BuildTier::Full);
        assert_eq!(r.deciding, Some(1));
        assert_eq!(r.reason(1), "instruction changed");
        assert_eq!(r.rerun_lines(), [1, 2, 3, 4, 5, 6]);
        assert_eq!(r.first_edit, Some(0));
    }

    #[test]
    fn a_changed_system_package_step_is_full_and_keeps_the_base() {
        let r = run(Some(PY), &PY.replace("gcc", "gcc git"), &[]);
        assert_eq!(r.tier, BuildTier::Full);
        assert_eq!(r.deciding, Some(2));
        assert_eq!(r.statuses().first(), Some(&(1, "cached")));
    }

    #[test]
    fn copy_everything_before_the_install_makes_source_changes_partial() {
        let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n";
        let r = run(Some(df), df, &["src/index.ts"]);
        assert_eq!(r.tier, BuildTier::Partial);
        assert_eq!(r.deciding, Some(4));
        assert_eq!(r.rerun_lines(), [3, 4, 5]);
    }

    #[test]
    fn apt_after_the_source_copy_makes_source_changes_full() {
        let df = "FROM debian\nCOPY . /src\nRUN apt-get -y install curl\n";
        let r = run(Some(df), df, &["a.sh"]);
        assert_eq!(r.tier, BuildTier::Full);
        assert_eq!(r.deciding, Some(3));
    }

    #[test]
    fn directory_and_glob_sources_select_what_docker_copies() {
        let df =
            "FROM alpine\nCOPY src/ /app/src\nCOPY conf/*.toml /etc/\nCOPY [\"a b.txt\", \"/x\"]\n";
        assert_eq!(
            run(Some(df), df, &["src/deep/x.py"]).rerun_lines(),
            [2, 3, 4]
        );
        assert_eq!(
            run(Some(df), df, &["srcx/y.py"]).rerun_lines(),
            Vec::<u32>::new()
        );
        assert_eq!(run(Some(df), df, &["conf/app.toml"]).rerun_lines(), [3, 4]);
        assert_eq!(
            run(Some(df), df, &["conf/sub/app.toml"]).rerun_lines(),
            Vec::<u32>::new()
        );
        assert_eq!(run(Some(df), df, &["a b.txt"]).rerun_lines(), [4]);
        let dot = "FROM alpine\nCOPY ./ /app/\n";
        assert_eq!(run(Some(dot), dot, &["x"]).rerun_lines(), [2]);
    }

    #[test]
    fn an_arg_default_change_invalidates_its_first_use_and_later_runs() {
        let old = "FROM python:3.12\nRUN apt-get install -y curl\nARG VERSION=1\nCOPY req.txt .\nRUN echo hi\nRUN pip install app==$VERSION\n";
        let new = old.replace("VERSION=1", "VERSION=2");
        let r = run(Some(old), &new, &[]);
        // The COPY does not use it; the first RUN after the ARG sees it as env.
        assert_eq!(r.rerun_lines(), [5, 6]);
        assert_eq!(r.reason(5), "ARG VERSION changed (line 3)");
        assert_eq!(r.tier, BuildTier::Partial);
        // Used by a COPY: invalidated there.
        let old = "FROM alpine\nARG DIR=a\nCOPY $DIR/ /x\nCOPY b /y\n";
        let r = run(Some(old), &old.replace("DIR=a", "DIR=b"), &[]);
        assert_eq!(r.rerun_lines(), [3, 4]);
        // A cache-bust ARG at the top re-runs the system packages.
        let old = "FROM debian\nARG CACHEBUST=1\nRUN apt-get install -y curl\n";
        let r = run(Some(old), &old.replace("=1", "=2"), &[]);
        assert_eq!(r.tier, BuildTier::Full);
    }

    #[test]
    fn global_args_and_build_args() {
        let df = "ARG PY=3.12\nFROM python:${PY}-slim\nARG MODE\nRUN echo $MODE\n";
        let r = run(Some(df), &df.replace("3.12", "3.13"), &[]);
        assert_eq!(r.tier, BuildTier::Full);
        assert_eq!(r.reason(2), "ARG PY changed (line 1)");
        let r = run_with(Some(df), df, &[], None, &[("MODE", "a")], &[("MODE", "b")]);
        assert_eq!(r.rerun_lines(), [4]);
        assert_eq!(r.reason(4), "build argument MODE changed");
        assert_eq!(
            r.steps.iter().find(|s| s.line == 4).unwrap().triggers,
            [b"fly.toml".to_vec()]
        );
    }

    #[test]
    fn env_user_and_settings() {
        let old = "FROM alpine\nENV A=1\nCOPY x /x\nRUN make\nCMD [\"a\"]\n";
        let r = run(Some(old), &old.replace("A=1", "A=2"), &[]);
        assert_eq!(r.rerun_lines(), [4]);
        assert_eq!(r.reason(4), "ENV A changed (line 2)");
        let r = run(Some(old), &old.replace("[\"a\"]", "[\"b\"]"), &[]);
        assert_eq!(r.tier, BuildTier::None);
        assert!(r.settings_changed);
        assert_eq!(r.first_edit, Some(4));
        assert!(r.reason(5).contains("image setting"), "{}", r.reason(5));
        let with_user = old.replace("RUN make", "USER app\nRUN make");
        let r = run(
            Some(&with_user),
            &with_user.replace("USER app", "USER root"),
            &[],
        );
        assert_eq!(r.reason(5), "USER changed (line 4)");
    }

    #[test]
    fn multi_stage_copies_from_and_skips() {
        let df = "FROM node:20 AS assets\nCOPY web/ /web\nRUN npm ci\n\
                  FROM golang:1.22 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app\n\
                  FROM alpine AS test\nCOPY --from=build /app /app\nRUN /app -test\n\
                  FROM gcr.io/distroless/static AS runtime\nCOPY --from=build /app /app\nCOPY --from=assets /web /web\n";
        // A Go source change: build stage from line 7, runtime copies, test is skipped.
        let r = run_with(Some(df), df, &["main.go"], Some("runtime"), &[], &[]);
        // The chain goes on after the first re-run step: line 14 re-runs too.
        assert_eq!(r.rerun_lines(), [7, 8, 13, 14]);
        assert_eq!(r.reason(14), "follows line 13, which re-runs");
        assert_eq!(r.reason(13), "reads from stage `build`, which re-runs");
        assert_eq!(r.tier, BuildTier::Incremental);
        let skipped: Vec<u32> = r
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::Skipped)
            .map(|s| s.line)
            .collect();
        assert_eq!(skipped, [9, 10, 11]);
        // go.sum: dependency download re-runs.
        let r = run_with(Some(df), df, &["go.sum"], Some("runtime"), &[], &[]);
        assert_eq!(r.tier, BuildTier::Partial);
        assert_eq!(r.deciding, Some(6));
        assert_eq!(
            r.steps.iter().find(|s| s.line == 13).unwrap().triggers,
            [b"go.sum".to_vec()]
        );
        // The web assets stage re-runs, and so does the build stage: its `COPY . .` copies
        // web/ too.
        let r = run_with(Some(df), df, &["web/app.js"], Some("runtime"), &[], &[]);
        assert_eq!(r.rerun_lines(), [2, 3, 7, 8, 13, 14]);
        assert_eq!(r.reason(14), "reads from stage `assets`, which re-runs");
        // Building the test target skips runtime and assets.
        let r = run_with(Some(df), df, &["web/app.js"], Some("test"), &[], &[]);
        assert_eq!(r.rerun_lines(), [7, 8, 10, 11]);
        let r = run_with(Some(df), df, &["README.md"], Some("assets"), &[], &[]);
        assert!(r.rerun_lines().is_empty());
    }

    #[test]
    fn a_stage_built_from_a_rerun_stage_reruns_whole() {
        let df = "FROM python:3.12 AS base\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n\
                  FROM base AS app\nCOPY . .\n";
        let r = run(Some(df), df, &["requirements.txt"]);
        assert_eq!(r.rerun_lines(), [2, 3, 4, 5]);
        assert_eq!(r.reason(4), "built from stage `base`, which re-runs");
        assert_eq!(r.tier, BuildTier::Partial);
        // An ENV change in the base stage reaches the RUNs of the derived one.
        let old = "FROM alpine AS base\nENV X=1\nFROM base\nRUN make\n";
        let r = run(Some(old), &old.replace("X=1", "X=2"), &[]);
        assert_eq!(r.rerun_lines(), [4]);
        assert_eq!(
            r.reason(4),
            "X changed in stage `base`, which it is built from"
        );
    }

    #[test]
    fn heredoc_runs_are_classified_by_their_body() {
        let old = "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl\nEOF\nCOPY . .\n";
        let r = run(Some(old), old, &["x"]);
        assert_eq!(r.tier, BuildTier::Incremental);
        let new = old.replace("curl", "curl git");
        let r = run(Some(old), &new, &[]);
        assert_eq!(r.tier, BuildTier::Full);
        assert_eq!(r.deciding, Some(2));
        // A comment inside the heredoc is script content: it changes the step.
        let new = old.replace("set -e", "set -e\n# rebuild");
        assert_eq!(run(Some(old), &new, &[]).tier, BuildTier::Full);
    }

    #[test]
    fn new_dockerfiles_and_new_steps() {
        let r = run(None, PY, &[]);
        assert_eq!(r.tier, BuildTier::Full);
        assert_eq!(r.reason(1), "the Dockerfile is new");
        let more = format!("{PY}RUN python -m compileall .\n");
        let r = run(Some(PY), &more, &[]);
        assert_eq!(r.rerun_lines(), [8]);
        assert_eq!(r.reason(8), "new step");
        let fewer = PY.replace("WORKDIR /app\n", "");
        let r = run(Some(PY), &fewer, &[]);
        assert_eq!(r.reason(3), "steps before it were removed or reordered");
        let r = run(Some(PY), &PY.replace("WORKDIR /app", "WORKDIR /srv"), &[]);
        assert_eq!(r.reason(3), "instruction changed");
    }

    #[test]
    fn cache_and_bind_mounts() {
        let df = "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip --mount=type=bind,source=requirements.txt,target=/tmp/r.txt pip install -r /tmp/r.txt\nCOPY . .\n";
        let r = run(Some(df), df, &["requirements.txt"]);
        assert_eq!(r.rerun_lines(), [2, 3]);
        assert_eq!(r.tier, BuildTier::Partial);
        let r = run(Some(df), df, &["main.py"]);
        assert_eq!(r.rerun_lines(), [3]);
    }

    #[test]
    fn unknown_targets_and_empty_files_are_errors() {
        let df = dockerfile::parse(PY).unwrap();
        let delta = ContextDelta::default();
        let args = BTreeMap::new();
        let old = Old::NoBuild;
        let mut inputs = Inputs {
            new: &df,
            old: &old,
            target: Some("nope"),
            new_args: &args,
            old_args: &args,
            context: &delta,
            dockerfile: b"Dockerfile",
            args_file: b"Dockerfile",
        };
        let settings = Config::builtin().build;
        let err = evaluate(&inputs, &settings).err().unwrap();
        assert!(err.contains("`nope`"), "{err}");
        let empty = dockerfile::parse("# nothing\n").unwrap();
        inputs.new = &empty;
        inputs.target = None;
        assert!(evaluate(&inputs, &settings).is_err());
    }

    #[test]
    fn command_phrases() {
        let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let sys = p(&["apt-get install", "apk add"]);
        assert!(mentions_any(
            "apt-get update && apt-get -y install gcc",
            &sys
        ));
        assert!(mentions_any("/sbin/apk --no-cache add curl", &sys));
        assert!(!mentions_any("echo apt-get; install", &sys));
        assert!(!mentions_any("apt-get update", &sys));
        let deps = p(&["pip install", "npm ci"]);
        assert!(mentions_any("python -m pip install -r r.txt", &deps));
        assert!(mentions_any("[\"npm\", \"ci\"]", &deps) || mentions_any("npm ci", &deps));
        assert!(!mentions_any("pip freeze", &deps));
    }

    #[test]
    fn variable_expansion() {
        let lookup = |n: &str| match n {
            "A" => Some("x".to_owned()),
            "E" => Some(String::new()),
            _ => None,
        };
        assert_eq!(expand("$A/${A}", &lookup).as_deref(), Some("x/x"));
        assert_eq!(
            expand("${B:-d}${E:-e}${E-f}", &lookup).as_deref(),
            Some("de")
        );
        assert_eq!(expand("${A:+y}${B:+z}", &lookup).as_deref(), Some("y"));
        assert_eq!(expand("\\$A $", &lookup).as_deref(), Some("$A $"));
        assert_eq!(expand("$B", &lookup), None);
        assert_eq!(expand("${A", &lookup), None);
    }

    #[test]
    fn displayed_instructions_never_carry_secrets() {
        assert_eq!(mask_word("API_KEY=Zq81kLm2Vx7R"), "API_KEY=…");
        assert_eq!(mask_word("\"API_KEY=xxx\""), "\"API_KEY=…");
        assert_eq!(mask_word("flask==3.0.0"), "flask==3.0.0");
        assert_eq!(mask_word("python:3.12-slim"), "python:3.12-slim");
        assert_eq!(mask_word("requirements.txt"), "requirements.txt");
        assert_eq!(mask_word("AKIAIOSFODNN7EXAMPLE"), "…");
        assert_eq!(mask_word("ghp_abcdef1234567890XYZ"), "ghp_…");
        assert_eq!(
            mask_word("https://user:hunter2@example.com/x"),
            "https://…@example.com/x"
        );
        let df = dockerfile::parse(
            "FROM alpine\nRUN --mount=type=secret,id=tok,target=/run/t --network=host curl -H \"Authorization: Bearer ghp_abcdef1234567890XYZ\" https://x\nENV TOKEN=s3cr3t\n",
        )
        .unwrap();
        let shown: Vec<String> = df.instructions.iter().map(one_line).collect();
        assert!(
            shown[1].starts_with(
                "RUN --mount=type=secret --network=… curl -H \"Authorization: Bearer ghp_…\""
            ),
            "{}",
            shown[1]
        );
        assert_eq!(shown[2], "ENV TOKEN=…");
    }

    #[test]
    fn model_downloads_are_full() {
        let df = "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n\
                  COPY download_models.py .\nRUN python download_models.py\nCOPY . .\n";
        let r = run(Some(df), df, &["download_models.py"]);
        assert_eq!(r.tier, BuildTier::Full);
        assert_eq!(r.deciding, Some(5));
        assert_eq!(run(Some(df), df, &["app.py"]).tier, BuildTier::Incremental);
    }

    #[test]
    fn shortening_counts_characters() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("äö", 2), "äö");
    }
}
