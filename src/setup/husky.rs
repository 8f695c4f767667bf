//! husky: git runs husky's hooks, husky runs the user's `.husky/pre-push`, and pushguard
//! adds one marked line to that file instead of replacing any hook.
//!
//! How husky runs hooks (read from its source, github.com/typicode/husky):
//! - v9 (`index.js`, 9.1.7): `husky` sets `core.hooksPath` to `<dir>/_` (`.husky/_` by
//!   default) and writes there `h` and one wrapper per hook, `. "$(dirname "$0")/h"`; `h`
//!   (the file `husky` of the package) runs `sh -e <dir>/<hook> "$@"` when that file exists,
//!   with git's stdin, after prepending `node_modules/.bin` to PATH, and exits 0 without
//!   running it when `HUSKY=0`.
//! - v5 to v8 (`src/index.ts`, 8.0.3): `husky install` sets `core.hooksPath` to `.husky`
//!   itself and writes `_/husky.sh`; git runs `.husky/pre-push` directly, whose second line
//!   sources `_/husky.sh`, which re-runs the file with `sh -e` (so the lines above it run
//!   twice) unless `HUSKY=0`.
//! - v4 and older install their own scripts into `.git/hooks`: those are plain hooks, and
//!   the managed hook chains them like any other.
//!
//! Invariants:
//! - husky's own files (`_/`, `package.json`) are never written. Only the user's
//!   `<dir>/pre-push` changes, by exactly one line carrying [`MARKER`]; uninstall removes
//!   exactly that line, so the file comes back byte for byte (and is removed when pushguard
//!   created it and nothing else was added).
//! - The line runs pushguard on a copy of git's stdin and hands the same ref lines on to the
//!   rest of the file, so a user command below it that reads stdin still gets them.
//! - A missing binary never blocks a push: the line warns and lets the rest run.
//! - The line goes first (after husky's v5-8 preamble): a user's `exit 0` further down does
//!   not skip it, and a push pushguard blocks does not run the user's slower checks first.

use std::path::{Path, PathBuf};

use super::{exists, read_small, sh_quote, shown, write_atomic, Error, Lock, Repo};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;

/// The comment that marks pushguard's line.
pub const MARKER: &str = "# pushguard-managed-line";
/// Added after [`MARKER`] when pushguard created the file.
const CREATED: &str = " (pushguard created this file)";

/// Which husky runs the hooks of a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    /// `core.hooksPath=<dir>/_`: husky 9.
    V9,
    /// `core.hooksPath=<dir>`, with `<dir>/_/husky.sh`: husky 5 to 8.
    V5to8,
}

/// husky as installed in a clone.
#[derive(Debug, Clone)]
pub struct Husky {
    pub version: Version,
    /// The directory of the user's hook scripts (`.husky`).
    pub dir: PathBuf,
}

impl Husky {
    /// The user's pre-push script, where pushguard's line goes.
    pub fn script(&self) -> PathBuf {
        self.dir.join("pre-push")
    }
}

/// husky, when it is what git runs hooks through in `repo`: the hooks directory is husky's
/// `_` (v9) or a directory holding `_/husky.sh` (v5-8).
pub fn detect(repo: &Repo) -> Option<Husky> {
    repo.hooks_path.as_ref()?;
    let hooks = &repo.hooks_dir;
    if hooks.file_name().is_some_and(|n| n == "_") && hooks.join("h").is_file() {
        return Some(Husky {
            version: Version::V9,
            dir: hooks.parent()?.to_path_buf(),
        });
    }
    if hooks.join("_/husky.sh").is_file() && !hooks.join("_/h").is_file() {
        return Some(Husky {
            version: Version::V5to8,
            dir: hooks.clone(),
        });
    }
    None
}

/// A `.husky` directory at the root of the working tree, husky installed in this clone or
/// not (a fresh clone before `npm install`).
pub fn present(repo: &Repo) -> Option<PathBuf> {
    let dir = repo.toplevel.as_ref()?.join(".husky");
    dir.is_dir().then_some(dir)
}

