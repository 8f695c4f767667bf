//! The deploy map on real repositories: which targets each push triggers and why, read from
//! fly configs, workflows and platform files the way each platform reads them. Fixtures are
//! written for these tests, shaped after real configuration files.

use crate::common;

use common::{Sandbox, TestRepo, PUSHGUARD};
use serde_json::Value;

/// `pushguard check --format json ARGS` in `repo`, parsed (exit 0 or 1).
fn check(repo: &TestRepo<'_>, args: &[&str]) -> Value {
    let out = common::run(
        repo.sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["check", "--format", "json"])
            .args(args),
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        common::describe(&out)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", common::describe(&out)))
}

/// `pushguard explain --format json HEAD^!`'s deploy map.
fn deploy_map(repo: &TestRepo<'_>) -> Vec<Value> {
    let out = common::run(
        repo.sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["explain", "--format", "json", "HEAD^!"]),
    );
    assert!(out.status.success(), "{}", common::describe(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("explain JSON");
    doc["deploy_map"].as_array().cloned().unwrap_or_default()
}

/// The targets of the only ref.
fn targets(doc: &Value) -> Vec<Value> {
    doc["refs"][0]["targets"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The target of `platform` named `app`.
fn target<'a>(all: &'a [Value], platform: &str, app: &str) -> &'a Value {
    all.iter()
        .find(|t| t["platform"] == platform && t["app"] == app)
        .unwrap_or_else(|| panic!("no {platform} target {app} in {all:#?}"))
}

fn rules(doc: &Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A repository on `main` with `files` in a first commit (not pushed anywhere).
fn repo_with<'s>(sandbox: &'s Sandbox, files: &[(&str, &str)]) -> TestRepo<'s> {
    let repo = sandbox.repo("app");
    repo.commit_files("initial", files);
    repo
}

