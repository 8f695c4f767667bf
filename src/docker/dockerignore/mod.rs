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
        // Past the analysis budget, answer "unmatched" at once; the pipeline reports the
        // ref as not inspected.
        if self.patterns.is_empty() || crate::budget::tick() {
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
                    matched = (pattern.lead.is_empty()
                        || prefix.starts_with(pattern.lead.as_str()))
                        && holds(prefix.as_bytes(), pattern.needle.as_bytes())
                        && pattern.matcher.is_match(&pattern.text, prefix);
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
    /// The literal text before the first `*`, `?`, `[`, `\` or `^` (an anchor in the
    /// translated expression): every path the pattern matches starts with it (all four
    /// matchers are anchored at the start), so a path that does not is rejected without
    /// running the matcher. Ten thousand patterns against thousands of files stay cheap.
    lead: String,
    /// The longest literal run of the pattern outside classes (`x1` in `*x1*y`): every
    /// path the pattern matches contains it, so a path that does not is rejected without
    /// running the matcher, whatever the pattern starts with.
    needle: String,
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
        let lead = text
            .split(['*', '?', '[', '\\', '^'])
            .next()
            .unwrap_or_default()
            .to_owned();
        let needle = longest_literal(&chars);
        Ok(Some(Pattern {
            text,
            lead,
            needle,
            exception,
            line,
            matcher,
        }))
    }
}

/// The longest run of literal characters of a validated pattern: outside `[...]` classes,
/// not `*`, `?` or `^`, and not escaped (an escaped character ends the run, which only
/// makes the run shorter, never wrong). A run's `/` at either end is dropped: `**/` may
/// match nothing, so `**/foo` matches `foo`.
fn longest_literal(chars: &[char]) -> String {
    let mut best = String::new();
    let mut run = String::new();
    let mut in_class = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if in_class {
            if c == '\\' {
                i += 1;
            } else if c == ']' {
                in_class = false;
            }
        } else {
            match c {
                '*' | '?' | '^' | '[' | '\\' => {
                    keep_longer(&mut best, &run);
                    run.clear();
                    in_class = c == '[';
                    if c == '\\' {
                        i += 1;
                    }
                }
                c => run.push(c),
            }
        }
        i += 1;
    }
    keep_longer(&mut best, &run);
    best
}

/// Whether `needle` occurs in `hay`: a scan for its first byte, then a comparison. Paths
/// are short and a needle's first byte is rare in them, so this beats a general substring
/// search on the hot path of many patterns against many paths.
fn holds(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    hay.iter()
        .enumerate()
        .filter(|&(_, &b)| b == first)
        .any(|(at, _)| hay.get(at + 1..).is_some_and(|tail| tail.starts_with(rest)))
}

fn keep_longer(best: &mut String, run: &str) {
    let run = run.trim_matches('/');
    if run.len() > best.len() {
        *best = run.to_owned();
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
mod tests;
