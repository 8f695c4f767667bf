//! Recognising a commit made to force a build or deploy: the words people use for it (in a
//! message, a file name or a marker line), the stamps they write (dates in any locale,
//! epochs, version strings), and the lines that only carry such a marker.
//!
//! These are general shapes, not lists of known files: a forcing word is a verb of forcing
//! (`force`, `trigger`, `bump`, `bust`, ...) next to a build or deploy word (`deploy`,
//! `rebuild`, `restart`, `cache`, ...), in any case, with any words (a platform's name)
//! between them. A stamp is any date, time or epoch, whatever the language of its month and
//! day names or its time zone. A marker line is a comment, a log or print statement, or a
//! `version`/`timestamp`-like setting with a literal value.
//!
//! Invariant: every function here is pure and cheap on a line or a message; none reads the
//! repository.

/// Verbs of forcing, as the first five letters of the lower-case word (so `force`,
/// `forced`, `forcing`, `trigger`, `triggered`, `retrigger`... all match).
const FORCE_STEMS: &[&str] = &[
    "force", "forci", "trigg", "retri", "kick", "kicks", "bump", "bumpe", "bust", "busti", "buste",
    "inval", "poke", "nudge", "rerun", "kill",
];

/// What is forced: a deploy, a build, a restart, a cache.
const TARGET_STEMS: &[&str] = &[
    "deplo", "redep", "rebui", "build", "built", "resta", "cache", "ci", "pipel", "relea", "space",
    "pages",
];

/// Words that, after a target word, name a marker (`deploy timestamp`, `build marker`).
const MARKER_WORDS: &[&str] = &[
    "timestamp",
    "stamp",
    "marker",
    "trigger",
    "time",
    "date",
    "id",
    "version",
    "nonce",
    "bust",
    "buster",
];

/// How many words may stand between a forcing verb and its target ("force Railway full
/// rebuild", "trigger HuggingFace Spaces rebuild").
const WINDOW: usize = 4;

/// The lower-case words of `text`: runs of letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn stem_in(word: &str, stems: &[&str]) -> bool {
    stems.iter().any(|s| {
        if s.len() <= 2 {
            word == *s
        } else {
            word.starts_with(s)
        }
    })
}

/// Whether `text` (a commit message, a comment) says it exists to force a build or deploy:
/// a forcing verb within a few words of a build/deploy word (either order: "force
/// redeploy", "deploy trigger", "cache bust"), a word that means it alone (`redeploy`,
/// `retrigger`, `cachebust`), or a build/deploy word followed by a marker word ("deploy
/// timestamp").
pub fn says_forcing(text: &str) -> bool {
    let words = words(text);
    for (i, w) in words.iter().enumerate() {
        if w.starts_with("redeploy") || w.starts_with("retrigger") || w.starts_with("cachebust") {
            return true;
        }
        let near = |pred: &dyn Fn(&str) -> bool| {
            let lo = i.saturating_sub(WINDOW);
            let hi = (i + WINDOW + 1).min(words.len());
            words[lo..hi]
                .iter()
                .enumerate()
                .any(|(j, v)| lo + j != i && pred(v))
        };
        if stem_in(w, FORCE_STEMS) && near(&|v| stem_in(v, TARGET_STEMS)) {
            return true;
        }
        let target = stem_in(w, TARGET_STEMS) && !stem_in(w, &["ci", "space", "pages", "relea"]);
        if target {
            if let Some(next) = words.get(i + 1) {
                if MARKER_WORDS.contains(&next.as_str()) {
                    return true;
                }
            }
        }
    }
    false
}

/// A cheap test before [`says_forcing`] is asked of every line of a text: whether the text
/// holds, in any case, one of the words a forcing marker line is written with.
pub fn may_say_forcing(text: &str) -> bool {
    const WORDS: &[&[u8]] = &[b"deploy", b"trigger", b"bust", b"rebuild", b"force"];
    WORDS
        .iter()
        .any(|w| crate::ascii::contains_ignore_case(text.as_bytes(), w))
}

/// Whether a file name says the file is a trigger: a word of forcing or redeploying in
/// its name (`.railway-trigger`, `FORCE_REDEPLOY.txt`, `restart.txt`, `.rebuild`), and an
/// extension that is not code or configuration (a `restart.sh` or `rebuild.py` is a real
/// program). Words are split at punctuation and at camel case (`ForceDeploy`).
pub fn trigger_name(file_name: &str) -> bool {
    if !inert_name(file_name) {
        return false;
    }
    let stem = match file_name.rsplit_once('.') {
        Some((s, _)) if !s.is_empty() => s,
        _ => file_name,
    };
    let spaced = split_camel(stem);
    let words = words(&spaced);
    // A name that describes a document (`RAILWAY_MANUAL_REDEPLOY_SUMMARY.md`) is one.
    if words.iter().any(|w| DOCUMENT_WORDS.contains(&w.as_str())) {
        return false;
    }
    words.iter().any(|w| {
        matches!(
            w.as_str(),
            "trigger"
                | "triggers"
                | "retrigger"
                | "redeploy"
                | "rebuild"
                | "restart"
                | "force"
                | "forced"
                | "cachebust"
                | "bust"
        ) || w.starts_with("redeploy")
    })
}

