//! Restatements: an assessment line that points at the reviewer's own finding
//! ("untested: the underflow path (see I1)", "the thread-safety bug (see Critical 1)
//! is not covered", "would have caught C1") is marked with that finding's id, so
//! consolidation makes it a member of the finding instead of a finding of its own.

use std::sync::LazyLock;

use regex::Regex;

use rustc_hash::FxHashSet;

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
/// Without an id, an assessment item with no location whose subject is clearly one
/// finding's (see [`subject_referent`]) restates that finding.
pub(crate) fn mark_restatements(items: &mut Vec<ReviewItem>) {
    let findings: Vec<(String, Severity)> = items
        .iter()
        .filter(|i| i.source == ItemSource::Finding)
        .map(|i| (i.local_id.clone(), i.severity))
        .collect();
    // Each assessment item's text, the finding it names by id, and whether it states
    // a gap, read once.
    let read: Vec<Option<(String, Option<String>, bool)>> = items
        .iter()
        .map(|i| {
            (i.source != ItemSource::Finding).then(|| {
                let text = format!("{}\n{}", i.title, i.body);
                let by_id = referent(&text, &findings);
                let gap = super::assess::states_gap(&text);
                (text, by_id, gap)
            })
        })
        .collect();
    // The words of each item that looks a finding up by subject: a gap with no
    // location that names no finding by id.
    let mut words = SubjectWords::default();
    let queries: Vec<Option<FxHashSet<String>>> = items
        .iter()
        .zip(&read)
        .map(|(item, r)| match r {
            Some((text, None, true)) if item.locations.is_empty() => Some(words.of(text, None)),
            _ => None,
        })
        .collect();
    // The findings' subjects, read only when some item needs them, and only in the
    // words those items use (all a subject is compared by).
    let wanted: FxHashSet<String> = queries.iter().flatten().flatten().cloned().collect();
    let subjects: Vec<Subject> = if wanted.is_empty() {
        Vec::new()
    } else {
        items
            .iter()
            .filter(|i| i.source == ItemSource::Finding)
            .map(|i| {
                let title = words.of(&i.title, Some(&wanted));
                let mut all = words.of(&i.body, Some(&wanted));
                all.extend(title.iter().cloned());
                Subject {
                    id: i.local_id.clone(),
                    title,
                    all,
                }
            })
            .collect()
    };
    // `retain_mut` visits every item once, in order.
    let mut read = read.into_iter().zip(queries);
    items.retain_mut(|item| {
        let Some((Some((_, by_id, gap)), query)) = read.next() else {
            return true;
        };
        // By subject only an item that is one (it states a gap): an entry kept for an
        // id the review does not have stays out.
        item.restates =
            by_id.or_else(|| query.and_then(|words| subject_referent(&words, &subjects)));
        item.restates.is_some() || gap
    });
}

/// A finding's subject: the content words of its title, and of its title and body.
struct Subject {
    id: String,
    title: FxHashSet<String>,
    all: FxHashSet<String>,
}

/// Words an assessment uses for any gap (`missing`, `test`, `covered`): they say that
/// something is untested, not what.
const ASSESSMENT_WORDS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "untested",
    "miss",
    "missing",
    "cover",
    "covered",
    "coverage",
    "add",
    "added",
    "exist",
    "existing",
    "case",
    "scenario",
    "unit",
    "integrat",
    "integration",
    "edge",
    "happy",
    "path",
    "regression",
    "suite",
    "check",
    "verify",
    "doc",
    "docs",
    "documentation",
    "readme",
    "comment",
    "behaviour",
    "behavior",
    "code",
    "change",
];

/// A class of problem reviewers name in many words ("data race", "not thread-safe",
/// "a concurrency test"): its stems stand for one concept word, which alone names the
/// subject (see [`subject_referent`]).
const CONCEPTS: &[(&str, &[&str], &[&str])] = &[
    (
        "~concurrency",
        &[
            "rac", "racy", "lock", "unlock", "deadlock", "mutex", "parallel",
        ],
        &[
            "concurren",
            "thread",
            "multithread",
            "atomic",
            "nonatomic",
            "synchron",
            "unsynchron",
        ],
    ),
    (
        "~null",
        &["nil", "null", "npe", "nullptr", "nullable", "segfault"],
        &["dereferenc", "nullpointer"],
    ),
];

fn concept_of(word: &str) -> Option<&'static str> {
    CONCEPTS.iter().find_map(|(concept, exact, prefixes)| {
        (exact.contains(&word) || prefixes.iter().any(|p| word.starts_with(p))).then_some(*concept)
    })
}

