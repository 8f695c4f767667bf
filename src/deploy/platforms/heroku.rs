//! Heroku's container stack: `heroku.yml`
//! (<https://devcenter.heroku.com/articles/build-docker-images-heroku-yml>).
//!
//! `build: docker:` maps each process type to the Dockerfile its image is built from,
//! either as a path (`web: Dockerfile`) or as `{dockerfile: ..., target: stage}`. The build
//! context is the Dockerfile's directory. `build: config:` values are the build's
//! arguments. `setup:`, `release:` and `run:` build nothing.
//!
//! Heroku deploys a push to the `main` (or `master`) branch of the app's Git remote, or of
//! the GitHub branch its automatic deploys follow.

use std::collections::BTreeMap;

use yaml_rust2::Yaml;

use super::{dir_of, integration, note, parse_yaml, resolve, Problem, YamlLines};
use crate::deploy::target::{Branches, Build, DockerBuild, PathFilter, Platform, Read};
use crate::severity::Severity;

const PLATFORM: &str = "Heroku";

/// `heroku.yml` at `path`: one target per process type of `build: docker:`.
pub fn read(path: &str, text: &str) -> Read {
    let result =
        parse_yaml(text, 1, PLATFORM).and_then(|doc| read_doc(path, &doc, &YamlLines::of(text, 1)));
    match result {
        Ok(read) => read,
        Err(problem) => problem.into_read(path),
    }
}

fn read_doc(path: &str, doc: &Yaml, lines: &YamlLines) -> Result<Read, Problem> {
    let mut read = Read::default();
    let build = &doc["build"];
    let processes = match &build["docker"] {
        Yaml::BadValue | Yaml::Null => return Ok(read),
        Yaml::Hash(processes) => processes,
        _ => {
            return Err(Problem::new(
                lines.line(&["build", "docker"]),
                "`build.docker` is not a mapping of process types to Dockerfiles; Heroku will reject the manifest; write `web: Dockerfile`",
            ))
        }
    };
    let args = config(&build["config"], lines.line(&["build", "config"]))?;
    let dir = dir_of(path);
    for (process, spec) in processes {
        let Some(process) = process.as_str() else {
            continue;
        };
        let line = lines.line(&["build", "docker", process]);
        let (file, target) = match spec {
            Yaml::String(file) => (file.as_str(), None),
            Yaml::Hash(_) => match (&spec["dockerfile"], &spec["target"]) {
                (Yaml::String(file), Yaml::String(stage)) => (file.as_str(), Some(stage.clone())),
                (Yaml::String(file), Yaml::BadValue | Yaml::Null) => (file.as_str(), None),
                _ => return Err(wrong_process(line)),
            },
            _ => return Err(wrong_process(line)),
        };
        let build = match resolve(dir, file) {
            Some(dockerfile) if !dockerfile.is_empty() => Build::Docker(DockerBuild {
                context: dir_of(&dockerfile).to_owned(),
                dockerfile,
                target,
                args: args.clone(),
                cli_args: Vec::new(),
            }),
            _ => {
                read.notes.push(note(
                    Severity::Warn,
                    path,
                    line,
                    "the process's Dockerfile is outside the repository; the Heroku build will fail; give its path from the repository root".to_owned(),
                ));
                Build::Unknown
            }
        };
        read.targets.push(integration(
            Platform::Heroku,
            process.to_owned(),
            path,
            line,
            Branches::Named(vec!["main".to_owned(), "master".to_owned()]),
            PathFilter::All,
            build,
        ));
    }
    Ok(read)
}

fn wrong_process(line: Option<u32>) -> Problem {
    Problem::new(
        line,
        "a process type of `build.docker` is neither a Dockerfile path nor `{dockerfile: ..., target: ...}`; Heroku will reject the manifest; give the Dockerfile's path",
    )
}

/// `build.config`: build arguments. A YAML merge key (`<<: *anchor`) is expanded, as
/// Heroku's YAML 1.1 parser does; scalar values are kept as text.
fn config(node: &Yaml, line: Option<u32>) -> Result<BTreeMap<String, String>, Problem> {
    let mut args = BTreeMap::new();
    let entries = match node {
        Yaml::BadValue | Yaml::Null => return Ok(args),
        Yaml::Hash(entries) => entries,
        _ => return Err(wrong_config(line)),
    };
    for (key, value) in entries {
        match (key.as_str(), value) {
            (Some("<<"), Yaml::Hash(_)) => {
                for (k, v) in config(value, line)? {
                    args.entry(k).or_insert(v);
                }
            }
            (Some(key), value) => {
                let value = scalar(value).ok_or_else(|| wrong_config(line))?;
                args.insert(key.to_owned(), value);
            }
            (None, _) => return Err(wrong_config(line)),
        }
    }
    Ok(args)
}

