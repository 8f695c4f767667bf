//! The analysis of a push (or a range given to `check`): for each ref update, the commits
//! it sends, their changes, the build verdict and the findings.
//!
//! This is the one place that strings the stages together; each stage's module knows
//! nothing of the ones after it.

use std::collections::HashSet;
use std::rc::Rc;

use git2::{Oid, Repository};

use crate::build::rebuild::{self, AppOutcome};
use crate::build::verdict::Verdict;
use crate::config::Config;
use crate::deploy::status::{branch_deploys, says_skip_ci, statuses};
use crate::deploy::{
    map_of, Branches, Build, DeployMap, DeployTarget, PathFilter, Platform, PushFacts,
    TargetStatus, Via,
};
use crate::escape::Escaped;
use crate::finding::{Decision, Finding, APP_BUILD, NOT_INSPECTED};
use crate::git::changes::{ChangeSet, EarlyChoice, Listing};
use crate::git::push::{RawUpdate, RefKind, RefUpdate, UpdateKind};
use crate::git::range::{shallow_boundary, CommitRange, RemoteKnowledge};
use crate::hash::{FastMap, FastSet};
use crate::rules::{PushCache, Registry, RuleContext};
use crate::severity::Severity;

/// What was learnt about one ref update.
#[derive(Debug, Clone)]
pub enum RefStatus {
    /// The ref is deleted on the remote: nothing is built.
    Deleted,
    /// The remote already has the object.
    UpToDate,
    /// The commits could not be listed at all.
    NotInspected(String),
    /// The commits were listed (some may individually be not inspected).
    Inspected(ChangeSet),
}

/// One ref update with everything learnt about it.
#[derive(Debug, Clone)]
pub struct RefAnalysis {
    pub update: RefUpdate,
    /// How the destination is shown: `origin/main`, `origin tag v1.0`.
    pub target: String,
    /// Whether a push to this ref reaches a deploy: `[deploy] branches` when the
    /// configuration sets them, else a branch (or tag) at least one target of the deploy
    /// map is triggered by, path filters aside; `main`/`master` when the repository
    /// declares no deploy at all. The deploy-waste rules judge these pushes.
    pub deploys: bool,
    /// Every target of the pushed commit's deploy map, and whether this push triggers it.
    pub targets: Vec<TargetStatus>,
    pub status: RefStatus,
    /// The build verdict, for inspected updates of deploy branches.
    pub verdict: Option<Verdict>,
}

impl RefAnalysis {
    pub fn changes(&self) -> Option<&ChangeSet> {
        match &self.status {
            RefStatus::Inspected(c) => Some(c),
            _ => None,
        }
    }

    /// Whether this push triggers at least one deploy: a target of the map, or, when the
    /// map has none, a deploy branch.
    pub fn triggers_deploy(&self) -> bool {
        if self.targets.is_empty() {
            self.deploys
        } else {
            self.targets.iter().any(|t| t.triggered)
        }
    }

    /// The predicted tier of the Docker build `status`'s target makes, when this update
    /// triggers it and its app was predicted.
    pub fn target_tier(&self, status: &TargetStatus) -> Option<crate::tier::BuildTier> {
        if !status.triggered {
            return None;
        }
        let built = crate::build::apps::app_of(&status.target)?;
        self.apps()
            .iter()
            .find(|a| a.app.same_build(&built))
            .and_then(rebuild::AppVerdict::tier)
    }

    /// The apps this update deploys, each with its predicted rebuild (from the verdict);
    /// empty when it deploys nothing or the pushed commit defines no app.
    pub fn apps(&self) -> &[rebuild::AppVerdict] {
        self.verdict.as_ref().map_or(&[], |v| v.apps.as_slice())
    }
}

/// The whole analysis.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The remote as shown to the user (`origin`, or the URL pushed to).
    pub remote: String,
    pub refs: Vec<RefAnalysis>,
    pub findings: Vec<Finding>,
    /// The file contents read for the analysis, kept with it: a hook about to exit can skip
    /// freeing tens of thousands of blobs one by one (`std::mem::forget`).
    pub blobs: Rc<PushCache>,
}

impl Analysis {
    /// One analysis of several made of parts of one push (the server judges each update
    /// under its own configuration): refs and findings in order.
    pub fn merge(parts: Vec<Analysis>) -> Analysis {
        let mut parts = parts.into_iter();
        let Some(mut whole) = parts.next() else {
            return Analysis {
                remote: String::new(),
                refs: Vec::new(),
                findings: Vec::new(),
                blobs: Rc::default(),
            };
        };
        for part in parts {
            whole.refs.extend(part.refs);
            whole.findings.extend(part.findings);
        }
        whole
    }

    pub fn decision(&self) -> Decision {
        Decision::of(&self.findings)
    }
}

/// Analyses the updates of a push to `remote` (`url`), as given on pre-push stdin.
pub fn analyze_push(
    repo: &Repository,
    config: &Config,
    remote: &str,
    url: &str,
    raw: &[RawUpdate],
) -> Analysis {
    analyze_prepared(repo, config, prepare_push(repo, remote, url, raw))
}

