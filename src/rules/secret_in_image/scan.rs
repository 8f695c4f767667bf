//! Secrets on the lines a push adds to any text file: known key shapes, private keys, and
//! literal values assigned to secret-named keys.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, Input, MatchKind};
use memchr::memmem::Finder;

use super::*;

/// The secrets on the lines `file` adds; `new` is its new side's blob ([`blob_to_scan`]).
///
/// A line's verdict depends on nothing but the line (and the path's [`ValueStyle`]), with
/// one exception: a private key header counts when key material follows it on the next
/// added line. So the reportable lines `file` adds are the reportable lines of its new
/// text that its old text lacks, and a reportable line the old text has is one of the old
/// text's reportable lines. Both sets are worked out once per blob ([`reportable`], usually
/// by the read-ahead, the old side often as the new side of the commit before), so neither
/// text is read again here, and the old side is not read at all when the new one holds
/// nothing reportable. Only an added key header without its body on the same line needs
/// the added lines themselves, and then both texts are read.
pub(super) fn added_line_secrets(
    cx: &RuleContext<'_>,
    file: &FileChange,
    new: Oid,
    style: ValueStyle,
) -> Vec<Found> {
    let new_lines_found = reportable(cx.repo, cx.cache, new, style);
    if new_lines_found.is_empty() {
        return Vec::new();
    }
    // A previous version that cannot be read as text (binary before, or gone) adds nothing
    // to compare with: every line of the new one is new.
    let old_found = file
        .old
        .map(|old| reportable(cx.repo, cx.cache, old.id, style))
        .unwrap_or_default();
    let before: FastSet<&str> = old_found.iter().map(|r| r.text.as_str()).collect();
    let added: Vec<&Reportable> = new_lines_found
        .iter()
        .filter(|r| !before.contains(r.text.as_str()))
        .collect();
    // A key header the old text had is not added, whatever follows it: only an added one
    // needs the added lines themselves (a changelog that quotes a header is not re-read
    // on every release).
    if added.iter().any(|r| r.needs_next) {
        return added_line_secrets_read(cx, file, new, style);
    }
    let added: Vec<(u32, String)> = added.iter().map(|r| (r.line, r.text.clone())).collect();
    scan_added_lines(&added, style)
}

/// [`added_line_secrets`] from both texts: every added line, so that a private key header
/// is judged with the line after it.
fn added_line_secrets_read(
    cx: &RuleContext<'_>,
    file: &FileChange,
    new: Oid,
    style: ValueStyle,
) -> Vec<Found> {
    let old = file
        .old
        .and_then(|old| with_scan_text(cx.repo, cx.cache, old.id, str::to_owned))
        .unwrap_or_default();
    with_scan_text(cx.repo, cx.cache, new, |new| {
        scan_added_lines(&new_lines(&old, new), style)
    })
    .unwrap_or_default()
}

/// The largest blob the scan reads past the content rules' cap: a secret in a big file is
/// still a secret in the image.
const MAX_SCANNED_BYTES: u64 = 8 * 1024 * 1024;

/// Calls `f` with blob `id` as text for the secret scan; `None` when it is not text. Text
/// within the rules' cap comes from the push's cache; a text file with a stray NUL or
/// invalid byte, or larger than that cap (up to [`MAX_SCANNED_BYTES`]), is read as well,
/// borrowed as it is when it is valid UTF-8 without NULs, else with the odd bytes
/// replaced. Binary files (images, archives: more than one byte in fifty is a control
/// byte) are not text.
fn with_scan_text<R>(
    repo: &Repository,
    cache: &PushCache,
    id: Oid,
    f: impl FnOnce(&str) -> R,
) -> Option<R> {
    match &*cache.blob(repo, id) {
        BlobContent::Text(text) => return Some(f(text)),
        BlobContent::Binary => {}
        BlobContent::TooLarge(size) if *size <= MAX_SCANNED_BYTES => {}
        _ => return None,
    }
    cache.with_bytes(repo, id, |bytes| scan_bytes(bytes, f))?
}

/// [`with_scan_text`] on a blob's bytes read past the cache: what the cache would hold as
/// text is scanned as it is, and the rest as [`scan_bytes`] says.
fn scan_text_of<R>(bytes: &[u8], f: impl FnOnce(&str) -> R) -> Option<R> {
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if len <= crate::rules::MAX_BLOB_BYTES && memchr::memchr(0, bytes).is_none() {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Some(f(text));
        }
    }
    if len > MAX_SCANNED_BYTES {
        return None;
    }
    scan_bytes(bytes, f)
}