const DOCKERFILE: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nCMD [\"python\", \"app.py\"]\n";

#[test]
fn flyctl_reads_empty_strings_as_unset_and_finds_a_lowercase_dockerfile() {
    let sandbox = Sandbox::new();
    let repo = repo_with(
        &sandbox,
        &[
            (
                "fly.toml",
                "app = 'shop'\nprimary_region = 'ams'\n\n[build]\n  dockerfile = ''\n  build_target = ''\n  image = ''\n",
            ),
            ("dockerfile", DOCKERFILE),
            ("requirements.txt", "flask\n"),
            ("app.py", "print(1)\n"),
        ],
    );
    repo.commit_files("edit", &[("app.py", "print(2)\n")]);
    let doc = check(&repo, &["HEAD^!"]);
    assert!(rules(&doc).is_empty(), "{doc:#}");
    let t = targets(&doc);
    let fly = target(&t, "fly", "shop");
    assert_eq!(fly["triggered"], true);
    assert_eq!(fly["tier"], "incremental");
    let map = deploy_map(&repo);
    assert_eq!(map[0]["build"], "docker");
    assert!(map[0]["builds"]
        .as_str()
        .unwrap()
        .contains("docker dockerfile"));
}

#[test]
fn a_prebuilt_image_or_a_builder_builds_no_dockerfile() {
    let sandbox = Sandbox::new();
    let repo = repo_with(
        &sandbox,
        &[
            (
                "fly.toml",
                "app = \"api\"\n[build]\nimage = \"ghcr.io/acme/api:latest\"\n",
            ),
            (
                "worker/fly.toml",
                "app = \"worker\"\n[build]\nbuilder = \"paketobuildpacks/builder:base\"\n",
            ),
            ("Dockerfile", DOCKERFILE),
            ("worker/Dockerfile", DOCKERFILE),
            ("requirements.txt", "flask\n"),
        ],
    );
    repo.commit_files("deps", &[("requirements.txt", "flask\nrequests\n")]);
    let map = deploy_map(&repo);
    let kinds: Vec<(&str, &str)> = map
        .iter()
        .map(|t| (t["app"].as_str().unwrap(), t["build"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("api", "image"), ("worker", "buildpack")]);
    let doc = check(&repo, &["HEAD^!"]);
    // No Dockerfile is built, so no app's steps are predicted.
    assert_eq!(doc["refs"][0]["apps"], serde_json::json!([]), "{doc:#}");
    assert!(targets(&doc).iter().all(|t| t["tier"].is_null()));
}

#[test]
fn a_monorepo_app_deployed_from_the_root_builds_with_the_root_as_context() {
    let sandbox = Sandbox::new();
    let repo = repo_with(
        &sandbox,
        &[
            (
                ".github/workflows/deploy-api.yml",
                "name: Deploy API\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: superfly/flyctl-actions/setup-flyctl@master\n      - run: flyctl deploy . --config apps/api/fly.toml --remote-only\n        env:\n          FLY_API_TOKEN: ${{ secrets.FLY_API_TOKEN }}\n",
            ),
            ("apps/api/fly.toml", "app = \"acme-api\"\n[build]\ndockerfile = \"Dockerfile\"\n"),
            (
                "apps/api/Dockerfile",
                "FROM node:20-slim\nWORKDIR /srv\nCOPY package.json .\nRUN npm install\nCOPY packages/shared ./packages/shared\nCOPY apps/api ./apps/api\nCMD [\"node\", \"apps/api/index.js\"]\n",
            ),
            ("package.json", "{}\n"),
            ("packages/shared/util.js", "module.exports = 1;\n"),
            ("apps/api/index.js", "require('../../packages/shared/util');\n"),
        ],
    );
    repo.commit_files(
        "shared",
        &[("packages/shared/util.js", "module.exports = 2;\n")],
    );
    let doc = check(&repo, &["HEAD^!"]);
    let t = targets(&doc);
    let api = target(&t, "fly", "acme-api");
    assert_eq!(api["via"], ".github/workflows/deploy-api.yml");
    assert_eq!(api["config"], "apps/api/fly.toml");
    assert_eq!(api["tier"], "incremental", "{doc:#}");
    assert_eq!(doc["refs"][0]["apps"][0]["context"], ".");
}

#[test]
fn a_fly_staging_toml_is_deployed_only_where_a_workflow_names_it() {
    let sandbox = Sandbox::new();
    let files = [
        ("fly.toml", "app = \"shop\"\n"),
        ("fly.staging.toml", "app = \"shop-staging\"\n"),
        ("Dockerfile", DOCKERFILE),
        ("requirements.txt", "flask\n"),
        ("app.py", "print(1)\n"),
    ];
    let repo = repo_with(&sandbox, &files);
    repo.commit_files("edit", &[("app.py", "print(2)\n")]);
    let t = targets(&check(&repo, &["HEAD^!"]));
    assert_eq!(target(&t, "fly", "shop")["triggered"], true);
    let staging = target(&t, "fly", "shop-staging");
    assert_eq!(
        (&staging["triggered"], &staging["via"]),
        (&Value::Bool(false), &Value::from("by hand"))
    );

    repo.commit_files(
        "cd",
        &[(
            ".github/workflows/cd.yaml",
            "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: flyctl deploy --remote-only -c fly.staging.toml\n",
        )],
    );
    let t = targets(&check(&repo, &["HEAD^!"]));
    let staging = target(&t, "fly", "shop-staging");
    assert_eq!(staging["triggered"], true);
    assert_eq!(staging["via"], ".github/workflows/cd.yaml");
    // With a workflow deploying to Fly, the plain fly.toml is deployed by hand.
    assert_eq!(target(&t, "fly", "shop")["triggered"], false);
}

#[test]
fn railway_watch_patterns_decide_whether_a_push_deploys() {
    let sandbox = Sandbox::new();
    let repo = repo_with(
        &sandbox,
        &[
            (
                "railway.json",
                "{\n  \"$schema\": \"https://railway.com/railway.schema.json\",\n  \"build\": {\n    \"builder\": \"DOCKERFILE\",\n    \"dockerfilePath\": \"backend/Dockerfile\",\n    \"watchPatterns\": [\"backend/**\"]\n  },\n  \"deploy\": { \"startCommand\": \"python app.py\" }\n}\n",
            ),
            ("backend/Dockerfile", DOCKERFILE),
            ("backend/app.py", "print(1)\n"),
            ("docs/notes.md", "notes\n"),
        ],
    );
    repo.commit_files("docs", &[("docs/notes.md", "more notes\n")]);
    let doc = check(&repo, &["HEAD^!"]);
    assert_eq!(doc["refs"][0]["deploys"], false, "{doc:#}");
    let rw = &targets(&doc)[0];
    assert_eq!(rw["platform"], "railway");
    assert_eq!(rw["triggered"], false);
    assert!(
        rw["reason"]
            .as_str()
            .unwrap()
            .contains("watchPatterns backend/** match none of the 1 pushed file"),
        "{rw:#}"
    );
    let f = &doc["findings"][0];
    assert_eq!(
        (f["rule"].as_str(), f["severity"].as_str()),
        (Some("filtered-deploy"), Some("info"))
    );
    assert!(
        f["message"].as_str().unwrap().contains("railway redeploy"),
        "{f:#}"
    );

    repo.commit_files("fix", &[("backend/app.py", "print(2)\n")]);
    let doc = check(&repo, &["HEAD^!"]);
    assert_eq!(doc["refs"][0]["deploys"], true);
    assert_eq!(targets(&doc)[0]["triggered"], true);
    assert_eq!(targets(&doc)[0]["tier"], "incremental");
}

#[test]
fn render_root_dir_and_build_filters() {
    let sandbox = Sandbox::new();
    let repo = repo_with(
        &sandbox,
        &[
            (
                "render.yaml",
                "services:\n  - type: web\n    name: api\n    runtime: docker\n    rootDir: api\n    dockerfilePath: ./Dockerfile\n    buildFilter:\n      ignoredPaths:\n        - \"**/*.md\"\n  - type: web\n    name: site\n    runtime: static\n    branch: production\n    staticPublishPath: ./public\n",
            ),
            ("api/Dockerfile", DOCKERFILE),
            ("api/app.py", "print(1)\n"),
            ("api/README.md", "api\n"),
        ],
    );
    repo.commit_files("readme", &[("api/README.md", "api docs\n")]);
    let t = targets(&check(&repo, &["HEAD^!"]));
    let api = target(&t, "render", "api");
    assert_eq!(api["triggered"], false, "{api:#}");
    assert!(api["reason"].as_str().unwrap().contains("ignoredPaths"));
    let site = target(&t, "render", "site");
    assert_eq!(site["triggered"], false);
    assert!(
        site["reason"].as_str().unwrap().contains("production"),
        "{site:#}"
    );

    repo.commit_files("code", &[("api/app.py", "print(2)\n")]);
    let t = targets(&check(&repo, &["HEAD^!"]));
    assert_eq!(target(&t, "render", "api")["triggered"], true);
    assert_eq!(target(&t, "render", "api")["tier"], "incremental");
}

const WORKFLOW_PATHS: &str = "name: Build\non:\n  push:\n    branches: [main, 'release/**']\n    paths:\n      - 'src/**'\n      - '!src/docs/**'\n      - Dockerfile\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: docker build -t ghcr.io/acme/app:latest . && docker push ghcr.io/acme/app:latest\n";

#[test]
fn workflow_branch_and_path_filters_with_negation() {
    let sandbox = Sandbox::new();
    let repo = repo_with(
        &sandbox,
        &[
            (".github/workflows/build.yml", WORKFLOW_PATHS),
            ("Dockerfile", DOCKERFILE),
            ("requirements.txt", "flask\n"),
            ("src/app.py", "print(1)\n"),
            ("src/docs/guide.md", "guide\n"),
        ],
    );
    repo.commit_files("guide", &[("src/docs/guide.md", "guide 2\n")]);
    let t = targets(&check(&repo, &["HEAD^!"]));
    assert_eq!(t[0]["platform"], "container");
    assert_eq!(t[0]["triggered"], false, "{t:#?}");
    assert!(t[0]["reason"]
        .as_str()
        .unwrap()
        .contains("paths src/**, !src/docs/**, Dockerfile"));

    repo.commit_files("code", &[("src/app.py", "print(2)\n")]);
    let t = targets(&check(&repo, &["HEAD^!"]));
    assert_eq!(t[0]["triggered"], true);
    let t = targets(&check(&repo, &["--to-ref", "release/2.1", "HEAD^!"]));
    assert_eq!(t[0]["triggered"], true);
    let doc = check(&repo, &["--to-ref", "staging", "HEAD^!"]);
    assert_eq!(doc["refs"][0]["deploys"], false);
    assert!(targets(&doc)[0]["reason"]
        .as_str()
        .unwrap()
        .contains("pushes to staging do not deploy it"));
}

#[test]
fn a_workflow_run_chain_inherits_the_filters_of_the_workflow_it_follows() {
    let sandbox = Sandbox::new();
    let repo = repo_with(
        &sandbox,
        &[
            (".github/workflows/ci.yml", "name: CI\non:\n  push:\n    branches: [main]\n    paths-ignore: ['**.md']\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"),
            (".github/workflows/deploy.yml", "name: Deploy\non:\n  workflow_run:\n    workflows: [CI]\n    types: [completed]\n  workflow_dispatch:\njobs:\n  deploy:\n    if: ${{ github.event.workflow_run.conclusion == 'success' }}\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: superfly/flyctl-actions@1.5\n        with:\n          args: \"deploy --remote-only\"\n"),
            ("fly.toml", "app = \"chain\"\n"),
            ("Dockerfile", DOCKERFILE),
            ("requirements.txt", "flask\n"),
            ("README.md", "hi\n"),
        ],
    );
    repo.commit_files("readme", &[("README.md", "hello\n")]);
    let doc = check(&repo, &["HEAD^!"]);
    let fly = target(&targets(&doc), "fly", "chain").clone();
    assert_eq!(fly["triggered"], false, "{fly:#}");
    assert_eq!(fly["via"], ".github/workflows/deploy.yml");
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "filtered-deploy")
        .expect("filtered-deploy");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("gh workflow run deploy.yml"),
        "{f:#}"
    );

    repo.commit_files("code", &[("app.py", "print(2)\n")]);
    assert_eq!(
        target(&targets(&check(&repo, &["HEAD^!"])), "fly", "chain")["triggered"],
        true
    );
}

