use super::*;

fn wf(text: &str) -> Workflow {
    read(".github/workflows/deploy.yml", text).expect("parses")
}

#[test]
fn push_filters() {
    let w = wf("on:\n  push:\n    branches: [main, 'release/**']\n    paths-ignore: ['**.md', 'docs/**']\n  workflow_dispatch:\njobs: {}\n");
    assert_eq!(
        w.push.branches,
        Branches::GitHub(vec!["main".into(), "release/**".into()])
    );
    assert!(w.push.tags.is_empty());
    assert_eq!(
        w.push.paths,
        PathFilter::GitHub {
            patterns: vec!["**.md".into(), "docs/**".into()],
            ignore: true
        }
    );
    assert!(w.dispatch);
    let w = wf("on: push\njobs: {}\n");
    assert_eq!(
        (w.push.branches, w.push.tags),
        (Branches::Any, vec!["**".to_owned()])
    );
    let w = wf("on:\n  push:\n    tags: ['v*']\njobs: {}\n");
    assert_eq!(w.push.branches, Branches::None);
    let w = wf("on:\n  push:\n    branches-ignore: [gh-pages]\njobs: {}\n");
    assert_eq!(
        w.push.branches,
        Branches::GitHub(vec!["**".into(), "!gh-pages".into()])
    );
    let w = wf("on: [pull_request, workflow_dispatch]\njobs: {}\n");
    assert_eq!(w.push, Trigger::never());
}

#[test]
fn workflow_run_chains_and_job_conditions() {
    let w = wf("name: Deploy\non:\n  workflow_run:\n    workflows: [\"Build\"]\n    branches: [main]\n    types: [completed]\njobs:\n  deploy:\n    if: ${{ github.event.workflow_run.conclusion == 'success' }}\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: flyctl deploy --remote-only\n");
    assert_eq!(w.after, Some((vec!["Build".into()], vec!["main".into()])));
    assert_eq!(w.deploys.len(), 1);
    assert_eq!(w.deploys[0].only, None);
    assert_eq!(w.deploys[0].line, Some(13));
    let w = wf("on: push\njobs:\n  prod:\n    if: github.ref == 'refs/heads/main' && github.event_name == 'push'\n    steps:\n      - run: railway up --service api\n  tags:\n    if: startsWith(github.ref, 'refs/tags/')\n    steps:\n      - run: railway up --service api\n");
    assert_eq!(
        w.deploys[0].only,
        Some(Branches::Named(vec!["main".into()]))
    );
    assert_eq!(w.deploys[1].only, Some(Branches::None));
    assert_eq!((w.deploys[0].line, w.deploys[1].line), (Some(6), Some(10)));
}

#[test]
fn a_monorepo_deployed_from_the_root() {
    let w = wf("on:\n  push:\n    branches: [main]\njobs:\n  api:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: flyctl deploy . --config apps/api/fly.toml --remote-only\n      - run: |\n          fly deploy -c apps/web/fly.toml \\\n            --build-arg A=1\n");
    let got: Vec<_> = w
        .deploys
        .iter()
        .map(|d| (d.command.dir.clone(), d.command.config.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("".to_owned(), Some("apps/api/fly.toml".to_owned())),
            ("".to_owned(), Some("apps/web/fly.toml".to_owned()))
        ]
    );
}

#[test]
fn working_directories_and_actions() {
    let w = wf("on: push\njobs:\n  d:\n    defaults:\n      run:\n        working-directory: services\n    steps:\n      - run: flyctl deploy api\n      - working-directory: web\n        run: flyctl deploy --remote-only\n      - uses: superfly/flyctl-actions@1.5\n        with:\n          args: \"deploy -c worker\"\n      - uses: docker/build-push-action@v6\n        with:\n          context: ./api\n          push: true\n          tags: ghcr.io/o/api:latest\n          build-args: |\n            VERSION=1\n            STAMP=${{ github.sha }}\n      - uses: actions/deploy-pages@v4\n");
    let got: Vec<_> = w
        .deploys
        .iter()
        .map(|d| (d.command.platform, d.command.dir.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (Platform::Fly, "services/api".to_owned()),
            (Platform::Fly, "web".to_owned()),
            (Platform::Fly, "services".to_owned()),
            (Platform::Container, "api".to_owned()),
            (Platform::GithubPages, "".to_owned()),
        ]
    );
    let Build::Docker(b) = &w.deploys[3].command.build else {
        panic!()
    };
    assert_eq!(b.cli_args, ["VERSION", "STAMP"]);
}

#[test]
fn bad_yaml_is_one_note_with_its_line() {
    let e = read(
        ".github/workflows/x.yml",
        "on: push\njobs:\n  a: [\n    b: c\n",
    )
    .expect_err("bad");
    assert!(e.line.is_some(), "{e:?}");
    assert!(e.message.contains("does not parse as YAML"));
}

/// The line-by-line search [`find_line`] replaced, kept as its reference.
fn find_line_reference(text: &str, cursor: &mut usize, needle: &str) -> Option<u32> {
    let words: Vec<String> = needle
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let mut first = None;
    let mut offset = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        let lower = line.to_ascii_lowercase();
        if !words.iter().all(|w| lower.contains(w.as_str())) {
            continue;
        }
        let n = u32::try_from(i + 1).unwrap();
        if start >= *cursor {
            *cursor = offset;
            return Some(n);
        }
        first.get_or_insert(n);
    }
    first
}

proptest::proptest! {
    #[test]
    fn find_line_agrees_with_a_line_by_line_search(
        text in "[abAB \n-]{0,60}",
        needle in "[abAB ]{0,5}",
        cursor in 0usize..70,
    ) {
        let (mut fast, mut slow) = (cursor, cursor);
        let lower = text.to_ascii_lowercase();
        proptest::prop_assert_eq!(
            find_line(&lower, &mut fast, &needle),
            find_line_reference(&text, &mut slow, &needle)
        );
        proptest::prop_assert_eq!(fast, slow);
    }
}
