//! Parsing the platforms' files: JSON (and JSONC), TOML and YAML, a parse error becoming
//! the [`Problem`] that names its line, and the lines of YAML keys.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;
use yaml_rust2::{Yaml, YamlLoader};

use super::Problem;
use crate::deploy::target::line_of;

/// The message of a file `platform` cannot parse either.
fn unparsable(format: &str, detail: &str, platform: &str) -> String {
    format!("does not parse as {format} ({detail}); {platform} will reject it too; fix the file")
}

/// `text` as JSON, or the problem naming the line. `jsonc`: `//` and `/* */` comments and
/// trailing commas are allowed (wrangler's JSON files).
pub(crate) fn parse_json(
    text: &str,
    jsonc: bool,
    platform: &str,
) -> Result<serde_json::Value, Problem> {
    let stripped;
    let source = if jsonc {
        stripped = strip_jsonc(text);
        stripped.as_str()
    } else {
        text
    };
    serde_json::from_str(source).map_err(|e| {
        let line = u32::try_from(e.line()).ok().filter(|&l| l > 0);
        Problem::new(line, unparsable("JSON", &e.to_string(), platform))
    })
}

/// `text` as a TOML table turned into JSON values (the readers share one tree type), or the
/// problem naming the line.
pub(crate) fn parse_toml(text: &str, platform: &str) -> Result<serde_json::Value, Problem> {
    let table = text.parse::<toml::Table>().map_err(|e| {
        let (line, detail) = match e.span() {
            Some(span) => {
                let line = line_of(text, span.start);
                let column = text.get(..span.start).map_or(0, |before| {
                    before.len() - before.rfind('\n').map_or(0, |n| n + 1)
                }) + 1;
                (
                    Some(line),
                    format!("{} at line {line} column {column}", one_line(e.message())),
                )
            }
            None => (None, one_line(e.message())),
        };
        Problem::new(line, unparsable("TOML", &detail, platform))
    })?;
    serde_json::to_value(table)
        .map_err(|e| Problem::new(None, unparsable("TOML", &e.to_string(), platform)))
}

/// The first YAML document of `text` (`Yaml::Null` when empty), or the problem naming the
/// line. `first_line`: the line of `text` within its file (front matter starts on line 2).
pub(crate) fn parse_yaml(text: &str, first_line: u32, platform: &str) -> Result<Yaml, Problem> {
    match YamlLoader::load_from_str(text) {
        Ok(mut docs) => Ok(if docs.is_empty() {
            Yaml::Null
        } else {
            docs.swap_remove(0)
        }),
        Err(e) => {
            let line = shift(e.marker().line(), first_line);
            let detail = format!(
                "{} at line {} column {}",
                e.info(),
                line.unwrap_or(0),
                e.marker().col() + 1
            );
            Err(Problem::new(line, unparsable("YAML", &detail, platform)))
        }
    }
}

fn one_line(message: &str) -> String {
    message.trim().replace('\n', "; ")
}

/// A 1-based line of a fragment moved to its place in the file.
fn shift(line: usize, first_line: u32) -> Option<u32> {
    let line = u32::try_from(line).ok().filter(|&l| l > 0)?;
    Some(line.saturating_add(first_line.saturating_sub(1)))
}

/// JSONC to JSON: comments outside strings become blanks (newlines kept, so lines and
/// columns still point into the file) and a comma before `}` or `]` is dropped.
pub(crate) fn strip_jsonc(text: &str) -> String {
    #[derive(PartialEq)]
    enum State {
        Code,
        Str,
        Escape,
        Line,
        Block,
    }
    let mut out = String::with_capacity(text.len());
    let mut state = State::Code;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match state {
            State::Code => match (c, chars.peek()) {
                ('"', _) => {
                    state = State::Str;
                    out.push(c);
                }
                ('/', Some('/')) => {
                    chars.next();
                    state = State::Line;
                    out.push_str("  ");
                }
                ('/', Some('*')) => {
                    chars.next();
                    state = State::Block;
                    out.push_str("  ");
                }
                _ => out.push(c),
            },
            State::Str => {
                state = match c {
                    '\\' => State::Escape,
                    '"' => State::Code,
                    _ => State::Str,
                };
                out.push(c);
            }
            State::Escape => {
                state = State::Str;
                out.push(c);
            }
            State::Line => {
                if c == '\n' {
                    state = State::Code;
                    out.push(c);
                } else {
                    out.push(' ');
                }
            }
            State::Block => {
                if c == '*' && chars.peek() == Some(&'/') {
                    chars.next();
                    state = State::Code;
                    out.push_str("  ");
                } else {
                    out.push(if c == '\n' { '\n' } else { ' ' });
                }
            }
        }
    }
    drop_trailing_commas(&out)
}

/// `text` (comment-free JSON) with each `,` that only blanks separate from a `}` or `]`
/// replaced by a blank.
fn drop_trailing_commas(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut in_str = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b',' => {
                let next = bytes[i + 1..].iter().find(|c| !c.is_ascii_whitespace());
                if matches!(next, Some(b'}' | b']')) {
                    out[i] = b' ';
                }
            }
            _ => {}
        }
    }
    // Only an ASCII comma was replaced by an ASCII blank: still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// The 1-based lines of the keys and sequence items of the first YAML document of `text`,
/// by path (mapping keys, sequence indexes as decimal text): what `Yaml` values lack.
#[derive(Debug, Default)]
pub(crate) struct YamlLines {
    lines: Vec<(Vec<String>, u32)>,
}

