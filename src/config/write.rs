//! Writing the effective configuration back out as TOML.
//!
//! Invariant: loading the output as a user file over the built-in default gives an equal
//! configuration. That holds because every path rule is written in precedence order
//! (user-added ones first, so they are re-added first and in order; built-in ids override
//! in place), every content rule and option is written with the type the default gave
//! it, and strings go through toml's own encoder.

use std::fmt::Write;

use super::{Config, StepWeights};
use crate::tier::BuildTier;

/// The configuration as a TOML document with a header saying where it came from.
pub(super) fn to_toml(c: &Config) -> String {
    let mut out = String::new();
    // `ConfigSource`'s Display escapes the path, so it cannot break out of the comment.
    let _ = writeln!(out, "# pushguard configuration in effect: {}.", c.source);
    out.push_str(
        "# Loading this file as pushguard.toml reproduces this configuration exactly.\n\n",
    );

    out.push_str("[deploy]\n");
    let branches = c
        .deploy_branches
        .iter()
        .map(|b| toml::Value::String(b.clone()))
        .collect();
    if c.deploy_branches_set {
        line(&mut out, "branches", &toml::Value::Array(branches));
    } else {
        // Unset: the deploy map decides (writing them would make them win over it).
        out.push_str(
            "# branches: unset, so the deploy map decides (main and master when it is empty)\n",
        );
    }
    line(&mut out, "unmatched", &string(c.unmatched.as_str()));
    line(&mut out, "platform", &string(c.platform.as_str()));

    for tier in BuildTier::ALL {
        let times = c.tier_times(tier);
        let _ = writeln!(out, "\n[tiers.{}]", tier.as_str());
        line(
            &mut out,
            "build_seconds",
            &toml::Value::Integer(i64::from(times.build_seconds)),
        );
        line(
            &mut out,
            "deploy_seconds",
            &toml::Value::Integer(i64::from(times.deploy_seconds)),
        );
    }

    out.push_str("\n[build]\n");
    line(&mut out, "estimate", &string(c.build.estimate.as_str()));
    line(
        &mut out,
        "overhead_seconds",
        &toml::Value::Integer(i64::from(c.build.overhead_seconds)),
    );
    line(
        &mut out,
        "system_commands",
        &strings(&c.build.system_commands),
    );
    line(
        &mut out,
        "dependency_commands",
        &strings(&c.build.dependency_commands),
    );
    line(
        &mut out,
        "model_commands",
        &strings(&c.build.model_commands),
    );
    out.push_str("\n[build.weights]\n");
    for key in StepWeights::KEYS {
        let weight = c.build.weights.get(key).unwrap_or_default();
        line(&mut out, key, &toml::Value::Integer(i64::from(weight)));
    }

    out.push_str(
        "\n# Path rules in precedence order: the first enabled rule whose globs match a path\n\
         # decides its tier; a path none matches gets deploy.unmatched.\n",
    );
    for rule in c.path_rules() {
        let origin = if rule.builtin { "built-in" } else { "added" };
        let _ = writeln!(out, "\n[paths.{}] # {origin}", key_display(&rule.id));
        let globs = rule.globs.iter().map(|g| string(g)).collect();
        line(&mut out, "globs", &toml::Value::Array(globs));
        line(&mut out, "tier", &string(rule.tier.as_str()));
        line(&mut out, "reason", &string(&rule.reason));
        line(&mut out, "enabled", &toml::Value::Boolean(rule.enabled));
    }

    for rule in c.rules() {
        let _ = writeln!(out, "\n[rules.{}]", key_display(&rule.id));
        let severity = rule.severity.map_or("off", |s| s.as_str());
        line(&mut out, "severity", &string(severity));
        line(&mut out, "fact", &string(rule.fact()));
        line(&mut out, "hint", &string(rule.hint()));
        for (key, value) in &rule.options {
            line(&mut out, key, value);
        }
    }

    for app in &c.apps {
        out.push_str("\n[[app]]\n");
        line(&mut out, "name", &string(&app.name));
        let context = if app.context.is_empty() {
            "."
        } else {
            &app.context
        };
        line(&mut out, "context", &string(context));
        line(&mut out, "dockerfile", &string(&app.dockerfile));
        if let Some(target) = &app.target {
            line(&mut out, "target", &string(target));
        }
        if !app.branches.is_empty() {
            line(&mut out, "branches", &strings(&app.branches));
        }
    }

    out.push_str("\n[policy]\n");
    line(&mut out, "confirm", &string(c.policy.confirm.as_str()));
    line(
        &mut out,
        "noninteractive",
        &string(c.policy.noninteractive.as_str()),
    );
    line(&mut out, "on_error", &string(c.policy.on_error.as_str()));
    line(
        &mut out,
        "server_trailers",
        &string(c.policy.server_trailers.as_str()),
    );
    line(
        &mut out,
        "time_budget_seconds",
        &toml::Value::Integer(i64::from(c.policy.time_budget_seconds)),
    );
    line(&mut out, "agents", &string(c.policy.agents.as_str()));
    line(&mut out, "agent_env", &strings(&c.policy.agent_env));

    out.push_str("\n[output]\n");
    line(&mut out, "style", &string(c.report_style.as_str()));
    out
}

/// A TOML key, bare when TOML allows it and quoted otherwise.
pub(super) fn key_display(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_owned()
    } else {
        string(key).to_string()
    }
}

fn strings(list: &[String]) -> toml::Value {
    toml::Value::Array(list.iter().map(|s| string(s)).collect())
}

fn string(s: &str) -> toml::Value {
    toml::Value::String(s.to_owned())
}

/// `key = value`; arrays of more than three elements get one element per line.
fn line(out: &mut String, key: &str, value: &toml::Value) {
    let _ = write!(out, "{} = ", key_display(key));
    match value {
        toml::Value::Array(items) if items.len() > 3 => {
            out.push_str("[\n");
            for item in items {
                let _ = writeln!(out, "    {item},");
            }
            out.push_str("]\n");
        }
        other => {
            let _ = writeln!(out, "{other}");
        }
    }
}
