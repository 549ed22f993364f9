//! The executive summary: what was reviewed, by whom, what the consolidated review
//! found, and what the reader should know about it.

use std::collections::BTreeSet;

use super::retro::{failure_phrase, unreadable};
use super::verdict::{counted_by_severity, finding_ref};
use super::{Panel, ReportInput};
use crate::model::{RunStatus, Severity};
use crate::prose::{code_span, join_and, one_line, plural};
use crate::report::{AcknowledgedLimitation, Finding, ReviewerReport, Target, Verification};

fn target_sentence(t: &Target, commits: usize, files: usize) -> String {
    let mut what = if t.kind == "github_pr" {
        let mut w = match t.number {
            Some(n) => format!("PR #{n}"),
            None => "The pull request".to_string(),
        };
        if let Some(repo) = t.repo.as_deref().filter(|r| !r.is_empty()) {
            w.push_str(&format!(" in {}", code_span(repo)));
        }
        w
    } else {
        match (t.branch.as_deref(), t.repo.as_deref()) {
            (Some(b), Some(repo)) => format!("Branch {} of {}", code_span(b), code_span(repo)),
            (Some(b), None) => format!("Branch {}", code_span(b)),
            (None, Some(repo)) => format!("The local change in {}", code_span(repo)),
            (None, None) => "The local change".to_string(),
        }
    };
    if let Some(title) = t.title.as_deref().map(one_line).filter(|t| !t.is_empty()) {
        what.push_str(&format!(", “{title}”"));
    }
    if let Some(author) = t.author.as_deref().map(one_line).filter(|a| !a.is_empty()) {
        if t.kind == "github_pr" && !author.contains(' ') {
            what.push_str(&format!(" by @{}", author.trim_start_matches('@')));
        } else {
            what.push_str(&format!(" by {author}"));
        }
    }
    if t.round > 1 {
        what.push_str(&format!(" (round {})", t.round));
    }
    let mut size: Vec<String> = Vec::new();
    if commits > 0 {
        size.push(plural(commits, "commit", "commits"));
    }
    if files > 0 {
        size.push(plural(files, "changed file", "changed files"));
    }
    if size.is_empty() {
        format!("{what} was reviewed.")
    } else {
        format!("{what} was reviewed: {}.", join_and(&size))
    }
}

fn reviewers_sentence(reviewers: &[ReviewerReport], input: &ReportInput<'_>) -> String {
    if reviewers.is_empty() {
        return "No reviewer ran.".to_string();
    }
    let finished: Vec<String> = reviewers
        .iter()
        .filter(|r| r.status == RunStatus::Ok.as_str())
        .map(|r| r.display.clone())
        .collect();
    let mut s = format!("{} ran", plural(reviewers.len(), "reviewer", "reviewers"));
    if finished.len() == reviewers.len() {
        if reviewers.len() == 2 {
            s.push_str(&format!(" and both finished ({})", join_and(&finished)));
        } else if reviewers.len() > 2 {
            s.push_str(&format!(" and all finished ({})", join_and(&finished)));
        } else {
            s.push_str(&format!(" and finished ({})", join_and(&finished)));
        }
    } else if !finished.is_empty() {
        s.push_str(&format!(": {} finished", join_and(&finished)));
    }
    let failed: Vec<String> = reviewers
        .iter()
        .filter(|r| r.status != RunStatus::Ok.as_str())
        .map(|r| {
            let status = match r.status.as_str() {
                "failed" => RunStatus::Failed,
                "timed_out" => RunStatus::TimedOut,
                "skipped" => RunStatus::Skipped,
                _ => RunStatus::NotFinished,
            };
            let run = input.runs.iter().find(|run| run.name == r.name);
            let mut p = format!("{} {}", r.display, failure_phrase(status, run));
            if r.reviewed {
                p.push_str(" (what it wrote was still read)");
            }
            p
        })
        .collect();
    if !failed.is_empty() {
        let sep = if finished.is_empty() { ": " } else { "; " };
        s.push_str(sep);
        s.push_str(&join_and(&failed));
        let silent = reviewers
            .iter()
            .filter(|r| r.status != RunStatus::Ok.as_str() && !r.reviewed)
            .count();
        if silent == failed.len() {
            s.push_str(match silent {
                1 => ", leaving no review",
                2 => ", neither leaving a review",
                _ => ", none of them leaving a review",
            });
        }
    }
    s.push('.');
    let unreadable: Vec<String> = reviewers
        .iter()
        .filter(|r| {
            input
                .reviews
                .iter()
                .any(|rv| rv.reviewer == r.name && unreadable(rv))
        })
        .map(|r| r.display.clone())
        .collect();
    if !unreadable.is_empty() {
        s.push_str(&format!(
            " Nothing could be read out of the review of {}.",
            join_and(&unreadable)
        ));
    }
    s
}

