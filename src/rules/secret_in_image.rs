//! `secret-in-image`: secrets baked into an image by a Dockerfile, and secret-shaped literals
//! in the lines a push adds to any text file.
//!
//! Two kinds of evidence:
//!
//! - **Dockerfile instructions** the push changes: `ENV`/`ARG` whose name is secret-like (the
//!   words of Docker's `SecretsUsedInArgOrEnv` check) with a literal value; `RUN` commands
//!   that write `NAME=value` into a `.env` file; `COPY`/`ADD` of files that hold secrets
//!   (`.env`, private keys, `credentials*`, `*key*.json`, …).
//! - **Added lines of every pushed text file**, scanned for the shapes gitleaks uses: AWS
//!   access key ids, private key blocks, GCP API keys, Fly.io tokens, GitHub tokens, and a
//!   secret-like name assigned a 10–150 character value with Shannon entropy ≥ 3.5.
//!
//! Only added lines (or changed instructions) are read: content that was already in the
//! repository was already pushed. Scanners are hand-written, linear in the line length, and
//! work on ASCII shapes, so no input can make them slow or panic.
//!
//! False alarms are avoided as follows, and every finding masks the value (at most its first
//! four characters, then `****`):
//!
//! - placeholders are not secrets: values containing `example`, `changeme`, `xxx`, `your`,
//!   `<…>`, `${…}`, `{{…}}`, `%s`, `dummy`, `placeholder`, `redacted`, …; AWS's documented
//!   example key ids (ending in `EXAMPLE`) are skipped (gitleaks skips them too);
//! - in code files (Python, JavaScript, Go, …) only quoted values are literals: `key =
//!   os.environ["KEY"]` is a reference, not a value;
//! - the generic check also skips values that read as words (`pip-cache-v2-linux`), paths,
//!   URLs, and names whose words mark them as not secret (`PUBLIC_KEY`, `KEY_FILE`,
//!   `GPG_KEY`, `CACHE_KEY`, `TOKEN_URL`, …);
//! - a line containing `pushguard:allow` (or gitleaks' `gitleaks:allow`) is skipped;
//! - in test, fixture, example and documentation paths findings are at most `warn`: such
//!   files commonly hold well-formed fake keys (a test TLS key, a sample token).

use std::cell::RefCell;
use std::collections::HashMap;

use git2::{Oid, Repository};

use crate::ascii::ends_with_ignore_case;
use crate::docker::dockerfile::Instruction;
use crate::escape::escape;
use crate::git::changes::{new_lines, BlobContent, ChangeKind, CommitChange, FileChange};
use crate::globs::{basename, extension};
use crate::hash::{FastMap, FastSet};
use crate::severity::Severity;

use super::docker_context::{dockerfile_changes, DockerfileEdit};
use super::{AheadContext, Emitter, PushCache, Rule, RuleContext};

/// The rule's id, as in `[rules.secret-in-image]`.
pub const ID: &str = "secret-in-image";

pub struct SecretInImage;

/// Findings reported per file and commit before the rest are summarised in one more.
const MAX_FINDINGS_PER_FILE: usize = 5;

impl Rule for SecretInImage {
    fn id(&self) -> &'static str {
        ID
    }

    /// Reads and pre-scans what the check will look at first for `commit`'s files, and
    /// remembers the commit as secret-free when none of them could hold a finding: the
    /// check then skips its files (a verdict depends only on the blob and the path's style).
    fn read_ahead(&self, cx: &AheadContext<'_>, commit: &CommitChange) {
        let mut free = true;
        for file in commit.files() {
            if let Some(id) = blob_to_scan(file) {
                free &= !has_candidate(cx.repo, cx.cache, id, ValueStyle::of(&file.path));
            }
        }
        if free {
            let memo = cx.cache.memo::<Memo>();
            memo.secret_free.borrow_mut().insert(commit.info.id);
        }
    }

    fn check(&self, cx: &RuleContext<'_>, emit: &mut Emitter<'_>) {
        let configured = emit.settings().severity.unwrap_or(Severity::Block);
        let memo = cx.cache.memo::<Memo>();
        for commit in &cx.changes.commits {
            let edits = dockerfile_changes(cx, commit);
            if edits.is_empty() && memo.secret_free.borrow().contains(&commit.info.id) {
                continue;
            }
            for file in commit.files() {
                if file.kind == ChangeKind::Deleted {
                    continue;
                }
                let edit = edits.iter().find(|e| std::ptr::eq(e.file, file));
                let found = secrets_in_file(cx, file, edit);
                report(commit, file, found, configured, emit);
            }
        }
    }
}

/// One secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    line: u32,
    message: String,
    /// A lower severity than the rule's (placeholders written into `.env`).
    at_most: Option<Severity>,
}

fn report(
    commit: &CommitChange,
    file: &FileChange,
    mut found: Vec<Found>,
    configured: Severity,
    emit: &mut Emitter<'_>,
) {
    if found.is_empty() {
        return;
    }
    found.sort_by_key(|f| f.line);
    let fixture = is_fixture_path(&String::from_utf8_lossy(&file.path));
    let cap = |s: Severity| if fixture { s.min(Severity::Warn) } else { s };
    let extra = found.len().saturating_sub(MAX_FINDINGS_PER_FILE);
    for f in found.iter().take(MAX_FINDINGS_PER_FILE) {
        let mut message = f.message.clone();
        if fixture {
            message.push_str(
                " (in a test, example or docs path: if it is a throwaway value, add \
                 `pushguard:allow` to the line)",
            );
        }
        let severity = cap(f.at_most.map_or(configured, |s| s.min(configured)));
        emit.finding(commit, message)
            .path(file)
            .line(f.line)
            .severity(severity)
            .emit();
    }
    if extra > 0 {
        let line = found.get(MAX_FINDINGS_PER_FILE).map_or(1, |f| f.line);
        let msg = format!("{extra} more secret-like values in this file are not listed");
        emit.finding(commit, msg)
            .path(file)
            .line(line)
            .severity(cap(configured))
            .emit();
    }
}

