//! The deploy map of a tree: every deploy target its files declare, read the way each
//! platform reads them.
//!
//! Sources, in the order targets are listed:
//! 1. GitHub Actions workflows (`.github/workflows/*.yml|yaml`): each deploy step is a
//!    target triggered by its workflow's push filters (a `workflow_run` workflow inherits
//!    the filters of the workflows it follows);
//! 2. fly configs no workflow deploys: `fly.toml` is taken to be deployed from the default
//!    branch by Fly's GitHub integration when no workflow deploys anything to Fly, and by
//!    hand otherwise; `fly.<name>.toml` (read only with `--config`) by hand;
//! 3. platform files watched by a Git integration: `railway.json|toml`, `render.yaml`,
//!    `vercel.json`, `netlify.toml`, `wrangler.*` with `pages_build_output_dir`,
//!    `heroku.yml`, and a root `README.md` whose front matter makes the repository a
//!    Hugging Face Space.
//!
//! The map depends on the tree alone, so it is computed once per tree id per process, and
//! across processes kept with the paths it was read from ([`map_of`],
//! [`super::map_cache`]).

use std::cell::RefCell;
use std::rc::Rc;

use git2::{ObjectType, Oid, Repository, Tree};
use serde::{Deserialize, Serialize};

use super::fly::read_fly;
use super::locate::{is_config_name, locate_configs, Located, Previous, MAX_TREES};
use super::map_cache::KeptMaps;
use super::platforms;
use super::source::MapSource;
use super::target::{
    Branches, Build, DeployTarget, DockerBuild, Note, PathFilter, Platform, Read, Via,
};
use super::workflows::{self, Trigger, Workflow, MAX_WORKFLOW_BYTES, WORKFLOWS_DIR};
use crate::git::blob::FileAt;
use crate::paths::join;
use crate::severity::Severity;

/// The largest platform file read.
const MAX_CONFIG_BYTES: u64 = 256 * 1024;

/// How many maps a process keeps (a push has a few trees; `check` over a range one per
/// commit judged).
const MEMO_TREES: usize = 8;

/// The deploy targets of one tree and what got in the way of reading them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployMap {
    pub targets: Vec<DeployTarget>,
    pub notes: Vec<Note>,
}

thread_local! {
    static MEMO: RefCell<Vec<(Oid, Rc<DeployMap>)>> = const { RefCell::new(Vec::new()) };
}

/// Whether a change to `path` can change a tree's deploy map: the map is read only from
/// the deploy configuration files the search finds, the GitHub Actions workflows and the
/// GitLab CI file, so a change to anything else leaves the map as it was.
pub fn may_change_map(path: &[u8]) -> bool {
    let Ok(path) = std::str::from_utf8(path) else {
        return false;
    };
    path == super::workflows::gitlab::GITLAB_CI
        || path.starts_with(&format!("{WORKFLOWS_DIR}/"))
        || super::locate::is_searched_config(path)
}

/// The deploy map of `tree`. `previous` (the tree before the push and the files changed
/// since) lets the config search derive this tree's locations instead of walking it.
///
/// Two trees with one id have the same content, so a map is reused for any repository
/// within the process; across processes a map is reused for a tree in which nothing the
/// map was read from changed ([`super::map_cache`]).
pub fn map_of(repo: &Repository, tree: &Tree<'_>, previous: Option<Previous<'_>>) -> Rc<DeployMap> {
    let id = tree.id();
    if let Some(hit) = MEMO.with(|m| {
        m.borrow()
            .iter()
            .find(|(t, _)| *t == id)
            .map(|(_, m)| Rc::clone(m))
    }) {
        return hit;
    }
    let located = locate_configs(repo, tree, previous);
    let kept = KeptMaps::load(repo);
    let map = match kept.find(tree, &located) {
        Some(map) => map,
        None => {
            let src = MapSource::new(repo, tree);
            let map = build(&src, &located);
            kept.keep(repo, &located, src.into_looked(), &map);
            map
        }
    };
    let map = Rc::new(map);
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= MEMO_TREES {
            m.remove(0);
        }
        m.push((id, Rc::clone(&map)));
    });
    map
}

