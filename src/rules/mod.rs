//! Content rules: each looks at one ref update's change set and reports findings.
//!
//! A rule is a small type implementing [`Rule`], with its id next to it; its default
//! severity, the fact it relies on and its fix hint live in the embedded default config
//! (`src/default.toml`, `[rules.<id>]`), where users can override them. Rules read file
//! contents only through [`RuleContext::content`], which reads a blob at most once per
//! push and never more than [`MAX_BLOB_BYTES`] of it.

use std::cell::RefCell;
use std::rc::Rc;

use git2::{Oid, Repository};

use crate::build::verdict::Verdict;
use crate::config::{Config, RuleConfig};
use crate::docker::dockerfile::Dockerfile;
use crate::escape::escape;
use crate::finding::Finding;
use crate::git::changes::{read_blob, BlobContent, ChangeSet, CommitChange, FileChange};
use crate::git::push::RefUpdate;
use crate::hash::{FastMap, FastSet};
use crate::severity::Severity;

mod cache_bust_arg;
mod cache_mount_no_id;
mod context_bloat;
mod docker_context;
mod dockerfile_comment_only;
mod dummy_source_edit;
mod empty_commit;
mod frequent_deploys;
mod manifest_comment_only;
mod no_cache_deploy;
mod secret_in_image;
pub mod text;
mod timestamp_edit;
mod trigger_file;

/// Blobs larger than this are judged by size only (from the object header), never read.
pub const MAX_BLOB_BYTES: u64 = 1024 * 1024;

/// A content rule.
pub trait Rule {
    /// The stable id, as used in `[rules.<id>]`, `PUSHGUARD_SKIP` and trailers.
    fn id(&self) -> &'static str;
    /// Reports findings for one ref update. `emit` fills in the severity, fact and hint
    /// from the rule's configuration.
    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>);
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
    ]
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
    pub verdict: Option<&'a Verdict>,
    /// True when run by a hook at push time (stateful rules such as `frequent-deploys` only
    /// apply then, not to `check`).
    pub at_push_time: bool,
    /// Seconds since this clone's previous deploy push to the same remote branch, when one
    /// is recorded (push time only).
    pub last_deploy_secs_ago: Option<i64>,
    pub(crate) blobs: &'a BlobCache,
}

impl RuleContext<'_> {
    /// The content of a blob, read at most once per push and capped.
    pub fn content(&self, id: Oid) -> Rc<BlobContent> {
        self.blobs.get(self.repo, id)
    }

    /// The content of `path` (repository-relative, `/`-separated) in the tree of `commit`,
    /// e.g. the `.dockerignore` beside a pushed Dockerfile. `None` when there is no such
    /// file (or it is a directory or submodule).
    pub fn file_at(&self, commit: Oid, path: &str) -> Option<Rc<BlobContent>> {
        let tree = self.repo.find_commit(commit).ok()?.tree().ok()?;
        let entry = tree.get_path(std::path::Path::new(path)).ok()?;
        (entry.kind() == Some(git2::ObjectType::Blob)).then(|| self.content(entry.id()))
    }

    /// The Dockerfile in blob `id`, parsed once per push; `None` when it is not text within
    /// the cap or does not parse.
    pub fn dockerfile(&self, id: Oid) -> Option<Rc<Dockerfile>> {
        if let Some(hit) = self.blobs.dockerfiles.borrow().get(&id) {
            return hit.clone();
        }
        let parsed = match &*self.content(id) {
            BlobContent::Text(text) => crate::docker::dockerfile::parse(text).ok().map(Rc::new),
            _ => None,
        };
        self.blobs
            .dockerfiles
            .borrow_mut()
            .insert(id, parsed.clone());
        parsed
    }

    /// The text of a changed file's old and new sides, when both (or the existing one) are
    /// text within the cap. A missing side (added/deleted file) is the empty string.
    pub fn texts(&self, file: &FileChange) -> Option<(Rc<BlobContent>, Rc<BlobContent>)> {
        self.blobs.texts(self.repo, file)
    }
}

/// Reads each blob once per push, and remembers per-file judgements several rules share.
#[derive(Default)]
pub struct BlobCache {
    cache: RefCell<FastMap<Oid, Rc<BlobContent>>>,
    /// `timestamp_edit::classify` by (old blob, new blob, path).
    edits: RefCell<EditCache>,
    /// Whether a blob holds a line `secret-in-image` could report, by (blob, code style).
    secret_candidates: RefCell<FastMap<(Oid, bool), bool>>,
    /// Commits none of whose files holds such a line, found by the read-ahead:
    /// `secret-in-image` then looks only at their Dockerfiles.
    secret_free: RefCell<FastSet<Oid>>,
    /// Commits the read-ahead found changing no Dockerfile (by
    /// [`docker_context::is_dockerfile_change`]): the Dockerfile rules skip them.
    no_dockerfile: RefCell<FastSet<Oid>>,
    /// Commits the read-ahead found changing no CI workflow or build script (by
    /// `no-cache-deploy`'s globs): that rule skips them.
    no_build_files: RefCell<FastSet<Oid>>,
    /// Parsed Dockerfiles by blob: four rules look at each pushed Dockerfile.
    dockerfiles: RefCell<FastMap<Oid, Option<Rc<Dockerfile>>>>,
}

