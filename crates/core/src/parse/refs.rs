//! Restatements: an assessment line that points at the reviewer's own finding
//! ("untested: the underflow path (see I1)", "the thread-safety bug (see Critical 1)
//! is not covered", "would have caught C1") is marked with that finding's id, so
//! consolidation makes it a member of the finding instead of a finding of its own.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{ItemSource, ReviewItem, Severity};

/// `see I1`, `(C2)`, `(see also S3)`, `in I1`, `I1 above`, `cf. C1`.
static ID_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?:(?-u:\b)(?:see|cf\.?|per|in|of|from|for|by|caught|catch|catches|covers?|exercises?|reproduces?|found|find)\s+(?:also\s+)?(?:finding\s+|issue\s+)?\#?(?P<a>[CIS]-?[0-9]{1,3})(?-u:\b))
      | (?:\(\s*(?:see\s+(?:also\s+)?)?\#?(?P<b>[CIS]-?[0-9]{1,3})\s*\))
      | (?:(?-u:\b)(?P<c>[CIS]-?[0-9]{1,3})\s+above(?-u:\b))",
    )
    .expect("static regex")
});
/// `see Critical 1`, `(Important #2)`, `Suggestion 3 above`.
static WORD_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?P<w>critical|important|suggestion)s?(?:\s+(?:issue|finding))?\s*\#?(?P<n>[0-9]{1,3})(?-u:\b)",
    )
    .expect("static regex")
});

/// Whether the text names a finding id (`see I1`, `(C2)`) at all; the review decides
/// later whether it has that finding.
pub(crate) fn mentions_id(text: &str) -> bool {
    ID_REF.is_match(text) || WORD_REF.is_match(text)
}

/// Marks each assessment item (Testing, Documentation, Commits) that names one of the
/// review's findings by id with that finding's local id. Findings themselves never
/// restate: a suggestion in a findings section is the reviewer's own item.
/// An assessment entry taken only because it named an id the review does not have
/// is no item after all (its text stays in the assessment section).
pub(crate) fn mark_restatements(items: &mut Vec<ReviewItem>) {
    let findings: Vec<(String, Severity)> = items
        .iter()
        .filter(|i| i.source == ItemSource::Finding)
        .map(|i| (i.local_id.clone(), i.severity))
        .collect();
    items.retain_mut(|item| {
        if item.source == ItemSource::Finding {
            return true;
        }
        let text = format!("{}\n{}", item.title, item.body);
        item.restates = referent(&text, &findings);
        item.restates.is_some() || super::assess::states_gap(&text)
    });
}

/// The first finding id the text refers to that the review has.
fn referent(text: &str, findings: &[(String, Severity)]) -> Option<String> {
    let by_id = |id: &str| {
        let id = id.replace('-', "");
        findings
            .iter()
            .find(|(f, _)| f.replace('-', "").eq_ignore_ascii_case(&id))
            .map(|(f, _)| f.clone())
    };
    for c in ID_REF.captures_iter(text) {
        let id = ["a", "b", "c"]
            .iter()
            .find_map(|g| c.name(g))
            .map(|m| m.as_str());
        if let Some(found) = id.and_then(by_id) {
            return Some(found);
        }
    }
    for c in WORD_REF.captures_iter(text) {
        let (Some(w), Some(n)) = (c.name("w"), c.name("n")) else {
            continue;
        };
        let Some(severity) = Severity::from_word(w.as_str()) else {
            continue;
        };
        let Ok(n) = n.as_str().parse::<usize>() else {
            continue;
        };
        let letter_id = format!("{}{n}", severity.letter());
        if let Some(found) = by_id(&letter_id) {
            return Some(found);
        }
        // Numbered per section (`1.` under Critical): the n-th finding of that severity.
        if let Some((id, _)) = findings
            .iter()
            .filter(|(_, s)| *s == severity)
            .nth(n.saturating_sub(1))
        {
            return Some(id.clone());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<(String, Severity)> {
        vec![
            ("C1".into(), Severity::Critical),
            ("I1".into(), Severity::Important),
            ("I2".into(), Severity::Important),
            ("S1".into(), Severity::Suggestion),
        ]
    }

    #[test]
    fn references_to_the_reviewers_own_findings() {
        let cases: &[(&str, Option<&str>)] = &[
            ("Untested: the underflow path (see I1).", Some("I1")),
            ("Not covered: two concurrent 401s (C1)", Some("C1")),
            (
                "The thread-safety bug (see Critical 1) is not covered",
                Some("C1"),
            ),
            (
                "the fuzz target would have found C1 within seconds",
                Some("C1"),
            ),
            ("the redaction (see I2), once added", Some("I2")),
            ("see Important #2 above", Some("I2")),
            // Ids the review does not have, and look-alikes, are no reference.
            ("the retry path (see I7)", None),
            ("uses a C1 compiler flag", None),
            ("no tests for the cache", None),
            ("covers ISO 8601 dates", None),
        ];
        for (text, want) in cases {
            assert_eq!(referent(text, &ids()).as_deref(), *want, "{text:?}");
        }
    }
}
