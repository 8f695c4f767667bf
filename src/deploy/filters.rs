//! The pattern dialects deploy platforms use to decide whether a push triggers a deploy:
//! GitHub Actions filters, Railway's gitignore-style watch patterns, Render build filters,
//! minimatch (Vercel branch keys) and Ruby `File.fnmatch` (GitLab CI `changes:`).
//!
//! Every dialect compiles to one small automaton ([`Program`]): tokens that each consume
//! one character once, optionally or any number of times, plus forward jumps. It runs as a
//! set-of-states NFA over the name, so a match costs O(tokens × characters) whatever the
//! pattern: `*a*a*a*a*a*a*b` against a long name cannot backtrack exponentially. Brace
//! alternations (`{a,b}`) are expanded before compiling, with a cap on the work.
//!
//! Invariants: nothing here panics, whatever the input; a malformed pattern (unterminated
//! class, trailing `\`, a GitHub quantifier with nothing to repeat, too many brace
//! expansions) matches nothing. Names and paths are matched as given, case-sensitively:
//! branch names without `refs/heads/`, paths repository-relative, `/`-separated, with no
//! leading `/` (see [`super::target`]).

/// The most alternatives a pattern's braces may expand to, and the most characters brace
/// expansion may scan in all; beyond either the pattern is treated as malformed. Real
/// patterns use a handful of alternatives and a few hundred characters.
const MAX_EXPANSIONS: usize = 256;
const MAX_EXPANSION_WORK: usize = 1 << 20;

/// One GitHub Actions filter pattern against a branch name, tag name or repository path.
///
/// The "Filter pattern cheat sheet" of docs.github.com, *Workflow syntax for GitHub
/// Actions*: `*` is any run of characters without `/`; `**` any run at all (`'**.js'`
/// matches `src/js/app.js`), and `**/` also zero directories (`docs/**/*.md` matches
/// `docs/README.md`); `?` makes the *preceding* character optional (`'*.jsx?'` matches
/// `page.js` and `page.jsx`) and `+` repeats it (`v[12].[0-9]+.[0-9]+`); `[...]` one
/// listed character or range, no negation; `\` escapes. The match is of the whole name:
/// `docs` is only a root file named `docs`. A leading `!` is literal here: negation
/// belongs to the list ([`github_list`]).
pub fn github_pattern(pattern: &str, name: &str) -> bool {
    let chars: Vec<char> = pattern.chars().collect();
    compile(&chars, Dialect::GitHub, false).is_some_and(|p| p.matches(name))
}

/// An ordered GitHub list (`branches:`, `paths:`): whether `name` is included. Entries
/// starting with `!` exclude; the last matching entry decides (a later `!pat` excludes, a
/// later positive re-includes). A list with no positive entry includes nothing: nothing is
/// included until a positive entry matches.
pub fn github_list(patterns: &[String], name: &str) -> bool {
    let mut included = false;
    for entry in patterns {
        let (negated, body) = match entry.strip_prefix('!') {
            Some(body) => (true, body),
            None => (false, entry.as_str()),
        };
        if github_pattern(body, name) {
            included = !negated;
        }
    }
    included
}

/// Railway `watchPatterns`: whether `path` is matched. The last matching pattern wins;
/// `!` negates (so a negation only takes away what an earlier pattern matched, as
/// Railway's docs warn).
///
/// gitignore syntax (git-scm.com/docs/gitignore), evaluated from the repository root
/// (docs.railway.com *Build configuration*, "Configure Watch Paths": "patterns still
/// operate from `/`"): blank entries and `#` comments are skipped; a `/` at the start or
/// in the middle anchors the pattern at the root, otherwise it matches a name at any depth
/// (`*.md` matches `a/b/c.md`); a trailing `/` matches only directories. A pattern that
/// matches a directory matches everything below it, so a file path is matched when the
/// path itself or any of its parent directories is (`build/` matches `build/x/y.js`,
/// `backend` matches `backend/app.py`). Unlike git, a later `!` pattern may take a file
/// back out of a matched directory: the list decides per path, last match wins.
///
/// One deliberate departure from git: a `**` that is not a whole path component crosses
/// `/` (git reads it as `*`). Railway's docs give `/app/**.js` as the pattern that
/// "match[es] files in the new root" `/app`, which only holds if it reaches into
/// subdirectories; predicting a deploy Railway then skips is the safer error.
pub fn gitignore_list(patterns: &[String], path: &str) -> bool {
    let mut matched = false;
    for line in patterns {
        if let Some(rule) = IgnoreRule::parse(line) {
            if rule.matches(path) {
                matched = !rule.negated;
            }
        }
    }
    matched
}

/// One Render build-filter glob against a repository path (render.com/docs/monorepo-support,
/// "Filter rules"): `?` one character except `/`; `*` any run without `/`; `**` as a whole
/// component any number of directories (`**/readme.md` matches `readme.md` and
/// `a/b/readme.md`; `src/**` everything under `src`), elsewhere the same as `*`; `[abc]`,
/// `[a-z]`, negated `[^abc]` (or `[!abc]`); `\` escapes. The whole path must match,
/// from the repository root.
pub fn render_glob(pattern: &str, path: &str) -> bool {
    let chars: Vec<char> = pattern.chars().collect();
    compile(&chars, Dialect::Render, false).is_some_and(|p| p.matches(path))
}

/// One minimatch glob (Vercel `git.deploymentEnabled` branch keys) against a branch name,
/// with minimatch's default options: `*` and `?` do not cross `/`; `**` as a whole
/// component spans any number of components, though a trailing `/**` needs one
/// (`feature/**` does not match `feature`: minimatch's `matchOne` runs out of name before
/// it reaches the `**`); `[...]` with `!`/`^` negation and POSIX classes; `{a,b}` braces
/// (a group without a comma is literal, and `{1..3}` sequences are not expanded); a
/// leading `!` negates and a leading `#` is a comment that matches nothing. No
/// `matchBase`: a pattern without `/` matches only names without `/`. No `dot`: wildcards
/// do not match a `.` that starts a component. Extglobs (`+(a|b)`) are not supported:
/// their characters are literal.
pub fn minimatch(pattern: &str, name: &str) -> bool {
    if pattern.starts_with('#') {
        return false;
    }
    let bangs = pattern.chars().take_while(|&c| c == '!').count();
    // `!` is one byte, so `bangs` is a byte offset on a character boundary.
    let body = pattern.get(bangs..).unwrap_or("");
    let Some(alternatives) = expand_braces(body, Braces::Minimatch) else {
        return false;
    };
    let Some(hit) = any_alternative(&alternatives, Dialect::Minimatch, name) else {
        return false;
    };
    hit != (bangs % 2 == 1)
}

