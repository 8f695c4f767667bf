//! `.dockerignore` files, matched the way BuildKit matches them.
//!
//! A path excluded here never reaches the builder, so it cannot change a `COPY` checksum; the
//! rules use this module to decide whether a changed file can affect a build at all.
//!
//! Three upstream pieces are reproduced, in order:
//!
//! 1. **Reading** (`moby/patternmatcher/ignorefile.ReadAll`): one pattern per line; a UTF-8 BOM
//!    on the first line is dropped; a line whose *first character* is `#` is a comment (the
//!    check comes before trimming, so ` #x` is the pattern `#x`); lines are trimmed; a leading
//!    `!` marks an exception and the rest is trimmed again; the pattern is cleaned like Go's
//!    `filepath.Clean` (`./a/../b` → `b`, `a//b/` → `a/b`) and one leading `/` is dropped.
//! 2. **Compiling** (`patternmatcher.New` and `Pattern.compile`): the pattern must be valid
//!    Go `filepath.Match` syntax, then it becomes one of four matchers: an exact string, a
//!    prefix (`foo**`), a suffix (`**foo`, including `**/foo`), or an anchored regular
//!    expression in which `*` is `[^/]*`, `?` is `[^/]`, `**` is `(.*/)?` (or `.*` at the end)
//!    and `[...]` is a character class. Here the regular expression is a small NFA simulated
//!    in `O(path × pattern)` time, so no pattern can make matching exponential.
//! 3. **Walking** (`tonistiigi/fsutil` `filterFS.Walk` with `MatchesUsingParentResults`): the
//!    context is walked top-down and each pattern remembers whether it matched the parent
//!    directory. A pattern that matched a directory matches everything inside it, so
//!    `node_modules` excludes `node_modules/a/b.js`; the last matching pattern decides.
//!
//! Deliberate divergences, all in patterns nobody writes on purpose: BuildKit hands the
//! translated text to Go's `regexp`, so an escaped ASCII letter or digit (`\d`, `\b`), a POSIX
//! class (`[[:alpha:]]`), and `*` or `?` inside brackets get regular-expression meanings there;
//! this module gives them their `filepath.Match` meaning (a literal letter, a plain member of
//! the class). Unix path semantics are assumed (the client that walks the context is not
//! Windows).

use std::borrow::Cow;
use std::fmt;

use crate::docker::gopath::{self, Class, Mode};
use crate::escape::escape;

/// The longest line Docker's reader accepts: `bufio.Scanner`'s 64 KiB token buffer must hold
/// the line and its newline, or the build stops with `token too long`.
const MAX_LINE_BYTES: usize = 64 * 1024 - 1;

/// A parsed `.dockerignore` file: an ordered list of exclusion and exception patterns.
///
/// Invariant: every pattern passed Docker's syntax checks, so matching cannot fail.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

/// A line of a `.dockerignore` file that Docker would refuse, failing the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerIgnoreError {
    /// 1-based line number in the file.
    pub line: u32,
    /// The line as written, trimmed of surrounding whitespace.
    pub pattern: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for DockerIgnoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: invalid pattern `{}`: {}",
            self.line,
            escape(&self.pattern),
            self.message
        )
    }
}

impl std::error::Error for DockerIgnoreError {}

