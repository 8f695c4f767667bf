use super::describe::*;
use super::model::*;
use super::*;
use crate::mask::instruction_word as mask_word;
use std::collections::BTreeMap;

use crate::config::Config;
use crate::docker::dockerfile;
use crate::docker::expand::expand;

/// Evaluates `new` against `old` (`None`: the Dockerfile is new) with `changed` context
/// files; returns the steps as `(line, status)` plus the tier and deciding line.
struct Run {
    steps: Vec<Step>,
    tier: BuildTier,
    deciding: Option<u32>,
    settings_changed: bool,
    first_edit: Option<usize>,
}

fn run_with(
    old: Option<&str>,
    new: &str,
    changed: &[&str],
    target: Option<&str>,
    old_args: &[(&str, &str)],
    new_args: &[(&str, &str)],
) -> Run {
    let new_df = dockerfile::parse(new).unwrap();
    let old = match old {
        Some(text) => Old::Parsed(dockerfile::parse(text).unwrap()),
        None => Old::Absent,
    };
    let delta = ContextDelta {
        changes: changed
            .iter()
            .map(|p| ((*p).to_owned(), p.as_bytes().to_vec()))
            .collect(),
        everything: None,
    };
    let map = |a: &[(&str, &str)]| -> BTreeMap<String, String> {
        a.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let (new_args, old_args) = (map(new_args), map(old_args));
    let inputs = Inputs {
        new: &new_df,
        old: &old,
        target,
        new_args: &new_args,
        old_args: &old_args,
        context: &delta,
        dockerfile: b"Dockerfile",
        args_file: b"fly.toml",
    };
    let eval = evaluate(&inputs, &Config::builtin().build).unwrap();
    let (tier, deciding) = summarize(&eval.steps);
    Run {
        tier,
        deciding: deciding.and_then(|i| eval.steps.get(i)).map(|s| s.line),
        settings_changed: eval.settings_changed,
        first_edit: eval.first_edit,
        steps: eval.steps,
    }
}

fn run(old: Option<&str>, new: &str, changed: &[&str]) -> Run {
    run_with(old, new, changed, None, &[], &[])
}

impl Run {
    fn statuses(&self) -> Vec<(u32, &'static str)> {
        self.steps
            .iter()
            .map(|s| (s.line, s.status.as_str()))
            .collect()
    }

    fn reason(&self, line: u32) -> &str {
        self.steps
            .iter()
            .find(|s| s.line == line)
            .and_then(|s| s.reason.as_deref())
            .unwrap_or("")
    }

    fn rerun_lines(&self) -> Vec<u32> {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::Rerun)
            .map(|s| s.line)
            .collect()
    }
}

const PY: &str = "FROM python:3.12-slim\n\
    RUN apt-get update && apt-get install -y --no-install-recommends gcc\n\
    WORKDIR /app\n\
    COPY requirements*.txt ./\n\
    RUN pip install -r requirements.txt\n\
    COPY . .\n\
    CMD [\"python\", \"main.py\"]\n";

#[test]
fn a_source_change_reruns_the_final_copy_only() {
    let r = run(Some(PY), PY, &["main.py"]);
    assert_eq!(r.rerun_lines(), [6]);
    assert_eq!(r.tier, BuildTier::Incremental);
    assert_eq!(r.deciding, Some(6));
    assert_eq!(r.reason(6), "main.py changed");
    assert!(!r.settings_changed);
}

#[test]
fn a_manifest_change_reruns_the_install() {
    let r = run(Some(PY), PY, &["requirements-dev.txt", "requirements.txt"]);
    assert_eq!(r.rerun_lines(), [4, 5, 6]);
    assert_eq!(r.tier, BuildTier::Partial);
    assert_eq!(r.deciding, Some(5));
    assert_eq!(r.reason(4), "requirements-dev.txt and 1 other file changed");
    assert_eq!(r.reason(5), "follows line 4, which re-runs");
    // The final COPY has its own cause.
    assert!(r.reason(6).contains("changed"), "{}", r.reason(6));
}

