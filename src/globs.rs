//! Glob sets for repository paths that cost next to nothing to build.
//!
//! pushguard's patterns are globset globs (`**/Dockerfile`, `**/requirements*.txt`,
//! `docs/**`, ...), always with `literal_separator`: `*` never matches `/`. globset
//! compiles every glob it cannot match by a hash lookup into a regex, and building the
//! regexes of the default configuration took longer than everything else a one-commit
//! push does. A pre-push hook starts on every push, so [`Globs`] matches the shapes that
//! real configurations use directly:
//!
//! - an optional leading `**/` (any number of leading directories, including none),
//! - then one or more path components, each literal text with any number of `*`,
//! - then an optional trailing `/**` (anything inside that directory),
//!
//! after expanding `{a,b}` alternations (which match exactly what their expansions
//! match). Every other glob (classes, `?`, escapes, `**` between components, nested
//! alternations) goes to a globset `GlobSet`, compiled the first time a path is matched.
//! The semantics are globset's in both cases; a property test checks that the direct
//! matcher and globset agree.
//!
//! Paths are repository-relative as git stores them: raw bytes (not necessarily UTF-8),
//! `/`-separated, no leading `/`, no empty components.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::hash::FastMap;

/// Whether `text` holds a character that makes it something other than one of the direct
/// shapes, once alternations are expanded.
fn has_special(text: &str) -> bool {
    text.bytes()
        .any(|b| matches!(b, b'?' | b'[' | b']' | b'{' | b'}' | b'\\'))
}

/// An ordered list of globs, matched against repository paths.
///
/// Invariant: `len` is the number of globs given to [`Globs::new`]; every index reported
/// by [`Globs::first_match`] is below it and names the glob in the caller's order.
#[derive(Debug, Clone, Default)]
pub struct Globs {
    len: usize,
    /// `**/NAME`: the indices of the globs whose whole pattern is that basename.
    basenames: Keyed,
    /// `**/*.EXT` (EXT without `.` or `*`), by EXT.
    extensions: Keyed,
    /// `a/b/c`: whole literal paths.
    literals: Keyed,
    /// The other direct shapes, in index order, the anchored ones without a trailing `/**`
    /// (which match paths of exactly their length) by that length, the rest together.
    exact_shapes: Vec<Vec<(usize, Shape)>>,
    loose_shapes: Vec<(usize, Shape)>,
    /// Globs only globset can match: (index, glob), compiled on first use.
    complex: Vec<(usize, Glob)>,
    complex_set: OnceLock<GlobSet>,
    /// Set by [`Globs::remembering`]: the answers given so far.
    known: Option<Known>,
}

/// The answers a [`Globs`] gave, by path, up to [`KNOWN_PATHS`] paths. A copy starts empty.
#[derive(Debug, Default)]
struct Known {
    answers: Mutex<FastMap<Box<[u8]>, Option<usize>>>,
    /// Set once `answers` holds [`KNOWN_PATHS`]: from then on a path is matched without
    /// looking (a push of a whole history asks about tens of thousands of paths).
    full: AtomicBool,
}

/// The most paths a remembering [`Globs`] keeps answers for: more than a push that waits
/// on its checks changes, and a bound on one that changes a whole tree.
const KNOWN_PATHS: usize = 1024;

impl Clone for Known {
    fn clone(&self) -> Known {
        Known::default()
    }
}

impl Globs {
    /// Parses `globs`. The error names the index of the first invalid glob and globset's
    /// reason.
    pub fn new<S: AsRef<str>>(globs: &[S]) -> Result<Globs, (usize, globset::Error)> {
        let mut set = Globs {
            len: globs.len(),
            ..Globs::default()
        };
        for (index, glob) in globs.iter().enumerate() {
            let text = glob.as_ref();
            check(text).map_err(|e| (index, e))?;
            if !text.contains('{') && !has_special(text) {
                set.add_direct(index, text, text).map_err(|e| (index, e))?;
                continue;
            }
            match expand(text) {
                Some(expanded) => {
                    for alt in &expanded {
                        set.add_direct(index, alt, text).map_err(|e| (index, e))?;
                    }
                }
                None => set.add_complex(index, text).map_err(|e| (index, e))?,
            }
        }
        for list in set
            .basenames
            .map
            .values_mut()
            .chain(set.extensions.map.values_mut())
            .chain(set.literals.map.values_mut())
        {
            list.dedup();
        }
        set.complex.dedup_by_key(|(i, _)| *i);
        Ok(set)
    }

