//! Content rules: each looks at one ref update's change set and reports findings.
//!
//! A rule is a small type implementing [`Rule`], with its id next to it; its default
//! severity, the fact it relies on and its fix hint live in the embedded default config
//! (`src/default.toml`, `[rules.<id>]`), where users can override them. Rules read file
//! contents only through [`RuleContext::content`] (and [`AheadContext::cache`]), which reads a blob at most once per
//! push and never more than [`MAX_BLOB_BYTES`] of it.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::rc::Rc;

use git2::{Oid, Repository};

use crate::config::{Config, RuleConfig};
use crate::deploy::TargetStatus;
use crate::docker::dockerfile::Dockerfile;
use crate::escape::{escape, Escaped};
use crate::finding::Finding;
use crate::git::blob::{read_blob_sized, BatchReader, Batched};
use crate::git::changes::{BlobContent, ChangeSet, CommitChange, FileChange};
use crate::git::push::RefUpdate;
use crate::hash::FastMap;
use crate::severity::Severity;

mod cache_bust_arg;
mod cache_mount_no_id;
mod context_bloat;
mod docker_context;
mod dockerfile_comment_only;
mod double_deploy;
mod dummy_source_edit;
mod empty_commit;
mod filtered_deploy;
pub mod frequent_deploys;
mod intent;
mod unused_build_arg;

mod manifest_comment_only;
mod no_cache_deploy;
pub(crate) mod secret_in_image;
pub mod text;
mod timestamp_edit;
mod trigger_file;

/// The most blob content the push's cache holds at once (see [`BlobCache`]): what one
/// commit's read-ahead reads, for the rules that read the same blobs after each other.
/// 4 MiB held 2.2 MB more at a whole history's peak for no measurable saving in time
/// (linux_version's history, the 3,000-commit bench case).
const MAX_CACHED_BYTES: usize = 2 * 1024 * 1024;

/// What the cache keeps of earlier commits when the read-ahead moves to the next one.
/// Each rule has worked out what it needs from those blobs by then, and the checks go back
/// to few of them; a cache kept full grows the heap by its size, and every page of that
/// growth is a page fault (a last-50-commit push of cidadao.ai-backend: 1,304 faults
/// against 930, 16.5 ms against 15.6). Evicting inside a commit is what costs: a commit
/// of 300 scripts read by two rules in turn reads each twice, so the whole commit's
/// blobs stay, up to [`MAX_CACHED_BYTES`].
const KEPT_BETWEEN_COMMITS: usize = 256 * 1024;

/// What an entry that holds no text (binary, too large, unreadable) is counted as.
const ENTRY_BYTES: usize = 64;

/// Blobs larger than this are judged by size only (from the object header), never read.
pub const MAX_BLOB_BYTES: u64 = 1024 * 1024;

/// A content rule.
///
/// The framework knows rules only through this trait: what a rule reads ahead, what it
/// remembers per push ([`PushCache::memo`]) and which changes it claims are its own.
pub trait Rule {
    /// The stable id, as used in `[rules.<id>]`, `PUSHGUARD_SKIP` and trailers.
    fn id(&self) -> &'static str;

    /// Work this rule will need, done while the change set is still being listed (on a
    /// long push `git log` diffs the rest of the range on the other core meanwhile). Runs
    /// for each commit of an update, only when the rule is enabled; whatever it computes
    /// goes into the rule's own memo. It must do nothing `check` would not do anyway.
    fn read_ahead(&self, _cx: &AheadContext<'_>, _commit: &CommitChange) {}

    /// Whether this rule, configured by `settings`, reports `claim` itself, so that the
    /// broader rules leave it alone and a change is reported once.
    fn claims(&self, _settings: &RuleConfig, _claim: &Claim<'_>) -> bool {
        false
    }

    /// Reports findings for one ref update. `emit` fills in the severity, fact and hint
    /// from the rule's configuration.
    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>);

    /// Whether this rule reports commits made only to force a build or deploy. A deploy
    /// builds once per push, so such a commit costs a build only when the push would not
    /// deploy anyway: beside a commit with real changes its finding drops to `info`.
    fn forcing(&self) -> bool {
        false
    }
}

