//! `cache-bust-arg`: an `ARG` named like a cache buster (`CACHEBUST`, `BUILD_DATE`, …) added
//! or given a new default, or a `RUN` that starts using one (`RUN echo $CACHEBUST`).
//!
//! The cost is computed from the ARG's scope, as BuildKit applies it: a stage `ARG` is seen
//! by every later `RUN` of its stage (as an environment variable, so each misses the cache
//! when the value changes, whether it mentions the variable or not); a global `ARG` (before
//! the first `FROM`) is seen only by `FROM` lines and by stages that re-declare it. The
//! finding names how many `RUN` steps re-run and the heaviest of them. An ARG that only
//! reaches light steps (after the dependency installs) is where the hint says to put one, so
//! it is reported at `info` only.

use std::collections::HashSet;

use crate::config::RuleConfig;
use crate::docker::dockerfile::{Dockerfile, Instruction};
use crate::escape::escape;
use crate::git::changes::{new_lines, BlobContent, CommitChange, FileChange};
use crate::severity::Severity;

use super::docker_context::{dockerfile_changes, excerpt, DockerfileEdit};
use super::{AheadContext, Claim, Emitter, Rule, RuleContext};

/// Whether `line` is an `ARG` instruction declaring one of `names` (case-insensitive).
fn declares_named_arg(line: &str, names: &[String]) -> bool {
    let mut words = line.split_whitespace();
    if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("ARG")) {
        return false;
    }
    let name = words.next().and_then(|d| d.split('=').next()).unwrap_or("");
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// The rule's id, as in `[rules.cache-bust-arg]`.
pub const ID: &str = "cache-bust-arg";

pub struct CacheBustArg;

impl Rule for CacheBustArg {
    fn id(&self) -> &'static str {
        ID
    }

    /// Looks for `--build-arg` in the CI files' new texts while they are cached.
    fn read_ahead(&self, cx: &AheadContext<'_>, commit: &CommitChange) {
        let Some(ci) = cx.settings.globs_option("ci_globs") else {
            return;
        };
        for file in commit.files().iter().filter(|f| ci.is_match(&f.path)) {
            if let Some(new) = file.new {
                cx.cache.contains(cx.repo, new.id, BUILD_ARG);
            }
        }
    }

    /// A changed `ARG` line that declares one of this rule's names.
    fn claims(&self, settings: &RuleConfig, claim: &Claim<'_>) -> bool {
        match claim {
            Claim::CacheBustLine(line) => declares_named_arg(line, &settings.list_option("names")),
            _ => false,
        }
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        let names = emit.settings().list_option("names");
        let configured = emit.settings().severity.unwrap_or(Severity::Warn);
        for commit in &cx.changes.commits {
            for edit in dockerfile_changes(cx, commit) {
                for hit in busting_changes(&edit, &names) {
                    let severity = if hit.cost.installs() {
                        configured
                    } else {
                        configured.min(Severity::Info)
                    };
                    emit.finding(commit, hit.message(&edit.new))
                        .path(edit.file)
                        .line(hit.line)
                        .severity(severity)
                        .emit();
                }
            }
            if let Some(ci) = emit.settings().globs_option("ci_globs") {
                for file in commit.files().iter().filter(|f| ci.is_match(&f.path)) {
                    for (line, flag) in per_run_build_args(cx, file, &names) {
                        let msg = format!(
                            "`--build-arg {}` gives the image build a new value on every run: \
                             if the Dockerfile declares the ARG, every RUN after its first use \
                             re-runs on every deploy; if it does not, the flag changes nothing",
                            escape(&crate::mask::line(&flag))
                        );
                        emit.finding(commit, msg).path(file).line(line).emit();
                    }
                }
            }
        }
    }
}

/// The flag whose values this rule reads in CI files.
const BUILD_ARG: &[u8] = b"--build-arg";

