//! What a step is (its [`StepKind`], from `[build]`'s command lists) and how it is shown:
//! one line, secrets in it masked, shortened.

use std::collections::BTreeMap;

use super::model::{base_stage, Var};
use super::StepKind;
use crate::config::BuildSettings;
use crate::docker::dockerfile::{Dockerfile, Instruction};
use crate::mask;

/// The longest instruction text kept for display.
const MAX_INSTRUCTION_CHARS: usize = 80;

/// The kind of an instruction.
pub(super) fn kind_of(
    df: &Dockerfile,
    ins: &Instruction,
    globals: &BTreeMap<String, Var>,
    settings: &BuildSettings,
) -> StepKind {
    match ins.keyword.as_str() {
        "FROM" => match ins.stage {
            Some(s) if base_stage(df, s, globals).is_some() => StepKind::Other,
            _ => StepKind::BaseImage,
        },
        "RUN" => {
            let text = ins.script();
            if mentions_any(&text, &settings.system_commands) {
                StepKind::SystemPackages
            } else if settings
                .model_commands
                .iter()
                .any(|m| text.contains(m.as_str()))
            {
                StepKind::Models
            } else if mentions_any(&text, &settings.dependency_commands) {
                StepKind::Dependencies
            } else {
                StepKind::Run
            }
        }
        "COPY" | "ADD" => StepKind::Copy,
        "WORKDIR" => StepKind::Other,
        _ => StepKind::Setting,
    }
}

/// Whether one of the shell commands in `text` contains one of `phrases`: the phrase's
/// first word as a word of the command (a `/path/` prefix ignored) and its other words
/// after it in the same command, in order.
pub(super) fn mentions_any(text: &str, phrases: &[String]) -> bool {
    let commands: Vec<Vec<&str>> = text
        .split(['\n', ';', '|', '&', '(', ')', '`', '{', '}'])
        .map(|cmd| {
            cmd.split_whitespace()
                .map(|w| w.trim_matches(['"', '\'']))
                .map(|w| w.rsplit('/').next().unwrap_or(w))
                .collect()
        })
        .collect();
    phrases.iter().any(|phrase| {
        let want: Vec<&str> = phrase.split_whitespace().collect();
        commands.iter().any(|words| contains_in_order(words, &want))
    })
}

pub(super) fn contains_in_order(words: &[&str], want: &[&str]) -> bool {
    let Some((first, rest)) = want.split_first() else {
        return false;
    };
    words.iter().enumerate().any(|(i, w)| {
        w == first && {
            let mut tail = words.iter().skip(i + 1);
            rest.iter().all(|r| tail.any(|w| w == r))
        }
    })
}

/// The instruction on one line for display, safe to print: keyword, flags and arguments
/// with runs of whitespace collapsed, heredoc bodies left out, at most
/// [`MAX_INSTRUCTION_CHARS`], and anything that may be a secret masked (see [`mask::instruction_word`]):
/// a Dockerfile can hold credentials, and reports must never repeat them.
pub(super) fn one_line(ins: &Instruction) -> String {
    let mut text = ins.keyword.clone();
    for flag in &ins.flags {
        text.push_str(" --");
        text.push_str(&flag.name);
        match (flag.name.as_str(), &flag.value) {
            ("from" | "platform" | "chown" | "chmod" | "link" | "parents", Some(v)) => {
                text.push('=');
                text.push_str(&mask::instruction_word(v));
            }
            ("mount", Some(v)) => {
                let kind = v
                    .split(',')
                    .find_map(|f| f.strip_prefix("type="))
                    .unwrap_or("bind");
                text.push_str("=type=");
                text.push_str(&mask::instruction_word(kind));
            }
            (_, Some(_)) => text.push_str("=…"),
            (_, None) => {}
        }
    }
    // `ENV NAME value` (the legacy form, no `=`): the value is every word after the name,
    // which no per-word test can tell from a secret, so it is not shown.
    let legacy_setting = matches!(ins.keyword.as_str(), "ENV" | "ARG" | "LABEL")
        && ins
            .args
            .split_whitespace()
            .next()
            .is_some_and(|name| !name.contains('='));
    let words: Vec<String> = match &ins.exec_form {
        Some(array) => array.iter().map(|w| mask::instruction_word(w)).collect(),
        None if legacy_setting => ins
            .args
            .split_whitespace()
            .enumerate()
            .map(|(i, w)| {
                if i == 0 {
                    mask::instruction_word(w)
                } else {
                    "…".to_owned()
                }
            })
            .collect(),
        None => ins
            .args
            .split_whitespace()
            .map(mask::instruction_word)
            .collect(),
    };
    for word in words {
        text.push(' ');
        text.push_str(&word);
    }
    shorten(&text, MAX_INSTRUCTION_CHARS)
}

/// `text` cut to `max` characters, with `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
