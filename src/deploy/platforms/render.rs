//! Render Blueprints: `render.yaml` (<https://render.com/docs/blueprint-spec>).
//!
//! Every entry of `services:` (and of `projects[].environments[].services`) that Render
//! builds from a repository is a target. `databases:`, `envVarGroups:`, `previews:` and Key
//! Value instances (`type: keyvalue`/`redis`, nothing built) are not. A service whose
//! `repo:` names another repository cannot be told apart from one that names this one
//! (the URL may be spelt many ways): it is read like the others.

use yaml_rust2::Yaml;

use super::{dir_name, dir_of, docker, integration, note, parse_yaml, resolve, Problem, YamlLines};
use crate::deploy::target::{Branches, Build, DeployTarget, Note, PathFilter, Platform, Read};
use crate::severity::Severity;

const PLATFORM: &str = "Render";

/// A `render.yaml` Blueprint at `path`.
pub fn read(path: &str, text: &str) -> Read {
    let doc = match parse_yaml(text, 1, PLATFORM) {
        Ok(doc) => doc,
        Err(problem) => return problem.into_read(path),
    };
    let lines = YamlLines::of(text, 1);
    match read_doc(path, &doc, &lines) {
        Ok(read) => read,
        Err(problem) => problem.into_read(path),
    }
}

fn read_doc(path: &str, doc: &Yaml, lines: &YamlLines) -> Result<Read, Problem> {
    let mut read = Read::default();
    if doc.is_null() {
        return Ok(read);
    }
    if doc.as_hash().is_none() {
        return Err(Problem::new(
            Some(1),
            "is not a mapping of `services:`, `databases:`...; Render will reject the Blueprint; start the file with `services:`",
        ));
    }
    let mut lists: Vec<(Vec<String>, &Yaml)> =
        vec![(vec!["services".to_owned()], &doc["services"])];
    // Blueprint projects: `projects: [{environments: [{services: [...]}]}]`.
    for (p, project) in seq(&doc["projects"]).iter().enumerate() {
        for (e, env) in seq(&project["environments"]).iter().enumerate() {
            let at = [
                "projects",
                &p.to_string(),
                "environments",
                &e.to_string(),
                "services",
            ];
            lists.push((
                at.iter().map(|s| (*s).to_owned()).collect(),
                &env["services"],
            ));
        }
    }
    for (at, list) in lists {
        let at: Vec<&str> = at.iter().map(String::as_str).collect();
        let services = match list {
            Yaml::BadValue | Yaml::Null => continue,
            Yaml::Array(services) => services,
            _ => {
                return Err(Problem::new(
                    lines.line(&at),
                    "`services` is not a list; Render will reject the Blueprint; write one `- type: ...` entry per service",
                ))
            }
        };
        for (i, service) in services.iter().enumerate() {
            let index = i.to_string();
            let mut item = at.clone();
            item.push(&index);
            let line = lines.line(&item);
            if service.as_hash().is_none() {
                return Err(Problem::new(
                    line,
                    "a service is not a mapping; Render will reject the Blueprint; give each service its `type`, `name` and settings",
                ));
            }
            if let Some(target) = service_target(path, service, line, &mut read.notes)? {
                read.targets.push(target);
            }
        }
    }
    Ok(read)
}

fn seq(node: &Yaml) -> &[Yaml] {
    node.as_vec().map_or(&[], Vec::as_slice)
}

