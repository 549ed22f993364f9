//! Reading the line that introduces an item: the reviewer's id, the title, badges
//! (`[P1]`), inline severity and tags (`(critical, regression)`), and its locations.

use std::sync::LazyLock;

use regex::Regex;

use super::location::find_locations;
use super::markdown::{first_sentence, shorten, strip_emphasis, TITLE_MAX};
use crate::model::{Location, Scope, Severity};

/// Words that may appear in an inline tag group besides severities.
const TAG_WORDS: &[&str] = &[
    "regression",
    "gap",
    "enhancement",
    "nit",
    "security",
    "performance",
    "perf",
    "correctness",
    "bug",
    "style",
    "docs",
    "documentation",
    "test",
    "tests",
    "testing",
    "pre-existing",
    "preexisting",
    "maintainability",
    "readability",
    "reliability",
    "concurrency",
    "race",
    "leak",
    "api",
    "breaking",
    "ux",
    "accessibility",
    "a11y",
    "refactor",
    "design",
    "robustness",
    "compatibility",
    "compat",
    "privacy",
    "typo",
    "in-scope",
    "future",
    "question",
    "cleanup",
    "consistency",
    "observability",
    "logging",
    "error-handling",
    "safety",
    "memory",
    "new",
    "existing",
];
/// Words that qualify a severity without adding anything (`High Risk`, `P1 priority`).
const QUALIFIERS: &[&str] = &["risk", "priority", "severity", "impact", "issue", "fix"];

static PAREN_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<pre>[`*_]{0,2})[(\[]\s{0,3}(?P<inner>[A-Za-z][A-Za-z0-9_\- ]{0,40}(?:\s{0,3}[,/;|]\s{0,3}[A-Za-z][A-Za-z0-9_\- ]{0,40}){0,6})\s{0,3}[)\]](?P<post>[`*_]{0,2})")
        .expect("static regex")
});
/// [`PAREN_GROUP`]'s groups in `text`; none without a bracket (the common case, and a
/// capture search costs even when it finds nothing).
fn paren_groups(text: &str) -> impl Iterator<Item = regex::Captures<'_>> {
    text.contains(['(', '['])
        .then(|| PAREN_GROUP.captures_iter(text))
        .into_iter()
        .flatten()
}
static ID_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[?(?P<id>[A-Za-z]{1,3}-?[0-9]{1,4}(?:\.[0-9]{1,3})?|[0-9]{1,4})\]?(?:[.:)\]]|\s+[—–-]\s)\s*")
        .expect("static regex")
});
static BADGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\*\*)?\[(?P<b>[A-Za-z][A-Za-z0-9_\- ]{0,20})\](?:\*\*)?\s*")
        .expect("static regex")
});
/// A Markdown image whose alt text names a severity, optionally in `<sub>` tags.
static IMAGE_BADGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\s*<sub>)*\s*!\[(?P<alt>[^\]\n]{1,40})\]\([^)\s]{0,400}\)(?:\s*</sub>)*\s*")
        .expect("static regex")
});
static SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s[—–]\s|\s--?\s|\s[—–]$").expect("static regex"));
static METADATA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s{0,6}(?:[-*+]\s+)?(?:\*\*|__)?(?P<key>[A-Za-z][A-Za-z ]{1,20}?)(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*(?P<value>.+?)\s*$")
        .expect("static regex")
});
static SCOPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?P<pre>[`*_]{0,2})[(\[]\s{0,2}(?P<inner>in[- ]?scope|future|follow[- ]?up|out[- ]of[- ]scope|pre[- ]?existing)\s{0,2}[)\]](?P<post>[`*_]{0,2})")
        .expect("static regex")
});
static SEVERITY_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?P<w>critical|blocker|high|major|important|medium|warning|minor|low|nit|nitpick|suggestion)\s*(?::|\s[—–-])\s*")
        .expect("static regex")
});
static EMOJI_SEVERITY: &[(&str, Severity)] = &[
    ("🔴", Severity::Critical),
    ("🛑", Severity::Critical),
    ("🟠", Severity::Important),
    ("🟡", Severity::Suggestion),
    ("🔵", Severity::Suggestion),
    ("⚠️", Severity::Important),
];

