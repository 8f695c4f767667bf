//! Configuration: which branches deploy, what each changed path costs to rebuild, how the
//! content rules are tuned, and what happens when a push needs confirmation.
//!
//! There is exactly one built-in rule set, [`DEFAULT_TOML`]. It is both the defaults and
//! the schema: a user's `pushguard.toml` is merged over it key by key, and may only set
//! keys the default has (new `[paths.<id>]` tables excepted), with the same TOML types.
//! Every problem in a user file is reported with its file, line and column, rustc style
//! (see [`ConfigError`]).
//!
//! Path-rule precedence: the first *enabled* rule whose globs match a path decides its
//! tier. Rules a user adds are tried before the built-in ones, in the user file's order;
//! a user table that overrides a built-in id keeps the built-in's position; a path no rule
//! matches gets `deploy.unmatched`.

mod diagnostic;
mod overlay;
mod write;

#[cfg(test)]
mod tests;

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::escape::escape;
use crate::globs::Globs;
use crate::severity::Severity;
use crate::tier::BuildTier;

pub use diagnostic::{ConfigError, Diagnostic};

/// Why [`Config::load`] found no configuration. Shows as the error it holds (`{:#}` with
/// its causes), so a message reads the same whichever way it is printed.
#[derive(Debug)]
pub enum LoadError {
    /// The file named could not be read, or is not UTF-8.
    File(FileError),
    /// The file does not validate: every problem, with its line and column.
    Invalid(ConfigError),
}

crate::error::stage_error!(
    /// A configuration file that cannot be read as text.
    FileError
);

impl LoadError {
    /// The validation problems, when the file was read but does not validate.
    pub fn config_error(&self) -> Option<&ConfigError> {
        match self {
            LoadError::Invalid(e) => Some(e),
            LoadError::File(_) => None,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::File(e) => fmt::Display::fmt(e, f),
            LoadError::Invalid(e) => fmt::Display::fmt(e, f),
        }
    }
}

/// Transparent: the source is the held error's.
impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::File(e) => e.source(),
            LoadError::Invalid(e) => e.source(),
        }
    }
}

/// The built-in configuration, compiled in. Loading it is tested, so [`Config::builtin`]
/// cannot fail in practice.
pub const DEFAULT_TOML: &str = include_str!("../default.toml");

/// [`DEFAULT_TOML`] cut in two at compile time, each part the array's first `.1` (`.3`)
/// bytes:
/// - what [`Config::builtin`] parses on every run: the file without its comment and blank
///   lines (outside multi-line strings), and without the rules' `fact` and `hint` texts;
/// - those texts under their `[rules.<id>]` headers ([`builtin_rule_texts`]), parsed only
///   when a finding or `pushguard config` shows them.
///
/// The TOML parser's cost is per byte, paid on every push: comments are a third of the file
/// and the texts two thirds of the rest, and a push with no finding shows none.
/// `default_loads_without_fallback` checks that the parts make the configuration the whole
/// file makes.
static DEFAULT_SPLIT: (
    [u8; DEFAULT_TOML.len()],
    usize,
    [u8; DEFAULT_TOML.len()],
    usize,
) = split_default::<{ DEFAULT_TOML.len() }>(DEFAULT_TOML.as_bytes());

