//! Readers of the files through which a hosting platform's Git integration deploys a
//! repository: `railway.json`, `render.yaml`, `vercel.json`, `netlify.toml`, a Pages
//! `wrangler.toml`, a Space's `README.md`, `heroku.yml`.
//!
//! Each reader is a pure function from one file's text to the [`DeployTarget`]s it declares
//! and the [`Note`]s worth telling: no git access, nothing run. A file that does not parse
//! (or holds a value of the wrong type where the platform needs one) yields a single Warn
//! note naming the line; unknown keys are tolerated. Every value is untrusted text and only
//! ever lands in the struct fields.
//!
//! This module holds what the readers share: problems as notes, targets, repository paths
//! and key lines; `parse` turns the files into trees (parse errors into problems, JSONC,
//! the lines of YAML keys) and `ignore` reads the `git diff --quiet A B -- dirs` idiom of
//! `ignoreCommand`/`ignore` settings.

pub mod cloudflare;
pub mod heroku;
pub mod netlify;
pub mod railway;
pub mod render;
pub mod spaces;
pub mod vercel;

mod ignore;
mod parse;

pub(crate) use ignore::ignore_filter;
pub(crate) use parse::{parse_json, parse_toml, parse_yaml, YamlLines};

use super::target::{
    line_of, Branches, Build, DeployTarget, Note, PathFilter, Platform, Read, Via,
};
use crate::paths::{clean_repo_path, join};
use crate::severity::Severity;

/// Why a file yields no target: the 1-based line and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub line: Option<u32>,
    pub message: String,
}

impl Problem {
    pub fn new(line: Option<u32>, message: impl Into<String>) -> Problem {
        Problem {
            line,
            message: message.into(),
        }
    }

    /// The reading of `path` that found only this problem (one Warn note).
    pub fn into_read(self, path: &str) -> Read {
        Read::note(Severity::Warn, path, self.line, self.message)
    }
}

/// The top-level object of a parsed JSON or TOML file, or the problem (on line 1) that
/// it is something else, in `message`'s words.
pub(crate) fn top_object<'d>(
    doc: &'d serde_json::Value,
    message: &str,
) -> Result<&'d serde_json::Map<String, serde_json::Value>, Problem> {
    doc.as_object()
        .ok_or_else(|| Problem::new(Some(1), message))
}

/// The one target a reading found (tests).
#[cfg(test)]
pub(crate) fn only_target(r: &Read) -> &DeployTarget {
    assert_eq!(r.targets.len(), 1, "{r:?}");
    &r.targets[0]
}

/// A Warn or Info note about `path`.
pub(crate) fn note(severity: Severity, path: &str, line: Option<u32>, message: String) -> Note {
    Note {
        severity,
        path: path.to_owned(),
        line,
        message,
    }
}

/// A target deployed by a platform's Git integration (no `[skip ci]`, no tags).
pub(crate) fn integration(
    platform: Platform,
    app: String,
    config: &str,
    line: Option<u32>,
    branches: Branches,
    paths: PathFilter,
    build: Build,
) -> DeployTarget {
    DeployTarget {
        platform,
        app,
        config: config.to_owned(),
        line,
        via: Via::Integration,
        branches,
        tags: Vec::new(),
        paths,
        build,
        honours_skip_ci: false,
    }
}

/// A Docker build of `dockerfile` with `context`, no stage or arguments.
pub(crate) fn docker(dockerfile: String, context: String) -> Build {
    Build::Docker(super::DockerBuild {
        dockerfile,
        context,
        ..Default::default()
    })
}

/// The directory of the repository-relative file `path` (`""` at the root).
pub(crate) fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// The last component of the repository-relative directory `dir`, or `fallback` at the
/// root.
pub(crate) fn dir_name(dir: &str, fallback: &str) -> String {
    match dir.rsplit('/').next() {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => fallback.to_owned(),
    }
}

/// `rel` resolved against the repository-relative directory `base` and cleaned. A leading
/// `/` names the repository root (how Railway and Netlify spell repository paths).
/// `None` when the path climbs out of the repository.
pub(crate) fn resolve(base: &str, rel: &str) -> Option<String> {
    let rel = rel.trim();
    match rel.strip_prefix('/') {
        Some(abs) => clean_repo_path(abs.trim_start_matches('/')),
        None => clean_repo_path(&join(base, rel)),
    }
}