    /// The number of globs (not counting expansions).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no globs.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether any glob matches `path`.
    pub fn is_match(&self, path: impl AsRef<[u8]>) -> bool {
        self.first_match(path).is_some()
    }

    /// These globs, remembering each path's answer: for a set asked about the same pushed
    /// paths more than once (the path rules, a rule's options), and asked first while
    /// `git log` lists the rest of the push, so that what comes after only looks them up.
    pub fn remembering(mut self) -> Globs {
        self.known = Some(Known::default());
        self
    }

    /// Whether asking about a path now would be remembered: a remembering set with room
    /// left. Asking ahead is worth it only then.
    pub fn remembers_more(&self) -> bool {
        self.known
            .as_ref()
            .is_some_and(|k| !k.full.load(Ordering::Relaxed))
    }

    /// The lowest index of a glob that matches `path`.
    pub fn first_match(&self, path: impl AsRef<[u8]>) -> Option<usize> {
        let path = path.as_ref();
        let Some(known) = self
            .known
            .as_ref()
            .filter(|k| !k.full.load(Ordering::Relaxed))
        else {
            return self.match_now(path);
        };
        let answers = &known.answers;
        if let Some(answer) = answers.lock().ok().and_then(|k| k.get(path).copied()) {
            return answer;
        }
        let answer = self.match_now(path);
        if let Ok(mut answers) = answers.lock() {
            answers.insert(path.into(), answer);
            if answers.len() >= KNOWN_PATHS {
                known.full.store(true, Ordering::Relaxed);
            }
        }
        answer
    }

    fn match_now(&self, path: &[u8]) -> Option<usize> {
        let name = basename(path);
        let mut best: Option<usize> = None;
        let consider = |best: &mut Option<usize>, i: usize| {
            if best.map_or(true, |b| i < b) {
                *best = Some(i);
            }
        };
        let lookups = [
            self.basenames.get(name),
            extension(name).and_then(|e| self.extensions.get(e)),
            self.literals.get(path),
        ];
        for list in lookups.into_iter().flatten() {
            if let Some(&i) = list.first() {
                consider(&mut best, i);
            }
        }
        // A plain count: paths are short, and memchr's setup costs more than it saves.
        let count = path.iter().filter(|&&b| b == b'/').count() + 1;
        // The components, split on first use: on the stack for the usual path, on the heap
        // past `SHORT` components.
        const SHORT: usize = 16;
        let mut short: [&[u8]; SHORT] = [&[]; SHORT];
        let mut long: Vec<&[u8]> = Vec::new();
        let mut split = false;
        let exact = self.exact_shapes.get(count).map_or(&[][..], Vec::as_slice);
        for shapes in [exact, &self.loose_shapes] {
            for (i, shape) in shapes {
                if best.is_some_and(|b| b <= *i) {
                    break;
                }
                if !shape.fits(count) || !shape.filter.admits(path, name) {
                    continue;
                }
                if !split {
                    split = true;
                    if count <= SHORT {
                        for (slot, part) in short.iter_mut().zip(path.split(|&b| b == b'/')) {
                            *slot = part;
                        }
                    } else {
                        long.extend(path.split(|&b| b == b'/'));
                    }
                }
                let components = if count <= SHORT {
                    short.get(..count).unwrap_or_default()
                } else {
                    &long
                };
                if shape.is_match(components) {
                    consider(&mut best, *i);
                    break;
                }
            }
        }
        let first_complex = self.complex.first().map(|(i, _)| *i);
        if first_complex.is_some_and(|c| best.map_or(true, |b| b > c)) {
            let set = self.complex_set.get_or_init(|| {
                let mut builder = GlobSetBuilder::new();
                for (_, glob) in &self.complex {
                    builder.add(glob.clone());
                }
                // Each glob built on its own, so the set can fail only on regex size
                // limits, far beyond any real configuration: match nothing rather than
                // stop the hook.
                builder.build().unwrap_or_else(|_| GlobSet::empty())
            });
            if let Some(k) = set.matches(as_os_path(path)).into_iter().min() {
                if let Some(&(i, _)) = self.complex.get(k) {
                    consider(&mut best, i);
                }
            }
        }
        best
    }

