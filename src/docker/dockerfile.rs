//! A small Dockerfile parser that keeps line spans and models what BuildKit compares when it
//! decides whether an instruction's cached layer can be reused.
//!
//! The parser follows BuildKit's own (`frontend/dockerfile/parser`), quirks included,
//! because the rules built on it must agree with the builder, not with intuition:
//!
//! - Parser directives (`# syntax=`, `# escape=`, `# check=`) are recognised only while every
//!   line so far was a directive: the first blank line, comment or instruction ends them.
//!   A repeated directive and an escape token other than `\` or `` ` `` are errors.
//! - A comment is a line whose first non-blank character is `#`. A `#` anywhere else is text.
//! - A line continues when it ends with the escape character (trailing blanks allowed) that is
//!   not itself escaped. Continuation lines are appended **verbatim, with no separator and with
//!   their leading whitespace kept**; comment lines and blank lines inside a continuation are
//!   skipped. A continuation still open at end of file is not an error: the instruction ends
//!   there, as in BuildKit.
//! - Leading `--name[=value]` words are the instruction's flags (quotes and `\` escapes inside
//!   a flag word are removed, as BuildKit does). `--` alone ends the flags.
//! - `RUN`, `COPY` and `ADD` (also behind `ONBUILD`), when not in JSON form, take heredocs:
//!   every word of the joined line of the form `[n]<<[-]WORD` opens one, and their bodies
//!   follow the instruction's last line in order. `<<-` strips leading tabs from the body
//!   and from the terminator line; a quoted word (`<<'EOF'`, `<<"EOF"`) disables expansion.
//!   An unterminated heredoc is an error (BuildKit: "unterminated heredoc").
//! - A file with no instruction at all is *not* an error here (BuildKit rejects it), because
//!   callers look at partial files and diffs.
//!
//! Instructions that BuildKit would reject later, while converting the syntax tree (a `FROM`
//! without an image, an unknown keyword, `ENV` without a value), parse without error: the
//! rules judge edits, and a best-effort view of a broken file is more useful to them than no
//! view at all.
//!
//! # Comment-only edits
//!
//! [`Dockerfile::same_build`] is the intended test for "this edit changes nothing the builder
//! sees": two files whose syntax directives and instruction [`cache keys`](Instruction::cache_key)
//! are equal, in order, differ only in comments, blank lines and whitespace that BuildKit
//! ignores. A `#` line inside a heredoc body is content, so such an edit is *not* comment-only.
//! One exception is the caller's to check: when the Dockerfile itself is part of the build
//! context and copied (`COPY . .`), any byte change to it changes that `COPY`'s checksum.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

/// The escape character used when no `# escape=` directive is present.
pub const DEFAULT_ESCAPE: char = '\\';

/// A parsed Dockerfile.
///
/// Invariants: `instructions` are in file order with strictly increasing, non-overlapping line
/// spans; `stages[i].index == i`; every instruction's `stage` is `None` exactly when it comes
/// before the first `FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The escape and line-continuation character: `\` or `` ` ``.
    pub escape: char,
    /// The value of the `# syntax=` directive (the frontend image), if any.
    pub syntax: Option<String>,
    pub instructions: Vec<Instruction>,
    /// One entry per `FROM`, in file order.
    pub stages: Vec<Stage>,
}

/// One instruction, with its continuation lines and heredoc bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The instruction word, ASCII-uppercased (`RUN`, `COPY`, …). Unknown words are kept.
    pub keyword: String,
    /// Leading `--name[=value]` options, in file order.
    pub flags: Vec<Flag>,
    /// What follows the keyword and flags, exactly as BuildKit's parser passes it on:
    /// continuation lines concatenated verbatim (leading whitespace kept, no separator added),
    /// comment and blank lines inside the continuation removed, outer whitespace trimmed.
    pub args: String,
    /// `Some` when the arguments are a JSON array of strings (exec form) and the keyword
    /// accepts that form (`RUN`, `CMD`, `ENTRYPOINT`, `SHELL`, `COPY`, `ADD`, `VOLUME`).
    pub exec_form: Option<Vec<String>>,
    /// Heredocs opened on this instruction, in order.
    pub heredocs: Vec<Heredoc>,
    /// First line of the instruction, 1-based.
    pub start_line: u32,
    /// Last line, inclusive: the last continuation line or the last heredoc terminator.
    pub end_line: u32,
    /// Index into [`Dockerfile::stages`]; `None` for instructions before the first `FROM`
    /// (global `ARG`s, which are visible to `FROM` lines only).
    pub stage: Option<usize>,
    /// The file's escape character, kept so the accessors can unquote words.
    pub escape: char,
}

/// A leading `--name[=value]` option of an instruction.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flag {
    /// The name without the leading `--`.
    pub name: String,
    /// The value after the first `=`, with quotes removed; `None` for `--link`-style flags.
    pub value: Option<String>,
}

/// A heredoc attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The terminator word, quotes removed.
    pub delimiter: String,
    /// `<<-`: leading tabs were stripped from every body line and the terminator.
    pub strip_tabs: bool,
    /// The word was quoted, so BuildKit does not expand variables in the body.
    pub quoted: bool,
    /// The body as the builder sees it: every line with its line ending, tabs stripped when
    /// `strip_tabs`. Comment-looking lines are content.
    pub body: String,
}

/// A build stage, opened by `FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub index: usize,
    /// The `AS` name, lowercased as BuildKit does.
    pub name: Option<String>,
    /// The image reference as written (may contain `$VARS`); empty for a bare `FROM`.
    pub base: String,
    /// The `--platform` flag's value, as written.
    pub platform: Option<String>,
    /// The line of the `FROM` instruction.
    pub from_line: u32,
    /// Indices into [`Dockerfile::instructions`]: the `FROM` and everything up to the next one.
    pub instructions: Range<usize>,
}

/// A `--mount=` option of `RUN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// `type=`: `bind` (the default), `cache`, `tmpfs`, `secret` or `ssh`.
    pub kind: String,
    /// `id=` as written. For cache mounts BuildKit defaults it to the target (see
    /// [`Mount::cache_id`]); some platforms (Railway) require it explicitly.
    pub id: Option<String>,
    /// `target=` (also `dst=`, `destination=`, `dest=`).
    pub target: Option<String>,
    /// `source=` (also `src=`).
    pub source: Option<String>,
    /// `from=`: a stage or image to mount from.
    pub from: Option<String>,
    /// The whole option value, as written after `--mount=`.
    pub raw: String,
}

/// What a `COPY` or `ADD` copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySpec {
    /// `--from=`: a stage name, stage index or image; `None` copies from the build context.
    pub from: Option<String>,
    /// Source paths or URLs as written (variables unexpanded); heredoc words excluded.
    pub sources: Vec<String>,
    /// Files created from heredocs (`COPY <<EOF /dest`).
    pub inline: Vec<Heredoc>,
    /// The destination, `None` when fewer than two arguments were given.
    pub dest: Option<String>,
}