/// One GitLab CI `rules:changes` / `only:changes` glob against a repository path.
///
/// GitLab matches with Ruby's `File.fnmatch` and the flags `File::FNM_PATHNAME |
/// File::FNM_DOTMATCH | File::FNM_EXTGLOB` (docs.gitlab.com, *CI/CD YAML syntax
/// reference*, `rules:changes`): `*` and `?` do not cross `/`; `**/` at the start of a
/// component is any number of directories (`**/*.md` matches `README.md`), but any other
/// `**` is a plain `*` (so `src/**` matches `src/a` and not `src/a/b`: write
/// `src/**/*`); `{a,b}` alternation (`{a}` is `a`); `[...]` with `!`/`^` negation; `\`
/// escapes; wildcards match dotfiles.
pub fn gitlab_glob(pattern: &str, path: &str) -> bool {
    let Some(alternatives) = expand_braces(pattern, Braces::Ruby) else {
        return false;
    };
    any_alternative(&alternatives, Dialect::GitLab, path).unwrap_or(false)
}

/// Whether any of `alternatives` (one pattern's brace expansions) matches `name`; `None`
/// when one of them is malformed, which makes the whole pattern malformed.
fn any_alternative(alternatives: &[String], dialect: Dialect, name: &str) -> Option<bool> {
    let mut programs = Vec::with_capacity(alternatives.len());
    for alternative in alternatives {
        let chars: Vec<char> = alternative.chars().collect();
        programs.push(compile(&chars, dialect, false)?);
    }
    Some(programs.iter().any(|p| p.matches(name)))
}

/// One parsed watch pattern.
struct IgnoreRule {
    negated: bool,
    /// The pattern had a trailing `/`: it matches directories only.
    dir_only: bool,
    /// `None`: malformed, matches nothing.
    program: Option<Program>,
}

impl IgnoreRule {
    /// `None` for an entry that is not a pattern (blank, comment).
    fn parse(line: &str) -> Option<IgnoreRule> {
        let mut chars: Vec<char> = line.chars().collect();
        // gitignore: "Trailing spaces are ignored unless they are quoted with backslash".
        while chars.last() == Some(&' ') {
            let escaped = chars.len() >= 2 && chars.get(chars.len() - 2) == Some(&'\\');
            if escaped {
                break;
            }
            chars.pop();
        }
        match chars.first() {
            None | Some('#') => return None,
            _ => {}
        }
        let negated = chars.first() == Some(&'!');
        if negated {
            chars.remove(0);
        }
        let mut dir_only = false;
        while chars.last() == Some(&'/') {
            chars.pop();
            dir_only = true;
        }
        let anchored = chars.contains(&'/');
        if chars.first() == Some(&'/') {
            chars.remove(0);
        }
        // `/` or `!` alone: nothing left to match with.
        let program = if chars.is_empty() {
            None
        } else {
            // An unanchored pattern matches at any depth: the same as a leading `**/`.
            compile(&chars, Dialect::Gitignore, !anchored)
        };
        Some(IgnoreRule {
            negated,
            dir_only,
            program,
        })
    }

    /// Whether the rule matches the file `path`: the path itself (unless the rule is for
    /// directories only) or one of its parent directories.
    fn matches(&self, path: &str) -> bool {
        let Some(program) = &self.program else {
            return false;
        };
        program.run(path, !self.dir_only, true)
    }
}

/// Which platform's syntax a pattern is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    GitHub,
    Gitignore,
    Render,
    Minimatch,
    GitLab,
}

/// What a token consumes: one character that passes the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Atom {
    Char(char),
    /// Any character but `/`.
    NotSlash,
    /// Any character.
    Any,
    /// The class at this index of [`Program::classes`].
    Class(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// Exactly one character.
    One(Atom),
    /// Zero or one character.
    Opt(Atom),
    /// Zero or more characters.
    Many(Atom),
    /// Continue at both the next token and this (later) one, consuming nothing.
    Fork(usize),
}

/// What the last token added to a GitHub pattern is, for `?` and `+` (which apply to the
/// preceding character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Nothing,
    /// A single character, class or `/`.
    One,
    /// `x?`.
    Opt,
    /// `x+`, compiled as `x x*`.
    Plus,
    /// `*`, `**` or an `x*` made of quantifiers.
    Star,
}

/// A compiled pattern.
///
/// Invariant: every `Fork` target is greater than the fork's own index and at most
/// `toks.len()` (the accepting state), and every `Atom::Class` index is below
/// `classes.len()`.
#[derive(Debug)]
struct Program {
    toks: Vec<Tok>,
    classes: Vec<Class>,
    dialect: Dialect,
}

/// Compiles one pattern (braces already expanded); `None` when it is malformed.
/// `any_dir_prefix` prepends `**/`, for gitignore's unanchored patterns.
fn compile(chars: &[char], dialect: Dialect, any_dir_prefix: bool) -> Option<Program> {
    let mut program = Program {
        toks: Vec::with_capacity(chars.len() + 3),
        classes: Vec::new(),
        dialect,
    };
    if any_dir_prefix {
        program.push_dir_star();
    }
    let mut last = Last::Nothing;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                let escaped = *chars.get(i + 1)?;
                program.toks.push(Tok::One(Atom::Char(escaped)));
                last = Last::One;
                i += 2;
            }
            '[' => {
                let (class, next) = parse_class(chars, i + 1, dialect)?;
                program.classes.push(class);
                let index = program.classes.len() - 1;
                program.toks.push(Tok::One(Atom::Class(index)));
                last = Last::One;
                i = next;
            }
            '*' => {
                let (consumed, now) = program.push_stars(chars, i);
                last = now;
                i += consumed;
            }
            '?' | '+' if dialect == Dialect::GitHub => {
                last = program.quantify(c, last)?;
                i += 1;
            }
            '?' => {
                program.toks.push(Tok::One(Atom::NotSlash));
                last = Last::One;
                i += 1;
            }
            _ => {
                program.toks.push(Tok::One(Atom::Char(c)));
                last = Last::One;
                i += 1;
            }
        }
    }
    Some(program)
}

impl Program {
    /// `**/`: nothing, or any run of characters ending in `/` (zero or more directories).
    fn push_dir_star(&mut self) {
        let at = self.toks.len();
        self.toks.push(Tok::Fork(at + 3));
        self.toks.push(Tok::Many(Atom::Any));
        self.toks.push(Tok::One(Atom::Char('/')));
    }

