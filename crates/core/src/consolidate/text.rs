//! Turning an item's Markdown into comparable features: prose words (lowercase,
//! stop-words removed, lightly stemmed), identifiers named in prose or titles, and
//! identifiers quoted in code blocks. Pure string work; no weighting here.
//!
//! Every distinct string is normalised once: a [`Lexicon`] remembers what each raw
//! token (`Leaking`, `self.tokens.lock`) became and hands out small integer keys, so
//! reading ten thousand findings does not allocate per token.

use std::sync::OnceLock;

use crate::prose::Fence;

/// Maps and sets with the fast, deterministic FxHash. They are only looked up, never
/// iterated, so results do not depend on the hasher.
pub(crate) type FxMap<K, V> = rustc_hash::FxHashMap<K, V>;
type FxSet<K> = rustc_hash::FxHashSet<K>;

/// A token of at most 15 bytes packed into one integer (its bytes, then its length),
/// so a lookup compares two integers instead of following a pointer to the text.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Packed(u128);

impl Packed {
    fn new(token: &str) -> Option<Packed> {
        let bytes = token.as_bytes();
        let len = u8::try_from(bytes.len()).ok().filter(|&n| n <= 15)?;
        let mut buf = [0u8; 16];
        buf.get_mut(..bytes.len())?.copy_from_slice(bytes);
        buf[15] = len;
        Some(Packed(u128::from_le_bytes(buf)))
    }
}

impl std::hash::Hash for Packed {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Fold both halves so every byte reaches the low bits the table indexes by.
        let (lo, hi) = (self.0 as u64, (self.0 >> 64) as u64);
        let mixed = lo.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ hi.wrapping_mul(0x517c_c1b7_2722_0a95);
        state.write_u64(mixed.rotate_left(32));
    }
}

/// A memo keyed by raw token text: short tokens packed inline, longer ones boxed.
/// Only looked up, never iterated.
struct TokenMap<V> {
    short: FxMap<Packed, V>,
    long: FxMap<Box<str>, V>,
}

impl<V> Default for TokenMap<V> {
    fn default() -> Self {
        TokenMap {
            short: FxMap::default(),
            long: FxMap::default(),
        }
    }
}

impl<V: Copy> TokenMap<V> {
    fn get(&self, token: &str) -> Option<V> {
        match Packed::new(token) {
            Some(p) => self.short.get(&p).copied(),
            None => self.long.get(token).copied(),
        }
    }

    fn insert(&mut self, token: &str, value: V) {
        match Packed::new(token) {
            Some(p) => {
                self.short.insert(p, value);
            }
            None => {
                self.long.insert(token.into(), value);
            }
        }
    }
}

/// What one item says, split by kind of evidence, as lexicon keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ItemKeys {
    /// Stemmed content words of the title, in order (repeats kept).
    pub title_words: Vec<u32>,
    /// Stemmed content words of the body prose (code blocks and code spans removed).
    pub body_words: Vec<u32>,
    /// Identifiers named in the title or in the prose (code spans and code-like
    /// words), unique, sorted by their text.
    pub prose_idents: Vec<u32>,
    /// Identifiers quoted in fenced code blocks and snippets, unique, sorted by text.
    pub code_idents: Vec<u32>,
    /// The words of the body's code spans (`securityContext` says "security").
    pub span_words: Vec<u32>,
}

/// Interned normalised strings and memos of what raw tokens normalise to.
#[derive(Default)]
pub(crate) struct Lexicon {
    /// Key → (is identifier, normalised text).
    strings: Vec<(bool, Box<str>)>,
    words: FxMap<Box<str>, u32>,
    idents: FxMap<Box<str>, u32>,
    /// Raw prose token → its stemmed word, if it is a content word.
    raw_words: TokenMap<Option<u32>>,
    /// Raw identifier chain → (too short to be an identifier in prose, keys in
    /// `chain_keys`).
    chains: TokenMap<(bool, u32, u32)>,
    chain_keys: Vec<u32>,
    buffer: String,
    /// Reused for the prose and the fenced code of each body.
    prose_buffer: String,
    code_buffer: String,
}

impl Lexicon {
    /// The normalised text of a key, and whether it is an identifier.
    pub fn get(&self, key: u32) -> (bool, &str) {
        self.strings
            .get(key as usize)
            .map(|(ident, s)| (*ident, &**s))
            .unwrap_or((false, ""))
    }

