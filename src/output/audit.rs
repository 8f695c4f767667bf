//! `pushguard audit`'s report: text with a compact terminal chart, JSON (docs/json.md), and
//! one self-contained HTML file with inline SVG charts (no script, nothing from the
//! network).
//!
//! Invariant: every string from the repository (branch names, target labels, commit
//! subjects, rule ids from the configuration) is escaped before it is written: for the
//! terminal by [`crate::escape`] (done where the audit is built), and for HTML by
//! [`html_escape`] here.

use std::fmt::Write;

use serde_json::json;

use crate::audit::{Audit, ReplayedPush};
use crate::escape::escape;

/// How many pushes the text and HTML reports list; JSON lists every forcing push.
pub const TOP: usize = 10;

/// `1 h 12 min`, `14 min`, `45 s`.
fn duration(seconds: u64) -> String {
    match seconds {
        s if s >= 3600 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{} min", (s + 30) / 60),
        s => format!("{s} s"),
    }
}

/// The commit's subject, escaped and shortened, for one line.
fn subject(repo: &git2::Repository, id: git2::Oid) -> String {
    let text = repo
        .find_commit(id)
        .ok()
        .and_then(|c| {
            c.summary_bytes()
                .map(|s| String::from_utf8_lossy(s).into_owned())
        })
        .unwrap_or_default();
    let mut s = escape(&text).into_owned();
    if s.chars().count() > 60 {
        s = s.chars().take(59).collect::<String>() + "…";
    }
    s
}

/// The most wasteful reported pushes, most wasted first, then newest.
fn top(audit: &Audit) -> Vec<&ReplayedPush> {
    let mut pushes: Vec<&ReplayedPush> = audit.pushes.iter().filter(|p| p.reported()).collect();
    pushes.sort_by(|a, b| {
        b.wasted_build_seconds()
            .cmp(&a.wasted_build_seconds())
            .then(b.time.cmp(&a.time))
    });
    pushes.truncate(TOP);
    pushes
}

fn date(secs: i64) -> String {
    crate::decide::audit::rfc3339(secs)
        .chars()
        .take(10)
        .collect()
}

/// Said when `secret-in-image` was not replayed.
const SECRETS_SKIPPED: &str = "secret-in-image not replayed: it reads every line the history \
    added and a secret wastes no build; `pushguard audit --secrets` includes it";

/// The text report.
pub fn text(repo: &git2::Repository, audit: &Audit) -> String {
    let mut out = String::new();
    let branches = audit
        .branches
        .iter()
        .map(|b| escape(b))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "pushguard audit: {branches}: {} pushes, {} deploys",
        audit.pushes.len(),
        audit.deploys()
    );
    if audit.boundaries == crate::audit::Boundaries::PerCommit {
        out.push_str(
            "  pushes counted one per first-parent commit (no reflog of the remote branch in \
             this clone): an upper bound\n",
        );
    }
    if audit.not_inspected > 0 {
        let _ = writeln!(
            out,
            "  {} commits could not be inspected (shallow or partial clone): not judged",
            audit.not_inspected
        );
    }
    if audit.secrets == crate::audit::SecretScan::Skipped {
        let _ = writeln!(out, "  {SECRETS_SKIPPED}");
    }
    let forcing = audit.pushes.iter().filter(|p| p.reported()).count();
    let _ = writeln!(
        out,
        "  reported pushes: {forcing}; wasted: ~{} of builds, ~{} of deploys",
        duration(audit.wasted_build_seconds()),
        duration(audit.wasted_deploy_seconds())
    );
    if audit.prevented.pushes > 0 {
        let _ = writeln!(
            out,
            "  prevented by the hook: {} pushes, ~{} of builds ({} rewritten and pushed again)",
            audit.prevented.pushes,
            duration(audit.prevented.build_seconds),
            audit.prevented.rewritten
        );
    }
    let by_rule = audit.by_rule();
    if !by_rule.is_empty() {
        out.push_str("\nby rule (pushes)\n");
        for (rule, n) in &by_rule {
            let _ = writeln!(out, "  {:<26} {n}", escape(rule));
        }
    }
    let months = audit.by_month();
    if !months.is_empty() {
        out.push_str("\nby month: deploys, reported, wasted build time\n");
        let widest = months
            .iter()
            .map(|m| m.wasted_build_seconds)
            .max()
            .unwrap_or(0);
        for m in &months {
            let bar = bar(m.wasted_build_seconds, widest, 30);
            let _ = writeln!(
                out,
                "  {}  {:>4} {:>4}  {bar:<30} {}",
                m.month,
                m.deploys,
                m.forcing,
                duration(m.wasted_build_seconds)
            );
        }
    }
    let apps = audit.by_app();
    if !apps.is_empty() {
        out.push_str("\nby app: deploys, wasted build time\n");
        for (name, deploys, wasted) in apps.iter().take(TOP) {
            let _ = writeln!(out, "  {:<30} {deploys:>5}  {}", name, duration(*wasted));
        }
    }
    let top = top(audit);
    if !top.is_empty() {
        out.push_str("\nthe pushes to look at\n");
        for p in top {
            let _ = writeln!(
                out,
                "  {} {}  {}  {}  \"{}\"",
                date(p.time),
                &p.tip.to_string()[..8],
                p.rules().join(","),
                duration(p.wasted_build_seconds()),
                subject(repo, p.tip)
            );
        }
    }
    out
}

