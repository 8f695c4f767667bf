//! Railway config as code: `railway.json` / `railway.toml`
//! (<https://docs.railway.com/config-as-code/reference>).
//!
//! One file configures one service. Read: `build.builder`, `build.dockerfilePath` and
//! `build.watchPatterns`; the `deploy` section and `environments.<name>` overrides change
//! nothing about what a push builds and are ignored.

use serde_json::{Map, Value};

use super::{
    dir_name, dir_of, docker, integration, key_line, note, opt_str, parse_json, parse_toml,
    resolve, top_object, Problem,
};
use crate::deploy::target::{Branches, Build, PathFilter, Platform, Read};
use crate::severity::Severity;

const PLATFORM: &str = "Railway";

/// `railway.json` / `railway.toml` (Railway config-as-code) at `path`.
///
/// The build is a Docker build when `builder` is `DOCKERFILE`, or when no builder is given
/// and `dockerfilePath` is. Otherwise it is the builder named, lowercased
/// (`nixpacks`, `railpack`, `heroku`, `paketo`), and `railpack` when none is named —
/// but "Railway will always build with a Dockerfile if it finds one" (config-as-code
/// reference, *Specify the builder*): the caller, which sees the tree, upgrades a
/// `Buildpack("railpack")` with no builder named to a Docker build of the root `Dockerfile`
/// when that file exists.
pub fn read(path: &str, text: &str) -> Read {
    let doc = if path.ends_with(".toml") {
        parse_toml(text, PLATFORM)
    } else {
        parse_json(text, false, PLATFORM)
    };
    match doc.and_then(|doc| read_doc(path, text, &doc)) {
        Ok(read) => read,
        Err(problem) => problem.into_read(path),
    }
}

fn read_doc(path: &str, text: &str, doc: &Value) -> Result<Read, Problem> {
    let empty = Map::new();
    let top = top_object(doc, "is not a JSON object; Railway will reject it; write the settings as `{\"build\": {...}, \"deploy\": {...}}`")?;
    let build = match top.get("build") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(b)) => b,
        Some(_) => {
            return Err(Problem::new(
                key_line(text, "build"),
                "`build` is not a table; Railway will reject the file; make it an object of build settings",
            ))
        }
    };
    let builder_line = key_line(text, "builder");
    let builder = opt_str(build, "builder", "build.builder", builder_line)?;
    let dockerfile_line = key_line(text, "dockerfilePath");
    let dockerfile = opt_str(
        build,
        "dockerfilePath",
        "build.dockerfilePath",
        dockerfile_line,
    )?;
    let patterns = watch_patterns(build, key_line(text, "watchPatterns"))?;

    let mut read = Read::default();
    let is_docker = match builder {
        Some(b) => b.eq_ignore_ascii_case("DOCKERFILE"),
        None => dockerfile.is_some(),
    };
    let build = if is_docker {
        // dockerfilePath is a repository path; `/build/Dockerfile` is allowed
        // (docs.railway.com/builds/dockerfiles, *Custom Dockerfile path*). The context
        // is the service's root directory, a dashboard setting that defaults to `/`.
        match resolve("", dockerfile.unwrap_or("Dockerfile")) {
            Some(file) if !file.is_empty() => docker(file, String::new()),
            _ => {
                read.notes.push(note(
                    Severity::Warn,
                    path,
                    dockerfile_line,
                    "`build.dockerfilePath` points outside the repository; the Railway build will fail; give the Dockerfile's path from the repository root".to_owned(),
                ));
                Build::Unknown
            }
        }
    } else {
        Build::Buildpack(builder.unwrap_or("railpack").to_ascii_lowercase())
    };
    let paths = if patterns.is_empty() {
        PathFilter::All
    } else {
        PathFilter::Gitignore(patterns)
    };
    let line = builder_line.or_else(|| key_line(text, "build")).or(Some(1));
    read.targets.push(integration(
        Platform::Railway,
        dir_name(dir_of(path), "railway"),
        path,
        line,
        Branches::Default,
        paths,
        build,
    ));
    Ok(read)
}

