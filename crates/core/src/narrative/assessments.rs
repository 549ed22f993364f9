//! The sections after the findings: the merged assessments (testing, documentation,
//! commits), acknowledged limitations, reconciliation, and the process notes (skill
//! improvements, repository-context updates).

use std::collections::BTreeSet;

use super::retro::{clean_path, unreadable};
use super::Panel;
use crate::consolidate::Consolidation;
use crate::model::{ItemSource, Limitation, ParsedReview, RunStatus};
use crate::prose::{duration_terse, join_and, one_line};
use crate::report::{AcknowledgedLimitation, ReviewerReport};

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
    paths_compatible
        && !ta.is_empty()
        && (ta == tb
            || (tb.len() >= 12 && ta.contains(&tb))
            || (ta.len() >= 12 && tb.contains(&ta)))
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
        if one_line(&lim.text).is_empty() {
            continue;
        }
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

pub(super) fn reconciliation(consolidation: &Consolidation, panel: &Panel<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for f in &consolidation.findings {
        for m in f.members.iter().filter(|m| m.severity != f.severity) {
            let why = f
                .reconciliation
                .as_deref()
                .map(one_line)
                .filter(|w| !w.is_empty())
                .map(|w| format!("; {}", w.trim_end_matches('.')))
                .unwrap_or_default();
            out.push(format!(
                "{} {} “{}”: {} → **{}** ({}{why}).",
                panel.display(&m.reviewer),
                m.local_id,
                one_line(&m.title).trim_end_matches('.'),
                m.severity,
                f.severity,
                f.id,
            ));
        }
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