/// Words that name a document rather than a trigger.
const DOCUMENT_WORDS: &[&str] = &[
    "summary",
    "guide",
    "docs",
    "doc",
    "documentation",
    "notes",
    "instructions",
    "howto",
    "readme",
    "report",
    "checklist",
    "troubleshooting",
    "manual",
    "plan",
    "analysis",
    "status",
    "solution",
    "setup",
    "explained",
    "overview",
    "changelog",
];

/// Whether no build step runs or parses a file of this name: no extension (`VERSION`,
/// `.railway-trigger`, whose leading dot starts no extension), or a text one.
pub fn inert_name(file_name: &str) -> bool {
    match file_name.rsplit_once('.') {
        None | Some(("", _)) => true,
        Some((_, ext)) => INERT_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()),
    }
}

/// Extensions a trigger file may have: text that no build step runs or parses.
const INERT_EXTENSIONS: &[&str] = &[
    "txt", "md", "log", "stamp", "trigger", "flag", "marker", "tmp", "rst",
];

/// `ForceDeploy` -> `Force Deploy`.
fn split_camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.push(c);
    }
    out
}

/// Whether `word` is a date, a time, an epoch or a date part: `2025-11-17`, `17/11/2025`,
/// `03:43:27`, `20250803_103014`, `1763452808` (seconds since 1970 between 2001 and 2033,
/// or the same in milliseconds), `2024-07-16T15:30:00Z`.
pub fn is_stamp_token(word: &str) -> bool {
    let w = word.trim_matches(|c: char| matches!(c, '(' | ')' | '[' | ']' | ',' | '"' | '\''));
    if w.is_empty() {
        return false;
    }
    let digits = w.chars().filter(char::is_ascii_digit).count();
    if digits == w.len() {
        return is_epoch(w);
    }
    // Dates and times: digits with `-`, `/`, `.`, `:`, `_`, `T`, `Z`, a zone offset.
    let shape_ok = w
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.' | ':' | '_' | 'T' | 'Z' | '+'));
    if !shape_ok || digits < 4 {
        return false;
    }
    let separators = w
        .chars()
        .filter(|c| matches!(c, '-' | '/' | ':' | 'T'))
        .count();
    separators >= 2 || (w.contains('_') && digits >= 12)
}

fn is_epoch(w: &str) -> bool {
    match w.len() {
        // 2001-09-09 .. 2033-05-18 in seconds; the same in milliseconds.
        10 => w.starts_with('1'),
        13 => w.starts_with('1'),
        // 20250803 or 202508031030: a compact date (a year 19xx/20xx, a month 01-12).
        8 | 12 | 14 => {
            let year_ok = w.starts_with("19") || w.starts_with("20");
            let month: u32 = w.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(0);
            year_ok && (1..=12).contains(&month)
        }
        _ => false,
    }
}

/// Whether `word` is a time zone abbreviation (`UTC`, `IST`, `WITA`, `-03`, `+0530`): two
/// to five capital letters, or a sign and two or four digits.
fn is_zone(word: &str) -> bool {
    let upper = (2..=5).contains(&word.len()) && word.chars().all(|c| c.is_ascii_uppercase());
    let offset = matches!(word.len(), 3 | 5)
        && word.starts_with(['+', '-'])
        && word.chars().skip(1).all(|c| c.is_ascii_digit());
    upper || offset
}

/// Whether `text` is a marker: a few short lines holding at least one stamp (or only a
/// version or build number), and otherwise only date words in any language, time zones,
/// forcing words and at most a few other words (a platform's name, "deployment").
///
/// `date` output in any locale passes: its day and month names are short words next to
/// numbers, and they are counted as free words only when longer than a date part.
pub fn is_marker_text(text: &str) -> bool {
    let text = text.trim();
    if text.is_empty() || text.len() > 1024 || text.lines().count() > 12 {
        return false;
    }
    let mut stamps = 0;
    let mut numbers = 0;
    let mut free = 0;
    for raw in text.split_whitespace() {
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric());
        if word.is_empty() {
            continue;
        }
        if is_stamp_token(raw) || is_stamp_token(word) {
            stamps += 1;
        } else if word.chars().all(|c| c.is_ascii_digit() || c == '.') || is_version(word) {
            numbers += 1;
        } else if is_zone(word) || is_zone(raw) {
        } else if word.chars().count() <= 4 || says_forcing(word) || is_forcing_word(word) {
            // Day and month names (`seg`, `ott`, `Mon`, `Sept`), `at`, `on`, `UTC`.
        } else {
            free += 1;
        }
    }
    (stamps > 0 || numbers > 0) && free <= 4
}