/// The `--build-arg NAME=VALUE` flags `file`'s new lines add whose value is new on every
/// run or whose name is a cache buster's, with their line numbers.
fn per_run_build_args(
    cx: &RuleContext<'_>,
    file: &FileChange,
    names: &[String],
) -> Vec<(u32, String)> {
    // Every flag this reports is on a line of the new text: most workflows have none, and
    // then the old side need not be read.
    if !cx.new_text_contains(file, BUILD_ARG) {
        return Vec::new();
    }
    let Some((old, new)) = cx.texts(file) else {
        return Vec::new();
    };
    let (BlobContent::Text(old), BlobContent::Text(new)) = (&*old, &*new) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (line, text) in new_lines(old, new) {
        let mut words = text.split_whitespace();
        while let Some(word) = words.next() {
            let flag = match word.strip_prefix("--build-arg") {
                Some("") => words.next().unwrap_or(""),
                Some(rest) => rest.strip_prefix('=').unwrap_or(""),
                None => continue,
            };
            let mut flag = flag.trim_matches(|c| c == '"' || c == '\'').to_owned();
            // `${{ github.sha }}` has blanks inside: take the words up to its end.
            while flag.contains("${{") && !flag.contains("}}") {
                let Some(next) = words.next() else { break };
                flag.push(' ');
                flag.push_str(next.trim_end_matches(['"', '\'']));
            }
            let Some((name, value)) = flag.split_once('=') else {
                continue;
            };
            if is_cache_buster(name, names) || is_per_run_value(value) {
                out.push((line, flag.clone()));
            }
        }
    }
    out
}

/// A value CI makes new on every run: a run id or number, a commit sha, the time, a random
/// number.
fn is_per_run_value(value: &str) -> bool {
    const VOLATILE: &[&str] = &[
        "github.run_id",
        "github.run_number",
        "github.run_attempt",
        "github.sha",
        "github_sha",
        "github_run",
        "ci_pipeline_id",
        "ci_job_id",
        "ci_commit_sha",
        "circle_build_num",
        "circle_sha1",
        "bitbucket_build_number",
        "bitbucket_commit",
        "build_number",
        "$(date",
        "`date",
        "$random",
        "uuidgen",
        "git rev-parse",
    ];
    let lower = value.to_ascii_lowercase();
    VOLATILE.iter().any(|v| lower.contains(v))
}

/// Why a cache-busting ARG is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Trigger {
    /// The declaration is new.
    Added { default: Option<String> },
    /// The declaration existed with another default.
    DefaultChanged {
        from: Option<String>,
        to: Option<String>,
    },
    /// A new `RUN` at `line` uses the variable declared at `decl_line`.
    UsedBy { decl_line: u32 },
}

/// One reported ARG.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hit {
    name: String,
    /// Where the finding points: the ARG, or the RUN that starts using it.
    line: u32,
    trigger: Trigger,
    cost: Cost,
}

/// The `RUN` steps that re-run when the ARG's value changes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Cost {
    /// Indices into the Dockerfile's instructions, in file order.
    runs: Vec<usize>,
    /// The heaviest of them and its weight.
    heaviest: Option<(usize, Weight)>,
}

impl Cost {
    fn of(df: &Dockerfile, runs: Vec<usize>) -> Cost {
        let mut heaviest: Option<(usize, Weight)> = None;
        for &i in &runs {
            if let Some(inst) = df.instructions.get(i) {
                let w = weight(inst);
                let heavier = match &heaviest {
                    Some((_, h)) => w.rank() > h.rank(),
                    None => true,
                };
                if heavier {
                    heaviest = Some((i, w));
                }
            }
        }
        Cost { runs, heaviest }
    }

    /// Whether a package install re-runs.
    fn installs(&self) -> bool {
        self.heaviest
            .as_ref()
            .is_some_and(|(_, w)| !matches!(w, Weight::Other))
    }
}

