//! Volatile values: dates, times, epochs, counters and version markers, masked so that two
//! lines differing only in them compare equal.

use super::*;

/// Replaces volatile values in one line with placeholders, so that
/// `mask_volatile(a) == mask_volatile(b) && a != b` means "a and b differ only in
/// timestamps, counters or version markers".
///
/// Masked, as whole tokens (not inside words):
/// - dates `2024-11-07`, `2024/11/07`, `07.11.2024`, `11/07/2024`, `07-11-2024`, `20241107`,
///   `Nov 7 2024`, `November 7th, 2024`, `7 Nov 2024`, `07-Nov-2024` → `<DATE>`;
/// - ISO-8601 datetimes `2024-11-07T14:03:11.5+01:00`, `20241107T140311Z`, and 12/14-digit
///   `YYYYMMDDHHMM[SS]` → `<DATETIME>`;
/// - times `14:03`, `14:03:11`, `14:03:11.123456`, with `Z`, `±hh[:]mm` or ` AM/PM` →
///   `<TIME>`;
/// - epoch seconds or milliseconds: 9–13 digit numbers starting with 1 (fraction allowed) →
///   `<EPOCH>`;
/// - build counters: the number after `build`, `rebuild`, `run`, `attempt`, `try`, `retry`,
///   `iteration`, `deploy`, `deployment`, `bump`, `counter`, `rev`, `revision` (separators
///   ` :#=_-` allowed), after `#` (`#42`), and assigned to a name containing `BUILD`, `BUST`,
///   `COUNTER`, `NUMBER`, `ITERATION`, `ATTEMPT`, `REVISION`, `TIMESTAMP`, `DATE`, `EPOCH` or
///   `SERIAL` (`BUILD_NUMBER=42`, `CACHEBUST=3`) → `<N>`;
/// - version markers `v3`, `v1.2.3` standing alone (after a blank, bracket, quote, comma,
///   single `=` or the line start) → `<VER>`;
/// - only on lines that also hold a date or time: weekday names, time-zone abbreviations
///   (`UTC`, `CET`, …) and bare years 1970–2099 → `<WEEKDAY>`, `<TZ>`, `<YEAR>`, so that
///   `date` output (`Thu Nov  7 14:03:11 UTC 2024`) masks whole.
///
/// Never masked: a token right after a version operator (`==`, `>=`, `<=`, `~=`, `!=`, `===`,
/// `<`, `>`, spaces allowed), after `:` (image tags, ports, URLs) or after `@` (digests,
/// `actions/checkout@v4`). So `flask==3.0.1` → `flask==3.0.2`, `python:3.11` → `python:3.12`
/// and `certifi==2024.2.2` → `certifi==2024.7.4` stay real changes. Plain numbers
/// (`EXPOSE 8080`, `timeout 30`) and dotted versions without `v` are never masked.
pub fn mask_volatile(line: &str) -> String {
    let (masked, saw_date) = mask_pass(line, false);
    if saw_date {
        mask_pass(line, true).0
    } else {
        masked
    }
}

/// One masking pass; returns the text and whether a date or time was masked.
/// `contextual` also masks weekday names, time zones and bare years.
pub(super) fn mask_pass(line: &str, contextual: bool) -> (String, bool) {
    let b = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut copied = 0;
    let mut i = 0;
    let mut saw_date = false;
    let mut counter_at: Option<usize> = None;
    while i < b.len() {
        let counter = counter_at == Some(i);
        if !counter && !token_start(b, i) {
            i += 1;
            continue;
        }
        if protected(b, i) {
            i = token_end(b, i);
            continue;
        }
        match match_volatile(b, i, contextual, counter) {
            Some(Found::Replace { len, with, date }) => {
                out.push_str(line.get(copied..i).unwrap_or(""));
                out.push_str(with);
                i += len;
                copied = i;
                saw_date |= date;
            }
            Some(Found::CounterLabel { len }) => {
                i += len;
                counter_at = Some(i);
            }
            None => i += 1,
        }
    }
    out.push_str(line.get(copied..).unwrap_or(""));
    (out, saw_date)
}

pub(super) enum Found {
    Replace {
        len: usize,
        with: &'static str,
        date: bool,
    },
    /// A counter word and its separators: the number that follows is a counter.
    CounterLabel { len: usize },
}