/// A push with the work that needs no configuration done or under way: what the remote
/// has, each update's kind and commit range, and the first range's listing started (see
/// [`Listing`]). The hook prepares a push before it loads its configuration, so that a long
/// range's `git log` starts up and walks the range meanwhile.
pub struct PreparedPush {
    /// The remote as shown to the user.
    shown: String,
    /// Why the remote's tracking refs could not be read, if they could not.
    known_err: Option<String>,
    shallow: HashSet<Oid>,
    refs: Vec<PreparedRef>,
}

struct PreparedRef {
    update: RefUpdate,
    target: String,
    work: Work,
}

/// What is left to do to list an update's commits.
enum Work {
    /// Nothing is sent (deletion, up to date), or the pushed object is not a commit.
    Nothing,
    Range(CommitRange),
    Started(Listing),
}

/// Prepares the updates of a push to `remote` (`url`) for [`analyze_prepared`].
pub fn prepare_push(repo: &Repository, remote: &str, url: &str, raw: &[RawUpdate]) -> PreparedPush {
    let shallow = shallow_boundary(repo);
    let updates: Vec<RefUpdate> = raw
        .iter()
        .map(|r| RefUpdate::classify_unwalked(repo, r))
        .collect();
    // What was settled early of the first range's listing; `None` once it has started.
    let mut first = Some(warm_up(repo, &updates, &shallow));
    let known = RemoteKnowledge::for_push(repo, remote, url);
    let (remote_name, tips, known_err) = match known {
        Ok(k) => (k.remote, k.tips, None),
        Err(e) => (None, Vec::new(), Some(e.to_string())),
    };
    let shown = remote_name.clone().unwrap_or_else(|| remote.to_owned());
    let mut refs = Vec::new();
    for (i, update) in updates.into_iter().enumerate() {
        // A new branch pushed together with updates of existing branches is judged on its
        // own commits: the others' commits are reported under their own refs.
        let mut hide = tips.clone();
        if update.kind == UpdateKind::Create {
            hide.extend(
                raw.iter()
                    .enumerate()
                    .filter(|&(j, o)| j != i && o.remote_oid.is_some())
                    .filter_map(|(_, o)| o.local_oid),
            );
        }
        // Only the first range starts now: the others would compete with it for the CPU.
        let work = match update_range(&update, &hide) {
            None => Work::Nothing,
            Some(range) => match first.take() {
                Some(early) => Work::Started(Listing::start_early(repo, range, &shallow, early)),
                None => Work::Range(range),
            },
        };
        // A tag is not a remote-tracking branch: `origin tag v1.0`, not `origin/v1.0`.
        let target = match update.ref_kind {
            crate::git::push::RefKind::Tag => {
                format!("{} tag {}", shown, update.short_remote_name())
            }
            _ => format!("{}/{}", shown, update.short_remote_name()),
        };
        refs.push(PreparedRef {
            update,
            target,
            work,
        });
    }
    PreparedPush {
        shown,
        known_err,
        shallow,
        refs,
    }
}

/// What can be settled of the listing of the push's first range before the remote's
/// branches are read (see [`Listing::warm_up`]): only for an update from a commit the remote
/// has and this repository knows. A new branch's range is bounded by the remote's other
/// branches alone, unknown until they are read.
fn warm_up(repo: &Repository, updates: &[RefUpdate], shallow: &HashSet<Oid>) -> EarlyChoice {
    match updates
        .iter()
        .find_map(|u| Some((u, update_range(u, &[])?)))
    {
        Some((first, superset)) if first.remote_commit.is_some() => {
            Listing::warm_up(repo, &superset, shallow)
        }
        _ => EarlyChoice::Open,
    }
}

/// Analyses a prepared push with `config`.
pub fn analyze_prepared(repo: &Repository, config: &Config, push: PreparedPush) -> Analysis {
    crate::budget::start(config.policy.time_budget());
    let PreparedPush {
        shown,
        known_err,
        shallow,
        refs,
    } = push;
    let blobs = Rc::new(PushCache::default());
    let defaults = default_branches(repo, config);
    let reading = Reading {
        shallow: &shallow,
        blobs: &blobs,
        occasion: Occasion::Push,
        defaults: &defaults,
    };
    // Read while the first range is listed, for `frequent-deploys` after it.
    let records = crate::state::DeployRecords::read(repo);
    let refs = refs
        .into_iter()
        .map(|r| {
            let listing = match r.work {
                Work::Nothing => None,
                Work::Range(range) => Some(Listing::start(repo, range, &shallow)),
                Work::Started(listing) => Some(listing),
            };
            analyze_ref(repo, config, r.update, listing, r.target, &reading)
        })
        .collect();
    let to = Destination {
        remote: shown,
        records: Some(&records),
    };
    let mut analysis = finish(repo, config, blobs, to, refs, Occasion::Push, &defaults);
    if let Some(err) = known_err {
        analysis.findings.insert(
            0,
            not_inspected_finding(
                "",
                None,
                format!("the remote's tracking refs could not be read ({err}); commits the remote already has may be reported again"),
            ),
        );
    }
    analysis
}

