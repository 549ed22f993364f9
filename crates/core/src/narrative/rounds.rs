//! What the reviewers said about the pull request's history: its open review threads
//! (Unresolved Feedback) and, in a later round, their check of the earlier round's
//! findings (Prior-Round Verification). Both are report sections, never findings.

use std::sync::LazyLock;

use regex::Regex;

use super::Panel;
use crate::prose::join_and;
use crate::report::{Feedback, PriorCheck};

static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"https?://[^\s)<>\]`'\x22]+").expect("static regex"));
/// An entry saying the thread or finding was dealt with.
static DONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:resolved|addressed|fixed|done|answered|closed)(?-u:\b)")
        .expect("static regex")
});
/// ... unless it says the opposite.
static NOT_DONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:unresolved|unaddressed|not\s+(?:yet\s+)?(?:resolved|addressed|fixed|done|answered)|still\s+(?:open|present|there|broken)|no\s+reply|reopen(?:ed)?)(?-u:\b)")
        .expect("static regex")
});
static PARTIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:partially|partly|half)(?-u:\b)").expect("static regex")
});

/// One entry per thread across the panel: entries naming the same URL (or with the
/// same text) are merged and credit every reviewer that listed them.
pub(super) fn unresolved_feedback(panel: &Panel<'_>) -> Vec<Feedback> {
    let mut out: Vec<(String, Feedback, Vec<String>)> = Vec::new();
    for seat in panel.reviewed() {
        let Some(review) = seat.review else { continue };
        for text in &review.unresolved_feedback {
            let key = URL
                .find(text)
                .map(|m| m.as_str().trim_end_matches(['.', ',', ';']).to_string())
                .unwrap_or_else(|| text.to_lowercase());
            match out.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, feedback, sources)) => {
                    if !sources.contains(&seat.display) {
                        sources.push(seat.display.clone());
                    }
                    // What this reviewer adds about the same thread, attributed.
                    let note = URL.replace_all(text, "");
                    let note = note.trim_matches(|c: char| {
                        c.is_whitespace() || matches!(c, '—' | '–' | '-' | ':' | ',' | ';')
                    });
                    if !note.is_empty() && !feedback.text.contains(note) {
                        feedback.text = format!("{} ({}: {note})", feedback.text, seat.display);
                    }
                    if !is_done(text) {
                        feedback.status = "open".to_string();
                    }
                }
                None => out.push((
                    key,
                    Feedback {
                        source: String::new(),
                        text: text.clone(),
                        status: if is_done(text) { "addressed" } else { "open" }.to_string(),
                    },
                    vec![seat.display.clone()],
                )),
            }
        }
    }
    out.into_iter()
        .map(|(_, mut f, sources)| {
            f.source = join_and(&sources);
            f
        })
        .collect()
}

/// Every reviewer's check of an earlier finding, in panel order, with its status in one
/// word: `fixed`, `partially fixed`, `not fixed`, or `noted`.
pub(super) fn prior_round(panel: &Panel<'_>) -> Vec<PriorCheck> {
    let mut out = Vec::new();
    for seat in panel.reviewed() {
        let Some(review) = seat.review else { continue };
        for text in &review.prior_round {
            let status = if PARTIAL.is_match(text) {
                "partially fixed"
            } else if is_done(text) || text.contains('✅') {
                "fixed"
            } else if NOT_DONE.is_match(text) || text.contains('❌') {
                "not fixed"
            } else {
                "noted"
            };
            out.push(PriorCheck {
                reviewer: seat.display.clone(),
                text: text.clone(),
                status: status.to_string(),
            });
        }
    }
    out
}

fn is_done(text: &str) -> bool {
    DONE.is_match(text) && !NOT_DONE.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_and_not_done() {
        assert!(is_done("answered in thread, resolved."));
        assert!(!is_done("asked for a metric; not addressed, no reply."));
        assert!(!is_done("still open"));
        assert!(!is_done("reviewer asked for a metric"));
    }
}