pub(super) fn replace(len: usize, with: &'static str, date: bool) -> Option<Found> {
    Some(Found::Replace { len, with, date })
}

pub(super) fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

pub(super) fn token_start(b: &[u8], i: usize) -> bool {
    match i.checked_sub(1).map(|p| byte(b, p)) {
        None => true,
        Some(p) => !(is_word_byte(p) || (p == b'.' && byte(b, i).is_ascii_digit())),
    }
}

pub(super) fn boundary_after(b: &[u8], j: usize) -> bool {
    b.get(j).map_or(true, |&c| !is_word_byte(c))
}

pub(super) fn token_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && !byte(b, j).is_ascii_whitespace() && !b",;)\"'".contains(&byte(b, j)) {
        j += 1;
    }
    j.max(i + 1)
}

/// A token right after a version operator, `:` or `@` is a pin, tag or digest.
pub(super) fn protected(b: &[u8], i: usize) -> bool {
    let Some(p) = i.checked_sub(1) else {
        return false;
    };
    if byte(b, p) == b':' || byte(b, p) == b'@' {
        return true;
    }
    let mut k = p;
    while byte(b, k) == b' ' {
        match k.checked_sub(1) {
            Some(j) => k = j,
            None => return false,
        }
    }
    match byte(b, k) {
        b'<' | b'>' => true,
        b'=' => k
            .checked_sub(1)
            .is_some_and(|j| b"=<>~!".contains(&byte(b, j))),
        _ => false,
    }
}

pub(super) fn match_volatile(b: &[u8], i: usize, contextual: bool, counter: bool) -> Option<Found> {
    let c = byte(b, i);
    if c.is_ascii_digit() {
        return match_number(b, i, contextual, counter);
    }
    if c == b'#' {
        let n = digits(b, i + 1);
        let after_ok = i == 0 || b" \t([".contains(&byte(b, i - 1));
        if after_ok && (1..=9).contains(&n) && boundary_after(b, i + 1 + n) {
            return replace(1 + n, "#<N>", false);
        }
        return None;
    }
    if c.is_ascii_alphabetic() || c == b'_' {
        return match_word(b, i, contextual);
    }
    None
}

pub(super) fn match_number(b: &[u8], i: usize, contextual: bool, counter: bool) -> Option<Found> {
    if let Some((len, with)) = date_ymd(b, i) {
        return replace(len, with, true);
    }
    if let Some(len) = date_dmy(b, i) {
        return replace(len, "<DATE>", true);
    }
    if let Some((len, with)) = compact_date(b, i) {
        return replace(len, with, true);
    }
    if let Some(len) = time_of_day(b, i) {
        return replace(len, "<TIME>", true);
    }
    if let Some(len) = day_month_name(b, i) {
        return replace(len, "<DATE>", true);
    }
    let n = digits(b, i);
    if (9..=13).contains(&n) && byte(b, i) == b'1' {
        let mut end = i + n;
        if b.get(end) == Some(&b'.') && digits(b, end + 1) > 0 {
            end += 1 + digits(b, end + 1);
        }
        if boundary_after(b, end) {
            return replace(end - i, "<EPOCH>", false);
        }
    }
    if counter && (1..=9).contains(&n) && boundary_after(b, i + n) {
        return replace(n, "<N>", false);
    }
    if contextual && n == 4 && boundary_after(b, i + 4) && !dot_digit(b, i + 4) {
        let year = number(b, i, 4)?;
        if (1970..=2099).contains(&year) {
            return replace(4, "<YEAR>", false);
        }
    }
    None
}

pub(super) const COUNTER_WORDS: &[&str] = &[
    "build",
    "rebuild",
    "run",
    "attempt",
    "try",
    "retry",
    "iteration",
    "deploy",
    "deployment",
    "bump",
    "counter",
    "rev",
    "revision",
];

pub(super) const COUNTER_NAME_PARTS: &[&str] = &[
    "BUILD",
    "BUST",
    "COUNTER",
    "NUMBER",
    "ITERATION",
    "ATTEMPT",
    "REVISION",
    "TIMESTAMP",
    "DATE",
    "EPOCH",
    "SERIAL",
];

pub(super) const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

