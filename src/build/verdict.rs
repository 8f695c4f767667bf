//! The build verdict of one ref update: the highest tier its changed paths reach under the
//! configured path rules, the estimated times, and the reasons.
//!
//! When the pushed commit defines apps built from Dockerfiles ([`crate::build::apps`]), their
//! predicted rebuilds ([`crate::build::rebuild`]) replace the path rules' guess
//! ([`Verdict::with_apps`]): the Dockerfile's answer wins, and [`Verdict::note`] says why it
//! differs from the path rules'.

use crate::build::apps::AppNote;
use crate::build::rebuild::{AppVerdict, AppsAnalysis, Fate, Rebuild, StepKind};
use crate::config::{Config, Estimate, TierTimes};
use crate::escape::{escape, escape_bytes};
use crate::git::changes::ChangeSet;
use crate::hash::FastMap;
use crate::tier::BuildTier;

/// Why a tier was reached: one configured path rule (or the unmatched default) and the
/// files that matched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The `[paths.<id>]` rule, `None` for files no rule matched.
    pub rule: Option<String>,
    pub tier: BuildTier,
    /// A short phrase, e.g. `Dockerfile changed`.
    pub what: String,
    /// Escaped paths that matched, in first-seen order.
    pub paths: Vec<String>,
    /// How many commits touched those paths.
    pub commits: usize,
}

impl Reason {
    /// `Dockerfile changed in 2 commits (Dockerfile, api/Dockerfile)`.
    pub fn describe(&self) -> String {
        let plural = if self.commits == 1 { "" } else { "s" };
        let mut names: Vec<&str> = self.paths.iter().take(3).map(String::as_str).collect();
        if self.paths.len() > 3 {
            names.push("…");
        }
        format!(
            "{} in {} commit{plural} ({})",
            self.what,
            self.commits,
            names.join(", ")
        )
    }
}

/// What a ref update will make the deploy builder do. `Default` is "no rebuild, no
/// reasons, no apps" (handy for tests that build verdicts by hand).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    pub tier: BuildTier,
    pub times: TierTimes,
    /// Highest tier first.
    pub reasons: Vec<Reason>,
    /// The apps this push deploys, each with its predicted rebuild; empty when the pushed
    /// commit defines none (the path rules decided).
    pub apps: Vec<AppVerdict>,
    /// Problems met while finding the apps (fly.toml files that do not parse, ...).
    pub app_notes: Vec<AppNote>,
    /// The tier the path rules alone give, when the Dockerfiles decided another one.
    pub by_paths: Option<BuildTier>,
    /// Why the Dockerfiles' answer differs from the path rules' (escaped), e.g.
    /// "requirements.txt changed, but .dockerignore excludes it (line 3 `*.txt`): no rebuild".
    pub note: Option<String>,
    /// The pushed commit has no Dockerfile, no `[[app]]` and no deploy target: the push
    /// counts as a deploy only by the `main`/`master` fallback, and nothing says what a
    /// build would do, so the tier is the path rules' guess and is not shown as a rebuild.
    pub unconfigured: bool,
}

impl Verdict {
    /// Classifies every changed path of `changes` with `config`'s path rules.
    pub fn of(config: &Config, changes: &ChangeSet) -> Verdict {
        let mut reasons: Vec<Reason> = Vec::new();
        // Each path's reason, and the last commit counted for each reason: commits come in
        // order, so a reason counts a commit the first time one of its paths is in it.
        let mut reason_of: FastMap<&[u8], usize> = FastMap::default();
        let mut last_counted: Vec<usize> = Vec::new();
        for (ci, commit) in changes.commits.iter().enumerate() {
            for file in commit.files() {
                let idx = match reason_of.get(file.path.as_slice()) {
                    Some(&i) => i,
                    None => {
                        let (tier, rule) = config.classify(&file.path);
                        let key = rule.map(|r| r.id.clone());
                        let i = match reasons.iter().position(|r| r.rule == key) {
                            Some(i) => i,
                            None => {
                                reasons.push(Reason {
                                    rule: key,
                                    tier,
                                    what: rule.map_or_else(
                                        || "other files changed".to_owned(),
                                        |r| r.reason.clone(),
                                    ),
                                    paths: Vec::new(),
                                    commits: 0,
                                });
                                last_counted.push(usize::MAX);
                                reasons.len() - 1
                            }
                        };
                        reasons[i].paths.push(escape_bytes(&file.path).into_owned());
                        reason_of.insert(&file.path, i);
                        i
                    }
                };
                if last_counted[idx] != ci {
                    last_counted[idx] = ci;
                    reasons[idx].commits += 1;
                }
            }
        }
        reasons.sort_by_key(|r| std::cmp::Reverse(r.tier));
        let tier = reasons.first().map_or(BuildTier::None, |r| r.tier);
        Verdict {
            tier,
            times: config.tier_times(tier),
            reasons,
            apps: Vec::new(),
            app_notes: Vec::new(),
            by_paths: None,
            note: None,
            unconfigured: false,
        }
    }