impl Hit {
    fn message(&self, df: &Dockerfile) -> String {
        let name = escape(&self.name);
        let n = self.cost.runs.len();
        let steps = if n == 1 {
            "1 RUN step".to_owned()
        } else {
            format!("{n} RUN steps")
        };
        let head = match &self.trigger {
            Trigger::Added { default: Some(d) } => format!(
                "`ARG {name}={}` added: whenever its value changes (a new default or a \
                 `--build-arg {name}=…`), the {steps} in its scope miss the cache",
                escape(d)
            ),
            Trigger::Added { default: None } => format!(
                "`ARG {name}` added: every build that passes a new `--build-arg {name}=…` \
                 re-runs the {steps} in its scope"
            ),
            Trigger::DefaultChanged { from, to } => format!(
                "the default of `ARG {name}` changed ({} → {}): the next build re-runs the \
                 {steps} in its scope",
                shown(from.as_deref()),
                shown(to.as_deref())
            ),
            Trigger::UsedBy { decl_line } => format!(
                "this RUN uses `${name}` (declared at line {decl_line}) to bust the cache: \
                 every build that passes a new value re-runs the {steps} in the ARG's scope"
            ),
        };
        match self
            .cost
            .heaviest
            .as_ref()
            .and_then(|(i, w)| Some((df.instructions.get(*i)?, w)))
        {
            Some((inst, Weight::Other)) => format!(
                "{head}; none is a package install (the heaviest: `{}` at line {}), so if \
                 those must re-run on every build this is the right place",
                escape(&excerpt(&inst.args, 50)),
                inst.start_line
            ),
            Some((inst, w)) => format!(
                "{head}, including the {} `{}` at line {}",
                w.describe(),
                escape(&excerpt(&inst.args, 50)),
                inst.start_line
            ),
            None => head,
        }
    }
}

fn shown(default: Option<&str>) -> String {
    match default {
        Some(d) => format!("`{}`", escape(d)),
        None => "none".to_owned(),
    }
}

/// The cache-busting ARG declarations this edit adds or changes, and the new `RUN`s that
/// start using a cache-busting ARG, each with what it invalidates. ARGs that reach no `RUN`
/// are not reported: they cannot cost a rebuild.
fn busting_changes(edit: &DockerfileEdit<'_>, names: &[String]) -> Vec<Hit> {
    let df = &edit.new;
    let old_decls: Vec<(bool, String, Option<String>)> =
        edit.old.iter().flat_map(|df| declarations(df)).collect();
    let mut hits = Vec::new();
    let mut reported: HashSet<String> = HashSet::new();
    for (index, inst) in df.instructions.iter().enumerate() {
        for (name, default) in inst.arg_defs() {
            if !is_cache_buster(&name, names) {
                continue;
            }
            let global = inst.stage.is_none();
            let same_scope =
                |(g, n, _): &&(bool, String, Option<String>)| *g == global && *n == name;
            if old_decls.iter().any(|d| same_scope(&d) && d.2 == default) {
                continue;
            }
            let trigger = match old_decls.iter().find(same_scope) {
                Some((_, _, from)) => Trigger::DefaultChanged {
                    from: from.clone(),
                    to: default.clone(),
                },
                None => Trigger::Added {
                    default: default.clone(),
                },
            };
            let cost = Cost::of(df, invalidated_runs(df, index, &name));
            if cost.runs.is_empty() || !reported.insert(name.clone()) {
                continue;
            }
            hits.push(Hit {
                name,
                line: inst.start_line,
                trigger,
                cost,
            });
        }
    }
    for (index, inst) in edit.changed_instructions() {
        if inst.keyword != "RUN" {
            continue;
        }
        for var in inst.variables_used() {
            if !is_cache_buster(&var, names) || reported.contains(&var) {
                continue;
            }
            let Some(decl) = declaration_in_scope(df, index, &var) else {
                continue;
            };
            let Some(decl_line) = df.instructions.get(decl).map(|d| d.start_line) else {
                continue;
            };
            let cost = Cost::of(df, invalidated_runs(df, decl, &var));
            if cost.runs.is_empty() {
                continue;
            }
            reported.insert(var.clone());
            hits.push(Hit {
                name: var,
                line: inst.start_line,
                trigger: Trigger::UsedBy { decl_line },
                cost,
            });
        }
    }
    hits
}

