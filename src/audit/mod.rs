//! `pushguard audit`: a branch's history replayed as the pushes that made it, each judged as
//! the pre-push hook would have judged it, and what the forcing ones cost.
//!
//! How a history becomes pushes:
//!
//! - **Boundaries.** The reflog of the branch's remote-tracking ref records where this clone
//!   saw the remote branch move (its own pushes, and fetches of everyone else's): each
//!   recorded position on the first-parent line ends a push. History older than the reflog,
//!   or a branch without one, is replayed one push per first-parent commit, an upper bound
//!   on the number of pushes (and so on waste) that the report states.
//! - **One analysis.** The whole range is analysed once, as one long push with forcing
//!   findings left at their severity (`pipeline::analyze_history`): one `git log`, every
//!   blob read once. Each push then takes the findings of its own commits (a merge's push
//!   carries the commits it merged), and a forcing finding beside real changes in the same
//!   push drops to `info`, exactly as at push time
//!   ([`crate::rules::lower_forcing_beside_real_changes`]).
//! - **Deploys.** Each push is judged against the deploy map of its own pushed commit (maps
//!   are shared between pushes whose map-defining files did not change), with the path
//!   filters of its targets applied to its own files ([`crate::pipeline::ReplayedDeploys`]).
//! - **Cost.** A push's estimated build time is the tier its files reach under the path
//!   rules (`[tiers.*]`); its deploy time likewise. A forcing push (one whose findings
//!   include a forcing rule at `warn` or above) wasted both.
//!
//! Invariant: every first-parent commit in the window belongs to exactly one push, and
//! every finding of the analysis belongs to the push of its commit (findings without a
//! commit go to the last push).

use std::collections::HashMap;

use git2::{Oid, Repository};

use crate::build::verdict::Verdict;
use crate::config::Config;
use crate::decide::audit as log;
use crate::deploy::map::map_of;
use crate::escape::escape;
use crate::finding::Finding;
use crate::git::changes::ChangeSet;
use crate::git::range::CommitRange;
use crate::rules::{frequent_deploys, lower_forcing_beside_real_changes, Registry};
use crate::severity::Severity;
use crate::tier::BuildTier;

crate::error::stage_error!(
    /// A history that cannot be replayed: a branch that is not there, a walk that fails.
    Error
);

impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Error {
        Error::new(format!("cannot read the history: {}", e.message()))
    }
}

type Result<T> = std::result::Result<T, Error>;

/// What to replay.
#[derive(Debug, Clone, Default)]
pub struct AuditRequest {
    /// Branch names; empty: the branch the deploy map deploys.
    pub branches: Vec<String>,
    /// Unix seconds: only pushes whose last commit was committed in `[since, until)`.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Replay `secret-in-image` too. Off by default: it reads every line the history added,
    /// which costs what `git log -p` costs, and a secret wastes no build.
    pub secrets: bool,
}

/// How the pushes were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundaries {
    /// From the remote-tracking ref's reflog (older history one push per commit).
    Reflog,
    /// One push per first-parent commit: an upper bound.
    PerCommit,
}

impl Boundaries {
    pub fn as_str(self) -> &'static str {
        match self {
            Boundaries::Reflog => "reflog",
            Boundaries::PerCommit => "per-commit",
        }
    }
}

/// Whether the audit replayed `secret-in-image`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretScan {
    /// `--secrets`: every line the history added was scanned.
    Replayed,
    /// The rule is on, but the audit was not asked to scan (the report says so).
    Skipped,
    /// The configuration turns the rule off.
    Off,
}

impl SecretScan {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretScan::Replayed => "replayed",
            SecretScan::Skipped => "skipped",
            SecretScan::Off => "off",
        }
    }
}