    /// Adds `text`, glob `index` or one expansion of it (`glob`), without groups or special
    /// characters; a text no direct shape can match sends the whole `glob` to globset. The
    /// common keyed shapes (`**/NAME`, `**/*.EXT`, a literal path) go straight to their
    /// maps: building their [`Shape`] first was most of the cost of loading the default
    /// configuration.
    fn add_direct(&mut self, index: usize, text: &str, glob: &str) -> Result<(), globset::Error> {
        match quick_key(text) {
            Some(Key::Basename(k)) => self.basenames.add(k, index),
            Some(Key::Extension(k)) => self.extensions.add(k, index),
            Some(Key::Literal(k)) => self.literals.add(k, index),
            None => match Shape::parse(text) {
                Some(shape) => self.add_shape(index, shape),
                None => self.add_complex(index, glob)?,
            },
        }
        Ok(())
    }

    fn add_shape(&mut self, index: usize, shape: Shape) {
        let map = match shape.key() {
            Some(Key::Basename(k)) => Some((&mut self.basenames, k)),
            Some(Key::Extension(k)) => Some((&mut self.extensions, k)),
            Some(Key::Literal(k)) => Some((&mut self.literals, k)),
            None => None,
        };
        match map {
            Some((keyed, key)) => keyed.add(key, index),
            None if shape.anchored && !shape.inside => {
                let k = shape.parts.len();
                if self.exact_shapes.len() <= k {
                    self.exact_shapes.resize_with(k + 1, Vec::new);
                }
                if let Some(list) = self.exact_shapes.get_mut(k) {
                    list.push((index, shape));
                }
            }
            None => self.loose_shapes.push((index, shape)),
        }
    }

    fn add_complex(&mut self, index: usize, text: &str) -> Result<(), globset::Error> {
        if self.complex.last().is_some_and(|(i, _)| *i == index) {
            return Ok(());
        }
        self.complex.push((index, build(text)?));
        Ok(())
    }
}

/// Checks that `text` is a valid globset glob. Globs made only of literal text, `*`, `/`
/// and well-formed, unnested `{a,b}` groups are always valid, so only the others are given
/// to globset's parser.
pub fn check(text: &str) -> Result<(), globset::Error> {
    let mut in_group = false;
    for b in text.bytes() {
        match b {
            b'{' if !in_group => in_group = true,
            b'}' if in_group => in_group = false,
            b'?' | b'[' | b']' | b'{' | b'}' | b'\\' => return build(text).map(drop),
            _ => {}
        }
    }
    if in_group {
        return build(text).map(drop);
    }
    Ok(())
}

fn build(text: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(text).literal_separator(true).build()
}