    fn key(&mut self, ident: bool, text: &str) -> u32 {
        let map = if ident {
            &mut self.idents
        } else {
            &mut self.words
        };
        if let Some(&k) = map.get(text) {
            return k;
        }
        let k = self.strings.len() as u32;
        self.strings.push((ident, text.into()));
        map.insert(text.into(), k);
        k
    }

    /// Extracts the features of one item.
    pub fn features(&mut self, title: &str, body: &str, snippets: &[String]) -> ItemKeys {
        let mut out = ItemKeys::default();
        let (title_prose, title_spans) = split_spans(title);
        for segment in &title_prose {
            self.push_words(segment, &mut out.title_words);
        }
        for span in &title_spans {
            // `useEffect` in a title also says "effect": reviewers name the same thing
            // in code and in words.
            self.push_span_words(span, &mut out.title_words);
            self.push_idents(span, true, &mut out.prose_idents);
        }
        // Terse titles name code without backticks: "Close resp.Body before retrying".
        for segment in &title_prose {
            self.push_idents(segment, false, &mut out.prose_idents);
        }
        let mut prose_text = std::mem::take(&mut self.prose_buffer);
        let mut code = std::mem::take(&mut self.code_buffer);
        split_fences(body, &mut prose_text, &mut code);
        let (prose, spans) = split_spans(&prose_text);
        for segment in &prose {
            self.push_words(segment, &mut out.body_words);
        }
        for span in &spans {
            self.push_idents(span, true, &mut out.prose_idents);
            self.push_span_words(span, &mut out.span_words);
        }
        // The prose around the spans read as one text: a span stood for a space.
        let mut joined = std::mem::take(&mut self.buffer);
        joined.clear();
        for (i, segment) in prose.iter().enumerate() {
            if i > 0 {
                joined.push(' ');
            }
            joined.push_str(segment);
        }
        self.push_idents(&joined, false, &mut out.prose_idents);
        self.buffer = joined;
        self.push_idents(&code, true, &mut out.code_idents);
        for snippet in snippets {
            self.push_idents(snippet, true, &mut out.code_idents);
        }
        drop(prose);
        self.prose_buffer = prose_text;
        self.code_buffer = code;
        self.sort_by_text(&mut out.prose_idents);
        self.sort_by_text(&mut out.code_idents);
        out
    }

    fn sort_by_text(&self, keys: &mut Vec<u32>) {
        keys.sort_unstable();
        keys.dedup();
        keys.sort_by(|a, b| self.get(*a).1.cmp(self.get(*b).1));
    }

    /// The content words of `text`, as keys.
    pub fn push_words(&mut self, text: &str, out: &mut Vec<u32>) {
        if text.is_ascii() {
            // The same split byte by byte (the common case).
            let b = text.as_bytes();
            let word_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'\'';
            let mut i = 0;
            while i < b.len() {
                if !word_byte(b[i]) {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < b.len() && word_byte(b[i]) {
                    i += 1;
                }
                self.push_word(text.get(start..i).unwrap_or(""), out);
            }
        } else {
            for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
                self.push_word(raw, out);
            }
        }
    }

    /// Adds one raw token's content word, if it has one.
    fn push_word(&mut self, raw: &str, out: &mut Vec<u32>) {
        let raw = raw.trim_matches('\'');
        if raw.len() < 2 {
            return;
        }
        let key = match self.raw_words.get(raw) {
            Some(k) => k,
            None => {
                let k = content_word(raw).map(|w| self.key(false, &w));
                self.raw_words.insert(raw, k);
                k
            }
        };
        if let Some(k) = key {
            out.push(k);
        }
    }

    /// The words of a code span, split at camelCase and punctuation, for title
    /// matching.
    fn push_span_words(&mut self, span: &str, out: &mut Vec<u32>) {
        for part in span.split(|c: char| !c.is_alphanumeric()) {
            for piece in split_camel(part) {
                self.push_words(piece, out);
            }
        }
    }

    /// Adds the identifiers found in `text`. In code (`all_tokens`), every identifier
    /// counts; in prose only code-like words do (dotted, camelCase, snake_case, `f()`).
    fn push_idents(&mut self, text: &str, all_tokens: bool, out: &mut Vec<u32>) {
        if text.is_ascii() {
            self.push_ascii_idents(text, all_tokens, out);
        } else {
            self.push_unicode_idents(text, all_tokens, out);
        }
    }