/// One replayed push.
#[derive(Debug, Clone)]
pub struct ReplayedPush {
    pub branch: String,
    /// The pushed commit (last on the first-parent line).
    pub tip: Oid,
    /// Every commit the push carried, oldest first.
    pub commits: Vec<Oid>,
    /// The pushed commit's committer time, unix seconds.
    pub time: i64,
    pub deploys: bool,
    /// The deploy targets it triggered (labels), when it deploys.
    pub apps: Vec<String>,
    pub tier: BuildTier,
    pub build_seconds: u32,
    pub deploy_seconds: u32,
    /// Its findings, lowered as at push time.
    pub findings: Vec<Finding>,
    /// Whether a forcing rule reported it at `warn` or above: its build was wasted.
    pub forcing: bool,
}

impl ReplayedPush {
    /// The rules that reported it at `warn` or `block`, each once.
    pub fn rules(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in self
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warn)
        {
            if !out.contains(&f.rule.as_ref()) {
                out.push(&f.rule);
            }
        }
        out
    }

    /// A push a rule reported at `warn` or `block`.
    pub fn reported(&self) -> bool {
        self.findings.iter().any(|f| f.severity >= Severity::Warn)
    }

    pub fn wasted_build_seconds(&self) -> u64 {
        if self.forcing && self.deploys {
            u64::from(self.build_seconds)
        } else {
            0
        }
    }

    pub fn wasted_deploy_seconds(&self) -> u64 {
        if self.forcing && self.deploys {
            u64::from(self.deploy_seconds)
        } else {
            0
        }
    }
}

/// Pushes the installed hook stopped, from the audit log.
#[derive(Debug, Clone, Default)]
pub struct Prevented {
    /// Stops whose commit never reached the branch afterwards.
    pub pushes: usize,
    /// Their estimated build time.
    pub build_seconds: u64,
    /// Of those, the stops after which the branch did take a later push: the commits were
    /// rewritten (amended, squashed, the trigger dropped) and pushed again, not abandoned.
    pub rewritten: usize,
}

/// The replay of one or more branches.
#[derive(Debug)]
pub struct Audit {
    pub branches: Vec<String>,
    pub boundaries: Boundaries,
    /// Oldest first, all branches together.
    pub pushes: Vec<ReplayedPush>,
    pub prevented: Prevented,
    /// Commits of the window that could not be inspected (shallow or partial clones), said
    /// in the report.
    pub not_inspected: usize,
    /// Whether `secret-in-image` was replayed.
    pub secrets: SecretScan,
}

impl Audit {
    pub fn deploys(&self) -> usize {
        self.pushes.iter().filter(|p| p.deploys).count()
    }

    pub fn wasted_build_seconds(&self) -> u64 {
        self.pushes
            .iter()
            .map(ReplayedPush::wasted_build_seconds)
            .sum()
    }

    pub fn wasted_deploy_seconds(&self) -> u64 {
        self.pushes
            .iter()
            .map(ReplayedPush::wasted_deploy_seconds)
            .sum()
    }

    /// Forcing pushes per rule (a push counts once per rule), most first.
    pub fn by_rule(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for p in self.pushes.iter().filter(|p| p.reported()) {
            for rule in p.rules() {
                *entry(&mut counts, rule.to_owned()) += 1;
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts
    }

    /// Per calendar month (UTC) of the pushes, oldest first.
    pub fn by_month(&self) -> Vec<Month> {
        let mut months: Vec<(String, Month)> = Vec::new();
        for p in &self.pushes {
            let m = entry(&mut months, month_of(p.time));
            m.pushes += 1;
            m.deploys += usize::from(p.deploys);
            m.forcing += usize::from(p.reported());
            m.wasted_build_seconds += p.wasted_build_seconds();
            for rule in p.rules() {
                *entry(&mut m.wasted_by_rule, rule.to_owned()) += p.wasted_build_seconds();
            }
        }
        months.sort_by(|a, b| a.0.cmp(&b.0));
        months
            .into_iter()
            .map(|(month, m)| Month { month, ..m })
            .collect()
    }

    /// Deploys and wasted build time per deploy target (or branch, when the map names
    /// none), most wasted first.
    pub fn by_app(&self) -> Vec<(String, usize, u64)> {
        let mut apps: Vec<(String, (usize, u64))> = Vec::new();
        for p in self.pushes.iter().filter(|p| p.deploys) {
            let names = if p.apps.is_empty() {
                std::slice::from_ref(&p.branch)
            } else {
                p.apps.as_slice()
            };
            for name in names {
                let (deploys, wasted) = entry(&mut apps, name.clone());
                *deploys += 1;
                *wasted += p.wasted_build_seconds();
            }
        }
        let mut out: Vec<(String, usize, u64)> =
            apps.into_iter().map(|(n, (d, w))| (n, d, w)).collect();
        out.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| b.1.cmp(&a.1)));
        out
    }

