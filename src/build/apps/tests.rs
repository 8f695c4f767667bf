use super::*;
use crate::deploy::locate::{locate_configs as locate_fly_tomls, How, CACHE_FILE};

/// A repository whose HEAD tree holds `files`.
fn repo_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    let tree_id = index.write_tree().unwrap();
    {
        let tree = repo.find_tree(tree_id).unwrap();
        let sig = git2::Signature::now("t", "t@example.com").unwrap();
        repo.commit(Some("HEAD"), &sig, &sig, "init", &tree, &[])
            .unwrap();
    }
    (dir, repo)
}

fn discover_head(repo: &Repository, config: &Config) -> Discovery {
    let tree = repo.head().unwrap().peel_to_tree().unwrap();
    discover(repo, &tree, config, None)
}

#[test]
fn a_root_dockerfile_is_one_app() {
    let (_d, repo) = repo_with(&[("Dockerfile", "FROM scratch\n")]);
    let found = discover_head(&repo, &Config::builtin());
    assert_eq!(found.apps.len(), 1);
    let app = &found.apps[0];
    assert_eq!(
        (
            app.name.as_str(),
            app.context.as_str(),
            app.dockerfile.as_str()
        ),
        ("app", "", "Dockerfile")
    );
    assert_eq!(app.origin, AppOrigin::RootDockerfile);
    assert!(found.notes.is_empty());
}

#[test]
fn fly_tomls_define_apps_in_their_directories() {
    let (_d, repo) = repo_with(&[
        ("Dockerfile", "FROM scratch\n"),
        (
            "apps/api/fly.toml",
            "app = \"acme-api\"\nprimary_region = \"ams\"\n[build]\ndockerfile = \"docker/Dockerfile.prod\"\nbuild-target = \"runtime\"\n[build.args]\nPY = \"3.12\"\nN = 2\n[[services]]\ninternal_port = 8080\n",
        ),
        ("apps/api/docker/Dockerfile.prod", "FROM scratch\n"),
        ("apps/web/fly.toml", "app = \"acme-web\"\n"),
        ("apps/web/Dockerfile", "FROM scratch\n"),
        ("apps/img/fly.toml", "app = \"img\"\n[build]\nimage = \"nginx:1\"\n"),
    ]);
    let found = discover_head(&repo, &Config::builtin());
    assert!(found.notes.is_empty(), "{:?}", found.notes);
    let names: Vec<&str> = found.apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["acme-api", "acme-web"]);
    let api = &found.apps[0];
    assert_eq!(api.context, "apps/api");
    assert_eq!(api.dockerfile, "apps/api/docker/Dockerfile.prod");
    assert_eq!(api.target.as_deref(), Some("runtime"));
    assert_eq!(api.build_args.get("PY").map(String::as_str), Some("3.12"));
    assert_eq!(api.build_args.get("N").map(String::as_str), Some("2"));
    assert_eq!(api.label(), "apps/api");
    assert_eq!(api.in_context(b"apps/api/x.py"), Some(&b"x.py"[..]));
    assert_eq!(api.in_context(b"apps/apix/y"), None);
    assert_eq!(
        fly_build_args(
            &repo,
            &repo.head().unwrap().peel_to_tree().unwrap(),
            "apps/api/fly.toml"
        )
        .len(),
        2
    );
}

#[test]
fn broken_and_dockerless_fly_tomls_are_notes() {
    let (_d, repo) = repo_with(&[
        ("a/fly.toml", "app = \"a\"\n[build\n"),
        (
            "b/fly.toml",
            "app = \"b\"\n[build]\ndockerfile = \"Nope\"\n",
        ),
        ("c/fly.toml", "app = \"c\"\n"),
        ("d/fly.toml", "[build]\ndockerfile = \"../../x\"\n"),
    ]);
    let found = discover_head(&repo, &Config::builtin());
    assert!(found.apps.is_empty());
    let notes: Vec<(&str, Option<u32>)> = found
        .notes
        .iter()
        .map(|n| (n.path.as_str(), n.line))
        .collect();
    assert_eq!(
        notes,
        [
            ("a/fly.toml", Some(2)),
            ("b/fly.toml", Some(3)),
            ("c/fly.toml", None),
            ("d/fly.toml", Some(2))
        ]
    );
    assert!(found.notes[0].message.contains("does not parse"));
    assert!(found.notes[1].message.contains("b/Nope"));
}

#[test]
fn the_search_stops_at_depth_and_skips_dependency_trees() {
    let (_d, repo) = repo_with(&[
        ("a/b/c/d/fly.toml", "app = \"deep\"\n"),
        ("a/b/c/d/Dockerfile", "FROM scratch\n"),
        ("a/b/c/d/e/fly.toml", "app = \"too-deep\"\n"),
        ("a/b/c/d/e/Dockerfile", "FROM scratch\n"),
        ("node_modules/x/fly.toml", "app = \"dep\"\n"),
        ("node_modules/x/Dockerfile", "FROM scratch\n"),
        (".hidden/fly.toml", "app = \"hidden\"\n"),
        (".hidden/Dockerfile", "FROM scratch\n"),
    ]);
    let found = discover_head(&repo, &Config::builtin());
    let names: Vec<&str> = found.apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["deep"]);
}