/// The text a matched group occupies: with its `*`/`` ` `` wrappers when they wrap
/// it symmetrically (`*(future)*`), else the bracketed part only (`**Title (high)**`
/// keeps its closing `**`).
pub(crate) fn group_span(c: &regex::Captures<'_>) -> std::ops::Range<usize> {
    let (Some(whole), pre, post) = (c.get(0), c.name("pre"), c.name("post")) else {
        return 0..0;
    };
    let pre_s = pre.map_or("", |m| m.as_str());
    let post_s = post.map_or("", |m| m.as_str());
    let reversed: String = post_s.chars().rev().collect();
    if pre_s == reversed {
        whole.range()
    } else {
        let start = pre.map_or(whole.start(), |m| m.end());
        let end = post.map_or(whole.end(), |m| m.start());
        start..end
    }
}

/// What one introducing line said.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TitleLine {
    pub id: Option<String>,
    pub title: String,
    pub locations: Vec<Location>,
    /// Severity stated in words on the line (`(high)`, `(critical, regression)`).
    pub explicit: Option<Severity>,
    /// Severity from a badge (`[P1]`) or the id's prefix (`C1`).
    pub badge: Option<Severity>,
    pub tags: Vec<String>,
    pub scope: Option<Scope>,
    /// Prose after the title (a bullet's explanation), to open the body with.
    pub rest: String,
}

/// Reads a severity/tag group such as `critical, regression` or `High Risk`. Returns
/// `None` unless every word is a severity, a tag or a qualifier.
pub(crate) fn tag_group(inner: &str) -> Option<(Option<Severity>, Vec<String>, Option<Scope>)> {
    let mut severity = None;
    let mut tags = Vec::new();
    let mut scope = None;
    for part in inner.split([',', '/', ';', '|']) {
        let part = part.trim().to_ascii_lowercase();
        if part.is_empty() {
            continue;
        }
        if let Some(s) = scope_word(&part) {
            scope = Some(s);
            continue;
        }
        let words: Vec<&str> = part.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let mut part_ok = true;
        for w in &words {
            if let Some(s) = Severity::from_word(w) {
                severity = severity.or(Some(s));
                if w.starts_with("nit") {
                    push_tag(&mut tags, "nit");
                }
            } else if TAG_WORDS.contains(w) {
                push_tag(&mut tags, w);
            } else if !QUALIFIERS.contains(w) {
                part_ok = false;
            }
        }
        if !part_ok {
            return None;
        }
    }
    if severity.is_none() && tags.is_empty() && scope.is_none() {
        return None;
    }
    Some((severity, tags, scope))
}

fn scope_word(w: &str) -> Option<Scope> {
    let w: String = w.chars().filter(|c| c.is_alphanumeric()).collect();
    match w.as_str() {
        "inscope" => Some(Scope::InScope),
        "future" | "followup" | "outofscope" => Some(Scope::Future),
        "preexisting" => Some(Scope::PreExisting),
        _ => None,
    }
}

pub(crate) fn push_tag(tags: &mut Vec<String>, tag: &str) {
    let tag = match tag {
        "perf" => "performance",
        "preexisting" => "pre-existing",
        "tests" | "test" => "testing",
        "docs" => "documentation",
        other => other,
    };
    if !tags.iter().any(|t| t == tag) {
        tags.push(tag.to_string());
    }
}

/// Finds a scope marker (`(in-scope)`, `*(future)*`, `` `(pre-existing)` ``) and
/// returns it with the text where it was removed.
pub(crate) fn take_scope(text: &str) -> (Option<Scope>, String) {
    match text
        .contains(['(', '['])
        .then(|| SCOPE.captures(text))
        .flatten()
    {
        Some(c) => {
            let scope = c
                .name("inner")
                .and_then(|m| scope_word(&m.as_str().to_ascii_lowercase()));
            let whole = group_span(&c);
            let mut out = String::with_capacity(text.len());
            let after = &text[whole.end..];
            let before = &text[..whole.start];
            // `Title (future).` → `Title.`, not `Title .`
            if after.starts_with(['.', ',', ':', ';']) {
                out.push_str(before.trim_end());
            } else {
                out.push_str(before);
            }
            out.push_str(after);
            (scope, out)
        }
        None => (None, text.to_string()),
    }
}