/// Why a path is or is not in the build context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'a> {
    /// No pattern matched the path or any directory above it: it is sent to the builder.
    Unmatched,
    /// The last matching pattern excludes the path: it is not sent.
    Excluded { line: u32, pattern: &'a str },
    /// The last matching pattern is an exception (`!pattern`): it is sent.
    Reincluded { line: u32, pattern: &'a str },
}

impl DockerIgnore {
    /// Parses the text of a `.dockerignore` file.
    ///
    /// Fails on the first line Docker would reject (it fails the whole build on such a line):
    /// a malformed character class, a trailing `\`, a backwards range like `[z-a]`, a lone
    /// `!`, or a line longer than 65535 bytes.
    pub fn parse(text: &str) -> Result<DockerIgnore, DockerIgnoreError> {
        let mut patterns = Vec::new();
        for (index, raw) in text.split('\n').enumerate() {
            let line = u32::try_from(index.saturating_add(1)).unwrap_or(u32::MAX);
            // bufio.ScanLines drops one `\r` before the newline.
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            let raw = if index == 0 {
                raw.strip_prefix('\u{feff}').unwrap_or(raw)
            } else {
                raw
            };
            if raw.len() > MAX_LINE_BYTES {
                return Err(DockerIgnoreError {
                    line,
                    pattern: preview(raw.trim()),
                    message: format!(
                        "the line is {} bytes long and Docker's reader stops at {MAX_LINE_BYTES} \
                         (`bufio.Scanner: token too long`); split or shorten it",
                        raw.len()
                    ),
                });
            }
            let Some(entry) = read_entry(raw) else {
                continue;
            };
            if let Some(pattern) =
                Pattern::new(&entry, line).map_err(|message| DockerIgnoreError {
                    line,
                    pattern: raw.trim().to_owned(),
                    message,
                })?
            {
                patterns.push(pattern);
            }
        }
        Ok(DockerIgnore { patterns })
    }

    /// An ignore file with no patterns: nothing is excluded.
    pub fn empty() -> DockerIgnore {
        DockerIgnore::default()
    }

    /// True if the file has no patterns (blank, comments only, or absent).
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `path` is left out of the build context.
    ///
    /// `path` is relative to the build context and `/`-separated; it is cleaned first, and the
    /// context root itself (`""`, `.`) is never excluded.
    pub fn is_excluded(&self, path: &str) -> bool {
        matches!(self.decide(path), Decision::Excluded { .. })
    }

    /// Like [`is_excluded`](Self::is_excluded), naming the line and cleaned pattern that
    /// excluded the path, for messages such as "excluded by .dockerignore line 3
    /// `node_modules`".
    pub fn is_excluded_with_reason(&self, path: &str) -> Option<(u32, &str)> {
        match self.decide(path) {
            Decision::Excluded { line, pattern } => Some((line, pattern)),
            Decision::Unmatched | Decision::Reincluded { .. } => None,
        }
    }

    /// Whether `path` is in the build context, and which pattern decided it.
    pub fn decide(&self, path: &str) -> Decision<'_> {
        let Some(decider) = self.last_match(path) else {
            return Decision::Unmatched;
        };
        let Some(pattern) = self.patterns.get(decider) else {
            return Decision::Unmatched;
        };
        if pattern.exception {
            Decision::Reincluded {
                line: pattern.line,
                pattern: &pattern.text,
            }
        } else {
            Decision::Excluded {
                line: pattern.line,
                pattern: &pattern.text,
            }
        }
    }

    /// The patterns in file order: cleaned text (without the `!`), whether it is an exception,
    /// and its 1-based line number.
    pub fn patterns(&self) -> impl Iterator<Item = (&str, bool, u32)> {
        self.patterns
            .iter()
            .map(|p| (p.text.as_str(), p.exception, p.line))
    }

    /// Index of the pattern whose match set the final state of `path`, replaying fsutil's
    /// top-down walk: each directory on the way down is matched in turn, and a pattern that
    /// matched a directory counts as matching everything inside it.
    ///
    /// A pattern is only tried when it could change the state (an exclusion while the path
    /// is included, an exception while it is excluded); like fsutil, a skipped pattern does
    /// not remember the directory, which is why `a/b/c` followed by `!a` still excludes
    /// `a/b/c/d`.
    fn last_match(&self, path: &str) -> Option<usize> {
        if self.patterns.is_empty() {
            return None;
        }
        let path = clean_path(path)?;
        let mut parent: Vec<bool> = Vec::new();
        let mut current = vec![false; self.patterns.len()];
        let mut decider = None;
        for prefix in ancestors_and_self(&path) {
            let mut excluded = false;
            decider = None;
            for (i, (pattern, slot)) in self.patterns.iter().zip(current.iter_mut()).enumerate() {
                let mut matched = parent.get(i).copied().unwrap_or(false);
                if !matched {
                    if pattern.exception != excluded {
                        *slot = false;
                        continue;
                    }
                    matched = pattern.matcher.is_match(&pattern.text, prefix);
                }
                *slot = matched;
                if matched {
                    excluded = !pattern.exception;
                    decider = Some(i);
                }
            }
            std::mem::swap(&mut parent, &mut current);
            current.clear();
            current.resize(self.patterns.len(), false);
        }
        decider
    }
}