/// [`with_scan_text`] on bytes read past the cache.
fn scan_bytes<R>(bytes: &[u8], f: impl FnOnce(&str) -> R) -> Option<R> {
    let control = |b: &[u8]| {
        b.iter()
            .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
            .count()
    };
    // Decided on the first 8 KiB, as git's own binary test is, then on the whole.
    let head = bytes.get(..8192).unwrap_or(bytes);
    if control(head) * 50 > head.len() || control(bytes) * 50 > bytes.len() {
        return None;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if memchr::memchr(0, bytes).is_none() => Some(f(text)),
        _ => Some(f(&lossy_text(bytes))),
    }
}

/// `bytes` as text in one copy: invalid UTF-8 as U+FFFD, NUL as a space. (Through
/// `from_utf8_lossy` and then a replacement, a large file was copied twice at once.)
pub(super) fn lossy_text(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        let mut valid = chunk.valid();
        while let Some(nul) = valid.find('\0') {
            text.push_str(valid.get(..nul).unwrap_or_default());
            text.push(' ');
            valid = valid.get(nul + 1..).unwrap_or_default();
        }
        text.push_str(valid);
        if !chunk.invalid().is_empty() {
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    text
}

/// The lines of `text` that [`scan_added_lines`] could report under `style`.
fn reportable_lines(text: &str, style: ValueStyle) -> Vec<Reportable> {
    candidate_lines(text)
        .into_iter()
        .filter(|(_, l, anchors)| could_be_secret_with(l, style, *anchors))
        .map(|(line, text, _)| Reportable {
            line,
            text: text.to_owned(),
            needs_next: private_key_header(text).is_some_and(|h| !h.inline_body),
        })
        .collect()
}

/// A line of a blob that [`scan_added_lines`] could report if it were added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reportable {
    /// Its 1-based line number.
    pub(super) line: u32,
    pub(super) text: String,
    /// A private key header without key material on the same line: whether it is
    /// reported depends on the next added line.
    pub(super) needs_next: bool,
}

/// The lines of blob `id` that [`scan_added_lines`] could report under `style` (none when
/// it is not text); worked out once per blob and style, usually by [`read_ahead`] while
/// the push is listed. Secrets are rare, so what is kept is small whatever the blob.
pub(super) fn reportable(
    repo: &Repository,
    cache: &PushCache,
    id: Oid,
    style: ValueStyle,
) -> Rc<[Reportable]> {
    let memo = cache.memo::<Memo>();
    if let Some(known) = memo.known(id, style) {
        return known;
    }
    let lines =
        with_scan_text(repo, cache, id, |text| reportable_lines(text, style)).unwrap_or_default();
    // Almost every blob holds nothing reportable: those share one empty list instead of
    // allocating their own (a whole history is tens of thousands of blobs).
    let found: Rc<[Reportable]> = if lines.is_empty() {
        NOTHING_REPORTABLE.with(Rc::clone)
    } else {
        lines.into()
    };
    memo.reportable
        .borrow_mut()
        .insert((id, style == ValueStyle::Code), Rc::clone(&found));
    found
}

thread_local! {
    /// The list [`reportable`] gives every blob without a reportable line.
    static NOTHING_REPORTABLE: Rc<[Reportable]> = Rc::from(Vec::new());
}

/// Case-sensitive strings one of which is on every line [`known_shape`],
/// [`private_key_header`] or [`url_password`] can accept: the start of every token
/// [`shape_at`] knows, a private key header, a URL's `://`.
const SHAPE_ANCHORS: &[&str] = &[
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "A3T",
    "AIza",
    "fo1_",
    "fm1a_",
    "fm1r_",
    "fm2_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "-----BEGIN ",
    "://",
];

/// The fragments [`mentions_secret_word`] requires, in any ASCII case, before an
/// assignment or a connection-string field is parsed (matched on a lower-cased copy).
const WORD_ANCHORS: &[&str] = &["key", "token", "secret", "pass", "pw", "auth", "cred"];

