//! Loading a push from git: its base, the two trees, each app's Dockerfile and effective
//! `.dockerignore` in both, and the changed files sorted into each context. The model
//! ([`super::model`]) does the rest.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use git2::{ObjectType, Oid, Repository, Tree};

use super::model::{evaluate, summarize, ContextDelta, Inputs, Old};
use super::{AppOutcome, AppVerdict, AppsAnalysis, Base, Fate, PathFate, Rebuild, StepStatus};
use crate::build::apps::{self, App, AppOrigin};
use crate::build::context::{self, BuildContext};
use crate::config::{Config, Estimate};
use crate::docker::dockerfile;
use crate::docker::dockerignore::DockerIgnore;
use crate::git::blob::{file_at, FileAt};
use crate::git::changes::{diff_trees, FileChange};
use crate::hash::FastMap;
use crate::tier::BuildTier;

/// The largest Dockerfile or `.dockerignore` read.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The most context entries walked to find files whose membership a `.dockerignore` edit
/// changed; beyond it every context `COPY` is assumed to change.
const MAX_CONTEXT_ENTRIES: usize = 200_000;

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
/// `deployed`, only the apps it says the push deploys. `known` is the list of files that
/// differ between the two trees when the caller already has it (in tree order, as
/// [`diff_trees`] gives it); otherwise the trees are diffed here.
pub fn analyze(
    repo: &Repository,
    config: &Config,
    base: Base,
    tip: Oid,
    deployed: Option<&dyn Fn(&App) -> bool>,
    known: Option<Vec<FileChange>>,
) -> Result<AppsAnalysis, String> {
    let (old, new) = trees(repo, base, tip)?;
    let changed = match known {
        Some(changed) => changed,
        None => diff_trees(repo, old.as_ref(), Some(&new))?,
    };
    let previous = old.as_ref().map(|t| apps::Previous {
        tree: t.id(),
        changed: &changed,
    });
    let discovery = apps::discover(repo, &new, config, previous);
    Ok(read_apps(repo, old, new, discovery, deployed).predict_with(repo, config, &changed))
}

/// The half of [`analyze`] that needs the two trees alone: every app of the pushed commit
/// with its Dockerfiles and ignore files read and parsed. [`Prepared::predict`] adds the
/// changed files. Made while another process lists the pushed commits, it takes that work
/// out of the time after the listing.
pub struct Prepared<'r> {
    old: Option<Tree<'r>>,
    new: Tree<'r>,
    /// Each app, with what it builds from or why its build cannot be predicted.
    apps: Vec<(App, Result<AppFiles, AppOutcome>)>,
    notes: Vec<apps::AppNote>,
}

/// Reads what every app of commit `tip` builds from, in `tip` and in `base` (see
/// [`Prepared`]).
pub fn prepare<'r>(
    repo: &'r Repository,
    config: &Config,
    base: Base,
    tip: Oid,
) -> Result<Prepared<'r>, String> {
    let (old, new) = trees(repo, base, tip)?;
    // Without the changed files the configuration files are found from the tree; the map
    // is the same either way (`deploy::map::map_of`).
    let discovery = apps::discover(repo, &new, config, None);
    Ok(read_apps(repo, old, new, discovery, None))
}

/// What each app of `discovery` that `deployed` accepts (all without it) builds from.
fn read_apps<'r>(
    repo: &Repository,
    old: Option<Tree<'r>>,
    new: Tree<'r>,
    discovery: apps::Discovery,
    deployed: Option<&dyn Fn(&App) -> bool>,
) -> Prepared<'r> {
    let apps = discovery
        .apps
        .into_iter()
        .filter(|app| deployed.map_or(true, |d| d(app)))
        .map(|app| {
            let files = read_app(repo, old.as_ref(), &new, &app);
            (app, files)
        })
        .collect();
    Prepared {
        old,
        new,
        apps,
        notes: discovery.notes,
    }
}

