//! SARIF 2.1.0 output (`--format sarif`), for code-scanning dashboards such as GitHub's.
//!
//! One log with one run. The run's `tool.driver.rules` lists every content rule of the
//! effective configuration (rules that are off included, marked `enabled: false`), plus
//! `not-inspected`, so that a dashboard can show a rule's fact and fix even for results it
//! has only seen in older runs. Each finding becomes one result.
//!
//! Invariants:
//! - the document validates against the official OASIS SARIF 2.1.0 schema (checked by
//!   tests/formats.rs against a vendored copy);
//! - every `artifactLocation.uri` is a relative URI reference: the finding's path with
//!   everything but unreserved characters and `/` percent-encoded, so a path holding `%`,
//!   `:` or `#` can never be read as a scheme, an escape or a fragment;
//! - findings without a path carry a logical location naming the ref and commit instead
//!   of a physical one (the schema allows both, or none).

use std::fmt::Write;

use serde_json::{json, Map, Value};

use super::View;
use crate::config::Config;
use crate::finding::{Finding, NOT_INSPECTED};
use crate::severity::Severity;

/// The `$schema` of the log: the OASIS errata01 schema of SARIF 2.1.0.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The SARIF version written.
pub const VERSION: &str = "2.1.0";

/// The key of pushguard's entry in `partialFingerprints`; the `/v1` is bumped if the
/// fingerprint's inputs ever change, as the SARIF spec asks.
const FINGERPRINT_KEY: &str = "pushguardFinding/v1";

/// The SARIF log of `analysis`, made under `config` (whose rules describe the results).
pub fn sarif(view: &View<'_>, config: &Config) -> Value {
    let findings: Vec<&Finding> = view.findings().collect();
    let rules = RuleTable::new(config, &findings);
    let results: Vec<Value> = findings
        .iter()
        .map(|f| result(f, rules.index_of(&f.rule)))
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": VERSION,
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pushguard",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules.descriptors,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// The SARIF `level` of a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Block => "error",
        Severity::Warn => "warning",
        Severity::Info => "note",
    }
}

/// The rule descriptors of the run, with the ids in the same order for `ruleIndex`.
struct RuleTable {
    ids: Vec<String>,
    descriptors: Vec<Value>,
}

impl RuleTable {
    /// Every configured rule, then `not-inspected`, then (defensively) any rule a finding
    /// names that the configuration does not know, described by that finding.
    fn new(config: &Config, findings: &[&Finding]) -> RuleTable {
        let mut table = RuleTable {
            ids: Vec::new(),
            descriptors: Vec::new(),
        };
        for r in config.rules() {
            table.push(&r.id, r.fact(), r.hint(), r.severity);
        }
        if !table.ids.iter().any(|id| id == NOT_INSPECTED) {
            // Described by the pipeline's own words when this run has such a finding.
            match findings.iter().find(|f| f.rule == NOT_INSPECTED) {
                Some(f) => table.push(NOT_INSPECTED, &f.fact, &f.hint, Some(Severity::Warn)),
                None => table.push(
                    NOT_INSPECTED,
                    "pushguard can only judge commits whose objects are in this repository",
                    "fetch the missing history (`git fetch --unshallow`, or `git fetch` in a \
                     partial clone) and push again",
                    Some(Severity::Warn),
                ),
            }
        }
        for f in findings {
            if !table.ids.contains(&f.rule) {
                table.push(&f.rule, &f.fact, &f.hint, Some(f.severity));
            }
        }
        table
    }

    fn push(&mut self, id: &str, fact: &str, hint: &str, severity: Option<Severity>) {
        let configuration = match severity {
            Some(s) => json!({ "enabled": true, "level": level(s) }),
            None => json!({ "enabled": false }),
        };
        let mut d = Map::new();
        d.insert("id".into(), json!(id));
        d.insert(
            "shortDescription".into(),
            json!({ "text": first_sentence(fact, id) }),
        );
        if !fact.is_empty() {
            d.insert("fullDescription".into(), json!({ "text": fact }));
        }
        if !hint.is_empty() {
            d.insert("help".into(), json!({ "text": hint }));
        }
        d.insert("defaultConfiguration".into(), configuration);
        self.ids.push(id.to_owned());
        self.descriptors.push(Value::Object(d));
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|i| i == id)
    }
}

/// The first sentence of a rule's fact, for `shortDescription` (which SARIF wants to be
/// one sentence); the rule id when the fact is empty.
fn first_sentence(fact: &str, id: &str) -> String {
    let fact = fact.trim();
    if fact.is_empty() {
        return id.to_owned();
    }
    match fact.split_once(". ") {
        Some((head, _)) => format!("{head}."),
        None => fact.to_owned(),
    }
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(f.rule));
    if let Some(i) = rule_index {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("level".into(), json!(level(f.severity)));
    r.insert("message".into(), json!({ "text": f.message }));
    r.insert("locations".into(), json!([location(f)]));
    r.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint(f) }),
    );
    let mut props = Map::new();
    props.insert("ref".into(), json!(f.ref_name));
    if let Some(c) = f.commit {
        props.insert("commit".into(), json!(c.to_string()));
    }
    props.insert("severity".into(), json!(f.severity.as_str()));
    r.insert("properties".into(), Value::Object(props));
    Value::Object(r)
}