    /// Deploys per ISO-like week (Monday-based, UTC), oldest first: `(monday's unix day,
    /// deploys)`.
    pub fn deploys_by_week(&self) -> Vec<(i64, usize)> {
        let mut weeks: Vec<(i64, usize)> = Vec::new();
        for p in self.pushes.iter().filter(|p| p.deploys) {
            let day = p.time.div_euclid(86_400);
            // 1970-01-01 was a Thursday: Monday-based weeks start 3 days earlier.
            *entry(&mut weeks, day - (day + 3).rem_euclid(7)) += 1;
        }
        weeks.sort_unstable();
        weeks
    }
}

/// The value of `key` in the tally `list`, added with `V::default()` at the end when
/// missing: tallies keep the order of first appearance until their caller sorts them.
fn entry<K: PartialEq, V: Default>(list: &mut Vec<(K, V)>, key: K) -> &mut V {
    let at = match list.iter().position(|(k, _)| *k == key) {
        Some(at) => at,
        None => {
            list.push((key, V::default()));
            list.len() - 1
        }
    };
    &mut list[at].1
}

/// One calendar month of the replay.
#[derive(Debug, Clone, Default)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    pub pushes: usize,
    pub deploys: usize,
    pub forcing: usize,
    pub wasted_build_seconds: u64,
    /// Wasted build seconds per rule that reported the push (a push reported by two rules
    /// counts for both).
    pub wasted_by_rule: Vec<(String, u64)>,
}

/// `YYYY-MM` of unix seconds, UTC.
pub fn month_of(secs: i64) -> String {
    log::rfc3339(secs).chars().take(7).collect()
}