/// Severity implied by a reviewer id: `C1` critical, `I2` important, `S3` suggestion,
/// `P0`–`P3` by priority.
pub(crate) fn id_severity(id: &str) -> Option<Severity> {
    let upper = id.to_ascii_uppercase();
    let (prefix, digits) = upper.split_at(upper.find(|c: char| c.is_ascii_digit())?);
    let prefix = prefix.trim_end_matches('-');
    match prefix {
        "C" => Some(Severity::Critical),
        "I" => Some(Severity::Important),
        "S" | "N" => Some(Severity::Suggestion),
        "P" => Severity::from_word(&format!("p{}", digits.split('.').next().unwrap_or(""))),
        _ => None,
    }
}

/// Parses an introducing line (list marker and heading hashes already removed), in
/// steps: leading badges, the title and the rest, the title's own scope and tags, the
/// locations, the leftover prose, and a leading severity word.
pub(crate) fn parse_title_line(line: &str, root: Option<&str>) -> TitleLine {
    let mut out = TitleLine::default();
    let line = line.trim();
    let s = take_badges(&mut out, line);
    // `**[P1] Data race in take** — loc`: the badge sat inside the bold title, so the
    // title is still bold up to its closing `**`.
    let reopened;
    let s = match bold_opened_by_badge(line, s) {
        Some(open) => {
            reopened = format!("{open}{s}");
            reopened.as_str()
        }
        None => s,
    };
    let (title_part, rest_part) = split_title(&mut out, s, root);

    // The title may itself carry a scope, tags or be a location (`**path:12**`).
    let (scope, title_no_scope) = take_scope(&title_part);
    out.scope = out.scope.or(scope);
    let title = strip_tag_groups(&title_no_scope, &mut out);
    let (scope, rest) = take_scope(&rest_part);
    out.scope = out.scope.or(scope);
    let (title, leftover) = take_locations(&mut out, title, &rest, root);
    out.rest = meaningful_rest(&leftover);
    let title = take_severity_lead(&mut out, clean_title(&title));
    out.title = if title.is_empty() {
        shorten(&clean_title(first_sentence(&out.rest)), TITLE_MAX)
    } else {
        title
    };
    if out.badge.is_none() {
        out.badge = out.id.as_deref().and_then(id_severity);
    }
    out
}

/// Step 1: leading emoji and bracketed badges (`🔴`, `[P1]`, `[critical]`,
/// `[security]`, `[C2]`) into `out`; returns what follows them.
fn take_badges<'s>(out: &mut TitleLine, mut s: &'s str) -> &'s str {
    // Image badges: Codex's `<sub><sub>![P1 Badge](…shields.io…)</sub></sub>`, Gemini
    // Code Assist's `![high](…high-priority.svg)`. A bold run the badge opened is
    // re-opened by `bold_opened_by_badge`.
    let bold = if s.starts_with("**") { 2 } else { 0 };
    if let Some(c) = s
        .contains("![")
        .then(|| IMAGE_BADGE.captures(&s[bold..]))
        .flatten()
    {
        let alt = c.name("alt").map_or("", |m| m.as_str());
        let word = alt
            .split(|ch: char| !ch.is_alphanumeric())
            .find_map(Severity::from_word);
        if let (Some(sev), Some(whole)) = (word, c.get(0)) {
            out.badge = out.badge.or(Some(sev));
            s = &s[bold + whole.end()..];
        }
    }
    for (emoji, sev) in EMOJI_SEVERITY {
        if let Some(rest) = s.strip_prefix(emoji) {
            out.badge = Some(*sev);
            s = rest.trim_start();
        }
    }
    let mut guard = 0;
    while let Some(c) = (s.starts_with('[') || s.starts_with("**["))
        .then(|| BADGE.captures(s))
        .flatten()
    {
        guard += 1;
        let word = c.name("b").map_or("", |m| m.as_str());
        let end = c.get(0).map_or(0, |m| m.end());
        if let Some(sev) = Severity::from_word(word) {
            out.badge = out.badge.or(Some(sev));
            if word.to_ascii_lowercase().starts_with("nit") {
                push_tag(&mut out.tags, "nit");
            }
        } else if let Some((sev, tags, scope)) = tag_group(word) {
            out.badge = out.badge.or(sev);
            for t in tags {
                push_tag(&mut out.tags, &t);
            }
            out.scope = out.scope.or(scope);
        } else if ID_PREFIX.is_match(&format!("{word}."))
            && word.chars().any(|c| c.is_ascii_digit())
        {
            out.id = Some(word.to_string());
        } else {
            break;
        }
        s = s[end..].trim_start();
        if guard > 4 {
            break;
        }
    }
    // `**[high]** — Title`: the separator after a badge is not part of the title.
    if out.badge.is_some() || out.id.is_some() {
        s = s.trim_start_matches(['—', '–', '-', ':', '|']).trim_start();
    }
    s
}

