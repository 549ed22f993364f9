//! Consolidation: the same issue raised by several reviewers becomes one finding (at
//! most one member per reviewer), severities are reconciled by policy with a reason for
//! every change, findings are numbered C1.., I1.., S1... Pure and deterministic.

use std::collections::BTreeMap;

use crate::model::ParsedReview;
use crate::report::{Design, Dropped, Finding};
use crate::verify::VerifyOutcome;

/// How a group's severity is decided from its members'.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SeverityPolicy {
    /// The severity most members gave; ties go to the higher one.
    #[default]
    Majority,
    /// The highest severity any member gave.
    Highest,
    /// The lowest severity any member gave.
    Lowest,
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub severity: SeverityPolicy,
}

/// Per-reviewer counts that only consolidation knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewerTally {
    pub unique: u32,
    pub upgraded: u32,
    pub downgraded: u32,
    pub dropped: u32,
}

#[derive(Debug, Clone, Default)]
pub struct Consolidation {
    pub findings: Vec<Finding>,
    pub dropped: Vec<Dropped>,
    pub design: Design,
    pub tallies: BTreeMap<String, ReviewerTally>,
}

/// Consolidates the reviews. `verification` carries what [`crate::verify`] found (use
/// `VerifyOutcome::default()` when no repository was given); its dropped items are
/// included in the result's `dropped`.
pub fn consolidate(
    reviews: &[ParsedReview],
    policy: &Policy,
    verification: &VerifyOutcome,
) -> Consolidation {
    let _ = (reviews, policy, verification);
    unimplemented!("consolidate")
}