impl Prepared<'_> {
    /// The prediction for the apps `deployed` accepts, `known` being the files that differ
    /// between the two trees when the caller has them (as in [`analyze`]).
    pub fn predict(
        mut self,
        repo: &Repository,
        config: &Config,
        deployed: &dyn Fn(&App) -> bool,
        known: Option<Vec<FileChange>>,
    ) -> Result<AppsAnalysis, String> {
        let changed = match known {
            Some(changed) => changed,
            None => diff_trees(repo, self.old.as_ref(), Some(&self.new))?,
        };
        self.apps.retain(|(app, _)| deployed(app));
        Ok(self.predict_with(repo, config, &changed))
    }

    fn predict_with(
        self,
        repo: &Repository,
        config: &Config,
        changed: &[FileChange],
    ) -> AppsAnalysis {
        let push = Snapshot {
            repo,
            old: self.old.as_ref(),
            new: &self.new,
            changed,
        };
        let apps = self
            .apps
            .into_iter()
            .map(|(app, files)| {
                let outcome = match files {
                    Ok(files) => predict(&push, &app, files, config),
                    Err(outcome) => outcome,
                };
                AppVerdict { app, outcome }
            })
            .collect();
        AppsAnalysis {
            apps,
            notes: self.notes,
        }
    }
}

/// The tree of `base` (none for [`Base::Nothing`]) and the tree of `tip`.
fn trees(repo: &Repository, base: Base, tip: Oid) -> Result<(Option<Tree<'_>>, Tree<'_>), String> {
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
    Ok((old, new))
}

/// The two trees of a push and the files that differ between them.
struct Snapshot<'a> {
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

/// What an app builds from, in the pushed tree and the previous one: its Dockerfile and its
/// effective ignore file (path, text, parsed).
pub struct AppFiles {
    new_df: dockerfile::Dockerfile,
    old_df: Old,
    new_ignore: Option<(String, String, DockerIgnore)>,
    old_ignore: Option<(String, String, DockerIgnore)>,
    /// Whether each ignore file excludes a path of the context, by repository path, as
    /// [`Prepared::consider`] worked them out ahead ([`Exclusion`]).
    excluded: RefCell<FastMap<Box<[u8]>, Exclusion>>,
}

/// Whether the pushed tree's ignore file (`new`) and the previous one (`old`) exclude a path
/// of an app's context.
#[derive(Debug, Clone, Copy)]
struct Exclusion {
    new: bool,
    old: bool,
}

/// The most paths an app remembers [`Exclusion`]s of: more than a push that waits on its
/// prediction changes, and a bound on one that changes a whole tree.
const KNOWN_PATHS: usize = 1024;

impl AppFiles {
    /// Whether the ignore files exclude `rel`, the path `path` has in the context: as worked
    /// out ahead, or now.
    fn exclusion(&self, path: &[u8], rel: &str) -> Exclusion {
        if let Some(&known) = self.excluded.borrow().get(path) {
            return known;
        }
        let new = self
            .new_ignore
            .as_ref()
            .is_some_and(|(_, _, ig)| ig.is_excluded(rel));
        // An unchanged ignore file answers for the old side what it answered for the new.
        let old = if self.ignore_changed() {
            self.old_ignore
                .as_ref()
                .is_some_and(|(_, _, ig)| ig.is_excluded(rel))
        } else {
            new
        };
        Exclusion { new, old }
    }

    /// Whether the ignore file differs between the two trees (in presence or text).
    fn ignore_changed(&self) -> bool {
        match (&self.new_ignore, &self.old_ignore) {
            (Some((_, a, _)), Some((_, b, _))) => a != b,
            (None, None) => false,
            _ => true,
        }
    }
}