/// A physical location for findings with a path, a logical one (the ref and commit) for
/// the others.
fn location(f: &Finding) -> Value {
    match &f.path {
        Some(path) => {
            let mut physical = Map::new();
            physical.insert(
                "artifactLocation".into(),
                json!({ "uri": uri_reference(path), "uriBaseId": "%SRCROOT%" }),
            );
            // SARIF lines are 1-based; 0 would be invalid (`minimum: 1`).
            if let Some(line) = f.line.filter(|&l| l >= 1) {
                physical.insert("region".into(), json!({ "startLine": line }));
            }
            json!({ "physicalLocation": physical })
        }
        None => {
            let (name, kind) = match f.commit {
                Some(c) => (c.to_string(), "commit"),
                None => (f.ref_name.clone(), "ref"),
            };
            let qualified = match (f.ref_name.is_empty(), f.commit) {
                (false, Some(c)) => format!("{}@{c}", f.ref_name),
                _ => name.clone(),
            };
            let mut logical = Map::new();
            if !name.is_empty() {
                logical.insert("name".into(), json!(name));
                logical.insert("fullyQualifiedName".into(), json!(qualified));
            }
            logical.insert("kind".into(), json!(kind));
            json!({ "logicalLocations": [logical] })
        }
    }
}

/// `path` as a relative URI reference: bytes other than RFC 3986 unreserved characters
/// and `/` are percent-encoded (UTF-8).
pub fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A stable identity of a finding across runs: FNV-1a over the rule, commit, path and
/// line. Not cryptographic; it only has to tell results apart.
fn fingerprint(f: &Finding) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let commit = f.commit.map(|c| c.to_string()).unwrap_or_default();
    let line = f.line.map(|l| l.to_string()).unwrap_or_default();
    let parts = [
        f.rule.as_str(),
        f.ref_name.as_str(),
        commit.as_str(),
        f.path.as_deref().unwrap_or(""),
        line.as_str(),
    ];
    let mut hash = OFFSET;
    for part in parts {
        // A separator that cannot occur in any part keeps ("ab","c") apart from ("a","bc").
        for &b in part.as_bytes().iter().chain(std::iter::once(&0xffu8)) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: Option<&str>, line: Option<u32>) -> Finding {
        Finding {
            rule: "empty-commit".into(),
            severity: Severity::Block,
            ref_name: "main".into(),
            commit: Some(git2::Oid::from_str("4f1c000000000000000000000000000000000000").unwrap()),
            path: path.map(Into::into),
            line,
            message: "m".into(),
            fact: "f".into(),
            hint: "h".into(),
        }
    }

    #[test]
    fn uris_encode_everything_that_could_be_read_as_syntax() {
        assert_eq!(uri_reference("src/app.py"), "src/app.py");
        assert_eq!(uri_reference("a b%c:d,e#f?g"), "a%20b%25c%3Ad%2Ce%23f%3Fg");
        assert_eq!(uri_reference("é"), "%C3%A9");
        assert_eq!(uri_reference("x\\x01"), "x%5Cx01");
    }

    #[test]
    fn levels_follow_severities() {
        assert_eq!(level(Severity::Block), "error");
        assert_eq!(level(Severity::Warn), "warning");
        assert_eq!(level(Severity::Info), "note");
    }

    #[test]
    fn findings_without_a_path_get_a_logical_location() {
        let v = location(&finding(None, None));
        assert_eq!(v["logicalLocations"][0]["kind"], "commit");
        assert_eq!(
            v["logicalLocations"][0]["fullyQualifiedName"],
            "main@4f1c000000000000000000000000000000000000"
        );
        let v = location(&finding(Some("Dockerfile"), Some(3)));
        assert_eq!(v["physicalLocation"]["region"]["startLine"], 3);
        let v = location(&finding(Some("Dockerfile"), Some(0)));
        assert!(v["physicalLocation"].get("region").is_none());
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let a = finding(Some("a"), Some(1));
        let b = finding(Some("a"), Some(2));
        assert_eq!(fingerprint(&a), fingerprint(&a.clone()));
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn every_configured_rule_and_not_inspected_is_described() {
        let config = Config::builtin();
        let table = RuleTable::new(&config, &[]);
        for r in config.rules() {
            assert!(table.index_of(&r.id).is_some(), "{}", r.id);
        }
        let i = table.index_of(NOT_INSPECTED).unwrap();
        assert_eq!(
            table.descriptors[i]["defaultConfiguration"]["level"],
            "warning"
        );
    }

    #[test]
    fn short_descriptions_are_one_sentence() {
        assert_eq!(first_sentence("One. Two.", "x"), "One.");
        assert_eq!(first_sentence("", "x"), "x");
        assert_eq!(first_sentence("No stop", "x"), "No stop");
    }
}
