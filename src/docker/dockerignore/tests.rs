use super::*;

fn ignore(text: &str) -> DockerIgnore {
    match DockerIgnore::parse(text) {
        Ok(ignore) => ignore,
        Err(e) => panic!("{text:?} should parse: {e}"),
    }
}

fn error(text: &str) -> DockerIgnoreError {
    match DockerIgnore::parse(text) {
        Ok(ignore) => panic!("{text:?} should fail, got {ignore:?}"),
        Err(e) => e,
    }
}

#[track_caller]
fn check(text: &str, excluded: &[&str], included: &[&str]) {
    let di = ignore(text);
    for path in excluded {
        assert!(di.is_excluded(path), "{text:?} should exclude {path:?}");
    }
    for path in included {
        assert!(!di.is_excluded(path), "{text:?} should include {path:?}");
    }
}

#[test]
fn docs_example_temp_patterns() {
    check(
        "# comment\n*/temp*\n*/*/temp*\ntemp?\n",
        &[
            "somedir/temporary.txt",
            "somedir/temp",
            "somedir/temp/inner.txt",
            "somedir/subdir/temporary.txt",
            "tempa",
            "tempb",
        ],
        &["temp", "temporary.txt", "a/b/c/temp", "tempab", "# comment"],
    );
}

#[test]
fn docs_example_double_star_go() {
    check(
        "**/*.go",
        &["main.go", "a/b/c.go", "cmd/x/.go"],
        &["a/go", "a.gox", "main.go.txt"],
    );
}

#[test]
fn docs_example_markdown_exception() {
    check(
        "*.md\n!README.md",
        &["CHANGES.md"],
        &["README.md", "docs/guide.md", "main.rs"],
    );
}

#[test]
fn docs_example_exception_order_secret_last() {
    check(
        "*.md\n!README*.md\nREADME-secret.md",
        &["README-secret.md", "other.md"],
        &["README.md", "README-public.md"],
    );
}

#[test]
fn docs_example_exception_order_exception_last() {
    check(
        "*.md\nREADME-secret.md\n!README*.md",
        &["other.md"],
        &["README-secret.md", "README.md"],
    );
}

#[test]
fn docs_example_dockerfile_and_dockerignore_can_be_listed() {
    let di = ignore("Dockerfile\n.dockerignore\n");
    assert!(di.is_excluded("Dockerfile"));
    assert!(di.is_excluded(".dockerignore"));
    assert!(!di.is_excluded("app/Dockerfile"));
}

#[test]
fn directory_pattern_excludes_its_contents() {
    check(
        "node_modules",
        &["node_modules", "node_modules/x/y.js"],
        &["src/node_modules/a.js", "node_modules_old/x", "node_module"],
    );
}

#[test]
fn exception_inside_excluded_directory() {
    check(
        "docs\n!docs/README.md",
        &["docs", "docs/other.md", "docs/sub/README.md"],
        &["docs/README.md", "README.md"],
    );
}

#[test]
fn wildcard_exception_inside_excluded_directory() {
    check(
        "src\n!src/*.rs",
        &["src/notes.txt", "src/sub/main.rs"],
        &["src/main.rs"],
    );
}

#[test]
fn allow_list_style() {
    check(
        "*\n!src\n!Cargo.toml",
        &["target/debug/x", ".git/HEAD", "README.md"],
        &["src/main.rs", "src/a/b.rs", "Cargo.toml"],
    );
}

#[test]
fn last_matching_pattern_wins() {
    check("!a.txt\n*.txt", &["a.txt", "b.txt"], &[]);
    check("*.txt\n!a.txt", &["b.txt"], &["a.txt"]);
    check("*.txt\n!a.txt\na.txt", &["a.txt"], &[]);
}