/// A change one rule may report for several: the narrower rule that claims it reports it.
#[derive(Debug, Clone, Copy)]
pub enum Claim<'a> {
    /// A comment- or whitespace-only edit of this file.
    CosmeticEdit(&'a FileChange),
    /// This file, as a file whose only job is to trigger deploys.
    TriggerFile(&'a FileChange),
    /// A bump of dates, times or build numbers in this file.
    StampEdit(&'a FileChange),
    /// This changed Dockerfile line, as a cache-busting `ARG`.
    CacheBustLine(&'a str),
}

/// Every built-in rule, in report order.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(dockerfile_comment_only::DockerfileCommentOnly),
        Box::new(cache_bust_arg::CacheBustArg),
        Box::new(timestamp_edit::TimestampEdit),
        Box::new(manifest_comment_only::ManifestCommentOnly),
        Box::new(empty_commit::EmptyCommit),
        Box::new(dummy_source_edit::DummySourceEdit),
        Box::new(trigger_file::TriggerFile),
        Box::new(secret_in_image::SecretInImage),
        Box::new(cache_mount_no_id::CacheMountNoId),
        Box::new(context_bloat::ContextBloat),
        Box::new(no_cache_deploy::NoCacheDeploy),
        Box::new(frequent_deploys::FrequentDeploys),
        Box::new(double_deploy::DoubleDeploy),
        Box::new(filtered_deploy::FilteredDeploy),
        Box::new(unused_build_arg::UnusedBuildArg),
    ]
}

/// A rule that is on, with its configuration.
struct Enabled<'c> {
    rule: Box<dyn Rule>,
    settings: &'c RuleConfig,
    severity: Severity,
}

/// The enabled rules of a configuration, resolved once per ref update, in report order.
pub struct Registry<'c> {
    rules: Vec<Enabled<'c>>,
}

