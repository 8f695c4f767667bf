//! Whether one push triggers each target of a deploy map, and why or why not, in one
//! sentence.

use super::filters::{github_list, gitignore_list, gitlab_glob, render_glob};
use super::map::{branch_matches, DeployMap};
use super::target::{Branches, DeployTarget, PathFilter, Via};

/// What the map needs to know about one ref update.
#[derive(Debug, Clone, Copy)]
pub struct PushFacts<'a> {
    /// The branch pushed to (short name), for a branch push.
    pub branch: Option<&'a str>,
    /// The tag pushed, for a tag push.
    pub tag: Option<&'a str>,
    /// The repository's default branch names (a platform's dashboard default).
    pub defaults: &'a [String],
    /// The files the push changes, repository-relative; `None` when not known (path
    /// filters then count as passing).
    pub changed: Option<&'a [String]>,
    /// The pushed head's message asks CI to skip it (`[skip ci]` and the like).
    pub skip_ci: bool,
}

/// One target, and whether this push triggers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetStatus {
    pub target: DeployTarget,
    pub triggered: bool,
    /// One sentence, raw (escape it for display).
    pub reason: String,
}

/// The markers GitHub Actions honours in a pushed head's message to skip push workflows
/// (docs.github.com, "Skipping workflow runs"); GitLab honours the first two.
pub fn says_skip_ci(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    [
        "[skip ci]",
        "[ci skip]",
        "[no ci]",
        "[skip actions]",
        "[actions skip]",
    ]
    .iter()
    .any(|m| lower.contains(m))
        || lower.trim_end().ends_with("skip-checks: true")
}

/// The status of every target of `map` for the push `facts` describes.
pub fn statuses(map: &DeployMap, facts: &PushFacts<'_>) -> Vec<TargetStatus> {
    map.targets
        .iter()
        .map(|t| {
            let (triggered, reason) = judge(t, facts);
            TargetStatus {
                target: t.clone(),
                triggered,
                reason,
            }
        })
        .collect()
}

/// Whether a push to branch `branch` reaches any target of `map` (path filters aside):
/// the map's deploy branches.
pub fn branch_deploys(map: &DeployMap, branch: &str, defaults: &[String]) -> bool {
    map.targets
        .iter()
        .any(|t| branch_matches(&t.branches, branch, defaults))
}

/// Whether a push to `branch` reaches `t` by its branch filter alone.
pub fn reaches_branch(t: &DeployTarget, branch: &str, defaults: &[String]) -> bool {
    branch_matches(&t.branches, branch, defaults)
}

fn judge(t: &DeployTarget, f: &PushFacts<'_>) -> (bool, String) {
    let reached = match (f.branch, f.tag) {
        (Some(b), _) => branch_matches(&t.branches, b, f.defaults),
        (None, Some(tag)) => github_list(&t.tags, tag),
        (None, None) => false,
    };
    if !reached {
        return (false, not_reached(t, f));
    }
    if t.honours_skip_ci && f.skip_ci {
        return (
            false,
            "the pushed head's message says to skip CI ([skip ci] or the like), so the \
             workflow does not run"
                .to_owned(),
        );
    }
    // GitHub does not evaluate path filters for tag pushes.
    let paths_apply = f.tag.is_none() || !matches!(t.paths, PathFilter::GitHub { .. });
    if let PathFilter::Never(cmd) = &t.paths {
        return (
            false,
            format!("its ignore command `{cmd}` always exits 0, which skips every build"),
        );
    }
    match (paths_apply, f.changed) {
        (true, Some(changed)) => match filter_passes(&t.paths, changed) {
            Ok(matched) => (true, reached_reason(t, f, matched.as_deref())),
            Err(why) => (false, why),
        },
        _ => (true, reached_reason(t, f, None)),
    }
}

/// Why the ref does not reach `t`.
fn not_reached(t: &DeployTarget, f: &PushFacts<'_>) -> String {
    let what = match (f.branch, f.tag) {
        (Some(b), _) => format!("pushes to {b}"),
        (None, Some(tag)) => format!("the tag {tag}"),
        (None, None) => "this ref".to_owned(),
    };
    match (&t.branches, &t.via) {
        (Branches::None, Via::Manual) => {
            "nothing in the repository deploys it on a push; it is deployed by hand".to_owned()
        }
        (Branches::None, Via::Workflow { dispatch: true, .. }) => {
            "its workflow runs only by hand (workflow_dispatch) or on other events".to_owned()
        }
        (Branches::None, _) => "no branch push deploys it (automatic deploys are off)".to_owned(),
        (Branches::Default, _) => format!(
            "{what} do not deploy it: it deploys the default branch ({})",
            f.defaults.join(", ")
        ),
        (_, _) if f.tag.is_some() => {
            if t.tags.is_empty() {
                "tag pushes do not deploy it".to_owned()
            } else {
                format!("{what} does not match its tag filter {}", t.tags.join(", "))
            }
        }
        (b, _) => format!("{what} do not deploy it{}", branch_list(b)),
    }
}

