//! The parser: BuildKit's frontend line by line (directives, continuations, heredocs, flags,
//! JSON exec form), and the word-level helpers the accessors share (quoting, mounts,
//! variable references).

use std::collections::HashSet;

use super::*;

/// Keywords whose arguments may be a JSON array (BuildKit's `parseMaybeJSON` and
/// `parseMaybeJSONToList`).
pub(super) const EXEC_FORM_KEYWORDS: &[&str] =
    &["RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"];

/// Keywords that may carry heredocs.
pub(super) const HEREDOC_KEYWORDS: &[&str] = &["RUN", "COPY", "ADD"];

pub(super) struct Parser<'a> {
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
pub(super) struct Directives {
    done: bool,
    seen: Vec<String>,
    syntax: Option<String>,
}

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str) -> Parser<'a> {
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

    pub(super) fn run(mut self) -> Result<Dockerfile, ParseError> {
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
pub(super) fn trim_newline(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

/// BuildKit's continuation test: the line ends with the escape character, optionally followed
/// by blanks, and that character is either alone or not preceded by another escape character.
/// Returns the line without the escape (and what followed it), and whether the line ended.
pub(super) fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
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
pub(super) fn match_directive(line: &str) -> Option<(&str, &str)> {
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
pub(super) fn is_go_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0b' | '\x0c' | '\r')
}

pub(super) fn split_go_whitespace(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_go_space).filter(|w| !w.is_empty())
}

/// Splits at the first run of whitespace: (first word, rest without the separator).
pub(super) fn split_first_whitespace(s: &str) -> (&str, &str) {
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
pub(super) fn extract_builder_flags(line: &str) -> (&str, Vec<String>) {
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

pub(super) fn parse_flag(word: &str) -> Flag {
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
pub(super) fn parse_exec_form(args: &str) -> Result<Option<Vec<String>>, String> {
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

pub(super) fn can_contain_heredoc(keyword: &str, args: &str) -> bool {
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
pub(super) struct Marker {
    pub(super) delimiter: String,
    strip_tabs: bool,
    quoted: bool,
}

/// Matches a raw word against `^(\d*)<<(-?)([^<]*)$` (BuildKit's `reHeredoc`).
pub(super) fn heredoc_marker(word: &str) -> Option<Marker> {
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
pub(super) fn shell_words(line: &str) -> impl Iterator<Item = &str> {
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
pub(super) fn parse_words(rest: &str, escape: char) -> Vec<String> {
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
pub(super) fn unquote(word: &str, escape: char) -> String {
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
pub(super) fn parse_mount(raw: &str) -> Mount {
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
pub(super) fn csv_fields(raw: &str) -> Vec<String> {
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
pub(super) struct VarSet {
    pub(super) names: Vec<String>,
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
pub(super) fn collect_vars(text: &str, escape: char, honour_single_quotes: bool, out: &mut VarSet) {
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
