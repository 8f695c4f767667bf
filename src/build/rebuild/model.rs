//! The model proper: pure functions of parsed files, testable without git. Given both
//! Dockerfiles, the build arguments and the context files that changed ([`Inputs`]), it
//! walks the target's stages step by step and says which re-run and why ([`evaluate`]).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use super::describe::{kind_of, one_line};
use super::{Step, StepKind, StepStatus, Triggers};
use crate::config::BuildSettings;
use crate::docker::dockerfile::{Dockerfile, Instruction};
use crate::docker::expand::expand;
use crate::docker::gopath;
use crate::hash::FastSet;
use crate::tier::BuildTier;

/// The previous build's Dockerfile.
#[derive(Debug)]
pub(super) enum Old {
    Parsed(Dockerfile),
    /// Not in the previous commit (the Dockerfile is new, or moved).
    Absent,
    /// There was no previous commit at all.
    NoBuild,
    /// Present but not parseable or readable.
    Unparsable,
}

/// What changed in the build context: `(path relative to the context, repository path to
/// blame)`. `everything` is set (to the path to blame) when the changes are unknown.
#[derive(Debug, Default)]
pub(super) struct ContextDelta {
    pub(super) changes: Vec<(String, Vec<u8>)>,
    pub(super) everything: Option<Vec<u8>>,
}

pub(super) struct Inputs<'a> {
    pub(super) new: &'a Dockerfile,
    pub(super) old: &'a Old,
    pub(super) target: Option<&'a str>,
    pub(super) new_args: &'a BTreeMap<String, String>,
    pub(super) old_args: &'a BTreeMap<String, String>,
    pub(super) context: &'a ContextDelta,
    /// The Dockerfile's repository path: the file to blame for instruction changes.
    pub(super) dockerfile: &'a [u8],
    /// The file that sets the build arguments (fly.toml), to blame for their changes.
    pub(super) args_file: &'a [u8],
}

pub(super) struct Evaluation {
    pub(super) steps: Vec<Step>,
    /// Steps (indices) that read the build context in built stages, with what they read.
    pub(super) readers: Vec<(usize, Source)>,
    /// The first step whose instruction differs from the previous Dockerfile's.
    pub(super) first_edit: Option<usize>,
    pub(super) settings_changed: bool,
}

/// Where a variable's value comes from, to explain a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Origin {
    /// An `ARG` or `ENV` at this line.
    Line(&'static str, u32),
    /// The platform's build arguments.
    BuildArg,
    /// `ENV` inherited from the stage built `FROM`.
    Inherited(String),
}

#[derive(Debug, Clone)]
pub(super) struct Var {
    pub(super) value: Option<String>,
    pub(super) origin: Origin,
}

/// A layer-making instruction with its effective cache key.
#[derive(Debug, Clone)]
pub(super) struct Op {
    /// Index into `Dockerfile::instructions`.
    pub(super) instr: usize,
    pub(super) raw: String,
    /// Variables (and USER/SHELL, as `@user`/`@shell`) that go into the key.
    pub(super) vars: BTreeMap<String, Var>,
}

impl Op {
    fn same(&self, other: &Op) -> bool {
        self.raw == other.raw
            && self.vars.len() == other.vars.len()
            && self
                .vars
                .iter()
                .zip(&other.vars)
                .all(|((k1, v1), (k2, v2))| k1 == k2 && v1.value == v2.value)
    }
}

/// A stage seen through the cache: its steps, and what it leaves to stages built on it.
#[derive(Debug, Clone, Default)]
pub(super) struct StageView {
    pub(super) ops: Vec<Op>,
    /// Cache keys of the setting instructions, in order.
    pub(super) settings: Vec<String>,
    /// `ENV` at the end of the stage.
    pub(super) env: BTreeMap<String, Var>,
    pub(super) user: Option<Var>,
    /// The last `WORKDIR` as written: BuildKit keys the directory it makes on the cleaned
    /// path (`/app/` and `/srv/../app` make the same directory, so the step and the COPYs
    /// after it stay cached) but runs each later RUN in the path as written, so a RUN
    /// re-runs when only its spelling changed.
    pub(super) workdir: Option<Var>,
}

/// Everything the previous and pushed Dockerfiles say about each stage.
pub(super) struct Views {
    pub(super) stages: Vec<StageView>,
    pub(super) globals: BTreeMap<String, Var>,
}

pub(super) fn views(df: &Dockerfile, build_args: &BTreeMap<String, String>) -> Views {
    let mut globals: BTreeMap<String, Var> = BTreeMap::new();
    for ins in df.instructions.iter().filter(|i| i.stage.is_none()) {
        for (name, default) in ins.arg_defs() {
            let var = match build_args.get(&name) {
                Some(v) => Var {
                    value: Some(v.clone()),
                    origin: Origin::BuildArg,
                },
                None => Var {
                    value: default,
                    origin: Origin::Line("ARG", ins.start_line),
                },
            };
            globals.insert(name, var);
        }
    }
    let mut stages: Vec<StageView> = Vec::with_capacity(df.stages.len());
    for stage in &df.stages {
        let parent = base_stage(df, stage.index, &globals).and_then(|p| stages.get(p).cloned());
        let view = view_stage(df, stage.index, &globals, build_args, parent.as_ref());
        stages.push(view);
    }
    Views { stages, globals }
}

