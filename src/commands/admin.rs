//! `pushguard log`, `pushguard config` and `pushguard init`.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::{load_config, open_repository, Format, Outcome};
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
                println!("no overrides recorded ({} does not exist)", path.display());
            }
            return Ok(Outcome::Allow);
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    match format {
        // The lines as stored; escaped in case the file was edited by hand (pushguard's
        // own lines contain nothing to escape, so they come out byte for byte).
        Format::Json | Format::Sarif | Format::Github => {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                println!("{}", escape(line));
            }
        }
        Format::Text => print!("{}", crate::output::log::table(&audit::parse(&text))),
    }
    Ok(Outcome::Allow)
}

/// `pushguard config`: the effective configuration as TOML.
pub fn print_config(config: Option<&Path>) -> Result<Outcome> {
    let cfg = match open_repository() {
        Ok(repo) => load_config(&repo, config)?,
        Err(_) => Config::load(config, None)?,
    };
    print!("{}", cfg.to_toml());
    Ok(Outcome::Allow)
}

/// `pushguard init`: writes the starter pushguard.toml at the worktree root.
pub fn init(force: bool) -> Result<Outcome> {
    let repo = open_repository()?;
    let Some(root) = repo.workdir() else {
        bail!("this is a bare repository: there is no working tree to put pushguard.toml in");
    };
    let path = root.join("pushguard.toml");
    if path.exists() && !force {
        bail!(
            "{} already exists; edit it, or run `pushguard init --force` to overwrite it",
            path.display()
        );
    }
    std::fs::write(&path, crate::config::STARTER_TOML)
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(Outcome::Allow)
}