    /// Compiles the run of `*` starting at `chars[at]`: returns how many characters it
    /// used (the run, plus the `/` of a `**/`) and what it leaves for a GitHub quantifier.
    fn push_stars(&mut self, chars: &[char], at: usize) -> (usize, Last) {
        let run = chars.iter().skip(at).take_while(|&&c| c == '*').count();
        // git's wildmatch (and GitHub) read any run of two or more stars as `**`;
        // minimatch, fnmatch and Render's doublestar only exactly two.
        let double = match self.dialect {
            Dialect::GitHub | Dialect::Gitignore => run >= 2,
            Dialect::Render | Dialect::Minimatch | Dialect::GitLab => run == 2,
        };
        if !double {
            self.toks.push(Tok::Many(Atom::NotSlash));
            return (run, Last::Star);
        }
        let after = chars.get(at + run).copied();
        // Whether the `**` is a whole path component (gitignore, minimatch, fnmatch and
        // Render give `**` its meaning only there).
        let component_start = at == 0 || chars.get(at - 1) == Some(&'/');
        if after == Some('/') && (component_start || self.dialect == Dialect::GitHub) {
            self.push_dir_star();
            return (run + 1, Last::One);
        }
        let whole_component_at_end = component_start && after.is_none();
        let atom = match self.dialect {
            // GitHub's `**` is any run; for Railway's `/app/**.js` see `gitignore_list`.
            Dialect::GitHub | Dialect::Gitignore => Atom::Any,
            // A trailing `/**`: everything below.
            Dialect::Render | Dialect::Minimatch if whole_component_at_end => Atom::Any,
            // Any other `**` is `*` (in fnmatch, every `**` not followed by `/`).
            Dialect::Render | Dialect::Minimatch | Dialect::GitLab => Atom::NotSlash,
        };
        self.toks.push(Tok::Many(atom));
        (run, Last::Star)
    }

    /// Applies GitHub's `?` (zero or one of the preceding character) or `+` (one or more)
    /// to the last token. Stacked quantifiers compose as sets of strings do: `(x?)+` and
    /// `(x+)?` are `x*`, and a quantifier after a star changes nothing. `None` when
    /// nothing precedes: the pattern is malformed.
    fn quantify(&mut self, quantifier: char, last: Last) -> Option<Last> {
        let top = self.toks.last().copied();
        let now = match (last, quantifier, top) {
            (Last::Star, _, _) | (Last::Opt, '?', _) | (Last::Plus, '+', _) => last,
            (Last::One, '?', Some(Tok::One(atom))) => {
                *self.toks.last_mut()? = Tok::Opt(atom);
                Last::Opt
            }
            (Last::One, '+', Some(Tok::One(atom))) => {
                self.toks.push(Tok::Many(atom));
                Last::Plus
            }
            (Last::Opt, '+', Some(Tok::Opt(atom))) => {
                *self.toks.last_mut()? = Tok::Many(atom);
                Last::Star
            }
            (Last::Plus, '?', Some(Tok::Many(atom))) => {
                self.toks.pop();
                *self.toks.last_mut()? = Tok::Many(atom);
                Last::Star
            }
            _ => return None,
        };
        Some(now)
    }

    /// Whether the whole of `name` matches.
    fn matches(&self, name: &str) -> bool {
        self.run(name, true, false)
    }

    /// Runs the NFA over `name`, keeping the list of live states. True when the automaton
    /// accepts the whole of `name` (if `whole`) or, if `parents`, a prefix of it that ends
    /// just before a `/` other than a leading one: a parent directory of the path. Work is
    /// O(live states × characters), at most O(tokens × characters).
    fn run(&self, name: &str, whole: bool, parents: bool) -> bool {
        let accept = self.toks.len();
        let mut current = Vec::new();
        let mut current_seen = vec![false; accept + 1];
        let mut next = Vec::new();
        let mut next_seen = vec![false; accept + 1];
        let mut stack = Vec::new();
        self.add(0, &mut current, &mut current_seen, &mut stack);
        let mut component_start = true;
        for (at, c) in name.char_indices() {
            if parents && c == '/' && at > 0 && current_seen.get(accept) == Some(&true) {
                return true;
            }
            for &state in &next {
                if let Some(seen) = next_seen.get_mut(state) {
                    *seen = false;
                }
            }
            next.clear();
            for &state in &current {
                match self.toks.get(state) {
                    Some(&Tok::One(atom) | &Tok::Opt(atom)) => {
                        if self.accepts(atom, c, component_start) {
                            self.add(state + 1, &mut next, &mut next_seen, &mut stack);
                        }
                    }
                    Some(&Tok::Many(atom)) => {
                        if self.accepts(atom, c, component_start) {
                            self.add(state, &mut next, &mut next_seen, &mut stack);
                        }
                    }
                    Some(Tok::Fork(_)) | None => {}
                }
            }
            if next.is_empty() {
                return false;
            }
            std::mem::swap(&mut current, &mut next);
            std::mem::swap(&mut current_seen, &mut next_seen);
            component_start = c == '/';
        }
        whole && current_seen.get(accept) == Some(&true)
    }

    /// Adds `state` to the live set with every state reachable from it without consuming
    /// a character. An explicit stack: a long chain of optional tokens (`a?b?c?...`)
    /// cannot overflow the call stack.
    fn add(&self, state: usize, set: &mut Vec<usize>, seen: &mut [bool], stack: &mut Vec<usize>) {
        stack.push(state);
        while let Some(state) = stack.pop() {
            match seen.get_mut(state) {
                Some(seen) if !*seen => *seen = true,
                _ => continue,
            }
            set.push(state);
            match self.toks.get(state) {
                Some(Tok::Opt(_) | Tok::Many(_)) => stack.push(state + 1),
                Some(&Tok::Fork(target)) => {
                    stack.push(state + 1);
                    stack.push(target);
                }
                Some(Tok::One(_)) | None => {}
            }
        }
    }

    fn accepts(&self, atom: Atom, c: char, component_start: bool) -> bool {
        if let Atom::Char(expected) = atom {
            return c == expected;
        }
        // minimatch without `dot`: no wildcard matches the `.` that starts a component
        // (nor does `**` walk into such a directory).
        if self.dialect == Dialect::Minimatch && component_start && c == '.' {
            return false;
        }
        match atom {
            Atom::Char(expected) => c == expected,
            Atom::NotSlash => c != '/',
            Atom::Any => true,
            // Path-aware dialects never match `/` with a class; GitHub's classes are
            // plain character sets.
            Atom::Class(index) => {
                (c != '/' || self.dialect == Dialect::GitHub)
                    && self
                        .classes
                        .get(index)
                        .is_some_and(|class| class.contains(c))
            }
        }
    }
}

/// A bracket expression.
#[derive(Debug)]
struct Class {
    negated: bool,
    items: Vec<Item>,
}

#[derive(Debug)]
enum Item {
    /// An inclusive range; a single character is `c-c`. A reversed range matches nothing.
    Range(char, char),
    Posix(Posix),
}

/// `[:name:]` inside a class (gitignore's wildmatch and minimatch know them).
#[derive(Debug, Clone, Copy)]
enum Posix {
    Alnum,
    Alpha,
    Blank,
    Cntrl,
    Digit,
    Graph,
    Lower,
    Print,
    Punct,
    Space,
    Upper,
    Xdigit,
}

impl Posix {
    fn named(name: &str) -> Option<Posix> {
        Some(match name {
            "alnum" => Posix::Alnum,
            "alpha" => Posix::Alpha,
            "blank" => Posix::Blank,
            "cntrl" => Posix::Cntrl,
            "digit" => Posix::Digit,
            "graph" => Posix::Graph,
            "lower" => Posix::Lower,
            "print" => Posix::Print,
            "punct" => Posix::Punct,
            "space" => Posix::Space,
            "upper" => Posix::Upper,
            "xdigit" => Posix::Xdigit,
            _ => return None,
        })
    }

