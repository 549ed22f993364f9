//! Changes the consolidator model proposed, checked and applied to a consolidation.
//!
//! The model only proposes; the rules here decide. A merge is accepted only when every
//! pair of the findings it names points at compatible places (a change-wide finding
//! without a location fits anywhere; otherwise the same file, within
//! [`MAX_MERGE_GAP`] lines) and no reviewer would hold two members of the merged
//! finding — the invariant the deterministic grouping keeps. A severity change needs a
//! reason and a severity that differs. Every accepted change is marked as the model's
//! (a merge reason, or `severity_rule = "model"` with the model's reason as the
//! reconciliation); every refusal keeps the model's words and says why. Afterwards the
//! findings are ordered and numbered again, and ids in their text follow.

use std::cmp::Reverse;

use super::restate::remap_ids;
use super::text::FxMap;
use super::{line_gap, number, same_file, tally, verification_rank, Consolidation};
use crate::model::{Location, ParsedReview, Severity};
use crate::prose::one_line;
use crate::report::{Finding, ModelProposal};
use crate::verify::VerifyOutcome;

/// Findings further apart than this in one file are not one issue, whatever a model says.
pub const MAX_MERGE_GAP: u32 = 60;

/// One change the model proposed, by the finding ids it was shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Proposal {
    /// These findings are one issue.
    Merge {
        findings: Vec<String>,
        reason: String,
    },
    /// This finding deserves another severity.
    Severity {
        finding: String,
        severity: Severity,
        reason: String,
    },
}

impl Proposal {
    fn record(&self) -> ModelProposal {
        match self {
            Proposal::Merge { findings, reason } => ModelProposal {
                kind: "merge".into(),
                findings: findings.clone(),
                severity: None,
                reason: reason.trim().to_string(),
                rejected_because: None,
                now: None,
            },
            Proposal::Severity {
                finding,
                severity,
                reason,
            } => ModelProposal {
                kind: "severity".into(),
                findings: vec![finding.clone()],
                severity: Some(*severity),
                reason: reason.trim().to_string(),
                rejected_because: None,
                now: None,
            },
        }
    }
}

/// What [`apply_proposals`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    pub accepted: Vec<ModelProposal>,
    pub rejected: Vec<ModelProposal>,
    /// Every finding id the model saw → the id that finding (or the finding it was
    /// merged into) has now.
    pub renamed: FxMap<String, String>,
}

impl Applied {
    /// `text` with the ids the model saw replaced by the report's (outside code).
    pub fn remap(&self, text: &str) -> String {
        remap_ids(text, &self.renamed)
    }
}

/// Checks `proposals` in order against `consolidation` and applies those that pass.
/// `by` names the consolidator in the marks left on changed findings. `reviews` and
/// `verification` are what the consolidation was made from (for the tallies).
pub fn apply_proposals(
    consolidation: &mut Consolidation,
    reviews: &[ParsedReview],
    verification: &VerifyOutcome,
    proposals: &[Proposal],
    by: &str,
) -> Applied {
    // Slot k holds finding k until it is merged into another (then None); `home`
    // follows an id the model saw to the slot its finding lives in now.
    let mut home: FxMap<String, usize> = consolidation
        .findings
        .iter()
        .enumerate()
        .map(|(k, f)| (f.id.clone(), k))
        .collect();
    let mut slots: Vec<Option<Finding>> = std::mem::take(&mut consolidation.findings)
        .into_iter()
        .map(Some)
        .collect();
    let mut applied = Applied::default();
    let mut touched: Vec<(usize, usize)> = Vec::new();

    for proposal in proposals {
        let mut record = proposal.record();
        let outcome = match proposal {
            Proposal::Merge { findings, reason } => {
                merge(&mut slots, &mut home, findings, reason, by)
            }
            Proposal::Severity {
                finding,
                severity,
                reason,
            } => change_severity(&mut slots, &home, finding, *severity, reason, by),
        };
        match outcome {
            Ok(slot) => {
                touched.push((applied.accepted.len(), slot));
                applied.accepted.push(record);
            }
            Err(why) => {
                record.rejected_because = Some(why);
                applied.rejected.push(record);
            }
        }
    }

    // Report order again: severity, more reviewers, then where each was before.
    let mut order: Vec<(usize, Finding)> = slots
        .into_iter()
        .enumerate()
        .filter_map(|(k, f)| f.map(|f| (k, f)))
        .collect();
    order.sort_by_key(|(k, f)| (f.severity, Reverse(f.reviewers.len()), *k));
    let (slot_of, mut findings): (Vec<usize>, Vec<Finding>) = order.into_iter().unzip();
    let renamed = number(&mut findings);
    if !renamed.is_empty() {
        for f in &mut findings {
            f.body = remap_ids(&f.body, &renamed);
            f.reconciliation = f.reconciliation.as_deref().map(|r| remap_ids(r, &renamed));
        }
    }
    let id_of_slot: FxMap<usize, String> = slot_of
        .iter()
        .zip(&findings)
        .map(|(&k, f)| (k, f.id.clone()))
        .collect();
    applied.renamed = home
        .iter()
        .filter_map(|(seen, k)| {
            let now = id_of_slot.get(k)?;
            (now != seen).then(|| (seen.clone(), now.clone()))
        })
        .collect();
    for (index, slot) in touched {
        applied.accepted[index].now = id_of_slot.get(&slot).cloned();
    }
    consolidation.findings = findings;
    consolidation.tallies = tally(reviews, &consolidation.findings, verification);
    applied
}