impl Prepared<'_> {
    /// Works out now what the prediction will ask of each of `files` (whether each app's
    /// ignore files exclude it), for a caller with time to spare: the hook, while `git log`
    /// lists the rest of the push. [`Prepared::predict`] then looks the answers up.
    pub fn consider(&self, files: &[FileChange]) {
        for (app, files_of_app) in &self.apps {
            let Ok(app_files) = files_of_app else {
                continue;
            };
            for file in files {
                let Some(rel) = app.in_context(&file.path) else {
                    continue;
                };
                if app_files.excluded.borrow().len() >= KNOWN_PATHS
                    || app_files
                        .excluded
                        .borrow()
                        .contains_key(file.path.as_slice())
                {
                    continue;
                }
                let rel = String::from_utf8_lossy(rel);
                let exclusion = app_files.exclusion(&file.path, &rel);
                app_files
                    .excluded
                    .borrow_mut()
                    .insert(file.path.as_slice().into(), exclusion);
            }
        }
    }
}

/// Reads and parses what `app` builds from in `new` and `old`; the app's outcome instead
/// when its build cannot be predicted (no Dockerfile, one that does not parse, an ignore
/// file Docker refuses).
fn read_app(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
    app: &App,
) -> Result<AppFiles, AppOutcome> {
    let unknown = |line: Option<u32>, message: String| {
        Err(AppOutcome::Unknown {
            path: app.dockerfile.clone(),
            line,
            message,
        })
    };
    let new_text = match file_text(repo, Some(new), &app.dockerfile) {
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
    let old_df = match file_text(repo, old, &app.dockerfile) {
        FileText::Text(t) => match dockerfile::parse(&t) {
            Ok(df) => Old::Parsed(df),
            Err(_) => Old::Unparsable,
        },
        FileText::Absent if old.is_none() => Old::NoBuild,
        FileText::Absent => Old::Absent,
        FileText::Unusable(_) => Old::Unparsable,
    };
    let new_ignore = match ignore_file(repo, Some(new), app) {
        None => None,
        Some((path, FileText::Text(text))) => match DockerIgnore::parse(&text) {
            Ok(ig) => Some((path, text, ig)),
            Err(e) => {
                return Err(AppOutcome::Unknown {
                    path,
                    line: Some(e.line),
                    message: format!(
                        "Docker will refuse this ignore file: {e}; the build will fail, and \
                         pushguard cannot predict it"
                    ),
                })
            }
        },
        Some((path, FileText::Unusable(why))) => {
            return Err(AppOutcome::Unknown {
                path,
                line: None,
                message: format!("the ignore file {why}; the build is not predicted"),
            })
        }
        Some((_, FileText::Absent)) => None,
    };
    let old_ignore = match ignore_file(repo, old, app) {
        Some((path, FileText::Text(text))) => {
            DockerIgnore::parse(&text).ok().map(|ig| (path, text, ig))
        }
        _ => None,
    };
    Ok(AppFiles {
        new_df,
        old_df,
        new_ignore,
        old_ignore,
        excluded: RefCell::default(),
    })
}

/// Predicts the rebuild of `app`, which builds from `files`, for the push `snap`.
fn predict(snap: &Snapshot<'_>, app: &App, files: AppFiles, config: &Config) -> AppOutcome {
    let AppFiles {
        new_df,
        old_df,
        new_ignore,
        old_ignore,
        ..
    } = &files;
    let unknown = |line: Option<u32>, message: String| AppOutcome::Unknown {
        path: app.dockerfile.clone(),
        line,
        message,
    };
    let empty = DockerIgnore::empty();
    let new_ig = new_ignore.as_ref().map_or(&empty, |(_, _, ig)| ig);
    let old_ig = old_ignore.as_ref().map_or(&empty, |(_, _, ig)| ig);
    let ignore_changed = files.ignore_changed();

    // The changed files, sorted into the context's changes and the others' fates.
    //
    // With no previous build (the remote has nothing) every step re-runs whatever the files
    // are: the first for `no previous build to reuse`, each later one after it. Sorting
    // the files would only name them all (a first push of a whole history: tens of thousands
    // of paths, held for the whole push); the Dockerfile alone keeps its fate.
    let first_build = matches!(old_df, Old::NoBuild);
    let mut delta = ContextDelta::default();
    let mut fates: Vec<PathFate> = Vec::new();
    let mut members: Vec<usize> = Vec::new();
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let literal = literal_sources(new_df);
    let mut last_ignored: Option<(Arc<str>, u32, Arc<str>)> = None;
    for change in snap.changed {
        if first_build {
            if change.path == app.dockerfile.as_bytes() {
                fates.push(PathFate {
                    path: change.path.clone(),
                    fate: Fate::NotCopied,
                });
            }
            continue;
        }
        seen.insert(&change.path);
        let Some(rel) = app.in_context(&change.path) else {
            // Outside the context is what a file without a fate is (see `Rebuild::fates`);
            // only the Dockerfile, whose edits matter from anywhere, keeps one.
            if change.path == app.dockerfile.as_bytes() {
                fates.push(PathFate {
                    path: change.path.clone(),
                    fate: Fate::Outside,
                });
            }
            continue;
        };
        let rel = String::from_utf8_lossy(rel).into_owned();
        // A source named in a COPY is copied as what it points at: a link replaced by a
        // file with the same bytes (or the reverse) copies the same content.
        if literal.contains(&rel) && same_through_link(snap, change) {
            continue;
        }
        let excluded = files.exclusion(&change.path, &rel);
        let in_new = change.new.is_some() && !excluded.new;
        let in_old = change.old.is_some() && !excluded.old;
        if in_new || in_old {
            // The path itself moves in from `delta` once the model has read it.
            members.push(fates.len());
            fates.push(PathFate {
                path: Vec::new(),
                fate: Fate::NotCopied,
            });
            delta.changes.push((rel, change.path.clone()));
        } else {
            let (file, ig) = match &new_ignore {
                Some((path, _, ig)) if change.new.is_some() => (path.as_str(), ig),
                _ => match &old_ignore {
                    Some((path, _, ig)) => (path.as_str(), ig),
                    None => ("", &empty),
                },
            };
            let (line, pattern) = ig.is_excluded_with_reason(&rel).unwrap_or((0, ""));
            // A committed virtualenv or node_modules is thousands of paths excluded by the
            // same line: they share its texts.
            let shared = match &last_ignored {
                Some((f, l, p)) if **f == *file && *l == line && **p == *pattern => {
                    (Arc::clone(f), Arc::clone(p))
                }
                _ => (Arc::from(file), Arc::from(pattern)),
            };
            last_ignored = Some((Arc::clone(&shared.0), line, Arc::clone(&shared.1)));
            let fate = Fate::Ignored {
                file: shared.0,
                line,
                pattern: shared.1,
            };
            fates.push(PathFate {
                path: change.path.clone(),
                fate,
            });
        }
    }
    if !first_build {
        symlinked_sources(snap, app, new_df, &mut delta);
    }
    if ignore_changed && !first_build {
        let trigger = new_ignore
            .as_ref()
            .or(old_ignore.as_ref())
            .map(|(p, _, _)| p.clone().into_bytes())
            .unwrap_or_default();
        membership_changes(snap, app, new_ig, old_ig, &seen, &trigger, &mut delta);
    }

    let inputs = Inputs {
        new: new_df,
        old: old_df,
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
    for (&fate_index, (_, path)) in members.iter().zip(delta.changes.iter_mut()) {
        if let Some(slot) = fates.get_mut(fate_index) {
            slot.path = std::mem::take(path);
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
    let likely_tier = super::model::likely_tier(&eval.steps);
    let mut timed_steps = 0;
    let build_seconds = match config.build.estimate {
        Estimate::Tier => config.tier_times(tier).build_seconds,
        Estimate::Steps if tier == BuildTier::None => 0,
        Estimate::Steps => eval
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::Rerun)
            .fold(config.build.overhead_seconds, |sum, s| {
                let measured = config
                    .build
                    .measured
                    .as_ref()
                    .and_then(|m| m.seconds(&app.dockerfile, &s.key));
                timed_steps += usize::from(measured.is_some());
                sum.saturating_add(measured.unwrap_or_else(|| s.kind.weight(&config.build.weights)))
            }),
    };
    AppOutcome::Predicted(Rebuild {
        likely_tier,
        tier,
        build_seconds,
        timed_steps,
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
        // A workflow's `--build-arg` values are compared only where fly.toml holds them.
        _ => app.build_args.clone(),
    }
}

/// The literal source paths (context-relative, cleaned) of the `COPY`/`ADD`s that copy from
/// the context.
fn literal_sources(df: &crate::docker::dockerfile::Dockerfile) -> HashSet<String> {
    df.instructions
        .iter()
        .filter_map(|i| i.copy_sources())
        .filter(|c| c.from.is_none())
        .flat_map(|c| c.sources.into_iter())
        .filter(|s| !s.contains(['*', '?', '[', '$']) && !s.contains("://"))
        .filter_map(|s| crate::paths::clean_repo_path(s.trim_start_matches('/')))
        .collect()
}

/// Whether `change` swaps a symbolic link for a file holding what the link pointed at (or
/// the reverse).
fn same_through_link(snap: &Snapshot<'_>, change: &FileChange) -> bool {
    use crate::git::changes::EntryKind;
    let (Some(old), Some(new), Some(old_tree)) = (&change.old, &change.new, snap.old) else {
        return false;
    };
    let Ok(path) = std::str::from_utf8(&change.path) else {
        return false;
    };
    let target_blob = |tree: &Tree<'_>| {
        let target = crate::git::blob::resolve_links(snap.repo, tree, path)?;
        let entry = tree.get_path(std::path::Path::new(&target)).ok()?;
        Some(entry.id())
    };
    match (old.kind, new.kind) {
        (EntryKind::Symlink, EntryKind::File | EntryKind::Executable) => {
            target_blob(old_tree) == Some(new.id)
        }
        (EntryKind::File | EntryKind::Executable, EntryKind::Symlink) => {
            target_blob(snap.new) == Some(old.id)
        }
        _ => false,
    }
}

/// A `COPY` source that is a symbolic link, or goes through one, is copied as what it
/// points at (BuildKit follows links in the source paths it is given): a change to the
/// target is a change to the source. Each changed file under a literal source's resolved
/// path is added to the context's changes under the source's own path.
fn symlinked_sources(
    snap: &Snapshot<'_>,
    app: &App,
    df: &crate::docker::dockerfile::Dockerfile,
    delta: &mut ContextDelta,
) {
    let mut aliases: Vec<(String, Vec<u8>)> = Vec::new();
    for ins in &df.instructions {
        let Some(spec) = ins.copy_sources() else {
            continue;
        };
        if spec.from.is_some() {
            continue;
        }
        for src in &spec.sources {
            if src.contains(['*', '?', '[', '$']) || src.contains("://") {
                continue;
            }
            let Some(rel) = crate::paths::clean_repo_path(src.trim_start_matches('/')) else {
                continue;
            };
            if rel.is_empty() {
                continue;
            }
            let full = crate::paths::join(&app.context, &rel);
            let Some(target) = crate::git::blob::resolve_path(snap.repo, snap.new, &full) else {
                continue;
            };
            if target == full {
                continue;
            }
            for change in snap.changed {
                let Ok(path) = std::str::from_utf8(&change.path) else {
                    continue;
                };
                let rest = if path == target {
                    Some("")
                } else {
                    path.strip_prefix(&target).filter(|r| r.starts_with('/'))
                };
                if let Some(rest) = rest {
                    aliases.push((format!("{rel}{rest}"), change.path.clone()));
                }
            }
        }
    }
    delta.changes.extend(aliases);
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