type EditCache = FastMap<(Option<Oid>, Option<Oid>, Vec<u8>), Rc<timestamp_edit::Edit>>;

/// Shows only how much is held: the contents are the repository's.
impl std::fmt::Debug for BlobCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobCache")
            .field("blobs", &self.cache.borrow().len())
            .finish_non_exhaustive()
    }
}

impl BlobCache {
    fn get(&self, repo: &Repository, id: Oid) -> Rc<BlobContent> {
        if let Some(hit) = self.cache.borrow().get(&id) {
            return Rc::clone(hit);
        }
        let content = Rc::new(read_blob(repo, id, MAX_BLOB_BYTES));
        self.cache.borrow_mut().insert(id, Rc::clone(&content));
        content
    }

    /// See [`RuleContext::texts`].
    fn texts(
        &self,
        repo: &Repository,
        file: &FileChange,
    ) -> Option<(Rc<BlobContent>, Rc<BlobContent>)> {
        let side = |b: Option<crate::git::changes::Blob>| match b {
            Some(b) => self.get(repo, b.id),
            None => Rc::new(BlobContent::Text(String::new())),
        };
        let (old, new) = (side(file.old), side(file.new));
        match (&*old, &*new) {
            (BlobContent::Text(_), BlobContent::Text(_)) => Some((old, new)),
            _ => None,
        }
    }
}

/// A rule's settings and severity, unless it is missing or configured `off`.
fn enabled<'c>(config: &'c Config, id: &str) -> Option<(&'c RuleConfig, Severity)> {
    let settings = config.rule(id)?;
    Some((settings, settings.severity?))
}

/// Reads the blobs the enabled content rules will read into a [`BlobCache`], and works out
/// the per-file judgements they will ask for, ahead of the rules. The pipeline hands it each
/// commit as the change set is being listed, so on a long push this work overlaps with
/// `git log` diffing the rest of the range on the other core (see
/// [`ChangeSet::of_range`]). It does nothing a rule would not do anyway.
///
/// Which rules are enabled is looked up once per ref update, not per commit.
pub struct ReadAhead<'c> {
    secrets: bool,
    build_files: Option<&'c RuleConfig>,
    stamps: Option<&'c RuleConfig>,
}

impl<'c> ReadAhead<'c> {
    /// `deploys` is whether the update deploys, as the rules will be told.
    pub fn new(config: &'c Config, deploys: bool) -> ReadAhead<'c> {
        let settings = |id: &str| enabled(config, id).map(|(settings, _)| settings);
        ReadAhead {
            secrets: settings(secret_in_image::SecretInImage.id()).is_some(),
            build_files: settings(no_cache_deploy::NoCacheDeploy.id()),
            stamps: settings(timestamp_edit::TimestampEdit.id()).filter(|_| deploys),
        }
    }

    /// Reads ahead for one commit of the update.
    pub fn commit(&self, repo: &Repository, blobs: &BlobCache, commit: &CommitChange) {
        if self.secrets {
            secret_in_image::read_ahead(repo, blobs, commit);
        }
        docker_context::read_ahead(blobs, commit);
        if let Some(settings) = self.build_files {
            no_cache_deploy::read_ahead(blobs, settings, commit);
        }
        if let Some(settings) = self.stamps {
            timestamp_edit::read_ahead(repo, blobs, settings, commit);
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
                message,
                fact: String::new(),
                hint: String::new(),
            },
        }
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
        self.finding.path = Some(path.display_path());
        self
    }
    pub fn line(mut self, line: u32) -> Self {
        self.finding.line = Some(line);
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
        self.finding.fact = fact;
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
            f.fact = e.settings.fact.clone();
        }
        f.hint = e.settings.hint.clone();
        e.out.push(f);
    }
}

/// Runs every enabled rule on one ref update.
pub fn run(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in all() {
        let Some((settings, severity)) = enabled(cx.config, rule.id()) else {
            continue;
        };
        let mut emitter = Emitter {
            settings,
            severity,
            ref_name: cx.ref_name,
            out: Vec::new(),
        };
        rule.check(cx, &mut emitter);
        findings.extend(emitter.out);
    }
    findings
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
