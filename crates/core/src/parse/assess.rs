//! The non-finding sections: design concerns and strengths, the Testing /
//! Documentation / Commit assessments (and the concrete gaps they name, which become
//! items), acknowledged limitations, the coverage summary, the verdict.

use std::sync::LazyLock;

use regex::Regex;

use super::findings::{trim_body, RawItem};
use super::location::find_locations;
use super::markdown::{
    blocks, first_sentence, shorten, strip_emphasis, Block, BlockKind, Doc, TITLE_MAX,
};
use super::title::{clean_title, tag_group, take_scope};
use crate::model::{CoverageEntry, Decision, ItemSource, Limitation, Location, Scope, Severity};

/// Gap language that makes an assessment entry a concrete problem.
static STRONG_GAP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?-u:\b)(?:no|without)\s+(?:[\w`'-]+\s+){0,3}?(?:tests?|coverage|unit|integration|docs?|documentation|docstrings?|doc-?comments?|comments?|changelog|examples?|mention|assertions?|checks?|bats|e2e|benchmarks?|readme|regression)(?-u:\b)
        | (?-u:\b)not\s+(?:covered|tested|documented|updated|exercised|mentioned|handled|verified|described|reflected|explained)(?-u:\b)
        | (?-u:\b)(?:missing|lacks?|lacking|untested|undocumented|absent|stale|outdated|out[ -]of[ -]date|wrong|incorrect|inaccurate|misleading|obsolete)(?-u:\b)
        | (?-u:\b)(?:does|do|did|is|are|was|were|has|have)\s*n(?:o|')t(?-u:\b)
        | (?-u:\b)never(?-u:\b)
        | (?-u:\b)still\s+(?:documents|describes|says|refers|mentions|references|points|shows|uses|lists)(?-u:\b)
        | (?-u:\b)fails?\s+to(?-u:\b)
        | (?-u:\b)(?:mixes|mixed\s+with|unrelated\s+changes?|squash|fixup!?|should\s+be\s+split|split\s+(?:it|this|them)\s+into)(?-u:\b)",
    )
    .expect("static regex")
});
static WEAK_GAP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:should|needs?|must|consider|would\s+(?:benefit|help)|worth\s+adding)(?-u:\b)",
    )
    .expect("static regex")
});
static NO_ISSUES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\W*(?:no\s+(?:issues|concerns|problems|findings|comments|notes)|none|n/a|nothing(?-u:\b)|not applicable|looks good|lgtm|all good)")
        .expect("static regex")
});

/// The entries of a section that is report material rather than findings (Unresolved
/// Feedback, a later round's verification): each list item, else each paragraph, as one
/// line; "None." and its friends are no entry. A paragraph that only introduces the list
/// after it (ends with `:`) is no entry either.
pub(crate) fn section_entries(doc: &Doc<'_>, line_ids: &[usize]) -> Vec<String> {
    let bs = blocks(doc, line_ids);
    let has_list = bs.iter().any(|b| b.kind == BlockKind::ListItem);
    bs.iter()
        .filter(|b| match b.kind {
            BlockKind::ListItem => true,
            BlockKind::Paragraph => !has_list || !b.text.trim_end().ends_with(':'),
            BlockKind::Table | BlockKind::Code => false,
        })
        .map(|b| crate::prose::one_line(&b.text))
        .filter(|t| !NO_ISSUES.is_match(t) && !t.trim().is_empty())
        .collect()
}

/// A list entry outside any section that is a later round's verdict on an earlier
/// finding (`Round 2 P1 (unbounded retries): fixed.`).
static PRIOR_ENTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\W*(?:round\s+[0-9]{1,3}|(?:previous|prior|earlier|last)(?:\s+round)?|previously\s+reported)(?-u:\b).{0,200}?(?-u:\b)(?:fixed|resolved|addressed|still\s+(?:open|present|there)|not\s+(?:yet\s+)?fixed|unresolved|remains?)(?-u:\b)")
        .expect("static regex")
});

/// Splits the later round's verdict entries (see [`PRIOR_ENTRY`]) off a run of lines
/// that is not a known section: the entries, and the lines left for the findings.
pub(crate) fn take_prior_entries(doc: &Doc<'_>, line_ids: &[usize]) -> (Vec<String>, Vec<usize>) {
    let bs = blocks(doc, line_ids);
    let mut entries = Vec::new();
    let mut taken: Vec<std::ops::Range<usize>> = Vec::new();
    for (k, b) in bs.iter().enumerate() {
        if b.kind != BlockKind::ListItem || !PRIOR_ENTRY.is_match(lead_of(&b.text)) {
            continue;
        }
        entries.push(crate::prose::one_line(&b.text));
        let end = bs.get(k + 1).map_or(usize::MAX, |n| n.start);
        taken.push(b.start..end);
    }
    if entries.is_empty() {
        return (entries, line_ids.to_vec());
    }
    let rest = line_ids
        .iter()
        .copied()
        .filter(|i| !taken.iter().any(|r| r.contains(i)))
        .collect();
    (entries, rest)
}

/// The items an assessment section names: entries with gap language. An intro
/// paragraph that states the gap (`No tests are added. Ranked by risk:`) followed by a
/// list of specifics is one item; a list whose entries each state a gap gives one item
/// per entry.
pub(crate) fn assessment_items(
    doc: &Doc<'_>,
    line_ids: &[usize],
    source: ItemSource,
    root: Option<&str>,
) -> Vec<RawItem> {
    let bs = blocks(doc, line_ids);
    let mut out = Vec::new();
    let mut k = 0;
    while k < bs.len() {
        let b = &bs[k];
        match b.kind {
            BlockKind::Paragraph => {
                // The list right after this paragraph, if any.
                let mut list_end = k + 1;
                while list_end < bs.len() && bs[list_end].kind == BlockKind::ListItem {
                    list_end += 1;
                }
                let list = &bs[k + 1..list_end];
                let para_gap = is_gap(&b.text);
                if list.is_empty() {
                    if para_gap {
                        out.push(item_from(&[b], source, root));
                    }
                    k += 1;
                    continue;
                }
                let strong = list
                    .iter()
                    .filter(|l| is_strong_gap(lead_of(&l.text)))
                    .count();
                if para_gap && strong * 2 <= list.len() {
                    let mut group: Vec<&Block> = vec![b];
                    group.extend(list.iter());
                    out.push(item_from(&group, source, root));
                } else {
                    for l in list {
                        if is_gap(&l.text) {
                            out.push(item_from(&[l], source, root));
                        }
                    }
                }
                k = list_end;
            }
            BlockKind::ListItem => {
                if is_gap_lead_in(&b.text) {
                    // `- Missing:` then `- a concurrency test`: a flattened nested
                    // list; each following entry is one of the gaps it announces.
                    let lead = strip_emphasis(b.text.trim()).trim_end_matches(':').trim();
                    k += 1;
                    while let Some(entry) = bs.get(k).filter(|e| e.kind == BlockKind::ListItem) {
                        if is_gap_lead_in(&entry.text) {
                            break;
                        }
                        if !not_a_finding(&entry.text) {
                            let mut item = item_from(&[entry], source, root);
                            if !is_gap(&entry.text) {
                                item.title = format!("{lead}: {}", item.title);
                            }
                            out.push(item);
                        }
                        k += 1;
                    }
                    continue;
                }
                if is_gap(&b.text) {
                    out.push(item_from(&[b], source, root));
                }
                k += 1;
            }
            BlockKind::Table | BlockKind::Code => k += 1,
        }
    }
    out
}

/// The first sentence with gap language, else the first sentence.
fn gap_sentence(text: &str) -> &str {
    sentences(text)
        .find(|s| is_gap(s))
        .unwrap_or_else(|| first_sentence(text.trim()))
}

/// Whether an assessment entry is an item: it states a gap, or it points at a finding
/// by id (kept only if the review has that finding, see [`super::refs`]).
fn is_gap(text: &str) -> bool {
    states_gap(text)
        || (!is_label_or_lead_in(text)
            && sentences(text).any(|s| !not_a_finding(s) && super::refs::mentions_id(s)))
}

/// The sentences of a text, in order (at most 20).
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text.trim();
    std::iter::from_fn(move || {
        let s = first_sentence(rest);
        if s.is_empty() {
            return None;
        }
        rest = match rest.find(s) {
            Some(i) => rest[i + s.len()..].trim_start(),
            None => "",
        };
        Some(s)
    })
    .take(20)
}

/// Words that say a text is about the change's tests.
const TEST_WORDS: &str = r"tests?|testing|tested|untested|coverage|covered";
/// Words that say a text is about its documentation.
const DOC_WORDS: &str = r"docs?|documentation|docstrings?|readme|changelog";

/// Whether `text` speaks of tests (a closing remark that is a testing assessment).
pub(crate) fn speaks_of_tests(text: &str) -> bool {
    static TESTS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(r"(?i)(?-u:\b)(?:{TEST_WORDS})(?-u:\b)")).expect("static regex")
    });
    TESTS.is_match(text)
}

/// Whether `text` speaks of tests or documentation (an assessment, not a finding's
/// second paragraph).
pub(crate) fn speaks_of_tests_or_docs(text: &str) -> bool {
    static ASSESSMENT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"(?i)(?-u:\b)(?:{TEST_WORDS}|{DOC_WORDS})(?-u:\b)"
        ))
        .expect("static regex")
    });
    ASSESSMENT.is_match(text)
}

/// Whether an assessment entry states a gap in words: one of its sentences has gap
/// language and is not a remark that is never a finding ("The docstrings are clear.
/// No README changes required." states none).
pub(crate) fn states_gap(text: &str) -> bool {
    if NO_ISSUES.is_match(strip_emphasis(lead_of(text))) || is_label_or_lead_in(text) {
        return false;
    }
    sentences(text).any(|s| (STRONG_GAP.is_match(s) || WEAK_GAP.is_match(s)) && !not_a_finding(s))
}

/// `Missing:`, `Untested:`, `**Not covered:**` alone: a lead-in announcing gaps.
fn is_gap_lead_in(text: &str) -> bool {
    let t = strip_emphasis(text.trim());
    t.ends_with(':') && t.split_whitespace().count() <= 4 && STRONG_GAP.is_match(t)
}

/// What a reviewer says in an assessment that is never a finding: a disclaimer about
/// what they did not run ("I did not run the suite; this is from reading the code"),
/// a "nothing to do" remark ("No documentation updates needed"), a list lead-in
/// ("Missing:") or a bold label alone ("**Retry state machine**").
pub(crate) fn not_a_finding(text: &str) -> bool {
    static NOTHING_TO_DO: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?ix)
            ^\W*no\s+(?:further\s+|additional\s+|other\s+|more\s+|new\s+|extra\s+)?(?:[\w`'./-]+\s+){0,3}?(?:updates?|changes?|tests?|docs?|documentation|work|action|edits?)\s+(?:are\s+|is\s+|seem\s+|seems\s+)?(?:needed|required|necessary|warranted|expected|called\s+for)(?-u:\b)
            | (?-u:\b)nothing\s+(?:else\s+|more\s+|further\s+)?(?:to\s+(?:add|change|do|fix|test|update|report|flag|note)|(?:is\s+)?(?:needed|required)|else)(?-u:\b)
            | ^\W*(?:none|no\s+issues?|no\s+concerns?|no\s+problems?)\s+(?:found|spotted|seen|noted)",
        )
        .expect("static regex")
    });
    static DISCLAIMER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?ix)
            ^\W*I\s+(?:did\s+not|didn't|have\s+not|haven't|could\s+not|couldn't|cannot|can't|was\s+unable\s+to|wasn't\s+able\s+to|was\s+not\s+able\s+to)\s+(?:\w+\s+){0,2}?(?:run|build|execute|test|compile|verify|check|reproduce|try|deploy|apply|plan)(?-u:\b)
            | ^\W*I\s+ran\s
            | ^\W*(?:this|the\s+review)\s+is\s+(?:from|based\s+on)\s+reading(?-u:\b)
            | ^\W*(?:not\s+run|untried)\s+(?:locally|here)(?-u:\b)",
        )
        .expect("static regex")
    });
    if is_label_or_lead_in(text) {
        return true;
    }
    let first = first_sentence(strip_emphasis(text.trim()));
    NOTHING_TO_DO.is_match(first) || DISCLAIMER.is_match(first)
}

