//! Reading a TOML document over an existing [`Config`]: validate every key and value
//! against what the base configuration already has, and apply what is valid.
//!
//! The built-in default is itself loaded this way, over an empty configuration
//! ([`Origin::Defaults`]), which is what makes the default file the schema: once it is
//! loaded, a user file ([`Origin::User`]) may only name content rules and options that
//! exist, with the same types.
//!
//! Problems are collected rather than returned at the first one, so a user sees all of
//! them at once; a document with any problem yields no configuration at all.

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::diagnostic::{did_you_mean, with_suggestion, ConfigError, Diagnostic, Source};
use super::{
    Agents, AppConfig, Config, ConfirmOn, Estimate, NonInteractive, OnError, PathRule, Platform,
    ReportStyle, RuleConfig, ServerTrailers, StepWeights, TierTimes,
};
use crate::severity::Severity;
use crate::tier::BuildTier;

mod values;

use values::{article, describe_value_type, dotted, example_of, key_str, shape_mismatch, to_value};

/// Which kind of document is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// The built-in default: it defines the content rules and their option types, and its
    /// path rules are marked built-in and kept in file order.
    Defaults,
    /// A user file: it may only set existing content rules and options; its new path
    /// rules go before the built-in ones, in file order.
    User,
}

type Key<'i> = Spanned<Cow<'i, str>>;
type Val<'i> = Spanned<DeValue<'i>>;

const TOP_KEYS: &[&str] = &[
    "deploy", "tiers", "paths", "rules", "policy", "build", "app", "output",
];
const OUTPUT_KEYS: &[&str] = &["style"];
const DEPLOY_KEYS: &[&str] = &["branches", "unmatched", "platform"];
const TIER_KEYS: &[&str] = &["build_seconds", "deploy_seconds"];
const PATH_KEYS: &[&str] = &["globs", "tier", "reason", "enabled"];
const RULE_KEYS: &[&str] = &["severity", "fact", "hint"];
const POLICY_KEYS: &[&str] = &[
    "confirm",
    "noninteractive",
    "on_error",
    "server_trailers",
    "time_budget_seconds",
    "agents",
    "agent_env",
];
const BUILD_KEYS: &[&str] = &[
    "estimate",
    "overhead_seconds",
    "system_commands",
    "dependency_commands",
    "model_commands",
    "weights",
];
const APP_KEYS: &[&str] = &["name", "context", "dockerfile", "target", "branches"];

/// The largest accepted tier time: a build or release estimate beyond a day is a typo.
const MAX_SECONDS: i64 = 86_400;

const SEVERITIES: &[(&str, Option<Severity>)] = &[
    ("off", None),
    ("info", Some(Severity::Info)),
    ("warn", Some(Severity::Warn)),
    ("block", Some(Severity::Block)),
];

const GLOB_HELP: &str = "globs use globset syntax: `*` and `?` stay within one path \
    component, `**/` spans directories, `{a,b}` is an alternation and `[abc]` a class; \
    write a literal `{`, `[` or `*` as `[{]`, `[[]` or `[*]`";

/// Reads `text` (the contents of `path`) over `base` and returns the merged configuration.
pub(super) fn apply(
    base: &Config,
    text: &str,
    path: &Path,
    origin: Origin,
) -> Result<Config, ConfigError> {
    let src = Source::new(path, text);
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => return Err(ConfigError::new(path, vec![syntax_error(&src, &e)])),
    };
    let mut overlay = Overlay {
        src: &src,
        origin,
        config: base.clone(),
        diagnostics: Vec::new(),
        user_paths_added: 0,
    };
    overlay.document(doc.get_ref());
    // Path rules may have changed: the combined matcher is rebuilt on first use.
    overlay.config.classifier = std::sync::OnceLock::new();
    if overlay.diagnostics.is_empty() {
        Ok(overlay.config)
    } else {
        Err(ConfigError::new(path, overlay.diagnostics))
    }
}

