//! Reading a reviewer's review into a [`ParsedReview`]: the fenced JSON block when
//! there is one, otherwise the Markdown itself. Pure; never fails, never panics:
//! what cannot be read becomes a diagnostic.
//!
//! The Markdown path finds sections by their names and *relative* heading levels (a
//! review may be demoted any number of levels, headings may have seven or more `#`),
//! then reads each section with the reader for its kind: [`findings`] for finding
//! lists, [`assess`] for design, assessments, limitations and coverage.

mod assess;
mod findings;
mod json;
mod location;
mod markdown;
mod sections;
mod title;

use std::collections::HashSet;

pub use json::REVIEW_JSON_SCHEMA;
pub use location::parse_location;

use crate::model::{DesignItem, Diagnostic, ItemSource, Location, ParsedReview, ReviewItem, Scope};
use assess::RawDesign;
use findings::{HeadingSeverity, RawItem};
use markdown::{Doc, LineKind};
use sections::SectionKind;

/// Every location named in one line of review text, in order, repository-relative.
pub fn find_locations(line: &str, checkout_root: Option<&str>) -> Vec<Location> {
    location::find_locations(line, checkout_root)
        .into_iter()
        .map(|f| f.location)
        .collect()
}

/// Parses one review. `checkout_root` is the absolute path the reviewer worked in (when
/// known), stripped from absolute paths so locations are repository-relative.
pub fn parse_review(
    reviewer: &str,
    pass: u32,
    text: &str,
    checkout_root: Option<&str>,
) -> ParsedReview {
    let text = text.trim_start_matches('\u{feff}');
    let mut review = ParsedReview {
        reviewer: reviewer.to_string(),
        pass,
        ..ParsedReview::default()
    };
    if text.trim().is_empty() {
        review.diagnostics.push(Diagnostic {
            line: None,
            message: "the review is empty".to_string(),
        });
        return review;
    }
    let mut diagnostics = Vec::new();
    if let Some(j) = json::find_json_review(text, checkout_root, &mut diagnostics) {
        review.from_json = true;
        review.summary = j.summary;
        review.verdict_text = j.verdict_text;
        review.verdict = j.verdict;
        review.testing = j.testing;
        review.documentation = j.documentation;
        review.commits = j.commits;
        review.limitations = j.limitations;
        review.coverage = j.coverage;
        review.items = finish_items(j.items, &mut diagnostics);
        review.design_concerns = finish_design(j.concerns, "design");
        review.strengths = finish_design(j.strengths, "strength");
        review.diagnostics = diagnostics;
        return review;
    }
    parse_markdown(&mut review, text, checkout_root, &mut diagnostics);
    review.diagnostics = diagnostics;
    review
}

/// What a heading is, decided from its name and the section it sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    /// Unknown heading (the review's title, say): transparent.
    Container,
    Section(SectionKind),
    Finding(HeadingSeverity),
    DesignEntry {
        strength: bool,
    },
    /// A sub-heading inside something else's content.
    Inherit,
}

struct Heading {
    line: usize,
    level: usize,
    text: String,
    node: Node,
    /// The node whose content this heading's lines belong to (itself unless Inherit).
    owner: usize,
    /// The nearest non-transparent node at or above this heading (for context).
    context: Option<usize>,
    parent: Option<usize>,
}

fn decide(text: &str, ctx: Option<Node>, doc: &Doc<'_>, line: usize, root: Option<&str>) -> Node {
    let class = sections::classify(text);
    let short = sections::heading_words(text).len() <= 3;
    let signals = || findings::heading_is_finding(doc, line, text, root);
    match ctx {
        None | Some(Node::Container) => match class {
            Some(k) => Node::Section(k),
            None if signals() => Node::Finding(None),
            None => Node::Container,
        },
        Some(Node::Section(k)) if k.holds_findings() => {
            let heading_sev = match k {
                SectionKind::SeverityGroup { severity, nit } => Some((severity, nit)),
                _ => None,
            };
            match class {
                Some(c @ SectionKind::SeverityGroup { .. }) => Node::Section(c),
                Some(c)
                    if short
                        && !matches!(
                            c,
                            SectionKind::Findings | SectionKind::Summary | SectionKind::Concerns
                        )
                        && !signals() =>
                {
                    Node::Section(c)
                }
                _ => Node::Finding(heading_sev),
            }
        }
        Some(Node::Section(SectionKind::Design)) => match class {
            Some(c @ (SectionKind::Concerns | SectionKind::Strengths)) => Node::Section(c),
            Some(c) if short && c != SectionKind::Design => Node::Section(c),
            _ => Node::DesignEntry { strength: false },
        },
        Some(Node::Section(k @ (SectionKind::Concerns | SectionKind::Strengths))) => match class {
            Some(c) if short && c != SectionKind::Design => Node::Section(c),
            _ => Node::DesignEntry {
                strength: k == SectionKind::Strengths,
            },
        },
        Some(Node::Finding(_) | Node::DesignEntry { .. } | Node::Inherit) => Node::Inherit,
        Some(Node::Section(_)) => match class {
            Some(c) => Node::Section(c),
            None => Node::Inherit,
        },
    }
}