#[test]
fn later_exception_for_ancestor_is_not_remembered_by_walker() {
    // fsutil skips `!a` at `a` and `a/b` (nothing to re-include yet), so the walker's
    // per-directory memory never records it; `a/b/c/d` stays excluded.
    check("a/b/c\n!a", &["a/b/c", "a/b/c/d"], &["a", "a/b", "a/x"]);
    // An exception that matched a directory re-includes its contents.
    check("*\n!keep", &["other", "other/x"], &["keep", "keep/x/y"]);
}

#[test]
fn leading_slash_is_context_root() {
    check(
        "/foo/bar",
        &["foo/bar", "foo/bar/baz"],
        &["x/foo/bar", "foo"],
    );
    check("!/foo\n*", &["foo"], &[]);
    check("*\n! /foo", &["bar"], &["foo"]);
}

#[test]
fn dot_slash_and_dot_dot_are_cleaned() {
    check("./build/../dist", &["dist", "dist/app.js"], &["build"]);
    check("./a", &["a"], &[]);
    check("a/./b/", &["a/b/c"], &["a"]);
}

#[test]
fn trailing_and_duplicate_slashes_are_cleaned() {
    check("build/", &["build", "build/x"], &["builder"]);
    check("a//b", &["a/b"], &["a"]);
    let di = ignore("a//b/\n!c//d/");
    let listed: Vec<_> = di.patterns().collect();
    assert_eq!(listed, vec![("a/b", false, 1), ("c/d", true, 2)]);
}

#[test]
fn root_and_dot_patterns_match_nothing() {
    check("/\n.\n./", &[], &["a", "a/b", "."]);
}

#[test]
fn character_classes() {
    check(
        "file[0-9].txt\n[abc].log",
        &["file1.txt", "a.log", "c.log"],
        &["fileX.txt", "file10.txt", "d.log"],
    );
    check("[^a-c].log", &["d.log", "z.log"], &["a.log", "ab.log"]);
    check("x[!a]", &["x!", "xa"], &["xb"]);
    check("v[\\]]", &["v]"], &["v\\"]);
}

#[test]
fn negated_class_matches_slash_like_docker() {
    // Docker's regular expression `[^x]` also matches `/`.
    check("a[^x]b", &["a/b", "acb"], &["axb"]);
}

#[test]
fn backslash_escapes() {
    check(
        "\\*.txt\nfoo\\[1\\]\nq\\?",
        &["*.txt", "foo[1]", "q?"],
        &["a.txt", "foo1", "qa"],
    );
}

#[test]
fn question_mark_and_star_stay_within_a_segment() {
    check("a?b", &["axb"], &["a/b"]);
    check("a*b", &["ab", "axxb"], &["a/b"]);
    check("caf?.txt", &["café.txt"], &["caf.txt"]);
}

#[test]
fn double_star_forms() {
    check("**", &["a", "a/b/c"], &[]);
    check("foo/**", &["foo/x", "foo/x/y"], &["foo", "foobar"]);
    check(
        "**/foo",
        &["foo", "a/foo", "a/b/foo/c"],
        &["afoo", "a/foox"],
    );
    check(
        "a/**/b",
        &["a/b", "a/x/b", "a/x/y/b", "a/x/b/c"],
        &["a/xb", "b"],
    );
    check("**/**/x*", &["x1", "a/b/x2"], &["a/y"]);
}

#[test]
fn double_star_without_slash_quirks_match_docker() {
    // `**foo` is a plain suffix test in patternmatcher, so it matches `xfoo`.
    check("**foo", &["foo", "xfoo", "a/bfoo"], &["foox"]);
    // `foo**` is a plain prefix test.
    check("foo**", &["foo", "food", "foo/x"], &["xfoo"]);
    // In the middle, `**` is `(.*/)?`: it needs a `/` before what follows.
    check("a**b*", &["ab", "a/b", "ax/by"], &["axb"]);
}

#[test]
fn caret_is_literal_in_exact_patterns_and_an_anchor_in_globs() {
    check("^foo", &["^foo"], &["foo"]);
    check("^foo*", &["foo", "food"], &["^foo"]);
    check("a^b*", &[], &["a^b", "ab"]);
}