/// Every ARG declaration: (global, name, default).
fn declarations(df: &Dockerfile) -> Vec<(bool, String, Option<String>)> {
    df.instructions
        .iter()
        .flat_map(|i| {
            let global = i.stage.is_none();
            i.arg_defs().into_iter().map(move |(n, d)| (global, n, d))
        })
        .collect()
}

/// The ARG instruction that puts `name` in scope for the instruction at `index`: the first
/// declaration of it earlier in the same stage. A global ARG alone does not count: a stage
/// sees it only after re-declaring it.
fn declaration_in_scope(df: &Dockerfile, index: usize, name: &str) -> Option<usize> {
    let stage = df.stages.get(df.instructions.get(index)?.stage?)?;
    (stage.instructions.start..index).find(|&i| declares(df.instructions.get(i), name))
}

fn declares(inst: Option<&Instruction>, name: &str) -> bool {
    inst.is_some_and(|i| i.arg_defs().iter().any(|(n, _)| n == name))
}

/// The `RUN` instructions that miss the cache when the value of the ARG `name` declared at
/// `decl` changes.
///
/// - Stage ARG: every later `RUN` of its stage.
/// - Global ARG: in each stage whose `FROM` uses it, every `RUN` (the base changes); in each
///   stage that re-declares it, every `RUN` after the re-declaration; other stages do not
///   see it.
fn invalidated_runs(df: &Dockerfile, decl: usize, name: &str) -> Vec<usize> {
    let Some(inst) = df.instructions.get(decl) else {
        return Vec::new();
    };
    let is_run = |i: &usize| df.instructions.get(*i).is_some_and(|x| x.keyword == "RUN");
    match inst.stage {
        Some(s) => match df.stages.get(s) {
            Some(stage) => (decl + 1..stage.instructions.end).filter(is_run).collect(),
            None => Vec::new(),
        },
        None => {
            let mut runs = Vec::new();
            for stage in &df.stages {
                let range = stage.instructions.clone();
                let from_uses = df
                    .instructions
                    .get(range.start)
                    .is_some_and(|f| f.variables_used().iter().any(|v| v == name));
                let start = if from_uses {
                    Some(range.start)
                } else {
                    range
                        .clone()
                        .find(|&i| declares(df.instructions.get(i), name))
                };
                if let Some(start) = start {
                    runs.extend((start + 1..range.end).filter(is_run));
                }
            }
            runs
        }
    }
}