fn branch_list(b: &Branches) -> String {
    match b {
        Branches::GitHub(l) | Branches::Named(l) => format!(" (branches: {})", l.join(", ")),
        Branches::Vercel(rules) => format!(
            " (git.deploymentEnabled: {})",
            rules
                .iter()
                .map(|(g, on)| format!("{g}={on}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => String::new(),
    }
}

fn reached_reason(t: &DeployTarget, f: &PushFacts<'_>, matched: Option<&str>) -> String {
    let pushed = match (f.branch, f.tag) {
        (Some(b), _) => format!("a push to {b}"),
        (None, Some(tag)) => format!("the tag {tag}"),
        _ => "this push".to_owned(),
    };
    let push = match &t.via {
        Via::Workflow { file, .. } => format!("{pushed} runs {file}"),
        Via::Integration => format!(
            "{pushed} deploys it through the platform's Git integration ({})",
            t.config
        ),
        Via::Manual => format!("{pushed} deploys it"),
    };
    match (&t.paths, matched) {
        (PathFilter::Command(cmd), _) => format!(
            "{push} unless `{cmd}` says otherwise; pushguard runs nothing from the repository, so it counts as deployed"
        ),
        (p, Some(file)) => format!("{push}; {file} matches {}", describe(p)),
        _ => push,
    }
}

/// Whether a push changing `changed` passes `filter`: `Ok` with a file that matched (when
/// the filter names files), or `Err` with why it stops the deploy.
fn filter_passes(filter: &PathFilter, changed: &[String]) -> Result<Option<String>, String> {
    let n = changed.len();
    let files = if n == 1 {
        "file".to_owned()
    } else {
        "files".to_owned()
    };
    let none = |what: String| Err(format!("{what} match none of the {n} pushed {files}"));
    if let PathFilter::Never(cmd) = filter {
        return Err(format!(
            "its ignore command `{cmd}` always exits 0, which skips every build"
        ));
    }
    if changed.is_empty() && !matches!(filter, PathFilter::All | PathFilter::Command(_)) {
        return Err(format!(
            "the push changes no file, so {} match nothing",
            describe(filter)
        ));
    }
    match filter {
        PathFilter::All | PathFilter::Command(_) | PathFilter::Never(_) => Ok(None),
        PathFilter::GitHub {
            patterns,
            ignore: false,
        } => changed
            .iter()
            .find(|p| github_list(patterns, p))
            .map(|p| Some(p.clone()))
            .map_or_else(|| none(describe(filter)), Ok),
        PathFilter::GitHub {
            patterns,
            ignore: true,
        } => {
            // Skipped only when every changed file is ignored.
            match changed.iter().find(|p| !github_list(patterns, p)) {
                Some(p) => Ok(Some(p.clone())),
                None => Err(format!("all {n} pushed {files} match {}", describe(filter))),
            }
        }
        PathFilter::Gitignore(patterns) => changed
            .iter()
            .find(|p| gitignore_list(patterns, p))
            .map(|p| Some(p.clone()))
            .map_or_else(|| none(describe(filter)), Ok),
        PathFilter::Render {
            root_dir,
            paths,
            ignored,
        } => {
            let hit = changed.iter().find(|p| {
                let in_root = root_dir.as_deref().map_or(true, |r| under(p, r));
                let included = paths.is_empty() || paths.iter().any(|g| render_glob(g, p));
                let excluded = ignored.iter().any(|g| render_glob(g, p));
                in_root && included && !excluded
            });
            hit.map(|p| Some(p.clone()))
                .map_or_else(|| none(describe(filter)), Ok)
        }
        PathFilter::Under(dirs) => changed
            .iter()
            .find(|p| dirs.iter().any(|d| under(p, d)))
            .map(|p| Some(p.clone()))
            .map_or_else(|| none(describe(filter)), Ok),
        PathFilter::GitLab(patterns) => changed
            .iter()
            .find(|p| patterns.iter().any(|g| gitlab_glob(g, p)))
            .map(|p| Some(p.clone()))
            .map_or_else(|| none(describe(filter)), Ok),
    }
}

/// Whether `path` is `dir` or below it (`""` is the root: everything).
fn under(path: &str, dir: &str) -> bool {
    dir.is_empty() || path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// A filter as the report names it: `watchPatterns backend/**, shared/**`.
pub fn describe(filter: &PathFilter) -> String {
    match filter {
        PathFilter::All => "every file".to_owned(),
        PathFilter::GitHub { patterns, ignore } => format!(
            "{} {}",
            if *ignore { "paths-ignore" } else { "paths" },
            patterns.join(", ")
        ),
        PathFilter::Gitignore(p) => format!("watchPatterns {}", p.join(", ")),
        PathFilter::Render {
            root_dir,
            paths,
            ignored,
        } => {
            let mut parts = Vec::new();
            if let Some(r) = root_dir {
                parts.push(format!("rootDir {r}"));
            }
            if !paths.is_empty() {
                parts.push(format!("buildFilter.paths {}", paths.join(", ")));
            }
            if !ignored.is_empty() {
                parts.push(format!("buildFilter.ignoredPaths {}", ignored.join(", ")));
            }
            parts.join("; ")
        }
        PathFilter::Under(dirs) => format!(
            "the directories {}",
            dirs.iter()
                .map(|d| if d.is_empty() { "." } else { d.as_str() })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        PathFilter::GitLab(p) => format!("changes {}", p.join(", ")),
        PathFilter::Command(c) | PathFilter::Never(c) => format!("the command `{c}`"),
    }
}
