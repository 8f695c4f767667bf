use super::*;
use ChangeNature::*;
use FileKind::*;

fn masks_equal(a: &str, b: &str) -> bool {
    mask_volatile(a) == mask_volatile(b)
}

#[test]
fn kinds_from_paths() {
    let cases = [
        ("Dockerfile", Dockerfile),
        ("deploy/Dockerfile.prod", Dockerfile),
        ("api.dockerfile", Dockerfile),
        ("Containerfile", Dockerfile),
        ("Dockerfile.dockerignore", Other),
        (".dockerignore", Other),
        ("app/main.py", Python),
        ("web/src/App.tsx", JavaScript),
        ("index.mjs", JavaScript),
        ("scripts/entry.sh", Shell),
        ("pyproject.toml", Toml),
        (".github/workflows/ci.yml", Yaml),
        ("fly.yaml", Yaml),
        ("requirements.txt", Requirements),
        ("requirements-dev.txt", Requirements),
        ("constraints.txt", Requirements),
        ("requirements/base.in", Requirements),
        ("requirements/prod.txt", Requirements),
        ("notes.txt", Other),
        ("README.md", Markdown),
        ("package.json", Json),
        ("Makefile", Other),
        // Case never matters, and a name is only a Dockerfile as a whole word.
        ("REQUIREMENTS.TXT", Requirements),
        ("Requirements/Base.IN", Requirements),
        ("Dockerfile.Prod", Dockerfile),
        ("svc/CONTAINERFILE", Dockerfile),
        ("api.DockerFile", Dockerfile),
        ("Dockerfiles", Other),
        ("App.PY", Python),
        ("x.Dockerignore", Other),
    ];
    for (path, kind) in cases {
        assert_eq!(FileKind::from_path(path), kind, "{path}");
    }
    assert!(Markdown.is_docs() && !Python.is_docs());
}

#[test]
fn identical_and_whitespace_only() {
    assert_eq!(compare(Python, "x = 1\n", "x = 1\n"), Identical);
    assert_eq!(compare(Python, "x = 1\n", "x = 1   \n"), WhitespaceOnly);
    assert_eq!(compare(Python, "x = 1\n", "x  =  1\n"), WhitespaceOnly);
    assert_eq!(
        compare(Python, "x = 1\ny = 2\n", "x = 1\n\n\ny = 2\n"),
        WhitespaceOnly
    );
    assert_eq!(
        compare(Yaml, "a: 1\r\nb: 2\r\n", "a: 1\nb: 2\n"),
        WhitespaceOnly
    );
    assert_eq!(
        compare(
            Json,
            "{\"a\": [1, 2]}",
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n"
        ),
        WhitespaceOnly
    );
    assert_eq!(compare(Other, "a\n", "a \n"), WhitespaceOnly);
}

#[test]
fn python_indentation_is_functional() {
    let old = "if x:\n    a()\n    b()\n";
    let new = "if x:\n    a()\nb()\n";
    assert_eq!(compare(Python, old, new), Functional);
    // Inside brackets indentation is not significant.
    let old = "f(\n    a,\n    b)\n";
    let new = "f(\n        a,\n  b)\n";
    assert_eq!(compare(Python, old, new), WhitespaceOnly);
    // After a backslash continuation neither.
    assert_eq!(
        compare(Python, "x = 1 + \\\n    2\n", "x = 1 + \\\n  2\n"),
        WhitespaceOnly
    );
}

#[test]
fn python_comments() {
    assert_eq!(
        compare(Python, "x = 1  # note\n", "x = 1  # other note\n"),
        CommentOnly
    );
    assert_eq!(compare(Python, "x = 1\n", "# header\nx = 1\n"), CommentOnly);
    assert_eq!(
        compare(
            Python,
            "    # indented comment\nx = 1\n",
            "# indented comment\nx = 1\n"
        ),
        WhitespaceOnly
    );
    assert_eq!(
        compare(Python, "s = 'a # b'\n", "s = 'a # c'\n"),
        Functional
    );
    assert_eq!(
        compare(Python, "s = \"a\"  # x\n", "s = \"b\"  # x\n"),
        Functional
    );
}

