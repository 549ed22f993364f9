//! Reading a reviewer's review into a [`ParsedReview`]: the fenced JSON block when
//! there is one, otherwise the Markdown itself. Pure; never fails, never panics:
//! what cannot be read becomes a diagnostic.
//!
//! The Markdown path finds sections by their names and *relative* heading levels (a
//! review may be demoted any number of levels, headings may have seven or more `#`),
//! then reads each section with the reader for its kind: [`findings`] for finding
//! lists, [`assess`] for design, assessments, limitations and coverage.

mod assess;
mod bots;
mod findings;
pub(crate) mod json;
mod location;
pub(crate) mod markdown;
mod refs;
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
        refs::mark_restatements(&mut review.items);
        review.design_concerns = finish_design(j.concerns, "design");
        review.strengths = finish_design(j.strengths, "strength");
        review.diagnostics = diagnostics;
        return review;
    }
    if let Some(items) = bots::read(text, checkout_root) {
        review.items = finish_items(items, &mut diagnostics);
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

/// Decides what one heading is. `over_sections`: a known section heading sits under
/// it, so it titles the review (`# Review: parser rewrite (src/parse.c)`) however much
/// it looks like a finding.
fn decide(
    text: &str,
    ctx: Option<Node>,
    over_sections: bool,
    doc: &Doc<'_>,
    line: usize,
    root: Option<&str>,
) -> Node {
    let class = sections::classify(text);
    let short = sections::heading_words(text).len() <= 3;
    let signals = || findings::heading_is_finding(doc, line, text, root);
    match ctx {
        None | Some(Node::Container) => match class {
            Some(k) => Node::Section(k),
            None if over_sections => Node::Container,
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

/// The headings of a review with what each one is, and which heading owns each line.
struct Outline {
    headings: Vec<Heading>,
    /// `owner_of_line[i]`: the heading owning line `i` (`None`: before any heading).
    owner_of_line: Vec<Option<usize>>,
}

impl Outline {
    /// Step 1: classifies every heading in the context of the ones above it.
    fn read(doc: &Doc<'_>, root: Option<&str>) -> Outline {
        let over_sections = headings_over_sections(doc);
        let mut headings: Vec<Heading> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut owner_of_line: Vec<Option<usize>> = vec![None; doc.lines.len()];
        for (i, kind) in doc.kinds.iter().enumerate() {
            let LineKind::Heading { level, text } = kind else {
                owner_of_line[i] = stack.last().map(|&h| headings[h].owner);
                continue;
            };
            while stack.last().is_some_and(|&h| headings[h].level >= *level) {
                stack.pop();
            }
            let parent = stack.last().copied();
            let ctx_idx = parent.and_then(|p| headings[p].context);
            let ctx = ctx_idx.map(|c| headings[c].node);
            let node = decide(text, ctx, over_sections.contains(&i), doc, i, root);
            let idx = headings.len();
            let owner = match (node, parent) {
                (Node::Inherit, Some(p)) => headings[p].owner,
                _ => idx,
            };
            let context = match node {
                Node::Container | Node::Inherit => ctx_idx,
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
        }
        Outline {
            headings,
            owner_of_line,
        }
    }

    /// Step 2: the lines each owning heading holds, in order, and the preamble (lines
    /// before the first heading).
    fn owned_lines(&self) -> (Vec<Vec<usize>>, Vec<usize>) {
        let mut owned: Vec<Vec<usize>> = vec![Vec::new(); self.headings.len()];
        let mut preamble: Vec<usize> = Vec::new();
        for (i, o) in self.owner_of_line.iter().enumerate() {
            match o {
                Some(h) => owned[*h].push(i),
                None => preamble.push(i),
            }
        }
        (owned, preamble)
    }

    /// Sections with findings or severity groups as sub-headings.
    fn has_sub_findings(&self) -> Vec<bool> {
        let mut has_sub = vec![false; self.headings.len()];
        for c in &self.headings {
            if let (Some(p), Node::Finding(_) | Node::Section(SectionKind::SeverityGroup { .. })) =
                (c.parent, c.node)
            {
                has_sub[p] = true;
            }
        }
        has_sub
    }

    fn holds_findings(&self, h: usize) -> bool {
        matches!(self.headings[h].node, Node::Finding(_))
            || matches!(self.headings[h].node, Node::Section(k) if k.holds_findings())
    }

    /// Step 3: the first verdict line outside code, in any part that is not a finding.
    fn verdict_line(&self, doc: &Doc<'_>) -> Option<String> {
        doc.lines
            .iter()
            .enumerate()
            .filter(|(i, _)| !doc.is_code(*i))
            .filter(|(i, _)| !self.owner_of_line[*i].is_some_and(|h| self.holds_findings(h)))
            .find_map(|(_, line)| assess::verdict_in_line(line))
    }
}

/// The lines of the headings that have a known section heading somewhere below them
/// (deeper, before the next heading at their level or above).
fn headings_over_sections(doc: &Doc<'_>) -> HashSet<usize> {
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut out = HashSet::new();
    for (i, kind) in doc.kinds.iter().enumerate() {
        let LineKind::Heading { level, text } = kind else {
            continue;
        };
        while open.last().is_some_and(|&(_, l)| l >= *level) {
            open.pop();
        }
        if sections::classify(text).is_some() {
            out.extend(open.iter().map(|&(line, _)| line));
        }
        open.push((i, *level));
    }
    out
}

/// What the sections of a review yield, gathered before it is finished into the
/// [`ParsedReview`].
#[derive(Default)]
struct Gathered {
    items: Vec<RawItem>,
    concerns: Vec<RawDesign>,
    strengths: Vec<RawDesign>,
    testing: Vec<String>,
    documentation: Vec<String>,
    commits: Vec<String>,
    summary: Option<String>,
    verdict_text: Option<String>,
    first_container_paragraph: Option<String>,
}

fn parse_markdown(
    review: &mut ParsedReview,
    text: &str,
    root: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let doc = Doc::new(text, sections::is_pseudo_heading, diagnostics);
    let outline = Outline::read(&doc, root);
    let (owned, preamble) = outline.owned_lines();
    let has_sub = outline.has_sub_findings();
    let any_findings_section = (0..outline.headings.len()).any(|h| outline.holds_findings(h));
    let mut got = Gathered {
        verdict_text: outline.verdict_line(&doc),
        ..Gathered::default()
    };

    // Step 4: each owning heading's section, read as what it is.
    for (h, heading) in outline.headings.iter().enumerate() {
        if heading.owner != h {
            continue;
        }
        // The section's lines without its own heading line.
        let lines: Vec<usize> = owned[h]
            .iter()
            .copied()
            .filter(|&i| i != heading.line)
            .collect();
        let section = Section {
            doc: &doc,
            heading,
            lines: &lines,
            root,
        };
        match heading.node {
            Node::Container => section.read_unknown(&mut got, any_findings_section, diagnostics),
            Node::Section(kind) => section.read_known(kind, has_sub[h], &mut got, review),
            Node::Finding(sev) => got.items.push(findings::build_item(
                &heading.text,
                &section.body_with_bold_headings(),
                sev,
                heading.line,
                root,
            )),
            Node::DesignEntry { strength } => {
                let body = section.body_with_bold_headings();
                let refs: Vec<&str> = body.iter().map(String::as_str).collect();
                let d = assess::design_from_heading(&heading.text, &refs, heading.line, root);
                if strength {
                    got.strengths.push(d);
                } else {
                    got.concerns.push(d);
                }
            }
            Node::Inherit => {}
        }
    }

    // Step 5: before the first heading (or in a review without any): findings only
    // where they carry an id, a severity or a location; the rest is preamble.
    let before = got.items.len();
    let (prior, preamble) = assess::take_prior_entries(&doc, &preamble);
    review.prior_round.extend(prior);
    let region = findings::findings_in_region(&doc, &preamble, None, true, root);
    got.items.extend(region.items);
    got.remark(&doc, &region.remark, root);
    if outline.headings.is_empty() && got.items.len() == before {
        got.first_container_paragraph = first_paragraph(&doc, &preamble);
    }

    let structured = !got.items.is_empty()
        || !got.concerns.is_empty()
        || !got.strengths.is_empty()
        || outline
            .headings
            .iter()
            .any(|h| matches!(h.node, Node::Section(_)));
    if !structured {
        diagnostics.push(Diagnostic {
            line: None,
            message:
                "no review structure recognised (no findings, no known sections); read as prose"
                    .to_string(),
        });
    }
    finish_review(review, got, diagnostics);
}

/// Step 6: sorts what was gathered into document order and fills in the review.
fn finish_review(review: &mut ParsedReview, mut got: Gathered, diagnostics: &mut Vec<Diagnostic>) {
    // In document order; most reviews are read in it already (a sort of a thousand
    // items moves them all the same).
    if !got.items.is_sorted_by_key(|i| i.line) {
        got.items.sort_by_key(|i| i.line);
    }
    got.concerns.sort_by_key(|d| d.line);
    got.strengths.sort_by_key(|d| d.line);
    review.summary = got.summary.or(got.first_container_paragraph);
    review.verdict = got.verdict_text.as_deref().and_then(assess::decision);
    review.verdict_text = got.verdict_text;
    review.items = finish_items(got.items, diagnostics);
    refs::mark_restatements(&mut review.items);
    review.design_concerns = finish_design(got.concerns, "design");
    review.strengths = finish_design(got.strengths, "strength");
    review.testing = join_sections(got.testing);
    review.documentation = join_sections(got.documentation);
    review.commits = join_sections(got.commits);
}

impl Gathered {
    /// A closing remark after a findings list (see `findings::closing_remark`): an
    /// assessment of the change's tests (or, when it speaks only of documentation, its
    /// docs), kept in that assessment section and read for items like one.
    fn remark(&mut self, doc: &Doc<'_>, lines: &[usize], root: Option<&str>) {
        if lines.is_empty() {
            return;
        }
        let md = section_markdown(doc, lines);
        let (source, into) = if assess::speaks_of_tests(&md) {
            (ItemSource::Testing, &mut self.testing)
        } else {
            (ItemSource::Documentation, &mut self.documentation)
        };
        if !md.is_empty() {
            into.push(md);
        }
        self.items
            .extend(assess::assessment_items(doc, lines, source, root));
    }
}

/// One owning heading's section: its heading and its lines (without the heading's).
struct Section<'a> {
    doc: &'a Doc<'a>,
    heading: &'a Heading,
    lines: &'a [usize],
    root: Option<&'a str>,
}

impl Section<'_> {
    fn markdown(&self) -> String {
        section_markdown(self.doc, self.lines)
    }

    /// The body lines, sub-headings turned into bold lines.
    fn body_with_bold_headings(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|&i| findings::heading_as_bold(self.doc, i, self.doc.lines[i].to_string()))
            .collect()
    }

    /// An unknown section: findings only where they carry an id, a severity or a
    /// location. When it has list items or code but yields nothing while the review
    /// does have findings sections, a diagnostic names the section.
    fn read_unknown(
        &self,
        got: &mut Gathered,
        any_findings_section: bool,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let region = findings::findings_in_region(self.doc, self.lines, None, true, self.root);
        let found = region.items;
        got.remark(self.doc, &region.remark, self.root);
        let unread = found.is_empty()
            && markdown::blocks(self.doc, self.lines).iter().any(|b| {
                matches!(
                    b.kind,
                    markdown::BlockKind::ListItem | markdown::BlockKind::Code
                )
            });
        if unread && any_findings_section {
            diagnostics.push(Diagnostic {
                line: Some(self.heading.line + 1),
                message: format!(
                    "section `{}` is not a known section; its content was not read as items",
                    self.heading.text
                ),
            });
        }
        got.items.extend(found);
        if got.first_container_paragraph.is_none() {
            got.first_container_paragraph = first_paragraph(self.doc, self.lines);
        }
    }

    /// A known section. With findings or severity groups as sub-headings
    /// (`has_sub`), a findings section's own lines are an introduction: only strongly
    /// marked entries count.
    fn read_known(
        &self,
        kind: SectionKind,
        has_sub: bool,
        got: &mut Gathered,
        review: &mut ParsedReview,
    ) {
        let (doc, lines, root) = (self.doc, self.lines, self.root);
        match kind {
            SectionKind::Summary => {
                let md = self.markdown();
                if !md.is_empty() && got.summary.is_none() {
                    got.summary = Some(md);
                }
            }
            SectionKind::Verdict => {
                if got.verdict_text.is_none() {
                    let inline = self
                        .heading
                        .text
                        .split_once(':')
                        .map(|(_, v)| markdown::strip_emphasis(v).to_string())
                        .filter(|v| !v.is_empty());
                    got.verdict_text = inline.or_else(|| first_paragraph(doc, lines));
                }
            }
            SectionKind::Findings | SectionKind::SeverityGroup { .. } => {
                let sev = match kind {
                    SectionKind::SeverityGroup { severity, nit } => Some((severity, nit)),
                    _ => None,
                };
                let region = findings::findings_in_region(doc, lines, sev, has_sub, root);
                got.items.extend(region.items);
                got.remark(doc, &region.remark, root);
            }
            SectionKind::Design | SectionKind::Concerns => {
                got.concerns.extend(assess::design_items(doc, lines, root));
            }
            SectionKind::Strengths => got.strengths.extend(assess::design_items(doc, lines, root)),
            SectionKind::Testing | SectionKind::Documentation | SectionKind::Commits => {
                let (source, into) = match kind {
                    SectionKind::Testing => (ItemSource::Testing, &mut got.testing),
                    SectionKind::Documentation => {
                        (ItemSource::Documentation, &mut got.documentation)
                    }
                    _ => (ItemSource::Commits, &mut got.commits),
                };
                let md = self.markdown();
                if !md.is_empty() {
                    into.push(md);
                }
                got.items
                    .extend(assess::assessment_items(doc, lines, source, root));
            }
            SectionKind::Limitations => review
                .limitations
                .extend(assess::limitations(doc, lines, root)),
            SectionKind::Coverage => review.coverage.extend(assess::coverage(doc, lines, root)),
            SectionKind::UnresolvedFeedback => review
                .unresolved_feedback
                .extend(assess::section_entries(doc, lines)),
            SectionKind::PriorRound => review
                .prior_round
                .extend(assess::section_entries(doc, lines)),
        }
    }
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

/// Numbering restarted per severity section (`1.` `2.` under Critical, `1.` again
/// under Important) means C1, C2, I1: when a bare number repeats among a review's
/// findings, every bare-number finding id takes its severity's letter.
fn letter_section_numbers(raw: &mut [RawItem]) {
    let bare = |r: &RawItem| {
        r.source == ItemSource::Finding
            && r.id
                .as_deref()
                .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
    };
    let mut seen = HashSet::new();
    let repeats = raw
        .iter()
        .filter(|r| bare(r))
        .any(|r| !seen.insert(r.id.clone()));
    if !repeats {
        return;
    }
    for r in raw.iter_mut().filter(|r| bare(r)) {
        if let Some(id) = r.id.as_mut() {
            *id = format!("{}{id}", r.severity.letter());
        }
    }
}

/// Gives every item its final id (the reviewer's, unique; else `finding-N`,
/// `testing-N`, …) and its ordinal.
fn finish_items(mut raw: Vec<RawItem>, diagnostics: &mut Vec<Diagnostic>) -> Vec<ReviewItem> {
    letter_section_numbers(&mut raw);
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
            restates: None,
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