impl<'c> Registry<'c> {
    /// The rules `config` enables (a rule configured `off`, or missing, is left out).
    pub fn new(config: &'c Config) -> Registry<'c> {
        let rules = all()
            .into_iter()
            .filter_map(|rule| {
                let settings = config.rule(rule.id())?;
                let severity = settings.severity?;
                Some(Enabled {
                    rule,
                    settings,
                    severity,
                })
            })
            .collect();
        Registry { rules }
    }

    /// Lets each enabled rule read ahead for one commit of an update; the forcing rules
    /// only when `forcing` (a long push is usually settled without them, see
    /// [`SETTLE_AFTER`]; they still read what they need in their checks).
    pub fn read_ahead(
        &self,
        repo: &Repository,
        cache: &PushCache,
        deploys: bool,
        forcing: bool,
        commit: &CommitChange,
    ) {
        cache.next_commit();
        for e in self.rules.iter().filter(|e| forcing || !e.rule.forcing()) {
            let cx = AheadContext {
                repo,
                cache,
                settings: e.settings,
                deploys,
            };
            e.rule.read_ahead(&cx, commit);
        }
    }

    /// Whether an enabled rule other than `me` claims `claim`.
    pub fn claimed_by_other(&self, me: &str, claim: &Claim<'_>) -> bool {
        self.rules
            .iter()
            .any(|e| e.rule.id() != me && e.rule.claims(e.settings, claim))
    }

    /// Runs every enabled rule on one ref update.
    pub fn run(&self, cx: &RuleContext<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut forcing = Vec::new();
        let long = cx.changes.commits.len() >= SETTLE_AFTER;
        let settled = if cx.deploys && !cx.replay && long {
            self.real_commit(cx)
        } else {
            None
        };
        let mut noted = false;
        for e in &self.rules {
            if crate::budget::over() {
                break;
            }
            let mut emitter = Emitter {
                settings: e.settings,
                severity: e.severity,
                ref_name: cx.ref_name,
                out: Vec::new(),
            };
            if let (Some(real), true) = (settled, e.rule.forcing()) {
                // One note, under the first of them, says what they all did not read.
                if !noted {
                    emitter.settled_note(cx, real, &self.forcing_ids());
                    findings.extend(emitter.out);
                    noted = true;
                }
                continue;
            }
            e.rule.check(cx, &mut emitter);
            if e.rule.forcing() {
                if let Some(how) = redeploy_here(cx.targets) {
                    for f in &mut emitter.out {
                        f.hint = Escaped::new(&format!("{} {how}", f.hint.as_str()));
                    }
                }
                forcing.extend(findings.len()..findings.len() + emitter.out.len());
            }
            findings.extend(emitter.out);
        }
        if cx.deploys && !cx.replay {
            let commits = cx.changes.commits.iter();
            lower_forcing_beside_real_changes(
                commits.map(|c| (c.info.id, !c.files().is_empty())),
                &mut findings,
                &forcing,
            );
        }
        findings
    }

    /// A commit of a long deploy push that no forcing rule reports at `warn` or above,
    /// judged on its own: the push then builds anyway, so every forcing finding of the push
    /// would drop to `info` ([`lower_forcing_beside_real_changes`]) and the forcing rules
    /// need not read the other commits. `None` when none of the tried ones is real.
    ///
    /// At most [`PROBES`] commits are tried, the likeliest real first: subjects that do not
    /// say they force a deploy, then the most files. A commit that changes exactly the files
    /// of one already found forcing is passed over (the tenth bump of a trigger file).
    ///
    /// Sound because the forcing rules judge each commit by itself: a commit's findings in
    /// the whole push are never more than in a push of that commit alone (`timestamp-edit`
    /// only drops a stamp that other commits change for real).
    fn real_commit<'x>(&self, cx: &RuleContext<'x>) -> Option<&'x CommitChange> {
        let mut by_size: Vec<&CommitChange> = cx
            .changes
            .commits
            .iter()
            .filter(|c| c.info.parents.len() <= 1 && !c.files().is_empty())
            .collect();
        by_size.sort_by_key(|c| std::cmp::Reverse(c.files().len()));
        let same_files = |a: &CommitChange, b: &CommitChange| {
            a.files().len() == b.files().len()
                && a.files()
                    .iter()
                    .zip(b.files())
                    .all(|(x, y)| x.path == y.path)
        };
        // The subjects that say they force go last, each read only when its commit's turn
        // comes: the first commit tried is usually real, and reading every subject of a
        // long push cost more than trying it.
        let mut loud: Vec<&CommitChange> = Vec::new();
        let quiet_first = by_size.iter().copied().filter(|c| {
            let says = intent::says_forcing(c.info.summary());
            if says {
                loud.push(c);
            }
            !says
        });
        let mut forcing: Vec<&CommitChange> = Vec::new();
        let mut probe = |commit: &'x CommitChange| -> Option<Option<&'x CommitChange>> {
            if forcing.len() == PROBES {
                return Some(None);
            }
            if forcing.iter().any(|f| same_files(f, commit)) {
                return None;
            }
            if self.forcing_alone(cx, commit) {
                forcing.push(commit);
                None
            } else {
                Some(Some(commit))
            }
        };
        for commit in quiet_first {
            if let Some(settled) = probe(commit) {
                return settled;
            }
        }
        for commit in loud {
            if let Some(settled) = probe(commit) {
                return settled;
            }
        }
        None
    }

    /// The ids of the enabled forcing rules, in report order.
    fn forcing_ids(&self) -> Vec<&'static str> {
        let forcing = self.rules.iter().filter(|e| e.rule.forcing());
        forcing.map(|e| e.rule.id()).collect()
    }

    /// Whether a forcing rule reports `commit`, pushed alone, at `warn` or above.
    fn forcing_alone(&self, cx: &RuleContext<'_>, commit: &CommitChange) -> bool {
        let alone = ChangeSet {
            commits: vec![commit.clone()],
        };
        let view = RuleContext {
            changes: &alone,
            recent_deploys: Vec::new(),
            ..*cx
        };
        self.rules.iter().filter(|e| e.rule.forcing()).any(|e| {
            let mut emitter = Emitter {
                settings: e.settings,
                severity: e.severity,
                ref_name: cx.ref_name,
                out: Vec::new(),
            };
            e.rule.check(&view, &mut emitter);
            emitter.out.iter().any(|f| f.severity >= Severity::Warn)
        })
    }

    /// Whether `rule` reports commits made to force a deploy (its findings drop to `info`
    /// beside real changes).
    pub fn is_forcing(&self, rule: &str) -> bool {
        self.rules
            .iter()
            .any(|e| e.rule.id() == rule && e.rule.forcing())
    }
}

/// How to redeploy, without a commit, the targets this push deploys (at most three, each
/// once), for the hints of the rules that report commits made to force a deploy.
fn redeploy_here(targets: &[TargetStatus]) -> Option<String> {
    let mut ways: Vec<String> = Vec::new();
    for t in targets.iter().filter(|t| t.triggered) {
        let way = format!("{}: {}", t.target.label(), t.target.redeploy());
        if !ways.contains(&way) {
            ways.push(way);
        }
    }
    if ways.is_empty() {
        return None;
    }
    ways.truncate(3);
    Some(format!("Here: {}.", ways.join("; ")))
}