fn scalar(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        Yaml::Null => Some(String::new()),
        _ => None,
    }
}

fn wrong_config(line: Option<u32>) -> Problem {
    Problem::new(
        line,
        "`build.config` is not a mapping of names to values; Heroku will reject the manifest; write `NAME: value` lines",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "\
# Container stack manifest
setup:
  addons:
    - plan: heroku-postgresql
      as: DATABASE
  config: &defaults
    RAILS_ENV: production
    WEB_CONCURRENCY: 2
build:
  docker:
    web: docker/web.Dockerfile
    worker:
      dockerfile: Dockerfile
      target: jobs
  config:
    <<: *defaults
    RAILS_ENV: staging
    PRECOMPILE: true
release:
  command:
    - bin/rails db:migrate
  image: web
run:
  web: bundle exec puma -C config/puma.rb
  worker: bundle exec sidekiq
";

    #[test]
    fn one_target_per_process_type() {
        let r = read("heroku.yml", MANIFEST);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        assert_eq!(r.targets.len(), 2);
        let args: BTreeMap<String, String> = [
            ("PRECOMPILE", "true"),
            ("RAILS_ENV", "staging"),
            ("WEB_CONCURRENCY", "2"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let web = &r.targets[0];
        assert_eq!(web.platform, Platform::Heroku);
        assert_eq!((web.app.as_str(), web.line), ("web", Some(11)));
        assert_eq!(
            web.branches,
            Branches::Named(vec!["main".into(), "master".into()])
        );
        assert_eq!(web.paths, PathFilter::All);
        assert_eq!(
            web.build,
            Build::Docker(DockerBuild {
                dockerfile: "docker/web.Dockerfile".into(),
                context: "docker".into(),
                target: None,
                args: args.clone(),
                cli_args: vec![],
            })
        );
        let worker = &r.targets[1];
        assert_eq!((worker.app.as_str(), worker.line), ("worker", Some(12)));
        assert_eq!(
            worker.build,
            Build::Docker(DockerBuild {
                dockerfile: "Dockerfile".into(),
                context: String::new(),
                target: Some("jobs".into()),
                args,
                cli_args: vec![],
            })
        );
    }

    #[test]
    fn manifests_that_build_nothing() {
        assert_eq!(
            read(
                "heroku.yml",
                "setup:\n  addons:\n    - plan: heroku-redis\n"
            ),
            Read::default()
        );
        assert_eq!(read("heroku.yml", ""), Read::default());
    }

    #[test]
    fn a_dockerfile_outside_the_repository() {
        let r = read("heroku.yml", "build:\n  docker:\n    web: ../Dockerfile\n");
        assert_eq!(r.targets[0].build, Build::Unknown);
        assert_eq!((r.notes.len(), r.notes[0].line), (1, Some(3)));
    }

    #[test]
    fn malformed_manifests_give_one_warning() {
        let r = read(
            "heroku.yml",
            "build:\n  docker:\n    web: Dockerfile\n   worker: x\n",
        );
        assert!(r.targets.is_empty());
        assert_eq!(r.notes.len(), 1);
        assert!(r.notes[0].message.contains("Heroku will reject it too"));
        let r = read("heroku.yml", "build:\n  docker: Dockerfile\n");
        assert_eq!((r.targets.len(), r.notes[0].line), (0, Some(2)));
        let r = read(
            "heroku.yml",
            "build:\n  docker:\n    web:\n      - Dockerfile\n",
        );
        assert_eq!((r.targets.len(), r.notes[0].line), (0, Some(3)));
        let r = read(
            "heroku.yml",
            "build:\n  docker:\n    web: Dockerfile\n  config:\n    A: [1]\n",
        );
        assert_eq!((r.targets.len(), r.notes[0].line), (0, Some(4)));
        let r = read(
            "heroku.yml",
            "build:\n  docker:\n    web: Dockerfile\n  config: x\n",
        );
        assert_eq!(r.notes.len(), 1);
    }
}