/// A lead-in (a few words ending with a colon, introducing what follows) or a bold
/// label alone (`**Retry state machine**`).
fn is_label_or_lead_in(text: &str) -> bool {
    let t = strip_emphasis(text.trim());
    let words = t.split_whitespace().count();
    if words <= 5 && t.ends_with(':') {
        return true;
    }
    let trimmed = text.trim();
    trimmed.len() > 4
        && trimmed.starts_with("**")
        && trimmed.ends_with("**")
        && words <= 4
        && !trimmed[2..trimmed.len() - 2].contains("**")
}

fn is_strong_gap(text: &str) -> bool {
    !NO_ISSUES.is_match(strip_emphasis(text)) && STRONG_GAP.is_match(text)
}

/// The first line (or first paragraph line) of a block's text.
fn lead_of(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// An item from an assessment entry (one block or an intro with its list).
fn item_from(group: &[&Block], source: ItemSource, root: Option<&str>) -> RawItem {
    let first = group[0];
    let text = first.text.trim();
    // `**Title (High Risk)**: explanation` or plain prose.
    let (title_src, rest) = split_bold_lead(text);
    // Risk words in an assessment (`(High Risk)`) rank the gaps against each other;
    // they are not a finding's severity: an assessment item is a suggestion unless a
    // findings-section member of its finding says otherwise.
    let (severity, stated) = (Severity::Suggestion, false);
    let mut title = String::new();
    if let Some(bold) = title_src {
        let (_, cleaned) = risk_severity(bold);
        title = clean_title(&cleaned);
    }
    let prose = if title.is_empty() { text } else { rest };
    // The sentence that states the gap (`Tests pass. X is not covered.` → the second).
    let lead_sentence = gap_sentence(prose);
    if title.is_empty() {
        title = shorten(&clean_title(lead_sentence), TITLE_MAX);
    }
    // Locations: from the bold title and the first sentence only.
    let mut locations: Vec<Location> = Vec::new();
    for src in [title_src.unwrap_or(""), lead_sentence] {
        if locations.is_empty() {
            locations = find_locations(src, root)
                .into_iter()
                .map(|f| f.location)
                .take(1)
                .collect();
        }
    }
    let body_parts: Vec<&str> = group.iter().map(|b| b.text.as_str()).collect();
    let body = if group.len() > 1 {
        // Re-add list markers for the list entries.
        let mut s = String::from(body_parts[0]);
        for (n, b) in group[1..].iter().enumerate() {
            s.push_str(if n == 0 { "\n\n" } else { "\n" });
            s.push_str(&format!("{}. ", n + 1));
            s.push_str(&b.text.replace('\n', "\n   "));
        }
        s
    } else {
        body_parts[0].to_string()
    };
    RawItem {
        line: first.start,
        id: None,
        source,
        severity,
        severity_stated: stated,
        title,
        locations,
        snippets: super::markdown::snippets(&body),
        body,
        tags: Vec::new(),
        scope: None,
    }
}

/// `**Bold**: rest` → (Some(bold), rest); otherwise (None, text).
fn split_bold_lead(text: &str) -> (Option<&str>, &str) {
    let Some(after) = text.strip_prefix("**") else {
        return (None, text);
    };
    match after.find("**") {
        Some(close) => {
            let rest = after[close + 2..].trim_start_matches(|c: char| {
                matches!(c, ':' | '—' | '–' | '-' | '.') || c.is_whitespace()
            });
            (Some(&after[..close]), rest)
        }
        None => (None, text),
    }
}

/// Severity stated in an assessment entry: `(High Risk)` → important, `(critical)` →
/// critical, `(low)` → suggestion. Returns the text without the group.
fn risk_severity(text: &str) -> (Option<Severity>, String) {
    static GROUP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?P<pre>[`*_]{0,2})[(\[](?P<inner>[^()\[\]\n]{1,40})[)\]](?P<post>[`*_]{0,2})")
            .expect("static regex")
    });
    for c in GROUP.captures_iter(text) {
        let Some(inner) = c.name("inner") else {
            continue;
        };
        let whole = super::title::group_span(&c);
        if tag_group(inner.as_str()).is_none() {
            continue;
        }
        let lower = inner.as_str().to_ascii_lowercase();
        let sev = if lower.contains("critical") || lower.contains("blocker") || lower.contains("p0")
        {
            Some(Severity::Critical)
        } else if lower.contains("high")
            || lower.contains("important")
            || lower.contains("major")
            || lower.contains("p1")
        {
            Some(Severity::Important)
        } else if lower.contains("medium")
            || lower.contains("low")
            || lower.contains("minor")
            || lower.contains("nit")
        {
            Some(Severity::Suggestion)
        } else {
            None
        };
        if sev.is_some() {
            let mut s = String::from(&text[..whole.start]);
            s.push_str(&text[whole.end..]);
            return (sev, s);
        }
    }
    (None, text.to_string())
}