#[test]
fn python_docstrings_are_code() {
    let old = "def f():\n    \"\"\"Doc.\n    # not a comment\n    \"\"\"\n";
    let new = "def f():\n    \"\"\"Doc.\n    # changed\n    \"\"\"\n";
    assert_eq!(compare(Python, old, new), Functional);
    let old = "x = '''\n# a\n'''\ny = 1  # c\n";
    let new = "x = '''\n# a\n'''\ny = 1  # d\n";
    assert_eq!(compare(Python, old, new), CommentOnly);
    assert_eq!(
        compare(
            Python,
            "\"\"\"Module doc.\"\"\"\n",
            "\"\"\"Module docs.\"\"\"\n"
        ),
        Functional
    );
}

#[test]
fn javascript_comments() {
    let old = "/* header\n * v1\n */\nconst a = 1; // x\n";
    let new = "/* header\n * v2, longer\n */\nconst a = 1; // y\n";
    assert_eq!(compare(JavaScript, old, new), CommentOnly);
    assert_eq!(
        compare(JavaScript, "const a = 1;\n", "const a = 2;\n"),
        Functional
    );
    assert_eq!(
        compare(
            JavaScript,
            "const u = 'http://x';\n",
            "const u = 'http://y';\n"
        ),
        Functional
    );
    assert_eq!(
        compare(JavaScript, "a /* c */ + b\n", "a /* d */ + b\n"),
        CommentOnly
    );
    assert_eq!(
        compare(
            JavaScript,
            "const t = `\n// in template\n`;\n",
            "const t = `\n// changed\n`;\n"
        ),
        Functional
    );
    assert_eq!(
        compare(
            JavaScript,
            "x = s.replace(/\"/g, '');  // q\n",
            "x = s.replace(/\"/g, '');  // r\n"
        ),
        CommentOnly
    );
    assert_eq!(compare(JavaScript, "  a();\n", "a();\n"), WhitespaceOnly);
}

#[test]
fn shell_comments_shebang_and_heredocs() {
    assert_eq!(
        compare(Shell, "#!/bin/sh\necho hi\n", "#!/bin/bash\necho hi\n"),
        Functional
    );
    assert_eq!(
        compare(Shell, "echo hi # a\n", "echo hi # b\n"),
        CommentOnly
    );
    assert_eq!(compare(Shell, "echo a#b\n", "echo a#c\n"), Functional);
    assert_eq!(
        compare(Shell, "echo ${#x} $#\n", "echo ${#y} $#\n"),
        Functional
    );
    assert_eq!(compare(Shell, "echo '# a'\n", "echo '# b'\n"), Functional);
    let old = "cat <<EOF > f\n# line one\nEOF\necho done # x\n";
    let new = "cat <<EOF > f\n# line two\nEOF\necho done # y\n";
    assert_eq!(compare(Shell, old, new), Functional);
    let old = "cat <<-'EOF'\n\t# one\n\tEOF\n# c1\n";
    let new = "cat <<-'EOF'\n\t# one\n\tEOF\n# c2\n";
    assert_eq!(compare(Shell, old, new), CommentOnly);
    assert_eq!(
        compare(Shell, "x=$((1 << 2))\n# a\n", "x=$((1 << 2))\n# b\n"),
        CommentOnly
    );
}

#[test]
fn toml_comments_and_strings() {
    assert_eq!(compare(Toml, "a = 1 # x\n", "a = 1 # y\n"), CommentOnly);
    assert_eq!(compare(Toml, "a = \"#x\"\n", "a = \"#y\"\n"), Functional);
    assert_eq!(
        compare(Toml, "a = '''\n# x\n'''\n", "a = '''\n# y\n'''\n"),
        Functional
    );
    assert_eq!(
        compare(Toml, "[tool]\n  a = 1\n", "[tool]\na = 1\n"),
        WhitespaceOnly
    );
}