/// Where BuildKit looks for the ignore file of a build, in order of precedence; the first
/// that exists wins, even if it is empty.
///
/// `<Dockerfile>.dockerignore` next to the Dockerfile (BuildKit reads it alongside the
/// Dockerfile, `dockerui.ReadEntrypoint`) comes before `<context>/.dockerignore`. Both inputs
/// and outputs are relative to the repository root and `/`-separated; a Dockerfile read from
/// stdin (`-`) has no Dockerfile-specific ignore file.
pub fn ignore_file_candidates(context_dir: &str, dockerfile_path: &str) -> Vec<String> {
    let mut candidates = Vec::with_capacity(2);
    if dockerfile_path != "-" {
        if let Some(dockerfile) = clean_path(dockerfile_path) {
            candidates.push(format!("{dockerfile}.dockerignore"));
        }
    }
    let context_file = match clean_path(context_dir) {
        Some(dir) => format!("{dir}/.dockerignore"),
        None => ".dockerignore".to_owned(),
    };
    if !candidates.contains(&context_file) {
        candidates.push(context_file);
    }
    candidates
}

/// One compiled line of the file.
#[derive(Debug, Clone)]
struct Pattern {
    /// The cleaned pattern without its `!`, as Docker's `Pattern.String()` shows it.
    text: String,
    exception: bool,
    line: u32,
    matcher: Matcher,
}

impl Pattern {
    /// `patternmatcher.New` for one entry produced by [`read_entry`]: `Ok(None)` for an entry
    /// that is blank after trimming, `Err(message)` for one Docker rejects.
    fn new(entry: &str, line: u32) -> Result<Option<Pattern>, String> {
        let trimmed = entry.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let cleaned = gopath::clean(trimmed);
        let (exception, text) = match cleaned.strip_prefix('!') {
            Some("") => {
                return Err(
                    "a lone `!` re-includes nothing; write the path to re-include \
                            after it (`!keep.txt`), or delete the line"
                        .to_owned(),
                )
            }
            Some(rest) => (true, rest.to_owned()),
            None => (false, cleaned),
        };
        let chars: Vec<char> = text.chars().collect();
        gopath::validate(&chars)?;
        let matcher = Matcher::compile(&chars)?;
        Ok(Some(Pattern {
            text,
            exception,
            line,
            matcher,
        }))
    }
}

/// `ignorefile.ReadAll` for one line (BOM and `\r` already removed): `None` for comments and
/// blank lines, otherwise the entry string, `!`-prefixed for exceptions.
fn read_entry(raw: &str) -> Option<String> {
    if raw.starts_with('#') {
        return None;
    }
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    let (invert, rest) = match trimmed.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, trimmed),
    };
    let mut pattern = String::new();
    if !rest.is_empty() {
        pattern = gopath::clean(rest);
        if pattern.len() > 1 {
            if let Some(relative) = pattern.strip_prefix('/') {
                pattern = relative.to_owned();
            }
        }
    }
    Some(if invert {
        format!("!{pattern}")
    } else {
        pattern
    })
}

/// A context-relative path in the form BuildKit's walker produces: cleaned, no leading `/`.
/// `None` for the context root, which Docker never excludes.
fn clean_path(path: &str) -> Option<Cow<'_, str>> {
    // Repository paths are nearly always clean already: keep them as they are.
    let clean = !path.is_empty()
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    if clean {
        return Some(Cow::Borrowed(path));
    }
    let cleaned = gopath::clean(path);
    let relative = cleaned.trim_start_matches('/');
    if relative.is_empty() || relative == "." {
        None
    } else {
        Some(Cow::Owned(relative.to_owned()))
    }
}