/// A design concern or strength before ids are given.
#[derive(Debug, Clone)]
pub(crate) struct RawDesign {
    pub line: usize,
    pub id: Option<String>,
    pub title: String,
    pub body: String,
    pub scope: Option<Scope>,
    pub locations: Vec<Location>,
}

/// Design items in a run of lines: one per top-level list entry or paragraph.
pub(crate) fn design_items(
    doc: &Doc<'_>,
    line_ids: &[usize],
    root: Option<&str>,
) -> Vec<RawDesign> {
    let bs = blocks(doc, line_ids);
    let has_list = bs.iter().any(|b| b.kind == BlockKind::ListItem);
    let mut out: Vec<RawDesign> = Vec::new();
    for b in &bs {
        match b.kind {
            BlockKind::ListItem => {}
            BlockKind::Paragraph if !has_list || b.text.starts_with("**") => {}
            // Code, tables and prose between entries belong to the entry before.
            _ => {
                if let Some(last) = out.last_mut() {
                    last.body.push_str("\n\n");
                    last.body.push_str(&b.text);
                }
                continue;
            }
        }
        if NO_ISSUES.is_match(strip_emphasis(lead_of(&b.text))) {
            continue;
        }
        out.push(design_item(&b.text, b.start, root));
    }
    out
}

