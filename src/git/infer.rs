//! The ref lines git would have written, worked out when they never arrived.
//!
//! git writes a pre-push hook's ref lines to its stdin. Hook managers do not always pass
//! them on: lefthook runs a command with a pseudo-terminal as stdin unless `use_stdin: true`
//! is set, and with `interactive: true` it gives the command the terminal itself (so a
//! confirm prompt can be answered); a husky script that reads stdin first leaves nothing.
//! The hook still knows the remote (git's first argument) and can still find what `git
//! push` was asked to send:
//!
//! 1. the running `git push`'s own command line, read from the process tree (Linux
//!    `/proc`), gives the refspecs, as git parses them (git-push(1)): `src:dst`, `+src`,
//!    `HEAD`, `:dst` deletions, `--delete`;
//! 2. without refspecs, git pushes what `push.default` says for the current branch (the
//!    default `simple`: the current branch to the same name, when that is its upstream or
//!    the remote is not the upstream's remote; git-config(1), `push.default`);
//! 3. what the remote has is taken from the remote-tracking refs, that is as of the last
//!    fetch: older than what git would write, so a stale one only makes more commits count
//!    as pushed, never fewer.
//!
//! Invariant: the result is a list of [`RawUpdate`]s with the same meaning as parsed ref
//! lines, plus one sentence saying how they were found; anything this cannot work out as
//! git would (`--all`, `--mirror`, `--tags`, wildcard refspecs, configured push refspecs)
//! is an error saying so, never a guess.

use git2::{Oid, Repository};

use super::push::RawUpdate;
use crate::escape::escape;
use crate::git::{Error, Result};

/// Ref updates worked out without git's ref lines, and how.
#[derive(Debug)]
pub struct Inferred {
    pub updates: Vec<RawUpdate>,
    /// One clause for the user: what the updates were worked out from.
    pub basis: String,
}

/// What `git push <remote>` (`remote` as git passes it to the hook: a configured remote's
/// name or a URL) sends, from the running `git push`'s arguments when they can be read, else
/// from `push.default`. Updates the remote-tracking refs show as done already are dropped,
/// as git drops them.
pub fn infer(repo: &Repository, remote: &str) -> Result<Inferred> {
    let command = running_push_arguments();
    let args = match &command {
        Some(argv) => PushArgs::parse(argv)?,
        None => PushArgs::default(),
    };
    let shown = match &command {
        Some(argv) => format!("`git push{}`", display_args(argv)),
        None => format!(
            "`git push {}` (its arguments could not be read)",
            escape(remote)
        ),
    };
    let tracking = Tracking::new(repo, remote);
    let (specs, how) = if args.refspecs.is_empty() {
        default_specs(repo, remote, &tracking)?
    } else {
        let specs = args
            .refspecs
            .iter()
            .map(|s| explicit_spec(repo, s, args.delete, &tracking))
            .collect::<Result<Vec<_>>>()?;
        (specs, "its refspecs".to_owned())
    };
    let updates = specs
        .into_iter()
        .filter(|s| s.local_oid.is_none() || s.local_oid != tracking.oid(&s.remote_ref))
        .enumerate()
        .map(|(i, s)| RawUpdate {
            line: i + 1,
            remote_oid: tracking.oid(&s.remote_ref),
            local_ref: s.local_ref,
            local_oid: s.local_oid,
            remote_ref: s.remote_ref,
        })
        .collect();
    let basis = format!(
        "what {shown} sends, from {how}, against the remote as last fetched{}",
        if tracking.known {
            ""
        } else {
            " (nothing: it has no remote-tracking refs)"
        }
    );
    Ok(Inferred { updates, basis })
}