#[test]
fn nothing_changed_is_none() {
    let r = run(Some(PY), PY, &[]);
    assert_eq!(r.tier, BuildTier::None);
    assert_eq!(r.deciding, None);
    assert!(r.statuses().iter().all(|(_, s)| *s == "cached"));
}

#[test]
fn comment_and_whitespace_edits_change_no_step() {
    let edited = PY.replace("WORKDIR /app\n", "# force rebuild\nWORKDIR   /app\n\n");
    let r = run(Some(PY), &edited, &[]);
    assert_eq!(r.tier, BuildTier::None);
    assert_eq!(r.first_edit, None);
}

#[test]
fn a_changed_base_image_is_full() {
    let r = run(Some(PY), &PY.replace("3.12", "3.13"), &[]);
    assert_eq!(r.tier, BuildTier::Full);
    assert_eq!(r.deciding, Some(1));
    assert_eq!(r.reason(1), "instruction changed");
    assert_eq!(r.rerun_lines(), [1, 2, 3, 4, 5, 6]);
    assert_eq!(r.first_edit, Some(0));
}

#[test]
fn a_changed_system_package_step_is_full_and_keeps_the_base() {
    let r = run(Some(PY), &PY.replace("gcc", "gcc git"), &[]);
    assert_eq!(r.tier, BuildTier::Full);
    assert_eq!(r.deciding, Some(2));
    assert_eq!(r.statuses().first(), Some(&(1, "cached")));
}

#[test]
fn copy_everything_before_the_install_makes_source_changes_partial() {
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n";
    let r = run(Some(df), df, &["src/index.ts"]);
    assert_eq!(r.tier, BuildTier::Partial);
    assert_eq!(r.deciding, Some(4));
    assert_eq!(r.rerun_lines(), [3, 4, 5]);
}

#[test]
fn apt_after_the_source_copy_makes_source_changes_full() {
    let df = "FROM debian\nCOPY . /src\nRUN apt-get -y install curl\n";
    let r = run(Some(df), df, &["a.sh"]);
    assert_eq!(r.tier, BuildTier::Full);
    assert_eq!(r.deciding, Some(3));
}

#[test]
fn directory_and_glob_sources_select_what_docker_copies() {
    let df =
        "FROM alpine\nCOPY src/ /app/src\nCOPY conf/*.toml /etc/\nCOPY [\"a b.txt\", \"/x\"]\n";
    assert_eq!(
        run(Some(df), df, &["src/deep/x.py"]).rerun_lines(),
        [2, 3, 4]
    );
    assert_eq!(
        run(Some(df), df, &["srcx/y.py"]).rerun_lines(),
        Vec::<u32>::new()
    );
    assert_eq!(run(Some(df), df, &["conf/app.toml"]).rerun_lines(), [3, 4]);
    assert_eq!(
        run(Some(df), df, &["conf/sub/app.toml"]).rerun_lines(),
        Vec::<u32>::new()
    );
    assert_eq!(run(Some(df), df, &["a b.txt"]).rerun_lines(), [4]);
    let dot = "FROM alpine\nCOPY ./ /app/\n";
    assert_eq!(run(Some(dot), dot, &["x"]).rerun_lines(), [2]);
}

#[test]
fn an_arg_default_change_invalidates_its_first_use_and_later_runs() {
    let old = "FROM python:3.12\nRUN apt-get install -y curl\nARG VERSION=1\nCOPY req.txt .\nRUN echo hi\nRUN pip install app==$VERSION\n";
    let new = old.replace("VERSION=1", "VERSION=2");
    let r = run(Some(old), &new, &[]);
    // The COPY does not use it; the first RUN after the ARG sees it as env.
    assert_eq!(r.rerun_lines(), [5, 6]);
    assert_eq!(r.reason(5), "ARG VERSION changed (line 3)");
    assert_eq!(r.tier, BuildTier::Partial);
    // Used by a COPY: invalidated there.
    let old = "FROM alpine\nARG DIR=a\nCOPY $DIR/ /x\nCOPY b /y\n";
    let r = run(Some(old), &old.replace("DIR=a", "DIR=b"), &[]);
    assert_eq!(r.rerun_lines(), [3, 4]);
    // A cache-bust ARG at the top re-runs the system packages.
    let old = "FROM debian\nARG CACHEBUST=1\nRUN apt-get install -y curl\n";
    let r = run(Some(old), &old.replace("=1", "=2"), &[]);
    assert_eq!(r.tier, BuildTier::Full);
}

