use super::*;

mod validation;

pub(super) const FILE: &str = "pushguard.toml";

pub(super) fn user(text: &str) -> Config {
    Config::from_user_toml(text, Path::new(FILE)).unwrap_or_else(|e| panic!("{e}"))
}

pub(super) fn error(text: &str) -> ConfigError {
    match Config::from_user_toml(text, Path::new(FILE)) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

/// (line, column, message, help) of every problem in `text`.
pub(super) fn problems(text: &str) -> Vec<(usize, usize, String, String)> {
    error(text)
        .diagnostics()
        .iter()
        .map(|d| {
            (
                d.line().unwrap_or(0),
                d.column().unwrap_or(0),
                d.message().to_owned(),
                d.help().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The single problem in `text`.
pub(super) fn problem(text: &str) -> (usize, usize, String, String) {
    let mut all = problems(text);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

pub(super) fn classify(c: &Config, path: &str) -> (BuildTier, Option<String>) {
    let (tier, rule) = c.classify(path.as_bytes());
    (tier, rule.map(|r| r.id.clone()))
}

pub(super) fn rule_ids(c: &Config) -> Vec<&str> {
    c.path_rules().iter().map(|r| r.id.as_str()).collect()
}

// ---- The built-in default ----

#[test]
fn default_loads_without_fallback() {
    let loaded = overlay::apply(
        &Config::empty(),
        DEFAULT_TOML,
        Path::new("default.toml"),
        overlay::Origin::Defaults,
    );
    let config = loaded.unwrap_or_else(|e| panic!("{e}"));
    assert!(!config.path_rules().is_empty());
    assert_eq!(config.source, ConfigSource::BuiltIn);
    assert_eq!(Config::builtin(), config);
}

#[test]
fn builtin_has_every_content_rule_with_fact_and_hint() {
    let c = Config::builtin();
    let expected = [
        "dockerfile-comment-only",
        "cache-bust-arg",
        "timestamp-edit",
        "manifest-comment-only",
        "empty-commit",
        "dummy-source-edit",
        "trigger-file",
        "secret-in-image",
        "cache-mount-no-id",
        "context-bloat",
        "no-cache-deploy",
        "frequent-deploys",
        "double-deploy",
        "filtered-deploy",
        "unused-build-arg",
    ];
    assert_eq!(c.known_rule_ids(), expected);
    for rule in c.rules() {
        assert!(rule.fact().len() > 80, "{} fact too short", rule.id);
        assert!(rule.hint().len() > 40, "{} hint too short", rule.id);
        assert!(
            !rule.fact().contains('\n'),
            "{} fact has a line break",
            rule.id
        );
    }
}

#[test]
fn builtin_severities_and_options() {
    let c = Config::builtin();
    let sev = |id: &str| c.rule(id).and_then(|r| r.severity);
    assert_eq!(sev("dockerfile-comment-only"), Some(Severity::Block));
    assert_eq!(sev("cache-bust-arg"), Some(Severity::Warn));
    assert_eq!(sev("cache-mount-no-id"), Some(Severity::Info));
    assert_eq!(sev("secret-in-image"), Some(Severity::Block));
    let rule = |id: &str| c.rule(id).unwrap_or_else(|| panic!("no rule {id}"));
    assert!(rule("cache-bust-arg")
        .list_option("names")
        .contains(&"CACHEBUST".to_owned()));
    assert_eq!(
        rule("timestamp-edit").severity_option("manifest_severity"),
        Some(Some(Severity::Block))
    );
    assert_eq!(
        rule("cache-mount-no-id").str_option("railway_severity"),
        Some("block")
    );
    assert_eq!(
        rule("context-bloat").int_option("max_bytes"),
        Some(5_242_880)
    );
    assert_eq!(rule("frequent-deploys").int_option("minutes"), Some(10));
    assert!(rule("dummy-source-edit")
        .list_option("message_patterns")
        .contains(&"force rebuild".to_owned()));
    assert!(c.rule("no-such-rule").is_none());
    assert_eq!(rule("empty-commit").int_option("minutes"), None);
}

#[test]
fn glob_options_are_precompiled() {
    let c = Config::builtin();
    let globs = |id: &str, key: &str| {
        c.rule(id)
            .and_then(|r| r.globs_option(key))
            .unwrap_or_else(|| panic!("{id}.{key} not compiled"))
    };
    assert!(globs("dockerfile-comment-only", "globs").is_match("apps/web/Dockerfile.prod"));
    assert!(globs("context-bloat", "junk_globs").is_match("web/node_modules/x/index.js"));
    assert!(globs("trigger-file", "globs").is_match(".deploy-trigger"));
    assert!(globs("trigger-file", "globs").is_match("ops/RAILWAY_DEPLOY_TRIGGER.txt"));
    assert!(globs("no-cache-deploy", "globs").is_match(".github/workflows/fly.yml"));
    assert!(c
        .rule("context-bloat")
        .and_then(|r| r.globs_option("max_bytes"))
        .is_none());
}

#[test]
fn builtin_times_and_deploy_settings() {
    let c = Config::builtin();
    let t = |tier| {
        let times = c.tier_times(tier);
        (times.build_seconds, times.deploy_seconds)
    };
    assert_eq!(t(BuildTier::None), (0, 30));
    assert_eq!(t(BuildTier::Incremental), (45, 120));
    assert_eq!(t(BuildTier::Partial), (120, 180));
    assert_eq!(t(BuildTier::Full), (180, 240));
    assert_eq!(c.deploy_branches, ["main", "master"]);
    assert_eq!(c.unmatched, BuildTier::Incremental);
    assert_eq!(c.platform, Platform::Fly);
    assert_eq!(c.policy.confirm, ConfirmOn::Block);
    assert_eq!(c.policy.noninteractive, NonInteractive::Block);
    assert_eq!(c.policy.on_error, OnError::Allow);
}

// ---- Classification ----

#[test]
fn guide_examples_classify_as_the_guide_says() {
    let c = Config::builtin();
    let cases = [
        ("app/main_cloud.py", BuildTier::Incremental),
        ("main_cloud.py", BuildTier::Incremental),
        ("requirements.txt", BuildTier::Partial),
        ("Dockerfile", BuildTier::Full),
        (".dockerignore", BuildTier::Incremental),
        ("docs/x.md", BuildTier::Incremental),
        ("services/api/requirements-dev.txt", BuildTier::Partial),
        ("apps/web/Dockerfile.prod", BuildTier::Full),
        ("config/settings.yaml", BuildTier::Incremental),
        ("static/logo.png", BuildTier::Incremental),
        ("Aptfile", BuildTier::Full),
        ("models.yaml", BuildTier::Full),
    ];
    for (path, tier) in cases {
        assert_eq!(classify(&c, path).0, tier, "{path}");
    }
}

#[test]
fn classification_names_the_deciding_rule() {
    let c = Config::builtin();
    let cases = [
        ("Containerfile", "dockerfile"),
        ("deploy/api.Dockerfile", "dockerfile"),
        ("Dockerfile.dockerignore", "dockerignore"),
        ("packages.txt", "system-packages"),
        (".python-version", "runtime-versions"),
        ("ml/model_config.json", "model-config"),
        ("weights/encoder.onnx", "model-weights"),
        ("requirements/base.in", "dependencies"),
        ("backend/pyproject.toml", "dependencies"),
        ("web/package.json", "dependencies"),
        ("go.sum", "dependencies"),
        ("fly.toml", "platform-config"),
        (".github/workflows/deploy.yml", "ci"),
        ("README.md", "docs"),
        ("web/public/manifest.json", "static"),
        ("tsconfig.json", "config"),
        (".env.example", "config"),
        ("src/lib.rs", "source"),
    ];
    for (path, id) in cases {
        assert_eq!(classify(&c, path).1.as_deref(), Some(id), "{path}");
    }
}

#[test]
fn unmatched_paths_get_the_unmatched_tier() {
    let c = Config::builtin();
    assert_eq!(
        classify(&c, "data/blob.xyz"),
        (BuildTier::Incremental, None)
    );
    // `*` does not cross `/`: a root-only glob does not match deeper paths.
    assert_eq!(
        classify(&c, "sub/.gitlab-ci.yml").1.as_deref(),
        Some("config")
    );
    let c = user("[deploy]\nunmatched = \"none\"\n");
    assert_eq!(classify(&c, "data/blob.xyz"), (BuildTier::None, None));
}

#[test]
fn non_utf8_paths_classify_without_panicking() {
    let c = Config::builtin();
    let (tier, rule) = c.classify(b"src/\xff\xfeweird.py");
    assert_eq!(tier, BuildTier::Incremental);
    assert_eq!(rule.map(|r| r.id.as_str()), Some("source"));
    assert_eq!(c.classify(b"\xff\x00\x80").0, BuildTier::Incremental);
    assert_eq!(c.classify(b"svc/\xc3\x28/Dockerfile").0, BuildTier::Full);
    assert_eq!(c.classify(b"").1.map(|r| r.id.as_str()), None);
}

#[test]
fn deploy_branches_are_names_or_globs() {
    let c = Config::builtin();
    assert!(c.is_deploy_branch("main"));
    assert!(c.is_deploy_branch("master"));
    assert!(!c.is_deploy_branch("feature/main"));
    let c = user("[deploy]\nbranches = [\"production\", \"release/*\"]\n");
    assert!(c.is_deploy_branch("production"));
    assert!(c.is_deploy_branch("release/1.2"));
    assert!(!c.is_deploy_branch("release/a/b"));
    assert!(!c.is_deploy_branch("main"));
    let c = user("[deploy]\nbranches = []\n");
    assert!(!c.is_deploy_branch("main"));
}

// ---- Merging a user file ----

#[test]
fn empty_user_file_equals_builtin_but_for_source() {
    let mut c = user("");
    assert_eq!(c.source, ConfigSource::File(PathBuf::from(FILE)));
    c.source = ConfigSource::BuiltIn;
    assert_eq!(c, Config::builtin());
}

#[test]
fn overriding_a_builtin_rule_keeps_its_position() {
    let builtin = Config::builtin();
    let c = user("[paths.dependencies]\ntier = \"full\"\nreason = \"deps moved\"\n");
    assert_eq!(rule_ids(&c), rule_ids(&builtin));
    assert_eq!(
        classify(&c, "requirements.txt"),
        (BuildTier::Full, Some("dependencies".to_owned()))
    );
    let rule = c.path_rules().iter().find(|r| r.id == "dependencies");
    let rule = rule.unwrap_or_else(|| panic!("no dependencies rule"));
    assert!(rule.builtin);
    assert_eq!(rule.reason, "deps moved");
    // Globs not overridden are kept.
    assert!(rule.globs.contains(&"**/poetry.lock".to_owned()));
}

#[test]
fn overriding_globs_recompiles_the_matcher() {
    let c = user("[paths.dockerfile]\nglobs = [\"build/Dockerfile\"]\n");
    assert_eq!(classify(&c, "build/Dockerfile").0, BuildTier::Full);
    assert_eq!(classify(&c, "Dockerfile"), (BuildTier::Incremental, None));
}

#[test]
fn user_rules_come_first_in_file_order() {
    let c = user(
        "[paths.second-defined-first]\nglobs = [\"db/**\"]\ntier = \"partial\"\n\
         [paths.dockerfile]\nenabled = true\n\
         [paths.ml]\nglobs = [\"**/*.py\"]\ntier = \"full\"\nreason = \"ML code changed\"\n",
    );
    let ids = rule_ids(&c);
    assert_eq!(
        ids.get(..3),
        Some(&["second-defined-first", "ml", "dockerignore"][..])
    );
    assert_eq!(ids.len(), rule_ids(&Config::builtin()).len() + 2);
    let (tier, rule) = c.classify(b"app/main.py");
    assert_eq!(tier, BuildTier::Full);
    let rule = rule.unwrap_or_else(|| panic!("no rule"));
    assert_eq!(rule.reason, "ML code changed");
    assert!(!rule.builtin);
    // A user rule beats a built-in one even for a Dockerfile-looking path.
    let (_, rule) = c.classify(b"db/Dockerfile");
    assert_eq!(rule.map(|r| r.id.as_str()), Some("second-defined-first"));
    let added = c.path_rules().first().map(|r| r.reason.clone());
    assert_eq!(added.as_deref(), Some("second-defined-first changed"));
}

#[test]
fn disabled_rules_are_skipped() {
    let c = user("[paths.dockerfile]\nenabled = false\n[paths.dependencies]\nenabled = false\n");
    assert_eq!(classify(&c, "Dockerfile"), (BuildTier::Incremental, None));
    // pyproject.toml falls through to the generic config rule.
    assert_eq!(classify(&c, "pyproject.toml").1.as_deref(), Some("config"));
    assert!(c
        .path_rules()
        .iter()
        .any(|r| r.id == "dockerfile" && !r.enabled));
}

#[test]
fn user_changes_times_policy_and_platform() {
    let c = user(
        "[tiers.full]\nbuild_seconds = 600\n[tiers.none]\ndeploy_seconds = 0\n\
         [deploy]\nplatform = \"railway\"\n\
         [policy]\nconfirm = \"warn\"\nnoninteractive = \"allow\"\non_error = \"block\"\n",
    );
    assert_eq!(c.tier_times(BuildTier::Full).build_seconds, 600);
    assert_eq!(c.tier_times(BuildTier::Full).deploy_seconds, 240);
    assert_eq!(c.tier_times(BuildTier::None).deploy_seconds, 0);
    assert_eq!(c.platform, Platform::Railway);
    assert_eq!(
        c.policy,
        Policy {
            confirm: ConfirmOn::Warn,
            noninteractive: NonInteractive::Allow,
            on_error: OnError::Block,
            server_trailers: crate::config::ServerTrailers::Ignore,
            time_budget_seconds: 30,
            agents: crate::config::Agents::Instruct,
            agent_env: Config::builtin().policy.agent_env,
        }
    );
    assert!(c.policy.agent_env.iter().any(|n| n == "CLAUDECODE"));
    assert_eq!(c.policy.confirm.threshold(), Severity::Warn);
}

#[test]
fn user_tunes_content_rules() {
    let c = user(
        "[rules.frequent-deploys]\nseverity = \"off\"\nminutes = 30\n\
         [rules.cache-bust-arg]\nnames = [\"BUST\"]\nhint = \"ask Sam\"\n\
         [rules.context-bloat]\njunk_globs = [\"**/*.csv\"]\n\
         [rules.timestamp-edit]\nmanifest_severity = \"warn\"\n",
    );
    let rule = |id: &str| c.rule(id).unwrap_or_else(|| panic!("no rule {id}"));
    assert_eq!(rule("frequent-deploys").severity, None);
    assert_eq!(rule("frequent-deploys").int_option("minutes"), Some(30));
    assert_eq!(rule("cache-bust-arg").list_option("names"), ["BUST"]);
    assert_eq!(rule("cache-bust-arg").hint(), "ask Sam");
    assert_eq!(
        rule("cache-bust-arg").fact(),
        Config::builtin()
            .rule("cache-bust-arg")
            .map(|r| r.fact().to_owned())
            .unwrap_or_default()
    );
    let junk = rule("context-bloat").globs_option("junk_globs");
    assert!(junk.is_some_and(|g| g.is_match("data/x.csv") && !g.is_match("a/node_modules/b")));
    assert_eq!(
        rule("timestamp-edit").severity_option("manifest_severity"),
        Some(Some(Severity::Warn))
    );
    // Option-less globs may be emptied where the name ends in `_globs`.
    let c = user("[rules.context-bloat]\njunk_globs = []\n");
    assert!(c
        .rule("context-bloat")
        .is_some_and(|r| r.list_option("junk_globs").is_empty()));
}

#[test]
fn inline_and_dotted_tables_work_too() {
    let c = user(
        "paths.api = { globs = [\"api/**\"], tier = \"partial\" }\n\
         rules.empty-commit.severity = \"block\"\n",
    );
    assert_eq!(classify(&c, "api/x.py").1.as_deref(), Some("api"));
    assert_eq!(
        c.rule("empty-commit").and_then(|r| r.severity),
        Some(Severity::Block)
    );
}

// ---- Starter and round trip ----

#[test]
fn starter_loads_and_changes_nothing() {
    let mut c = user(STARTER_TOML);
    c.source = ConfigSource::BuiltIn;
    assert_eq!(c, Config::builtin());
}

#[test]
fn starter_examples_load_when_uncommented() {
    let uncommented: String = STARTER_TOML
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(code) => code,
            None if l == "#" => "",
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let c = user(&uncommented);
    assert_eq!(rule_ids(&c).first(), Some(&"migrations"));
    assert_eq!(classify(&c, "db/migrations/001.sql").0, BuildTier::Partial);
    assert!(c
        .path_rules()
        .iter()
        .any(|r| r.id == "model-config" && !r.enabled));
    assert_eq!(c.rule("frequent-deploys").and_then(|r| r.severity), None);
    assert_eq!(c.tier_times(BuildTier::Full).build_seconds, 300);
    assert!(c.is_deploy_branch("release/2"));
    assert_eq!(c.policy.confirm, ConfirmOn::Warn);
}

#[test]
fn builtin_round_trips_through_to_toml() {
    let c = Config::builtin();
    let text = c.to_toml();
    assert!(text.starts_with("# pushguard configuration in effect: built-in defaults."));
    let mut back = user(&text);
    back.source = ConfigSource::BuiltIn;
    assert_eq!(back, c);
}

#[test]
fn customised_config_round_trips_through_to_toml() {
    let c = user(
        "[deploy]\nbranches = [\"prod\", \"release/*\"]\nunmatched = \"none\"\nplatform = \"other\"\n\
         [tiers.partial]\nbuild_seconds = 99\n\
         [paths.\"odd id.with dots\"]\nglobs = ['C:\\path', \"a\\\"b\"]\ntier = \"full\"\nreason = \"odd \\\"quoted\\\"\\nreason\"\n\
         [paths.later]\nglobs = [\"x/**\"]\ntier = \"none\"\nenabled = false\n\
         [paths.docs]\nenabled = false\n\
         [rules.trigger-file]\nseverity = \"off\"\nglobs = [\"**/.poke\"]\n\
         [policy]\non_error = \"block\"\n",
    );
    let text = c.to_toml();
    assert!(
        text.contains("with pushguard.toml merged over them"),
        "{text}"
    );
    let back = user(&text);
    assert_eq!(back, c, "{text}");
    assert_eq!(
        rule_ids(&back).get(..2),
        Some(&["odd id.with dots", "later"][..])
    );
    assert_eq!(back.to_toml(), text);
}

// ---- Loading from disk ----

#[test]
fn load_follows_the_lookup_order() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    // Nothing anywhere: built-in.
    let c = Config::load_from(None, None, Some(root)).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(c.source, ConfigSource::BuiltIn);
    // The worktree file.
    let worktree_file = root.join(FILE_NAME);
    std::fs::write(&worktree_file, "[deploy]\nplatform = \"railway\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let c = Config::load_from(None, None, Some(root)).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(c.source, ConfigSource::File(worktree_file.clone()));
    assert_eq!(c.platform, Platform::Railway);
    // The environment beats the worktree; an empty value is ignored.
    let env_file = root.join("env.toml");
    std::fs::write(&env_file, "[deploy]\nplatform = \"other\"\n").unwrap_or_else(|e| panic!("{e}"));
    let c = Config::load_from(None, Some(env_file.as_os_str()), Some(root))
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(c.platform, Platform::Other);
    let c = Config::load_from(None, Some(OsStr::new("")), Some(root))
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(c.platform, Platform::Railway);
    // --config beats both.
    let explicit = root.join("explicit.toml");
    std::fs::write(&explicit, "").unwrap_or_else(|e| panic!("{e}"));
    let c = Config::load_from(Some(&explicit), Some(env_file.as_os_str()), Some(root))
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(c.platform, Platform::Fly);
}

#[test]
fn named_files_must_exist_and_be_valid() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let missing = dir.path().join("missing.toml");
    let err = Config::load_from(Some(&missing), None, None)
        .map(|_| ())
        .unwrap_err();
    assert!(format!("{err:#}").contains("named by --config"), "{err:#}");
    let err = Config::load_from(None, Some(missing.as_os_str()), None)
        .map(|_| ())
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("named by PUSHGUARD_CONFIG"),
        "{err:#}"
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, b"[deploy]\nplatform = \"\xff\"\n").unwrap_or_else(|e| panic!("{e}"));
    let err = Config::load_from(Some(&bad), None, None)
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("not valid UTF-8"), "{err:#}");

    std::fs::write(&bad, "[deploy]\nplatform = \"x\"\n").unwrap_or_else(|e| panic!("{e}"));
    let err = Config::load_from(Some(&bad), None, None)
        .map(|_| ())
        .unwrap_err();
    let config_error = err.config_error();
    assert!(config_error.is_some(), "{err:#}");
    assert!(err.to_string().contains("bad.toml:2:12"), "{err:#}");
}

#[test]
fn fuzzish_inputs_never_panic() {
    let inputs = [
        "",
        "\n",
        "[",
        "]",
        "=",
        "[paths]",
        "[paths.a]",
        "[rules]",
        "[rules.x]\n",
        "paths = []",
        "rules = 1",
        "[tiers]\nnone = 1",
        "[paths.a]\nglobs = [[]]\ntier = 1",
        "[deploy]\nbranches = [1, \"[\", {}]",
        "[rules.context-bloat]\nmax_bytes = 99999999999999999999",
        "\u{feff}[deploy]",
        "a.b.c.d = 1",
        "[policy]\nconfirm = []",
    ];
    for input in inputs {
        let _ = Config::from_user_toml(input, Path::new(FILE)).map_err(|e| e.to_string());
    }
}

#[test]
fn the_default_is_also_a_valid_user_file() {
    // The schema is self-consistent: every key of the default may be set by a user, and
    // setting them all to their default values changes nothing.
    let mut c = user(DEFAULT_TOML);
    c.source = ConfigSource::BuiltIn;
    assert_eq!(c, Config::builtin());
}

// ---- [build] and [[app]] ----

#[test]
fn build_settings_have_defaults_and_can_be_tuned() {
    let c = Config::builtin();
    assert_eq!(c.build.estimate, Estimate::Tier);
    assert_eq!(c.build.weights.dependencies, 60);
    assert!(c
        .build
        .system_commands
        .iter()
        .any(|p| p == "apt-get install"));
    assert!(c
        .build
        .dependency_commands
        .iter()
        .any(|p| p == "pip install"));
    let c = user(
        "[build]\nestimate = \"steps\"\noverhead_seconds = 5\ndependency_commands = [\"make deps\"]\n\
         [build.weights]\ncopy = 1\n",
    );
    assert_eq!(c.build.estimate, Estimate::Steps);
    assert_eq!(c.build.overhead_seconds, 5);
    assert_eq!(c.build.dependency_commands, ["make deps"]);
    assert_eq!(c.build.weights.copy, 1);
    assert_eq!(c.build.weights.run, 15);
}

#[test]
fn build_settings_are_validated() {
    let (line, _, msg, help) = problem("[build]\nestimate = \"fast\"\n");
    assert_eq!(line, 2);
    assert!(msg.contains("unknown `estimate` value `fast`"), "{msg}");
    assert!(help.contains("tier, steps"), "{help}");
    let (_, _, msg, help) = problem("[build.weights]\nfrom = 3\n");
    assert!(msg.contains("build.weights.from"), "{msg}");
    assert!(help.contains("base_image, system_packages"), "{help}");
    let (_, _, msg, _) = problem("[build.weights]\nrun = -1\n");
    assert!(msg.contains("cannot be negative"), "{msg}");
    let (_, _, msg, _) = problem("[build]\nsystem_commands = [\"apk add\", \"  \"]\n");
    assert!(msg.contains("blank command phrase"), "{msg}");
    let (_, _, msg, _) = problem("[build]\nsystems = []\n");
    assert!(msg.contains("unknown key `build.systems`"), "{msg}");
}

#[test]
fn apps_are_read_and_cleaned() {
    let c = user(
        "[[app]]\nname = \"api\"\ncontext = \"./services/api/\"\n\
         [[app]]\nname = \"worker\"\ncontext = \"services/worker\"\ndockerfile = \"docker/worker.Dockerfile\"\n\
         target = \"runtime\"\nbranches = [\"main\", \"release/*\"]\n",
    );
    assert_eq!(
        c.apps,
        [
            AppConfig {
                name: "api".to_owned(),
                context: "services/api".to_owned(),
                dockerfile: "services/api/Dockerfile".to_owned(),
                target: None,
                branches: Vec::new(),
            },
            AppConfig {
                name: "worker".to_owned(),
                context: "services/worker".to_owned(),
                dockerfile: "docker/worker.Dockerfile".to_owned(),
                target: Some("runtime".to_owned()),
                branches: vec!["main".to_owned(), "release/*".to_owned()],
            },
        ]
    );
    assert!(c.deploys_app(&c.apps[1].branches, "release/1"));
    assert!(!c.deploys_app(&c.apps[1].branches, "master"));
    assert!(c.deploys_app(&c.apps[0].branches, "master"));
    assert!(c.deploys_anything("release/1"));
    assert!(!c.deploys_anything("feature"));
}

#[test]
fn apps_are_validated() {
    let (line, _, msg, _) = problem("[[app]]\ncontext = \"x\"\n");
    assert_eq!(line, 1);
    assert!(msg.contains("has no `name`"), "{msg}");
    let (line, _, msg, _) = problem("[[app]]\nname = \"a\"\n[[app]]\nname = \"a\"\n");
    assert_eq!(line, 3);
    assert!(msg.contains("two `[[app]]` tables are named `a`"), "{msg}");
    let (_, _, msg, _) = problem("[[app]]\nname = \"a\"\ncontext = \"../x\"\n");
    assert!(
        msg.contains("`app.context` must be a path inside the repository"),
        "{msg}"
    );
    let (_, _, msg, _) = problem("[[app]]\nname = \"a\"\ndockerfile = \"/abs/Dockerfile\"\n");
    assert!(msg.contains("`app.dockerfile`"), "{msg}");
    let (_, _, msg, help) = problem("[[app]]\nname = \"a\"\ntaget = \"x\"\n");
    assert!(msg.contains("unknown key `app.taget`"), "{msg}");
    assert!(help.starts_with("did you mean `target`?"), "{help}");
    let (_, _, msg, _) = problem("app = 3\n");
    assert!(msg.contains("`app` must be an array of tables"), "{msg}");
    let (_, _, msg, _) = problem("[[app]]\nname = \"a\"\nbranches = []\n");
    assert!(msg.contains("is empty"), "{msg}");
}

#[test]
fn build_settings_and_apps_round_trip_through_to_toml() {
    let c = user(
        "[build]\nestimate = \"steps\"\nsystem_commands = [\"apk add\"]\n[build.weights]\nother = 3\n\
         [[app]]\nname = \"root\"\n\
         [[app]]\nname = \"w\"\ncontext = \"w\"\ntarget = \"t\"\nbranches = [\"prod\"]\n",
    );
    let text = c.to_toml();
    let back = user(&text);
    assert_eq!(back, c, "{text}");
    assert_eq!(back.apps.len(), 2);
    assert_eq!(back.to_toml(), text);
}

#[test]
fn agent_settings_are_read_and_checked() {
    let c = user("[policy]\nagents = \"block\"\nagent_env = [\"MY_BOT\", \"BOT_*\"]\n");
    assert_eq!(c.policy.agents, crate::config::Agents::Block);
    assert_eq!(
        c.policy.agent_env,
        vec!["MY_BOT".to_owned(), "BOT_*".to_owned()]
    );
    let err = format!("{}", error("[policy]\nagent_env = [\"MY BOT\"]\n"));
    assert!(err.contains("not an environment variable name"), "{err}");
    let err = format!("{}", error("[policy]\nagents = \"maybe\"\n"));
    assert!(err.contains("instruct"), "{err}");
}

/// The built-in configuration parsed on every run holds no rule text: every rule's fact
/// and hint come from the texts part, parsed only when shown, and only rules have texts.
#[test]
fn builtin_rule_texts_are_parsed_apart() {
    let parsed = super::default_parsed();
    assert!(
        parsed.len() < DEFAULT_TOML.len() / 2,
        "{} bytes",
        parsed.len()
    );
    let config = Config::builtin();
    assert!(config.rules().count() > 10);
    for rule in config.rules() {
        assert!(rule.fact.is_none() && rule.hint.is_none(), "{}", rule.id);
        assert!(
            !rule.fact().is_empty() && !rule.hint().is_empty(),
            "{}",
            rule.id
        );
    }
    let texts = super::builtin_rule_texts();
    assert_eq!(texts.len(), config.rules().count());
    // A user's text replaces the built-in one.
    let user = Config::from_user_toml(
        "[rules.cache-bust-arg]\nfact = \"ours\"\n",
        Path::new("pushguard.toml"),
    )
    .unwrap();
    let rule = user.rule("cache-bust-arg").unwrap();
    assert_eq!(
        (rule.fact(), rule.hint()),
        ("ours", texts["cache-bust-arg"].1.as_str())
    );
}

/// A path classified ahead (while git lists a push) and then asked again gets the answer a
/// fresh configuration gives; a user file's rules are its own, whatever the defaults'
/// classifier remembered.
#[test]
fn a_path_classified_ahead_is_classified_as_when_asked_first() {
    let fresh = Config::builtin();
    let ahead = Config::builtin();
    let paths = [
        "requirements.txt",
        "Dockerfile",
        "docs/x.md",
        "src/app.py",
        "Aptfile",
    ];
    ahead.classify_ahead(paths.iter().map(|p| p.as_bytes()));
    for path in paths {
        assert_eq!(classify(&ahead, path), classify(&fresh, path), "{path}");
        assert_eq!(
            classify(&ahead, path),
            classify(&fresh, path),
            "{path} again"
        );
    }
    let docs = user("[paths.docs]\nglobs = [\"docs/**\"]\ntier = \"full\"\n");
    assert_eq!(classify(&docs, "docs/x.md").0, BuildTier::Full);
    assert_eq!(
        classify(&ahead.clone(), "docs/x.md"),
        classify(&fresh, "docs/x.md")
    );
}
