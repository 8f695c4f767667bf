//! `double-deploy`: one push triggers the same app through two paths (a platform's Git
//! integration and a workflow running `railway up` for the same service; two workflows
//! running `flyctl deploy` for one fly app). Each path builds and releases on its own.
//!
//! At the configured severity when the push sets the second path up (before it, the
//! configuration did not deploy the app twice from this branch); as `info` on other pushes,
//! which only repeat what the configuration already did.

use super::{Emitter, Rule, RuleContext};
use crate::deploy::{DeployTarget, Platform, TargetStatus, Via};

/// The rule's id, as in `[rules.double-deploy]`.
pub const ID: &str = "double-deploy";

pub struct DoubleDeploy;

impl Rule for DoubleDeploy {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        let Some(last) = cx.changes.commits.last() else {
            return;
        };
        let triggered: Vec<&TargetStatus> = cx
            .targets
            .iter()
            .filter(|t| t.triggered && t.target.platform != Platform::Custom)
            .collect();
        let mut reported: Vec<usize> = Vec::new();
        for (i, a) in triggered.iter().enumerate() {
            if reported.contains(&i) {
                continue;
            }
            let twins: Vec<usize> = triggered
                .iter()
                .enumerate()
                .skip(i + 1)
                .filter(|(j, b)| {
                    !reported.contains(j) && same_app(&a.target, &b.target, cx.targets)
                })
                .map(|(j, _)| j)
                .collect();
            let Some(&first) = twins.first() else {
                continue;
            };
            reported.extend(&twins);
            let b = &triggered[first].target;
            let a = &a.target;
            let (shown, other) = if matches!(a.via, Via::Workflow { .. }) {
                (a, b)
            } else {
                (b, a)
            };
            // A platform file proves a config, not that the repository is connected to
            // the platform: the CLI a workflow runs reads the same file.
            let hedge = if matches!(other.via, Via::Integration) {
                " (unless the repository is disconnected in the platform's settings)"
            } else {
                ""
            };
            let msg = format!(
                "{} app `{}` is deployed {} times by this push to {}{hedge}: {} and {}; each \
                 path builds and releases it on its own",
                a.platform.id(),
                a.app,
                twins.len() + 1,
                cx.ref_name,
                path_of(other),
                path_of(shown),
            );
            let mut finding = emit.finding(last, msg).at(&shown.config, shown.line);
            if existed_before(cx, a, b) {
                finding = finding.severity(crate::severity::Severity::Info);
            }
            finding.emit();
        }
    }
}

/// Whether the tree the push starts from already deployed both paths from this branch:
/// the same targets (platform, app, file and path), both reached by the branch.
fn existed_before(cx: &RuleContext<'_>, a: &DeployTarget, b: &DeployTarget) -> bool {
    let Some(tree) = cx.base_tree() else {
        return false;
    };
    let before = crate::deploy::map_of(cx.repo, &tree, None);
    let branch = cx.update.short_remote_name();
    let had = |t: &DeployTarget| {
        before.targets.iter().any(|o| {
            o.platform == t.platform
                && o.app == t.app
                && o.via == t.via
                && o.config == t.config
                && crate::deploy::status::reaches_branch(o, &branch, cx.default_branches)
        })
    };
    had(a) && had(b)
}

/// Whether `t`'s name is pushguard's stand-in, not one the configuration states: the
/// platform's name, or the last directory of its config or build context.
fn made_up_name(t: &DeployTarget) -> bool {
    let last = |p: &str| p.rsplit('/').next().map(str::to_owned).unwrap_or_default();
    let config_dir = t
        .config
        .rsplit_once('/')
        .map(|(d, _)| last(d))
        .unwrap_or_default();
    let context = match &t.build {
        crate::deploy::Build::Docker(d) => last(&d.context),
        _ => String::new(),
    };
    t.app == t.platform.id() || t.app == config_dir || (!context.is_empty() && t.app == context)
}

/// How a push reaches `t`, for the message: `the platform's Git integration
/// (railway.json)`, `.github/workflows/deploy.yml:14`.
fn path_of(t: &DeployTarget) -> String {
    let place = match t.line {
        Some(l) => format!("{}:{l}", t.config),
        None => t.config.clone(),
    };
    match &t.via {
        Via::Integration => format!("the platform's Git integration ({place})"),
        Via::Workflow { file, .. } if *file == t.config => format!("the workflow {place}"),
        Via::Workflow { file, .. } => format!("the workflow {file} ({place})"),
        Via::Manual => place,
    }
}

/// Whether two targets deploy one app: same platform, and the same name, or one path is
/// the platform's Git integration and the other a workflow naming no other app the map
/// knows (`railway up --service $ID` beside the one Railway service the repository
/// declares).
fn same_app(a: &DeployTarget, b: &DeployTarget, all: &[TargetStatus]) -> bool {
    if a.platform != b.platform {
        return false;
    }
    // Two deploys of one config are one app; two configs agree only on a name they state
    // (a name made up from a directory, when the file names none, proves nothing).
    // (Images are told apart by their tags only: two pushes of images whose tags are
    // variables may go to two registries.)
    let made_up = made_up_name(a) || made_up_name(b);
    let same_config = a.config == b.config && a.platform != Platform::Container;
    if a.app == b.app && (same_config || !made_up) {
        return true;
    }
    let (integration, workflow) = match (&a.via, &b.via) {
        (Via::Integration, Via::Workflow { .. }) => (a, b),
        (Via::Workflow { .. }, Via::Integration) => (b, a),
        _ => return false,
    };
    let integrations = all
        .iter()
        .filter(|t| t.target.platform == a.platform && t.target.via == Via::Integration)
        .count();
    let names_other = all.iter().any(|t| {
        t.target.platform == a.platform
            && t.target.app == workflow.app
            && t.target.app != integration.app
    });
    integrations == 1 && !names_other && workflow.app == workflow.platform.id()
}