/// The two anchor automata, built on first use. They are separate, and the words are
/// matched on a lower-cased copy, because each set alone keeps the automaton's vectorised
/// multi-pattern prefilter (Teddy) effective: one ASCII-case-insensitive automaton over
/// all of them has no prefilter, and one over every case of every word crowds its
/// buckets; either scans at a quarter of the speed (measured on a real repository's
/// pushed text: 100 ms against 45 ms for 59 MB, folding included).
fn anchors() -> Option<&'static (AhoCorasick, AhoCorasick)> {
    static ANCHORS_AC: OnceLock<Option<(AhoCorasick, AhoCorasick)>> = OnceLock::new();
    ANCHORS_AC
        .get_or_init(|| {
            let build = |patterns: &[&str]| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(patterns)
                    .ok()
            };
            let long_words: Vec<&str> = WORD_ANCHORS
                .iter()
                .copied()
                .filter(|w| w.len() >= MIN_TEDDY_WORD)
                .collect();
            Some((build(SHAPE_ANCHORS)?, build(&long_words)?))
        })
        .as_ref()
}

/// The shortest word the word automaton holds. Teddy, the automaton's prefilter, looks for
/// the first bytes of its patterns, as many as its shortest pattern has: with `pw` among
/// them it matches on two-byte prefixes (`ke`, `to`, `pa`, …), which are so common in
/// text and code that verifying its candidates took twice the time of the shape search.
/// Shorter words are found with a `memmem` search each, at memory speed.
const MIN_TEDDY_WORD: usize = 3;

/// The lines of `text` (as [`str::lines`] splits them) that hold one of the anchors
/// ([`SHAPE_ANCHORS`], [`WORD_ANCHORS`]), with their 1-based numbers: the only ones
/// [`could_be_secret`] can accept. Vectorised searches over the whole text instead of a
/// scan of every line: on a long push almost every pushed line is turned away here, at
/// memory speed. In text order, each line once.
pub(super) fn candidate_lines(text: &str) -> Vec<(u32, &str, Anchors)> {
    if small_scan_allowed(text.len()) {
        return candidate_lines_by_needle(text);
    }
    candidate_lines_automata(text)
}

/// How much text a process scans anchor by anchor before it builds the anchor automata: a
/// push of a few small files (most pushes) never pays for building them (about 0.8 M
/// instructions, a tenth of a one-commit push), a long push builds them at once. The
/// 200-commit bench push (b) and a last-50-commit real push took the same time with 16,
/// 64 and 256 KiB here; 64 KiB spares (b) the automata's memory (0.4 MB).
const SMALL_SCAN_BYTES: usize = 64 * 1024;

thread_local! {
    /// Text left to [`candidate_lines_by_needle`] in this thread (see
    /// [`SMALL_SCAN_BYTES`]).
    static SMALL_LEFT: std::cell::Cell<usize> = const { std::cell::Cell::new(SMALL_SCAN_BYTES) };
}

/// Whether a text of `len` bytes is scanned anchor by anchor, and counts it if so.
fn small_scan_allowed(len: usize) -> bool {
    SMALL_LEFT.with(|left| match left.get().checked_sub(len) {
        Some(rest) => {
            left.set(rest);
            true
        }
        None => {
            left.set(0);
            false
        }
    })
}

/// One `memmem` finder per anchor, built once: [`SHAPE_ANCHORS`] then [`WORD_ANCHORS`].
fn anchor_finders() -> &'static (Vec<Finder<'static>>, Vec<Finder<'static>>) {
    static FINDERS: OnceLock<(Vec<Finder<'static>>, Vec<Finder<'static>>)> = OnceLock::new();
    FINDERS.get_or_init(|| {
        let finders = |anchors: &'static [&'static str]| {
            anchors.iter().map(|a| Finder::new(a.as_bytes())).collect()
        };
        (finders(SHAPE_ANCHORS), finders(WORD_ANCHORS))
    })
}

/// [`candidate_lines`] with one `memmem` pass over the text per anchor (the words over a
/// lower-cased copy), for texts too small to pay for the automata. (Testing every anchor
/// on every line, as the tests' reference `candidate_lines_plain` does, costs a searcher's
/// set-up per line and anchor: half a millisecond for 16 KiB of text.)
pub(super) fn candidate_lines_by_needle(text: &str) -> Vec<(u32, &str, Anchors)> {
    let (shapes, words) = anchor_finders();
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    for finder in shapes {
        spans.extend(needle_line_spans(finder, bytes, SHAPE));
    }
    let folded = bytes.to_ascii_lowercase();
    for finder in words {
        spans.extend(needle_line_spans(finder, &folded, WORD));
    }
    lines_of_spans(text, spans)
}