#[test]
fn regex_metacharacters_are_literal() {
    check(
        "a.b*\n(x)+{1}|$*",
        &["a.b", "a.bc", "(x)+{1}|$"],
        &["axb", "x", "xx"],
    );
}

#[test]
fn comments_blank_lines_and_whitespace() {
    let di = ignore("# a comment\n\n   \n  node_modules  \n #not-a-comment\n!  keep.txt\t\n");
    let listed: Vec<_> = di.patterns().collect();
    assert_eq!(
        listed,
        vec![
            ("node_modules", false, 4),
            ("#not-a-comment", false, 5),
            ("keep.txt", true, 6)
        ]
    );
    assert!(di.is_excluded("#not-a-comment"));
    assert!(!di.is_excluded("# a comment"));
}

#[test]
fn bom_and_crlf() {
    let di = ignore("\u{feff}node_modules\r\n*.log\r\n# c\r\n");
    assert!(di.is_excluded("node_modules/a"));
    assert!(di.is_excluded("x.log"));
    let lines: Vec<u32> = di.patterns().map(|(_, _, line)| line).collect();
    assert_eq!(lines, vec![1, 2]);
    // A BOM on a later line is not stripped.
    assert!(ignore("a\n\u{feff}b").is_excluded("\u{feff}b"));
}

#[test]
fn empty_files_exclude_nothing() {
    for text in ["", "\n\n", "# only\n# comments"] {
        let di = ignore(text);
        assert!(di.is_empty());
        assert!(!di.is_excluded("anything"));
    }
    assert!(!DockerIgnore::empty().is_excluded("a/b"));
    assert_eq!(DockerIgnore::empty().patterns().count(), 0);
}

#[test]
fn query_paths_are_cleaned_and_root_is_never_excluded() {
    let di = ignore("*\n");
    assert!(di.is_excluded("./a"));
    assert!(di.is_excluded("/a"));
    assert!(di.is_excluded("a/"));
    assert!(!di.is_excluded(""));
    assert!(!di.is_excluded("."));
    assert!(!di.is_excluded("./"));
}

#[test]
fn reasons_name_line_and_pattern() {
    let di = ignore("# deps\n\nnode_modules\n*.md\n!README.md\n");
    assert_eq!(
        di.is_excluded_with_reason("node_modules/x/y.js"),
        Some((3, "node_modules"))
    );
    assert_eq!(di.is_excluded_with_reason("NOTES.md"), Some((4, "*.md")));
    assert_eq!(di.is_excluded_with_reason("README.md"), None);
    assert_eq!(di.is_excluded_with_reason("src/main.rs"), None);
    assert_eq!(
        di.decide("README.md"),
        Decision::Reincluded {
            line: 5,
            pattern: "README.md"
        }
    );
    assert_eq!(di.decide("src/main.rs"), Decision::Unmatched);
}

#[test]
fn invalid_pattern_reports_line_and_pattern() {
    let e = error("node_modules\n# comment\n  src/[abc  \n");
    assert_eq!(e.line, 3);
    assert_eq!(e.pattern, "src/[abc");
    let shown = e.to_string();
    assert!(
        shown.starts_with("line 3: invalid pattern `src/[abc`: "),
        "{shown}"
    );
    assert!(shown.contains("never closed"), "{shown}");
}

#[test]
fn syntax_errors_docker_rejects() {
    for bad in [
        "[", "a[", "[]", "[]a]", "[^]", "[a-]", "[-a]", "[a", "[a-b", "foo\\", "[\\", "x*[",
        "[z-a]",
    ] {
        let e = error(bad);
        assert_eq!(e.line, 1, "{bad}");
        assert_eq!(e.pattern, bad);
    }
    assert!(error("[z-a]").message.contains("backwards"));
    assert!(error("foo\\").message.contains("lone `\\`"));
}