/// A syntax error, located on a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: u32,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a Dockerfile. See the module documentation for the rules followed.
///
/// Never panics; runs in time linear in the input length.
pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    Parser::new(text).run()
}

impl Dockerfile {
    /// True when both files make the builder do the same thing: same `# syntax` frontend and,
    /// in order, instructions with equal [`cache keys`](Instruction::cache_key).
    ///
    /// When this holds, the files differ only in comments, blank lines, parser-ignored
    /// whitespace or the escape character's spelling. It does not look at the build context:
    /// a Dockerfile that is itself copied into the image still changes that `COPY`.
    pub fn same_build(&self, other: &Dockerfile) -> bool {
        self.syntax == other.syntax
            && self.instructions.len() == other.instructions.len()
            && self
                .instructions
                .iter()
                .zip(&other.instructions)
                .all(|(a, b)| a.cache_key() == b.cache_key())
    }

    /// The stage a `--from=` value refers to: a stage name (case-insensitive) or index.
    /// `None` when it names an image instead.
    pub fn stage_by_ref(&self, reference: &str) -> Option<&Stage> {
        let lower = reference.to_ascii_lowercase();
        if let Some(stage) = self
            .stages
            .iter()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
        {
            return Some(stage);
        }
        reference
            .parse::<usize>()
            .ok()
            .and_then(|i| self.stages.get(i))
    }
}

impl Instruction {
    /// The instruction as BuildKit compares it for cache reuse, as one string: keyword, flags
    /// (sorted by name, stable, since BuildKit reads them into a map), the arguments
    /// normalised the way BuildKit's parser tokenises them for this keyword, then the heredoc
    /// bodies.
    ///
    /// Normalisation per keyword, following BuildKit's line parsers:
    /// - exec (JSON) form: the decoded string array, so JSON spacing does not matter;
    /// - shell form of `RUN`, `CMD`, `ENTRYPOINT`, `SHELL`, and `WORKDIR`, `USER`, `ONBUILD`,
    ///   …: the text as is. **Whitespace inside a `RUN` command is significant**: the string
    ///   goes verbatim into `/bin/sh -c`, so re-indenting a continuation line is a cache miss;
    /// - `COPY`, `ADD`, `FROM`, `EXPOSE`, `VOLUME`: whitespace-separated words;
    /// - `ARG`, `ENV`, `LABEL`: quote-aware words (legacy `ENV key value` keeps the value's
    ///   inner whitespace).
    ///
    /// For `COPY`/`ADD` the real cache key also includes the copied files' contents, which
    /// this cannot see.
    pub fn cache_key(&self) -> String {
        let mut key = self.keyword.clone();
        let mut flags: Vec<&Flag> = self.flags.iter().collect();
        flags.sort_by(|a, b| a.name.cmp(&b.name));
        for flag in flags {
            key.push_str(" --");
            key.push_str(&flag.name);
            if let Some(value) = &flag.value {
                key.push('=');
                key.push_str(value);
            }
        }
        key.push(' ');
        key.push_str(&self.normalised_args());
        for doc in &self.heredocs {
            key.push_str("\n<<");
            key.push_str(&doc.delimiter);
            key.push('\n');
            key.push_str(&doc.body);
        }
        key
    }

    fn normalised_args(&self) -> String {
        if let Some(array) = &self.exec_form {
            return serde_json::to_string(array).unwrap_or_default();
        }
        match self.keyword.as_str() {
            "COPY" | "ADD" | "FROM" | "EXPOSE" | "VOLUME" => split_go_whitespace(&self.args)
                .collect::<Vec<_>>()
                .join(" "),
            "ARG" => parse_words(&self.args, self.escape).join(" "),
            "ENV" | "LABEL" => {
                let words = parse_words(&self.args, self.escape);
                match words.first() {
                    Some(first) if !first.contains('=') => {
                        let (k, v) = split_first_whitespace(&self.args);
                        format!("{k} {v}")
                    }
                    _ => words.join(" "),
                }
            }
            _ => self.args.clone(),
        }
    }

    /// The flag named `name` (without `--`), if present; the first one when repeated.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// The `--mount=` options, parsed. Empty for instructions without mounts.
    pub fn mounts(&self) -> Vec<Mount> {
        self.flags
            .iter()
            .filter(|f| f.name == "mount")
            .filter_map(|f| f.value.as_deref())
            .map(parse_mount)
            .collect()
    }

    /// Sources, destination and `--from` of a `COPY` or `ADD`; `None` for other keywords.
    pub fn copy_sources(&self) -> Option<CopySpec> {
        if self.keyword != "COPY" && self.keyword != "ADD" {
            return None;
        }
        let words: Vec<String> = match &self.exec_form {
            Some(array) => array.clone(),
            None => split_go_whitespace(&self.args).map(str::to_owned).collect(),
        };
        let dest = if words.len() >= 2 {
            words.last().cloned()
        } else {
            None
        };
        let source_words = words.get(..words.len().saturating_sub(1)).unwrap_or(&[]);
        let mut sources = Vec::new();
        let mut inline = Vec::new();
        for word in source_words {
            let doc = if self.exec_form.is_none() {
                heredoc_marker(word)
                    .and_then(|m| self.heredocs.iter().find(|d| d.delimiter == m.delimiter))
            } else {
                None
            };
            match doc {
                Some(doc) => inline.push(doc.clone()),
                None => sources.push(word.clone()),
            }
        }
        Some(CopySpec {
            from: self.flag("from").and_then(|f| f.value.clone()),
            sources,
            inline,
            dest,
        })
    }

    /// `ARG NAME[=default] …`: every declared name with its default (quotes removed,
    /// variables unexpanded). Empty for other keywords.
    pub fn arg_defs(&self) -> Vec<(String, Option<String>)> {
        if self.keyword != "ARG" {
            return Vec::new();
        }
        parse_words(&self.args, self.escape)
            .into_iter()
            .map(|word| match word.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(unquote(value, self.escape))),
                None => (word, None),
            })
            .collect()
    }

    /// `ENV k=v k2="v 2"` or legacy `ENV k v`: the pairs, values unquoted (variables
    /// unexpanded). Words without `=` in the new form, which BuildKit rejects, are skipped.
    /// Empty for other keywords.
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        if self.keyword != "ENV" {
            return Vec::new();
        }
        let words = parse_words(&self.args, self.escape);
        match words.first() {
            None => Vec::new(),
            Some(first) if !first.contains('=') => {
                let (key, value) = split_first_whitespace(&self.args);
                if value.is_empty() {
                    Vec::new()
                } else {
                    vec![(key.to_owned(), unquote(value, self.escape))]
                }
            }
            Some(_) => words
                .iter()
                .filter_map(|w| w.split_once('='))
                .map(|(k, v)| (k.to_owned(), unquote(v, self.escape)))
                .collect(),
        }
    }

    /// Names referenced as `$NAME`, `${NAME}` or `${NAME<op>…}` in the flags, arguments and
    /// heredoc bodies, first occurrence first, without duplicates.
    ///
    /// Escaped dollars (`\$X`, or with the file's escape character) are skipped, and so are
    /// single-quoted parts of the arguments; heredoc bodies are scanned whole, since a `RUN`
    /// heredoc is a script that sees the whole environment. It over-approximates rather than
    /// misses a use.
    pub fn variables_used(&self) -> Vec<String> {
        let mut found = VarSet::default();
        for flag in &self.flags {
            if let Some(value) = &flag.value {
                collect_vars(value, '\\', false, &mut found);
            }
        }
        collect_vars(&self.args, self.escape, true, &mut found);
        for doc in &self.heredocs {
            collect_vars(&doc.body, '\\', false, &mut found);
        }
        found.names
    }

    /// The shell text a `RUN` (or any instruction) executes: its command (the exec form's
    /// words joined by spaces) followed by its heredoc bodies, one per line.
    pub fn script(&self) -> String {
        let mut text = match &self.exec_form {
            Some(words) => words.join(" "),
            None => self.args.clone(),
        };
        for doc in &self.heredocs {
            text.push('\n');
            text.push_str(&doc.body);
        }
        text
    }
}

