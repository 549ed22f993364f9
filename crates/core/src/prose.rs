//! Prose and formatting helpers every stage may use: counts in words, lists, one-line
//! text, the three duration forms, and Markdown code fences (reading a fence line, and
//! making a fence that some text cannot close). Pure functions, no IO.

use std::time::Duration;

use crate::model::Severity;
use crate::report::SeverityCounts;

// ---------------------------------------------------------------------------------------
// Words

/// `1 item`, `3 items`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `text` with its first character in upper case (`critical` → `Critical`).
pub(crate) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `1 critical issue`, `2 important issues`, `3 suggestions`.
pub(crate) fn severity_phrase(severity: Severity, n: usize) -> String {
    match (severity, n == 1) {
        (Severity::Critical, true) => "1 critical issue".to_string(),
        (Severity::Critical, false) => format!("{n} critical issues"),
        (Severity::Important, true) => "1 important issue".to_string(),
        (Severity::Important, false) => format!("{n} important issues"),
        (Severity::Suggestion, true) => "1 suggestion".to_string(),
        (Severity::Suggestion, false) => format!("{n} suggestions"),
    }
}

/// `1C 2I 6S`, leaving out zeros; `0` when there is nothing.
pub(crate) fn counts_compact(c: &SeverityCounts) -> String {
    let parts: Vec<String> = [(c.critical, 'C'), (c.important, 'I'), (c.suggestion, 'S')]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, l)| format!("{n}{l}"))
        .collect();
    if parts.is_empty() {
        "0".to_string()
    } else {
        parts.join(" ")
    }
}

/// `text` with every control character but newline and tab replaced by U+FFFD, so an
/// ESC, OSC or NUL a reviewer printed reaches neither a report nor a terminal as such.
pub fn replace_controls(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() => char::REPLACEMENT_CHARACTER,
            c => c,
        })
        .collect()
}

/// Collapses every run of whitespace (newlines included) into one space and trims.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Inline code that survives backticks inside the text (`` `a`b` `` → ``` `` a`b `` ```).
pub(crate) fn code_span(text: &str) -> String {
    let text = one_line(text);
    let longest_run = longest_backtick_run(&text);
    if longest_run == 0 {
        return format!("`{text}`");
    }
    let ticks = "`".repeat(longest_run + 1);
    format!("{ticks} {text} {ticks}")
}

/// Percent-decodes `%XX` escapes (a `file://` URI's or a link's path); an invalid escape
/// stays as it is, and bytes that are not UTF-8 become U+FFFD.
pub(crate) fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

// ---------------------------------------------------------------------------------------
// Durations
//
// Three forms, each where a test or a reader expects it; `humantime` writes none of them
// (it pads nothing and prints every unit down to milliseconds).

/// `18m 27s`, `4m 07s`, `30m`, `45s`, `1h`, `1h 02m`, `450ms` under a second: rounded to the second, trailing
/// zero units left out (the retro and the reviewer table).
pub fn duration_terse(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = (ms + 500) / 1000;
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}

/// `30 min 23 s`, `30 min 0 s`, `45 s`, `1 h 02 min`, `450 ms` under a second: rounded to the second, units
/// spelled out (the report header's wall-clock time).
pub(crate) fn duration_words(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let secs = (ms + 500) / 1000;
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min {s} s"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

/// `3m 05s`, `4m 00s`, `42s`, `1h 02m`, `450ms` under a second: whole seconds (truncated), always two units past
/// a minute, like a clock (progress lines and timeout messages).
pub fn duration_clock(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        return format!("{}ms", d.as_millis());
    }
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

// ---------------------------------------------------------------------------------------
// Code fences

/// A fence line (opening or closing a fenced code block): its character (`` ` `` or
/// `~`), how many of them, and the info string after them, trimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fence<'a> {
    pub ch: char,
    pub len: usize,
    pub info: &'a str,
}

impl<'a> Fence<'a> {
    /// The fence `line` is by CommonMark's rule: at most three spaces of indentation.
    pub(crate) fn read(line: &'a str) -> Option<Fence<'a>> {
        let rest = line.trim_start_matches(' ');
        if line.len() - rest.len() > 3 {
            return None;
        }
        Fence::at_start(rest)
    }

    /// The fence `line` is after any leading whitespace: reviewers indent fences inside
    /// list items by as much as the item needs, and a review is read that way.
    pub(crate) fn read_indented(line: &'a str) -> Option<Fence<'a>> {
        Fence::at_start(line.trim_start())
    }

    fn at_start(rest: &'a str) -> Option<Fence<'a>> {
        let ch = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
        let len = rest.len() - rest.trim_start_matches(ch).len();
        if len < 3 {
            return None;
        }
        let info = &rest[len..];
        // A backtick in a backtick fence's info string makes the line inline code.
        if ch == '`' && info.contains('`') {
            return None;
        }
        Some(Fence {
            ch,
            len,
            info: info.trim(),
        })
    }

    /// True when this line closes a block opened by a fence of `ch` × `len`: the same
    /// character, at least as many, and no info string.
    pub(crate) fn closes(&self, ch: char, len: usize) -> bool {
        self.ch == ch && self.len >= len && self.info.is_empty()
    }
}

/// The longest run of backticks in `text` (a fence around it must be longer).
pub(crate) fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// A backtick fence no line of `text` can close: longer than any backtick run in it,
/// and at least three long.
pub(crate) fn fence_for(text: &str) -> String {
    "`".repeat((longest_backtick_run(text) + 1).max(3))
}

/// Standard base64 with padding (RFC 4648): the HTML page's script hash and git's
/// Basic credentials.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let check = |ms: u64, terse: &str, words: &str| {
            assert_eq!(duration_terse(ms), terse, "terse {ms}");
            assert_eq!(duration_words(ms), words, "words {ms}");
        };
        check(0, "0ms", "0 ms");
        check(450, "450ms", "450 ms");
        check(999, "999ms", "999 ms");
        check(1_000, "1s", "1 s");
        check(45_200, "45s", "45 s");
        check(247_000, "4m 07s", "4 min 7 s");
        check(1_107_000, "18m 27s", "18 min 27 s");
        check(1_800_000, "30m", "30 min 0 s");
        check(1_823_000, "30m 23s", "30 min 23 s");
        check(3_600_000, "1h", "1 h 00 min");
        check(3_725_000, "1h 02m", "1 h 02 min");
    }

