//! Go's path semantics, as Docker's tools use them: `path.Clean` and `filepath.Match`.
//!
//! One implementation, two modes, because two Docker inputs read patterns differently:
//!
//! - **Strict** (`.dockerignore`): the Docker client checks each pattern with
//!   `filepath.Match(pattern, ".")` and fails the build on a malformed one, so
//!   [`validate`] and [`Class::parse`] in [`Mode::Strict`] reject exactly what Go rejects
//!   (`[]a]`, `[-]`, `[x-]`, a trailing `\`, an unclosed class). The ignore file's own
//!   matcher (a regular expression, [`crate::docker::dockerignore`]) is built on top.
//! - **Lenient** (`COPY`/`ADD` sources): a source that matches nothing fails only that
//!   build step, and pushguard predicts rather than validates, so a malformed class simply
//!   matches nothing, and `]` or `-` are accepted as class members. [`selects`] answers
//!   "does this source take in this context file"; [`trim`] is the source cleaning used
//!   before it (it keeps `..`, unlike [`clean`]).
//!
//! The tests at the bottom pin every point where the two modes differ.

/// How malformed patterns are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Go's errors: what Docker refuses is an error.
    Strict,
    /// Best effort: a malformed class is an error only when it is not closed; `]` first and
    /// `-` anywhere are plain members.
    Lenient,
}

/// Go's `path.Clean`: folds repeated `/`, drops `.` elements, resolves `..` against the
/// preceding element, drops a trailing `/`; `""` becomes `.`.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// A `COPY` source relative to the context root: leading `/` and `./` dropped, `.` and
/// empty components removed, `..` kept; `""` is the whole context.
pub fn trim(src: &str) -> String {
    src.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// The syntax check Docker runs on an ignore pattern (`filepath.Match(pattern, ".")`,
/// strict): a trailing `\` and malformed `[...]` classes are errors; `*`, `?` and other
/// characters are always valid. `Err` holds the message shown to the user.
pub fn validate(chars: &[char]) -> Result<(), String> {
    let mut pos = 0;
    while let Some(&c) = chars.get(pos) {
        pos += 1;
        match c {
            '\\' => {
                if chars.get(pos).is_none() {
                    return Err(trailing_backslash());
                }
                pos += 1;
            }
            '[' => {
                let (_, next) = Class::parse(chars, pos, Mode::Strict)?;
                pos = next;
            }
            _ => {}
        }
    }
    Ok(())
}

fn trailing_backslash() -> String {
    "the pattern ends with a lone `\\`, which escapes nothing; remove it, or write `\\\\` \
     to match a backslash"
        .to_owned()
}

/// A `[...]` character class in `filepath.Match` syntax.
#[derive(Debug, Clone)]
pub struct Class {
    negated: bool,
    /// Inclusive ranges; a single character `c` is `(c, c)`. Never empty.
    ranges: Vec<(char, char)>,
}

impl Class {
    /// Parses a class whose `[` has been consumed; `pos` is the index after it. Returns the
    /// class and the index after its closing `]`.
    ///
    /// Strict: Go's error cases (a class must have at least one member, a member may not be
    /// an unescaped `-` or `]`, it must be closed and followed by nothing it needs).
    /// Lenient: only an unclosed class (or a dangling `\`) is an error, with an empty
    /// message.
    pub fn parse(chars: &[char], pos: usize, mode: Mode) -> Result<(Class, usize), String> {
        match mode {
            Mode::Strict => Class::parse_strict(chars, pos),
            Mode::Lenient => Class::parse_lenient(chars, pos).ok_or_else(String::new),
        }
    }

    fn parse_strict(chars: &[char], mut pos: usize) -> Result<(Class, usize), String> {
        let mut negated = false;
        if chars.get(pos) == Some(&'^') {
            negated = true;
            pos += 1;
        }
        let mut ranges = Vec::new();
        loop {
            if chars.get(pos) == Some(&']') && !ranges.is_empty() {
                return Ok((Class { negated, ranges }, pos + 1));
            }
            let lo = class_member(chars, &mut pos)?;
            let mut hi = lo;
            if chars.get(pos) == Some(&'-') {
                pos += 1;
                hi = class_member(chars, &mut pos)?;
            }
            ranges.push((lo, hi));
        }
    }

    fn parse_lenient(p: &[char], mut i: usize) -> Option<(Class, usize)> {
        let negated = p.get(i) == Some(&'^');
        if negated {
            i += 1;
        }
        let mut ranges = Vec::new();
        loop {
            let lo = match p.get(i) {
                None => return None,
                Some(']') if !ranges.is_empty() => break,
                Some('\\') => {
                    i += 1;
                    *p.get(i)?
                }
                Some(&ch) => ch,
            };
            i += 1;
            let hi = if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|&x| x != ']') {
                i += 1;
                let hi = match p.get(i) {
                    Some('\\') => {
                        i += 1;
                        *p.get(i)?
                    }
                    Some(&ch) => ch,
                    None => return None,
                };
                i += 1;
                hi
            } else {
                lo
            };
            ranges.push((lo, hi));
        }
        Some((Class { negated, ranges }, i + 1))
    }

    /// Go's `regexp` refuses a backwards range, and Docker compiles an ignore pattern to a
    /// regular expression before its first use, so the build fails (strict mode only: Go's
    /// `filepath.Match` itself accepts it and matches nothing with it).
    pub fn check_ranges(&self) -> Result<(), String> {
        use crate::escape::escape;
        match self.ranges.iter().find(|(lo, hi)| lo > hi) {
            Some((lo, hi)) => Err(format!(
                "the character range `{}-{}` is backwards, and Docker fails the build when it \
                 compiles it; write `[{}-{}]`",
                escape(&lo.to_string()),
                escape(&hi.to_string()),
                escape(&hi.to_string()),
                escape(&lo.to_string()),
            )),
            None => Ok(()),
        }
    }

    pub fn contains(&self, c: char) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != self.negated
    }
}

