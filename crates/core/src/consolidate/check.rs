//! The "nothing lost" proof: every item of every review is in exactly one finding or in
//! `dropped`, every design item in exactly one design group, and nothing else is.

use std::collections::BTreeMap;

use crate::model::ParsedReview;
use crate::verify::VerifyOutcome;

use super::Consolidation;

/// What [`check_complete`] found wrong, one line per problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incomplete {
    pub problems: Vec<String>,
}

impl std::fmt::Display for Incomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.problems.join("; "))
    }
}

/// Checks that `result` accounts for every item of `reviews` (as given to
/// [`super::consolidate`], i.e. after verification removed the dropped ones) and of
/// `verification.dropped`, exactly once each.
pub fn check_complete(
    reviews: &[ParsedReview],
    verification: &VerifyOutcome,
    result: &Consolidation,
) -> Result<(), Incomplete> {
    let mut problems = Vec::new();
    let mut compare = |what: &str,
                       expected: BTreeMap<(String, String), i64>,
                       found: BTreeMap<(String, String), i64>| {
        let mut keys: Vec<&(String, String)> = expected.keys().chain(found.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let e = expected.get(key).copied().unwrap_or(0);
            let f = found.get(key).copied().unwrap_or(0);
            if e != f {
                problems.push(format!(
                    "{what} {} {}: expected {e}, found {f}",
                    key.0, key.1
                ));
            }
        }
    };

    let count = |pairs: Vec<(String, String)>| {
        let mut m: BTreeMap<(String, String), i64> = BTreeMap::new();
        for p in pairs {
            *m.entry(p).or_default() += 1;
        }
        m
    };

    let expected_items = count(
        reviews
            .iter()
            .flat_map(|r| {
                r.items
                    .iter()
                    .map(|i| (r.reviewer.clone(), i.local_id.clone()))
            })
            .chain(
                verification
                    .dropped
                    .iter()
                    .map(|d| (d.reviewer.clone(), d.local_id.clone())),
            )
            .collect(),
    );
    let found_items = count(
        result
            .findings
            .iter()
            .flat_map(|f| {
                f.members
                    .iter()
                    .map(|m| (m.reviewer.clone(), m.local_id.clone()))
            })
            .chain(
                result
                    .dropped
                    .iter()
                    .map(|d| (d.reviewer.clone(), d.local_id.clone())),
            )
            .collect(),
    );
    compare("item", expected_items, found_items);

    let design_pairs = |list: fn(&ParsedReview) -> &Vec<crate::model::DesignItem>| {
        reviews
            .iter()
            .flat_map(|r| {
                list(r)
                    .iter()
                    .map(|d| (r.reviewer.clone(), d.local_id.clone()))
            })
            .collect::<Vec<_>>()
    };
    let group_pairs = |groups: &[crate::report::DesignGroup]| {
        groups
            .iter()
            .flat_map(|g| {
                g.members
                    .iter()
                    .map(|m| (m.reviewer.clone(), m.local_id.clone()))
            })
            .collect::<Vec<_>>()
    };
    compare(
        "design concern",
        count(design_pairs(|r| &r.design_concerns)),
        count(group_pairs(&result.design.concerns)),
    );
    compare(
        "strength",
        count(design_pairs(|r| &r.strengths)),
        count(group_pairs(&result.design.strengths)),
    );

    for f in &result.findings {
        let mut names: Vec<&str> = f
            .members
            .iter()
            .filter(|m| m.restates.is_none())
            .map(|m| m.reviewer.as_str())
            .collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        if names.len() != before && reviews_are_distinct(reviews) {
            problems.push(format!(
                "finding {} has two members from one reviewer",
                f.id
            ));
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(Incomplete { problems })
    }
}

/// One reviewer may appear twice in a panel only with different passes; then two of
/// its items may share a finding.
fn reviews_are_distinct(reviews: &[ParsedReview]) -> bool {
    let mut names: Vec<&str> = reviews.iter().map(|r| r.reviewer.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    names.len() == before
}
