//! Findings: the items under Critical/Important/Suggestions (or a plain Findings)
//! section, whatever shape the reviewer gave them — bold `**C1. Title**` paragraphs,
//! `C1. **Title**` lines, numbered or bulleted lists, one heading per finding, or
//! linter-style `path:12:5: warning: text` lines.

use std::sync::LazyLock;

use regex::Regex;

use super::location::{find_locations, normalise_path};
use super::markdown::{indent_width, is_rule, list_item, snippets, Doc, LineKind};
use super::title::{metadata, parse_title_line, push_tag, trailer, Metadata, TitleLine};
use crate::model::{ItemSource, Location, Scope, Severity};
use crate::prose::Fence;

/// An item before ids and ordinals are assigned.
#[derive(Debug, Clone)]
pub(crate) struct RawItem {
    /// Document line the item starts at (0-based), for ordering and diagnostics.
    pub line: usize,
    pub id: Option<String>,
    pub source: ItemSource,
    pub severity: Severity,
    pub severity_stated: bool,
    pub title: String,
    pub locations: Vec<Location>,
    pub body: String,
    pub snippets: Vec<String>,
    pub tags: Vec<String>,
    pub scope: Option<Scope>,
}

/// Severity a section heading gives its findings, and whether it is a nit section.
pub(crate) type HeadingSeverity = Option<(Severity, bool)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Bullet,
    Numbered,
    IdLine,
    BoldLead,
    Linter,
}

static LINTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?P<path>(?:[A-Za-z]:[\\/])?[^\s:]+):(?P<line>[0-9]{1,10})(?::(?P<col>[0-9]{1,10}))?:\s*(?:(?P<sev>error|warning|warn|info|note|hint|critical|high|medium|low|style|convention|refactor)\s*:?\s+)?(?P<msg>\S.*?)\s*(?:\[(?P<rule>[^\]\s]{1,100})\])?\s*$",
    )
    .expect("static regex")
});
static ID_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\*\*|__)?\[?[A-Za-z]{1,3}-?[0-9]{1,4}\]?(?:[.:)\]]|\s+[—–-]\s)\s*\S")
        .expect("static regex")
});

const LABELS: &[&str] = &[
    "fix",
    "note",
    "notes",
    "why",
    "impact",
    "location",
    "file",
    "files",
    "severity",
    "suggestion",
    "suggested fix",
    "proposed fix",
    "recommendation",
    "example",
    "context",
    "problem",
    "issue",
    "evidence",
    "repro",
    "reproduction",
    "details",
    "rationale",
    "risk",
    "root cause",
    "summary",
    "verdict",
    "concern",
    "before",
    "after",
    "current",
    "expected",
    "actual",
    "steps",
    "priority",
    "tags",
    "category",
    "scope",
    "lines",
    "path",
    "where",
    "tl;dr",
    "tldr",
    "update",
    "edit",
    "also",
    "nit",
    "question",
    "answer",
    "result",
];

struct Candidate {
    /// Position in the region's line list.
    k: usize,
    family: Family,
    indent: usize,
    /// Column where a list item's content starts (body lines are dedented to it).
    content_col: usize,
    /// The introducing text, list marker removed.
    text: String,
    /// The list number, used as the id when the text has none.
    number: Option<String>,
}

fn candidate(line: &str, k: usize) -> Option<Candidate> {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.contains(':')
        && !trimmed.starts_with(['-', '*', '+', '|', '`'])
        && LINTER.is_match(trimmed)
    {
        return Some(Candidate {
            k,
            family: Family::Linter,
            indent: indent_width(line),
            content_col: 0,
            text: trimmed.to_string(),
            number: None,
        });
    }
    if let Some((indent, marker, col, content)) = list_item(line) {
        let numbered = marker.starts_with(|c: char| c.is_ascii_digit());
        return Some(Candidate {
            k,
            family: if numbered {
                Family::Numbered
            } else {
                Family::Bullet
            },
            indent,
            content_col: col,
            text: content.to_string(),
            number: numbered.then(|| marker.trim_end_matches(['.', ')']).to_string()),
        });
    }
    if ID_LINE.is_match(trimmed) {
        return Some(Candidate {
            k,
            family: Family::IdLine,
            indent: indent_width(line),
            content_col: 0,
            text: trimmed.to_string(),
            number: None,
        });
    }
    let (open, rest) = if let Some(r) = trimmed.strip_prefix("**") {
        ("**", r)
    } else if let Some(r) = trimmed.strip_prefix("__") {
        ("__", r)
    } else {
        return None;
    };
    let close = rest.find(open)?;
    let inner = rest[..close].trim();
    let after = rest[close + 2..].trim_start();
    let label = inner
        .trim_end_matches([':', '.'])
        .trim()
        .to_ascii_lowercase();
    if inner.is_empty()
        || inner.ends_with(':')
        || (after.starts_with(':') && label.split_whitespace().count() <= 2)
        || LABELS.contains(&label.as_str())
    {
        return None;
    }
    Some(Candidate {
        k,
        family: Family::BoldLead,
        indent: indent_width(line),
        content_col: 0,
        text: trimmed.to_string(),
        number: None,
    })
}