/// Replays `request` on `repo` under `config`. `progress(done, total)` is called as pushes
/// are judged.
pub fn audit(
    repo: &Repository,
    config: &Config,
    request: &AuditRequest,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Audit> {
    // A whole history is one analysis: the push-time budget would cut it short.
    let mut config = config.clone();
    config.policy.time_budget_seconds = 0;
    // The audit counts wasted builds; a history-wide secret scan is opt-in (and said).
    let id = crate::rules::secret_in_image::ID;
    let secrets = if request.secrets {
        if config.rule(id).is_some_and(|r| r.severity.is_some()) {
            SecretScan::Replayed
        } else {
            SecretScan::Off
        }
    } else if config.turn_off(id) {
        SecretScan::Skipped
    } else {
        SecretScan::Off
    };
    let branches = if request.branches.is_empty() {
        let head = repo.head().ok().and_then(|h| h.target());
        vec![crate::pipeline::check_branch(repo, &config, head)]
    } else {
        request.branches.clone()
    };
    let mut pushes = Vec::new();
    let mut boundaries = Boundaries::PerCommit;
    let mut not_inspected = 0;
    for branch in &branches {
        let replay = replay_branch(repo, &config, branch, request, progress)?;
        if replay.from_reflog {
            boundaries = Boundaries::Reflog;
        }
        not_inspected += replay.not_inspected;
        pushes.extend(replay.pushes);
    }
    pushes.sort_by_key(|p| p.time);
    let prevented = prevented(repo, &pushes);
    Ok(Audit {
        branches,
        boundaries,
        pushes,
        prevented,
        not_inspected,
        secrets,
    })
}

struct BranchReplay {
    pushes: Vec<ReplayedPush>,
    from_reflog: bool,
    not_inspected: usize,
}

/// The ref a branch's pushes are read from: its remote-tracking ref (what the remote
/// got), else the local branch.
fn branch_ref(repo: &Repository, branch: &str) -> Result<(String, Oid)> {
    let remote = repo
        .find_remote("origin")
        .ok()
        .map(|_| "origin".to_owned())
        .or_else(|| {
            repo.remotes()
                .ok()
                .and_then(|r| r.iter().flatten().flatten().next().map(str::to_owned))
        });
    let mut candidates = Vec::new();
    if let Some(r) = &remote {
        candidates.push(format!("refs/remotes/{r}/{branch}"));
    }
    candidates.push(format!("refs/heads/{branch}"));
    for name in &candidates {
        if let Ok(id) = repo.refname_to_id(name) {
            return Ok((name.clone(), id));
        }
    }
    Err(Error::new(format!(
        "there is no branch {} here (looked for {}). Name a branch with --branch, or fetch it \
         first.",
        escape(branch),
        candidates.join(" and ")
    )))
}

fn replay_branch(
    repo: &Repository,
    config: &Config,
    branch: &str,
    request: &AuditRequest,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<BranchReplay> {
    let (refname, tip) = branch_ref(repo, branch)?;
    let Line {
        commits: line,
        committed,
    } = first_parent_line(repo, tip, request)?;
    let Some(&newest) = line.last() else {
        return Ok(BranchReplay {
            pushes: Vec::new(),
            from_reflog: false,
            not_inspected: 0,
        });
    };
    let (ends, moved) = push_ends(repo, &refname, &line);
    let from_reflog = !moved.is_empty();
    // The first push builds on the parent of the window's first commit.
    let base = line
        .first()
        .and_then(|&c| repo.find_commit(c).ok())
        .and_then(|c| c.parent_id(0).ok());
    let range = CommitRange {
        include: vec![newest],
        hide: base.into_iter().collect(),
    };
    let analysis = crate::pipeline::analyze_history(repo, config, branch, range, branch);
    let Some(r) = analysis.refs.first() else {
        return Err(Error::new(format!(
            "the history of {} could not be analysed",
            escape(branch)
        )));
    };
    let empty = ChangeSet::default();
    let changes = r.changes().unwrap_or(&empty);
    let not_inspected = changes.not_inspected().count();
    let by_id: HashMap<Oid, usize> = changes
        .commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.info.id, i))
        .collect();
    // Each push's commits: reachable from its end, not from the previous end. The listing
    // holds the range's commits with their parents, so this is a walk of it in memory: a
    // commit an earlier push owns is reachable from that push's end, and so is all it
    // reaches; a commit outside the listing is the base's.
    let mut owner: HashMap<Oid, usize> = HashMap::new();
    let mut members: Vec<Vec<Oid>> = Vec::with_capacity(ends.len());
    for (i, &end) in ends.iter().enumerate() {
        let mut ids: Vec<usize> = Vec::new();
        let mut stack = vec![end];
        while let Some(id) = stack.pop() {
            let Some(&at) = by_id.get(&id) else {
                continue;
            };
            if owner.contains_key(&id) {
                continue;
            }
            owner.insert(id, i);
            ids.push(at);
            if let Some(commit) = changes.commits.get(at) {
                stack.extend(&commit.info.parents);
            }
        }
        // Oldest first, as listed.
        ids.sort_unstable();
        members.push(
            ids.into_iter()
                .filter_map(|at| changes.commits.get(at).map(|c| c.info.id))
                .collect(),
        );
    }
    let mut findings_of: Vec<Vec<Finding>> = vec![Vec::new(); ends.len()];
    for f in &analysis.findings {
        let i = f
            .commit
            .and_then(|c| owner.get(&c).copied())
            .unwrap_or(ends.len().saturating_sub(1));
        if let Some(list) = findings_of.get_mut(i) {
            list.push(f.clone());
        }
    }
    let registry = Registry::new(config);
    let mut maps = MapCache::default();
    let mut frequent = Frequent::new(config);
    let judge_deploys = crate::pipeline::ReplayedDeploys::new(repo, config);
    let mut pushes = Vec::with_capacity(ends.len());
    for (i, (&end, ids)) in ends.iter().zip(&members).enumerate() {
        progress(i + 1, ends.len());
        let push_changes = ChangeSet {
            commits: ids
                .iter()
                .filter_map(|id| by_id.get(id).and_then(|&k| changes.commits.get(k)))
                .cloned()
                .collect(),
        };
        let mut findings = std::mem::take(&mut findings_of[i]);
        let map = maps.get(repo, end, &push_changes);
        let (deploys, targets) = judge_deploys.judge(&map, branch, end, &push_changes);
        if deploys {
            let forcing: Vec<usize> = (0..findings.len())
                .filter(|&k| registry.is_forcing(&findings[k].rule))
                .collect();
            let commits = push_changes
                .commits
                .iter()
                .map(|c| (c.info.id, !c.files().is_empty()));
            lower_forcing_beside_real_changes(commits, &mut findings, &forcing);
        } else {
            // A push that deploys nothing costs no build: its deploy-waste findings are
            // what `check` would say, at most information.
            for f in findings.iter_mut().filter(|f| registry.is_forcing(&f.rule)) {
                f.severity = f.severity.min(Severity::Info);
            }
        }
        // The path rules' verdict, as the hook gives it where no Dockerfile decides.
        let Verdict { tier, times, .. } = Verdict::of(config, &push_changes);
        let pushed_at = moved.get(&end).copied();
        let time = pushed_at.unwrap_or_else(|| committed.get(&end).copied().unwrap_or_default());
        if deploys {
            if let Some(at) = pushed_at {
                findings.extend(frequent.judge(branch, end, at));
            }
        }
        let forcing = findings.iter().any(|f| {
            f.severity >= Severity::Warn
                && (registry.is_forcing(&f.rule) || f.rule == frequent_deploys::ID)
        });
        let apps = targets
            .iter()
            .filter(|t| t.triggered)
            .map(|t| escape(&t.target.label()).into_owned())
            .collect();
        pushes.push(ReplayedPush {
            branch: escape(branch).into_owned(),
            tip: end,
            commits: ids.clone(),
            time,
            deploys,
            apps,
            tier,
            build_seconds: times.build_seconds,
            deploy_seconds: times.deploy_seconds,
            findings,
            forcing,
        });
    }
    Ok(BranchReplay {
        pushes,
        from_reflog,
        not_inspected,
    })
}

