//! Secrets in text, the way gitleaks finds them: well-known key formats, private key
//! blocks, and high-entropy strings assigned to names such as `api_key` or `password`.
//! The builtin reviewer reports them on added lines; [`mask_secrets`] masks every one
//! it recognises in anything deep-review writes (reports, run records, terminal
//! lines), whoever wrote the text. Values are only ever shown masked ([`mask`]). Pure.

mod json;

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

pub use json::{to_masked_json, write_masked_json};

/// One secret-looking value on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHit {
    /// Stable rule name, e.g. `aws-access-key-id`.
    pub rule: &'static str,
    /// What it looks like, for the title: "AWS access key id".
    pub what: &'static str,
    /// The raw value (never shown: see [`mask`]); empty for private key headers,
    /// whose line holds nothing secret.
    pub value: String,
    /// The name the value is assigned to, when the line is an assignment.
    pub name: Option<String>,
}

struct Rule {
    rule: &'static str,
    what: &'static str,
    pattern: Regex,
}

fn rule(rule: &'static str, what: &'static str, pattern: &str) -> Option<Rule> {
    Regex::new(pattern).ok().map(|pattern| Rule {
        rule,
        what,
        pattern,
    })
}

/// Key formats with a recognisable prefix. Capture group 1 is the secret. Word
/// boundaries are ASCII (`(?-u:\b)`): keys are ASCII, and a Unicode `\b` sends the regex
/// engine to its slowest path on any line with a non-ASCII character (an em dash), which
/// made masking a large report take most of its time.
static FORMATS: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    [
        rule(
            "aws-access-key-id",
            "AWS access key id",
            r"(?-u:\b)((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})(?-u:\b)",
        ),
        rule(
            "github-token",
            "GitHub token",
            r"(?-u:\b)(gh[pousr]_[A-Za-z0-9]{36,255})(?-u:\b)",
        ),
        rule(
            "github-fine-grained-token",
            "GitHub fine-grained token",
            r"(?-u:\b)(github_pat_[A-Za-z0-9_]{22,255})(?-u:\b)",
        ),
        rule(
            "slack-token",
            "Slack token",
            r"(?-u:\b)(xox[baprs]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,})",
        ),
        rule(
            "stripe-live-key",
            "Stripe live key",
            r"(?-u:\b)((?:sk|rk)_live_[0-9A-Za-z]{20,})(?-u:\b)",
        ),
        rule(
            "google-api-key",
            "Google API key",
            r"(?-u:\b)(AIza[0-9A-Za-z_\-]{35})",
        ),
        rule(
            "anthropic-api-key",
            "Anthropic API key",
            r"(?-u:\b)(sk-ant-[A-Za-z0-9_\-]{32,})",
        ),
        rule(
            "openai-api-key",
            "OpenAI-style API key",
            r"(?-u:\b)(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{32,})",
        ),
        rule(
            "jwt",
            "JSON Web Token",
            r"(?-u:\b)(eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,})",
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
});

static PRIVATE_KEY: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----").ok());

/// `name = "value"`, `name: value`, `"name": "value"`, `name := "value"` where the name
/// ends in a secret-ish word. Group `name`, then `q` (quoted value) or `bare`.
static ASSIGNMENT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?P<name>[A-Za-z0-9_.\-]*(?:key|secret|token|password|passwd|pwd|credentials?|auth))s?["']?(?:\s*:\s*&?(?:'static\s+)?[A-Za-z_][\w<>:\[\]]*|\s+[A-Za-z_]\w*)?\s*(?::=|=>|\?\?=|=|:)\s*(?:[rbuf]?["'`](?P<q>[^"'`\s]{16,})["'`]|(?P<bare>[A-Za-z0-9+/_\-=]{20,})\s*$)"#,
    )
    .ok()
});

