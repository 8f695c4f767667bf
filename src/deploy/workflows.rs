//! GitHub Actions workflows that run `flyctl deploy`: which fly.toml each deploys and the
//! directory flyctl runs in, which is the build context.
//!
//! flyctl's context is its working directory, not the config file's directory
//! (superfly/flyctl `internal/command/deploy/deploy.go`: `deploy [WORKING_DIRECTORY]` with
//! `ChangeWorkingDirectoryToFirstArgIfPresent`; the builders use
//! `state.WorkingDirectory`). A monorepo deploying `flyctl deploy --config apps/api/fly.toml`
//! from the repository root builds `apps/api`'s app with the whole repository as context. A
//! relative `--config` is resolved after flyctl changes into `WORKING_DIRECTORY`.
//!
//! Nothing is run: the `run:` text of each step is split into words the way a shell would
//! (quotes, `\` continuations, `&&`, `;`), and `flyctl`/`fly` commands are read from it.

use git2::{ObjectType, Repository, Tree};
use yaml_rust2::{Yaml, YamlLoader};

use crate::git::blob::{file_at, FileAt};
use crate::paths::{clean_repo_path, join};

/// The largest workflow file read.
const MAX_WORKFLOW_BYTES: u64 = 256 * 1024;

/// Where workflows live.
const WORKFLOWS_DIR: &str = ".github/workflows";

/// A `flyctl deploy` a workflow runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlyDeploy {
    /// The workflow file, repository-relative.
    pub workflow: String,
    /// The directory flyctl runs in, repository-relative (`""` for the root).
    pub workdir: String,
    /// The config file it deploys, repository-relative.
    pub config: String,
}

/// The `flyctl deploy` commands of the workflows in `tree`. Workflows that cannot be read
/// or parsed contribute nothing (the deploy map reports them; here they only refine a
/// fly.toml's context).
pub fn fly_deploys(repo: &Repository, tree: &Tree<'_>) -> Vec<FlyDeploy> {
    let Ok(entry) = tree.get_path(std::path::Path::new(WORKFLOWS_DIR)) else {
        return Vec::new();
    };
    let Some(dir) = entry.to_object(repo).ok().and_then(|o| o.into_tree().ok()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for file in dir.iter() {
        let Ok(name) = file.name() else { continue };
        let workflow = name.ends_with(".yml") || name.ends_with(".yaml");
        if !workflow || file.kind() != Some(ObjectType::Blob) {
            continue;
        }
        let path = format!("{WORKFLOWS_DIR}/{name}");
        if let FileAt::Text(text) = file_at(repo, tree, &path, MAX_WORKFLOW_BYTES) {
            out.extend(deploys_in(&path, &text));
        }
    }
    out
}

/// The `flyctl deploy` commands of one workflow's text.
fn deploys_in(path: &str, text: &str) -> Vec<FlyDeploy> {
    let Ok(docs) = YamlLoader::load_from_str(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for doc in &docs {
        let top = default_workdir(doc);
        let Some(jobs) = doc["jobs"].as_hash() else {
            continue;
        };
        for job in jobs.values() {
            let job_dir = default_workdir(job).or_else(|| top.clone());
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
                for words in commands(step) {
                    if let Some(deploy) = fly_deploy(&words, &dir) {
                        out.push(FlyDeploy {
                            workflow: path.to_owned(),
                            ..deploy
                        });
                    }
                }
            }
        }
    }
    out
}

/// `defaults: run: working-directory:` of a workflow or a job.
fn default_workdir(node: &Yaml) -> Option<String> {
    node["defaults"]["run"]["working-directory"]
        .as_str()
        .map(str::to_owned)
}

/// The shell commands of a step, each as words: its `run:` text, or the `args` of
/// `superfly/flyctl-actions` (which runs `flyctl <args>`).
fn commands(step: &Yaml) -> Vec<Vec<String>> {
    if let Some(run) = step["run"].as_str() {
        return shell_commands(run);
    }
    let uses = step["uses"].as_str().unwrap_or("");
    if uses.starts_with("superfly/flyctl-actions") {
        if let Some(args) = step["with"]["args"].as_str() {
            return shell_commands(&format!("flyctl {args}"));
        }
    }
    Vec::new()
}

/// Splits a shell script into commands of words: lines joined at `\` continuations, then
/// split at `&&`, `||`, `;` and `|`, quotes removed. Comments are dropped.
fn shell_commands(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        let mut words: Vec<String> = Vec::new();
        let mut word = String::new();
        let mut quote: Option<char> = None;
        let mut chars = line.chars().peekable();
        let flush = |word: &mut String, words: &mut Vec<String>| {
            if !word.is_empty() {
                words.push(std::mem::take(word));
            }
        };
        while let Some(c) = chars.next() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => word.push(c),
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') if word.is_empty() => break,
                (None, c) if c.is_whitespace() => flush(&mut word, &mut words),
                (None, ';' | '|' | '&') => {
                    flush(&mut word, &mut words);
                    if chars.peek() == Some(&c) {
                        chars.next();
                    }
                    out.push(std::mem::take(&mut words));
                }
                (None, c) => word.push(c),
            }
        }
        flush(&mut word, &mut words);
        out.push(words);
    }
    out.retain(|w| !w.is_empty());
    out
}