pub(super) fn executive_summary(
    input: &ReportInput<'_>,
    panel: &Panel<'_>,
    reviewers: &[ReviewerReport],
    limitations: &[AcknowledgedLimitation],
) -> String {
    let findings = &input.consolidation.findings;
    let mut paragraphs: Vec<String> = Vec::new();
    paragraphs.push(format!(
        "{} {}",
        target_sentence(
            &input.target,
            input.target.commits.len(),
            input.changed_files.len()
        ),
        reviewers_sentence(reviewers, input)
    ));

    if findings.is_empty() {
        let mut p = "The consolidated review has no findings.".to_string();
        if panel.reviewed().count() == 0 {
            p.push_str(" No review could be read, so this says nothing about the change itself.");
        }
        paragraphs.push(p);
    } else {
        let all: Vec<&Finding> = findings.iter().collect();
        let items: usize = findings.iter().map(|f| f.members.len()).sum();
        let mut p = format!(
            "The consolidated review has {} ({} from {}).",
            counted_by_severity(&all),
            plural(findings.len(), "finding", "findings"),
            plural(items, "reviewer item", "reviewer items")
        );
        for severity in [Severity::Critical, Severity::Important] {
            let these: Vec<&Finding> = findings.iter().filter(|f| f.severity == severity).collect();
            if these.is_empty() {
                continue;
            }
            let mut named: Vec<String> = these.iter().take(4).map(|f| finding_ref(f)).collect();
            if these.len() > 4 {
                named.push(format!("{} more", these.len() - 4));
            }
            let label = match severity {
                Severity::Critical => "Critical",
                _ => "Important",
            };
            p.push_str(&format!(" {label}: {}.", named.join("; ")));
        }
        if panel.reviewed().count() > 1 {
            let shared = findings
                .iter()
                .filter(|f| distinct_reviewers(f) > 1)
                .count();
            p.push_str(&format!(
                " {} of {} {} raised by more than one reviewer.",
                shared,
                findings.len(),
                if shared == 1 {
                    "findings was"
                } else {
                    "findings were"
                },
            ));
        }
        paragraphs.push(p);
    }

    let mut notes: Vec<String> = Vec::new();
    let dropped = input.consolidation.dropped.len();
    if dropped > 0 {
        notes.push(format!(
            "{} dropped (named under Reconciliation).",
            plural(dropped, "item was", "items were")
        ));
    }
    let unverified = findings
        .iter()
        .filter(|f| f.verification == Verification::Unverified)
        .count();
    if unverified > 0 {
        notes.push(format!(
            "{} could not be confirmed against the head revision.",
            plural(unverified, "finding's location", "findings' locations")
        ));
    }
    if !limitations.is_empty() {
        let from_diff = limitations
            .iter()
            .filter(|l| l.sources.iter().any(|s| s == "diff"))
            .count();
        let mut n = format!(
            "The change acknowledges {}",
            plural(limitations.len(), "limitation", "limitations")
        );
        if from_diff > 0 {
            n.push_str(&format!(
                " ({} in the diff)",
                plural(from_diff, "TODO/FIXME marker", "TODO/FIXME markers")
            ));
        }
        n.push_str("; see Acknowledged Limitations.");
        notes.push(n);
    }
    if !notes.is_empty() {
        paragraphs.push(notes.join(" "));
    }
    paragraphs.join("\n\n")
}

fn distinct_reviewers(f: &Finding) -> usize {
    f.members
        .iter()
        .map(|m| m.reviewer.as_str())
        .collect::<BTreeSet<_>>()
        .len()
        .max(f.reviewers.len())
}
