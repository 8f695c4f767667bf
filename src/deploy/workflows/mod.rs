//! GitHub Actions workflows (`.github/workflows/*.yml|yaml`) as GitHub reads them for a
//! push: which pushes run each workflow (`on.push` branch, tag and path filters; a
//! `workflow_run` chain; a job's `if:` on the ref), and the deploys its steps make
//! ([`commands`]).
//!
//! A push event runs the workflow files of the pushed commit, so they are read from the
//! pushed tree. Trigger semantics follow GitHub's docs ("Events that trigger workflows",
//! "Workflow syntax for GitHub Actions": `on.push.<branches|tags|paths>`): branch and path
//! filters must both pass; `branches` without `tags` runs on no tag push and the reverse;
//! path filters are not evaluated for tag pushes; `-ignore` variants exclude.
//!
//! Nothing is run: `run:` text is split into words and deploy commands are recognised by
//! program and subcommand; a step's `working-directory` (else the job's, else the
//! workflow's `defaults.run.working-directory`) is where its commands run. `uses:` steps of
//! the common deploy actions are read from their `with:` inputs.

use yaml_rust2::{Yaml, YamlLoader};

use super::target::{Branches, Build, DockerBuild, Note, PathFilter, Platform};
use crate::paths::{clean_repo_path, join};
use crate::severity::Severity;

pub mod commands;
pub mod gitlab;

pub use commands::CommandDeploy;

/// The largest workflow file read.
pub const MAX_WORKFLOW_BYTES: u64 = 256 * 1024;

/// Where workflows live.
pub const WORKFLOWS_DIR: &str = ".github/workflows";

/// Which pushes run a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub branches: Branches,
    /// Tag patterns (GitHub filter patterns, `!` negating); empty: no tag push.
    pub tags: Vec<String>,
    pub paths: PathFilter,
}

impl Trigger {
    /// A trigger no push satisfies.
    pub fn never() -> Trigger {
        Trigger {
            branches: Branches::None,
            tags: Vec::new(),
            paths: PathFilter::All,
        }
    }
}

/// One workflow file, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workflow {
    pub path: String,
    /// Its `name:`, which `workflow_run` refers to; GitHub uses the path when it has none.
    pub name: String,
    /// What `on: push` says; [`Trigger::never`] without a push trigger.
    pub push: Trigger,
    /// `workflow_dispatch`: it can be run by hand (`gh workflow run`).
    pub dispatch: bool,
    /// `workflow_run`: the workflows whose completion runs it, and its own branch list.
    pub after: Option<(Vec<String>, Vec<String>)>,
    pub deploys: Vec<StepDeploy>,
}

/// A deploy one step makes, and the job condition on the ref that gates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDeploy {
    pub command: CommandDeploy,
    /// 1-based line of the step in the workflow.
    pub line: Option<u32>,
    /// A job or step `if:` that compares the ref with a branch (`github.ref ==
    /// 'refs/heads/main'`): only that branch deploys. `Branches::None` when the condition
    /// excludes every branch push (tags only, `workflow_dispatch` only).
    pub only: Option<Branches>,
}

/// Reads the workflow at `path`. A file that is not YAML, or whose `on`/`jobs` have the
/// wrong shape, is one note naming the line.
pub fn read(path: &str, text: &str) -> Result<Workflow, Note> {
    let docs = YamlLoader::load_from_str(text)
        .map_err(|e| yaml_note(path, &e, "GitHub will not run this workflow either"))?;
    let Some(doc) = docs.first() else {
        return Ok(empty(path));
    };
    let name = doc["name"].as_str().unwrap_or(path).to_owned();
    let on = on_key(doc);
    let mut wf = Workflow {
        path: path.to_owned(),
        name,
        push: Trigger::never(),
        dispatch: false,
        after: None,
        deploys: Vec::new(),
    };
    if let Some(on) = on {
        read_on(on, &mut wf);
    }
    let mut cursor = 0usize;
    // Steps' lines are looked for in a lower-cased copy: ASCII case mapping keeps every
    // byte offset, so lines and cursors are the text's own.
    let lower = text.to_ascii_lowercase();
    let top = default_workdir(doc);
    if let Some(jobs) = doc["jobs"].as_hash() {
        for job in jobs.values() {
            let job_dir = default_workdir(job).or_else(|| top.clone());
            let job_only = ref_condition(job["if"].as_str());
            let Some(steps) = job["steps"].as_vec() else {
                continue;
            };
            for step in steps {
                let dir = step["working-directory"]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| job_dir.clone())
                    .unwrap_or_default();
                let Some(dir) = clean_repo_path(&dir) else {
                    continue;
                };
                let only = ref_condition(step["if"].as_str()).or_else(|| job_only.clone());
                // Move past this step in the text whether or not it deploys, so that the
                // next deploy's line is looked for after it.
                let step_needle = step["uses"].as_str().map(str::to_owned).or_else(|| {
                    step["run"]
                        .as_str()
                        .and_then(|r| r.lines().find(|l| !l.trim().is_empty()))
                        .map(|l| l.trim().to_owned())
                });
                let step_start = cursor;
                let step_line = step_needle
                    .as_deref()
                    .and_then(|n| find_line(&lower, &mut cursor, n));
                for command in step_deploys(step, &dir) {
                    let mut at = step_start;
                    let line = if step["uses"].as_str().is_some() {
                        step_line
                    } else {
                        find_line(&lower, &mut at, &command.needle).or(step_line)
                    };
                    cursor = cursor.max(at);
                    wf.deploys.push(StepDeploy {
                        command,
                        line,
                        only: only.clone(),
                    });
                }
            }
        }
    }
    Ok(wf)
}

