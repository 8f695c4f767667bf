//! `pushguard log`, `pushguard config` and `pushguard init`.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::{load_config, open_repository, write_stdout, Format, Outcome};
use crate::config::Config;
use crate::decide::audit;
use crate::escape::escape;

/// `pushguard log`: the overrides recorded in this clone.
pub fn log(format: Format) -> Result<Outcome> {
    let repo = open_repository()?;
    let path = audit::log_path(&repo);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if format == Format::Text {
                write_stdout(&format!(
                    "no overrides recorded ({} does not exist)\n",
                    escape(&path.to_string_lossy())
                ))?;
            }
            return Ok(Outcome::Allow);
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let out = match format {
        // The lines as stored; escaped in case the file was edited by hand (pushguard's
        // own lines contain nothing to escape, so they come out byte for byte).
        Format::Json | Format::Sarif | Format::Github => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| format!("{}\n", escape(l)))
            .collect(),
        Format::Text => crate::output::log::table(&audit::parse(&text)),
    };
    write_stdout(&out)?;
    Ok(Outcome::Allow)
}

/// `pushguard config`: the effective configuration as TOML.
pub fn print_config(config: Option<&Path>) -> Result<Outcome> {
    let cfg = match open_repository() {
        Ok(repo) => load_config(&repo, config)?,
        Err(_) => Config::load(config, None)?,
    };
    write_stdout(&cfg.to_toml())?;
    Ok(Outcome::Allow)
}

/// `pushguard init`: writes the starter pushguard.toml at the worktree root.
/// Writes the starter configuration to `config` when given (`--config FILE`, else
/// `PUSHGUARD_CONFIG`, relative to the current directory, as every command reads it), else
/// to pushguard.toml at the root of the repository's working tree.
pub fn init(config: Option<&Path>, force: bool) -> Result<Outcome> {
    let from_env = std::env::var_os(crate::config::CONFIG_ENV).filter(|v| !v.is_empty());
    let path = match config.map(Path::to_path_buf).or(from_env.map(Into::into)) {
        Some(file) => file,
        None => {
            let repo = open_repository()?;
            let Some(root) = repo.workdir() else {
                bail!(
                    "this is a bare repository: there is no working tree to put pushguard.toml \
                     in; give a file with `pushguard --config FILE init`"
                );
            };
            root.join("pushguard.toml")
        }
    };
    let shown = escape(&path.to_string_lossy()).into_owned();
    // `symlink_metadata`, not `exists`: a link (even a dangling one) is something there,
    // and is never written through.
    if let Ok(meta) = std::fs::symlink_metadata(&path) {
        if !force {
            bail!(
                "{shown} already exists; edit it, or run `pushguard init --force` to overwrite it"
            );
        }
        if !meta.file_type().is_file() {
            bail!(
                "{shown} is not a regular file (a symbolic link or a directory); remove it \
                 first if it should be replaced"
            );
        }
        std::fs::remove_file(&path).with_context(|| format!("cannot replace {shown}"))?;
    }
    // `create_new` fails rather than follow a link made in the meantime.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| {
            use std::io::Write;
            f.write_all(crate::config::STARTER_TOML.as_bytes())
        })
        .with_context(|| format!("cannot write {shown}"))?;
    write_stdout(&format!("wrote {shown}\n"))?;
    Ok(Outcome::Allow)
}