#[test]
fn a_workflow_added_beside_a_git_integration_deploys_twice() {
    let sandbox = Sandbox::new();
    let repo = sandbox.deployed(&[
        (
            "railway.toml",
            "[build]\nbuilder = \"DOCKERFILE\"\n\n[deploy]\nhealthcheckPath = \"/health\"\n",
        ),
        ("Dockerfile", DOCKERFILE),
        ("requirements.txt", "flask\n"),
        ("app.py", "print(1)\n"),
    ]);
    repo.commit_files(
        "ci: deploy from actions",
        &[(
            ".github/workflows/railway.yml",
            "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    container: ghcr.io/railwayapp/cli:latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: railway up --service ${{ secrets.RAILWAY_SERVICE_ID }} --ci\n",
        )],
    );
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    let text = common::flat(&r.stderr);
    assert!(text.contains("warn[double-deploy]"), "{text}");
    assert!(
        text.contains("deployed 2 times by this push to main"),
        "{text}"
    );
    assert!(text.contains(".github/workflows/railway.yml:10"), "{text}");

    // Later pushes only repeat it.
    repo.commit_files("code", &[("app.py", "print(2)\n")]);
    let doc = check(&repo, &["HEAD^!"]);
    assert!(
        rules(&doc).contains(&("double-deploy".to_owned(), "info".to_owned())),
        "{doc:#}"
    );
}