/// Analyses the updates a receiving (bare) repository is about to accept, from a
/// pre-receive hook. The new commits are those not reachable from any ref the repository
/// already has (git has not updated any ref yet when pre-receive runs).
pub fn analyze_receive(repo: &Repository, config: &Config, raw: &[RawUpdate]) -> Analysis {
    crate::budget::start(config.policy.time_budget());
    // What the server already has: every ref for an ordinary update, but for an update of
    // a deploy branch only what deploy branches reach. Otherwise commits pushed to a
    // scratch branch first (`git push origin HEAD:tmp`, then `HEAD:main`) would be hidden
    // from the deploy branch's rules, which judge what reaches a deploy.
    let mut existing: Vec<Oid> = Vec::new();
    let mut deployed: Vec<Oid> = Vec::new();
    if let Ok(refs) = repo.references() {
        for r in refs.filter_map(|r| r.ok()) {
            let Ok(commit) = r.peel_to_commit() else {
                continue;
            };
            existing.push(commit.id());
            let deploy_branch = r
                .name()
                .ok()
                .and_then(|n| n.strip_prefix("refs/heads/"))
                .is_some_and(|b| config.deploys_anything(b));
            if deploy_branch {
                deployed.push(commit.id());
            }
        }
    }
    let shallow = shallow_boundary(repo);
    let blobs = Rc::new(PushCache::default());
    // Commits already judged in this push under a ref that deploys nothing: the rules that
    // run there do not depend on the ref, so another such ref need not judge them again.
    // A thousand nested tags then cost one walk of their commits, not a thousand.
    let mut judged: Vec<Oid> = Vec::new();
    let defaults = default_branches(repo, config);
    let reading = Reading {
        shallow: &shallow,
        blobs: &blobs,
        occasion: Occasion::Check,
        defaults: &defaults,
    };
    let refs = raw
        .iter()
        .map(|r| {
            let update = RefUpdate::classify_unwalked(repo, r);
            let to_deploy_branch = update.ref_kind == RefKind::Branch
                && config.deploys_anything(&update.short_remote_name());
            let hide: Vec<Oid> = if to_deploy_branch {
                deployed.clone()
            } else {
                let mut hide = existing.clone();
                hide.extend(&judged);
                if update.ref_kind != RefKind::Branch {
                    judged.extend(update.commit);
                }
                hide
            };
            let listing =
                update_range(&update, &hide).map(|range| Listing::start(repo, range, &shallow));
            let target = update.short_remote_name();
            analyze_ref(repo, config, update, listing, target, &reading)
        })
        .collect();
    finish(
        repo,
        config,
        blobs,
        Destination::none(),
        refs,
        Occasion::Check,
        &defaults,
    )
}

/// What an analysis is for: the rules' view of the commits differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occasion {
    /// A real push: this clone's deploy history counts (`frequent-deploys`).
    Push,
    /// `check` and the server: the commits as one push, without this clone's state.
    Check,
    /// `audit`: a history that was many pushes; forcing findings keep their severity.
    Replay,
}

/// Analyses `range` as if pushed to branch `to_ref`.
pub fn analyze_range(
    repo: &Repository,
    config: &Config,
    label: &str,
    range: CommitRange,
    to_ref: &str,
) -> Analysis {
    analyze_range_for(repo, config, label, range, to_ref, Occasion::Check)
}

/// Analyses a branch's history that was pushed in many pushes (`pushguard audit`): as
/// [`analyze_range`], but a forcing finding keeps its severity beside real changes, for the
/// replay to lower it push by push ([`crate::rules::lower_forcing_beside_real_changes`]).
pub fn analyze_history(
    repo: &Repository,
    config: &Config,
    label: &str,
    range: CommitRange,
    to_ref: &str,
) -> Analysis {
    analyze_range_for(repo, config, label, range, to_ref, Occasion::Replay)
}

fn analyze_range_for(
    repo: &Repository,
    config: &Config,
    label: &str,
    range: CommitRange,
    to_ref: &str,
    occasion: Occasion,
) -> Analysis {
    crate::budget::start(config.policy.time_budget());
    let update = RefUpdate {
        local_ref: label.as_bytes().to_vec(),
        local_oid: range.include.first().copied(),
        remote_ref: format!("refs/heads/{to_ref}").into_bytes(),
        remote_oid: None,
        kind: UpdateKind::Range,
        ref_kind: RefKind::Branch,
        commit: range.include.first().copied(),
        remote_commit: None,
    };
    let shallow = shallow_boundary(repo);
    let target = update.short_remote_name();
    let blobs = Rc::new(match occasion {
        Occasion::Replay => PushCache::for_history(),
        Occasion::Push | Occasion::Check => PushCache::default(),
    });
    let listing = Listing::start(repo, range, &shallow);
    let defaults = default_branches(repo, config);
    let reading = Reading {
        shallow: &shallow,
        blobs: &blobs,
        occasion,
        defaults: &defaults,
    };
    let r = analyze_ref(repo, config, update, Some(listing), target, &reading);
    finish(
        repo,
        config,
        blobs,
        Destination::none(),
        vec![r],
        occasion,
        &defaults,
    )
}

