//! The sections after the findings: the merged assessments (testing, documentation,
//! commits), acknowledged limitations, reconciliation, and the process notes (skill
//! improvements, repository-context updates).

use std::collections::BTreeSet;

use super::retro::{clean_path, unreadable};
use super::Panel;
use crate::consolidate::Consolidation;
use crate::model::{ItemSource, Limitation, ParsedReview, RunStatus};
use crate::prose::{duration_terse, join_and, one_line};
use crate::report::{AcknowledgedLimitation, Design, DesignGroup, ReviewerReport};

/// One assessment section: each reviewer's text with its name in front, and the
/// findings its items became.
pub(super) fn assessment(
    panel: &Panel<'_>,
    text_of: impl Fn(&ParsedReview) -> Option<&str>,
    source: ItemSource,
) -> String {
    let mut blocks: Vec<String> = Vec::new();
    for seat in &panel.seats {
        let Some(review) = seat.review else { continue };
        let text = text_of(review).map(str::trim).unwrap_or("");
        if text.is_empty() {
            continue;
        }
        let pill = format!("**[{}]**", seat.display);
        let mut block = if text.contains('\n') {
            format!("{pill}\n\n{text}")
        } else {
            format!("{pill} {text}")
        };
        let mut ids: Vec<String> = Vec::new();
        for item in review.items.iter().filter(|i| i.source == source) {
            if let Some(f) = panel
                .finding_of
                .get(&(seat.name.as_str(), item.local_id.as_str()))
            {
                if !ids.contains(&f.id) {
                    ids.push(f.id.clone());
                }
            }
        }
        if !ids.is_empty() {
            block.push_str(&format!(
                "\n\n*Taken into the findings as* {}.",
                join_and(&ids)
            ));
        }
        blocks.push(block);
    }
    if blocks.is_empty() {
        "None.".to_string()
    } else {
        blocks.join("\n\n")
    }
}

fn norm_words(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn same_path(a: &str, b: &str) -> bool {
    let (a, b) = (clean_path(a), clean_path(b));
    a == b || a.ends_with(&format!("/{b}")) || b.ends_with(&format!("/{a}"))
}

fn same_limitation(a: &AcknowledgedLimitation, b: &Limitation) -> bool {
    let place = match (&a.path, a.line, &b.path, b.line) {
        (Some(pa), Some(la), Some(pb), Some(lb)) => la == lb && same_path(pa, pb),
        _ => false,
    };
    if place {
        return true;
    }
    let (ta, tb) = (norm_words(&a.text), norm_words(&b.text));
    let paths_compatible = match (&a.path, &b.path) {
        (Some(pa), Some(pb)) => same_path(pa, pb),
        _ => true,
    };
    // Both quote the same marker (`// TODO: Figure out containerd`).
    let quoted = |t: &str| -> Option<String> {
        let start = t.find('`')? + 1;
        let len = t[start..].find('`')?;
        let q = norm_words(&t[start..start + len]);
        (q.len() >= 8).then_some(q)
    };
    if paths_compatible && quoted(&a.text).is_some() && quoted(&a.text) == quoted(&b.text) {
        return true;
    }
    paths_compatible
        && !ta.is_empty()
        && (ta == tb
            || (tb.len() >= 12 && ta.contains(&tb))
            || (ta.len() >= 12 && tb.contains(&ta)))
}

/// A limitation's text without its own location (the entry shows it once, in front)
/// and without a generic label: `` `x.go:35` — `// TODO: containerd` `` and
/// `**Code comment**: `// TODO: containerd` — `x.go:35`` both become
/// `` `// TODO: containerd` ``.
fn limitation_text(lim: &Limitation) -> String {
    let mut t = one_line(&lim.text).trim().to_string();
    let seps = |c: char| c.is_whitespace() || matches!(c, '—' | '–' | '-' | ':' | ',' | ';');
    for label in [
        "**code comment**",
        "**comment**",
        "**todo**",
        "**note**",
        "**in code**",
    ] {
        if t.get(..label.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(label))
        {
            t = t[label.len()..].trim_start_matches(seps).to_string();
        }
    }
    let Some(path) = lim.path.as_deref() else {
        return t;
    };
    let name = clean_path(path)
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        return t;
    }
    // A token naming the file (`path`, `path:35`, in backticks or not).
    let names_file = |token: &str| {
        let token = token.trim_matches(|c: char| matches!(c, '`' | '(' | ')' | '*' | '.' | ','));
        let file = token.split(':').next().unwrap_or("");
        !file.is_empty() && (file == name || file.ends_with(&format!("/{name}")))
    };
    if let Some(first) = t.split_whitespace().next() {
        if names_file(first) {
            t = t[first.len()..].trim_start_matches(seps).to_string();
        }
    }
    // ` — `x.go:35`` at the end, or before the first full stop.
    for sep in [" — ", " – ", " - "] {
        if let Some(at) = t.find(sep) {
            let after = &t[at + sep.len()..];
            let token_end = after.find(char::is_whitespace).unwrap_or(after.len());
            let token = &after[..token_end];
            if names_file(token) {
                let rest = after[token_end..]
                    .trim_start_matches(['.', ' '])
                    .to_string();
                let head = t[..at].trim_end().to_string();
                t = if rest.is_empty() {
                    head
                } else {
                    format!("{}. {rest}", head.trim_end_matches('.'))
                };
                break;
            }
        }
    }
    t.trim().to_string()
}

