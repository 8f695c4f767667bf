use super::*;

fn strict(pattern: &str) -> Result<(), String> {
    let chars: Vec<char> = pattern.chars().collect();
    validate(&chars)
}

#[test]
fn go_clean_matches_go() {
    for (input, want) in [
        ("", "."),
        (".", "."),
        ("a/../..", ".."),
        ("../a/..", ".."),
        ("/..", "/"),
        ("/a/../../b", "/b"),
        ("a//b/./c/", "a/b/c"),
        ("./", "."),
        ("/", "/"),
    ] {
        assert_eq!(clean(input), want, "{input:?}");
    }
}

#[test]
fn source_patterns() {
    assert!(selects("", "anything/at/all"));
    assert!(selects("src", "src/a/b.py"));
    assert!(selects("requirements*.txt", "requirements-dev.txt"));
    assert!(!selects("requirements*.txt", "sub/requirements.txt"));
    assert!(selects("*/x", "a/x/y"));
    assert!(selects("[a-c]?.py", "b1.py"));
    assert!(!selects("[^a-c]?.py", "b1.py"));
    assert!(selects("a\\*b", "a*b"));
    assert!(!selects("a\\*b", "axb"));
    assert!(!selects("[", "["));
    assert!(!selects("src/main.py", "src"));
    assert_eq!(trim("./a//b/"), "a/b");
    assert_eq!(trim("/"), "");
    assert!(match_component("*.*.py", "a.b.py"));
    assert!(!match_component("*.*.py", "a.py"));
    assert!(match_component(&"*a".repeat(30), &"a".repeat(60)));
}

/// Where the modes part: classes Go rejects are members or ranges leniently.
#[test]
fn lenient_classes_accept_what_strict_rejects() {
    // `]` first is a member leniently; Go calls `[]a]` malformed.
    assert!(strict("[]a]").is_err());
    assert!(match_component("[]a]", "]"));
    assert!(match_component("[]a]", "a"));
    // A lone or trailing `-` is a member leniently.
    assert!(strict("[-]").is_err());
    assert!(match_component("[-]", "-"));
    assert!(strict("[x-]").is_err());
    assert!(match_component("[x-]", "-"));
    assert!(match_component("[x-]", "x"));
    // `[a-b-c]`: Go rejects it; leniently the range a-b, then `-` and `c` as members.
    assert!(strict("[a-b-c]").is_err());
    assert!(match_component("[a-b-c]", "c"));
    assert!(match_component("[a-b-c]", "-"));
}

/// Both modes agree on well-formed classes, and an unclosed class is malformed in both:
/// strict fails, lenient matches nothing.
#[test]
fn the_modes_agree_on_valid_and_unclosed_classes() {
    for (pattern, name, want) in [
        ("ab[c]", "abc", true),
        ("ab[^b-d]", "abc", false),
        ("[\\]a]", "]", true),
        ("[x\\-]", "-", true),
        ("[a-ζ]*", "α", true),
    ] {
        assert!(strict(pattern).is_ok(), "{pattern:?}");
        assert_eq!(match_component(pattern, name), want, "{pattern:?} {name:?}");
    }
    for pattern in ["[", "[^", "[^bc", "a["] {
        assert!(strict(pattern).is_err(), "{pattern:?}");
        assert!(!match_component(pattern, pattern), "{pattern:?}");
    }
}

/// A backwards range is Docker's (regexp's) error, not `filepath.Match`'s: both modes parse
/// it; only the ignore file's compile step refuses it, and leniently it matches nothing.
#[test]
fn backwards_ranges_parse_in_both_modes() {
    let chars: Vec<char> = "z-a]".chars().collect();
    let (class, _) = Class::parse(&chars, 0, Mode::Strict).unwrap();
    assert!(class.check_ranges().is_err());
    assert!(strict("[z-a]").is_ok());
    assert!(!match_component("[z-a]", "m"));
}

/// A trailing `\` is an error strictly; leniently it matches nothing.
#[test]
fn a_trailing_backslash() {
    assert!(strict("a\\").is_err());
    assert!(!match_component("a\\", "a"));
    assert!(!match_component("a\\", "a\\"));
}

/// Cleaning: `clean` is Go's (resolves `..`, the root is `.`); `trim` only drops `.` and
/// empty components (the root is `""`).
#[test]
fn clean_resolves_dot_dot_and_trim_keeps_it() {
    assert_eq!(clean("a/../b"), "b");
    assert_eq!(trim("a/../b"), "a/../b");
    assert_eq!(clean("./"), ".");
    assert_eq!(trim("./"), "");
    assert_eq!(clean("/a"), "/a");
    assert_eq!(trim("/a"), "a");
}