/// Merges the findings `ids` into the first of them in report order; the slot it
/// lives in, or why not.
fn merge(
    slots: &mut [Option<Finding>],
    home: &mut FxMap<String, usize>,
    ids: &[String],
    reason: &str,
    by: &str,
) -> Result<usize, String> {
    if reason.trim().is_empty() {
        return Err("no reason was given".into());
    }
    let mut at: Vec<usize> = Vec::new();
    for id in ids {
        let k = *home
            .get(id.trim())
            .ok_or_else(|| format!("the report has no finding {}", one_line(id)))?;
        if !at.contains(&k) {
            at.push(k);
        }
    }
    if at.len() < 2 {
        return Err("it names fewer than two distinct findings".into());
    }
    at.sort_unstable();
    let found = |k: usize| slots[k].as_ref();
    for (n, &a) in at.iter().enumerate() {
        for &b in &at[n + 1..] {
            let (Some(fa), Some(fb)) = (found(a), found(b)) else {
                return Err("internal error: a merged finding is gone".into());
            };
            if let Some(reviewer) = fa
                .members
                .iter()
                .map(|m| m.reviewer.as_str())
                .find(|r| fb.members.iter().any(|m| m.reviewer == *r))
            {
                return Err(format!(
                    "{reviewer} would hold two members ({} and {}): one reviewer does not report one issue twice",
                    fa.id, fb.id
                ));
            }
            places_compatible(fa, fb).map_err(|why| format!("{} and {}: {why}", fa.id, fb.id))?;
        }
    }
    let (&target, rest) = at.split_first().ok_or("nothing to merge")?;
    let mut absorbed = Vec::new();
    for &k in rest {
        if let Some(f) = slots[k].take() {
            absorbed.push(f);
        }
    }
    let Some(finding) = slots[target].as_mut() else {
        return Err("internal error: the merge target is gone".into());
    };
    let titles: Vec<String> = absorbed.iter().map(|f| f.id.clone()).collect();
    for other in absorbed {
        absorb(finding, other);
    }
    finding.merge_reasons.push(format!(
        "model-proposed by {by}: {} + {}: {}",
        finding.id,
        titles.join(" + "),
        reason.trim()
    ));
    for k in home.values_mut() {
        if rest.contains(k) {
            *k = target;
        }
    }
    Ok(target)
}

/// `other`'s members, reviewers, places and tags join `finding`, which keeps its
/// title, body and severity (it ranked first, so it is at least as severe).
fn absorb(finding: &mut Finding, other: Finding) {
    for r in other.reviewers {
        if !finding.reviewers.contains(&r) {
            finding.reviewers.push(r);
        }
    }
    finding.members.extend(other.members);
    for l in other.locations {
        if !finding.locations.contains(&l) {
            finding.locations.push(l);
        }
    }
    if finding.location.is_none() {
        finding.location = finding.locations.first().cloned();
    }
    for t in other.tags {
        if !finding.tags.contains(&t) {
            finding.tags.push(t);
        }
    }
    finding.kind = finding.kind.take().or(other.kind);
    if verification_rank(other.verification) < verification_rank(finding.verification) {
        finding.verification = other.verification;
    }
    finding.merge_reasons.extend(other.merge_reasons);
    if finding
        .members
        .iter()
        .any(|m| m.severity != finding.severity)
        && finding.reconciliation.is_none()
    {
        finding.reconciliation = Some(format!(
            "merged on the consolidator's proposal; kept the {} rating of {}",
            finding.severity, finding.id
        ));
    }
}