    /// [`Self::push_idents`] for ASCII text, byte by byte (the common case).
    fn push_ascii_idents(&mut self, text: &str, all_tokens: bool, out: &mut Vec<u32>) {
        let b = text.as_bytes();
        let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let starts = |c: u8| c.is_ascii_alphabetic() || c == b'_';
        let mut i = 0;
        while i < b.len() {
            if !starts(b[i]) || (i > 0 && ident(b[i - 1])) {
                i += 1;
                continue;
            }
            let start = i;
            let mut end = i;
            loop {
                while end < b.len() && ident(b[end]) {
                    end += 1;
                }
                if end + 1 < b.len() && (b[end] == b'.' || (b[end] == b':' && b[end + 1] == b':')) {
                    let skip = if b[end] == b'.' { 1 } else { 2 };
                    if end + skip < b.len() && starts(b[end + skip]) {
                        end += skip;
                        continue;
                    }
                }
                break;
            }
            let called = end + 1 < b.len() && b[end] == b'(';
            i = end.max(start + 1);
            self.push_chain(text.get(start..end).unwrap_or(""), called, all_tokens, out);
        }
    }

    /// [`Self::push_idents`] for any text: byte offsets, characters decoded where
    /// they are looked at.
    fn push_unicode_idents(&mut self, text: &str, all_tokens: bool, out: &mut Vec<u32>) {
        let at = |i: usize| text.get(i..).and_then(|r| r.chars().next());
        let mut i = 0;
        while let Some(c) = at(i) {
            let after_ident = text
                .get(..i)
                .and_then(|r| r.chars().next_back())
                .is_some_and(is_ident_char);
            if !(c.is_alphabetic() || c == '_') || after_ident {
                i += c.len_utf8();
                continue;
            }
            // Read a dotted chain: ident(.ident)*
            let start = i;
            let mut end = i;
            loop {
                while let Some(c) = at(end).filter(|&c| is_ident_char(c)) {
                    end += c.len_utf8();
                }
                let mut rest = text.get(end..).unwrap_or("").chars();
                let (c0, c1) = (rest.next(), rest.next());
                if c1.is_some() && (c0 == Some('.') || (c0 == Some(':') && c1 == Some(':'))) {
                    // `.` and `:` are one byte each.
                    let skip = if c0 == Some('.') { 1 } else { 2 };
                    if at(end + skip).is_some_and(|c| c.is_alphabetic() || c == '_') {
                        end += skip;
                        continue;
                    }
                }
                break;
            }
            let mut rest = text.get(end..).unwrap_or("").chars();
            let called = rest.next() == Some('(') && rest.next().is_some();
            i = end.max(start + c.len_utf8());
            self.push_chain(text.get(start..end).unwrap_or(""), called, all_tokens, out);
        }
    }

    /// Adds the identifiers of one chain (`a.b::c`), if it counts where it stands.
    fn push_chain(&mut self, span: &str, called: bool, all_tokens: bool, out: &mut Vec<u32>) {
        let dotted = span.bytes().any(|b| b == b'.' || b == b':');
        if !(all_tokens || dotted || called || is_code_like(span)) {
            return;
        }
        let (short, from, len) = match self.chains.get(span) {
            Some(v) => v,
            None => {
                let v = self.chain(span, dotted);
                self.chains.insert(span, v);
                v
            }
        };
        // `e.g`, `i.e` and similar are prose, file names are still useful
        if !all_tokens && dotted && short {
            return;
        }
        let from = from as usize;
        out.extend_from_slice(&self.chain_keys[from..from + len as usize]);
    }

    /// What an identifier chain stands for: whether it is short enough to be prose
    /// when dotted, and its keys (the whole chain and its useful parts).
    fn chain(&mut self, raw: &str, dotted: bool) -> (bool, u32, u32) {
        let chain = raw.replace("::", ".");
        let short = looks_like_file_or_prose(&chain) && chain.len() < 5;
        let lower = chain.to_lowercase();
        let from = self.chain_keys.len() as u32;
        if dotted {
            let k = self.key(true, &lower);
            self.chain_keys.push(k);
            for part in lower.split('.') {
                if useful_ident(part) {
                    let k = self.key(true, part);
                    self.chain_keys.push(k);
                }
            }
        } else if useful_ident(&lower) {
            let k = self.key(true, &lower);
            self.chain_keys.push(k);
        }
        (short, from, self.chain_keys.len() as u32 - from)
    }
}