#[test]
fn yaml_comments_indentation_and_block_scalars() {
    assert_eq!(compare(Yaml, "a: 1 # x\n", "a: 1 # y\n"), CommentOnly);
    assert_eq!(compare(Yaml, "a:\n  b: 1\n", "a:\nb: 1\n"), Functional);
    assert_eq!(compare(Yaml, "a: 'x # y'\n", "a: 'x # z'\n"), Functional);
    assert_eq!(
        compare(Yaml, "a: it's # c1\n", "a: it's # c2\n"),
        CommentOnly
    );
    assert_eq!(
        compare(Yaml, "url: http://x/#frag\n", "url: http://x/#other\n"),
        Functional
    );
    let old = "steps:\n  - run: |\n      # install\n      pip install x\n    name: deps # c\n";
    let new = "steps:\n  - run: |\n      # install deps\n      pip install x\n    name: deps # c\n";
    assert_eq!(compare(Yaml, old, new), Functional);
    let new = "steps:\n  - run: |\n      # install\n      pip install x\n    name: deps # d\n";
    assert_eq!(compare(Yaml, old, new), CommentOnly);
}

#[test]
fn requirements_comments() {
    assert_eq!(
        compare(
            Requirements,
            "flask==3.0.1  # web\n",
            "flask==3.0.1  # web framework\n"
        ),
        CommentOnly
    );
    assert_eq!(
        compare(Requirements, "flask==3.0.1\n", "flask==3.0.2\n"),
        Functional
    );
    assert_eq!(
        compare(Requirements, "flask\n", "# deps\n\nflask\n"),
        CommentOnly
    );
    assert_eq!(
        compare(
            Requirements,
            "pkg @ https://x/p.zip#egg=pkg\n",
            "pkg @ https://x/p.zip#egg=other\n"
        ),
        Functional
    );
}

#[test]
fn markdown_and_json() {
    assert_eq!(
        compare(Markdown, "# Title\ntext\n", "# Title\ntext!\n"),
        Functional
    );
    assert_eq!(
        compare(
            Markdown,
            "a\n<!-- note -->\nb\n",
            "a\n<!-- other\nnote -->\nb\n"
        ),
        CommentOnly
    );
    assert_eq!(compare(Markdown, "a\n\nb\n", "a\n\n\nb\n"), WhitespaceOnly);
    assert_eq!(compare(Markdown, "    code\n", "code\n"), Functional);
    assert_eq!(
        compare(Json, "{\"a\": \"x y\"}", "{\"a\": \"x  y\"}"),
        Functional
    );
    assert_eq!(
        compare(Json, "{\n// c\n\"a\": 1}", "{\n// d\n\"a\": 1}"),
        CommentOnly
    );
}

#[test]
fn dockerfile_comparisons() {
    let base = "FROM python:3.12-slim\nRUN pip install flask\nCOPY . /app\n";
    let forced = format!("{base}# Force rebuild: Thu Nov  7 14:03:11 UTC 2024\n");
    assert_eq!(compare(Dockerfile, base, &forced), CommentOnly);
    let forced = format!("{base}# Force rebuild: $(date)\n");
    assert_eq!(compare(Dockerfile, base, &forced), CommentOnly);
    let changed = base.replace("flask", "django");
    assert_eq!(compare(Dockerfile, base, &changed), Functional);
    assert_eq!(
        compare(Dockerfile, "RUN pip install x\n", "RUN pip install y\n"),
        Functional
    );
    assert_eq!(
        compare(Dockerfile, "FROM a\nCOPY  x  y\n", "FROM a\nCOPY x y\n"),
        WhitespaceOnly
    );
    assert_eq!(
        compare(
            Dockerfile,
            "RUN <<EOF\necho\nEOF\n",
            "RUN <<EOF\n# c\necho\nEOF\n"
        ),
        Functional
    );
    assert_eq!(
        compare(Dockerfile, "RUN a \\\n  b\n", "RUN a \\\n  # note\n  b\n"),
        CommentOnly
    );
    // One side unparseable: the build breaks, so it matters.
    assert_eq!(compare(Dockerfile, "RUN x\n", "RUN <<EOF\nx\n"), Functional);
    assert_eq!(
        compare(Dockerfile, "RUN <<EOF\n# a\n", "RUN <<EOF\n# b\n"),
        CommentOnly
    );
}