#[test]
fn valid_patterns_docker_accepts() {
    for good in [
        "[*]", "[a*]x", "[\\]]", "]", "a]b", "[[]", "[a-a]", "[!]", "**/**/**",
    ] {
        ignore(good);
    }
}

#[test]
fn lone_exclamation_mark_is_an_error() {
    for bad in ["!", "! ", "!/", "! /"] {
        let e = error(&format!("ok\n{bad}"));
        assert_eq!(e.line, 2, "{bad:?}");
        assert!(e.message.contains("lone `!`"), "{}", e.message);
    }
}

#[test]
fn overlong_line_is_an_error() {
    let long = "a".repeat(MAX_LINE_BYTES + 1);
    let e = error(&format!("x\n{long}\n"));
    assert_eq!(e.line, 2);
    assert!(e.message.contains("token too long"));
    ignore(&"a".repeat(MAX_LINE_BYTES));
}

#[test]
fn error_display_escapes_control_characters() {
    let e = error("\u{1b}[31m[");
    assert!(!e.to_string().contains('\u{1b}'));
}

#[test]
fn hostile_patterns_finish() {
    let di = ignore("**/**/**/**/a*b*c*d*e\n*a*a*a*a*a*a*a*a*a*a*b\na/**/**/**/**/**/z");
    let flat = "a".repeat(5000);
    let deep = vec!["a"; 300].join("/");
    let mixed = format!("{}/x", "ab/".repeat(400));
    for path in [&flat, &deep, &mixed] {
        assert!(!di.is_excluded(path));
    }
    assert!(di.is_excluded(&format!("{deep}/abcde")));
}

#[test]
fn ignore_file_candidates_in_precedence_order() {
    assert_eq!(
        ignore_file_candidates("", "Dockerfile"),
        vec!["Dockerfile.dockerignore", ".dockerignore"]
    );
    assert_eq!(
        ignore_file_candidates("app", "app/docker/prod.Dockerfile"),
        vec![
            "app/docker/prod.Dockerfile.dockerignore",
            "app/.dockerignore"
        ]
    );
    assert_eq!(
        ignore_file_candidates("./svc/", "./svc//Dockerfile"),
        vec!["svc/Dockerfile.dockerignore", "svc/.dockerignore"]
    );
    assert_eq!(
        ignore_file_candidates(".", "-"),
        vec![".dockerignore".to_owned()]
    );
}

