//! Dockerfile variable expansion (`$NAME`, `${NAME:-word}`, ...), as BuildKit's shell lexer
//! does it for the words of an instruction.

/// Expands `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}` and
/// `${NAME+word}` with `lookup`; `\$` is a literal dollar. `None` when a variable without a
/// fallback is unknown (its value cannot be predicted).
pub fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'$') => {
                out.push('$');
                chars.next();
            }
            '$' => match chars.peek().copied() {
                Some('{') => {
                    chars.next();
                    let mut inner = String::new();
                    let mut closed = false;
                    for ch in chars.by_ref() {
                        if ch == '}' {
                            closed = true;
                            break;
                        }
                        inner.push(ch);
                    }
                    if !closed {
                        return None;
                    }
                    out.push_str(&expand_braced(&inner, lookup)?);
                }
                Some(ch) if ch == '_' || ch.is_ascii_alphanumeric() => {
                    let mut name = String::new();
                    while let Some(&ch) = chars.peek() {
                        if ch == '_' || ch.is_ascii_alphanumeric() {
                            name.push(ch);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    out.push_str(&lookup(&name)?);
                }
                _ => out.push('$'),
            },
            other => out.push(other),
        }
    }
    Some(out)
}

fn expand_braced(inner: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let end = inner
        .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
        .unwrap_or(inner.len());
    let (name, op) = inner.split_at(end);
    let value = lookup(name).filter(|v| !v.is_empty() || !op.starts_with(':'));
    let set = lookup(name).is_some();
    match op {
        "" => value.or_else(|| set.then(String::new)),
        _ => {
            let (op, word) = if let Some(w) = op.strip_prefix(":-") {
                ("-", w)
            } else if let Some(w) = op.strip_prefix(":+") {
                ("+", w)
            } else if let Some(w) = op.strip_prefix('-') {
                ("-", w)
            } else if let Some(w) = op.strip_prefix('+') {
                ("+", w)
            } else {
                return None;
            };
            match op {
                "-" => Some(value.unwrap_or_else(|| word.to_owned())),
                _ => Some(if value.is_some() {
                    word.to_owned()
                } else {
                    String::new()
                }),
            }
        }
    }
}