/// flyctl flags that take a value as the next word (`--config x`, `-c x`).
const VALUED_FLAGS: &[&str] = &[
    "-c",
    "--config",
    "-a",
    "--app",
    "--dockerfile",
    "--build-arg",
    "--build-secret",
    "--build-target",
    "-i",
    "--image",
    "-r",
    "--region",
    "--strategy",
    "-e",
    "--env",
    "--ignorefile",
    "--label",
    "--vm-size",
    "--vm-memory",
    "--vm-cpus",
    "--wait-timeout",
    "--file-literal",
    "--file-local",
    "--file-secret",
    "--image-label",
    "--depot-scope",
    "--primary-region",
    "--release-command-timeout",
    "--lease-timeout",
    "-t",
    "--access-token",
    "--org",
    "-o",
];

/// The deploy a `flyctl … deploy …` command makes, run in `cwd`.
fn fly_deploy(words: &[String], cwd: &str) -> Option<FlyDeploy> {
    // The command's first word, after any `NAME=value` assignments, is flyctl.
    let start = words.iter().position(|w| !is_assignment(w))?;
    if !matches!(words[start].rsplit('/').next(), Some("flyctl" | "fly")) {
        return None;
    }
    let mut config: Option<&str> = None;
    let mut positional: Vec<&str> = Vec::new();
    let mut iter = words.iter().skip(start + 1);
    while let Some(w) = iter.next() {
        if let Some(v) = w.strip_prefix("--config=") {
            config = Some(v);
        } else if VALUED_FLAGS.contains(&w.as_str()) {
            let value = iter.next().map(String::as_str);
            if matches!(w.as_str(), "-c" | "--config") {
                config = value;
            }
        } else if !w.starts_with('-') {
            positional.push(w);
        }
    }
    // `flyctl deploy [WORKING_DIRECTORY]`: the subcommand, then at most one directory.
    let (first, rest) = positional.split_first()?;
    if *first != "deploy" {
        return None;
    }
    let workdir = match rest.first() {
        Some(dir) => clean_repo_path(&join(cwd, dir))?,
        None => cwd.to_owned(),
    };
    let config = clean_repo_path(&join(&workdir, config.unwrap_or("fly.toml")))?;
    // `-c` may name a directory: flyctl then reads its fly.toml.
    let config =
        if config.ends_with(".toml") || config.ends_with(".json") || config.ends_with(".yaml") {
            config
        } else {
            join(&config, "fly.toml")
        };
    Some(FlyDeploy {
        workflow: String::new(),
        workdir,
        config,
    })
}

/// `NAME=value`, as a shell reads it before a command.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deploys(text: &str) -> Vec<(String, String)> {
        deploys_in(".github/workflows/deploy.yml", text)
            .into_iter()
            .map(|d| (d.workdir, d.config))
            .collect()
    }

    #[test]
    fn a_monorepo_deployed_from_the_root() {
        let wf = "on:\n  push:\n    branches: [main]\njobs:\n  api:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: flyctl deploy . --config apps/api/fly.toml --remote-only\n      - run: |\n          fly deploy -c apps/web/fly.toml \\\n            --build-arg A=1\n";
        assert_eq!(
            deploys(wf),
            [
                ("".to_owned(), "apps/api/fly.toml".to_owned()),
                ("".to_owned(), "apps/web/fly.toml".to_owned())
            ]
        );
    }

    #[test]
    fn working_directories_and_positional_dirs() {
        let wf = "jobs:\n  d:\n    defaults:\n      run:\n        working-directory: services\n    steps:\n      - run: flyctl deploy api\n      - working-directory: web\n        run: flyctl deploy --remote-only\n      - uses: superfly/flyctl-actions@1.5\n        with:\n          args: \"deploy -c worker\"\n";
        assert_eq!(
            deploys(wf),
            [
                (
                    "services/api".to_owned(),
                    "services/api/fly.toml".to_owned()
                ),
                ("web".to_owned(), "web/fly.toml".to_owned()),
                ("services".to_owned(), "services/worker/fly.toml".to_owned())
            ]
        );
    }

    #[test]
    fn other_commands_and_bad_yaml_give_nothing() {
        assert!(deploys("jobs:\n  a:\n    steps:\n      - run: flyctl secrets set A=1\n      - run: echo fly deploy\n").is_empty());
        assert!(deploys("jobs: [\n").is_empty());
        assert!(
            deploys("jobs:\n  a:\n    steps:\n      - run: flyctl deploy ../outside\n").is_empty()
        );
    }
}