#[test]
fn global_args_and_build_args() {
    let df = "ARG PY=3.12\nFROM python:${PY}-slim\nARG MODE\nRUN echo $MODE\n";
    let r = run(Some(df), &df.replace("3.12", "3.13"), &[]);
    assert_eq!(r.tier, BuildTier::Full);
    assert_eq!(r.reason(2), "ARG PY changed (line 1)");
    let r = run_with(Some(df), df, &[], None, &[("MODE", "a")], &[("MODE", "b")]);
    assert_eq!(r.rerun_lines(), [4]);
    assert_eq!(r.reason(4), "build argument MODE changed");
    assert_eq!(
        r.steps.iter().find(|s| s.line == 4).unwrap().triggers[..],
        [b"fly.toml".to_vec()]
    );
}

#[test]
fn env_user_and_settings() {
    let old = "FROM alpine\nENV A=1\nCOPY x /x\nRUN make\nCMD [\"a\"]\n";
    let r = run(Some(old), &old.replace("A=1", "A=2"), &[]);
    assert_eq!(r.rerun_lines(), [4]);
    assert_eq!(r.reason(4), "ENV A changed (line 2)");
    let r = run(Some(old), &old.replace("[\"a\"]", "[\"b\"]"), &[]);
    assert_eq!(r.tier, BuildTier::None);
    assert!(r.settings_changed);
    assert_eq!(r.first_edit, Some(4));
    assert!(r.reason(5).contains("image setting"), "{}", r.reason(5));
    let with_user = old.replace("RUN make", "USER app\nRUN make");
    let r = run(
        Some(&with_user),
        &with_user.replace("USER app", "USER root"),
        &[],
    );
    assert_eq!(r.reason(5), "USER changed (line 4)");
}

#[test]
fn multi_stage_copies_from_and_skips() {
    let df = "FROM node:20 AS assets\nCOPY web/ /web\nRUN npm ci\n\
              FROM golang:1.22 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app\n\
              FROM alpine AS test\nCOPY --from=build /app /app\nRUN /app -test\n\
              FROM gcr.io/distroless/static AS runtime\nCOPY --from=build /app /app\nCOPY --from=assets /web /web\n";
    // A Go source change: build stage from line 7, runtime copies, test is skipped.
    let r = run_with(Some(df), df, &["main.go"], Some("runtime"), &[], &[]);
    // The chain goes on after the first re-run step: line 14 re-runs too.
    assert_eq!(r.rerun_lines(), [7, 8, 13, 14]);
    assert_eq!(r.reason(14), "follows line 13, which re-runs");
    assert_eq!(r.reason(13), "reads from stage `build`, which re-runs");
    assert_eq!(r.tier, BuildTier::Incremental);
    let skipped: Vec<u32> = r
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Skipped)
        .map(|s| s.line)
        .collect();
    assert_eq!(skipped, [9, 10, 11]);
    // go.sum: dependency download re-runs.
    let r = run_with(Some(df), df, &["go.sum"], Some("runtime"), &[], &[]);
    assert_eq!(r.tier, BuildTier::Partial);
    assert_eq!(r.deciding, Some(6));
    assert_eq!(
        r.steps.iter().find(|s| s.line == 13).unwrap().triggers[..],
        [b"go.sum".to_vec()]
    );
    // The web assets stage re-runs, and so does the build stage: its `COPY . .` copies
    // web/ too.
    let r = run_with(Some(df), df, &["web/app.js"], Some("runtime"), &[], &[]);
    assert_eq!(r.rerun_lines(), [2, 3, 7, 8, 13, 14]);
    assert_eq!(r.reason(14), "reads from stage `assets`, which re-runs");
    // Building the test target skips runtime and assets.
    let r = run_with(Some(df), df, &["web/app.js"], Some("test"), &[], &[]);
    assert_eq!(r.rerun_lines(), [7, 8, 10, 11]);
    let r = run_with(Some(df), df, &["README.md"], Some("assets"), &[], &[]);
    assert!(r.rerun_lines().is_empty());
}

