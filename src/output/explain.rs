//! `pushguard explain`: the deploy map, then every Dockerfile step of each app as cached or
//! re-run, as text and as JSON (schema in docs/rebuild.md and docs/deploys.md).

use std::fmt::Write;

use serde_json::{json, Value};

use super::json::JSON_VERSION;
use super::report::plural;
use crate::build::rebuild::{AppOutcome, AppVerdict, AppsAnalysis, Step, StepStatus};
use crate::deploy::status::describe as describe_filter;
use crate::deploy::DeployMap;
use crate::escape::escape;

/// `pushguard explain`'s text: for each affected app, every instruction with `cached`,
/// `re-run (why)` or its stage skipped; unaffected apps on one line each.
pub fn explain_text(label: &str, found: &AppsAnalysis) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "pushguard explain: {} ({})",
        escape(label),
        plural(found.apps.len(), "app", "apps")
    );
    if found.apps.is_empty() {
        out.push_str(
            "no app found: no fly.toml, no [[app]] in pushguard.toml and no root Dockerfile\n",
        );
    }
    for app in &found.apps {
        out.push('\n');
        out.push_str(&explain_app_text(app));
    }
    if !found.notes.is_empty() {
        out.push('\n');
        for note in &found.notes {
            let place = match (note.path.is_empty(), note.line) {
                (true, _) => String::new(),
                (false, Some(l)) => format!("{}:{l}: ", escape(&note.path)),
                (false, None) => format!("{}: ", escape(&note.path)),
            };
            let _ = writeln!(out, "note: {place}{}", escape(&note.message));
        }
    }
    out
}

fn explain_app_text(app: &AppVerdict) -> String {
    let mut out = String::new();
    let a = &app.app;
    let context = if a.context.is_empty() {
        "."
    } else {
        &a.context
    };
    let target = a
        .target
        .as_deref()
        .map(|t| format!(", target {}", escape(t)))
        .unwrap_or_default();
    let _ = write!(
        out,
        "app {} (context {}, {}{target})",
        escape(&a.name),
        escape(context),
        escape(&a.dockerfile)
    );
    let rb = match &app.outcome {
        AppOutcome::Unknown {
            path,
            line,
            message,
        } => {
            let at = line.map(|l| format!(":{l}")).unwrap_or_default();
            let _ = writeln!(
                out,
                ": not predicted\n  {}{at}: {}",
                escape(path),
                escape(message)
            );
            return out;
        }
        AppOutcome::Predicted(rb) => rb,
    };
    if !rb.affected() {
        let _ = writeln!(out, ": not affected, every step cached");
        return out;
    }
    out.push('\n');
    let mut head = match rb.tier {
        crate::tier::BuildTier::None => "NO rebuild".to_owned(),
        t => format!("{} rebuild", t.as_str().to_uppercase()),
    };
    // Steps that re-run only if a RUN of another stage wrote something different: the
    // likely case leaves them cached.
    if rb.likely_tier != rb.tier {
        head = format!(
            "{} rebuild likely, {head} at worst",
            rb.likely_tier.as_str().to_uppercase()
        );
    }
    let built = rb
        .steps
        .iter()
        .filter(|s| {
            s.status != StepStatus::Skipped && s.kind != crate::build::rebuild::StepKind::Setting
        })
        .count();
    let _ = writeln!(
        out,
        "  {head} (~{} s build): {} of {} re-run",
        rb.build_seconds,
        rb.rerun_count(),
        plural(built, "step", "steps")
    );
    if rb.timed_steps > 0 {
        let _ = writeln!(
            out,
            "  build time from real builds: {} of the re-run steps timed by `pushguard calibrate`",
            rb.timed_steps
        );
    }
    if rb.dockerfile_copied {
        let _ = writeln!(
            out,
            "  the Dockerfile is copied into the image: any edit to it re-runs that COPY"
        );
    }
    let mut current: Option<Option<usize>> = None;
    let mut skipped_shown: Option<usize> = None;
    for step in &rb.steps {
        if current != Some(step.stage) {
            current = Some(step.stage);
            if step.status == StepStatus::Skipped {
                if skipped_shown != step.stage {
                    skipped_shown = step.stage;
                    let _ = writeln!(
                        out,
                        "  stage {}: skipped ({})",
                        escape(&step.stage_label()),
                        escape(step.reason.as_deref().unwrap_or("not needed"))
                    );
                }
                continue;
            }
            match step.stage {
                Some(_) => {
                    let _ = writeln!(out, "  stage {}", escape(&step.stage_label()));
                }
                None => out.push_str("  global\n"),
            }
        }
        if step.status == StepStatus::Skipped {
            continue;
        }
        out.push_str(&explain_step_text(step));
    }
    out
}

