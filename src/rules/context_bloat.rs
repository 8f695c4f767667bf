//! `context-bloat`: files added by the push that would enter a Docker build context
//! (`.dockerignore` does not exclude them) and are either large (`max_bytes`) or obvious
//! junk (`junk_globs`: `node_modules/`, virtualenvs, caches, logs, ...).
//!
//! Only the state at the pushed tip matters, since that is what gets built: a file added and
//! deleted again within the push is not reported, sizes are those of the tip's version, and
//! the tip's `.dockerignore` decides. Sizes come from object headers, so no large blob is
//! read. Findings are per commit, aggregated: a `node_modules/` commit is one finding with
//! a file count and total size, and the `.dockerignore` lines that would fix it.

use std::collections::HashSet;

use git2::Oid;

use crate::build::context;
use crate::escape::escape;
use crate::git::changes::{ChangeKind, CommitChange, EntryKind, FileChange};
use crate::globs::Globs;

use super::{quoted_summary, Emitter, Rule, RuleContext};

/// The rule's id, as in `[rules.context-bloat]`.
pub const ID: &str = "context-bloat";

pub struct ContextBloat;

/// `max_bytes` when the option is missing or negative.
const DEFAULT_MAX_BYTES: u64 = 5 * 1024 * 1024;

/// The fact behind a finding about a file that .dockerignore excludes: no layer changes,
/// yet the push deploys.
pub(super) const NOT_IN_CONTEXT_FACT: &str = "Files excluded by .dockerignore never reach the \
builder, so this commit changes no layer; but every push to a deploy branch still starts a \
build and a release that replaces the running machines with the same image.";

pub(super) use crate::build::context::Placement;

/// The build contexts of one pushed tree and the `.dockerignore` in effect for each: the
/// app model's answer ([`crate::build::context`]), for the rules. A wrapper rather than the
/// build type itself so that rules build it from their [`RuleContext`]: `build/` knows
/// nothing of rules.
pub(super) struct Contexts<'a>(context::Contexts<'a>);

impl<'a> Contexts<'a> {
    /// The contexts of `commit`'s tree; `None` when the tree cannot be read.
    pub fn new(cx: &RuleContext<'a>, commit: Oid) -> Option<Contexts<'a>> {
        context::Contexts::of_commit(cx.repo, cx.config, commit).map(Contexts)
    }

    /// The object id of the blob at `path` in this tree, if there is one.
    pub fn blob_at(&mut self, path: &str) -> Option<Oid> {
        self.0.blob_at(path)
    }

    /// Whether `path` (repository-relative) is sent to the builder of its context.
    pub fn placement(&mut self, path: &str) -> Placement {
        self.0.placement(path)
    }
}

/// `path` relative to the context directory `dir`.
fn relative<'p>(path: &'p str, dir: &str) -> &'p str {
    context::relative(path, dir).unwrap_or(path)
}

/// A name no junk glob is meant to match, for probing which directory or extension made a
/// path junk.
const PROBE: &str = "pushguard-probe";

/// The `.dockerignore` line that excludes a junk file and its siblings: the outermost
/// junk directory above it (`node_modules`, `**/__pycache__`), else its extension
/// (`**/*.log`) or name (`**/.DS_Store`), else the file itself. `path` is
/// repository-relative and `rel` relative to its context.
fn junk_pattern(junk: &Globs, path: &str, rel: &str) -> String {
    let context_len = path.len().saturating_sub(rel.len());
    let components: Vec<&str> = rel.split('/').collect();
    let dirs = components.len().saturating_sub(1);
    for depth in 1..=dirs {
        let rel_dir = components.get(..depth).unwrap_or(&[]).join("/");
        let repo_dir = format!("{}{rel_dir}", path.get(..context_len).unwrap_or(""));
        if junk.is_match(format!("{repo_dir}/{PROBE}")) {
            let name = components.get(depth - 1).copied().unwrap_or("");
            return if depth == 1 {
                literal(name)
            } else {
                format!("**/{}", literal(name))
            };
        }
    }
    let name = components.last().copied().unwrap_or(rel);
    if let Some((_, ext)) = name.rsplit_once('.').filter(|(stem, _)| !stem.is_empty()) {
        if junk.is_match(format!("{PROBE}/{PROBE}.{ext}")) {
            return format!("**/*.{}", literal(ext));
        }
    }
    if junk.is_match(format!("{PROBE}/{name}")) {
        return format!("**/{}", literal(name));
    }
    literal(rel)
}