/// Everything found in the lines `file` adds, plus the Dockerfile instructions it changes.
fn secrets_in_file(
    cx: &RuleContext<'_>,
    file: &FileChange,
    edit: Option<&DockerfileEdit<'_>>,
) -> Vec<Found> {
    let Some(id) = blob_to_scan(file) else {
        return Vec::new();
    };
    let style = ValueStyle::of(&file.path);
    let mut found = added_line_secrets(cx, file, id, style);
    if let Some(edit) = edit {
        for (inst, hit) in dockerfile_secrets(edit) {
            let covered = found
                .iter()
                .any(|f| (inst.start_line..=inst.end_line).contains(&f.line));
            if !covered {
                found.push(hit);
            }
        }
    }
    found
}

/// The blob this rule reads first for `file`: the new side of an added or modified file
/// that is not generated (lockfiles, minified code). Only when that text has a candidate
/// line is the old side read too.
pub(super) fn blob_to_scan(file: &FileChange) -> Option<Oid> {
    let new = file.new?;
    (!is_generated(&file.path)).then_some(new.id)
}

// ---------------------------------------------------------------------------------------------
// Added lines

/// The secrets on the lines `file` adds; `new` is its new side's blob ([`blob_to_scan`]).
/// The new text is scanned whole first: an added line
/// is one of its lines, and a line's verdict depends on nothing but the line (a private key
/// counts only with its header line), so a text none of whose lines could be a finding adds
/// none. Only then is the old side read and the added lines worked out: on a long push most
/// files hold no candidate at all, and this halves the blobs read.
fn added_line_secrets(
    cx: &RuleContext<'_>,
    file: &FileChange,
    new: Oid,
    style: ValueStyle,
) -> Vec<Found> {
    if !has_candidate(cx.repo, cx.cache, new, style) {
        return Vec::new();
    }
    let Some((old, new)) = cx.texts(file) else {
        return Vec::new();
    };
    let (BlobContent::Text(old), BlobContent::Text(new)) = (&*old, &*new) else {
        return Vec::new();
    };
    scan_added_lines(&new_lines(old, new), style)
}

/// Whether blob `id` is text with a line [`scan_added_lines`] could report under `style`;
/// worked out once per blob and style, usually by [`read_ahead`] while the push is listed.
fn has_candidate(repo: &Repository, cache: &PushCache, id: Oid, style: ValueStyle) -> bool {
    let memo = cache.memo::<Memo>();
    let key = (id, style == ValueStyle::Code);
    if let Some(&known) = memo.candidates.borrow().get(&key) {
        return known;
    }
    let found = match &*cache.blob(repo, id) {
        BlobContent::Text(text) => text.lines().any(|l| could_be_secret(l, style)),
        _ => false,
    };
    memo.candidates.borrow_mut().insert(key, found);
    found
}

/// What this rule remembers per push.
#[derive(Default)]
struct Memo {
    /// Whether a blob holds a line this rule could report, by (blob, code style).
    candidates: RefCell<FastMap<(Oid, bool), bool>>,
    /// Commits none of whose files holds such a line, found by the read-ahead: the check
    /// then looks only at their Dockerfiles.
    secret_free: RefCell<FastSet<Oid>>,
}

/// Whether [`scan_added_lines`] could report `line` if it were added: it is not allowed
/// and holds a private key header or what [`scan_line`] finds.
fn could_be_secret(line: &str, style: ValueStyle) -> bool {
    !is_allowed_line(line)
        && (private_key_header(line).is_some() || scan_line(line, style).is_some())
}

/// Whether unquoted values count as literals: in code an unquoted right-hand side is an
/// expression (`key = os.environ["KEY"]`); in `.env`, YAML, INI and Dockerfiles it is the
/// value itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueStyle {
    Code,
    Config,
}

impl ValueStyle {
    fn of(path: &[u8]) -> ValueStyle {
        const CODE: &[&str] = &[
            "py", "pyi", "js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "go", "rs", "rb",
            "java", "kt", "kts", "scala", "php", "cs", "swift", "dart", "c", "h", "cc", "cpp",
            "hpp", "ex", "exs", "lua", "vue", "svelte",
        ];
        match extension(basename(path)) {
            Some(ext) if CODE.iter().any(|c| c.as_bytes().eq_ignore_ascii_case(ext)) => {
                ValueStyle::Code
            }
            _ => ValueStyle::Config,
        }
    }
}

/// Scans added lines; a private key header counts when key material follows it, on the same
/// line (JSON's `\n`-joined PEM) or on the next added line.
fn scan_added_lines(added: &[(u32, String)], style: ValueStyle) -> Vec<Found> {
    let mut found = Vec::new();
    for (i, (line_no, text)) in added.iter().enumerate() {
        if is_allowed_line(text) {
            continue;
        }
        if let Some(header) = private_key_header(text) {
            let next_is_body = added
                .get(i + 1)
                .is_some_and(|(n, t)| *n == line_no + 1 && looks_like_key_body(t));
            if header.inline_body || next_is_body {
                found.push(Found {
                    line: *line_no,
                    message: format!(
                        "a private key (`{}`) is added: once pushed it is in the repository's \
                         history and in any image that copies this file",
                        escape(&header.label)
                    ),
                    at_most: None,
                });
                continue;
            }
        }
        if let Some(hit) = scan_line(text, style) {
            found.push(Found {
                line: *line_no,
                message: hit.message(),
                at_most: None,
            });
        }
    }
    found
}

fn is_allowed_line(line: &str) -> bool {
    line.contains("pushguard:allow") || line.contains("gitleaks:allow")
}

/// A secret found on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LineHit {
    /// A token of a known shape: what it is and the token.
    Shape { kind: &'static str, token: String },
    /// A secret-like name assigned a high-entropy literal.
    Assignment { name: String, value: String },
}

impl LineHit {
    fn message(&self) -> String {
        match self {
            LineHit::Shape { kind, token } => format!(
                "{kind} `{}` is added: once pushed it is in the repository's history and in \
                 any image that copies this file",
                mask(token)
            ),
            LineHit::Assignment { name, value } => format!(
                "`{}` is assigned a secret-looking literal (`{}`, {} characters, entropy {:.1}): \
                 once pushed it is in the repository's history and in any image that copies \
                 this file",
                escape(name),
                mask(value),
                value.chars().count(),
                shannon_entropy(value)
            ),
        }
    }
}

/// The first secret on a line: a known token shape, else a generic assignment.
fn scan_line(line: &str, style: ValueStyle) -> Option<LineHit> {
    if let Some(hit) = known_shape(line) {
        return Some(hit);
    }
    if !mentions_secret_word(line) {
        return None;
    }
    assignments(line, style)
        .into_iter()
        .find(|a| is_secret_name(a.name) && generic_value_is_secret(a.value))
        .map(|a| LineHit::Assignment {
            name: a.name.to_owned(),
            value: a.value.to_owned(),
        })
}

