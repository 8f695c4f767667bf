//! The build-decision guide's five real-world scenarios and its pitfalls, each as a real push
//! through the installed hook in a NUZANTARA-like repository (a multi-stage Python
//! Dockerfile with BuildKit cache mounts, deployed on Fly.io).
//!
//! The scenarios are legitimate work: pushguard must predict the guide's tier and report
//! nothing. Where the guide is wrong (a comment "forces" a rebuild, Fly.io "requires" cache
//! mount ids, an empty commit "clears the cache"), pushguard must say what is true.
//!
//! Verdicts are asserted as the report prints them; findings by rule id and key phrases
//! (and their details through `pushguard check --format json`), not by layout.

use crate::common;

use common::{PushResult, Sandbox, TestRepo, PUSHGUARD};
use pushguard::config::Config;
use serde_json::Value;

const DOCKERFILE: &str = "\
# syntax=docker/dockerfile:1.7
FROM python:3.11-slim AS builder
WORKDIR /build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \\
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip \\
    pip install --prefix=/install -r requirements.txt

FROM python:3.11-slim
WORKDIR /app
COPY --from=builder /install /usr/local
# The embedding model is baked into the image.
RUN python -c \"from sentence_transformers import SentenceTransformer; SentenceTransformer('all-MiniLM-L6-v2', cache_folder='/app/models')\"
COPY . .
EXPOSE 8080
CMD [\"uvicorn\", \"main_cloud:app\", \"--host\", \"0.0.0.0\", \"--port\", \"8080\"]
";

const MAIN_CLOUD: &str = "\
import os

from fastapi import FastAPI

app = FastAPI()
R2_ACCESS_KEY = os.environ[\"R2_ACCESS_KEY\"]
CHROMA_URL = os.environ.get(\"CHROMA_URL\", \"https://r2.example.com/chroma.tar.gz\")


def download_chroma():
    # ChromaDB is downloaded at run time, not build time.
    return CHROMA_URL


@app.get(\"/\")
def root():
    return {\"message\": \"Selamat datang\"}
";

const REQUIREMENTS: &str =
    "fastapi==0.110.0\nuvicorn==0.29.0\nsentence-transformers==2.7.0\nchromadb==0.4.24\n";

const DOCKERIGNORE: &str = ".git\n__pycache__/\n*.pyc\n.env\n";

const FLY_TOML: &str =
    "app = \"nuzantara\"\nprimary_region = \"sin\"\n\n[build]\n  dockerfile = \"Dockerfile\"\n";

/// The app, pushed to `main` before the hook is installed, so the scenario push is the
/// hook's first (no "frequent deploy").
fn nuzantara(sandbox: &Sandbox) -> TestRepo<'_> {
    let repo = sandbox.repo("nuzantara");
    repo.commit_files(
        "initial",
        &[
            ("Dockerfile", DOCKERFILE),
            ("main_cloud.py", MAIN_CLOUD),
            ("requirements.txt", REQUIREMENTS),
            (".dockerignore", DOCKERIGNORE),
            ("fly.toml", FLY_TOML),
        ],
    );
    let r = repo.push(&["-u", "origin", "main"]);
    assert!(r.success(), "{r:?}");
    repo.install_hook();
    repo
}

/// Commits `files` and pushes to main; returns the push and the findings of the commit.
fn push(repo: &TestRepo<'_>, msg: &str, files: &[(&str, &str)]) -> (PushResult, Vec<Value>) {
    repo.commit_files(msg, files);
    // The full report: these scenarios read each finding's fact and fix.
    let r = common::run(
        repo.push_cmd(&["origin", "main"])
            .env("PUSHGUARD_OUTPUT", "full"),
    )
    .into();
    (r, findings(repo))
}

/// The findings of HEAD as pushed to main, from `pushguard check --format json`.
fn findings(repo: &TestRepo<'_>) -> Vec<Value> {
    let out = common::run(
        repo.sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["check", "--format", "json", "HEAD^!"]),
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check output is not JSON ({e}):\n{}",
            common::describe(&out)
        )
    });
    doc["findings"].as_array().cloned().unwrap_or_default()
}

/// The push succeeded, printed `verdict`, and reported nothing at all.
fn assert_clean(r: &PushResult, findings: &[Value], verdict: &str) {
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains(verdict),
        "expected `{verdict}`:\n{}",
        r.stderr
    );
    assert!(findings.is_empty(), "{findings:#?}");
    let config = Config::builtin();
    let mut ids = config.known_rule_ids();
    ids.push("not-inspected");
    for id in ids {
        assert!(!r.stderr.contains(id), "unexpected `{id}`:\n{}", r.stderr);
    }
}

fn only<'a>(findings: &'a [Value], rule: &str) -> &'a Value {
    let hits: Vec<&Value> = findings.iter().filter(|f| f["rule"] == rule).collect();
    assert_eq!(hits.len(), 1, "expected one {rule}: {findings:#?}");
    hits[0]
}

fn message(f: &Value) -> &str {
    f["message"].as_str().unwrap_or_default()
}

