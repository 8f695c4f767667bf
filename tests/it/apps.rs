//! Per-app rebuild prediction from each app's own Dockerfile and .dockerignore, through real
//! repositories: `pushguard explain --format json` on commit ranges, and real pushes with the
//! hook installed.

use crate::common;

use common::{Sandbox, TestRepo, PUSHGUARD};
use serde_json::Value;

/// `pushguard explain --format json RANGE` in `repo`.
fn explain(repo: &TestRepo<'_>, range: &str) -> Value {
    let out = common::run(
        repo.sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["explain", "--format", "json", range]),
    );
    assert!(out.status.success(), "{}", common::describe(&out));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", common::describe(&out)))
}

/// The app named `name` of an explain document.
fn app<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no app {name} in {doc:#}"))
}

/// The step at `line` of an app.
fn step(app: &Value, line: u64) -> &Value {
    app["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["line"] == line)
        .unwrap_or_else(|| panic!("no step at line {line} in {app:#}"))
}

/// The lines of the steps with `status`.
fn lines_with(app: &Value, status: &str) -> Vec<u64> {
    app["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == status)
        .map(|s| s["line"].as_u64().unwrap())
        .collect()
}

const PYTHON: &str = "FROM python:3.12-slim\n\
WORKDIR /app\n\
COPY requirements.txt .\n\
RUN pip install -r requirements.txt\n\
COPY . .\n\
CMD [\"python\", \"main.py\"]\n";

/// A repository with `files` committed and pushed to main, hook installed.
fn pushed<'s>(sandbox: &'s Sandbox, files: &[(&str, &str)]) -> TestRepo<'s> {
    let repo = sandbox.repo("app");
    repo.commit_files("initial", files);
    repo.install_hook();
    let r = repo.push(&["-u", "origin", "main"]);
    assert!(r.success(), "{r:?}");
    repo
}

#[test]
fn a_first_build_reruns_every_step_after_the_first() {
    // No previous build: BuildKit has no cache to reuse, so every step runs, each after the
    // first, whatever files the push holds.
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    let mut files: Vec<(String, String)> = vec![
        ("Dockerfile".into(), PYTHON.into()),
        ("requirements.txt".into(), "flask==3.0.0\n".into()),
        ("fly.toml".into(), "app = \"app\"\n".into()),
    ];
    files.extend((0..200).map(|i| (format!("src/m{i}.py"), format!("x = {i}\n"))));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    repo.commit_files("initial", &refs);
    let doc = explain(&repo, "main");
    let a = app(&doc, "app");
    assert_eq!(a["tier"], "full", "{a:#}");
    assert_eq!(lines_with(a, "rerun"), [1, 2, 3, 4, 5], "{a:#}");
    assert_eq!(step(a, 1)["reason"], "no previous build to reuse");
    for line in 2..=5 {
        assert_eq!(
            step(a, line)["reason"],
            "follows line 1, which re-runs",
            "{a:#}"
        );
    }
}