/// `████▌`: `value` of `max` in `width` cells, eighths for the remainder.
fn bar(value: u64, max: u64, width: usize) -> String {
    if max == 0 || value == 0 {
        return String::new();
    }
    let eighths = (value * width as u64 * 8).div_ceil(max) as usize;
    let mut s = "█".repeat(eighths / 8);
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    s.push_str(PARTS[eighths % 8]);
    s
}

/// The JSON document of docs/json.md.
pub fn json(repo: &git2::Repository, audit: &Audit) -> serde_json::Value {
    let by_rule: serde_json::Map<String, serde_json::Value> = audit
        .by_rule()
        .into_iter()
        .map(|(r, n)| (escape(&r).into_owned(), json!(n)))
        .collect();
    let by_month: Vec<_> = audit
        .by_month()
        .iter()
        .map(|m| {
            json!({
                "month": m.month,
                "pushes": m.pushes,
                "deploys": m.deploys,
                "forcing": m.forcing,
                "wasted_build_seconds": m.wasted_build_seconds,
            })
        })
        .collect();
    let by_app: Vec<_> = audit
        .by_app()
        .iter()
        .map(|(name, deploys, wasted)| {
            json!({"app": name, "deploys": deploys, "wasted_build_seconds": wasted})
        })
        .collect();
    let forcing_pushes: Vec<_> = audit
        .pushes
        .iter()
        .filter(|p| p.reported())
        .map(|p| {
            json!({
                "branch": p.branch,
                "commits": p.commits.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
                "date": crate::decide::audit::rfc3339(p.time),
                "rules": p.rules(),
                "apps": p.apps,
                "deploys": p.deploys,
                "tier": p.tier.as_str(),
                "wasted_build_seconds": p.wasted_build_seconds(),
                "wasted_deploy_seconds": p.wasted_deploy_seconds(),
                "subject": subject(repo, p.tip),
            })
        })
        .collect();
    json!({
        "version": 1,
        "branches": audit.branches,
        "pushes": audit.pushes.len(),
        "deploys": audit.deploys(),
        "boundaries": audit.boundaries.as_str(),
        "not_inspected_commits": audit.not_inspected,
        "secret_scan": audit.secrets.as_str(),
        "wasted_build_seconds": audit.wasted_build_seconds(),
        "wasted_deploy_seconds": audit.wasted_deploy_seconds(),
        "prevented": {
            "pushes": audit.prevented.pushes,
            "build_seconds": audit.prevented.build_seconds,
            "rewritten": audit.prevented.rewritten,
        },
        "by_rule": by_rule,
        "by_month": by_month,
        "by_app": by_app,
        "forcing_pushes": forcing_pushes,
    })
}

/// Text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A colour per rule, stable within a report (by first appearance).
const PALETTE: [&str; 8] = [
    "#d1495b", "#edae49", "#00798c", "#30638e", "#66a182", "#8d5a97", "#b56576", "#6c757d",
];