    /// The path rules' verdict (`self`, from [`Verdict::of`]) replaced by the apps'
    /// predicted rebuilds where there are any.
    ///
    /// The reasons are the apps' deciding steps when the tiers differ, the path rules' when
    /// they agree. The tier is the highest over the apps whose build was predicted; changed files in the
    /// context of an app whose build could not be predicted (its Dockerfile does not parse)
    /// still count under the path rules. With no app predicted, the path rules decide alone.
    /// Estimated build seconds: the tier's, or with `[build] estimate = "steps"` the largest
    /// app estimate (apps build side by side).
    pub fn with_apps(self, config: &Config, changes: &ChangeSet, found: AppsAnalysis) -> Verdict {
        let predicted: Vec<(&AppVerdict, &Rebuild)> = found
            .apps
            .iter()
            .filter_map(|a| a.rebuild().map(|r| (a, r)))
            .collect();
        if predicted.is_empty() {
            return Verdict {
                apps: found.apps,
                app_notes: found.notes,
                ..self
            };
        }
        let commits_of: FastMap<&[u8], Vec<usize>> = changes.paths().into_iter().collect();
        let several = found.apps.len() > 1;
        let mut reasons: Vec<Reason> = predicted
            .iter()
            .filter(|(_, r)| r.tier != BuildTier::None)
            .filter_map(|(a, r)| app_reason(a, r, several, &commits_of))
            .collect();
        // Apps whose build is unknown: their context's files, by the path rules.
        let unknown: Vec<&AppVerdict> = found
            .apps
            .iter()
            .filter(|a| a.rebuild().is_none())
            .collect();
        let mut fallback_tier = BuildTier::None;
        if !unknown.is_empty() {
            let fallback = Verdict::of(config, &only_paths(changes, &unknown));
            fallback_tier = fallback.tier;
            reasons.extend(fallback.reasons);
        }
        reasons.sort_by_key(|r| std::cmp::Reverse(r.tier));
        let tier = reasons.first().map_or(BuildTier::None, |r| r.tier);
        let mut times = config.tier_times(tier);
        if config.build.estimate == Estimate::Steps {
            let apps_max = predicted
                .iter()
                .map(|(_, r)| r.build_seconds)
                .max()
                .unwrap_or_default();
            let fallback_seconds = config.tier_times(fallback_tier).build_seconds;
            times.build_seconds = apps_max.max(fallback_seconds);
        }
        // When both agree, the path rules' reasons stay: they name the files in the user's
        // terms, and the app lines add the step. (Moved, not copied: on a whole history
        // they name every pushed path.)
        let (by_paths, note, reasons) = if tier == self.tier {
            (None, None, self.reasons)
        } else {
            let note = disagreement(&self, tier, &predicted);
            (Some(self.tier), Some(escape(&note).into_owned()), reasons)
        };
        Verdict {
            tier,
            times,
            reasons,
            apps: found.apps,
            app_notes: found.notes,
            by_paths,
            note,
            unconfigured: false,
        }
    }

    /// The reasons that decided the tier (those at the verdict's tier).
    pub fn deciding(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(move |r| r.tier == self.tier)
    }
}

/// The change set restricted to the files inside the contexts of `apps`.
fn only_paths(changes: &ChangeSet, apps: &[&AppVerdict]) -> ChangeSet {
    let mut out = changes.clone();
    for commit in &mut out.commits {
        if let crate::git::changes::CommitChanges::Inspected(files) = &mut commit.changes {
            files.retain(|f| apps.iter().any(|a| a.app.in_context(&f.path).is_some()));
        }
    }
    out
}

/// The reason an app gives for its tier: the step that decided it and the files that set
/// it off. `None` for an app with no deciding step.
fn app_reason(
    app: &AppVerdict,
    rebuild: &Rebuild,
    several: bool,
    commits_of: &FastMap<&[u8], Vec<usize>>,
) -> Option<Reason> {
    let step = rebuild.deciding_step()?;
    let instruction = crate::build::rebuild::shorten(&step.instruction, 48);
    let what = match step.kind {
        StepKind::BaseImage => format!("base image changed: {instruction} (line {})", step.line),
        StepKind::SystemPackages => {
            format!(
                "system packages re-install: {instruction} (line {})",
                step.line
            )
        }
        StepKind::Dependencies => {
            format!(
                "dependencies re-install: {instruction} (line {})",
                step.line
            )
        }
        StepKind::Models => format!("model download re-runs: {instruction} (line {})", step.line),
        _ => format!("re-runs from {instruction} (line {})", step.line),
    };
    let what = if several {
        format!("{}: {what}", app.app.label())
    } else {
        what
    };
    let mut commits: Vec<usize> = step
        .triggers
        .iter()
        .filter_map(|p| commits_of.get(p.as_slice()))
        .flatten()
        .copied()
        .collect();
    commits.sort_unstable();
    commits.dedup();
    Some(Reason {
        rule: None,
        tier: rebuild.tier,
        what: escape(&what).into_owned(),
        paths: step
            .triggers
            .iter()
            .map(|p| escape_bytes(p).into_owned())
            .collect(),
        commits: commits.len(),
    })
}

