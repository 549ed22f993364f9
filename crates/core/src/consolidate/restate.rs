//! References between a reviewer's own items. Restatements
//! ([`ReviewItem::restates`]): an assessment line pointing at the reviewer's own
//! finding is kept out of the grouping and joins that finding as one more member of
//! the same reviewer, so it is credited and never reported twice. And a finding's text,
//! copied from one reviewer, says "see S6" in that reviewer's numbering: those ids are
//! rewritten to the report's.

use std::sync::LazyLock;

use regex::Regex;
use rustc_hash::FxHashMap;

use crate::model::{ParsedReview, ReviewItem};
use crate::report::{Finding, Member};

/// Restatement handles (indices into `items`) → the handle of the item they restate.
/// Only a referent that is itself grouped counts (present in the same review and not a
/// restatement), so every restatement has a finding to join.
pub(super) fn echoes(items: &[(usize, &ReviewItem)]) -> FxHashMap<usize, usize> {
    let mut handle_of: FxHashMap<(usize, &str), usize> = FxHashMap::default();
    for (h, (r, item)) in items.iter().enumerate() {
        if item.restates.is_none() {
            handle_of.insert((*r, item.local_id.as_str()), h);
        }
    }
    items
        .iter()
        .enumerate()
        .filter_map(|(h, (r, item))| {
            let target = item.restates.as_deref()?;
            handle_of.get(&(*r, target)).map(|&t| (h, t))
        })
        .collect()
}

/// Adds each restatement to the finding holding its referent, after that finding's
/// own members, in item order.
pub(super) fn attach(
    findings: &mut [Finding],
    echoes: &FxHashMap<usize, usize>,
    items: &[(usize, &ReviewItem)],
    reviews: &[ParsedReview],
) {
    if echoes.is_empty() {
        return;
    }
    let reviewer = |r: usize| reviews.get(r).map_or("", |x| x.reviewer.as_str());
    let mut finding_of: FxHashMap<(&str, &str), usize> = FxHashMap::default();
    for (k, f) in findings.iter().enumerate() {
        for m in &f.members {
            finding_of.insert((m.reviewer.as_str(), m.local_id.as_str()), k);
        }
    }
    let mut ordered: Vec<(usize, usize)> = echoes.iter().map(|(&e, &t)| (e, t)).collect();
    ordered.sort_unstable();
    let mut placed: Vec<(usize, Member)> = Vec::with_capacity(ordered.len());
    for (echo, target) in ordered {
        let (Some(&(r, item)), Some(&(_, referent))) = (items.get(echo), items.get(target)) else {
            continue;
        };
        let Some(&k) = finding_of.get(&(reviewer(r), referent.local_id.as_str())) else {
            continue;
        };
        placed.push((
            k,
            Member {
                reviewer: reviewer(r).to_string(),
                local_id: item.local_id.clone(),
                severity: item.severity,
                title: item.title.clone(),
                source: item.source,
                locations: item.locations.clone(),
                restates: Some(referent.local_id.clone()),
            },
        ));
    }
    for (k, member) in placed {
        if let Some(f) = findings.get_mut(k) {
            f.members.push(member);
        }
    }
}

/// `C1`, `I12`, `S3` as whole words.
static LOCAL_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)[CIS][0-9]{1,3}(?-u:\b)").expect("static regex"));

/// Rewrites the reviewer-local ids in each finding's body (outside code) to the ids
/// of the report's findings those items became: the body comes from its primary
/// member, so its ids are in that reviewer's numbering.
pub(super) fn rewrite_references(findings: &mut [Finding]) {
    if !findings.iter().any(|f| LOCAL_ID.is_match(&f.body)) {
        return;
    }
    let report_id: FxHashMap<(&str, &str), &str> = findings
        .iter()
        .flat_map(|f| {
            f.members
                .iter()
                .map(move |m| ((m.reviewer.as_str(), m.local_id.as_str()), f.id.as_str()))
        })
        .collect();
    let rewritten: Vec<(usize, String)> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| LOCAL_ID.is_match(&f.body))
        .filter_map(|(k, f)| {
            let reviewer = f.members.first()?.reviewer.as_str();
            let body = outside_code(&f.body, |prose| {
                LOCAL_ID
                    .replace_all(prose, |c: &regex::Captures<'_>| {
                        let local = &c[0];
                        report_id
                            .get(&(reviewer, local))
                            .copied()
                            .unwrap_or(local)
                            .to_string()
                    })
                    .into_owned()
            });
            Some((k, body))
        })
        .collect();
    for (k, body) in rewritten {
        findings[k].body = body;
    }
}