/// Secret-looking values on one line.
pub fn scan_line(line: &str) -> Vec<SecretHit> {
    let mut hits: Vec<SecretHit> = Vec::new();
    let name = assignment_name(line);
    for r in FORMATS.iter() {
        for cap in r.pattern.captures_iter(line) {
            let Some(m) = cap.get(1) else { continue };
            let value = m.as_str();
            // `sk-ant-…` also matches the OpenAI shape; keep the more precise rule.
            if hits
                .iter()
                .any(|h| h.value.contains(value) || value.contains(&h.value))
            {
                continue;
            }
            if r.rule == "openai-api-key" && !looks_random(value.trim_start_matches("sk-")) {
                continue;
            }
            hits.push(SecretHit {
                rule: r.rule,
                what: r.what,
                value: value.to_string(),
                name: name.clone(),
            });
        }
    }
    if let Some(re) = PRIVATE_KEY.as_ref() {
        if re.is_match(line) {
            hits.push(SecretHit {
                rule: "private-key",
                what: "private key block",
                value: String::new(),
                name: None,
            });
        }
    }
    if let Some(hit) = generic_assignment(line) {
        let overlaps = hits.iter().any(|h| {
            !h.value.is_empty() && (h.value.contains(&hit.value) || hit.value.contains(&h.value))
        });
        if !overlaps {
            hits.push(hit);
        }
    }
    hits
}

fn generic_assignment(line: &str) -> Option<SecretHit> {
    let cap = ASSIGNMENT.as_ref()?.captures(line)?;
    let name = cap.name("name")?.as_str();
    let (value, quoted) = match (cap.name("q"), cap.name("bare")) {
        (Some(q), _) => (q.as_str(), true),
        (None, Some(b)) => (b.as_str(), false),
        _ => return None,
    };
    if is_placeholder(value) || is_placeholder(name) || !looks_random(value) {
        return None;
    }
    // Unquoted values must look even more like keys (no words, no paths).
    if !quoted && (value.contains('/') && !value.contains('+') || entropy(value) < 4.0) {
        return None;
    }
    Some(SecretHit {
        rule: "high-entropy-assignment",
        what: "high-entropy secret assigned to a secret-like name",
        value: value.to_string(),
        name: Some(name.to_string()),
    })
}

/// The left-hand side of an assignment on the line, if it is one.
fn assignment_name(line: &str) -> Option<String> {
    static NAME: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r#"([A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*(?::=|=>|=|:)\s*"#).ok());
    let cap = NAME.as_ref()?.captures(line)?;
    Some(cap.get(1)?.as_str().to_string())
}

/// Mixed letters and digits, not a word or a path, and enough entropy to be random.
fn looks_random(value: &str) -> bool {
    let has_digit = value.chars().any(|c| c.is_ascii_digit());
    let has_alpha = value.chars().any(|c| c.is_ascii_alphabetic());
    let is_env_name = value
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    let is_path_or_url = value.starts_with('/')
        || value.starts_with("./")
        || value.contains("://")
        || value.contains("::");
    let is_dotted_name = value.contains('.')
        && value
            .split('.')
            .all(|part| part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        && value.split('.').count() > 1
        && !value.starts_with("eyJ");
    // `user_profile_cache_v2`, `auth-token-2`: words with a short number, not a key.
    let is_words = value
        .split(['_', '-', '.', ':'])
        .filter(|p| !p.is_empty())
        .all(|part| {
            let letters = part.trim_end_matches(|c: char| c.is_ascii_digit());
            let digits = part.len() - letters.len();
            letters.chars().all(|c| c.is_ascii_lowercase()) && digits <= 3
                || part.chars().all(|c| c.is_ascii_digit())
        })
        && value.contains(['_', '-', '.', ':']);
    has_digit
        && has_alpha
        && !is_words
        && !is_env_name
        && !is_path_or_url
        && !is_dotted_name
        && entropy(value) >= 3.5
}

/// Words that mark a value or name as a placeholder or a fixture.
const PLACEHOLDER_WORDS: [&str; 16] = [
    "example",
    "dummy",
    "fake",
    "sample",
    "placeholder",
    "changeme",
    "change_me",
    "redacted",
    "xxxx",
    "your_",
    "your-",
    "mock",
    "<",
    "${",
    "{{",
    "****",
];

/// `xxx`, `changeme`, `<token>`, `${TOKEN}`, `EXAMPLE` keys, env lookups….
pub fn is_placeholder(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    if lower.starts_with('$') || lower.starts_with('%') || lower.contains("getenv") {
        return true;
    }
    // One repeated character (`aaaaaaaa`, `00000000`).
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => true,
    }
}