impl Mount {
    /// The cache id BuildKit uses for a `type=cache` mount: `id`, else the target.
    /// `None` for other mount types.
    pub fn cache_id(&self) -> Option<&str> {
        if self.kind != "cache" {
            return None;
        }
        self.id.as_deref().or(self.target.as_deref())
    }
}

// ---------------------------------------------------------------------------------------------
// Parser

/// Keywords whose arguments may be a JSON array (BuildKit's `parseMaybeJSON` and
/// `parseMaybeJSONToList`).
const EXEC_FORM_KEYWORDS: &[&str] = &["RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"];

/// Keywords that may carry heredocs.
const HEREDOC_KEYWORDS: &[&str] = &["RUN", "COPY", "ADD"];

struct Parser<'a> {
    lines: std::str::SplitInclusive<'a, char>,
    /// The number of the line most recently returned by `next_line`.
    line_no: u32,
    escape: char,
    directives: Directives,
    instructions: Vec<Instruction>,
    stages: Vec<Stage>,
}

/// State of the parser-directive scan at the top of the file.
#[derive(Default)]
struct Directives {
    done: bool,
    seen: Vec<String>,
    syntax: Option<String>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Parser {
            lines: text.split_inclusive('\n'),
            line_no: 0,
            escape: DEFAULT_ESCAPE,
            directives: Directives::default(),
            instructions: Vec::new(),
            stages: Vec::new(),
        }
    }

    /// The next physical line, with its line ending.
    fn next_line(&mut self) -> Option<&'a str> {
        let line = self.lines.next()?;
        self.line_no = self.line_no.saturating_add(1);
        Some(line)
    }

    fn error(&self, line: u32, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            message: message.into(),
        }
    }

    fn run(mut self) -> Result<Dockerfile, ParseError> {
        while let Some(raw) = self.next_line() {
            let left = trim_newline(raw).trim_start();
            self.observe_directive(left)?;
            if left.starts_with('#') {
                continue;
            }
            let start = self.line_no;
            let (first, ended) = trim_continuation(left, self.escape);
            if ended && first.is_empty() {
                continue;
            }
            let mut joined = first.to_owned();
            if !ended {
                self.read_continuation(&mut joined);
            }
            self.push_instruction(&joined, start)?;
        }
        Ok(Dockerfile {
            escape: self.escape,
            syntax: self.directives.syntax,
            instructions: self.instructions,
            stages: self.stages,
        })
    }

    /// Appends continuation lines to `joined` until one does not end with the escape
    /// character, or the file ends. Comment and blank lines are skipped, as BuildKit does.
    fn read_continuation(&mut self, joined: &mut String) {
        while let Some(raw) = self.next_line() {
            let line = trim_newline(raw);
            let left = line.trim_start();
            if left.starts_with('#') || left.is_empty() {
                continue;
            }
            let (part, ended) = trim_continuation(line, self.escape);
            joined.push_str(part);
            if ended {
                return;
            }
        }
    }

    /// Recognises `# name=value` directives while they are still allowed.
    fn observe_directive(&mut self, left: &str) -> Result<(), ParseError> {
        if self.directives.done {
            return Ok(());
        }
        let Some((name, value)) = match_directive(left) else {
            self.directives.done = true;
            return Ok(());
        };
        let name = name.to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            self.directives.done = true;
            return Ok(());
        }
        if self.directives.seen.contains(&name) {
            return Err(self.error(
                self.line_no,
                format!("only one `{name}` parser directive can be used; remove the repeated one"),
            ));
        }
        self.directives.seen.push(name.clone());
        match name.as_str() {
            "escape" => {
                self.escape = match value {
                    "\\" => '\\',
                    "`" => '`',
                    _ => {
                        return Err(self.error(
                            self.line_no,
                            format!(
                                "invalid escape token `{value}`: the `# escape=` directive \
                                 accepts only ` (backtick) or \\ (backslash)"
                            ),
                        ))
                    }
                }
            }
            "syntax" => self.directives.syntax = Some(value.to_owned()),
            _ => {}
        }
        Ok(())
    }

    /// Builds the instruction for one joined logical line, reads its heredoc bodies, and
    /// keeps the stage list up to date.
    fn push_instruction(&mut self, joined: &str, start: u32) -> Result<(), ParseError> {
        let trimmed = joined.trim();
        let (word, rest) = split_first_whitespace(trimmed);
        let keyword = word.to_ascii_uppercase();
        let (args, flag_words) = extract_builder_flags(rest);
        let args = args.trim().to_owned();
        let flags: Vec<Flag> = flag_words.iter().map(|w| parse_flag(w)).collect();
        let exec_form = if EXEC_FORM_KEYWORDS.contains(&keyword.as_str()) {
            parse_exec_form(&args).map_err(|m| self.error(start, m))?
        } else {
            None
        };
        let heredocs = if exec_form.is_none() && can_contain_heredoc(&keyword, &args) {
            self.read_heredocs(joined, start)?
        } else {
            Vec::new()
        };
        let index = self.instructions.len();
        if keyword == "FROM" {
            self.open_stage(&args, &flags, start, index);
        } else if let Some(stage) = self.stages.last_mut() {
            stage.instructions.end = index + 1;
        }
        self.instructions.push(Instruction {
            keyword,
            flags,
            args,
            exec_form,
            heredocs,
            start_line: start,
            end_line: self.line_no,
            stage: self.stages.len().checked_sub(1),
            escape: self.escape,
        });
        Ok(())
    }

    fn open_stage(&mut self, args: &str, flags: &[Flag], line: u32, index: usize) {
        let words: Vec<&str> = split_go_whitespace(args).collect();
        let name = match words.as_slice() {
            [_, as_word, name, ..] if as_word.eq_ignore_ascii_case("as") => {
                Some(name.to_ascii_lowercase())
            }
            _ => None,
        };
        let platform = flags
            .iter()
            .find(|f| f.name == "platform")
            .and_then(|f| f.value.clone());
        self.stages.push(Stage {
            index: self.stages.len(),
            name,
            base: words.first().map(|s| (*s).to_owned()).unwrap_or_default(),
            platform,
            from_line: line,
            instructions: index..index + 1,
        });
    }

    /// Reads the bodies of the heredocs opened on `joined`, in order.
    fn read_heredocs(&mut self, joined: &str, start: u32) -> Result<Vec<Heredoc>, ParseError> {
        let mut docs = Vec::new();
        for marker in shell_words(joined).filter_map(heredoc_marker) {
            docs.push(self.read_heredoc_body(marker, start)?);
        }
        Ok(docs)
    }

    fn read_heredoc_body(&mut self, marker: Marker, start: u32) -> Result<Heredoc, ParseError> {
        let mut body = String::new();
        while let Some(raw) = self.next_line() {
            let mut candidate = trim_newline(raw);
            if marker.strip_tabs {
                candidate = candidate.trim_start_matches('\t');
            }
            if candidate == marker.delimiter {
                return Ok(Heredoc {
                    delimiter: marker.delimiter,
                    strip_tabs: marker.strip_tabs,
                    quoted: marker.quoted,
                    body,
                });
            }
            if marker.strip_tabs {
                body.push_str(raw.trim_start_matches('\t'));
            } else {
                body.push_str(raw);
            }
        }
        Err(self.error(
            start,
            format!(
                "unterminated heredoc `{}`: add a line containing only `{}` after its body",
                marker.delimiter, marker.delimiter
            ),
        ))
    }
}

