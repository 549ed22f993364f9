//! The verdict and its one-sentence reason, from the findings and the policy.

use super::VerdictPolicy;
use crate::model::{Decision, Severity};
use crate::prose::{join_and, one_line, severity_phrase};
use crate::report::{Finding, Verdict};

/// True when `s` is at least as severe as `threshold`.
fn at_least(s: Severity, threshold: Severity) -> bool {
    s <= threshold
}

/// A finding by what it is, for a sentence: its title with the first word in lower
/// case when it is an ordinary capitalised word (`Refill writes …` → `refill writes …`,
/// but `IAM role …` and `` `Take(n)` … `` stay), stray emphasis and end punctuation
/// removed, then its id: `refill writes `b.tokens` outside the mutex (C1)`.
pub(super) fn what_it_is(f: &Finding) -> String {
    let title = one_line(&f.title);
    let title = title
        .trim()
        .trim_end_matches(['.', ':', ';', ',', '*', ' '])
        .trim_start_matches(['*', ' ']);
    let text = lower_first(title);
    if text.is_empty() {
        f.id.clone()
    } else {
        format!("{text} ({})", f.id)
    }
}

/// `text` with its first word in lower case when that is an ordinary capitalised word
/// (`Refill`, `Per-tenant`), not an acronym, a name in code or a single letter.
pub(super) fn lower_first(text: &str) -> String {
    let mut words = text.splitn(2, ' ');
    let first = words.next().unwrap_or("");
    let mut chars = first.chars();
    let ordinary = chars.next().is_some_and(char::is_uppercase)
        && first.chars().skip(1).any(char::is_lowercase)
        && !first
            .chars()
            .skip(1)
            .any(|c| c.is_uppercase() || c.is_ascii_digit() || c == '_');
    let first = if ordinary {
        let mut c = first.chars();
        c.next()
            .map(|f| f.to_lowercase().chain(c).collect())
            .unwrap_or_default()
    } else {
        first.to_string()
    };
    match words.next() {
        Some(rest) => format!("{first} {rest}"),
        None => first,
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

/// Up to two findings by what they are, as a sentence's list: `a (C1), and b (C2)`;
/// past two, `a (C1), b (C2), and 3 more`.
pub(super) fn name_two(findings: &[&Finding]) -> String {
    let named: Vec<String> = findings.iter().take(2).map(|f| what_it_is(f)).collect();
    match (named.as_slice(), findings.len()) {
        ([a, b], 2) => format!("{a}, and {b}"),
        ([a, b], n) => format!("{a}, {b}, and {} more", n - 2),
        ([a], _) => a.clone(),
        _ => String::new(),
    }
}

/// True when a reviewer's own verdict words ask for the change to be reworked (not a
/// plain "changes requested", which any fix satisfies).
pub(super) fn asks_for_rework(verdict_text: &str) -> bool {
    let w = verdict_text.to_lowercase().replace(['*', '`', '_'], " ");
    [
        "rework",
        "rewrite",
        "re-architect",
        "do not merge",
        "don't merge",
        "not mergeable",
        "reject",
        "start over",
    ]
    .iter()
    .any(|p| w.contains(p))
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
/// partial panel ("from 2 of 3 reviewers; gemini timed out") otherwise. `rework_asked`
/// names the reviewers whose own verdict asks for a rework.
pub(super) fn verdict_of_panel(
    findings: &[Finding],
    policy: VerdictPolicy,
    seats: &[(&str, Option<&crate::model::RunRecord>, bool)],
    rework_asked: &[&str],
) -> Verdict {
    let reviewed = seats.iter().filter(|(_, _, r)| *r).count();
    let mut v = verdict(findings, policy, reviewed > 0, rework_asked);
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

/// The decision and its one-sentence reason (shown after the decision: "**Rework** —
/// reason"). The reason names at most two decisive findings by what they are.
///
/// Rework needs `policy.rework_min` findings at `rework_at`, or one that a reviewer who
/// raised it backs with a rework verdict of its own: a single blocker with a fix at
/// hand is fixed before merging, not a reason to redo the change.
pub(super) fn verdict(
    findings: &[Finding],
    policy: VerdictPolicy,
    any_review: bool,
    rework_asked: &[&str],
) -> Verdict {
    let blocking: Vec<&Finding> = findings
        .iter()
        .filter(|f| at_least(f.severity, policy.rework_at))
        .collect();
    let fixes: Vec<&Finding> = findings
        .iter()
        .filter(|f| at_least(f.severity, policy.fixes_at))
        .collect();
    let optional: Vec<&Finding> = findings
        .iter()
        .filter(|f| !at_least(f.severity, policy.fixes_at))
        .collect();
    let backed: Vec<&str> = rework_asked
        .iter()
        .copied()
        .filter(|who| {
            blocking
                .iter()
                .any(|f| f.members.iter().any(|m| m.reviewer == *who))
        })
        .collect();
    let rework =
        !blocking.is_empty() && (blocking.len() >= policy.rework_min || !backed.is_empty());

    let (decision, reason) = if rework {
        let mut reason = name_two(&blocking);
        if blocking.len() < policy.rework_min {
            let verb = if backed.len() == 1 { "asks" } else { "ask" };
            reason.push_str(&format!(
                "; {} {verb} for a rework",
                join_and(&backed.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            ));
        }
        (Decision::Rework, reason)
    } else if !fixes.is_empty() {
        (Decision::MergeWithFixes, name_two(&fixes))
    } else if !any_review {
        (
            Decision::Incomplete,
            "No reviewer produced a usable review, so nothing was decided".to_string(),
        )
    } else if optional.is_empty() {
        (
            Decision::MergeAsIs,
            "no reviewer raised an issue".to_string(),
        )
    } else {
        let verb = if optional.len() == 1 { "is" } else { "are" };
        (
            Decision::MergeAsIs,
            format!(
                "nothing needs fixing; {} {verb} optional",
                counted_by_severity(&optional)
            ),
        )
    };
    Verdict {
        decision,
        reason: format!("{reason}."),
    }
}