/// Whether the line's assignment name says the value is a fixture (`example_key`).
pub(crate) fn name_is_placeholder(hit: &SecretHit) -> bool {
    hit.name.as_deref().is_some_and(|n| {
        let n = n.to_ascii_lowercase();
        ["example", "dummy", "fake", "sample", "mock", "test"]
            .iter()
            .any(|w| n.contains(w))
    })
}

/// Whether `value` is part of a line of text a test hands to the code under test (a
/// scanner's or parser's fixture) rather than a credential the test uses: it sits in
/// a string literal nested inside another one (after an escaped quote,
/// `"const K = \"AKIA…\""`, or inside a Rust raw string, `r#"key = "…""#`), or in a
/// string literal that holds more than the value (`"token: ghp_…"`).
pub(crate) fn is_embedded_fixture(line: &str, value: &str) -> bool {
    let Some(at) = line.find(value) else {
        return false;
    };
    let before = line.get(..at).unwrap_or("");
    let mut quotes = 0;
    let mut escaped = false;
    for c in before.chars() {
        if c == '"' && !escaped {
            quotes += 1;
        }
        escaped = c == '\\' && !escaped;
    }
    let in_string_with_text = quotes % 2 == 1 && !before.ends_with('"');
    before.ends_with("\\\"")
        || before.ends_with("\\'")
        || before.contains("r#\"")
        || before.contains("r##\"")
        || in_string_with_text
}

/// Whether a private key header on `line` comes without key material a test could
/// leak: the header alone in a string literal (`"-----BEGIN RSA PRIVATE KEY-----"`),
/// or a whole block on the line whose body is too short to be a key.
pub(crate) fn is_private_key_stub(line: &str) -> bool {
    let Some(re) = PRIVATE_KEY.as_ref() else {
        return false;
    };
    let Some(header) = re.find(line) else {
        return false;
    };
    let rest = line.get(header.end()..).unwrap_or("");
    if rest.starts_with('"') || rest.starts_with('\'') {
        return true;
    }
    match rest.find("-----END") {
        Some(end) => {
            let body = rest.get(..end).unwrap_or("");
            body.chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
                .count()
                < 64
        }
        None => false,
    }
}

/// Shannon entropy in bits per character.
pub(crate) fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut total = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let n = total as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// One pattern over the key formats and private key headers: each has a literal
/// prefix, so the text is searched at memchr speed. Assignments have none (their
/// names are case-insensitive words after anything); [`assignment_values`] finds them.
static FORMAT_OR_KEY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let patterns = FORMATS
        .iter()
        .map(|r| r.pattern.as_str())
        .chain(PRIVATE_KEY.as_ref().map(Regex::as_str));
    let union: Vec<String> = patterns.map(|p| format!("(?:{p})")).collect();
    Regex::new(&union.join("|")).ok()
});

/// The start of every line [`scan_line`] may find something on, in order: lines with a
/// key format or a key header, and lines with an assignment-shaped value.
fn candidate_lines(text: &str) -> Vec<usize> {
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut starts: Vec<usize> = FORMAT_OR_KEY
        .iter()
        .flat_map(|re| re.find_iter(text))
        .map(|m| line_start(m.start()))
        .collect();
    starts.extend(assignment_values(text).map(line_start));
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// Where [`ASSIGNMENT`] could match: every `=` or `:` (the last character of each of
/// its operators, `=>` aside) followed, after spaces, by a value of its shape: quoted,
/// 16 characters or more, or bare to the end of the line, 20 or more. A necessary
/// condition only (the name is not looked at), so no assignment is missed, and a text
/// without one is passed over at memchr speed.
fn assignment_values(text: &str) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr2_iter(b'=', b':', text.as_bytes()).filter(move |&at| {
        let rest = &text[at + 1..];
        value_shaped(rest) || rest.strip_prefix('>').is_some_and(value_shaped)
    })
}