pub(super) const TIME_ZONES: &[&str] = &[
    "UTC", "GMT", "Z", "CET", "CEST", "EET", "EEST", "WET", "WEST", "BST", "IST", "MSK", "JST",
    "KST", "HKT", "SGT", "AEST", "AEDT", "ACST", "AWST", "NZST", "NZDT", "EST", "EDT", "CST",
    "CDT", "MST", "MDT", "PST", "PDT", "AKST", "AKDT", "HST",
];

pub(super) fn match_word(b: &[u8], i: usize, contextual: bool) -> Option<Found> {
    let ident_len = tail(b, i).iter().take_while(|c| is_word_byte(**c)).count();
    let ident = std::str::from_utf8(b.get(i..i + ident_len)?).ok()?;
    if let Some(len) = counter_assignment(b, i, ident) {
        return Some(Found::CounterLabel { len });
    }
    let alpha_len = tail(b, i)
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let alpha = std::str::from_utf8(b.get(i..i + alpha_len)?).ok()?;
    if COUNTER_WORDS.contains(&alpha.to_ascii_lowercase().as_str()) {
        let seps = tail(b, i + alpha_len)
            .iter()
            .take_while(|c| b" \t:#=_-".contains(c))
            .count();
        let at = i + alpha_len + seps;
        if seps <= 3 && b.get(at).is_some_and(u8::is_ascii_digit) {
            return Some(Found::CounterLabel { len: at - i });
        }
    }
    if let Some(len) = month_name_date(b, i) {
        return replace(len, "<DATE>", true);
    }
    if let Some(len) = version_marker(b, i) {
        return replace(len, "<VER>", false);
    }
    if contextual && boundary_after(b, i + alpha_len) {
        if month_or_weekday(alpha, WEEKDAYS) {
            return replace(alpha_len, "<WEEKDAY>", false);
        }
        if TIME_ZONES.contains(&alpha) {
            return replace(alpha_len, "<TZ>", false);
        }
    }
    None
}

/// `NAME=` / `NAME: ` where NAME looks like a counter; returns the length up to the value.
pub(super) fn counter_assignment(b: &[u8], i: usize, ident: &str) -> Option<usize> {
    let upper = ident.to_ascii_uppercase();
    if !COUNTER_NAME_PARTS.iter().any(|part| upper.contains(part)) {
        return None;
    }
    let mut j = i + ident.len();
    match b.get(j) {
        Some(b'=') if b.get(j + 1) != Some(&b'=') => j += 1,
        Some(b':') => j += 1,
        _ => return None,
    }
    while b.get(j).is_some_and(|c| b" \t\"'".contains(c)) {
        j += 1;
    }
    b.get(j).is_some_and(u8::is_ascii_digit).then_some(j - i)
}

pub(super) fn version_marker(b: &[u8], i: usize) -> Option<usize> {
    if !matches!(byte(b, i), b'v' | b'V') {
        return None;
    }
    let prev_ok = i == 0 || b" \t([\"',=".contains(&byte(b, i - 1));
    let mut j = i + 1;
    let n = digits(b, j);
    if !prev_ok || n == 0 {
        return None;
    }
    j += n;
    while b.get(j) == Some(&b'.') && digits(b, j + 1) > 0 {
        j += 1 + digits(b, j + 1);
    }
    boundary_after(b, j).then_some(j - i)
}

pub(super) fn digits(b: &[u8], i: usize) -> usize {
    b.get(i..)
        .map_or(0, |s| s.iter().take_while(|c| c.is_ascii_digit()).count())
}

pub(super) fn dot_digit(b: &[u8], j: usize) -> bool {
    b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit)
}

/// The value of exactly `n` digits at `i`, if they are all digits.
pub(super) fn number(b: &[u8], i: usize, n: usize) -> Option<u32> {
    let s = b.get(i..i + n)?;
    if n == 0 || n > 9 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |acc, c| acc * 10 + u32::from(c - b'0')))
}