const INCREMENTAL: &str = "INCREMENTAL rebuild (~45 s build, ~2 min deploy)";
const FULL: &str = "FULL rebuild (~180 s build, ~4 min deploy)";

// ---------------------------------------------------------------------------------------------
// The five scenarios

#[test]
fn scenario_1_fixed_a_typo_in_main_cloud_py() {
    let sandbox = Sandbox::new();
    let repo = nuzantara(&sandbox);
    let fixed = MAIN_CLOUD.replace("Selamat datang", "Selamat datang!");
    let (r, f) = push(&repo, "fix: typo in response", &[("main_cloud.py", &fixed)]);
    assert_clean(&r, &f, INCREMENTAL);
    assert!(r.stderr.contains("source code changed"), "{}", r.stderr);
}

#[test]
fn scenario_2_added_new_package_openai() {
    let sandbox = Sandbox::new();
    let repo = nuzantara(&sandbox);
    let requirements = format!("{REQUIREMENTS}openai==1.12.0\n");
    let code = MAIN_CLOUD.replace(
        "from fastapi import FastAPI\n",
        "from fastapi import FastAPI\nfrom openai import OpenAI\n",
    );
    let (r, f) = push(
        &repo,
        "feat: add OpenAI integration",
        &[
            ("requirements.txt", &requirements),
            ("main_cloud.py", &code),
        ],
    );
    // The guide says PARTIAL, but in this Dockerfile the model download (line 14) follows
    // `COPY --from=builder` (line 12) in the final stage: new packages change that copy, so
    // the model is downloaded again. pushguard reads the Dockerfile and says so.
    assert_clean(&r, &f, FULL);
    assert!(
        r.stderr.contains("model download re-runs: RUN python -c"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "note: reads from stage `builder`, which re-runs, so COPY --from=builder /install \
             /usr/local (line 12) re-runs and with it RUN python -c"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("a full rebuild, not partial"),
        "{}",
        r.stderr
    );
}

#[test]
fn scenario_3_upgraded_python_from_3_11_to_3_12() {
    let sandbox = Sandbox::new();
    let repo = nuzantara(&sandbox);
    let upgraded = DOCKERFILE.replace("python:3.11-slim", "python:3.12-slim");
    let (r, f) = push(
        &repo,
        "chore: upgrade to Python 3.12",
        &[("Dockerfile", &upgraded)],
    );
    assert_clean(&r, &f, FULL);
    assert!(r.stderr.contains("Dockerfile changed"), "{}", r.stderr);
}

#[test]
fn scenario_4_changed_chromadb_download_logic() {
    let sandbox = Sandbox::new();
    let repo = nuzantara(&sandbox);
    let code = MAIN_CLOUD.replace(
        "    return CHROMA_URL\n",
        "    bucket = os.environ.get(\"R2_BUCKET\", \"nuzantara\")\n    return f\"{CHROMA_URL}?bucket={bucket}\"\n",
    );
    let (r, f) = push(
        &repo,
        "fix: ChromaDB download from R2",
        &[("main_cloud.py", &code)],
    );
    assert_clean(&r, &f, INCREMENTAL);
}

#[test]
fn scenario_5_updated_sentence_transformers_model() {
    let sandbox = Sandbox::new();
    let repo = nuzantara(&sandbox);
    let model = DOCKERFILE.replace("all-MiniLM-L6-v2", "all-MiniLM-L12-v2");
    let (r, f) = push(
        &repo,
        "feat: upgrade to all-MiniLM-L12-v2",
        &[("Dockerfile", &model)],
    );
    assert_clean(&r, &f, FULL);
}

// ---------------------------------------------------------------------------------------------
// Where the guide is wrong

#[test]
fn option_1_a_force_rebuild_comment_forces_nothing() {
    let sandbox = Sandbox::new();
    let repo = nuzantara(&sandbox);
    // echo "# Force rebuild: $(date)" >> Dockerfile && git commit -m "Force full rebuild"
    let forced = format!("{DOCKERFILE}# Force rebuild: Mon Oct 20 09:14:03 UTC 2025\n");
    let (r, f) = push(&repo, "Force full rebuild", &[("Dockerfile", &forced)]);
    assert!(r.success(), "alone it warns: {r:?}");
    assert!(r.stderr.contains("dockerfile-comment-only"), "{}", r.stderr);
    assert!(r.stderr.contains("cannot force a"), "{}", r.stderr);
    let finding = only(&f, "dockerfile-comment-only");
    assert_eq!(finding["severity"], "warn");
    assert_eq!(finding["path"], "Dockerfile");
    assert_eq!(finding["line"], 18);
    // The Dockerfile is copied by `COPY . .` here, so the edit does cost the steps from
    // that COPY on, and the message says so.
    let m = message(finding);
    assert!(m.contains("`COPY . .` (line 15)"), "{m}");
    assert!(m.contains("cannot force a full rebuild"), "{m}");
}

#[test]
fn do_not_force_a_rebuild_for_python_only_changes() {
    let sandbox = Sandbox::new();
    let repo = nuzantara(&sandbox);
    let before = repo.remote_sha("refs/heads/main");
    // echo "# force" >> Dockerfile, pushed with a .py change: blocked.
    let forced = format!("{DOCKERFILE}# force\n");
    let code = MAIN_CLOUD.replace("Selamat datang", "Halo");
    let (r, f) = push(
        &repo,
        "fix: greeting",
        &[("Dockerfile", &forced), ("main_cloud.py", &code)],
    );
    assert_eq!(r.status, 1, "blocked: {r:?}");
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
    assert!(r.stderr.contains("dockerfile-comment-only"), "{}", r.stderr);
    let finding = only(&f, "dockerfile-comment-only");
    assert_eq!(finding["severity"], "block");
    assert!(
        message(finding).contains("(main_cloud.py) already re-run"),
        "{finding:#}"
    );
}

#[test]
fn cache_mounts_without_ids_are_fine_on_fly() {
    let sandbox = Sandbox::new();
    let repo = nuzantara(&sandbox);
    // The guide's "WRONG - fails on Fly.io" example, added to the final stage.
    let mounted = DOCKERFILE.replace(
        "COPY . .\n",
        "RUN --mount=type=cache,target=/root/.cache/pip pip install gunicorn\nCOPY . .\n",
    );
    let (r, f) = push(&repo, "perf: gunicorn", &[("Dockerfile", &mounted)]);
    assert!(r.success(), "only info on Fly.io: {r:?}");
    let finding = only(&f, "cache-mount-no-id");
    assert_eq!(finding["severity"], "info");
    assert_eq!(finding["line"], 15);
    assert!(
        message(finding).contains("works with Docker and on Fly.io"),
        "{finding:#}"
    );
    assert!(r.stderr.contains("Railway"), "{}", r.stderr);
}

#[test]
fn the_nuclear_option_an_empty_commit_clears_no_cache() {
    let sandbox = Sandbox::new();
    let repo = nuzantara(&sandbox);
    repo.commit_empty("rebuild: clear cache");
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("empty-commit"), "{}", r.stderr);
    let f = findings(&repo);
    let finding = only(&f, "empty-commit");
    let fact = finding["fact"].as_str().unwrap_or_default();
    assert!(fact.contains("cannot clear a build cache"), "{fact}");
}

