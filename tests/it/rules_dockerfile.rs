//! The Dockerfile rules through real pushes: dockerfile-comment-only, cache-bust-arg,
//! secret-in-image, cache-mount-no-id. Each fires on the waste or the leak and stays quiet on
//! the legitimate change next to it.
//!
//! Every test pushes through the real installed hook and reads what it printed; the details
//! (rule, severity, path, line) are read from `pushguard check --format json` over the same
//! commits, so they do not depend on the text layout of the report.

use crate::common;

use common::{Sandbox, TestRepo, PUSHGUARD};
use serde_json::Value;

/// A Python app whose Dockerfile copies the whole context (`COPY . .`), as most do.
const DOCKERFILE: &str = "\
# syntax=docker/dockerfile:1
FROM python:3.11-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends curl \\
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD [\"python\", \"main.py\"]
";

/// The same app with a `.dockerignore` that keeps the Dockerfile out of the context.
const DOCKERIGNORE: &str = ".git\n__pycache__/\nDockerfile\n.dockerignore\n";

/// A repository with the app pushed to `main` before the hook is installed (so the first
/// hooked push is not a "frequent deploy").
fn app<'s>(sandbox: &'s Sandbox, extra: &[(&str, &str)]) -> TestRepo<'s> {
    let repo = sandbox.repo("app");
    let mut files = vec![
        ("Dockerfile", DOCKERFILE),
        ("main.py", "print('hello')\n"),
        ("requirements.txt", "flask==3.0.3\n"),
    ];
    files.extend_from_slice(extra);
    repo.commit_files("initial", &files);
    let r = repo.push(&["-u", "origin", "main"]);
    assert!(r.success(), "{r:?}");
    repo.install_hook();
    repo
}

/// Findings of `pushguard check --format json` over `range`, as pushed to `main`.
fn findings(repo: &TestRepo<'_>, range: &str) -> Vec<Value> {
    let out = common::run(
        repo.sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["check", "--format", "json", range]),
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check output is not JSON ({e}):\n{}",
            common::describe(&out)
        )
    });
    doc["findings"].as_array().cloned().unwrap_or_default()
}

/// The findings of one rule.
fn of<'a>(findings: &'a [Value], rule: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["rule"] == rule).collect()
}

/// The one finding of `rule`, with its severity, path and line checked.
fn the<'a>(findings: &'a [Value], rule: &str, severity: &str, path: &str, line: u64) -> &'a Value {
    let hits = of(findings, rule);
    assert_eq!(hits.len(), 1, "expected one {rule} finding: {findings:#?}");
    let f = hits[0];
    assert_eq!(f["severity"], severity, "{f:#}");
    assert_eq!(f["path"], path, "{f:#}");
    assert_eq!(f["line"], line, "{f:#}");
    f
}

fn message(f: &Value) -> &str {
    f["message"].as_str().unwrap_or_default()
}

/// Commits `files`, pushes to main through the hook; returns the push and the findings of
/// the pushed commits.
fn push_commit(
    repo: &TestRepo<'_>,
    msg: &str,
    files: &[(&str, &str)],
) -> (common::PushResult, Vec<Value>) {
    let before = repo.head();
    repo.commit_files(msg, files);
    let r = repo.push(&["origin", "main"]);
    let f = findings(repo, &format!("{before}..HEAD"));
    (r, f)
}

const DOCKER_RULES: [&str; 4] = [
    "dockerfile-comment-only",
    "cache-bust-arg",
    "secret-in-image",
    "cache-mount-no-id",
];