/// How the pushes of a replayed history (`pushguard audit`) would have been judged for
/// deploys, as the hook judges a push. Made once per replay: what does not change between
/// pushes (the platforms' default branches) is read once.
pub struct ReplayedDeploys<'r> {
    repo: &'r Repository,
    config: &'r Config,
    defaults: Vec<String>,
}

impl<'r> ReplayedDeploys<'r> {
    pub fn new(repo: &'r Repository, config: &'r Config) -> ReplayedDeploys<'r> {
        ReplayedDeploys {
            repo,
            config,
            defaults: default_branches(repo, config),
        }
    }

    /// Whether a push of `changes` to `branch` ending at `tip` reaches a deploy, and the
    /// targets of `map` (the deploy map of `tip`, which the caller may share between
    /// pushes whose maps are the same) it triggers.
    pub fn judge(
        &self,
        map: &DeployMap,
        branch: &str,
        tip: Oid,
        changes: &ChangeSet,
    ) -> (bool, Vec<TargetStatus>) {
        let update = RefUpdate {
            local_ref: format!("refs/heads/{branch}").into_bytes(),
            local_oid: Some(tip),
            remote_ref: format!("refs/heads/{branch}").into_bytes(),
            remote_oid: None,
            kind: UpdateKind::FastForward,
            ref_kind: RefKind::Branch,
            commit: Some(tip),
            remote_commit: None,
        };
        let deploys = reaches_deploy(self.config, Some(map), &update, &self.defaults);
        let targets = target_statuses(
            self.repo,
            self.config,
            map,
            &update,
            changes,
            &self.defaults,
        );
        let deploys = deploys && (targets.is_empty() || targets.iter().any(|t| t.triggered));
        (deploys, targets)
    }
}

/// The commits an update sends: from the pushed commit, hiding the remote's old commit and
/// its tracking refs. `None` when nothing is sent (deletion, up to date).
fn update_range(update: &RefUpdate, tips: &[Oid]) -> Option<CommitRange> {
    if matches!(update.kind, UpdateKind::Delete | UpdateKind::UpToDate) {
        return None;
    }
    let include = vec![update.commit?];
    let mut hide: Vec<Oid> = tips.to_vec();
    hide.extend(update.remote_commit);
    Some(CommitRange { include, hide })
}

/// What the updates of one analysis share while their commits are listed.
struct Reading<'a> {
    /// The shallow clone's boundary commits (see [`Listing::start`]).
    shallow: &'a HashSet<Oid>,
    blobs: &'a PushCache,
    occasion: Occasion,
    /// [`default_branches`], read once for the whole analysis.
    defaults: &'a [String],
}

fn analyze_ref(
    repo: &Repository,
    config: &Config,
    mut update: RefUpdate,
    listing: Option<Listing>,
    target: String,
    reading: &Reading<'_>,
) -> RefAnalysis {
    let Reading {
        shallow,
        blobs,
        occasion,
        defaults,
    } = *reading;
    let map = pushed_map(repo, &update);
    let deploys = update.kind != UpdateKind::Delete
        && reaches_deploy(config, map.as_deref(), &update, defaults);
    let mut early = None;
    let status = match (update.kind, listing) {
        (UpdateKind::Delete, _) => RefStatus::Deleted,
        (_, Some(_)) if crate::budget::over() => RefStatus::NotInspected(budget_reason(config)),
        (UpdateKind::UpToDate, _) => RefStatus::UpToDate,
        (_, None) => match update.local_oid.and_then(|oid| pushed_tree(repo, oid)) {
            Some(Ok(changes)) => RefStatus::Inspected(changes),
            Some(Err(why)) => RefStatus::NotInspected(why),
            None => RefStatus::NotInspected(match update.local_oid {
                Some(oid) => {
                    format!("the pushed object {oid} is not a commit and does not point to one")
                }
                None => "no object was pushed".to_owned(),
            }),
        },
        (_, Some(listing)) => {
            if deploys && listing.is_running() {
                // Done now, while git starts up and walks the range, instead of after it.
                config.prepare_classifier();
                early = early_prediction(repo, config, &update);
            }
            let rules = Registry::new(config);
            // The forcing rules read ahead only for a replayed history, which is many
            // pushes: a long push is usually settled without them (`rules::SETTLE_AFTER`),
            // and a short one is listed in process, where reading ahead overlaps nothing.
            let forcing = occasion == Occasion::Replay;
            match listing.finish(repo, shallow, &mut |commit| {
                rules.read_ahead(repo, blobs, deploys, forcing, commit);
                // The verdict, the apps' prediction and the rules look at these paths after
                // the listing: what can be worked out now is.
                if deploys {
                    config.classify_ahead(commit.files().iter().map(|f| f.path.as_slice()));
                    if let Some((_, prepared)) = &early {
                        prepared.consider(commit.files());
                    }
                }
            }) {
                Ok(changes) => RefStatus::Inspected(changes),
                Err(e) => RefStatus::NotInspected(format!("{e:#}")),
            }
        }
    };
    update.settle_fast_forward(repo, |id| match &status {
        RefStatus::Inspected(changes) => changes.has_child_of(id),
        _ => false,
    });
    let targets = match (&map, &status) {
        (Some(map), RefStatus::Inspected(changes)) => {
            target_statuses(repo, config, map, &update, changes, defaults)
        }
        _ => Vec::new(),
    };
    let verdict = match &status {
        RefStatus::Inspected(changes) if deploys => Some(deploy_verdict(
            repo, config, &update, changes, &targets, early,
        )),
        _ => None,
    };
    RefAnalysis {
        update,
        target,
        deploys,
        targets,
        status,
        verdict,
    }
}