/// pushguard's line, naming `binary`. When pushguard created the file, the marker says so.
pub fn line(binary: &Path, created: bool) -> Vec<u8> {
    let mut l = b"pushguard_bin=".to_vec();
    l.extend_from_slice(&sh_quote(binary.as_os_str().as_bytes()));
    // Found on PATH when the path above is not this machine's (the file is committed and
    // shared); neither: say so and let the push go, as the managed hook does.
    l.extend_from_slice(
        b"; [ -x \"$pushguard_bin\" ] || pushguard_bin=$(command -v pushguard) || { \
echo \"pushguard: not installed on this machine: this push was NOT checked (see pushguard install)\" >&2; \
pushguard_bin=; }; \
[ -z \"$pushguard_bin\" ] || { pushguard_in=$(mktemp) && cat >\"$pushguard_in\" && \
exec 3<\"$pushguard_in\" <\"$pushguard_in\" && rm -f \"$pushguard_in\" && \
\"$pushguard_bin\" hook pre-push \"$@\" <&3 && exec 3<&- || exit $?; } ",
    );
    l.extend_from_slice(MARKER.as_bytes());
    if created {
        l.extend_from_slice(CREATED.as_bytes());
    }
    l
}

/// What pushguard writes when it creates the script for `version`: v5-8 scripts are run by
/// git directly, so they need husky's preamble; v9 runs them with `sh -e`.
fn skeleton(version: &Version) -> &'static [u8] {
    match version {
        Version::V9 => b"",
        Version::V5to8 => b"#!/usr/bin/env sh\n. \"$(dirname -- \"$0\")/_/husky.sh\"\n\n",
    }
}

fn is_our_line(line: &[u8]) -> bool {
    let marker = MARKER.as_bytes();
    line.windows(marker.len()).any(|w| w == marker)
}

/// The byte ranges of the lines of `text`, each with its `\n` when it has one.
fn line_spans(text: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let end = text[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |i| start + i + 1);
        spans.push((start, end));
        start = end;
    }
    spans
}

/// True if the user's script already holds pushguard's line.
pub fn has_line(script: &Path) -> bool {
    read_small(script).is_ok_and(|t| line_spans(&t).iter().any(|&(s, e)| is_our_line(&t[s..e])))
}

/// `text` without pushguard's lines; and whether one of them said pushguard created the
/// file.
fn without_line(text: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(text.len());
    let mut created = false;
    for (s, e) in line_spans(text) {
        let l = &text[s..e];
        if is_our_line(l) {
            created |= l.windows(CREATED.len()).any(|w| w == CREATED.as_bytes());
            if !l.ends_with(b"\n") && out.ends_with(b"\n") {
                // The line was added after a last line without a newline: take that back too.
                out.pop();
            }
            continue;
        }
        out.extend_from_slice(l);
    }
    (out, created)
}

/// `text` with `line` inserted where it runs first: after a `#!` line and husky's v5-8
/// preamble (`. …/_/husky.sh`, which re-runs the file), else at the top.
fn with_line(text: &[u8], line: &[u8]) -> Vec<u8> {
    let spans = line_spans(text);
    let mut at = 0;
    for (i, &(s, e)) in spans.iter().enumerate() {
        let l = &text[s..e];
        let sources_husky = l.windows(9).any(|w| w == b"husky.sh\"");
        if (i == 0 && l.starts_with(b"#!")) || sources_husky {
            at = e;
        }
    }
    let mut out = Vec::with_capacity(text.len() + line.len() + 2);
    out.extend_from_slice(&text[..at]);
    if at > 0 && !text[..at].ends_with(b"\n") {
        // Only a last line lacks a newline; `without_line` takes this one back.
        out.push(b'\n');
        out.extend_from_slice(line);
    } else {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out.extend_from_slice(&text[at..]);
    out
}

/// Adds pushguard's line, naming `binary`, to husky's pre-push script (creating the
/// script when there is none). Idempotent; an older line of ours is replaced in place.
pub fn install(repo: &Repo, husky: &Husky, binary: &Path) -> Result<Vec<String>, Error> {
    let _lock = Lock::acquire(repo.state_dir().join("install.lock"))?;
    let script = husky.script();
    let mut said = Vec::new();
    if exists(&script) && !script.is_file() {
        return Err(Error::new(format!(
            "{} is not a regular file, so pushguard cannot add its line to it. Replace it with \
             a script (or remove it) and run pushguard install again.",
            shown(&script)
        )));
    }
    let (text, mode) = if exists(&script) {
        let text = read_small(&script)
            .map_err(|e| Error::with_source(format!("could not read {}", shown(&script)), e))?;
        let mode = std::fs::metadata(&script).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        (Some(text), mode)
    } else {
        (None, 0o755)
    };
    let new = match &text {
        None => {
            let mut t = skeleton(&husky.version).to_vec();
            t.extend_from_slice(&line(binary, true));
            t.push(b'\n');
            t
        }
        Some(text) => {
            let (rest, created) = without_line(text);
            if rest.len() == text.len() {
                with_line(text, &line(binary, false))
            } else {
                // Already there (perhaps naming another binary): the same place, this binary.
                replace_line(text, &line(binary, created))
            }
        }
    };
    if text.as_deref() == Some(&new[..]) {
        said.push(format!(
            "pushguard's line is already in {} (unchanged)",
            shown(&script)
        ));
        return Ok(said);
    }
    write_atomic(&script, &new, mode)?;
    said.push(match text {
        None => format!(
            "created {} with a line that runs pushguard on every push (husky runs it)",
            shown(&script)
        ),
        Some(_) => format!(
            "added a line that runs pushguard to {} (husky runs it on every push)",
            shown(&script)
        ),
    });
    Ok(said)
}

/// `text` with its first line of ours replaced by `line` (and any further ones removed).
fn replace_line(text: &[u8], line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + line.len());
    let mut done = false;
    for (s, e) in line_spans(text) {
        let l = &text[s..e];
        if is_our_line(l) {
            if !done {
                out.extend_from_slice(line);
                if l.ends_with(b"\n") {
                    out.push(b'\n');
                }
                done = true;
            }
            continue;
        }
        out.extend_from_slice(l);
    }
    out
}

