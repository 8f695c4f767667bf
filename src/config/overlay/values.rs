//! The typed value readers of [`Overlay`] and its problem reports: each reader reports its
//! own problem (with the value's span, what was expected and an example) and returns `None`
//! on one, so the section readers in the parent module stay declarative.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::super::diagnostic::{did_you_mean, with_suggestion};
use super::super::write::key_display;
use super::{Key, Overlay, Val, GLOB_HELP, MAX_SECONDS};
use crate::tier::BuildTier;

impl Overlay<'_> {
    pub(super) fn table<'v, 'i>(
        &mut self,
        val: &'v Val<'i>,
        name: &str,
    ) -> Option<&'v DeTable<'i>> {
        match val.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong_type(val, name, "a table", &format!("[{name}]"));
                None
            }
        }
    }

    pub(super) fn string<'v>(
        &mut self,
        val: &'v Val<'_>,
        field: &str,
        example: &str,
    ) -> Option<&'v str> {
        match val.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            _ => {
                self.wrong_type(val, field, "a string", example);
                None
            }
        }
    }

    /// A string that must not be blank (reasons, facts, hints).
    pub(super) fn text(&mut self, val: &Val<'_>, field: &str, example: &str) -> Option<String> {
        let s = self.string(val, field, example)?;
        if s.trim().is_empty() {
            self.error(
                val.span(),
                format_args!("`{field}` is empty"),
                format!("write a short phrase, e.g. {} = {example}", leaf(field)),
            );
            return None;
        }
        Some(s.to_owned())
    }

    pub(super) fn boolean(&mut self, val: &Val<'_>, field: &str) -> Option<bool> {
        match val.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(val, field, "a boolean", "false");
                None
            }
        }
    }

    pub(super) fn integer(&mut self, val: &Val<'_>, field: &str) -> Option<i64> {
        let DeValue::Integer(i) = val.get_ref() else {
            self.wrong_type(val, field, "an integer", "60");
            return None;
        };
        match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(
                    val.span(),
                    format_args!("`{field}` is too large"),
                    "use a number that fits in 64 bits".to_owned(),
                );
                None
            }
        }
    }

    /// A tier time: an integer from 0 to [`MAX_SECONDS`].
    pub(super) fn seconds(&mut self, val: &Val<'_>, field: &str) -> Option<u32> {
        let n = self.integer(val, field)?;
        let help =
            || format!("times are estimates in whole seconds, from 0 to {MAX_SECONDS} (a day)");
        if n < 0 {
            self.error(
                val.span(),
                format_args!("`{field}` cannot be negative"),
                help(),
            );
            return None;
        }
        if n > MAX_SECONDS {
            self.error(
                val.span(),
                format_args!("`{field}` is {n} seconds, more than a day"),
                help(),
            );
            return None;
        }
        u32::try_from(n).ok()
    }

    pub(super) fn tier(&mut self, val: &Val<'_>, field: &str) -> Option<BuildTier> {
        let choices = BuildTier::ALL.map(|t| (t.as_str(), t));
        self.choice(val, field, "tier", &choices)
    }

    /// A string that must be one of `choices`. `what` names the value in the headline
    /// ("tier": "unknown tier `fast`"); the help line lists the choices.
    pub(super) fn choice<T: Copy>(
        &mut self,
        val: &Val<'_>,
        field: &str,
        what: &str,
        choices: &[(&str, T)],
    ) -> Option<T> {
        let names: Vec<&str> = choices.iter().map(|c| c.0).collect();
        let example = format!("\"{}\"", names.first().copied().unwrap_or_default());
        let s = self.string(val, field, &example)?;
        if let Some(&(_, v)) = choices.iter().find(|c| c.0 == s) {
            return Some(v);
        }
        let one_of = match what.strip_suffix(" value") {
            Some(key) => format!("{key} is one of {}", names.join(", ")),
            None => format!("a {what} is one of {}", names.join(", ")),
        };
        let help = with_suggestion(did_you_mean(s, names.iter().copied()), one_of);
        self.error(val.span(), format_args!("unknown {what} `{s}`"), help);
        None
    }

    /// An array of valid globs, with its compiled set. Each bad glob is reported at its
    /// own string inside the array.
    pub(super) fn globs(
        &mut self,
        val: &Val<'_>,
        field: &str,
        allow_empty: bool,
    ) -> Option<Vec<String>> {
        let example = "[\"**/Dockerfile\"]";
        let DeValue::Array(items) = val.get_ref() else {
            self.wrong_type(val, field, "an array of globs", example);
            return None;
        };
        if items.is_empty() && !allow_empty {
            let help = if field.starts_with("paths.") {
                "a rule with no globs matches nothing: list at least one glob, or set \
                 `enabled = false` to turn the rule off"
            } else {
                "list at least one glob, or set `severity = \"off\"` to turn the rule off"
            };
            self.error(
                val.span(),
                format_args!("`{field}` is empty"),
                help.to_owned(),
            );
            return None;
        }
        let mut globs = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items.iter() {
            let Some(s) = self.string(item, field, "\"**/*.py\"") else {
                ok = false;
                continue;
            };
            match crate::globs::check(s) {
                Ok(()) => globs.push(s.to_owned()),
                Err(e) => {
                    ok = false;
                    self.error(
                        item.span(),
                        format_args!("invalid glob `{s}` in `{field}`: {}", e.kind()),
                        GLOB_HELP.to_owned(),
                    );
                }
            }
        }
        if !ok {
            return None;
        }
        Some(globs)
    }

    // ---- Reporting. ----

    /// Records a problem at `span`; the headline ends with the file name.
    pub(super) fn error(&mut self, span: Range<usize>, what: fmt::Arguments<'_>, help: String) {
        let message = format!("{what} in {}", self.src.name());
        let diagnostic = self.src.diagnostic(span, message, Some(help));
        self.diagnostics.push(diagnostic);
    }

    pub(super) fn unknown_key(&mut self, key: &Key<'_>, table: &str, valid: &[&str]) {
        let name = key_str(key);
        let place = if table.is_empty() {
            "at the top level".to_owned()
        } else {
            format!("in [{table}]")
        };
        let help = with_suggestion(
            did_you_mean(name, valid.iter().copied()),
            format!("valid keys {place}: {}", valid.join(", ")),
        );
        self.error(
            key.span(),
            format_args!("unknown key `{}`", dotted(table, name)),
            help,
        );
    }

    pub(super) fn wrong_type(&mut self, val: &Val<'_>, field: &str, expected: &str, example: &str) {
        let found = article(val.get_ref().type_str());
        let help = if expected == "a table" {
            format!("write it as a table: {example}")
        } else {
            format!(
                "`{}` takes {expected}, e.g. {} = {example}",
                leaf(field),
                leaf(field)
            )
        };
        self.error(
            val.span(),
            format_args!("`{field}` must be {expected}, found {found}"),
            help,
        );
    }
}