/// `frequent-deploys` replayed: a deploy push within `[rules.frequent-deploys] minutes` of
/// the previous deploy pushes of the branch, by the times the reflog recorded (commit times
/// say nothing about when a commit was pushed, so pushes without one are not judged).
struct Frequent {
    rule: Option<(Severity, String, String)>,
    window: i64,
    minutes: i64,
    /// Times of the earlier deploy pushes, oldest first.
    earlier: Vec<i64>,
}

impl Frequent {
    fn new(config: &Config) -> Frequent {
        let rule = config.rule(frequent_deploys::ID);
        let minutes = rule.and_then(|r| r.int_option("minutes")).unwrap_or(10);
        Frequent {
            rule: rule.and_then(|r| Some((r.severity?, r.fact().to_owned(), r.hint().to_owned()))),
            window: minutes.saturating_mul(60),
            minutes,
            earlier: Vec::new(),
        }
    }

    /// The finding for a deploy push of `tip` to `branch` at `at`, if it comes too soon.
    fn judge(&mut self, branch: &str, tip: Oid, at: i64) -> Option<Finding> {
        let within: Vec<i64> = self
            .earlier
            .iter()
            .map(|&t| at - t)
            .filter(|ago| (0..self.window).contains(ago))
            .collect();
        self.earlier.push(at);
        let (severity, fact, hint) = self.rule.clone()?;
        let ago = *within.iter().min()?;
        let message = frequent_deploys::message(branch, self.minutes, within.len(), ago);
        Some(Finding {
            rule: frequent_deploys::ID.to_owned(),
            severity,
            ref_name: escape(branch).into_owned(),
            commit: Some(tip),
            path: None,
            line: None,
            message: message.as_str().into(),
            fact: fact.as_str().into(),
            hint: hint.as_str().into(),
        })
    }
}

