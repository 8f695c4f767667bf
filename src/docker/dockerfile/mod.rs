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

use std::fmt;
use std::ops::Range;

use parser::{
    collect_vars, heredoc_marker, parse_mount, parse_words, split_first_whitespace,
    split_go_whitespace, unquote, Parser, VarSet,
};

mod parser;
#[cfg(test)]
mod tests;

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

/// Appends ` --name[=value]` for each flag.
fn push_flags<'f>(out: &mut String, flags: impl IntoIterator<Item = &'f Flag>) {
    for flag in flags {
        out.push_str(" --");
        out.push_str(&flag.name);
        if let Some(value) = &flag.value {
            out.push('=');
            out.push_str(value);
        }
    }
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
    /// The instruction as written, on one line: keyword, flags in file order, arguments
    /// (continuation lines joined as BuildKit joins them). What BuildKit's plain progress
    /// names the step, up to whitespace.
    pub fn written(&self) -> String {
        let mut text = self.keyword.clone();
        push_flags(&mut text, self.flags.iter());
        text.push(' ');
        text.push_str(&self.args);
        text
    }

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
        push_flags(&mut key, flags);
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
