//! Building the [`Report`] from the consolidated data: verdict and its reason, executive
//! summary, per-reviewer retro and tallies, assessments, acknowledged limitations. All
//! text is deterministic, written from the structured data alone (a model-written
//! narrative may replace it later).

use crate::consolidate::Consolidation;
use crate::model::{Limitation, ParsedReview, RunRecord, Severity};
use crate::report::{Report, Target};

/// When the verdict is `rework` / `merge_with_fixes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerdictPolicy {
    /// Any finding at or above this severity → `rework`.
    pub rework_at: Severity,
    /// Any finding at or above this severity (and below `rework_at`) → `merge_with_fixes`.
    pub fixes_at: Severity,
}

impl Default for VerdictPolicy {
    fn default() -> Self {
        VerdictPolicy {
            rework_at: Severity::Critical,
            fixes_at: Severity::Important,
        }
    }
}

/// Everything the report is built from.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    pub id: String,
    pub created_at: String,
    pub target: Target,
    /// In panel order.
    pub reviews: &'a [ParsedReview],
    /// One per reviewer in the panel (including those that failed and left no review).
    pub runs: &'a [RunRecord],
    pub consolidation: &'a Consolidation,
    /// Files the change touches (for coverage misses); empty when unknown.
    pub changed_files: &'a [String],
    /// TODO/FIXME/XXX/HACK the diff adds.
    pub diff_limitations: &'a [Limitation],
    pub wall_clock_ms: Option<u64>,
    pub verdict_policy: VerdictPolicy,
}

pub fn build_report(input: &ReportInput<'_>) -> Report {
    let _ = input;
    unimplemented!("build_report")
}