fn assert_no_docker_findings(r: &common::PushResult, findings: &[Value]) {
    for rule in DOCKER_RULES {
        assert!(of(findings, rule).is_empty(), "{rule}: {findings:#?}");
        assert!(!r.stderr.contains(rule), "{rule}: {}", r.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// dockerfile-comment-only

#[test]
fn a_force_rebuild_comment_pushed_with_source_changes_is_blocked() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    let before = repo.remote_sha("refs/heads/main");
    let dockerfile = format!("{DOCKERFILE}# Force rebuild: Thu Nov  7 14:03:11 UTC 2024\n");
    let (r, f) = push_commit(
        &repo,
        "fix: typo, force rebuild",
        &[
            ("Dockerfile", &dockerfile),
            ("main.py", "print('hello!')\n"),
        ],
    );
    assert_eq!(r.status, 1, "blocked: {r:?}");
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
    assert!(r.stderr.contains("dockerfile-comment-only"), "{}", r.stderr);
    assert!(r.stderr.contains("cannot force a rebuild"), "{}", r.stderr);
    let finding = the(&f, "dockerfile-comment-only", "block", "Dockerfile", 10);
    let m = message(finding);
    assert!(m.contains("changes only comments in Dockerfile"), "{m}");
    assert!(m.contains("# Force rebuild"), "{m}");
    assert!(m.contains("(main.py) already re-run"), "{m}");
    assert!(!m.contains("copied into the image"), "{m}");
}

#[test]
fn a_comment_pushed_alone_warns_that_nothing_is_forced() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    let dockerfile = DOCKERFILE.replace("WORKDIR /app\n", "WORKDIR /app\n\n# deps first\n");
    let (r, f) = push_commit(&repo, "Force full rebuild", &[("Dockerfile", &dockerfile)]);
    assert!(r.success(), "warn does not block: {r:?}");
    assert!(r.stderr.contains("dockerfile-comment-only"), "{}", r.stderr);
    let m = message(the(&f, "dockerfile-comment-only", "warn", "Dockerfile", 5));
    assert!(m.contains("nothing else changes in this push"), "{m}");
}

#[test]
fn a_comment_next_to_a_dependency_change_only_warns() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    // Below the `# syntax=` line: a comment above it would turn the directive into a
    // comment, which is a real change.
    let dockerfile = DOCKERFILE.replacen('\n', "\n# rebuild\n", 1);
    let (r, f) = push_commit(
        &repo,
        "deps",
        &[
            ("Dockerfile", &dockerfile),
            ("requirements.txt", "flask==3.0.3\nopenai==1.12.0\n"),
        ],
    );
    assert!(r.success(), "{r:?}");
    let m = message(the(&f, "dockerfile-comment-only", "warn", "Dockerfile", 2));
    assert!(
        m.contains("decided by the other changes (requirements.txt)"),
        "{m}"
    );
}

#[test]
fn a_dockerfile_copied_by_copy_dot_costs_an_incremental_rebuild_and_says_so() {
    let sandbox = Sandbox::new();
    // No .dockerignore: `COPY . .` takes the Dockerfile in.
    let repo = app(&sandbox, &[]);
    let dockerfile = format!("{DOCKERFILE}# force\n");
    let (r, f) = push_commit(
        &repo,
        "force",
        &[("Dockerfile", &dockerfile), ("main.py", "print(2)\n")],
    );
    assert_eq!(r.status, 1, "{r:?}");
    let finding = the(&f, "dockerfile-comment-only", "block", "Dockerfile", 10);
    let m = message(finding);
    assert!(
        m.contains("copied into the image by `COPY . .` (line 8)"),
        "{m}"
    );
    assert!(m.contains("incremental rebuild"), "{m}");
    assert!(m.contains("cannot force a full rebuild"), "{m}");
    let fact = finding["fact"].as_str().unwrap_or_default();
    assert!(fact.contains("instruction at line 8"), "{fact}");
}

#[test]
fn a_dockerfile_specific_ignore_file_takes_precedence() {
    let sandbox = Sandbox::new();
    // .dockerignore excludes the Dockerfile, but BuildKit reads Dockerfile.dockerignore
    // instead, and that one does not.
    let repo = app(
        &sandbox,
        &[
            (".dockerignore", DOCKERIGNORE),
            ("Dockerfile.dockerignore", ".git\n"),
        ],
    );
    let dockerfile = format!("{DOCKERFILE}# force\n");
    let (_, f) = push_commit(&repo, "force", &[("Dockerfile", &dockerfile)]);
    let m = message(the(&f, "dockerfile-comment-only", "warn", "Dockerfile", 10));
    assert!(m.contains("copied into the image"), "{m}");
}