/// See [`DEFAULT_SPLIT`]. Lines are kept whole, so each part is a TOML document: a line
/// that opens a `fact` or `hint` value of a `[rules.*]` table goes to the texts, with the
/// lines of its multi-line string, and so does each `[rules.*]` header; everything else
/// but blank and comment lines goes to the configuration.
const fn split_default<const N: usize>(src: &[u8]) -> ([u8; N], usize, [u8; N], usize) {
    let mut config = [0u8; N];
    let mut config_len = 0;
    let mut texts = [0u8; N];
    let mut texts_len = 0;
    let mut start = 0;
    // The quote of the multi-line string open at the start of the line, or 0.
    let mut open: u8 = 0;
    // Inside a `[rules.*]` table; the open multi-line string is a rule's text.
    let mut in_rules = false;
    let mut in_text = false;
    while start < src.len() {
        let mut end = start;
        while end < src.len() && src[end] != b'\n' {
            end += 1;
        }
        let next = if end < src.len() { end + 1 } else { end };
        let mut first = start;
        while first < end && (src[first] == b' ' || src[first] == b'\t') {
            first += 1;
        }
        let (to_config, to_texts) = if open != 0 {
            (!in_text, in_text)
        } else if first == end || src[first] == b'#' {
            (false, false)
        } else if src[first] == b'[' {
            in_rules = starts_with_at(src, first, b"[rules.");
            (true, in_rules)
        } else {
            in_text =
                in_rules && (key_at(src, first, end, b"fact") || key_at(src, first, end, b"hint"));
            (!in_text, in_text)
        };
        if to_config || to_texts {
            let mut k = start;
            while k + 2 < end {
                let q = src[k];
                let triple = (q == b'"' || q == b'\'') && src[k + 1] == q && src[k + 2] == q;
                if triple && (open == 0 || open == q) {
                    open = if open == 0 { q } else { 0 };
                    k += 3;
                } else {
                    k += 1;
                }
            }
            let mut k = start;
            while k < next {
                if to_config && config_len < N {
                    config[config_len] = src[k];
                    config_len += 1;
                }
                if to_texts && texts_len < N {
                    texts[texts_len] = src[k];
                    texts_len += 1;
                }
                k += 1;
            }
        }
        start = next;
    }
    (config, config_len, texts, texts_len)
}

/// Whether `src[at..]` starts with `prefix`.
const fn starts_with_at(src: &[u8], at: usize, prefix: &[u8]) -> bool {
    if at + prefix.len() > src.len() {
        return false;
    }
    let mut i = 0;
    while i < prefix.len() {
        if src[at + i] != prefix[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether the line `src[at..end]` sets the bare key `key` (`key =`, `key=`).
const fn key_at(src: &[u8], at: usize, end: usize, key: &[u8]) -> bool {
    if !starts_with_at(src, at, key) {
        return false;
    }
    let mut k = at + key.len();
    while k < end && (src[k] == b' ' || src[k] == b'\t') {
        k += 1;
    }
    k < end && src[k] == b'='
}

/// The configuration part of [`DEFAULT_SPLIT`], which [`Config::builtin`] parses.
fn default_parsed() -> &'static str {
    let (bytes, len, _, _) = &DEFAULT_SPLIT;
    bytes
        .get(..*len)
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or(DEFAULT_TOML)
}

/// Each built-in rule's fact and hint, by rule id: the texts part of [`DEFAULT_SPLIT`],
/// parsed on first use.
fn builtin_rule_texts() -> &'static std::collections::HashMap<String, (String, String)> {
    static TEXTS: std::sync::OnceLock<std::collections::HashMap<String, (String, String)>> =
        std::sync::OnceLock::new();
    TEXTS.get_or_init(|| {
        let (_, _, bytes, len) = &DEFAULT_SPLIT;
        let text = bytes
            .get(..*len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or_default();
        let table: toml::Table = toml::from_str(text).unwrap_or_default();
        let rules = table.get("rules").and_then(toml::Value::as_table);
        rules
            .into_iter()
            .flatten()
            .map(|(id, t)| {
                let text = |key: &str| {
                    t.get(key)
                        .and_then(toml::Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                (id.clone(), (text("fact"), text("hint")))
            })
            .collect()
    })
}

/// The commented starter that `pushguard init` writes as `pushguard.toml`.
pub const STARTER_TOML: &str = include_str!("../starter.toml");

/// The file name looked up at the root of the worktree.
/// The largest configuration file read; a larger one is refused before it is parsed.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

pub const FILE_NAME: &str = "pushguard.toml";

/// The environment variable naming a config file, consulted after `--config`.
pub const CONFIG_ENV: &str = "PUSHGUARD_CONFIG";

/// Where the effective configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// The built-in defaults alone.
    BuiltIn,
    /// The built-in defaults with this file merged over them.
    File(PathBuf),
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::BuiltIn => f.write_str("built-in defaults"),
            ConfigSource::File(p) => write!(
                f,
                "built-in defaults with {} merged over them",
                escape(&p.to_string_lossy())
            ),
        }
    }
}

/// Estimated durations of one tier of rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TierTimes {
    /// Seconds the image build takes.
    pub build_seconds: u32,
    /// Seconds the release takes after the build (machines replaced, health checks).
    pub deploy_seconds: u32,
}