/// Whether `rest` (what follows an assignment operator) starts with a value
/// [`ASSIGNMENT`] takes: `"16+ characters"` (optionally `r`/`b`/`u`/`f`-prefixed, any
/// quote) or 20+ key characters with only spaces after them on the line.
fn value_shaped(rest: &str) -> bool {
    const QUOTES: [char; 3] = ['"', '\'', '`'];
    let rest = rest.trim_start();
    let unprefixed = rest
        .strip_prefix(['r', 'b', 'u', 'f', 'R', 'B', 'U', 'F'])
        .unwrap_or(rest);
    for quoted in [rest, unprefixed] {
        if let Some(inner) = quoted.strip_prefix(QUOTES) {
            let run = inner
                .find(|c: char| QUOTES.contains(&c) || c.is_whitespace())
                .unwrap_or(inner.len());
            if inner[..run].chars().count() >= 16 && inner[run..].starts_with(QUOTES) {
                return true;
            }
        }
    }
    // Case-insensitive, `[A-Za-z]` also holds the Kelvin sign and the long s (they
    // fold to `k` and `s`).
    let key_char = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, '+' | '/' | '_' | '-' | '=' | '\u{212A}' | '\u{17F}')
    };
    let run = rest.find(|c: char| !key_char(c)).unwrap_or(rest.len());
    run >= 20
        && rest[run..]
            .chars()
            .take_while(|&c| c != '\n')
            .all(char::is_whitespace)
}