/// A deploy push of this many commits or more is settled first ([`Registry::real_commit`]):
/// on a long push (a first push to a new remote, a long pull request in CI) the forcing
/// rules' per-commit comparisons are most of the work, and beside one real commit all they
/// could find is `info`. Shorter pushes are judged commit by commit, so that the report
/// still names a forcing commit beside real ones.
pub const SETTLE_AFTER: usize = 48;

/// How many commits [`Registry::real_commit`] tries before the forcing rules read the
/// whole push.
const PROBES: usize = 3;

/// A deploy builds once per push: when the push carries a commit with real changes (one no
/// forcing rule reported at `warn` or above), the forcing commits beside it cost nothing
/// extra, so their findings (the indexes `forcing` of `findings`) drop to `info`.
///
/// `commits` are the push's commits, each with whether it changes any file.
pub fn lower_forcing_beside_real_changes(
    mut commits: impl Iterator<Item = (Oid, bool)>,
    findings: &mut [Finding],
    forcing: &[usize],
) {
    let flagged: Vec<Oid> = forcing
        .iter()
        .filter_map(|&i| findings.get(i))
        .filter(|f| f.severity >= Severity::Warn)
        .filter_map(|f| f.commit)
        .collect();
    let real = commits.any(|(id, changes_files)| changes_files && !flagged.contains(&id));
    if !real {
        return;
    }
    for &i in forcing {
        let Some(f) = findings.get_mut(i) else {
            continue;
        };
        if f.severity >= Severity::Warn {
            f.severity = Severity::Info;
            f.message = format!(
                "{}; the push deploys real changes anyway, so this commit costs no build of \
                 its own, only noise in the history",
                f.message
            )
            .into();
        }
    }
}

/// What a rule may look at while reading ahead.
pub struct AheadContext<'a> {
    pub repo: &'a Repository,
    pub cache: &'a PushCache,
    /// The rule's own configuration.
    pub settings: &'a RuleConfig,
    /// Whether the update deploys, as `check` will be told.
    pub deploys: bool,
}

/// What a rule may look at.
pub struct RuleContext<'a> {
    pub repo: &'a Repository,
    pub config: &'a Config,
    pub update: &'a RefUpdate,
    /// The remote ref's short name, escaped.
    pub ref_name: &'a str,
    /// Whether this update deploys.
    pub deploys: bool,
    pub changes: &'a ChangeSet,
    /// The deploy targets of the pushed commit, and whether this update triggers each.
    pub targets: &'a [TargetStatus],
    /// The branches a platform deploys by default (see `pipeline`).
    pub default_branches: &'a [String],
    /// Seconds since each of this clone's earlier deploy pushes to the same remote branch
    /// that landed on the remote, most recent first. Empty outside a hook at push time
    /// (`check` never uses this clone's state), which is how `frequent-deploys` applies
    /// only then.
    pub recent_deploys: Vec<i64>,
    /// A replayed history (`pushguard audit`): the commits are many pushes, so forcing
    /// findings are left at their severity for the replay to lower push by push.
    pub replay: bool,
    pub(crate) cache: &'a PushCache,
    pub(crate) rules: &'a Registry<'a>,
}

impl<'a> RuleContext<'a> {
    /// The content of a blob, read at most once per push and capped.
    pub fn content(&self, id: Oid) -> Rc<BlobContent> {
        self.cache.blob(self.repo, id)
    }

    /// Whether `file`'s new side is text that contains `needle`: a rule that reports only
    /// added lines holding `needle` asks this before reading the old side and diffing
    /// (see [`PushCache::contains`]).
    pub fn new_text_contains(&self, file: &FileChange, needle: &'static [u8]) -> bool {
        file.new
            .is_some_and(|new| self.cache.contains(self.repo, new.id, needle))
    }

    /// The Dockerfile in blob `id`, parsed once per push; `None` when it is not text within
    /// the cap or does not parse.
    pub fn dockerfile(&self, id: Oid) -> Option<Rc<Dockerfile>> {
        self.cache.dockerfile(self.repo, id)
    }