/// Whether a parsed introducing line says enough to be a finding outside a findings
/// section: an id with a letter, a badge or severity word, or a location.
fn has_signals(t: &TitleLine) -> bool {
    t.id.as_deref()
        .is_some_and(|id| id.chars().any(char::is_alphabetic))
        || t.badge.is_some()
        || t.explicit.is_some()
        || !t.locations.is_empty()
}

/// What one region yields: its findings, and a closing remark after the last list
/// item that is not part of it (document lines, in order; see [`closing_remark`]).
#[derive(Debug, Default)]
pub(crate) struct Region {
    pub items: Vec<RawItem>,
    pub remark: Vec<usize>,
}

/// Reads the findings of one region (a findings section's own lines). In `strict`
/// mode (a review without any findings section) each finding needs a signal.
pub(crate) fn findings_in_region(
    doc: &Doc<'_>,
    line_ids: &[usize],
    heading: HeadingSeverity,
    strict: bool,
    root: Option<&str>,
) -> Region {
    let mut candidates: Vec<Candidate> = Vec::new();
    for (k, &i) in line_ids.iter().enumerate() {
        if doc.is_code(i) || matches!(doc.kinds.get(i), Some(LineKind::Heading { .. })) {
            continue;
        }
        if let Some(c) = candidate(doc.lines.get(i).copied().unwrap_or(""), k) {
            candidates.push(c);
        }
    }
    let first = if strict {
        candidates.iter().position(|c| {
            c.family == Family::Linter || has_signals(&parse_title_line(&c.text, root))
        })
    } else {
        (!candidates.is_empty()).then_some(0)
    };
    let Some(first) = first else {
        return Region::default();
    };
    let family = candidates[first].family;
    let base = candidates[first].indent;
    let starts: Vec<&Candidate> = candidates[first..]
        .iter()
        .filter(|c| c.family == family)
        .filter(|c| !matches!(family, Family::Bullet | Family::Numbered) || c.indent <= base + 1)
        .filter(|c| {
            !strict || c.family == Family::Linter || has_signals(&parse_title_line(&c.text, root))
        })
        .collect();
    // Whether the reviewer indents the bodies of their items: only then does an
    // unindented paragraph after the last item mean the list is over.
    let indents_bodies = matches!(family, Family::Bullet | Family::Numbered)
        && starts.iter().enumerate().any(|(n, c)| {
            let end = starts.get(n + 1).map_or(line_ids.len(), |next| next.k);
            c.content_col > 0
                && line_ids.get(c.k + 1..end).unwrap_or(&[]).iter().any(|&j| {
                    let raw = doc.lines.get(j).copied().unwrap_or("");
                    !raw.trim().is_empty() && indent_width(raw) >= c.content_col
                })
        });
    let mut out = Vec::new();
    let mut remark = Vec::new();
    for (n, c) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(line_ids.len(), |next| next.k);
        let mut body_ids = line_ids.get(c.k + 1..end).unwrap_or(&[]);
        if n + 1 == starts.len() && indents_bodies {
            let cut = closing_remark(doc, body_ids, c.content_col, root);
            remark = body_ids[cut..].to_vec();
            body_ids = &body_ids[..cut];
        }
        let line_no = line_ids[c.k];
        if c.family == Family::Linter {
            if let Some(item) = linter_item(&c.text, line_no, heading, root) {
                out.push(item);
            }
            continue;
        }
        let mut lead = c.text.clone();
        let mut body_lines: Vec<String> = Vec::new();
        let mut in_lead = true;
        for &j in body_ids {
            let raw = doc.lines.get(j).copied().unwrap_or("");
            let line = if c.content_col > 0 {
                super::markdown::dedent(raw, c.content_col)
            } else {
                raw.to_string()
            };
            // Lines right after the introducing line continue it (a wrapped paragraph).
            if in_lead {
                let structural = raw.trim().is_empty()
                    || doc.is_code(j)
                    || list_item(raw).is_some()
                    || raw.trim_start().starts_with(['|', '>', '#'])
                    || is_rule(raw)
                    || metadata(raw, root).is_some()
                    || trailer(raw).is_some();
                if !structural {
                    lead.push(' ');
                    lead.push_str(raw.trim());
                    continue;
                }
                in_lead = false;
            }
            body_lines.push(heading_as_bold(doc, j, line));
        }
        let mut item = build_item(&lead, &body_lines, heading, line_no, root);
        if item.id.is_none() {
            item.id = c.number.clone();
        }
        out.push(item);
    }
    Region { items: out, remark }
}