/// One service entry, `None` when Render builds nothing from the repository for it.
fn service_target(
    path: &str,
    service: &Yaml,
    line: Option<u32>,
    notes: &mut Vec<Note>,
) -> Result<Option<DeployTarget>, Problem> {
    let text = |key: &str| -> Result<Option<&str>, Problem> {
        match &service[key] {
            Yaml::BadValue | Yaml::Null => Ok(None),
            Yaml::String(s) => Ok(Some(s.as_str())),
            _ => Err(Problem::new(
                line,
                format!("the service's `{key}` is not a string; Render will reject the Blueprint; quote the value"),
            )),
        }
    };
    let kind = text("type")?;
    if matches!(kind, Some("keyvalue" | "redis")) {
        return Ok(None);
    }
    let app = text("name")?
        .map(str::to_owned)
        .unwrap_or_else(|| dir_name(dir_of(path), "app"));
    // `env` is the deprecated spelling of `runtime`.
    let runtime = match text("runtime")? {
        Some(r) => Some(r),
        None => text("env")?,
    };
    let root_dir = match text("rootDir")? {
        None => None,
        Some(dir) => match resolve("", dir) {
            Some(dir) => Some(dir).filter(|d| !d.is_empty()),
            None => {
                notes.push(escapes(path, line, "rootDir"));
                return Ok(Some(integration(
                    Platform::Render,
                    app,
                    path,
                    line,
                    branches(service, line)?,
                    PathFilter::All,
                    Build::Unknown,
                )));
            }
        },
    };
    // Docker paths, the publish path and the commands are relative to `rootDir` when it is
    // set (render.com/docs/monorepo-support, "Root-relative settings"), else to the
    // repository root.
    let base = root_dir.clone().unwrap_or_default();
    let build = match runtime {
        Some("docker") => {
            let file = text("dockerfilePath")?.unwrap_or("./Dockerfile");
            let context = text("dockerContext")?.unwrap_or(".");
            match (resolve(&base, file), resolve(&base, context)) {
                (Some(file), Some(context)) if !file.is_empty() => docker(file, context),
                _ => {
                    notes.push(escapes(path, line, "dockerfilePath` or `dockerContext"));
                    Build::Unknown
                }
            }
        }
        Some("image") => Build::Image(image_url(service, line)?),
        Some("static") => match resolve(&base, text("staticPublishPath")?.unwrap_or(".")) {
            Some(dir) => Build::Site(dir),
            None => {
                notes.push(escapes(path, line, "staticPublishPath"));
                Build::Unknown
            }
        },
        Some(other) => Build::Buildpack(other.to_owned()),
        None if !service["image"].is_badvalue() => Build::Image(image_url(service, line)?),
        None => Build::Unknown,
    };
    // A prebuilt image is pulled, not built from a push: autoDeploy has no effect on it
    // (blueprint-spec, `image`).
    let (branches, paths) = if let Build::Image(_) = build {
        (Branches::None, PathFilter::All)
    } else {
        (
            branches(service, line)?,
            path_filter(service, root_dir, line)?,
        )
    };
    Ok(Some(integration(
        Platform::Render,
        app,
        path,
        line,
        branches,
        paths,
        build,
    )))
}

fn escapes(path: &str, line: Option<u32>, key: &str) -> Note {
    note(
        Severity::Warn,
        path,
        line,
        format!("the service's `{key}` points outside the repository; the Render build will fail; give a path inside the repository"),
    )
}

fn image_url(service: &Yaml, line: Option<u32>) -> Result<String, Problem> {
    service["image"]["url"].as_str().map(str::to_owned).ok_or_else(|| {
        Problem::new(
            line,
            "an image service has no `image.url`; Render will reject the Blueprint; give the image as `image: {url: ...}`",
        )
    })
}

/// `branch` (else the repository's default branch), unless autodeploy is off:
/// `autoDeployTrigger: off`, or `autoDeploy: false` when no trigger is given (the trigger
/// replaces the older boolean). `checksPass` still deploys the push, once its checks pass.
fn branches(service: &Yaml, line: Option<u32>) -> Result<Branches, Problem> {
    let off = match &service["autoDeployTrigger"] {
        Yaml::String(t) => t == "off",
        Yaml::Boolean(on) => !on,
        Yaml::BadValue | Yaml::Null => service["autoDeploy"].as_bool() == Some(false),
        _ => {
            return Err(Problem::new(
                line,
                "the service's `autoDeployTrigger` is not one of commit, checksPass, off; Render will reject the Blueprint; pick one",
            ))
        }
    };
    if off {
        return Ok(Branches::None);
    }
    Ok(match &service["branch"] {
        Yaml::String(b) => Branches::Named(vec![b.clone()]),
        Yaml::BadValue | Yaml::Null => Branches::Default,
        _ => {
            return Err(Problem::new(
                line,
                "the service's `branch` is not a string; Render will reject the Blueprint; quote the branch name",
            ))
        }
    })
}

