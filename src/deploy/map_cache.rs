//! Deploy maps kept across pushes, in `<git dir>/pushguard/deploy-maps.json`.
//!
//! Reading a map parses every workflow, platform file and fly config of the tree: on a
//! repository with five workflows and four platforms, a twentieth of a last-50-commit
//! push. Those files rarely change between two pushes, and a map depends on its tree only
//! through the configuration files the search found and the paths the reading looked at
//! ([`super::source`]). So each map is kept with that record, and a later tree with the
//! same configuration files and the same entries at every recorded path gets the kept map.
//!
//! Invariants: a kept map is used only by the binary that wrote it (a new pushguard may
//! read files differently) and only for the same configuration files; the file is
//! advisory (unreadable, foreign or malformed means "nothing kept"; a failed write is
//! ignored), read as a regular file with a size cap, and replaced whole.

use git2::{Repository, Tree};
use serde::{Deserialize, Serialize};

use super::locate::Located;
use super::map::DeployMap;
use super::source::{unchanged_in, Looked};

/// The state file (`<git dir>/pushguard/`).
const CACHE_FILE: &str = "deploy-maps.json";

/// How many maps are kept: the trees of the last few pushes (a push reads the remote's
/// tree and the pushed one; `check` over a range more).
const KEEP_MAPS: usize = 6;

/// A larger file is not read (it was not written by pushguard).
const MAX_CACHE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct CacheFile {
    /// The binary that wrote it ([`binary_id`]).
    binary: String,
    maps: Vec<Kept>,
}

#[derive(Serialize, Deserialize)]
struct Kept {
    /// The configuration files the search found, and whether it ran out of budget.
    configs: Vec<String>,
    truncated: bool,
    /// Every path the reading looked at, with what was there.
    looked: Vec<Looked>,
    map: DeployMap,
}

/// The kept maps, read once per map made: [`KeptMaps::find`] looks in them, and on a miss
/// [`KeptMaps::keep`] adds the new map to them and writes them back.
pub(super) struct KeptMaps {
    /// This binary ([`binary_id`]); `None` when it cannot be told, and then nothing is
    /// used or kept.
    binary: Option<String>,
    maps: Vec<Kept>,
}

impl KeptMaps {
    /// The maps this binary kept in `repo` (none when the file is missing, foreign,
    /// damaged or another binary's).
    pub(super) fn load(repo: &Repository) -> KeptMaps {
        let binary = binary_id();
        let path = crate::state::state_dir(repo).join(CACHE_FILE);
        let maps = crate::files::read_regular(&path, MAX_CACHE_BYTES)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .filter(|file| Some(&file.binary) == binary.as_ref())
            .map(|file| file.maps)
            .unwrap_or_default();
        KeptMaps { binary, maps }
    }

    /// The kept map for `tree`, whose configuration files are `located`: one whose
    /// recorded paths all hold in `tree` what they held when it was read.
    pub(super) fn find(&self, tree: &Tree<'_>, located: &Located) -> Option<DeployMap> {
        self.maps
            .iter()
            .find(|k| {
                k.configs == located.paths
                    && k.truncated == located.truncated
                    && unchanged_in(tree, &k.looked)
            })
            .map(|k| k.map.clone())
    }

    /// Keeps `map`, read from a tree whose configuration files are `located` by looking
    /// at `looked`, as the newest entry, and writes the file.
    pub(super) fn keep(
        self,
        repo: &Repository,
        located: &Located,
        looked: Vec<Looked>,
        map: &DeployMap,
    ) {
        let Some(binary) = self.binary else {
            return;
        };
        let mut maps = self.maps;
        maps.retain(|k| !(k.configs == located.paths && k.looked == looked));
        maps.insert(
            0,
            Kept {
                configs: located.paths.clone(),
                truncated: located.truncated,
                looked,
                map: map.clone(),
            },
        );
        maps.truncate(KEEP_MAPS);
        let Ok(text) = serde_json::to_vec(&CacheFile { binary, maps }) else {
            return;
        };
        let dir = crate::state::state_dir(repo);
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = crate::files::replace(&dir.join(CACHE_FILE), &[&text], None);
        }
    }
}

/// This binary: its version, and the size and modification time of its file, so that a
/// rebuilt or reinstalled pushguard does not use maps an older one read. `None` when the
/// file cannot be told (then nothing is kept).
fn binary_id() -> Option<String> {
    let meta = std::env::current_exe().and_then(std::fs::metadata).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some(format!(
        "{} {} {modified}",
        env!("CARGO_PKG_VERSION"),
        meta.len()
    ))
}