/// The branch a plain `git push` from the current branch updates, as git chooses the remote
/// (`branch.<name>.pushRemote`, `remote.pushDefault`, `branch.<name>.remote`, else
/// `origin`) and the remote ref (`push.default`): `Some(("origin", "main"))`. `None` when
/// git would push no branch, or several, or nothing can be worked out (a detached HEAD).
pub fn push_destination(repo: &Repository) -> Option<(String, String)> {
    let head = repo.head().ok()?;
    let branch = head.is_branch().then(|| head.shorthand().ok()).flatten()?;
    let config = repo.config().ok()?;
    let remote = [
        format!("branch.{branch}.pushRemote"),
        "remote.pushDefault".to_owned(),
        format!("branch.{branch}.remote"),
    ]
    .iter()
    .find_map(|key| config.get_string(key).ok())
    .unwrap_or_else(|| "origin".to_owned());
    let tracking = Tracking::new(repo, &remote);
    let (specs, _) = default_specs(repo, &remote, &tracking).ok()?;
    let [spec] = specs.as_slice() else {
        return None;
    };
    let name = std::str::from_utf8(&spec.remote_ref).ok()?;
    Some((remote.clone(), name.strip_prefix("refs/heads/")?.to_owned()))
}

/// The arguments of `git push` that decide which refs go out.
#[derive(Debug, Default, PartialEq, Eq)]
struct PushArgs {
    refspecs: Vec<String>,
    delete: bool,
}

impl PushArgs {
    /// `argv` is a git command line (`git [global options] push [options] [repo [refspec…]]`).
    fn parse(argv: &[String]) -> Result<PushArgs> {
        let mut rest = argv.iter().skip(1);
        // git's global options before the subcommand; those taking a separate value.
        for arg in rest.by_ref() {
            if arg == "push" {
                break;
            }
        }
        let mut args = PushArgs::default();
        let mut positional = Vec::new();
        let mut only_positional = false;
        let mut rest = rest.peekable();
        while let Some(arg) = rest.next() {
            if only_positional || !arg.starts_with('-') || arg == "-" {
                positional.push(arg.clone());
                continue;
            }
            match arg.as_str() {
                "--" => only_positional = true,
                "--all" | "--branches" | "--mirror" | "--tags" => {
                    return Err(Error::new(format!(
                        "`git push {arg}` pushes refs that only git's ref lines on the hook's \
                         stdin can name exactly, and they did not arrive"
                    )))
                }
                "--delete" => args.delete = true,
                "--repo" | "--push-option" | "--receive-pack" | "--exec" => {
                    rest.next();
                }
                long if long.starts_with("--") => {}
                // A cluster of short flags (`-fu`); `o` takes the next argument as its value
                // unless the value is attached.
                short => {
                    let flags = short.trim_start_matches('-');
                    if let Some(at) = flags.find('o') {
                        if at + 1 == flags.len() {
                            rest.next();
                        }
                    }
                    if flags.split('o').next().is_some_and(|f| f.contains('d')) {
                        args.delete = true;
                    }
                }
            }
        }
        args.refspecs = positional.into_iter().skip(1).collect();
        Ok(args)
    }
}

/// One update before the remote's side is filled in.
struct Spec {
    local_ref: Vec<u8>,
    local_oid: Option<Oid>,
    remote_ref: Vec<u8>,
}

/// The remote-tracking refs of the pushed-to remote: where it was at the last fetch.
struct Tracking<'r> {
    repo: &'r Repository,
    remote: Option<git2::Remote<'r>>,
    /// Whether the remote is a configured one, so its tracking refs mean anything.
    known: bool,
}