impl YamlLines {
    /// Reads `text`, whose first line is line `first_line` of its file. A document that
    /// does not parse gives what was read before the error.
    pub fn of(text: &str, first_line: u32) -> YamlLines {
        let mut rec = LineRecorder {
            first_line,
            ..Default::default()
        };
        let _ = Parser::new_from_str(text).load(&mut rec, false);
        YamlLines { lines: rec.out }
    }

    /// The line of the key or item at `path`.
    pub fn line(&self, path: &[&str]) -> Option<u32> {
        self.lines
            .iter()
            .find(|(p, _)| p.iter().map(String::as_str).eq(path.iter().copied()))
            .map(|&(_, line)| line)
    }
}

#[derive(Default)]
struct LineRecorder {
    first_line: u32,
    /// Open collections: `Some(next index)` for a sequence, `None` for a mapping, with
    /// whether the collection is itself a mapping key.
    stack: Vec<(Option<usize>, bool)>,
    /// Per open mapping: the next node is a key.
    key_next: Vec<bool>,
    path: Vec<String>,
    out: Vec<(Vec<String>, u32)>,
    done: bool,
}

impl LineRecorder {
    fn record(&mut self, mark: Marker) {
        if let Some(line) = shift(mark.line(), self.first_line) {
            self.out.push((self.path.clone(), line));
        }
    }

    /// A node starts; says whether it is a mapping key.
    fn start(&mut self, key: Option<&str>, mark: Marker) -> bool {
        match self.stack.last_mut() {
            Some((Some(index), _)) => {
                self.path.push(index.to_string());
                *index += 1;
                self.record(mark);
                false
            }
            Some((None, _)) if self.key_next.last() == Some(&true) => {
                self.path.push(key.unwrap_or("?").to_owned());
                self.record(mark);
                if let Some(k) = self.key_next.last_mut() {
                    *k = false;
                }
                true
            }
            _ => false,
        }
    }

    /// A node (not a key) ended: its parent moves on.
    fn end_value(&mut self) {
        match self.stack.last() {
            Some((Some(_), _)) => {
                self.path.pop();
            }
            Some((None, _)) => {
                self.path.pop();
                if let Some(k) = self.key_next.last_mut() {
                    *k = true;
                }
            }
            None => {}
        }
    }
}

impl MarkedEventReceiver for LineRecorder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.done {
            return;
        }
        match ev {
            Event::Scalar(..) | Event::Alias(_) => {
                let key = match &ev {
                    Event::Scalar(s, ..) => Some(s.as_str()),
                    _ => None,
                };
                let is_key = self.start(key, mark);
                if !is_key {
                    self.end_value();
                }
            }
            Event::SequenceStart(..) => {
                let is_key = self.start(None, mark);
                self.stack.push((Some(0), is_key));
            }
            Event::MappingStart(..) => {
                let is_key = self.start(None, mark);
                self.stack.push((None, is_key));
                self.key_next.push(true);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((kind, is_key)) = self.stack.pop() {
                    if kind.is_none() {
                        self.key_next.pop();
                    }
                    if !is_key {
                        self.end_value();
                    }
                }
            }
            Event::DocumentEnd => self.done = true,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_loses_comments_and_trailing_commas_but_not_lines() {
        let text = "{\n  // a \"comment\", with a comma,\n  \"a\": \"http://x\", /* b\n c */ \"b\": [1, 2,],\n}\n";
        let value: serde_json::Value = serde_json::from_str(&strip_jsonc(text)).unwrap();
        assert_eq!(value["a"], "http://x");
        assert_eq!(value["b"], serde_json::json!([1, 2]));
        assert_eq!(strip_jsonc(text).lines().count(), text.lines().count());
        let err = parse_json("{\n  \"a\": 1\n  \"b\": 2\n}", true, "Wrangler").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(
            err.message.contains("Wrangler will reject it"),
            "{}",
            err.message
        );
    }

    #[test]
    fn toml_and_yaml_errors_name_their_line() {
        let err = parse_toml("[build]\nbase = \"x\"\nbase = \"y\"\n", "Netlify").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(
            err.message.starts_with("does not parse as TOML"),
            "{}",
            err.message
        );
        let err = parse_yaml("a: 1\nb: [\n", 1, "Render").unwrap_err();
        assert!(err.line.is_some());
        let err = parse_yaml("a: 1\n  b: 2\n", 5, "Render").unwrap_err();
        assert_eq!(err.line, Some(6));
    }

    #[test]
    fn yaml_lines_of_keys_and_items() {
        let text = "services:\n  - type: web\n    name: api\n  - name: b\n    envVars:\n      - key: A\nbuild:\n  docker:\n    web: Dockerfile\n";
        let lines = YamlLines::of(text, 1);
        assert_eq!(lines.line(&["services"]), Some(1));
        assert_eq!(lines.line(&["services", "0"]), Some(2));
        assert_eq!(lines.line(&["services", "0", "name"]), Some(3));
        assert_eq!(lines.line(&["services", "1"]), Some(4));
        assert_eq!(
            lines.line(&["services", "1", "envVars", "0", "key"]),
            Some(6)
        );
        assert_eq!(lines.line(&["build", "docker", "web"]), Some(9));
        assert_eq!(YamlLines::of("a: 1\n", 3).line(&["a"]), Some(3));
    }
}
