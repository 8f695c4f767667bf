//! Netlify file-based configuration: `netlify.toml`
//! (<https://docs.netlify.com/configure-builds/file-based-configuration/>,
//! <https://docs.netlify.com/configure-builds/ignore-builds/>).
//!
//! Read: `[build] base`, `publish` and `ignore`, with `[context.production]` overriding
//! them (context settings win over `[build]`). Plugins, redirects, headers and the other
//! contexts change nothing about what a push to the production branch builds.
//!
//! Branches: [`Branches::Default`], the production deploy. The production branch and
//! whether other branches get branch deploys (and pull requests deploy previews) are
//! dashboard settings the file does not show.

use serde_json::{Map, Value};

use super::{
    dir_name, dir_of, ignore_filter, integration, key_line, note, opt_str, parse_toml, resolve,
    type_name, Problem,
};
use crate::deploy::target::{Branches, Build, Note, PathFilter, Platform, Read};
use crate::severity::Severity;

const PLATFORM: &str = "Netlify";

/// `netlify.toml` at `path`.
pub fn read(path: &str, text: &str) -> Read {
    match parse_toml(text, PLATFORM).and_then(|doc| read_doc(path, text, &doc)) {
        Ok(read) => read,
        Err(problem) => problem.into_read(path),
    }
}

fn read_doc(path: &str, text: &str, doc: &Value) -> Result<Read, Problem> {
    let build_line = key_line(text, "build");
    let mut settings = table(doc.get("build"), "build", build_line)?;
    let production = doc.get("context").and_then(|c| c.get("production"));
    let production = table(
        production,
        "context.production",
        key_line(text, "context.production"),
    )?;
    for key in ["base", "publish", "ignore"] {
        if let Some(value) = production.get(key) {
            settings.insert(key.to_owned(), value.clone());
        }
    }

    let mut read = Read::default();
    let dir = dir_of(path);
    // `base` is a repository path (`/website` and `website` alike). Without one, the base
    // is where Netlify found this file: it reads netlify.toml from the base directory.
    let base_line = key_line(text, "base");
    let base = match opt_str(&settings, "base", "build.base", base_line)? {
        None => dir.to_owned(),
        Some(b) => match resolve("", b) {
            Some(b) => b,
            None => {
                read.notes.push(escapes(path, base_line, "base"));
                return Ok(target(
                    read,
                    path,
                    build_line,
                    PathFilter::All,
                    Build::Unknown,
                ));
            }
        },
    };

    // With no `ignore`, Netlify cancels a build when nothing under the base directory
    // changed (ignore-builds, first paragraph). `ignore` runs from the base directory.
    let ignore_line = key_line(text, "ignore");
    let paths = match opt_str(&settings, "ignore", "build.ignore", ignore_line)? {
        Some(command) => ignore_filter(
            (path, ignore_line, "ignore"),
            command,
            &base,
            is_rev,
            &mut read.notes,
        ),
        None if base.is_empty() => PathFilter::All,
        None => PathFilter::Under(vec![base.clone()]),
    };

    // `publish` is relative to the base directory, which it defaults to.
    let publish_line = key_line(text, "publish");
    let build = match opt_str(&settings, "publish", "build.publish", publish_line)? {
        None => Build::Site(base.clone()),
        Some(p) => match resolve(&base, p) {
            Some(site) => Build::Site(site),
            None => {
                read.notes.push(escapes(path, publish_line, "publish"));
                Build::Unknown
            }
        },
    };
    Ok(target(read, path, build_line, paths, build))
}

/// The table at `value` (empty when absent), or the problem of another type.
fn table(
    value: Option<&Value>,
    shown: &str,
    line: Option<u32>,
) -> Result<Map<String, Value>, Problem> {
    match value {
        None => Ok(Map::new()),
        Some(Value::Object(t)) => Ok(t.clone()),
        Some(other) => Err(Problem::new(
            line,
            format!(
                "`{shown}` is {}, not a table: Netlify documents `[{shown}]` as one table, and pushguard reads only that form, so this site's build settings are not read; write it as `[{shown}]`",
                type_name(other)
            ),
        )),
    }
}

fn target(mut read: Read, path: &str, line: Option<u32>, paths: PathFilter, build: Build) -> Read {
    read.targets.push(integration(
        Platform::Netlify,
        dir_name(dir_of(path), "app"),
        path,
        line.or(Some(1)),
        Branches::Default,
        paths,
        build,
    ));
    read
}

fn escapes(path: &str, line: Option<u32>, key: &str) -> Note {
    note(
        Severity::Warn,
        path,
        line,
        format!("`{key}` points outside the repository; the Netlify build will fail; give a directory inside the repository"),
    )
}