#[test]
fn a_stage_built_from_a_rerun_stage_reruns_whole() {
    let df =
        "FROM python:3.12 AS base\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n\
              FROM base AS app\nCOPY . .\n";
    let r = run(Some(df), df, &["requirements.txt"]);
    assert_eq!(r.rerun_lines(), [2, 3, 4, 5]);
    assert_eq!(r.reason(4), "built from stage `base`, which re-runs");
    assert_eq!(r.tier, BuildTier::Partial);
    // An ENV change in the base stage reaches the RUNs of the derived one.
    let old = "FROM alpine AS base\nENV X=1\nFROM base\nRUN make\n";
    let r = run(Some(old), &old.replace("X=1", "X=2"), &[]);
    assert_eq!(r.rerun_lines(), [4]);
    assert_eq!(
        r.reason(4),
        "X changed in stage `base`, which it is built from"
    );
}

#[test]
fn heredoc_runs_are_classified_by_their_body() {
    let old =
        "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl\nEOF\nCOPY . .\n";
    let r = run(Some(old), old, &["x"]);
    assert_eq!(r.tier, BuildTier::Incremental);
    let new = old.replace("curl", "curl git");
    let r = run(Some(old), &new, &[]);
    assert_eq!(r.tier, BuildTier::Full);
    assert_eq!(r.deciding, Some(2));
    // A comment inside the heredoc is script content: it changes the step.
    let new = old.replace("set -e", "set -e\n# rebuild");
    assert_eq!(run(Some(old), &new, &[]).tier, BuildTier::Full);
}

#[test]
fn new_dockerfiles_and_new_steps() {
    let r = run(None, PY, &[]);
    assert_eq!(r.tier, BuildTier::Full);
    assert_eq!(r.reason(1), "the Dockerfile is new");
    let more = format!("{PY}RUN python -m compileall .\n");
    let r = run(Some(PY), &more, &[]);
    assert_eq!(r.rerun_lines(), [8]);
    assert_eq!(r.reason(8), "new step");
    let fewer = PY.replace("WORKDIR /app\n", "");
    let r = run(Some(PY), &fewer, &[]);
    assert_eq!(r.reason(3), "steps before it were removed or reordered");
    let r = run(Some(PY), &PY.replace("WORKDIR /app", "WORKDIR /srv"), &[]);
    assert_eq!(r.reason(3), "instruction changed");
}

#[test]
fn cache_and_bind_mounts() {
    let df = "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip --mount=type=bind,source=requirements.txt,target=/tmp/r.txt pip install -r /tmp/r.txt\nCOPY . .\n";
    let r = run(Some(df), df, &["requirements.txt"]);
    assert_eq!(r.rerun_lines(), [2, 3]);
    assert_eq!(r.tier, BuildTier::Partial);
    let r = run(Some(df), df, &["main.py"]);
    assert_eq!(r.rerun_lines(), [3]);
}

#[test]
fn unknown_targets_and_empty_files_are_errors() {
    let df = dockerfile::parse(PY).unwrap();
    let delta = ContextDelta::default();
    let args = BTreeMap::new();
    let old = Old::NoBuild;
    let mut inputs = Inputs {
        new: &df,
        old: &old,
        target: Some("nope"),
        new_args: &args,
        old_args: &args,
        context: &delta,
        dockerfile: b"Dockerfile",
        args_file: b"Dockerfile",
    };
    let settings = Config::builtin().build;
    let err = evaluate(&inputs, &settings).err().unwrap();
    assert!(err.contains("`nope`"), "{err}");
    let empty = dockerfile::parse("# nothing\n").unwrap();
    inputs.new = &empty;
    inputs.target = None;
    assert!(evaluate(&inputs, &settings).is_err());
}

