//! The ways real teams force builds and deploys, through real pushes: trigger files by name
//! and by content (any language, UTF-16), marker lines, forcing messages weighed against
//! what the diff does, cache busters in RUN steps and CI flags, passwords in connection
//! strings, Railway cache mount ids, and the severity of a forcing commit beside real
//! changes. Each fires on the waste and stays quiet on the legitimate look-alike.

use crate::common;

use common::{PushResult, Sandbox, TestRepo};

const DOCKERFILE: &str = "FROM python:3.12-slim\n\
WORKDIR /app\n\
COPY requirements.txt .\n\
RUN pip install -r requirements.txt\n\
COPY . .\n\
CMD [\"python\", \"app.py\"]\n";

const SERVER_JS: &str = "const express = require('express');\n\
const VERSION = '2.0.3';\n\
const app = express();\n\
console.log('Starting api (v2.0.3)');\n\
app.get('/health', (req, res) => res.json({ ok: true, version: VERSION }));\n\
app.listen(process.env.PORT || 3000);\n";

const PACKAGE_JSON: &str =
    "{\n  \"name\": \"api\",\n  \"version\": \"2.0.3\",\n  \"dependencies\": {\n    \"express\": \"^4.19.2\"\n  }\n}\n";

fn deployed(sandbox: &Sandbox) -> TestRepo<'_> {
    sandbox.deployed(&[
        ("Dockerfile", DOCKERFILE),
        ("requirements.txt", "flask==3.0.1\n"),
        ("app.py", "print('hi')\n"),
        ("server.js", SERVER_JS),
        ("package.json", PACKAGE_JSON),
        (
            "public/index.html",
            "<html>\n<body>\n<h1>Demo</h1>\n</body>\n</html>\n",
        ),
        ("README.md", "# Demo\n\nDeploys on push.\n"),
    ])
}

/// `git push origin main` with the full report (`PUSHGUARD_OUTPUT=full`): these tests read
/// each finding's fact and fix, which the default compact report leaves to `explain --last`.
fn push_main(repo: &TestRepo<'_>) -> PushResult {
    common::run(
        repo.push_cmd(&["origin", "main"])
            .env("PUSHGUARD_OUTPUT", "full"),
    )
    .into()
}

#[test]
fn trigger_files_are_known_by_their_name_in_any_case() {
    for name in [
        ".vercel-trigger",
        "FORCE_REDEPLOY.txt",
        "restart.txt",
        "Deployment_Trigger.md",
    ] {
        let sandbox = Sandbox::new();
        let repo = deployed(&sandbox);
        repo.commit_files("chore: update", &[(name, "redeploy please\n")]);
        let r = push_main(&repo);
        assert!(
            r.stderr.contains("warn[trigger-file]"),
            "{name}: {}",
            r.stderr
        );
        assert!(r.success(), "warn does not block: {r:?}");
    }
}

#[test]
fn a_file_holding_a_date_in_another_language_is_a_trigger() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "update",
        &[("deploy-stamp", "ven 31 ott 2025 03:43:27 WITA\n")],
    );
    let r = push_main(&repo);
    assert!(r.stderr.contains("warn[trigger-file]"), "{}", r.stderr);
}

#[test]
fn a_utf16_date_written_by_powershell_is_a_trigger() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "Monday, 17 November 2025 10:02:11\r\n".encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    std::fs::write(repo.path.join("last-deploy"), bytes).unwrap();
    repo.commit_all("redeploy");
    let r = push_main(&repo);
    assert!(r.stderr.contains("warn[trigger-file]"), "{}", r.stderr);
}

#[test]
fn a_named_trigger_beside_a_real_change_is_info() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "fix health check",
        &[
            (".railway-trigger", "2025-11-17\n"),
            ("app.py", "print('fixed')\n"),
        ],
    );
    let r = push_main(&repo);
    assert!(r.stderr.contains("info[trigger-file]"), "{}", r.stderr);
    assert!(r.stderr.contains("beside 1 other file"), "{}", r.stderr);
    assert!(r.success(), "{r:?}");
}

#[test]
fn a_version_bump_to_force_a_deploy_is_a_dummy_edit_but_a_release_is_not() {
    let bump = |repo: &TestRepo<'_>, msg: &str| {
        repo.commit_files(
            msg,
            &[
                ("package.json", &PACKAGE_JSON.replace("2.0.3", "2.0.4")),
                ("server.js", &SERVER_JS.replace("2.0.3", "2.0.4")),
            ],
        );
        push_main(repo)
    };
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let r = bump(
        &repo,
        "chore: Bump version to 2.0.4 to trigger Railway deployment",
    );
    assert!(r.stderr.contains("warn[dummy-source-edit]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("changes only comments, log lines"),
        "{}",
        r.stderr
    );

    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let r = bump(&repo, "release 2.0.4");
    assert!(!r.stderr.contains("dummy-source-edit"), "{}", r.stderr);
}