    fn contains(self, c: char) -> bool {
        match self {
            Posix::Alnum => c.is_ascii_alphanumeric(),
            Posix::Alpha => c.is_ascii_alphabetic(),
            Posix::Blank => c == ' ' || c == '\t',
            Posix::Cntrl => c.is_ascii_control(),
            Posix::Digit => c.is_ascii_digit(),
            Posix::Graph => c.is_ascii_graphic(),
            Posix::Lower => c.is_ascii_lowercase(),
            Posix::Print => c.is_ascii_graphic() || c == ' ',
            Posix::Punct => c.is_ascii_punctuation(),
            Posix::Space => c.is_ascii_whitespace() || c == '\x0b',
            Posix::Upper => c.is_ascii_uppercase(),
            Posix::Xdigit => c.is_ascii_hexdigit(),
        }
    }
}

impl Class {
    fn contains(&self, c: char) -> bool {
        let listed = self.items.iter().any(|item| match *item {
            Item::Range(lo, hi) => lo <= c && c <= hi,
            Item::Posix(posix) => posix.contains(c),
        });
        listed != self.negated
    }
}

/// Parses the class whose body starts at `chars[start]` (just after `[`): the class and
/// the index after its `]`. `None` when it is malformed (unterminated, empty, an unknown
/// `[:name:]`, a trailing `\`).
///
/// GitHub's classes list characters and ranges only ("`[]` Matches one character listed
/// in the brackets or included in ranges"), so `!` and `^` are members there. Elsewhere
/// a leading `!` or `^` negates and a `]` right after the `[` (or the negation) is a
/// member, as in fnmatch.
fn parse_class(chars: &[char], start: usize, dialect: Dialect) -> Option<(Class, usize)> {
    let github = dialect == Dialect::GitHub;
    let mut i = start;
    let mut negated = false;
    if !github && matches!(chars.get(i), Some('!' | '^')) {
        negated = true;
        i += 1;
    }
    let body = i;
    let mut items = Vec::new();
    loop {
        let c = *chars.get(i)?;
        if c == ']' && (i > body || github) {
            break;
        }
        let posix_dialect = matches!(dialect, Dialect::Gitignore | Dialect::Minimatch);
        if posix_dialect && c == '[' && chars.get(i + 1) == Some(&':') {
            let rest = chars.get(i + 2..)?;
            if let Some(end) = rest.windows(2).position(|w| w == [':', ']']) {
                let name: String = rest.iter().take(end).collect();
                items.push(Item::Posix(Posix::named(&name)?));
                i += 2 + end + 2;
                continue;
            }
        }
        let (lo, next) = class_char(chars, i)?;
        i = next;
        let range = chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&c| c != ']');
        if range {
            let (hi, next) = class_char(chars, i + 1)?;
            i = next;
            items.push(Item::Range(lo, hi));
        } else {
            items.push(Item::Range(lo, lo));
        }
    }
    if items.is_empty() {
        return None;
    }
    Some((Class { negated, items }, i + 1))
}

/// The class member at `chars[i]` (`\` escapes the next character) and the index after it.
fn class_char(chars: &[char], i: usize) -> Option<(char, usize)> {
    match *chars.get(i)? {
        '\\' => Some((*chars.get(i + 1)?, i + 2)),
        c => Some((c, i + 1)),
    }
}

/// How a dialect reads `{...}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Braces {
    /// brace-expansion, as minimatch uses it: a group needs a top-level `,`; `{a}` is
    /// literal text.
    Minimatch,
    /// Ruby's `FNM_EXTGLOB`: any balanced group expands, `{a}` to `a`.
    Ruby,
}

/// The patterns `pattern`'s braces expand to (the pattern itself when it has none); an
/// unbalanced `{` or `}` is literal, `\` escapes (and is kept, for the glob to read).
/// `None` when the expansion would exceed [`MAX_EXPANSIONS`] patterns or
/// [`MAX_EXPANSION_WORK`] characters scanned: `{a,b}` repeated twenty times is a million
/// patterns.
fn expand_braces(pattern: &str, braces: Braces) -> Option<Vec<String>> {
    let mut out = Vec::new();
    // A work list rather than recursion: a long chain of groups cannot overflow the stack.
    let mut work: Vec<Vec<char>> = vec![pattern.chars().collect()];
    let mut scanned = 0usize;
    while let Some(chars) = work.pop() {
        scanned = scanned.saturating_add(chars.len() + 1);
        if scanned > MAX_EXPANSION_WORK || out.len() + work.len() >= MAX_EXPANSIONS {
            return None;
        }
        let Some(group) = first_group(&chars, braces) else {
            out.push(chars.into_iter().collect());
            continue;
        };
        let head = chars.get(..group.open)?;
        let tail = chars.get(group.close + 1..)?;
        let mut start = group.open + 1;
        for end in group.commas.into_iter().chain(std::iter::once(group.close)) {
            let middle = chars.get(start..end)?;
            work.push([head, middle, tail].concat());
            start = end + 1;
        }
    }
    Some(out)
}

/// A balanced `{...}`: the indices of its braces and of the commas at its own level.
#[derive(Debug)]
struct Group {
    open: usize,
    close: usize,
    commas: Vec<usize>,
}

