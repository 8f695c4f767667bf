//! Reading a fly config (`fly.toml`, or any file a `flyctl deploy --config` names) as
//! flyctl does: the app it defines and what deploying it builds (a prebuilt image, a
//! buildpack build, or a Dockerfile with its context, target and arguments), or the note
//! that says why pushguard cannot tell.

use std::collections::BTreeMap;

use git2::{Repository, Tree};

use super::source::MapSource;
use super::target::{line_containing, line_of, Build, DockerBuild, Note};
use crate::git::blob::{file_at, FileAt};
use crate::paths::{clean_repo_path, join};
use crate::severity::Severity;

/// The largest fly.toml read; a bigger one is reported, not parsed.
const MAX_FLY_TOML_BYTES: u64 = 256 * 1024;

/// The `[build.args]` of the fly.toml at `path` in `tree`; empty when it is absent or
/// unreadable. Used for the previous commit's arguments.
pub fn fly_build_args(repo: &Repository, tree: &Tree<'_>, path: &str) -> BTreeMap<String, String> {
    match file_at(repo, tree, path, MAX_FLY_TOML_BYTES) {
        FileAt::Text(text) => match text.parse::<toml::Table>() {
            Ok(doc) => build_args(&doc),
            Err(_) => BTreeMap::new(),
        },
        _ => BTreeMap::new(),
    }
}

/// A fly config read as flyctl reads it for a deploy run in a working directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlyConfig {
    /// Its `app`; the config's directory name (or `app`) when it names none.
    pub app: String,
    /// 1-based line of the `app` key, when present.
    pub line: Option<u32>,
    /// What flyctl builds: a prebuilt image, a buildpack build, a Docker build, or
    /// [`Build::Unknown`] when `note` says why.
    pub build: Build,
    pub note: Option<Note>,
}