/// One design entry from its text (`**Title** *(in-scope)*. Explanation…`).
pub(crate) fn design_item(text: &str, line: usize, root: Option<&str>) -> RawDesign {
    let (scope, text_no_scope) = take_scope(text);
    let (bold, rest) = split_bold_lead(text_no_scope.trim());
    let (id, title) = match bold {
        Some(b) => {
            let t = super::title::parse_title_line(&format!("**{b}**"), root);
            (t.id, t.title)
        }
        None => (
            None,
            shorten(&clean_title(first_sentence(&text_no_scope)), TITLE_MAX),
        ),
    };
    let lead = first_sentence(if bold.is_some() {
        rest
    } else {
        text_no_scope.as_str()
    });
    let mut locations: Vec<Location> = find_locations(bold.unwrap_or(""), root)
        .into_iter()
        .map(|f| f.location)
        .collect();
    if locations.is_empty() {
        locations = find_locations(lead, root)
            .into_iter()
            .map(|f| f.location)
            .collect();
    }
    let body = match bold {
        Some(_) => rest.trim().to_string(),
        None => text_no_scope.trim().to_string(),
    };
    RawDesign {
        line,
        id,
        title,
        body,
        scope,
        locations,
    }
}

/// Design item from a heading and its body lines.
pub(crate) fn design_from_heading(
    heading: &str,
    body_lines: &[&str],
    line: usize,
    root: Option<&str>,
) -> RawDesign {
    let (scope, heading) = take_scope(heading);
    let t = super::title::parse_title_line(&heading, root);
    let (body_scope, body) = take_scope(&trim_body(body_lines));
    RawDesign {
        line,
        id: t.id,
        title: t.title,
        body: body.trim().to_string(),
        scope: scope.or(t.scope).or(body_scope),
        locations: t.locations,
    }
}