/// The index of the earlier stage that stage `index` is built `FROM`, if any.
pub(super) fn base_stage(
    df: &Dockerfile,
    index: usize,
    globals: &BTreeMap<String, Var>,
) -> Option<usize> {
    let stage = df.stages.get(index)?;
    let lookup = |name: &str| globals.get(name).and_then(|v| v.value.clone());
    let base = expand(&stage.base, &lookup).unwrap_or_else(|| stage.base.clone());
    df.stage_by_ref(&base)
        .map(|s| s.index)
        .filter(|&i| i < index)
}

pub(super) fn view_stage(
    df: &Dockerfile,
    index: usize,
    globals: &BTreeMap<String, Var>,
    build_args: &BTreeMap<String, String>,
    parent: Option<&StageView>,
) -> StageView {
    let mut view = StageView::default();
    let Some(stage) = df.stages.get(index) else {
        return view;
    };
    let parent_name = base_stage(df, index, globals)
        .and_then(|p| df.stages.get(p))
        .map(|s| s.name.clone().unwrap_or_else(|| s.index.to_string()));
    if let (Some(parent), Some(name)) = (parent, parent_name) {
        for (k, v) in &parent.env {
            let origin = Origin::Inherited(name.clone());
            view.env.insert(
                k.clone(),
                Var {
                    value: v.value.clone(),
                    origin,
                },
            );
        }
        view.user = parent.user.clone();
        view.workdir = parent.workdir.clone();
    }
    let mut args: BTreeMap<String, Var> = BTreeMap::new();
    let mut shell: Option<Var> = None;
    for index in stage.instructions.clone() {
        let Some(ins) = df.instructions.get(index) else {
            continue;
        };
        match ins.keyword.as_str() {
            "FROM" => {
                let mut vars = BTreeMap::new();
                for name in ins.variables_used() {
                    let var = globals.get(&name).cloned().unwrap_or(Var {
                        value: None,
                        origin: Origin::Line("ARG", 0),
                    });
                    vars.insert(name, var);
                }
                view.ops.push(Op {
                    instr: index,
                    raw: from_key(ins),
                    vars,
                });
            }
            "RUN" => {
                let mut vars: BTreeMap<String, Var> = BTreeMap::new();
                for (k, v) in args.iter().filter(|(_, v)| v.value.is_some()) {
                    vars.insert(k.clone(), v.clone());
                }
                for (k, v) in &view.env {
                    vars.insert(k.clone(), v.clone());
                }
                if let Some(user) = &view.user {
                    vars.insert("@user".to_owned(), user.clone());
                }
                if let Some(shell) = &shell {
                    vars.insert("@shell".to_owned(), shell.clone());
                }
                if let Some(dir) = &view.workdir {
                    vars.insert("@workdir".to_owned(), dir.clone());
                }
                view.ops.push(Op {
                    instr: index,
                    raw: run_key(ins, shell.is_some()),
                    vars,
                });
            }
            "COPY" | "ADD" | "WORKDIR" => {
                let mut vars = BTreeMap::new();
                for name in ins.variables_used() {
                    let var = view
                        .env
                        .get(&name)
                        .or_else(|| args.get(&name))
                        .cloned()
                        .unwrap_or(Var {
                            value: None,
                            origin: Origin::Line("ARG", 0),
                        });
                    vars.insert(name, var);
                }
                let raw = if ins.keyword == "WORKDIR" {
                    // BuildKit makes the directory as the current user: a USER before
                    // it changes the step.
                    if let Some(user) = &view.user {
                        vars.insert("@user".to_owned(), user.clone());
                    }
                    view.workdir = Some(Var {
                        value: Some(ins.args.trim().to_owned()),
                        origin: Origin::Line("WORKDIR", ins.start_line),
                    });
                    workdir_key(ins)
                } else {
                    copy_key(ins)
                };
                view.ops.push(Op {
                    instr: index,
                    raw,
                    vars,
                });
            }
            keyword => {
                view.settings.push(ins.cache_key());
                match keyword {
                    "ARG" => {
                        for (name, default) in ins.arg_defs() {
                            let var = match build_args.get(&name) {
                                Some(v) => Var {
                                    value: Some(v.clone()),
                                    origin: Origin::BuildArg,
                                },
                                None => match default {
                                    Some(d) => Var {
                                        value: Some(d),
                                        origin: Origin::Line("ARG", ins.start_line),
                                    },
                                    None => globals.get(&name).cloned().unwrap_or(Var {
                                        value: None,
                                        origin: Origin::Line("ARG", ins.start_line),
                                    }),
                                },
                            };
                            args.insert(name, var);
                        }
                    }
                    "ENV" => {
                        for (k, v) in ins.env_pairs() {
                            view.env.insert(
                                k,
                                Var {
                                    value: Some(v),
                                    origin: Origin::Line("ENV", ins.start_line),
                                },
                            );
                        }
                    }
                    "USER" => {
                        view.user = Some(Var {
                            value: Some(ins.args.clone()),
                            origin: Origin::Line("USER", ins.start_line),
                        });
                    }
                    "SHELL" => {
                        shell = Some(Var {
                            value: Some(ins.cache_key()),
                            origin: Origin::Line("SHELL", ins.start_line),
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    view
}

/// What BuildKit compares for a `FROM`: the platform and the image, not the stage name.
/// The image is compared as a normalised reference (`python:3.12` is
/// `docker.io/library/python:3.12`), and a platform that is the builder's own (the
/// `$BUILDPLATFORM`/`$TARGETPLATFORM` defaults, `linux/amd64` on the deploy builders) is
/// the same as none.
pub(super) fn from_key(ins: &Instruction) -> String {
    let platform = ins
        .flag("platform")
        .and_then(|f| f.value.clone())
        .unwrap_or_default();
    let platform = match platform.as_str() {
        "linux/amd64" | "$BUILDPLATFORM" | "${BUILDPLATFORM}" | "$TARGETPLATFORM"
        | "${TARGETPLATFORM}" => "",
        other => other,
    };
    let image = ins.args.split_whitespace().next().unwrap_or_default();
    format!("FROM {platform} {}", normalise_image(image))
}

/// A Docker image reference in its full form: `python:3.12` →
/// `docker.io/library/python:3.12`, `org/app` → `docker.io/org/app:latest`,
/// `index.docker.io/…` → `docker.io/…` (distribution/reference `ParseNormalizedNamed`).
/// A reference with variables (`$BASE`) or a stage name is returned as it is.
pub(super) fn normalise_image(image: &str) -> String {
    if image.contains('$') || image.is_empty() {
        return image.to_owned();
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    // A tag is the part after the last `:` that follows the last `/`.
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], Some(&name[slash + i + 1..])),
        None => (name, None),
    };
    let mut parts: Vec<&str> = repo.split('/').collect();
    let has_domain = parts.len() > 1
        && parts
            .first()
            .is_some_and(|f| f.contains('.') || f.contains(':') || *f == "localhost");
    let mut full = String::new();
    if has_domain {
        let domain = parts.remove(0);
        let domain = if domain == "index.docker.io" {
            "docker.io"
        } else {
            domain
        };
        full.push_str(domain);
        full.push('/');
        if domain == "docker.io" && parts.len() == 1 {
            full.push_str("library/");
        }
    } else {
        full.push_str("docker.io/");
        if parts.len() == 1 {
            full.push_str("library/");
        }
    }
    full.push_str(&parts.join("/"));
    match (tag, digest) {
        (Some(t), Some(d)) => format!("{full}:{t}@{d}"),
        (Some(t), None) => format!("{full}:{t}"),
        (None, Some(d)) => format!("{full}@{d}"),
        (None, None) => format!("{full}:latest"),
    }
}

/// The key of a RUN: with the default shell, the exec form `["/bin/sh", "-c", "cmd"]` is
/// the shell form `cmd` (both become the same process), and `--mount` options compare as a
/// set (their order does not matter to BuildKit).
pub(super) fn run_key(ins: &Instruction, custom_shell: bool) -> String {
    let mut key = normalised_flags(ins);
    match &ins.exec_form {
        Some(words)
            if !custom_shell && words.len() == 3 && words[0] == "/bin/sh" && words[1] == "-c" =>
        {
            key.push(' ');
            key.push_str(&words[2]);
            for doc in &ins.heredocs {
                key.push_str(&format!("\n<<{}\n{}", doc.delimiter, doc.body));
            }
            key
        }
        _ => {
            let full = ins.cache_key();
            let args = full.split_once(' ').map_or("", |(_, rest)| rest);
            // The flags were normalised above; keep the rest of the key after them.
            let after_flags = strip_flags(args, ins.flags.len());
            format!("{key} {after_flags}")
        }
    }
}

/// `RUN` and its flags, each `--mount`'s options sorted.
fn normalised_flags(ins: &Instruction) -> String {
    let mut flags: Vec<String> = ins
        .flags
        .iter()
        .map(|f| match (&f.value, f.name.as_str()) {
            (Some(v), "mount") => {
                let mut opts: Vec<&str> = v.split(',').collect();
                opts.sort_unstable();
                format!("--mount={}", opts.join(","))
            }
            (Some(v), name) => format!("--{name}={v}"),
            (None, name) => format!("--{name}"),
        })
        .collect();
    flags.sort();
    let mut key = ins.keyword.clone();
    for f in flags {
        key.push(' ');
        key.push_str(&f);
    }
    key
}

/// `args` without its first `n` space-separated `--flag` words (as `cache_key` writes them).
fn strip_flags(args: &str, n: usize) -> &str {
    let mut rest = args;
    for _ in 0..n {
        match rest.split_once(' ') {
            Some((first, tail)) if first.starts_with("--") => rest = tail,
            _ => break,
        }
    }
    rest
}

/// The key of a COPY or ADD: the JSON-array form is the same as the shell form, and a
/// destination `./` is `.`.
pub(super) fn copy_key(ins: &Instruction) -> String {
    let key = ins.cache_key();
    let Some(words) = &ins.exec_form else {
        return normalise_dest(key);
    };
    let flags_end = key.find(" [").unwrap_or(key.len());
    normalise_dest(format!("{} {}", &key[..flags_end], words.join(" ")))
}

fn normalise_dest(key: String) -> String {
    match key.strip_suffix(" ./") {
        Some(head) => format!("{head} ."),
        None => key,
    }
}

/// The key of a WORKDIR: the cleaned absolute path (`/app/`, `/srv/../app` are `/app`).
pub(super) fn workdir_key(ins: &Instruction) -> String {
    let path = ins.args.trim();
    if path.contains('$') || !path.starts_with('/') {
        return ins.cache_key();
    }
    format!("WORKDIR {}", crate::docker::gopath::clean(path))
}

/// The old stage matching new stage `index`: the same `AS` name, else the same position.
pub(super) fn old_stage_index(new: &Dockerfile, old: &Dockerfile, index: usize) -> Option<usize> {
    let stage = new.stages.get(index)?;
    let by_name = stage.name.as_ref().and_then(|name| {
        old.stages
            .iter()
            .position(|s| s.name.as_deref() == Some(name.as_str()))
    });
    by_name.or_else(|| old.stages.get(index).map(|s| s.index))
}

/// What a context-reading step reads.
#[derive(Debug, Clone)]
pub(super) enum Source {
    /// Source patterns relative to the context root (cleaned, Go `filepath.Match` syntax).
    Patterns(Vec<String>),
    /// Could not be resolved (an unknown variable): assumed to read everything.
    Everything,
}

impl Source {
    pub(super) fn matches(&self, rel: &str) -> bool {
        match self {
            Source::Everything => true,
            Source::Patterns(patterns) => patterns.iter().any(|p| gopath::selects(p, rel)),
        }
    }
}

/// What an instruction depends on outside its own stage's chain.
#[derive(Debug, Default)]
pub(super) struct StepReads {
    /// Context reads.
    pub(super) context: Option<Source>,
    /// Stages read (by `--from`).
    pub(super) stages: Vec<usize>,
}

pub(super) fn lookup_in<'v>(
    view: &'v StageView,
    op_vars: &'v BTreeMap<String, Var>,
) -> impl Fn(&str) -> Option<String> + 'v {
    move |name: &str| {
        op_vars
            .get(name)
            .or_else(|| view.env.get(name))
            .and_then(|v| v.value.clone())
    }
}

/// The context and stages `ins` (a step of stage `stage`) reads.
pub(super) fn step_inputs(
    df: &Dockerfile,
    ins: &Instruction,
    op: &Op,
    view: &StageView,
) -> StepReads {
    let mut out = StepReads::default();
    let lookup = lookup_in(view, &op.vars);
    let stage_ref = |r: &str| -> Option<usize> {
        let r = expand(r, &lookup).unwrap_or_else(|| r.to_owned());
        df.stage_by_ref(&r).map(|s| s.index)
    };
    if let Some(spec) = ins.copy_sources() {
        match spec.from.as_deref() {
            Some(from) => {
                if let Some(s) = stage_ref(from) {
                    out.stages.push(s);
                }
            }
            None => {
                let local = spec.sources.iter().filter(|src| !is_remote(src));
                out.context = context_source(local.map(String::as_str), &lookup);
            }
        }
    }
    if ins.keyword == "RUN" {
        let binds: Vec<_> = ins
            .mounts()
            .into_iter()
            .filter(|m| m.kind == "bind")
            .collect();
        for from in binds.iter().filter_map(|m| m.from.as_deref()) {
            if let Some(s) = stage_ref(from) {
                out.stages.push(s);
            }
        }
        let local = binds
            .iter()
            .filter(|m| m.from.is_none())
            .map(|m| m.source.as_deref().unwrap_or("."));
        out.context = context_source(local, &lookup);
    }
    out
}

/// What a step reads from the build context, from its source paths: `None` when it names
/// none, `Everything` when one of them cannot be expanded (an unknown variable).
pub(super) fn context_source<'a>(
    sources: impl Iterator<Item = &'a str>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Option<Source> {
    let mut patterns = Vec::new();
    for src in sources {
        match expand(src, lookup) {
            Some(p) => patterns.push(gopath::trim(&p)),
            None => return Some(Source::Everything),
        }
    }
    (!patterns.is_empty()).then_some(Source::Patterns(patterns))
}

/// URLs and git remotes, which `ADD` fetches instead of reading the context.
pub(super) fn is_remote(src: &str) -> bool {
    src.contains("://") || src.starts_with("git@")
}

/// The stages needed to build `target`: it and, transitively, the stages it is built
/// `FROM` or reads with `--from`.
pub(super) fn needed_stages(df: &Dockerfile, target: usize, views: &Views) -> BTreeSet<usize> {
    let mut needed = BTreeSet::new();
    let mut todo = vec![target];
    while let Some(s) = todo.pop() {
        if !needed.insert(s) {
            continue;
        }
        if let Some(p) = base_stage(df, s, &views.globals) {
            todo.push(p);
        }
        let Some(view) = views.stages.get(s) else {
            continue;
        };
        for op in &view.ops {
            if let Some(ins) = df.instructions.get(op.instr) {
                todo.extend(step_inputs(df, ins, op, view).stages);
            }
        }
    }
    needed
}

/// Why a step misses the cache, when it has a cause of its own.
pub(super) struct Cause {
    pub(super) reason: String,
    pub(super) triggers: Triggers,
    /// The instruction itself differs from the previous Dockerfile's (an edit).
    pub(super) edit: bool,
    /// It holds only if a re-running RUN wrote something different ([`Step::uncertain`]).
    pub(super) uncertain: bool,
}

pub(super) fn evaluate(
    inputs: &Inputs<'_>,
    settings: &BuildSettings,
) -> Result<Evaluation, String> {
    let df = inputs.new;
    if df.stages.is_empty() {
        return Err("the Dockerfile has no FROM instruction; the build will fail".to_owned());
    }
    let target = match inputs.target {
        Some(name) => df.stage_by_ref(name).map(|s| s.index).ok_or_else(|| {
            format!(
                "the build target `{name}` is not a stage of the Dockerfile; the build will \
                 fail (stages: {})",
                df.stages
                    .iter()
                    .map(|s| s.name.clone().unwrap_or_else(|| s.index.to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?,
        None => df.stages.len() - 1,
    };
    let new_views = views(df, inputs.new_args);
    let old_views = match inputs.old {
        Old::Parsed(old) => Some((old, views(old, inputs.old_args))),
        _ => None,
    };
    let needed = needed_stages(df, target, &new_views);
    let target_name = match df.stages.get(target).and_then(|s| s.name.as_deref()) {
        Some(name) => format!("the target `{name}`"),
        None => "the last stage".to_owned(),
    };

    // Per instruction: status, reason, triggers.
    let mut steps: Vec<Step> = df
        .instructions
        .iter()
        .map(|ins| Step {
            stage: ins.stage,
            stage_name: ins
                .stage
                .and_then(|s| df.stages.get(s))
                .and_then(|s| s.name.clone()),
            line: ins.start_line,
            instruction: one_line(ins),
            key: crate::build::calibrate::key_of(ins),
            kind: kind_of(df, ins, &new_views.globals, settings),
            status: StepStatus::Cached,
            reason: None,
            triggers: Arc::from(Vec::new()),
            uncertain: false,
        })
        .collect();
    let mut readers: Vec<(usize, Source)> = Vec::new();
    let mut first_edit: Option<usize> = None;
    let mut settings_changed = false;
    // Whether each stage re-runs anything, and the triggers of its first re-run.
    let mut reruns: Vec<Option<Triggers>> = vec![None; df.stages.len()];
    // Whether a stage's re-runs are all uncertain (they hang on an uncertain COPY --from).
    let mut uncertain_stage: Vec<bool> = vec![false; df.stages.len()];

    for stage in &df.stages {
        let s = stage.index;
        if !needed.contains(&s) {
            for i in stage.instructions.clone() {
                if let Some(step) = steps.get_mut(i) {
                    step.status = StepStatus::Skipped;
                    step.reason = Some(format!("stage not needed to build {target_name}"));
                }
            }
            continue;
        }
        let Some(view) = new_views.stages.get(s) else {
            continue;
        };
        let old_view = old_views.as_ref().and_then(|(old, ov)| {
            old_stage_index(df, old, s).and_then(|i| ov.stages.get(i).map(|v| (*old, v)))
        });
        if let Some((_, ov)) = old_view {
            if ov.settings != view.settings {
                settings_changed = true;
            }
        } else {
            settings_changed = true;
        }
        // The first re-run step of the stage (every later step re-runs after it), and
        // whether that re-run is uncertain.
        let mut chain: Option<(u32, Triggers, bool)> = None;
        let mut positional_broken = false;
        for (pos, op) in view.ops.iter().enumerate() {
            // Past the analysis budget the rest is not evaluated; the pipeline reports the
            // ref as not inspected.
            if crate::budget::tick() {
                break;
            }
            let Some(ins) = df.instructions.get(op.instr) else {
                continue;
            };
            let deps = step_inputs(df, ins, op, view);
            if let Some(src) = &deps.context {
                readers.push((op.instr, src.clone()));
            }
            let mut cause: Option<Cause> = None;
            // 1. The step against the previous build's step at the same position.
            if !positional_broken {
                if let Some(c) = positional_cause(inputs, old_view, op, pos) {
                    positional_broken = true;
                    cause = Some(c);
                }
            }
            // 2. Stages it is built from or copies from.
            if cause.is_none() {
                let mut from_stages = deps.stages.clone();
                if pos == 0 {
                    from_stages.extend(base_stage(df, s, &new_views.globals));
                }
                for dep in from_stages {
                    if let Some(Some(triggers)) = reruns.get(dep) {
                        let name = df
                            .stages
                            .get(dep)
                            .map(|d| d.name.clone().unwrap_or_else(|| d.index.to_string()))
                            .unwrap_or_default();
                        let built_from = pos == 0 && ins.keyword == "FROM";
                        let dep_uncertain = uncertain_stage.get(dep).copied().unwrap_or(false);
                        // `COPY --from` is keyed on the content it copies, not on whether
                        // the stage re-ran (BuildKit checksums the copied files).
                        let copied = if built_from {
                            None
                        } else {
                            copied_paths(ins)
                                .map(|paths| stage_writes(df, &steps, &new_views, dep, &paths))
                        };
                        let (reason, uncertain) = match copied {
                            Some(Writes::Nothing) => continue,
                            Some(Writes::Maybe(paths)) => (
                                format!(
                                    "re-runs only if `{name}`:{paths} changed (a RUN of `{name}` \
                                     re-runs, and what it writes is not known without running it)"
                                ),
                                true,
                            ),
                            Some(Writes::Yes) | None if built_from => (
                                format!("built from stage `{name}`, which re-runs"),
                                dep_uncertain,
                            ),
                            Some(Writes::Yes) | None => (
                                format!("reads from stage `{name}`, which re-runs"),
                                dep_uncertain,
                            ),
                        };
                        cause = Some(Cause {
                            reason,
                            triggers: triggers.clone(),
                            edit: false,
                            uncertain,
                        });
                        break;
                    }
                }
            }
            // 3. Changed files of the context it reads.
            if cause.is_none() {
                if let Some(src) = &deps.context {
                    cause = context_cause(inputs.context, src);
                }
            }
            let Some(step) = steps.get_mut(op.instr) else {
                continue;
            };
            match (cause, &chain) {
                (Some(c), _) => {
                    if c.edit && first_edit.is_none() {
                        first_edit = Some(op.instr);
                    }
                    // A certain re-run after an uncertain one makes the rest certain.
                    let chained_uncertain = chain.as_ref().map(|(_, _, u)| *u);
                    let uncertain = c.uncertain && chained_uncertain != Some(false);
                    if chain.is_none() || (chained_uncertain == Some(true) && !c.uncertain) {
                        chain = Some((ins.start_line, c.triggers.clone(), uncertain));
                    }
                    step.status = StepStatus::Rerun;
                    step.reason = Some(c.reason);
                    step.triggers = c.triggers;
                    step.uncertain = uncertain;
                }
                (None, Some((line, triggers, uncertain))) => {
                    step.status = StepStatus::Rerun;
                    step.reason = Some(format!("follows line {line}, which re-runs"));
                    step.triggers = triggers.clone();
                    step.uncertain = *uncertain;
                }
                (None, None) => {}
            }
        }
        if let Some((_, triggers, uncertain)) = chain {
            if let Some(slot) = reruns.get_mut(s) {
                *slot = Some(triggers);
            }
            if let Some(slot) = uncertain_stage.get_mut(s) {
                *slot = uncertain;
            }
        }
    }
    if first_edit.is_none() {
        first_edit = first_setting_edit(inputs, &steps);
    }
    if settings_changed {
        mark_changed_settings(inputs, &mut steps);
    }
    Ok(Evaluation {
        steps,
        readers,
        first_edit,
        settings_changed,
    })
}

/// What the re-running steps of a stage do to some paths of its filesystem.
enum Writes {
    /// No re-running step writes there (COPY destinations elsewhere): the content is the
    /// previous build's.
    Nothing,
    /// A re-running RUN may write there (or not): the paths, for the message.
    Maybe(String),
    /// A re-running step writes there, or the stage is rebuilt from a new base.
    Yes,
}

/// The absolute paths a `COPY --from`/`ADD --from` copies out of its stage, or a `RUN`
/// bind-mounts from one; `None` for other instructions or sources with variables or
/// wildcards (taken as anything).
fn copied_paths(ins: &Instruction) -> Option<Vec<String>> {
    // `RUN --mount=type=bind,from=<stage>,source=<path>` is keyed on that content too.
    let sources: Vec<String> = if ins.keyword == "RUN" {
        let from_stage: Vec<String> = ins
            .mounts()
            .into_iter()
            .filter(|m| m.kind == "bind" && m.from.is_some())
            .map(|m| m.source.unwrap_or_else(|| "/".to_owned()))
            .collect();
        if from_stage.is_empty() {
            return None;
        }
        from_stage
    } else {
        let spec = ins.copy_sources()?;
        spec.from.as_ref()?;
        spec.sources
    };
    let mut out = Vec::new();
    for src in &sources {
        if src.contains(['$', '*', '?', '[']) {
            return None;
        }
        let abs = if src.starts_with('/') {
            src.clone()
        } else {
            format!("/{src}")
        };
        out.push(crate::docker::gopath::clean(&abs));
    }
    Some(out)
}

/// Whether `a` is `b`, inside it, or holds it (as absolute cleaned paths).
fn overlaps(a: &str, b: &str) -> bool {
    let inside = |x: &str, dir: &str| {
        dir == "/" || x == dir || x.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
    };
    inside(a, b) || inside(b, a)
}

/// What the re-running steps of stage `dep` write under `paths`.
fn stage_writes(
    df: &Dockerfile,
    steps: &[Step],
    views: &Views,
    dep: usize,
    paths: &[String],
) -> Writes {
    let workdir = views
        .stages
        .get(dep)
        .and_then(|v| v.workdir.as_ref())
        .and_then(|w| w.value.clone())
        .unwrap_or_else(|| "/".to_owned());
    let mut maybe = false;
    for (ins, step) in df.instructions.iter().zip(steps) {
        if ins.stage != Some(dep) || step.status != StepStatus::Rerun {
            continue;
        }
        match ins.keyword.as_str() {
            "COPY" | "ADD" => {
                let Some(dest) = ins.copy_sources().and_then(|c| c.dest) else {
                    return Writes::Yes;
                };
                if dest.contains('$') {
                    return Writes::Yes;
                }
                let abs = if dest.starts_with('/') {
                    dest
                } else {
                    format!("{workdir}/{dest}")
                };
                let abs = crate::docker::gopath::clean(&abs);
                if paths.iter().any(|p| overlaps(p, &abs)) {
                    return Writes::Yes;
                }
            }
            // A RUN that names the copied path (`pip install --prefix=/install`, `go build
            // -o /out/app`) writes it; another may or may not.
            "RUN" => {
                let text = ins.cache_key();
                if paths.iter().any(|p| p != "/" && text.contains(p.as_str())) {
                    return Writes::Yes;
                }
                maybe = true;
            }
            // WORKDIR makes a directory; a re-run FROM rebuilds the stage from a new base.
            "WORKDIR" => {
                let dir = crate::docker::gopath::clean(ins.args.trim());
                if paths.iter().any(|p| overlaps(p, &dir)) {
                    return Writes::Yes;
                }
            }
            _ => return Writes::Yes,
        }
    }
    if maybe {
        Writes::Maybe(paths.join(", "))
    } else {
        Writes::Nothing
    }
}

/// The tier of a set of steps (the costliest re-run step's) and the step that decided it
/// (the first re-run step of that tier).
/// The likely tier: the costliest re-run step's that is not [`Step::uncertain`].
pub(super) fn likely_tier(steps: &[Step]) -> BuildTier {
    steps
        .iter()
        .filter(|s| s.status == StepStatus::Rerun && !s.uncertain)
        .map(|s| s.kind.tier())
        .max()
        .unwrap_or(BuildTier::None)
}

pub(super) fn summarize(steps: &[Step]) -> (BuildTier, Option<usize>) {
    let tier = steps
        .iter()
        .filter(|s| s.status == StepStatus::Rerun)
        .map(|s| s.kind.tier())
        .max()
        .unwrap_or(BuildTier::None);
    let deciding = steps
        .iter()
        .position(|s| s.status == StepStatus::Rerun && s.kind.tier() == tier)
        .filter(|_| tier != BuildTier::None);
    (tier, deciding)
}

/// Why `op` (at `pos` among the steps of new stage `s`) misses against the previous
/// Dockerfile, if it does.
pub(super) fn positional_cause(
    inputs: &Inputs<'_>,
    old_view: Option<(&Dockerfile, &StageView)>,
    op: &Op,
    pos: usize,
) -> Option<Cause> {
    let blame = |reason: String, edit: bool| Cause {
        reason,
        triggers: Arc::from(vec![inputs.dockerfile.to_vec()]),
        edit,
        uncertain: false,
    };
    let Some((_, old_view)) = old_view else {
        let reason = match inputs.old {
            Old::NoBuild => "no previous build to reuse",
            Old::Absent => "the Dockerfile is new",
            Old::Unparsable => "the previous Dockerfile did not parse",
            Old::Parsed(_) if pos == 0 => "new stage",
            Old::Parsed(_) => return None,
        };
        return (pos == 0).then(|| blame(reason.to_owned(), true));
    };
    let Some(old) = old_view.ops.get(pos) else {
        return Some(blame("new step".to_owned(), true));
    };
    if op.same(old) {
        return None;
    }
    if op.raw != old.raw {
        // Linear per step; a stage has few steps.
        let reason = if old_view.ops.iter().any(|o| o.raw == op.raw) {
            "steps before it were removed or reordered"
        } else {
            "instruction changed"
        };
        return Some(blame(reason.to_owned(), true));
    }
    // Same instruction, different environment: name what changed.
    let changed = op
        .vars
        .iter()
        .find(|(k, v)| old.vars.get(*k).map(|o| &o.value) != Some(&v.value))
        .map(|(k, v)| (k.clone(), v.origin.clone()))
        .or_else(|| {
            old.vars
                .keys()
                .find(|k| !op.vars.contains_key(*k))
                .map(|k| (k.clone(), Origin::Line("ARG", 0)))
        });
    let Some((name, origin)) = changed else {
        return Some(blame("its environment changed".to_owned(), false));
    };
    let shown = match name.as_str() {
        "@user" => "the user".to_owned(),
        "@shell" => "the shell".to_owned(),
        "@workdir" => "the working directory's spelling".to_owned(),
        other => other.to_owned(),
    };
    Some(match origin {
        Origin::BuildArg => Cause {
            reason: format!("build argument {shown} changed"),
            triggers: Arc::from(vec![inputs.args_file.to_vec()]),
            edit: false,
            uncertain: false,
        },
        Origin::Line(keyword, line) if line > 0 => {
            let what = match keyword {
                "USER" | "SHELL" => format!("{keyword} changed (line {line})"),
                _ => format!("{keyword} {shown} changed (line {line})"),
            };
            blame(what, false)
        }
        Origin::Line(..) => blame(format!("{shown} changed"), false),
        Origin::Inherited(stage) => blame(
            format!("{shown} changed in stage `{stage}`, which it is built from"),
            false,
        ),
    })
}

/// The context cause of a step reading `src`: the changed files it selects.
pub(super) fn context_cause(delta: &ContextDelta, src: &Source) -> Option<Cause> {
    if let Some(trigger) = &delta.everything {
        return Some(Cause {
            reason: "the .dockerignore change alters what it copies".to_owned(),
            triggers: Arc::from(vec![trigger.clone()]),
            edit: false,
            uncertain: false,
        });
    }
    let hits: Vec<&(String, Vec<u8>)> = delta
        .changes
        .iter()
        .filter(|(rel, _)| src.matches(rel))
        .collect();
    let (first_rel, _) = hits.first()?;
    let reason = match hits.len() {
        1 => format!("{first_rel} changed"),
        2 => format!("{first_rel} and 1 other file changed"),
        n => format!("{first_rel} and {} other files changed", n - 1),
    };
    let mut seen: FastSet<&[u8]> = FastSet::default();
    let triggers: Vec<Vec<u8>> = hits
        .into_iter()
        .filter(|(_, path)| seen.insert(path))
        .map(|(_, path)| path.clone())
        .collect();
    Some(Cause {
        reason,
        triggers: triggers.into(),
        edit: false,
        uncertain: false,
    })
}

/// The first setting instruction of a built stage whose text changed (for a Dockerfile
/// whose steps all stayed the same).
pub(super) fn first_setting_edit(inputs: &Inputs<'_>, steps: &[Step]) -> Option<usize> {
    let Old::Parsed(old) = inputs.old else {
        return None;
    };
    if old.same_build(inputs.new) {
        return None;
    }
    let old_keys: HashSet<String> = old
        .instructions
        .iter()
        .map(Instruction::cache_key)
        .collect();
    inputs
        .new
        .instructions
        .iter()
        .enumerate()
        .find(|(i, ins)| {
            steps
                .get(*i)
                .is_some_and(|s| s.status != StepStatus::Skipped)
                && !old_keys.contains(&ins.cache_key())
        })
        .map(|(i, _)| i)
}

/// Gives the setting instructions that are new or changed a reason: they change the image,
/// but re-run nothing by themselves.
pub(super) fn mark_changed_settings(inputs: &Inputs<'_>, steps: &mut [Step]) {
    let old_keys: HashSet<String> = match inputs.old {
        Old::Parsed(old) => old
            .instructions
            .iter()
            .map(Instruction::cache_key)
            .collect(),
        _ => HashSet::new(),
    };
    for (ins, step) in inputs.new.instructions.iter().zip(steps.iter_mut()) {
        if step.kind == StepKind::Setting
            && step.status == StepStatus::Cached
            && ins.stage.is_some()
            && !old_keys.contains(&ins.cache_key())
        {
            step.reason = Some("changed: an image setting, no step re-runs for it".to_owned());
        }
    }
}