/// Removes the line ending (any trailing `\r` and `\n`, like BuildKit's `trimNewline`).
fn trim_newline(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

/// BuildKit's continuation test: the line ends with the escape character, optionally followed
/// by blanks, and that character is either alone or not preceded by another escape character.
/// Returns the line without the escape (and what followed it), and whether the line ended.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let body = line.trim_end_matches([' ', '\t']);
    let Some(before) = body.strip_suffix(escape) else {
        return (line, true);
    };
    if !before.is_empty() && before.ends_with(escape) {
        return (line, true);
    }
    (before, false)
}

/// Matches `#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` (BuildKit's directive pattern) and
/// returns the name and value.
fn match_directive(line: &str) -> Option<(&str, &str)> {
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r');
    let rest = line.strip_prefix('#')?.trim_start_matches(is_space);
    let name_len = rest
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(rest.len(), |(i, _)| i);
    if name_len == 0 {
        return None;
    }
    let (name, rest) = rest.split_at(name_len);
    let after_eq = rest.trim_start_matches(is_space).strip_prefix('=')?;
    let value = after_eq.trim_matches(is_space);
    if !value.is_empty() {
        return Some((name, value));
    }
    // `(.+?)` needs one character: with only blanks after `=`, it takes the last blank.
    let last = after_eq.char_indices().last()?.0;
    Some((name, after_eq.get(last..)?))
}

/// Whitespace as Go's `[\t\v\f\r ]+` (BuildKit's `reWhitespace`/`tokenWhitespace`).
fn is_go_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0b' | '\x0c' | '\r')
}

fn split_go_whitespace(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_go_space).filter(|w| !w.is_empty())
}

/// Splits at the first run of whitespace: (first word, rest without the separator).
fn split_first_whitespace(s: &str) -> (&str, &str) {
    match s.find(is_go_space) {
        Some(i) => (
            s.get(..i).unwrap_or(s),
            s.get(i..).unwrap_or("").trim_start_matches(is_go_space),
        ),
        None => (s, ""),
    }
}

/// BuildKit's `extractBuilderFlags`: collects leading `--` words (quotes and `\` escapes
/// removed) and returns the remaining text with them.
fn extract_builder_flags(line: &str) -> (&str, Vec<String>) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote(u8),
    }
    let b = line.as_bytes();
    let mut words = Vec::new();
    let mut word: Vec<u8> = Vec::new();
    let mut blank_ok = false;
    let mut phase = Phase::Spaces;
    let mut pos = 0;
    loop {
        let at_end = pos >= b.len();
        let ch = b.get(pos).copied().unwrap_or(0);
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if ch.is_ascii_whitespace() || ch == 0x0b {
                pos += 1;
                continue;
            }
            if ch != b'-' || b.get(pos + 1) != Some(&b'-') {
                return (line.get(pos..).unwrap_or(""), words);
            }
            phase = Phase::Word;
        }
        if at_end {
            if word != b"--" && (blank_ok || !word.is_empty()) {
                words.push(String::from_utf8_lossy(&word).into_owned());
            }
            break;
        }
        match phase {
            Phase::Word => {
                if ch.is_ascii_whitespace() || ch == 0x0b {
                    if word == b"--" {
                        return (line.get(pos..).unwrap_or(""), words);
                    }
                    if blank_ok || !word.is_empty() {
                        words.push(String::from_utf8_lossy(&word).into_owned());
                    }
                    word.clear();
                    blank_ok = false;
                    phase = Phase::Spaces;
                } else if ch == b'\'' || ch == b'"' {
                    blank_ok = true;
                    phase = Phase::Quote(ch);
                } else if ch == b'\\' {
                    if let Some(&next) = b.get(pos + 1) {
                        word.push(next);
                        pos += 1;
                    }
                } else {
                    word.push(ch);
                }
            }
            Phase::Quote(quote) => {
                if ch == quote {
                    phase = Phase::Word;
                } else if ch == b'\\' {
                    match b.get(pos + 1) {
                        Some(&next) => {
                            word.push(next);
                            pos += 1;
                        }
                        None => phase = Phase::Word,
                    }
                } else {
                    word.push(ch);
                }
            }
            Phase::Spaces => {}
        }
        pos += 1;
    }
    ("", words)
}

fn parse_flag(word: &str) -> Flag {
    let body = word.strip_prefix("--").unwrap_or(word);
    match body.split_once('=') {
        Some((name, value)) => Flag {
            name: name.to_owned(),
            value: Some(value.to_owned()),
        },
        None => Flag {
            name: body.to_owned(),
            value: None,
        },
    }
}