/// The times of all four tiers. A struct rather than an array so that lookup by tier is
/// a `match` and can never index out of bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct TierTable {
    none: TierTimes,
    incremental: TierTimes,
    partial: TierTimes,
    full: TierTimes,
}

impl TierTable {
    fn get(&self, t: BuildTier) -> TierTimes {
        match t {
            BuildTier::None => self.none,
            BuildTier::Incremental => self.incremental,
            BuildTier::Partial => self.partial,
            BuildTier::Full => self.full,
        }
    }

    fn get_mut(&mut self, t: BuildTier) -> &mut TierTimes {
        match t {
            BuildTier::None => &mut self.none,
            BuildTier::Incremental => &mut self.incremental,
            BuildTier::Partial => &mut self.partial,
            BuildTier::Full => &mut self.full,
        }
    }
}

/// A `[paths.<id>]` rule: changed files matching `globs` cost a `tier` rebuild.
///
/// Invariant: every glob in `globs` was checked when the configuration was loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct PathRule {
    /// The table name, unique among path rules.
    pub id: String,
    /// globset globs, matched against repository-relative paths.
    pub globs: Vec<String>,
    pub tier: BuildTier,
    /// A short phrase for verdicts: "FULL rebuild: {reason} in 2 commits".
    pub reason: String,
    /// Disabled rules are skipped by [`Config::classify`].
    pub enabled: bool,
    /// Whether the id comes from the built-in defaults (possibly overridden by the user).
    pub builtin: bool,
}

/// Every enabled path rule's globs in one set, so a path is classified with one match
/// instead of one per rule. `owner[i]` is the index in `Config::paths` of glob `i`'s rule;
/// globs are listed in rule order, so the first matching glob belongs to the first
/// matching rule.
#[derive(Debug, Clone)]
struct Classifier {
    /// Remembering ([`Globs::remembering`]): a push classifies the same paths for its
    /// verdict and for several rules, and the hook classifies them first while `git log`
    /// lists the rest of the range.
    set: Globs,
    owner: Vec<usize>,
}

impl Classifier {
    /// The index in `Config::paths` of the first enabled rule matching `path`.
    fn rule_of(&self, path: &[u8]) -> Option<usize> {
        self.set
            .first_match(path)
            .and_then(|g| self.owner.get(g).copied())
    }
}

/// A cache of `paths`: configurations compare by their path rules, not by whether the
/// matcher has been built yet.
impl PartialEq for Classifier {
    fn eq(&self, _: &Classifier) -> bool {
        true
    }
}

/// The settings of one content rule (`[rules.<id>]`).
#[derive(Debug, Clone)]
pub struct RuleConfig {
    pub id: String,
    /// `None` means the rule is off.
    pub severity: Option<Severity>,
    /// The Docker or platform fact the rule relies on, printed with its findings; `None`:
    /// the built-in rule's ([`RuleConfig::fact`]).
    pub(crate) fact: Option<String>,
    /// The fix; `None`: the built-in rule's.
    pub(crate) hint: Option<String>,
    /// Every other key of the table, with types as in the built-in default.
    pub options: toml::Table,
    /// The matchers of every option named `globs` or ending in `_globs`, each compiled on
    /// first use (a push reads a few of them; building all was a tenth of a small push).
    compiled: Vec<(String, std::sync::OnceLock<Globs>)>,
}

impl RuleConfig {
    /// The Docker or platform fact the rule relies on, printed with its findings.
    pub fn fact(&self) -> &str {
        self.text(self.fact.as_deref(), |(fact, _)| fact)
    }

    /// The fix.
    pub fn hint(&self) -> &str {
        self.text(self.hint.as_deref(), |(_, hint)| hint)
    }