/// The stemmed content words of a text, without assessment vocabulary, concept stems
/// as their concept.
#[cfg(test)]
fn subject_words(text: &str) -> FxHashSet<String> {
    SubjectWords::default().of(text, None)
}

/// The subject words of texts ([`SubjectWords::of`]: the stemmed content words,
/// without assessment vocabulary, concept stems as their concept), each distinct raw
/// token's word remembered: a review's findings share most of their vocabulary, and
/// stemming is the cost.
#[derive(Default)]
struct SubjectWords {
    seen: rustc_hash::FxHashMap<String, Option<String>>,
}

impl SubjectWords {
    /// The subject words of `text`; only those in `within` when it is given.
    fn of(&mut self, text: &str, within: Option<&FxHashSet<String>>) -> FxHashSet<String> {
        let mut out = FxHashSet::default();
        for raw in crate::consolidate::text::raw_tokens(text) {
            let word = match self.seen.get(raw) {
                Some(word) => word.as_ref(),
                None => {
                    let word = crate::consolidate::text::content_word(raw)
                        .filter(|w| !ASSESSMENT_WORDS.contains(&w.as_str()))
                        .map(|w| concept_of(&w).map_or(w, str::to_string));
                    self.seen.entry(raw.to_string()).or_insert(word).as_ref()
                }
            };
            if let Some(word) = word {
                if within.is_none_or(|set| set.contains(word)) && !out.contains(word) {
                    out.insert(word.clone());
                }
            }
        }
        out
    }
}

/// The one finding an assessment item's words clearly name: it shares at least two
/// subject words with that finding (one of them from its title), or the concept its
/// title names ("Data race in `take`" and "no tests for concurrent use"), and none
/// with any other finding of the review. Strict on purpose: a wrong restatement hides
/// an item inside a finding it does not belong to.
fn subject_referent(words: &FxHashSet<String>, findings: &[Subject]) -> Option<String> {
    let mut hit: Option<&Subject> = None;
    for f in findings {
        let shared = words.intersection(&f.all).count();
        if shared == 0 {
            continue;
        }
        if hit.is_some() {
            return None;
        }
        let names_concept = || words.intersection(&f.title).any(|w| w.starts_with('~'));
        if words.is_disjoint(&f.title) || (shared < 2 && !names_concept()) {
            return None;
        }
        hit = Some(f);
    }
    hit.map(|f| f.id.clone())
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

    fn subjects() -> Vec<Subject> {
        [
            (
                "I1",
                "`capacity=0` divides by zero",
                "`rate / capacity` raises when the config leaves capacity at 0.",
            ),
            (
                "C1",
                "Race condition on `level`",
                "The check-then-set in `take()` is not atomic.",
            ),
            (
                "S1",
                "Monotonic clock",
                "Prefer `time.monotonic()` over `time.time()` for the refill.",
            ),
        ]
        .iter()
        .map(|(id, title, body)| Subject {
            id: (*id).into(),
            title: subject_words(title),
            all: subject_words(&format!("{title}\n{body}")),
        })
        .collect()
    }

    #[test]
    fn an_assessment_item_restates_the_one_finding_it_clearly_names() {
        let cases: &[(&str, Option<&str>)] = &[
            ("Missing: the zero-capacity configuration", Some("I1")),
            ("No test divides by a zero capacity", Some("I1")),
            // One shared word is not enough; nor are words only the body has.
            ("No test for a zero limit", None),
            ("Untested: a negative `rate` at the loader", None),
            // Words of two findings: ambiguous, no restatement.
            ("Missing: zero capacity with a monotonic clock", None),
            // Assessment vocabulary alone names nothing.
            ("Missing: edge case coverage for the happy path", None),
            ("No tests for the CLI flags", None),
            // A concept the finding's title names is enough on its own.
            ("Missing: a concurrency test with a thread pool", Some("C1")),
            ("No tests were added for concurrent use", Some("C1")),
        ];
        for (text, want) in cases {
            let got = subject_referent(&subject_words(text), &subjects());
            assert_eq!(got.as_deref(), *want, "{text:?}");
        }
        // The concept only in a finding's body is not its subject.
        let body_only = vec![Subject {
            id: "I1".into(),
            title: subject_words("Stale cache entries"),
            all: subject_words("Stale cache entries\nThe map is guarded by a lock."),
        }];
        assert_eq!(
            subject_referent(&subject_words("No concurrency test"), &body_only),
            None
        );
    }
}