/// `a`, `a/b`, `a/b/c` for `a/b/c`: the directories the walker visits, then the path.
fn ancestors_and_self(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/')
        .map(|(at, _)| at)
        .chain(std::iter::once(path.len()))
        .filter_map(move |end| path.get(..end))
}

/// First 40 characters of an over-long line, for the error message.
fn preview(line: &str) -> String {
    let mut out: String = line.chars().take(40).collect();
    if out.len() < line.len() {
        out.push('…');
    }
    out
}

/// How a compiled pattern is matched, mirroring patternmatcher's `matchType`: the cheap
/// string forms are chosen exactly when Docker chooses them, because they are not always
/// equivalent to the regular expression (`**foo` is a plain suffix test and matches `xfoo`).
#[derive(Debug, Clone)]
enum Matcher {
    /// No wildcard: the path must equal the pattern text.
    Exact,
    /// Literal text followed by a final `**`: the path starts with the text.
    Prefix(String),
    /// A leading `**` followed by literal text: the path ends with the text, or (for
    /// `**/foo`) equals it without its `/`.
    Suffix(String),
    /// Everything else: the anchored regular expression, as a token sequence.
    Regex(Vec<Token>),
}

/// One element of the regular expression Docker builds from a pattern.
#[derive(Debug, Clone)]
enum Token {
    /// One given character.
    Literal(char),
    /// `*` → `[^/]*`.
    SegmentRun,
    /// `?` → `[^/]`.
    SegmentChar,
    /// `[...]`: one character in (or, negated, not in) the class; may be `/`.
    Class(Class),
    /// `**` before more pattern → `(.*/)?`: nothing, or anything ending in `/`.
    AnyDirs,
    /// `**` at the end → `.*`: anything.
    AnyRest,
    /// `^` outside a class → the start-of-text anchor (only matches at the very start).
    TextStart,
}

/// The translation kind patternmatcher detects while compiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exact,
    Prefix,
    Suffix,
    Regex,
}

impl Matcher {
    /// `Pattern.compile`, one character at a time, tracking the same kind transitions.
    fn compile(chars: &[char]) -> Result<Matcher, String> {
        let mut kind = Kind::Exact;
        let mut tokens = Vec::new();
        let mut pos = 0;
        let mut first = true;
        while let Some(&c) = chars.get(pos) {
            pos += 1;
            match c {
                '*' if chars.get(pos) == Some(&'*') => {
                    pos += 1;
                    if chars.get(pos) == Some(&'/') {
                        pos += 1;
                    }
                    if pos >= chars.len() {
                        if kind == Kind::Exact {
                            kind = Kind::Prefix;
                        } else {
                            tokens.push(Token::AnyRest);
                            kind = Kind::Regex;
                        }
                    } else {
                        tokens.push(Token::AnyDirs);
                        kind = Kind::Regex;
                    }
                    if first {
                        kind = Kind::Suffix;
                    }
                }
                '*' => {
                    tokens.push(Token::SegmentRun);
                    kind = Kind::Regex;
                }
                '?' => {
                    tokens.push(Token::SegmentChar);
                    kind = Kind::Regex;
                }
                '\\' => match chars.get(pos) {
                    Some(&escaped) => {
                        pos += 1;
                        tokens.push(Token::Literal(escaped));
                        kind = Kind::Regex;
                    }
                    None => tokens.push(Token::Literal('\\')),
                },
                '[' => {
                    let (class, next) = Class::parse(chars, pos, Mode::Strict)?;
                    class.check_ranges()?;
                    pos = next;
                    tokens.push(Token::Class(class));
                    kind = Kind::Regex;
                }
                ']' => {
                    tokens.push(Token::Literal(']'));
                    kind = Kind::Regex;
                }
                '^' => tokens.push(Token::TextStart),
                _ => tokens.push(Token::Literal(c)),
            }
            first = false;
        }
        let text: String = chars.iter().collect();
        Ok(match kind {
            Kind::Exact => Matcher::Exact,
            Kind::Prefix => Matcher::Prefix(text.strip_suffix("**").unwrap_or(&text).to_owned()),
            Kind::Suffix => Matcher::Suffix(text.strip_prefix("**").unwrap_or(&text).to_owned()),
            Kind::Regex => Matcher::Regex(tokens),
        })
    }