/// A single word of the forcing vocabulary (`deployment`, `trigger`, `rebuild`).
fn is_forcing_word(word: &str) -> bool {
    let w = word.to_lowercase();
    stem_in(&w, FORCE_STEMS) || stem_in(&w, TARGET_STEMS) || MARKER_WORDS.contains(&w.as_str())
}

/// `v2.0.4`, `2.0.4-fixed`, `1.2.3`: a version number.
pub fn is_version(word: &str) -> bool {
    let w = word.strip_prefix(['v', 'V']).unwrap_or(word);
    let core = w.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Whether a line only carries a marker: a comment (in any common syntax), a print or log
/// statement, or a setting whose name speaks of a version, a build, a deploy or a time and
/// whose value is a literal. Blank and bracket-only lines are markers too: they only
/// re-shape what is around them.
pub fn is_marker_line(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() || t.chars().all(|c| "{}[](),;".contains(c)) {
        return true;
    }
    let comment = [
        "#", "//", "/*", "*", "<!--", "-->", "--", ";", "%", "'", "rem ",
    ]
    .iter()
    .any(|p| t.starts_with(p));
    if comment {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    let call = [
        "print(",
        "print ",
        "console.",
        "logger.",
        "logging.",
        "log.",
        "puts ",
        "echo ",
        "fmt.print",
        "system.out.print",
        "println!(",
        "eprintln!(",
        "console::",
    ]
    .iter()
    .any(|p| lower.starts_with(p));
    if call {
        return true;
    }
    setting_with_literal(t)
}

/// `version: '2.0.4',`, `"deployment_time": "2024-07-16T15:30:00Z",`, `BUILD_TS = 17634`,
/// `"force_redeploy": True`.
fn setting_with_literal(line: &str) -> bool {
    let Some((key, value)) = line.split_once([':', '=']) else {
        return false;
    };
    let key = key
        .trim()
        .trim_matches(|c: char| c == '"' || c == '\'')
        .trim_start_matches("const ")
        .trim_start_matches("let ")
        .trim_start_matches("var ")
        .trim_start_matches("export ");
    if key.is_empty() || key.contains(char::is_whitespace) && key.split_whitespace().count() > 2 {
        return false;
    }
    let key_lower = split_camel(key).to_lowercase();
    // A key that names a version, a time or a build's identity (`buildDate`,
    // `DEPLOYMENT_TIMESTAMP`, `force_redeploy`, `commitCount`); a key merely named `build`
    // or `deploy` is a command (`"build": "vite build"`), not a marker.
    let named = words(&key_lower).iter().any(|w| {
        stem_in(w, FORCE_STEMS)
            || w.starts_with("redeploy")
            || matches!(
                w.as_str(),
                "version"
                    | "ver"
                    | "timestamp"
                    | "ts"
                    | "time"
                    | "date"
                    | "stamp"
                    | "marker"
                    | "nonce"
                    | "commit"
                    | "sha"
                    | "hash"
                    | "revision"
                    | "branch"
                    | "count"
            )
    });
    if !named {
        return false;
    }
    // A trailing comment (`version = "1.2.4"  # trigger Railway`) is a marker too.
    let value = strip_trailing_comment(value);
    let v = value.trim().trim_end_matches([',', ';']).trim();
    let quoted = (v.starts_with('"') && v.ends_with('"') && v.len() >= 2)
        || (v.starts_with('\'') && v.ends_with('\'') && v.len() >= 2);
    // `Version: 2025-11-17` in a docstring: a bare stamp or version is a literal too.
    let literal = quoted
        || v.chars().all(|c| c.is_ascii_digit() || c == '.')
        || matches!(v.to_ascii_lowercase().as_str(), "true" | "false")
        || is_stamp_token(v)
        || is_version(v);
    literal && !v.is_empty()
}

/// `"1.2.4"  # note` -> `"1.2.4"`: a `#` or `//` comment after a value, outside quotes.
fn strip_trailing_comment(value: &str) -> &str {
    let mut quote: Option<char> = None;
    let bytes = value.as_bytes();
    for (i, c) in value.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => return value.get(..i).unwrap_or(value),
            (None, '/') if bytes.get(i + 1) == Some(&b'/') => {
                return value.get(..i).unwrap_or(value)
            }
            _ => {}
        }
    }
    value
}