/// Where the last list item's body ends (an index into `body_ids`; its length when
/// the whole body is the item's). In CommonMark a line that is not indented to the
/// item's content after a blank line ends the list; reviewers often leave their
/// bodies unindented though, so the item only ends there when the reviewer indents
/// bodies elsewhere in the list and what follows is a remark about tests or
/// documentation ("No tests were added for concurrent use"):
/// an assessment of the change, read as such by the caller instead of being
/// swallowed into the last finding. Fields (`**Fix:** …`), code, tables, quotes and
/// headings stay the item's.
fn closing_remark(
    doc: &Doc<'_>,
    body_ids: &[usize],
    content_col: usize,
    root: Option<&str>,
) -> usize {
    if content_col == 0 {
        return body_ids.len();
    }
    let mut blank_before = false;
    for (k, &j) in body_ids.iter().enumerate() {
        let raw = doc.lines.get(j).copied().unwrap_or("");
        if raw.trim().is_empty() {
            blank_before = true;
            continue;
        }
        let ends = blank_before
            && indent_width(raw) < content_col
            && !doc.is_code(j)
            && !matches!(doc.kinds.get(j), Some(LineKind::Heading { .. }))
            && list_item(raw).is_none()
            && !raw.trim_start().starts_with(['|', '>', '#'])
            && !is_rule(raw)
            && metadata(raw, root).is_none()
            && trailer(raw).is_none();
        if ends {
            let rest: Vec<&str> = body_ids[k..]
                .iter()
                .map(|&i| doc.lines.get(i).copied().unwrap_or(""))
                .collect();
            return if super::assess::speaks_of_tests_or_docs(&rest.join("\n")) {
                k
            } else {
                body_ids.len()
            };
        }
        blank_before = false;
    }
    body_ids.len()
}

/// A sub-heading inside an item's body becomes a bold line (bodies carry no headings).
pub(crate) fn heading_as_bold(doc: &Doc<'_>, j: usize, line: String) -> String {
    match doc.kinds.get(j) {
        Some(LineKind::Heading { text, .. }) if !text.is_empty() => format!("**{text}**"),
        _ => line,
    }
}

fn linter_item(
    text: &str,
    line_no: usize,
    heading: HeadingSeverity,
    root: Option<&str>,
) -> Option<RawItem> {
    let c = LINTER.captures(text)?;
    let path = normalise_path(c.name("path")?.as_str(), root)?;
    let location = match c
        .name("line")
        .and_then(|m| m.as_str().parse::<u32>().ok())
        .filter(|&n| n > 0)
    {
        Some(n) => Location::lines(path, n, n),
        None => Location::file(path),
    };
    let msg = c.name("msg").map_or("", |m| m.as_str()).trim();
    let sev_word = c.name("sev").map(|m| m.as_str());
    let explicit = sev_word.and_then(|w| match w.to_ascii_lowercase().as_str() {
        "warn" => Some(Severity::Important),
        "hint" | "style" | "convention" | "refactor" => Some(Severity::Suggestion),
        other => Severity::from_word(other),
    });
    let severity = explicit.or(heading.map(|h| h.0));
    let mut body = msg.to_string();
    if let Some(rule) = c.name("rule") {
        body.push_str(&format!(" [{}]", rule.as_str()));
    }
    Some(RawItem {
        line: line_no,
        id: None,
        source: ItemSource::Finding,
        severity: severity.unwrap_or(Severity::Suggestion),
        severity_stated: severity.is_some(),
        title: super::markdown::shorten(msg, super::markdown::TITLE_MAX),
        locations: vec![location],
        body,
        snippets: Vec::new(),
        tags: Vec::new(),
        scope: None,
    })
}

