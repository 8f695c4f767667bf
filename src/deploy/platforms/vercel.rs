//! Vercel project configuration: `vercel.json`
//! (<https://vercel.com/docs/project-configuration>, *Git Configuration*).
//!
//! The file sits in the project's Root Directory, so its directory is the project's
//! directory. Read: `name`, `git.deploymentEnabled` (and the deprecated `github.enabled`),
//! `ignoreCommand` and `outputDirectory`. Routes, headers, functions and the rest change
//! nothing about what a push builds.

use serde_json::{Map, Value};

use super::{
    dir_name, dir_of, ignore_filter, integration, key_line, note, opt_str, parse_json, resolve,
    top_object, type_name, Problem,
};
use crate::deploy::target::{Branches, Build, PathFilter, Platform, Read};
use crate::severity::Severity;

const PLATFORM: &str = "Vercel";

/// `vercel.json` at `path` (path's directory = the project's root directory).
pub fn read(path: &str, text: &str) -> Read {
    match parse_json(text, false, PLATFORM).and_then(|doc| read_doc(path, text, &doc)) {
        Ok(read) => read,
        Err(problem) => problem.into_read(path),
    }
}

fn read_doc(path: &str, text: &str, doc: &Value) -> Result<Read, Problem> {
    let top = top_object(
        doc,
        "is not a JSON object; Vercel will reject it; write the settings as `{ ... }`",
    )?;
    let dir = dir_of(path);
    let name_line = top
        .contains_key("name")
        .then(|| key_line(text, "name"))
        .flatten();
    let app = opt_str(top, "name", "name", name_line)?
        .map(str::to_owned)
        .unwrap_or_else(|| dir_name(dir, "vercel"));
    let mut read = Read::default();
    let branches = branches(top, text)?;

    // ignoreCommand runs in the project's directory; exit 0 cancels the build
    // (vercel.com/docs/project-configuration, `ignoreCommand`). The idiom compares the
    // pushed commit with its parent (`HEAD^`) or with the last deployed commit
    // (`$VERCEL_GIT_PREVIOUS_SHA`); both are read as "these paths changed".
    // Vercel also skips projects of a monorepo whose workspace is unaffected (a dashboard
    // setting); that is not modelled.
    let ignore_line = key_line(text, "ignoreCommand");
    let paths = match opt_str(top, "ignoreCommand", "ignoreCommand", ignore_line)? {
        Some(command) => ignore_filter(
            (path, ignore_line, "ignoreCommand"),
            command,
            dir,
            is_rev,
            &mut read.notes,
        ),
        None => PathFilter::All,
    };

    let out_line = key_line(text, "outputDirectory");
    let build = match opt_str(top, "outputDirectory", "outputDirectory", out_line)? {
        None => Build::Site(dir.to_owned()),
        Some(out) => match resolve(dir, out) {
            Some(site) => Build::Site(site),
            None => {
                read.notes.push(note(
                    Severity::Warn,
                    path,
                    out_line,
                    "`outputDirectory` points outside the repository; the Vercel build will find no output; give a directory inside the project".to_owned(),
                ));
                Build::Unknown
            }
        },
    };
    read.targets.push(integration(
        Platform::Vercel,
        app,
        path,
        name_line.or(Some(1)),
        branches,
        paths,
        build,
    ));
    Ok(read)
}

/// `git.deploymentEnabled`: `false` turns every branch off, an object switches branches by
/// minimatch glob (an unlisted branch deploys), absent or `true` deploys every branch
/// (production for the production branch, a preview for the others). The deprecated
/// `github.enabled: false` also turns the project's Git deployments off.
fn branches(top: &Map<String, Value>, text: &str) -> Result<Branches, Problem> {
    if top.get("github").and_then(|g| g.get("enabled")) == Some(&Value::Bool(false)) {
        return Ok(Branches::None);
    }
    let line = key_line(text, "deploymentEnabled");
    let git = match top.get("git") {
        None | Some(Value::Null) => return Ok(Branches::Any),
        Some(Value::Object(git)) => git,
        Some(other) => {
            return Err(Problem::new(
                key_line(text, "git"),
                format!("`git` is {}, not an object; Vercel will reject the file; write `\"git\": {{\"deploymentEnabled\": ...}}`", type_name(other)),
            ))
        }
    };
    match git.get("deploymentEnabled") {
        None | Some(Value::Null) | Some(Value::Bool(true)) => Ok(Branches::Any),
        Some(Value::Bool(false)) => Ok(Branches::None),
        Some(Value::Object(globs)) => {
            let mut out = Vec::with_capacity(globs.len());
            for (glob, on) in globs {
                let Some(on) = on.as_bool() else {
                    return Err(Problem::new(
                        line,
                        "a branch of `git.deploymentEnabled` is not switched by true or false; Vercel will reject the file; give each branch glob a boolean",
                    ));
                };
                out.push((glob.clone(), on));
            }
            Ok(if out.is_empty() { Branches::Any } else { Branches::Vercel(out) })
        }
        Some(other) => Err(Problem::new(
            line,
            format!("`git.deploymentEnabled` is {}; Vercel will reject the file; use true, false or an object of branch globs", type_name(other)),
        )),
    }
}