/// [`candidate_lines`] line by line: each anchor looked for in each line (the words in a
/// lower-cased copy). The reference the vectorised searches are tested against.
#[cfg(test)]
pub(super) fn candidate_lines_plain(text: &str) -> Vec<(u32, &str, Anchors)> {
    let folded = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for (n, line) in (1u32..).zip(text.lines()) {
        let at = line.as_ptr() as usize - text.as_ptr() as usize;
        let lower = folded.get(at..at + line.len()).unwrap_or(line);
        let anchors = Anchors {
            shape: SHAPE_ANCHORS.iter().any(|a| line.contains(a)),
            word: WORD_ANCHORS.iter().any(|w| lower.contains(w)),
        };
        if anchors.shape || anchors.word {
            out.push((n, line, anchors));
        }
    }
    out
}

/// [`candidate_lines`] with the two vectorised anchor searches.
pub(super) fn candidate_lines_automata(text: &str) -> Vec<(u32, &str, Anchors)> {
    let Some((shapes, words)) = anchors() else {
        // Built from constants, so this cannot happen; were it to, every line is a
        // candidate and the scan stays complete.
        let all = Anchors {
            shape: true,
            word: true,
        };
        return (1..).zip(text.lines()).map(|(n, l)| (n, l, all)).collect();
    };
    let bytes = text.as_bytes();
    let mut spans = line_spans(shapes, bytes, SHAPE);
    FOLDED.with(|folded| {
        let mut folded = folded.borrow_mut();
        // A window of whole lines at a time, so that a text of several MiB is not held
        // twice (a line longer than the window is one window).
        let mut from = 0;
        while from < bytes.len() {
            let rest = bytes.get(from..).unwrap_or_default();
            let end = match rest.get(FOLD_WINDOW..) {
                None => bytes.len(),
                Some(after) => {
                    memchr::memchr(b'\n', after).map_or(bytes.len(), |i| from + FOLD_WINDOW + i + 1)
                }
            };
            folded.clear();
            folded.extend(
                bytes
                    .get(from..end)
                    .unwrap_or_default()
                    .iter()
                    .map(u8::to_ascii_lowercase),
            );
            let mut found = line_spans(words, &folded, WORD);
            let (_, word_finders) = anchor_finders();
            for (finder, _) in word_finders
                .iter()
                .zip(WORD_ANCHORS)
                .filter(|(_, w)| w.len() < MIN_TEDDY_WORD)
            {
                found.extend(needle_line_spans(finder, &folded, WORD));
            }
            spans.extend(found.into_iter().map(|(s, e, k)| (s + from, e + from, k)));
            from = end;
        }
        // A long line leaves its window's buffer allocated for the next blob: keep it only
        // when small, so the memory this holds stays bounded.
        if folded.capacity() > MAX_FOLDED_KEPT {
            *folded = Vec::new();
        }
    });
    lines_of_spans(text, spans)
}

/// The candidate lines of `text` from the byte spans of the lines the searches found
/// (each marked with its kind of anchor; a line may be found several times).
fn lines_of_spans(text: &str, mut spans: Vec<(usize, usize, u8)>) -> Vec<(u32, &str, Anchors)> {
    let bytes = text.as_bytes();
    spans.sort_unstable();
    // A line both automata found is one candidate with both kinds.
    spans.dedup_by(|later, kept| {
        let same = (later.0, later.1) == (kept.0, kept.1);
        if same {
            kept.2 |= later.2;
        }
        same
    });
    let (mut line, mut counted) = (1u32, 0);
    let mut out = Vec::with_capacity(spans.len());
    for (start, end, kinds) in spans {
        let skipped = bytes.get(counted..start).unwrap_or_default();
        line = line.saturating_add(
            u32::try_from(memchr::memchr_iter(b'\n', skipped).count()).unwrap_or(u32::MAX),
        );
        counted = start;
        let Some(text_line) = text.get(start..end) else {
            continue;
        };
        // As `str::lines`, a `\r` is part of the line end only before a `\n`.
        let text_line = match text_line.strip_suffix('\r') {
            Some(stripped) if end < text.len() => stripped,
            _ => text_line,
        };
        let anchors = Anchors {
            shape: kinds & SHAPE != 0,
            word: kinds & WORD != 0,
        };
        out.push((line, text_line, anchors));
    }
    out
}

