use super::*;
use FileKind::*;

fn pair(kind: FileKind, old: &str, new: &str) -> bool {
    is_stamp_pair(kind, old, new)
}

#[test]
fn stamps_in_comments_are_stamps() {
    assert!(pair(
        Python,
        "# deployed 2024-11-07",
        "# deployed 2024-11-08"
    ));
    assert!(pair(
        Python,
        "x = 1  # built 2024-11-07",
        "x = 1  # built 2024-11-08"
    ));
    assert!(pair(
        Dockerfile,
        "# Force rebuild: Thu Nov  7 14:03:11 UTC 2024",
        "# Force rebuild: Fri Nov  8 09:10:11 UTC 2024"
    ));
    assert!(pair(Toml, "# deploy v3", "# deploy v4"));
    assert!(pair(
        Requirements,
        "# updated 2024-11-07",
        "# updated 2024-12-01"
    ));
}

#[test]
fn stamp_named_settings_are_stamps() {
    assert!(pair(
        Dockerfile,
        "ENV BUILD_DATE=2024-11-07",
        "ENV BUILD_DATE=2024-11-08"
    ));
    assert!(pair(
        Dockerfile,
        "ENV BUILD_DATE 2024-11-07",
        "ENV BUILD_DATE 2024-11-08"
    ));
    assert!(pair(Dockerfile, "ARG CACHEBUST=3", "ARG CACHEBUST=4"));
    assert!(pair(
        Toml,
        "  DEPLOYED_AT = \"2024-11-07T10:00:00Z\"",
        "  DEPLOYED_AT = \"2024-11-08T11:00:00Z\""
    ));
    assert!(pair(
        Json,
        "  \"buildDate\": \"2024-11-07\",",
        "  \"buildDate\": \"2024-11-08\","
    ));
    assert!(pair(Yaml, "BUILD_NUMBER: 41", "BUILD_NUMBER: 42"));
    assert!(pair(
        Python,
        "BUILD_TIMESTAMP = 1731000000",
        "BUILD_TIMESTAMP = 1731099999"
    ));
    assert!(pair(
        Dockerfile,
        "LABEL org.opencontainers.image.created=\"2024-11-07\"",
        "LABEL org.opencontainers.image.created=\"2024-11-08\""
    ));
}

#[test]
fn log_text_is_a_stamp() {
    assert!(pair(
        Python,
        "print(\"starting v3\")",
        "print(\"starting v4\")"
    ));
    assert!(pair(
        JavaScript,
        "  console.log(`build 41`);",
        "  console.log(`build 42`);"
    ));
    assert!(pair(
        Dockerfile,
        "RUN echo \"built 2024-11-07\" > /build.txt",
        "RUN echo \"built 2024-11-08\" > /build.txt"
    ));
    assert!(pair(Shell, "echo deploy 7", "echo deploy 8"));
    assert!(pair(
        Python,
        "    logger.info(\"ready %s\", \"2024-11-07\")",
        "    logger.info(\"ready %s\", \"2024-11-08\")"
    ));
}

#[test]
fn real_values_are_not_stamps() {
    let cases = [
        (Python, "CUTOFF = \"2024-11-07\"", "CUTOFF = \"2024-11-08\""),
        (
            Python,
            "client = Client(version=\"v1\")",
            "client = Client(version=\"v2\")",
        ),
        (
            Json,
            "  \"version\": \"v1.2.3\",",
            "  \"version\": \"v1.2.4\",",
        ),
        (
            Json,
            "  \"version\": \"1.2.3\",",
            "  \"version\": \"1.2.4\",",
        ),
        (Dockerfile, "ENV APP_VERSION=v3", "ENV APP_VERSION=v4"),
        (Dockerfile, "ARG TOOL_VER=v1.2", "ARG TOOL_VER=v1.3"),
        (
            Dockerfile,
            "FROM python:3.12-slim-bookworm-20241107",
            "FROM python:3.12-slim-bookworm-20241108",
        ),
        (
            Dockerfile,
            "RUN curl -o x https://snapshot.debian.org/archive/debian/20241107T000000Z/x",
            "RUN curl -o x https://snapshot.debian.org/archive/debian/20241108T000000Z/x",
        ),
        (
            Toml,
            "image = \"registry/app:v2-20241107\"",
            "image = \"registry/app:v2-20241108\"",
        ),
        (Requirements, "flask==3.0.1", "flask==3.0.2"),
        (
            Dockerfile,
            "ENV MAX_BUILD_WORKERS=4",
            "ENV MAX_BUILD_WORKERS=8",
        ),
        (Dockerfile, "ENV DOCKER_BUILDKIT=0", "ENV DOCKER_BUILDKIT=1"),
        (Yaml, "start_date: 2024-01-01", "start_date: 2024-02-01"),
        (
            Yaml,
            "  - run: ./deploy.sh 2024-11-07",
            "  - run: ./deploy.sh 2024-11-08",
        ),
        (
            Python,
            "assert parse(\"2024-11-07\")",
            "assert parse(\"2024-11-08\")",
        ),
        (Other, "2024-11-07", "2024-11-08"),
        (Python, "# same", "# same"),
        (Python, "#  deployed 2024-11-07", "# deployed 2024-11-08"),
    ];
    for (kind, old, new) in cases {
        assert!(!pair(kind, old, new), "{kind:?}: {old} → {new}");
    }
}