/// The deploy map of the tree `src` reads, whose configuration files are `located`.
fn build(src: &MapSource<'_>, located: &Located) -> DeployMap {
    let mut map = DeployMap::default();
    if located.truncated {
        map.notes.push(Note {
            severity: Severity::Info,
            path: String::new(),
            line: None,
            message: format!(
                "stopped looking for deploy configuration files after {MAX_TREES} directories; \
                 declare the apps you deploy with [[app]] tables in pushguard.toml"
            ),
        });
    }
    let workflows = read_workflows(src, &mut map.notes);
    let platform_reads: Vec<(String, Read)> = located
        .paths
        .iter()
        .filter(|p| !is_fly_config(p))
        .map(|p| (p.clone(), read_platform_file(src, p)))
        .collect();
    for wf in &workflows {
        let trigger = effective_trigger(wf, &workflows);
        for step in &wf.deploys {
            let target = step_target(src, wf, &trigger, step, &platform_reads, &mut map.notes);
            map.targets.extend(target);
        }
    }
    read_gitlab(src, &platform_reads, &mut map);
    // fly configs no workflow deploys.
    let fly_by_workflow = map.targets.iter().any(|t| t.platform == Platform::Fly);
    for path in located.paths.iter().filter(|p| is_fly_config(p)) {
        if map
            .targets
            .iter()
            .any(|t| t.platform == Platform::Fly && &t.config == path)
        {
            continue;
        }
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let mut fly = read_fly(src, path, dir, None);
        map.notes.extend(fly.note.take());
        if let Some(note) = built_from_root(src, path, &mut fly.build) {
            map.notes.push(note);
        }
        let default_name = path.rsplit('/').next() == Some("fly.toml");
        // `app = "{{APP_NAME}}"`: a template a generator fills in, not a deployed app.
        let template = fly.app.contains(['{', '}', '<', '>', '$']);
        let (via, branches) = if default_name && !fly_by_workflow && !template {
            (Via::Integration, Branches::Default)
        } else {
            (Via::Manual, Branches::None)
        };
        map.targets.push(DeployTarget {
            platform: Platform::Fly,
            app: fly.app,
            config: path.clone(),
            line: fly.line,
            via,
            branches,
            tags: Vec::new(),
            paths: PathFilter::All,
            build: fly.build,
            honours_skip_ci: false,
        });
    }
    let mut railway_dirs: Vec<(String, String)> = Vec::new();
    for (path, read) in platform_reads {
        // Render reads the Blueprint at the repository root; one elsewhere only when the
        // dashboard names it (render.com/docs/infrastructure-as-code).
        if path.ends_with("render.yaml") && path.contains('/') {
            continue;
        }
        map.notes.extend(read.notes);
        // Railway reads one config-as-code file per service: `railway.toml` and
        // `railway.json` side by side are one service, not two.
        if path
            .rsplit('/')
            .next()
            .is_some_and(|n| n.starts_with("railway."))
        {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
            if let Some((_, kept)) = railway_dirs.iter().find(|(d, _)| *d == dir) {
                map.notes.push(Note {
                    severity: Severity::Info,
                    path: path.clone(),
                    line: None,
                    message: format!(
                        "{kept} is beside it: Railway reads one config-as-code file per service, \
                         so one of the two is ignored; keep one"
                    ),
                });
                continue;
            }
            railway_dirs.push((dir, path.clone()));
        }
        for mut t in read.targets {
            if t.platform == Platform::Railway {
                railway_root(src, &path, &mut t.build);
                railway_dockerfile(src, &path, &mut t.build);
            }
            map.targets.push(t);
        }
    }
    // A README that declares a Space in a repository a workflow mirrors to the Hub is
    // deployed by that workflow, not by pushes here.
    if !map
        .targets
        .iter()
        .any(|t| t.platform == Platform::Huggingface)
    {
        let space = read_space(src);
        map.notes.extend(space.notes);
        map.targets.extend(space.targets);
    }
    map
}