    /// The text of a changed file's old and new sides, when both (or the existing one) are
    /// text within the cap. A missing side (added/deleted file) is the empty string.
    pub fn texts(&self, file: &FileChange) -> Option<(Rc<BlobContent>, Rc<BlobContent>)> {
        self.cache.texts(self.repo, file)
    }

    /// The tree the push starts from: its first commit's first parent's (`None` for a push
    /// that starts a history, or an unreadable parent).
    pub fn base_tree(&self) -> Option<git2::Tree<'a>> {
        let first = self.changes.commits.first()?;
        let parent = *first.info.parents.first()?;
        self.repo.find_commit(parent).ok()?.tree().ok()
    }

    /// Whether an enabled rule other than `me` reports `claim` itself.
    pub fn claimed_by_other(&self, me: &str, claim: &Claim<'_>) -> bool {
        self.rules.claimed_by_other(me, claim)
    }
}

/// What pushguard reads and works out once per push: each blob read once, each Dockerfile
/// parsed once, and whatever each rule memoises ([`PushCache::memo`]).
#[derive(Default)]
pub struct PushCache {
    cache: RefCell<BlobCache>,
    /// Parsed Dockerfiles by blob: several rules look at each pushed Dockerfile.
    dockerfiles: RefCell<FastMap<Oid, Option<Rc<Dockerfile>>>>,
    /// One value per memo type, made on first use.
    memos: RefCell<FastMap<TypeId, Rc<dyn Any>>>,
    /// The `git cat-file` reader for pushes that read many blobs.
    batch: RefCell<Batch>,
    /// [`PushCache::contains`]'s answers.
    found: RefCell<FastMap<(Oid, &'static [u8]), bool>>,
    /// The size of every blob whose header was read, kept after its contents are dropped:
    /// a rule that only needs sizes reads no header twice.
    sizes: RefCell<FastMap<Oid, u64>>,
}

/// Whether the push reads through a [`BatchReader`]: not before [`BATCH_AFTER`] blobs were
/// asked for in bulk (a push without many large files never starts a process for it), and
/// never again once it broke.
enum Batch {
    Unused { asked: usize },
    Running(BatchReader),
    Broken,
}

impl Default for Batch {
    fn default() -> Batch {
        Batch::Unused { asked: 0 }
    }
}

/// Blobs asked for in bulk ([`PushCache::read_all`]) before a push starts reading through
/// `git cat-file`: below this, starting it costs more than it saves.
const BATCH_AFTER: usize = 16;

/// Shows only how much is held: the contents are the repository's.
impl std::fmt::Debug for PushCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushCache")
            .field("blobs", &self.cache.borrow().map.len())
            .finish_non_exhaustive()
    }
}

/// What [`PushCache::for_history`] holds beyond a push's cache.
const HISTORY_EXTRA_BYTES: usize = 12 * 1024 * 1024;

impl PushCache {
    /// The cache for a replayed history (`pushguard audit`), which judges every commit's
    /// forcing edits: they read each modified file's old side, which is the new side of an
    /// older commit the listing gives later (newest first), and is read again unless still
    /// held. Not a hook, so it holds more ([`HISTORY_EXTRA_BYTES`] beyond a push's cache):
    /// on a real 1,263-commit history that spares about a tenth of the time.
    pub fn for_history() -> PushCache {
        let cache = PushCache::default();
        cache.cache.borrow_mut().extra = HISTORY_EXTRA_BYTES;
        cache
    }

    /// Called as the read-ahead moves to the next commit: what the earlier commits read
    /// is kept only up to [`KEPT_BETWEEN_COMMITS`].
    fn next_commit(&self) {
        let mut cache = self.cache.borrow_mut();
        let keep = KEPT_BETWEEN_COMMITS + cache.extra;
        cache.trim(keep);
    }

    /// The content of blob `id`, read at most once per push and capped.
    pub fn blob(&self, repo: &Repository, id: Oid) -> Rc<BlobContent> {
        self.blob_upto(repo, id, MAX_BLOB_BYTES)
    }

    /// [`PushCache::blob`] with a lower cap: a blob over `cap` (by its header) is
    /// [`BlobContent::TooLarge`] and not read, which is not remembered when `cap` is below
    /// the content cap; a blob within it is read and cached as `blob` would.
    pub fn blob_upto(&self, repo: &Repository, id: Oid, cap: u64) -> Rc<BlobContent> {
        if let Some(hit) = self.cache.borrow().map.get(&id) {
            return Rc::clone(hit);
        }
        let (size, content) = read_blob_sized(repo, id, cap.min(MAX_BLOB_BYTES));
        if let Some(size) = size {
            self.sizes.borrow_mut().insert(id, size);
        }
        let content = Rc::new(content);
        if cap >= MAX_BLOB_BYTES || !matches!(*content, BlobContent::TooLarge(_)) {
            self.cache.borrow_mut().insert(id, Rc::clone(&content));
        }
        content
    }