fn parse_markdown(
    review: &mut ParsedReview,
    text: &str,
    root: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let doc = Doc::new(text, sections::is_pseudo_heading, diagnostics);

    // 1. Headings, with what each one is.
    let mut headings: Vec<Heading> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    // owner_of_line[i] = index into `headings` owning line i (None: before any heading).
    let mut owner_of_line: Vec<Option<usize>> = vec![None; doc.lines.len()];
    for (i, kind) in doc.kinds.iter().enumerate() {
        if let LineKind::Heading { level, text } = kind {
            while stack.last().is_some_and(|&h| headings[h].level >= *level) {
                stack.pop();
            }
            let parent = stack.last().copied();
            let ctx_idx = parent.and_then(|p| headings[p].context);
            let ctx = ctx_idx.map(|c| headings[c].node);
            let node = decide(text, ctx, &doc, i, root);
            let idx = headings.len();
            let owner = match (node, parent) {
                (Node::Inherit, Some(p)) => headings[p].owner,
                _ => idx,
            };
            let context = match node {
                Node::Container => ctx_idx,
                Node::Inherit => ctx_idx,
                _ => Some(idx),
            };
            headings.push(Heading {
                line: i,
                level: *level,
                text: text.clone(),
                node,
                owner,
                context,
                parent,
            });
            stack.push(idx);
            owner_of_line[i] = Some(owner);
            continue;
        }
        owner_of_line[i] = stack.last().map(|&h| headings[h].owner);
    }

    // 2. Lines per owner, in order.
    let mut owned: Vec<Vec<usize>> = vec![Vec::new(); headings.len()];
    let mut preamble: Vec<usize> = Vec::new();
    for (i, o) in owner_of_line.iter().enumerate() {
        match o {
            Some(h) => owned[*h].push(i),
            None => preamble.push(i),
        }
    }
    // Sections with findings or severity groups as sub-headings.
    let mut has_sub = vec![false; headings.len()];
    for c in &headings {
        if let (Some(p), Node::Finding(_) | Node::Section(SectionKind::SeverityGroup { .. })) =
            (c.parent, c.node)
        {
            has_sub[p] = true;
        }
    }
    let any_findings_section = headings.iter().any(|h| {
        matches!(h.node, Node::Section(k) if k.holds_findings())
            || matches!(h.node, Node::Finding(_))
    });

    // 3. Verdict: the first verdict line outside code, in any non-finding part.
    let mut verdict_text: Option<String> = None;
    for (i, line) in doc.lines.iter().enumerate() {
        if doc.is_code(i) {
            continue;
        }
        let in_finding = owner_of_line[i].is_some_and(|h| {
            matches!(headings[h].node, Node::Finding(_))
                || matches!(headings[h].node, Node::Section(k) if k.holds_findings())
        });
        if in_finding {
            continue;
        }
        if let Some(v) = assess::verdict_in_line(line) {
            verdict_text = Some(v);
            break;
        }
    }

    let mut items: Vec<RawItem> = Vec::new();
    let mut concerns: Vec<RawDesign> = Vec::new();
    let mut strengths: Vec<RawDesign> = Vec::new();
    let mut testing: Vec<String> = Vec::new();
    let mut documentation: Vec<String> = Vec::new();
    let mut commits: Vec<String> = Vec::new();
    let mut summary: Option<String> = None;
    let mut first_container_paragraph: Option<String> = None;

    for (h, heading) in headings.iter().enumerate() {
        if heading.owner != h {
            continue;
        }
        // The section's lines without its own heading line.
        let lines: Vec<usize> = owned[h]
            .iter()
            .copied()
            .filter(|&i| i != heading.line)
            .collect();
        let body_text = || section_markdown(&doc, &lines);
        match heading.node {
            Node::Container => {
                // An unknown section: findings only where they carry an id, a
                // severity or a location.
                let found = findings::findings_in_region(&doc, &lines, None, true, root);
                let unread = found.is_empty()
                    && markdown::blocks(&doc, &lines).iter().any(|b| {
                        matches!(
                            b.kind,
                            markdown::BlockKind::ListItem | markdown::BlockKind::Code
                        )
                    });
                if unread && any_findings_section {
                    diagnostics.push(Diagnostic {
                        line: Some(heading.line + 1),
                        message: format!("section `{}` is not a known section; its content was not read as items", heading.text),
                    });
                }
                items.extend(found);
                if first_container_paragraph.is_none() {
                    first_container_paragraph = first_paragraph(&doc, &lines);
                }
            }
            Node::Section(kind) => match kind {
                SectionKind::Summary => {
                    let md = body_text();
                    if !md.is_empty() && summary.is_none() {
                        summary = Some(md);
                    }
                }
                SectionKind::Verdict => {
                    if verdict_text.is_none() {
                        let inline = heading
                            .text
                            .split_once(':')
                            .map(|(_, v)| markdown::strip_emphasis(v).to_string())
                            .filter(|v| !v.is_empty());
                        verdict_text = inline.or_else(|| first_paragraph(&doc, &lines));
                    }
                }
                SectionKind::Findings | SectionKind::SeverityGroup { .. } => {
                    let sev = match kind {
                        SectionKind::SeverityGroup { severity, nit } => Some((severity, nit)),
                        _ => None,
                    };
                    // With findings or severity groups as sub-headings, the section's own
                    // lines are an introduction: only strongly marked entries count.
                    items.extend(findings::findings_in_region(
                        &doc, &lines, sev, has_sub[h], root,
                    ));
                }
                SectionKind::Design | SectionKind::Concerns => {
                    concerns.extend(assess::design_items(&doc, &lines, root));
                }
                SectionKind::Strengths => {
                    strengths.extend(assess::design_items(&doc, &lines, root))
                }
                SectionKind::Testing | SectionKind::Documentation | SectionKind::Commits => {
                    let (source, into) = match kind {
                        SectionKind::Testing => (ItemSource::Testing, &mut testing),
                        SectionKind::Documentation => {
                            (ItemSource::Documentation, &mut documentation)
                        }
                        _ => (ItemSource::Commits, &mut commits),
                    };
                    let md = body_text();
                    if !md.is_empty() {
                        into.push(md);
                    }
                    items.extend(assess::assessment_items(&doc, &lines, source, root));
                }
                SectionKind::Limitations => review
                    .limitations
                    .extend(assess::limitations(&doc, &lines, root)),
                SectionKind::Coverage => {
                    review.coverage.extend(assess::coverage(&doc, &lines, root))
                }
            },
            Node::Finding(sev) => {
                let body: Vec<String> = lines
                    .iter()
                    .map(|&i| findings::heading_as_bold(&doc, i, doc.lines[i].to_string()))
                    .collect();
                items.push(findings::build_item(
                    &heading.text,
                    &body,
                    sev,
                    heading.line,
                    root,
                ));
            }
            Node::DesignEntry { strength } => {
                let body: Vec<String> = lines
                    .iter()
                    .map(|&i| findings::heading_as_bold(&doc, i, doc.lines[i].to_string()))
                    .collect();
                let refs: Vec<&str> = body.iter().map(String::as_str).collect();
                let d = assess::design_from_heading(&heading.text, &refs, heading.line, root);
                if strength {
                    strengths.push(d);
                } else {
                    concerns.push(d);
                }
            }
            Node::Inherit => {}
        }
    }

    // Before the first heading (or in a review without any): findings only where they
    // carry an id, a severity or a location; the rest is preamble.
    let before = items.len();
    items.extend(findings::findings_in_region(
        &doc, &preamble, None, true, root,
    ));
    if headings.is_empty() && items.len() == before {
        first_container_paragraph = first_paragraph(&doc, &preamble);
    }

    let structured = !items.is_empty()
        || !concerns.is_empty()
        || !strengths.is_empty()
        || headings.iter().any(|h| matches!(h.node, Node::Section(_)));
    if !structured {
        diagnostics.push(Diagnostic {
            line: None,
            message:
                "no review structure recognised (no findings, no known sections); read as prose"
                    .to_string(),
        });
    }

    items.sort_by_key(|i| i.line);
    concerns.sort_by_key(|d| d.line);
    strengths.sort_by_key(|d| d.line);
    review.summary = summary.or(first_container_paragraph);
    review.verdict = verdict_text.as_deref().and_then(assess::decision);
    review.verdict_text = verdict_text;
    review.items = finish_items(items, diagnostics);
    review.design_concerns = finish_design(concerns, "design");
    review.strengths = finish_design(strengths, "strength");
    review.testing = join_sections(testing);
    review.documentation = join_sections(documentation);
    review.commits = join_sections(commits);
}

