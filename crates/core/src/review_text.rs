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
    fn a_few_odd_bytes_in_a_long_review_are_tolerated() {
        let mut raw = b"Review text that goes on for a while. ".repeat(10);
        raw.extend_from_slice(b"\xff");
        assert!(usable_review(&raw).is_ok());
    }
}