/// The deploy jobs of `.gitlab-ci.yml`, as targets.
fn read_gitlab(src: &MapSource<'_>, platform_reads: &[(String, Read)], map: &mut DeployMap) {
    use super::workflows::gitlab::{self, GITLAB_CI};
    if !src.is_blob(GITLAB_CI) {
        return;
    }
    let jobs = match text_of(src, GITLAB_CI, MAX_WORKFLOW_BYTES).and_then(|t| gitlab::read(&t)) {
        Ok(jobs) => jobs,
        Err(note) => {
            map.notes.push(note);
            return;
        }
    };
    let wf = Workflow {
        path: GITLAB_CI.to_owned(),
        name: GITLAB_CI.to_owned(),
        push: Trigger::never(),
        dispatch: false,
        after: None,
        deploys: Vec::new(),
    };
    for job in jobs {
        let trigger = Trigger {
            branches: job.branches,
            tags: Vec::new(),
            paths: job.paths,
        };
        let step = workflows::StepDeploy {
            command: job.command,
            line: job.line,
            only: None,
        };
        map.targets.extend(step_target(
            src,
            &wf,
            &trigger,
            &step,
            platform_reads,
            &mut map.notes,
        ));
    }
}

/// A fly app below the root that no workflow deploys is taken to be built beside its
/// fly.toml; when its Dockerfile's `COPY` sources exist only from the repository root
/// (`COPY packages/shared ./shared` in `apps/api/Dockerfile`), it is evidently deployed
/// from the root (`fly deploy -c apps/api/fly.toml`), so the context becomes the root and a
/// note says why.
fn built_from_root(src: &MapSource<'_>, config: &str, build: &mut Build) -> Option<Note> {
    let Build::Docker(d) = build else {
        return None;
    };
    if d.context.is_empty() {
        return None;
    }
    let FileAt::Text(text) = src.file_at(&d.dockerfile, MAX_CONFIG_BYTES * 4) else {
        return None;
    };
    let parsed = crate::docker::dockerfile::parse(&text).ok()?;
    let literal = |s: &&String| !s.contains(['*', '?', '[', '$']) && !s.contains("://");
    let sources: Vec<String> = parsed
        .instructions
        .iter()
        .filter_map(|i| i.copy_sources())
        .filter(|c| c.from.is_none())
        .flat_map(|c| c.sources.into_iter())
        .filter(|s| literal(&s))
        .filter_map(|s| crate::paths::clean_repo_path(s.trim_start_matches("./")))
        .filter(|s| !s.is_empty())
        .collect();
    let exists = |p: &str| src.exists(p);
    let missing_here: Vec<&String> = sources
        .iter()
        .filter(|s| !exists(&join(&d.context, s)))
        .collect();
    let all_at_root = !missing_here.is_empty() && missing_here.iter().all(|s| exists(s));
    if !all_at_root {
        return None;
    }
    let shown = missing_here[0].clone();
    d.context = String::new();
    Some(Note {
        severity: Severity::Info,
        path: config.to_owned(),
        line: None,
        message: format!(
            "its Dockerfile {} copies {shown}, which exists only from the repository root: the \
             app is evidently deployed from the root (`fly deploy -c {config}`), so pushguard \
             predicts its build with the root as context",
            d.dockerfile
        ),
    })
}

/// `fly.toml` or `fly.<name>.toml`.
fn is_fly_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("fly.") && name.ends_with(".toml")
}

/// The workflows of `tree`, each read; unreadable ones become notes.
fn read_workflows(src: &MapSource<'_>, notes: &mut Vec<Note>) -> Vec<Workflow> {
    // The directory's id covers its entries: a workflow added, removed or changed changes it.
    let Some(dir) = src.dir(WORKFLOWS_DIR) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for file in dir.iter() {
        let Ok(name) = file.name() else { continue };
        let is_workflow = name.ends_with(".yml") || name.ends_with(".yaml");
        if !is_workflow || file.kind() != Some(ObjectType::Blob) {
            continue;
        }
        let path = format!("{WORKFLOWS_DIR}/{name}");
        match text_of(src, &path, MAX_WORKFLOW_BYTES) {
            Ok(text) => match workflows::read(&path, &text) {
                Ok(wf) => out.push(wf),
                Err(note) => notes.push(note),
            },
            Err(note) => notes.push(note),
        }
    }
    out
}