#[test]
fn code_of_line_per_kind() {
    assert_eq!(code_of_line(Python, "x = 1  # c").as_deref(), Some("x = 1"));
    assert_eq!(code_of_line(Python, "    # c"), None);
    assert_eq!(code_of_line(Python, "   "), None);
    assert_eq!(
        code_of_line(Python, "    s = '#'").as_deref(),
        Some("    s = '#'")
    );
    assert_eq!(
        code_of_line(Dockerfile, "RUN echo # not a comment").as_deref(),
        Some("RUN echo # not a comment")
    );
    assert_eq!(code_of_line(Dockerfile, "  # comment"), None);
    assert_eq!(
        code_of_line(Shell, "#!/bin/sh").as_deref(),
        Some("#!/bin/sh")
    );
    assert_eq!(code_of_line(Shell, "# c"), None);
    assert_eq!(
        code_of_line(JavaScript, "a /* c */ b // d").as_deref(),
        Some("a   b")
    );
    assert_eq!(code_of_line(JavaScript, "a/**/b").as_deref(), Some("a b"));
    assert_eq!(code_of_line(JavaScript, "/* only */"), None);
    assert_eq!(
        code_of_line(Requirements, "flask==3.0.1 # web").as_deref(),
        Some("flask==3.0.1")
    );
    assert_eq!(
        code_of_line(Yaml, "  key: v # c\r").as_deref(),
        Some("  key: v")
    );
    assert_eq!(
        code_of_line(Json, "  \"a\": 1,").as_deref(),
        Some("  \"a\": 1,")
    );
    assert_eq!(code_of_line(Markdown, "<!-- hidden -->"), None);
    assert_eq!(
        code_of_line(Other, "# anything").as_deref(),
        Some("# anything")
    );
}

#[test]
fn mask_dates_times_and_datetimes() {
    assert!(masks_equal("# built 2024-11-07", "# built 2024-11-08"));
    assert!(masks_equal("# built 2024/11/07", "# built 2025/01/30"));
    assert!(masks_equal("# 07.11.2024", "# 08.11.2024"));
    assert!(masks_equal("# 11/07/2024", "# 12/25/2024"));
    assert!(masks_equal("# Nov 7 2024", "# Dec 24 2024"));
    assert!(masks_equal("# November 7th, 2024", "# November 8th, 2024"));
    assert!(masks_equal("# 7 Nov 2024", "# 8 Nov 2024"));
    assert!(masks_equal("at 14:03:11", "at 09:00:00"));
    assert!(masks_equal("at 14:03:11.123456Z", "at 1:02:03.5+01:00"));
    assert!(masks_equal("at 2:03 PM", "at 11:59 am"));
    assert!(masks_equal(
        "2024-11-07T14:03:11Z",
        "2024-11-08T01:02:03.123+01:00"
    ));
    assert!(masks_equal("tag 20241107", "tag 20241108"));
    assert!(masks_equal("ts 20241107T140311Z", "ts 20250101T000000Z"));
    assert!(masks_equal(
        "# Force rebuild: Thu Nov  7 14:03:11 UTC 2024",
        "# Force rebuild: Fri Nov  8 09:10:11 CET 2024"
    ));
    assert_eq!(
        mask_volatile("Thu Nov  7 14:03:11 UTC 2024"),
        "<WEEKDAY> <DATE> <TIME> <TZ> <YEAR>"
    );
    assert_eq!(
        mask_volatile("ENV BUILD_DATE=2024-11-07"),
        "ENV BUILD_DATE=<DATE>"
    );
}

#[test]
fn mask_epochs_counters_and_versions() {
    assert!(masks_equal(
        "ARG CACHEBUST=1731000000",
        "ARG CACHEBUST=1731099999"
    ));
    assert!(masks_equal("ts=1731000000123", "ts=1731000999999"));
    assert!(masks_equal("ARG CACHEBUST=3", "ARG CACHEBUST=4"));
    assert!(masks_equal("# build 42", "# build 43"));
    assert!(masks_equal("# rebuild #7", "# rebuild #8"));
    assert!(masks_equal("# #42", "# #43"));
    assert!(masks_equal("# run 17", "# run 18"));
    assert!(masks_equal("ENV BUILD_NUMBER=42", "ENV BUILD_NUMBER=43"));
    assert!(masks_equal("# deploy v3", "# deploy v4"));
    assert!(masks_equal("# release v1.2.3", "# release v1.2.4"));
    assert_eq!(mask_volatile("# build 42"), "# build <N>");
}

