//! Memory stays bounded however long the push: a generated 2,000-commit history with large
//! files that change often, pushed as one push through the installed hook and checked as
//! one range with `check --format json`, each measured as the peak resident memory of the
//! pushguard process (and of the git processes it waits for), read from `wait4`. Not a
//! timing test: memory does not swing with the machine's load.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::common;

use common::{Sandbox, TestRepo, PUSHGUARD};

/// Commits in the generated history.
const COMMITS: usize = 2_000;

/// The most a whole-history push may keep resident (issue 19's target).
const MAX_RSS_KIB: i64 = 50 * 1024;

/// Writes a `git fast-import` stream of `COMMITS` commits on `main` to `sink`, a commit at
/// a time: every commit edits six of a hundred source files of 3 KB (12,000 small pushed
/// versions, which an earlier build kept for the whole push, past this test's bound); every
/// tenth rewrites a row of a 400 KB data file, every 25th regenerates a 1.5 MB bundle, every
/// 50th a 250 KB lockfile; one commit adds a secret-shaped line to the data; the first adds
/// a Dockerfile. About 245 MB of blob versions. Deterministic, so the history is the same
/// on every run.
fn history(token: &str, sink: &mut impl std::io::Write) -> std::io::Result<()> {
    let mut data_rows: Vec<String> = (0..20_000)
        .map(|i| format!("  \"row{i}\": {i},\n"))
        .collect();
    let mut out = Vec::new();
    for n in 0..COMMITS {
        out.clear();
        let mut files: Vec<(String, String)> = Vec::new();
        for k in (0..6).map(|j| (n * 7 + j * 17) % 100) {
            let mut src = String::new();
            for line in 0..80 {
                let _ = writeln!(
                    src,
                    "def f{k}_{line}(x):\n    return x + {}\n",
                    n * line % 97
                );
            }
            files.push((format!("src/mod{k:02}.py"), src));
        }
        if n % 10 == 0 {
            let row = (n * 13) % data_rows.len();
            data_rows[row] = format!("  \"row{row}\": {n},\n");
            if n == 1_230 {
                data_rows[4_000] = format!("  \"api_token\": \"{token}\",\n");
            }
            files.push((
                "data/feed.json".into(),
                format!("{{\n{}}}\n", data_rows.concat()),
            ));
        }
        if n % 25 == 0 {
            let mut bundle = String::with_capacity(1_600_000);
            for i in 0..43_000 {
                let _ = write!(bundle, "var a{i}=function(b){{return b*{}}};", (i + n) % 89);
            }
            files.push(("static/app.bundle.js".into(), bundle));
        }
        if n % 50 == 0 {
            let mut lock = String::new();
            for i in 0..2_500 {
                let _ = writeln!(lock, "pkg-{i}@1.{}.0:\n  integrity sha512-{i:064x}", n / 50);
            }
            files.push(("yarn.lock".into(), lock));
        }
        if n == 0 {
            files.push((
                "Dockerfile".into(),
                "FROM python:3.12-slim\nCOPY . /app\nCMD [\"python\", \"/app/src/mod00.py\"]\n"
                    .into(),
            ));
        }
        let when = 1_700_000_000 + n * 600;
        let _ = write!(
            out,
            "commit refs/heads/main\nmark :{}\ncommitter Gen <gen@example.invalid> {when} +0000\n",
            n + 1
        );
        let msg = format!("change {n}\n");
        let _ = write!(out, "data {}\n{msg}", msg.len());
        if n > 0 {
            let _ = writeln!(out, "from :{n}");
        }
        for (path, text) in files {
            let _ = write!(out, "M 100644 inline {path}\ndata {}\n", text.len());
            out.extend_from_slice(text.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        sink.write_all(&out)?;
    }
    Ok(())
}

/// bench/timer.c, compiled into the sandbox: it runs a command under `wait4` and writes its
/// peak resident set, covering the children it waited for.
///
/// The measurement needs a small parent. A child's peak as the kernel keeps it starts
/// from its parent's resident set when it is forked (or, spawned with a shared address
/// space, from the parent's peak when it execs), and this test process holds far more
/// than pushguard does; the timer, forked from this process but measuring its own child,
/// reports the child alone. Building pushguard's vendored libgit2 needs a C compiler, so
/// one is present wherever these tests run.
fn timer(sandbox: &Sandbox) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/timer.c");
    let binary = sandbox.bin_dir().join("timer");
    let out = common::run(
        sandbox
            .cmd("cc", sandbox.root())
            .args(["-O2", "-o"])
            .arg(&binary)
            .arg(&source),
    );
    assert!(
        out.status.success(),
        "compiling bench/timer.c: {}",
        common::describe(&out)
    );
    binary
}

/// The repository `app` holding [`history`] on `main` in one pack, as a clone has it; its
/// `origin` is empty, so a push sends every commit.
///
/// Compression level 1 and no delta search for blobs over 1 MiB halve fast-import's time:
/// the bundle differs from its last version throughout, so a delta would not be kept
/// anyway, while the data file and the lockfile are stored as delta chains as in a clone.
fn generated<'s>(sandbox: &'s Sandbox, token: &str) -> TestRepo<'s> {
    let repo = sandbox.repo("app");
    let mut import = sandbox
        .git_cmd(
            &repo.path,
            &[
                "-c",
                "core.compression=1",
                "fast-import",
                "--quiet",
                "--big-file-threshold=1m",
            ],
        )
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    history(token, &mut import.stdin.take().expect("stdin")).expect("write the history");
    assert!(import.wait().expect("fast-import").success());
    sandbox.git_ok(&repo.path, &["repack", "-adq"]);
    repo
}

