//! The line-level content rules through real pushes: timestamp-edit,
//! manifest-comment-only, dummy-source-edit, context-bloat. Each fires on the waste and
//! stays quiet on the legitimate change next to it.

use crate::common;

use common::{PushResult, Sandbox, TestRepo};

const DOCKERFILE: &str = "FROM python:3.12-slim\n\
WORKDIR /app\n\
COPY requirements.txt .\n\
RUN pip install -r requirements.txt\n\
ENV BUILD_DATE=2024-11-07\n\
COPY . .\n\
CMD [\"python\", \"main.py\"]\n";

const FLY_TOML: &str = "app = \"demo\"\n\
primary_region = \"ams\"\n\
\n\
[env]\n\
  LOG_LEVEL = \"info\"\n\
  DEPLOYED_AT = \"2024-11-07T10:00:00Z\"\n";

const PACKAGE_JSON: &str = "{\n  \"name\": \"web\",\n  \"version\": \"1.0.0\",\n  \"buildDate\": \"2024-11-07\",\n  \"dependencies\": {\n    \"express\": \"^4.19.2\"\n  }\n}\n";

const MAIN_PY: &str = "import os\n\
\n\
CUTOFF = \"2024-11-07\"\n\
\n\
\n\
def main():\n\
    # Serve the app.\n\
    print(\"hello\")\n\
\n\
\n\
main()\n";

/// A deployed app: committed, hook installed, pushed to `main`.
fn deployed(sandbox: &Sandbox) -> TestRepo<'_> {
    let repo = sandbox.repo("app");
    repo.commit_files(
        "initial",
        &[
            ("Dockerfile", DOCKERFILE),
            ("fly.toml", FLY_TOML),
            ("requirements.txt", "flask==3.0.1\ngunicorn==22.0.0\n"),
            ("package.json", PACKAGE_JSON),
            ("main.py", MAIN_PY),
            ("README.md", "# Demo\n\nRun it.\n\nDeploys on push.\n"),
        ],
    );
    repo.install_hook();
    let r = repo.push(&["-u", "origin", "main"]);
    assert!(r.success(), "{r:?}");
    repo
}

/// Pushes `main`; the push output (stderr) and result.
fn push_main(repo: &TestRepo<'_>) -> PushResult {
    repo.push(&["origin", "main"])
}

/// Commits a pushguard.toml and pushes it.
fn configure(repo: &TestRepo<'_>, toml: &str) {
    repo.commit_files("config", &[("pushguard.toml", toml)]);
    let r = push_main(repo);
    assert!(r.success(), "{r:?}");
}

fn has(r: &PushResult, needle: &str) -> bool {
    common::flat(&r.stderr).contains(&common::flat(needle))
}

// ---- timestamp-edit ---------------------------------------------------------------------

#[test]
fn timestamp_bump_in_fly_toml_warns_with_the_line() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "trigger deploy",
        &[(
            "fly.toml",
            &FLY_TOML.replace("2024-11-07T10:00:00Z", "2024-11-08T09:30:00Z"),
        )],
    );
    let r = push_main(&repo);
    assert!(r.success(), "warn does not block: {r:?}");
    assert!(has(&r, "timestamp-edit"), "{}", r.stderr);
    assert!(has(&r, "fly.toml:6"), "{}", r.stderr);
    assert!(has(&r, "2024-11-08T09:30:00Z"), "{}", r.stderr);
    assert!(!has(&r, "dummy-source-edit"), "reported once: {}", r.stderr);
}

#[test]
fn build_date_in_a_dockerfile_warns_even_next_to_a_code_change() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "feature and rebuild",
        &[
            (
                "Dockerfile",
                &DOCKERFILE.replace("BUILD_DATE=2024-11-07", "BUILD_DATE=2024-11-08"),
            ),
            ("main.py", &MAIN_PY.replace("hello", "hello world")),
        ],
    );
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    assert!(has(&r, "timestamp-edit"), "{}", r.stderr);
    assert!(has(&r, "Dockerfile:5"), "{}", r.stderr);
}