    /// `own` text, else the built-in rule's (`pick` chooses the fact or the hint).
    fn text<'a>(
        &self,
        own: Option<&'a str>,
        pick: fn(&'a (String, String)) -> &'a String,
    ) -> &'a str {
        own.unwrap_or_else(|| {
            builtin_rule_texts()
                .get(&self.id)
                .map_or("", |texts| pick(texts).as_str())
        })
    }

    /// A string option.
    pub fn str_option(&self, key: &str) -> Option<&str> {
        self.options.get(key).and_then(toml::Value::as_str)
    }

    /// The string elements of an array option (empty when absent).
    pub fn list_option(&self, key: &str) -> Vec<String> {
        self.options
            .get(key)
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(toml::Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// An integer option.
    pub fn int_option(&self, key: &str) -> Option<i64> {
        self.options.get(key).and_then(toml::Value::as_integer)
    }

    /// A severity option such as `manifest_severity`: `Some(None)` when set to "off".
    pub fn severity_option(&self, key: &str) -> Option<Option<Severity>> {
        self.str_option(key)
            .and_then(|s| Severity::parse_setting(s).ok())
    }

    /// The matcher of a `globs` / `*_globs` option (compiled on first use).
    pub fn globs_option(&self, key: &str) -> Option<&Globs> {
        let (_, cell) = self.compiled.iter().find(|(k, _)| k == key)?;
        Some(cell.get_or_init(|| {
            let globs: Vec<&str> = self
                .options
                .get(key)
                .and_then(toml::Value::as_array)
                .map(|items| items.iter().filter_map(toml::Value::as_str).collect())
                .unwrap_or_default();
            // Every glob was checked when the configuration was read, so this cannot fail.
            // A rule asks of each pushed path, some ahead while the push is listed.
            Globs::new(&globs).unwrap_or_default().remembering()
        }))
    }
}

/// Equality ignores the compiled matchers, which are a function of `options`.
impl PartialEq for RuleConfig {
    fn eq(&self, other: &RuleConfig) -> bool {
        self.id == other.id
            && self.severity == other.severity
            && self.fact() == other.fact()
            && self.hint() == other.hint()
            && self.options == other.options
    }
}

/// The platform that builds and runs the app; rules use it where platforms differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Fly,
    Railway,
    Other,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Fly, Platform::Railway, Platform::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Fly => "fly",
            Platform::Railway => "railway",
            Platform::Other => "other",
        }
    }
}

/// The least severity that asks for confirmation at a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmOn {
    Block,
    Warn,
}

impl ConfirmOn {
    pub const ALL: [ConfirmOn; 2] = [ConfirmOn::Block, ConfirmOn::Warn];

    pub fn as_str(self) -> &'static str {
        match self {
            ConfirmOn::Block => "block",
            ConfirmOn::Warn => "warn",
        }
    }

    /// The least severity that needs confirmation.
    pub fn threshold(self) -> Severity {
        match self {
            ConfirmOn::Block => Severity::Block,
            ConfirmOn::Warn => Severity::Warn,
        }
    }
}

/// What happens to block findings when no terminal can confirm them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonInteractive {
    Block,
    Allow,
}

impl NonInteractive {
    pub const ALL: [NonInteractive; 2] = [NonInteractive::Block, NonInteractive::Allow];

    pub fn as_str(self) -> &'static str {
        match self {
            NonInteractive::Block => "block",
            NonInteractive::Allow => "allow",
        }
    }
}

/// What pushguard does when a coding assistant pushes (`[policy] agents`): one found by
/// its environment markers (`[policy] agent_env`) with no terminal to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agents {
    /// `[policy] noninteractive` decides, and a stop is explained for the agent: what to
    /// do instead, and that overriding needs a person, without the bypass menu.
    Instruct,
    /// As `Instruct`, and an agent's push that would block is stopped even when
    /// `noninteractive = "allow"`.
    Block,
    /// Agents are treated like any other pusher without a terminal.
    Ignore,
}

impl Agents {
    pub const ALL: [Agents; 3] = [Agents::Instruct, Agents::Block, Agents::Ignore];

    pub fn as_str(self) -> &'static str {
        match self {
            Agents::Instruct => "instruct",
            Agents::Block => "block",
            Agents::Ignore => "ignore",
        }
    }
}

/// How much the pre-push hook's text report says (`[output] style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStyle {
    /// The verdict, one line per finding, and where the full explanation is.
    Compact,
    /// Every finding with the fact behind it and the fix.
    Full,
}

