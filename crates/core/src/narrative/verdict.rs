//! The verdict and its one-sentence reason, from the findings and the policy.

use super::VerdictPolicy;
use crate::model::{Decision, Severity};
use crate::prose::{code_span, join_and, one_line, severity_phrase};
use crate::report::{Finding, Verdict};

/// True when `s` is at least as severe as `threshold`.
fn at_least(s: Severity, threshold: Severity) -> bool {
    s <= threshold
}

/// `C1 (`path:36`) Title`: how the reason and the summary name a finding.
pub(super) fn finding_ref(f: &Finding) -> String {
    let title = one_line(&f.title);
    let title = title.trim_end_matches('.');
    match &f.location {
        Some(loc) => format!("{} ({}) {title}", f.id, code_span(&loc.to_string())),
        None => format!("{} {title}", f.id),
    }
}

/// `2 important issues and 1 suggestion`.
pub(super) fn counted_by_severity(findings: &[&Finding]) -> String {
    let parts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| (*s, findings.iter().filter(|f| f.severity == *s).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| severity_phrase(s, n))
        .collect();
    join_and(&parts)
}

/// Names up to two findings, then how many more.
fn name_top(findings: &[&Finding]) -> String {
    let mut named: Vec<String> = findings.iter().take(2).map(|f| finding_ref(f)).collect();
    if findings.len() > 2 {
        named.push(format!("{} more", findings.len() - 2));
    }
    join_and(&named)
}

/// What happened to the reviewers that left no usable review: `gemini timed out`,
/// `claude failed (no credentials: set ANTHROPIC_API_KEY)`.
pub(super) fn missing_reviewers(
    seats: &[(&str, Option<&crate::model::RunRecord>, bool)],
    with_why: bool,
) -> Vec<String> {
    use crate::model::RunStatus;
    seats
        .iter()
        .filter(|(_, _, reviewed)| !reviewed)
        .map(|(name, run, _)| {
            let status = run.map_or(RunStatus::NotFinished, |r| r.status);
            let what = match status {
                RunStatus::TimedOut => "timed out",
                RunStatus::Skipped => "was skipped",
                RunStatus::NotFinished => "did not finish",
                RunStatus::Failed => "failed",
                RunStatus::BudgetExceeded => "stopped at its budget",
                RunStatus::Ok => "left no usable review",
            };
            let why = run
                .and_then(|r| r.error.as_deref())
                .filter(|_| with_why)
                .filter(|_| status == RunStatus::Failed || status == RunStatus::Skipped)
                .map(|e| {
                    let e = one_line(e);
                    let short: String = e.chars().take(80).collect();
                    if short.len() < e.len() {
                        format!(" ({short}…)")
                    } else {
                        format!(" ({short})")
                    }
                })
                .unwrap_or_default();
            format!("{name} {what}{why}")
        })
        .collect()
}

/// The verdict with the panel's state said: who failed when nobody finished, and a
/// partial panel ("from 2 of 3 reviewers; gemini timed out") otherwise.
pub(super) fn verdict_of_panel(
    findings: &[Finding],
    policy: VerdictPolicy,
    seats: &[(&str, Option<&crate::model::RunRecord>, bool)],
) -> Verdict {
    let reviewed = seats.iter().filter(|(_, _, r)| *r).count();
    let mut v = verdict(findings, policy, reviewed > 0);
    let missing = missing_reviewers(seats, v.decision == Decision::Incomplete);
    if missing.is_empty() {
        return v;
    }
    let body = v.reason.trim_end_matches('.').to_string();
    v.reason = if v.decision == Decision::Incomplete {
        format!("{body}: {}.", join_and(&missing))
    } else {
        format!(
            "{body} — from {reviewed} of {} reviewers; {}.",
            seats.len(),
            missing.join(", ")
        )
    };
    v
}

pub(super) fn verdict(findings: &[Finding], policy: VerdictPolicy, any_review: bool) -> Verdict {
    let blocking: Vec<&Finding> = findings
        .iter()
        .filter(|f| at_least(f.severity, policy.rework_at))
        .collect();
    let fixes: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            !at_least(f.severity, policy.rework_at) && at_least(f.severity, policy.fixes_at)
        })
        .collect();
    let optional: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            !at_least(f.severity, policy.fixes_at) && !at_least(f.severity, policy.rework_at)
        })
        .collect();

    let (decision, reason) = if !blocking.is_empty() {
        let verb = if blocking.len() == 1 {
            "blocks"
        } else {
            "block"
        };
        let mut reason = format!("{} {verb} the merge", name_top(&blocking));
        if !fixes.is_empty() {
            let verb = if fixes.len() == 1 { "needs" } else { "need" };
            reason.push_str(&format!(
                "; {} also {verb} fixes",
                counted_by_severity(&fixes)
            ));
        }
        (Decision::Rework, reason)
    } else if !fixes.is_empty() {
        let verb = if fixes.len() == 1 { "needs" } else { "need" };
        let mut reason = format!("{} {verb} fixes before merging", name_top(&fixes));
        if !optional.is_empty() {
            let verb = if optional.len() == 1 { "is" } else { "are" };
            reason.push_str(&format!(
                "; {} {verb} optional",
                counted_by_severity(&optional)
            ));
        }
        (Decision::MergeWithFixes, reason)
    } else if !any_review {
        (
            Decision::Incomplete,
            "No reviewer produced a usable review, so nothing was decided".to_string(),
        )
    } else if optional.is_empty() {
        (
            Decision::MergeAsIs,
            "No reviewer raised an issue".to_string(),
        )
    } else {
        let names: Vec<&str> = Severity::ALL
            .iter()
            .filter(|s| at_least(**s, policy.fixes_at) || at_least(**s, policy.rework_at))
            .map(|s| s.as_str())
            .collect();
        let verb = if optional.len() == 1 { "is" } else { "are" };
        (
            Decision::MergeAsIs,
            format!(
                "No {} issues; {} {verb} optional",
                names.join(" or "),
                counted_by_severity(&optional)
            ),
        )
    };
    Verdict {
        decision,
        reason: format!("{reason}."),
    }
}