#[test]
fn a_hash_line_inside_a_heredoc_is_content_not_a_comment() {
    let sandbox = Sandbox::new();
    let heredoc = "FROM python:3.12-slim\nRUN <<EOF\nset -e\npip install flask\nEOF\nCOPY . .\n";
    let repo = app(
        &sandbox,
        &[("Dockerfile", heredoc), (".dockerignore", DOCKERIGNORE)],
    );
    let edited = heredoc.replace("set -e\n", "set -e\n# pin the resolver\n");
    let (r, f) = push_commit(&repo, "script", &[("Dockerfile", &edited)]);
    assert!(r.success(), "{r:?}");
    assert!(of(&f, "dockerfile-comment-only").is_empty(), "{f:#?}");
}

#[test]
fn real_dockerfile_changes_are_not_flagged() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    // A new system package, with a comment explaining it.
    let packages = DOCKERFILE
        .replace(
            "RUN apt-get update",
            "# ffmpeg for audio\nRUN apt-get update",
        )
        .replace("curl \\", "curl ffmpeg \\");
    let (r, f) = push_commit(&repo, "feat: audio", &[("Dockerfile", &packages)]);
    assert!(r.success(), "{r:?}");
    assert_no_docker_findings(&r, &f);
    // A base image upgrade.
    let upgraded = packages.replace("python:3.11-slim", "python:3.12-slim");
    let (r, f) = push_commit(&repo, "chore: python 3.12", &[("Dockerfile", &upgraded)]);
    assert!(r.success(), "{r:?}");
    assert_no_docker_findings(&r, &f);
}

#[test]
fn a_comment_commit_followed_by_a_real_change_in_the_same_push_is_fine() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    let before = repo.head();
    let commented = DOCKERFILE.replace("COPY . .\n", "# app code last\nCOPY . .\n");
    repo.commit_files("docs: explain layers", &[("Dockerfile", &commented)]);
    let changed = commented.replace("curl \\", "curl git \\");
    repo.commit_files("feat: git", &[("Dockerfile", &changed)]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    let f = findings(&repo, &format!("{before}..HEAD"));
    assert!(of(&f, "dockerfile-comment-only").is_empty(), "{f:#?}");
}

#[test]
fn comment_edits_on_a_branch_that_does_not_deploy_are_not_reported() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    repo.git(&["checkout", "-q", "-b", "docs"]);
    repo.commit_files(
        "comment",
        &[("Dockerfile", &format!("{DOCKERFILE}# notes\n"))],
    );
    let r = repo.push(&["origin", "docs"]);
    assert!(r.success(), "{r:?}");
    assert!(
        !r.stderr.contains("dockerfile-comment-only"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// cache-bust-arg

#[test]
fn a_cachebust_arg_above_the_installs_warns_with_what_it_reruns() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    let busted = DOCKERFILE.replace("WORKDIR /app\n", "WORKDIR /app\nARG CACHEBUST=1\n");
    let (r, f) = push_commit(&repo, "bust", &[("Dockerfile", &busted)]);
    assert!(r.success(), "warn: {r:?}");
    assert!(r.stderr.contains("cache-bust-arg"), "{}", r.stderr);
    let m = message(the(&f, "cache-bust-arg", "warn", "Dockerfile", 4));
    assert!(m.contains("`ARG CACHEBUST=1` added"), "{m}");
    assert!(m.contains("the 2 RUN steps in its scope"), "{m}");
    assert!(
        m.contains("system package install (apt-get install)"),
        "{m}"
    );
    assert!(m.contains("at line 5"), "{m}");

    // Changing its default re-runs them once more.
    let bumped = busted.replace("CACHEBUST=1", "CACHEBUST=2");
    let (_, f) = push_commit(&repo, "bust again", &[("Dockerfile", &bumped)]);
    let m = message(the(&f, "cache-bust-arg", "warn", "Dockerfile", 4));
    assert!(
        m.contains("default of `ARG CACHEBUST` changed (`1` → `2`)"),
        "{m}"
    );
}

#[test]
fn a_cachebust_arg_after_the_installs_is_only_info() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    let late = DOCKERFILE.replace(
        "COPY . .\n",
        "ARG GIT_SHA_CACHEBUST\nRUN echo \"$GIT_SHA_CACHEBUST\" > /app/REVISION\nCOPY . .\n",
    );
    let (r, f) = push_commit(&repo, "revision", &[("Dockerfile", &late)]);
    assert!(r.success(), "{r:?}");
    let m = message(the(&f, "cache-bust-arg", "info", "Dockerfile", 8));
    assert!(m.contains("none is a package install"), "{m}");
    assert!(m.contains("right place"), "{m}");
}

