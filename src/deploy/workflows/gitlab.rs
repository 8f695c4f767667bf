//! GitLab CI (`.gitlab-ci.yml`): the deploy commands of each job's `script`, and which
//! pushes run the job (docs.gitlab.com, "CI/CD YAML syntax reference": `rules`, `only` /
//! `except`).
//!
//! A job with no `rules`/`only` runs on every branch push. Read: `rules` entries whose
//! `if:` compares `$CI_COMMIT_BRANCH` (or `$CI_COMMIT_REF_NAME`) with a literal or with
//! `$CI_DEFAULT_BRANCH`, their `changes:` (File.fnmatch globs, any match runs the job) and
//! `when: manual`/`never`; `only:` as a list of branch names or `{refs, changes}`. Other
//! conditions are not evaluated (the job counts as running). Jobs are top-level keys that
//! are not keywords and do not start with `.` (templates).

use yaml_rust2::{Yaml, YamlLoader};

use super::commands::script_deploys;
use super::CommandDeploy;
use crate::deploy::target::{Branches, Note, PathFilter};

/// The pipeline file GitLab reads.
pub const GITLAB_CI: &str = ".gitlab-ci.yml";

/// Top-level keys that are not jobs.
const KEYWORDS: &[&str] = &[
    "stages",
    "variables",
    "default",
    "include",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "pages:deploy",
];

/// One deploy a job makes, and which pushes run the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobDeploy {
    pub command: CommandDeploy,
    pub branches: Branches,
    pub paths: PathFilter,
    /// 1-based line of the job's key.
    pub line: Option<u32>,
}

/// Reads `.gitlab-ci.yml`; a file that is not YAML is one note naming the line.
pub fn read(text: &str) -> Result<Vec<JobDeploy>, Note> {
    let docs = YamlLoader::load_from_str(text)
        .map_err(|e| super::yaml_note(GITLAB_CI, &e, "GitLab will not run this pipeline either"))?;
    let Some(jobs) = docs.first().and_then(Yaml::as_hash) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (key, job) in jobs {
        let Some(name) = key.as_str() else { continue };
        if name.starts_with('.') || KEYWORDS.contains(&name) || job.as_hash().is_none() {
            continue;
        }
        let script = match &job["script"] {
            Yaml::String(s) => s.clone(),
            Yaml::Array(lines) => lines
                .iter()
                .filter_map(Yaml::as_str)
                .collect::<Vec<_>>()
                .join("\n"),
            _ => continue,
        };
        let deploys = script_deploys(&script, "");
        if deploys.is_empty() {
            continue;
        }
        let (branches, paths) = trigger(job);
        let line = text
            .lines()
            .position(|l| l.trim_end().strip_suffix(':') == Some(name))
            .and_then(|i| u32::try_from(i + 1).ok());
        // GitLab's pages job publishes `public/`; its deploy is the job itself.
        out.extend(deploys.into_iter().map(|command| JobDeploy {
            command,
            branches: branches.clone(),
            paths: paths.clone(),
            line,
        }));
    }
    Ok(out)
}

/// Which pushes run a job: its branches and its `changes:`.
fn trigger(job: &Yaml) -> (Branches, PathFilter) {
    if let Some(rules) = job["rules"].as_vec() {
        return from_rules(rules);
    }
    let mut branches = Branches::Any;
    let mut paths = PathFilter::All;
    match &job["only"] {
        Yaml::Array(refs) => branches = only_refs(refs),
        Yaml::Hash(_) => {
            if let Some(refs) = job["only"]["refs"].as_vec() {
                branches = only_refs(refs);
            }
            if let Some(changes) = job["only"]["changes"].as_vec() {
                paths = PathFilter::GitLab(strings(changes));
            }
        }
        _ => {}
    }
    if matches!(job["when"].as_str(), Some("manual")) {
        branches = Branches::None;
    }
    (branches, paths)
}

/// `only:` refs: branch names; the `branches` keyword means every branch, `tags` none.
fn only_refs(refs: &[Yaml]) -> Branches {
    let names = strings(refs);
    if names.iter().any(|n| n == "branches" || n == "pushes") {
        return Branches::Any;
    }
    let named: Vec<String> = names
        .into_iter()
        .filter(|n| {
            !matches!(
                n.as_str(),
                "tags" | "merge_requests" | "schedules" | "web" | "api" | "triggers"
            )
        })
        .collect();
    if named.is_empty() {
        Branches::None
    } else {
        Branches::Named(named)
    }
}