#[test]
fn a_branch_only_a_workflow_deploys_is_the_deploy_branch() {
    let sandbox = Sandbox::new();
    let repo = sandbox.deployed(&[
        (
            ".github/workflows/release.yml",
            "on:\n  push:\n    branches: [production]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: flyctl deploy --remote-only\n",
        ),
        ("fly.toml", "app = \"prod-only\"\n"),
        ("Dockerfile", DOCKERFILE),
        ("requirements.txt", "flask\n"),
    ]);
    repo.commit_empty("trigger deploy");
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    let text = common::flat(&r.stderr);
    assert!(text.contains("no deploy"), "{text}");
    assert!(!text.contains("empty-commit"), "{text}");

    repo.commit_empty("redeploy");
    let r = repo.push(&["origin", "HEAD:production"]);
    let text = common::flat(&r.stderr);
    assert!(text.contains("warn[empty-commit]"), "{text}");
    assert!(text.contains("fly prod-only: deploys"), "{text}");
}

#[test]
fn a_space_rebuilds_on_every_push_to_main() {
    let sandbox = Sandbox::new();
    let repo = repo_with(
        &sandbox,
        &[
            (
                "README.md",
                "---\ntitle: Demo\nemoji: 🚀\nsdk: docker\napp_port: 7860\n---\n\n# Demo\n",
            ),
            ("Dockerfile", DOCKERFILE),
            ("requirements.txt", "gradio\n"),
        ],
    );
    repo.commit_files("Force rebuild", &[("README.md", "---\ntitle: Demo\nemoji: 🚀\nsdk: docker\napp_port: 7860\n---\n\n# Demo\n<!-- rebuild 2026-12-04 -->\n")]);
    let doc = check(&repo, &["HEAD^!"]);
    let all = targets(&doc);
    let space = target(&all, "huggingface", "Demo");
    assert_eq!(space["triggered"], true);
    assert_eq!(space["line"], 4);
    assert!(
        !rules(&doc).is_empty(),
        "the marker comment is reported: {doc:#}"
    );
}