/// A cheap filter before parsing assignments: the line contains (case-insensitively) a
/// fragment of every word in [`SECRET_WORDS`].
///
/// It runs on every line of every pushed text file, so it makes one pass without allocating.
fn mentions_secret_word(line: &str) -> bool {
    const FRAGMENTS: &[&[u8]] = &[
        b"key", b"token", b"secret", b"pass", b"pw", b"auth", b"cred",
    ];
    let bytes = line.as_bytes();
    (0..bytes.len()).any(|i| {
        let rest = bytes.get(i..).unwrap_or_default();
        matches!(
            rest.first().map(u8::to_ascii_lowercase),
            Some(b'k' | b't' | b's' | b'p' | b'a' | b'c')
        ) && FRAGMENTS.iter().any(|f| {
            rest.get(..f.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(f))
        })
    })
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_upper_alnum(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

fn is_word_or_dash(b: u8) -> bool {
    is_word_byte(b) || b == b'-'
}

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

/// Counts bytes of `bytes` from `start` satisfying `pred`.
fn run_len(bytes: &[u8], start: usize, pred: impl Fn(u8) -> bool) -> usize {
    run_len_upto(bytes, start, usize::MAX, pred)
}

/// Like [`run_len`], but stops counting at `max`. The token scanners use it: they are tried
/// at every word boundary, and a run that may contain boundaries itself (`-` in `[\w-]`)
/// would otherwise be rescanned from each of them, quadratically.
fn run_len_upto(bytes: &[u8], start: usize, max: usize, pred: impl Fn(u8) -> bool) -> usize {
    bytes.get(start..).map_or(0, |rest| {
        rest.iter().take(max).take_while(|b| pred(**b)).count()
    })
}

/// Token shapes from gitleaks, each anchored at a word boundary on the left:
/// `(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}`, `AIza[\w-]{35}`, `fo1_[\w-]{43}`,
/// `fm1[ar]_` / `fm2_` + `[A-Za-z0-9+/]{100,}={0,3}`, `gh[pousr]_[A-Za-z0-9]{36}`,
/// `github_pat_\w{82}`.
fn known_shape(line: &str) -> Option<LineHit> {
    let bytes = line.as_bytes();
    for (start, &b) in bytes.iter().enumerate() {
        // Every shape starts with `A`, `f` or `g`, at a word boundary.
        if !matches!(b, b'A' | b'f' | b'g')
            || (start > 0 && bytes.get(start - 1).is_some_and(|p| is_word_byte(*p)))
        {
            continue;
        }
        let rest = bytes.get(start..).unwrap_or(&[]);
        if let Some((kind, len)) = shape_at(rest) {
            let token = line.get(start..start + len).unwrap_or("").to_owned();
            if kind == AWS && token.ends_with("EXAMPLE") {
                continue;
            }
            return Some(LineHit::Shape { kind, token });
        }
    }
    None
}

const AWS: &str = "an AWS access key id";

/// The shape starting at the beginning of `s`, with its length.
fn shape_at(s: &[u8]) -> Option<(&'static str, usize)> {
    let first = *s.first()?;
    if first == b'A' {
        let prefix_ok = [b"AKIA", b"ASIA", b"ABIA", b"ACCA"]
            .iter()
            .any(|p| s.starts_with(*p))
            || (s.starts_with(b"A3T") && s.get(3).is_some_and(|b| is_upper_alnum(*b)));
        if prefix_ok
            && run_len_upto(s, 4, 17, is_upper_alnum) == 16
            && !s.get(20).is_some_and(|b| is_word_byte(*b))
        {
            return Some((AWS, 20));
        }
        if s.starts_with(b"AIza")
            && run_len_upto(s, 4, 36, is_word_or_dash) == 35
            && !s.get(39).is_some_and(|b| is_word_or_dash(*b))
        {
            return Some(("a GCP API key", 39));
        }
    }
    if s.starts_with(b"fo1_")
        && run_len_upto(s, 4, 44, is_word_or_dash) == 43
        && !s.get(47).is_some_and(|b| is_word_or_dash(*b))
    {
        return Some(("a Fly.io access token", 47));
    }
    for prefix in [&b"fm1a_"[..], b"fm1r_", b"fm2_"] {
        if s.starts_with(prefix) {
            let body = run_len_upto(s, prefix.len(), 4096, is_base64_byte);
            if body >= 100 {
                let end = prefix.len() + body;
                let pad = run_len_upto(s, end, 3, |b| b == b'=');
                return Some(("a Fly.io token", end + pad));
            }
        }
    }
    if s.starts_with(b"gh")
        && s.get(2).is_some_and(|b| b"pousr".contains(b))
        && s.get(3) == Some(&b'_')
        && run_len_upto(s, 4, 37, |b| b.is_ascii_alphanumeric()) == 36
        && !s.get(40).is_some_and(|b| is_word_byte(*b))
    {
        return Some(("a GitHub token", 40));
    }
    if s.starts_with(b"github_pat_") && run_len_upto(s, 11, 82, is_word_byte) == 82 {
        return Some(("a GitHub fine-grained token", 93));
    }
    None
}

/// A `-----BEGIN … PRIVATE KEY-----` header on a line.
struct KeyHeader {
    /// The header itself (`-----BEGIN RSA PRIVATE KEY-----`), not secret.
    label: String,
    /// Key material follows on the same line (a `\n`-joined PEM in JSON or a string).
    inline_body: bool,
}

fn private_key_header(line: &str) -> Option<KeyHeader> {
    // `find('-')` is a memchr: most lines have no dash, and this runs on every line.
    let first = line.find('-')?;
    let begin = first + line.get(first..)?.find("-----BEGIN ")?;
    let after = line.get(begin + 11..)?;
    let close = after.find("-----")?;
    let kind = after.get(..close)?;
    if !kind.contains("PRIVATE KEY") || kind.len() > 40 {
        return None;
    }
    let label = format!("-----BEGIN {kind}-----");
    let rest = after.get(close + 5..).unwrap_or("");
    let rest = rest.replace("\\n", " ").replace("\\r", " ");
    let inline_body = rest
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
        .any(|run| run.len() >= 40);
    Some(KeyHeader { label, inline_body })
}

/// A line of PEM key material (base64, 40+ characters) or a PEM header field.
fn looks_like_key_body(line: &str) -> bool {
    let t = line
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == ',');
    t.starts_with("Proc-Type:")
        || (t.len() >= 40
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='))
}

/// `name <sep> value` on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Assignment<'a> {
    name: &'a str,
    value: &'a str,
    quoted: bool,
}

/// Every `name = value`, `name: value`, `name := value`, `name => value` on a line, with the
/// name optionally quoted (`"apiKey": "…"`). Quoted values are read to the closing quote;
/// unquoted ones (only in [`ValueStyle::Config`]) to whitespace or `,;)}]#`.
fn assignments(line: &str, style: ValueStyle) -> Vec<Assignment<'_>> {
    let bytes = line.as_bytes();
    let is_name_byte = |b: u8| is_word_byte(b) || b == b'.' || b == b'-';
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let Some(&b) = bytes.get(i) else { break };
        let starts_name = (b.is_ascii_alphabetic() || b == b'_')
            && (i == 0 || bytes.get(i - 1).is_some_and(|p| !is_name_byte(*p)));
        if !starts_name {
            i += 1;
            continue;
        }
        let name_end = i + run_len(bytes, i, is_name_byte);
        let name = line.get(i..name_end).unwrap_or("");
        let mut j = name_end;
        let opening = if i > 0 {
            bytes.get(i - 1).copied()
        } else {
            None
        };
        if matches!(opening, Some(b'"' | b'\'')) && bytes.get(j).copied() == opening {
            j += 1;
        }
        j += run_len(bytes, j, |b| b == b' ' || b == b'\t');
        let sep = match (bytes.get(j), bytes.get(j + 1)) {
            (Some(b':'), Some(b'=')) | (Some(b'='), Some(b'>')) => 2,
            (Some(b'='), Some(b'=')) | (Some(b':'), Some(b':')) => 0,
            (Some(b'=' | b':'), _) => 1,
            _ => 0,
        };
        if sep == 0 {
            i = name_end.max(i + 1);
            continue;
        }
        j += sep;
        j += run_len(bytes, j, |b| b == b' ' || b == b'\t');
        match bytes.get(j) {
            Some(&q @ (b'"' | b'\'' | b'`')) => {
                let body_start = j + 1;
                let len = run_len(bytes, body_start, |b| b != q);
                if bytes.get(body_start + len) == Some(&q) {
                    if let Some(value) = line.get(body_start..body_start + len) {
                        out.push(Assignment {
                            name,
                            value,
                            quoted: true,
                        });
                    }
                    i = body_start + len + 1;
                } else {
                    i = body_start;
                }
            }
            Some(_) if style == ValueStyle::Config => {
                let len = run_len(bytes, j, |b| {
                    !(b.is_ascii_whitespace() || b",;)}]#\"'`".contains(&b))
                });
                if let Some(value) = line.get(j..j + len) {
                    if !value.is_empty() {
                        out.push(Assignment {
                            name,
                            value,
                            quoted: false,
                        });
                    }
                }
                i = (j + len).max(i + 1);
            }
            _ => i = j.max(i + 1),
        }
    }
    out
}