    /// The size of blob `id` by its header, read once per push; `None` when it cannot be
    /// read.
    pub fn size(&self, repo: &Repository, id: Oid) -> Option<u64> {
        if let Some(&size) = self.sizes.borrow().get(&id) {
            return Some(size);
        }
        let (size, _) = repo.odb().ok()?.read_header(id).ok()?;
        let size = size as u64;
        self.sizes.borrow_mut().insert(id, size);
        Some(size)
    }

    /// Whether blob `id` is text that contains `needle`, remembered per blob and needle: a
    /// rule asks it in its read-ahead, while the blob is still cached, and again in its
    /// check, which then reads nothing.
    pub fn contains(&self, repo: &Repository, id: Oid, needle: &'static [u8]) -> bool {
        if let Some(&known) = self.found.borrow().get(&(id, needle)) {
            return known;
        }
        let found = matches!(&*self.blob(repo, id),
            BlobContent::Text(text) if memchr::memmem::find(text.as_bytes(), needle).is_some());
        self.found.borrow_mut().insert((id, needle), found);
        found
    }

    /// Calls `each` with the bytes of every blob of `ids` in order (or `None` for one that
    /// cannot be read), bypassing the cache. With [`BATCH_AFTER`] ids or more the reads go
    /// through one `git cat-file` ([`BatchReader`]), whose delta cache makes reading the
    /// versions of one file in a row cheap where libgit2 re-inflates each version's delta
    /// chain; callers that read many versions of large files group them by path first.
    pub fn read_all(&self, repo: &Repository, ids: &[Oid], each: impl FnMut(Oid, Option<&[u8]>)) {
        self.read_each(repo, ids, true, each);
    }

    /// Calls `f` with the bytes of blob `id`, however large (the caller has checked its
    /// size); through the push's `git cat-file` when it has one. `None` when it cannot be
    /// read.
    pub fn with_bytes<R>(
        &self,
        repo: &Repository,
        id: Oid,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Option<R> {
        let (mut f, mut out) = (Some(f), None);
        self.read_each(repo, &[id], false, |_, bytes| {
            if let (Some(bytes), Some(f)) = (bytes, f.take()) {
                out = Some(f(bytes));
            }
        });
        out
    }

    /// [`PushCache::read_all`]'s reading: through the push's `git cat-file` when it has
    /// one (starting it, when `may_start`, once enough blobs were asked for), and what
    /// git did not give (missing, or after its replies broke) through libgit2, which says
    /// why it cannot read a blob.
    fn read_each(
        &self,
        repo: &Repository,
        ids: &[Oid],
        may_start: bool,
        mut each: impl FnMut(Oid, Option<&[u8]>),
    ) {
        let (mut given, mut rest) = (0, Vec::new());
        {
            let mut batch = self.batch.borrow_mut();
            if let (Batch::Unused { asked }, true) = (&mut *batch, may_start) {
                *asked += ids.len();
                if *asked >= BATCH_AFTER {
                    *batch = BatchReader::spawn(repo).map_or(Batch::Broken, Batch::Running);
                }
            }
            if let Batch::Running(reader) = &mut *batch {
                let read = reader.read(ids, |id, got| {
                    given += 1;
                    match got {
                        Batched::Bytes(bytes) => each(id, Some(bytes)),
                        Batched::Missing => rest.push(id),
                    }
                });
                if read.is_err() {
                    *batch = Batch::Broken;
                }
            }
        }
        rest.extend_from_slice(ids.get(given..).unwrap_or_default());
        for id in rest {
            let blob = repo.find_blob(id).ok();
            each(id, blob.as_ref().map(git2::Blob::content));
        }
    }

    /// See [`RuleContext::texts`].
    pub fn texts(
        &self,
        repo: &Repository,
        file: &FileChange,
    ) -> Option<(Rc<BlobContent>, Rc<BlobContent>)> {
        let side = |b: Option<crate::git::changes::Blob>| match b {
            Some(b) => self.blob(repo, b.id),
            None => Rc::new(BlobContent::Text(String::new())),
        };
        let (old, new) = (side(file.old), side(file.new));
        match (&*old, &*new) {
            (BlobContent::Text(_), BlobContent::Text(_)) => Some((old, new)),
            _ => None,
        }
    }

    /// The Dockerfile in blob `id`, parsed once per push; `None` when it is not text within
    /// the cap or does not parse.
    pub fn dockerfile(&self, repo: &Repository, id: Oid) -> Option<Rc<Dockerfile>> {
        if let Some(hit) = self.dockerfiles.borrow().get(&id) {
            return hit.clone();
        }
        let parsed = match &*self.blob(repo, id) {
            BlobContent::Text(text) => crate::docker::dockerfile::parse(text).ok().map(Rc::new),
            _ => None,
        };
        self.dockerfiles.borrow_mut().insert(id, parsed.clone());
        parsed
    }

    /// The push's one value of type `T`, made by `T::default()` on first use. A rule keeps
    /// what it remembers across commits (and between its read-ahead and its check) in a
    /// memo type of its own, with interior mutability; the cache names no rule.
    pub fn memo<T: Default + 'static>(&self) -> Rc<T> {
        let key = TypeId::of::<T>();
        if let Some(hit) = self.memos.borrow().get(&key) {
            if let Ok(memo) = Rc::clone(hit).downcast::<T>() {
                return memo;
            }
        }
        let memo = Rc::new(T::default());
        self.memos
            .borrow_mut()
            .insert(key, Rc::clone(&memo) as Rc<dyn Any>);
        memo
    }
}