/// Acknowledged limitations: one per list entry (or paragraph), with the first location.
pub(crate) fn limitations(
    doc: &Doc<'_>,
    line_ids: &[usize],
    root: Option<&str>,
) -> Vec<Limitation> {
    let mut out = Vec::new();
    for b in blocks(doc, line_ids) {
        if !matches!(b.kind, BlockKind::ListItem | BlockKind::Paragraph) {
            continue;
        }
        if NO_ISSUES.is_match(strip_emphasis(lead_of(&b.text))) {
            continue;
        }
        let loc = b
            .text
            .lines()
            .find_map(|l| find_locations(l, root).into_iter().next())
            .map(|f| f.location);
        let text = b
            .text
            .lines()
            .map(|l| match super::markdown::list_item(l) {
                Some((.., content)) => content.trim(),
                None => l.trim(),
            })
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        out.push(Limitation {
            path: loc.as_ref().map(|l| l.path.clone()),
            line: loc.and_then(|l| l.line_start),
            text,
        });
    }
    out
}

/// Coverage summary: table rows or list entries naming a file and a note.
pub(crate) fn coverage(
    doc: &Doc<'_>,
    line_ids: &[usize],
    root: Option<&str>,
) -> Vec<CoverageEntry> {
    let mut out = Vec::new();
    for b in blocks(doc, line_ids) {
        match b.kind {
            BlockKind::Table => {
                for row in b.text.lines() {
                    let cells = table_cells(row);
                    let Some(first) = cells.first() else { continue };
                    if cells
                        .iter()
                        .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
                    {
                        continue;
                    }
                    let Some(loc) = find_locations(first, root).into_iter().next() else {
                        continue;
                    };
                    let note = cells[1..]
                        .iter()
                        .map(|c| plain(c))
                        .filter(|c| !c.is_empty())
                        .collect::<Vec<_>>()
                        .join(" | ");
                    out.push(CoverageEntry {
                        path: loc.location.path,
                        note,
                    });
                }
            }
            BlockKind::ListItem | BlockKind::Paragraph => {
                let line = lead_of(&b.text);
                let Some(found) = find_locations(line, root).into_iter().next() else {
                    continue;
                };
                let after = line.get(found.span.end..).unwrap_or("");
                let note = after.trim_start_matches(|c: char| {
                    matches!(c, ':' | '—' | '–' | '-' | '|' | ',') || c.is_whitespace()
                });
                out.push(CoverageEntry {
                    path: found.location.path,
                    note: plain(note),
                });
            }
            BlockKind::Code => {}
        }
    }
    out
}