impl<'r> Tracking<'r> {
    fn new(repo: &'r Repository, remote: &str) -> Tracking<'r> {
        let remote = repo.find_remote(remote).ok();
        let known = remote.is_some();
        Tracking {
            repo,
            remote,
            known,
        }
    }

    /// The remote-tracking ref for the remote's `name` (`refs/remotes/origin/main` for
    /// `refs/heads/main`), by the remote's fetch refspecs.
    fn tracking_ref(&self, name: &[u8]) -> Option<String> {
        let name = std::str::from_utf8(name).ok()?;
        let remote = self.remote.as_ref()?;
        remote.refspecs().find_map(|spec| {
            let fetch = spec.direction() == git2::Direction::Fetch;
            (fetch && spec.src_matches(name))
                .then(|| spec.transform(name).ok())
                .flatten()
                .and_then(|b| b.as_str().ok().map(str::to_owned))
        })
    }

    /// The object the remote's `name` pointed at when last fetched.
    fn oid(&self, name: &[u8]) -> Option<Oid> {
        let tracking = self.tracking_ref(name)?;
        self.repo.refname_to_id(&tracking).ok()
    }

    fn has(&self, name: &str) -> bool {
        self.oid(name.as_bytes()).is_some()
    }
}

/// What `git push <remote>` with no refspec sends: `push.default` applied to the current
/// branch (git-config(1)). A `remote.<name>.push` setting is git's to apply.
fn default_specs(
    repo: &Repository,
    remote: &str,
    tracking: &Tracking,
) -> Result<(Vec<Spec>, String)> {
    let config = repo.config()?;
    if tracking
        .remote
        .as_ref()
        .is_some_and(|r| r.push_refspecs().is_ok_and(|s| !s.is_empty()))
    {
        return Err(Error::new(format!(
            "remote.{}.push is configured, and pushguard does not apply push refspecs itself",
            escape(remote)
        )));
    }
    let mode = config
        .get_string("push.default")
        .unwrap_or_else(|_| "simple".to_owned());
    let head = repo.head().ok();
    let branch = head
        .as_ref()
        .filter(|h| h.is_branch())
        .and_then(|h| h.shorthand().ok().map(str::to_owned));
    let current = |dst: String| -> Result<Vec<Spec>> {
        let (Some(head), Some(b)) = (&head, &branch) else {
            return Err(Error::new(
                "HEAD is detached, so `git push` with no refspec has no branch to push",
            ));
        };
        Ok(vec![Spec {
            local_ref: format!("refs/heads/{b}").into_bytes(),
            local_oid: head.target(),
            remote_ref: dst.into_bytes(),
        }])
    };
    let upstream = branch.as_ref().and_then(|b| {
        let remote_of = config.get_string(&format!("branch.{b}.remote")).ok()?;
        let merge = config.get_string(&format!("branch.{b}.merge")).ok()?;
        Some((remote_of, merge))
    });
    let b = branch.clone().unwrap_or_default();
    let how = format!("push.default = {}", escape(&mode));
    let specs = match mode.as_str() {
        "nothing" => Vec::new(),
        "current" => current(format!("refs/heads/{b}"))?,
        "upstream" | "tracking" => match upstream {
            Some((r, merge)) if r == remote => current(merge)?,
            _ => {
                return Err(Error::new(format!(
                    "push.default = {} pushes a branch to its upstream, and the current branch \
                     {} has none on {}",
                    escape(&mode),
                    escape(&b),
                    escape(remote)
                )))
            }
        },
        "matching" => matching(repo, tracking)?,
        // `simple`, git's default (and what git does with a value it does not know).
        _ => match upstream {
            Some((r, merge)) if r == remote && merge != format!("refs/heads/{b}") => {
                return Err(Error::new(format!(
                    "the current branch {} pushes to an upstream of another name ({}), which \
                     git refuses under push.default = simple",
                    escape(&b),
                    escape(&merge)
                )))
            }
            _ => current(format!("refs/heads/{b}"))?,
        },
    };
    Ok((specs, how))
}

/// `push.default = matching`: every local branch the remote has under the same name.
fn matching(repo: &Repository, tracking: &Tracking) -> Result<Vec<Spec>> {
    let mut specs = Vec::new();
    for branch in repo.branches(Some(git2::BranchType::Local))? {
        let (branch, _) = branch?;
        let reference = branch.get();
        let Ok(name) = reference.name() else {
            continue;
        };
        if tracking.has(name) {
            specs.push(Spec {
                local_ref: name.as_bytes().to_vec(),
                local_oid: reference.target(),
                remote_ref: name.as_bytes().to_vec(),
            });
        }
    }
    Ok(specs)
}

/// One refspec of the command line, resolved as git does for a push (git-push(1),
/// `<refspec>`): `[+]<src>[:<dst>]`, `:<dst>` deletes, `--delete` makes every refspec a
/// deletion, and a `<dst>` without `refs/` goes where `<src>` is (a branch to a branch, a tag
/// to a tag).
fn explicit_spec(repo: &Repository, spec: &str, delete: bool, tracking: &Tracking) -> Result<Spec> {
    let spec = spec.strip_prefix('+').unwrap_or(spec);
    if spec.contains('*') || spec.starts_with('^') {
        return Err(Error::new(format!(
            "the refspec `{}` (a pattern or negative refspec) names refs only git's ref lines \
             can list exactly",
            escape(spec)
        )));
    }
    let (src, dst) = match spec.split_once(':') {
        Some((s, d)) => (s, Some(d)),
        None => (spec, None),
    };
    if delete || src.is_empty() {
        let name = dst.unwrap_or(src);
        let remote_ref = qualify(name, None, tracking)?;
        return Ok(Spec {
            local_ref: b"(delete)".to_vec(),
            local_oid: None,
            remote_ref,
        });
    }
    let (local_ref, local_oid) = resolve_src(repo, src)?;
    let remote_ref = match dst {
        Some(d) if !d.is_empty() => qualify(d, local_ref.as_deref(), tracking)?,
        _ => match &local_ref {
            Some(full) => full.clone().into_bytes(),
            None => {
                return Err(Error::new(format!(
                    "the refspec `{}` pushes a commit, not a branch, without saying where to",
                    escape(spec)
                )))
            }
        },
    };
    Ok(Spec {
        local_ref: local_ref.unwrap_or_else(|| src.to_owned()).into_bytes(),
        local_oid: Some(local_oid),
        remote_ref,
    })
}

/// The local ref (when `src` names one; `HEAD` names the current branch) and its object.
fn resolve_src(repo: &Repository, src: &str) -> Result<(Option<String>, Oid)> {
    if src == "HEAD" || src == "@" {
        let head = repo.head()?;
        let oid = head
            .target()
            .ok_or_else(|| Error::new("HEAD does not point at a commit"))?;
        let name = head
            .is_branch()
            .then(|| head.name().ok().map(str::to_owned))
            .flatten();
        return Ok((name, oid));
    }
    if let Ok(reference) = repo.resolve_reference_from_short_name(src) {
        if let (Ok(name), Some(oid)) = (reference.name(), reference.target()) {
            return Ok((Some(name.to_owned()), oid));
        }
    }
    let object = repo.revparse_single(src).map_err(|_| {
        Error::new(format!(
            "`{}` is neither a ref nor a revision of this repository",
            escape(src)
        ))
    })?;
    Ok((None, object.id()))
}

/// A destination as a full ref name: a short name goes where the source lives, or where
/// the remote is known to have it.
fn qualify(dst: &str, src_ref: Option<&str>, tracking: &Tracking) -> Result<Vec<u8>> {
    if dst.starts_with("refs/") {
        return Ok(dst.as_bytes().to_vec());
    }
    let namespace = match src_ref {
        Some(s) if s.starts_with("refs/tags/") => "refs/tags/",
        Some(s) if s.starts_with("refs/heads/") => "refs/heads/",
        _ if tracking.has(&format!("refs/tags/{dst}")) => "refs/tags/",
        _ => "refs/heads/",
    };
    Ok(format!("{namespace}{dst}").into_bytes())
}

/// The command line shown back to the user, from `push` on, escaped.
fn display_args(argv: &[String]) -> String {
    let from = argv
        .iter()
        .position(|a| a == "push")
        .map_or(argv.len(), |i| i + 1);
    argv.get(from..)
        .unwrap_or_default()
        .iter()
        .map(|a| format!(" {}", escape(a)))
        .collect()
}

/// The command line of the `git push` this hook runs under: the nearest ancestor process
/// that is git with `push` as its subcommand. `None` where the process tree cannot be read
/// (not Linux, `/proc` hidden) or no such ancestor exists (an alias, a GUI's own transport).
fn running_push_arguments() -> Option<Vec<String>> {
    let mut pid = std::os::unix::process::parent_id();
    // A hook manager adds a few levels (git → hook script → manager → sh → pushguard).
    for _ in 0..12 {
        if pid <= 1 {
            return None;
        }
        let argv = read_cmdline(pid)?;
        if is_git_push(&argv) {
            return Some(argv);
        }
        pid = parent_of(pid)?;
    }
    None
}

/// `/proc/<pid>/<file>`, at most 1 MiB of it (a command line is bounded by the kernel's
/// argument limit; the cap keeps the read bounded whatever is mounted there).
fn read_proc(pid: u32, file: &str) -> std::io::Result<Vec<u8>> {
    crate::files::read_regular(
        std::path::Path::new(&format!("/proc/{pid}/{file}")),
        1 << 20,
    )
}

fn read_cmdline(pid: u32) -> Option<Vec<String>> {
    let bytes = read_proc(pid, "cmdline").ok()?;
    Some(
        bytes
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
    )
}

/// The parent pid from `/proc/<pid>/stat`: the field after the command name, which is in
/// parentheses and may itself contain spaces and parentheses.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = read_proc(pid, "stat").ok()?;
    let text = String::from_utf8_lossy(&stat);
    let after = text.get(text.rfind(')')? + 1..)?;
    after.split_whitespace().nth(1)?.parse().ok()
}