impl ReportStyle {
    pub const ALL: [ReportStyle; 2] = [ReportStyle::Compact, ReportStyle::Full];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportStyle::Compact => "compact",
            ReportStyle::Full => "full",
        }
    }
}

/// The decision when pushguard itself fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    Allow,
    Block,
}

impl OnError {
    pub const ALL: [OnError; 2] = [OnError::Allow, OnError::Block];

    pub fn as_str(self) -> &'static str {
        match self {
            OnError::Allow => "allow",
            OnError::Block => "block",
        }
    }
}

/// Whether the pre-receive hook honours `Pushguard-Allow` trailers, which the pusher
/// writes (`[policy] server_trailers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerTrailers {
    Ignore,
    Honour,
}

impl ServerTrailers {
    pub const ALL: [ServerTrailers; 2] = [ServerTrailers::Ignore, ServerTrailers::Honour];

    pub fn as_str(self) -> &'static str {
        match self {
            ServerTrailers::Ignore => "ignore",
            ServerTrailers::Honour => "honour",
        }
    }
}

/// The `[policy]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// What happens when a coding assistant pushes.
    pub agents: Agents,
    /// Environment variables that mark a coding assistant's shell: a name, or a prefix
    /// ending in `*`; set and non-empty.
    pub agent_env: Vec<String>,
    pub confirm: ConfirmOn,
    pub noninteractive: NonInteractive,
    pub on_error: OnError,
    /// Read by the pre-receive hook from the server's own configuration only
    /// (`--config`, `PUSHGUARD_CONFIG`): a pushed pushguard.toml cannot raise it.
    pub server_trailers: ServerTrailers,
    /// The wall-clock budget of one analysis, in seconds; 0 means none.
    pub time_budget_seconds: u32,
}

impl Policy {
    /// The budget as a duration; `None` when unlimited.
    pub fn time_budget(&self) -> Option<std::time::Duration> {
        (self.time_budget_seconds > 0)
            .then(|| std::time::Duration::from_secs(u64::from(self.time_budget_seconds)))
    }
}

/// How an app's `build_seconds` is estimated from its predicted rebuild (`[build] estimate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimate {
    /// The `[tiers.<tier>] build_seconds` of the app's tier: the guide's numbers.
    Tier,
    /// `[build] overhead_seconds` plus the `[build.weights]` of every step that re-runs.
    Steps,
}

impl Estimate {
    pub const ALL: [Estimate; 2] = [Estimate::Tier, Estimate::Steps];

    pub fn as_str(self) -> &'static str {
        match self {
            Estimate::Tier => "tier",
            Estimate::Steps => "steps",
        }
    }
}

/// Estimated seconds of one re-run build step, by kind (`[build.weights]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepWeights {
    /// Pulling and unpacking a changed base image (`FROM image`).
    pub base_image: u32,
    /// A `RUN` that installs system packages (`apt-get install`, `apk add`, ...).
    pub system_packages: u32,
    /// A `RUN` that installs language dependencies (`pip install`, `npm ci`, ...).
    pub dependencies: u32,
    /// A `RUN` that downloads or bakes in a model.
    pub models: u32,
    /// Any other `RUN`.
    pub run: u32,
    /// `COPY` and `ADD`.
    pub copy: u32,
    /// `WORKDIR`, and `FROM` of another stage of the same Dockerfile.
    pub other: u32,
}

impl StepWeights {
    /// The keys of `[build.weights]`, in file order.
    pub const KEYS: [&'static str; 7] = [
        "base_image",
        "system_packages",
        "dependencies",
        "models",
        "run",
        "copy",
        "other",
    ];