/// `text` as a `.dockerignore` pattern matching exactly itself: glob metacharacters and a
/// leading `#` or `!` are escaped with `\`.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') || (i == 0 && matches!(c, '#' | '!')) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Files of one commit that one `.dockerignore` line would exclude.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    ignore_file: String,
    pattern: String,
    files: usize,
    bytes: u64,
    example: String,
    over_limit: bool,
}

/// `1.5 MiB`-style sizes.
pub(super) fn human_size(bytes: u64) -> String {
    const UNITS: &[&str] = &["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS.get(unit).copied().unwrap_or("TiB"))
}

/// How many groups a message lists by name.
const MAX_LISTED: usize = 5;

fn message(commit: &CommitChange, groups: &[Group], max: u64) -> String {
    let files: usize = groups.iter().map(|g| g.files).sum();
    let bytes: u64 = groups.iter().map(|g| g.bytes).sum();
    let mut items: Vec<String> = groups
        .iter()
        .take(MAX_LISTED)
        .map(|g| {
            let limit = if g.over_limit {
                format!(", over the {} limit", human_size(max))
            } else {
                String::new()
            };
            if g.files == 1 {
                format!("{} ({}{limit})", escape(&g.example), human_size(g.bytes))
            } else {
                format!(
                    "`{}` ({} files, {}{limit})",
                    escape(&g.pattern),
                    g.files,
                    human_size(g.bytes)
                )
            }
        })
        .collect();
    if groups.len() > MAX_LISTED {
        items.push(format!("and {} more", groups.len() - MAX_LISTED));
    }
    let mut fixes: Vec<(String, Vec<String>)> = Vec::new();
    for g in groups {
        let line = format!("`{}`", escape(&g.pattern));
        match fixes.iter_mut().find(|(file, _)| *file == g.ignore_file) {
            Some((_, lines)) if !lines.contains(&line) => lines.push(line),
            Some(_) => {}
            None => fixes.push((g.ignore_file.clone(), vec![line])),
        }
    }
    let fixes: Vec<String> = fixes
        .iter()
        .map(|(file, lines)| format!("add to {}: {}", escape(file), lines.join(", ")))
        .collect();
    format!(
        "commit {} {} adds {files} file{} ({}) to the build context (uploaded to the \
         builder, checksummed by `COPY . .`): {}; {}",
        commit.info.short_id(),
        quoted_summary(commit),
        if files == 1 { "" } else { "s" },
        human_size(bytes),
        items.join(", "),
        fixes.join("; ")
    )
}

impl Rule for ContextBloat {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        let settings = emit.settings();
        let max = settings
            .int_option("max_bytes")
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(DEFAULT_MAX_BYTES);
        let junk = settings.globs_option("junk_globs");
        let tip = cx
            .update
            .commit
            .or_else(|| cx.changes.commits.last().map(|c| c.info.id));
        let Some(mut contexts) = tip.and_then(|tip| Contexts::new(cx, tip)) else {
            return;
        };
        let mut seen: HashSet<&[u8]> = HashSet::new();
        for commit in &cx.changes.commits {
            let mut groups: Vec<Group> = Vec::new();
            let mut first: Option<&FileChange> = None;
            for file in commit.files() {
                let Some(new) = file.new else { continue };
                if file.kind != ChangeKind::Added || new.kind == EntryKind::Submodule {
                    continue;
                }
                if !seen.insert(&file.path) {
                    continue;
                }
                // Cheap tests first: most added files are neither junk nor large, and need
                // no tree lookup.
                let is_junk = junk.is_some_and(|g| g.is_match(&file.path));
                let size_of = |id: Oid| cx.cache.size(cx.repo, id).unwrap_or(0);
                if !is_junk && size_of(new.id) <= max {
                    continue;
                }
                let path = String::from_utf8_lossy(&file.path);
                let Some(at_tip) = contexts.blob_at(&path) else {
                    continue;
                };
                let size = size_of(at_tip);
                let over_limit = size > max;
                if !is_junk && !over_limit {
                    continue;
                }
                let Placement::Sent {
                    context,
                    ignore_file,
                } = contexts.placement(&path)
                else {
                    continue;
                };
                let rel = relative(&path, &context);
                let pattern = match junk {
                    Some(g) if is_junk => junk_pattern(g, &path, rel),
                    _ => literal(rel),
                };
                first.get_or_insert(file);
                match groups
                    .iter_mut()
                    .find(|g| g.pattern == pattern && g.ignore_file == ignore_file)
                {
                    Some(g) => {
                        g.files += 1;
                        g.bytes = g.bytes.saturating_add(size);
                        g.over_limit |= over_limit;
                    }
                    None => groups.push(Group {
                        ignore_file,
                        pattern,
                        files: 1,
                        bytes: size,
                        example: path.into_owned(),
                        over_limit,
                    }),
                }
            }
            if let Some(file) = first {
                let msg = message(commit, &groups, max);
                emit.finding(commit, msg).path(file).emit();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::context::parent;
    use crate::docker::dockerignore::DockerIgnore;
    use crate::paths::join;

    fn globs(patterns: &[&str]) -> Globs {
        Globs::new(patterns).unwrap()
    }

    #[test]
    fn junk_patterns_name_the_outermost_junk() {
        let junk = globs(&[
            "**/node_modules/**",
            "**/__pycache__/**",
            "**/*.log",
            "**/.DS_Store",
            "**/.venv/**",
        ]);
        assert_eq!(
            junk_pattern(
                &junk,
                "node_modules/a/b/index.js",
                "node_modules/a/b/index.js"
            ),
            "node_modules"
        );
        assert_eq!(
            junk_pattern(&junk, "web/node_modules/a/x.js", "web/node_modules/a/x.js"),
            "**/node_modules"
        );
        // Relative to a context in `api/`.
        assert_eq!(
            junk_pattern(&junk, "api/.venv/lib/x.py", ".venv/lib/x.py"),
            ".venv"
        );
        assert_eq!(
            junk_pattern(&junk, "app/__pycache__/m.pyc", "app/__pycache__/m.pyc"),
            "**/__pycache__"
        );
        assert_eq!(
            junk_pattern(&junk, "logs/app.log", "logs/app.log"),
            "**/*.log"
        );
        assert_eq!(
            junk_pattern(&junk, "a/.DS_Store", "a/.DS_Store"),
            "**/.DS_Store"
        );
        assert_eq!(junk_pattern(&junk, "x[1].bin", "x[1].bin"), "x\\[1\\].bin");
    }

    #[test]
    fn literal_patterns_escape_metacharacters() {
        assert_eq!(literal("data/big.csv"), "data/big.csv");
        assert_eq!(literal("#notes"), "\\#notes");
        assert_eq!(literal("!x*"), "\\!x\\*");
        let rules = DockerIgnore::parse(&format!("{}\n", literal("a[b]*.bin"))).unwrap();
        assert!(rules.is_excluded("a[b]*.bin"));
        assert!(!rules.is_excluded("ab.bin"));
    }

    #[test]
    fn paths_relative_to_contexts() {
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("c"), "");
        assert_eq!(relative("api/x/y", "api"), "x/y");
        assert_eq!(relative("apix/y", "api"), "apix/y");
        assert_eq!(relative("x", ""), "x");
        assert_eq!(join("", ".dockerignore"), ".dockerignore");
        assert_eq!(join("api", ".dockerignore"), "api/.dockerignore");
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(human_size(u64::MAX), "16777216.0 TiB");
    }
}