#[test]
fn a_cache_bust_comment_in_html_is_a_dummy_edit_without_any_message() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "update page",
        &[(
            "public/index.html",
            "<html>\n<body>\n<h1>Demo</h1>\n<!-- Cache bust: 1763452808 -->\n</body>\n</html>\n",
        )],
    );
    let r = push_main(&repo);
    assert!(r.stderr.contains("warn[dummy-source-edit]"), "{}", r.stderr);
}

#[test]
fn a_real_change_with_a_forcing_message_is_not_reported() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "Force rebuild without pip cache",
        &[(
            "Dockerfile",
            &DOCKERFILE.replace("pip install -r", "pip install --no-cache-dir -r"),
        )],
    );
    let r = push_main(&repo);
    for rule in ["dummy-source-edit", "trigger-file", "timestamp-edit"] {
        assert!(!r.stderr.contains(rule), "{rule}: {}", r.stderr);
    }
    assert!(r.success(), "{r:?}");
}

#[test]
fn a_run_step_that_echoes_a_rebuild_marker_is_reported() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let marked = DOCKERFILE.replace(
        "WORKDIR /app\n",
        "WORKDIR /app\nRUN echo \"REBUILD: 1768908340\" && date || true\n",
    );
    repo.commit_files("deploy", &[("Dockerfile", &marked)]);
    let r = push_main(&repo);
    assert!(r.stderr.contains("warn[timestamp-edit]"), "{}", r.stderr);
    assert!(r.stderr.contains("carries a build marker"), "{}", r.stderr);
}

#[test]
fn a_ci_build_arg_that_changes_every_run_is_a_cache_buster() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let workflow = "name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: flyctl deploy --remote-only --build-arg BUILD_REF=${{ github.run_id }}\n";
    repo.commit_files(
        "ci: deploy on push",
        &[(".github/workflows/deploy.yml", workflow)],
    );
    let r = push_main(&repo);
    assert!(r.stderr.contains("warn[cache-bust-arg]"), "{}", r.stderr);
    assert!(r.stderr.contains("BUILD_REF="), "{}", r.stderr);
}

#[test]
fn a_password_in_a_connection_string_blocks() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    // Assembled at run time, so this file holds no secret-shaped literal.
    let password: String = "Zq8"
        .chars()
        .chain("mV2xRk7".chars().cycle().take(14))
        .collect();
    let settings = format!(
        "{{\n  \"ConnectionStrings\": {{\n    \"Default\": \"Host=db.internal;Port=5432;Username=app;Password={password}\"\n  }}\n}}\n"
    );
    repo.commit_files("configure the database", &[("appsettings.json", &settings)]);
    let r = push_main(&repo);
    assert!(r.stderr.contains("block[secret-in-image]"), "{}", r.stderr);
    assert!(r.stderr.contains("connection string"), "{}", r.stderr);
    assert!(
        !r.stderr.contains(&password),
        "the password is masked: {}",
        r.stderr
    );
    assert!(!r.success(), "{r:?}");

    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let settings = "{\n  \"Default\": \"Host=db;Username=app;Password=${DB_PASSWORD}\"\n}\n";
    repo.commit_files("configure the database", &[("appsettings.json", settings)]);
    let r = push_main(&repo);
    assert!(!r.stderr.contains("secret-in-image"), "{}", r.stderr);
}

#[test]
fn railway_cache_mount_ids_need_the_service_prefix() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "railway",
        &[(
            "railway.json",
            "{\n  \"build\": { \"builder\": \"DOCKERFILE\" }\n}\n",
        )],
    );
    assert!(push_main(&repo).success());
    let mounted = DOCKERFILE.replace(
        "RUN pip install",
        "RUN --mount=type=cache,id=pip-cache,target=/root/.cache/pip pip install",
    );
    repo.commit_files("cache pip", &[("Dockerfile", &mounted)]);
    let r = push_main(&repo);
    assert!(r.stderr.contains("[cache-mount-no-id]"), "{}", r.stderr);
    assert!(r.stderr.contains("s/<service-id>-"), "{}", r.stderr);

    // Without Railway, an explicit id is fine.
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files("cache pip", &[("Dockerfile", &mounted)]);
    let r = push_main(&repo);
    assert!(!r.stderr.contains("cache-mount-no-id"), "{}", r.stderr);
}

#[test]
fn a_forcing_commit_beside_real_changes_costs_nothing_extra() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files("feature", &[("app.py", "print('new feature')\n")]);
    repo.commit_empty("trigger redeploy");
    let r = push_main(&repo);
    assert!(r.stderr.contains("info[empty-commit]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("deploys real changes anyway"),
        "{}",
        r.stderr
    );
    assert!(r.success(), "{r:?}");

    // Alone, the same commit costs a deploy.
    repo.commit_empty("trigger redeploy");
    let r = push_main(&repo);
    assert!(r.stderr.contains("warn[empty-commit]"), "{}", r.stderr);
}