/// The revisions of the `git diff` idiom in an `ignoreCommand`.
fn is_rev(word: &str) -> bool {
    matches!(
        word,
        "HEAD"
            | "HEAD^"
            | "HEAD^1"
            | "HEAD~"
            | "HEAD~1"
            | "$VERCEL_GIT_PREVIOUS_SHA"
            | "${VERCEL_GIT_PREVIOUS_SHA}"
            | "$VERCEL_GIT_COMMIT_SHA"
            | "${VERCEL_GIT_COMMIT_SHA}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::only_target as one;

    #[test]
    fn a_monorepo_project_with_the_diff_idiom() {
        let text = r#"{
  "$schema": "https://openapi.vercel.sh/vercel.json",
  "name": "docs-site",
  "buildCommand": "pnpm --filter docs build",
  "outputDirectory": "out",
  "ignoreCommand": "git diff HEAD^ HEAD --quiet -- . ../../packages/ui ./../../pnpm-lock.yaml",
  "git": { "deploymentEnabled": { "gh-pages": false, "renovate/*": false, "main": true } },
  "rewrites": [{ "source": "/(.*)", "destination": "/" }]
}
"#;
        let r = read("apps/docs/vercel.json", text);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        let t = one(&r);
        assert_eq!(t.platform, Platform::Vercel);
        assert_eq!(t.app, "docs-site");
        assert_eq!(t.line, Some(3));
        assert_eq!(
            t.branches,
            Branches::Vercel(vec![
                ("gh-pages".into(), false),
                ("renovate/*".into(), false),
                ("main".into(), true)
            ])
        );
        assert_eq!(
            t.paths,
            PathFilter::Under(vec![
                "apps/docs".into(),
                "packages/ui".into(),
                "pnpm-lock.yaml".into()
            ])
        );
        assert_eq!(t.build, Build::Site("apps/docs/out".into()));
    }

    #[test]
    fn defaults_and_switches() {
        let t = read("vercel.json", r#"{"cleanUrls": true}"#);
        let t = one(&t);
        assert_eq!((t.app.as_str(), t.line), ("vercel", Some(1)));
        assert_eq!(t.branches, Branches::Any);
        assert_eq!(t.paths, PathFilter::All);
        assert_eq!(t.build, Build::Site(String::new()));
        let off = read(
            "web/vercel.json",
            r#"{"git": {"deploymentEnabled": false}}"#,
        );
        assert_eq!(one(&off).branches, Branches::None);
        assert_eq!(one(&off).app, "web");
        let old = read(
            "vercel.json",
            r#"{"github": {"enabled": false, "silent": true}}"#,
        );
        assert_eq!(one(&old).branches, Branches::None);
        let on = read("vercel.json", r#"{"git": {"deploymentEnabled": {}}}"#);
        assert_eq!(one(&on).branches, Branches::Any);
    }

    #[test]
    fn other_ignore_commands() {
        let r = read(
            "vercel.json",
            r#"{"ignoreCommand": "npx turbo-ignore --fallback=HEAD^1"}"#,
        );
        assert_eq!(
            one(&r).paths,
            PathFilter::Command("npx turbo-ignore --fallback=HEAD^1".into())
        );
        let r = read(
            "vercel.json",
            r#"{"ignoreCommand": "[ \"$VERCEL_GIT_COMMIT_REF\" = \"gh-pages\" ]"}"#,
        );
        assert!(matches!(one(&r).paths, PathFilter::Command(_)));
        let r = read(
            "vercel.json",
            r#"{"ignoreCommand": "git diff --quiet $VERCEL_GIT_PREVIOUS_SHA $VERCEL_GIT_COMMIT_SHA -- src"}"#,
        );
        assert_eq!(one(&r).paths, PathFilter::Under(vec!["src".into()]));
        let r = read(
            "vercel.json",
            "{\n  \"ignoreCommand\": \"git diff HEAD~1 HEAD -- src\"\n}",
        );
        assert!(matches!(one(&r).paths, PathFilter::Never(_)));
        assert_eq!((r.notes.len(), r.notes[0].line), (1, Some(2)));
        let r = read(
            "vercel.json",
            r#"{"ignoreCommand": "git diff --quiet HEAD^ HEAD"}"#,
        );
        assert_eq!(one(&r).paths, PathFilter::All);
        let r = read("vercel.json", r#"{"ignoreCommand": ""}"#);
        assert_eq!(one(&r).paths, PathFilter::All);
    }

    #[test]
    fn paths_escaping_the_repository() {
        let r = read(
            "site/vercel.json",
            r#"{"ignoreCommand": "git diff --quiet HEAD^ HEAD -- ../../x"}"#,
        );
        assert!(matches!(one(&r).paths, PathFilter::Command(_)));
        assert_eq!(r.notes.len(), 1);
        let r = read(
            "site/vercel.json",
            "{\n\"outputDirectory\": \"../../dist\"\n}",
        );
        assert_eq!(one(&r).build, Build::Unknown);
        assert_eq!(
            (r.notes[0].severity, r.notes[0].line),
            (Severity::Warn, Some(2))
        );
    }

    #[test]
    fn malformed_files_give_one_warning() {
        let r = read("vercel.json", "{\n  \"name\": \"a\",\n}\n");
        assert!(r.targets.is_empty());
        assert_eq!((r.notes.len(), r.notes[0].line), (1, Some(3)));
        assert!(r.notes[0].message.contains("Vercel will reject it too"));
        let r = read(
            "vercel.json",
            "{\n  \"git\": {\n    \"deploymentEnabled\": {\"main\": \"yes\"}\n  }\n}",
        );
        assert_eq!((r.targets.len(), r.notes[0].line), (0, Some(3)));
        assert_eq!(
            read("vercel.json", r#"{"git": {"deploymentEnabled": "main"}}"#)
                .notes
                .len(),
            1
        );
        assert_eq!(read("vercel.json", r#"{"git": true}"#).notes.len(), 1);
        assert_eq!(
            read("vercel.json", r#"{"ignoreCommand": ["git"]}"#)
                .notes
                .len(),
            1
        );
        assert_eq!(read("vercel.json", r#""text""#).notes.len(), 1);
        assert_eq!(read("vercel.json", "").notes.len(), 1);
    }
}
