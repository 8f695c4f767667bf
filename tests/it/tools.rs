//! Where the real hook managers are: `.ci/run` installs them (pre-commit from PyPI, husky and
//! lefthook from npm) and exports their locations; a test that needs one asks here and, when
//! it is not installed, prints why it is skipped and returns, so a machine without the tools
//! still runs the rest of the suite.
//!
//! ```ignore
//! let Some(lefthook) = tools::lefthook() else { return };
//! ```

use std::path::PathBuf;

/// The `pre-commit` executable (`PUSHGUARD_TEST_PRE_COMMIT`).
pub fn pre_commit() -> Option<PathBuf> {
    locate("PUSHGUARD_TEST_PRE_COMMIT", "pre-commit", |p| p.is_file())
}

/// husky's npm package directory, the one holding `bin.js` (`PUSHGUARD_TEST_HUSKY_DIR`);
/// run it with `node <dir>/bin.js` (`init`, or no argument as `npm install`'s `prepare`
/// does). Needs `node` on PATH too.
pub fn husky_dir() -> Option<PathBuf> {
    let dir = locate("PUSHGUARD_TEST_HUSKY_DIR", "husky", |p| {
        p.join("bin.js").is_file()
    })?;
    if which("node").is_none() {
        eprintln!("skipped: node is not on PATH, so husky cannot run (run .ci/run)");
        return None;
    }
    Some(dir)
}

/// The `lefthook` executable (`PUSHGUARD_TEST_LEFTHOOK`): the native binary the npm package
/// `lefthook` ships.
pub fn lefthook() -> Option<PathBuf> {
    locate("PUSHGUARD_TEST_LEFTHOOK", "lefthook", |p| p.is_file())
}

/// The path in `var` if `usable`; else a "skipped" line naming `tool`.
fn locate(var: &str, tool: &str, usable: impl Fn(&PathBuf) -> bool) -> Option<PathBuf> {
    match std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
    {
        Some(p) if usable(&p) => Some(p),
        Some(p) => {
            eprintln!(
                "skipped: {tool} not installed ({var}={} does not exist; run .ci/run)",
                p.display()
            );
            None
        }
        None => {
            eprintln!("skipped: {tool} not installed (run .ci/run, which sets {var})");
            None
        }
    }
}

/// The first `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|c| c.is_file())
}