#[test]
fn a_new_run_using_an_existing_cachebust_arg_is_reported_at_the_run() {
    let sandbox = Sandbox::new();
    let base = DOCKERFILE.replace("WORKDIR /app\n", "WORKDIR /app\nARG BUILD_DATE\n");
    let repo = app(
        &sandbox,
        &[("Dockerfile", &base), (".dockerignore", DOCKERIGNORE)],
    );
    let used = base.replace(
        "COPY requirements.txt .\n",
        "RUN echo $BUILD_DATE\nCOPY requirements.txt .\n",
    );
    let (_, f) = push_commit(&repo, "stamp", &[("Dockerfile", &used)]);
    let m = message(the(&f, "cache-bust-arg", "warn", "Dockerfile", 7));
    assert!(m.contains("uses `$BUILD_DATE` (declared at line 4)"), "{m}");
    assert!(m.contains("3 RUN steps"), "{m}");
}

#[test]
fn args_that_cannot_bust_a_cache_are_quiet() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    // A global ARG only FROM lines see, an ordinary ARG, and moving a buster below the
    // installs (the fix) are all fine.
    let global = format!("ARG CACHEBUST=1\nARG PYTHON_VERSION=3.11\n{DOCKERFILE}").replace(
        "FROM python:3.11-slim",
        "FROM python:${PYTHON_VERSION}-slim",
    );
    let (r, f) = push_commit(&repo, "args", &[("Dockerfile", &global)]);
    assert!(r.success(), "{r:?}");
    assert!(of(&f, "cache-bust-arg").is_empty(), "{f:#?}");
}

#[test]
fn moving_a_cachebust_arg_below_the_installs_is_not_reported() {
    let sandbox = Sandbox::new();
    let top = DOCKERFILE.replace("WORKDIR /app\n", "WORKDIR /app\nARG CACHEBUST=1\n");
    let repo = app(
        &sandbox,
        &[("Dockerfile", &top), (".dockerignore", DOCKERIGNORE)],
    );
    let moved = DOCKERFILE.replace("COPY . .\n", "ARG CACHEBUST=1\nCOPY . .\n");
    let (r, f) = push_commit(&repo, "fix: cache", &[("Dockerfile", &moved)]);
    assert!(r.success(), "{r:?}");
    assert!(of(&f, "cache-bust-arg").is_empty(), "{f:#?}");
}

// ---------------------------------------------------------------------------------------------
// secret-in-image

/// A token assembled at run time, so this file holds no secret-shaped literal.
fn token(prefix: &str, body: &str, n: usize) -> String {
    let mut s = prefix.to_owned();
    s.extend(body.chars().cycle().take(n));
    s
}

#[test]
fn a_literal_api_key_in_env_is_blocked_and_never_printed() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    let secret = token("sk-", "Q7mZ2xLr9TbV4nWp", 40);
    let with_env = DOCKERFILE.replace(
        "WORKDIR /app\n",
        &format!("WORKDIR /app\nENV OPENAI_API_KEY={secret}\n"),
    );
    let (r, f) = push_commit(&repo, "feat: openai", &[("Dockerfile", &with_env)]);
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.contains("secret-in-image"), "{}", r.stderr);
    assert!(
        !r.stderr.contains(&secret[..12]),
        "secret printed: {}",
        r.stderr
    );
    let finding = the(&f, "secret-in-image", "block", "Dockerfile", 4);
    assert!(message(finding).contains("OPENAI_API_KEY"), "{finding:#}");
    assert!(message(finding).contains("sk-Q****"), "{finding:#}");
    assert!(!finding.to_string().contains(&secret[..12]));
}

#[test]
fn references_and_build_secrets_are_fine() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    let ok = DOCKERFILE.replace(
        "WORKDIR /app\n",
        "WORKDIR /app\nARG NPM_TOKEN\nENV API_KEY=${API_KEY} PUBLIC_KEY=pk_live_8f3k2j4h5g6\n\
         RUN --mount=type=secret,id=api_key,env=API_KEY ./fetch-models.sh\n\
         COPY .env.example .\n",
    );
    let (r, f) = push_commit(&repo, "build secret", &[("Dockerfile", &ok)]);
    assert!(r.success(), "{r:?}");
    assert!(of(&f, "secret-in-image").is_empty(), "{f:#?}");
}