/// A pushed object that is a tree, or a tag of one (`git push origin <tree>:refs/tags/t`):
/// judged like a root commit adding every file of the tree, so that what it holds (a
/// secret, a Dockerfile) is judged as in any commit. `None` for anything else.
fn pushed_tree(repo: &Repository, oid: Oid) -> Option<Result<ChangeSet, String>> {
    let object = repo.find_object(oid, None).ok()?;
    let tree = object.peel_to_tree().ok()?;
    if object.peel_to_commit().is_ok() {
        return None;
    }
    Some(
        crate::git::changes::diff_trees(repo, None, Some(&tree))
            .map(|files| ChangeSet {
                commits: vec![crate::git::changes::CommitChange {
                    info: crate::git::changes::CommitInfo {
                        id: oid,
                        parents: Vec::new(),
                        message: format!("(the tree {} pushed as a ref)", tree.id()),
                        author_time: 0,
                    },
                    changes: crate::git::changes::CommitChanges::Inspected(files),
                }],
            })
            .map_err(|e| format!("the pushed tree {} could not be read ({e})", tree.id())),
    )
}

/// The deploy map of the pushed commit; `None` when nothing is pushed or its tree cannot
/// be read (the listing reports that).
fn pushed_map(repo: &Repository, update: &RefUpdate) -> Option<Rc<DeployMap>> {
    let commit = repo.find_commit(update.commit?).ok()?;
    let tree = commit.tree().ok()?;
    Some(map_of(repo, &tree, None))
}

/// The branches a platform's dashboard deploys by default: `[deploy] branches` when the
/// configuration sets them, else the repository's default branch (the branch `HEAD` of a
/// bare repository, or the remote's `HEAD`, names), else `main` and `master`.
fn default_branches(repo: &Repository, config: &Config) -> Vec<String> {
    if config.deploy_branches_set {
        return config.deploy_branches.clone();
    }
    // A symbolic ref whose target exists: a fresh `git init` points HEAD at a branch that
    // was never made, which names no default.
    let head = |name: &str| {
        let target = repo
            .find_reference(name)
            .ok()?
            .symbolic_target()
            .ok()
            .flatten()?
            .to_owned();
        repo.find_reference(&target).is_ok().then_some(target)
    };
    let named = if repo.is_bare() { head("HEAD") } else { None }
        .or_else(|| head("refs/remotes/origin/HEAD"))
        .and_then(|t| {
            t.rsplit_once("refs/heads/")
                .map(|(_, b)| b.to_owned())
                .or_else(|| {
                    t.rsplit_once("refs/remotes/origin/")
                        .map(|(_, b)| b.to_owned())
                })
        });
    match named {
        Some(b) if b != "HEAD" => vec![b],
        _ => config.deploy_branches.clone(),
    }
}

/// The branch `check` judges a range as pushed to when none is named: `[deploy] branches`
/// first when set, else the repository's default branch when the deploy map of `tip`
/// deploys it (or declares nothing), else the first branch a target names.
pub fn check_branch(repo: &Repository, config: &Config, tip: Option<Oid>) -> String {
    let defaults = default_branches(repo, config);
    let first_default = defaults
        .first()
        .cloned()
        .unwrap_or_else(|| "main".to_owned());
    if config.deploy_branches_set {
        return first_default;
    }
    let map = tip
        .and_then(|t| repo.find_commit(t).ok())
        .and_then(|c| c.tree().ok())
        .map(|tree| map_of(repo, &tree, None));
    let Some(map) = map.filter(|m| !m.targets.is_empty()) else {
        return first_default;
    };
    if let Some(d) = defaults.iter().find(|d| branch_deploys(&map, d, &defaults)) {
        return d.clone();
    }
    let literal = |b: &String| !b.starts_with('!') && !b.contains(['*', '?', '[', '+']);
    map.targets
        .iter()
        .find_map(|t| match &t.branches {
            Branches::Named(names) | Branches::GitHub(names) => {
                names.iter().find(|b| literal(b)).cloned()
            }
            _ => None,
        })
        .unwrap_or(first_default)
}