/// The HTML report: one file, inline CSS and SVG, no script.
pub fn html(repo: &git2::Repository, audit: &Audit) -> String {
    let branches = html_escape(&audit.branches.join(", "));
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>pushguard audit: {branches}</title><style>\
         body{{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}}\
         h1{{font-size:1.5rem}}h2{{font-size:1.15rem;margin-top:2rem}}\
         table{{border-collapse:collapse;width:100%}}td,th{{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd}}\
         td.n{{text-align:right;font-variant-numeric:tabular-nums}}.stats{{display:flex;gap:2rem;flex-wrap:wrap}}\
         .stat b{{display:block;font-size:1.6rem}}.note{{color:#666}}svg text{{font:11px system-ui,sans-serif;fill:#444}}\
         .legend span{{display:inline-block;margin-right:1rem}}.legend i{{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}}\
         </style></head><body>\n<h1>pushguard audit: {branches}</h1>\n"
    );
    if audit.boundaries == crate::audit::Boundaries::PerCommit {
        out.push_str(
            "<p class=\"note\">Pushes counted one per first-parent commit (this clone has no \
             reflog of the remote branch): an upper bound.</p>\n",
        );
    }
    if audit.secrets == crate::audit::SecretScan::Skipped {
        let _ = writeln!(
            out,
            "<p class=\"note\">{}</p>",
            html_escape(SECRETS_SKIPPED)
        );
    }
    let forcing = audit.pushes.iter().filter(|p| p.reported()).count();
    let _ = writeln!(
        out,
        "<div class=\"stats\">\
         <div class=\"stat\"><b>{}</b>pushes</div>\
         <div class=\"stat\"><b>{}</b>deploys</div>\
         <div class=\"stat\"><b>{forcing}</b>reported pushes</div>\
         <div class=\"stat\"><b>{}</b>builds wasted</div>\
         <div class=\"stat\"><b>{}</b>deploys wasted</div>\
         <div class=\"stat\"><b>{}</b>prevented by the hook</div></div>",
        audit.pushes.len(),
        audit.deploys(),
        html_escape(&duration(audit.wasted_build_seconds())),
        html_escape(&duration(audit.wasted_deploy_seconds())),
        audit.prevented.pushes,
    );
    out.push_str("<h2>Wasted build minutes per month, by rule</h2>\n");
    out.push_str(&month_chart(audit));
    out.push_str("<h2>Deploys per week</h2>\n");
    out.push_str(&week_chart(audit));
    let by_rule = audit.by_rule();
    if !by_rule.is_empty() {
        out.push_str("<h2>By rule</h2>\n<table><tr><th>Rule</th><th>Pushes</th></tr>\n");
        for (rule, n) in by_rule {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"n\">{n}</td></tr>",
                html_escape(&rule)
            );
        }
        out.push_str("</table>\n");
    }
    let apps = audit.by_app();
    if !apps.is_empty() {
        out.push_str(
            "<h2>By app</h2>\n<table><tr><th>App</th><th>Deploys</th><th>Wasted build time</th></tr>\n",
        );
        for (name, deploys, wasted) in apps.iter().take(TOP) {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"n\">{deploys}</td><td class=\"n\">{}</td></tr>",
                html_escape(name),
                html_escape(&duration(*wasted))
            );
        }
        out.push_str("</table>\n");
    }
    let top = top(audit);
    if !top.is_empty() {
        out.push_str(
            "<h2>The pushes to look at</h2>\n<table><tr><th>Date</th><th>Commit</th><th>Rules</th>\
             <th>Wasted</th><th>Subject</th></tr>\n",
        );
        for p in top {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                date(p.time),
                &p.tip.to_string()[..8],
                html_escape(&p.rules().join(", ")),
                html_escape(&duration(p.wasted_build_seconds())),
                html_escape(&subject(repo, p.tip))
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str(
        "<p class=\"note\">Build and deploy times are the estimates of pushguard.toml's \
         <code>[tiers.*]</code>. People are not ranked.</p>\n</body></html>\n",
    );
    out
}

/// Stacked bars: wasted build minutes per month, a segment per rule.
fn month_chart(audit: &Audit) -> String {
    let months = audit.by_month();
    if months.is_empty() {
        return "<p class=\"note\">No pushes in the window.</p>\n".to_owned();
    }
    let mut rules: Vec<String> = Vec::new();
    // Only rules that wasted something get a colour: the legend names what the bars show.
    for m in &months {
        for (r, secs) in &m.wasted_by_rule {
            if *secs > 0 && !rules.contains(r) {
                rules.push(r.clone());
            }
        }
    }
    let color = |rule: &str| {
        let i = rules.iter().position(|r| r == rule).unwrap_or(0);
        PALETTE[i % PALETTE.len()]
    };
    let (w, h, left, bottom) = (720.0_f64, 220.0_f64, 48.0_f64, 28.0_f64);
    let max = months
        .iter()
        .map(|m| m.wasted_build_seconds)
        .max()
        .unwrap_or(0)
        .max(60) as f64;
    let slot = (w - left) / months.len() as f64;
    let bar_w = (slot * 0.7).clamp(1.0, 48.0);
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"wasted build minutes per month\" viewBox=\"0 0 {w} {h}\" \
         width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">\n"
    );
    let plot = h - bottom;
    let _ = writeln!(
        svg,
        "<line x1=\"{left}\" y1=\"{plot}\" x2=\"{w}\" y2=\"{plot}\" stroke=\"#999\"/>\
         <text x=\"{}\" y=\"12\" text-anchor=\"end\">{} min</text>",
        left - 4.0,
        (max / 60.0).round()
    );
    let label_every = (months.len() / 12).max(1);
    for (i, m) in months.iter().enumerate() {
        let x = left + i as f64 * slot + (slot - bar_w) / 2.0;
        let mut y = plot;
        for (rule, secs) in &m.wasted_by_rule {
            if *secs == 0 {
                continue;
            }
            let height = *secs as f64 / max * (plot - 16.0);
            y -= height;
            let _ = writeln!(
                svg,
                "<rect class=\"bar\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" height=\"{height:.1}\" \
                 fill=\"{}\"><title>{} {}: {}</title></rect>",
                color(rule),
                m.month,
                html_escape(rule),
                html_escape(&duration(*secs))
            );
        }
        if i % label_every == 0 {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + bar_w / 2.0,
                h - 10.0,
                m.month
            );
        }
    }
    svg.push_str("</svg>\n<div class=\"legend\">");
    for r in &rules {
        let _ = write!(
            svg,
            "<span><i style=\"background:{}\"></i>{}</span>",
            color(r),
            html_escape(r)
        );
    }
    svg.push_str("</div>\n");
    svg
}