pub(super) fn key_str<'k>(key: &'k Key<'_>) -> &'k str {
    key.get_ref().as_ref()
}

/// `parent.key`, with `key` quoted when it is not a bare TOML key.
pub(super) fn dotted(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key_display(key)
    } else {
        format!("{parent}.{}", key_display(key))
    }
}

/// The last component of a dotted name (for "e.g. tier = ..." examples).
pub(super) fn leaf(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

pub(super) fn article(kind: &str) -> String {
    match kind.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {kind}"),
        _ => format!("a {kind}"),
    }
}

/// "a string", "an array of strings", ...
pub(super) fn describe_value_type(v: &toml::Value) -> String {
    match v {
        toml::Value::Array(items) => match items.first() {
            Some(first) => format!("an array of {}s", first.type_str()),
            None => "an array".to_owned(),
        },
        other => article(other.type_str()),
    }
}

/// A short example of `v` for help lines: arrays are cut to their first element.
pub(super) fn example_of(v: &toml::Value) -> String {
    match v {
        toml::Value::Array(items) if items.len() > 1 => match items.first() {
            Some(first) => format!("[{first}, ...]"),
            None => "[]".to_owned(),
        },
        other => other.to_string(),
    }
}

/// Where `new` differs in type from `existing` (arrays: element types, compared with the
/// existing first element), with the type found there.
pub(super) fn shape_mismatch(
    existing: &toml::Value,
    new: &Val<'_>,
) -> Option<(Range<usize>, &'static str)> {
    let found = new.get_ref().type_str();
    if existing.type_str() != found {
        return Some((new.span(), found));
    }
    let (toml::Value::Array(old), DeValue::Array(items)) = (existing, new.get_ref()) else {
        return None;
    };
    let element = old.first()?.type_str();
    items
        .iter()
        .find(|item| item.get_ref().type_str() != element)
        .map(|item| (item.span(), item.get_ref().type_str()))
}

/// Converts a parsed value to a [`toml::Value`]; `None` for numbers out of range.
pub(super) fn to_value(v: &DeValue<'_>) -> Option<toml::Value> {
    Some(match v {
        DeValue::String(s) => toml::Value::String(s.to_string()),
        DeValue::Integer(i) => {
            toml::Value::Integer(i64::from_str_radix(i.as_str(), i.radix()).ok()?)
        }
        DeValue::Float(f) => toml::Value::Float(f.as_str().parse().ok()?),
        DeValue::Boolean(b) => toml::Value::Boolean(*b),
        DeValue::Datetime(d) => toml::Value::Datetime(*d),
        DeValue::Array(items) => toml::Value::Array(
            items
                .iter()
                .map(|item| to_value(item.get_ref()))
                .collect::<Option<_>>()?,
        ),
        DeValue::Table(t) => toml::Value::Table(
            t.iter()
                .map(|(k, v)| Some((key_str(k).to_owned(), to_value(v.get_ref())?)))
                .collect::<Option<_>>()?,
        ),
    })
}