#[test]
fn single_stage_targeted_requirements_copy() {
    let sandbox = Sandbox::new();
    let repo = pushed(
        &sandbox,
        &[
            ("Dockerfile", PYTHON),
            ("requirements.txt", "flask==3.0.0\n"),
            ("main.py", "print(1)\n"),
        ],
    );
    repo.commit_files("code", &[("main.py", "print(2)\n")]);
    let doc = explain(&repo, "HEAD^!");
    assert_eq!(doc["version"], 1);
    let a = app(&doc, "app");
    assert_eq!(a["context"], ".");
    assert_eq!(a["dockerfile"], "Dockerfile");
    assert_eq!(a["target"], Value::Null);
    assert_eq!(a["tier"], "incremental");
    assert_eq!(a["build_seconds"], 45);
    assert_eq!(a["affected"], true);
    assert_eq!(lines_with(a, "rerun"), [5]);
    assert_eq!(step(a, 5)["reason"], "main.py changed");
    assert_eq!(step(a, 4)["status"], "cached");
    assert_eq!(step(a, 4)["kind"], "dependencies");

    repo.commit_files("deps", &[("requirements.txt", "flask==3.1.0\n")]);
    let a = explain(&repo, "HEAD^!")["apps"][0].clone();
    assert_eq!(a["tier"], "partial");
    assert_eq!(lines_with(&a, "rerun"), [3, 4, 5]);
    assert_eq!(step(&a, 3)["reason"], "requirements.txt changed");
    assert_eq!(step(&a, 4)["reason"], "follows line 3, which re-runs");

    // Both commits together, through a real push.
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    // The path rules agree, so the ref line keeps their reason; the app line names the step.
    assert!(
        r.stderr.contains(
            "2 commits, 2 files  PARTIAL rebuild (~120 s build, ~3 min deploy): dependencies \
             changed in 1 commit (requirements.txt)\n    app  partial: requirements.txt -> RUN \
             pip install -r requirements.txt (line 4) and 2 more steps\n"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn copy_dot_copies_the_dockerfile_itself_unless_dockerignored() {
    let sandbox = Sandbox::new();
    let repo = pushed(
        &sandbox,
        &[
            ("Dockerfile", PYTHON),
            ("requirements.txt", "flask\n"),
            ("main.py", "print(1)\n"),
        ],
    );
    // A comment-only edit changes no instruction, but `COPY . .` copies the Dockerfile.
    repo.commit_files(
        "force rebuild",
        &[("Dockerfile", &format!("# rebuild please\n{PYTHON}"))],
    );
    let a = explain(&repo, "HEAD^!")["apps"][0].clone();
    assert_eq!(a["dockerfile_copied"], true);
    assert_eq!(a["tier"], "incremental");
    assert_eq!(lines_with(&a, "rerun"), [6]);
    assert_eq!(step(&a, 6)["reason"], "Dockerfile changed");
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("1 commit, 1 file  INCREMENTAL rebuild"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "note: Dockerfile is copied only by COPY . . (line 6): an incremental rebuild, \
             not full"
        ),
        "{}",
        r.stderr
    );

    // Once .dockerignore lists it, the same edit re-runs nothing.
    repo.commit_files(
        "ignore",
        &[(".dockerignore", "Dockerfile\n.dockerignore\n")],
    );
    assert!(repo.push(&["origin", "main"]).success());
    repo.commit_files("comment", &[("Dockerfile", &format!("# again\n{PYTHON}"))]);
    let a = explain(&repo, "HEAD^!")["apps"][0].clone();
    assert_eq!(a["dockerfile_copied"], false);
    assert_eq!(a["tier"], "none");
    assert_eq!(a["affected"], false);
    let r = repo.push(&["origin", "main"]);
    assert!(
        r.stderr.contains("1 commit, 1 file  NO rebuild"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "note: Dockerfile changed, but none of its instructions did (comments or \
             whitespace only) and it is not copied into the image: no rebuild"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn dockerignore_negations_decide_what_reaches_the_build() {
    let sandbox = Sandbox::new();
    let repo = pushed(
        &sandbox,
        &[
            ("Dockerfile", PYTHON),
            (
                ".dockerignore",
                "# docs never reach the image\n*.md\n!README.md\ndocs/\nrequirements-dev.txt\n",
            ),
            ("requirements.txt", "flask\n"),
            ("requirements-dev.txt", "pytest\n"),
            ("README.md", "hi\n"),
            ("NOTES.md", "n\n"),
            ("docs/guide.md", "g\n"),
            ("main.py", "print(1)\n"),
        ],
    );
    let tier_of = |files: &[(&str, &str)]| {
        repo.commit_files("change", files);
        let a = explain(&repo, "HEAD^!")["apps"][0].clone();
        a["tier"].as_str().unwrap().to_owned()
    };
    assert_eq!(tier_of(&[("NOTES.md", "n2\n")]), "none");
    assert_eq!(tier_of(&[("docs/guide.md", "g2\n")]), "none");
    assert_eq!(tier_of(&[("README.md", "hi2\n")]), "incremental");
    assert_eq!(tier_of(&[("requirements-dev.txt", "pytest==8\n")]), "none");
    assert!(repo.push(&["origin", "main"]).success());

    // The path rules call a dev-requirements change partial; the Dockerfile says nothing
    // re-runs, and the report says why.
    repo.commit_files("dev deps", &[("requirements-dev.txt", "pytest==9\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("1 commit, 1 file  NO rebuild"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "note: requirements-dev.txt changed, but .dockerignore excludes it (line 5 \
             `requirements-dev.txt`): no rebuild"
        ),
        "{}",
        r.stderr
    );

    // Un-ignoring docs/ brings the unchanged docs into the context: `COPY . .` re-runs.
    repo.commit_files(
        "docs in",
        &[(
            ".dockerignore",
            "*.md\n!README.md\n!docs/**\nrequirements-dev.txt\n",
        )],
    );
    let a = explain(&repo, "HEAD^!")["apps"][0].clone();
    assert_eq!(a["tier"], "incremental");
    assert_eq!(lines_with(&a, "rerun"), [5]);
    assert!(repo.push(&["origin", "main"]).success());

    // `Dockerfile.dockerignore` next to the Dockerfile takes precedence over .dockerignore.
    repo.commit_files("own ignore", &[("Dockerfile.dockerignore", "NOTES.md\n")]);
    assert!(repo.push(&["origin", "main"]).success());
    assert_eq!(tier_of(&[("NOTES.md", "n3\n")]), "none");
    assert_eq!(
        tier_of(&[("requirements-dev.txt", "pytest==10\n")]),
        "incremental"
    );
}

#[test]
fn an_arg_default_change_reruns_from_its_first_use() {
    let sandbox = Sandbox::new();
    let dockerfile = "FROM python:3.12-slim\n\
        RUN apt-get update && apt-get install -y curl\n\
        COPY requirements.txt .\n\
        RUN pip install -r requirements.txt\n\
        ARG APP_VERSION=1.0\n\
        COPY . .\n\
        RUN echo \"$APP_VERSION\" > /version\n\
        RUN python -m compileall .\n";
    let repo = pushed(
        &sandbox,
        &[
            ("Dockerfile", dockerfile),
            (".dockerignore", "Dockerfile\n"),
            ("requirements.txt", "flask\n"),
        ],
    );
    repo.commit_files("bump", &[("Dockerfile", &dockerfile.replace("1.0", "1.1"))]);
    let a = explain(&repo, "HEAD^!")["apps"][0].clone();
    assert_eq!(lines_with(&a, "rerun"), [7, 8]);
    assert_eq!(step(&a, 7)["reason"], "ARG APP_VERSION changed (line 5)");
    assert_eq!(step(&a, 6)["status"], "cached");
    assert_eq!(a["tier"], "incremental");

    // Near the top, a cache-busting ARG re-runs the system packages: full.
    let busted = dockerfile.replace("RUN apt-get", "ARG CACHEBUST=1\nRUN apt-get");
    repo.commit_files("bust", &[("Dockerfile", &busted)]);
    assert!(repo.push(&["origin", "main"]).success());
    repo.commit_files("bust again", &[("Dockerfile", &busted.replace("=1", "=2"))]);
    let a = explain(&repo, "HEAD^!")["apps"][0].clone();
    assert_eq!(a["tier"], "full");
    assert_eq!(step(&a, 3)["reason"], "ARG CACHEBUST changed (line 2)");
    assert_eq!(step(&a, 3)["kind"], "system_packages");
}

#[test]
fn heredoc_runs_are_read_as_scripts() {
    let sandbox = Sandbox::new();
    let dockerfile = "FROM debian:12\n\
        RUN <<EOF\n\
        set -e\n\
        apt-get update\n\
        apt-get install -y curl\n\
        EOF\n\
        COPY app.sh /app.sh\n";
    let repo = pushed(
        &sandbox,
        &[("Dockerfile", dockerfile), ("app.sh", "echo 1\n")],
    );
    repo.commit_files(
        "add git",
        &[("Dockerfile", &dockerfile.replace("curl", "curl git"))],
    );
    let a = explain(&repo, "HEAD^!")["apps"][0].clone();
    assert_eq!(a["tier"], "full");
    assert_eq!(step(&a, 2)["kind"], "system_packages");
    assert_eq!(step(&a, 2)["reason"], "instruction changed");
    assert_eq!(lines_with(&a, "rerun"), [2, 7]);
    assert_eq!(step(&a, 1)["status"], "cached");
}

const GO_MULTI: &str = "FROM golang:1.22 AS build\n\
WORKDIR /src\n\
COPY go.mod go.sum ./\n\
RUN go mod download\n\
COPY . .\n\
RUN go build -o /out/app .\n\
FROM alpine:3.20 AS debug\n\
RUN apk add --no-cache delve\n\
FROM gcr.io/distroless/static AS runtime\n\
COPY --from=build /out/app /app\n\
ENTRYPOINT [\"/app\"]\n";

#[test]
fn multi_stage_copy_from_and_a_fly_build_target() {
    let sandbox = Sandbox::new();
    let repo = pushed(
        &sandbox,
        &[
            ("Dockerfile", GO_MULTI),
            (
                "fly.toml",
                "app = \"goapp\"\nprimary_region = \"ams\"\n[build]\nbuild-target = \"runtime\"\n[http_service]\ninternal_port = 8080\n",
            ),
            ("go.mod", "module x\n"),
            ("go.sum", ""),
            ("main.go", "package main\n"),
        ],
    );
    repo.commit_files("code", &[("main.go", "package main\n\nfunc main() {}\n")]);
    let doc = explain(&repo, "HEAD^!");
    let a = app(&doc, "goapp");
    assert_eq!(a["target"], "runtime");
    assert_eq!(a["tier"], "incremental");
    assert_eq!(lines_with(a, "rerun"), [5, 6, 10]);
    assert_eq!(lines_with(a, "skipped"), [7, 8]);
    assert_eq!(
        step(a, 10)["reason"],
        "reads from stage `build`, which re-runs"
    );
    assert_eq!(step(a, 10)["stage"], "runtime");

    repo.commit_files("deps", &[("go.sum", "x v1 h1:abc\n")]);
    let doc = explain(&repo, "HEAD^!");
    let a = app(&doc, "goapp");
    assert_eq!(a["tier"], "partial");
    assert_eq!(lines_with(a, "rerun"), [3, 4, 5, 6, 10]);
}

#[test]
fn two_fly_apps_in_one_repository() {
    let sandbox = Sandbox::new();
    let repo = pushed(
        &sandbox,
        &[
            ("apps/backend-rag/fly.toml", "app = \"backend-rag\"\n"),
            ("apps/backend-rag/Dockerfile", PYTHON),
            ("apps/backend-rag/requirements.txt", "fastapi\n"),
            ("apps/backend-rag/main.py", "print(1)\n"),
            ("apps/webapp-next/fly.toml", "app = \"webapp-next\"\n[build]\ndockerfile = \"docker/Dockerfile\"\n"),
            (
                "apps/webapp-next/docker/Dockerfile",
                "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n",
            ),
            ("apps/webapp-next/package.json", "{}\n"),
            ("apps/webapp-next/package-lock.json", "{}\n"),
            ("README.md", "monorepo\n"),
        ],
    );
    repo.commit_files(
        "deps",
        &[("apps/backend-rag/requirements.txt", "fastapi\nchromadb\n")],
    );
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains(
            "    apps/backend-rag  partial: apps/backend-rag/requirements.txt -> RUN pip \
             install -r requirements.txt (line 4) and 2 more steps"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("    not affected: apps/webapp-next"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("PARTIAL rebuild (~120 s build"),
        "{}",
        r.stderr
    );

    // Outside both build contexts: nothing is rebuilt, whatever the path rules say.
    repo.commit_files("docs", &[("README.md", "monorepo, documented\n")]);
    let doc = explain(&repo, "HEAD^!");
    assert_eq!(app(&doc, "backend-rag")["affected"], false);
    assert_eq!(app(&doc, "webapp-next")["affected"], false);
    assert_eq!(
        app(&doc, "webapp-next")["dockerfile"],
        "apps/webapp-next/docker/Dockerfile"
    );
    assert_eq!(app(&doc, "webapp-next")["context"], "apps/webapp-next");
    let r = repo.push(&["origin", "main"]);
    assert!(
        r.stderr.contains("1 commit, 1 file  NO rebuild"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("note: README.md is outside every app's build context: no rebuild"),
        "{}",
        r.stderr
    );

    // A change in the web app only; the text explain lists its steps.
    repo.commit_files(
        "web",
        &[("apps/webapp-next/page.tsx", "export default 1\n")],
    );
    let out = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["explain", "HEAD^!"]),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "app backend-rag (context apps/backend-rag, apps/backend-rag/Dockerfile): not affected"
        ),
        "{text}"
    );
    assert!(
        text.contains("INCREMENTAL rebuild (~45 s build): 2 of 6 steps re-run"),
        "{text}"
    );
    assert!(text.contains("re-run (page.tsx changed)"), "{text}");
}

#[test]
fn apps_declared_in_pushguard_toml_with_their_own_branches() {
    let sandbox = Sandbox::new();
    let repo = pushed(
        &sandbox,
        &[
            (
                "pushguard.toml",
                "[[app]]\nname = \"api\"\ncontext = \"services/api\"\n\n\
                 [[app]]\nname = \"worker\"\ncontext = \"services/worker\"\n\
                 dockerfile = \"docker/worker.Dockerfile\"\nbranches = [\"worker-prod\"]\n",
            ),
            ("services/api/Dockerfile", PYTHON),
            ("services/api/requirements.txt", "flask\n"),
            ("docker/worker.Dockerfile", "FROM python:3.12\nCOPY . /w\n"),
            ("services/worker/job.py", "1\n"),
        ],
    );
    repo.commit_files("job", &[("services/worker/job.py", "2\n")]);
    // main deploys only `api`, which this change does not touch.
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("1 commit, 1 file  NO rebuild"),
        "{}",
        r.stderr
    );
    // worker-prod deploys `worker` (and is a deploy branch only because of it).
    repo.commit_files("job again", &[("services/worker/job.py", "3\n")]);
    let r = repo.push(&["origin", "main:worker-prod"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("INCREMENTAL rebuild"), "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "    services/worker  incremental: services/worker/job.py -> COPY . /w (line 2)"
        ),
        "{}",
        r.stderr
    );
    let doc = explain(&repo, "HEAD^!");
    assert_eq!(app(&doc, "worker")["tier"], "incremental");
    assert_eq!(app(&doc, "api")["tier"], "none");
}

#[test]
fn a_dockerfile_that_does_not_parse_is_a_finding_not_a_crash() {
    let sandbox = Sandbox::new();
    let repo = pushed(
        &sandbox,
        &[
            ("Dockerfile", PYTHON),
            ("requirements.txt", "flask\n"),
            ("main.py", "1\n"),
        ],
    );
    repo.commit_files(
        "broken",
        &[(
            "Dockerfile",
            "FROM python:3.12\nRUN <<EOF\necho unterminated\n",
        )],
    );
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("app-build"), "{}", r.stderr);
    assert!(r.stderr.contains("does not parse"), "{}", r.stderr);
    assert!(r.stderr.contains("Dockerfile:"), "{}", r.stderr);
    // The path rules decide instead: a Dockerfile change is full.
    assert!(r.stderr.contains("FULL rebuild"), "{}", r.stderr);
    let doc = explain(&repo, "HEAD^!");
    let a = app(&doc, "app");
    assert_eq!(a["tier"], Value::Null);
    assert!(a["error"]["message"]
        .as_str()
        .unwrap()
        .contains("does not parse"));
    assert_eq!(a["error"]["line"], 2);

    // A broken fly.toml is a note too.
    repo.commit_files("fly", &[("fly.toml", "app = \"x\"\n[build\n")]);
    let doc = explain(&repo, "HEAD^!");
    let note = &doc["notes"][0];
    assert_eq!(note["path"], "fly.toml");
    assert_eq!(note["line"], 2);
    assert!(note["message"]
        .as_str()
        .unwrap()
        .contains("does not parse as TOML"));
}

#[test]
fn explain_defaults_to_the_unpushed_commits_and_names_no_apps_when_there_are_none() {
    let sandbox = Sandbox::new();
    let repo = pushed(&sandbox, &[("main.py", "1\n")]);
    repo.commit_files("code", &[("main.py", "2\n")]);
    let out = common::run(sandbox.cmd(PUSHGUARD, &repo.path).args(["explain"]));
    assert!(out.status.success(), "{}", common::describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(0 apps)"), "{text}");
    assert!(text.contains("no app found"), "{text}");
    // Without apps or any deploy configuration, nothing says what a build would do: the
    // push counts as a deploy of main, without an invented rebuild tier.
    let r = repo.push(&["origin", "main"]);
    assert!(r.stderr.contains("1 commit, 1 file  deploys, no rebuild estimate (no Dockerfile, [[app]] or deploy configuration found"), "{}", r.stderr);
    assert!(!r.stderr.contains("rebuild ("), "{}", r.stderr);
}

#[test]
fn hostile_names_are_escaped_in_app_output() {
    let sandbox = Sandbox::new();
    let repo = pushed(
        &sandbox,
        &[
            ("svc\x1b[31m/fly.toml", "app = \"red\\u001b[0m\"\n"),
            ("svc\x1b[31m/Dockerfile", "FROM alpine\nCOPY . .\n"),
            ("other/fly.toml", "app = \"other\"\n"),
            ("other/Dockerfile", "FROM alpine\nCOPY . .\n"),
        ],
    );
    repo.commit_files("evil", &[("svc\x1b[31m/evil\x1b[2J.py", "1\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    let ours: String = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("    ") || l.contains("->"))
        .collect();
    assert!(!ours.contains('\x1b'), "{:?}", r.stderr);
    assert!(
        ours.contains("svc\\e[31m  incremental: svc\\e[31m/evil\\e[2J.py"),
        "{ours}"
    );
    let out = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["explain", "HEAD^!"]),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.contains("red\\e[0m"), "{text}");
    assert!(text.contains("re-run (evil\\e[2J.py changed)"), "{text}");
}

/// The apps an explain document names.
fn app_names(doc: &Value) -> Vec<String> {
    doc["apps"]
        .as_array()
        .map(|apps| {
            apps.iter()
                .filter_map(|a| a["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn fly_toml_is_read_as_flyctl_reads_it() {
    // Empty strings are unset: no false "Dockerfile not in the commit" for `dockerfile = ''`
    // or `build_target = ''`.
    let sandbox = Sandbox::new();
    let fly = "app = \"api\"\n\n[build]\n  dockerfile = ''\n  build_target = ''\n";
    let repo = pushed(
        &sandbox,
        &[
            ("fly.toml", fly),
            ("Dockerfile", PYTHON),
            ("requirements.txt", "flask==3.0.0\n"),
            ("main.py", "print(1)\n"),
        ],
    );
    repo.commit_files("code", &[("main.py", "print(2)\n")]);
    let doc = explain(&repo, "HEAD^!");
    let a = app(&doc, "api");
    assert_eq!(a["dockerfile"], "Dockerfile");
    assert_eq!(a["target"], Value::Null);
    let r = repo.push(&["origin", "main"]);
    assert!(!r.stderr.contains("app-build"), "{}", r.stderr);

    // A prebuilt image is deployed as it is: the Dockerfile beside it is not built.
    let sandbox = Sandbox::new();
    let fly = "app = \"api\"\n\n[build]\n  image = \"registry.example.com/api:latest\"\n";
    let repo = pushed(
        &sandbox,
        &[
            ("fly.toml", fly),
            ("Dockerfile", PYTHON),
            ("main.py", "print(1)\n"),
        ],
    );
    repo.commit_files("code", &[("main.py", "print(2)\n")]);
    assert!(!app_names(&explain(&repo, "HEAD^!")).contains(&"api".to_owned()));

    // A buildpack builder wins over a Dockerfile.
    let sandbox = Sandbox::new();
    let fly = "app = \"api\"\n\n[build]\n  builder = \"paketobuildpacks/builder:base\"\n";
    let repo = pushed(
        &sandbox,
        &[
            ("fly.toml", fly),
            ("Dockerfile", PYTHON),
            ("main.py", "print(1)\n"),
        ],
    );
    repo.commit_files("code", &[("main.py", "print(2)\n")]);
    assert!(!app_names(&explain(&repo, "HEAD^!")).contains(&"api".to_owned()));

    // flyctl tries `Dockerfile`, then `dockerfile`.
    let sandbox = Sandbox::new();
    let repo = pushed(
        &sandbox,
        &[
            ("fly.toml", "app = \"api\"\n"),
            ("dockerfile", PYTHON),
            ("requirements.txt", "flask==3.0.0\n"),
            ("main.py", "print(1)\n"),
        ],
    );
    repo.commit_files("code", &[("main.py", "print(2)\n")]);
    let a = app(&explain(&repo, "HEAD^!"), "api").clone();
    assert_eq!(a["dockerfile"], "dockerfile");
    assert_eq!(a["tier"], "incremental");
}

#[test]
fn a_monorepo_app_deployed_from_the_root_builds_with_the_root_as_context() {
    let sandbox = Sandbox::new();
    let dockerfile = "FROM python:3.12-slim\n\
WORKDIR /app\n\
COPY apps/api/requirements.txt .\n\
RUN pip install -r requirements.txt\n\
COPY packages/shared ./shared\n\
COPY apps/api .\n\
CMD [\"python\", \"main.py\"]\n";
    let workflow = "name: api\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: superfly/flyctl-actions/setup-flyctl@master\n      - run: flyctl deploy . --config apps/api/fly.toml --remote-only\n";
    let repo = pushed(
        &sandbox,
        &[
            (".github/workflows/api.yml", workflow),
            (
                "apps/api/fly.toml",
                "app = \"api\"\n\n[build]\n  dockerfile = \"Dockerfile\"\n",
            ),
            ("apps/api/Dockerfile", dockerfile),
            ("apps/api/requirements.txt", "flask==3.0.0\n"),
            ("apps/api/main.py", "print(1)\n"),
            ("packages/shared/util.py", "X = 1\n"),
        ],
    );
    repo.commit_files("shared fix", &[("packages/shared/util.py", "X = 2\n")]);
    let doc = explain(&repo, "HEAD^!");
    let a = app(&doc, "api");
    assert_eq!(a["context"], ".", "{a:#}");
    assert_eq!(a["dockerfile"], "apps/api/Dockerfile");
    assert_eq!(a["tier"], "incremental", "{a:#}");
    assert_eq!(step(a, 5)["status"], "rerun", "{a:#}");
    assert_eq!(step(a, 4)["status"], "cached", "{a:#}");
}

#[test]
fn a_fly_config_named_only_by_a_workflow_is_an_app() {
    let sandbox = Sandbox::new();
    let workflow = "on:\n  push:\n    branches: [main]\njobs:\n  staging:\n    runs-on: ubuntu-latest\n    steps:\n      - run: flyctl deploy --remote-only -c fly.staging.toml\n";
    let repo = pushed(
        &sandbox,
        &[
            (".github/workflows/cd.yaml", workflow),
            ("fly.staging.toml", "app = \"api-staging\"\n"),
            ("Dockerfile", PYTHON),
            ("requirements.txt", "flask==3.0.0\n"),
            ("main.py", "print(1)\n"),
        ],
    );
    repo.commit_files("code", &[("main.py", "print(2)\n")]);
    let doc = explain(&repo, "HEAD^!");
    let a = app(&doc, "api-staging");
    assert_eq!(a["context"], ".");
    assert_eq!(a["tier"], "incremental");
}

#[test]
fn a_dockerfile_committed_as_a_link_is_the_file_it_points_at() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    repo.write("deploy/Dockerfile", PYTHON);
    repo.write("requirements.txt", "flask==3.0.0\n");
    repo.write("main.py", "print(1)\n");
    std::os::unix::fs::symlink("deploy/Dockerfile", repo.path.join("Dockerfile")).unwrap();
    repo.commit_all("initial");
    repo.install_hook();
    assert!(repo.push(&["-u", "origin", "main"]).success());
    repo.commit_files("code", &[("main.py", "print(2)\n")]);
    let a = explain(&repo, "HEAD^!")["apps"][0].clone();
    assert_eq!(a["dockerfile"], "deploy/Dockerfile", "{a:#}");
    assert_eq!(a["tier"], "incremental", "{a:#}");
    let r = repo.push(&["origin", "main"]);
    assert!(!r.stderr.contains("app-build"), "{}", r.stderr);
}

#[test]
fn a_copy_through_a_symbolic_link_reruns_when_the_target_changes() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    repo.write(
        "Dockerfile",
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY config /etc/app\nCOPY app.conf /etc/app.conf\n",
    );
    repo.write("requirements.txt", "flask\n");
    repo.write("settings/prod/app.yml", "debug: false\n");
    repo.write("conf/real.conf", "port=1\n");
    std::os::unix::fs::symlink("settings/prod", repo.path.join("config")).unwrap();
    std::os::unix::fs::symlink("conf/real.conf", repo.path.join("app.conf")).unwrap();
    repo.commit_all("initial");
    repo.commit_files("tune", &[("settings/prod/app.yml", "debug: true\n")]);
    let a = explain(&repo, "HEAD^!")["apps"][0].clone();
    assert_eq!(lines_with(&a, "rerun"), [5, 6], "{a:#}");
    repo.commit_files("port", &[("conf/real.conf", "port=2\n")]);
    let a = explain(&repo, "HEAD^!")["apps"][0].clone();
    assert_eq!(lines_with(&a, "rerun"), [6], "{a:#}");
}

#[test]
fn a_link_replaced_by_the_same_bytes_changes_nothing() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    repo.write(
        "Dockerfile",
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY app.conf /etc/app.conf\nRUN echo built\n",
    );
    repo.write("conf/real.conf", "port=1\n");
    std::os::unix::fs::symlink("conf/real.conf", repo.path.join("app.conf")).unwrap();
    repo.commit_all("initial");
    std::fs::remove_file(repo.path.join("app.conf")).unwrap();
    repo.write("app.conf", "port=1\n");
    repo.commit_all("inline the config");
    let a = explain(&repo, "HEAD^!")["apps"][0].clone();
    assert_eq!(lines_with(&a, "rerun"), Vec::<u64>::new(), "{a:#}");
}

#[test]
fn a_file_added_and_removed_within_the_push_is_not_called_outside_the_context() {
    let sandbox = Sandbox::new();
    let repo = pushed(
        &sandbox,
        &[
            ("Dockerfile", "FROM python:3.12-slim\nCOPY app.py .\n"),
            ("app.py", "x = 1\n"),
        ],
    );
    repo.commit_files("pin flask", &[("requirements.txt", "flask==3.0.0\n")]);
    repo.remove("requirements.txt");
    repo.commit_files("not yet", &[("app.py", "x = 2\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    let flat = common::flat(&r.stderr);
    assert!(flat.contains("INCREMENTAL rebuild"), "{}", r.stderr);
    assert!(
        flat.contains("note: requirements.txt changed within the push but is back to what the remote has (added and removed, or changed and reverted), so the build sees no change"),
        "{}",
        r.stderr
    );
    assert!(!flat.contains("outside"), "{}", r.stderr);
}

/// `pushguard calibrate` with a BuildKit plain log written here in its format (the real
/// builder's own logs are read in tests/it/buildkit.rs).
#[test]
fn calibrated_step_times_replace_the_weights() {
    let sandbox = Sandbox::new();
    let repo = pushed(
        &sandbox,
        &[
            ("Dockerfile", PYTHON),
            ("requirements.txt", "flask\n"),
            ("main.py", "print(1)\n"),
            (
                "pushguard.toml",
                "[build]\nestimate = \"steps\"\noverhead_seconds = 5\n",
            ),
        ],
    );
    let pip = PYTHON
        .lines()
        .find(|l| l.starts_with("RUN pip"))
        .expect("the Dockerfile installs with pip");
    let log = format!(
        "#1 [internal] load build definition from Dockerfile\n#1 DONE 0.0s\n\n#7 [3/5] COPY requirements.txt .\n#7 DONE 0.2s\n\n#8 [4/5] {pip}\n#8 1.02 Collecting flask\n#8 DONE 97.4s\n"
    );
    let file = sandbox.path("build.log");
    std::fs::write(&file, log).expect("write");
    let out = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .arg("calibrate")
            .arg(&file),
    );
    assert!(out.status.success(), "{}", common::describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 of 2 timed steps matched Dockerfile"),
        "{}",
        common::describe(&out)
    );
    repo.commit_files("deps", &[("requirements.txt", "flask\nrequests\n")]);
    let out = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["explain", "HEAD^!"]),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("re-run steps timed by `pushguard calibrate`"),
        "{text}"
    );
    // A log that is not BuildKit's says what it expected.
    std::fs::write(&file, "Step 1/5 : FROM python\n").expect("write");
    let out = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .arg("calibrate")
            .arg(&file),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no step that ran was found"),
        "{}",
        common::describe(&out)
    );
}