/// `text` with its `{a,b}` groups expanded, or `None` when an expansion would still hold a
/// special character (nested groups, classes, escapes, `?`), would be unreasonably many
/// globs, or might not mean what the group meant.
///
/// globset decides what `**` means from its neighbours (`**/` at the start, `/**` at the
/// end and `/**/` are recursive, any other `**` is two `*`), so a group next to a `**`
/// cannot be expanded textually: `**{}/x` is not `**/x`. Expansion is therefore limited
/// to globs whose only `**` are a leading `**/` and a trailing `/**` outside the groups,
/// and whose expansions have no other `**` either. A single `*` means the same wherever
/// it stands.
fn expand(text: &str) -> Option<Vec<String>> {
    const MAX_EXPANSIONS: usize = 256;
    if !text.contains('{') {
        return (!has_special(text)).then(|| vec![text.to_owned()]);
    }
    let prefix = if text.starts_with("**/") { "**/" } else { "" };
    let body = &text[prefix.len()..];
    let suffix = if body.len() >= 3 && body.ends_with("/**") {
        "/**"
    } else {
        ""
    };
    let body = &body[..body.len() - suffix.len()];
    if body.contains("**") {
        return None;
    }
    let mut out = vec![String::new()];
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        let (head, group) = (&rest[..open], &rest[open + 1..close]);
        if has_special(head) || has_special(group) {
            return None;
        }
        // globset drops empty alternatives (`{,a}` is `{a}`); with none left the group
        // matches the empty string.
        let mut alternatives: Vec<&str> = group.split(',').filter(|a| !a.is_empty()).collect();
        if alternatives.is_empty() {
            alternatives.push("");
        }
        if out.len() * alternatives.len() > MAX_EXPANSIONS {
            return None;
        }
        out = out
            .iter()
            .flat_map(|done| {
                alternatives.iter().map(move |alt| {
                    let mut next = String::with_capacity(done.len() + head.len() + alt.len());
                    next.push_str(done);
                    next.push_str(head);
                    next.push_str(alt);
                    next
                })
            })
            .collect();
        rest = &rest[close + 1..];
    }
    if has_special(rest) {
        return None;
    }
    let mut globs = Vec::with_capacity(out.len());
    for body in out {
        let mut glob = String::with_capacity(prefix.len() + body.len() + rest.len() + 3);
        glob.push_str(prefix);
        glob.push_str(&body);
        glob.push_str(rest);
        if glob[prefix.len()..].contains("**") {
            return None;
        }
        glob.push_str(suffix);
        globs.push(glob);
    }
    Some(globs)
}

/// The key [`Shape::key`] gives `text` (a glob without groups or special characters), for
/// the shapes recognisable without parsing it: `**/NAME`, `**/*.EXT` and a literal path.
/// `None` for every other glob, which is then parsed.
fn quick_key(text: &str) -> Option<Key> {
    let clean = |t: &str| !t.is_empty() && !t.contains('*');
    if let Some(rest) = text.strip_prefix("**/") {
        if let Some(ext) = rest.strip_prefix("*.") {
            return (clean(ext) && !ext.contains(['/', '.']))
                .then(|| Key::Extension(ext.as_bytes().into()));
        }
        return (clean(rest) && !rest.contains('/')).then(|| Key::Basename(rest.as_bytes().into()));
    }
    (clean(text) && text.split('/').all(|c| !c.is_empty()))
        .then(|| Key::Literal(text.as_bytes().into()))
}

/// A glob of the direct shape: `[**/]component/.../component[/**]`.
#[derive(Debug, Clone)]
struct Shape {
    /// Without a leading `**/`, the components match from the start of the path.
    anchored: bool,
    parts: Vec<Component>,
    /// With a trailing `/**`, the path continues below the last component.
    inside: bool,
    /// Checked before the path is split: most paths fail it.
    filter: Filter,
}

/// A condition every path a shape matches meets, cheaper to test than the shape: a path's
/// set of shapes is mostly tried in vain (`**/requirements*.txt` against `src/app.py`).
#[derive(Debug, Clone)]
enum Filter {
    /// The basename starts with `lead` and ends with `tail` (each when the last component
    /// fixes it): shapes without a trailing `/**`, whose last component is the basename's.
    Name {
        lead: Option<u8>,
        tail: Option<u8>,
    },
    /// The path holds these bytes at the start of a component: the components of a shape
    /// with a trailing `/**`, all literal, each followed by `/`.
    Holds(Box<[u8]>),
    Any,
}

impl Filter {
    fn of(parts: &[Component], inside: bool) -> Filter {
        if inside {
            let literal: Option<Vec<&[u8]>> = parts.iter().map(Component::literal).collect();
            return literal.map_or(Filter::Any, |parts| {
                let mut text = parts.join(&b'/');
                text.push(b'/');
                Filter::Holds(text.into())
            });
        }
        let Some(last) = parts.last() else {
            return Filter::Any;
        };
        Filter::Name {
            lead: last.pieces.first().and_then(|p| p.first().copied()),
            tail: last.pieces.last().and_then(|p| p.last().copied()),
        }
    }