/// Whether the update reaches a deploy (see [`RefAnalysis::deploys`]).
fn reaches_deploy(
    config: &Config,
    map: Option<&DeployMap>,
    update: &RefUpdate,
    defaults: &[String],
) -> bool {
    let name = update.short_remote_name();
    match update.ref_kind {
        RefKind::Branch => {
            let declared = map.is_some_and(|m| !m.targets.is_empty());
            if config.deploy_branches_set || !declared {
                return config.deploys_anything(&name);
            }
            map.is_some_and(|m| branch_deploys(m, &name, defaults))
                || config.deploys_anything_by_app(&name)
        }
        RefKind::Tag => map.is_some_and(|m| {
            m.targets
                .iter()
                .any(|t| crate::deploy::filters::github_list(&t.tags, &name))
        }),
        RefKind::Other => false,
    }
}

/// Each target of `map` (and each `[[app]]` of the configuration) with whether this update
/// triggers it.
fn target_statuses(
    repo: &Repository,
    config: &Config,
    map: &DeployMap,
    update: &RefUpdate,
    changes: &ChangeSet,
    defaults: &[String],
) -> Vec<TargetStatus> {
    let name = update.short_remote_name();
    let (branch, tag) = match update.ref_kind {
        RefKind::Branch => (Some(name.as_str()), None),
        RefKind::Tag => (None, Some(name.as_str())),
        RefKind::Other => (None, None),
    };
    // The changed paths, as text, only for a target whose filter reads them: building the
    // list for a push of hundreds of files cost more than the rest of this function.
    let filtered = map
        .targets
        .iter()
        .any(|t| !matches!(t.paths, PathFilter::All));
    let mut changed: Vec<String> = Vec::new();
    let mut seen: FastSet<&[u8]> = FastSet::default();
    let mut complete = true;
    for c in &changes.commits {
        if matches!(
            c.changes,
            crate::git::changes::CommitChanges::NotInspected(_)
        ) {
            complete = false;
        }
        if !filtered {
            continue;
        }
        for f in c.files() {
            if seen.insert(f.path.as_slice()) {
                changed.push(String::from_utf8_lossy(&f.path).into_owned());
            }
        }
    }
    // The pushed head is among the listed commits (its message already read); a head the
    // remote already has is read here.
    let head_message = match changes
        .commits
        .iter()
        .find(|c| Some(c.info.id) == update.commit)
    {
        Some(c) => c.info.message.clone(),
        None => update
            .commit
            .and_then(|id| repo.find_commit(id).ok())
            .map(|c| String::from_utf8_lossy(c.message_bytes()).into_owned())
            .unwrap_or_default(),
    };
    let facts = PushFacts {
        branch,
        tag,
        defaults,
        changed: complete.then_some(changed.as_slice()),
        skip_ci: says_skip_ci(&head_message),
    };
    let mut out = statuses(map, &facts);
    for app in &config.apps {
        let triggered = branch.is_some_and(|b| config.deploys_app(&app.branches, b));
        out.push(TargetStatus {
            target: DeployTarget {
                platform: Platform::Custom,
                app: app.name.clone(),
                config: crate::config::FILE_NAME.to_owned(),
                line: None,
                via: Via::Integration,
                branches: if app.branches.is_empty() {
                    Branches::Default
                } else {
                    Branches::Named(app.branches.clone())
                },
                tags: Vec::new(),
                paths: PathFilter::All,
                build: Build::Docker(crate::deploy::DockerBuild {
                    dockerfile: app.dockerfile.clone(),
                    context: app.context.clone(),
                    target: app.target.clone(),
                    ..Default::default()
                }),
                honours_skip_ci: false,
            },
            triggered,
            reason: if triggered {
                format!("an [[app]] table of pushguard.toml deploys it from {name}")
            } else {
                format!("the [[app]] table does not deploy it from {name}")
            },
        });
    }
    out
}

/// What predicting the apps' rebuilds reads from the two trees alone (each app's
/// Dockerfiles and ignore files, [`rebuild::prepare`]), read while another process lists the
/// range: this process has nothing else to do until git's first commit arrives (git walks
/// the whole range first), and the time after the listing is what the push waits for. The
/// base must be known before the listing: the remote's commit ([`rebuild::base_of`]).
/// `None` for a new branch (its base is the parent of the oldest pushed commit), or when a
/// tree cannot be read (the prediction after the listing says so). The caller has checked
/// the budget.
fn early_prediction<'r>(
    repo: &'r Repository,
    config: &Config,
    update: &RefUpdate,
) -> Option<(Oid, rebuild::Prepared<'r>)> {
    let (Some(tip), Some(remote)) = (update.commit, update.remote_commit) else {
        return None;
    };
    let prepared = rebuild::prepare(repo, config, rebuild::Base::Commit(remote), tip).ok()?;
    Some((remote, prepared))
}