/// The revisions of the `git diff` idiom in an `ignore` command: the last built commit and
/// the one being built (ignore-builds, *Custom ignore command*), or HEAD and its parent.
fn is_rev(word: &str) -> bool {
    matches!(
        word,
        "$CACHED_COMMIT_REF"
            | "${CACHED_COMMIT_REF}"
            | "$COMMIT_REF"
            | "${COMMIT_REF}"
            | "HEAD"
            | "HEAD^"
            | "HEAD~1"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::only_target as one;

    #[test]
    fn a_docs_site_in_a_subdirectory() {
        let text = "\
# Docs preview and production
[build]
  base = \"/website\"
  publish = \"build\"
  command = \"npm ci && npm run build\"

[build.environment]
  NODE_VERSION = \"20\"

[[redirects]]
  from = \"/old/*\"
  to = \"/new/:splat\"
";
        let r = read("netlify.toml", text);
        assert!(r.notes.is_empty());
        let t = one(&r);
        assert_eq!(t.platform, Platform::Netlify);
        assert_eq!((t.app.as_str(), t.line), ("app", Some(2)));
        assert_eq!(t.branches, Branches::Default);
        assert_eq!(t.paths, PathFilter::Under(vec!["website".into()]));
        assert_eq!(t.build, Build::Site("website/build".into()));
    }

    #[test]
    fn ignore_commands() {
        let text = "[build]\nbase = \"docs\"\npublish = \"dist\"\nignore = \"git diff --quiet $CACHED_COMMIT_REF $COMMIT_REF . ../pnpm-lock.yaml\"\n";
        let t = read("netlify.toml", text);
        assert_eq!(
            one(&t).paths,
            PathFilter::Under(vec!["docs".into(), "pnpm-lock.yaml".into()])
        );
        assert_eq!(one(&t).build, Build::Site("docs/dist".into()));
        let text = "[build]\nignore = \"git -C .. diff --quiet $CACHED_COMMIT_REF $COMMIT_REF -- Documentation netlify.toml\"\n";
        let t = read("site/netlify.toml", text);
        assert_eq!(
            one(&t).paths,
            PathFilter::Under(vec!["Documentation".into(), "netlify.toml".into()])
        );
        assert_eq!(one(&t).app, "site");
        let grep = "[build]\nignore = \"! git diff --name-only $CACHED_COMMIT_REF $COMMIT_REF | grep ^docs/\"\n";
        assert!(matches!(
            one(&read("netlify.toml", grep)).paths,
            PathFilter::Command(_)
        ));
        let skip_all = "[build]\nignore = \"exit 0\"\n";
        assert_eq!(
            one(&read("netlify.toml", skip_all)).paths,
            PathFilter::Never("exit 0".into())
        );
        let no_quiet =
            "[build]\nbase = \"web\"\nignore = \"git diff $CACHED_COMMIT_REF $COMMIT_REF .\"\n";
        let r = read("netlify.toml", no_quiet);
        assert_eq!((r.notes.len(), r.notes[0].line), (1, Some(3)));
    }

    #[test]
    fn defaults_and_the_production_context() {
        let t = read(
            "netlify.toml",
            "[[plugins]]\npackage = \"@netlify/plugin-lighthouse\"\n",
        );
        assert_eq!(one(&t).paths, PathFilter::All);
        assert_eq!(one(&t).build, Build::Site(String::new()));
        assert_eq!(one(&t).line, Some(1));
        let t = read(
            "apps/blog/netlify.toml",
            "[build]\ncommand = \"hugo\"\npublish = \"public\"\n",
        );
        assert_eq!(one(&t).paths, PathFilter::Under(vec!["apps/blog".into()]));
        assert_eq!(one(&t).build, Build::Site("apps/blog/public".into()));
        let text = "[build]\nbase = \"a\"\npublish = \"out\"\n[context.production]\npublish = \"dist\"\n[context.deploy-preview]\npublish = \"preview\"\n";
        assert_eq!(
            one(&read("netlify.toml", text)).build,
            Build::Site("a/dist".into())
        );
        assert_eq!(read("netlify.toml", "").targets.len(), 1);
    }

    #[test]
    fn paths_escaping_the_repository() {
        let r = read("netlify.toml", "[build]\nbase = \"../up\"\n");
        assert_eq!(one(&r).build, Build::Unknown);
        assert_eq!((r.notes.len(), r.notes[0].line), (1, Some(2)));
        let r = read(
            "netlify.toml",
            "[build]\nbase = \"site\"\npublish = \"../../dist\"\n",
        );
        assert_eq!(one(&r).build, Build::Unknown);
        assert_eq!(r.notes[0].line, Some(3));
        let r = read(
            "netlify.toml",
            "[build]\nignore = \"git diff --quiet $CACHED_COMMIT_REF $COMMIT_REF ../x\"\n",
        );
        assert!(matches!(one(&r).paths, PathFilter::Command(_)));
        assert_eq!(r.notes.len(), 1);
    }

    #[test]
    fn malformed_files_give_one_warning() {
        let r = read(
            "netlify.toml",
            "[build]\npublish = \"dist\"\n[build]\ncommand = \"x\"\n",
        );
        assert!(r.targets.is_empty());
        assert_eq!((r.notes.len(), r.notes[0].line), (1, Some(3)));
        assert!(r.notes[0].message.contains("Netlify will reject it too"));
        let r = read("netlify.toml", "build = \"npm run build\"\n");
        assert_eq!((r.targets.len(), r.notes[0].line), (0, Some(1)));
        let r = read("netlify.toml", "[build]\nbase = 3\n");
        assert_eq!((r.targets.len(), r.notes[0].line), (0, Some(2)));
        assert_eq!(read("netlify.toml", "context = 1\n").targets.len(), 1);
        assert_eq!(
            read("netlify.toml", "[context]\nproduction = 1\n")
                .notes
                .len(),
            1
        );
    }
}