/// Words that make a name secret-like: Docker's `SecretsUsedInArgOrEnv` list (`apikey`,
/// `auth`, `credential(s)`, `key`, `password`, `pword`, `passwd`, `secret`, `token`) plus
/// `pwd` and the run-together forms a camelCase split leaves (`accesskey`, …).
const SECRET_WORDS: &[&str] = &[
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "password",
    "pword",
    "passwd",
    "pwd",
    "secret",
    "token",
    "accesskey",
    "secretkey",
    "privatekey",
    "authtoken",
    "apitoken",
    "apisecret",
    "clientsecret",
];

/// Words that make a secret-like name something else: Docker's allow list (`public`,
/// `file`, `version`) plus names of places, identifiers, settings and public key material.
const NOT_SECRET_WORDS: &[&str] = &[
    "public",
    "file",
    "version",
    "path",
    "dir",
    "url",
    "uri",
    "host",
    "name",
    "id",
    "cache",
    "sort",
    "primary",
    "foreign",
    "partition",
    "idempotency",
    "type",
    "prefix",
    "header",
    "length",
    "size",
    "format",
    "pattern",
    "env",
    "var",
    "field",
    "ttl",
    "expiry",
    "expires",
    "gpg",
    "pgp",
    "fingerprint",
    "enabled",
    "enable",
    "disable",
    "disabled",
    "mode",
    "method",
    "endpoint",
    "region",
    "timeout",
    "user",
    "username",
    "email",
    "login",
    "realm",
    "scheme",
    "server",
    "domain",
    "audience",
    "issuer",
    "scope",
    "callback",
    "redirect",
    "provider",
];

/// Splits a name into lowercase words at non-alphanumerics and camelCase boundaries
/// (`awsSecretAccessKey`, `APIKey` → `api key`).
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = part.chars().collect();
        let mut word = String::new();
        for (k, &c) in chars.iter().enumerate() {
            let prev = k.checked_sub(1).and_then(|p| chars.get(p)).copied();
            let next = chars.get(k + 1).copied();
            let boundary = c.is_ascii_uppercase()
                && prev.is_some_and(|p| {
                    p.is_ascii_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
                });
            if boundary && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            word.push(c.to_ascii_lowercase());
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words
}

/// Whether a variable or key name says it holds a secret.
fn is_secret_name(name: &str) -> bool {
    let words = name_words(name);
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        && !words.iter().any(|w| NOT_SECRET_WORDS.contains(&w.as_str()))
}

/// Values that stand for a secret rather than being one.
fn is_placeholder(value: &str) -> bool {
    const MARKERS: &[&str] = &[
        "example",
        "changeme",
        "change_me",
        "change-me",
        "xxx",
        "***",
        "...",
        "your",
        "placeholder",
        "dummy",
        "redacted",
        "replace",
        "sample",
        "todo",
        "fixme",
        "insert",
        "<",
        ">",
        "${",
        "{{",
        "%s",
        "%(",
    ];
    let lower = value.to_ascii_lowercase();
    MARKERS.iter().any(|m| lower.contains(m))
        || matches!(
            lower.as_str(),
            "secret" | "password" | "token" | "none" | "null" | "nil" | "undefined" | "test"
        )
}

