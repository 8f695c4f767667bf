//! The environment variables that steer one push (`PUSHGUARD`, `PUSHGUARD_SKIP`, `CI`),
//! read once and parsed here, so every policy decision is a pure function of them.

use std::ffi::{OsStr, OsString};

use crate::escape::escape;
use crate::finding::{APP_BUILD, NOT_INSPECTED};

/// Rule ids that are not configurable rules but appear in reports, and so may be skipped or
/// accepted like rules.
pub(crate) const PSEUDO_RULES: &[&str] = &[NOT_INSPECTED, APP_BUILD];

/// The environment variables that steer a push, read once.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `PUSHGUARD`
    pub pushguard: Option<OsString>,
    /// `PUSHGUARD_SKIP`
    pub skip: Option<OsString>,
    /// `CI`
    pub ci: Option<OsString>,
}

impl Environment {
    pub fn from_process() -> Environment {
        Environment {
            pushguard: std::env::var_os("PUSHGUARD"),
            skip: std::env::var_os("PUSHGUARD_SKIP"),
            ci: std::env::var_os("CI"),
        }
    }

    /// What `PUSHGUARD` says.
    pub fn switch(&self) -> Switch {
        switch(self.pushguard.as_deref())
    }

    /// Whether `CI` says this is a CI job: set, non-empty, and not `false` or `0`.
    pub fn ci(&self) -> bool {
        self.ci.as_deref().is_some_and(|v| {
            let v = v.to_string_lossy();
            let v = v.trim();
            !v.is_empty() && !v.eq_ignore_ascii_case("false") && v != "0"
        })
    }
}

/// The marker of the coding assistant pushing, found as [`agent_marker`] finds it, unless
/// `[policy] agents = "ignore"` treats agents like any other pusher.
pub fn pushing_agent(policy: &crate::config::Policy) -> Option<String> {
    match policy.agents {
        crate::config::Agents::Ignore => None,
        crate::config::Agents::Instruct | crate::config::Agents::Block => {
            agent_marker(&policy.agent_env)
        }
    }
}

/// The first of `markers` (`[policy] agent_env`: names, or prefixes ending in `*`) that
/// names a variable of this process's environment, set and not empty: the mark of a coding
/// assistant's shell. Returned as the variable's name (escaped), never its value.
pub fn agent_marker(markers: &[String]) -> Option<String> {
    agent_marker_in(std::env::vars_os(), markers)
}

fn agent_marker_in(
    vars: impl Iterator<Item = (OsString, OsString)>,
    markers: &[String],
) -> Option<String> {
    let set: Vec<String> = vars
        .filter(|(_, v)| !v.is_empty())
        .filter_map(|(k, _)| k.into_string().ok())
        .collect();
    markers.iter().find_map(|marker| {
        set.iter()
            .find(|name| match marker.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => *name == marker,
            })
            .map(|name| escape(name).into_owned())
    })
}

/// The `PUSHGUARD` switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Switch {
    /// Unset, empty, `1`, `true`, `on`, `yes`.
    On,
    /// `0`, `false`, `off`, `no`: skip pushguard for this push.
    Off,
    /// Anything else: pushguard runs, and says the value was not understood (escaped).
    Unrecognised(String),
}

pub fn switch(value: Option<&OsStr>) -> Switch {
    let Some(value) = value else {
        return Switch::On;
    };
    let v = value.to_string_lossy();
    let v = v.trim().to_ascii_lowercase();
    match v.as_str() {
        "" | "1" | "true" | "on" | "yes" => Switch::On,
        "0" | "false" | "off" | "no" => Switch::Off,
        _ => Switch::Unrecognised(escape(&value.to_string_lossy()).into_owned()),
    }
}

/// `PUSHGUARD_SKIP`, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkipList {
    /// Known rule ids to skip, in the order given, without duplicates.
    pub rules: Vec<String>,
    /// Ids that name no rule (escaped); reported, never silently ignored.
    pub unknown: Vec<String>,
}

impl SkipList {
    /// Parses a comma- (or space-) separated list of rule ids.
    pub fn parse(value: &OsStr, known: &[&str]) -> SkipList {
        let text = value.to_string_lossy();
        let mut list = SkipList::default();
        for id in text.split([',', ' ', '\t']).filter(|s| !s.is_empty()) {
            let (bucket, id) = if is_known(id, known) {
                (&mut list.rules, id.to_owned())
            } else {
                (&mut list.unknown, escape(id).into_owned())
            };
            if !bucket.contains(&id) {
                bucket.push(id);
            }
        }
        list
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.unknown.is_empty()
    }
}

pub(crate) fn is_known(id: &str, known: &[&str]) -> bool {
    known.contains(&id) || PSEUDO_RULES.contains(&id)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn switch_values() {
        assert_eq!(switch(None), Switch::On);
        for on in ["", "1", "true", "ON", "yes"] {
            assert_eq!(switch(Some(OsStr::new(on))), Switch::On, "{on}");
        }
        for off in ["0", "false", "Off", "no", " 0 "] {
            assert_eq!(switch(Some(OsStr::new(off))), Switch::Off, "{off}");
        }
        assert_eq!(
            switch(Some(OsStr::new("skip\x1b"))),
            Switch::Unrecognised("skip\\e".into())
        );
    }

    #[test]
    fn ci_values() {
        let env = |v: Option<&str>| Environment {
            ci: v.map(OsString::from),
            ..Environment::default()
        };
        assert!(env(Some("true")).ci());
        assert!(env(Some("1")).ci());
        assert!(env(Some("woodpecker")).ci());
        assert!(!env(Some("")).ci());
        assert!(!env(Some("false")).ci());
        assert!(!env(Some("FALSE")).ci());
        assert!(!env(Some("0")).ci());
        assert!(!env(None).ci());
    }

    #[test]
    fn skip_list_separates_unknown_ids() {
        let known = ["empty-commit", "trigger-file"];
        let s = SkipList::parse(
            OsStr::new("empty-commit, nope,,empty-commit trigger-file"),
            &known,
        );
        assert_eq!(s.rules, vec!["empty-commit", "trigger-file"]);
        assert_eq!(s.unknown, vec!["nope"]);
        let s = SkipList::parse(OsStr::new("not-inspected"), &known);
        assert_eq!(s.rules, vec!["not-inspected"]);
        assert!(SkipList::parse(OsStr::new(" , "), &known).is_empty());
    }

    #[test]
    fn agents_are_found_by_name_or_prefix_set_and_not_empty() {
        let vars = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v)))
                .collect::<Vec<_>>()
                .into_iter()
        };
        let markers = vec!["CLAUDECODE".to_owned(), "AIDER_*".to_owned()];
        assert_eq!(
            agent_marker_in(vars(&[("PATH", "/bin"), ("CLAUDECODE", "1")]), &markers),
            Some("CLAUDECODE".to_owned())
        );
        assert_eq!(
            agent_marker_in(vars(&[("AIDER_MODEL", "x")]), &markers),
            Some("AIDER_MODEL".to_owned())
        );
        assert_eq!(agent_marker_in(vars(&[("CLAUDECODE", "")]), &markers), None);
        assert_eq!(
            agent_marker_in(vars(&[("CLAUDECODE_X", "1")]), &markers),
            None
        );
        assert_eq!(agent_marker_in(vars(&[("AIDER", "1")]), &markers), None);
    }
}