/// moby/patternmatcher's `TestMatches` table (single patterns, parent matching), minus
/// the cases whose path is `/`, which a context walk never produces.
#[test]
fn upstream_patternmatcher_table() {
    let cases: &[(&str, &str, bool)] = &[
        ("**", "file", true),
        ("**", "file/", true),
        ("**/", "file", true),
        ("**/", "file/", true),
        ("**", "dir/file", true),
        ("**/", "dir/file", true),
        ("**/**", "dir/file", true),
        ("**/**", "dir/file/", true),
        ("dir/**", "dir/file", true),
        ("dir/**", "dir/dir2/file/", true),
        ("**/dir", "dir", true),
        ("**/dir", "dir/file", true),
        ("**/dir2/*", "dir/dir2/file", true),
        ("**/dir2/*", "dir/dir2/file/", true),
        ("**/dir2/**", "dir/dir2/dir3/file", true),
        ("**file", "file", true),
        ("**file", "dir/file", true),
        ("**/file", "dir/dir/file", true),
        ("**/file*", "dir/dir/file.txt", true),
        ("**/file*txt", "dir/dir/file.txt", true),
        ("**/file*.txt*", "dir/dir/file.txt", true),
        ("**/**/*.txt", "dir/dir/file.txt", true),
        ("**/**/*.txt2", "dir/dir/file.txt", false),
        ("**/*.txt", "file.txt", true),
        ("**/**/*.txt", "file.txt", true),
        ("a**/*.txt", "a/file.txt", true),
        ("a**/*.txt", "a/dir/dir/file.txt", true),
        ("a/*.txt", "a/dir/file.txt", false),
        ("a/*.txt", "a/file.txt", true),
        ("a/*.txt**", "a/file.txt", true),
        ("a[b-d]e", "ae", false),
        ("a[b-d]e", "ace", true),
        ("a[b-d]e", "aae", false),
        ("a[^b-d]e", "aze", true),
        (".*", ".foo", true),
        (".*", "foo", false),
        ("abc.def", "abcdef", false),
        ("abc.def", "abc.def", true),
        ("abc.def", "abcZdef", false),
        ("abc?def", "abcZdef", true),
        ("abc?def", "abcdef", false),
        ("**/foo/bar", "foo/bar", true),
        ("**/foo/bar", "dir/dir2/foo/bar", true),
        ("abc/**", "abc", false),
        ("abc/**", "abc/def/ghi", true),
        ("**/.foo", ".foo", true),
        ("**/.foo", "bar.foo", false),
        ("a(b)c/def", "a(b)c/def", true),
        ("a(b)c/def", "a(b)c/xyz", false),
        ("a.|)$(}+{bc", "a.|)$(}+{bc", true),
        (
            "dist/*.whl",
            "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
            true,
        ),
        ("a\\\\", "a\\", true),
        ("a\\*b", "a*b", true),
    ];
    for &(pattern, path, want) in cases {
        let di = ignore(pattern);
        assert_eq!(
            di.is_excluded(path),
            want,
            "pattern {pattern:?} path {path:?}"
        );
    }
    check("**\n!util/docker/web", &[], &["util/docker/web/foo"]);
    check(
        "**\n!util/docker/web\nutil/docker/web/foo",
        &["util/docker/web/foo"],
        &[],
    );
    check(
        "**\n!dist/*.whl",
        &[],
        &["dist/proxy.py-2.4.0-py3-none-any.whl"],
    );
}

/// Go's `filepath.Match` table as patternmatcher's `TestMatch` runs it.
#[test]
fn upstream_filepath_match_table() {
    let cases: &[(&str, &str, bool)] = &[
        ("abc", "abc", true),
        ("*", "abc", true),
        ("*c", "abc", true),
        ("a*", "a", true),
        ("a*", "ab/c", true),
        ("a*/b", "abc/b", true),
        ("a*/b", "a/c/b", false),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
        ("a*b?c*x", "abxbbxdbxebxczzx", true),
        ("a*b?c*x", "abxbbxdbxebxczzy", false),
        ("ab[c]", "abc", true),
        ("ab[b-d]", "abc", true),
        ("ab[e-g]", "abc", false),
        ("ab[^c]", "abc", false),
        ("ab[^b-d]", "abc", false),
        ("ab[^e-g]", "abc", true),
        ("a\\*b", "ab", false),
        ("a?b", "a☺b", true),
        ("a[^a]b", "a☺b", true),
        ("a???b", "a☺b", false),
        ("a[^a][^a][^a]b", "a☺b", false),
        ("[a-ζ]*", "α", true),
        ("*[a-ζ]", "A", false),
        ("a?b", "a/b", false),
        ("a*b", "a/b", false),
        ("[\\]a]", "]", true),
        ("[\\-]", "-", true),
        ("[x\\-]", "x", true),
        ("[x\\-]", "-", true),
        ("[x\\-]", "z", false),
        ("[\\-x]", "x", true),
        ("[\\-x]", "a", false),
        ("*x", "xxx", true),
    ];
    for &(pattern, path, want) in cases {
        let di = ignore(pattern);
        assert_eq!(
            di.is_excluded(path),
            want,
            "pattern {pattern:?} path {path:?}"
        );
    }
    for bad in [
        "[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[",
    ] {
        assert_eq!(error(bad).line, 1, "{bad:?} should be rejected");
    }
}