/// True for text that introduces a list instead of being an entry ("The change
/// acknowledges these limitations:", "None.").
fn is_lead_in(text: &str) -> bool {
    let t = text.trim().trim_matches('*').trim();
    let lower = t.to_lowercase();
    t.ends_with(':')
        || matches!(
            lower.trim_end_matches('.'),
            "none" | "none found" | "n/a" | "nothing" | "no acknowledged limitations"
        )
}

pub(super) fn acknowledged_limitations(
    diff: &[Limitation],
    panel: &Panel<'_>,
) -> Vec<AcknowledgedLimitation> {
    let mut out: Vec<AcknowledgedLimitation> = Vec::new();
    let sources = diff
        .iter()
        .map(|l| ("diff", l))
        .chain(panel.seats.iter().flat_map(|s| {
            s.review
                .into_iter()
                .flat_map(|r| r.limitations.iter())
                .map(move |l| (s.name.as_str(), l))
        }));
    for (source, lim) in sources {
        let text = limitation_text(lim);
        if text.is_empty() || is_lead_in(&text) {
            continue;
        }
        let lim = &Limitation {
            text,
            ..lim.clone()
        };
        match out.iter_mut().find(|a| same_limitation(a, lim)) {
            Some(existing) => {
                if !existing.sources.iter().any(|s| s == source) {
                    existing.sources.push(source.to_string());
                }
                if existing.path.is_none() {
                    existing.path = lim.path.clone();
                }
                if existing.line.is_none() {
                    existing.line = lim.line;
                }
            }
            None => out.push(AcknowledgedLimitation {
                path: lim.path.as_deref().map(|p| clean_path(p).to_string()),
                line: lim.line,
                text: lim.text.trim().to_string(),
                sources: vec![source.to_string()],
            }),
        }
    }
    out
}

/// The design observations with every "concern" that is only praise (a reviewer's
/// `**Strengths**` paragraph, "the layering is clean") moved to the strengths.
pub(super) fn design_without_praise(design: &Design) -> Design {
    let (praise, concerns): (Vec<DesignGroup>, Vec<DesignGroup>) = design
        .concerns
        .iter()
        .cloned()
        .partition(|g| only_praise(&g.title, &g.body));
    let mut strengths = design.strengths.clone();
    strengths.extend(praise.into_iter().map(|g| DesignGroup { scope: None, ..g }));
    Design {
        concerns,
        strengths,
    }
}

/// True when a design observation only praises: a strengths label for a title, or
/// text that opens with praise and raises nothing.
pub(super) fn only_praise(title: &str, body: &str) -> bool {
    let t = norm_words(title);
    let labels = [
        "strengths",
        "strength",
        "positives",
        "what s good",
        "what is good",
        "good",
        "nice",
        "highlights",
        "praise",
        "well done",
    ];
    let text = format!("{t} {}", norm_words(body));
    let concern_words = [
        "but", "however", "should", "consider", "risk", "concern", "missing", "lacks", "could",
        "instead", "problem", "issue", "although", "though", "unless", "bug", "fails", "breaks",
        "wrong", "not",
    ];
    let raises_something = text.split(' ').any(|w| concern_words.contains(&w));
    if labels.contains(&t.as_str()) {
        return !raises_something || body.trim().is_empty();
    }
    let praise_openers = [
        "nice",
        "good",
        "great",
        "well done",
        "well structured",
        "clean",
        "solid",
        "i like",
        "love",
        "excellent",
        "clear",
        "idiomatic",
        "readable",
    ];
    let opens_with_praise = praise_openers.iter().any(|p| text.starts_with(p))
        || [
            "is clean",
            "are clean",
            "is well structured",
            "is idiomatic",
            "is clear",
            "is readable",
            "is solid",
            "looks good",
            "is nice",
            "is good",
        ]
        .iter()
        .any(|p| text.contains(p));
    opens_with_praise && !raises_something
}