#[test]
fn mask_keeps_real_changes() {
    let pairs = [
        ("flask==3.0.1", "flask==3.0.2"),
        ("requests == 2.31.0", "requests == 2.32.0"),
        ("numpy>=1.26.0", "numpy>=1.26.1"),
        ("certifi==2024.2.2", "certifi==2024.7.4"),
        ("build==1.0.3", "build==1.0.4"),
        ("FROM python:3.11-slim", "FROM python:3.12-slim"),
        ("image: app:20241107", "image: app:20241108"),
        ("uses: actions/checkout@v3", "uses: actions/checkout@v4"),
        ("EXPOSE 8080", "EXPOSE 8081"),
        ("timeout 30", "timeout 60"),
        ("RUN pip install x", "RUN pip install y"),
        ("sha256:1234567890abc", "sha256:1234567891abc"),
        ("version 3.1", "version 3.2"),
        ("ENV PYTHON_VERSION=3.11", "ENV PYTHON_VERSION=3.12"),
        ("Copyright 2023", "Copyright 2024"),
        ("workers: 4", "workers: 8"),
    ];
    for (a, b) in pairs {
        assert!(!masks_equal(a, b), "{a} vs {b}: {}", mask_volatile(a));
    }
    assert_eq!(mask_volatile("flask==3.0.1"), "flask==3.0.1");
    assert_eq!(mask_volatile("tzdata==2024.1"), "tzdata==2024.1");
}

#[test]
fn multi_line_strings_in_yaml_toml_and_shell() {
    let old = "a: \"first\n  # inside\"\nb: 1 # c\n";
    let new = "a: \"first\n  # changed\"\nb: 1 # c\n";
    assert_eq!(compare(Yaml, old, new), Functional);
    assert_eq!(
        compare(Toml, "p = 'C:\\x' # a\n", "p = 'C:\\x' # b\n"),
        CommentOnly
    );
    assert_eq!(compare(Shell, "echo \\# a\n", "echo \\# b\n"), Functional);
    let old = "echo \"multi\n# not a comment\"\n";
    let new = "echo \"multi\n# really not\"\n";
    assert_eq!(compare(Shell, old, new), Functional);
    assert_eq!(
        compare(Python, "x = f\"{a}#\"  # c\n", "x = f\"{a}#\"  # d\n"),
        CommentOnly
    );
}

#[test]
fn large_files_scan_quickly() {
    let py: String = (0..50_000)
        .map(|i| format!("x{i} = {i}  # note {i}\n"))
        .collect();
    let py2 = py.replace("# note 49999", "# changed");
    assert_eq!(compare(Python, &py, &py2), CommentOnly);
    let df: String = (0..20_000)
        .map(|i| format!("RUN echo {i} \\\n  && true\n# c\n"))
        .collect();
    let df2 = df.replacen("# c", "# d", 1);
    assert_eq!(compare(Dockerfile, &df, &df2), CommentOnly);
    let line = "2024-11-07 ".repeat(20_000);
    assert_eq!(mask_volatile(&line), "<DATE> ".repeat(20_000));
}

#[test]
fn masking_is_idempotent() {
    for s in [
        "Thu Nov  7 14:03:11 UTC 2024",
        "BUILD_NUMBER=42 v1.2 #3",
        "flask==3.0.1",
    ] {
        let once = mask_volatile(s);
        assert_eq!(mask_volatile(&once), once);
    }
}

#[test]
fn hostile_inputs_do_not_panic() {
    let long = "x".repeat(100_000) + "\"#'/*`<<EOF";
    let inputs = [
        "",
        "\0",
        "\"",
        "'''",
        "/*",
        "<<",
        "<<-",
        "<<'",
        "<<\"x",
        "#!",
        "\\",
        "é#é",
        "\u{202e}#",
        "2024-",
        "2024-11-",
        "99:99:99",
        "1:",
        "v",
        "#",
        "build",
        "Nov",
        "Nov 99",
        "1 Nov",
        "a: |",
        "- |\n",
        "`${`",
        "/[/",
        long.as_str(),
    ];
    let kinds = [
        Dockerfile,
        Python,
        JavaScript,
        Shell,
        Toml,
        Yaml,
        Requirements,
        Markdown,
        Json,
        Other,
    ];
    for input in inputs {
        let _ = mask_volatile(input);
        for kind in kinds {
            let _ = code_of_line(kind, input);
            let _ = compare(kind, input, "x");
            let _ = compare(kind, input, &format!("{input}\n{input}"));
        }
    }
}