/// The kinds of anchor, as bits of a span (see [`Anchors`]).
const SHAPE: u8 = 1;
const WORD: u8 = 2;

thread_local! {
    /// The lower-cased copy [`candidate_lines`] searches for words, reused across blobs.
    static FOLDED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The largest lower-cased copy kept for the next blob.
const MAX_FOLDED_KEPT: usize = 1024 * 1024;

/// How much of a text is lower-cased at a time (then up to the end of its line).
const FOLD_WINDOW: usize = 256 * 1024;

/// The byte spans (without the `\n`) of the lines of `bytes` that hold a match of `ac`,
/// each marked `kind`.
fn line_spans(ac: &AhoCorasick, bytes: &[u8], kind: u8) -> Vec<(usize, usize, u8)> {
    spans_of_lines(bytes, kind, |from| {
        ac.find(Input::new(bytes).span(from..bytes.len()))
            .map(|m| (m.start(), m.end()))
    })
}

/// [`line_spans`] for the one string `finder` looks for.
fn needle_line_spans(finder: &Finder<'_>, bytes: &[u8], kind: u8) -> Vec<(usize, usize, u8)> {
    let len = finder.needle().len();
    spans_of_lines(bytes, kind, |from| {
        let at = from + finder.find(bytes.get(from..)?)?;
        Some((at, at + len))
    })
}

/// The lines of `bytes` that hold a match, given `find`, which gives the first match at or
/// after an offset as its start and end; each line once.
fn spans_of_lines(
    bytes: &[u8],
    kind: u8,
    find: impl Fn(usize) -> Option<(usize, usize)>,
) -> Vec<(usize, usize, u8)> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some((hit_start, hit_end)) = find(from) {
        let before = bytes.get(..hit_start).unwrap_or_default();
        let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let after = bytes.get(hit_end..).unwrap_or_default();
        let end = memchr::memchr(b'\n', after).map_or(bytes.len(), |i| hit_end + i);
        spans.push((start, end, kind));
        from = (end + 1).min(bytes.len());
    }
    spans
}

/// A blob as scanned under a [`ValueStyle`]: its id and whether the style is code.
pub(super) type StyledBlob = (Oid, bool);

/// What this rule remembers per push.
#[derive(Default)]
pub(super) struct Memo {
    /// The lines of a blob this rule could report, by (blob, code style).
    pub(super) reportable: RefCell<FastMap<StyledBlob, Rc<[Reportable]>>>,
    /// Commits none of whose files holds such a line, found by the read-ahead: the check
    /// then looks only at their Dockerfiles.
    pub(super) secret_free: RefCell<FastSet<Oid>>,
    /// Large blobs the read-ahead left for [`scan_deferred`], by path, in push order.
    pub(super) deferred: RefCell<Vec<(Vec<u8>, Oid, ValueStyle)>>,
}

impl Memo {
    /// [`reportable`]'s answer for blob `id` under `style`, when already worked out.
    pub(super) fn known(&self, id: Oid, style: ValueStyle) -> Option<Rc<[Reportable]>> {
        let key = (id, style == ValueStyle::Code);
        self.reportable.borrow().get(&key).cloned()
    }
}

/// Blobs larger than this are scanned after the listing, grouped by path
/// ([`scan_deferred`]), not as their commits arrive.
pub(super) const MIN_DEFERRED_BYTES: u64 = 64 * 1024;