fn table_cells(row: &str) -> Vec<&str> {
    let t = row.trim().trim_start_matches('|').trim_end_matches('|');
    t.split('|').map(str::trim).collect()
}

/// Text with emphasis markers removed.
fn plain(s: &str) -> String {
    s.replace("**", "").replace("__", "").trim().to_string()
}

/// Normalises a reviewer's verdict words.
pub(crate) fn decision(words: &str) -> Option<Decision> {
    let w = words.to_ascii_lowercase().replace(['*', '`'], "");
    let w = w.replace(['-', '_'], " ");
    let has = |s: &str| w.contains(s);
    if has("with fixes")
        || has("with changes")
        || has("after fixes")
        || has("with minor")
        || has("conditional")
        || has("with suggestions")
    {
        return Some(Decision::MergeWithFixes);
    }
    if has("changes requested")
        || has("request changes")
        || has("request_changes")
        || has("requesting changes")
        || has("rework")
        || has("block")
        || has("do not merge")
        || has("don't merge")
        || has("reject")
        || has("needs work")
        || has("not ready")
        || has("needs changes")
    {
        return Some(Decision::Rework);
    }
    if has("approve")
        || has("lgtm")
        || has("merge as is")
        || has("ship it")
        || has("looks good")
        || has("ready to merge")
    {
        return Some(Decision::MergeAsIs);
    }
    None
}

