//! Hostile repositories: nothing in a repository can make pushguard panic, hang, print a
//! terminal escape or silently check nothing.

use crate::common;

use std::os::unix::ffi::OsStrExt;

use common::{Sandbox, TestRepo, PUSHGUARD};

fn deployed(sandbox: &Sandbox) -> TestRepo<'_> {
    sandbox.deployed(&[
            ("Dockerfile", "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"),
            ("requirements.txt", "flask==3.0.0\n"),
            ("main.py", "print('hi')\n"),
        ])
}

fn no_escapes(s: &str) {
    assert!(!s.contains('\x1b'), "raw escape in output: {s:?}");
    assert!(!s.contains('\x07'), "raw BEL in output: {s:?}");
}

fn check_json(
    sandbox: &Sandbox,
    repo: &TestRepo<'_>,
    range: &str,
) -> (std::process::Output, serde_json::Value) {
    let out = common::run(
        sandbox
            .cmd(PUSHGUARD, &repo.path)
            .args(["check", "--format", "json", range]),
    );
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", common::describe(&out)));
    (out, doc)
}

#[test]
fn escapes_in_paths_messages_ref_names_and_file_lines_are_neutralised() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "\x1b]0;pwned\x07 \x1b[2J",
        &[
            ("a\x1b[31mred.py", "x = 1\n"),
            (
                ".github/workflows/x.yml",
                "run: fly deploy --no-cache \x1b[8m\n",
            ),
        ],
    );
    // git refuses control characters in ref names; bidi overrides are allowed.
    repo.git(&["branch", "evil\u{202e}txt.py"]);
    let r = repo.push(&["origin", "main", "evil\u{202e}txt.py"]);
    assert!(r.success(), "{r:?}");
    let ours: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| !l.starts_with(" * ") && !l.starts_with("To "))
        .collect();
    no_escapes(&ours.join("\n"));
    assert!(r.stderr.contains("a\\e[31mred.py"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("evil\\u{202e}txt.py -> origin/evil\\u{202e}txt.py"),
        "{}",
        r.stderr
    );
    let (_, doc) = check_json(&sandbox, &repo, "HEAD^!");
    no_escapes(&doc.to_string().replace("\\u001b", "<esc-json>"));
    let text = serde_json::to_string(&doc).unwrap();
    assert!(
        !text.contains("\\u001b"),
        "JSON carries escaped-for-terminal text: {text}"
    );
}

#[test]
fn non_utf8_paths_are_reported_escaped() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.py");
    std::fs::write(repo.path.join(name), "x = 1\n").unwrap();
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "latin-1 name"]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("caf\\xe9.py"), "{}", r.stderr);
}

#[test]
fn a_very_large_file_is_judged_by_size_not_read() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let big = "0123456789abcdef\n".repeat(2 * 1024 * 1024); // 34 MiB of text
    repo.write("data/big.csv", &big);
    repo.write("requirements.txt", "flask==3.0.1\n# comment\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "add data"]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("2 files"), "{}", r.stderr);
}