/// `rootDir` and `buildFilter: {paths, ignoredPaths}`; the globs are kept as written.
fn path_filter(
    service: &Yaml,
    root_dir: Option<String>,
    line: Option<u32>,
) -> Result<PathFilter, Problem> {
    let list = |key: &str| -> Result<Vec<String>, Problem> {
        match &service["buildFilter"][key] {
            Yaml::BadValue | Yaml::Null => Ok(Vec::new()),
            Yaml::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_str().map(str::to_owned).ok_or_else(|| {
                        Problem::new(line, format!("`buildFilter.{key}` holds a value that is not a string; Render will reject the Blueprint; list glob patterns"))
                    })
                })
                .collect(),
            _ => Err(Problem::new(
                line,
                format!("`buildFilter.{key}` is not a list; Render will reject the Blueprint; list glob patterns"),
            )),
        }
    };
    let (paths, ignored) = (list("paths")?, list("ignoredPaths")?);
    if root_dir.is_none() && paths.is_empty() && ignored.is_empty() {
        return Ok(PathFilter::All);
    }
    Ok(PathFilter::Render {
        root_dir,
        paths,
        ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::target::DockerBuild;

    const MONOREPO: &str = "\
# Blueprint for the shop
previews:
  generation: automatic
services:
  - type: web
    name: shop-api
    runtime: docker
    rootDir: services/api
    dockerfilePath: ./deploy/Dockerfile
    dockerContext: ..
    branch: production
    buildFilter:
      paths:
        - services/api/**
        - libs/shared/**
      ignoredPaths:
        - '**/*.test.ts'
    envVars:
      - key: DATABASE_URL
        fromDatabase: { name: shop-db, property: connectionString }
  - type: worker
    name: shop-jobs
    env: python
    repo: https://github.com/example/shop.git
    autoDeploy: false
    buildCommand: pip install -r requirements.txt
  - type: web
    name: shop-site
    runtime: static
    rootDir: ./services/site/
    staticPublishPath: ./public
    autoDeployTrigger: checksPass
    autoDeploy: false
  - type: pserv
    name: shop-search
    runtime: image
    image:
      url: docker.io/getmeili/meilisearch:v1.7
  - type: keyvalue
    name: shop-cache
    ipAllowList: []
  - type: cron
    name: shop-nightly
    runtime: docker
    schedule: '0 3 * * *'
    autoDeployTrigger: 'off'
    someFutureKey: [1, 2]
databases:
  - name: shop-db
";

    #[test]
    fn a_monorepo_blueprint() {
        let r = read("render.yaml", MONOREPO);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        let names: Vec<&str> = r.targets.iter().map(|t| t.app.as_str()).collect();
        assert_eq!(
            names,
            [
                "shop-api",
                "shop-jobs",
                "shop-site",
                "shop-search",
                "shop-nightly"
            ]
        );

        let api = &r.targets[0];
        assert_eq!(api.line, Some(5));
        assert_eq!(api.platform, Platform::Render);
        assert_eq!(api.branches, Branches::Named(vec!["production".into()]));
        assert_eq!(
            api.paths,
            PathFilter::Render {
                root_dir: Some("services/api".into()),
                paths: vec!["services/api/**".into(), "libs/shared/**".into()],
                ignored: vec!["**/*.test.ts".into()],
            }
        );
        assert_eq!(
            api.build,
            Build::Docker(DockerBuild {
                dockerfile: "services/api/deploy/Dockerfile".into(),
                context: "services".into(),
                ..Default::default()
            })
        );

        let jobs = &r.targets[1];
        assert_eq!(jobs.line, Some(21));
        assert_eq!(jobs.branches, Branches::None);
        assert_eq!(jobs.build, Build::Buildpack("python".into()));
        assert_eq!(jobs.paths, PathFilter::All);

        let site = &r.targets[2];
        assert_eq!(site.branches, Branches::Default, "autoDeployTrigger wins");
        assert_eq!(site.build, Build::Site("services/site/public".into()));
        assert_eq!(
            site.paths,
            PathFilter::Render {
                root_dir: Some("services/site".into()),
                paths: vec![],
                ignored: vec![]
            }
        );

        let search = &r.targets[3];
        assert_eq!(
            search.build,
            Build::Image("docker.io/getmeili/meilisearch:v1.7".into())
        );
        assert_eq!(search.branches, Branches::None);

        let nightly = &r.targets[4];
        assert_eq!(nightly.branches, Branches::None);
        assert_eq!(nightly.build, docker("Dockerfile".into(), String::new()));
    }

    #[test]
    fn project_environments_and_defaults() {
        let text = "projects:\n  - name: app\n    environments:\n      - name: production\n        services:\n          - type: web\n            runtime: node\n            buildCommand: npm ci\n";
        let r = read("render.yaml", text);
        assert_eq!(r.targets.len(), 1);
        assert_eq!(r.targets[0].app, "app");
        assert_eq!(r.targets[0].line, Some(6));
        assert_eq!(r.targets[0].build, Build::Buildpack("node".into()));
        assert_eq!(r.targets[0].branches, Branches::Default);
        assert_eq!(read("render.yaml", "").targets, vec![]);
        assert_eq!(
            read("render.yaml", "databases:\n  - name: db\n"),
            Read::default()
        );
    }

    #[test]
    fn paths_escaping_the_repository() {
        let text = "services:\n  - type: web\n    name: a\n    runtime: docker\n    dockerContext: ../..\n  - type: web\n    name: b\n    runtime: node\n    rootDir: ../elsewhere\n";
        let r = read("render.yaml", text);
        assert_eq!(r.targets.len(), 2);
        assert_eq!(r.targets[0].build, Build::Unknown);
        assert_eq!(r.targets[1].build, Build::Unknown);
        assert_eq!(r.notes.len(), 2);
        assert_eq!(r.notes[0].line, Some(2));
        assert_eq!(r.notes[1].line, Some(6));
        assert!(r.notes.iter().all(|n| n.severity == Severity::Warn));
    }

    #[test]
    fn malformed_blueprints_give_one_warning() {
        let r = read("render.yaml", "services:\n  - type: web\n    name: [a\n");
        assert!(r.targets.is_empty());
        assert_eq!(r.notes.len(), 1);
        assert!(r.notes[0].message.contains("YAML"));
        let r = read("render.yaml", "services:\n  type: web\n");
        assert_eq!(r.notes.len(), 1);
        assert_eq!(r.notes[0].line, Some(1));
        let r = read("render.yaml", "services:\n  - type: web\n  - web\n");
        assert_eq!((r.targets.len(), r.notes[0].line), (0, Some(3)));
        let r = read(
            "render.yaml",
            "services:\n  - type: web\n    name: a\n    branch: [main]\n",
        );
        assert_eq!(r.notes.len(), 1);
        let r = read(
            "render.yaml",
            "services:\n  - type: web\n    runtime: node\n    buildFilter:\n      paths: src/**\n",
        );
        assert_eq!((r.targets.len(), r.notes.len()), (0, 1));
        let r = read(
            "render.yaml",
            "services:\n  - type: web\n    runtime: image\n",
        );
        assert_eq!(r.notes.len(), 1);
        assert_eq!(read("render.yaml", "- a\n").notes.len(), 1);
    }
}
