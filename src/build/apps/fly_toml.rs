//! Reading a fly.toml: the app it defines (name, Dockerfile, target, build arguments), or
//! the note that says why it defines none pushguard can predict.

use std::collections::BTreeMap;

use git2::{Repository, Tree};

use super::{is_blob, App, AppNote, AppOrigin};
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

pub(super) enum FlyApp {
    App(Box<App>),
    /// Built from an image or a buildpack builder: no Dockerfile.
    NotDocker,
    Note(AppNote),
}

/// Reads the fly.toml at `path` (in directory `dir`) and makes an app of it, built by
/// flyctl running in `workdir`: the build context, where flyctl looks for a Dockerfile the
/// config does not name. (A Dockerfile the config names is relative to the config.)
pub(super) fn fly_app(
    repo: &Repository,
    tree: &Tree<'_>,
    dir: &str,
    workdir: &str,
    path: &str,
) -> FlyApp {
    let note_with = |severity: Severity, line: Option<u32>, message: String| {
        FlyApp::Note(AppNote {
            severity,
            path: path.to_owned(),
            line,
            message,
        })
    };
    let note = |line: Option<u32>, message: String| note_with(Severity::Warn, line, message);
    let text = match file_at(repo, tree, path, MAX_FLY_TOML_BYTES) {
        FileAt::Text(text) => text,
        // Gone between the listing and the read: the listing came from a cache.
        FileAt::Missing => return FlyApp::NotDocker,
        FileAt::NotAFile => {
            return note(
                None,
                "is not a regular file (a symbolic link or submodule), so its app is not \
                 analysed"
                    .to_owned(),
            )
        }
        FileAt::Binary => {
            return note(
                None,
                "is not UTF-8 text, so its app is not analysed".to_owned(),
            )
        }
        FileAt::TooLarge(size) => {
            return note(
                None,
                format!("is {size} bytes, too large to be a fly.toml; its app is not analysed"),
            )
        }
        FileAt::Unreadable(why) => return note(None, why),
    };
    let doc = match text.parse::<toml::Table>() {
        Ok(doc) => doc,
        Err(e) => {
            let line = e.span().map(|s| line_of(&text, s.start));
            let message = e.message().trim().replace('\n', "; ");
            return note(
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
    // A prebuilt image is deployed as it is, and a `builder` makes a buildpack build; either
    // way flyctl reads no Dockerfile, even one beside fly.toml (`fetchImageRef`, then
    // `Resolver.BuildImage`: `buildpacksBuilder` runs when `builder` is set). `buildpacks`
    // without a `builder` falls through to the Dockerfile.
    if build_str("image").is_some() || build_str("builder").is_some() {
        return FlyApp::NotDocker;
    }
    let name = doc
        .get("app")
        .and_then(toml::Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| match dir.rsplit('/').next() {
            Some(last) if !last.is_empty() => last.to_owned(),
            _ => "app".to_owned(),
        });
    let target = build_str("build-target").or_else(|| build_str("build_target"));
    let explicit = build_str("dockerfile");
    let dockerfile = match &explicit {
        Some(rel) => match clean_repo_path(&join(dir, rel)) {
            Some(p) => p,
            None => {
                return note(
                    None,
                    format!(
                        "`[build] dockerfile = {rel:?}` points outside the repository, so \
                         pushguard cannot read it"
                    ),
                )
            }
        },
        // `ResolveDockerfile` (internal/build/imgsrc/docker.go): `Dockerfile`, then
        // `dockerfile`.
        None => ["Dockerfile", "dockerfile"]
            .iter()
            .map(|name| join(workdir, name))
            .find(|p| is_blob(tree, p))
            .unwrap_or_else(|| join(workdir, "Dockerfile")),
    };
    if !is_blob(tree, &dockerfile) {
        if explicit.is_some() {
            return note(
                None,
                format!(
                    "names the Dockerfile {dockerfile}, which is not in the pushed commit; \
                     `fly deploy` will fail to find it"
                ),
            );
        }
        if build.and_then(|b| b.get("buildpacks")).is_some() {
            return FlyApp::NotDocker;
        }
        return note_with(
            Severity::Info,
            None,
            format!(
                "app `{name}` has no Dockerfile ({dockerfile} is not in the pushed commit and \
                 `[build]` names none), so pushguard cannot predict its build"
            ),
        );
    }
    FlyApp::App(Box::new(App {
        name,
        context: workdir.to_owned(),
        dockerfile,
        target,
        branches: Vec::new(),
        build_args: build.map(build_args).unwrap_or_default(),
        origin: AppOrigin::FlyToml(path.to_owned()),
    }))
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

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> u32 {
    let upto = text.get(..offset).unwrap_or(text);
    u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
}