/// The text of the file at `path`, or the note saying why it cannot be read.
fn text_of(src: &MapSource<'_>, path: &str, cap: u64) -> Result<String, Note> {
    let why = match src.file_at(path, cap) {
        FileAt::Text(t) => return Ok(t),
        FileAt::Missing => "is not in the pushed commit".to_owned(),
        FileAt::NotAFile => "is not a regular file (a symbolic link or submodule)".to_owned(),
        FileAt::Binary => "is not UTF-8 text".to_owned(),
        FileAt::TooLarge(size) => format!("is {size} bytes, more than pushguard reads ({cap})"),
        FileAt::Unreadable(why) => why,
    };
    Err(Note {
        severity: Severity::Warn,
        path: path.to_owned(),
        line: None,
        message: format!("{why}, so what it deploys is not known"),
    })
}

/// What runs a workflow on a push: its own `on.push`, or for a `workflow_run` workflow
/// the push filters of the workflows it follows (matched by `name:`), its own `branches`
/// replacing theirs when it lists any. A chain is followed three workflows deep.
fn effective_trigger(wf: &Workflow, all: &[Workflow]) -> Trigger {
    chain_trigger(wf, all, 3)
}

fn chain_trigger(wf: &Workflow, all: &[Workflow], depth: usize) -> Trigger {
    if wf.push != Trigger::never() || depth == 0 {
        return wf.push.clone();
    }
    let Some((names, branches)) = &wf.after else {
        return wf.push.clone();
    };
    let parent = all
        .iter()
        .find(|w| w.path != wf.path && names.contains(&w.name));
    let Some(parent) = parent else {
        return wf.push.clone();
    };
    let mut t = chain_trigger(parent, all, depth - 1);
    if !branches.is_empty() {
        t.branches = Branches::GitHub(branches.clone());
    }
    t
}

/// The target one workflow step deploys.
fn step_target(
    src: &MapSource<'_>,
    wf: &Workflow,
    trigger: &Trigger,
    step: &workflows::StepDeploy,
    platform_reads: &[(String, Read)],
    notes: &mut Vec<Note>,
) -> Option<DeployTarget> {
    let cmd = &step.command;
    let (branches, tags) = match &step.only {
        None => (trigger.branches.clone(), trigger.tags.clone()),
        Some(Branches::Named(only)) => {
            let kept: Vec<String> = only
                .iter()
                .filter(|b| branch_matches(&trigger.branches, b, &[]))
                .cloned()
                .collect();
            if kept.is_empty() {
                (Branches::None, Vec::new())
            } else {
                (Branches::Named(kept), Vec::new())
            }
        }
        Some(_) => (Branches::None, trigger.tags.clone()),
    };
    let mut target = DeployTarget {
        platform: cmd.platform,
        app: literal_app(cmd).unwrap_or_else(|| dir_name(&cmd.dir, cmd.platform)),
        config: wf.path.clone(),
        line: step.line,
        via: Via::Workflow {
            file: wf.path.clone(),
            dispatch: wf.dispatch,
        },
        branches,
        tags,
        paths: trigger.paths.clone(),
        build: cmd.build.clone(),
        honours_skip_ci: true,
    };
    match cmd.platform {
        Platform::Fly => {
            let config = cmd.config.clone()?;
            let fly = read_fly(src, &config, &cmd.dir, Some(&cmd.build));
            if let Some(mut note) = fly.note {
                if note.line.is_none() && note.path == config {
                    note.message = format!("{} (deployed by {})", note.message, wf.path);
                }
                notes.push(note);
            }
            if literal_app(cmd).is_none() {
                target.app = fly.app;
            }
            target.config = config;
            target.line = fly.line;
            target.build = fly.build;
        }
        Platform::Railway => {
            // `railway up` builds what the service's config says; the config read from the
            // directory it uploads, else a Dockerfile there, else Railpack.
            let config = platform_reads.iter().find(|(p, _)| {
                let d = p.rsplit_once('/').map_or("", |(d, _)| d);
                d == cmd.dir && p.contains("railway.")
            });
            target.build = config
                .and_then(|(_, r)| r.targets.first().map(|t| t.build.clone()))
                .unwrap_or_else(|| Build::Buildpack("railpack".to_owned()));
            railway_dockerfile(src, &join(&cmd.dir, "railway.json"), &mut target.build);
        }
        _ => {}
    }
    Some(target)
}