/// Go's `getEsc`: one (possibly `\`-escaped) class member at `*pos`, which must be followed
/// by more pattern (at least the closing `]`).
fn class_member(chars: &[char], pos: &mut usize) -> Result<char, String> {
    let mut c = *chars.get(*pos).ok_or_else(unclosed_class)?;
    if c == '-' || c == ']' {
        return Err(format!(
            "`{c}` cannot start a member of a character class (and `[]` is not an empty \
             class); escape it as `\\{c}` to match it literally"
        ));
    }
    if c == '\\' {
        *pos += 1;
        c = *chars.get(*pos).ok_or_else(unclosed_class)?;
    }
    *pos += 1;
    if *pos >= chars.len() {
        return Err(unclosed_class());
    }
    Ok(c)
}

fn unclosed_class() -> String {
    "a character class `[` is never closed with `]`; close it, or escape the bracket as `\\[` \
     to match it literally"
        .to_owned()
}

/// Whether the context file `rel` is selected by the (trimmed) `COPY` source `pattern`
/// (lenient): the pattern matches `rel` or one of its parent directories, component by
/// component, with `filepath.Match` semantics (`*` and `?` never cross `/`). `""` selects
/// everything.
pub fn selects(pattern: &str, rel: &str) -> bool {
    if pattern.is_empty() {
        return true;
    }
    let mut parts = rel.split('/');
    for want in pattern.split('/') {
        match parts.next() {
            Some(have) if match_component(want, have) => {}
            _ => return false,
        }
    }
    true
}

/// `filepath.Match` for one path component (lenient): `*`, `?`, `[...]` (with `^` negation
/// and ranges) and `\` escapes. Iterative with one backtrack point, so linear-ish; a
/// malformed class matches nothing.
pub fn match_component(pattern: &str, name: &str) -> bool {
    // Most sources are plain names, which match only themselves.
    if !pattern
        .bytes()
        .any(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'))
    {
        return pattern == name;
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let c = n.get(ni).copied().unwrap_or_default();
        let step = match p.get(pi) {
            Some('*') => {
                while p.get(pi) == Some(&'*') {
                    pi += 1;
                }
                star = Some((pi, ni));
                continue;
            }
            Some('?') => Some(1),
            Some('[') => Class::parse(&p, pi + 1, Mode::Lenient)
                .ok()
                .map(|(class, next)| if class.contains(c) { next - pi } else { 0 }),
            Some('\\') => match p.get(pi + 1) {
                Some(&lit) if lit == c => Some(2),
                _ => Some(0),
            },
            Some(&lit) => Some(usize::from(lit == c)),
            None => Some(0),
        };
        match step {
            Some(len) if len > 0 => {
                pi += len;
                ni += 1;
            }
            Some(_) => match star {
                Some((sp, sn)) => {
                    pi = sp;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
            None => return false,
        }
    }
    while p.get(pi) == Some(&'*') {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests;