/// The bold marker a leading badge took with it when the bold run goes on after the
/// badge (`**[P1] Title** — …`), not when the badge was bold alone (`**[P1]** Title`).
fn bold_opened_by_badge(line: &str, after_badges: &str) -> Option<&'static str> {
    let open = ["**", "__"].into_iter().find(|m| line.starts_with(m))?;
    let consumed = line.strip_suffix(after_badges)?;
    let closed_in_badge = consumed.get(open.len()..)?.contains(open);
    (!after_badges.starts_with(open) && !closed_in_badge && after_badges.contains(open))
        .then_some(open)
}

/// Step 2: the title (bold, or plain up to a spaced dash, a location or a tag group)
/// and the rest of the line; a reviewer id in front goes into `out.id`.
fn split_title(out: &mut TitleLine, s: &str, root: Option<&str>) -> (String, String) {
    if let Some(after_open) = s.strip_prefix("**").or_else(|| s.strip_prefix("__")) {
        let closer = &s[..2];
        return match after_open.find(closer) {
            Some(close) => (
                take_id(out, after_open[..close].trim()),
                after_open[close + 2..].to_string(),
            ),
            None => (take_id(out, after_open), String::new()),
        };
    }
    let after_id = take_id(out, s);
    let after_id = after_id.trim_start();
    if let Some(inner) = after_id.strip_prefix("**") {
        return match inner.find("**") {
            Some(close) => (inner[..close].to_string(), inner[close + 2..].to_string()),
            None => (inner.to_string(), String::new()),
        };
    }
    let mut cut = after_id.len();
    if let Some(m) = SEPARATOR.find(after_id) {
        cut = cut.min(m.start());
    }
    if let Some(f) = find_locations(after_id, root).first() {
        cut = cut.min(f.span.start);
    }
    for c in paren_groups(after_id) {
        if let Some(inner) = c.name("inner") {
            if tag_group(inner.as_str()).is_some() {
                cut = cut.min(group_span(&c).start);
                break;
            }
        }
    }
    let cut = floor_char_boundary(after_id, cut);
    (after_id[..cut].to_string(), after_id[cut..].to_string())
}

/// Step 3: the locations of the rest (and of a title that is only a location, which
/// then leaves no title; else strong locations in the title itself) into `out`.
/// Returns the title and the rest's leftover prose without locations or tag groups.
fn take_locations(
    out: &mut TitleLine,
    mut title: String,
    rest: &str,
    root: Option<&str>,
) -> (String, String) {
    let title_locs = find_locations(&title, root);
    let title_is_location = title_locs.len() == 1
        && title_locs.first().is_some_and(|f| {
            title[..f.span.start].trim().is_empty() && title[f.span.end..].trim().is_empty()
        });
    let rest_locs = find_locations(rest, root);
    let mut leftover = String::with_capacity(rest.len());
    let mut pos = 0;
    for f in &rest_locs {
        if f.span.start >= pos {
            leftover.push_str(&rest[pos..f.span.start]);
            pos = f.span.end;
        }
    }
    leftover.push_str(&rest[pos.min(rest.len())..]);
    let leftover = strip_tag_groups(&leftover, out);
    if title_is_location {
        out.locations
            .extend(title_locs.into_iter().map(|f| f.location));
        title = String::new();
    }
    out.locations
        .extend(rest_locs.into_iter().map(|f| f.location));
    if out.locations.is_empty() {
        // Only strong locations from the title itself (`Bug in src/a.rs:12`).
        out.locations.extend(
            find_locations(&title, root)
                .into_iter()
                .map(|f| f.location)
                .filter(|l| l.line_start.is_some() || l.path.contains('/')),
        );
    }
    (title, leftover)
}

