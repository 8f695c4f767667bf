//! What a step is (its [`StepKind`], from `[build]`'s command lists) and how it is shown:
//! one line, secrets in it masked, shortened.

use std::collections::BTreeMap;

use super::model::{base_stage, Var};
use super::StepKind;
use crate::config::BuildSettings;
use crate::docker::dockerfile::{Dockerfile, Instruction};

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
/// [`MAX_INSTRUCTION_CHARS`], and anything that may be a secret masked (see [`mask_word`]):
/// a Dockerfile can hold credentials, and reports must never repeat them.
pub(super) fn one_line(ins: &Instruction) -> String {
    let mut text = ins.keyword.clone();
    for flag in &ins.flags {
        text.push_str(" --");
        text.push_str(&flag.name);
        match (flag.name.as_str(), &flag.value) {
            ("from" | "platform" | "chown" | "chmod" | "link" | "parents", Some(v)) => {
                text.push('=');
                text.push_str(&mask_word(v));
            }
            ("mount", Some(v)) => {
                let kind = v
                    .split(',')
                    .find_map(|f| f.strip_prefix("type="))
                    .unwrap_or("bind");
                text.push_str("=type=");
                text.push_str(&mask_word(kind));
            }
            (_, Some(_)) => text.push_str("=…"),
            (_, None) => {}
        }
    }
    let words: Vec<String> = match &ins.exec_form {
        Some(array) => array.iter().map(|w| mask_word(w)).collect(),
        None => ins.args.split_whitespace().map(mask_word).collect(),
    };
    for word in words {
        text.push(' ');
        text.push_str(&word);
    }
    shorten(&text, MAX_INSTRUCTION_CHARS)
}

/// A word of an instruction with what may be a secret replaced by `…`: the value of a
/// `NAME=value` assignment (but not `pkg==1.0`), the credentials of a `scheme://user:pw@`
/// URL, and every run of 12 or more letters and digits that mixes both (keys and tokens
/// are such runs; words, versions and paths rarely are).
pub(super) fn mask_word(word: &str) -> String {
    let mut word = word.to_owned();
    if let Some((name, value)) = word.split_once('=') {
        let bare = name.trim_start_matches(['"', '\'']);
        let is_name = bare
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_name && !value.is_empty() && !value.starts_with('=') {
            word = format!("{name}=…");
        }
    }
    if let Some(scheme) = word.find("://") {
        let rest_start = scheme + 3;
        if let Some(at) = word.get(rest_start..).and_then(|r| r.find('@')) {
            let host = word.get(rest_start + at..).unwrap_or_default().to_owned();
            word = format!("{}…{host}", word.get(..rest_start).unwrap_or_default());
        }
    }
    let mut out = String::with_capacity(word.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let letters = run.chars().any(|c| c.is_ascii_alphabetic());
        let digits = run.chars().any(|c| c.is_ascii_digit());
        if run.chars().count() >= 12 && letters && digits {
            out.push('…');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in word.chars() {
        if c.is_ascii_alphanumeric() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
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