/// Works out [`reportable`] for the large blobs the read-ahead left, every version of one
/// path in a row. Large files that change often (data a bot rewrites, a rebuilt bundle)
/// are stored as chains of deltas between their versions; read in push order, the
/// versions of several such files interleave and every read re-inflates its chain, while
/// in a row each version is one delta away from the one read before it, which
/// `git cat-file`'s delta cache still holds ([`PushCache::read_all`]).
pub(super) fn scan_deferred(repo: &Repository, cache: &PushCache, memo: &Memo) {
    let mut deferred = std::mem::take(&mut *memo.deferred.borrow_mut());
    if deferred.is_empty() {
        return;
    }
    // Stable: within a path, the push's order (newest first, as the pack stores chains).
    deferred.sort_by(|a, b| a.0.cmp(&b.0));
    let mut seen = FastSet::default();
    deferred.retain(|(_, id, style)| seen.insert((*id, *style == ValueStyle::Code)));
    let styles: FastMap<Oid, Vec<ValueStyle>> =
        deferred
            .iter()
            .fold(FastMap::default(), |mut m, (_, id, style)| {
                m.entry(*id).or_default().push(*style);
                m
            });
    let mut ids: Vec<Oid> = deferred.iter().map(|(_, id, _)| *id).collect();
    let mut once = FastSet::default();
    ids.retain(|id| once.insert(*id));
    cache.read_all(repo, &ids, |id, bytes| {
        for &style in styles.get(&id).map(Vec::as_slice).unwrap_or_default() {
            let found = bytes
                .and_then(|b| scan_text_of(b, |text| reportable_lines(text, style)))
                .unwrap_or_default();
            memo.reportable
                .borrow_mut()
                .insert((id, style == ValueStyle::Code), found.into());
        }
    });
}

/// Whether [`scan_added_lines`] could report `line` if it were added: it is not allowed
/// and holds a private key header or what [`scan_line`] finds. The reference the scan's
/// prefiltered form ([`could_be_secret_with`]) is tested against.
#[cfg(test)]
pub(super) fn could_be_secret(line: &str, style: ValueStyle) -> bool {
    !is_allowed_line(line)
        && (private_key_header(line).is_some() || scan_line(line, style).is_some())
}

/// [`could_be_secret`] for a candidate line whose anchors [`candidate_lines`] found.
pub(super) fn could_be_secret_with(line: &str, style: ValueStyle, anchors: Anchors) -> bool {
    !is_allowed_line(line)
        && ((anchors.shape && private_key_header(line).is_some())
            || scan_line_with(line, style, anchors).is_some())
}

/// Which kinds of anchor a candidate line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Anchors {
    /// One of [`SHAPE_ANCHORS`]: a token, key header or URL may be on it.
    pub(super) shape: bool,
    /// One of [`WORD_ANCHORS`]: exactly when [`mentions_secret_word`] holds.
    pub(super) word: bool,
}

/// Whether unquoted values count as literals: in code an unquoted right-hand side is an
/// expression (`key = os.environ["KEY"]`); in `.env`, YAML, INI and Dockerfiles it is the
/// value itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ValueStyle {
    Code,
    Config,
}