/// Replaces the report ids in `text` (outside code) by what `renamed` maps them to:
/// the findings were renumbered after the consolidator model's changes.
pub(super) fn remap_ids(text: &str, renamed: &FxHashMap<String, String>) -> String {
    if renamed.is_empty() || !LOCAL_ID.is_match(text) {
        return text.to_string();
    }
    outside_code(text, |prose| {
        LOCAL_ID
            .replace_all(prose, |c: &regex::Captures<'_>| {
                renamed
                    .get(&c[0])
                    .cloned()
                    .unwrap_or_else(|| c[0].to_string())
            })
            .into_owned()
    })
}

/// Applies `f` to the text outside fenced code blocks and inline code spans.
fn outside_code(text: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fence: Option<(char, usize)> = None;
    for line in text.split_inclusive('\n') {
        match (fence, crate::prose::Fence::read_indented(line)) {
            (Some((ch, len)), Some(close)) if close.closes(ch, len) => {
                fence = None;
                out.push_str(line);
            }
            (Some(_), _) => out.push_str(line),
            (None, Some(open)) => {
                fence = Some((open.ch, open.len));
                out.push_str(line);
            }
            (None, None) => {
                for (k, part) in line.split('`').enumerate() {
                    if k > 0 {
                        out.push('`');
                    }
                    if k % 2 == 0 {
                        out.push_str(&f(part));
                    } else {
                        out.push_str(part);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reviewers_ids_in_a_body_become_the_reports() {
        use crate::consolidate::{consolidate, Policy};
        use crate::parse::parse_review;
        use crate::verify::VerifyOutcome;
        // b's two suggestions come first in the report only if they rank first; a's S1
        // (pointed at from a's I1) ends up as the report's S2.
        let a = parse_review(
            "a",
            1,
            "## Important Issues\n\n**I1. Cache grows without bound** — `src/cache.rs:10`\n\nSee S1 for the knob; `S1` in code stays.\n\n## Suggestions\n\n**S1. Make the size configurable** — `src/config.rs:40`\n\nA setting.\n",
            None,
        );
        let b = parse_review(
            "b",
            1,
            "## Suggestions\n\n**S1. Rename `tmp` in the loader** — `src/loader.rs:3`\n\nUnclear name.\n",
            None,
        );
        let result = consolidate(&[b, a], &Policy::default(), &VerifyOutcome::default());
        let knob = result
            .findings
            .iter()
            .find(|f| f.title.starts_with("Make the size"))
            .expect("a's S1");
        let cache = result
            .findings
            .iter()
            .find(|f| f.title.starts_with("Cache grows"))
            .expect("a's I1");
        assert_ne!(knob.id, "S1", "the test needs a's S1 renumbered");
        assert!(
            cache
                .body
                .contains(&format!("See {} for the knob", knob.id)),
            "{}",
            cache.body
        );
        assert!(cache.body.contains("`S1` in code stays"), "{}", cache.body);
    }

    #[test]
    fn code_is_left_alone() {
        let swap = |s: &str| s.replace("S6", "S7");
        assert_eq!(
            outside_code("see S6 and `S6`\n```\nS6\n```\nS6 again", swap),
            "see S7 and `S6`\n```\nS6\n```\nS7 again"
        );
    }

    #[test]
    fn a_closing_remark_and_a_subject_restatement_join_their_findings_and_nothing_is_lost() {
        use crate::consolidate::{check_complete, consolidate, Policy};
        use crate::parse::parse_review;
        use crate::verify::VerifyOutcome;
        let codex = parse_review(
            "codex",
            1,
            "Findings:\n\n1. **[P1] Data race in `take`** — `rl/bucket.py:16`\n   `self.level` is written without the lock.\n\n2. **[P3] Unused import `functools`** — `rl/bucket.py:2`\n\nNo tests were added for concurrent use; the existing ones are single-threaded.\n",
            None,
        );
        let gemini = parse_review(
            "gemini",
            1,
            "### Important Issues\n\n- **`capacity=0` divides by zero** — `rl/bucket.py:11`. `rate / capacity` raises.\n\n### Testing\n\n- Missing:\n- the zero-capacity configuration\n",
            None,
        );
        let reviews = [codex, gemini];
        let result = consolidate(&reviews, &Policy::default(), &VerifyOutcome::default());
        check_complete(&reviews, &VerifyOutcome::default(), &result).expect("nothing lost");
        let holding = |reviewer: &str, title: &str| {
            result.findings.iter().position(|f| {
                f.members
                    .iter()
                    .any(|m| m.reviewer == reviewer && m.title.contains(title))
            })
        };
        let race = holding("codex", "Data race");
        assert!(race.is_some());
        assert_eq!(holding("codex", "No tests were added"), race);
        let zero = holding("gemini", "divides by zero");
        assert!(zero.is_some());
        assert_eq!(holding("gemini", "zero-capacity configuration"), zero);
        assert_eq!(result.findings.len(), 3, "{:#?}", result.findings);
    }
}