#[test]
fn copying_a_dotenv_or_key_file_into_the_image_is_blocked() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    let copy = DOCKERFILE.replace(
        "COPY . .\n",
        "COPY .env ./\nCOPY certs/fullchain.pem certs/privkey.pem /etc/ssl/\nCOPY . .\n",
    );
    let (r, f) = push_commit(&repo, "config", &[("Dockerfile", &copy)]);
    assert_eq!(r.status, 1, "{r:?}");
    let hits = of(&f, "secret-in-image");
    assert_eq!(hits.len(), 2, "{f:#?}");
    assert_eq!(hits[0]["line"], 8);
    assert!(message(hits[0]).contains("`COPY .env`"), "{:#}", hits[0]);
    assert_eq!(hits[1]["line"], 9);
    assert!(message(hits[1]).contains("privkey.pem"), "{:#}", hits[1]);
    assert!(!message(hits[1]).contains("fullchain"), "{:#}", hits[1]);
}

#[test]
fn the_guides_env_file_example_is_reported() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    // The guide's "DON'T": a placeholder value, so a warning; a real value blocks.
    let placeholder =
        DOCKERFILE.replace("COPY . .\n", "COPY . .\nRUN echo \"API_KEY=xxx\" >> .env\n");
    let (r, f) = push_commit(&repo, "config", &[("Dockerfile", &placeholder)]);
    assert!(r.success(), "{r:?}");
    let m = message(the(&f, "secret-in-image", "warn", "Dockerfile", 9));
    assert!(m.contains("`API_KEY=…` into `.env`"), "{m}");
    let secret = token("", "Zq81kLm2Vx7Rt5Yw", 32);
    let real = placeholder.replace("API_KEY=xxx", &format!("API_KEY={secret}"));
    let (r, f) = push_commit(&repo, "config", &[("Dockerfile", &real)]);
    assert_eq!(r.status, 1, "{r:?}");
    the(&f, "secret-in-image", "block", "Dockerfile", 9);
    assert!(!r.stderr.contains(&secret[..10]), "{}", r.stderr);
}

#[test]
fn secret_shaped_lines_in_any_file_are_blocked_even_off_the_deploy_branch() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let aws = token("AKIA", "Q2W7ZK4M", 16);
    let settings = format!("import os\n\nAWS_ACCESS_KEY_ID = \"{aws}\"\nREGION = \"eu-west-1\"\n");
    repo.commit_files("settings", &[("app/settings.py", &settings)]);
    let r = repo.push(&["origin", "feature"]);
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.contains("secret-in-image"), "{}", r.stderr);
    assert!(r.stderr.contains("AKIA****"), "{}", r.stderr);
    assert!(!r.stderr.contains(&aws), "{}", r.stderr);
    let f = findings(&repo, "HEAD^!");
    let m = message(the(&f, "secret-in-image", "block", "app/settings.py", 3));
    assert!(m.contains("an AWS access key id"), "{m}");
}

#[test]
fn placeholders_examples_and_allow_markers_are_quiet() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    let example = format!("{}EXAMPLE", token("AKIA", "IOSFODNN7", 9));
    let gh = token("ghp_", "r8Kd2Lq9Xz", 36);
    let env = format!(
        "OPENAI_API_KEY=your-openai-key-here\nSECRET_KEY=changeme\nAWS_ACCESS_KEY_ID={example}\n\
         DATABASE_URL=postgres://localhost/app\nGITHUB_TOKEN={gh} # pushguard:allow\n"
    );
    let (r, f) = push_commit(&repo, "docs: env template", &[(".env.example", &env)]);
    assert!(r.success(), "{r:?}");
    assert!(of(&f, "secret-in-image").is_empty(), "{f:#?}");
}