/// Step 4: the leftover prose after the title, trimmed of separators; empty when it
/// says nothing (`(entire file)` and friends).
fn meaningful_rest(leftover: &str) -> String {
    // The brackets a location sat in (`**Title** (`a.ts:35`): text`) are left empty;
    // `getAll()` keeps its parentheses.
    static EMPTY_BRACKETS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:^|\s)(?:\(\s*\)|\[\s*\])").expect("static regex"));
    let leftover = EMPTY_BRACKETS.replace_all(leftover, " ");
    let leftover = leftover
        .trim()
        .trim_start_matches(|c: char| {
            matches!(c, '—' | '–' | '-' | ':' | ',' | ';' | '.' | '|') || c.is_whitespace()
        })
        .trim()
        .to_string();
    let words = leftover
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_ascii_lowercase();
    let empty = matches!(
        words.as_str(),
        "" | "entire file" | "whole file" | "file" | "multiple" | "various" | "n/a" | "general"
    );
    if empty {
        String::new()
    } else {
        leftover
    }
}

/// Step 5: `Critical: callback leak`, `Warning — scan interval`: a severity word leading
/// the title is a statement of severity (into `out.explicit`), not part of the title.
fn take_severity_lead(out: &mut TitleLine, title: String) -> String {
    // `CRITICAL: `deploy.sh:44` — empty `$OLD` …`: the word alone before the location
    // is the severity, and the prose after it the title.
    if !out.rest.is_empty() && !title.contains(' ') {
        if let Some(sev) = Severity::from_word(&title) {
            out.explicit = out.explicit.or(Some(sev));
            return String::new();
        }
    }
    if let Some(c) = SEVERITY_LEAD
        .is_match(&title)
        .then(|| SEVERITY_LEAD.captures(&title))
        .flatten()
    {
        let word = c.name("w").map_or("", |m| m.as_str());
        if let (Some(sev), Some(whole)) = (Severity::from_word(word), c.get(0)) {
            if whole.end() < title.len() {
                out.explicit = out.explicit.or(Some(sev));
                return title[whole.end()..].trim().to_string();
            }
        }
    }
    title
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i.min(s.len())
}

/// Takes a leading reviewer id (`C1.`, `I2:`, `[S3]`, `3.`) off `s` into `out.id`.
fn take_id(out: &mut TitleLine, s: &str) -> String {
    if out.id.is_some() {
        return s.to_string();
    }
    match ID_PREFIX
        .is_match(s)
        .then(|| ID_PREFIX.captures(s))
        .flatten()
    {
        Some(c) => {
            let (id, id_end) = c.name("id").map_or(("", 0), |m| (m.as_str(), m.end()));
            let end = c.get(0).map_or(0, |m| m.end());
            // A bare number followed by more digits (`3.5x faster`) is not an id.
            let after_id = s.get(id_end + 1..).unwrap_or("");
            if id.chars().all(|c| c.is_ascii_digit())
                && after_id.starts_with(|c: char| c.is_ascii_digit())
            {
                return s.to_string();
            }
            out.id = Some(id.to_string());
            s[end..].to_string()
        }
        None => s.to_string(),
    }
}

/// Removes severity/tag groups (`(critical, regression)`, `` `(important, gap)` ``)
/// from text, recording them.
fn strip_tag_groups(text: &str, out: &mut TitleLine) -> String {
    let mut result = String::with_capacity(text.len());
    let mut pos = 0;
    for c in paren_groups(text) {
        let Some(inner) = c.name("inner") else {
            continue;
        };
        let whole = group_span(&c);
        if let Some((sev, tags, scope)) = tag_group(inner.as_str()) {
            out.explicit = out.explicit.or(sev);
            for t in tags {
                push_tag(&mut out.tags, &t);
            }
            out.scope = out.scope.or(scope);
            result.push_str(&text[pos..whole.start]);
            pos = whole.end;
        }
    }
    result.push_str(&text[pos..]);
    result
}