    fn admits(&self, path: &[u8], name: &[u8]) -> bool {
        match self {
            Filter::Name { lead, tail } => {
                lead.map_or(true, |b| name.first() == Some(&b))
                    && tail.map_or(true, |b| name.last() == Some(&b))
            }
            Filter::Holds(text) => {
                let Some(&first) = text.first() else {
                    return true;
                };
                // At a component's start: the first byte or one after a `/`.
                (0..path.len()).any(|i| {
                    path.get(i) == Some(&first)
                        && (i == 0 || path.get(i - 1) == Some(&b'/'))
                        && path.get(i..).is_some_and(|rest| rest.starts_with(text))
                })
            }
            Filter::Any => true,
        }
    }
}

/// Glob indices by a key (a basename, an extension or a whole path), with the set of key
/// lengths: most paths a push changes match no key, and most of those are refused by their
/// length without hashing them.
#[derive(Debug, Clone, Default)]
struct Keyed {
    map: FastMap<Box<[u8]>, Vec<usize>>,
    /// Bit `n` set when a key of `n` bytes exists (bit 63: 63 bytes or more).
    lengths: u64,
}

impl Keyed {
    fn length_bit(key: &[u8]) -> u64 {
        1 << key.len().min(63)
    }

    fn add(&mut self, key: Box<[u8]>, index: usize) {
        self.lengths |= Keyed::length_bit(&key);
        self.map.entry(key).or_default().push(index);
    }

    fn get(&self, key: &[u8]) -> Option<&Vec<usize>> {
        if self.lengths & Keyed::length_bit(key) == 0 {
            return None;
        }
        self.map.get(key)
    }
}

/// Where a shape can be found by a hash lookup instead of being tried.
enum Key {
    Basename(Box<[u8]>),
    Extension(Box<[u8]>),
    Literal(Box<[u8]>),
}

impl Shape {
    /// The shape of `text` (no special characters left), or `None` when `**` appears
    /// other than as the whole first or last component, or a component is empty.
    fn parse(text: &str) -> Option<Shape> {
        let mut components: Vec<&str> = text.split('/').collect();
        let anchored = components.first() != Some(&"**");
        if !anchored {
            components.remove(0);
        }
        let inside = components.len() > 1 && components.last() == Some(&"**");
        if inside {
            components.pop();
        }
        if components.is_empty() || components.iter().any(|c| c.is_empty() || c.contains("**")) {
            return None;
        }
        let parts: Vec<Component> = components.into_iter().map(Component::new).collect();
        let filter = Filter::of(&parts, inside);
        Some(Shape {
            anchored,
            parts,
            inside,
            filter,
        })
    }

    fn key(&self) -> Option<Key> {
        if self.inside {
            return None;
        }
        if self.anchored {
            let literal: Option<Vec<&[u8]>> = self.parts.iter().map(Component::literal).collect();
            return literal.map(|parts| Key::Literal(parts.join(&b'/').into()));
        }
        let [only] = self.parts.as_slice() else {
            return None;
        };
        if let Some(name) = only.literal() {
            return Some(Key::Basename(name.into()));
        }
        match only.pieces.as_slice() {
            [star, ext] if star.is_empty() && ext.first() == Some(&b'.') => {
                let ext = &ext[1..];
                (!ext.is_empty() && !ext.contains(&b'.')).then(|| Key::Extension(ext.into()))
            }
            _ => None,
        }
    }

    /// Whether a path of `n` components can match: what [`Shape::is_match`] checks first,
    /// known before the path is split.
    fn fits(&self, n: usize) -> bool {
        let k = self.parts.len();
        match (self.anchored, self.inside) {
            (true, false) => n == k,
            (false, false) => n >= k,
            (_, true) => n > k,
        }
    }

    /// Whether `components` (a path split at `/`) match.
    fn is_match(&self, components: &[&[u8]]) -> bool {
        let k = self.parts.len();
        let n = components.len();
        let window = |start: usize| {
            components
                .get(start..start + k)
                .is_some_and(|w| w.iter().zip(&self.parts).all(|(c, p)| p.is_match(c)))
        };
        match (self.anchored, self.inside) {
            (true, false) => n == k && window(0),
            (true, true) => n > k && window(0),
            (false, false) => n >= k && window(n - k),
            (false, true) => n > k && (0..n - k).any(window),
        }
    }
}