/// The note for a CI file that is not YAML: its line, the parser's words, and what the CI
/// system does with it (`consequence`).
pub(crate) fn yaml_note(path: &str, e: &yaml_rust2::ScanError, consequence: &str) -> Note {
    Note {
        severity: Severity::Warn,
        path: path.to_owned(),
        line: u32::try_from(e.marker().line()).ok(),
        message: format!(
            "does not parse as YAML ({}); {consequence}, and pushguard cannot tell what it \
             deploys. Fix the file",
            e.info()
        ),
    }
}

fn empty(path: &str) -> Workflow {
    Workflow {
        path: path.to_owned(),
        name: path.to_owned(),
        push: Trigger::never(),
        dispatch: false,
        after: None,
        deploys: Vec::new(),
    }
}

/// The `on` key. YAML 1.1 readers take a bare `on` for `true`; yaml-rust2 reads YAML 1.2,
/// where it is a string, but both spellings are accepted.
fn on_key(doc: &Yaml) -> Option<&Yaml> {
    let events = doc.as_hash()?;
    events
        .get(&Yaml::String("on".to_owned()))
        .or_else(|| events.get(&Yaml::Boolean(true)))
}

fn read_on(on: &Yaml, wf: &mut Workflow) {
    match on {
        Yaml::String(event) => {
            apply_event(event, &Yaml::Null, wf);
        }
        Yaml::Array(events) => {
            for e in events.iter().filter_map(Yaml::as_str) {
                apply_event(e, &Yaml::Null, wf);
            }
        }
        Yaml::Hash(events) => {
            for (k, v) in events {
                if let Some(e) = k.as_str() {
                    apply_event(e, v, wf);
                }
            }
        }
        _ => {}
    }
}

fn apply_event(event: &str, body: &Yaml, wf: &mut Workflow) {
    match event {
        "push" => wf.push = push_trigger(body),
        "workflow_dispatch" => wf.dispatch = true,
        "workflow_run" => {
            let workflows = strings(&body["workflows"]);
            let branches = strings(&body["branches"]);
            wf.after = Some((workflows, branches));
        }
        _ => {}
    }
}

/// `on.push`: see the module doc.
fn push_trigger(body: &Yaml) -> Trigger {
    let list = |key: &str| match &body[key] {
        Yaml::BadValue | Yaml::Null => None,
        v => Some(strings(v)),
    };
    let negated = |v: Vec<String>| {
        let mut out = vec!["**".to_owned()];
        out.extend(v.into_iter().map(|p| format!("!{p}")));
        out
    };
    let branches = list("branches")
        .or_else(|| list("branches-ignore").map(negated))
        .map(Branches::GitHub);
    let tags = list("tags").or_else(|| list("tags-ignore").map(negated));
    let (branches, tags) = match (branches, tags) {
        (None, None) => (Branches::Any, vec!["**".to_owned()]),
        (Some(b), None) => (b, Vec::new()),
        (None, Some(t)) => (Branches::None, t),
        (Some(b), Some(t)) => (b, t),
    };
    let paths = match (list("paths"), list("paths-ignore")) {
        (Some(patterns), _) => PathFilter::GitHub {
            patterns,
            ignore: false,
        },
        (None, Some(patterns)) => PathFilter::GitHub {
            patterns,
            ignore: true,
        },
        (None, None) => PathFilter::All,
    };
    Trigger {
        branches,
        tags,
        paths,
    }
}