#[test]
fn malformed_files_are_one_finding_each_and_the_rest_of_the_map_is_read() {
    let sandbox = Sandbox::new();
    let repo = repo_with(
        &sandbox,
        &[
            (
                ".github/workflows/bad.yml",
                "on: push\njobs:\n  deploy:\n    steps: [\n      - run: flyctl deploy\n",
            ),
            (
                "railway.json",
                "{\n  \"build\": {\n    \"builder\": \"DOCKERFILE\",,\n  }\n}\n",
            ),
            ("web/fly.toml", "app = \"web\"\n[build\n"),
            (
                "render.yaml",
                "services:\n  - type: web\n    name: good\n    runtime: docker\n",
            ),
            ("Dockerfile", DOCKERFILE),
            ("requirements.txt", "flask\n"),
        ],
    );
    repo.commit_files("edit", &[("requirements.txt", "flask\nrequests\n")]);
    let doc = check(&repo, &["HEAD^!"]);
    let at: Vec<(String, Option<u64>)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "app-build")
        .map(|f| (f["path"].as_str().unwrap().to_owned(), f["line"].as_u64()))
        .collect();
    for (path, line) in [
        (".github/workflows/bad.yml", 5),
        ("railway.json", 3),
        ("web/fly.toml", 2),
    ] {
        assert!(
            at.iter().any(|(p, l)| p == path && *l == Some(line)),
            "{path}:{line} in {at:?}"
        );
    }
    assert_eq!(target(&targets(&doc), "render", "good")["triggered"], true);
}

#[test]
fn an_unused_build_argument_busts_nothing() {
    let sandbox = Sandbox::new();
    let repo = repo_with(
        &sandbox,
        &[
            ("fly.toml", "app = \"argless\"\n"),
            ("Dockerfile", DOCKERFILE),
            ("requirements.txt", "flask\n"),
        ],
    );
    repo.commit_files(
        "ci: always rebuild",
        &[(
            ".github/workflows/fly.yml",
            "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: flyctl deploy --remote-only --build-arg CACHEBUST=${{ github.run_id }}\n",
        )],
    );
    let doc = check(&repo, &["HEAD^!"]);
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "unused-build-arg")
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(
        (f["severity"].as_str(), f["line"].as_u64()),
        (Some("warn"), Some(9))
    );
    assert!(f["message"].as_str().unwrap().contains("CACHEBUST"));
}

#[test]
fn skip_ci_in_the_pushed_head_stops_workflow_deploys() {
    let sandbox = Sandbox::new();
    let repo = repo_with(
        &sandbox,
        &[
            (".github/workflows/build.yml", WORKFLOW_PATHS),
            ("Dockerfile", DOCKERFILE),
            ("requirements.txt", "flask\n"),
            ("src/app.py", "print(1)\n"),
        ],
    );
    repo.commit_files("chore: bump [skip ci]", &[("src/app.py", "print(2)\n")]);
    let t = targets(&check(&repo, &["HEAD^!"]));
    assert_eq!(t[0]["triggered"], false);
    assert!(t[0]["reason"].as_str().unwrap().contains("skip CI"));
}

#[test]
fn an_app_whose_dockerfile_copies_from_the_root_is_predicted_from_the_root() {
    let sandbox = Sandbox::new();
    let repo = repo_with(
        &sandbox,
        &[
            ("services/api/fly.toml", "# generated by fly launch\n\napp = 'monorepo-api'\n"),
            (
                "services/api/Dockerfile",
                "FROM node:20-slim\nWORKDIR /srv\nCOPY package.json .\nRUN npm install\nCOPY libs/common ./libs/common\nCOPY services/api ./services/api\n",
            ),
            ("package.json", "{}\n"),
            ("libs/common/index.js", "module.exports = 1;\n"),
            ("services/api/index.js", "1;\n"),
        ],
    );
    repo.commit_files(
        "common",
        &[("libs/common/index.js", "module.exports = 2;\n")],
    );
    let doc = check(&repo, &["HEAD^!"]);
    let api = target(&targets(&doc), "fly", "monorepo-api").clone();
    assert_eq!(
        (api["line"].as_u64(), api["tier"].as_str()),
        (Some(3), Some("incremental")),
        "{doc:#}"
    );
    let note = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "app-build")
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(note["severity"], "info");
    assert!(note["message"]
        .as_str()
        .unwrap()
        .contains("evidently deployed from the root"));
}

/// A target whose app is only its platform's name is named once, in `explain` and in the
/// push report.
#[test]
fn a_target_is_named_once() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    repo.commit_files(
        "initial",
        &[
            ("railway.json", "{\"build\": {\"builder\": \"NIXPACKS\"}}\n"),
            ("main.py", "print('hi')\n"),
        ],
    );
    let out = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["explain", "HEAD^!"]),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("  railway  (railway.json"), "{text}");
    assert!(!text.contains("railway railway"), "{text}");
}