/// Bars: deploys per week.
fn week_chart(audit: &Audit) -> String {
    let weeks = audit.deploys_by_week();
    if weeks.is_empty() {
        return "<p class=\"note\">No deploys in the window.</p>\n".to_owned();
    }
    let (w, h, left, bottom) = (720.0_f64, 140.0_f64, 48.0_f64, 24.0_f64);
    let first = weeks.first().map_or(0, |(d, _)| *d);
    let last = weeks.last().map_or(0, |(d, _)| *d);
    let span = ((last - first) / 7 + 1).max(1) as f64;
    let max = weeks.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f64;
    let slot = (w - left) / span;
    let plot = h - bottom;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"deploys per week\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
         xmlns=\"http://www.w3.org/2000/svg\">\n<line x1=\"{left}\" y1=\"{plot}\" x2=\"{w}\" \
         y2=\"{plot}\" stroke=\"#999\"/><text x=\"{}\" y=\"12\" text-anchor=\"end\">{max}</text>\n",
        left - 4.0
    );
    for (day, n) in &weeks {
        let i = ((day - first) / 7) as f64;
        let height = *n as f64 / max * (plot - 16.0);
        let _ = writeln!(
            svg,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{height:.1}\" \
             fill=\"#30638e\"><title>week of {}: {n} deploys</title></rect>",
            left + i * slot,
            plot - height,
            (slot * 0.8).clamp(1.0, 24.0),
            date(day * 86_400)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{left}\" y=\"{}\">{}</text><text x=\"{w}\" y=\"{}\" text-anchor=\"end\">{}</text></svg>",
        h - 8.0,
        date(first * 86_400),
        h - 8.0,
        date(last * 86_400)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escape_covers_markup_and_quotes() {
        assert_eq!(
            html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn bars_scale_with_eighths() {
        assert_eq!(bar(0, 10, 4), "");
        assert_eq!(bar(10, 10, 4), "████");
        assert_eq!(bar(1, 8, 1), "▏");
    }
}