#[test]
fn command_phrases() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let sys = p(&["apt-get install", "apk add"]);
    assert!(mentions_any(
        "apt-get update && apt-get -y install gcc",
        &sys
    ));
    assert!(mentions_any("/sbin/apk --no-cache add curl", &sys));
    assert!(!mentions_any("echo apt-get; install", &sys));
    assert!(!mentions_any("apt-get update", &sys));
    let deps = p(&["pip install", "npm ci"]);
    assert!(mentions_any("python -m pip install -r r.txt", &deps));
    assert!(mentions_any("[\"npm\", \"ci\"]", &deps) || mentions_any("npm ci", &deps));
    assert!(!mentions_any("pip freeze", &deps));
}

#[test]
fn variable_expansion() {
    let lookup = |n: &str| match n {
        "A" => Some("x".to_owned()),
        "E" => Some(String::new()),
        _ => None,
    };
    assert_eq!(expand("$A/${A}", &lookup).as_deref(), Some("x/x"));
    assert_eq!(
        expand("${B:-d}${E:-e}${E-f}", &lookup).as_deref(),
        Some("de")
    );
    assert_eq!(expand("${A:+y}${B:+z}", &lookup).as_deref(), Some("y"));
    assert_eq!(expand("\\$A $", &lookup).as_deref(), Some("$A $"));
    assert_eq!(expand("$B", &lookup), None);
    assert_eq!(expand("${A", &lookup), None);
}

#[test]
fn displayed_instructions_never_carry_secrets() {
    assert_eq!(mask_word("API_KEY=Zq81kLm2Vx7R"), "API_KEY=…");
    assert_eq!(mask_word("\"API_KEY=xxx\""), "\"API_KEY=…");
    assert_eq!(mask_word("flask==3.0.0"), "flask==3.0.0");
    assert_eq!(mask_word("python:3.12-slim"), "python:3.12-slim");
    assert_eq!(mask_word("requirements.txt"), "requirements.txt");
    assert_eq!(mask_word("AKIAIOSFODNN7EXAMPLE"), "…");
    assert_eq!(mask_word("ghp_abcdef1234567890XYZ"), "ghp_…");
    assert_eq!(
        mask_word("https://user:hunter2@example.com/x"),
        "https://…@example.com/x"
    );
    let df = dockerfile::parse(
        "FROM alpine\nRUN --mount=type=secret,id=tok,target=/run/t --network=host curl -H \"Authorization: Bearer ghp_abcdef1234567890XYZ\" https://x\nENV TOKEN=s3cr3t\n",
    )
    .unwrap();
    let shown: Vec<String> = df.instructions.iter().map(one_line).collect();
    assert!(
        shown[1].starts_with(
            "RUN --mount=type=secret --network=… curl -H \"Authorization: Bearer ghp_…\""
        ),
        "{}",
        shown[1]
    );
    assert_eq!(shown[2], "ENV TOKEN=…");
}

#[test]
fn model_downloads_are_full() {
    let df = "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n\
              COPY download_models.py .\nRUN python download_models.py\nCOPY . .\n";
    let r = run(Some(df), df, &["download_models.py"]);
    assert_eq!(r.tier, BuildTier::Full);
    assert_eq!(r.deciding, Some(5));
    assert_eq!(run(Some(df), df, &["app.py"]).tier, BuildTier::Incremental);
}

#[test]
fn shortening_counts_characters() {
    assert_eq!(shorten("abcdef", 4), "abc…");
    assert_eq!(shorten("äö", 2), "äö");
}

#[test]
fn legacy_form_settings_never_show_their_value() {
    let df =
        dockerfile::parse("FROM alpine\nENV DB_PASSWORD CorrectHorseBattery\nENV A=1\n").unwrap();
    let shown: Vec<String> = df.instructions.iter().map(one_line).collect();
    assert!(
        shown.iter().all(|l| !l.contains("CorrectHorse")),
        "{shown:?}"
    );
    assert!(shown.iter().any(|l| l == "ENV DB_PASSWORD …"), "{shown:?}");
}