#[test]
fn timestamp_bump_in_a_manifest_blocks() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_files(
        "bump build date",
        &[(
            "package.json",
            &PACKAGE_JSON.replace("2024-11-07", "2024-11-08"),
        )],
    );
    let r = push_main(&repo);
    assert_eq!(r.status, 1, "manifest stamps block: {r:?}");
    assert!(has(&r, "timestamp-edit"), "{}", r.stderr);
    assert!(has(&r, "package.json:4"), "{}", r.stderr);
    assert!(has(&r, "dependency install"), "{}", r.stderr);
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn manifest_severity_is_configurable() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    configure(
        &repo,
        "[rules.timestamp-edit]\nmanifest_severity = \"warn\"\n",
    );
    repo.commit_files(
        "bump build date",
        &[(
            "package.json",
            &PACKAGE_JSON.replace("2024-11-07", "2024-11-08"),
        )],
    );
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    assert!(has(&r, "timestamp-edit"), "{}", r.stderr);
}

#[test]
fn real_version_and_date_changes_are_not_timestamp_edits() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    // A release: package.json "version" and a pinned dependency.
    repo.commit_files(
        "release 1.0.1",
        &[
            (
                "package.json",
                &PACKAGE_JSON.replace("\"1.0.0\"", "\"1.0.1\""),
            ),
            ("requirements.txt", "flask==3.0.2\ngunicorn==22.0.0\n"),
        ],
    );
    // A date that is data: the app's cutoff.
    repo.commit_files(
        "move the cutoff",
        &[("main.py", &MAIN_PY.replace("2024-11-07", "2024-12-01"))],
    );
    // A base image tag.
    repo.commit_files(
        "python 3.13",
        &[(
            "Dockerfile",
            &DOCKERFILE.replace("python:3.12-slim", "python:3.13-slim"),
        )],
    );
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    assert!(!has(&r, "timestamp-edit"), "{}", r.stderr);
    assert!(!has(&r, "manifest-comment-only"), "{}", r.stderr);
    assert!(!has(&r, "dummy-source-edit"), "{}", r.stderr);
}

#[test]
fn a_comment_stamp_inside_a_feature_commit_is_fine() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "feature",
        &[
            ("main.py", &MAIN_PY.replace("hello", "bonjour")),
            ("util.py", "# generated 2024-11-07\nX = 1\n"),
        ],
    );
    repo.commit_files(
        "feature, part 2",
        &[
            ("main.py", &MAIN_PY.replace("hello", "hola")),
            ("util.py", "# generated 2024-11-08\nX = 1\n"),
        ],
    );
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    assert!(!has(&r, "timestamp-edit"), "{}", r.stderr);
}

#[test]
fn timestamp_edits_on_a_feature_branch_are_fine() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.git(&["checkout", "-q", "-b", "wip"]);
    repo.commit_files(
        "bump",
        &[(
            "package.json",
            &PACKAGE_JSON.replace("2024-11-07", "2024-11-08"),
        )],
    );
    let r = repo.push(&["origin", "wip"]);
    assert!(r.success(), "{r:?}");
    assert!(!has(&r, "timestamp-edit"), "{}", r.stderr);
}

// ---- manifest-comment-only --------------------------------------------------------------

#[test]
fn a_comment_in_requirements_blocks_the_push() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_files(
        "document deps",
        &[(
            "requirements.txt",
            "# web framework\nflask==3.0.1\ngunicorn==22.0.0  # server\n",
        )],
    );
    let r = push_main(&repo);
    assert_eq!(r.status, 1, "{r:?}");
    assert!(has(&r, "manifest-comment-only"), "{}", r.stderr);
    assert!(has(&r, "requirements.txt:1"), "{}", r.stderr);
    assert!(has(&r, "changes only comments"), "{}", r.stderr);
    assert!(!has(&r, "dummy-source-edit"), "reported once: {}", r.stderr);
    assert!(!has(&r, "timestamp-edit"), "{}", r.stderr);
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn a_reformatted_package_json_blocks() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "format",
        &[("package.json", &PACKAGE_JSON.replace("  ", "    "))],
    );
    let r = push_main(&repo);
    assert_eq!(r.status, 1, "{r:?}");
    assert!(has(&r, "manifest-comment-only"), "{}", r.stderr);
    assert!(has(&r, "package.json:2"), "{}", r.stderr);
    assert!(has(&r, "whitespace"), "{}", r.stderr);
}