/// The first-parent line from `tip`, oldest first, limited to the request's window.
fn first_parent_line(repo: &Repository, tip: Oid, request: &AuditRequest) -> Result<Line> {
    let mut walk = repo.revwalk()?;
    walk.simplify_first_parent()?;
    walk.push(tip)?;
    let mut line = Line::default();
    for id in walk {
        let id = id?;
        let time = repo
            .find_commit(id)
            .map(|c| c.committer().when().seconds())
            .unwrap_or_default();
        if request.until.is_some_and(|u| time >= u) {
            continue;
        }
        if request.since.is_some_and(|s| time < s) {
            break;
        }
        line.commits.push(id);
        line.committed.insert(id, time);
    }
    line.commits.reverse();
    Ok(line)
}

/// A branch's first-parent line within the audit's window.
#[derive(Default)]
struct Line {
    /// Oldest first.
    commits: Vec<Oid>,
    /// Each one's committer time, unix seconds.
    committed: HashMap<Oid, i64>,
}

/// The commits of `line` that end a push: the positions the reflog of `refname` recorded,
/// and every commit older than the reflog (or all of them without one). With them, when
/// the remote branch moved to each recorded position (empty without a reflog).
fn push_ends(repo: &Repository, refname: &str, line: &[Oid]) -> (Vec<Oid>, HashMap<Oid, i64>) {
    // A local branch's reflog records commits, not pushes.
    if !refname.starts_with("refs/remotes/") {
        return (line.to_vec(), HashMap::new());
    }
    // Newest first, as git keeps it: the earliest time a position was recorded is when
    // the remote branch got there.
    let mut moved: HashMap<Oid, i64> = HashMap::new();
    let recorded: Vec<Oid> = repo
        .reflog(refname)
        .map(|log| {
            log.iter()
                .map(|e| {
                    moved.insert(e.id_new(), e.committer().when().seconds());
                    e.id_new()
                })
                .collect()
        })
        .unwrap_or_default();
    let on_line: HashMap<Oid, usize> = line.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    let mut positions: Vec<usize> = recorded
        .iter()
        .filter_map(|id| on_line.get(id).copied())
        .collect();
    if positions.is_empty() {
        return (line.to_vec(), HashMap::new());
    }
    positions.sort_unstable();
    positions.dedup();
    let first = positions[0];
    // Before the reflog begins nothing says how the history was pushed: one a commit.
    let mut ends: Vec<Oid> = line[..first].to_vec();
    ends.extend(positions.iter().map(|&i| line[i]));
    // Commits after the last recorded position are not on the remote yet (a local branch
    // ahead of it): they are not pushes.
    moved.retain(|id, _| on_line.contains_key(id));
    (ends, moved)
}

/// Deploy maps shared between consecutive pushes that changed none of the files the map
/// was read from: the map of a commit depends only on its tree, and a push touching no
/// deploy configuration leaves it as it was.
#[derive(Default)]
struct MapCache {
    /// The last map made, and the tree it was made from.
    last: Option<(Oid, std::rc::Rc<crate::deploy::DeployMap>)>,
}