/// The verdict of an update that deploys: the path rules' guess, replaced by each app's
/// Dockerfile when the pushed commit defines apps ([`Verdict::with_apps`]). `early` is
/// [`early_prediction`]'s result, used when its base is the push's.
fn deploy_verdict(
    repo: &Repository,
    config: &Config,
    update: &RefUpdate,
    changes: &ChangeSet,
    targets: &[TargetStatus],
    early: Option<(Oid, rebuild::Prepared<'_>)>,
) -> Verdict {
    let by_paths = Verdict::of(config, changes);
    let (Some(tip), Some(oldest)) = (update.commit, changes.commits.first()) else {
        return by_paths;
    };
    let base = rebuild::base_of(repo, update.remote_commit, tip, Some(oldest.info.id));
    let branch = update.short_remote_name();
    // An app is predicted when this push deploys it: an `[[app]]` by its branches, an
    // app of the map when a target building it is triggered, the lone root Dockerfile
    // whenever the push deploys.
    let deployed = |app: &crate::build::apps::App| match &app.origin {
        crate::build::apps::AppOrigin::Config => config.deploys_app(&app.branches, &branch),
        crate::build::apps::AppOrigin::RootDockerfile => true,
        _ => targets.iter().any(|t| {
            t.triggered && crate::build::apps::app_of(&t.target).is_some_and(|a| a.same_build(app))
        }),
    };
    let known = match base {
        rebuild::Base::Commit(from) => changes.net_changes(from, tip),
        rebuild::Base::Nothing => None,
    };
    let found = match early {
        Some((from, prepared)) if base == rebuild::Base::Commit(from) => {
            prepared.predict(repo, config, &deployed, known)
        }
        _ => rebuild::analyze(repo, config, base, tip, Some(&deployed), known),
    };
    let verdict = match found {
        // Cut short by the budget: the apps' predictions are incomplete, so the path rules
        // decide (the ref is reported as not inspected).
        Ok(_) if crate::budget::over() => by_paths,
        Ok(found) => by_paths.with_apps(config, changes, found),
        Err(why) => Verdict {
            app_notes: vec![crate::build::apps::AppNote {
                severity: Severity::Warn,
                path: String::new(),
                line: None,
                message: format!(
                    "the apps' Dockerfiles could not be read ({why}); the verdict comes from \
                     the [paths.*] rules"
                ),
            }],
            ..by_paths
        },
    };
    let unconfigured = targets.is_empty() && verdict.apps.is_empty() && config.apps.is_empty();
    Verdict {
        unconfigured,
        ..verdict
    }
}

/// Findings for apps whose build could not be predicted and for broken app definitions.
fn app_findings(ref_name: &str, verdict: &Verdict) -> Vec<Finding> {
    let fact = "pushguard reads each deploy's configuration (fly.toml, railway.json, \
                render.yaml, vercel.json, workflows…) and the Dockerfile and .dockerignore it \
                builds from the pushed commit, as the platform reads them, to know what the \
                push deploys and rebuilds";
    let mut out = Vec::new();
    for app in &verdict.apps {
        if let AppOutcome::Unknown {
            path,
            line,
            message,
        } = &app.outcome
        {
            out.push(Finding {
                rule: APP_BUILD.to_owned(),
                severity: Severity::Warn,
                ref_name: ref_name.to_owned(),
                commit: None,
                path: Some(Escaped::new(path)),
                line: *line,
                message: Escaped::new(&format!("app `{}`: {message}", app.app.name)),
                fact: fact.into(),
                hint: "fix the file and push again; until then this app's verdict comes from \
                       the [paths.*] rules"
                    .into(),
            });
        }
    }
    for note in &verdict.app_notes {
        out.push(Finding {
            rule: APP_BUILD.to_owned(),
            severity: note.severity,
            ref_name: ref_name.to_owned(),
            commit: None,
            path: (!note.path.is_empty()).then(|| Escaped::new(&note.path)),
            line: note.line,
            message: Escaped::new(&note.message),
            fact: fact.into(),
            hint: "fix the file named; where pushguard cannot read what the platform does, \
                   declare the app with an [[app]] table in pushguard.toml (docs/deploys.md)"
                .into(),
        });
    }
    out
}

/// Where an analysed push goes: the remote as shown (empty outside a push), and this
/// clone's recorded deploy pushes when they were read ahead.
struct Destination<'a> {
    remote: String,
    records: Option<&'a crate::state::DeployRecords>,
}

impl Destination<'_> {
    fn none() -> Destination<'static> {
        Destination {
            remote: String::new(),
            records: None,
        }
    }
}