#[test]
fn forms_buildkit_treats_as_identical_change_no_step() {
    let base = "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt ./\nRUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt\nRUN echo done\nCOPY . .\n";
    let same = "FROM docker.io/library/python:3.12\nWORKDIR /app\nCOPY [\"requirements.txt\", \".\"]\nRUN --mount=target=/root/.cache,type=cache pip install -r requirements.txt\nRUN [\"/bin/sh\", \"-c\", \"echo done\"]\nCOPY . .\n";
    let r = run(Some(base), same, &[]);
    assert!(r.rerun_lines().is_empty(), "{:?}", r.statuses());
    let platform = "FROM --platform=linux/amd64 python:3.12\nWORKDIR /app\nCOPY requirements.txt ./\nRUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt\nRUN echo done\nCOPY . .\n";
    assert!(run(Some(base), platform, &[]).rerun_lines().is_empty());
    assert_eq!(normalise_image("org/app"), "docker.io/org/app:latest");
    assert_eq!(
        normalise_image("ghcr.io/o/app:1@sha256:ab"),
        "ghcr.io/o/app:1@sha256:ab"
    );
    assert_eq!(
        normalise_image("localhost:5000/app"),
        "localhost:5000/app:latest"
    );
    assert_eq!(
        normalise_image("index.docker.io/library/node"),
        "docker.io/library/node:latest"
    );
}

#[test]
fn a_respelled_workdir_keeps_the_directory_and_copies_but_reruns_the_next_run() {
    let old = "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n";
    let new = "FROM python:3.12\nWORKDIR /srv/../app/\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n";
    let r = run(Some(old), new, &[]);
    assert_eq!(r.rerun_lines(), [4], "{:?}", r.statuses());
    assert!(r.reason(4).contains("working directory"), "{}", r.reason(4));
}

#[test]
fn a_user_before_workdir_reruns_the_workdir() {
    let old = "FROM python:3.12\nWORKDIR /app\nCOPY . .\n";
    let new = "FROM python:3.12\nUSER app\nWORKDIR /app\nCOPY . .\n";
    let r = run(Some(old), new, &[]);
    assert_eq!(r.rerun_lines(), [3, 4], "{:?}", r.statuses());
}

#[test]
fn copy_from_is_keyed_on_what_it_copies() {
    // The common Python layout: dependencies into /install, then sources compiled
    // elsewhere; the final stage copies /install and downloads a model after it.
    let df = "FROM python:3.12 AS builder\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --prefix=/install -r requirements.txt\nCOPY . .\nRUN python -m compileall -q /app\nFROM python:3.12-slim\nCOPY --from=builder /install /usr/local\nRUN python -c \"from sentence_transformers import SentenceTransformer; SentenceTransformer('m')\"\nCOPY --from=builder /app /app\n";
    let r = run(Some(df), df, &["main.py"]);
    // Worst case: the compile RUN might write under /install.
    assert_eq!(r.tier, BuildTier::Full);
    let copy = r.steps.iter().find(|s| s.line == 8).unwrap();
    assert!(copy.uncertain, "{:?}", copy.reason);
    assert!(copy
        .reason
        .as_deref()
        .unwrap()
        .contains("re-runs only if `builder`:/install changed"));
    // Likely case: only the source copy of the final stage re-runs.
    assert_eq!(likely_tier(&r.steps), BuildTier::Incremental);
    // A re-running COPY elsewhere in the source stage leaves the copy cached.
    let df2 = "FROM python:3.12 AS builder\nRUN pip install --prefix=/install flask\nCOPY . /src\nFROM python:3.12-slim\nCOPY --from=builder /install /usr/local\nRUN echo after\n";
    let r = run(Some(df2), df2, &["main.py"]);
    assert_eq!(r.rerun_lines(), [3], "{:?}", r.statuses());
}