/// `rules:` are evaluated in order and the first match decides; a push the rules read
/// cannot rule out runs the job. The first rule with a branch comparison names the
/// branches; its `changes:` the path filter.
fn from_rules(rules: &[Yaml]) -> (Branches, PathFilter) {
    for rule in rules {
        let when = rule["when"].as_str().unwrap_or("on_success");
        let changes = rule["changes"]
            .as_vec()
            .map(|c| strings(c))
            .or_else(|| rule["changes"]["paths"].as_vec().map(|c| strings(c)));
        let branch = rule["if"].as_str().map(branch_in_if);
        let paths = changes.map_or(PathFilter::All, PathFilter::GitLab);
        match (branch, when) {
            (_, "never") => continue,
            (_, "manual") => return (Branches::None, paths),
            (Some(Some(b)), _) => return (b, paths),
            // A condition pushguard does not read: the job may run on any push.
            (Some(None), _) => return (Branches::Any, paths),
            (None, _) => return (Branches::Any, paths),
        }
    }
    // No rule matched: the job does not run.
    (Branches::None, PathFilter::All)
}

/// The branch an `if:` pins: `$CI_COMMIT_BRANCH == "main"` (either order, single or
/// double quotes, `$CI_COMMIT_REF_NAME` too), or the default branch for `==
/// $CI_DEFAULT_BRANCH`. `None` for anything else (`||`, `=~`, other variables).
fn branch_in_if(cond: &str) -> Option<Branches> {
    if cond.contains("||") || cond.contains("=~") {
        return None;
    }
    for part in cond.split("&&") {
        let part: String = part.chars().filter(|c| !c.is_whitespace()).collect();
        let Some((a, b)) = part.split_once("==") else {
            continue;
        };
        let is_branch_var = |v: &str| matches!(v, "$CI_COMMIT_BRANCH" | "$CI_COMMIT_REF_NAME");
        let other = if is_branch_var(a) {
            b
        } else if is_branch_var(b) {
            a
        } else {
            continue;
        };
        if other == "$CI_DEFAULT_BRANCH" {
            return Some(Branches::Default);
        }
        let literal = other.trim_matches(|c| c == '"' || c == '\'');
        if !literal.is_empty() && !literal.contains('$') {
            return Some(Branches::Named(vec![literal.to_owned()]));
        }
    }
    None
}

fn strings(v: &[Yaml]) -> Vec<String> {
    v.iter()
        .filter_map(Yaml::as_str)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::Platform;

    #[test]
    fn jobs_rules_and_only() {
        let text = "stages: [build, deploy]\n.base:\n  image: alpine\ndeploy-api:\n  stage: deploy\n  script:\n    - flyctl deploy --config apps/api/fly.toml\n  rules:\n    - if: $CI_COMMIT_BRANCH == \"main\"\n      changes:\n        - apps/api/**/*\n        - packages/**/*\ndeploy-web:\n  script: npx vercel deploy --prod\n  rules:\n    - if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'\nstaging:\n  script:\n    - railway up --service web\n  only:\n    refs: [staging]\nmanual:\n  script: [flyctl deploy]\n  when: manual\ntests:\n  script: [pytest]\n";
        let jobs = read(text).expect("parses");
        let got: Vec<(Platform, Branches, Option<u32>)> = jobs
            .iter()
            .map(|j| (j.command.platform, j.branches.clone(), j.line))
            .collect();
        assert_eq!(
            got,
            [
                (Platform::Fly, Branches::Named(vec!["main".into()]), Some(4)),
                (Platform::Vercel, Branches::Default, Some(13)),
                (
                    Platform::Railway,
                    Branches::Named(vec!["staging".into()]),
                    Some(17)
                ),
                (Platform::Fly, Branches::None, Some(22)),
            ]
        );
        assert_eq!(
            jobs[0].paths,
            PathFilter::GitLab(vec!["apps/api/**/*".into(), "packages/**/*".into()])
        );
    }

    #[test]
    fn bad_yaml_is_one_note() {
        let e = read("deploy:\n  script: [\n").expect_err("bad");
        assert_eq!(e.path, GITLAB_CI);
        assert!(e.line.is_some());
    }
}
