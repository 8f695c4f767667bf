//! TEMPORARY stub with the agreed API; replaced by the config branch.
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::severity::Severity;
use crate::tier::BuildTier;

pub const DEFAULT_TOML: &str = "";
pub const STARTER_TOML: &str = "# pushguard\n";

#[derive(Debug, Clone)]
pub enum ConfigSource {
    BuiltIn,
    File(PathBuf),
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierTimes {
    pub build_seconds: u32,
    pub deploy_seconds: u32,
}
#[derive(Debug, Clone)]
pub struct PathRule {
    pub id: String,
    pub globs: Vec<String>,
    pub tier: BuildTier,
    pub reason: String,
    pub enabled: bool,
    pub builtin: bool,
    set: GlobSet,
}
#[derive(Debug, Clone)]
pub struct RuleConfig {
    pub id: String,
    pub severity: Option<Severity>,
    pub fact: String,
    pub hint: String,
    pub options: toml::Table,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Fly,
    Railway,
    Other,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmOn {
    Block,
    Warn,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonInteractive {
    Block,
    Allow,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    Allow,
    Block,
}
#[derive(Debug, Clone)]
pub struct Policy {
    pub confirm: ConfirmOn,
    pub noninteractive: NonInteractive,
    pub on_error: OnError,
}
#[derive(Debug, Clone)]
pub struct Config {
    pub source: ConfigSource,
    pub deploy_branches: Vec<String>,
    pub unmatched: BuildTier,
    pub platform: Platform,
    pub policy: Policy,
    paths: Vec<PathRule>,
    rules: Vec<RuleConfig>,
}

fn rule(id: &str, globs: &[&str], tier: BuildTier, reason: &str) -> PathRule {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        if let Ok(g) = Glob::new(g) {
            b.add(g);
        }
    }
    PathRule {
        id: id.into(),
        globs: globs.iter().map(|s| s.to_string()).collect(),
        tier,
        reason: reason.into(),
        enabled: true,
        builtin: true,
        set: b.build().unwrap_or_else(|_| GlobSet::empty()),
    }
}

impl Config {
    pub fn builtin() -> Config {
        Config {
            source: ConfigSource::BuiltIn,
            deploy_branches: vec!["main".into(), "master".into()],
            unmatched: BuildTier::Incremental,
            platform: Platform::Fly,
            policy: Policy {
                confirm: ConfirmOn::Block,
                noninteractive: NonInteractive::Block,
                on_error: OnError::Allow,
            },
            paths: vec![
                rule(
                    "dockerfile",
                    &["**/Dockerfile", "**/Dockerfile.*", "**/*.dockerfile"],
                    BuildTier::Full,
                    "Dockerfile changed",
                ),
                rule(
                    "python-deps",
                    &["**/requirements*.txt"],
                    BuildTier::Partial,
                    "dependencies changed",
                ),
                rule(
                    "source",
                    &["**/*.py"],
                    BuildTier::Incremental,
                    "source changed",
                ),
            ],
            rules: Vec::new(),
        }
    }
    /// Stub: reads `explicit` or `<root>/pushguard.toml` and honours only
    /// `[rules.<id>] severity/fact/hint` and `[policy]` (the real config reads it all).
    pub fn load(explicit: Option<&Path>, root: Option<&Path>) -> anyhow::Result<Config> {
        let mut config = Config::builtin();
        let path = match (explicit, root) {
            (Some(p), _) => p.to_path_buf(),
            (None, Some(r)) if r.join("pushguard.toml").is_file() => r.join("pushguard.toml"),
            _ => return Ok(config),
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let table: toml::Table = text
            .parse()
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let str_of =
            |t: &toml::Table, k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        if let Some(rules) = table.get("rules").and_then(|v| v.as_table()) {
            for (id, v) in rules {
                let Some(t) = v.as_table() else { continue };
                let severity = match str_of(t, "severity") {
                    Some(s) => Severity::parse_setting(&s)
                        .map_err(|e| anyhow::anyhow!("{}: [rules.{id}]: {e}", path.display()))?,
                    None => None,
                };
                config.rules.push(RuleConfig {
                    id: id.clone(),
                    severity,
                    fact: str_of(t, "fact").unwrap_or_default(),
                    hint: str_of(t, "hint").unwrap_or_default(),
                    options: t.clone(),
                });
            }
        }
        if let Some(p) = table.get("policy").and_then(|v| v.as_table()) {
            let bad = |k: &str, v: &str| {
                anyhow::anyhow!("{}: [policy] {k} = {v:?} is not valid", path.display())
            };
            if let Some(v) = str_of(p, "confirm") {
                config.policy.confirm = match v.as_str() {
                    "block" => ConfirmOn::Block,
                    "warn" => ConfirmOn::Warn,
                    _ => return Err(bad("confirm", &v)),
                };
            }
            if let Some(v) = str_of(p, "noninteractive") {
                config.policy.noninteractive = match v.as_str() {
                    "block" => NonInteractive::Block,
                    "allow" => NonInteractive::Allow,
                    _ => return Err(bad("noninteractive", &v)),
                };
            }
            if let Some(v) = str_of(p, "on_error") {
                config.policy.on_error = match v.as_str() {
                    "allow" => OnError::Allow,
                    "block" => OnError::Block,
                    _ => return Err(bad("on_error", &v)),
                };
            }
        }
        config.source = ConfigSource::File(path);
        Ok(config)
    }
    /// Every rule id pushguard knows (built-in rules), for reporting unknown ids.
    pub fn known_rule_ids(&self) -> Vec<&str> {
        vec![
            "empty-commit",
            "trigger-file",
            "no-cache-deploy",
            "frequent-deploys",
        ]
    }
    pub fn tier_times(&self, t: BuildTier) -> TierTimes {
        let (b, d) = match t {
            BuildTier::None => (0, 30),
            BuildTier::Incremental => (45, 120),
            BuildTier::Partial => (120, 180),
            BuildTier::Full => (180, 240),
        };
        TierTimes {
            build_seconds: b,
            deploy_seconds: d,
        }
    }
    pub fn is_deploy_branch(&self, b: &str) -> bool {
        self.deploy_branches.iter().any(|x| x == b)
    }
    pub fn classify(&self, path: &[u8]) -> (BuildTier, Option<&PathRule>) {
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(std::ffi::OsStr::from_bytes(path));
        for r in &self.paths {
            if r.enabled && r.set.is_match(p) {
                return (r.tier, Some(r));
            }
        }
        (self.unmatched, None)
    }
    pub fn rule(&self, id: &str) -> Option<&RuleConfig> {
        self.rules.iter().find(|r| r.id == id)
    }
    pub fn to_toml(&self) -> String {
        String::new()
    }
}
impl RuleConfig {
    pub fn int_option(&self, key: &str) -> Option<i64> {
        self.options.get(key).and_then(|v| v.as_integer())
    }
    pub fn globs_option(&self, _key: &str) -> Option<&GlobSet> {
        None
    }
}