/// BuildKit's `parseJSON`: arguments starting with `[` that decode as one JSON array (trailing
/// text is ignored, as Go's decoder does) are the exec form. An array with a non-string element
/// is an error; anything that does not decode is shell form.
fn parse_exec_form(args: &str) -> Result<Option<Vec<String>>, String> {
    if !args.starts_with('[') {
        return Ok(None);
    }
    let mut stream = serde_json::Deserializer::from_str(args).into_iter::<Vec<serde_json::Value>>();
    let Some(Ok(values)) = stream.next() else {
        return Ok(None);
    };
    values
        .into_iter()
        .map(|v| match v {
            serde_json::Value::String(s) => Ok(s),
            _ => Err(
                "when using JSON array syntax, arrays must be comprised of strings only; \
                      quote every element"
                    .to_owned(),
            ),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn can_contain_heredoc(keyword: &str, args: &str) -> bool {
    if HEREDOC_KEYWORDS.contains(&keyword) {
        return true;
    }
    if keyword != "ONBUILD" {
        return false;
    }
    let (inner, inner_args) = split_first_whitespace(args);
    HEREDOC_KEYWORDS.contains(&inner.to_ascii_uppercase().as_str())
        && !inner_args.trim_start().starts_with('[')
}

/// A heredoc opener found on an instruction line.
struct Marker {
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
}

/// Matches a raw word against `^(\d*)<<(-?)([^<]*)$` (BuildKit's `reHeredoc`).
fn heredoc_marker(word: &str) -> Option<Marker> {
    let rest = word.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix("<<")?;
    let (strip_tabs, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let delimiter = unquote(rest, '\\');
    if delimiter.is_empty() {
        return None;
    }
    Some(Marker {
        delimiter,
        strip_tabs,
        quoted: rest.contains(['\'', '"']),
    })
}

/// Splits a line into shell words, keeping quotes and escapes in the words (BuildKit's lexer
/// with `RawQuotes` and `RawEscapes`), so that `"<<EOF"` is not a heredoc opener.
fn shell_words(line: &str) -> impl Iterator<Item = &str> {
    let b = line.as_bytes();
    let mut pos = 0;
    std::iter::from_fn(move || {
        while b.get(pos).is_some_and(u8::is_ascii_whitespace) {
            pos += 1;
        }
        if pos >= b.len() {
            return None;
        }
        let start = pos;
        let mut quote: Option<u8> = None;
        while pos < b.len() {
            let Some(&c) = b.get(pos) else { break };
            match quote {
                None if c.is_ascii_whitespace() => break,
                None if c == b'\'' || c == b'"' => quote = Some(c),
                Some(q) if c == q => quote = None,
                Some(b'\'') => {}
                _ if c == b'\\' => pos += 1,
                _ => {}
            }
            pos += 1;
        }
        pos = pos.min(b.len());
        line.get(start..pos)
    })
}

/// BuildKit's `parseWords`: whitespace-separated words, quotes and escapes kept in the words.
fn parse_words(rest: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut blank_ok = false;
    let mut quote: Option<char> = None;
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            None if c.is_whitespace() => {
                if blank_ok || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                blank_ok = false;
            }
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                    blank_ok = true;
                }
                word.push(c);
                if c == escape {
                    if let Some(next) = chars.next() {
                        word.push(next);
                    }
                }
            }
            Some(q) => {
                word.push(c);
                if c == q {
                    quote = None;
                } else if c == escape && q != '\'' {
                    if let Some(next) = chars.next() {
                        word.push(next);
                    }
                }
            }
        }
    }
    if blank_ok || !word.is_empty() {
        words.push(word);
    }
    words
}

/// Removes shell quoting from one word: `'…'` is literal, `"…"` and bare text honour the escape
/// character. Variables are left as written.
fn unquote(word: &str, escape: char) -> String {
    let mut out = String::with_capacity(word.len());
    let mut quote: Option<char> = None;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some('\'') if c == '\'' => quote = None,
            Some('\'') => out.push(c),
            Some(q) if c == q => quote = None,
            _ if c == escape => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            None if c == '\'' || c == '"' => quote = Some(c),
            _ => out.push(c),
        }
    }
    out
}

/// Parses a `--mount` value: comma-separated `key=value` fields (CSV, so a field may be
/// double-quoted), keys case-insensitive, `type` defaulting to `bind`.
fn parse_mount(raw: &str) -> Mount {
    let mut mount = Mount {
        kind: "bind".to_owned(),
        id: None,
        target: None,
        source: None,
        from: None,
        raw: raw.to_owned(),
    };
    for field in csv_fields(raw) {
        let (key, value) = match field.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), v.to_owned()),
            None => continue,
        };
        match key.as_str() {
            "type" => mount.kind = value.to_ascii_lowercase(),
            "id" => mount.id = Some(value),
            "target" | "dst" | "destination" | "dest" => mount.target = Some(value),
            "source" | "src" => mount.source = Some(value),
            "from" => mount.from = Some(value),
            _ => {}
        }
    }
    mount
}

/// Splits one CSV record on commas; a field starting with `"` runs to the closing quote,
/// with `""` standing for a quote.
fn csv_fields(raw: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = raw.chars().peekable();
    let mut in_quotes = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
        } else if c == ',' {
            fields.push(std::mem::take(&mut field));
            at_field_start = true;
            continue;
        } else if c == '"' && at_field_start {
            in_quotes = true;
        } else {
            field.push(c);
        }
        at_field_start = false;
    }
    fields.push(field);
    fields
}

#[derive(Default)]
struct VarSet {
    names: Vec<String>,
    seen: HashSet<String>,
}

impl VarSet {
    fn add(&mut self, name: &str) {
        if self.seen.insert(name.to_owned()) {
            self.names.push(name.to_owned());
        }
    }
}

