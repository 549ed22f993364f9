//! Building the [`Report`] from the consolidated data: verdict and its reason, executive
//! summary, per-reviewer retro and tallies, assessments, acknowledged limitations. All
//! text is deterministic, written from the structured data alone (a model-written
//! narrative may replace it later). Reviewers' own prose is never paraphrased: the
//! assessments are quoted with attribution, everything else is counts, ids and titles.

mod assessments;
mod retro;
mod rounds;
mod summary;
mod title;
mod verdict;

use std::collections::HashMap;

use crate::consolidate::Consolidation;
use crate::model::{ItemSource, Limitation, ParsedReview, RunRecord, Severity};
use crate::report::{Finding, Report, ReportDiagnostic, ReviewerReport, Target, SCHEMA_VERSION};
use assessments::{
    acknowledged_limitations, assessment, reconciliation, repo_context_updates, skill_improvements,
};
use retro::reviewer_report;
use summary::executive_summary;
#[cfg(test)]
use verdict::verdict;
use verdict::verdict_of_panel;

/// When the verdict is `rework` / `merge_with_fixes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerdictPolicy {
    /// Any finding at or above this severity → `rework`.
    pub rework_at: Severity,
    /// Any finding at or above this severity (and below `rework_at`) → `merge_with_fixes`.
    pub fixes_at: Severity,
    /// How many findings at `rework_at` send the change back for rework on their own;
    /// fewer do only when a reviewer that raised one asks for a rework in its verdict
    /// (otherwise they are fixed before merging: `merge_with_fixes`). 1 by default:
    /// SPEC section 1.8 makes any critical a rework.
    pub rework_min: usize,
}

impl Default for VerdictPolicy {
    fn default() -> Self {
        VerdictPolicy {
            rework_at: Severity::Critical,
            fixes_at: Severity::Important,
            rework_min: 1,
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
    /// The reviews as written, in panel order (for what their headings call the change).
    pub review_texts: Vec<&'a str>,
}

/// One reviewer of the panel: its run record and its review, either may be missing.
struct Seat<'a> {
    name: String,
    display: String,
    run: Option<&'a RunRecord>,
    review: Option<&'a ParsedReview>,
}

/// The panel in order (run records first, then reviews with no run record), plus the
/// lookups every section needs.
struct Panel<'a> {
    seats: Vec<Seat<'a>>,
    /// (reviewer, local id) → the finding that item became.
    finding_of: HashMap<(&'a str, &'a str), &'a Finding>,
}

impl<'a> Panel<'a> {
    fn new(input: &ReportInput<'a>) -> Panel<'a> {
        let mut seats: Vec<Seat<'a>> = Vec::new();
        for run in input.runs {
            if seats.iter().any(|s| s.name == run.name) {
                continue;
            }
            seats.push(Seat {
                name: run.name.clone(),
                display: run.display_name().to_string(),
                run: Some(run),
                review: None,
            });
        }
        for review in input.reviews {
            match seats.iter_mut().find(|s| s.name == review.reviewer) {
                // Several passes of one reviewer: the latest one counts.
                Some(seat) => {
                    if seat.review.is_none_or(|r| review.pass >= r.pass) {
                        seat.review = Some(review);
                    }
                }
                None => seats.push(Seat {
                    name: review.reviewer.clone(),
                    display: review.reviewer.clone(),
                    run: None,
                    review: Some(review),
                }),
            }
        }
        let mut finding_of = HashMap::new();
        for finding in &input.consolidation.findings {
            for m in &finding.members {
                finding_of.insert((m.reviewer.as_str(), m.local_id.as_str()), finding);
            }
        }
        Panel { seats, finding_of }
    }

    fn display<'s>(&'s self, name: &'s str) -> &'s str {
        self.seats
            .iter()
            .find(|s| s.name == name)
            .map_or(name, |s| s.display.as_str())
    }

    /// Seats that left a review with something in it.
    fn reviewed(&self) -> impl Iterator<Item = &Seat<'a>> {
        self.seats.iter().filter(|s| s.review.is_some())
    }
}

pub fn build_report(input: &ReportInput<'_>) -> Report {
    // The report's own copy of the findings is made on another core meanwhile (with
    // thousands of findings, it is a good part of the time here).
    let (findings, mut report) = crate::parallel::join(
        || input.consolidation.findings.clone(),
        || report_without_findings(input),
    );
    report.findings = findings;
    report
}

/// [`build_report`] with `findings` left empty, for a caller that can hand the report
/// the consolidation's own findings.
pub fn report_without_findings(input: &ReportInput<'_>) -> Report {
    let panel = Panel::new(input);
    let findings = &input.consolidation.findings;
    let reviewers: Vec<ReviewerReport> = panel
        .seats
        .iter()
        .map(|seat| reviewer_report(seat, input, &panel))
        .collect();
    let seats: Vec<(&str, Option<&RunRecord>, bool)> = panel
        .seats
        .iter()
        .map(|s| (s.name.as_str(), s.run, s.review.is_some()))
        .collect();
    let rework_asked: Vec<&str> = panel
        .reviewed()
        .filter(|s| {
            s.review
                .and_then(|r| r.verdict_text.as_deref())
                .is_some_and(verdict::asks_for_rework)
        })
        .map(|s| s.name.as_str())
        .collect();
    let verdict = verdict_of_panel(findings, input.verdict_policy, &seats, &rework_asked);
    let limitations = acknowledged_limitations(input.diff_limitations, &panel);
    let summary = executive_summary(
        input,
        &panel,
        &reviewers,
        &limitations,
        &verdict,
        input.verdict_policy,
    );

    Report {
        schema_version: SCHEMA_VERSION,
        id: input.id.clone(),
        created_at: input.created_at.clone(),
        title: title::report_title(&input.target, &input.review_texts),
        target: input.target.clone(),
        verdict,
        wall_clock_ms: input.wall_clock_ms,
        summary,
        changed_files: input.changed_files.to_vec(),
        findings: Vec::new(),
        dropped: input.consolidation.dropped.clone(),
        design: assessments::design_without_praise(&input.consolidation.design),
        testing: assessment(&panel, |r| r.testing.as_deref(), ItemSource::Testing),
        documentation: assessment(
            &panel,
            |r| r.documentation.as_deref(),
            ItemSource::Documentation,
        ),
        commits: assessment(&panel, |r| r.commits.as_deref(), ItemSource::Commits),
        acknowledged_limitations: limitations,
        unresolved_feedback: rounds::unresolved_feedback(&panel),
        prior_round: rounds::prior_round(&panel),
        reconciliation: reconciliation(input.consolidation, &panel),
        skill_improvements: skill_improvements(&panel, &reviewers, input.consolidation),
        repo_context_updates: repo_context_updates(input.consolidation),
        diagnostics: panel
            .seats
            .iter()
            .filter_map(|s| s.review.map(|r| (s, r)))
            .flat_map(|(s, r)| {
                r.diagnostics.iter().map(|d| ReportDiagnostic {
                    reviewer: s.name.clone(),
                    message: match d.line {
                        Some(line) => format!("line {line}: {}", d.message),
                        None => d.message.clone(),
                    },
                })
            })
            .collect(),
        history: None,
        reviewers,
        consolidator: None,
    }
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