static VERDICT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s{0,3}(?:[-*]\s+)?(?:\*\*|__)?(?:final\s+|overall\s+)?(?:verdict|recommendation|decision)(?:\*\*|__)?\s*[:：—–-]\s*(?:\*\*|__)?\s*(?P<v>.+?)\s*$")
        .expect("static regex")
});

/// A verdict stated in a line: `**Verdict:** Approve`, `| Verdict | Changes requested |`.
pub(crate) fn verdict_in_line(line: &str) -> Option<String> {
    let t = line.trim();
    let lower = t.get(..t.len().min(64)).unwrap_or(t).to_ascii_lowercase();
    if !["verdict", "recommendation", "decision"]
        .iter()
        .any(|k| lower.contains(k))
    {
        return None;
    }
    if t.starts_with('|') {
        let cells = table_cells(t);
        let key = plain(cells.first()?).to_ascii_lowercase();
        if matches!(
            key.as_str(),
            "verdict" | "recommendation" | "decision" | "final verdict"
        ) {
            let v = plain(cells.get(1)?);
            return (!v.is_empty()).then_some(v);
        }
        return None;
    }
    let c = VERDICT_LINE.captures(t)?;
    let v = c.name("v")?.as_str().trim_end_matches("**").trim();
    let v = strip_emphasis(v).to_string();
    (!v.is_empty() && v.len() <= 300).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_words() {
        let cases = [
            ("Changes requested", Some(Decision::Rework)),
            ("REQUEST CHANGES", Some(Decision::Rework)),
            ("Block", Some(Decision::Rework)),
            ("Approve with fixes", Some(Decision::MergeWithFixes)),
            ("merge-with-fixes", Some(Decision::MergeWithFixes)),
            ("Approve", Some(Decision::MergeAsIs)),
            ("LGTM", Some(Decision::MergeAsIs)),
            ("merge as-is", Some(Decision::MergeAsIs)),
            ("Comment", None),
        ];
        for (input, want) in cases {
            assert_eq!(decision(input), want, "{input}");
        }
        assert_eq!(
            verdict_in_line("| Verdict | Changes requested |").as_deref(),
            Some("Changes requested")
        );
        assert_eq!(
            verdict_in_line("**Verdict:** Approve with fixes").as_deref(),
            Some("Approve with fixes")
        );
        assert_eq!(verdict_in_line("| Files | 2 |"), None);
    }

    #[test]
    fn gap_language() {
        let cases = [
            ("No tests are added.", true),
            ("There is no unit test for the retry path.", true),
            ("The README still describes the old flag.", true),
            ("No issues.", false),
            ("Single commit, single concept.", false),
            ("Tests pass.", false),
            ("The docstring should mention the timeout.", true),
            ("The second commit mixes a rename with the fix.", true),
        ];
        for (input, want) in cases {
            assert_eq!(is_gap(input), want, "{input}");
        }
    }
}
