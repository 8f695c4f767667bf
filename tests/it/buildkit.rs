//! The rebuild model against a real BuildKit: each case is a real repository built twice
//! into the same builder cache (its base commit, then its pushed commit), and BuildKit's
//! own account of each step (`CACHED` or run, from `--progress=plain`) is compared with
//! `pushguard explain --format json`.
//!
//! The builder is the Docker Engine `.ci/buildkit-setup.sh` starts (offline, local
//! stand-in base images `local/python:3.12`, `local/busybox:1` whose package tools write
//! random bytes, so a step that really runs makes new content). Without it (`DOCKER_HOST`
//! unset or the engine not answering) the suite says so on its first line and passes: the
//! other tests still run.
//!
//! What must hold: no step pushguard calls cached is run by BuildKit (an under-prediction
//! would let a wasted build through); a step pushguard calls uncertain (`COPY --from` of a
//! path a RUN may write) may go either way. Over-predictions are counted and printed.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{Sandbox, TestRepo, PUSHGUARD};
use serde_json::Value;

/// One case: the base commit's files, then the pushed commit's changes.
struct Case {
    name: &'static str,
    base: Vec<(&'static str, String)>,
    head: Vec<(&'static str, String)>,
}

const PY: &str = "FROM local/python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nRUN python -m compileall -q .\n";

fn cases() -> Vec<Case> {
    let py = |df: &str| -> Vec<(&'static str, String)> {
        vec![
            ("Dockerfile", df.to_owned()),
            (
                ".dockerignore",
                "Dockerfile\n.dockerignore\n.git\n".to_owned(),
            ),
            ("requirements.txt", "flask\n".to_owned()),
            ("main.py", "print(1)\n".to_owned()),
            ("docs/notes.md", "notes\n".to_owned()),
        ]
    };
    let multi = "FROM local/python:3.12 AS builder\nWORKDIR /src\nCOPY requirements.txt .\nRUN pip install --prefix=/install -r requirements.txt && mkdir -p /install && cp -r /var/lib/stub-pip /install/\nCOPY . .\nRUN python -m compileall -q /src\nFROM local/busybox:1\nCOPY --from=builder /install /usr/local\nRUN head -c 64 /dev/urandom > /model\nCOPY --from=builder /src /app\n";
    vec![
        Case {
            name: "source edit",
            base: py(PY),
            head: vec![("main.py", "print(2)\n".into())],
        },
        Case {
            name: "dependency edit",
            base: py(PY),
            head: vec![("requirements.txt", "flask\nrequests\n".into())],
        },
        Case {
            name: "comment-only Dockerfile edit",
            base: py(PY),
            head: vec![("Dockerfile", format!("# Force rebuild 2026-12-04\n{PY}"))],
        },
        Case {
            name: "dockerignored file",
            base: py(&PY.replace("COPY . .", "COPY main.py .")),
            head: vec![("docs/notes.md", "more notes\n".into())],
        },
        Case {
            name: "cache-busting ARG",
            base: py(&PY.replace("COPY requirements.txt .", "ARG CACHEBUST=1\nCOPY requirements.txt .")),
            head: vec![(
                "Dockerfile",
                PY.replace("COPY requirements.txt .", "ARG CACHEBUST=2\nCOPY requirements.txt ."),
            )],
        },
        Case {
            name: "COPY --from of what the builder installs",
            base: py(multi),
            head: vec![("main.py", "print(2)\n".into())],
        },
        Case {
            name: "RUN --mount from a stage",
            base: py("FROM local/python:3.12 AS wheels\nRUN pip wheel flask\nCOPY . /src\nFROM local/python:3.12\nRUN --mount=type=bind,from=wheels,source=/var/lib/stub-pip,target=/w ls /w\nCOPY --from=wheels /src /app\n"),
            head: vec![("main.py", "print(2)\n".into())],
        },
        Case {
            name: "a linked source whose target changes",
            base: {
                let mut f = py("FROM local/python:3.12\nWORKDIR /app\nCOPY app.conf /etc/app.conf\nRUN cat /etc/app.conf\nCOPY main.py .\n");
                f.push(("conf/real.conf", "port=1\n".into()));
                f.push(("app.conf", "@link:conf/real.conf".into()));
                f
            },
            head: vec![("conf/real.conf", "port=2\n".into())],
        },
        Case {
            name: "a linked source replaced by the same bytes",
            base: {
                let mut f = py("FROM local/python:3.12\nWORKDIR /app\nCOPY app.conf /etc/app.conf\nRUN cat /etc/app.conf\nCOPY main.py .\n");
                f.push(("conf/real.conf", "port=1\n".into()));
                f.push(("app.conf", "@link:conf/real.conf".into()));
                f
            },
            head: vec![("app.conf", "port=1\n".into())],
        },
        Case {
            name: "USER before WORKDIR",
            base: py("FROM local/python:3.12\nWORKDIR /app\nCOPY main.py .\nRUN python main.py\n"),
            head: vec![(
                "Dockerfile",
                "FROM local/python:3.12\nUSER 1000\nWORKDIR /app\nCOPY main.py .\nRUN python main.py\n".into(),
            )],
        },
        Case {
            name: "equivalent forms",
            base: py("FROM local/python:3.12\nWORKDIR /app\nCOPY requirements.txt ./\nRUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt\nRUN echo done\nCOPY . .\n"),
            head: vec![(
                "Dockerfile",
                "FROM local/python:3.12\nWORKDIR /app\nCOPY [\"requirements.txt\", \".\"]\nRUN --mount=target=/root/.cache,type=cache pip install -r requirements.txt\nRUN [\"/bin/sh\", \"-c\", \"echo done\"]\nCOPY . .\n".into(),
            )],
        },
        Case {
            name: "WORKDIR spelt differently",
            base: py("FROM local/python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"),
            head: vec![(
                "Dockerfile",
                "FROM local/python:3.12\nWORKDIR /srv/../app/\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n".into(),
            )],
        },
    ]
}

/// A file and how an edit rewrites it.
type Edit = (&'static str, fn(&str) -> String);

/// Cases made from `seed`: a Dockerfile layout and an edit, each picked at random.
fn generated(seed: u64, count: usize) -> Vec<Case> {
    let mut state = seed | 1;
    let mut next = move |n: usize| {
        // xorshift64: enough to pick among a few choices reproducibly.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % n as u64).unwrap()
    };
    let layouts = [
        PY.to_owned(),
        PY.replace("COPY . .", "COPY main.py .\nCOPY docs docs"),
        "FROM local/python:3.12 AS deps\nWORKDIR /d\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nFROM local/python:3.12\nWORKDIR /app\nCOPY --from=deps /d /deps\nCOPY . .\nRUN python main.py\n".to_owned(),
        PY.replace("RUN pip install", "ARG BUILD=1\nRUN pip install"),
        PY.replace("WORKDIR /app", "ENV APP=1\nWORKDIR /app"),
    ];
    let edits: [Edit; 6] = [
        ("main.py", |_| "print(2)\n".to_owned()),
        ("requirements.txt", |_| "flask\nrequests\n".to_owned()),
        ("docs/notes.md", |_| "other notes\n".to_owned()),
        ("Dockerfile", |df| format!("# rebuild\n{df}")),
        ("Dockerfile", |df| {
            df.replace("BUILD=1", "BUILD=2").replace("APP=1", "APP=2")
        }),
        ("Dockerfile", |df| {
            df.replace(
                "COPY requirements.txt .",
                "COPY [\"requirements.txt\", \"./\"]",
            )
        }),
    ];
    (0..count * 3)
        .filter_map(|_| {
            let df = layouts[next(layouts.len())].clone();
            let (path, edit) = edits[next(edits.len())];
            let base_text = |p: &str| match p {
                "Dockerfile" => df.clone(),
                "main.py" => "print(1)\n".to_owned(),
                "requirements.txt" => "flask\n".to_owned(),
                _ => "notes\n".to_owned(),
            };
            let head = edit(&base_text(path));
            if head == base_text(path) {
                return None;
            }
            let name: &'static str = Box::leak(format!("generated: {path} edit").into_boxed_str());
            Some(Case {
                name,
                base: vec![
                    ("Dockerfile", df.clone()),
                    (
                        ".dockerignore",
                        "Dockerfile\n.dockerignore\n.git\n".to_owned(),
                    ),
                    ("requirements.txt", "flask\n".to_owned()),
                    ("main.py", "print(1)\n".to_owned()),
                    ("docs/notes.md", "notes\n".to_owned()),
                ],
                head: vec![(path, head)],
            })
        })
        .take(count)
        .collect()
}

/// Writes `line` to the real stderr: libtest captures `eprintln!` of passing tests, and
/// whether the real builder was used must show in every run.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The engine's environment, when one answers: `DOCKER_HOST` and friends as
/// `.ci/buildkit-setup.sh`'s `env.sh` sets them.
fn builder_ready() -> bool {
    std::env::var_os("DOCKER_HOST").is_some()
        && Command::new("docker")
            .args(["version", "--format", "{{.Server.Version}}"])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// Builds the checkout at `dir`; BuildKit's plain progress output.
fn build(dir: &Path) -> String {
    let out = Command::new("docker")
        .current_dir(dir)
        .args([
            "buildx",
            "build",
            "--network=none",
            "--progress=plain",
            "-t",
            "pushguard-oracle:case",
            ".",
        ])
        .output()
        .expect("run docker buildx build");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "build failed in {}:\n{log}",
        dir.display()
    );
    log
}

/// Per Dockerfile line, whether BuildKit ran the step (`true`) or took it from the cache,
/// for the steps it lists (`[stage k/n] INSTRUCTION`; BuildKit numbers FROM, RUN, COPY,
/// ADD and WORKDIR in each stage).
fn buildkit_steps(log: &str, dockerfile: &str) -> Vec<(u32, bool)> {
    // The numbered instructions of each stage, by stage position: their lines.
    let mut stages: Vec<(Option<String>, Vec<u32>)> = Vec::new();
    for (i, line) in dockerfile.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(keyword) = words.first().map(|w| w.to_ascii_uppercase()) else {
            continue;
        };
        let n = u32::try_from(i + 1).unwrap();
        if keyword == "FROM" {
            let name = words
                .iter()
                .position(|w| w.eq_ignore_ascii_case("AS"))
                .and_then(|p| words.get(p + 1))
                .map(|s| s.to_string());
            stages.push((name, vec![n]));
        } else if ["RUN", "COPY", "ADD", "WORKDIR"].contains(&keyword.as_str()) {
            if let Some((_, lines)) = stages.last_mut() {
                lines.push(n);
            }
        }
    }
    let mut vertex_line: Vec<(String, u32)> = Vec::new();
    let mut out = Vec::new();
    for line in log.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let Some((vertex, text)) = rest.split_once(' ') else {
            continue;
        };
        if let Some(label) = text
            .strip_prefix('[')
            .and_then(|t| t.split_once(']'))
            .map(|(l, _)| l)
        {
            // `deps 2/4`, `stage-1 2/4`, `2/4`.
            let (stage, pos) = match label.rsplit_once(' ') {
                Some((s, p)) => (Some(s), p),
                None => (None, label),
            };
            let Some(k) = pos.split('/').next().and_then(|k| k.parse::<usize>().ok()) else {
                continue;
            };
            let index = match stage {
                None => stages.len().checked_sub(1),
                Some(s) => s
                    .strip_prefix("stage-")
                    .and_then(|i| i.parse::<usize>().ok())
                    .or_else(|| {
                        stages
                            .iter()
                            .position(|(name, _)| name.as_deref() == Some(s))
                    }),
            };
            if let Some(l) = index
                .and_then(|i| stages.get(i))
                .and_then(|(_, ls)| ls.get(k - 1))
            {
                vertex_line.push((vertex.to_owned(), *l));
            }
        } else if text == "CACHED" || text.starts_with("DONE") {
            if let Some((_, l)) = vertex_line.iter().find(|(v, _)| v == vertex) {
                if !out.iter().any(|(x, _)| x == l) {
                    out.push((*l, text.starts_with("DONE")));
                }
            }
        }
    }
    out
}

/// Writes `files`; a text `@link:TARGET` makes a symbolic link to TARGET instead.
fn write_all(repo: &TestRepo<'_>, files: &[(&str, String)]) {
    for (path, text) in files {
        let full = repo.path.join(path);
        if full.symlink_metadata().is_ok() {
            std::fs::remove_file(&full).unwrap();
        }
        match text.strip_prefix("@link:") {
            Some(target) => std::os::unix::fs::symlink(target, &full).unwrap(),
            None => repo.write(path, text),
        }
    }
}

/// One build at a time on the shared engine: the oracle prunes the builder cache between
/// cases.
static BUILDER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// `pushguard calibrate` on a real BuildKit log: the steps that ran are matched to the
/// Dockerfile and their times replace the weights in `[build] estimate = "steps"`.
#[test]
fn calibrate_reads_a_real_buildkit_log() {
    if !builder_ready() {
        say("BUILDKIT SUITE SKIPPED (calibrate): no Docker Engine answers");
        return;
    }
    let _guard = BUILDER.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    write_all(
        &repo,
        &[
            ("Dockerfile", PY.to_owned()),
            ("requirements.txt", "flask\n".to_owned()),
            ("main.py", "print(1)\n".to_owned()),
            (
                "pushguard.toml",
                "[build]\nestimate = \"steps\"\n".to_owned(),
            ),
        ],
    );
    repo.commit_all("base");
    let _ = Command::new("docker")
        .args(["builder", "prune", "-af"])
        .output();
    let log = build(&repo.path);
    let file = sandbox.path("build.log");
    std::fs::write(&file, &log).expect("write the log");
    let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
    let out = common::run(cmd.arg("calibrate").arg(&file));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{log}", common::describe(&out));
    assert!(
        text.contains("timed steps matched Dockerfile"),
        "{text}\n{log}"
    );
    repo.commit_files("deps", &[("requirements.txt", "flask\nrequests\n")]);
    let mut cmd = sandbox.cmd(PUSHGUARD, &repo.path);
    let out = common::run(cmd.args(["explain", "HEAD^!"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("of the re-run steps timed by `pushguard calibrate`"),
        "{text}\n{log}"
    );
}

#[test]
fn predictions_agree_with_a_real_buildkit() {
    if !builder_ready() {
        say(
            "BUILDKIT SUITE SKIPPED: no Docker Engine answers (run `.ci/buildkit-setup.sh` and \
             source its env.sh); the rebuild model was not checked against the real builder",
        );
        return;
    }
    let seed = std::env::var("PUSHGUARD_ORACLE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_secs())
        });
    say(&format!(
        "buildkit oracle: seed {seed} (PUSHGUARD_ORACLE_SEED={seed} repeats this run)"
    ));
    let _guard = BUILDER.lock().unwrap_or_else(|e| e.into_inner());
    let mut compared = 0;
    let mut over = Vec::new();
    let mut under = Vec::new();
    for case in cases().into_iter().chain(generated(seed, 8)) {
        let sandbox = Sandbox::new();
        let repo = sandbox.repo("app");
        write_all(&repo, &case.base);
        repo.commit_all("base");
        let _ = Command::new("docker")
            .args(["builder", "prune", "-af"])
            .output();
        build(&repo.path);
        write_all(&repo, &case.head);
        repo.commit_all("head");
        let dockerfile = std::fs::read_to_string(repo.path.join("Dockerfile")).unwrap();
        let log = build(&repo.path);
        let truth = buildkit_steps(&log, &dockerfile);
        let out = common::run(
            sandbox
                .cmd(PUSHGUARD, &repo.path)
                .args(["explain", "--format", "json", "HEAD^!"]),
        );
        let doc: Value = serde_json::from_slice(&out.stdout).expect("explain JSON");
        let steps = doc["apps"][0]["steps"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (line, ran) in truth {
            let Some(step) = steps.iter().find(|s| s["line"] == line) else {
                continue;
            };
            if step["instruction"]
                .as_str()
                .unwrap_or("")
                .starts_with("FROM")
            {
                continue;
            }
            compared += 1;
            let predicted = step["status"] == "rerun";
            let uncertain = step["uncertain"] == true;
            match (predicted, ran) {
                (false, true) => under.push(format!(
                    "{}: line {line} ran, pushguard said cached",
                    case.name
                )),
                (true, false) if !uncertain => over.push(format!(
                    "{}: line {line} cached, pushguard said re-run",
                    case.name
                )),
                _ => {}
            }
        }
    }
    say(&format!(
        "buildkit oracle: {compared} steps compared, {} over-predicted, {} under-predicted",
        over.len(),
        under.len()
    ));
    for o in &over {
        eprintln!("  over: {o}");
    }
    assert!(compared > 20, "too few steps compared: {compared}");
    assert!(
        under.is_empty(),
        "pushguard said cached where BuildKit ran:\n{}",
        under.join("\n")
    );
    assert!(
        over.is_empty(),
        "pushguard said re-run where BuildKit used its cache:\n{}",
        over.join("\n")
    );
}