#[test]
fn a_run_mounting_from_a_stage_is_keyed_on_what_it_mounts() {
    let df = "FROM python:3.12 AS wheels\nRUN pip wheel --wheel-dir=/wheels flask\nCOPY . /src\nFROM python:3.12-slim\nRUN --mount=type=bind,from=wheels,source=/wheels,target=/w pip install /w/*.whl\nCOPY --from=wheels /src /app\n";
    // Only the source copy of `wheels` re-runs: the mounted /wheels is the same.
    let r = run(Some(df), df, &["main.py"]);
    assert_eq!(r.rerun_lines(), [3, 6], "{:?}", r.statuses());
}

/// A repository with two commits of `before` and `after`: (repository, first, second).
fn two_commits(before: &[(&str, &str)], after: &[(&str, &str)]) -> (tempfile::TempDir, Oid, Oid) {
    let dir = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(dir.path()).unwrap();
    let sig = git2::Signature::new("t", "t@example.com", &git2::Time::new(1, 0)).unwrap();
    let first_tree = repo
        .find_tree(crate::git::testing::tree_with(&repo, before))
        .unwrap();
    let first = repo
        .commit(None, &sig, &sig, "one", &first_tree, &[])
        .unwrap();
    let second_tree = repo
        .find_tree(crate::git::testing::tree_with(&repo, after))
        .unwrap();
    let parent = repo.find_commit(first).unwrap();
    let second = repo
        .commit(None, &sig, &sig, "two", &second_tree, &[&parent])
        .unwrap();
    (dir, first, second)
}

/// The prediction made in two halves (the trees while git lists the push, then the changed
/// files), with the changed paths considered ahead or not, is the prediction made at once,
/// for every app or the deployed ones only.
#[test]
fn a_prediction_prepared_early_is_the_same_prediction() {
    let dockerfile = "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n";
    let api = "FROM node:22\nCOPY package.json .\nRUN npm ci\nCOPY src src\n";
    let before = [
        ("Dockerfile", dockerfile),
        (".dockerignore", "docs\n"),
        ("requirements.txt", "flask\n"),
        ("app.py", "print(1)\n"),
        ("docs/a.md", "a\n"),
        ("api/Dockerfile", api),
        ("api/package.json", "{}\n"),
        ("api/src/index.js", "1\n"),
        ("fly.toml", "app = \"web\"\n"),
        (
            "api/fly.toml",
            "app = \"api\"\n[build]\ndockerfile = \"Dockerfile\"\n",
        ),
    ];
    let mut after = before.to_vec();
    for (path, text) in &mut after {
        match *path {
            "requirements.txt" => *text = "flask\ngunicorn\n",
            "docs/a.md" => *text = "b\n",
            "api/src/index.js" => *text = "2\n",
            _ => {}
        }
    }
    let (dir, first, second) = two_commits(&before, &after);
    let repo = git2::Repository::open(dir.path()).unwrap();
    let config = Config::builtin();
    let base = Base::Commit(first);
    let all = |_: &crate::build::apps::App| true;
    let web_only = |a: &crate::build::apps::App| a.name == "web";
    type Deployed<'a> = &'a dyn Fn(&crate::build::apps::App) -> bool;
    let cases: [(Deployed, usize); 2] = [(&all, 2), (&web_only, 1)];
    for (deployed, apps) in cases {
        let at_once = analyze(&repo, &config, base, second, Some(deployed), None).unwrap();
        let early = prepare(&repo, &config, base, second)
            .unwrap()
            .predict(&repo, &config, deployed, None)
            .unwrap();
        // The changed paths considered ahead, a few at a time as commits are listed.
        let tree = |id| repo.find_commit(id).unwrap().tree().unwrap();
        let changed =
            crate::git::changes::diff_trees(&repo, Some(&tree(first)), Some(&tree(second)))
                .unwrap();
        let ahead = prepare(&repo, &config, base, second).unwrap();
        for files in changed.chunks(2) {
            ahead.consider(files);
        }
        let ahead = ahead.predict(&repo, &config, deployed, None).unwrap();
        assert_eq!(ahead, at_once);
        assert_eq!(at_once.apps.len(), apps);
        assert!(at_once
            .apps
            .iter()
            .all(|a| matches!(a.outcome, AppOutcome::Predicted(_))));
        assert_eq!(early, at_once);
    }
}