/// Comparing only the changed middles from a shared state gives the whole comparison's
/// answer: texts are built from the pieces that change a scanner's state (comments,
/// strings, block comments, heredocs, continuations, brackets, blank lines, block
/// scalars), and each is compared with a random edit of itself.
#[test]
fn middles_comparison_agrees_with_the_whole() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let piece = prop::sample::select(vec![
        "x = 1\n",
        "y = [1,\n",
        "  2]\n",
        "# note\n",
        "// note\n",
        "/* open\n",
        "close */\n",
        "\"\"\"doc\n",
        "end\"\"\"\n",
        "s = 'a # b'\n",
        "cat <<EOF\n",
        "body # not\n",
        "EOF\n",
        "a \\\n",
        "key: |\n",
        "  block # text\n",
        "\n",
        "   \n",
        "  indented\n",
        "z = 2",
        "'''\n",
        "`tpl\n",
        "`\n",
        "-- sql\n",
        "\t\n",
        "RUN echo \\\n",
        "  '   '\n",
        "x = \"\"\"\n",
        "  \t\n",
        "    y = ' '\n",
    ]);
    let text = prop::collection::vec(piece.clone(), 0..30);
    let edit = (
        text,
        prop::collection::vec((0usize..40, 0u8..3, piece), 1..4),
    );
    let kinds = [
        FileKind::Python,
        FileKind::JavaScript,
        FileKind::Shell,
        FileKind::Toml,
        FileKind::Yaml,
        FileKind::Requirements,
        FileKind::Markdown,
        FileKind::Other,
    ];
    let decided = std::cell::Cell::new(0usize);
    let mut runner = TestRunner::new(Config::with_cases(3000));
    runner
        .run(&edit, |(pieces, edits)| {
            let mut changed = pieces.clone();
            for (at, op, p) in edits {
                let at = at % (changed.len() + 1);
                match op {
                    0 => changed.insert(at, p),
                    1 if at < changed.len() => {
                        changed.remove(at);
                    }
                    _ if at < changed.len() => changed[at] = p,
                    _ => changed.push(p),
                }
            }
            let (old, new) = (pieces.concat(), changed.concat());
            for kind in kinds {
                let whole = signature::SignatureLines::new(kind, &old)
                    .eq(signature::SignatureLines::new(kind, &new));
                if let Some(fast) = signature::same_signature_in_middles(kind, &old, &new) {
                    decided.set(decided.get() + 1);
                    prop_assert_eq!(fast, whole, "{:?}\n{:?}\n{:?}", kind, old, new);
                }
            }
            Ok(())
        })
        .unwrap();
    // The shortcut must actually decide most comparisons, or it only adds work.
    assert!(decided.get() > 3000 * 8 / 2, "decided {}", decided.get());
}

/// Passing over lines for their effect on the state leaves the state that reading their
/// signature lines leaves, on every kind of file.
#[test]
fn passing_over_lines_leaves_the_state_reading_them_leaves() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let piece = prop::sample::select(vec![
        "x = 1\n",
        "y = [1,\n",
        "  2]\n",
        "# note\n",
        "/* open\n",
        "close */\n",
        "\"\"\"doc\n",
        "end\"\"\"\n",
        "cat <<EOF\n",
        "body\n",
        "EOF\n",
        "a \\\n",
        "key: |\n",
        "  block\n",
        "\n",
        "   \n",
        "  '   '\n",
        "    y = ' '\n",
        "`tpl\n",
        "`\n",
        "\t\n",
    ]);
    let text = prop::collection::vec(piece, 0..30).prop_map(|p| p.concat());
    let kinds = [
        FileKind::Python,
        FileKind::JavaScript,
        FileKind::Shell,
        FileKind::Yaml,
        FileKind::Markdown,
        FileKind::Other,
    ];
    let mut runner = TestRunner::new(Config::with_cases(2000));
    runner
        .run(&text, |text| {
            for kind in kinds {
                let mut passed = signature::SignatureLines::new(kind, "");
                passed.pass_over(&text);
                let mut read = signature::SignatureLines::new(kind, "");
                read.lines = signature::lines_of(&text);
                read.by_ref().for_each(drop);
                prop_assert!(passed.same_state(&read), "{:?} {:?}", kind, text);
            }
            Ok(())
        })
        .unwrap();
}