/// One path component of a glob: literal pieces separated by `*`, where `*` matches any
/// run of bytes other than `/`. `pieces.len()` is one more than the number of stars.
#[derive(Debug, Clone)]
struct Component {
    pieces: Vec<Box<[u8]>>,
}

impl Component {
    fn new(text: &str) -> Component {
        Component {
            pieces: text
                .as_bytes()
                .split(|&b| b == b'*')
                .map(Into::into)
                .collect(),
        }
    }

    /// The text when it has no `*`.
    fn literal(&self) -> Option<&[u8]> {
        match self.pieces.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }

    fn is_match(&self, name: &[u8]) -> bool {
        let Some((first, rest)) = self.pieces.split_first() else {
            return false;
        };
        let Some((last, middle)) = rest.split_last() else {
            return name == &**first;
        };
        if name.len() < first.len() + last.len()
            || !name.starts_with(first)
            || !name.ends_with(last)
        {
            return false;
        }
        // Leftmost placement of each middle piece is optimal: it leaves the most room for
        // the pieces after it.
        let mut hay = &name[first.len()..name.len() - last.len()];
        for piece in middle {
            match find(hay, piece) {
                Some(at) => hay = &hay[at + piece.len()..],
                None => return false,
            }
        }
        true
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The last component of a `/`-separated repository path.
pub(crate) fn basename(path: &[u8]) -> &[u8] {
    match memchr::memrchr(b'/', path) {
        Some(slash) => path.get(slash + 1..).unwrap_or_default(),
        None => path,
    }
}

/// What follows the last `.` of a file name (possibly empty); `None` without a `.`.
pub(crate) fn extension(name: &[u8]) -> Option<&[u8]> {
    // A plain scan: names are short, and memrchr's setup costs more than it saves.
    name.iter()
        .rposition(|&b| b == b'.')
        .and_then(|dot| name.get(dot + 1..))
}

#[cfg(unix)]
fn as_os_path(path: &[u8]) -> &std::path::Path {
    use std::os::unix::ffi::OsStrExt;
    std::path::Path::new(std::ffi::OsStr::from_bytes(path))
}

#[cfg(not(unix))]
fn as_os_path(path: &[u8]) -> std::path::PathBuf {
    std::path::PathBuf::from(String::from_utf8_lossy(path).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A remembering set answers as a plain one, when first asked and when asked again.
    #[test]
    fn a_remembering_set_answers_as_a_plain_one() {
        let globs = [
            "**/requirements*.txt",
            "docs/**",
            "src/*.py",
            "**/Dockerfile",
        ];
        let plain = Globs::new(&globs).unwrap();
        let remembering = Globs::new(&globs).unwrap().remembering();
        let paths = [
            "requirements.txt",
            "api/requirements-dev.txt",
            "docs/a/b.md",
            "src/app.py",
            "src/lib/app.py",
            "deploy/Dockerfile",
            "README.md",
        ];
        for _ in 0..2 {
            for path in paths {
                assert_eq!(
                    remembering.first_match(path),
                    plain.first_match(path),
                    "{path}"
                );
            }
        }
        assert_eq!(remembering.clone().first_match("docs/x"), Some(1));
    }
    use proptest::prelude::*;

    fn globs(list: &[&str]) -> Globs {
        Globs::new(list).unwrap()
    }

    #[test]
    fn direct_shapes() {
        let g = globs(&[
            "**/Dockerfile",
            "**/*.py",
            "docs/**",
            "**/requirements*.{txt,in}",
            "**/static/**",
            ".github/workflows/*.yml",
            ".gitlab-ci.yml",
            "**/*{deploy,Deploy}*{trigger,Trigger}*",
        ]);
        assert_eq!(g.len(), 8);
        assert!(g.complex.is_empty(), "{:?}", g.complex);
        let m = |p: &str| g.first_match(p.as_bytes());
        assert_eq!(m("Dockerfile"), Some(0));
        assert_eq!(m("a/b/Dockerfile"), Some(0));
        assert_eq!(m("a/Dockerfile.dev"), None);
        assert_eq!(m("x.py"), Some(1));
        assert_eq!(m("docs/x.py"), Some(1));
        assert_eq!(m("docs/readme"), Some(2));
        assert_eq!(m("docs"), None);
        assert_eq!(m("sub/requirements-dev.in"), Some(3));
        assert_eq!(m("requirements.txt"), Some(3));
        assert_eq!(m("requirements.txt.bak"), None);
        assert_eq!(m("a/static/b/c.css"), Some(4));
        assert_eq!(m("static"), None);
        assert_eq!(m(".github/workflows/ci.yml"), Some(5));
        assert_eq!(m(".github/workflows/a/ci.yml"), None);
        assert_eq!(m("x/.gitlab-ci.yml"), None);
        assert_eq!(m(".gitlab-ci.yml"), Some(6));
        assert_eq!(m("app/.deploy-trigger"), Some(7));
        assert_eq!(m("app/deploytrigger"), Some(7));
        assert_eq!(m("app/trigger-deploy"), None);
    }

    #[test]
    fn complex_globs_go_to_globset_and_keep_their_index() {
        let g = globs(&["src/**/test_*.py", "**/*.{py,rs}", "a?c", "[ab]/x"]);
        assert_eq!(g.complex.len(), 3);
        assert_eq!(g.first_match(b"src/a/b/test_x.py"), Some(0));
        assert_eq!(g.first_match(b"src/test_x.py"), Some(0));
        assert_eq!(g.first_match(b"lib/test_x.py"), Some(1));
        assert_eq!(g.first_match(b"abc"), Some(2));
        assert_eq!(g.first_match(b"b/x"), Some(3));
        assert_eq!(g.first_match(b"c/x"), None);
    }

    #[test]
    fn invalid_globs_name_their_index() {
        let err = Globs::new(&["**/ok", "a[", "b"]).unwrap_err();
        assert_eq!(err.0, 1);
        assert!(check("{a,b").is_err());
        assert!(check("**/x*y").is_ok());
    }

    #[test]
    fn non_utf8_paths() {
        let g = globs(&["**/*.py", "**/caf*"]);
        assert_eq!(g.first_match(b"d/\xff\xfe.py"), Some(0));
        assert_eq!(g.first_match(b"caf\xe9"), Some(1));
    }

    /// Glob text from the characters that matter, so the direct shapes, their edges and
    /// the globset fallback are all exercised.
    fn glob_text() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "a", "b", "ab", ".", "*", "**", "/", "**/", "/**", "{a,b}", "{,a}", "?", "[ab]", "{",
            "}", ",", "]",
        ]);
        prop::collection::vec(piece, 1..7).prop_map(|v| v.concat())
    }