/// A config-as-code file below the root is the file of a service whose root directory is
/// that directory (Railway reads a nested file only when the service names it, e.g.
/// `/backend/railway.toml`, and "only pulls down files from that directory"; railwayapp/docs
/// builds/build-configuration.md, monorepo guide). Its build runs there: the context is
/// the directory, and a `dockerfilePath` that is not a file from the repository root is
/// read from it.
fn railway_root(src: &MapSource<'_>, config: &str, build: &mut Build) {
    let Some((dir, _)) = config.rsplit_once('/') else {
        return;
    };
    let Build::Docker(d) = build else {
        return;
    };
    let local = join(dir, &d.dockerfile);
    let inside = d.dockerfile.starts_with(&format!("{dir}/"));
    if !inside && (src.is_blob(&local) || !src.is_blob(&d.dockerfile)) {
        d.dockerfile = local;
    }
    d.context = dir.to_owned();
}

/// Railway "will always build with a Dockerfile if it finds one" (docs.railway.com,
/// builds/dockerfiles): a config that names no builder builds the `Dockerfile` beside it.
fn railway_dockerfile(src: &MapSource<'_>, config: &str, build: &mut Build) {
    if !matches!(build, Build::Buildpack(b) if b == "railpack") {
        return;
    }
    let dir = config.rsplit_once('/').map_or("", |(d, _)| d);
    let dockerfile = join(dir, "Dockerfile");
    if src.is_blob(&dockerfile) {
        *build = Build::Docker(DockerBuild {
            dockerfile,
            context: dir.to_owned(),
            ..DockerBuild::default()
        });
    }
}

/// The app a command names, unless it is a variable or an expression (`--service
/// $SERVICE_ID`, `-t ${{ steps.meta.outputs.tags }}`), which names nothing readable.
fn literal_app(cmd: &workflows::CommandDeploy) -> Option<String> {
    cmd.app
        .clone()
        .filter(|a| !a.contains('$') && !a.is_empty())
}

/// The name of a target its command does not name: its directory's last component, or
/// the platform's name at the root.
fn dir_name(dir: &str, platform: Platform) -> String {
    match dir.rsplit('/').next() {
        Some(last) if !last.is_empty() => last.to_owned(),
        _ => platform.id().to_owned(),
    }
}

/// Reads one platform file (not a fly config) found by the config search.
fn read_platform_file(src: &MapSource<'_>, path: &str) -> Read {
    let name = path.rsplit('/').next().unwrap_or(path);
    debug_assert!(is_config_name(name));
    let text = match text_of(src, path, MAX_CONFIG_BYTES) {
        Ok(t) => t,
        Err(note) => {
            return Read {
                targets: Vec::new(),
                notes: vec![note],
            }
        }
    };
    match name {
        "railway.json" | "railway.toml" => platforms::railway::read(path, &text),
        "render.yaml" => platforms::render::read(path, &text),
        "vercel.json" => platforms::vercel::read(path, &text),
        "netlify.toml" => platforms::netlify::read(path, &text),
        "heroku.yml" => platforms::heroku::read(path, &text),
        n if n.starts_with("wrangler.") => platforms::cloudflare::read(path, &text),
        _ => Read::default(),
    }
}

/// A root `README.md` whose front matter makes the repository a Hugging Face Space.
fn read_space(src: &MapSource<'_>) -> Read {
    const README: &str = "README.md";
    if !src.is_blob(README) {
        return Read::default();
    }
    let Ok(text) = text_of(src, README, MAX_CONFIG_BYTES) else {
        return Read::default();
    };
    if !text.starts_with("---") {
        return Read::default();
    }
    platforms::spaces::read(README, &text, src.is_blob("Dockerfile"))
}

/// Whether a push to `branch` is one `branches` admits; `defaults` are the repository's
/// default branch names (or `[deploy] branches`, names or globs, when set).
pub fn branch_matches(branches: &Branches, branch: &str, defaults: &[String]) -> bool {
    use super::filters::{github_list, minimatch};
    match branches {
        // `[deploy] branches` may hold globs (`release/*`).
        Branches::Default => defaults
            .iter()
            .any(|d| d == branch || super::filters::github_pattern(d, branch)),
        Branches::Any => true,
        Branches::GitHub(list) => github_list(list, branch),
        Branches::Named(names) => names.iter().any(|n| n == branch),
        Branches::Vercel(rules) => {
            let matching: Vec<bool> = rules
                .iter()
                .filter(|(glob, _)| minimatch(glob, branch))
                .map(|&(_, on)| on)
                .collect();
            matching.is_empty() || matching.contains(&true)
        }
        Branches::None => false,
    }
}