    #[test]
    fn clock_durations() {
        let check = |secs: u64, expected: &str| {
            assert_eq!(duration_clock(Duration::from_secs(secs)), expected);
        };
        check(42, "42s");
        check(185, "3m 05s");
        check(240, "4m 00s");
        check(3725, "1h 02m");
        assert_eq!(duration_clock(Duration::from_millis(59_999)), "59s");
        assert_eq!(duration_clock(Duration::from_millis(250)), "250ms");
        assert_eq!(duration_clock(Duration::from_millis(1_900)), "1s");
    }

    #[test]
    fn compact_counts_and_phrases() {
        let c = SeverityCounts {
            critical: 1,
            important: 0,
            suggestion: 6,
        };
        assert_eq!(counts_compact(&c), "1C 6S");
        assert_eq!(counts_compact(&SeverityCounts::default()), "0");
        assert_eq!(severity_phrase(Severity::Important, 1), "1 important issue");
        assert_eq!(severity_phrase(Severity::Suggestion, 3), "3 suggestions");
        assert_eq!(
            join_and(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
        assert_eq!(join_and(&["a".into()]), "a");
        assert_eq!(join_and(&[]), "");
        assert_eq!(plural(1, "item", "items"), "1 item");
        assert_eq!(plural(0, "item", "items"), "0 items");
        assert_eq!(one_line("  a\n\tb  c \r\n"), "a b c");
        assert_eq!(code_span("x.rs:3"), "`x.rs:3`");
        assert_eq!(code_span("a`b"), "`` a`b ``");
    }

    #[test]
    fn percent_escapes() {
        assert_eq!(percent_decode("docs/a%20b%3Ac.md"), "docs/a b:c.md");
        assert_eq!(percent_decode("src/%C3%A9.rs"), "src/é.rs");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("a%zzb%2"), "a%zzb%2");
        assert_eq!(percent_decode("plain.rs"), "plain.rs");
    }

    #[test]
    fn fence_lines() {
        let f = |ch, len, info| Some(Fence { ch, len, info });
        assert_eq!(Fence::read("```rust"), f('`', 3, "rust"));
        assert_eq!(Fence::read("   ~~~~ md "), f('~', 4, "md"));
        assert_eq!(Fence::read("    ```"), None);
        assert_eq!(Fence::read("``"), None);
        assert_eq!(Fence::read("```a`b"), None);
        assert_eq!(Fence::read("~~~a`b"), f('~', 3, "a`b"));
        assert_eq!(Fence::read("\t```"), None);
        assert_eq!(Fence::read_indented("      ```go"), f('`', 3, "go"));
        assert_eq!(Fence::read_indented("\t```"), f('`', 3, ""));
        assert_eq!(Fence::read_indented("text ```"), None);

        let close = |line: &str, ch, len| Fence::read(line).is_some_and(|c| c.closes(ch, len));
        assert!(close("````", '`', 3));
        assert!(!close("```", '`', 4));
        assert!(!close("~~~", '`', 3));
        assert!(!close("```rust", '`', 3));
    }

    #[test]
    fn fences_outgrow_their_content() {
        assert_eq!(longest_backtick_run("a ``b`` ````c"), 4);
        assert_eq!(longest_backtick_run("none"), 0);
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("```rust"), "````");
        assert_eq!(fence_for("x ````` y"), "``````");
    }

    /// The ground floor uses no stage: only the model's values, and each other (test
    /// code left out).
    #[test]
    fn the_ground_floor_imports_no_stage() {
        let allowed = [
            "crate::model",
            "crate::report",
            "crate::prose",
            "crate::lang",
        ];
        let sources = [
            ("prose.rs", include_str!("prose.rs")),
            ("git.rs", include_str!("git.rs")),
            ("lang.rs", include_str!("lang.rs")),
        ];
        for (name, source) in sources {
            let code = source.split("#[cfg(test)]").next().unwrap_or(source);
            for (at, _) in code.match_indices("crate::") {
                let rest = &code[at..];
                assert!(
                    allowed.iter().any(|a| rest.starts_with(a)),
                    "{name} uses {}",
                    rest.lines().next().unwrap_or("")
                );
            }
        }
    }

    #[test]
    fn base64_matches_rfc_4648() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }
}