/// Splits Markdown into prose and the contents of fenced code blocks.
/// Both are cleared first.
fn split_fences(text: &str, prose: &mut String, code: &mut String) {
    prose.clear();
    code.clear();
    let mut fence: Option<Fence<'_>> = None;
    for line in text.lines() {
        match fence {
            Some(open) => {
                if Fence::read_indented(line).is_some_and(|f| f.closes(open.ch, open.len)) {
                    fence = None;
                } else {
                    code.push_str(diff_body(line));
                    code.push('\n');
                }
            }
            None => match Fence::read_indented(line) {
                Some(f) => fence = Some(f),
                None => {
                    prose.push_str(line);
                    prose.push('\n');
                }
            },
        }
    }
}

/// A code line without a leading diff marker.
fn diff_body(line: &str) -> &str {
    match line.chars().next() {
        Some('+') | Some('-') if !line.starts_with("++") && !line.starts_with("--") => &line[1..],
        _ => line,
    }
}

/// Splits inline code spans out of prose: (the prose between spans, the spans).
fn split_spans(text: &str) -> (Vec<&str>, Vec<&str>) {
    let mut prose = Vec::new();
    let mut spans = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        prose.push(&rest[..open]);
        let after = &rest[open..];
        let ticks = after.bytes().take_while(|&c| c == b'`').count();
        let inner = &after[ticks..];
        let closing = &after[..ticks];
        match inner.find(closing) {
            Some(close) => {
                spans.push(inner[..close].trim());
                rest = &inner[close + ticks..];
            }
            None => rest = inner,
        }
    }
    prose.push(rest);
    (prose, spans)
}

/// Lowercase, stop-word-free, stemmed words of prose (the reference that
/// [`Lexicon::push_words`] is checked against).
#[cfg(test)]
pub(crate) fn words(text: &str) -> Vec<String> {
    raw_tokens(text).filter_map(content_word).collect()
}

/// The raw tokens of prose, before stop words and stemming ([`content_word`]); the
/// parser's subject match reads them.
pub(crate) fn raw_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|raw| raw.trim_matches('\''))
        .filter(|raw| raw.len() >= 2)
}

/// The stemmed form of one raw token, or None for stop words, numbers and
/// one-letter tokens.
pub(crate) fn content_word(raw: &str) -> Option<String> {
    let lower: String = if raw.is_ascii() {
        raw.to_ascii_lowercase()
    } else {
        raw.chars().flat_map(char::to_lowercase).collect()
    };
    if lower.chars().count() < 2
        || lower.bytes().all(|b| b.is_ascii_digit())
        || is_stop_word(&lower)
    {
        return None;
    }
    let stemmed = stem(unnegated(&lower));
    (!stemmed.is_empty() && !is_stop_word(&stemmed)).then_some(stemmed)
}

/// A negated participle as the word it negates: reviewers say the same thing either
/// way ("unvalidated input" and "input is not validated"). `invalid` joins `validate`
/// ("an invalid schedule" is one the code did not validate); `invalidate` (a cache) is
/// another matter and stays itself.
fn unnegated(word: &str) -> &str {
    if word == "invalid" {
        return "validated";
    }
    match word.strip_prefix("un") {
        Some(rest)
            if rest.len() >= 5 && rest.ends_with("ed") && !matches!(rest, "ited" | "ified") =>
        {
            rest
        }
        _ => word,
    }
}