/// Removes pushguard's line from husky's pre-push script; removes the script when pushguard
/// created it and nothing else was added.
pub fn uninstall(repo: &Repo, husky: &Husky) -> Result<Vec<String>, Error> {
    let _lock = Lock::acquire(repo.state_dir().join("install.lock"))?;
    let script = husky.script();
    let Ok(text) = read_small(&script) else {
        return Ok(vec![format!(
            "pushguard's line is not in {} (there is no such file); nothing to do",
            shown(&script)
        )]);
    };
    let (rest, created) = without_line(&text);
    if rest.len() == text.len() {
        return Ok(vec![format!(
            "pushguard's line is not in {}; nothing to do",
            shown(&script)
        )]);
    }
    if created && (rest == skeleton(&husky.version) || rest.iter().all(u8::is_ascii_whitespace)) {
        std::fs::remove_file(&script)
            .map_err(|e| Error::with_source(format!("could not remove {}", shown(&script)), e))?;
        return Ok(vec![format!(
            "removed {}: pushguard created it and it held only pushguard's line",
            shown(&script)
        )]);
    }
    let mode = std::fs::metadata(&script).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    write_atomic(&script, &rest, mode)?;
    Ok(vec![format!(
        "removed pushguard's line from {}",
        shown(&script)
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(original: &[u8]) {
        let l = line(Path::new("/bin/pushguard"), false);
        let added = with_line(original, &l);
        assert_ne!(added, original);
        let (back, created) = without_line(&added);
        assert_eq!(back, original, "{}", String::from_utf8_lossy(&added));
        assert!(!created);
        // Idempotent: replacing the line changes nothing.
        assert_eq!(replace_line(&added, &l), added);
    }

    #[test]
    fn the_line_comes_out_byte_for_byte() {
        round_trip(b"npm test\n");
        round_trip(b"");
        round_trip(b"#!/bin/sh");
        round_trip(b"#!/bin/sh\r\necho caf\xc3\xa9 \xff\nexit 0");
        round_trip(b"#!/usr/bin/env sh\n. \"$(dirname -- \"$0\")/_/husky.sh\"\n\nnpm test\n");
    }

    #[test]
    fn the_line_runs_after_a_shebang_and_huskys_preamble() {
        let l = line(Path::new("/bin/pushguard"), false);
        let text = with_line(
            b"#!/usr/bin/env sh\n. \"$(dirname -- \"$0\")/_/husky.sh\"\nnpm test\n",
            &l,
        );
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        assert!(is_our_line(lines[2]));
        let text = with_line(b"npm test\n", &l);
        assert!(is_our_line(text.split(|&b| b == b'\n').next().unwrap()));
    }
}