pub(crate) fn clean_title(title: &str) -> String {
    let t = strip_emphasis(title.trim());
    let t = t
        .trim_end_matches(|c: char| {
            matches!(c, ':' | '—' | '–' | '-' | ',' | ';' | '(' | '[') || c.is_whitespace()
        })
        .trim();
    let t = t
        .strip_suffix('.')
        .filter(|s| !s.ends_with('.'))
        .unwrap_or(t);
    strip_emphasis(t)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A metadata line in a body: `**File:** x.rs:10`, `Severity: medium`, `- Tags: security`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Metadata {
    Locations(Vec<Location>),
    Severity(Severity),
    Tags(Vec<String>),
    Scope(Scope),
}

pub(crate) fn metadata(line: &str, root: Option<&str>) -> Option<Metadata> {
    if !line.contains([':', '：']) {
        return None;
    }
    let c = METADATA.captures(line)?;
    let key = c.name("key")?.as_str().trim().to_ascii_lowercase();
    let value = c.name("value")?.as_str().trim();
    let value = value
        .strip_prefix("**")
        .unwrap_or(value)
        .trim_end_matches("**")
        .trim();
    match key.as_str() {
        "file" | "files" | "location" | "locations" | "path" | "where" | "lines" | "line"
        | "position" | "code location" => {
            let locs: Vec<Location> = find_locations(value, root)
                .into_iter()
                .map(|f| f.location)
                .collect();
            (!locs.is_empty()).then_some(Metadata::Locations(locs))
        }
        "severity" | "priority" | "risk" | "impact" | "level" => {
            let word = strip_emphasis(value)
                .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | '/' | '—'))
                .find(|w| !w.is_empty())?;
            let word = word.trim_matches(|c: char| !c.is_alphanumeric());
            let sev = if key == "risk" || key == "impact" {
                match word.to_ascii_lowercase().as_str() {
                    "high" => Some(Severity::Important),
                    "medium" | "low" => Some(Severity::Suggestion),
                    other => Severity::from_word(other),
                }
            } else {
                Severity::from_word(word)
            };
            sev.map(Metadata::Severity)
        }
        "tags" | "tag" | "category" | "categories" | "type" | "kind" | "labels" => {
            let mut tags = Vec::new();
            for part in value.split([',', '/', ';']) {
                let w = strip_emphasis(part.trim().trim_matches('`')).to_ascii_lowercase();
                if w.is_empty() || w.len() > 30 || w.contains(char::is_whitespace) {
                    return None;
                }
                push_tag(&mut tags, &w);
            }
            (!tags.is_empty()).then_some(Metadata::Tags(tags))
        }
        "scope" => scope_word(&value.to_ascii_lowercase()).map(Metadata::Scope),
        _ => None,
    }
}