/// Values that are not secrets whatever the name: booleans, numbers, paths, URLs without
/// credentials, references to variables.
fn is_trivial(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "enabled" | "disabled"
    ) || value
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        || value.starts_with(['/', '~'])
        || value.starts_with("./")
        || value.starts_with("../")
        || (value.contains("://") && !value.contains('@'))
        || value.contains('$')
}

/// The generic check: 10–150 characters, no whitespace, entropy ≥ 3.5, and not a
/// placeholder, path, URL or run of ordinary words.
fn generic_value_is_secret(value: &str) -> bool {
    let n = value.chars().count();
    (10..=150).contains(&n)
        && !value.chars().any(char::is_whitespace)
        && !is_placeholder(value)
        && !is_trivial(value)
        && !value.contains("://")
        && !reads_as_words(value)
        && shannon_entropy(value) >= 3.5
}

/// True when every part of the value between punctuation reads as ordinary text: a word
/// (lowercase, UPPERCASE, Capitalised or camelCase letters), a number, a short version-like
/// tag (`v2`, `x86`, `py311`) or at most two characters. `pip-cache-v2-linux`,
/// `node_modules/.cache`, `MyCompanyName` read as words; random tokens mix letters and digits
/// (or runs of capitals) within a part and do not.
fn reads_as_words(value: &str) -> bool {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .all(|part| {
            let b = part.as_bytes();
            let digits = b.iter().all(u8::is_ascii_digit);
            let alpha = b.iter().all(u8::is_ascii_alphabetic);
            let upper = b.iter().all(u8::is_ascii_uppercase);
            let camel = alpha && !b.windows(2).any(|w| w.iter().all(u8::is_ascii_uppercase));
            let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
            let tag = b.len() <= 5 && letters > 0 && b.iter().skip(letters).all(u8::is_ascii_digit);
            digits || upper || camel || tag || b.len() <= 2
        })
}

/// Shannon entropy of the characters of `s`, in bits per character.
fn shannon_entropy(s: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    let mut total = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let total = total as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / total;
            -p * p.log2()
        })
        .sum()
}

/// The first characters of a secret (at most four, fewer for short values), then `****`.
/// The result is escaped for printing.
fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    let shown: String = secret.chars().take((n / 4).min(4)).collect();
    format!("{}****", escape(&shown))
}

// ---------------------------------------------------------------------------------------------
// Dockerfile instructions

/// Secrets in the instructions a Dockerfile edit changes, each with its instruction.
fn dockerfile_secrets<'e>(edit: &'e DockerfileEdit<'_>) -> Vec<(&'e Instruction, Found)> {
    let mut out = Vec::new();
    for (_, inst) in edit.changed_instructions() {
        let mut push = |message: String, at_most: Option<Severity>| {
            out.push((
                inst,
                Found {
                    line: inst.start_line,
                    message,
                    at_most,
                },
            ));
        };
        match inst.keyword.as_str() {
            "ENV" => {
                for (name, value) in inst.env_pairs() {
                    if is_baked_literal(&name, &value) {
                        push(
                            format!(
                                "`ENV {}` sets a literal secret (`{}`): it is stored in the \
                                 image config, readable by anyone who can pull the image",
                                escape(&name),
                                mask(&value)
                            ),
                            None,
                        );
                    }
                }
            }
            "ARG" => {
                for (name, value) in inst.arg_defs() {
                    if value.as_deref().is_some_and(|v| is_baked_literal(&name, v)) {
                        push(
                            format!(
                                "`ARG {}` has a literal secret default (`{}`): it is in the \
                                 Dockerfile's history and shows in `docker history` of images \
                                 whose RUN steps use it",
                                escape(&name),
                                mask(value.as_deref().unwrap_or(""))
                            ),
                            None,
                        );
                    }
                }
            }
            "COPY" | "ADD" => {
                if let Some(spec) = inst.copy_sources() {
                    for source in spec.sources.iter().filter(|s| is_secret_file(s)) {
                        push(
                            format!(
                                "`{} {}` puts a secrets file into the image: a later `rm` \
                                 does not remove it from the layer",
                                inst.keyword,
                                escape(source)
                            ),
                            None,
                        );
                    }
                }
            }
            "RUN" => {
                for write in env_file_writes(inst) {
                    let (message, at_most) = if write.placeholder {
                        (
                            format!(
                                "RUN writes `{}=…` into `{}` at build time: the value is a \
                                 placeholder now, but a real one would be baked into the layer",
                                escape(&write.name),
                                escape(&write.file)
                            ),
                            Some(Severity::Warn),
                        )
                    } else {
                        (
                            format!(
                                "RUN writes `{}` (`{}`) into `{}` at build time: the value is \
                                 baked into the layer and the RUN command is in `docker history`",
                                escape(&write.name),
                                mask(&write.value),
                                escape(&write.file)
                            ),
                            None,
                        )
                    };
                    push(message, at_most);
                }
            }
            _ => {}
        }
    }
    out
}

/// `ENV`/`ARG` name and value that bake a secret: a secret-like name, a literal (no `$`),
/// non-empty, not a placeholder or trivial value, at least six characters.
fn is_baked_literal(name: &str, value: &str) -> bool {
    is_secret_name(name)
        && value.chars().count() >= 6
        && !is_placeholder(value)
        && !is_trivial(value)
}

/// A `NAME=value` written into a `.env` file by a RUN command.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EnvFileWrite {
    name: String,
    value: String,
    file: String,
    placeholder: bool,
}

/// `echo "API_KEY=…" >> .env`, `printf … > /app/.env`, `… | tee .env`: secret-named literal
/// assignments in a command whose output goes to a file named `.env*`.
fn env_file_writes(inst: &Instruction) -> Vec<EnvFileWrite> {
    let text = inst.script();
    let mut out = Vec::new();
    for command in text.split(['\n', ';', '&']) {
        let Some(file) = env_file_target(command) else {
            continue;
        };
        for a in assignments(command, ValueStyle::Config) {
            if !is_secret_name(a.name) || a.value.is_empty() || a.value.contains('$') {
                continue;
            }
            out.push(EnvFileWrite {
                name: a.name.to_owned(),
                value: a.value.to_owned(),
                file: file.clone(),
                placeholder: is_placeholder(a.value) || a.value.chars().count() < 6,
            });
        }
    }
    out
}