    /// The weight named `key` (one of [`StepWeights::KEYS`]).
    pub fn get(&self, key: &str) -> Option<u32> {
        Some(match key {
            "base_image" => self.base_image,
            "system_packages" => self.system_packages,
            "dependencies" => self.dependencies,
            "models" => self.models,
            "run" => self.run,
            "copy" => self.copy,
            "other" => self.other,
            _ => return None,
        })
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut u32> {
        Some(match key {
            "base_image" => &mut self.base_image,
            "system_packages" => &mut self.system_packages,
            "dependencies" => &mut self.dependencies,
            "models" => &mut self.models,
            "run" => &mut self.run,
            "copy" => &mut self.copy,
            "other" => &mut self.other,
            _ => return None,
        })
    }
}

/// The `[build]` table: how Dockerfile steps are classified and their cost estimated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSettings {
    pub estimate: Estimate,
    /// Seconds every build costs however little re-runs (context upload, export, push);
    /// only used by [`Estimate::Steps`].
    pub overhead_seconds: u32,
    pub weights: StepWeights,
    /// Command phrases that make a `RUN` a system-package install (a full rebuild).
    pub system_commands: Vec<String>,
    /// Command phrases that make a `RUN` a dependency install (a partial rebuild).
    pub dependency_commands: Vec<String>,
    /// Substrings that make a `RUN` a model download (a full rebuild).
    pub model_commands: Vec<String>,
    /// Step times measured by `pushguard calibrate` in this clone: with
    /// [`Estimate::Steps`], a re-run step's measured time replaces its weight. Not part of
    /// the file; attached where the configuration is loaded for a repository.
    pub measured: Option<std::sync::Arc<crate::build::calibrate::Measured>>,
}

impl Default for BuildSettings {
    fn default() -> BuildSettings {
        BuildSettings {
            estimate: Estimate::Tier,
            overhead_seconds: 0,
            weights: StepWeights::default(),
            system_commands: Vec::new(),
            dependency_commands: Vec::new(),
            model_commands: Vec::new(),
            measured: None,
        }
    }
}

/// An app declared with `[[app]]`: built from `dockerfile` with `context` as the build
/// context, for platforms without a fly.toml (Railway, Render, a CI `docker build`).
///
/// Invariant: `context` and `dockerfile` are repository-relative, `/`-separated, cleaned
/// (no `.`/`..` components, no leading or trailing `/`); the repository root is `""`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConfig {
    pub name: String,
    pub context: String,
    pub dockerfile: String,
    /// The stage built (`--target`); `None` builds the last stage.
    pub target: Option<String>,
    /// Branches whose pushes deploy this app; empty means `[deploy] branches`.
    pub branches: Vec<String>,
}

/// The effective configuration: the built-in defaults, possibly with a user file merged
/// over them.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub source: ConfigSource,
    /// Branch names or globs whose pushes deploy.
    pub deploy_branches: Vec<String>,
    /// `[deploy] branches` comes from the user's file: it then wins over the branches the
    /// deploy map finds.
    pub deploy_branches_set: bool,
    /// The tier of a changed path no path rule matches.
    pub unmatched: BuildTier,
    pub platform: Platform,
    pub policy: Policy,
    /// `[output] style`: the pre-push hook's text report (`check` and the server always
    /// print it in full).
    pub report_style: ReportStyle,
    /// The `[build]` table.
    pub build: BuildSettings,
    /// `[[app]]` tables, in file order.
    pub apps: Vec<AppConfig>,
    tiers: TierTable,
    /// In precedence order.
    paths: Vec<PathRule>,
    /// In the default file's order.
    rules: Vec<RuleConfig>,
    /// Built from `paths` on first use; reset whenever `paths` changes (config/overlay/).
    classifier: OnceLock<Classifier>,
}

impl Config {
    /// The built-in configuration.
    ///
    /// The default is tested to load, so the fallback below (a configuration with no path
    /// or content rules) exists only so that this function cannot panic.
    pub fn builtin() -> Config {
        overlay::apply(
            &Config::empty(),
            default_parsed(),
            Path::new("<built-in default.toml>"),
            overlay::Origin::Defaults,
        )
        .map(|mut c| {
            c.source = ConfigSource::BuiltIn;
            c
        })
        .unwrap_or_else(|_| Config::empty())
    }