/// The blobs read most recently, at most [`MAX_CACHED_BYTES`] of content, the oldest
/// dropped first.
///
/// The rules read a commit's blobs while `git log` lists it (the read-ahead), several rules
/// the same blobs, and the checks after the listing go back to a few of them; what they
/// work out from the content is memoised per rule ([`PushCache::memo`]), so content needs
/// to outlive its commit only briefly. Bounding it by bytes, not by count or push, keeps a
/// push's memory flat however many commits and files it carries; a blob dropped and asked
/// for again is read again.
#[derive(Default)]
struct BlobCache {
    map: FastMap<Oid, Rc<BlobContent>>,
    /// Insertion order, with each entry's counted size.
    order: std::collections::VecDeque<(Oid, usize)>,
    bytes: usize,
    /// Held beyond [`MAX_CACHED_BYTES`] (see [`PushCache::for_history`]).
    extra: usize,
}

impl BlobCache {
    fn insert(&mut self, id: Oid, content: Rc<BlobContent>) {
        let size = match &*content {
            BlobContent::Text(text) => text.len().max(ENTRY_BYTES),
            _ => ENTRY_BYTES,
        };
        if self.map.insert(id, content).is_none() {
            self.order.push_back((id, size));
            self.bytes += size;
        }
        self.trim(MAX_CACHED_BYTES + self.extra);
    }

    /// Drops the oldest entries until at most `bytes` of content are held.
    fn trim(&mut self, bytes: usize) {
        while self.bytes > bytes {
            let Some((old, size)) = self.order.pop_front() else {
                break;
            };
            self.map.remove(&old);
            self.bytes -= size;
        }
    }
}

/// Collects a rule's findings, filling in what its configuration says.
pub struct Emitter<'a> {
    settings: &'a RuleConfig,
    severity: Severity,
    ref_name: &'a str,
    out: Vec<Finding>,
}

impl<'a> Emitter<'a> {
    /// The rule's configuration (for its options).
    pub fn settings(&self) -> &'a RuleConfig {
        self.settings
    }

    /// Starts a finding at the rule's configured severity.
    pub fn finding(&mut self, commit: &CommitChange, message: String) -> FindingBuilder<'_, 'a> {
        FindingBuilder {
            emitter: self,
            severity: None,
            finding: Finding {
                rule: String::new(),
                severity: Severity::Info,
                ref_name: String::new(),
                commit: Some(commit.info.id),
                path: None,
                line: None,
                message: message.into(),
                fact: Escaped::default(),
                hint: Escaped::default(),
            },
        }
    }
}

