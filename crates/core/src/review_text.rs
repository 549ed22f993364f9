//! Deciding whether what a reviewer printed is a review: text with words in it, not
//! nothing, not binary noise. One rule for a review a run produced and a review file
//! `consolidate` reads: colour sequences removed, stray control characters replaced.

use std::sync::LazyLock;

use regex::Regex;

/// Terminal colour and cursor sequences, removed from reviews.
static ANSI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)").expect("valid regex")
});

/// More than one character in this many being undecodable or a control character makes
/// the output "not text".
const GARBAGE_RATIO: usize = 20;

/// The review in `raw`, cleaned (colour codes removed, surrounding blank space trimmed),
/// or why it is not one: `produced no review (empty output)`, `output is not text …`,
/// `output has no letters`.
pub fn usable_review(raw: &[u8]) -> Result<String, String> {
    let raw = raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw);
    let decoded = String::from_utf8_lossy(raw);
    let cleaned = ANSI.replace_all(&decoded, "");
    let text = cleaned.trim();
    if text.is_empty() {
        return Err("produced no review (empty output)".to_string());
    }
    // Most reviews hold nothing to count or replace: told from the bytes at once.
    if is_plain(text) {
        if !text.chars().any(char::is_alphabetic) {
            return Err("output has no letters".to_string());
        }
        return Ok(text.to_string());
    }
    let total = text.chars().count();
    let bad = text
        .chars()
        .filter(|&c| c == '\u{fffd}' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t')))
        .count();
    if bad * GARBAGE_RATIO > total {
        return Err(format!(
            "output is not text ({}% undecodable or control bytes)",
            bad * 100 / total
        ));
    }
    if !text.chars().any(char::is_alphabetic) {
        return Err("output has no letters".to_string());
    }
    Ok(crate::prose::replace_controls(&text.replace("\r\n", "\n")))
}

/// Whether `text` holds no control character but newline and tab (no carriage return
/// either) and no U+FFFD: then it is its own cleaned form.
fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let ascii_control = |b: &u8| (*b < 0x20 && !matches!(b, b'\n' | b'\t')) || *b == 0x7f;
    // C1 controls (U+0080..U+009F) are 0xC2 0x80..0x9F in UTF-8.
    let c1_control =
        || memchr::memchr_iter(0xc2, bytes).any(|i| matches!(bytes.get(i + 1), Some(0x80..=0x9f)));
    !bytes.iter().any(ascii_control) && !c1_control() && !text.contains('\u{fffd}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &[u8], expected: Result<&str, &str>) {
        let got = usable_review(raw);
        assert_eq!(
            got.as_deref().map_err(String::as_str),
            expected,
            "input {:?}",
            String::from_utf8_lossy(raw)
        );
    }

    #[test]
    fn accepts_reviews_and_rejects_noise() {
        check(
            b"## Review\n\nLooks fine.\n",
            Ok("## Review\n\nLooks fine."),
        );
        check(b"\xef\xbb\xbf\n\nOK\r\nfine\n", Ok("OK\nfine"));
        check(b"\x1b[1mBold\x1b[0m text", Ok("Bold text"));
        check(
            "Überprüfung: alles gut — 👍".as_bytes(),
            Ok("Überprüfung: alles gut — 👍"),
        );
        check(b"", Err("produced no review (empty output)"));
        check(b" \n\t\n", Err("produced no review (empty output)"));
        check(b"12345 ---- 678\n", Err("output has no letters"));
        check(
            b"\x00\x01\x02\xff\xfe\x80abc",
            Err("output is not text (66% undecodable or control bytes)"),
        );
    }

    #[test]
    fn stray_control_characters_never_pass_through() {
        let raw = "## Summary\n\nFine\u{0}, really\u{1b}]8;;x\u{7} — ok.\r\n";
        let text = usable_review(raw.as_bytes()).unwrap();
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
    }

    #[test]
    fn plain_text_is_told_from_text_to_clean() {
        assert!(is_plain("## Review\n\n\tFine — ok ü 👍"));
        for odd in [
            "a\rb",
            "a\u{0}b",
            "a\u{7f}b",
            "a\u{85}b",
            "a\u{9f}b",
            "a\u{fffd}b",
            "a\u{1b}b",
        ] {
            assert!(!is_plain(odd), "{odd:?}");
        }
        // Characters whose encoding starts with 0xC2 but are not controls.
        assert!(is_plain("a\u{a0}b\u{bf}"));
        // Either way, the cleaned text is the same as the slow path gives.
        check(
            "a review of some length\u{85}, this one".as_bytes(),
            Ok("a review of some length\u{fffd}, this one"),
        );
        check("tab\there\u{a0}".as_bytes(), Ok("tab\there"));
    }

    #[test]
    fn a_few_odd_bytes_in_a_long_review_are_tolerated() {
        let mut raw = b"Review text that goes on for a while. ".repeat(10);
        raw.extend_from_slice(b"\xff");
        assert!(usable_review(&raw).is_ok());
    }
}
