//! Commit-message trailers, read the way `git interpret-trailers` reads them, and the
//! `Pushguard-Allow` trailer that accepts one rule's findings in one commit.

/// The trailer key, matched case-insensitively.
pub const ALLOW_TRAILER: &str = "Pushguard-Allow";
/// One `Pushguard-Allow` trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowTrailer {
    /// The rule id, as written (not yet checked against the known rules).
    pub rule: String,
    /// The rest of the value, whitespace-normalised; may be empty.
    pub reason: String,
}

/// The `Pushguard-Allow` trailers of a commit message.
pub fn allow_trailers(message: &str) -> Vec<AllowTrailer> {
    // Most messages never mention the key: skip parsing their paragraphs (a long push
    // has thousands).
    if !crate::ascii::contains_ignore_case(message.as_bytes(), ALLOW_TRAILER.as_bytes()) {
        return Vec::new();
    }
    trailers(message)
        .into_iter()
        .filter(|(key, _)| key.eq_ignore_ascii_case(ALLOW_TRAILER))
        .filter_map(|(_, value)| {
            let mut words = value.split_whitespace();
            let rule = words.next()?.to_owned();
            let reason = words.collect::<Vec<_>>().join(" ");
            Some(AllowTrailer { rule, reason })
        })
        .collect()
}

/// The trailers (`Key: value`) of a message, the way `git interpret-trailers` finds them:
/// in the last paragraph, which must not be the first (the subject) and must consist of
/// trailers (continuation lines, starting with whitespace, fold into the previous one), or
/// be at least a quarter trailers including a `Signed-off-by` or `(cherry picked from`
/// line that git itself writes.
pub fn trailers(message: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = message.lines().map(|l| l.trim_end()).collect();
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    let lines = lines.get(..end).unwrap_or_default();
    let Some(start) = lines.iter().rposition(|l| l.is_empty()).map(|i| i + 1) else {
        // One paragraph: that is the subject and body, never trailers.
        return Vec::new();
    };
    let block = lines.get(start..).unwrap_or_default();
    let mut found: Vec<(String, String)> = Vec::new();
    let mut trailer_lines = 0usize;
    let mut non_trailer_lines = 0usize;
    let mut git_generated = false;
    let mut last_was_trailer = false;
    for line in block {
        if line.starts_with([' ', '\t']) && last_was_trailer {
            if let Some((_, v)) = found.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if line.starts_with("(cherry picked from commit ") {
            git_generated = true;
            trailer_lines += 1;
            last_was_trailer = false;
            continue;
        }
        match split_trailer(line) {
            Some((k, v)) => {
                git_generated |= k.eq_ignore_ascii_case("Signed-off-by");
                trailer_lines += 1;
                found.push((k.to_owned(), v.trim().to_owned()));
                last_was_trailer = true;
            }
            None => {
                non_trailer_lines += 1;
                last_was_trailer = false;
            }
        }
    }
    let all = non_trailer_lines == 0;
    let quarter = git_generated && trailer_lines * 3 >= non_trailer_lines;
    if trailer_lines > 0 && (all || quarter) {
        found
    } else {
        Vec::new()
    }
}

/// `Key: value` (git allows spaces before the colon); keys are letters, digits and `-`.
fn split_trailer(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim_end();
    let ok = !key.is_empty()
        && !key.starts_with('-')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then_some((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn trailers_come_from_the_last_paragraph_only() {
        let msg = "Rebuild\n\nPushguard-Allow: empty-commit in the body\n\nbody text\n";
        assert!(allow_trailers(msg).is_empty());
        let msg = "Rebuild\n\nbody\n\npushguard-allow: empty-commit  builder   cache broken\nSigned-off-by: A <a@b>\n\n";
        assert_eq!(
            allow_trailers(msg),
            vec![AllowTrailer {
                rule: "empty-commit".into(),
                reason: "builder cache broken".into()
            }]
        );
    }

    #[test]
    fn the_subject_is_never_a_trailer() {
        assert!(allow_trailers("Pushguard-Allow: empty-commit why").is_empty());
    }

    #[test]
    fn continuation_lines_and_spaces_before_the_colon() {
        let msg = "s\n\nPushguard-Allow : trigger-file first\n  second line\nCo-authored-by: x\n";
        assert_eq!(
            allow_trailers(msg),
            vec![AllowTrailer {
                rule: "trigger-file".into(),
                reason: "first second line".into()
            }]
        );
    }

    #[test]
    fn a_prose_paragraph_is_not_a_trailer_block() {
        let msg =
            "s\n\nNote: this is prose\nand more prose here\nPushguard-Allow: empty-commit x\n";
        assert!(allow_trailers(msg).is_empty());
        // With a git-generated trailer, a quarter of trailer lines is enough.
        let msg =
            "s\n\nsome prose\nmore prose\nPushguard-Allow: empty-commit x\nSigned-off-by: a\n";
        assert_eq!(allow_trailers(msg).len(), 1);
    }

    #[test]
    fn allow_without_a_reason_or_rule() {
        let t = allow_trailers("s\n\nPushguard-Allow: empty-commit\nPushguard-Allow:\n");
        assert_eq!(
            t,
            vec![AllowTrailer {
                rule: "empty-commit".into(),
                reason: String::new()
            }]
        );
    }
}