/// The group to expand first: the leftmost balanced group that expands in this dialect
/// (one with a comma, for minimatch). One pass with a stack of open groups.
fn first_group(chars: &[char], braces: Braces) -> Option<Group> {
    let mut open: Vec<Group> = Vec::new();
    let mut best: Option<Group> = None;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => i += 1,
            '{' => open.push(Group {
                open: i,
                close: i,
                commas: Vec::new(),
            }),
            ',' => {
                if let Some(group) = open.last_mut() {
                    group.commas.push(i);
                }
            }
            '}' => {
                if let Some(mut group) = open.pop() {
                    group.close = i;
                    let expands = braces == Braces::Ruby || !group.commas.is_empty();
                    if expands && best.as_ref().map_or(true, |b| group.open < b.open) {
                        best = Some(group);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn list(patterns: &[&str]) -> Vec<String> {
        patterns.iter().map(|p| p.to_string()).collect()
    }

    /// Checks `matcher(pattern, name)` for each `(pattern, name, expected)`.
    fn check(matcher: fn(&str, &str) -> bool, cases: &[(&str, &str, bool)]) {
        for &(pattern, name, expected) in cases {
            assert_eq!(
                matcher(pattern, name),
                expected,
                "pattern {pattern:?} against {name:?}"
            );
        }
    }

    // GitHub Actions: the examples of the "Filter pattern cheat sheet".

    #[test]
    fn github_branch_and_tag_examples() {
        check(
            github_pattern,
            &[
                ("feature/*", "feature/my-branch", true),
                ("feature/*", "feature/your-branch", true),
                ("feature/*", "feature/a/b", false),
                ("feature/*", "feature", false),
                ("feature/**", "feature/beta-a/my-branch", true),
                ("feature/**", "feature/your-branch", true),
                ("feature/**", "feature/mona/the/octocat", true),
                ("main", "main", true),
                ("main", "main2", false),
                ("main", "refs/heads/main", false),
                (
                    "releases/mona-the-octocat",
                    "releases/mona-the-octocat",
                    true,
                ),
                ("*", "main", true),
                ("*", "releases", true),
                ("*", "feature/x", false),
                ("**", "all/the/branches", true),
                ("**", "every/tag", true),
                ("*feature", "mona-feature", true),
                ("*feature", "feature", true),
                ("*feature", "ver-10-feature", true),
                ("*feature", "feature-x", false),
                ("v2*", "v2", true),
                ("v2*", "v2.0", true),
                ("v2*", "v2.9", true),
                ("v2*", "v3", false),
                ("v[12].[0-9]+.[0-9]+", "v1.10.1", true),
                ("v[12].[0-9]+.[0-9]+", "v2.0.0", true),
                ("v[12].[0-9]+.[0-9]+", "v3.0.0", false),
                ("v[12].[0-9]+.[0-9]+", "v1..1", false),
                ("v[12].[0-9]+.[0-9]+", "v1.x.1", false),
            ],
        );
    }

    #[test]
    fn github_path_examples() {
        check(
            github_pattern,
            &[
                ("*", "README.md", true),
                ("*", "server.rb", true),
                ("*", "docs/README.md", false),
                ("*.jsx?", "page.js", true),
                ("*.jsx?", "page.jsx", true),
                ("*.jsx?", "page.jsxx", false),
                ("**", "all/the/files.md", true),
                ("*.js", "app.js", true),
                ("*.js", "index.js", true),
                ("*.js", "js/index.js", false),
                ("**.js", "index.js", true),
                ("**.js", "js/index.js", true),
                ("**.js", "src/js/app.js", true),
                ("**.js", "src/js/app.ts", false),
                ("docs/*", "docs/README.md", true),
                ("docs/*", "docs/file.txt", true),
                ("docs/*", "docs/mona/octocat.txt", false),
                ("docs/**", "docs/README.md", true),
                ("docs/**", "docs/mona/octocat.txt", true),
                ("docs/**", "src/docs/a.md", false),
                ("docs/**/*.md", "docs/README.md", true),
                ("docs/**/*.md", "docs/mona/hello-world.md", true),
                ("docs/**/*.md", "docs/a/markdown/file.md", true),
                ("docs/**/*.md", "docs/a/file.txt", false),
                ("**/docs/**", "docs/hello.md", true),
                ("**/docs/**", "dir/docs/my-file.txt", true),
                ("**/docs/**", "space/docs/plan/space.doc", true),
                ("**/docs/**", "documents/x", false),
                ("**/README.md", "README.md", true),
                ("**/README.md", "js/README.md", true),
                ("**/README.md", "js/NOTREADME.md", false),
                ("**/*src/**", "a/src/app.js", true),
                ("**/*src/**", "my-src/code/js/app.js", true),
                ("**/*-post.md", "my-post.md", true),
                ("**/*-post.md", "path/their-post.md", true),
                ("**/migrate-*.sql", "migrate-10909.sql", true),
                ("**/migrate-*.sql", "db/migrate-v1.0.sql", true),
                ("**/migrate-*.sql", "db/sept/migrate-v1.sql", true),
                // `docs` is a root file named docs, nothing under a `docs` directory.
                ("docs", "docs", true),
                ("docs", "docs/README.md", false),
                ("docs", "a/docs", false),
            ],
        );
    }

    #[test]
    fn github_quantifiers_apply_to_the_preceding_character() {
        check(
            github_pattern,
            &[
                // The cheat sheet: "`?`: Matches zero or one of the preceding character"
                // (older versions of the page read it as any single character).
                ("Octoc?t", "Octot", true),
                ("Octoc?t", "Octoct", true),
                ("Octoc?t", "Octocat", false),
                ("ab+c", "abc", true),
                ("ab+c", "abbbc", true),
                ("ab+c", "ac", false),
                // A `+` in a branch name is a quantifier unless escaped.
                ("release+hotfix", "release+hotfix", false),
                ("release+hotfix", "releasehotfix", true),
                (r"release\+hotfix", "release+hotfix", true),
                (r"what\?", "what?", true),
                (r"a\*", "a*", true),
                (r"a\*", "ab", false),
                // Quantified classes.
                ("v[0-9]+", "v123", true),
                ("v[0-9]+", "v", false),
                ("v[0-9]?", "v", true),
                ("v[0-9]?", "v12", false),
                // Stacked quantifiers compose: `(b+)?` and `(b?)+` are `b*`.
                ("ab+?c", "ac", true),
                ("ab+?c", "abbc", true),
                ("ab?+c", "abbbc", true),
                ("ab??c", "abbc", false),
                ("ab++c", "abbc", true),
                ("ab++c", "ac", false),
                // A quantifier after a star changes nothing.
                ("a*?", "abc", true),
                ("a*+", "a", true),
                // Nothing to repeat: malformed.
                ("?abc", "abc", false),
                ("+abc", "abc", false),
            ],
        );
    }

    #[test]
    fn github_classes_and_bang() {
        check(
            github_pattern,
            &[
                ("[CB]at", "Cat", true),
                ("[CB]at", "Bat", true),
                ("[CB]at", "Rat", false),
                ("[1-2]00", "100", true),
                ("[1-2]00", "200", true),
                ("[1-2]00", "300", false),
                ("[0-9a-z]", "q", true),
                ("[0-9a-z]", "Q", false),
                // No class negation in GitHub's syntax: `!` and `^` are members.
                ("[!a]", "!", true),
                ("[!a]", "b", false),
                ("[^a]", "^", true),
                // `!` is literal away from a list entry's start.
                ("a!b", "a!b", true),
                ("!a", "!a", true),
                ("!a", "a", false),
            ],
        );
    }

    #[test]
    fn github_list_order_decides() {
        let md = list(&["*.md", "!README.md"]);
        assert!(github_list(&md, "hello.md"));
        assert!(!github_list(&md, "README.md"));
        assert!(!github_list(&md, "docs/hello.md"));

        // The cheat sheet's re-include: a later positive entry wins over the `!`.
        let again = list(&["*.md", "!README.md", "README*"]);
        assert!(github_list(&again, "README.md"));
        assert!(github_list(&again, "README.doc"));
        assert!(github_list(&again, "hello.md"));
        assert!(!github_list(&again, "docs/hello.md"));

        // Order matters: the same entries the other way round exclude README.md.
        let reversed = list(&["README*", "*.md", "!README.md"]);
        assert!(!github_list(&reversed, "README.md"));
        assert!(github_list(&reversed, "README.doc"));

        let branches = list(&["releases/**", "!releases/**-alpha"]);
        assert!(github_list(&branches, "releases/10"));
        assert!(github_list(&branches, "releases/beta/mona"));
        assert!(!github_list(&branches, "releases/10-alpha"));
        assert!(!github_list(&branches, "releases/beta/3-alpha"));
        assert!(!github_list(&branches, "main"));

        // No positive entry: nothing is included.
        assert!(!github_list(&list(&["!main"]), "dev"));
        assert!(!github_list(&list(&["!main"]), "main"));
        assert!(!github_list(&[], "main"));
        // A positive entry that matches nothing still leaves the list empty-handed.
        assert!(!github_list(&list(&["docs/**", "!docs/x"]), "src/a.rs"));
        // `!` on its own negates the empty pattern: it matches nothing.
        assert!(github_list(&list(&["**", "!"]), "a"));
    }

    // gitignore (Railway watchPatterns): git-scm.com/docs/gitignore and docs.railway.com.

    fn watch(patterns: &[&str], path: &str) -> bool {
        gitignore_list(&list(patterns), path)
    }

    #[test]
    fn gitignore_anchoring() {
        // A `/` at the start or in the middle anchors at the root.
        assert!(watch(&["/src/**"], "src/a.ts"));
        assert!(watch(&["src/**"], "src/a/b.ts"));
        assert!(!watch(&["src/**"], "lib/src/a.ts"));
        assert!(watch(&["doc/frotz/"], "doc/frotz/a.txt"));
        assert!(!watch(&["doc/frotz/"], "a/doc/frotz/a.txt"));
        assert!(watch(&["/bar"], "bar"));
        assert!(!watch(&["/bar"], "a/bar"));
        // No `/` (but a trailing one): any depth.
        assert!(watch(&["*.md"], "a/b/c.md"));
        assert!(watch(&["*.md"], "README.md"));
        assert!(watch(&["frotz/"], "frotz/x"));
        assert!(watch(&["frotz/"], "a/frotz/x"));
        assert!(watch(&["hello.*"], "deep/hello.c"));
        assert!(!watch(&["hello.*"], "deep/hello"));
        assert!(watch(&["bar"], "a/bar"));
        assert!(watch(&["bar"], "a/bar/c"));
        assert!(!watch(&["bar"], "a/barn"));
    }

    #[test]
    fn gitignore_directories_match_everything_below() {
        // A trailing `/` matches directories only: through a parent directory.
        assert!(watch(&["build/"], "build/x/y.js"));
        assert!(!watch(&["build/"], "build"));
        assert!(watch(&["build"], "build"));
        assert!(watch(&["backend"], "backend/app.py"));
        assert!(!watch(&["backend"], "backend-old/app.py"));
        // `foo/*` matches the directory `foo/bar`, hence the files in it.
        assert!(watch(&["foo/*"], "foo/test.json"));
        assert!(watch(&["foo/*"], "foo/bar/hello.c"));
        assert!(!watch(&["foo/*"], "foo"));
        assert!(watch(
            &["/packages/backend"],
            "packages/backend/src/main.ts"
        ));
        assert!(!watch(
            &["/packages/backend"],
            "packages/frontend/src/main.ts"
        ));
    }

    #[test]
    fn gitignore_double_stars() {
        assert!(watch(&["**/foo"], "foo"));
        assert!(watch(&["**/foo"], "a/b/foo"));
        assert!(watch(&["**/foo/bar"], "x/foo/bar"));
        assert!(watch(&["**/foo/bar"], "foo/bar"));
        assert!(watch(&["abc/**"], "abc/x"));
        assert!(watch(&["abc/**"], "abc/x/y"));
        assert!(!watch(&["abc/**"], "abc"));
        assert!(watch(&["a/**/b"], "a/b"));
        assert!(watch(&["a/**/b"], "a/x/b"));
        assert!(watch(&["a/**/b"], "a/x/y/b"));
        assert!(!watch(&["a/**/b"], "a/x/y/c"));
        // Railway's examples.
        assert!(watch(&["/src/**/*.ts"], "src/index.ts"));
        assert!(watch(&["/src/**/*.ts"], "src/a/b/index.ts"));
        assert!(!watch(&["/src/**/*.ts"], "lib/index.ts"));
        assert!(watch(&["/*.go"], "main.go"));
        assert!(!watch(&["/*.go"], "cmd/main.go"));
        // `/app/**.js`: the JavaScript files of `/app`, at any depth (see gitignore_list).
        assert!(watch(&["/app/**.js"], "app/index.js"));
        assert!(watch(&["/app/**.js"], "app/src/lib/x.js"));
        assert!(!watch(&["/app/**.js"], "app/index.ts"));
        assert!(!watch(&["/app/**.js"], "web/index.js"));
        assert!(watch(&["**.js"], "a/b/c.js"));
        // git's wildmatch reads any run of two or more stars as `**`.
        assert!(watch(&["/a/***/b"], "a/b"));
        assert!(watch(&["/a/***/b"], "a/x/y/b"));
        assert!(watch(&["**"], "anything/at/all"));
    }

    #[test]
    fn gitignore_last_match_wins() {
        // Railway: "Ignore all Markdown files" at the root.
        let no_md = ["**", "!/*.md"];
        assert!(!watch(&no_md, "README.md"));
        assert!(watch(&no_md, "src/main.rs"));
        assert!(watch(&no_md, "docs/guide.md"));
        let no_docs = ["**", "!docs/", "!*.md"];
        assert!(!watch(&no_docs, "docs/a.txt"));
        assert!(!watch(&no_docs, "src/notes.md"));
        assert!(watch(&no_docs, "src/a.rs"));
        // A later positive re-includes.
        let again = ["/backend", "!/backend/tests", "/backend/tests/fixtures.py"];
        assert!(watch(&again, "backend/app.py"));
        assert!(!watch(&again, "backend/tests/test_app.py"));
        assert!(watch(&again, "backend/tests/fixtures.py"));
        // git's "everything except foo/bar" example.
        let only = ["/*", "!/foo", "/foo/*", "!/foo/bar"];
        assert!(watch(&only, "other.c"));
        assert!(watch(&only, "foo/baz.c"));
        assert!(!watch(&only, "foo/bar/x.c"));
        // A negation alone takes nothing away from nothing.
        assert!(!watch(&["!/docs"], "src/a.rs"));
        assert!(!watch(&[], "src/a.rs"));
    }

    #[test]
    fn gitignore_syntax_details() {
        // Blank entries and comments are skipped; `\#` and `\!` are literal.
        assert!(!watch(&["", "   ", "# src/**"], "src/a"));
        assert!(watch(&["#x", r"\#x"], "#x"));
        assert!(watch(&[r"\!x"], "!x"));
        // Trailing spaces are dropped unless escaped.
        assert!(watch(&["a.txt  "], "a.txt"));
        assert!(watch(&[r"a\ "], "a "));
        // `?` and classes do not match `/`.
        assert!(watch(&["/a?c"], "abc"));
        assert!(!watch(&["/a?c"], "a/c"));
        assert!(watch(&["/[a-c]x"], "bx"));
        assert!(!watch(&["/[!a-c]x"], "bx"));
        assert!(watch(&["/[^a-c]x"], "dx"));
        assert!(!watch(&["/a[/]c"], "a/c"));
        assert!(watch(&["/v[[:digit:]]"], "v7"));
        assert!(!watch(&["/v[[:digit:]]"], "vx"));
        assert!(watch(&["/[]]x"], "]x"));
        assert!(watch(&[r"/a\*b"], "a*b"));
        assert!(!watch(&[r"/a\*b"], "axb"));
        // `*` stays within a component.
        assert!(!watch(&["/src/*.ts"], "src/a/b.ts"));
        // A lone `/` matches nothing.
        assert!(!watch(&["/"], "a"));
    }

    // Render build filters.

    #[test]
    fn render_examples() {
        check(
            render_glob,
            &[
                ("**/readme.md", "readme.md", true),
                ("**/readme.md", "backend/readme.md", true),
                ("**/readme.md", "frontend/src/readme.md", true),
                ("**/readme.md", "frontend/src/readme.txt", false),
                ("src/**", "src/a.js", true),
                ("src/**", "src/a/b/c.js", true),
                ("src/**", "lib/src/a.js", false),
                ("backend/**", "backend/util/util.go", true),
                ("frontend/**/*.js", "frontend/index.js", true),
                ("frontend/**/*.js", "frontend/src/auth.js", true),
                ("frontend/**/*.js", "frontend/sample.ts", false),
                ("frontend/*.js", "frontend/index.js", true),
                ("frontend/*.js", "frontend/src/auth.js", false),
                ("*.md", "readme.md", true),
                ("*.md", "docs/readme.md", false),
                ("backend/build/?86.sh", "backend/build/x86.sh", true),
                ("backend/build/?86.sh", "backend/build/amd64.sh", false),
                ("a?c", "a/c", false),
                ("frontend/src/auth[nz].js", "frontend/src/authn.js", true),
                ("frontend/src/auth[nz].js", "frontend/src/auth.js", false),
                ("frontend/src/auth[^nz].js", "frontend/src/authx.js", true),
                ("frontend/src/auth[^nz].js", "frontend/src/authz.js", false),
                ("frontend/src/auth[a-m].js", "frontend/src/authb.js", true),
                ("frontend/src/auth[^a-m].js", "frontend/src/authb.js", false),
                ("frontend/src/auth[!a-m].js", "frontend/src/authz.js", true),
                ("[^a]", "/", false),
                // `**` inside a component is `*`.
                ("src/**.js", "src/a.js", true),
                ("src/**.js", "src/a/b.js", false),
                ("community/docker/*", "community/docker/Dockerfile", true),
                ("community/docker/*", "community/readme.md", false),
            ],
        );
    }

    // minimatch (Vercel git.deploymentEnabled keys).

    #[test]
    fn minimatch_branches() {
        check(
            minimatch,
            &[
                ("main", "main", true),
                ("main", "main2", false),
                ("feature/*", "feature/a", true),
                ("feature/*", "feature/a/b", false),
                ("feature/**", "feature/a", true),
                ("feature/**", "feature/a/b", true),
                ("feature/**", "feature", false),
                ("feature/**", "features", false),
                ("**", "a/b/c", true),
                ("**/x", "x", true),
                ("**/x", "a/b/x", true),
                ("a/**/b", "a/b", true),
                ("a/**/b", "a/x/y/b", true),
                // No matchBase: no `/` in the pattern, none in the name.
                ("*", "main", true),
                ("*", "feature/a", false),
                ("*-preview", "docs-preview", true),
                ("*-preview", "team/docs-preview", false),
                ("release-?", "release-1", true),
                ("release-?", "release-10", false),
                ("v[0-9].*", "v1.x", true),
                ("v[!0-9]", "vx", true),
                ("v[!0-9]", "v1", false),
                ("v[[:digit:]]", "v1", true),
                ("**.x", "a.x", true),
                ("**.x", "a/b.x", false),
                // Only exactly two stars make a globstar.
                ("***", "a/b", false),
                ("***", "ab", true),
            ],
        );
    }

    #[test]
    fn minimatch_braces_negation_dots() {
        check(
            minimatch,
            &[
                ("{main,dev}", "main", true),
                ("{main,dev}", "dev", true),
                ("{main,dev}", "staging", false),
                ("release-{1,2}.x", "release-2.x", true),
                ("release-{1,2}.x", "release-3.x", false),
                ("{feat,fix}/**", "fix/a/b", true),
                ("{a,{b,c}}d", "cd", true),
                ("x{,-y}", "x", true),
                ("x{,-y}", "x-y", true),
                // A group without a comma is literal text.
                ("{main}", "main", false),
                ("{main}", "{main}", true),
                ("{x{a,b}}", "{xb}", true),
                // Unbalanced braces are literal.
                ("a{b", "a{b", true),
                ("a}b", "a}b", true),
                (r"\{a,b}", "{a,b}", true),
                (r"\{a,b}", "a", false),
                // A leading `!` negates (an even number cancels out).
                ("!main", "dev", true),
                ("!main", "main", false),
                ("!!main", "main", true),
                ("!{main,dev}", "dev", false),
                ("!{main,dev}", "qa", true),
                // A leading `#` is a comment.
                ("#main", "#main", false),
                // Wildcards skip a leading dot; a literal dot matches.
                ("*", ".hidden", false),
                (".*", ".hidden", true),
                ("a/*", "a/.b", false),
                ("**", "a/.b/c", false),
                ("a/.b/*", "a/.b/c", true),
                ("?x", ".x", false),
                ("a.*", "a.b", true),
            ],
        );
    }

    // GitLab CI changes: Ruby File.fnmatch with FNM_PATHNAME | FNM_DOTMATCH | FNM_EXTGLOB.

    #[test]
    fn gitlab_examples() {
        check(
            gitlab_glob,
            &[
                ("Dockerfile", "Dockerfile", true),
                ("Dockerfile", "docker/Dockerfile", false),
                ("docker/scripts/**/*", "docker/scripts/build.sh", true),
                ("docker/scripts/**/*", "docker/scripts/a/b/build.sh", true),
                ("docker/scripts/**/*", "docker/build.sh", false),
                ("dockerfiles/**/*", "dockerfiles/Dockerfile.prod", true),
                ("**/*.md", "README.md", true),
                ("**/*.md", "doc/a/b.md", true),
                ("*.md", "README.md", true),
                ("*.md", "doc/b.md", false),
                // `**` not followed by `/` is `*`.
                ("src/**", "src/a.rb", true),
                ("src/**", "src/a/b.rb", false),
                ("**", "README.md", true),
                ("**", "a/b", false),
                ("**/*", "a/b/c", true),
                // Dotfiles are matched (FNM_DOTMATCH).
                ("*", ".gitlab-ci.yml", true),
                ("**/*", ".github/workflows/ci.yml", true),
                ("*.yml", ".gitlab-ci.yml", true),
                ("?gitlab-ci.yml", ".gitlab-ci.yml", true),
                ("a?c", "a/c", false),
                ("[!a]*", "b.rb", true),
                ("[!a]*", "a.rb", false),
                ("[^a]*", "b.rb", true),
                ("[a-c].rb", "b.rb", true),
                (r"a\*", "a*", true),
            ],
        );
    }

    #[test]
    fn gitlab_braces() {
        check(
            gitlab_glob,
            &[
                ("{app,lib}/**/*.rb", "app/models/user.rb", true),
                ("{app,lib}/**/*.rb", "lib/x.rb", true),
                ("{app,lib}/**/*.rb", "spec/x.rb", false),
                ("**/*.{rb,js}", "app/a.js", true),
                ("**/*.{rb,js}", "app/a.rb", true),
                ("**/*.{rb,js}", "app/a.py", false),
                ("{README.md,docs/*}", "docs/x.md", true),
                ("{README.md,docs/*}", "README.md", true),
                ("{a,{b,c}}.txt", "c.txt", true),
                // Ruby expands a single-element group.
                ("{a}.txt", "a.txt", true),
                ("a{}b", "ab", true),
                // Unbalanced braces are literal.
                ("a{b", "a{b", true),
                (r"\{a,b}", "{a,b}", true),
            ],
        );
    }

    // Robustness: malformed patterns match nothing, nothing panics, nothing goes exponential.

    #[test]
    fn malformed_patterns_match_nothing() {
        let all: [fn(&str, &str) -> bool; 5] = [
            github_pattern,
            render_glob,
            minimatch,
            gitlab_glob,
            |p, n| gitignore_list(&[p.to_string()], n),
        ];
        for matcher in all {
            for pattern in ["a\\", "[", "[a", "[a-", "[]", "x[!", "[\\"] {
                for name in ["", "a", "a\\", "[", "[a", "x!", "[]"] {
                    assert!(!matcher(pattern, name), "{pattern:?} on {name:?}");
                }
            }
        }
        // An unknown POSIX class is malformed where POSIX classes exist; elsewhere
        // `[[:nope:]` is a plain class followed by `]`.
        assert!(!minimatch("[[:nope:]]", "n]"));
        assert!(!gitignore_list(&list(&["[[:nope:]]"]), "n]"));
        assert!(render_glob("[[:nope:]]", "n]"));
        // A negated malformed minimatch pattern still matches nothing.
        assert!(!minimatch("![", "main"));
        // The empty pattern matches only the empty name (and no gitignore path).
        assert!(github_pattern("", ""));
        assert!(!github_pattern("", "a"));
        assert!(!render_glob("", "a"));
        assert!(minimatch("", ""));
        assert!(!minimatch("", "a"));
        assert!(gitlab_glob("", ""));
        assert!(!gitignore_list(&list(&[""]), "a"));
        // Reversed ranges match nothing but are not errors.
        assert!(!render_glob("[z-a]", "m"));
        assert!(render_glob("[z-ab]", "b"));
    }

    #[test]
    fn pathological_patterns_stay_linear() {
        let long_a = "a".repeat(20_000);
        let pattern = "*a*a*a*a*a*a*a*a*a*a*b";
        assert!(!github_pattern(pattern, &long_a));
        assert!(!render_glob(pattern, &long_a));
        assert!(!minimatch(pattern, &long_a));
        assert!(!gitlab_glob(pattern, &long_a));
        assert!(!gitignore_list(&[pattern.to_string()], &long_a));
        assert!(github_pattern(pattern, &format!("{long_a}b")));
        let deep = "a/".repeat(2_000) + "b";
        assert!(!gitignore_list(
            &list(&["**/a/**/a/**/a/**/a/**/c", "*a*a*a*a*c/"]),
            &deep
        ));
        assert!(github_pattern("**/**/**/**/**/b", &deep));
        // Brace bombs are cut off, not expanded.
        let bomb = "{a,b}".repeat(20);
        assert!(!minimatch(&bomb, "ab"));
        assert!(!gitlab_glob(&bomb, "ab"));
        assert!(gitlab_glob(&"{a}".repeat(100), &"a".repeat(100)));
        assert!(!gitlab_glob(&"{".repeat(10_000), "a"));
        assert!(gitlab_glob(&"{".repeat(10_000), &"{".repeat(10_000)));
    }

    #[test]
    fn unicode_names() {
        assert!(github_pattern("feat/*", "feat/café"));
        assert!(github_pattern("caf?é", "café"));
        assert!(render_glob("docs/?.md", "docs/é.md"));
        assert!(minimatch("[é]", "é"));
        assert!(gitlab_glob("{é,ü}", "ü"));
        assert!(gitignore_list(&list(&["*.ü"]), "a/b.ü"));
    }

    /// A pattern over a small alphabet where Render's syntax and globset's (with
    /// `literal_separator`) agree: literals, `/`, `?`, `*` and whole-component `**`.
    fn render_like_pattern() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                Just("a"),
                Just("b"),
                Just("/"),
                Just("?"),
                Just("[ab]"),
                Just("*"),
                Just("**/"),
                Just("/**")
            ],
            1..7,
        )
        .prop_map(|parts| parts.concat())
    }

    fn small_path() -> impl Strategy<Value = String> {
        prop::collection::vec(prop_oneof![Just("a"), Just("b"), Just("/")], 0..9)
            .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn render_agrees_with_globset(pattern in render_like_pattern(), path in small_path()) {
            let built = globset::GlobBuilder::new(&pattern).literal_separator(true).build();
            // Only where globset takes the pattern, the path is a clean path and the
            // pattern has no trailing `/` (globset reads `**/` at the end as `**`).
            let clean = !path.is_empty() && !path.starts_with('/') && !path.ends_with('/') && !path.contains("//")
                && !pattern.ends_with('/');
            if let (Ok(glob), true) = (built, clean) {
                let expected = glob.compile_matcher().is_match(&path);
                prop_assert_eq!(render_glob(&pattern, &path), expected, "{} on {}", pattern, path);
            }
        }

        #[test]
        fn nothing_panics(pattern in "[a!/*?+\\[\\]{},\\\\^:#. -]{0,16}", name in "[a/.!{}\\[\\]-]{0,12}") {
            let _ = github_pattern(&pattern, &name);
            let _ = github_list(&[pattern.clone(), format!("!{pattern}")], &name);
            let _ = gitignore_list(&[pattern.clone(), format!("!{pattern}")], &name);
            let _ = render_glob(&pattern, &name);
            let _ = minimatch(&pattern, &name);
            let _ = gitlab_glob(&pattern, &name);
        }
    }
}