/// `build.watchPatterns`: gitignore-style patterns from the repository root, kept as
/// written (docs.railway.com/builds/build-configuration, *Configure watch paths*).
fn watch_patterns(build: &Map<String, Value>, line: Option<u32>) -> Result<Vec<String>, Problem> {
    let wrong = || {
        Problem::new(
            line,
            "`build.watchPatterns` is not a list of strings; Railway will reject the file; write it as an array of patterns such as [\"backend/**\"]",
        )
    };
    match build.get("watchPatterns") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(wrong))
            .filter(|p| !matches!(p, Ok(s) if s.trim().is_empty()))
            .collect(),
        Some(_) => Err(wrong()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::target::DockerBuild;

    use super::super::only_target as only;

    #[test]
    fn a_dockerfile_service_in_a_monorepo() {
        let text = r#"{
  "$schema": "https://railway.com/railway.schema.json",
  "build": {
    "builder": "DOCKERFILE",
    "dockerfilePath": "/services/api/Dockerfile.prod",
    "watchPatterns": ["/services/api/**", "packages/shared/**", "!**/*.md"],
    "buildCommand": null
  },
  "deploy": {
    "startCommand": "node dist/main.js",
    "healthcheckPath": "/healthz",
    "restartPolicyType": "ON_FAILURE"
  },
  "environments": { "staging": { "build": { "dockerfilePath": "Dockerfile.staging" } } }
}
"#;
        let r = read("services/api/railway.json", text);
        assert!(r.notes.is_empty());
        let t = only(&r);
        assert_eq!(t.platform, Platform::Railway);
        assert_eq!(t.app, "api");
        assert_eq!(t.config, "services/api/railway.json");
        assert_eq!(t.line, Some(4));
        assert_eq!(t.branches, Branches::Default);
        assert!(!t.honours_skip_ci);
        assert_eq!(
            t.paths,
            PathFilter::Gitignore(vec![
                "/services/api/**".into(),
                "packages/shared/**".into(),
                "!**/*.md".into()
            ])
        );
        assert_eq!(
            t.build,
            Build::Docker(DockerBuild {
                dockerfile: "services/api/Dockerfile.prod".into(),
                context: String::new(),
                ..Default::default()
            })
        );
    }

    #[test]
    fn builders_and_their_defaults() {
        let t = read(
            "railway.json",
            r#"{"build": {"builder": "NIXPACKS", "dockerfilePath": "Dockerfile"}}"#,
        );
        assert_eq!(only(&t).build, Build::Buildpack("nixpacks".into()));
        assert_eq!(only(&t).app, "railway");
        let t = read("railway.json", r#"{"build": {"builder": "dockerfile"}}"#);
        assert_eq!(only(&t).build, docker("Dockerfile".into(), String::new()));
        let t = read(
            "railway.json",
            r#"{"build": {"dockerfilePath": "./docker/app.Dockerfile"}}"#,
        );
        assert_eq!(
            only(&t).build,
            docker("docker/app.Dockerfile".into(), String::new())
        );
        let t = read("railway.json", r#"{"deploy": {"numReplicas": 2}}"#);
        assert_eq!(only(&t).build, Build::Buildpack("railpack".into()));
        assert_eq!(only(&t).paths, PathFilter::All);
        let t = read(
            "railway.json",
            r#"{"build": {"builder": "HEROKU", "watchPatterns": []}}"#,
        );
        assert_eq!(only(&t).build, Build::Buildpack("heroku".into()));
        assert_eq!(only(&t).paths, PathFilter::All);
        assert_eq!(only(&read("railway.json", "{}")).line, Some(1));
    }

    #[test]
    fn the_toml_form() {
        let text = "# Railway\n[build]\nbuilder = \"RAILPACK\"\nwatchPatterns = [\"web/**\"]\n\n[deploy]\nstartCommand = \"npm start\"\ncronSchedule = \"*/15 * * * *\"\n";
        let r = read("web/railway.toml", text);
        let t = only(&r);
        assert_eq!(t.build, Build::Buildpack("railpack".into()));
        assert_eq!(t.paths, PathFilter::Gitignore(vec!["web/**".into()]));
        assert_eq!(t.line, Some(3));
        assert_eq!(t.app, "web");
    }

    #[test]
    fn a_dockerfile_outside_the_repository() {
        let r = read(
            "railway.json",
            "{\n  \"build\": {\n    \"dockerfilePath\": \"../other/Dockerfile\"\n  }\n}",
        );
        assert_eq!(only(&r).build, Build::Unknown);
        assert_eq!(r.notes.len(), 1);
        assert_eq!(r.notes[0].severity, Severity::Warn);
        assert_eq!(r.notes[0].line, Some(3));
    }

    #[test]
    fn malformed_files_give_one_warning() {
        let r = read(
            "railway.json",
            "{\n  \"build\": {\n    \"builder\": \"DOCKERFILE\"\n    \"watchPatterns\": []\n  }\n}",
        );
        assert!(r.targets.is_empty());
        assert_eq!(r.notes.len(), 1);
        assert_eq!(r.notes[0].line, Some(4));
        assert!(r.notes[0].message.contains("Railway will reject it too"));

        let bad_toml = read("railway.toml", "[build]\nbuilder = DOCKERFILE\n");
        assert_eq!(bad_toml.notes.len(), 1);
        assert_eq!(bad_toml.notes[0].line, Some(2));

        let wrong = read(
            "railway.json",
            "{\n  \"build\": {\n    \"watchPatterns\": \"src/**\"\n  }\n}",
        );
        assert!(wrong.targets.is_empty());
        assert_eq!(wrong.notes[0].line, Some(3));
        let wrong = read("railway.json", r#"{"build": {"builder": 3}}"#);
        assert_eq!(wrong.notes.len(), 1);
        assert_eq!(read("railway.json", "[]").notes.len(), 1);
        assert_eq!(
            read("railway.json", r#"{"build": "docker"}"#).notes.len(),
            1
        );
    }
}