fn join_sections(parts: Vec<String>) -> Option<String> {
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// A section's Markdown: its lines, sub-headings kept as written, trimmed.
fn section_markdown(doc: &Doc<'_>, lines: &[usize]) -> String {
    let refs: Vec<&str> = lines.iter().map(|&i| doc.lines[i]).collect();
    findings::trim_body(&refs)
}

/// The first prose paragraph of a run of lines (not a table, list or code).
fn first_paragraph(doc: &Doc<'_>, lines: &[usize]) -> Option<String> {
    markdown::blocks(doc, lines)
        .into_iter()
        .find(|b| b.kind == markdown::BlockKind::Paragraph)
        .map(|b| b.text)
}

/// Gives every item its final id (the reviewer's, unique; else `finding-N`,
/// `testing-N`, …) and its ordinal.
fn finish_items(raw: Vec<RawItem>, diagnostics: &mut Vec<Diagnostic>) -> Vec<ReviewItem> {
    let mut used: HashSet<String> = raw.iter().filter_map(|r| r.id.clone()).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut counters = [0usize; 4];
    let mut out = Vec::with_capacity(raw.len());
    for (ordinal, r) in raw.into_iter().enumerate() {
        let prefix = match r.source {
            ItemSource::Finding => "finding",
            ItemSource::Testing => "testing",
            ItemSource::Documentation => "documentation",
            ItemSource::Commits => "commits",
        };
        let slot = r.source as usize;
        let mut next_label = |used: &mut HashSet<String>| loop {
            counters[slot] += 1;
            let label = format!("{prefix}-{}", counters[slot]);
            if used.insert(label.clone()) {
                return label;
            }
        };
        let local_id = match r.id {
            Some(id) if seen.insert(id.clone()) => id,
            Some(id) => {
                let label = next_label(&mut used);
                diagnostics.push(Diagnostic {
                    line: Some(r.line + 1),
                    message: format!("item id `{id}` is used twice; the second is `{label}`"),
                });
                seen.insert(label.clone());
                label
            }
            None => {
                let label = next_label(&mut used);
                seen.insert(label.clone());
                label
            }
        };
        if r.source == ItemSource::Finding && r.locations.is_empty() {
            diagnostics.push(Diagnostic {
                line: None,
                message: format!("finding `{local_id}` names no location"),
            });
        }
        let mut tags = r.tags;
        if let Some(scope) = r.scope {
            if !tags.iter().any(|t| t == scope.as_str()) && scope == Scope::PreExisting {
                tags.push(scope.as_str().to_string());
            }
        }
        out.push(ReviewItem {
            local_id,
            source: r.source,
            severity: r.severity,
            severity_stated: r.severity_stated,
            title: r.title,
            locations: r.locations,
            body: r.body,
            snippets: r.snippets,
            tags,
            ordinal,
        });
    }
    out
}

fn finish_design(raw: Vec<RawDesign>, prefix: &str) -> Vec<DesignItem> {
    let mut seen: HashSet<String> = HashSet::new();
    raw.into_iter()
        .enumerate()
        .map(|(ordinal, d)| {
            let local_id = match d.id {
                Some(id) if seen.insert(id.clone()) => id,
                _ => {
                    let mut n = ordinal + 1;
                    loop {
                        let label = format!("{prefix}-{n}");
                        if seen.insert(label.clone()) {
                            break label;
                        }
                        n += 1;
                    }
                }
            };
            DesignItem {
                local_id,
                title: d.title,
                body: d.body,
                scope: d.scope,
                locations: d.locations,
                ordinal,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
