//! Repository-relative paths: `/`-separated, no leading `/`, the root spelt `""`.
//!
//! A leaf module: configuration (`[[app]] context`), app discovery (fly.toml's `[build]
//! dockerfile`) and the rules all clean and join paths the same way, so they agree on which
//! file a path names. Docker's own path semantics (Go's `path.Clean`, `filepath.Match`) live
//! in [`crate::docker::gopath`]; these are git's.

/// `path` relative to the repository root, cleaned: `.` and empty components dropped, `..`
/// resolved. `None` when it is absolute or climbs above the root.
///
/// The result never starts or ends with `/` and holds no `.`, `..` or empty component.
pub fn clean_repo_path(path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// `dir/name`, or `name` at the root (`dir` is `""`).
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned() {
        assert_eq!(clean_repo_path("./a//b/").as_deref(), Some("a/b"));
        assert_eq!(clean_repo_path(".").as_deref(), Some(""));
        assert_eq!(clean_repo_path("a/../b").as_deref(), Some("b"));
        assert_eq!(clean_repo_path("../x"), None);
        assert_eq!(clean_repo_path("/x"), None);
    }

    #[test]
    fn the_root_joins_to_the_bare_name() {
        assert_eq!(join("", "Dockerfile"), "Dockerfile");
        assert_eq!(join("a/b", "Dockerfile"), "a/b/Dockerfile");
    }
}