/// A string or a list of strings.
fn strings(v: &Yaml) -> Vec<String> {
    match v {
        Yaml::String(s) => vec![s.clone()],
        Yaml::Array(a) => a.iter().filter_map(scalar).collect(),
        _ => Vec::new(),
    }
}

/// A scalar as text (a branch named `1.0` is read as a real by YAML).
fn scalar(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `defaults: run: working-directory:` of a workflow or a job.
fn default_workdir(node: &Yaml) -> Option<String> {
    node["defaults"]["run"]["working-directory"]
        .as_str()
        .map(str::to_owned)
}

/// What an `if:` says about the pushed ref, when it is a plain comparison: `github.ref ==
/// 'refs/heads/main'`, `github.ref_name == 'main'`, `startsWith(github.ref, 'refs/tags/')`,
/// `github.event_name == 'workflow_dispatch'`, joined by `&&`. Anything with `||` or `!`
/// is not read (the step counts as running).
fn ref_condition(cond: Option<&str>) -> Option<Branches> {
    let cond = cond?.trim();
    let cond = cond
        .strip_prefix("${{")
        .and_then(|c| c.strip_suffix("}}"))
        .unwrap_or(cond);
    if cond.contains("||") || cond.contains('!') && !cond.contains("!=") {
        return None;
    }
    let mut out: Option<Branches> = None;
    for part in cond.split("&&") {
        let part: String = part
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
            .collect();
        let part = part.replace('"', "'");
        let found = if let Some(branch) = compared(&part, "github.ref", "refs/heads/")
            .or_else(|| compared(&part, "github.ref_name", ""))
        {
            Branches::Named(vec![branch])
        } else if part.starts_with("startsWith") && part.contains("'refs/tags/") {
            Branches::None
        } else if let Some(event) = compared(&part, "github.event_name", "") {
            if event == "push" {
                continue;
            }
            Branches::None
        } else {
            continue;
        };
        out = Some(match (out, found) {
            (Some(Branches::None), _) | (_, Branches::None) => Branches::None,
            (Some(Branches::Named(a)), Branches::Named(b)) if a != b => Branches::None,
            (_, f) => f,
        });
    }
    out
}

/// `VAR=='PREFIXvalue'` or `'PREFIXvalue'==VAR` (spaces already removed): the value.
fn compared(part: &str, var: &str, prefix: &str) -> Option<String> {
    let (a, b) = part.split_once("==")?;
    let literal = if a == var {
        b
    } else if b == var {
        a
    } else {
        return None;
    };
    let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    inner.strip_prefix(prefix).map(str::to_owned)
}

/// The deploys of one step: its `run:` script, or the inputs of a known deploy action.
fn step_deploys(step: &Yaml, dir: &str) -> Vec<CommandDeploy> {
    if let Some(run) = step["run"].as_str() {
        return commands::script_deploys(run, dir);
    }
    let Some(uses) = step["uses"].as_str() else {
        return Vec::new();
    };
    let action = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
    let with = &step["with"];
    let input = |k: &str| scalar(&with[k]).filter(|s| !s.trim().is_empty());
    let site = |platform: Platform, key: Option<&str>, default: &str| {
        let dir = key
            .and_then(&input)
            .and_then(|d| clean_repo_path(&d))
            .unwrap_or_else(|| default.to_owned());
        let mut d = action_deploy(platform, &action, dir.clone());
        d.build = Build::Site(dir);
        d
    };
    let found = match action.as_str() {
        "superfly/flyctl-actions" | "superfly/flyctl-actions/setup-flyctl" => {
            return input("args")
                .map(|a| commands::script_deploys(&format!("flyctl {a}"), dir))
                .unwrap_or_default();
        }
        "cloudflare/wrangler-action" => {
            return input("command")
                .map(|c| commands::script_deploys(&format!("wrangler {c}"), dir))
                .unwrap_or_default();
        }
        "docker/build-push-action" => {
            if !matches!(input("push").as_deref(), Some("true")) {
                return Vec::new();
            }
            // The action's default context is the Git checkout, i.e. the repository root.
            let context = input("context")
                .and_then(|c| clean_repo_path(&c))
                .unwrap_or_default();
            let dockerfile = input("file")
                .and_then(|f| clean_repo_path(&f))
                .unwrap_or_else(|| join(&context, "Dockerfile"));
            let mut d = action_deploy(Platform::Container, &action, context.clone());
            d.app = input("tags").map(|t| {
                let first = t.split([',', '\n']).next().unwrap_or(&t).trim().to_owned();
                first.split(':').next().unwrap_or(&first).to_owned()
            });
            let mut build = DockerBuild {
                dockerfile,
                context,
                target: input("target"),
                ..DockerBuild::default()
            };
            for line in input("build-args").unwrap_or_default().lines() {
                let (name, value) = line.trim().split_once('=').unwrap_or((line.trim(), ""));
                if name.is_empty() {
                    continue;
                }
                build.cli_args.push(name.to_owned());
                if !value.contains('$') {
                    build.args.insert(name.to_owned(), value.to_owned());
                }
            }
            d.no_cache = matches!(input("no-cache").as_deref(), Some("true"));
            d.build = Build::Docker(build);
            d
        }
        "cloudflare/pages-action" => {
            let mut d = site(Platform::CloudflarePages, Some("directory"), dir);
            d.app = input("projectName");
            d
        }
        "amondnet/vercel-action" => {
            let base = input("working-directory").unwrap_or_else(|| dir.to_owned());
            site(
                Platform::Vercel,
                None,
                &clean_repo_path(&base).unwrap_or_default(),
            )
        }
        "nwtgck/actions-netlify" => {
            let mut d = site(Platform::Netlify, Some("publish-dir"), dir);
            d.app = input("netlify-site-id");
            d
        }
        "actions/deploy-pages" => site(Platform::GithubPages, None, ""),
        "peaceiris/actions-gh-pages" => site(Platform::GithubPages, Some("publish_dir"), "public"),
        "jamesives/github-pages-deploy-action" => site(Platform::GithubPages, Some("folder"), ""),
        "akhileshns/heroku-deploy" => {
            let mut d = action_deploy(
                Platform::Heroku,
                &action,
                input("appdir")
                    .and_then(|a| clean_repo_path(&a))
                    .unwrap_or_default(),
            );
            d.app = input("heroku_app_name");
            d
        }
        "johnbeynon/render-deploy-action" => {
            let mut d = action_deploy(Platform::Render, &action, dir.to_owned());
            d.app = input("service-id");
            d
        }
        _ => return Vec::new(),
    };
    vec![found]
}

fn action_deploy(platform: Platform, action: &str, dir: String) -> CommandDeploy {
    CommandDeploy::new(platform, dir, action)
}

/// The 1-based line of the next line at or after `cursor` holding every word of
/// `needle` (case-insensitively; the cursor moves past it), so that repeated commands get
/// their own lines; from the start when none follows. `lower` is the text lower-cased.
///
/// Only the lines holding the needle's first word are looked at, found by substring
/// search: a workflow has tens of steps, each looked for in the whole text.
fn find_line(lower: &str, cursor: &mut usize, needle: &str) -> Option<u32> {
    let needle = needle.to_ascii_lowercase();
    let mut words = needle.split_whitespace();
    let Some(first_word) = words.next() else {
        return first_line_from(lower, cursor);
    };
    let rest: Vec<&str> = words.collect();
    let bytes = lower.as_bytes();
    let (mut first, mut counted, mut line_no) = (None, 0usize, 1usize);
    let mut from = 0;
    while let Some(at) = lower.get(from..).and_then(|r| r.find(first_word)) {
        let at = from + at;
        let start =
            memchr::memrchr(b'\n', bytes.get(..at).unwrap_or_default()).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', bytes.get(at..).unwrap_or_default())
            .map_or(bytes.len(), |i| at + i);
        from = end + 1;
        line_no +=
            memchr::memchr_iter(b'\n', bytes.get(counted..start).unwrap_or_default()).count();
        counted = start;
        let line = lower.get(start..end).unwrap_or_default();
        if !rest.iter().all(|w| line.contains(w)) {
            continue;
        }
        let n = u32::try_from(line_no).unwrap_or(u32::MAX);
        if start >= *cursor {
            *cursor = end + 1;
            return Some(n);
        }
        first.get_or_insert(n);
    }
    first
}

/// [`find_line`] for a needle without words, which every line holds: the first line
/// starting at or after `cursor`, else line 1.
fn first_line_from(lower: &str, cursor: &mut usize) -> Option<u32> {
    let bytes = lower.as_bytes();
    let start = match cursor.checked_sub(1) {
        None => 0,
        Some(before) => match bytes.get(before..).and_then(|r| memchr::memchr(b'\n', r)) {
            Some(i) => before + i + 1,
            None => return Some(1),
        },
    };
    let line = memchr::memchr_iter(b'\n', bytes.get(..start).unwrap_or_default()).count() + 1;
    let end = memchr::memchr(b'\n', bytes.get(start..).unwrap_or_default())
        .map_or(bytes.len(), |i| start + i);
    *cursor = end + 1;
    u32::try_from(line).ok()
}

#[cfg(test)]
mod tests;
