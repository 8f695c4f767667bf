//! The managed pre-push hook: `hooks/pre-push` rendered with the binary's absolute path,
//! installed into the directory git runs hooks from, chaining the hook that was there.
//!
//! Invariants:
//! - Our hook is recognised only by its marker line, so re-running is idempotent and a copy
//!   of our hook is never kept as "the user's hook".
//! - Somebody else's hook is never deleted or overwritten: it is moved aside to
//!   `pre-push.pushguard-chained` (which our hook runs first) and moved back on uninstall.
//! - A managed hook the user edited is moved to `pre-push.pushguard-edited` on uninstall,
//!   never deleted. Reinstalling overwrites it, as its header says.
//! - One installer at a time per hooks directory (a lock directory, the one install.sh took),
//!   so two concurrent installs cannot move each other's hook aside and lose the user's.

use std::path::{Path, PathBuf};

use super::{exists, read_small, sh_quote, sh_unquote, shown, write_atomic, Error, Lock};
use std::os::unix::ffi::OsStrExt;

/// The hook template, with one placeholder line for the binary.
pub const TEMPLATE: &str = include_str!("../../hooks/pre-push");
/// The line that makes a hook ours.
pub const MARKER: &str = "# pushguard-managed-hook";
/// Where a foreign hook is kept while ours is installed.
pub const CHAINED_NAME: &str = "pre-push.pushguard-chained";
/// Where uninstall keeps a managed hook the user edited.
pub const EDITED_NAME: &str = "pre-push.pushguard-edited";
/// The lock directory, in the hooks directory (the same name install.sh used).
pub const LOCK_NAME: &str = ".pushguard-install.lock";

const PLACEHOLDER_LINE: &[u8] = b"PUSHGUARD_BIN='@PUSHGUARD_BIN@'";
const BIN_PREFIX: &[u8] = b"PUSHGUARD_BIN=";

/// The template with its placeholder line naming `binary`.
pub fn render(binary: &Path) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(TEMPLATE.len() + 64);
    let mut replaced = 0;
    for line in TEMPLATE.as_bytes().split_inclusive(|&b| b == b'\n') {
        if line.strip_suffix(b"\n").unwrap_or(line) == PLACEHOLDER_LINE {
            out.extend_from_slice(BIN_PREFIX);
            out.extend_from_slice(&sh_quote(binary.as_os_str().as_bytes()));
            out.push(b'\n');
            replaced += 1;
        } else {
            out.extend_from_slice(line);
        }
    }
    // A template without the line would make a hook that ignores the binary installed.
    if replaced != 1 {
        return Err(Error::new(
            "this pushguard was built with a hook template that has no PUSHGUARD_BIN line; \
             rebuild it from a complete source checkout",
        ));
    }
    Ok(out)
}

/// True if `contents` is a hook pushguard wrote (it carries the marker line).
pub fn is_ours_text(contents: &[u8]) -> bool {
    lines(contents).any(|l| l == MARKER.as_bytes())
}

/// True if `path` is a regular file (links followed) carrying our marker line.
pub fn is_ours(path: &Path) -> bool {
    path.is_file() && read_small(path).is_ok_and(|c| is_ours_text(&c))
}

/// True if `contents` is the template rendered for some binary: a managed hook nobody
/// edited.
pub fn is_pristine(contents: &[u8]) -> bool {
    let ours = lines(contents).filter(|l| !is_bin_line(l));
    let template = lines(TEMPLATE.as_bytes()).filter(|&l| l != PLACEHOLDER_LINE);
    ours.eq(template)
}

/// The binary a managed hook names, when its `PUSHGUARD_BIN=` line is one quoted word.
pub fn binary_named(contents: &[u8]) -> Option<PathBuf> {
    let line = lines(contents).find(|l| is_bin_line(l))?;
    let word = sh_unquote(&line[BIN_PREFIX.len()..])?;
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(&word)))
}

fn is_bin_line(line: &[u8]) -> bool {
    line.starts_with(BIN_PREFIX) && line.len() > BIN_PREFIX.len() + 1 && line.ends_with(b"'")
}

/// The lines of `text` without their `\n` (a last line without one included).
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.strip_suffix(b"\n")
        .unwrap_or(text)
        .split(|&b| b == b'\n')
        .filter(move |_| !text.is_empty())
}