/// toml's own message and span for a document that does not parse.
fn syntax_error(src: &Source<'_>, e: &toml::de::Error) -> Diagnostic {
    let message = format!(
        "invalid TOML in {}: {}",
        src.name(),
        e.message().trim().replace('\n', "; ")
    );
    let help = Some(
        "fix the TOML syntax (https://toml.io); pushguard uses nothing from a file it cannot parse"
            .to_owned(),
    );
    match e.span() {
        Some(span) => src.diagnostic(span, message, help),
        None => Diagnostic::unlocated(message, help),
    }
}

struct Overlay<'s> {
    src: &'s Source<'s>,
    origin: Origin,
    config: Config,
    diagnostics: Vec<Diagnostic>,
    /// How many new path rules this document added, i.e. where the next one goes.
    user_paths_added: usize,
}

impl Overlay<'_> {
    fn document(&mut self, doc: &DeTable<'_>) {
        for (key, val) in doc.iter() {
            let name = key_str(key);
            if name == "app" {
                self.apps(val);
                continue;
            }
            let Some(table) = (match name {
                "deploy" | "tiers" | "build" | "paths" | "rules" | "policy" | "output" => {
                    self.table(val, name)
                }
                _ => {
                    self.unknown_key(key, "", TOP_KEYS);
                    None
                }
            }) else {
                continue;
            };
            match name {
                "deploy" => self.deploy(table),
                "tiers" => self.tiers(table),
                "build" => self.build(table),
                "paths" => self.paths(table),
                "rules" => self.rules(table),
                "output" => self.output(table),
                _ => self.policy(table),
            }
        }
    }

    fn output(&mut self, table: &DeTable<'_>) {
        for (key, val) in table.iter() {
            match key_str(key) {
                "style" => {
                    let choices = ReportStyle::ALL.map(|c| (c.as_str(), c));
                    if let Some(c) = self.choice(val, "output.style", "`style` value", &choices) {
                        self.config.report_style = c;
                    }
                }
                _ => self.unknown_key(key, "output", OUTPUT_KEYS),
            }
        }
    }

    fn deploy(&mut self, table: &DeTable<'_>) {
        for (key, val) in table.iter() {
            match key_str(key) {
                "branches" => {
                    if let Some(branches) = self.globs(val, "deploy.branches", true) {
                        self.config.deploy_branches = branches;
                        self.config.deploy_branches_set = self.origin == Origin::User;
                    }
                }
                "unmatched" => {
                    if let Some(tier) = self.tier(val, "deploy.unmatched") {
                        self.config.unmatched = tier;
                    }
                }
                "platform" => {
                    let choices = Platform::ALL.map(|p| (p.as_str(), p));
                    if let Some(p) = self.choice(val, "deploy.platform", "platform", &choices) {
                        self.config.platform = p;
                    }
                }
                _ => self.unknown_key(key, "deploy", DEPLOY_KEYS),
            }
        }
    }

    fn tiers(&mut self, table: &DeTable<'_>) {
        for (key, val) in table.iter() {
            let name = key_str(key);
            let Some(tier) = BuildTier::ALL.into_iter().find(|t| t.as_str() == name) else {
                let names = BuildTier::ALL.map(BuildTier::as_str);
                let help = with_suggestion(
                    did_you_mean(name, names),
                    "a tier is one of none, incremental, partial, full".to_owned(),
                );
                self.error(key.span(), format_args!("unknown tier `{name}`"), help);
                continue;
            };
            let table_name = format!("tiers.{name}");
            let Some(times) = self.table(val, &table_name) else {
                continue;
            };
            for (key, val) in times.iter() {
                let field = dotted(&table_name, key_str(key));
                let set: fn(&mut TierTimes, u32) = match key_str(key) {
                    "build_seconds" => |t, s| t.build_seconds = s,
                    "deploy_seconds" => |t, s| t.deploy_seconds = s,
                    _ => {
                        self.unknown_key(key, &table_name, TIER_KEYS);
                        continue;
                    }
                };
                if let Some(seconds) = self.seconds(val, &field) {
                    set(self.config.tiers.get_mut(tier), seconds);
                }
            }
        }
    }

    fn build(&mut self, table: &DeTable<'_>) {
        for (key, val) in table.iter() {
            let field = dotted("build", key_str(key));
            match key_str(key) {
                "estimate" => {
                    let choices = Estimate::ALL.map(|e| (e.as_str(), e));
                    if let Some(e) = self.choice(val, &field, "`estimate` value", &choices) {
                        self.config.build.estimate = e;
                    }
                }
                "overhead_seconds" => {
                    if let Some(s) = self.seconds(val, &field) {
                        self.config.build.overhead_seconds = s;
                    }
                }
                "system_commands" => {
                    if let Some(list) = self.phrases(val, &field) {
                        self.config.build.system_commands = list;
                    }
                }
                "dependency_commands" => {
                    if let Some(list) = self.phrases(val, &field) {
                        self.config.build.dependency_commands = list;
                    }
                }
                "model_commands" => {
                    if let Some(list) = self.phrases(val, &field) {
                        self.config.build.model_commands = list;
                    }
                }
                "weights" => {
                    if let Some(weights) = self.table(val, "build.weights") {
                        self.weights(weights);
                    }
                }
                _ => self.unknown_key(key, "build", BUILD_KEYS),
            }
        }
    }

    fn weights(&mut self, table: &DeTable<'_>) {
        for (key, val) in table.iter() {
            let name = key_str(key);
            let field = dotted("build.weights", name);
            if StepWeights::KEYS.contains(&name) {
                if let Some(s) = self.seconds(val, &field) {
                    if let Some(slot) = self.config.build.weights.get_mut(name) {
                        *slot = s;
                    }
                }
            } else {
                self.unknown_key(key, "build.weights", &StepWeights::KEYS);
            }
        }
    }

    /// An array of non-blank command phrases (`"apt-get install"`).
    fn phrases(&mut self, val: &Val<'_>, field: &str) -> Option<Vec<String>> {
        let DeValue::Array(items) = val.get_ref() else {
            self.wrong_type(val, field, "an array of strings", "[\"pip install\"]");
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items.iter() {
            match self.string(item, field, "\"pip install\"") {
                Some(s) if s.split_whitespace().next().is_some() => out.push(s.to_owned()),
                Some(_) => {
                    ok = false;
                    self.error(
                        item.span(),
                        format_args!("blank command phrase in `{field}`"),
                        "write a command and its words, e.g. \"pip install\"".to_owned(),
                    );
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// An array of environment variable names, each optionally ending in `*` (a prefix).
    fn env_names(&mut self, val: &Val<'_>, field: &str) -> Option<Vec<String>> {
        let names = self.phrases(val, field)?;
        let valid = |n: &str| {
            let stem = n.strip_suffix('*').unwrap_or(n);
            !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        };
        if let Some(bad) = names.iter().find(|n| !valid(n)) {
            self.error(
                val.span(),
                format_args!("`{bad}` in `{field}` is not an environment variable name"),
                "write names such as \"CLAUDECODE\", or a prefix such as \"AIDER_*\"".to_owned(),
            );
            return None;
        }
        Some(names)
    }

    /// `[[app]]`: an array of tables, each an app built from a Dockerfile. A user file's
    /// list replaces the previous one, like every list.
    fn apps(&mut self, val: &Val<'_>) {
        let DeValue::Array(items) = val.get_ref() else {
            self.wrong_type(val, "app", "an array of tables", "[[app]]");
            return;
        };
        let mut apps: Vec<AppConfig> = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                self.wrong_type(item, "app", "a table", "[[app]]");
                ok = false;
                continue;
            };
            match self.app(item.span(), table) {
                Some(app) if apps.iter().any(|a| a.name == app.name) => {
                    ok = false;
                    self.error(
                        item.span(),
                        format_args!("two `[[app]]` tables are named `{}`", app.name),
                        "give every app a different `name`".to_owned(),
                    );
                }
                Some(app) => apps.push(app),
                None => ok = false,
            }
        }
        if ok {
            self.config.apps = apps;
        }
    }

    fn app(&mut self, span: Range<usize>, table: &DeTable<'_>) -> Option<AppConfig> {
        let mut name = None;
        let mut context = None;
        let mut dockerfile = None;
        let mut target = None;
        let mut branches = Vec::new();
        let mut ok = true;
        for (key, val) in table.iter() {
            let field = dotted("app", key_str(key));
            match key_str(key) {
                "name" => name = self.text(val, &field, "\"api\""),
                "context" | "dockerfile" => {
                    let example = if key_str(key) == "context" {
                        "\"services/api\""
                    } else {
                        "\"services/api/Dockerfile\""
                    };
                    let path = self
                        .string(val, &field, example)
                        .and_then(|s| self.repo_path(val, &field, s));
                    match (key_str(key), path) {
                        ("context", Some(p)) => context = Some(p),
                        (_, Some(p)) => dockerfile = Some(p),
                        (_, None) => ok = false,
                    }
                }
                "target" => target = self.text(val, &field, "\"runtime\""),
                "branches" => match self.globs(val, &field, false) {
                    Some(list) => branches = list,
                    None => ok = false,
                },
                _ => {
                    ok = false;
                    self.unknown_key(key, "app", APP_KEYS);
                }
            }
        }
        let Some(name) = name else {
            self.error(
                span,
                format_args!("an `[[app]]` table has no `name`"),
                "every app needs `name = \"...\"` (and usually `context`)".to_owned(),
            );
            return None;
        };
        if !ok {
            return None;
        }
        let context = context.unwrap_or_default();
        let dockerfile = dockerfile.unwrap_or_else(|| crate::paths::join(&context, "Dockerfile"));
        Some(AppConfig {
            name,
            context,
            dockerfile,
            target,
            branches,
        })
    }

    /// A repository-relative path, cleaned (`./a//b/` → `a/b`, `.` → ``); paths that are
    /// absolute or climb out of the repository are reported.
    fn repo_path(&mut self, val: &Val<'_>, field: &str, s: &str) -> Option<String> {
        match crate::paths::clean_repo_path(s) {
            Some(p) => Some(p),
            None => {
                self.error(
                    val.span(),
                    format_args!("`{field}` must be a path inside the repository"),
                    "write it relative to the repository root, without a leading `/` or `..` \
                     that climbs above it, e.g. \"services/api\""
                        .to_owned(),
                );
                None
            }
        }
    }

    fn paths(&mut self, table: &DeTable<'_>) {
        for (key, val) in table.iter() {
            let name = dotted("paths", key_str(key));
            if let Some(rule) = self.table(val, &name) {
                self.path_rule(key, &name, rule);
            }
        }
    }

    /// One `[paths.<id>]` table: an override of an existing rule, or a new rule (which
    /// must have `globs` and `tier`).
    fn path_rule(&mut self, key: &Key<'_>, name: &str, table: &DeTable<'_>) {
        let id = key_str(key);
        let mut globs = None;
        let mut tier = None;
        let mut reason = None;
        let mut enabled = None;
        let (mut has_globs, mut has_tier) = (false, false);
        for (k, val) in table.iter() {
            let field = dotted(name, key_str(k));
            match key_str(k) {
                "globs" => {
                    has_globs = true;
                    globs = self.globs(val, &field, false);
                }
                "tier" => {
                    has_tier = true;
                    tier = self.tier(val, &field);
                }
                "reason" => reason = self.text(val, &field, "\"migrations changed\""),
                "enabled" => enabled = self.boolean(val, &field),
                _ => self.unknown_key(k, name, PATH_KEYS),
            }
        }
        if let Some(rule) = self.config.paths.iter_mut().find(|r| r.id == id) {
            if let Some(globs) = globs {
                rule.globs = globs;
            }
            if let Some(tier) = tier {
                rule.tier = tier;
            }
            if let Some(reason) = reason {
                rule.reason = reason;
            }
            if let Some(enabled) = enabled {
                rule.enabled = enabled;
            }
            return;
        }
        if !has_globs || !has_tier {
            self.missing_path_keys(key, name, has_globs, has_tier);
            return;
        }
        let (Some(globs), Some(tier)) = (globs, tier) else {
            return; // Already reported.
        };
        let rule = PathRule {
            id: id.to_owned(),
            globs,
            tier,
            reason: reason.unwrap_or_else(|| format!("{id} changed")),
            enabled: enabled.unwrap_or(true),
            builtin: self.origin == Origin::Defaults,
        };
        match self.origin {
            Origin::Defaults => self.config.paths.push(rule),
            Origin::User => {
                let at = self.user_paths_added.min(self.config.paths.len());
                self.config.paths.insert(at, rule);
                self.user_paths_added += 1;
            }
        }
    }

    fn missing_path_keys(&mut self, key: &Key<'_>, name: &str, has_globs: bool, has_tier: bool) {
        let missing = match (has_globs, has_tier) {
            (false, false) => "neither `globs` nor `tier`",
            (false, true) => "no `globs`",
            _ => "no `tier`",
        };
        let builtin: Vec<&str> = self
            .config
            .paths
            .iter()
            .filter(|r| r.builtin)
            .map(|r| r.id.as_str())
            .collect();
        let mut help = "a new path rule needs `globs = [...]` and `tier = \"...\"`".to_owned();
        if !builtin.is_empty() {
            help.push_str(&format!(
                "; to change a built-in rule, use its id: {}",
                builtin.join(", ")
            ));
        }
        let help = with_suggestion(did_you_mean(key_str(key), builtin.iter().copied()), help);
        self.error(
            key.span(),
            format_args!("new path rule `{name}` has {missing}"),
            help,
        );
    }

    fn rules(&mut self, table: &DeTable<'_>) {
        for (key, val) in table.iter() {
            let id = key_str(key);
            let name = dotted("rules", id);
            let existing = self.config.rules.iter().position(|r| r.id == id);
            if existing.is_none() && self.origin == Origin::User {
                let ids = self.config.known_rule_ids();
                let help = with_suggestion(
                    did_you_mean(id, ids.iter().copied()),
                    format!("known rules: {}", ids.join(", ")),
                );
                self.error(key.span(), format_args!("unknown rule `{id}`"), help);
                continue;
            }
            if let Some(rule) = self.table(val, &name) {
                self.content_rule(key, &name, existing, rule);
            }
        }
    }

    /// One `[rules.<id>]` table. `existing` is the index of the rule being overridden;
    /// `None` only while reading the defaults, where the table defines the rule.
    fn content_rule(
        &mut self,
        key: &Key<'_>,
        name: &str,
        existing: Option<usize>,
        table: &DeTable<'_>,
    ) {
        let mut rule = existing
            .and_then(|i| self.config.rules.get(i).cloned())
            .unwrap_or_else(|| RuleConfig {
                id: key_str(key).to_owned(),
                severity: None,
                fact: None,
                hint: None,
                options: toml::Table::new(),
                compiled: Vec::new(),
            });
        let (mut has_severity, mut has_fact, mut has_hint) = (false, false, false);
        for (k, val) in table.iter() {
            let field = dotted(name, key_str(k));
            match key_str(k) {
                "severity" => {
                    has_severity = true;
                    if let Some(s) = self.choice(val, &field, "severity", SEVERITIES) {
                        rule.severity = s;
                    }
                }
                "fact" => {
                    has_fact = true;
                    if let Some(s) = self.text(val, &field, "\"...\"") {
                        rule.fact = Some(s);
                    }
                }
                "hint" => {
                    has_hint = true;
                    if let Some(s) = self.text(val, &field, "\"...\"") {
                        rule.hint = Some(s);
                    }
                }
                _ => self.rule_option(&mut rule, name, k, val),
            }
        }
        match existing {
            Some(i) => {
                if let Some(slot) = self.config.rules.get_mut(i) {
                    *slot = rule;
                }
            }
            None => {
                // The built-in rules' texts are parsed apart (`config::DEFAULT_SPLIT`).
                let texts_apart = self.origin == Origin::Defaults;
                if !(has_severity && (has_fact || texts_apart) && (has_hint || texts_apart)) {
                    self.error(
                        key.span(),
                        format_args!("rule `{name}` needs `severity`, `fact` and `hint`"),
                        "every built-in rule states its severity, the fact it relies on and the fix"
                            .to_owned(),
                    );
                }
                self.config.rules.push(rule);
            }
        }
    }

    /// An option of a content rule. In a user file it must exist in the default with the
    /// same type; `globs`/`*_globs` must be valid globs and `*severity` a severity.
    fn rule_option(&mut self, rule: &mut RuleConfig, name: &str, key: &Key<'_>, val: &Val<'_>) {
        let option = key_str(key);
        let field = dotted(name, option);
        if self.origin == Origin::User {
            let Some(existing) = rule.options.get(option) else {
                let valid: Vec<&str> = RULE_KEYS
                    .iter()
                    .copied()
                    .chain(rule.options.keys().map(String::as_str))
                    .collect();
                self.unknown_key(key, name, &valid);
                return;
            };
            if let Some((span, found)) = shape_mismatch(existing, val) {
                let expected = describe_value_type(existing);
                let help = format!(
                    "`{option}` takes {expected}, like the built-in `{option}` = {}",
                    example_of(existing)
                );
                self.error(
                    span,
                    format_args!("`{field}` must be {expected}, found {}", article(found)),
                    help,
                );
                return;
            }
        }
        let value = if option == "globs" || option.ends_with("_globs") {
            let Some(globs) = self.globs(val, &field, option != "globs") else {
                return;
            };
            rule.compiled.retain(|(k, _)| k != option);
            // Every glob checked: the set is built on first use and cannot fail.
            rule.compiled
                .push((option.to_owned(), std::sync::OnceLock::new()));
            toml::Value::Array(globs.into_iter().map(toml::Value::String).collect())
        } else if option.ends_with("severity") {
            let Some(severity) = self.choice(val, &field, "severity", SEVERITIES) else {
                return;
            };
            toml::Value::String(severity.map_or("off", Severity::as_str).to_owned())
        } else if let DeValue::Integer(_) = val.get_ref() {
            let Some(n) = self.integer(val, &field) else {
                return;
            };
            if n < 0 {
                self.error(
                    val.span(),
                    format_args!("`{field}` cannot be negative"),
                    format!("`{option}` is a count or a size: 0 or more"),
                );
                return;
            }
            toml::Value::Integer(n)
        } else {
            match to_value(val.get_ref()) {
                Some(v) => v,
                None => {
                    self.error(
                        val.span(),
                        format_args!("`{field}` has a value pushguard cannot represent"),
                        "use a value within the range of a 64-bit number".to_owned(),
                    );
                    return;
                }
            }
        };
        rule.options.insert(option.to_owned(), value);
    }

    fn policy(&mut self, table: &DeTable<'_>) {
        for (key, val) in table.iter() {
            let field = dotted("policy", key_str(key));
            match key_str(key) {
                "confirm" => {
                    let choices = ConfirmOn::ALL.map(|c| (c.as_str(), c));
                    if let Some(c) = self.choice(val, &field, "`confirm` value", &choices) {
                        self.config.policy.confirm = c;
                    }
                }
                "noninteractive" => {
                    let choices = NonInteractive::ALL.map(|c| (c.as_str(), c));
                    let what = "`noninteractive` value";
                    if let Some(c) = self.choice(val, &field, what, &choices) {
                        self.config.policy.noninteractive = c;
                    }
                }
                "on_error" => {
                    let choices = OnError::ALL.map(|c| (c.as_str(), c));
                    if let Some(c) = self.choice(val, &field, "`on_error` value", &choices) {
                        self.config.policy.on_error = c;
                    }
                }
                "time_budget_seconds" => {
                    if let Some(n) = self.seconds(val, &field) {
                        self.config.policy.time_budget_seconds = n;
                    }
                }
                "server_trailers" => {
                    let choices = ServerTrailers::ALL.map(|c| (c.as_str(), c));
                    let what = "`server_trailers` value";
                    if let Some(c) = self.choice(val, &field, what, &choices) {
                        self.config.policy.server_trailers = c;
                    }
                }
                "agents" => {
                    let choices = Agents::ALL.map(|c| (c.as_str(), c));
                    if let Some(c) = self.choice(val, &field, "`agents` value", &choices) {
                        self.config.policy.agents = c;
                    }
                }
                "agent_env" => {
                    if let Some(names) = self.env_names(val, &field) {
                        self.config.policy.agent_env = names;
                    }
                }
                _ => self.unknown_key(key, "policy", POLICY_KEYS),
            }
        }
    }
}