fn explain_step_text(step: &Step) -> String {
    let instruction = escape(&crate::build::rebuild::shorten(&step.instruction, 50)).into_owned();
    let status = match (step.status, &step.reason) {
        (StepStatus::Rerun, Some(why)) => format!("re-run ({})", escape(why)),
        (StepStatus::Rerun, None) => "re-run".to_owned(),
        (StepStatus::Cached, Some(why)) => format!("cached ({})", escape(why)),
        (StepStatus::Cached, None) => "cached".to_owned(),
        (StepStatus::Skipped, _) => "skipped".to_owned(),
    };
    format!("    {:>4}  {instruction:<50}  {status}\n", step.line)
}

/// The deploy map, for `explain`: one block per target with its platform, declaring
/// file:line, how a push reaches it, branches, path filter and build.
pub fn map_text(map: &DeployMap) -> String {
    let mut out = String::new();
    if map.targets.is_empty() {
        out.push_str(
            "deploy map: no deploy target declared (pushes to main and master count as deploys)\n",
        );
    } else {
        let _ = writeln!(
            out,
            "deploy map: {} target{}",
            map.targets.len(),
            if map.targets.len() == 1 { "" } else { "s" }
        );
    }
    for t in &map.targets {
        let place = match t.line {
            Some(l) => format!("{}:{l}", t.config),
            None => t.config.clone(),
        };
        let _ = writeln!(out, "  {}  ({})", escape(&t.label()), escape(&place));
        let _ = writeln!(out, "    via:      {}", escape(t.via.shown()));
        let _ = writeln!(out, "    branches: {}", escape(&t.branches.describe()));
        if !t.tags.is_empty() {
            let _ = writeln!(out, "    tags:     {}", escape(&t.tags.join(", ")));
        }
        let _ = writeln!(out, "    paths:    {}", escape(&describe_filter(&t.paths)));
        let _ = writeln!(out, "    builds:   {}", escape(&t.build.describe()));
    }
    out
}

/// The deploy map as JSON (`deploy_map` of `explain --format json`, docs/deploys.md).
pub fn map_json(map: &DeployMap) -> Value {
    json!(map
        .targets
        .iter()
        .map(|t| json!({
            "platform": t.platform.id(),
            "app": escape(&t.app),
            "config": escape(&t.config),
            "line": t.line,
            "via": escape(t.via.shown()),
            "branches": escape(&t.branches.describe()),
            "tags": t.tags.iter().map(|g| escape(g)).collect::<Vec<_>>(),
            "paths": escape(&describe_filter(&t.paths)),
            "build": t.build.kind(),
            "builds": escape(&t.build.describe()),
        }))
        .collect::<Vec<_>>())
}

/// `pushguard explain --format json` (schema in docs/rebuild.md).
pub fn explain_json(found: &AppsAnalysis, map: &DeployMap) -> Value {
    json!({
        "version": JSON_VERSION,
        "deploy_map": map_json(map),
        "apps": found.apps.iter().map(explain_app_json).collect::<Vec<_>>(),
        "notes": found.notes.iter().map(|n| json!({
            "severity": n.severity.as_str(),
            "path": escape(&n.path),
            "line": n.line,
            "message": escape(&n.message),
        })).collect::<Vec<_>>(),
    })
}

pub(crate) fn explain_app_json(app: &AppVerdict) -> Value {
    let a = &app.app;
    let context = if a.context.is_empty() {
        "."
    } else {
        &a.context
    };
    let likely = match &app.outcome {
        AppOutcome::Predicted(rb) => Some(rb.likely_tier.as_str()),
        AppOutcome::Unknown { .. } => None,
    };
    let (tier, seconds, affected, steps, error, copied) = match &app.outcome {
        AppOutcome::Predicted(rb) => (
            Some(rb.tier.as_str()),
            Some(rb.build_seconds),
            rb.affected(),
            rb.steps.iter().map(step_json).collect::<Vec<_>>(),
            None,
            rb.dockerfile_copied,
        ),
        AppOutcome::Unknown {
            path,
            line,
            message,
        } => (
            None,
            None,
            false,
            Vec::new(),
            Some(json!({
                "path": escape(path),
                "line": line,
                "message": escape(message),
            })),
            false,
        ),
    };
    json!({
        "name": escape(&a.name),
        "context": escape(context),
        "dockerfile": escape(&a.dockerfile),
        "target": a.target.as_deref().map(escape),
        "tier": tier,
        "likely_tier": likely,
        "build_seconds": seconds,
        "affected": affected,
        "dockerfile_copied": copied,
        "error": error,
        "steps": steps,
    })
}

fn step_json(step: &Step) -> Value {
    json!({
        "stage": step.stage.map(|_| escape(&step.stage_label()).into_owned()),
        "line": step.line,
        "instruction": escape(&step.instruction),
        "kind": step.kind.as_str(),
        "status": step.status.as_str(),
        "reason": step.reason.as_deref().map(escape),
        "uncertain": step.uncertain,
    })
}