#[test]
fn real_dependency_changes_are_not_comment_only() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    // A new package, then (same push) a comment on it: the install re-runs anyway.
    repo.commit_files(
        "add requests",
        &[(
            "requirements.txt",
            "flask==3.0.1\ngunicorn==22.0.0\nrequests==2.32.3\n",
        )],
    );
    repo.commit_files(
        "explain requests",
        &[(
            "requirements.txt",
            "flask==3.0.1\ngunicorn==22.0.0\nrequests==2.32.3  # API client\n",
        )],
    );
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    assert!(!has(&r, "manifest-comment-only"), "{}", r.stderr);
}

#[test]
fn manifest_comment_only_can_be_turned_off() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    configure(&repo, "[rules.manifest-comment-only]\nseverity = \"off\"\n");
    repo.commit_files(
        "document deps",
        &[(
            "requirements.txt",
            "# deps\nflask==3.0.1\ngunicorn==22.0.0\n",
        )],
    );
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    assert!(!has(&r, "manifest-comment-only"), "{}", r.stderr);
}

// ---- dummy-source-edit ------------------------------------------------------------------

#[test]
fn a_comment_only_source_commit_warns() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "tweak",
        &[(
            "main.py",
            &MAIN_PY.replace("# Serve the app.", "# Serve the app (deploy me)."),
        )],
    );
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    assert!(has(&r, "dummy-source-edit"), "{}", r.stderr);
    assert!(has(&r, "main.py:7"), "{}", r.stderr);
    assert!(
        has(&r, "changes only comments or whitespace"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_whitespace_readme_commit_that_says_redeploy_warns() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "Trigger redeploy",
        &[("README.md", "# Demo\n\nRun it.\n\n\nDeploys on push.\n")],
    );
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    assert!(has(&r, "dummy-source-edit"), "{}", r.stderr);
    assert!(has(&r, "README.md"), "{}", r.stderr);
    assert!(has(&r, "meant to trigger a build"), "{}", r.stderr);
}

#[test]
fn a_comment_edit_in_an_ignored_file_says_the_build_is_cached() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "scripts",
        &[
            (".dockerignore", "scripts/\n"),
            ("scripts/seed.py", "# Seed the database.\nprint(1)\n"),
        ],
    );
    assert!(push_main(&repo).success());
    repo.commit_files(
        "redeploy",
        &[("scripts/seed.py", "# Seed the test database.\nprint(1)\n")],
    );
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    assert!(has(&r, "dummy-source-edit"), "{}", r.stderr);
    assert!(has(&r, "scripts/seed.py:1"), "{}", r.stderr);
    assert!(has(&r, "all cache hits"), "{}", r.stderr);
}

#[test]
fn legitimate_cosmetic_and_docs_commits_are_fine() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    // A README typo fix.
    repo.commit_files(
        "docs: typo",
        &[("README.md", "# Demo\n\nRun it!\n\nDeploys on push.\n")],
    );
    // The same blank-line tweak without a trigger message.
    repo.commit_files(
        "docs: spacing",
        &[("README.md", "# Demo\n\nRun it!\n\n\nDeploys on push.\n")],
    );
    // A comment fix inside a real change.
    repo.commit_files(
        "refactor",
        &[(
            "main.py",
            &MAIN_PY
                .replace("# Serve the app.", "# Serve it.")
                .replace("hello", "hi"),
        )],
    );
    // A lint directive is not a dummy edit.
    repo.commit_files(
        "lint",
        &[(
            "main.py",
            &MAIN_PY
                .replace("# Serve the app.", "# Serve it.")
                .replace("hello", "hi")
                .replace("import os\n", "import os  # noqa: F401\n"),
        )],
    );
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    assert!(!has(&r, "dummy-source-edit"), "{}", r.stderr);
}

