//! Restatements ([`ReviewItem::restates`]): an assessment line pointing at the
//! reviewer's own finding is kept out of the grouping and joins that finding as one
//! more member of the same reviewer, so it is credited and never reported twice.

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