#[test]
fn a_binary_file_named_dockerfile_does_not_break_anything() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    std::fs::write(repo.path.join("Dockerfile"), b"\x00\x01\x02FROM\xff\xfe\n").unwrap();
    repo.git(&["commit", "-qam", "binary dockerfile"]);
    let r = repo.push(&["origin", "main"]);
    assert!(
        r.stderr.contains("main -> origin/main  1 commit, 1 file"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn a_dockerfile_symlink_and_a_submodule_are_handled() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    std::os::unix::fs::symlink("/etc/passwd", repo.path.join("Dockerfile.prod")).unwrap();
    repo.git(&["add", "Dockerfile.prod"]);
    repo.git(&["commit", "-qm", "symlink"]);
    let lib = sandbox.repo("lib");
    lib.commit_files("lib", &[("lib.py", "y = 1\n")]);
    let url = format!("file://{}", lib.path.display());
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        &url,
        "vendor/lib",
    ]);
    repo.git(&["commit", "-qm", "submodule"]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("2 commits, 3 files"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn a_partial_clone_with_missing_blobs_does_not_crash() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    for i in 0..3 {
        repo.commit_files(
            &format!("c{i}"),
            &[("requirements.txt", &format!("flask==3.1.{i}\n"))],
        );
    }
    assert!(repo.push(&["origin", "main"]).success());
    sandbox.git(&repo.remote, &["config", "uploadpack.allowFilter", "true"]);
    let partial = sandbox.path("partial");
    let url = format!("file://{}", repo.remote_url());
    sandbox.git(
        sandbox.root(),
        &[
            "clone",
            "-q",
            "--filter=blob:none",
            "--no-checkout",
            &url,
            partial.to_str().unwrap(),
        ],
    );
    // Check commits whose blobs were never fetched.
    let out = common::run(sandbox.cmd(PUSHGUARD, &partial).args([
        "check",
        "--format",
        "json",
        "HEAD~3..HEAD",
    ]));
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        common::describe(&out)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["refs"][0]["commits"].as_array().unwrap().len(), 3);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn a_sha256_repository_gets_a_clear_answer() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path("sha256");
    std::fs::create_dir_all(&dir).unwrap();
    sandbox.git(
        &dir,
        &["init", "-q", "--object-format=sha256", "-b", "main"],
    );
    std::fs::write(dir.join("a.py"), "x = 1\n").unwrap();
    sandbox.git(&dir, &["add", "-A"]);
    sandbox.git(&dir, &["commit", "-qm", "one"]);
    let out = common::run(sandbox.cmd(PUSHGUARD, &dir).args(["check"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", common::describe(&out));
    assert!(
        stderr.contains("SHA-256") || stderr.contains("sha256"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A push pushguard cannot read goes ahead loudly by default (`[policy] on_error = "allow"`),
/// and is stopped when the policy says `block`.
#[test]
fn a_push_that_cannot_be_checked_follows_on_error() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path("sha256");
    std::fs::create_dir_all(&dir).unwrap();
    sandbox.git(
        &dir,
        &["init", "-q", "--object-format=sha256", "-b", "main"],
    );
    let remote = sandbox.path("remotes/sha256.git");
    std::fs::create_dir_all(&remote).unwrap();
    sandbox.git(&remote, &["init", "-q", "--bare", "--object-format=sha256"]);
    sandbox.git(&dir, &["remote", "add", "origin", remote.to_str().unwrap()]);
    std::fs::write(dir.join("a.py"), "x = 1\n").unwrap();
    sandbox.git(&dir, &["add", "-A"]);
    sandbox.git(&dir, &["commit", "-qm", "one"]);
    let repo = TestRepo {
        path: dir.clone(),
        remote: remote.clone(),
        sandbox: &sandbox,
    };
    repo.install_hook();

    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stderr.contains("SHA-256"), "{}", r.stderr);
    assert!(r.stderr.contains("NOT checked"), "{}", r.stderr);

    let policy = sandbox.path("strict.toml");
    std::fs::write(&policy, "[policy]\non_error = \"block\"\n").unwrap();
    std::fs::write(dir.join("b.py"), "y = 1\n").unwrap();
    sandbox.git(&dir, &["add", "-A"]);
    sandbox.git(&dir, &["commit", "-qm", "two"]);
    let before = repo.remote_sha("refs/heads/main");
    let r: common::PushResult = common::run(
        repo.push_cmd(&["origin", "main"])
            .env("PUSHGUARD_CONFIG", &policy),
    )
    .into();
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("on_error = \"block\""), "{}", r.stderr);
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn a_pushguard_toml_symlinked_elsewhere_is_refused_not_followed() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    // A file outside the checkout holding what must never be printed.
    let outside = repo.path.parent().unwrap().join("outside.txt");
    std::fs::write(&outside, "SECRET_FROM_OUTSIDE = [\n").unwrap();
    std::os::unix::fs::symlink(&outside, repo.path.join("pushguard.toml")).unwrap();
    repo.git(&["add", "pushguard.toml"]);
    repo.git(&["commit", "-q", "-m", "link"]);
    let r = repo.push(&["origin", "main"]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
    assert!(!r.stderr.contains("SECRET_FROM_OUTSIDE"), "{}", r.stderr);
}

#[test]
fn a_config_error_on_a_huge_line_quotes_a_short_excerpt() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let line = format!(
        "[rules.empty-commit]\nseverity = \"{}\n",
        "x".repeat(200_000)
    );
    repo.commit_files("config", &[("pushguard.toml", &line)]);
    let r = repo.push(&["origin", "main"]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("pushguard.toml:2"), "{}", r.stderr);
    assert!(
        r.stderr.len() < 4096,
        "a short excerpt: {} bytes",
        r.stderr.len()
    );
}

#[test]
fn pushguard_log_into_a_closed_pipe_exits_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    // Many overrides, so the table outgrows the pipe after the reader has gone.
    let log = repo.path.join(".git/pushguard/audit.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let line = "{\"time\":\"2024-01-01T00:00:00Z\",\"how\":\"skip\",\"remote\":\"origin\",\"ref\":\"main\",\"rules\":[\"empty-commit\"],\"reason\":\"x\",\"commit\":null}\n";
    std::fs::write(&log, line.repeat(20_000)).unwrap();
    let mut child = sandbox
        .cmd(PUSHGUARD, &repo.path)
        .arg("log")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(first.starts_with("TIME"), "{first}");
    assert_eq!(out.status.code(), Some(0), "{}", common::describe(&out));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn init_never_writes_through_a_link() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let target = repo.path.parent().unwrap().join("elsewhere.toml");
    std::os::unix::fs::symlink(&target, repo.path.join("pushguard.toml")).unwrap();
    for args in [&["init"][..], &["init", "--force"][..]] {
        let out = common::run(sandbox.cmd(PUSHGUARD, &repo.path).args(args));
        assert_ne!(out.status.code(), Some(0), "{}", common::describe(&out));
        assert!(!target.exists(), "wrote through the link with {args:?}");
    }
}

#[test]
fn credentials_on_quoted_lines_are_masked_in_every_format() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    repo.commit_files(
        "ci",
        &[(
            ".github/workflows/deploy.yml",
            "on:\n  push:\n    branches: [main]\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n      - run: flyctl deploy --remote-only --no-cache --access-token fo1_Zk2xQ9sVb7Lm4Np0Rt8Wc3\n",
        )],
    );
    let (out, doc) = check_json(&sandbox, &repo, "HEAD^!");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("fo1_Zk2xQ9sVb7Lm4Np0Rt8Wc3"), "{text}");
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "no-cache-deploy")
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert!(
        f["message"].as_str().unwrap().contains("--access-token …"),
        "{f:#}"
    );
    let plain = common::run(sandbox.cmd(PUSHGUARD, &repo.path).args(["check", "HEAD^!"]));
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("Zk2xQ9sVb7"));
}

#[test]
fn a_remote_url_with_escapes_is_shown_escaped() {
    let sandbox = Sandbox::new();
    let repo = deployed(&sandbox);
    let odd = sandbox.root().join("r\x1b[31mred.git");
    sandbox.git(
        sandbox.root(),
        &["init", "-q", "--bare", odd.to_str().unwrap()],
    );
    repo.commit_files("edit", &[("main.py", "print('hey')\n")]);
    let r = repo.push(&[odd.to_str().unwrap(), "main"]);
    assert!(r.success(), "{r:?}");
    // git prints the URL itself ("To …"); pushguard's own lines are escaped.
    for line in r.stderr.lines().filter(|l| !l.starts_with("To ")) {
        no_escapes(line);
    }
    assert!(r.stderr.contains("r\\e[31mred.git"), "{}", r.stderr);
}