#[test]
fn commits_other_rules_report_are_not_dummy_edits() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_empty("force rebuild");
    repo.commit_files(
        "force rebuild",
        &[(
            "Dockerfile",
            &format!("{DOCKERFILE}# Force rebuild: Thu Nov  7 14:03:11 UTC 2024\n"),
        )],
    );
    repo.commit_files(
        "force rebuild",
        &[("requirements.txt", "flask==3.0.1\ngunicorn==22.0.0\n# x\n")],
    );
    let r = push_main(&repo);
    assert!(has(&r, "empty-commit"), "{}", r.stderr);
    assert!(has(&r, "manifest-comment-only"), "{}", r.stderr);
    assert!(!has(&r, "dummy-source-edit"), "{}", r.stderr);
    assert!(!has(&r, "timestamp-edit"), "{}", r.stderr);
}

// ---- context-bloat ----------------------------------------------------------------------

#[test]
fn committed_node_modules_warn_with_the_dockerignore_fix() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "add deps",
        &[
            ("node_modules/express/index.js", "module.exports = 1;\n"),
            ("node_modules/express/package.json", "{}\n"),
            ("node_modules/.bin/x", "#!/bin/sh\n"),
            ("app.js", "require('express');\n"),
        ],
    );
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    assert!(has(&r, "context-bloat"), "{}", r.stderr);
    assert!(has(&r, "adds 3 files"), "{}", r.stderr);
    assert!(
        has(&r, "add to .dockerignore: `node_modules`"),
        "{}",
        r.stderr
    );
    assert!(!has(&r, "app.js ("), "{}", r.stderr);
}

#[test]
fn a_large_file_warns_with_its_size_on_any_branch() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.git(&["checkout", "-q", "-b", "data"]);
    let big: String = (0..6 * 1024 * 1024 / 64)
        .map(|i| format!("{i:063}\n"))
        .collect();
    repo.commit_files("add dataset", &[("data/train.csv", &big)]);
    let r = repo.push(&["origin", "data"]);
    assert!(r.success(), "{r:?}");
    assert!(has(&r, "context-bloat"), "{}", r.stderr);
    assert!(
        has(&r, "data/train.csv (6.0 MiB, over the 5.0 MiB limit)"),
        "{}",
        r.stderr
    );
    assert!(has(&r, "`data/train.csv`"), "{}", r.stderr);
}

#[test]
fn excluded_removed_and_small_files_are_fine() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    configure(&repo, "[rules.context-bloat]\nmax_bytes = 4096\n");
    repo.commit_files(
        "ignore",
        &[(
            ".dockerignore",
            "node_modules\n**/*.log\ndata/\n!data/keep.bin\n",
        )],
    );
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    let blob = "x".repeat(5000);
    repo.commit_files(
        "add stuff",
        &[
            ("node_modules/a/index.js", "1\n"),
            ("logs/app.log", "log\n"),
            ("data/big.bin", &blob),
            ("static/logo.svg", "<svg/>\n"),
            ("scratch/tmp.bin", &blob),
        ],
    );
    repo.remove("scratch/tmp.bin");
    repo.commit_all("oops");
    let r = push_main(&repo);
    assert!(r.success(), "{r:?}");
    assert!(!has(&r, "context-bloat"), "{}", r.stderr);
    // The `!` exception puts a file back into the context.
    repo.commit_files("keep", &[("data/keep.bin", &blob)]);
    let r = push_main(&repo);
    assert!(has(&r, "context-bloat"), "{}", r.stderr);
    assert!(has(&r, "data/keep.bin"), "{}", r.stderr);
}

#[test]
fn a_sub_app_context_uses_its_own_dockerignore() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "api app",
        &[
            ("api/Dockerfile", "FROM python:3.12-slim\nCOPY . .\n"),
            ("api/.dockerignore", ".venv\n"),
            ("api/main.py", "print(1)\n"),
        ],
    );
    assert!(push_main(&repo).success());
    repo.commit_files(
        "venvs",
        &[
            ("api/.venv/lib/site.py", "x = 1\n"),
            ("web/.venv/lib/site.py", "x = 1\n"),
        ],
    );
    let r = push_main(&repo);
    assert!(has(&r, "context-bloat"), "{}", r.stderr);
    assert!(has(&r, "adds 1 file"), "{}", r.stderr);
    assert!(has(&r, "web/.venv/lib/site.py (6 B)"), "{}", r.stderr);
    assert!(!has(&r, "api/.venv/lib/site.py ("), "{}", r.stderr);
    assert!(has(&r, "add to .dockerignore: `**/.venv`"), "{}", r.stderr);
}