/// The Reconciliation paragraph: one sentence per finding whose severity differs from
/// a member's rating, or that was flagged and kept (a lone critical with an exploit),
/// then one per dropped item.
pub(super) fn reconciliation(consolidation: &Consolidation, panel: &Panel<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for f in &consolidation.findings {
        let changed: Vec<String> = f
            .members
            .iter()
            .filter(|m| m.severity != f.severity)
            .map(|m| {
                format!(
                    "{} {} rated {}",
                    panel.display(&m.reviewer),
                    m.local_id,
                    m.severity
                )
            })
            .collect();
        let why = f
            .reconciliation
            .as_deref()
            .map(one_line)
            .map(|w| w.trim_end_matches('.').to_string())
            .filter(|w| !w.is_empty());
        // No reason: the members that differ had no stated severity (a default), so
        // nothing was reconciled.
        let Some(why) = why else { continue };
        let title = one_line(&f.title);
        let title = title.trim_end_matches('.');
        let what = if changed.is_empty() {
            format!("kept **{}**", f.severity)
        } else {
            format!("{}; consolidated as **{}**", join_and(&changed), f.severity)
        };
        out.push(format!("{} “{title}”: {what} — {why}.", f.id));
    }
    for d in &consolidation.dropped {
        out.push(format!(
            "Dropped {} {} “{}”: {}.",
            panel.display(&d.reviewer),
            d.local_id,
            one_line(&d.title).trim_end_matches('.'),
            one_line(&d.reason).trim_end_matches('.')
        ));
    }
    out
}

pub(super) fn skill_improvements(
    panel: &Panel<'_>,
    reviewers: &[ReviewerReport],
    consolidation: &Consolidation,
) -> Vec<String> {
    let mut out = Vec::new();
    for (seat, r) in panel.seats.iter().zip(reviewers) {
        if let Some(review) = seat.review {
            if unreadable(review) && r.status == RunStatus::Ok.as_str() {
                out.push(format!(
                    "ask {} for the JSON block: nothing could be read out of its review",
                    seat.display
                ));
            } else if !review.from_json && !review.items.is_empty() && review.diagnostics.len() >= 3
            {
                out.push(format!(
                    "ask {} for the JSON block: its Markdown review left {} parser diagnostics",
                    seat.display,
                    review.diagnostics.len()
                ));
            }
        }
        if r.status == RunStatus::TimedOut.as_str() {
            let after = r
                .duration_ms
                .map(|ms| format!(" after {}", duration_terse(ms)))
                .unwrap_or_default();
            out.push(format!(
                "{} timed out{after}: raise its `timeout` or lower its `effort`",
                seat.display
            ));
        }
        let dropped: Vec<&str> = consolidation
            .dropped
            .iter()
            .filter(|d| d.reviewer == seat.name)
            .map(|d| d.local_id.as_str())
            .collect();
        if dropped.len() >= 2 {
            out.push(format!(
                "remind {} to cite repository-relative paths of files that exist at the head revision ({} of its items were dropped: {})",
                seat.display,
                dropped.len(),
                dropped.join(", ")
            ));
        }
    }
    out
}

/// True when a drop reason says the cited file is not in the head revision.
fn missing_file_reason(reason: &str) -> bool {
    let r = reason.to_lowercase();
    r.contains("exist") || r.contains("not found") || r.contains("no such file")
}

pub(super) fn repo_context_updates(consolidation: &Consolidation) -> Vec<String> {
    let missing: Vec<&str> = consolidation
        .dropped
        .iter()
        .filter(|d| missing_file_reason(&d.reason))
        .map(|d| d.reviewer.as_str())
        .collect();
    let reviewers: BTreeSet<&str> = missing.iter().copied().collect();
    if missing.len() >= 3 && reviewers.len() >= 2 {
        vec![format!(
            "describe the repository layout (top-level directories and what lives where): {} items from {} reviewers cited files that are not in the head revision",
            missing.len(),
            reviewers.len()
        )]
    } else {
        Vec::new()
    }
}