/// Builds an item from its introducing text and the lines of its body.
pub(crate) fn build_item(
    lead: &str,
    body_lines: &[String],
    heading: HeadingSeverity,
    line_no: usize,
    root: Option<&str>,
) -> RawItem {
    let title = parse_title_line(lead, root);
    let mut explicit = title.explicit;
    let mut tags = title.tags.clone();
    let mut scope = title.scope;
    let mut meta_locations: Vec<Location> = Vec::new();
    let mut kept: Vec<&str> = Vec::with_capacity(body_lines.len());
    let mut fence: Option<(char, usize)> = None;
    for line in body_lines {
        let fence_here = Fence::read_indented(line);
        match (fence, fence_here) {
            (Some((c, n)), Some(f)) if f.closes(c, n) => {
                fence = None;
                kept.push(line);
                continue;
            }
            (Some(_), _) => {
                kept.push(line);
                continue;
            }
            (None, Some(f)) => {
                fence = Some((f.ch, f.len));
                kept.push(line);
                continue;
            }
            (None, None) => {}
        }
        if let Some((sev, ts, sc)) = trailer(line) {
            explicit = explicit.or(sev);
            for t in ts {
                push_tag(&mut tags, &t);
            }
            scope = scope.or(sc);
            continue;
        }
        match metadata(line, root) {
            Some(Metadata::Locations(l)) => {
                if meta_locations.is_empty() {
                    meta_locations = l;
                }
                continue;
            }
            Some(Metadata::Severity(s)) => {
                explicit = explicit.or(Some(s));
                continue;
            }
            Some(Metadata::Tags(ts)) => {
                for t in ts {
                    push_tag(&mut tags, &t);
                }
                continue;
            }
            Some(Metadata::Scope(s)) => {
                scope = scope.or(Some(s));
                continue;
            }
            None => {}
        }
        kept.push(line);
    }
    let mut body = trim_body(&kept);
    if !title.rest.is_empty() {
        body = if body.is_empty() {
            title.rest.clone()
        } else {
            format!("{}\n\n{}", title.rest, body)
        };
    }
    if let Some((_, true)) = heading {
        push_tag(&mut tags, "nit");
    }
    let severity = explicit.or(title.badge).or(heading.map(|h| h.0));
    let mut locations = title.locations.clone();
    if locations.is_empty() {
        locations = meta_locations;
    }
    if locations.is_empty() {
        // A body that opens with its location (`` `src/cache.rs:112` — `peek()` … ``).
        locations = leading_location(&body, root).into_iter().collect();
    }
    RawItem {
        line: line_no,
        id: title.id.clone(),
        source: ItemSource::Finding,
        severity: severity.unwrap_or(Severity::Suggestion),
        severity_stated: severity.is_some(),
        title: title.title.clone(),
        snippets: snippets(&body),
        locations,
        body,
        tags,
        scope,
    }
}

/// The location a body's first line starts with, if it starts with one.
fn leading_location(body: &str, root: Option<&str>) -> Option<Location> {
    let first = body.lines().find(|l| !l.trim().is_empty())?;
    let indent = first.len() - first.trim_start().len();
    find_locations(first, root)
        .into_iter()
        .find(|f| f.span.start == indent)
        .map(|f| f.location)
}

/// Joins body lines, dropping blank lines and `---` rules at either end.
pub(crate) fn trim_body(lines: &[&str]) -> String {
    let mut a = 0;
    let mut b = lines.len();
    while a < b && (lines[a].trim().is_empty() || is_rule(lines[a])) {
        a += 1;
    }
    while b > a && (lines[b - 1].trim().is_empty() || is_rule(lines[b - 1])) {
        b -= 1;
    }
    let kept = &lines[a..b];
    let mut body = String::with_capacity(kept.iter().map(|l| l.len() + 1).sum());
    for (i, line) in kept.iter().enumerate() {
        if i > 0 {
            body.push('\n');
        }
        body.push_str(line.trim_end());
    }
    body
}

/// Whether a heading outside any findings section is itself a finding: it carries an
/// id, a badge, a severity or a location, or its body opens with metadata lines.
pub(crate) fn heading_is_finding(
    doc: &Doc<'_>,
    heading_line: usize,
    text: &str,
    root: Option<&str>,
) -> bool {
    if has_signals(&parse_title_line(text, root)) {
        return true;
    }
    let mut seen = 0;
    for j in heading_line + 1..doc.lines.len() {
        if matches!(doc.kinds.get(j), Some(LineKind::Heading { .. })) {
            break;
        }
        let l = doc.lines[j];
        if l.trim().is_empty() {
            continue;
        }
        if matches!(
            metadata(l, root),
            Some(Metadata::Severity(_) | Metadata::Locations(_))
        ) {
            return true;
        }
        // A heading over findings of its own (`**[high]** — Title`) is a container.
        if candidate(l, j).is_some_and(|c| has_signals(&parse_title_line(&c.text, root))) {
            return false;
        }
        seen += 1;
        if seen >= 3 {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linter_lines() {
        let item = linter_item(
            "src/a.rs:12:5: warning: unused variable `x` [unused]",
            0,
            None,
            None,
        )
        .expect("a linter line");
        assert_eq!(item.locations, vec![Location::lines("src/a.rs", 12, 12)]);
        assert_eq!(item.severity, Severity::Important);
        assert_eq!(item.title, "unused variable `x`");
        assert!(LINTER.is_match(r"C:\x\y.go:3: error: boom"));
        assert!(!LINTER.is_match("Note: see docs"));
    }
}