/// The 1-based line of the first line that declares `key`: `key`, `"key"` or `'key'` at the
/// start of the line (after blanks and a YAML `- `), followed by `:` or `=`. For files where
/// a parser gives no positions; TOML table headers are found with `[key]`.
pub(crate) fn key_line(text: &str, key: &str) -> Option<u32> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let mut rest = line.trim_start();
        if let Some(item) = rest.strip_prefix("- ") {
            rest = item.trim_start();
        }
        if rest.starts_with('[')
            && rest
                .trim_end()
                .trim_end_matches(']')
                .trim_start_matches('[')
                == key
        {
            return Some(line_of(text, start));
        }
        let unquoted = [("\"", "\""), ("'", "'"), ("", "")]
            .iter()
            .find_map(|(open, close)| {
                rest.strip_prefix(open)?
                    .strip_prefix(key)?
                    .strip_prefix(close)
            });
        if let Some(after) = unquoted {
            let after = after.trim_start();
            if after.starts_with(':') || after.starts_with('=') {
                return Some(line_of(text, start));
            }
        }
    }
    None
}

/// A JSON value's type for a message.
pub(crate) fn type_name(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a table",
    }
}

/// The optional string at `key` of `obj`, or the problem of a value of another type.
pub(crate) fn opt_str<'v>(
    obj: &'v serde_json::Map<String, serde_json::Value>,
    key: &str,
    shown: &str,
    line: Option<u32>,
) -> Result<Option<&'v str>, Problem> {
    match obj.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Problem::new(
            line,
            format!(
                "`{shown}` is {}, not a string; the platform will reject the file; write it as a quoted string",
                type_name(other)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_names() {
        assert_eq!(dir_of("apps/web/vercel.json"), "apps/web");
        assert_eq!(dir_of("vercel.json"), "");
        assert_eq!(dir_name("apps/web", "x"), "web");
        assert_eq!(dir_name("", "x"), "x");
    }

    #[test]
    fn paths_resolve_from_a_directory_or_the_root() {
        assert_eq!(
            resolve("apps/web", "./dist").as_deref(),
            Some("apps/web/dist")
        );
        assert_eq!(resolve("apps/web", "../../lib").as_deref(), Some("lib"));
        assert_eq!(resolve("apps/web", "/site").as_deref(), Some("site"));
        assert_eq!(resolve("apps", "../../etc"), None);
        assert_eq!(resolve("", "").as_deref(), Some(""));
    }

    #[test]
    fn key_lines_in_json_toml_and_yaml() {
        let json = "{\n  \"build\": {\n    \"builder\" : \"NIXPACKS\"\n  }\n}\n";
        assert_eq!(key_line(json, "builder"), Some(3));
        let toml = "# builder = old\n[build]\nbuilder = \"x\"\n";
        assert_eq!(key_line(toml, "builder"), Some(3));
        assert_eq!(key_line(toml, "build"), Some(2));
        assert_eq!(key_line("- name: a\n", "name"), Some(1));
        assert_eq!(key_line("builders: 1\n", "builder"), None);
    }

    #[test]
    fn no_reader_panics_on_a_truncated_or_odd_file() {
        let samples = [
            "{\n  \"build\": {\"builder\": \"DOCKERFILE\", \"watchPatterns\": [\"a/**\"]},\n  // é\n}",
            "services:\n  - type: web\n    name: é\n    runtime: docker\n    rootDir: a\n    buildFilter:\n      paths: [x]\n",
            "[build]\nbase = \"é\"\nignore = \"git diff --quiet $CACHED_COMMIT_REF $COMMIT_REF .\"\n",
            "---\ntitle: é\nsdk: docker\n---\n",
            "build:\n  docker:\n    web: Dockerfile\n  config:\n    <<: *x\n",
            "/* \"unterminated",
        ];
        for sample in samples {
            for (end, _) in sample.char_indices() {
                let text = &sample[..end];
                for path in [
                    "railway.json",
                    "railway.toml",
                    "wrangler.jsonc",
                    "wrangler.toml",
                ] {
                    let _ = railway::read(path, text);
                    let _ = cloudflare::read(path, text);
                }
                let _ = render::read("render.yaml", text);
                let _ = vercel::read("a/vercel.json", text);
                let _ = netlify::read("netlify.toml", text);
                let _ = spaces::read("README.md", text, true);
                let _ = heroku::read("heroku.yml", text);
            }
        }
    }
}