    /// Whether `path` (cleaned, `/`-separated) matches; `text` is the pattern's cleaned text.
    fn is_match(&self, text: &str, path: &str) -> bool {
        match self {
            Matcher::Exact => path == text,
            Matcher::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Matcher::Suffix(suffix) => {
                path.ends_with(suffix.as_str())
                    || suffix.strip_prefix('/').is_some_and(|bare| path == bare)
            }
            Matcher::Regex(tokens) => Nfa::new(tokens).is_match(path),
        }
    }
}

/// Thompson simulation of the token sequence: each token `k` has state `2k` ("about to match
/// token k"), [`Token::AnyDirs`] also has `2k + 1` ("inside its `.*`"), and `2n` accepts.
/// Runs in `O(path length × tokens)` whatever the pattern.
struct Nfa<'t> {
    tokens: &'t [Token],
}

impl<'t> Nfa<'t> {
    fn new(tokens: &'t [Token]) -> Self {
        Nfa { tokens }
    }

    fn accept(&self) -> usize {
        2 * self.tokens.len()
    }

    fn is_match(&self, text: &str) -> bool {
        let size = self.accept() + 1;
        let mut current = vec![false; size];
        let mut next = vec![false; size];
        let mut stack = Vec::new();
        self.add(&mut current, &mut stack, 0, true);
        for c in text.chars() {
            next.fill(false);
            let mut alive = false;
            for (state, _) in current.iter().enumerate().filter(|(_, on)| **on) {
                for target in self.step(state, c).into_iter().flatten() {
                    self.add(&mut next, &mut stack, target, false);
                    alive = true;
                }
            }
            if !alive {
                return false;
            }
            std::mem::swap(&mut current, &mut next);
        }
        current.get(self.accept()).copied().unwrap_or(false)
    }

    /// Adds `state` and everything reachable from it without consuming a character.
    fn add(&self, set: &mut [bool], stack: &mut Vec<usize>, state: usize, at_start: bool) {
        stack.push(state);
        while let Some(s) = stack.pop() {
            match set.get_mut(s) {
                Some(on) if !*on => *on = true,
                _ => continue,
            }
            if s % 2 == 1 {
                continue;
            }
            let skippable = match self.tokens.get(s / 2) {
                Some(Token::SegmentRun | Token::AnyDirs | Token::AnyRest) => true,
                Some(Token::TextStart) => at_start,
                _ => false,
            };
            if skippable {
                stack.push(s + 2);
            }
        }
    }

    /// States reached from `state` by consuming `c` (at most two).
    fn step(&self, state: usize, c: char) -> [Option<usize>; 2] {
        let k = state / 2;
        let Some(token) = self.tokens.get(k) else {
            return [None, None];
        };
        let here = 2 * k;
        let after = 2 * (k + 1);
        if state % 2 == 1 {
            // Inside `(.*/)?`: `.` takes anything but a newline; a `/` may also end it.
            return [(c != '\n').then_some(here + 1), (c == '/').then_some(after)];
        }
        match token {
            Token::Literal(l) => [(*l == c).then_some(after), None],
            Token::SegmentRun => [(c != '/').then_some(here), None],
            Token::SegmentChar => [(c != '/').then_some(after), None],
            Token::Class(class) => [class.contains(c).then_some(after), None],
            Token::AnyDirs => [(c != '\n').then_some(here + 1), (c == '/').then_some(after)],
            Token::AnyRest => [(c != '\n').then_some(here), None],
            Token::TextStart => [None, None],
        }
    }
}

#[cfg(test)]
mod tests {
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
}