/// camelCase pieces of a word, as slices.
fn split_camel(word: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev_lower = false;
    for (at, c) in word.char_indices() {
        if c.is_uppercase() && prev_lower && at > start {
            out.push(&word[start..at]);
            start = at;
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    if start < word.len() {
        out.push(&word[start..]);
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
    let rules: [(&str, &str, usize); 12] = [
        ("ations", "at", 8),
        ("ation", "at", 7),
        ("ies", "y", 5),
        ("ied", "y", 5),
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

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn looks_like_file_or_prose(chain: &str) -> bool {
    chain.len() <= 4
}

/// camelCase, PascalCase with an inner capital, snake_case, SCREAMING_CASE.
fn is_code_like(word: &str) -> bool {
    if word.is_ascii() {
        // The same tests byte by byte (the common case).
        let b = word.as_bytes();
        if b.contains(&b'_') && b.len() >= 3 {
            return true;
        }
        let Some((&first, rest)) = b.split_first() else {
            return false;
        };
        let inner_upper = rest.iter().any(u8::is_ascii_uppercase);
        return if first.is_ascii_lowercase() {
            inner_upper
        } else if first.is_ascii_uppercase() {
            inner_upper && rest.first().is_some_and(u8::is_ascii_lowercase)
        } else {
            false
        };
    }
    if word.contains('_') && word.chars().count() >= 3 {
        return true;
    }
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let second = chars.clone().next();
    let inner_upper = chars.any(char::is_uppercase);
    if first.is_lowercase() {
        inner_upper
    } else if first.is_uppercase() {
        inner_upper && second.is_some_and(char::is_lowercase)
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
    static SET: OnceLock<FxSet<&'static str>> = OnceLock::new();
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
    static SET: OnceLock<FxSet<&'static str>> = OnceLock::new();
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
    fn a_negated_participle_is_the_word_it_negates() {
        let word = |w: &str| content_word(w).unwrap_or_default();
        assert_eq!(word("unvalidated"), word("validated"));
        assert_eq!(word("Unhandled"), word("handled"));
        assert_eq!(word("invalid"), word("validate"));
        // Not a negation, or another matter.
        assert_eq!(word("united"), "unit");
        assert_ne!(word("invalidate"), word("validate"));
        assert_ne!(word("under"), "der");
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
    fn lexicon_words_match_plain_words() {
        let texts = [
            "Leaking handles: the closed reader's buffer isn't flushed; 'quoted' words",
            "Überprüfung der Dateien schlägt fehl, naïve café's état 42 x9 ''",
            "a b cd e2e don't won't ''' rock'n'roll",
            "",
        ];
        let mut lexicon = Lexicon::default();
        for text in texts {
            let mut keys = Vec::new();
            lexicon.push_words(text, &mut keys);
            let got: Vec<String> = keys.iter().map(|&k| lexicon.get(k).1.to_string()).collect();
            assert_eq!(got, words(text), "{text:?}");
        }
    }

    #[test]
    fn code_like_words() {
        let check = |word: &str, expected: bool| assert_eq!(is_code_like(word), expected, "{word}");
        check("watcherMu", true);
        check("HandleLogs", true);
        check("HTTP", false);
        check("Handle", false);
        check("snake_case", true);
        check("a_", false);
        check("_ab", true);
        check("plain", false);
        check("9Lives", false);
        check("", false);
        check("éTat", true);
        check("Éta", false);
        check("ÉtaT", true);
    }

    #[test]
    fn packed_tokens_keep_lengths_apart() {
        let mut map = TokenMap::default();
        for (i, token) in ["a", "a\0", "abcdefghijklmno", "abcdefghijklmnop", ""]
            .iter()
            .enumerate()
        {
            map.insert(token, i);
        }
        for (i, token) in ["a", "a\0", "abcdefghijklmno", "abcdefghijklmnop", ""]
            .iter()
            .enumerate()
        {
            assert_eq!(map.get(token), Some(i), "{token:?}");
        }
        assert_eq!(map.get("b"), None);
    }

    #[test]
    fn ascii_and_unicode_identifier_readers_agree() {
        let texts = [
            "Reads watcherMu without the lock, e.g. in the handler; calls reader.Close().",
            "x := r.watcher.cli.ContainerLogs(ctx)\nstd::sync::Mutex::new(0) a.b. c::d:: f(",
            "_private __init__ A.B.C i.e. parse_header() MAX_SIZE useEffect ReferenceError f(x",
            "trailing dot. trailing colon: end( a..b a.1 a::1 9abc abc9.def",
            "",
            "(",
            "a",
        ];
        for all_tokens in [false, true] {
            for text in texts {
                let mut lexicon = Lexicon::default();
                let (mut a, mut b) = (Vec::new(), Vec::new());
                lexicon.push_ascii_idents(text, all_tokens, &mut a);
                lexicon.push_unicode_idents(text, all_tokens, &mut b);
                assert_eq!(a, b, "{text:?} all_tokens={all_tokens}");
            }
        }
    }

    #[derive(Debug)]
    struct Strings {
        title_words: Vec<String>,
        body_words: Vec<String>,
        prose_idents: Vec<String>,
        code_idents: Vec<String>,
    }

    #[test]
    fn extracts_prose_identifiers() {
        let mut lexicon = Lexicon::default();
        let keys = lexicon.features(
            "`HandleLogs` races on `r.watcher`",
            "Reads watcherMu without the lock, e.g. in the handler; calls reader.Close().\n\
             ```go\nreader, err := r.watcher.cli.ContainerLogs(ctx)\n```\n",
            &[],
        );
        let text = |list: &[u32]| -> Vec<String> {
            list.iter().map(|&k| lexicon.get(k).1.to_string()).collect()
        };
        let f = Strings {
            title_words: text(&keys.title_words),
            body_words: text(&keys.body_words),
            prose_idents: text(&keys.prose_idents),
            code_idents: text(&keys.code_idents),
        };
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