/// The peak resident set, in KiB, the timer wrote to `measured` (its only line); `ran`
/// describes the command that should have run it, for the message when it did not.
fn peak_kib(measured: &Path, ran: &str) -> i64 {
    // `<wall µs> <user µs> <system µs> <max RSS KiB>`
    let line = fs::read_to_string(measured)
        .unwrap_or_else(|e| panic!("the timer's line ({e}); the command ran as:\n{ran}"));
    let mut lines = line.lines();
    let (Some(only), None) = (lines.next(), lines.next()) else {
        panic!("the timer ran once: {line:?}");
    };
    only.split_whitespace()
        .nth(3)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("the timer wrote {line:?}"))
}

#[test]
fn a_long_push_keeps_memory_bounded() {
    let sandbox = Sandbox::new();
    // Assembled at run time, so this file holds no secret-shaped literal.
    let token: String = "Vx9Lq2Tz7Rk4Wm8Pn3Hs6Jd1Fb5Gc0Ya".chars().rev().collect();
    let repo = generated(&sandbox, &token);
    let timer = timer(&sandbox);

    // The hook runs the installed "binary", here the real one under the timer, so what is
    // measured is pushguard as git runs it, not git push and its own packing.
    let hooked = sandbox.root().join("hooked.rusage");
    let wrapper = sandbox.root().join("measured-pushguard");
    common::write_executable(
        &wrapper,
        &format!(
            "#!/bin/sh\nexec '{}' '{}' '{PUSHGUARD}' \"$@\"\n",
            timer.display(),
            hooked.display()
        ),
    );
    repo.install_hook_with(&wrapper);
    // No controlling terminal: the blocked push is refused without waiting for an answer.
    let push: common::PushResult = common::run(
        sandbox
            .cmd("setsid", &repo.path)
            .args(["-w", "git", "push", "origin", "main"]),
    )
    .into();
    let push_kib = peak_kib(&hooked, &format!("{push:?}"));
    eprintln!("peak RSS of pushguard's pre-push hook over {COMMITS} commits: {push_kib} KiB");
    let report = common::flat(&push.stderr);
    assert!(!push.success(), "the planted secret blocks: {push:?}");
    assert!(
        report.contains(&format!(
            "main -> origin/main new branch, {COMMITS} commits,"
        )),
        "{report}"
    );
    assert!(
        report.contains("block[secret-in-image] data/feed.json:4002"),
        "{report}"
    );
    assert!(!push.stderr.contains(&token), "{report}");
    assert_eq!(repo.remote_sha("refs/heads/main"), None);

    let checked = sandbox.root().join("check.rusage");
    let out = common::run(
        sandbox
            .cmd(&timer, &repo.path)
            .arg(&checked)
            .arg(PUSHGUARD)
            .args(["check", "--format", "json", "main"]),
    );
    let check_kib = peak_kib(&checked, &common::describe(&out));
    eprintln!("peak RSS of pushguard check --format json over {COMMITS} commits: {check_kib} KiB");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", common::describe(&out)));
    assert_eq!(out.status.code(), Some(1), "the planted secret blocks");
    assert_eq!(doc["refs"][0]["ref"], "main");
    assert_eq!(
        doc["refs"][0]["commits"].as_array().map(Vec::len),
        Some(COMMITS)
    );
    let secret = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "secret-in-image" && f["path"] == "data/feed.json")
        .unwrap_or_else(|| panic!("the planted secret is reported: {doc:#}"));
    assert!(!secret["message"].as_str().unwrap_or("").contains(&token));

    for (what, kib) in [("pre-push hook", push_kib), ("check", check_kib)] {
        assert!(
            kib <= MAX_RSS_KIB,
            "peak RSS of the {what} {kib} KiB over {COMMITS} commits exceeds {MAX_RSS_KIB} KiB"
        );
    }
}