/// The `.env*` file a shell command redirects to (`>`, `>>`) or `tee`s into.
fn env_file_target(command: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    for (k, word) in words.iter().enumerate() {
        let target = if let Some(rest) = word.strip_prefix(">>").or_else(|| word.strip_prefix('>'))
        {
            if rest.is_empty() {
                words.get(k + 1).copied()
            } else {
                Some(rest)
            }
        } else if *word == "tee" {
            words
                .get(k + 1..)
                .and_then(|w| w.iter().find(|w| !w.starts_with('-')).copied())
        } else {
            None
        };
        if let Some(target) = target {
            let t = target.trim_matches(|c| c == '"' || c == '\'');
            let base = t.rsplit('/').next().unwrap_or(t);
            if base == ".env" || base.starts_with(".env.") || base.ends_with(".env") {
                return Some(t.to_owned());
            }
        }
    }
    None
}

/// Files that hold secrets by their name: `.env` (not `.env.example` and friends), private
/// keys (`*.key`, `*.pem` that are not certificates, `id_rsa` …), keystores, `credentials*`,
/// JSON key or token files (`sa-key.json`, `token.json`, not `tokenizer.json`), `.netrc`.
fn is_secret_file(source: &str) -> bool {
    let base = source
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(source);
    let name = base.to_ascii_lowercase();
    if name == ".env" || name.starts_with(".env.") {
        const TEMPLATES: &[&str] = &[
            "example", "sample", "template", "dist", "default", "defaults", "schema", "tmpl",
        ];
        return !name.split('.').any(|part| TEMPLATES.contains(&part));
    }
    if matches!(name.as_str(), ".netrc" | ".git-credentials" | ".pgpass") {
        return true;
    }
    for prefix in ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"] {
        if name.starts_with(prefix) {
            return !name.ends_with(".pub");
        }
    }
    if name.starts_with("credentials") {
        return !(name.ends_with(".enc") || name.contains("example") || name.contains("sample"));
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name.as_str(), ""));
    let words: Vec<&str> = stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    match ext {
        "key" | "p12" | "pfx" | "jks" | "keystore" => {
            !words.contains(&"public") && !words.contains(&"pub")
        }
        "pem" => !words.iter().any(|w| {
            matches!(
                *w,
                "cert"
                    | "certs"
                    | "certificate"
                    | "chain"
                    | "fullchain"
                    | "ca"
                    | "cacert"
                    | "bundle"
                    | "pub"
                    | "public"
                    | "root"
            )
        }),
        "json" => {
            words.iter().any(|w| {
                matches!(
                    *w,
                    "key"
                        | "keyfile"
                        | "token"
                        | "credentials"
                        | "credential"
                        | "secret"
                        | "secrets"
                )
            }) || stem.contains("service-account")
                || stem.contains("service_account")
                || stem.contains("serviceaccount")
        }
        _ => false,
    }
}

/// Lockfiles and generated or minified files: machine-written, large, churned on every
/// dependency bump, and full of hashes that are not secrets (gitleaks' default allowlist
/// skips them too). Not read at all.
fn is_generated(path: &[u8]) -> bool {
    const LOCKFILES: &[&str] = &[
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lock",
        "bun.lockb",
        "poetry.lock",
        "pipfile.lock",
        "uv.lock",
        "pdm.lock",
        "cargo.lock",
        "go.sum",
        "gemfile.lock",
        "composer.lock",
        "mix.lock",
        "packages.lock.json",
        "flake.lock",
    ];
    let name = basename(path);
    LOCKFILES
        .iter()
        .any(|l| name.eq_ignore_ascii_case(l.as_bytes()))
        || [".min.js", ".min.css", ".map", ".svg"]
            .iter()
            .any(|ext| ends_with_ignore_case(name, ext.as_bytes()))
}