/// A long push is settled by one real commit: the forcing rules then say they did not read
/// the rest, and the warning a forcing commit alone would get is not given. A long push made
/// only of forcing commits has no real one to settle it: every commit is judged and warned.
#[test]
fn a_long_push_is_settled_by_a_real_commit_and_only_by_one() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    for i in 0..50 {
        repo.commit_files(
            &format!("refresh {i}"),
            &[("deploy-trigger.txt", &format!("{}\n", 1_700_000_000 + i))],
        );
    }
    let r = push_main(&repo);
    assert!(r.stderr.contains("warn[trigger-file]"), "{}", r.stderr);
    assert!(!r.stderr.contains("not run on"), "{}", r.stderr);
    assert!(r.success(), "warn does not block: {r:?}");

    for i in 0..50 {
        repo.commit_files(
            &format!("refresh {i}"),
            &[("deploy-trigger.txt", &format!("{}\n", 1_800_000_000 + i))],
        );
    }
    repo.commit_files("feature", &[("app.py", "print('new feature')\n")]);
    let r = push_main(&repo);
    assert!(!r.stderr.contains("warn[trigger-file]"), "{}", r.stderr);
    assert!(r.stderr.contains("trigger-file not run on"), "{}", r.stderr);
    assert!(r.stderr.contains("the other 50 commits"), "{}", r.stderr);
    assert!(r.stderr.contains("\"feature\""), "{}", r.stderr);
}

#[test]
fn dockerfile_comments_in_a_documentation_commit_are_info() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let documented = DOCKERFILE.replace(
        "RUN pip install",
        "# Dependencies first: this layer stays cached while only the code changes.\nRUN pip install",
    );
    repo.commit_files(
        "docs: explain the image layout",
        &[
            ("Dockerfile", documented.as_str()),
            (
                "README.md",
                "# Demo\n\nDeploys on push. The image caches dependencies.\n",
            ),
            ("docs/deploy.md", "# Deploying\n\nPush to main.\n"),
        ],
    );
    let r = push_main(&repo);
    assert!(
        r.stderr.contains("info[dockerfile-comment-only]"),
        "{}",
        r.stderr
    );
    assert!(r.success(), "{r:?}");
}

#[test]
fn a_secret_build_argument_copied_into_env_blocks() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let leaky = DOCKERFILE.replace(
        "WORKDIR /app\n",
        "WORKDIR /app\nARG DB_PASSWORD\nENV DB_PASSWORD=$DB_PASSWORD\n",
    );
    repo.commit_files("db", &[("Dockerfile", &leaky)]);
    let r = push_main(&repo);
    assert!(r.stderr.contains("block[secret-in-image]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("copies the build argument"),
        "{}",
        r.stderr
    );

    // A non-secret argument is an ordinary setting.
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let fine = DOCKERFILE.replace(
        "WORKDIR /app\n",
        "WORKDIR /app\nARG APP_ENV=production\nENV APP_ENV=$APP_ENV\n",
    );
    repo.commit_files("env", &[("Dockerfile", &fine)]);
    let r = push_main(&repo);
    assert!(!r.stderr.contains("secret-in-image"), "{}", r.stderr);
}

#[test]
fn secrets_in_files_the_line_rules_skip_are_still_found() {
    let password: String = "Wq4"
        .chars()
        .chain("tN8zLp3".chars().cycle().take(14))
        .collect();
    let line = format!("DATABASE_URL=postgres://app:{password}@db.prod.example.net:5432/app\n");
    // A stray NUL byte, a file over 1 MiB, and a file whose previous version was binary.
    let with_nul = format!("# settings\0\n{line}");
    let large = format!(
        "{}{line}",
        "# padding line for a large settings file\n".repeat(30_000)
    );
    for (name, contents, before) in [
        ("settings.env", with_nul.as_str(), None),
        ("big.env", large.as_str(), None),
        ("blob.env", line.as_str(), Some("\0\x01\x02binary\0")),
    ] {
        let sandbox = Sandbox::new();
        let repo = deployed(&sandbox);
        if let Some(before) = before {
            repo.commit_files("binary first", &[(name, before)]);
            assert!(push_main(&repo).success());
        }
        repo.commit_files("settings", &[(name, contents)]);
        let r = push_main(&repo);
        assert!(
            r.stderr.contains("block[secret-in-image]"),
            "{name}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains(&password), "masked: {}", r.stderr);
    }
}

#[test]
fn a_rename_to_bust_the_cache_is_a_dummy_edit() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.git(&["mv", "app.py", "main_app.py"]);
    repo.commit_all("rename to bust the build cache");
    let r = push_main(&repo);
    assert!(r.stderr.contains("warn[dummy-source-edit]"), "{}", r.stderr);

    // A rename with an ordinary message is a refactor.
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.git(&["mv", "app.py", "main_app.py"]);
    repo.commit_all("rename the entry point");
    let r = push_main(&repo);
    assert!(!r.stderr.contains("dummy-source-edit"), "{}", r.stderr);
}
