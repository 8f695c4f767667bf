//! Hugging Face Spaces: the YAML front matter of the Space repository's root `README.md`
//! (<https://huggingface.co/docs/hub/spaces-config-reference>,
//! <https://huggingface.co/docs/hub/spaces-sdks-docker>).
//!
//! The Space's repository is the deploy: every push to its `main` branch rebuilds the
//! Space, whatever changed. `sdk` says how: `docker` builds the root `Dockerfile` with the
//! repository as context, `gradio` and `streamlit` install `requirements.txt` into the
//! SDK's image, `static` serves the files as they are.

use yaml_rust2::Yaml;

use super::{dir_of, docker, integration, note, parse_yaml, Problem, YamlLines};
use crate::deploy::target::{Branches, Build, PathFilter, Platform, Read};
use crate::paths::join;
use crate::severity::Severity;

const PLATFORM: &str = "the Hub";

/// A Space's root `README.md` at `path`: its YAML front matter (`---\n...\n---`) with `sdk:`.
/// No front matter or no `sdk` → no target (empty Read, no note).
/// `dockerfile_exists`: the tree has a `Dockerfile` next to the README.
pub fn read(path: &str, text: &str, dockerfile_exists: bool) -> Read {
    let Some(front) = front_matter(text) else {
        return Read::default();
    };
    // The front matter starts on line 2, after the opening `---`.
    let doc = match parse_yaml(front, 2, PLATFORM) {
        Ok(doc) => doc,
        Err(problem) => return problem.into_read(path),
    };
    let line = YamlLines::of(front, 2).line(&["sdk"]);
    let sdk = match &doc["sdk"] {
        Yaml::String(sdk) => sdk.as_str(),
        Yaml::BadValue | Yaml::Null => return Read::default(),
        _ => {
            return Problem::new(
                line,
                "`sdk` in the README's front matter is not a string; the Hub will not build the Space; write one of gradio, streamlit, docker, static",
            )
            .into_read(path)
        }
    };
    let app = doc["title"]
        .as_str()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or("space")
        .to_owned();
    let dir = dir_of(path);
    let mut read = Read::default();
    let build = match sdk {
        "docker" if dockerfile_exists => docker(join(dir, "Dockerfile"), dir.to_owned()),
        "docker" => {
            read.notes.push(note(
                Severity::Warn,
                path,
                line,
                "sdk: docker but no Dockerfile at the root; the Space build will fail; add the Dockerfile or change `sdk`".to_owned(),
            ));
            Build::Unknown
        }
        "gradio" | "streamlit" => Build::Buildpack(sdk.to_owned()),
        "static" => Build::Site(dir.to_owned()),
        _ => {
            read.notes.push(note(
                Severity::Warn,
                path,
                line,
                "`sdk` is none of gradio, streamlit, docker, static; the Hub will not build the Space; pick one of those".to_owned(),
            ));
            Build::Unknown
        }
    };
    read.targets.push(integration(
        Platform::Huggingface,
        app,
        path,
        line,
        Branches::Named(vec!["main".to_owned()]),
        PathFilter::All,
        build,
    ));
    read
}

/// The YAML between a first line `---` and the next line `---`, if the text opens with one.
fn front_matter(text: &str) -> Option<&str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let start = first.len();
    let mut end = start;
    for line in lines {
        if line.trim_end() == "---" {
            return text.get(start..end);
        }
        end += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCKER_SPACE: &str = "---
title: Invoice Extractor
emoji: 🧾
colorFrom: indigo
colorTo: pink
sdk: docker
app_port: 8000
pinned: false
license: apache-2.0
short_description: Pulls totals out of scanned invoices
---

# Invoice Extractor

Check out the configuration reference at https://huggingface.co/docs/hub/spaces-config-reference
";

    #[test]
    fn a_docker_space() {
        let r = read("README.md", DOCKER_SPACE, true);
        assert!(r.notes.is_empty());
        assert_eq!(r.targets.len(), 1);
        let t = &r.targets[0];
        assert_eq!(t.platform, Platform::Huggingface);
        assert_eq!((t.app.as_str(), t.line), ("Invoice Extractor", Some(6)));
        assert_eq!(t.branches, Branches::Named(vec!["main".into()]));
        assert_eq!(t.paths, PathFilter::All);
        assert_eq!(t.build, docker("Dockerfile".into(), String::new()));
        assert!(!t.honours_skip_ci);
    }

    #[test]
    fn a_docker_space_without_its_dockerfile() {
        let r = read("README.md", DOCKER_SPACE, false);
        assert_eq!(r.targets[0].build, Build::Unknown);
        assert_eq!(r.notes.len(), 1);
        assert_eq!(
            (r.notes[0].severity, r.notes[0].line),
            (Severity::Warn, Some(6))
        );
        assert!(r.notes[0]
            .message
            .starts_with("sdk: docker but no Dockerfile at the root"));
    }

    #[test]
    fn sdk_spaces() {
        let gradio = "---\nsdk: gradio\nsdk_version: 4.44.1\napp_file: app.py\n---\nHello\n";
        let r = read("README.md", gradio, false);
        assert_eq!(r.targets[0].build, Build::Buildpack("gradio".into()));
        assert_eq!(
            (r.targets[0].app.as_str(), r.targets[0].line),
            ("space", Some(2))
        );
        let r = read(
            "README.md",
            "\u{feff}---\r\ntitle: x\r\nsdk: streamlit\r\n---\r\n",
            false,
        );
        assert_eq!(r.targets[0].build, Build::Buildpack("streamlit".into()));
        let r = read("README.md", "---\ntitle: Slides\nsdk: static\n---\n", false);
        assert_eq!(r.targets[0].build, Build::Site(String::new()));
        let r = read("README.md", "---\nsdk: flask\n---\n", false);
        assert_eq!(
            (r.targets[0].build.clone(), r.notes.len()),
            (Build::Unknown, 1)
        );
    }

    #[test]
    fn readmes_that_declare_no_space() {
        assert_eq!(
            read("README.md", "# A library\n\n---\nsdk: docker\n---\n", true),
            Read::default()
        );
        assert_eq!(
            read("README.md", "---\ntitle: notes\n---\nText\n", true),
            Read::default()
        );
        assert_eq!(
            read("README.md", "---\nsdk: docker\n", true),
            Read::default()
        );
        assert_eq!(read("README.md", "", true), Read::default());
        assert_eq!(read("README.md", "---\n---\n", true), Read::default());
    }

    #[test]
    fn malformed_front_matter_gives_one_warning() {
        let r = read("README.md", "---\ntitle: a\nsdk: [docker\n---\n", true);
        assert!(r.targets.is_empty());
        assert_eq!(r.notes.len(), 1);
        assert!(r.notes[0].line.is_some_and(|l| l >= 3), "{:?}", r.notes);
        assert!(r.notes[0].message.contains("YAML"));
        let r = read(
            "README.md",
            "---\ntitle: a\nsdk:\n  kind: docker\n---\n",
            true,
        );
        assert_eq!((r.targets.len(), r.notes[0].line), (0, Some(3)));
    }
}