/// Whether an ARG name looks like a cache buster: one of `names` (case-insensitive), any
/// name with `CACHE` followed later by `BUST` (`APP_CACHE_BUSTER`), or a name whose last
/// `_`/`-`-separated words are one of `names` (`DEPLOY_BUILD_DATE`). Only whole trailing words
/// count, so `PIP_NO_CACHE_DIR` is not `NO_CACHE`.
fn is_cache_buster(name: &str, names: &[String]) -> bool {
    let upper = name.to_ascii_uppercase();
    if upper
        .find("CACHE")
        .is_some_and(|i| upper.get(i + 5..).is_some_and(|rest| rest.contains("BUST")))
    {
        return true;
    }
    let words = |s: &str| -> Vec<String> {
        s.to_ascii_uppercase()
            .split(['_', '-'])
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let name_words = words(name);
    names.iter().any(|n| {
        let listed = words(n);
        !listed.is_empty() && name_words.ends_with(&listed)
    })
}

/// How much work a `RUN` step redoes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Weight {
    /// apt-get/apk/yum/dnf/… install: the slowest, and it downloads from the network.
    System(&'static str),
    /// pip/npm/yarn/poetry/uv/… install.
    Language(&'static str),
    Other,
}

impl Weight {
    fn rank(&self) -> u8 {
        match self {
            Weight::System(_) => 2,
            Weight::Language(_) => 1,
            Weight::Other => 0,
        }
    }

    fn describe(&self) -> String {
        match self {
            Weight::System(tool) => format!("system package install ({tool})"),
            Weight::Language(tool) => format!("dependency install ({tool})"),
            Weight::Other => "step".to_owned(),
        }
    }
}

/// System package managers and the subcommand that installs.
const SYSTEM_INSTALLS: &[(&str, &[&str], &str)] = &[
    ("apt-get", &["install"], "apt-get install"),
    ("apt", &["install"], "apt install"),
    ("apk", &["add"], "apk add"),
    ("yum", &["install"], "yum install"),
    ("dnf", &["install"], "dnf install"),
    ("microdnf", &["install"], "microdnf install"),
    ("zypper", &["install", "in"], "zypper install"),
];

/// Language package managers and the subcommands that install.
const LANGUAGE_INSTALLS: &[(&str, &[&str], &str)] = &[
    ("pip", &["install"], "pip install"),
    ("pip3", &["install"], "pip install"),
    ("uv", &["sync"], "uv sync"),
    ("uv", &["pip"], "uv pip install"),
    ("poetry", &["install"], "poetry install"),
    ("pipenv", &["install", "sync"], "pipenv install"),
    ("pdm", &["install", "sync"], "pdm install"),
    ("conda", &["install", "create"], "conda install"),
    ("mamba", &["install", "create"], "mamba install"),
    ("npm", &["install", "ci", "i"], "npm install"),
    ("yarn", &["install", ""], "yarn install"),
    ("pnpm", &["install", "i"], "pnpm install"),
    ("bun", &["install", "i"], "bun install"),
    ("bundle", &["install"], "bundle install"),
    ("gem", &["install"], "gem install"),
    ("composer", &["install"], "composer install"),
    ("go", &["mod", "get"], "go mod download"),
    ("cargo", &["build", "fetch", "install"], "cargo build"),
    ("dotnet", &["restore"], "dotnet restore"),
    ("mix", &["deps.get"], "mix deps.get"),
    (
        "mvn",
        &["dependency:go-offline", "install"],
        "mvn dependency:go-offline",
    ),
];

/// The weight of a `RUN` step, from its command and heredoc scripts: each shell command
/// (split at `&&`, `||`, `;`, `|` and newlines) is checked for a package manager followed by
/// its install subcommand (flags in between allowed: `apt-get -y install`).
fn weight(inst: &Instruction) -> Weight {
    let text = inst.script();
    let mut best = Weight::Other;
    for command in text.split(['\n', ';', '|', '&']) {
        let words: Vec<&str> = command.split_whitespace().collect();
        for (i, word) in words.iter().enumerate() {
            let tool = word.rsplit('/').next().unwrap_or(word);
            let sub = words
                .get(i + 1..)
                .unwrap_or(&[])
                .iter()
                .find(|w| !w.starts_with('-'))
                .copied();
            if let Some(label) = installs(SYSTEM_INSTALLS, tool, sub) {
                return Weight::System(label);
            }
            if best == Weight::Other {
                if let Some(label) = installs(LANGUAGE_INSTALLS, tool, sub) {
                    best = Weight::Language(label);
                }
            }
        }
    }
    best
}

/// The label of the manager `tool` when `sub` (its first non-flag argument, `None` at the
/// end of the command) is an install subcommand; `""` in the list accepts a bare call.
fn installs(
    table: &[(&str, &[&str], &'static str)],
    tool: &str,
    sub: Option<&str>,
) -> Option<&'static str> {
    table
        .iter()
        .find(|(t, subs, _)| {
            *t == tool
                && subs
                    .iter()
                    .any(|s| Some(*s) == sub || (s.is_empty() && sub.is_none()))
        })
        .map(|(_, _, label)| *label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::dockerfile::parse;

    fn names() -> Vec<String> {
        ["CACHEBUST", "BUILD_DATE", "NO_CACHE", "TIMESTAMP"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    #[test]
    fn cache_buster_names() {
        let n = names();
        for yes in [
            "CACHEBUST",
            "cachebust",
            "CACHE_BUSTER",
            "APP_CACHE_BUST",
            "cacheBustingToken",
            "DEPLOY_BUILD_DATE",
            "build-date",
            "GIT_TIMESTAMP",
        ] {
            assert!(is_cache_buster(yes, &n), "{yes}");
        }
        for no in [
            "PIP_NO_CACHE_DIR",
            "BUILD_DATE_FORMAT",
            "PYTHON_VERSION",
            "CACHE_DIR",
            "BUSTER",
            "TIMESTAMPS_ENABLED",
        ] {
            assert!(!is_cache_buster(no, &n), "{no}");
        }
    }

    fn df(text: &str) -> Dockerfile {
        parse(text).unwrap()
    }

    #[test]
    fn stage_arg_reaches_later_runs_of_its_stage_only() {
        let d = df("FROM python:3.12\n\
                    RUN apt-get update\n\
                    ARG CACHEBUST=1\n\
                    RUN apt-get -y install curl\n\
                    RUN pip install -r r.txt\n\
                    COPY . .\n\
                    RUN echo done\n\
                    FROM alpine\n\
                    RUN echo other stage\n");
        let runs = invalidated_runs(&d, 2, "CACHEBUST");
        assert_eq!(runs, vec![3, 4, 6]);
        let cost = Cost::of(&d, runs);
        assert_eq!(cost.heaviest, Some((3, Weight::System("apt-get install"))));
        assert!(cost.installs());
    }

    #[test]
    fn global_arg_needs_redeclaration_or_from_use() {
        let d = df("ARG CACHEBUST\n\
                    FROM python:3.12 AS deps\n\
                    RUN pip install x\n\
                    FROM python:3.12\n\
                    RUN apt-get install -y git\n\
                    ARG CACHEBUST\n\
                    RUN git clone repo\n\
                    FROM alpine:${CACHEBUST}\n\
                    RUN apk add curl\n");
        assert_eq!(invalidated_runs(&d, 0, "CACHEBUST"), vec![6, 8]);
        assert_eq!(declaration_in_scope(&d, 6, "CACHEBUST"), Some(5));
        assert_eq!(declaration_in_scope(&d, 4, "CACHEBUST"), None);
        assert_eq!(declaration_in_scope(&d, 2, "CACHEBUST"), None);
    }

    #[test]
    fn weights() {
        let w = |s: &str| weight(&df(s).instructions[0]);
        assert_eq!(
            w("RUN apt-get update && apt-get install -y curl\n"),
            Weight::System("apt-get install")
        );
        assert_eq!(w("RUN apk add --no-cache git\n"), Weight::System("apk add"));
        assert_eq!(
            w("RUN python -m pip install -r requirements.txt\n"),
            Weight::Language("pip install")
        );
        assert_eq!(
            w("RUN --mount=type=cache,target=/c uv sync --frozen\n"),
            Weight::Language("uv sync")
        );
        assert_eq!(w("RUN yarn\n"), Weight::Language("yarn install"));
        assert_eq!(
            w("RUN dotnet restore \"Api/Api.csproj\"\n"),
            Weight::Language("dotnet restore")
        );
        assert_eq!(
            w("RUN <<EOF\nset -e\nnpm ci\nEOF\n"),
            Weight::Language("npm install")
        );
        assert_eq!(
            w("RUN [\"pip\", \"install\", \"x\"]\n"),
            Weight::Language("pip install")
        );
        assert_eq!(w("RUN echo $CACHEBUST\n"), Weight::Other);
        assert_eq!(w("RUN pip freeze > /x\n"), Weight::Other);
        assert_eq!(w("RUN yarn build\n"), Weight::Other);
    }

    #[test]
    fn declarations_record_scope_and_default() {
        let d = df("ARG A=1\nFROM x\nARG A B=2\n");
        assert_eq!(
            declarations(&d),
            vec![
                (true, "A".to_owned(), Some("1".to_owned())),
                (false, "A".to_owned(), None),
                (false, "B".to_owned(), Some("2".to_owned())),
            ]
        );
    }
}