/// Decodes a small text file as people write it: UTF-8, or UTF-16 with a byte-order mark
/// (PowerShell's `Out-File` and `>` write UTF-16LE).
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    let utf16 = |bytes: &[u8], le: bool| {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| {
                let pair = [c[0], c[1]];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16(&units).ok()
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest).ok().map(str::to_owned),
        _ => std::str::from_utf8(bytes).ok().map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forcing_messages() {
        for m in [
            "chore: Trigger Railway restart for Phase 13 module loading",
            "Force redeploy - AI preferences fix",
            "chore: force HuggingFace Space rebuild",
            "docs: trigger GitHub Pages deployment",
            "Bump version to 2.0.3 to trigger Railway deployment",
            "🔥 FORCE: rebuild everything",
            "chore: update deploy timestamp to track main branch deployment",
            "Force GitHub Pages cache invalidation",
            "cache bust",
            "Redeploy",
            "chore: trigger backend ci",
            "FORCE DEPLOY: Railway cache busting - critical fixes must deploy",
        ] {
            assert!(says_forcing(m), "{m}");
        }
        for m in [
            "Fix Railway deployment",
            "fix(deploy): run migrations at startup",
            "add Dockerfile for Fly.io deployment",
            "PRODUCTION-READY: Use gunicorn for Railway deployment",
            "feat: build the search index on startup",
            "requirements: pin cryptography for the Railway build",
            "fix: the cache key for sessions",
        ] {
            assert!(!says_forcing(m), "{m}");
        }
    }

    #[test]
    fn trigger_names() {
        for n in [
            ".railway-trigger",
            ".vercel-trigger",
            "FORCE_REDEPLOY.txt",
            "restart.txt",
            ".huggingface_restart",
            ".git-trigger-rebuild",
            "FORCE_DEPLOY.txt",
            "DEPLOYMENT_TRIGGER.md",
            "ForceDeploy.txt",
            ".rebuild",
        ] {
            assert!(trigger_name(n), "{n}");
        }
        for n in [
            "restart.sh",
            "rebuild.py",
            "trigger.ts",
            "README.md",
            "DEPLOYMENT.md",
            "railway.json",
            "Dockerfile",
            "restart-policy.yaml",
            "RAILWAY_MANUAL_REDEPLOY_SUMMARY.md",
            "REBUILD_GUIDE.md",
        ] {
            assert!(!trigger_name(n), "{n}");
        }
    }

    #[test]
    fn stamps_in_any_locale() {
        for t in [
            "2025-11-17T10:00:00Z",
            "Tue Oct 28 22:34:42 EET 2025",
            "seg 17 nov 2025 14:03:11 -03",
            "ven 31 ott 2025 03:43:27 WITA",
            "Railway deployment trigger: Fri Jul 18 18:00:00 IST 2025",
            "1763452808",
            "build 42",
            "Deploy trigger 2025-08-03 10:30 BST\nforce redeploy",
        ] {
            assert!(is_marker_text(t), "{t}");
        }
        for t in [
            "",
            "node_modules\n.env\n",
            "This guide explains how the service is deployed and which environment \
             variables it needs before the first request is served",
        ] {
            assert!(!is_marker_text(t), "{t}");
        }
    }

    #[test]
    fn marker_lines() {
        for l in [
            "// Deployment: Railway watch patterns fixed",
            "<!-- Cache bust: 1763452808 -->",
            "/* Cloudflare Pages deploy trigger - 2025-11-17 */",
            "# Railway deploy trigger 1763452808",
            "console.log('Starting backend v5.2.1-fixed');",
            "    print(\"🚀 Starting API - VERSION 2025-09-20 13:46:00\")",
            "  \"version\": \"2.0.4\",",
            "DEPLOYMENT_TIMESTAMP = \"2025-11-17T10:00:00Z\"",
            "        \"force_redeploy\": True",
            "    version: '2.0.4',",
            "__version__ = \"2.1.7\"  # Force Railway redeploy",
            "  \"commitCount\": 412,",
            "    Version: 2025-11-17",
            "    },",
        ] {
            assert!(is_marker_line(l), "{l}");
        }
        for l in [
            "app.run(host='0.0.0.0')",
            "  \"express\": \"^4.18.2\",",
            "timeout = compute_timeout(config)",
            "RUN pip install -r requirements.txt",
            "    \"build\": \"rm -rf dist && vite build\",",
            "deploy: \"./scripts/deploy.sh\"",
        ] {
            assert!(!is_marker_line(l), "{l}");
        }
    }

    #[test]
    fn utf16_text_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "2025-11-17".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        assert_eq!(decode_text(&bytes).as_deref(), Some("2025-11-17"));
    }
}
