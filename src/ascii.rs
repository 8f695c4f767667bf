//! ASCII case-insensitive tests on byte strings, without lowercased copies: rules ask them
//! of every pushed path, and some of every commit message.

/// Whether `hay` ends with `suffix`, ignoring ASCII case.
pub fn ends_with_ignore_case(hay: &[u8], suffix: &[u8]) -> bool {
    hay.len()
        .checked_sub(suffix.len())
        .and_then(|start| hay.get(start..))
        .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
}

/// Whether `hay` starts with `prefix`, ignoring ASCII case.
pub fn starts_with_ignore_case(hay: &[u8], prefix: &[u8]) -> bool {
    hay.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// Whether `hay` contains `needle`, ignoring ASCII case. A window is compared only where
/// its first byte matches, which on names and message lines is rare.
pub fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else {
        return true;
    };
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    hay.iter().enumerate().any(|(i, &b)| {
        (b == lower || b == upper)
            && hay
                .get(i..i + needle.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_and_substrings_in_any_case() {
        assert!(ends_with_ignore_case(b"App.MIN.js", b".min.JS"));
        assert!(ends_with_ignore_case(b"x", b""));
        assert!(starts_with_ignore_case(
            b"Requirements-dev.txt",
            b"requirements"
        ));
        assert!(!starts_with_ignore_case(b"req", b"requirements"));
        assert!(!ends_with_ignore_case(b"js", b".js"));
        assert!(!ends_with_ignore_case(b"a.jsx", b".js"));
        assert!(contains_ignore_case(b"prod.DockerFile", b"erfile"));
        assert!(contains_ignore_case(b"anything", b""));
        assert!(!contains_ignore_case(b"erfil", b"erfile"));
        assert!(!contains_ignore_case(b"file012.py", b"erfile"));
        // Non-ASCII bytes compare as themselves.
        assert!(contains_ignore_case("café".as_bytes(), "é".as_bytes()));
        assert!(!contains_ignore_case("CAFÉ".as_bytes(), "é".as_bytes()));
    }
}
