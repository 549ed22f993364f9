//! Turning an item's Markdown into comparable features: prose words (lowercase,
//! stop-words removed, lightly stemmed), identifiers named in prose or titles, and
//! identifiers quoted in code blocks. Pure string work; no weighting here.

use std::collections::HashSet;
use std::sync::OnceLock;

/// What one item says, split by kind of evidence.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawFeatures {
    /// Stemmed content words of the title.
    pub title_words: Vec<String>,
    /// Stemmed content words of the body prose (code blocks and code spans removed).
    pub body_words: Vec<String>,
    /// Identifiers named in the title or in the prose (code spans and code-like words).
    pub prose_idents: Vec<String>,
    /// Identifiers quoted in fenced code blocks and snippets.
    pub code_idents: Vec<String>,
}

/// Extracts the features of one item.
pub(crate) fn features(title: &str, body: &str, snippets: &[String]) -> RawFeatures {
    let mut out = RawFeatures::default();
    let (title_prose, title_spans) = split_spans(title);
    out.title_words = words(&title_prose);
    for span in &title_spans {
        // `useEffect` in a title also says "effect": reviewers name the same thing in
        // code and in words.
        out.title_words.extend(span_words(span));
        push_idents(span, true, &mut out.prose_idents);
    }
    let (prose, code) = split_fences(body);
    let (prose, spans) = split_spans(&prose);
    out.body_words = words(&prose);
    for span in &spans {
        push_idents(span, true, &mut out.prose_idents);
    }
    push_idents(&prose, false, &mut out.prose_idents);
    push_idents(&code, true, &mut out.code_idents);
    for snippet in snippets {
        push_idents(snippet, true, &mut out.code_idents);
    }
    out.prose_idents.sort();
    out.prose_idents.dedup();
    out.code_idents.sort();
    out.code_idents.dedup();
    out
}

/// Splits Markdown into prose and the contents of fenced code blocks.
fn split_fences(text: &str) -> (String, String) {
    let mut prose = String::new();
    let mut code = String::new();
    let mut fence: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker: String = trimmed
            .chars()
            .take_while(|&c| c == '`' || c == '~')
            .collect();
        match &fence {
            Some(open) => {
                if marker.len() >= open.len() && marker.starts_with(&open[..1]) {
                    fence = None;
                } else {
                    code.push_str(diff_body(line));
                    code.push('\n');
                }
            }
            None if marker.len() >= 3 => fence = Some(marker),
            None => {
                prose.push_str(line);
                prose.push('\n');
            }
        }
    }
    (prose, code)
}

/// A code line without a leading diff marker.
fn diff_body(line: &str) -> &str {
    match line.chars().next() {
        Some('+') | Some('-') if !line.starts_with("++") && !line.starts_with("--") => &line[1..],
        _ => line,
    }
}

/// Splits inline code spans out of prose: (prose with spans replaced by spaces, spans).
fn split_spans(text: &str) -> (String, Vec<String>) {
    let mut prose = String::with_capacity(text.len());
    let mut spans = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        prose.push_str(&rest[..open]);
        let after = &rest[open..];
        let ticks = after.chars().take_while(|&c| c == '`').count();
        let inner = &after[ticks..];
        let closing = "`".repeat(ticks);
        match inner.find(&closing) {
            Some(close) => {
                spans.push(inner[..close].trim().to_string());
                prose.push(' ');
                rest = &inner[close + ticks..];
            }
            None => {
                prose.push(' ');
                rest = inner;
            }
        }
    }
    prose.push_str(rest);
    (prose, spans)
}

/// Lowercase, stop-word-free, stemmed words of prose.
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lower = String::new();
    for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let raw = raw.trim_matches('\'');
        if raw.len() < 2 {
            continue;
        }
        lower.clear();
        if raw.is_ascii() {
            lower.extend(raw.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            lower.extend(raw.chars().flat_map(char::to_lowercase));
        }
        if lower.chars().count() < 2
            || lower.bytes().all(|b| b.is_ascii_digit())
            || is_stop_word(&lower)
        {
            continue;
        }
        let stemmed = stem(&lower);
        if !stemmed.is_empty() && !is_stop_word(&stemmed) {
            out.push(stemmed);
        }
    }
    out
}