    /// The built-in configuration with `text` (the contents of the file at `path`)
    /// merged over it. `path` is used for error messages and as the [`ConfigSource`].
    pub fn from_user_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config = overlay::apply(&Config::builtin(), text, path, overlay::Origin::User)?;
        config.source = ConfigSource::File(path.to_path_buf());
        Ok(config)
    }

    /// Loads the configuration from the first of: `explicit` (`--config FILE`), the
    /// `PUSHGUARD_CONFIG` environment variable, `<worktree_root>/pushguard.toml`; with
    /// none of them, the built-in defaults. A file named by `--config` or the
    /// environment must exist.
    pub fn load(
        explicit: Option<&Path>,
        worktree_root: Option<&Path>,
    ) -> Result<Config, LoadError> {
        let env = std::env::var_os(CONFIG_ENV);
        Config::load_from(explicit, env.as_deref(), worktree_root)
    }

    /// [`Config::load`] with the environment variable's value passed in (testable
    /// without mutating the process environment).
    fn load_from(
        explicit: Option<&Path>,
        env: Option<&OsStr>,
        worktree_root: Option<&Path>,
    ) -> Result<Config, LoadError> {
        if let Some(path) = explicit {
            return Config::load_file(path, "--config");
        }
        if let Some(value) = env.filter(|v| !v.is_empty()) {
            return Config::load_file(Path::new(value), CONFIG_ENV);
        }
        if let Some(root) = worktree_root {
            let path = root.join(FILE_NAME);
            if let Ok(meta) = std::fs::symlink_metadata(&path) {
                // The worktree's file comes from the repository: read it only as the
                // regular file it should be, never through a link (to /proc/self/environ,
                // /dev/zero, a file outside the checkout).
                if !meta.file_type().is_file() {
                    return Err(LoadError::File(FileError::new(format!(
                        "{} is not a regular file (a symbolic link, a directory or a device); \
                         pushguard reads its configuration only from a regular file. Replace it \
                         with the file itself, or name the file with --config",
                        escape(&path.to_string_lossy())
                    ))));
                }
                return Config::load_file(&path, "the worktree");
            }
        }
        Ok(Config::builtin())
    }

    fn load_file(path: &Path, named_by: &str) -> Result<Config, LoadError> {
        use std::io::Read;
        let shown = escape(&path.to_string_lossy()).into_owned();
        let cannot_read = |e: std::io::Error| {
            let message = format!(
                "could not read the pushguard config file {shown} (named by {named_by}); \
                 check the path, or unset it to use the built-in defaults"
            );
            LoadError::File(FileError::with_source(message, e))
        };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes))
            .map_err(cannot_read)?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(LoadError::File(FileError::new(format!(
                "the pushguard config file {shown} is larger than {} KiB, far more than any \
                 configuration needs; pushguard does not parse it. Check what the file holds",
                MAX_CONFIG_BYTES / 1024
            ))));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            LoadError::File(FileError::new(format!(
                "the pushguard config file {shown} is not valid UTF-8 (invalid byte at offset \
                 {}); TOML files must be UTF-8",
                e.utf8_error().valid_up_to()
            )))
        })?;
        Config::from_user_toml(&text, path).map_err(LoadError::Invalid)
    }

    /// A configuration with no rules, from which the built-in default is built.
    fn empty() -> Config {
        Config {
            source: ConfigSource::BuiltIn,
            // Used when the deploy map declares nothing and `[deploy] branches` is unset.
            deploy_branches: vec!["main".to_owned(), "master".to_owned()],
            deploy_branches_set: false,
            unmatched: BuildTier::Incremental,
            platform: Platform::Other,
            policy: Policy {
                confirm: ConfirmOn::Block,
                noninteractive: NonInteractive::Block,
                on_error: OnError::Allow,
                server_trailers: ServerTrailers::Ignore,
                time_budget_seconds: 30,
                agents: Agents::Instruct,
                agent_env: Vec::new(),
            },
            report_style: ReportStyle::Compact,
            build: BuildSettings::default(),
            apps: Vec::new(),
            tiers: TierTable::default(),
            paths: Vec::new(),
            rules: Vec::new(),
            classifier: OnceLock::new(),
        }
    }

    /// The estimated times of tier `t`.
    pub fn tier_times(&self, t: BuildTier) -> TierTimes {
        self.tiers.get(t)
    }

    /// Whether a push to `branch_short_name` (e.g. `main`, not `refs/heads/main`)
    /// deploys. Entries are globs where they compile, exact names otherwise.
    pub fn is_deploy_branch(&self, branch_short_name: &str) -> bool {
        branch_matches(&self.deploy_branches, branch_short_name)
    }

    /// Whether a push to `branch_short_name` deploys `app`: its own `branches` when it
    /// has any, else `[deploy] branches`.
    pub fn deploys_app(&self, app_branches: &[String], branch_short_name: &str) -> bool {
        if app_branches.is_empty() {
            self.is_deploy_branch(branch_short_name)
        } else {
            branch_matches(app_branches, branch_short_name)
        }
    }

    /// Whether a push to `branch_short_name` deploys anything: a `[deploy]` branch or the
    /// branch of an `[[app]]`.
    pub fn deploys_anything(&self, branch_short_name: &str) -> bool {
        self.is_deploy_branch(branch_short_name) || self.deploys_anything_by_app(branch_short_name)
    }

    /// Whether an `[[app]]` with its own `branches` is deployed by a push to
    /// `branch_short_name`.
    pub fn deploys_anything_by_app(&self, branch_short_name: &str) -> bool {
        self.apps
            .iter()
            .any(|a| !a.branches.is_empty() && branch_matches(&a.branches, branch_short_name))
    }

    /// The tier of a change to `path` (repository-relative, raw bytes from git, possibly
    /// not UTF-8) and the rule that decided it; `None` means `deploy.unmatched` applied.
    pub fn classify(&self, path: &[u8]) -> (BuildTier, Option<&PathRule>) {
        match self
            .classifier()
            .rule_of(path)
            .and_then(|i| self.paths.get(i))
        {
            Some(rule) => (rule.tier, Some(rule)),
            None => (self.unmatched, None),
        }
    }

    /// Builds the path rules' matcher now rather than on the first [`Config::classify`]: for
    /// a caller with time to spare (waiting for `git log` to walk a range).
    pub fn prepare_classifier(&self) {
        self.classifier();
    }

    /// Classifies `paths` now rather than when [`Config::classify`] is asked: for a caller
    /// with time to spare (while `git log` lists the rest of a range).
    pub fn classify_ahead<'p>(&self, paths: impl IntoIterator<Item = &'p [u8]>) {
        let classifier = self.classifier();
        // Past what the classifier remembers, asking now would only ask twice.
        if classifier.set.remembers_more() {
            for path in paths {
                classifier.rule_of(path);
            }
        }
    }

    fn classifier(&self) -> &Classifier {
        self.classifier.get_or_init(|| {
            let mut globs = Vec::new();
            let mut owner = Vec::new();
            for (i, rule) in self.paths.iter().enumerate().filter(|(_, r)| r.enabled) {
                for glob in &rule.globs {
                    globs.push(glob.as_str());
                    owner.push(i);
                }
            }
            Classifier {
                // Every glob was checked when the rule was loaded.
                set: Globs::new(&globs).unwrap_or_default().remembering(),
                owner,
            }
        })
    }

    /// All path rules, enabled or not, in precedence order.
    pub fn path_rules(&self) -> &[PathRule] {
        &self.paths
    }

    /// The settings of content rule `id`.
    pub fn rule(&self, id: &str) -> Option<&RuleConfig> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Turns content rule `id` off, as `[rules.<id>] severity = "off"` would; `false` when
    /// there is no such rule or it was already off.
    pub fn turn_off(&mut self, id: &str) -> bool {
        match self.rules.iter_mut().find(|r| r.id == id) {
            Some(rule) => rule.severity.take().is_some(),
            None => false,
        }
    }

    /// All content rules (including those that are off), in the default file's order.
    pub fn rules(&self) -> impl Iterator<Item = &RuleConfig> {
        self.rules.iter()
    }

    /// The ids a `[rules.<id>]` table may name.
    pub fn known_rule_ids(&self) -> Vec<&str> {
        self.rules.iter().map(|r| r.id.as_str()).collect()
    }

    /// The effective configuration as TOML that loads back to an equal configuration.
    pub fn to_toml(&self) -> String {
        write::to_toml(self)
    }
}

/// Whether `branch` matches one of `patterns`: globs where they compile, exact names
/// otherwise.
fn branch_matches(patterns: &[String], branch: &str) -> bool {
    patterns.iter().any(|pattern| match Globs::new(&[pattern]) {
        Ok(glob) => glob.is_match(branch.as_bytes()),
        Err(_) => pattern == branch,
    })
}