/// Why the Dockerfiles give `tier` where the path rules (`by_paths`) gave another. Raw
/// text: the caller escapes it.
fn disagreement(by_paths: &Verdict, tier: BuildTier, apps: &[(&AppVerdict, &Rebuild)]) -> String {
    let outcome = match tier {
        BuildTier::None => "no rebuild".to_owned(),
        BuildTier::Incremental => format!("an incremental rebuild, not {}", by_paths.tier),
        t => format!("a {t} rebuild, not {}", by_paths.tier),
    };
    if tier > by_paths.tier {
        // Name the step that costs more than the file rules thought.
        let top = apps
            .iter()
            .filter(|(_, r)| r.tier == tier)
            .find_map(|(a, r)| {
                let deciding = r.deciding_step()?;
                let first = r.steps.iter().find(|s| {
                    s.stage == deciding.stage
                        && s.status == crate::build::rebuild::StepStatus::Rerun
                })?;
                Some((a, first, deciding))
            });
        if let Some((app, first, deciding)) = top {
            let prefix = if apps.len() > 1 {
                format!("{}: ", app.app.label())
            } else {
                String::new()
            };
            let cause = first.reason.clone().unwrap_or_default();
            return if first.line == deciding.line {
                format!(
                    "{prefix}{cause}, so {} (line {}) re-runs: {outcome}",
                    deciding.instruction, deciding.line
                )
            } else {
                format!(
                    "{prefix}{cause}, so {} (line {}) re-runs and with it {} (line {}): {outcome}",
                    first.instruction, first.line, deciding.instruction, deciding.line
                )
            };
        }
        return outcome;
    }
    // Lower: say what became of the file that decided the path rules' tier.
    let Some(path) = by_paths.deciding().flat_map(|r| r.paths.first()).next() else {
        return outcome;
    };
    let fates: Vec<(&AppVerdict, &Rebuild, &Fate)> = apps
        .iter()
        .filter_map(|(a, r)| {
            r.fates
                .iter()
                .find(|f| escape_bytes(&f.path) == path.as_str())
                .map(|f| (*a, *r, &f.fate))
        })
        .collect();
    let copied = fates.iter().find_map(|(a, r, f)| match f {
        Fate::Copied { step } => r.steps.get(*step).map(|s| (a, s)),
        _ => None,
    });
    let sentence = if let Some((_, step)) = copied {
        format!(
            "{path} is copied only by {} (line {})",
            step.instruction, step.line
        )
    } else if let Some(Fate::Ignored {
        file,
        line,
        pattern,
    }) = fates
        .iter()
        .map(|(_, _, f)| *f)
        .find(|f| matches!(f, Fate::Ignored { .. }))
    {
        let file = file.rsplit('/').next().unwrap_or(file);
        if pattern.is_empty() {
            format!("{path} changed, but {file} excludes it")
        } else {
            format!("{path} changed, but {file} excludes it (line {line} `{pattern}`)")
        }
    } else if let Some((_, r, changed)) = fates.iter().find_map(|(a, r, f)| match f {
        Fate::Dockerfile { changed_step } => Some((a, r, *changed_step)),
        _ => None,
    }) {
        match changed.and_then(|i| r.steps.get(i)) {
            None => format!(
                "{path} changed, but none of its instructions did (comments or whitespace \
                 only) and it is not copied into the image"
            ),
            Some(step) if step.kind == StepKind::Setting => format!(
                "{path} changed only an image setting, {} (line {})",
                step.instruction, step.line
            ),
            Some(step) => format!(
                "{path} changed at line {} ({})",
                step.line, step.instruction
            ),
        }
    } else if fates.iter().any(|(_, _, f)| matches!(f, Fate::NotCopied)) {
        format!("{path} is in the build context, but no step of the build reads it")
    } else if fates.is_empty()
        && apps
            .iter()
            .any(|(a, _)| a.app.in_context(path.as_bytes()).is_some())
    {
        // Every app gives each file in its context that the push changes on balance a
        // fate; one without any is the same at the pushed tip as on the remote.
        format!(
            "{path} changed within the push but is back to what the remote has (added and \
             removed, or changed and reverted), so the build sees no change"
        )
    } else {
        let whose = if apps.len() > 1 {
            "every app's"
        } else {
            "the app's"
        };
        format!("{path} is outside {whose} build context")
    };
    format!("{sentence}: {outcome}")
}