/// A line that is only a tag group: `` `(critical, regression)` ``, `*(important, gap)*`.
pub(crate) fn trailer(line: &str) -> Option<(Option<Severity>, Vec<String>, Option<Scope>)> {
    let t = line.trim();
    if !t.starts_with(['(', '[', '`', '*', '_']) || !t.ends_with([')', ']', '`', '*', '_']) {
        return None;
    }
    let c = PAREN_GROUP.captures(t)?;
    let whole = c.get(0)?;
    if whole.start() != 0 || whole.end() != t.len() {
        return None;
    }
    tag_group(c.name("inner")?.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        line: &str,
        id: Option<&str>,
        title: &str,
        locs: &[&str],
        explicit: Option<Severity>,
        badge: Option<Severity>,
        tags: &[&str],
    ) {
        let t = parse_title_line(line, Some("/repo"));
        assert_eq!(t.id.as_deref(), id, "id of {line:?}");
        assert_eq!(t.title, title, "title of {line:?}");
        let got: Vec<String> = t.locations.iter().map(ToString::to_string).collect();
        assert_eq!(got, locs, "locations of {line:?}");
        assert_eq!(t.explicit, explicit, "explicit severity of {line:?}");
        assert_eq!(t.badge, badge, "badge of {line:?}");
        assert_eq!(t.tags, tags, "tags of {line:?}");
    }

    #[test]
    fn a_one_sentence_title_is_not_cut() {
        let sentence = "The retry loop never checks the context, so a cancelled request keeps retrying with backoff until the attempt budget is spent and the caller waits for nothing";
        assert!(sentence.len() > 150);
        let t = parse_title_line(&format!("`src/retry.go:12` — {sentence}. More text."), None);
        assert_eq!(t.title, sentence);
    }

    #[test]
    fn the_brackets_a_location_sat_in_do_not_stay_behind() {
        let t = parse_title_line("**Leak** (`src/a.ts:35`): the timer survives.", None);
        assert_eq!(t.rest, "the timer survives.");
    }

    #[test]
    fn title_lines() {
        use Severity::*;
        check(
            "**C1. `parse()` loses data** — `src/parse.rs:36`",
            Some("C1"),
            "`parse()` loses data",
            &["src/parse.rs:36"],
            None,
            Some(Critical),
            &[],
        );
        check(
            "I2. **Leak on close** — `src/io.ts:3-9` (important, regression)",
            Some("I2"),
            "Leak on close",
            &["src/io.ts:3-9"],
            Some(Important),
            Some(Important),
            &["regression"],
        );
        check(
            "**Retry loop never ends** (high) — app/retry.py:3",
            None,
            "Retry loop never ends",
            &["app/retry.py:3"],
            Some(Important),
            None,
            &[],
        );
        check(
            "[P1] Config reload drops env overrides",
            None,
            "Config reload drops env overrides",
            &[],
            None,
            Some(Important),
            &[],
        );
        check(
            "**pkg/db/conn.go:12** — The pool is never closed.",
            None,
            "The pool is never closed",
            &["pkg/db/conn.go:12"],
            None,
            None,
            &[],
        );
        check(
            "S4. **No tests** — `web/app.ts` (entire file)",
            Some("S4"),
            "No tests",
            &["web/app.ts"],
            None,
            Some(Suggestion),
            &[],
        );
        check(
            "3. Off-by-one in pager — a.go:3, b.go:10-12",
            Some("3"),
            "Off-by-one in pager",
            &["a.go:3", "b.go:10-12"],
            None,
            None,
            &[],
        );
        check(
            "**Passthrough lifecycle (High Risk)**: there are no tests",
            None,
            "Passthrough lifecycle",
            &[],
            Some(Important),
            None,
            &[],
        );
        check(
            "C7: Stale cache (`cache/lru.rs:12`)",
            Some("C7"),
            "Stale cache",
            &["cache/lru.rs:12"],
            None,
            Some(Critical),
            &[],
        );
        check(
            "**[P1] Data race in `take`** — `bucket.py:16`",
            None,
            "Data race in `take`",
            &["bucket.py:16"],
            None,
            Some(Important),
            &[],
        );
        check(
            "**[P0]** Unbounded copy — `src/parse.c:35-43, 50-58`",
            None,
            "Unbounded copy",
            &["src/parse.c:35-43", "src/parse.c:50-58"],
            None,
            Some(Critical),
            &[],
        );
        check(
            "CRITICAL: `scripts/deploy.sh:44` — empty `$OLD` deletes every release.",
            None,
            "empty `$OLD` deletes every release",
            &["scripts/deploy.sh:44"],
            Some(Critical),
            None,
            &[],
        );
        check(
            "**Effect cleanup misses the timer** (`src/hooks/useSearch.ts:35`): `clearTimeout` is only called on change.",
            None,
            "Effect cleanup misses the timer",
            &["src/hooks/useSearch.ts:35"],
            None,
            None,
            &[],
        );
        check(
            "🔴 **Secret in log** `(critical, security)`",
            None,
            "Secret in log",
            &[],
            Some(Critical),
            Some(Critical),
            &["security"],
        );
    }

    #[test]
    fn metadata_lines() {
        assert_eq!(
            metadata("**File:** src/x.rs:10", None),
            Some(Metadata::Locations(vec![Location::lines(
                "src/x.rs", 10, 10
            )]))
        );
        assert_eq!(
            metadata("**Severity:** medium", None),
            Some(Metadata::Severity(Severity::Important))
        );
        assert_eq!(
            metadata("- Priority: P0", None),
            Some(Metadata::Severity(Severity::Critical))
        );
        assert_eq!(metadata("Severity: this is bad", None), None);
        assert_eq!(metadata("Note: see above", None), None);
        assert_eq!(
            trailer("`(important, gap)`"),
            Some((Some(Severity::Important), vec!["gap".into()], None))
        );
        assert_eq!(trailer("(entire file)"), None);
    }
}