fn change_severity(
    slots: &mut [Option<Finding>],
    home: &FxMap<String, usize>,
    id: &str,
    severity: Severity,
    reason: &str,
    by: &str,
) -> Result<usize, String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err("no reason was given".into());
    }
    let k = *home
        .get(id.trim())
        .ok_or_else(|| format!("the report has no finding {}", one_line(id)))?;
    let Some(finding) = slots[k].as_mut() else {
        return Err("internal error: the finding is gone".into());
    };
    if finding.severity == severity {
        return Err(format!("{} is already {severity}", finding.id));
    }
    finding.severity = severity;
    finding.severity_rule = Some("model".into());
    finding.reconciliation = Some(format!("{reason} (proposed by {by})"));
    Ok(k)
}

/// Whether two findings can be one issue by where they point.
fn places_compatible(a: &Finding, b: &Finding) -> Result<(), String> {
    let places = |f: &Finding| -> Vec<Location> {
        if f.locations.is_empty() {
            f.location.iter().cloned().collect()
        } else {
            f.locations.clone()
        }
    };
    let (pa, pb) = (places(a), places(b));
    if pa.is_empty() || pb.is_empty() {
        return Ok(());
    }
    let mut nearest: Option<(u32, &str)> = None;
    for x in &pa {
        for y in pb.iter().filter(|y| same_file(&x.path, &y.path)) {
            match line_gap(x, y) {
                None => return Ok(()),
                Some(gap) if gap <= MAX_MERGE_GAP => return Ok(()),
                Some(gap) => {
                    if nearest.is_none_or(|(g, _)| gap < g) {
                        nearest = Some((gap, &x.path));
                    }
                }
            }
        }
    }
    Err(match nearest {
        Some((gap, path)) => {
            format!("they are {gap} lines apart in {path} (more than {MAX_MERGE_GAP})")
        }
        None => format!(
            "they point at different files ({} and {})",
            pa[0].path, pb[0].path
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consolidate::{consolidate, Policy};
    use crate::parse::parse_review;

    fn reviews() -> Vec<ParsedReview> {
        let a = "## Critical\n\n### C1. Token compared with `==` leaks timing\n\n`src/auth.rs:10` compares the session token with `==`.\n\n\
                 ## Suggestions\n\n### S1. Rename `tok` to `token`\n\n`src/auth.rs:40`: the short name hides what it holds.\n\n\
                 ### S2. Log line prints the password\n\n`src/log.rs:5` writes the password field to the log.\n";
        let b = "## Important\n\n### I1. Retry loop never gives up\n\n`src/net.rs:100` retries forever on a dead peer.\n\n\
                 ## Suggestions\n\n### S1. Prefer `subtle::ConstantTimeEq` for secrets\n\nEquality on secrets returns early at the first differing byte.\n";
        vec![parse_review("a", 1, a, None), parse_review("b", 1, b, None)]
    }

    fn consolidated() -> (Vec<ParsedReview>, Consolidation) {
        let reviews = reviews();
        let c = consolidate(&reviews, &Policy::default(), &VerifyOutcome::default());
        (reviews, c)
    }

    fn find<'c>(c: &'c Consolidation, reviewer: &str, local: &str) -> &'c Finding {
        c.findings
            .iter()
            .find(|f| {
                f.members
                    .iter()
                    .any(|m| m.reviewer == reviewer && m.local_id == local)
            })
            .expect("a finding holds the item")
    }

    fn merge(ids: &[&str], reason: &str) -> Proposal {
        Proposal::Merge {
            findings: ids.iter().map(|s| s.to_string()).collect(),
            reason: reason.into(),
        }
    }

    #[test]
    fn accepted_merge_and_severity_change_are_marked_and_renumbered() {
        let (reviews, mut c) = consolidated();
        let timing = find(&c, "a", "C1").id.clone();
        let timing_severity = find(&c, "a", "C1").severity;
        let constant = find(&c, "b", "S1").id.clone();
        let log = find(&c, "a", "S2").id.clone();
        assert_ne!(timing, constant, "the fixture needs the two kept apart");
        let before = c.findings.len();

        let applied = apply_proposals(
            &mut c,
            &reviews,
            &VerifyOutcome::default(),
            &[
                merge(
                    &[&timing, &constant],
                    "both are the non-constant-time token check",
                ),
                Proposal::Severity {
                    finding: log.clone(),
                    severity: Severity::Critical,
                    reason: "a password in a log is a credential leak".into(),
                },
            ],
            "judge",
        );

        assert_eq!(applied.rejected, vec![]);
        assert_eq!(applied.accepted.len(), 2);
        assert_eq!(c.findings.len(), before - 1);
        let merged = find(&c, "b", "S1");
        assert!(merged
            .members
            .iter()
            .any(|m| m.reviewer == "a" && m.local_id == "C1"));
        assert_eq!(merged.reviewers, vec!["a", "b"]);
        assert_eq!(
            merged.severity, timing_severity,
            "the merge keeps the higher rating"
        );
        assert!(merged
            .merge_reasons
            .iter()
            .any(|r| r.starts_with("model-proposed by judge") && r.contains("constant-time")));
        let leak = find(&c, "a", "S2");
        assert_eq!(leak.severity, Severity::Critical);
        assert_eq!(leak.severity_rule.as_deref(), Some("model"));
        assert!(leak
            .reconciliation
            .as_deref()
            .unwrap()
            .contains("proposed by judge"));
        // Ordered and numbered again; the old ids map to the new ones.
        let ids: Vec<&str> = c.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["C1", "I1", "I2", "S1"]);
        assert_eq!(leak.id, "C1");
        assert_ne!(log, "C1");
        assert_eq!(
            applied.renamed.get(&log).map(String::as_str),
            Some(leak.id.as_str())
        );
        assert_eq!(applied.accepted[1].now.as_deref(), Some(leak.id.as_str()));
        assert_eq!(
            applied.remap(&format!("see {log}")),
            format!("see {}", leak.id)
        );
        assert_eq!(
            c.tallies["b"].unique, 1,
            "only the retry finding is b's alone"
        );
    }

    #[test]
    fn rejected_proposals_say_why_and_change_nothing() {
        let (reviews, mut c) = consolidated();
        let untouched = c.clone();
        let timing = find(&c, "a", "C1").id.clone();
        let rename = find(&c, "a", "S1").id.clone();
        let log = find(&c, "a", "S2").id.clone();
        let retry = find(&c, "b", "I1").id.clone();
        let applied = apply_proposals(
            &mut c,
            &reviews,
            &VerifyOutcome::default(),
            &[
                merge(&[&timing, &rename], "same function"),
                merge(&[&log, &retry], "both are robustness"),
                merge(&[&timing, "I9"], "same"),
                merge(&[&timing, &timing], "same"),
                merge(&[&retry, &log], ""),
                Proposal::Severity {
                    finding: retry.clone(),
                    severity: Severity::Important,
                    reason: "it is important".into(),
                },
            ],
            "judge",
        );
        let why: Vec<&str> = applied
            .rejected
            .iter()
            .map(|p| p.rejected_because.as_deref().unwrap())
            .collect();
        assert_eq!(applied.accepted, vec![]);
        assert!(why[0].contains("a would hold two members"), "{}", why[0]);
        assert!(
            why[1].contains("different files (src/log.rs and src/net.rs)")
                || why[1].contains("different files (src/net.rs and src/log.rs)"),
            "{}",
            why[1]
        );
        assert!(why[2].contains("no finding I9"), "{}", why[2]);
        assert!(why[3].contains("fewer than two"), "{}", why[3]);
        assert!(why[4].contains("no reason"), "{}", why[4]);
        assert!(why[5].contains("already important"), "{}", why[5]);
        assert_eq!(c.findings, untouched.findings);
    }

    #[test]
    fn far_apart_lines_of_one_file_are_not_one_issue() {
        let text =
            "## Important\n\n### I1. Overflow in `sum`\n\n`src/m.rs:10` adds without a check.\n";
        let other = "## Important\n\n### I1. Unchecked index in `pick`\n\n`src/m.rs:300` indexes without a bound.\n";
        let reviews = vec![
            parse_review("a", 1, text, None),
            parse_review("b", 1, other, None),
        ];
        let mut c = consolidate(&reviews, &Policy::default(), &VerifyOutcome::default());
        assert_eq!(c.findings.len(), 2);
        let applied = apply_proposals(
            &mut c,
            &reviews,
            &VerifyOutcome::default(),
            &[merge(&["I1", "I2"], "both are arithmetic")],
            "judge",
        );
        let why = applied.rejected[0].rejected_because.as_deref().unwrap();
        assert!(why.contains("lines apart in src/m.rs"), "{why}");
        assert_eq!(c.findings.len(), 2);
    }
}