    fn path_text() -> impl Strategy<Value = String> {
        // Git never stores `.` or `..` as a path component (and globset's basename
        // lookups treat them as having no name).
        let component = prop::string::string_regex("[ab.]{1,4}")
            .unwrap()
            .prop_map(|c| {
                if c == "." || c == ".." {
                    format!("b{c}")
                } else {
                    c
                }
            });
        prop::collection::vec(component, 1..5).prop_map(|v| v.join("/"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// The direct matcher agrees with globset (literal_separator) on every glob
        /// globset accepts.
        #[test]
        fn agrees_with_globset(glob in glob_text(), paths in prop::collection::vec(path_text(), 1..8)) {
            let Ok(reference) = build(&glob) else {
                prop_assert!(Globs::new(&[&glob]).is_err());
                return Ok(());
            };
            // A one-glob set, not `compile_matcher`: the two disagree on odd globs such as
            // `**.` (the matcher matches `..`, the set does not), and pushguard has always
            // matched with sets.
            let mut builder = GlobSetBuilder::new();
            builder.add(reference);
            let reference = builder.build().unwrap();
            let ours = Globs::new(&[&glob]).unwrap();
            for path in &paths {
                prop_assert_eq!(
                    ours.is_match(path.as_bytes()),
                    reference.is_match(path),
                    "glob {:?} path {:?}", glob, path
                );
            }
        }
    }
}