#[test]
fn writing_an_api_key_into_env_at_build_time_is_reported() {
    let sandbox = Sandbox::new();
    let repo = nuzantara(&sandbox);
    // The guide's "DON'T change Dockerfile for config": RUN echo "API_KEY=xxx" >> .env
    let env = DOCKERFILE.replace("COPY . .\n", "COPY . .\nRUN echo \"API_KEY=xxx\" >> .env\n");
    let (r, f) = push(&repo, "config", &[("Dockerfile", &env)]);
    assert!(r.success(), "a placeholder only warns: {r:?}");
    let finding = only(&f, "secret-in-image");
    assert_eq!(finding["severity"], "warn");
    assert_eq!(finding["line"], 16);
}

/// A data file a bot rewrites on every commit: large versions are scanned after the listing,
/// every version of the path in a row through `git cat-file`. The secret one version adds
/// is reported once, on that commit and line, and not again by the versions that keep it.
#[test]
fn secrets_in_many_versions_of_large_files_are_found_once() {
    let sandbox = Sandbox::new();
    let repo = sandbox.deployed(&[("app.py", "print('hi')\n")]);
    // Assembled at run time, so this file holds no secret-shaped literal.
    let token: String = "q7Zr2LxV9wK4tN8pH3sB6mY1cF5dJ0gE".chars().rev().collect();
    let secret = format!("  \"api_token\": \"{token}\",\n");
    let record = |i: usize, n: usize| format!("  \"row_{i}_{n}\": \"value {i} of version {n}\",\n");
    let mut secret_commit = String::new();
    for n in 0..24 {
        let mut feed = String::from("{\n");
        let mut stats = String::from("{\n");
        for i in 0..2_500 {
            feed.push_str(&record(i, if i % 97 == 0 { n } else { 0 }));
            stats.push_str(&record(i + 7, if i % 89 == 0 { n } else { 1 }));
            if n >= 10 && i == 1_234 {
                feed.push_str(&secret);
            }
        }
        feed.push_str("  \"end\": true\n}\n");
        stats.push_str("  \"end\": true\n}\n");
        let id = repo.commit_files(
            &format!("data refresh {n}"),
            &[("data/feed.json", &feed), ("data/stats.json", &stats)],
        );
        if n == 10 {
            secret_commit = id;
        }
    }
    let out = common::run(sandbox.cmd(PUSHGUARD, &repo.path).args([
        "check",
        "--format",
        "json",
        "origin/main..main",
    ]));
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", common::describe(&out)));
    let secrets: Vec<&Value> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "secret-in-image")
        .collect();
    assert_eq!(secrets.len(), 1, "{secrets:#?}");
    let found = secrets[0];
    assert_eq!(found["commit"], secret_commit.as_str(), "{found:#?}");
    assert_eq!(found["path"], "data/feed.json");
    assert_eq!(found["line"], 1_237, "{found:#?}");
    assert!(!found["message"].as_str().unwrap_or("").contains(&token));
}
