//! Ignore commands (Vercel `ignoreCommand`, Netlify `ignore`): the `git diff --quiet A B --
//! dirs` idiom read as the directories whose changes build; any other command decides
//! what pushguard cannot, so the target counts as triggered.

use super::{note, resolve};
use crate::deploy::target::{Note, PathFilter};
use crate::severity::Severity;

/// What an ignore command (Vercel `ignoreCommand`, Netlify `ignore`) amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Diff {
    /// `git diff --quiet REV REV -- paths`: the build runs only when one of these
    /// repository paths changed.
    Under(Vec<String>),
    /// The idiom without paths: any change builds.
    Anything,
    /// The idiom without `--quiet` or `--exit-code`: `git diff` then exits 0 whatever
    /// changed, and exit 0 tells the platform to skip the build, every time.
    AlwaysSkips,
    /// The idiom with a path outside the repository.
    Escapes,
    /// Some other command.
    Other,
}

/// Reads `command` as the `git diff` idiom, run in the repository directory `cwd`, with
/// `is_rev` telling the revision words the platform provides.
///
/// Recognised: `git [-C DIR] diff [--quiet|--exit-code] REV [REV] [--quiet|--exit-code]
/// [--] PATH...`, words possibly quoted whole. Anything with shell syntax (`;`, `|`, `&&`,
/// `$(...)`, redirections), globs or pathspec magic is another command.
pub(crate) fn git_diff(command: &str, cwd: &str, is_rev: fn(&str) -> bool) -> Diff {
    const SHELL: &[char] = &[';', '|', '&', '<', '>', '`', '(', ')', '\\', '\n', '#'];
    if command.contains(SHELL) {
        return Diff::Other;
    }
    let mut words = Vec::new();
    for word in command.split_whitespace() {
        match unquote(word) {
            Some(w) => words.push(w),
            None => return Diff::Other,
        }
    }
    let mut words = words.into_iter().peekable();
    if words.next() != Some("git") {
        return Diff::Other;
    }
    let mut dir = cwd.to_owned();
    while words.peek() == Some(&"-C") {
        words.next();
        let Some(d) = words.next() else {
            return Diff::Other;
        };
        if d.starts_with('/') {
            return Diff::Other;
        }
        match resolve(&dir, d) {
            Some(d) => dir = d,
            None => return Diff::Escapes,
        }
    }
    if words.next() != Some("diff") {
        return Diff::Other;
    }
    let (mut quiet, mut revs, mut dashdash) = (false, 0, false);
    let mut paths = Vec::new();
    for word in words {
        if !dashdash && paths.is_empty() {
            match word {
                "--quiet" | "--exit-code" => {
                    quiet = true;
                    continue;
                }
                "--" => {
                    dashdash = true;
                    continue;
                }
                w if is_rev(w) && revs < 2 => {
                    revs += 1;
                    continue;
                }
                w if w.starts_with('-') => return Diff::Other,
                _ => {}
            }
        }
        let magic = word.starts_with(['/', ':', '-']) || word.contains(['*', '?', '[', '$', '{']);
        if magic {
            return Diff::Other;
        }
        match resolve(&dir, word) {
            Some(p) if !paths.contains(&p) => paths.push(p),
            Some(_) => {}
            None => return Diff::Escapes,
        }
    }
    if revs == 0 {
        return Diff::Other;
    }
    if !quiet {
        return Diff::AlwaysSkips;
    }
    if paths.is_empty() || paths.iter().any(String::is_empty) {
        return Diff::Anything;
    }
    Diff::Under(paths)
}

/// The path filter of an ignore command (`key` in `platform`'s file), with a Warn note in
/// `notes` when the command is the idiom gone wrong.
pub(crate) fn ignore_filter(
    ctx: (&str, Option<u32>, &str),
    command: &str,
    cwd: &str,
    is_rev: fn(&str) -> bool,
    notes: &mut Vec<Note>,
) -> PathFilter {
    let (path, line, key) = ctx;
    let command = command.trim();
    if command.is_empty() {
        return PathFilter::All;
    }
    let warn = |message: String| note(Severity::Warn, path, line, message);
    // The documented ways to always or never build (ignore-builds; Vercel's Ignored Build
    // Step): exit 0 skips, anything else builds.
    match command {
        "exit 0" | "true" | ":" => return PathFilter::Never(command.to_owned()),
        "exit 1" | "false" => return PathFilter::All,
        _ => {}
    }
    match git_diff(command, cwd, is_rev) {
        Diff::Under(dirs) => PathFilter::Under(dirs),
        Diff::Anything => PathFilter::All,
        Diff::AlwaysSkips => {
            notes.push(warn(format!(
                "`{key}` runs `git diff` without `--quiet`: it exits 0 whether or not the paths changed, and exit 0 cancels the build, so pushes never deploy; add `--quiet`"
            )));
            PathFilter::Never(command.to_owned())
        }
        Diff::Escapes => {
            notes.push(warn(format!(
                "`{key}` names a path outside the repository; git fails on it and the build always runs; give paths inside the repository"
            )));
            PathFilter::Command(command.to_owned())
        }
        Diff::Other => PathFilter::Command(command.to_owned()),
    }
}

/// A shell word without its enclosing quotes; `None` for a quote anywhere else.
fn unquote(word: &str) -> Option<&str> {
    for q in ['\'', '"'] {
        if let Some(inner) = word.strip_prefix(q).and_then(|w| w.strip_suffix(q)) {
            return (!inner.contains(['\'', '"'])).then_some(inner);
        }
    }
    (!word.contains(['\'', '"'])).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(w: &str) -> bool {
        matches!(w, "HEAD^" | "HEAD")
    }

    #[test]
    fn the_git_diff_idiom() {
        let under = |v: &[&str]| Diff::Under(v.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            git_diff("git diff --quiet HEAD^ HEAD -- . ../lib", "apps/web", rev),
            under(&["apps/web", "apps/lib"])
        );
        assert_eq!(
            git_diff("git diff HEAD^ HEAD --quiet -- ./src", "", rev),
            under(&["src"])
        );
        assert_eq!(
            git_diff("git -C .. diff --exit-code 'HEAD^' HEAD docs", "site", rev),
            under(&["docs"])
        );
        assert_eq!(
            git_diff("git diff --quiet HEAD^ HEAD", "", rev),
            Diff::Anything
        );
        assert_eq!(
            git_diff("git diff HEAD^ HEAD -- src", "", rev),
            Diff::AlwaysSkips
        );
        assert_eq!(
            git_diff("git diff --quiet HEAD^ HEAD -- ../..", "a", rev),
            Diff::Escapes
        );
        assert_eq!(
            git_diff("git diff --quiet HEAD^ HEAD -- '*.md'", "", rev),
            Diff::Other
        );
        assert_eq!(
            git_diff("git diff --quiet HEAD^ HEAD -- src || exit 1", "", rev),
            Diff::Other
        );
        assert_eq!(
            git_diff("git diff --quiet main -- src", "", rev),
            Diff::Other
        );
        assert_eq!(git_diff("npx turbo-ignore", "", rev), Diff::Other);
        assert_eq!(git_diff("git diff --stat HEAD^ HEAD", "", rev), Diff::Other);
    }
}