/// Test, fixture, example and documentation paths, where well-formed fake secrets are
/// common.
fn is_fixture_path(path: &str) -> bool {
    const DIRS: &[&str] = &[
        "test",
        "tests",
        "__tests__",
        "spec",
        "specs",
        "fixture",
        "fixtures",
        "__fixtures__",
        "testdata",
        "test-data",
        "test_data",
        "mocks",
        "__mocks__",
        "example",
        "examples",
        "sample",
        "samples",
        "doc",
        "docs",
    ];
    let lower = path.to_ascii_lowercase();
    let mut parts: Vec<&str> = lower.split('/').collect();
    let name = parts.pop().unwrap_or("");
    if parts.iter().any(|p| DIRS.contains(p)) {
        return true;
    }
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(ext, "md" | "markdown" | "rst" | "adoc")
        || name.starts_with("test_")
        || name.contains("_test.")
        || name.contains(".test.")
        || name.contains(".spec.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::dockerfile::parse;

    /// Test tokens are assembled at run time so that this file holds no secret-shaped
    /// literal for scanners (GitHub push protection, gitleaks, pushguard itself) to flag.
    fn tok(prefix: &str, body: &str, n: usize) -> String {
        let mut s = prefix.to_owned();
        s.extend(body.chars().cycle().take(n));
        s
    }

    #[test]
    fn masking_shows_at_most_four_characters() {
        let aws = tok("AKIA", "Z7Q3XK2M", 16);
        assert_eq!(mask(&aws), "AKIA****");
        assert_eq!(mask("abcdefgh"), "ab****");
        assert_eq!(mask("abc"), "****");
        assert_eq!(mask(""), "****");
        assert_eq!(mask("\u{1b}[2J\u{1b}[2J\u{1b}[2J"), "\\e[2****");
    }

    #[test]
    fn entropy() {
        assert_eq!(shannon_entropy(""), 0.0);
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
        assert!(shannon_entropy("q8Zr2LmX0vTn5WbK7yPe") > 4.0);
        assert!(shannon_entropy("passwordpassword") < 3.5);
    }

    #[test]
    fn secret_names_follow_docker_and_skip_non_secrets() {
        for yes in [
            "API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "apiKey",
            "APIKey",
            "GITHUB_TOKEN",
            "db-password",
            "spring.datasource.password",
            "NPM_AUTH",
            "secret",
            "clientSecret",
            "PRIVATE_KEY",
        ] {
            assert!(is_secret_name(yes), "{yes}");
        }
        for no in [
            "PUBLIC_KEY",
            "KEY_FILE",
            "GPG_KEY",
            "PYTHON_VERSION",
            "TOKENIZERS_PARALLELISM",
            "keyboard",
            "monkey",
            "cache_key",
            "AUTH_URL",
            "AWS_ACCESS_KEY_ID",
            "secretName",
        ] {
            assert!(!is_secret_name(no), "{no}");
        }
    }

    #[test]
    fn name_words_split_camel_case() {
        assert_eq!(
            name_words("awsSecretAccessKey"),
            ["aws", "secret", "access", "key"]
        );
        assert_eq!(name_words("APIKey"), ["api", "key"]);
        assert_eq!(name_words("x-api-key"), ["x", "api", "key"]);
        assert_eq!(name_words("OAuth2Token"), ["o", "auth2", "token"]);
    }

    #[test]
    fn known_shapes() {
        let aws = tok("AKIA", "Z7Q3XK2M", 16);
        let hit = known_shape(&format!("aws_access_key_id = {aws}"));
        assert_eq!(
            hit,
            Some(LineHit::Shape {
                kind: AWS,
                token: aws.clone()
            })
        );
        let example = format!("{}EXAMPLE", tok("AKIA", "IOSFODNN7", 9));
        assert_eq!(example.len(), 20);
        assert_eq!(known_shape(&format!("id={example}")), None);
        assert_eq!(known_shape(&format!("X{aws}")), None, "no left boundary");
        assert_eq!(known_shape(&format!("{aws}Z")), None, "too long");
        let gcp = tok("AIza", "Sy-9_xQ", 35);
        assert!(matches!(
            known_shape(&format!("\"{gcp}\"")),
            Some(LineHit::Shape {
                kind: "a GCP API key",
                ..
            })
        ));
        let fly = tok("fo1_", "aB3-_x9Z", 43);
        assert!(matches!(
            known_shape(&fly),
            Some(LineHit::Shape {
                kind: "a Fly.io access token",
                ..
            })
        ));
        let macaroon = tok("FlyV1 fm2_", "lJPECAAAAAAAAhk+", 120) + "==";
        match known_shape(&macaroon) {
            Some(LineHit::Shape { kind, token }) => {
                assert_eq!(kind, "a Fly.io token");
                assert!(token.starts_with("fm2_") && token.ends_with("=="));
            }
            other => panic!("{other:?}"),
        }
        let gh = tok("ghp_", "a1B2c3D4", 36);
        assert!(matches!(
            known_shape(&format!("token: {gh}")),
            Some(LineHit::Shape {
                kind: "a GitHub token",
                ..
            })
        ));
        assert_eq!(known_shape(&tok("ghp_", "a1", 20)), None);
        let pat = tok("github_pat_", "11AB_cd9", 82);
        assert!(matches!(
            known_shape(&pat),
            Some(LineHit::Shape {
                kind: "a GitHub fine-grained token",
                ..
            })
        ));
        assert_eq!(known_shape("plain text AKIA and AIza and ghp_"), None);
    }

    #[test]
    fn long_hostile_lines_scan_in_linear_time() {
        let lines = [
            "-AIza".repeat(200_000),
            "-fo1_".repeat(200_000),
            "+fm2_".repeat(200_000),
            "a:\"".to_owned() + &"b: ".repeat(200_000),
            "x=".repeat(300_000),
        ];
        let start = std::time::Instant::now();
        for line in &lines {
            let _ = scan_line(line, ValueStyle::Config);
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn private_keys_need_key_material() {
        let header = format!("-----BEGIN RSA {}-----", "PRIVATE KEY");
        let body = tok("", "MIIEowIBAAKCAQEA", 64);
        let added = vec![(1, header.clone()), (2, body.clone())];
        let found = scan_added_lines(&added, ValueStyle::Config);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("private key"));
        // A parser constant naming the header is not a key.
        let code = vec![
            (5, format!("PEM = \"{header}\"")),
            (6, "def parse(): pass".to_owned()),
        ];
        assert!(scan_added_lines(&code, ValueStyle::Code).is_empty());
        // Service-account JSON: the whole PEM on one line.
        let json = format!("  \"private_key\": \"{header}\\n{body}\\n\",");
        let found = scan_added_lines(&[(3, json)], ValueStyle::Config);
        assert_eq!(found.len(), 1);
        assert!(!found[0].message.contains(&body[..10]));
    }

    #[test]
    fn generic_assignments() {
        let secret = tok("", "q8Zr2LmX0vTn5WbK7yPe", 32);
        for (line, style) in [
            (format!("API_KEY={secret}"), ValueStyle::Config),
            (format!("api_key: \"{secret}\""), ValueStyle::Config),
            (format!("  \"apiKey\": \"{secret}\","), ValueStyle::Config),
            (format!("SECRET_KEY = '{secret}'"), ValueStyle::Code),
            (
                format!("client = Client(api_token=\"{secret}\")"),
                ValueStyle::Code,
            ),
        ] {
            match scan_line(&line, style) {
                Some(LineHit::Assignment { value, .. }) => assert_eq!(value, secret, "{line}"),
                other => panic!("{line}: {other:?}"),
            }
        }
        for (line, style) in [
            (format!("API_KEY = {secret}"), ValueStyle::Code),
            (
                "api_key = os.environ[\"API_KEY\"]".to_owned(),
                ValueStyle::Code,
            ),
            (
                "const apiKey = process.env.API_KEY_V2;".to_owned(),
                ValueStyle::Code,
            ),
            ("API_KEY=your-api-key-here".to_owned(), ValueStyle::Config),
            ("API_KEY=changeme".to_owned(), ValueStyle::Config),
            (
                "password: ${{ secrets.DB_PASSWORD }}".to_owned(),
                ValueStyle::Config,
            ),
            ("key: pip-cache-v2-linux-x86".to_owned(), ValueStyle::Config),
            (
                "cache_key: 3f786850e387550fdab836ed7e6dc881de23001b".to_owned(),
                ValueStyle::Config,
            ),
            (
                "token_url: https://example.com/oauth/token".to_owned(),
                ValueStyle::Config,
            ),
            (
                "SECRET_KEY_PATH=/run/secrets/key".to_owned(),
                ValueStyle::Config,
            ),
            ("PASSWORD=hunter2".to_owned(), ValueStyle::Config),
            (
                "password == \"q8Zr2LmX0vTn5WbK7yPe\"".to_owned(),
                ValueStyle::Code,
            ),
            (
                "\"integrity\": \"sha512-q8Zr2LmX0vTn5WbK7yPe\"".to_owned(),
                ValueStyle::Config,
            ),
        ] {
            assert_eq!(scan_line(&line, style), None, "{line}");
        }
    }

    #[test]
    fn assignment_parsing() {
        let a = assignments("ENV A=1 B=\"two words\" C: d", ValueStyle::Config);
        let pairs: Vec<(&str, &str, bool)> =
            a.iter().map(|a| (a.name, a.value, a.quoted)).collect();
        assert_eq!(
            pairs,
            [
                ("A", "1", false),
                ("B", "two words", true),
                ("C", "d", false)
            ]
        );
        assert!(assignments("x == y; a::b", ValueStyle::Config).is_empty());
        assert_eq!(assignments("k := 'v'", ValueStyle::Code)[0].value, "v");
        assert_eq!(assignments("'k' => 'v'", ValueStyle::Code)[0].name, "k");
        // Hostile input does not panic.
        for s in [
            "=",
            "a=",
            "a=\"",
            "\u{e9}=\u{e9}",
            "a:\u{1F600}",
            "'a'",
            "a=`x",
        ] {
            let _ = assignments(s, ValueStyle::Config);
            let _ = scan_line(s, ValueStyle::Config);
        }
    }

    #[test]
    fn placeholders_and_trivial_values() {
        for p in [
            "changeme",
            "xxx",
            "<your-key>",
            "${API_KEY}",
            "your_api_key",
            "EXAMPLEKEY123",
            "{{ .Token }}",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for t in [
            "true",
            "0",
            "1.2.3",
            "/run/secrets/x",
            "https://auth.example.com",
            "$TOKEN",
        ] {
            assert!(is_trivial(t), "{t}");
        }
        assert!(!is_trivial("postgres://u:p4ss@db/x"));
        assert!(reads_as_words("node_modules/.cache/babel-loader"));
        assert!(reads_as_words("MyCompanyName"));
        assert!(!reads_as_words("q8Zr2LmX0vTn5WbK7yPe"));
    }

    #[test]
    fn secret_files() {
        for yes in [
            ".env",
            "./.env.production",
            "config/.env.local",
            "server.key",
            "privkey.pem",
            "id_rsa",
            "/root/.ssh/id_ed25519",
            "credentials.json",
            "sa-key.json",
            "gcp_service_account.json",
            "token.json",
            "*.pem",
            ".netrc",
        ] {
            assert!(is_secret_file(yes), "{yes}");
        }
        for no in [
            ".env.example",
            ".env.sample",
            "id_rsa.pub",
            "fullchain.pem",
            "ca-cert.pem",
            "tokenizer.json",
            "special_tokens_map.json",
            "keymap.json",
            "monkey.json",
            "credentials.yml.enc",
            "requirements.txt",
            ".",
            "public.key",
        ] {
            assert!(!is_secret_file(no), "{no}");
        }
    }

    fn instruction(text: &str) -> Instruction {
        parse(text).unwrap().instructions.remove(0)
    }

    #[test]
    fn env_file_writes_in_run() {
        let secret = tok("", "q8Zr2LmX0vTn5WbK7yPe", 24);
        let w = env_file_writes(&instruction(&format!(
            "RUN echo \"API_KEY={secret}\" >> .env && echo DEBUG=1 >> .env\n"
        )));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].name, "API_KEY");
        assert!(!w[0].placeholder);
        assert_eq!(w[0].file, ".env");
        // The guide's own example: a placeholder, reported at warn.
        let w = env_file_writes(&instruction("RUN echo \"API_KEY=xxx\" >> .env\n"));
        assert!(w[0].placeholder);
        let w = env_file_writes(&instruction(
            "RUN printf 'TOKEN=%s' \"$TOKEN\" > /app/.env\n",
        ));
        assert!(w.iter().all(|w| w.placeholder), "{w:?}");
        assert!(
            env_file_writes(&instruction("RUN echo \"API_KEY=$API_KEY\" >> .env\n")).is_empty()
        );
        assert!(env_file_writes(&instruction(&format!(
            "RUN echo API_KEY={secret} > config.txt\n"
        )))
        .is_empty());
        let w = env_file_writes(&instruction(&format!(
            "RUN echo SECRET={secret} | tee -a .env.production\n"
        )));
        assert_eq!(w[0].file, ".env.production");
    }

    #[test]
    fn baked_literals() {
        assert!(is_baked_literal("API_KEY", "sk-live-1234567"));
        assert!(is_baked_literal("POSTGRES_PASSWORD", "s3cr3tpw"));
        assert!(!is_baked_literal("API_KEY", ""));
        assert!(!is_baked_literal("API_KEY", "${API_KEY}"));
        assert!(!is_baked_literal("API_KEY", "$API_KEY"));
        assert!(!is_baked_literal("AUTH_ENABLED", "true"));
        assert!(!is_baked_literal(
            "GPG_KEY",
            "A035C8C19219BA821ECEA86B64E628F8D684696D"
        ));
        assert!(!is_baked_literal("SSH_KEY", "/root/.ssh/id_rsa"));
        assert!(!is_baked_literal("NODE_ENV", "production"));
    }

    #[test]
    fn fixture_paths() {
        for yes in [
            "tests/fixtures/server.key",
            "docs/setup.md",
            "README.md",
            "app/test_auth.py",
            "src/auth.test.ts",
            "pkg/auth_test.go",
        ] {
            assert!(is_fixture_path(yes), "{yes}");
        }
        for no in [
            "main.py",
            "config/settings.py",
            ".env",
            "Dockerfile",
            "contest/x.py",
        ] {
            assert!(!is_fixture_path(no), "{no}");
        }
    }

    #[test]
    fn generated_files_are_not_read() {
        for yes in [
            "package-lock.json",
            "web/yarn.lock",
            "Cargo.lock",
            "go.sum",
            "dist/app.min.js",
            "x.js.map",
        ] {
            assert!(is_generated(yes.as_bytes()), "{yes}");
        }
        for no in ["package.json", "lock.py", "src/map.rs", ".env"] {
            assert!(!is_generated(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn value_style() {
        assert_eq!(ValueStyle::of(b"app/main.py"), ValueStyle::Code);
        assert_eq!(ValueStyle::of(b".env"), ValueStyle::Config);
        assert_eq!(ValueStyle::of(b"fly.toml"), ValueStyle::Config);
        assert_eq!(ValueStyle::of(b"Dockerfile"), ValueStyle::Config);
    }
}
