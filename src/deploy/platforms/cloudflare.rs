//! Cloudflare Pages projects configured by a Wrangler file: `wrangler.toml`,
//! `wrangler.json` or `wrangler.jsonc`
//! (<https://developers.cloudflare.com/pages/functions/wrangler-configuration/>).
//!
//! A Wrangler file is a Pages configuration only when it has `pages_build_output_dir`;
//! without it the file configures a Worker (deployed by `wrangler deploy`, not by a Pages
//! Git integration) and Pages ignores it. The build command, root directory, production
//! branch and build watch paths of a Pages project are dashboard settings.

use serde_json::Value;

use super::{
    dir_name, dir_of, integration, key_line, note, opt_str, parse_json, parse_toml, resolve,
    top_object, Problem,
};
use crate::deploy::target::{Branches, Build, PathFilter, Platform, Read};
use crate::severity::Severity;

const PLATFORM: &str = "Wrangler";

/// `wrangler.toml` / `wrangler.json` / `wrangler.jsonc` at `path`; only a Pages config (has
/// `pages_build_output_dir`) is a target.
pub fn read(path: &str, text: &str) -> Read {
    // Wrangler reads both JSON spellings as JSONC (comments, trailing commas).
    let doc = if path.ends_with(".toml") {
        parse_toml(text, PLATFORM)
    } else {
        parse_json(text, true, PLATFORM)
    };
    match doc.and_then(|doc| read_doc(path, text, &doc)) {
        Ok(read) => read,
        Err(problem) => problem.into_read(path),
    }
}

fn read_doc(path: &str, text: &str, doc: &Value) -> Result<Read, Problem> {
    let top = top_object(
        doc,
        "is not an object of settings; Wrangler will reject it; write `{ \"name\": ..., ... }`",
    )?;
    let line = key_line(text, "pages_build_output_dir");
    let Some(out) = opt_str(
        top,
        "pages_build_output_dir",
        "pages_build_output_dir",
        line,
    )?
    else {
        return Ok(Read::default());
    };
    let dir = dir_of(path);
    let name_line = key_line(text, "name");
    let app = opt_str(top, "name", "name", name_line)?
        .map(str::to_owned)
        .unwrap_or_else(|| dir_name(dir, "app"));
    let mut read = Read::default();
    // The output directory is relative to the Wrangler file.
    let build = match resolve(dir, out) {
        Some(site) => Build::Site(site),
        None => {
            read.notes.push(note(
                Severity::Warn,
                path,
                line,
                "`pages_build_output_dir` points outside the repository; the Pages build will find no output; give a directory inside the project".to_owned(),
            ));
            Build::Unknown
        }
    };
    read.targets.push(integration(
        Platform::CloudflarePages,
        app,
        path,
        line,
        Branches::Default,
        PathFilter::All,
        build,
    ));
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pages_project_in_toml() {
        let text = "\
name = \"marketing-site\"
compatibility_date = \"2025-01-15\"
pages_build_output_dir = \"./build/client\"

[vars]
PUBLIC_API = \"https://api.example.org\"

[[d1_databases]]
binding = \"DB\"
database_name = \"marketing\"
database_id = \"00000000-0000-0000-0000-000000000000\"
";
        let r = read("web/wrangler.toml", text);
        assert!(r.notes.is_empty());
        assert_eq!(r.targets.len(), 1);
        let t = &r.targets[0];
        assert_eq!(t.platform, Platform::CloudflarePages);
        assert_eq!((t.app.as_str(), t.line), ("marketing-site", Some(3)));
        assert_eq!(t.branches, Branches::Default);
        assert_eq!(t.paths, PathFilter::All);
        assert_eq!(t.build, Build::Site("web/build/client".into()));
    }

    #[test]
    fn a_pages_project_in_jsonc() {
        let text = r#"// Pages project settings, see the Wrangler docs
{
  "$schema": "node_modules/wrangler/config-schema.json",
  /* the dashboard project is named after this */
  "compatibility_date": "2025-03-01",
  "pages_build_output_dir": "dist", // written by `astro build`
  "kv_namespaces": [
    { "binding": "SESSIONS", "id": "abc" },
  ],
}
"#;
        let r = read("wrangler.jsonc", text);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        let t = &r.targets[0];
        assert_eq!((t.app.as_str(), t.line), ("app", Some(6)));
        assert_eq!(t.build, Build::Site("dist".into()));
        let r = read(
            "apps/docs/wrangler.json",
            r#"{"pages_build_output_dir": "."}"#,
        );
        assert_eq!(r.targets[0].app, "docs");
        assert_eq!(r.targets[0].build, Build::Site("apps/docs".into()));
    }

    #[test]
    fn a_worker_config_is_no_target() {
        let worker = "name = \"api\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-01-01\"\n\n[assets]\ndirectory = \"./public\"\n";
        assert_eq!(read("wrangler.toml", worker), Read::default());
        assert_eq!(
            read(
                "wrangler.jsonc",
                "{ \"name\": \"api\", \"main\": \"src/index.ts\" }"
            ),
            Read::default()
        );
    }

    #[test]
    fn an_output_directory_outside_the_repository() {
        let r = read(
            "site/wrangler.toml",
            "name = \"x\"\npages_build_output_dir = \"../../out\"\n",
        );
        assert_eq!(r.targets[0].build, Build::Unknown);
        assert_eq!((r.notes.len(), r.notes[0].line), (1, Some(2)));
        assert_eq!(r.notes[0].severity, Severity::Warn);
    }

    #[test]
    fn malformed_files_give_one_warning() {
        let r = read(
            "wrangler.jsonc",
            "{\n  \"name\": \"a\"\n  \"pages_build_output_dir\": \"dist\"\n}\n",
        );
        assert!(r.targets.is_empty());
        assert_eq!((r.notes.len(), r.notes[0].line), (1, Some(3)));
        assert!(r.notes[0].message.contains("Wrangler will reject it too"));
        let r = read(
            "wrangler.toml",
            "name = \"a\"\npages_build_output_dir = [\"dist\"]\n",
        );
        assert_eq!((r.targets.len(), r.notes[0].line), (0, Some(2)));
        let r = read("wrangler.toml", "name = 'a\n");
        assert_eq!((r.targets.len(), r.notes[0].line), (0, Some(1)));
        assert_eq!(read("wrangler.json", "[1]").notes.len(), 1);
        assert_eq!(
            read(
                "wrangler.json",
                r#"{"name": 1, "pages_build_output_dir": "d"}"#
            )
            .notes
            .len(),
            1
        );
    }
}