impl ValueStyle {
    pub(super) fn of(path: &[u8]) -> ValueStyle {
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
pub(super) fn scan_added_lines(added: &[(u32, String)], style: ValueStyle) -> Vec<Found> {
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

pub(super) fn is_allowed_line(line: &str) -> bool {
    line.contains("pushguard:allow") || line.contains("gitleaks:allow")
}

/// A secret found on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum LineHit {
    /// A token of a known shape: what it is and the token.
    Shape { kind: &'static str, token: String },
    /// A secret-like name assigned a high-entropy literal.
    Assignment { name: String, value: String },
}

impl LineHit {
    pub(super) fn message(&self) -> String {
        match self {
            LineHit::Shape { kind, token } => format!(
                "{kind} `{}` is added: once pushed it is in the repository's history and in \
                 any image that copies this file",
                mask::secret(token)
            ),
            LineHit::Assignment { name, value } => format!(
                "`{}` is assigned a secret-looking literal (`{}`, {} characters, entropy {:.1}): \
                 once pushed it is in the repository's history and in any image that copies \
                 this file",
                escape(name),
                mask::secret(value),
                value.chars().count(),
                shannon_entropy(value)
            ),
        }
    }
}

/// The first secret on a line: a known token shape, else a generic assignment.
pub(super) fn scan_line(line: &str, style: ValueStyle) -> Option<LineHit> {
    let anchors = Anchors {
        shape: true,
        word: mentions_secret_word(line),
    };
    scan_line_with(line, style, anchors)
}

/// [`scan_line`] for a line whose anchors are known: the token shapes and URL passwords
/// are looked for only on a line with a shape anchor, assignments only on one with a
/// secret word.
fn scan_line_with(line: &str, style: ValueStyle, anchors: Anchors) -> Option<LineHit> {
    if anchors.shape {
        if let Some(hit) = known_shape(line) {
            return Some(hit);
        }
        if let Some(hit) = url_password(line) {
            return Some(hit);
        }
    }
    if !anchors.word {
        return None;
    }
    if let Some(hit) = field_password(line) {
        return Some(hit);
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
pub(super) fn mentions_secret_word(line: &str) -> bool {
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

pub(super) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

pub(super) fn is_upper_alnum(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

pub(super) fn is_word_or_dash(b: u8) -> bool {
    is_word_byte(b) || b == b'-'
}

pub(super) fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

/// Counts bytes of `bytes` from `start` satisfying `pred`.
pub(super) fn run_len(bytes: &[u8], start: usize, pred: impl Fn(u8) -> bool) -> usize {
    run_len_upto(bytes, start, usize::MAX, pred)
}

/// Like [`run_len`], but stops counting at `max`. The token scanners use it: they are tried
/// at every word boundary, and a run that may contain boundaries itself (`-` in `[\w-]`)
/// would otherwise be rescanned from each of them, quadratically.
pub(super) fn run_len_upto(
    bytes: &[u8],
    start: usize,
    max: usize,
    pred: impl Fn(u8) -> bool,
) -> usize {
    bytes.get(start..).map_or(0, |rest| {
        rest.iter().take(max).take_while(|b| pred(**b)).count()
    })
}

/// Token shapes from gitleaks, each anchored at a word boundary on the left:
/// `(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}`, `AIza[\w-]{35}`, `fo1_[\w-]{43}`,
/// `fm1[ar]_` / `fm2_` + `[A-Za-z0-9+/]{100,}={0,3}`, `gh[pousr]_[A-Za-z0-9]{36}`,
/// `github_pat_\w{82}`.
pub(super) fn known_shape(line: &str) -> Option<LineHit> {
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

pub(super) const AWS: &str = "an AWS access key id";

/// What a password written into a connection string is called in messages.
const CONNECTION_PASSWORD: &str = "a password in a connection string";

/// A literal password inside a connection string: an ADO.NET/JDBC/libpq field
/// (`...;Password=s3cret;...`, `pwd=`) or the credentials of a URL
/// (`postgres://user:s3cret@host/db`). Placeholders, variables (`${DB_PASSWORD}`,
/// `%s`, `{password}`) and trivial values are not secrets.
#[cfg(test)]
pub(super) fn connection_password(line: &str) -> Option<LineHit> {
    url_password(line).or_else(|| field_password(line))
}

/// `Password=` or `pwd=` as a field of a connection string: after another field's `;`, or
/// before one (a lone `PASSWORD=...` is an assignment, judged by its entropy elsewhere).
fn field_password(line: &str) -> Option<LineHit> {
    // Looked for from each `=` back (a line has few), not at every `p` of the line.
    let bytes = line.as_bytes();
    let has_field = memchr::memchr_iter(b'=', bytes).any(|at| {
        let before = bytes.get(..at).unwrap_or_default();
        ends_with_ignore_case(before, b"password") || ends_with_ignore_case(before, b"pwd")
    });
    if !has_field {
        return None;
    }
    let lower = line.to_ascii_lowercase();
    for key in ["password=", "pwd="] {
        let mut from = 0;
        while let Some(i) = lower
            .get(from..)
            .and_then(|r| r.find(key))
            .map(|i| i + from)
        {
            from = i + key.len();
            let before = i.checked_sub(1).and_then(|j| lower.as_bytes().get(j));
            let value: String = line
                .get(from..)
                .unwrap_or("")
                .chars()
                .take_while(|c| !matches!(c, ';' | '"' | '\'' | ' ' | '\t' | ','))
                .collect();
            let after = line.as_bytes().get(from + value.len());
            let in_string = before == Some(&b';')
                || (matches!(before, None | Some(b'"' | b'\'' | b' ')) && after == Some(&b';'));
            if in_string && is_literal_password(&value) && !local_connection(&lower) {
                return Some(LineHit::Shape {
                    kind: CONNECTION_PASSWORD,
                    token: value,
                });
            }
        }
    }
    None
}

/// Whether a `Host=`/`Server=`/`Data Source=` field of a connection string names a local
/// or compose database (see [`is_remote_host`]); a string without one is judged as remote.
fn local_connection(lower: &str) -> bool {
    ["host=", "server=", "data source="].iter().any(|key| {
        lower.find(key).is_some_and(|i| {
            let host: String = lower
                .get(i + key.len()..)
                .unwrap_or("")
                .chars()
                .take_while(|c| !matches!(c, ';' | '"' | '\'' | ' ' | ','))
                .collect();
            !is_remote_host(&host)
        })
    })
}

/// The password of a URL's credentials: `scheme://user:password@host`.
fn url_password(line: &str) -> Option<LineHit> {
    // Runs on every pushed line: a byte search for `:` first, most lines have none.
    let bytes = line.as_bytes();
    let scheme =
        memchr::memchr_iter(b':', bytes).find(|&i| bytes.get(i + 1..i + 3) == Some(b"//"))?;
    let rest = line.get(scheme + 3..)?;
    let authority: &str = rest.split(['/', '"', '\'', ' ', '?', '#']).next()?;
    let (userinfo, host) = authority.rsplit_once('@')?;
    let (user, password) = userinfo.split_once(':')?;
    // A local or compose database (`postgres:postgres@localhost`, `app:app@db`) and a
    // template (`user:pass@host:port`) hold no deployed secret.
    if !is_remote_host(host) || password.eq_ignore_ascii_case(user) {
        return None;
    }
    is_literal_password(password).then(|| LineHit::Shape {
        kind: CONNECTION_PASSWORD,
        token: password.to_owned(),
    })
}

/// Whether a connection string's host (`db.internal:5432`) is one the deploy reaches over
/// a network: a dotted name or address that is not the loopback, with a numeric port if
/// any. `localhost`, `127.0.0.1`, a compose service (`db`) and `host:port` are not.
fn is_remote_host(host: &str) -> bool {
    let (name, port) = host.rsplit_once(':').unwrap_or((host, ""));
    let local = matches!(name, "localhost" | "0.0.0.0" | "::1") || name.starts_with("127.");
    name.contains('.') && !local && port.chars().all(|c| c.is_ascii_digit())
}

/// A password value that is written out, not a reference to one.
fn is_literal_password(value: &str) -> bool {
    value.chars().count() >= 4
        && !value.contains(['$', '%', '{', '}', '<', '>', '*'])
        && !is_placeholder(value)
        && !is_trivial(value)
}

/// The shape starting at the beginning of `s`, with its length.
pub(super) fn shape_at(s: &[u8]) -> Option<(&'static str, usize)> {
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
pub(super) struct KeyHeader {
    /// The header itself (`-----BEGIN RSA PRIVATE KEY-----`), not secret.
    pub(super) label: String,
    /// Key material follows on the same line (a `\n`-joined PEM in JSON or a string).
    pub(super) inline_body: bool,
}

pub(super) fn private_key_header(line: &str) -> Option<KeyHeader> {
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
pub(super) fn looks_like_key_body(line: &str) -> bool {
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
pub(super) struct Assignment<'a> {
    pub(super) name: &'a str,
    pub(super) value: &'a str,
    pub(super) quoted: bool,
}

/// Every `name = value`, `name: value`, `name := value`, `name => value` on a line, with the
/// name optionally quoted (`"apiKey": "…"`). Quoted values are read to the closing quote;
/// unquoted ones (only in [`ValueStyle::Config`]) to whitespace or `,;)}]#`.
pub(super) fn assignments(line: &str, style: ValueStyle) -> Vec<Assignment<'_>> {
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
pub(super) const SECRET_WORDS: &[&str] = &[
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
pub(super) const NOT_SECRET_WORDS: &[&str] = &[
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
pub(super) fn name_words(name: &str) -> Vec<String> {
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
pub(super) fn is_secret_name(name: &str) -> bool {
    // Every secret word holds one of the fragments: most names (in a data file, every
    // key of every record) are turned away without splitting them into words.
    if !mentions_secret_word(name) {
        return false;
    }
    let words = name_words(name);
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        && !words.iter().any(|w| NOT_SECRET_WORDS.contains(&w.as_str()))
}

/// Values that stand for a secret rather than being one.
pub(super) fn is_placeholder(value: &str) -> bool {
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
pub(super) fn is_trivial(value: &str) -> bool {
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
pub(super) fn generic_value_is_secret(value: &str) -> bool {
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
pub(super) fn reads_as_words(value: &str) -> bool {
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
pub(super) fn shannon_entropy(s: &str) -> f64 {
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