#[test]
fn lines_pair_up_in_order() {
    let removed = vec![
        (1, "# built 2024-11-07".to_owned()),
        (2, "ENV BUILD_NUMBER=7".to_owned()),
    ];
    let added = vec![
        (1, "# built 2024-11-08".to_owned()),
        (2, "ENV BUILD_NUMBER=8".to_owned()),
    ];
    let lines = stamp_lines(Dockerfile, &removed, &added).expect("stamps");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].line, 2);
    assert_eq!(stamp_lines(Dockerfile, &removed, &added[..1]), None);
    assert_eq!(stamp_lines(Dockerfile, &[], &[]), None);
    let mixed = vec![
        (1, "# built 2024-11-08".to_owned()),
        (2, "RUN pip install x".to_owned()),
    ];
    assert_eq!(stamp_lines(Dockerfile, &removed, &mixed), None);
}

#[test]
fn key_words_split_camel_case_and_separators() {
    assert_eq!(key_words("lastDeployedAt"), ["LAST", "DEPLOYED", "AT"]);
    assert_eq!(key_words("BUILD_DATE"), ["BUILD", "DATE"]);
    assert_eq!(key_words("__version__"), ["VERSION"]);
    assert!(is_stamp_key("CACHEBUST"));
    assert!(is_stamp_key("cache-bust"));
    assert!(is_stamp_key("TIMESTAMP"));
    assert!(is_stamp_key("LAST_DEPLOY"));
    assert!(!is_stamp_key("BUILD_TIMEOUT"));
    assert!(!is_stamp_key("SERVER"));
    assert!(is_version_key("toolVer"));
    assert!(!is_version_key("SERVER"));
}

#[test]
fn docs_paths() {
    for p in [
        "README.md",
        "docs/deploy.rst",
        "CHANGELOG",
        "app/docs/x.html",
        "NOTES.txt",
    ] {
        assert!(is_docs_path(p), "{p}");
    }
    for p in ["main.py", "requirements.txt", "fly.toml", "Dockerfile"] {
        assert!(!is_docs_path(p), "{p}");
    }
}

#[test]
fn other_rules_own_their_findings() {
    use crate::config::Config;
    use crate::git::changes::{Blob, FileChange};
    use crate::rules::{Claim, Registry};
    let config = Config::builtin();
    let rules = Registry::new(&config);
    let owners =
        |rules: &Registry<'_>, line: &str| rules.claimed_by_other(ID, &Claim::CacheBustLine(line));
    assert!(owners(&rules, "ARG CACHEBUST=3"));
    assert!(owners(&rules, "arg build_date=2024-11-07"));
    assert!(!owners(&rules, "ENV BUILD_DATE=2024-11-07"));
    assert!(!owners(&rules, "ARG PORT=8080"));
    let blob = Blob {
        id: git2::Oid::ZERO_SHA1,
        kind: EntryKind::File,
    };
    let file = FileChange {
        path: b"app/settings.py".to_vec(),
        kind: ChangeKind::Modified,
        old: Some(blob),
        new: Some(blob),
    };
    // `timestamp-edit` is on: `dummy-source-edit` leaves stamp bumps to it.
    assert!(rules.claimed_by_other(
        super::super::dummy_source_edit::ID,
        &Claim::StampEdit(&file)
    ));
    let off = Config::from_user_toml(
        "[rules.cache-bust-arg]\nseverity = \"off\"\n",
        std::path::Path::new("pushguard.toml"),
    )
    .expect("valid config");
    assert!(!owners(&Registry::new(&off), "ARG CACHEBUST=3"));
}

#[test]
fn hostile_lines_do_not_panic() {
    let odd = [
        "",
        "=",
        ":",
        "é=é",
        "\"",
        "echo \"",
        "a=\u{202e}1",
        "LABEL",
        "ENV",
    ];
    for a in odd {
        for b in odd {
            let _ = is_stamp_pair(Dockerfile, a, b);
            let _ = is_stamp_pair(Python, a, &format!("{b}2024-11-07"));
        }
    }
}