/// `git [global options] push …`: argv[0] is git, and the first argument that is not a
/// global option (or its value) is `push`.
fn is_git_push(argv: &[String]) -> bool {
    let Some(program) = argv.first() else {
        return false;
    };
    let name = program.rsplit('/').next().unwrap_or(program);
    if name != "git" {
        return false;
    }
    let mut rest = argv.iter().skip(1);
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--config-env"
            | "--exec-path" => {
                rest.next();
            }
            a if a.starts_with('-') => {}
            a => return a == "push",
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn push_arguments_skip_options_and_their_values() {
        let a = PushArgs::parse(&argv(
            "git -C dir push -o ci.skip -u --force origin main b:c",
        ))
        .expect("parses");
        assert_eq!(a.refspecs, vec!["main", "b:c"]);
        assert!(!a.delete);
        let a = PushArgs::parse(&argv("git push -fd origin old")).expect("parses");
        assert_eq!((a.refspecs, a.delete), (vec!["old".to_owned()], true));
        let a = PushArgs::parse(&argv("git push --repo=x -- origin -weird")).expect("parses");
        assert_eq!(a.refspecs, vec!["-weird"]);
        assert!(PushArgs::parse(&argv("git push --tags origin")).is_err());
        assert_eq!(
            PushArgs::parse(&argv("git push")).expect("parses"),
            PushArgs::default()
        );
    }

    #[test]
    fn git_push_is_recognised_behind_global_options_only() {
        assert!(is_git_push(&argv("/usr/bin/git -c a=b -C x push origin")));
        assert!(is_git_push(&argv("git push")));
        assert!(!is_git_push(&argv("git fetch push")));
        assert!(!is_git_push(&argv("lefthook run pre-push")));
        assert!(!is_git_push(&argv("gitk push")));
    }

    #[test]
    fn the_shown_command_starts_after_push() {
        assert_eq!(
            display_args(&argv("git -C d push origin main")),
            " origin main"
        );
    }
}
