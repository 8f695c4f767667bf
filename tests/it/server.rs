//! pushguard as a server-side pre-receive hook: a real bare repository with the hook, real
//! pushes that are accepted and rejected, the report relayed as `remote:` lines.

use crate::common;

use common::{write_executable, Sandbox, TestRepo, PUSHGUARD};

/// `git args` in `repo` with `input` on stdin; its trimmed stdout.
fn git_stdin(sandbox: &Sandbox, repo: &TestRepo<'_>, args: &[&str], input: &[u8]) -> String {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = sandbox
        .cmd("git", &repo.path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    String::from_utf8(child.wait_with_output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_owned()
}

fn server_hook(repo: &TestRepo<'_>) {
    let hook = repo.remote.join("hooks/pre-receive");
    write_executable(
        &hook,
        &format!("#!/bin/sh\nexec '{PUSHGUARD}' hook pre-receive\n"),
    );
}

/// A repository whose server runs pushguard, with a pushed `pushguard.toml` that makes
/// empty commits block.
fn strict_server(sandbox: &Sandbox) -> TestRepo<'_> {
    let repo = sandbox.repo("app");
    server_hook(&repo);
    repo.commit_files(
        "init",
        &[
            ("app.py", "x = 1\n"),
            (
                "pushguard.toml",
                "[rules.empty-commit]\nseverity = \"block\"\n",
            ),
        ],
    );
    assert!(repo.push(&["origin", "main"]).success());
    repo
}

#[test]
fn an_accepted_push_shows_the_verdict_as_remote_lines() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    server_hook(&repo);
    repo.commit_files(
        "init",
        &[
            ("Dockerfile", "FROM python:3.12\nCOPY . .\n"),
            ("app.py", "x = 1\n"),
        ],
    );
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    repo.commit_files("deps", &[("requirements.txt", "flask==3.0.0\n")]);
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("remote: pushguard: 1 ref"),
        "{}",
        r.stderr
    );
    // The Dockerfile installs nothing: requirements.txt reaches the image only through
    // `COPY . .`, so the Dockerfile model says incremental where the path rules said partial.
    assert!(
        r.stderr.contains("1 commit, 1 file  INCREMENTAL rebuild"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_blocking_finding_rejects_the_push_and_the_config_comes_from_the_pushed_commit() {
    let sandbox = Sandbox::new();
    let repo = strict_server(&sandbox);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("rebuild: clear cache");
    let r = repo.push(&["origin", "main"]);
    assert!(!r.success(), "{r:?}");
    assert!(
        r.stderr.contains("remote: block[empty-commit]") || r.stderr.contains("empty-commit"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("pre-receive hook declined"),
        "{}",
        r.stderr
    );
    // How to proceed, in the server's terms: no client-side switch skips it.
    let flat = common::flat(&r.stderr.replace("remote: ", ""));
    assert!(
        flat.contains("To proceed: fix the commits named above and push again (this server does not honour Pushguard-Allow trailers")
            && flat.contains("`git push --no-verify` does not skip a server's hook"),
        "{}",
        r.stderr
    );
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn only_commits_new_to_the_server_are_inspected() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    server_hook(&repo);
    repo.commit_files("init", &[("app.py", "x = 1\n")]);
    for i in 0..3 {
        repo.commit_files(&format!("c{i}"), &[("app.py", &format!("x = {i}\n"))]);
    }
    assert!(repo.push(&["origin", "main"]).success());
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.commit_files("feature", &[("f.py", "y = 1\n")]);
    let r = repo.push(&["origin", "feature"]);
    assert!(r.success(), "{r:?}");
    assert!(
        r.stderr.contains("new branch, 1 commit, 1 file"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_server_ignores_pushguard_allow_trailers_unless_its_own_config_honours_them() {
    let sandbox = Sandbox::new();
    let repo = strict_server(&sandbox);
    let sha = repo
        .commit_empty("redeploy\n\nPushguard-Allow: empty-commit restart after the DB failover");
    // CI sees what the pre-push hook sees: accepted, so check allows it and lists no finding.
    let out = common::run(sandbox.cmd(PUSHGUARD, &repo.path).args([
        "check",
        "--format",
        "json",
        &format!("{sha}^!"),
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", common::describe(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["decision"], "allow");
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Pushguard-Allow: empty-commit accepted"));
    // The pusher wrote the trailer: a server that does not trust pushers ignores it, even
    // when the pushed pushguard.toml asks to honour it.
    repo.commit_files(
        "ask for trailers",
        &[(
            "pushguard.toml",
            "[rules.empty-commit]\nseverity = \"block\"\n[policy]\nserver_trailers = \"honour\"\n",
        )],
    );
    // (Pushed with a real change, the first empty commit costs no build of its own.)
    assert!(repo.push(&["origin", "main"]).success());
    let sha = repo
        .commit_empty("redeploy\n\nPushguard-Allow: empty-commit restart after the DB failover");
    let before = repo.remote_sha("refs/heads/main");
    let r = repo.push(&["origin", "main"]);
    assert!(!r.success(), "{r:?}");
    assert!(
        r.stderr
            .contains("trailers are not honoured on this server"),
        "{}",
        r.stderr
    );
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
    // The server's own configuration can honour them.
    let config = repo.remote.join("server-pushguard.toml");
    std::fs::write(
        &config,
        "[rules.empty-commit]\nseverity = \"block\"\n[policy]\nserver_trailers = \"honour\"\n",
    )
    .unwrap();
    write_executable(
        &repo.remote.join("hooks/pre-receive"),
        &format!(
            "#!/bin/sh\nexec '{PUSHGUARD}' --config '{}' hook pre-receive\n",
            config.display()
        ),
    );
    let r = repo.push(&["origin", "main"]);
    assert!(r.success(), "{r:?}");
    assert_eq!(
        repo.remote_sha("refs/heads/main").as_deref(),
        Some(sha.as_str())
    );
}

#[test]
fn commits_pushed_to_a_scratch_branch_first_are_still_judged_on_the_deploy_branch() {
    let sandbox = Sandbox::new();
    let repo = strict_server(&sandbox);
    let before = repo.remote_sha("refs/heads/main");
    repo.commit_empty("rebuild: clear cache");
    let r = repo.push(&["origin", "HEAD:tmp"]);
    assert!(r.success(), "tmp is not a deploy branch: {r:?}");
    let r = repo.push(&["origin", "HEAD:main"]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("empty-commit"), "{}", r.stderr);
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn each_update_is_judged_under_its_own_pushed_configuration() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    server_hook(&repo);
    let base = repo.commit_files("init", &[("app.py", "x = 1\n")]);
    assert!(repo.push(&["origin", "main"]).success());
    // `production` carries a configuration that makes it the deploy branch and blocks
    // empty commits; `other` (pushed in the same push, listed first) carries none.
    repo.git(&["checkout", "-q", "-b", "production"]);
    repo.commit_files(
        "config",
        &[(
            "pushguard.toml",
            "[deploy]\nbranches = [\"production\"]\n\n[rules.empty-commit]\nseverity = \"block\"\n",
        )],
    );
    assert!(repo.push(&["origin", "production"]).success());
    repo.commit_empty("rebuild please");
    repo.git(&["checkout", "-q", "-b", "other", &base]);
    repo.commit_files("work", &[("b.py", "y = 1\n")]);
    let r = repo.push(&["origin", "other", "production"]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("empty-commit"), "{}", r.stderr);
}

#[test]
fn an_oversized_pushed_configuration_is_refused_with_a_short_message() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    server_hook(&repo);
    repo.commit_files("init", &[("app.py", "x = 1\n")]);
    assert!(repo.push(&["origin", "main"]).success());
    let huge = "\0".repeat(2 * 1024 * 1024);
    repo.commit_files("config", &[("pushguard.toml", &huge)]);
    let r = repo.push(&["origin", "main"]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("larger than"), "{}", r.stderr);
    assert!(
        r.stderr.len() < 4096,
        "a short message: {} bytes",
        r.stderr.len()
    );
}

#[test]
fn a_commit_the_server_cannot_read_is_rejected() {
    let sandbox = Sandbox::new();
    let repo = strict_server(&sandbox);
    // The server's own configuration, so the analysis (not the configuration lookup) meets
    // the unreadable tree.
    let config = repo.remote.join("server-pushguard.toml");
    std::fs::write(&config, "[rules.empty-commit]\nseverity = \"block\"\n").unwrap();
    write_executable(
        &repo.remote.join("hooks/pre-receive"),
        &format!(
            "#!/bin/sh\nexec '{PUSHGUARD}' --config '{}' hook pre-receive\n",
            config.display()
        ),
    );
    let before = repo.remote_sha("refs/heads/main");
    // A tree entry with the mode `1100644`: git accepts it (even with fsck) and checks it
    // out as a file; libgit2 cannot parse the tree.
    let hash_stdin = |args: &[&str], input: &[u8]| git_stdin(&sandbox, &repo, args, input);
    let blob = hash_stdin(&["hash-object", "-w", "--stdin"], b"x\n");
    let mut tree_bytes = b"1100644 file\0".to_vec();
    tree_bytes.extend((0..20).map(|i| u8::from_str_radix(&blob[2 * i..2 * i + 2], 16).unwrap()));
    let tree = hash_stdin(
        &["hash-object", "-t", "tree", "--literally", "-w", "--stdin"],
        &tree_bytes,
    );
    let commit = repo.git_ok(&["commit-tree", &tree, "-p", "HEAD", "-m", "odd tree"]);
    let r = repo.push(&["origin", &format!("{commit}:refs/heads/main")]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("cannot inspect"), "{}", r.stderr);
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn a_push_past_the_time_budget_is_rejected_as_not_inspected() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    let config = repo.remote.join("server-pushguard.toml");
    std::fs::write(&config, "[policy]\ntime_budget_seconds = 1\n").unwrap();
    write_executable(
        &repo.remote.join("hooks/pre-receive"),
        &format!(
            "#!/bin/sh\nexec '{PUSHGUARD}' --config '{}' hook pre-receive\n",
            config.display()
        ),
    );
    // Patterns that share no literal text, so each must be matched against every path.
    let classes = ["?", "[a-z]", "[0-9]", "[!q]", "[a-f]", "[xyz]"];
    let mut patterns = Vec::new();
    'outer: for a in classes {
        for b in classes {
            for c in classes {
                for d in classes {
                    for e in classes {
                        patterns.push(format!("*{a}*{b}*{c}*{d}*{e}[0-9]"));
                        if patterns.len() == 6000 {
                            break 'outer;
                        }
                    }
                }
            }
        }
    }
    let ignore = patterns.join("\n") + "\n";
    repo.commit_files(
        "init",
        &[
            ("Dockerfile", "FROM python:3.12\nWORKDIR /app\nCOPY . .\n"),
            (".dockerignore", &ignore),
        ],
    );
    // The remote gets the app first: against a previous build, every pushed file must be
    // sorted through the .dockerignore (a first build re-runs everything without that).
    let first = repo.push(&["origin", "main"]);
    assert!(first.success(), "{first:?}");
    let before = repo.remote_sha("refs/heads/main");
    assert!(before.is_some());
    let files: Vec<(String, String)> = (0..3000)
        .map(|i| {
            (
                format!("src/module_{}/file_{i}.py", i % 40),
                "x = 1\n".to_owned(),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    repo.commit_files("many files", &refs);
    let started = std::time::Instant::now();
    let r = repo.push(&["origin", "main"]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("time budget"), "{}", r.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(repo.remote_sha("refs/heads/main"), before);
}

#[test]
fn a_tag_pointing_at_a_tree_is_judged_like_a_commit() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    server_hook(&repo);
    repo.commit_files("init", &[("app.py", "x = 1\n")]);
    assert!(repo.push(&["origin", "main"]).success());
    repo.write(
        "Dockerfile",
        "FROM alpine\nENV AWS_ACCESS_KEY_ID=AKIAZ3PQ7RT2LM5XW9KD\nENV AWS_SECRET_ACCESS_KEY=q8Vn2LxT7bR0fKw9ZyH3mP5sJd1Gc6Ae4Ut8NoQi\n",
    );
    repo.git_ok(&["add", "Dockerfile"]);
    let tree = repo.git_ok(&["write-tree"]).trim().to_owned();
    let r = repo.push(&["origin", &format!("{tree}:refs/tags/snapshot")]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("block[secret-in-image]"), "{}", r.stderr);
    assert!(
        !r.stderr
            .contains("q8Vn2LxT7bR0fKw9ZyH3mP5sJd1Gc6Ae4Ut8NoQi"),
        "{}",
        r.stderr
    );
    assert_eq!(repo.remote_sha("refs/tags/snapshot"), None);
}

#[test]
fn a_commit_libgit2_cannot_parse_is_read_through_git() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    server_hook(&repo);
    repo.commit_files("init", &[("app.py", "x = 1\n")]);
    assert!(repo.push(&["origin", "main"]).success());
    let hash_stdin = |args: &[&str], input: &[u8]| git_stdin(&sandbox, &repo, args, input);
    let blob = hash_stdin(
        &["hash-object", "-w", "--stdin"],
        b"FROM alpine\nENV AWS_ACCESS_KEY_ID=AKIAZ3PQ7RT2LM5XW9KD\nENV AWS_SECRET_ACCESS_KEY=q8Vn2LxT7bR0fKw9ZyH3mP5sJd1Gc6Ae4Ut8NoQi\n",
    );
    // A mode git accepts (and checks out as a file) but libgit2 cannot parse.
    let mut tree_bytes = b"1100644 Dockerfile\0".to_vec();
    tree_bytes.extend((0..20).map(|i| u8::from_str_radix(&blob[2 * i..2 * i + 2], 16).unwrap()));
    let tree = hash_stdin(
        &["hash-object", "-t", "tree", "--literally", "-w", "--stdin"],
        &tree_bytes,
    );
    let commit = repo.git_ok(&["commit-tree", &tree, "-p", "HEAD", "-m", "image"]);
    let commit = commit.trim();
    // pushguard check reads it through git and finds the secret.
    let out = common::run(sandbox.cmd(PUSHGUARD, &repo.path).args([
        "check",
        "--format",
        "json",
        &format!("{commit}^!"),
    ]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"secret-in-image"), "{doc:#}");
    // The server blocks it.
    let r = repo.push(&["origin", &format!("{commit}:refs/heads/main")]);
    assert!(!r.success(), "{r:?}");
    assert!(r.stderr.contains("secret-in-image"), "{}", r.stderr);
}