/// Installs our pre-push hook into `hooks_dir`, naming `binary`, and chains a foreign one.
/// Returns what was done, a line each, for the user.
pub fn install(hooks_dir: &Path, binary: &Path) -> Result<Vec<String>, Error> {
    let mut said = Vec::new();
    std::fs::create_dir_all(hooks_dir).map_err(|e| {
        Error::with_source(
            format!("could not create the hooks directory {}", shown(hooks_dir)),
            e,
        )
    })?;
    let _lock = Lock::acquire(hooks_dir.join(LOCK_NAME))?;
    let hook = hooks_dir.join("pre-push");
    let chained = hooks_dir.join(CHAINED_NAME);

    if hook.is_dir() && !hook.is_symlink() {
        return Err(Error::new(format!(
            "{} is a directory, not a hook. Move it out of the way and run pushguard install \
             again.",
            shown(&hook)
        )));
    }
    if exists(&chained) && is_ours(&chained) {
        remove(&chained)?;
        said.push(format!(
            "removed {}: it was a copy of pushguard's own hook",
            shown(&chained)
        ));
    }
    let foreign = exists(&hook) && !is_ours(&hook);
    if foreign && exists(&chained) {
        return Err(Error::new(format!(
            "{} is not pushguard's hook and {} already exists, so there is nowhere to keep the \
             existing hook without overwriting one of them. Merge or remove one of the two \
             files, then run pushguard install again.",
            shown(&hook),
            shown(&chained)
        )));
    }

    let rendered = render(binary)?;
    if !foreign && read_small(&hook).is_ok_and(|c| c == rendered) && super::is_executable(&hook) {
        said.push(format!(
            "pre-push hook already installed at {} (unchanged)",
            shown(&hook)
        ));
        return Ok(said);
    }
    if foreign {
        std::fs::rename(&hook, &chained).map_err(|e| {
            Error::with_source(
                format!(
                    "could not move the existing hook {} to {}",
                    shown(&hook),
                    shown(&chained)
                ),
                e,
            )
        })?;
        said.push(format!(
            "moved the existing pre-push hook to {}; it runs before pushguard, and the push \
             stops if it fails",
            shown(&chained)
        ));
    }
    write_atomic(&hook, &rendered, 0o755)?;
    said.push(format!("installed pre-push hook to {}", shown(&hook)));
    Ok(said)
}

/// Removes our hook from `hooks_dir` and moves the displaced one back. A managed hook the
/// user edited is moved aside, not deleted; a foreign hook is left alone.
pub fn uninstall(hooks_dir: &Path) -> Result<Vec<String>, Error> {
    let mut said = Vec::new();
    let hook = hooks_dir.join("pre-push");
    let chained = hooks_dir.join(CHAINED_NAME);
    if !hooks_dir.is_dir() {
        said.push(format!(
            "pushguard's hook is not installed in {}; nothing to do",
            shown(hooks_dir)
        ));
        return Ok(said);
    }
    let _lock = Lock::acquire(hooks_dir.join(LOCK_NAME))?;

    if exists(&hook) && !is_ours(&hook) {
        said.push(format!(
            "pushguard's hook is not installed: {} is not pushguard's, so it was left alone",
            shown(&hook)
        ));
        if exists(&chained) {
            said.push(format!(
                "note: {} was left in place too; it does not run unless you move it back to {} \
                 yourself",
                shown(&chained),
                shown(&hook)
            ));
        }
        return Ok(said);
    }
    if !exists(&hook) && !exists(&chained) {
        said.push(format!(
            "pushguard's hook is not installed in {}; nothing to do",
            shown(hooks_dir)
        ));
        return Ok(said);
    }
    if exists(&hook) {
        let contents = read_small(&hook).unwrap_or_default();
        if is_pristine(&contents) {
            remove(&hook)?;
            said.push(format!(
                "removed pushguard's pre-push hook from {}",
                shown(&hook)
            ));
        } else {
            let kept = free_name(hooks_dir, EDITED_NAME);
            std::fs::rename(&hook, &kept).map_err(|e| {
                Error::with_source(
                    format!("could not move {} to {}", shown(&hook), shown(&kept)),
                    e,
                )
            })?;
            said.push(format!(
                "pushguard's pre-push hook in {} was edited since it was installed: moved it \
                 to {} instead of deleting it",
                shown(&hook),
                shown(&kept)
            ));
        }
    }
    if exists(&chained) {
        if is_ours(&chained) {
            remove(&chained)?;
            said.push(format!(
                "removed {}: it was a copy of pushguard's own hook",
                shown(&chained)
            ));
        } else {
            std::fs::rename(&chained, &hook).map_err(|e| {
                Error::with_source(
                    format!(
                        "could not move {} back to {}; move it yourself",
                        shown(&chained),
                        shown(&hook)
                    ),
                    e,
                )
            })?;
            said.push(format!(
                "restored the original pre-push hook from {} to {}",
                shown(&chained),
                shown(&hook)
            ));
        }
    }
    Ok(said)
}

/// `dir/name`, or `dir/name.1`, `.2`, … : the first that does not exist, so an earlier
/// kept copy is not overwritten.
fn free_name(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !exists(&first) {
        return first;
    }
    (1..)
        .map(|n| dir.join(format!("{name}.{n}")))
        .find(|p| !exists(p))
        .unwrap_or(first)
}

fn remove(path: &Path) -> Result<(), Error> {
    std::fs::remove_file(path)
        .map_err(|e| Error::with_source(format!("could not remove {}", shown(path)), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendered_hook_is_ours_pristine_and_names_its_binary() {
        let bin = Path::new("/opt/it's here/pushguard");
        let hook = render(bin).unwrap();
        assert!(is_ours_text(&hook));
        assert!(is_pristine(&hook));
        assert_eq!(binary_named(&hook).as_deref(), Some(bin));
        assert!(!String::from_utf8_lossy(&hook).contains("@PUSHGUARD_BIN@"));
    }

    #[test]
    fn an_edit_makes_it_not_pristine() {
        let mut hook = render(Path::new("/bin/pushguard")).unwrap();
        hook.extend_from_slice(b"echo extra\n");
        assert!(is_ours_text(&hook));
        assert!(!is_pristine(&hook));
        assert!(!is_pristine(b"#!/bin/sh\nexit 0\n"));
        assert!(!is_ours_text(b"#!/bin/sh\n# pushguard-managed-hook-ish\n"));
    }
}