/// Reads the fly config at `path` for a deploy run in `workdir`: the build context, where
/// flyctl looks for a Dockerfile the config does not name (a Dockerfile the config names
/// is relative to the config). `command` is what the deploy command line says (its
/// `--image`, `--dockerfile`, `--build-arg`, `--build-target`), which the config's own
/// settings override as flyctl does.
pub fn read_fly(
    src: &MapSource<'_>,
    path: &str,
    workdir: &str,
    command: Option<&Build>,
) -> FlyConfig {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let fallback_name = match dir.rsplit('/').next() {
        Some(last) if !last.is_empty() => last.to_owned(),
        _ => "app".to_owned(),
    };
    let broken = |severity: Severity, line: Option<u32>, message: String| FlyConfig {
        app: fallback_name.clone(),
        line: None,
        build: Build::Unknown,
        note: Some(Note {
            severity,
            path: path.to_owned(),
            line,
            message,
        }),
    };
    let text = match src.file_at(path, MAX_FLY_TOML_BYTES) {
        FileAt::Text(text) => text,
        FileAt::Missing => {
            return broken(
                Severity::Warn,
                None,
                "is named by a `flyctl deploy` command but is not in the pushed commit; the \
                 deploy will fail to find it"
                    .to_owned(),
            )
        }
        FileAt::NotAFile => {
            return broken(
                Severity::Warn,
                None,
                "is not a regular file (a symbolic link or submodule), so its app is not \
                 analysed"
                    .to_owned(),
            )
        }
        FileAt::Binary => {
            return broken(
                Severity::Warn,
                None,
                "is not UTF-8 text, so its app is not analysed".to_owned(),
            )
        }
        FileAt::TooLarge(size) => {
            return broken(
                Severity::Warn,
                None,
                format!("is {size} bytes, too large to be a fly.toml; its app is not analysed"),
            )
        }
        FileAt::Unreadable(why) => return broken(Severity::Warn, None, why),
    };
    let doc = match text.parse::<toml::Table>() {
        Ok(doc) => doc,
        Err(e) => {
            let line = e.span().map(|s| line_of(&text, s.start));
            let message = e.message().trim().replace('\n', "; ");
            return broken(
                Severity::Warn,
                line,
                format!(
                    "does not parse as TOML ({message}); flyctl will reject it too, and \
                     pushguard cannot tell which Dockerfile this app builds"
                ),
            );
        }
    };
    let build = doc.get("build").and_then(toml::Value::as_table);
    // flyctl compares every `[build]` string with "" (internal/appconfig/config.go, `type
    // Build`; deploy_build.go): an empty string is the same as the key left out.
    let build_str = |key: &str| {
        build
            .and_then(|b| b.get(key))
            .and_then(toml::Value::as_str)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
    };
    let app = doc
        .get("app")
        .and_then(toml::Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map_or_else(|| fallback_name.clone(), str::to_owned);
    let line = key_line(&text, "app");
    let done = |build: Build, note: Option<Note>| FlyConfig {
        app: app.clone(),
        line,
        build,
        note,
    };
    // A `[build] dockerfile` that cannot be built: the app's build is unknown.
    let dockerfile_problem = |message: String| {
        done(
            Build::Unknown,
            Some(Note {
                severity: Severity::Warn,
                path: path.to_owned(),
                line: line_containing(&text, "dockerfile"),
                message,
            }),
        )
    };
    let from_command = match command {
        Some(Build::Docker(d)) => Some(d),
        _ => None,
    };
    // `--image` on the command line, then `[build] image`: a prebuilt image is deployed
    // as it is (`fetchImageRef`, deploy_build.go). A `builder` makes a buildpack build
    // (`Resolver.BuildImage`: `buildpacksBuilder` runs when `builder` is set); either way
    // flyctl reads no Dockerfile, even one beside fly.toml. `buildpacks` without a
    // `builder` falls through to the Dockerfile.
    if let Some(Build::Image(image)) = command {
        return done(Build::Image(image.clone()), None);
    }
    if let Some(image) = build_str("image") {
        return done(Build::Image(image), None);
    }
    if let Some(builder) = build_str("builder") {
        return done(Build::Buildpack(builder), None);
    }
    let target = build_str("build-target")
        .or_else(|| build_str("build_target"))
        .or_else(|| from_command.and_then(|d| d.target.clone()));
    let explicit = build_str("dockerfile");
    // `resolveDockerfilePath`: `[build] dockerfile` relative to the config's directory wins
    // over `--dockerfile` (relative to the working directory).
    let named = match &explicit {
        Some(rel) => match clean_repo_path(&join(dir, rel)) {
            Some(p) => Some(p),
            None => {
                return dockerfile_problem(format!(
                    "`[build] dockerfile = {rel:?}` points outside the repository, so \
                     pushguard cannot read it"
                ))
            }
        },
        None => from_command
            .map(|d| d.dockerfile.clone())
            .filter(|f| !f.is_empty()),
    };
    let dockerfile = match &named {
        Some(p) => p.clone(),
        // `ResolveDockerfile` (internal/build/imgsrc/docker.go): `Dockerfile`, then
        // `dockerfile`, in the working directory.
        None => ["Dockerfile", "dockerfile"]
            .iter()
            .map(|name| join(workdir, name))
            .find(|p| src.is_blob(p))
            .unwrap_or_else(|| join(workdir, "Dockerfile")),
    };
    if !src.is_blob(&dockerfile) {
        if named.is_some() {
            return dockerfile_problem(format!(
                "names the Dockerfile {dockerfile}, which is not in the pushed commit; \
                 `fly deploy` will fail to find it"
            ));
        }
        if build.and_then(|b| b.get("buildpacks")).is_some() {
            return done(Build::Buildpack("buildpacks".to_owned()), None);
        }
        return done(
            Build::Unknown,
            Some(Note {
                severity: Severity::Info,
                path: path.to_owned(),
                line: None,
                message: format!(
                    "app `{app}` has no Dockerfile ({dockerfile} is not in the pushed commit and \
                     `[build]` names none), so pushguard cannot predict its build"
                ),
            }),
        );
    }
    // `mergeBuildArgs`: `[build.args]`, with the command line's `--build-arg` over them.
    let mut args = build.map(build_args).unwrap_or_default();
    let mut cli_args = Vec::new();
    if let Some(d) = from_command {
        args.extend(d.args.clone());
        cli_args = d.cli_args.clone();
    }
    done(
        Build::Docker(DockerBuild {
            dockerfile,
            context: workdir.to_owned(),
            target,
            args,
            cli_args,
        }),
        None,
    )
}

/// The 1-based line of the top-level `key = …` (flyctl writes a comment above it).
fn key_line(text: &str, key: &str) -> Option<u32> {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// `[build.args]` (given the `[build]` table, or the whole document): string, integer,
/// float and boolean values, as flyctl passes them.
fn build_args(table: &toml::Table) -> BTreeMap<String, String> {
    let args = table
        .get("args")
        .or_else(|| {
            table
                .get("build")
                .and_then(toml::Value::as_table)
                .and_then(|b| b.get("args"))
        })
        .and_then(toml::Value::as_table);
    let Some(args) = args else {
        return BTreeMap::new();
    };
    args.iter()
        .filter_map(|(k, v)| {
            let value = match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => return None,
            };
            Some((k.clone(), value))
        })
        .collect()
}