/// `text` with every secret value [`scan_line`] recognises masked (`AKIA****`), and
/// the body of every private key block replaced by `****`. Placeholders are left as
/// they are. Borrowed when there is nothing to mask. Text that is about to be escaped
/// (JSON, HTML) is masked before it is: see [`to_masked_json`].
pub fn mask_secrets(text: &str) -> Cow<'_, str> {
    // Most strings a report holds (ids, names, paths, severities) are shorter than any
    // secret: no search for them.
    if text.len() < SHORTEST_SECRET {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    // Everything before `copied` is in `out`; lines before `done` have been looked at.
    let mut copied = 0;
    let mut done = 0;
    let mut changed = false;
    for start in candidate_lines(text) {
        if start < done {
            continue;
        }
        let mut end = line_end(text, start);
        let line = &text[start..end];
        let mut masked = line.to_string();
        let mut in_key = false;
        for found in scan_line(line) {
            if found.rule == "private-key" {
                in_key = !line.contains("-----END");
                continue;
            }
            if found.value.is_empty() || is_placeholder(&found.value) {
                continue;
            }
            masked = masked.replace(&found.value, &mask(&found.value));
        }
        // A key block's body, up to its END line, goes whatever it holds.
        while in_key && end < text.len() {
            let next = line_end(text, end);
            let body = &text[end..next];
            if body.contains("-----END") {
                in_key = false;
                masked.push_str(body);
            } else {
                masked.push_str("****");
                masked.push_str(&body[body.trim_end_matches(['\n', '\r']).len()..]);
            }
            end = next;
        }
        if masked != text[start..end] {
            out.push_str(&text[copied..start]);
            out.push_str(&masked);
            copied = end;
            changed = true;
        }
        done = end;
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// [`mask_secrets`] for a text already owned: the same `String` back when nothing is
/// masked.
pub fn masked(text: String) -> String {
    match mask_secrets(&text) {
        Cow::Owned(masked) => masked,
        Cow::Borrowed(_) => text,
    }
}

/// No text [`mask_secrets`] changes is shorter than this, in bytes: the shortest key
/// format (an AWS key id) is 20 characters, and an assignment needs a name, an
/// operator and a value of 16 or more. A test holds every pattern to it.
const SHORTEST_SECRET: usize = 20;

/// The end of the line `at` is in, past its newline.
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// The first four characters, then `****`: `AKIA****`.
pub fn mask(value: &str) -> String {
    let head: String = value.chars().take(4).collect();
    format!("{head}****")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`SHORTEST_SECRET`] lets [`mask_secrets`] pass over short texts: it must not be
    /// longer than the shortest text any pattern matches.
    #[test]
    fn no_pattern_matches_a_text_shorter_than_the_shortest_secret() {
        let patterns = FORMATS
            .iter()
            .map(|r| &r.pattern)
            .chain(PRIVATE_KEY.as_ref())
            .chain(ASSIGNMENT.as_ref());
        let mut checked = 0;
        for pattern in patterns {
            let hir = regex_syntax::parse(pattern.as_str()).expect("a valid pattern");
            let shortest = hir
                .properties()
                .minimum_len()
                .expect("a pattern that can match");
            assert!(
                shortest >= SHORTEST_SECRET,
                "`{pattern}` matches {shortest} bytes, under SHORTEST_SECRET ({SHORTEST_SECRET})"
            );
            checked += 1;
        }
        assert_eq!(checked, FORMATS.len() + 2, "every pattern was compiled");
        let shortest_key = "AKIA7QZXW2M4KD9RTB3E";
        assert_eq!(shortest_key.len(), SHORTEST_SECRET);
        assert_ne!(mask_secrets(shortest_key), shortest_key);
    }

    /// A value at the end of a line that is not the text's last was missed by the
    /// whole-text prefilter once (`$` matched only at the very end).
    #[test]
    fn a_bare_assignment_is_masked_on_any_line() {
        let value: String = ["q8Vt3Lp", "Z0rX7mK", "2wN5bY9", "cH4"].concat();
        let text = format!("first line\nAPI_TOKEN={value}\nlast line\n");
        let masked = mask_secrets(&text);
        assert!(!masked.contains(&value), "{masked}");
        assert!(
            masked.contains("API_TOKEN=q8Vt****\nlast line\n"),
            "{masked}"
        );
        assert_eq!(mask_secrets(&masked), masked, "idempotent");
    }

    /// An assignment left open at the end of a line (`token =`) once made the search
    /// skip the next line, key and all.
    #[test]
    fn a_key_after_an_open_assignment_is_masked() {
        let aws = format!("AKIA{}", "Q7XZ3M2KPLR5TWNB");
        let text = format!("```\ntoken =\n  {aws}\n```\n");
        assert_eq!(mask_secrets(&text), "```\ntoken =\n  AKIA****\n```\n");
    }

    mod candidates {
        use proptest::prelude::*;

        use super::super::*;

        /// Pieces lines with secrets are made of, and of near misses.
        fn piece() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("api_key".to_string()),
                Just("Secret".to_string()),
                Just("PASSWD".to_string()),
                Just("token".to_string()),
                Just("auth".to_string()),
                Just("\u{212A}ey".to_string()),
                Just(" ".to_string()),
                Just("\u{a0}".to_string()),
                Just("\t".to_string()),
                Just("=".to_string()),
                Just(":".to_string()),
                Just(":=".to_string()),
                Just("=>".to_string()),
                Just("??=".to_string()),
                Just(": &'static str".to_string()),
                Just(" string".to_string()),
                Just("\"".to_string()),
                Just("'".to_string()),
                Just("`".to_string()),
                Just("r\"".to_string()),
                Just("F'".to_string()),
                Just("\\".to_string()),
                Just("-----BEGIN RSA PRIVATE KEY-----".to_string()),
                "[A-Za-z0-9+/_=-]{1,30}",
                "[a-zA-Z0-9]{16,24}",
                "q8Vt3LpZ0rX7mK2wN5bY9cH4[a-z0-9]{0,6}",
                "(AKIA|ghp_|sk-|xoxb-|AIza|eyJ)[A-Za-z0-9]{8,40}",
                "[\u{17F}\u{212A}\u{e9}]{1,3}",
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2048))]

            /// Every line [`scan_line`] finds something on is one the masking looks at:
            /// the cheap candidate search never hides a secret from it.
            #[test]
            fn every_line_with_a_hit_is_a_candidate(
                pieces in proptest::collection::vec(piece(), 1..12),
                newline in any::<bool>(),
            ) {
                let mut line = pieces.concat();
                if newline {
                    line.push('\n');
                }
                if !scan_line(&line).is_empty() {
                    prop_assert_eq!(candidate_lines(&line), vec![0], "{:?}", line);
                }
            }
        }
    }

    #[test]
    fn masking_covers_every_kind_and_nothing_else() {
        // Built at run time, so the repository holds no literal key.
        let aws = format!("AKIA{}", "Q7XZ3M2KPLR5TWNB");
        let gh = format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8");
        let text = format!(
            "The key `{aws}` and token {gh} leak.\nplain line\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----\napi_key = \"your_api_key_here\"\n"
        );
        let masked = mask_secrets(&text);
        assert!(!masked.contains(&aws) && !masked.contains(&gh), "{masked}");
        assert_eq!(
            masked,
            "The key `AKIA****` and token ghp_**** leak.\nplain line\n-----BEGIN RSA PRIVATE KEY-----\n****\n****\n-----END RSA PRIVATE KEY-----\napi_key = \"your_api_key_here\"\n"
        );
        assert!(matches!(mask_secrets("nothing here\n"), Cow::Borrowed(_)));
        assert_eq!(mask_secrets(&masked), masked, "masking is idempotent");
    }

    fn check(line: &str, expected: &[&str]) {
        let got: Vec<&str> = scan_line(line).iter().map(|h| h.rule).collect();
        assert_eq!(got, expected, "{line}");
    }

    #[test]
    fn key_formats() {
        check(r#"aws_id = "AKIAZ3MHQW7XK2PLV9TD""#, &["aws-access-key-id"]);
        check(
            "token: ghp_4Fq9ZkLm2Rt7Yw1Xv8Bn3Cd6Ef0Gh5Ij2Kl9",
            &["github-token"],
        );
        check(
            "T=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
            &["github-fine-grained-token"],
        );
        check(
            "SLACK=xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp",
            &["slack-token"],
        );
        check(
            "stripe = 'sk_live_51Hq2xYz9AbCdEfGhIjKlMnOp'",
            &["stripe-live-key"],
        );
        check(
            "key=AIzaSyD3x7Q9mN2vB8cL1kJ4hG6fD5sA0pO9iU7",
            &["google-api-key"],
        );
        check(
            r#"ANTHROPIC_API_KEY = "sk-ant-api03-Zx8Qw2Ee4Rr6Tt8Yy0Uu2Ii4Oo6Pp8Aa0Ss""#,
            &["anthropic-api-key"],
        );
        check(
            r#"openai = "sk-proj-Zx8Qw2Ee4Rr6Tt8Yy0Uu2Ii4Oo6Pp8Aa0Ss3Dd""#,
            &["openai-api-key"],
        );
        check("-----BEGIN RSA PRIVATE KEY-----", &["private-key"]);
        check("-----BEGIN OPENSSH PRIVATE KEY-----", &["private-key"]);
        check(
            "auth: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            &["jwt"],
        );
    }

    #[test]
    fn generic_assignments() {
        check(
            r#"api_key = "q8Zr3Lm0Xw7Tb2Nc9Vd4""#,
            &["high-entropy-assignment"],
        );
        check(
            r#"  "clientSecret": "f3K9m2Qx7Lp0Wz5Rt8Yv","#,
            &["high-entropy-assignment"],
        );
        check(
            "DB_PASSWORD=Xk29fLq03mZp7TwR8vNs",
            &["high-entropy-assignment"],
        );
        // Typed declarations: Rust, TypeScript, Go.
        check(
            r#"pub const WAREHOUSE_API_SECRET: &str = "wh_live_9fQ2xL7vRt4ZpK8mN3sYbC6dJ1aE5gHu";"#,
            &["high-entropy-assignment"],
        );
        check(
            r#"const sessionToken: string = "Zq7Lw2Xr9Mv4Tb8Nc3Kd";"#,
            &["high-entropy-assignment"],
        );
        check(
            r#"var apiSecret string = "Zq7Lw2Xr9Mv4Tb8Nc3Kd""#,
            &["high-entropy-assignment"],
        );
    }

    #[test]
    fn not_secrets() {
        check(r#"api_key = os.environ["API_KEY"]"#, &[]);
        check(r#"password = "changeme""#, &[]);
        check(r#"token = "<your-token-here>""#, &[]);
        check(r#"secret = "${SECRET_FROM_VAULT_1234}""#, &[]);
        check(r#"let key = "user_profile_cache_v2";"#, &[]);
        check(r#"auth_token = "xxxxxxxxxxxxxxxxxxxxxxxx""#, &[]);
        check(
            r#"const TOKEN_URL = "https://example.com/oauth/token";"#,
            &[],
        );
        check(r#"key: "app.settings.theme.dark_mode""#, &[]);
        check(r#"password_field = "password_input_2""#, &[]);
        check(r#"let sk = "sk-learn-is-a-library";"#, &[]);
        check(
            r#"integrity sha512-3Jp0cXDuT9e1G1ZqWy0zYkXH6b5J5dQ0p3gK4Q9Y5tY1Qy8aJ5Xw=="#,
            &[],
        );
        check(
            "checksum = \"1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d\"",
            &[],
        );
    }

    #[test]
    fn the_documented_aws_example_is_a_placeholder() {
        let hits = scan_line(r#"example_key = "AKIAIOSFODNN7EXAMPLE""#);
        assert_eq!(hits.len(), 1);
        assert!(is_placeholder(&hits[0].value));
        assert!(name_is_placeholder(&hits[0]));
    }

    #[test]
    fn embedded_fixtures() {
        let key = "AKIAZ3MHQW7XK2PLV9TD";
        for (line, embedded) in [
            (
                r#"    "mod t {\n const K: &str = \"AKIAZ3MHQW7XK2PLV9TD\";\n}\n","#,
                true,
            ),
            (r##"check(r#"aws = "AKIAZ3MHQW7XK2PLV9TD""#, &[]);"##, true),
            (r#"write("a.py", 'k = \'AKIAZ3MHQW7XK2PLV9TD\'')"#, true),
            (r#"const K: &str = "AKIAZ3MHQW7XK2PLV9TD";"#, false),
            (r#"aws_id = "AKIAZ3MHQW7XK2PLV9TD""#, false),
            (r#"check("aws=AKIAZ3MHQW7XK2PLV9TD", &[]);"#, true),
            (
                r#"assert_eq!(mask("AKIAZ3MHQW7XK2PLV9TD"), "AKIA****");"#,
                false,
            ),
            ("AWS_ACCESS_KEY_ID=AKIAZ3MHQW7XK2PLV9TD", false),
            ("no key here", false),
        ] {
            assert_eq!(is_embedded_fixture(line, key), embedded, "{line}");
        }
    }

    #[test]
    fn private_key_stubs() {
        for (line, stub) in [
            (r#"check("-----BEGIN RSA PRIVATE KEY-----", &[]);"#, true),
            (
                r#""-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\n-----END RSA PRIVATE KEY-----\n","#,
                true,
            ),
            (r#"const KEY: &str = r"-----BEGIN PRIVATE KEY-----"#, false),
            ("-----BEGIN OPENSSH PRIVATE KEY-----", false),
            (
                &format!(
                    r#"k = "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----""#,
                    "MIIEowIBAAKCAQEA7bq".repeat(5)
                ),
                false,
            ),
        ] {
            assert_eq!(is_private_key_stub(line), stub, "{line}");
        }
    }

    #[test]
    fn masking_keeps_four_characters() {
        assert_eq!(mask("AKIAZ3MHQW7XK2PLV9TD"), "AKIA****");
        assert_eq!(mask("ab"), "ab****");
        assert!(entropy("aaaa") < 0.01);
        assert!(entropy("q8Zr3Lm0Xw7Tb2Nc9Vd4") > 4.0);
    }
}