fn finish(
    repo: &Repository,
    config: &Config,
    blobs: Rc<PushCache>,
    to: Destination<'_>,
    refs: Vec<RefAnalysis>,
    occasion: Occasion,
    defaults: &[String],
) -> Analysis {
    let Destination { remote, records } = to;
    let at_push_time = occasion == Occasion::Push;
    let mut findings = Vec::new();
    let now = crate::state::now();
    let rules = Registry::new(config);
    for r in &refs {
        let ref_name = r.update.short_remote_name();
        match &r.status {
            RefStatus::NotInspected(reason) => {
                findings.push(not_inspected_finding(&ref_name, None, reason.clone()));
            }
            RefStatus::Inspected(_) if crate::budget::over() => {
                findings.push(budget_finding(&ref_name, config));
            }
            RefStatus::Inspected(changes) => {
                for (info, reason) in changes.not_inspected() {
                    findings.push(not_inspected_finding(
                        &ref_name,
                        Some(info.id),
                        reason.to_owned(),
                    ));
                }
                let recent_deploys = if at_push_time && r.deploys {
                    let records = match records {
                        Some(all) => all.to(&remote, &ref_name),
                        None => crate::state::deploys(repo, &remote, &ref_name),
                    };
                    landed_deploys(repo, records, &r.update, now)
                } else {
                    Vec::new()
                };
                let cx = RuleContext {
                    repo,
                    config,
                    update: &r.update,
                    ref_name: &ref_name,
                    deploys: r.deploys,
                    changes,
                    targets: &r.targets,
                    default_branches: defaults,
                    recent_deploys,
                    replay: occasion == Occasion::Replay,
                    cache: &blobs,
                    rules: &rules,
                };
                findings.extend(rules.run(&cx));
                if let Some(v) = &r.verdict {
                    findings.extend(app_findings(&ref_name, v));
                }
                // The budget ran out while this ref was judged: what was found stands, but
                // the rest was not looked at.
                if crate::budget::over() {
                    findings.push(budget_finding(&ref_name, config));
                }
            }
            RefStatus::Deleted | RefStatus::UpToDate => {}
        }
    }
    Analysis {
        remote,
        refs,
        findings,
        blobs,
    }
}

/// A commit or ref that could not be inspected is a warning: never silently checked.
/// How long ago this clone's earlier deploy pushes to the remote branch were made, newest
/// first, counting only those that landed: their commit is what the remote has now or an
/// ancestor of it, each commit once. A push the remote rejected, or a `--dry-run`, ran the
/// hook but deployed nothing. (Entries without a commit, from older versions, count.)
fn landed_deploys(
    repo: &Repository,
    records: Vec<(i64, Option<Oid>)>,
    update: &RefUpdate,
    now: i64,
) -> Vec<i64> {
    // A commit this push fast-forwards the remote to is not behind what the remote has: its
    // earlier pushes (a `--dry-run`, a rejected push, tried again) did not land, and no walk
    // is needed to say so. Any other commit is looked up once, however many entries name it:
    // each lookup walks the remote's history as far as it takes.
    let sending = (update.kind == UpdateKind::FastForward)
        .then_some(update.local_oid)
        .flatten();
    let mut walked: FastMap<Oid, bool> = FastMap::default();
    let mut landed = |sha: Option<Oid>| match (sha, update.remote_oid) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(s), Some(r)) if s == r => true,
        (Some(s), Some(_)) if Some(s) == sending => false,
        (Some(s), Some(r)) => *walked
            .entry(s)
            .or_insert_with(|| repo.graph_descendant_of(r, s).unwrap_or(false)),
    };
    let mut ages: Vec<(i64, Option<Oid>)> = records
        .into_iter()
        .filter(|&(_, sha)| landed(sha))
        .map(|(t, sha)| (now - t, sha))
        .collect();
    ages.sort_unstable_by_key(|&(age, _)| age);
    // One commit deploys once, however often its push was tried (`--dry-run` first).
    let mut seen: Vec<Oid> = Vec::new();
    ages.retain(|&(_, sha)| match sha {
        Some(s) if seen.contains(&s) => false,
        Some(s) => {
            seen.push(s);
            true
        }
        None => true,
    });
    ages.into_iter().map(|(age, _)| age).collect()
}

/// A ref cut short by the analysis budget: not inspected (the server blocks it).
fn budget_finding(ref_name: &str, config: &Config) -> Finding {
    Finding {
        fact: "pushguard bounds the time one analysis may take, so that no push can hold a \
               hook (or a server) for minutes; what it could not finish it does not pass off \
               as judged"
            .into(),
        hint: "push fewer commits or refs at a time; if pushes this size are expected, raise \
               [policy] time_budget_seconds (on a server, in the server's own configuration)"
            .into(),
        ..not_inspected_finding(ref_name, None, budget_reason(config))
    }
}

/// Why a ref was cut short by the analysis budget.
fn budget_reason(config: &Config) -> String {
    format!(
        "time budget: the analysis ran past [policy] time_budget_seconds = {} before this ref \
         was fully judged (a push this large or this hostile is not judged in full)",
        config.policy.time_budget_seconds
    )
}

fn not_inspected_finding(ref_name: &str, commit: Option<Oid>, reason: String) -> Finding {
    Finding {
        rule: NOT_INSPECTED.to_owned(),
        severity: Severity::Warn,
        ref_name: ref_name.to_owned(),
        commit,
        path: None,
        line: None,
        message: format!("not inspected: {reason}").into(),
        fact: "pushguard can only judge commits whose objects are in this repository".into(),
        hint: "fetch the missing history (`git fetch --unshallow`, or `git fetch` in a partial clone) and push again".into(),
    }
}