#[test]
fn a_private_key_in_a_test_fixture_only_warns() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    let pem = format!(
        "-----BEGIN {}-----\n{}\n{}\n-----END PRIVATE KEY-----\n",
        "PRIVATE KEY",
        token("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "Aq8+/Zx", 32),
        token("", "b3BlbnNzaC1rZXktdjE", 64)
    );
    let (r, f) = push_commit(&repo, "tls tests", &[("tests/fixtures/server.key", &pem)]);
    assert!(r.success(), "{r:?}");
    let m = message(the(
        &f,
        "secret-in-image",
        "warn",
        "tests/fixtures/server.key",
        1,
    ));
    assert!(
        m.contains("a private key (`-----BEGIN PRIVATE KEY-----`)"),
        "{m}"
    );
    assert!(m.contains("pushguard:allow"), "{m}");
    let (r, f) = push_commit(&repo, "deploy key", &[("deploy/id_rsa", &pem)]);
    assert_eq!(r.status, 1, "{r:?}");
    the(&f, "secret-in-image", "block", "deploy/id_rsa", 1);
}

#[test]
fn only_added_lines_are_scanned() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    let secret = token("", "Hf72kQz9LmW3xR5t", 30);
    // A secret that is already on the remote (pushed without the hook) ...
    let config = format!("api:\n  token: \"{secret}\"\n  timeout: 5\n");
    repo.commit_files("config", &[("config.yml", &config)]);
    let r = repo.push(&["--no-verify", "origin", "main"]);
    assert!(r.success(), "{r:?}");
    // ... is not reported again when another line of the file changes.
    let (r, f) = push_commit(
        &repo,
        "timeout",
        &[("config.yml", &config.replace("timeout: 5", "timeout: 10"))],
    );
    assert!(r.success(), "{r:?}");
    assert!(of(&f, "secret-in-image").is_empty(), "{f:#?}");
}

// ---------------------------------------------------------------------------------------------
// cache-mount-no-id

const CACHE_MOUNT: &str =
    "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n";

#[test]
fn a_cache_mount_without_id_is_only_info_on_fly() {
    let sandbox = Sandbox::new();
    let repo = app(&sandbox, &[(".dockerignore", DOCKERIGNORE)]);
    let mounted = DOCKERFILE.replace(
        "RUN pip install --no-cache-dir -r requirements.txt\n",
        CACHE_MOUNT,
    );
    let (r, f) = push_commit(&repo, "pip cache", &[("Dockerfile", &mounted)]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("cache-mount-no-id"), "{}", r.stderr);
    let m = message(the(&f, "cache-mount-no-id", "info", "Dockerfile", 7));
    assert!(m.contains("works with Docker and on Fly.io"), "{m}");
    // An unrelated edit later does not report the existing mount again.
    let (_, f) = push_commit(
        &repo,
        "cmd",
        &[("Dockerfile", &mounted.replace("main.py", "app.py"))],
    );
    assert!(of(&f, "cache-mount-no-id").is_empty(), "{f:#?}");
}

#[test]
fn a_cache_mount_without_id_blocks_on_railway_and_with_an_id_is_fine() {
    let sandbox = Sandbox::new();
    let repo = app(
        &sandbox,
        &[
            (".dockerignore", DOCKERIGNORE),
            ("pushguard.toml", "[deploy]\nplatform = \"railway\"\n"),
        ],
    );
    let mounted = DOCKERFILE.replace(
        "RUN pip install --no-cache-dir -r requirements.txt\n",
        CACHE_MOUNT,
    );
    let (r, f) = push_commit(&repo, "pip cache", &[("Dockerfile", &mounted)]);
    assert_eq!(r.status, 1, "{r:?}");
    let m = message(the(&f, "cache-mount-no-id", "block", "Dockerfile", 7));
    assert!(m.contains("id=s/<service-id>-/root/.cache/pip"), "{m}");
    repo.git(&["reset", "-q", "--hard", "HEAD^"]);
    let with_id = DOCKERFILE.replace(
        "RUN pip install --no-cache-dir -r requirements.txt\n",
        &CACHE_MOUNT.replace("type=cache,", "type=cache,id=s/1f2e-/root/.cache/pip,"),
    );
    let (r, f) = push_commit(&repo, "pip cache", &[("Dockerfile", &with_id)]);
    assert!(r.success(), "{r:?}");
    assert!(of(&f, "cache-mount-no-id").is_empty(), "{f:#?}");
}