/// The words of a code span, split at camelCase and punctuation, for title matching.
fn span_words(span: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in span.split(|c: char| !c.is_alphanumeric()) {
        for piece in split_camel(part) {
            out.extend(words(&piece));
        }
    }
    out
}

fn split_camel(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in word.chars() {
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Light suffix stripping: enough to match `leaks`/`leaking`/`leaked`, not a full
/// Porter stemmer (the point is explainable, predictable matches).
pub(crate) fn stem(word: &str) -> String {
    let w = word.trim_end_matches('\'');
    let w = w.strip_suffix("'s").unwrap_or(w);
    let n = w.chars().count();
    if !w.is_ascii() {
        return w.to_string();
    }
    let rules: [(&str, &str, usize); 11] = [
        ("ations", "at", 8),
        ("ation", "at", 7),
        ("ies", "y", 5),
        ("sses", "ss", 5),
        ("ing", "", 6),
        ("edly", "", 7),
        ("ed", "", 5),
        ("ly", "", 6),
        ("es", "", 6),
        ("ss", "ss", 3),
        ("s", "", 4),
    ];
    for (suffix, replacement, min_len) in rules {
        if n >= min_len && w.ends_with(suffix) {
            let mut stemmed = w[..w.len() - suffix.len()].to_string();
            stemmed.push_str(replacement);
            // `closing` → `clos`, `closed` → `clos`, `close` → `clos`.
            if stemmed.ends_with('e') && stemmed.len() >= 4 {
                stemmed.pop();
            }
            return stemmed;
        }
    }
    let mut out = w.to_string();
    if out.ends_with('e') && out.len() >= 4 {
        out.pop();
    }
    out
}

/// Adds the identifiers found in `text`. In code (`all_tokens`), every identifier
/// counts; in prose only code-like words do (dotted, camelCase, snake_case, `f()`).
fn push_idents(text: &str, all_tokens: bool, out: &mut Vec<String>) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !(c.is_alphabetic() || c == '_') || (i > 0 && is_ident_char(chars[i - 1])) {
            i += 1;
            continue;
        }
        // Read a dotted chain: ident(.ident)*
        let start = i;
        let mut end = i;
        loop {
            while end < chars.len() && is_ident_char(chars[end]) {
                end += 1;
            }
            if end + 1 < chars.len()
                && (chars[end] == '.' || (chars[end] == ':' && chars[end + 1] == ':'))
            {
                let skip = if chars[end] == '.' { 1 } else { 2 };
                if end + skip < chars.len()
                    && (chars[end + skip].is_alphabetic() || chars[end + skip] == '_')
                {
                    end += skip;
                    continue;
                }
            }
            break;
        }
        let called = end + 1 < chars.len() && chars[end] == '(';
        i = end.max(start + 1);
        let span = &chars[start..end];
        let dotted = span.contains(&'.') || span.contains(&':');
        if !(all_tokens || dotted || called || is_code_like(span)) {
            continue;
        }
        let chain: String = span.iter().collect();
        let chain = chain.replace("::", ".");
        if !all_tokens && dotted && looks_like_file_or_prose(&chain) {
            // `e.g`, `i.e` and similar are prose, file names are still useful
            if chain.len() < 5 {
                continue;
            }
        }
        let lower = chain.to_lowercase();
        if dotted {
            out.push(lower.clone());
            for part in lower.split('.') {
                if useful_ident(part) {
                    out.push(part.to_string());
                }
            }
        } else if useful_ident(&lower) && (all_tokens || lower.len() >= 3) {
            out.push(lower);
        }
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn looks_like_file_or_prose(chain: &str) -> bool {
    chain.len() <= 4
}

/// camelCase, PascalCase with an inner capital, snake_case, SCREAMING_CASE.
fn is_code_like(word: &[char]) -> bool {
    if word.len() >= 3 && word.contains(&'_') {
        return true;
    }
    let Some((first, rest)) = word.split_first() else {
        return false;
    };
    let inner_upper = rest.iter().any(|c| c.is_uppercase());
    if first.is_lowercase() {
        inner_upper
    } else if first.is_uppercase() {
        inner_upper && rest.first().is_some_and(|c| c.is_lowercase())
    } else {
        false
    }
}

fn useful_ident(ident: &str) -> bool {
    ident.len() >= 3 && !is_keyword(ident) && !ident.chars().all(|c| c.is_ascii_digit())
}

const KEYWORDS: &[&str] = &[
    "and",
    "as",
    "async",
    "await",
    "bool",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "def",
    "default",
    "defer",
    "del",
    "elif",
    "else",
    "enum",
    "err",
    "error",
    "except",
    "export",
    "extends",
    "false",
    "final",
    "finally",
    "float",
    "fn",
    "for",
    "from",
    "func",
    "function",
    "go",
    "i32",
    "i64",
    "if",
    "impl",
    "import",
    "in",
    "int",
    "interface",
    "is",
    "let",
    "map",
    "match",
    "mod",
    "mut",
    "new",
    "nil",
    "none",
    "not",
    "null",
    "or",
    "package",
    "pass",
    "pub",
    "raise",
    "return",
    "self",
    "static",
    "str",
    "string",
    "struct",
    "switch",
    "the",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "u32",
    "u64",
    "undefined",
    "use",
    "usize",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

fn is_keyword(word: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| KEYWORDS.iter().copied().collect())
        .contains(word)
}

/// English function words plus words every review uses (`file`, `line`, `fix`).
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "cannot", "could", "did", "do", "does", "doing", "don't", "down", "during",
    "each", "eg", "either", "etc", "even", "every", "few", "file", "files", "fix", "for", "from",
    "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how",
    "ie", "if", "in", "instead", "into", "is", "isn't", "it", "it's", "its", "itself", "just",
    "line", "lines", "may", "me", "might", "more", "most", "much", "must", "my", "need", "needs",
    "no", "nor", "not", "now", "of", "off", "on", "once", "one", "only", "or", "other", "our",
    "ours", "out", "over", "own", "per", "same", "she", "should", "so", "some", "such", "than",
    "that", "that's", "the", "their", "theirs", "them", "then", "there", "these", "they", "this",
    "those", "through", "to", "too", "under", "until", "up", "upon", "us", "use", "used", "uses",
    "using", "very", "via", "was", "we", "were", "what", "when", "where", "whether", "which",
    "while", "who", "whom", "why", "will", "with", "within", "without", "would", "you", "your",
    "yours",
];

fn is_stop_word(word: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.iter().copied().collect())
        .contains(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_and_keyword_lists_are_sorted() {
        // binary_search needs sorted lists; this keeps later edits honest.
        for list in [STOP_WORDS, KEYWORDS] {
            for pair in list.windows(2) {
                assert!(pair[0] < pair[1], "{} before {}", pair[0], pair[1]);
            }
        }
    }

    #[test]
    fn stems_common_suffixes() {
        let check = |input: &str, expected: &str| assert_eq!(stem(input), expected, "{input}");
        check("leaks", "leak");
        check("leaking", "leak");
        check("leaked", "leak");
        check("closes", "clos");
        check("closed", "clos");
        check("close", "clos");
        check("dependencies", "dependency");
        check("process", "process");
        check("messages", "messag");
        check("message", "messag");
        check("concatenation", "concatenat");
        check("concatenated", "concatenat");
    }

    #[test]
    fn extracts_prose_identifiers() {
        let f = features(
            "`HandleLogs` races on `r.watcher`",
            "Reads watcherMu without the lock, e.g. in the handler; calls reader.Close().\n\
             ```go\nreader, err := r.watcher.cli.ContainerLogs(ctx)\n```\n",
            &[],
        );
        for want in [
            "handlelogs",
            "r.watcher",
            "watcher",
            "watchermu",
            "reader.close",
        ] {
            assert!(f.prose_idents.contains(&want.to_string()), "{want}: {f:?}");
        }
        assert!(f.code_idents.contains(&"containerlogs".to_string()));
        assert!(!f.prose_idents.contains(&"containerlogs".to_string()));
        assert!(f.title_words.contains(&stem("race")));
        assert_eq!(stem("races"), stem("race"));
        assert!(!f.body_words.iter().any(|w| w.contains("containerlogs")));
    }
}