#[test]
fn config_apps_come_first_and_replace_fly_apps_of_the_same_name() {
    let (_d, repo) = repo_with(&[
        ("svc/fly.toml", "app = \"svc\"\n"),
        ("svc/Dockerfile", "FROM scratch\n"),
        ("Dockerfile", "FROM scratch\n"),
    ]);
    let config = Config::from_user_toml(
        "[[app]]\nname = \"svc\"\ncontext = \".\"\ndockerfile = \"svc/Dockerfile\"\n\
         [[app]]\nname = \"worker\"\ncontext = \"./worker/\"\ntarget = \"w\"\nbranches = [\"prod\"]\n",
        std::path::Path::new("pushguard.toml"),
    )
    .unwrap();
    let found = discover_head(&repo, &config);
    let apps: Vec<(&str, &str, &str)> = found
        .apps
        .iter()
        .map(|a| (a.name.as_str(), a.context.as_str(), a.dockerfile.as_str()))
        .collect();
    assert_eq!(
        apps,
        [
            ("svc", "", "svc/Dockerfile"),
            ("worker", "worker", "worker/Dockerfile")
        ]
    );
    assert_eq!(found.apps[1].branches, ["prod"]);
    assert!(config.deploys_anything("prod"));
    assert!(!config.deploys_app(&found.apps[1].branches, "main"));
    assert!(config.deploys_app(&found.apps[0].branches, "main"));
}

/// Writes `files`, removes `gone`, stages everything and commits; returns the tree.
fn commit_change<'r>(
    dir: &std::path::Path,
    repo: &'r Repository,
    files: &[(&str, &str)],
    gone: &[&str],
) -> Tree<'r> {
    for (path, text) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    for path in gone {
        std::fs::remove_file(dir.join(path)).unwrap();
    }
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.update_all(["*"], None).unwrap();
    let tree_id = index.write_tree().unwrap();
    let tree = repo.find_tree(tree_id).unwrap();
    let sig = git2::Signature::now("t", "t@example.com").unwrap();
    let parent = repo.head().unwrap().peel_to_commit().unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "change", &tree, &[&parent])
        .unwrap();
    tree
}

#[test]
fn fly_toml_locations_are_cached_and_derived_from_the_diff() {
    let (dir, repo) = repo_with(&[
        ("a/fly.toml", "app = \"a\"\n"),
        ("keep/fly.toml", "app = \"k\"\n"),
        ("x.py", "1\n"),
    ]);
    let t1 = repo.head().unwrap().peel_to_tree().unwrap();
    let first = locate_fly_tomls(&repo, &t1, None);
    assert_eq!(first.how, How::Walked);
    assert_eq!(first.paths, ["a/fly.toml", "keep/fly.toml"]);
    assert_eq!(locate_fly_tomls(&repo, &t1, None).how, How::Cached);

    let t2 = commit_change(
        dir.path(),
        &repo,
        &[
            ("b/c/fly.toml", "app = \"b\"\n"),
            ("fly.toml", "app = \"root\"\n"),
            ("node_modules/m/fly.toml", "app = \"m\"\n"),
            ("d1/d2/d3/d4/d5/fly.toml", "app = \"deep\"\n"),
            ("keep/fly.toml", "app = \"k2\"\n"),
        ],
        &["a/fly.toml"],
    );
    let changed = crate::git::changes::diff_trees(&repo, Some(&t1), Some(&t2)).unwrap();
    let derived = locate_fly_tomls(
        &repo,
        &t2,
        Some(Previous {
            tree: t1.id(),
            changed: &changed,
        }),
    );
    assert_eq!(derived.how, How::Derived);
    assert_eq!(derived.paths, ["fly.toml", "keep/fly.toml", "b/c/fly.toml"]);
    // The same as a walk of the new tree.
    let cache = crate::state::state_dir(&repo).join(CACHE_FILE);
    std::fs::write(&cache, "not json").unwrap();
    let walked = locate_fly_tomls(&repo, &t2, None);
    assert_eq!(walked.how, How::Walked);
    assert_eq!(walked.paths, derived.paths);
    // Discovery goes through the cache too.
    let found = discover(&repo, &t2, &Config::builtin(), None);
    assert!(found.apps.is_empty());
    assert_eq!(found.notes.len(), 3, "{:?}", found.notes);
    // A link in the cache's place is neither read nor written through.
    let elsewhere = repo.path().join("elsewhere.json");
    std::fs::write(&elsewhere, "keep").unwrap();
    std::fs::remove_file(&cache).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &cache).unwrap();
    assert_eq!(locate_fly_tomls(&repo, &t1, None).how, How::Walked);
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep");
}