pub(super) fn valid_date(year: u32, month: u32, day: u32) -> bool {
    (1970..=2099).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// `YYYY-MM-DD` or `YYYY/MM/DD`, optionally followed by `T` and a time.
pub(super) fn date_ymd(b: &[u8], i: usize) -> Option<(usize, &'static str)> {
    if digits(b, i) != 4 {
        return None;
    }
    let sep = *b.get(i + 4)?;
    if sep != b'-' && sep != b'/' {
        return None;
    }
    let m_len = digits(b, i + 5);
    let d_at = i + 5 + m_len + 1;
    let d_len = digits(b, d_at);
    if !(1..=2).contains(&m_len) || b.get(d_at - 1) != Some(&sep) || !(1..=2).contains(&d_len) {
        return None;
    }
    let (year, month, day) = (
        number(b, i, 4)?,
        number(b, i + 5, m_len)?,
        number(b, d_at, d_len)?,
    );
    if !valid_date(year, month, day) {
        return None;
    }
    let end = d_at + d_len;
    if matches!(b.get(end), Some(b'T' | b't')) {
        if let Some(t) = time_of_day(b, end + 1) {
            return Some((end + 1 + t - i, "<DATETIME>"));
        }
    }
    boundary_after(b, end).then_some((end - i, "<DATE>"))
}

/// `DD.MM.YYYY`, `MM/DD/YYYY`, `DD-MM-YYYY` (either day-month order).
pub(super) fn date_dmy(b: &[u8], i: usize) -> Option<usize> {
    let a_len = digits(b, i);
    let sep = *b.get(i + a_len)?;
    if !(1..=2).contains(&a_len) || !b".-/".contains(&sep) {
        return None;
    }
    let b_at = i + a_len + 1;
    let b_len = digits(b, b_at);
    let y_at = b_at + b_len + 1;
    if !(1..=2).contains(&b_len) || b.get(y_at - 1) != Some(&sep) || digits(b, y_at) != 4 {
        return None;
    }
    let (x, y, year) = (
        number(b, i, a_len)?,
        number(b, b_at, b_len)?,
        number(b, y_at, 4)?,
    );
    let plausible = (1..=31).contains(&x) && (1..=31).contains(&y) && (x <= 12 || y <= 12);
    (plausible && (1970..=2099).contains(&year) && boundary_after(b, y_at + 4))
        .then_some(y_at + 4 - i)
}

/// `YYYYMMDD` (optionally `THHMMSS[Z]`), `YYYYMMDDHHMM`, `YYYYMMDDHHMMSS`.
pub(super) fn compact_date(b: &[u8], i: usize) -> Option<(usize, &'static str)> {
    let n = digits(b, i);
    if n != 8 && n != 12 && n != 14 {
        return None;
    }
    let (year, month, day) = (number(b, i, 4)?, number(b, i + 4, 2)?, number(b, i + 6, 2)?);
    if !valid_date(year, month, day) {
        return None;
    }
    if n >= 12 && !valid_clock(number(b, i + 8, 2)?, number(b, i + 10, 2)?, 0) {
        return None;
    }
    if n == 14 && number(b, i + 12, 2)? > 60 {
        return None;
    }
    let mut end = i + n;
    let mut with = if n == 8 { "<DATE>" } else { "<DATETIME>" };
    if n == 8 && b.get(end) == Some(&b'T') && digits(b, end + 1) == 6 {
        let (h, m, s) = (
            number(b, end + 1, 2)?,
            number(b, end + 3, 2)?,
            number(b, end + 5, 2)?,
        );
        if valid_clock(h, m, s) {
            end += 7;
            if b.get(end) == Some(&b'Z') {
                end += 1;
            }
            with = "<DATETIME>";
        }
    }
    boundary_after(b, end).then_some((end - i, with))
}

pub(super) fn valid_clock(h: u32, m: u32, s: u32) -> bool {
    h <= 23 && m <= 59 && s <= 60
}

/// `H:MM`, `HH:MM:SS`, fractions, then an optional zone: `Z`, `±hh:mm`, `±hhmm`, ` AM`.
pub(super) fn time_of_day(b: &[u8], i: usize) -> Option<usize> {
    let h_len = digits(b, i);
    if !(1..=2).contains(&h_len) || b.get(i + h_len) != Some(&b':') || digits(b, i + h_len + 1) != 2
    {
        return None;
    }
    let hour = number(b, i, h_len)?;
    let minute = number(b, i + h_len + 1, 2)?;
    let mut end = i + h_len + 3;
    let mut second = 0;
    if b.get(end) == Some(&b':') && digits(b, end + 1) == 2 {
        second = number(b, end + 1, 2)?;
        end += 3;
        if matches!(b.get(end), Some(b'.' | b',')) && digits(b, end + 1) > 0 {
            end += 1 + digits(b, end + 1);
        }
    }
    if !valid_clock(hour, minute, second) {
        return None;
    }
    end += zone_len(b, end);
    (boundary_after(b, end) && b.get(end) != Some(&b':')).then_some(end - i)
}

pub(super) fn zone_len(b: &[u8], at: usize) -> usize {
    match b.get(at) {
        Some(b'Z') if boundary_after(b, at + 1) => 1,
        Some(b'+' | b'-') => {
            let n = digits(b, at + 1);
            if n == 4 {
                5
            } else if n == 2 && b.get(at + 3) == Some(&b':') && digits(b, at + 4) == 2 {
                6
            } else {
                0
            }
        }
        _ => {
            let space = usize::from(b.get(at) == Some(&b' '));
            let ampm = b.get(at + space..at + space + 2).is_some_and(|s| {
                matches!(byte(s, 0), b'A' | b'a' | b'P' | b'p') && matches!(byte(s, 1), b'M' | b'm')
            });
            if ampm && boundary_after(b, at + space + 2) {
                space + 2
            } else {
                0
            }
        }
    }
}

pub(super) const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A capitalised (or all-caps) full or three-letter name from `names`; `Sept` too.
pub(super) fn month_or_weekday(word: &str, names: &[&str]) -> bool {
    let first_upper = word.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    let lower = word.to_ascii_lowercase();
    let is_name = names
        .iter()
        .any(|n| *n == lower || (lower.len() == 3 && n.starts_with(&lower)))
        || (lower == "sept" && names == MONTHS);
    first_upper
        && is_name
        && (word.len() == 3 || word == word.to_ascii_uppercase() || word.get(1..) == lower.get(1..))
}

/// The length of a month name at `i`, with an optional trailing dot.
pub(super) fn month_at(b: &[u8], i: usize) -> Option<usize> {
    let len = tail(b, i)
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let word = std::str::from_utf8(b.get(i..i + len)?).ok()?;
    if !month_or_weekday(word, MONTHS) {
        return None;
    }
    Some(len + usize::from(b.get(i + len) == Some(&b'.')))
}

/// `Nov 7`, `Nov 7 2024`, `November 7th, 2024`.
pub(super) fn month_name_date(b: &[u8], i: usize) -> Option<usize> {
    let m_len = month_at(b, i)?;
    let spaces = tail(b, i + m_len)
        .iter()
        .take_while(|c| **c == b' ')
        .count();
    let d_at = i + m_len + spaces;
    let d_len = digits(b, d_at);
    if spaces == 0 || !(1..=2).contains(&d_len) || !(1..=31).contains(&number(b, d_at, d_len)?) {
        return None;
    }
    let mut end = d_at + d_len;
    if let Some(s) = b.get(end..end + 2) {
        if [&b"st"[..], b"nd", b"rd", b"th"].contains(&s) {
            end += 2;
        }
    }
    if !boundary_after(b, end) || b.get(end) == Some(&b':') {
        return None;
    }
    Some(end + year_suffix(b, end) - i)
}

/// `7 Nov 2024`, `07-Nov-2024`.
pub(super) fn day_month_name(b: &[u8], i: usize) -> Option<usize> {
    let d_len = digits(b, i);
    if !(1..=2).contains(&d_len) || !(1..=31).contains(&number(b, i, d_len)?) {
        return None;
    }
    let sep = *b.get(i + d_len)?;
    if sep != b' ' && sep != b'-' {
        return None;
    }
    let m_at = i + d_len + 1;
    if !b.get(m_at).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let m_len = month_at(b, m_at)?;
    let end = m_at + m_len;
    if !boundary_after(b, end) {
        return None;
    }
    Some(end + year_suffix(b, end) - i)
}

/// The length of `[,] YYYY` / `-YYYY` after a date, or 0.
pub(super) fn year_suffix(b: &[u8], end: usize) -> usize {
    let sep = tail(b, end)
        .iter()
        .take_while(|c| b" ,-".contains(c))
        .count();
    let y_at = end + sep;
    let is_year = sep > 0
        && digits(b, y_at) == 4
        && number(b, y_at, 4).is_some_and(|y| (1970..=2099).contains(&y))
        && boundary_after(b, y_at + 4)
        && b.get(y_at + 4) != Some(&b':');
    if is_year {
        sep + 4
    } else {
        0
    }
}