#[cfg(test)]
mod kept_tests {
    use super::*;

    use crate::git::testing::tree_with as tree_of;

    /// The map of `files` read afresh, and the one `map_cache` gives for it (if any).
    fn fresh_and_kept(repo: &Repository, files: &[(&str, &str)]) -> (DeployMap, Option<DeployMap>) {
        let tree = repo.find_tree(tree_of(repo, files)).unwrap();
        let located = locate_configs(repo, &tree, None);
        let fresh = build(&MapSource::new(repo, &tree), &located);
        let kept = KeptMaps::load(repo).find(&tree, &located);
        (fresh, kept)
    }

    /// A map read once is used again for a later tree while every file it was read from
    /// (the workflows, the fly config, the Dockerfile it names) is unchanged, and read
    /// again as soon as one of them, or the set of configuration files, changes.
    #[test]
    fn a_kept_map_serves_only_trees_where_what_it_read_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let workflow = "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: x\n    \
                        steps:\n      - run: flyctl deploy --remote-only\n";
        let base: Vec<(&str, &str)> = vec![
            ("fly.toml", "app = \"api\"\n"),
            ("Dockerfile", "FROM python:3.12\nCOPY . .\n"),
            (".github/workflows/deploy.yml", workflow),
            ("src/app.py", "print(1)\n"),
        ];
        let first = repo.find_tree(tree_of(&repo, &base)).unwrap();
        let read = map_of(&repo, &first, None);
        assert!(!read.targets.is_empty());

        // A source change: the kept map serves, and is what a fresh read gives.
        let mut source = base.clone();
        source[3] = ("src/app.py", "print(2)\n");
        let (fresh, kept) = fresh_and_kept(&repo, &source);
        assert_eq!(kept.as_ref(), Some(&fresh));
        assert_eq!(kept.as_ref(), Some(&*read));

        // The Dockerfile the fly config builds, the workflow, a new config file: read again.
        let no_dockerfile: Vec<_> = base
            .iter()
            .copied()
            .filter(|f| f.0 != "Dockerfile")
            .collect();
        let mut other_workflow = base.clone();
        other_workflow[2] = (".github/workflows/deploy.yml", "on: workflow_dispatch\n");
        let mut more_configs = base.clone();
        more_configs.push(("web/vercel.json", "{}\n"));
        for changed in [no_dockerfile, other_workflow, more_configs] {
            let (fresh, kept) = fresh_and_kept(&repo, &changed);
            assert_eq!(kept, None, "{changed:?}");
            assert_ne!(fresh, *read, "{changed:?}");
            let tree = repo.find_tree(tree_of(&repo, &changed)).unwrap();
            assert_eq!(*map_of(&repo, &tree, None), fresh);
        }
    }

    /// A state file pushguard did not write (or an older binary wrote) is not used.
    #[test]
    fn a_foreign_or_damaged_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let files = [
            ("fly.toml", "app = \"api\"\n"),
            ("Dockerfile", "FROM scratch\n"),
        ];
        let tree = repo.find_tree(tree_of(&repo, &files)).unwrap();
        let state = crate::state::state_dir(&repo);
        std::fs::create_dir_all(&state).unwrap();
        let located = locate_configs(&repo, &tree, None);
        for junk in ["{", "{\"binary\":\"0.0.0 1 2\",\"maps\":[]}", "[]"] {
            std::fs::write(state.join("deploy-maps.json"), junk).unwrap();
            assert_eq!(KeptMaps::load(&repo).find(&tree, &located), None);
        }
        let fresh = build(&MapSource::new(&repo, &tree), &located);
        assert_eq!(*map_of(&repo, &tree, None), fresh);
        assert_eq!(KeptMaps::load(&repo).find(&tree, &located), Some(fresh));
    }
}