impl MapCache {
    fn get(
        &mut self,
        repo: &Repository,
        tip: Oid,
        changes: &ChangeSet,
    ) -> std::rc::Rc<crate::deploy::DeployMap> {
        if let Some((_, map)) = &self.last {
            let touched = changes
                .commits
                .iter()
                .flat_map(|c| c.files())
                .any(|f| crate::deploy::map::may_change_map(&f.path));
            if !touched {
                return map.clone();
            }
        }
        let Ok(tree) = repo.find_commit(tip).and_then(|c| c.tree()) else {
            return std::rc::Rc::default();
        };
        // The config files are found from the last map's tree and the files the push
        // changed (oldest first, so the last change of a path decides), not by a walk of
        // every tree.
        let changed: Vec<crate::git::changes::FileChange> = changes
            .commits
            .iter()
            .flat_map(|c| c.files().iter().cloned())
            .collect();
        let previous = self
            .last
            .as_ref()
            .map(|(tree, _)| crate::deploy::locate::Previous {
                tree: *tree,
                changed: &changed,
            });
        let map = map_of(repo, &tree, previous);
        self.last = Some((tree.id(), map.clone()));
        map
    }
}

/// Whether the branch went on, in a later push, from where the stopped push `e` started:
/// the stopped commit's parent landed and a landed commit follows it. The commits were
/// then rewritten and pushed again, not abandoned.
fn moved_on(
    repo: &Repository,
    pushes: &[ReplayedPush],
    landed: &std::collections::HashSet<String>,
    e: &log::Entry,
) -> bool {
    let parent = e
        .commit
        .as_deref()
        .and_then(|c| Oid::from_str(c).ok())
        .and_then(|id| repo.find_commit(id).ok())
        .and_then(|c| c.parent_id(0).ok());
    let Some(parent) = parent else {
        return false;
    };
    if !landed.contains(&parent.to_string()) {
        return false;
    }
    let branch = pushes
        .iter()
        .filter(|p| same_branch(&p.branch, &e.ref_name));
    // Inside a push that went on past it, or at the start of the next one.
    let first_parent = |id: Oid| repo.find_commit(id).ok().and_then(|c| c.parent_id(0).ok());
    branch
        .clone()
        .any(|p| p.tip != parent && p.commits.contains(&parent))
        || branch.into_iter().any(|p| {
            p.commits
                .first()
                .is_some_and(|&first| first_parent(first) == Some(parent))
        })
}

/// Whether the replayed branch `branch` (`main`, `origin/main`) is the remote branch
/// `ref_name` an audit entry names (`main`).
fn same_branch(branch: &str, ref_name: &str) -> bool {
    branch == ref_name
        || branch
            .strip_suffix(ref_name)
            .is_some_and(|rest| rest.ends_with('/'))
}

/// The pushes the hook stopped (`stopped` entries of the audit log) whose commit is not
/// in any replayed push: those builds never ran.
fn prevented(repo: &Repository, pushes: &[ReplayedPush]) -> Prevented {
    let Ok(text) = std::fs::read_to_string(log::log_path(repo)) else {
        return Prevented::default();
    };
    let landed: std::collections::HashSet<String> = pushes
        .iter()
        .flat_map(|p| p.commits.iter().map(Oid::to_string))
        .collect();
    let mut out = Prevented::default();
    for line in log::parse(&text) {
        let log::Line::Entry(e) = line else {
            continue;
        };
        if e.how != log::How::Stopped.as_str() {
            continue;
        }
        if e.commit.as_ref().is_some_and(|c| landed.contains(c)) {
            continue;
        }
        out.pushes += 1;
        out.build_seconds += u64::from(e.build_seconds.unwrap_or_default());
        out.rewritten += usize::from(moved_on(repo, pushes, &landed, &e));
    }
    out
}