/// Collects `$NAME` / `${NAME…}` references from `text` into `out`.
fn collect_vars(text: &str, escape: char, honour_single_quotes: bool, out: &mut VarSet) {
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == escape {
            chars.next();
        } else if c == '\'' && honour_single_quotes {
            for (_, q) in chars.by_ref() {
                if q == '\'' {
                    break;
                }
            }
        } else if c == '$' {
            let after = text.get(i + 1..).unwrap_or("");
            let name_src = after
                .strip_prefix('{')
                .map(|s| s.strip_prefix('#').unwrap_or(s))
                .unwrap_or(after);
            let len = name_src
                .char_indices()
                .find(|&(j, ch)| {
                    !(ch == '_' || ch.is_ascii_alphabetic() || (j > 0 && ch.is_ascii_digit()))
                })
                .map_or(name_src.len(), |(j, _)| j);
            if len > 0 {
                out.add(name_src.get(..len).unwrap_or(""));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Dockerfile {
        match parse(text) {
            Ok(df) => df,
            Err(e) => panic!("parse failed: {e}\n---\n{text}"),
        }
    }

    fn only(text: &str) -> Instruction {
        let df = p(text);
        assert_eq!(df.instructions.len(), 1, "{:#?}", df.instructions);
        df.instructions.into_iter().next().unwrap()
    }

    fn same(a: &str, b: &str) -> bool {
        p(a).same_build(&p(b))
    }

    #[test]
    fn keywords_are_case_insensitive_and_uppercased() {
        let df = p("from alpine\nrun echo hi\nCoPy a b\nfrobnicate x y\n");
        let kws: Vec<_> = df.instructions.iter().map(|i| i.keyword.as_str()).collect();
        assert_eq!(kws, ["FROM", "RUN", "COPY", "FROBNICATE"]);
        assert_eq!(df.instructions[3].args, "x y");
    }

    #[test]
    fn spans_are_one_based_and_inclusive() {
        let df = p("# c\n\nFROM a\nRUN one \\\n  two \\\n  three\nUSER x\n");
        let spans: Vec<_> = df
            .instructions
            .iter()
            .map(|i| (i.start_line, i.end_line))
            .collect();
        assert_eq!(spans, [(3, 3), (4, 6), (7, 7)]);
    }

    #[test]
    fn continuation_is_joined_verbatim_like_buildkit() {
        let i = only("RUN apt-get update && \\\n    apt-get install -y curl\n");
        assert_eq!(i.args, "apt-get update &&     apt-get install -y curl");
    }

    #[test]
    fn comments_and_blank_lines_inside_continuation_are_skipped() {
        let i = only("RUN a \\\n  # a comment \\\n\n#another\n  b \\\n  c\n");
        assert_eq!(i.args, "a   b   c");
        assert_eq!((i.start_line, i.end_line), (1, 6));
    }

    #[test]
    fn hash_in_the_middle_of_a_line_is_not_a_comment() {
        let i = only("RUN echo foo # not a comment\n");
        assert_eq!(i.args, "echo foo # not a comment");
        let i = only("   # indented comment\nENV A=1\n");
        assert_eq!(i.keyword, "ENV");
    }

    #[test]
    fn escaped_escape_at_end_is_not_a_continuation() {
        let df = p("RUN echo a\\\\\nRUN echo b\n");
        assert_eq!(df.instructions.len(), 2);
        assert_eq!(df.instructions[0].args, "echo a\\\\");
    }

    #[test]
    fn continuation_with_trailing_blanks_after_escape() {
        let i = only("RUN a \\  \t\n b\n");
        assert_eq!(i.args, "a  b");
    }

    #[test]
    fn dangling_continuation_at_eof_ends_the_instruction() {
        let df = p("FROM a\nRUN echo hi \\\n");
        assert_eq!(df.instructions[1].args, "echo hi");
        assert_eq!(df.instructions[1].end_line, 2);
        let df = p("FROM a\nRUN echo hi \\\n# trailing comment\n\n");
        assert_eq!(df.instructions[1].end_line, 4);
    }

    #[test]
    fn directives_syntax_and_escape() {
        let df = p("# syntax=docker/dockerfile:1.7\n# escape=`\nFROM a\n");
        assert_eq!(df.syntax.as_deref(), Some("docker/dockerfile:1.7"));
        assert_eq!(df.escape, '`');
        let df = p("#   ESCAPE =  \\   \nFROM a\n");
        assert_eq!(df.escape, '\\');
    }

    #[test]
    fn directives_only_at_the_very_top() {
        let df = p("# a comment\n# escape=`\nFROM a\nRUN x `\n y\n");
        assert_eq!(df.escape, '\\');
        // With `\` still the escape, "RUN x `" does not continue: " y" is its own line.
        assert_eq!(df.instructions.len(), 3);
        let df = p("\n# syntax=x\nFROM a\n");
        assert_eq!(df.syntax, None);
        let df = p("FROM a\n# escape=`\n");
        assert_eq!(df.escape, '\\');
    }

    #[test]
    fn repeated_or_invalid_directive_is_an_error() {
        let e = parse("# escape=`\n# escape=\\\nFROM a\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("line 2: only one `escape`"));
        let e = parse("# escape=x\nFROM a\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("invalid escape token"));
    }

    #[test]
    fn backtick_escape_file() {
        let text = "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir c:\\ `\n  && echo done\nCOPY a\\b c:\\dest\\\n";
        let df = p(text);
        assert_eq!(df.escape, '`');
        assert_eq!(df.instructions.len(), 3);
        assert_eq!(df.instructions[1].args, "dir c:\\   && echo done");
        assert_eq!(
            (df.instructions[1].start_line, df.instructions[1].end_line),
            (3, 4)
        );
        // A trailing backslash is not a continuation with escape=`.
        assert_eq!(df.instructions[2].args, "a\\b c:\\dest\\");
    }

    #[test]
    fn flags_on_run_copy_and_from() {
        let df = p("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n\
                    RUN --mount=type=cache,target=/root/.cache/pip,id=pip --network=none pip install x\n\
                    COPY --from=builder --chown=app:app --link /src /dst\n");
        let from = &df.instructions[0];
        assert_eq!(from.flags[0].name, "platform");
        assert_eq!(from.flags[0].value.as_deref(), Some("$BUILDPLATFORM"));
        assert_eq!(df.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
        let run = &df.instructions[1];
        assert_eq!(run.flags.len(), 2);
        assert_eq!(run.flags[1].name, "network");
        assert_eq!(run.args, "pip install x");
        let copy = &df.instructions[2];
        let names: Vec<_> = copy.flags.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["from", "chown", "link"]);
        assert_eq!(copy.flags[2].value, None);
        assert_eq!(copy.args, "/src /dst");
    }

    #[test]
    fn quoted_flag_values_are_unquoted() {
        let i = only("RUN --mount=\"type=secret,id=npmrc\" --x='a b' echo\n");
        assert_eq!(i.flags[0].value.as_deref(), Some("type=secret,id=npmrc"));
        assert_eq!(i.flags[1].value.as_deref(), Some("a b"));
        assert_eq!(i.args, "echo");
    }

    #[test]
    fn double_dash_ends_flags() {
        let i = only("RUN --network=none -- --not-a-flag\n");
        assert_eq!(i.flags.len(), 1);
        assert_eq!(i.args, "--not-a-flag");
    }

    #[test]
    fn mounts_are_parsed() {
        let i = only(
            "RUN --mount=type=cache,target=/root/.cache/pip,id=pip \
             --mount=type=bind,from=deps,source=/out,dst=/in \
             --mount=type=cache,target=/var/cache/apt pip install -r r.txt\n",
        );
        let m = i.mounts();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].kind, "cache");
        assert_eq!(m[0].id.as_deref(), Some("pip"));
        assert_eq!(m[0].target.as_deref(), Some("/root/.cache/pip"));
        assert_eq!(m[0].cache_id(), Some("pip"));
        assert_eq!(m[1].kind, "bind");
        assert_eq!(m[1].from.as_deref(), Some("deps"));
        assert_eq!(m[1].source.as_deref(), Some("/out"));
        assert_eq!(m[1].target.as_deref(), Some("/in"));
        assert_eq!(m[1].cache_id(), None);
        assert_eq!(m[2].id, None);
        assert_eq!(m[2].cache_id(), Some("/var/cache/apt"));
        let m = only("RUN --mount=target=/x echo\n").mounts();
        assert_eq!(m[0].kind, "bind");
        // Flag words lose their quotes first (BuildKit), so CSV quoting needs outer quotes.
        let m = only("RUN --mount=type=cache,\"target=/a,b\" echo\n").mounts();
        assert_eq!(m[0].target.as_deref(), Some("/a"));
        let m = only("RUN --mount='type=cache,\"target=/a,b\"' echo\n").mounts();
        assert_eq!(m[0].target.as_deref(), Some("/a,b"));
    }

    #[test]
    fn heredoc_on_run() {
        let df = p("FROM a\nRUN <<EOF\n# this is content\napt-get update\nEOF\nUSER x\n");
        let run = &df.instructions[1];
        assert_eq!(run.heredocs.len(), 1);
        assert_eq!(run.heredocs[0].delimiter, "EOF");
        assert_eq!(run.heredocs[0].body, "# this is content\napt-get update\n");
        assert_eq!((run.start_line, run.end_line), (2, 5));
        assert_eq!(df.instructions[2].start_line, 6);
    }

    #[test]
    fn heredoc_strip_tabs_and_quoting() {
        let i = only("RUN <<-'EOT' bash\n\techo $HOME\n\t\tindented\n\tEOT\n");
        let d = &i.heredocs[0];
        assert!(d.strip_tabs);
        assert!(d.quoted);
        assert_eq!(d.delimiter, "EOT");
        assert_eq!(d.body, "echo $HOME\nindented\n");
        let i = only("RUN <<\"EOF\"\nx\nEOF\n");
        assert!(i.heredocs[0].quoted);
        let i = only("RUN <<EOF\n\tx\nEOF\n");
        assert!(!i.heredocs[0].quoted && !i.heredocs[0].strip_tabs);
        assert_eq!(i.heredocs[0].body, "\tx\n");
    }

    #[test]
    fn several_heredocs_and_copy_heredoc() {
        let df = p("FROM a\nRUN <<A cat > /a && 3<<-B cat\none\nA\n\ttwo\n\tB\nCOPY --chmod=755 <<run.sh /usr/bin/run\n#!/bin/sh\necho hi\nrun.sh\n");
        let run = &df.instructions[1];
        assert_eq!(run.heredocs.len(), 2);
        assert_eq!(run.heredocs[0].body, "one\n");
        assert_eq!(run.heredocs[1].body, "two\n");
        assert_eq!(run.end_line, 6);
        let copy = &df.instructions[2];
        let spec = copy.copy_sources().unwrap();
        assert!(spec.sources.is_empty());
        assert_eq!(spec.inline.len(), 1);
        assert_eq!(spec.inline[0].body, "#!/bin/sh\necho hi\n");
        assert_eq!(spec.dest.as_deref(), Some("/usr/bin/run"));
        assert_eq!((copy.start_line, copy.end_line), (7, 10));
    }

    #[test]
    fn quoted_heredoc_words_and_json_form_are_not_heredocs() {
        let df = p("RUN echo \"<<EOF\"\nRUN [\"sh\", \"-c\", \"cat <<EOF\"]\nRUN echo x<<EOF\nRUN cat <<<here\n");
        assert_eq!(df.instructions.len(), 4);
        assert!(df.instructions.iter().all(|i| i.heredocs.is_empty()));
    }

    #[test]
    fn heredoc_after_continuation_lines() {
        let i = only("RUN --mount=type=cache,target=/c \\\n  python3 <<EOF\nprint(1)\nEOF\n");
        assert_eq!(i.heredocs[0].body, "print(1)\n");
        assert_eq!(i.end_line, 4);
    }

    #[test]
    fn onbuild_heredoc() {
        let i = only("ONBUILD RUN <<EOF\necho\nEOF\n");
        assert_eq!(i.heredocs.len(), 1);
    }

    #[test]
    fn unterminated_heredoc_is_an_error_at_the_instruction() {
        let e = parse("FROM a\nRUN <<EOF\necho\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unterminated heredoc `EOF`"));
    }

    #[test]
    fn heredoc_crlf_terminator() {
        let i = only("RUN <<EOF\r\necho\r\nEOF\r\n");
        assert_eq!(i.heredocs[0].body, "echo\r\n");
    }

    #[test]
    fn stages_and_global_args() {
        let df = p("ARG VERSION=3.12\nFROM python:${VERSION}-slim AS Builder\nRUN pip wheel .\nFROM gcr.io/distroless/python3@sha256:abc\nCOPY --from=builder /w /w\n");
        assert_eq!(df.instructions[0].stage, None);
        assert_eq!(df.stages.len(), 2);
        let s0 = &df.stages[0];
        assert_eq!(s0.name.as_deref(), Some("builder"));
        assert_eq!(s0.base, "python:${VERSION}-slim");
        assert_eq!(s0.from_line, 2);
        assert_eq!(s0.instructions, 1..3);
        let s1 = &df.stages[1];
        assert_eq!(s1.name, None);
        assert_eq!(s1.base, "gcr.io/distroless/python3@sha256:abc");
        assert_eq!(s1.instructions, 3..5);
        assert_eq!(df.instructions[4].stage, Some(1));
        assert_eq!(df.stage_by_ref("BUILDER").map(|s| s.index), Some(0));
        assert_eq!(df.stage_by_ref("1").map(|s| s.index), Some(1));
        assert!(df.stage_by_ref("alpine").is_none());
    }

    #[test]
    fn no_from_is_not_an_error() {
        let df = p("RUN echo partial\n");
        assert!(df.stages.is_empty());
        assert_eq!(df.instructions[0].stage, None);
        let df = p("");
        assert!(df.instructions.is_empty());
    }

    #[test]
    fn exec_form() {
        let df = p("CMD [\"python\", \"-m\", \"app\"]\nENTRYPOINT [ \"tini\" , \"--\" ]\nCOPY [\"a b\", \"/dst/\"]\nRUN [not json\n");
        assert_eq!(
            df.instructions[0].exec_form.as_deref(),
            Some(&["python".to_owned(), "-m".into(), "app".into()][..])
        );
        assert_eq!(df.instructions[1].exec_form.as_ref().map(Vec::len), Some(2));
        let spec = df.instructions[2].copy_sources().unwrap();
        assert_eq!(spec.sources, ["a b"]);
        assert_eq!(spec.dest.as_deref(), Some("/dst/"));
        assert_eq!(df.instructions[3].exec_form, None);
        assert!(parse("CMD [1, 2]\n").is_err());
        // JSON spacing does not matter to the builder.
        assert!(same("CMD [\"a\",\"b\"]\n", "CMD [ \"a\", \"b\" ]\n"));
    }

    #[test]
    fn copy_sources_plain() {
        let i = only("COPY --from=build --chown=1:1 requirements.txt setup.py  /app/\n");
        let spec = i.copy_sources().unwrap();
        assert_eq!(spec.from.as_deref(), Some("build"));
        assert_eq!(spec.sources, ["requirements.txt", "setup.py"]);
        assert_eq!(spec.dest.as_deref(), Some("/app/"));
        assert!(only("RUN x\n").copy_sources().is_none());
        assert_eq!(only("COPY onlyone\n").copy_sources().unwrap().dest, None);
    }

    #[test]
    fn arg_defs_several_per_line() {
        let i = only("ARG A B=2 C=\"x y\" D=\n");
        assert_eq!(
            i.arg_defs(),
            vec![
                ("A".to_owned(), None),
                ("B".to_owned(), Some("2".to_owned())),
                ("C".to_owned(), Some("x y".to_owned())),
                ("D".to_owned(), Some(String::new())),
            ]
        );
        assert!(only("RUN x\n").arg_defs().is_empty());
    }

    #[test]
    fn env_pairs_new_and_legacy_forms() {
        let i = only("ENV k=v k2=\"v 2\" k3=a\\ b\n");
        assert_eq!(
            i.env_pairs(),
            vec![
                ("k".to_owned(), "v".to_owned()),
                ("k2".to_owned(), "v 2".to_owned()),
                ("k3".to_owned(), "a b".to_owned()),
            ]
        );
        let i = only("ENV PATH /usr/local/bin:$PATH  extra\n");
        assert_eq!(
            i.env_pairs(),
            vec![("PATH".to_owned(), "/usr/local/bin:$PATH  extra".to_owned())]
        );
    }

    #[test]
    fn variables_used() {
        let i = only(
            "RUN --mount=type=cache,id=$CACHE_ID echo $A ${B} ${C:-x} ${#D} \\$E '$F' $1 $$ $A\n",
        );
        assert_eq!(i.variables_used(), ["CACHE_ID", "A", "B", "C", "D"]);
        let i = only("RUN <<EOF\necho ${CACHEBUST}\nEOF\n");
        assert_eq!(i.variables_used(), ["CACHEBUST"]);
    }

    #[test]
    fn comment_only_edit_keeps_the_build() {
        let old = "FROM python:3.12-slim\nRUN pip install flask\nCOPY . /app\n";
        let new = "# Force rebuild: Thu Nov  7 14:03:11 UTC 2024\nFROM python:3.12-slim\n\n# deps\nRUN pip install flask\nCOPY . /app\n# Force rebuild: $(date)\n";
        assert!(same(old, new));
        let appended = format!("{old}# Force rebuild: $(date)\n");
        assert!(same(old, &appended));
    }

    #[test]
    fn functional_edits_change_the_build() {
        assert!(!same("RUN pip install x\n", "RUN pip install y\n"));
        assert!(!same(
            "RUN <<EOF\necho\nEOF\n",
            "RUN <<EOF\n# now a comment line, but content\necho\nEOF\n"
        ));
        assert!(!same(
            "# syntax=docker/dockerfile:1\nFROM a\n",
            "# syntax=docker/dockerfile:1.7\nFROM a\n"
        ));
        assert!(!same("ARG CACHEBUST=1\n", "ARG CACHEBUST=2\n"));
        assert!(!same("RUN --mount=type=cache,target=/a x\n", "RUN x\n"));
        // Whitespace inside a RUN command reaches /bin/sh -c verbatim.
        assert!(!same("RUN a \\\n  b\n", "RUN a \\\n    b\n"));
    }

    #[test]
    fn builder_ignored_whitespace_keeps_the_build() {
        assert!(same("FROM  alpine\n", "   FROM alpine   \n"));
        assert!(same("COPY  a   b\n", "COPY a b\n"));
        assert!(same("ENV A=1   B=2\n", "ENV A=1 B=2\n"));
        assert!(same("run echo\n", "RUN echo\n"));
        assert!(same("RUN --b=1 --a=2 x\n", "RUN --a=2 --b=1 x\n"));
        assert!(same("RUN echo hi\n", "RUN echo hi   \n"));
        assert!(same("RUN echo hi\r\n", "RUN echo hi\n"));
    }

    #[test]
    fn cache_key_shape() {
        let i = only("RUN --network=none --mount=type=cache,target=/c  echo  hi\n");
        assert_eq!(
            i.cache_key(),
            "RUN --mount=type=cache,target=/c --network=none echo  hi"
        );
        let i = only("CMD [ \"a\" ,\"b\" ]\n");
        assert_eq!(i.cache_key(), "CMD [\"a\",\"b\"]");
        let i = only("COPY <<EOF /x\nhello\nEOF\n");
        assert_eq!(i.cache_key(), "COPY <<EOF /x\n<<EOF\nhello\n");
        assert!(!same("FROM a\n", "FROM a\nUSER x\n"));
        assert!(!same("RUN <<EOF\na\nEOF\n", "RUN <<EOF\na \nEOF\n"));
    }

    #[test]
    fn stage_without_name_and_platform_only() {
        let df = p(
            "FROM --platform=linux/amd64 alpine:3.20\nFROM scratch as Final\nCOPY --from=0 / /\n",
        );
        assert_eq!(df.stages[0].name, None);
        assert_eq!(df.stages[0].platform.as_deref(), Some("linux/amd64"));
        assert_eq!(df.stages[1].name.as_deref(), Some("final"));
        assert_eq!(df.stages[1].instructions, 1..3);
        let from = df.instructions[2].copy_sources().and_then(|c| c.from);
        assert_eq!(
            df.stage_by_ref(from.as_deref().unwrap_or(""))
                .map(|s| s.index),
            Some(0)
        );
    }

    #[test]
    fn bom_is_ignored() {
        let df = p("\u{feff}# syntax=x\nFROM a\n");
        assert_eq!(df.syntax.as_deref(), Some("x"));
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let long = "RUN ".to_owned() + &"x".repeat(200_000);
        let many = "RUN a \\\n".repeat(20_000);
        let inputs = [
            "RUN <<EOF\nno end",
            "\\",
            "\\\n\\\n\\",
            "FROM",
            "FROM \n",
            "FROM a AS",
            "RUN \0\0\0 <<\0\n\0\n",
            long.as_str(),
            many.as_str(),
            "# escape=",
            "# escape=garbage\nFROM a",
            "# escape=\u{1F600}",
            "#=\n#a=\n",
            "RUN --",
            "RUN --mount=",
            "RUN --mount=\"unterminated",
            "COPY <<",
            "COPY <<- /x",
            "RUN <<''\n\n",
            "RUN 1<<EOF 2<<EOF\nEOF\nEOF\n",
            "CMD [\"a\", ",
            "CMD [\"\\ud800\"]",
            "ENV",
            "ENV a",
            "ARG =",
            "\r\r\r\n\r",
            "RUN `\n",
            "ONBUILD",
            "ONBUILD RUN <<X\n",
            "\u{feff}",
            "RUN $ ${ ${# ${}",
        ];
        for input in inputs {
            if let Ok(df) = parse(input) {
                for i in &df.instructions {
                    let _ = (i.cache_key(), i.mounts(), i.copy_sources());
                    let _ = (i.arg_defs(), i.env_pairs(), i.variables_used());
                    assert!(i.start_line <= i.end_line);
                }
            }
        }
        assert_eq!(p(&many).instructions.len(), 1);
        assert_eq!(p(&long).instructions[0].args.len(), 200_000);
    }

    #[test]
    fn lone_escape_line_starts_a_continuation() {
        // BuildKit: a line holding only the escape character continues into the next.
        let df = p("\\\nRUN x\n");
        assert_eq!(df.instructions.len(), 1);
        assert_eq!(df.instructions[0].keyword, "RUN");
        assert_eq!(
            (df.instructions[0].start_line, df.instructions[0].end_line),
            (1, 2)
        );
    }
}