impl Emitter<'_> {
    /// The one finding of a forcing rule on a push settled by `real`
    /// ([`Registry::real_commit`]): what it did not look at, and why that changes nothing.
    fn settled_note(&mut self, cx: &RuleContext<'_>, real: &CommitChange, rules: &[&str]) {
        let others = cx.changes.commits.len() - 1;
        let rules = match rules {
            [one] => (*one).to_owned(),
            [first @ .., last] => format!("{} and {last}", first.join(", ")),
            [] => return,
        };
        let message = format!(
            "{rules} not run on the other {others} commits of this push: commit {} {} changes files \
             for real, so the push builds and deploys anyway, and a commit among them made \
             only to force a deploy would cost no build of its own",
            real.info.short_id(),
            quoted_summary(real),
        );
        self.out.push(Finding {
            rule: self.settings.id.clone(),
            severity: Severity::Info,
            ref_name: self.ref_name.to_owned(),
            commit: None,
            path: None,
            line: None,
            message: message.into(),
            fact: "a deploy builds once per push, from the pushed commit; beside one real \
                   commit, what these rules find in the others is only noise in the history"
                .into(),
            hint: "to judge one commit of the push on its own: `pushguard check <commit>^!`".into(),
        });
    }
}

/// A finding being built; pushed when [`FindingBuilder::emit`] is called.
pub struct FindingBuilder<'e, 'a> {
    emitter: &'e mut Emitter<'a>,
    /// Set when the rule overrides the configured severity.
    severity: Option<Severity>,
    finding: Finding,
}

impl FindingBuilder<'_, '_> {
    pub fn path(mut self, path: &FileChange) -> Self {
        self.finding.path = Some(path.display_path().into());
        self
    }
    pub fn line(mut self, line: u32) -> Self {
        self.finding.line = Some(line);
        self
    }
    /// Places the finding at a file that is not one of the push's changes (a workflow, a
    /// platform config), and a line of it when known.
    pub fn at(mut self, path: &str, line: Option<u32>) -> Self {
        self.finding.path = Some(Escaped::new(path));
        self.finding.line = line;
        self
    }
    /// Overrides the configured severity (for rules whose severity depends on what they
    /// found, e.g. `block` in manifests). A rule configured `off` never runs, so this
    /// cannot revive it.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }
    /// Replaces the configured fact with a more specific one.
    pub fn fact(mut self, fact: String) -> Self {
        self.finding.fact = fact.into();
        self
    }
    pub fn emit(self) {
        let mut f = self.finding;
        let e = self.emitter;
        let severity = self.severity;
        f.rule = e.settings.id.clone();
        f.ref_name = e.ref_name.to_owned();
        f.severity = severity.unwrap_or(e.severity);
        if f.fact.is_empty() {
            f.fact = Escaped::new(e.settings.fact());
        }
        f.hint = Escaped::new(e.settings.hint());
        e.out.push(f);
    }
}

/// Whether `file`'s path matches the rule's `globs` option (false when it has none).
pub(crate) fn in_globs(settings: &RuleConfig, file: &FileChange) -> bool {
    settings
        .globs_option("globs")
        .is_some_and(|g| g.is_match(&file.path))
}

/// Quotes a commit's summary for a message, escaped and shortened.
pub fn quoted_summary(commit: &CommitChange) -> String {
    let summary = commit.info.summary();
    let mut s: String = summary.chars().take(60).collect();
    if summary.chars().count() > 60 {
        s.push('…');
    }
    format!("\"{}\"", escape(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A blob's size is remembered from the header its read took, whether its contents
    /// were kept or not, and read from the header for a blob never read.
    #[test]
    fn blob_sizes_come_from_one_header_read() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let small = repo.blob(b"x = 1\n").unwrap();
        let large = repo.blob(&[b'a'; 5000]).unwrap();
        let never = repo.blob(b"0123456789").unwrap();
        let cache = PushCache::default();
        assert!(matches!(
            *cache.blob_upto(&repo, small, 64),
            BlobContent::Text(_)
        ));
        assert!(matches!(
            *cache.blob_upto(&repo, large, 64),
            BlobContent::TooLarge(5000)
        ));
        assert_eq!(cache.sizes.borrow().len(), 2);
        assert_eq!(cache.size(&repo, small), Some(6));
        assert_eq!(cache.size(&repo, large), Some(5000));
        assert_eq!(cache.size(&repo, never), Some(10));
        let missing = Oid::from_str("1234567890123456789012345678901234567890").unwrap();
        assert_eq!(cache.size(&repo, missing), None);
    }
}
