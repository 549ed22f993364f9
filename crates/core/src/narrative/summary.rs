//! The executive summary: what the change is and does, what decides the verdict, what
//! is fine, and how the review went.

use std::collections::BTreeSet;

use super::retro::{failure_phrase, unreadable};
use super::verdict::{counted_by_severity, lower_first, what_it_is};
use super::{Panel, ReportInput, VerdictPolicy};
use crate::model::{Decision, RunStatus};
use crate::prose::{code_span, join_and, one_line, plural};
use crate::report::{
    AcknowledgedLimitation, Finding, ReviewerReport, Target, Verdict, Verification,
};

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
            let run = input.runs.iter().find(|run| run.name == r.name);
            // No run record: the review was interrupted before one was written.
            let status = run.map_or(RunStatus::NotFinished, |run| run.status);
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

/// The executive summary, in up to four paragraphs: what the change is and does (the
/// target, then the description the reviewers' own summaries agree on), what decides
/// the verdict (at most two findings, by what they are and who raised them, then how
/// much else there is), what the reviewers found good, and how the review went (who
/// ran, what was dropped or could not be confirmed).
pub(super) fn executive_summary(
    input: &ReportInput<'_>,
    panel: &Panel<'_>,
    reviewers: &[ReviewerReport],
    limitations: &[AcknowledgedLimitation],
    verdict: &Verdict,
    policy: VerdictPolicy,
) -> String {
    let findings = &input.consolidation.findings;
    let mut paragraphs: Vec<String> = Vec::new();

    let mut what: Vec<String> = Vec::new();
    if target_known(&input.target) {
        what.push(target_sentence(
            &input.target,
            input.target.commits.len(),
            input.changed_files.len(),
        ));
    }
    if let Some(d) = agreed_description(panel) {
        what.push(d);
    }
    if !what.is_empty() {
        paragraphs.push(what.join(" "));
    }

    let reviewed = panel.reviewed().count();
    paragraphs.push(if findings.is_empty() {
        let mut p = "The consolidated review has no findings.".to_string();
        if reviewed == 0 {
            p.push_str(" No review could be read, so this says nothing about the change itself.");
        }
        p
    } else {
        decisive_paragraph(findings, verdict, policy, panel)
    });

    let strengths: Vec<String> = input
        .consolidation
        .design
        .strengths
        .iter()
        .map(|g| one_line(&g.title).trim_end_matches('.').to_string())
        .filter(|t| !t.is_empty())
        .take(4)
        .collect();
    if !strengths.is_empty() {
        paragraphs.push(format!(
            "What is fine: the reviewers credit {}.",
            join_and(&strengths.iter().map(|t| lower_first(t)).collect::<Vec<_>>())
        ));
    }

    let mut notes: Vec<String> = vec![reviewers_sentence(reviewers, input)];
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
    paragraphs.push(notes.join(" "));
    paragraphs.join("\n\n")
}

/// True when the target says more than "a local change".
fn target_known(t: &Target) -> bool {
    t.kind == "github_pr"
        || t.branch.as_deref().is_some_and(|b| !b.trim().is_empty())
        || t.title.as_deref().is_some_and(|b| !b.trim().is_empty())
        || !t.commits.is_empty()
}

/// The findings that decide the verdict, in plain words, then the rest counted.
fn decisive_paragraph(
    findings: &[Finding],
    verdict: &Verdict,
    policy: VerdictPolicy,
    panel: &Panel<'_>,
) -> String {
    let reviewed = panel.reviewed().count();
    let decisive: Vec<&Finding> = match verdict.decision {
        Decision::Rework => findings
            .iter()
            .filter(|f| f.severity <= policy.rework_at)
            .collect(),
        _ => findings
            .iter()
            .filter(|f| f.severity <= policy.fixes_at)
            .collect(),
    };
    let named: Vec<&Finding> = decisive.iter().take(2).copied().collect();
    let rest: Vec<&Finding> = findings
        .iter()
        .filter(|f| !named.iter().any(|n| std::ptr::eq(*n, *f)))
        .collect();
    let mut p = String::new();
    if named.is_empty() {
        let all: Vec<&Finding> = findings.iter().collect();
        p.push_str(&format!(
            "Nothing blocks the merge: the review has {} and no issue that needs fixing.",
            counted_by_severity(&all)
        ));
        return p;
    }
    let among = if decisive.len() > named.len() {
        ", among them"
    } else {
        ""
    };
    let lead = match (verdict.decision, decisive.len()) {
        (Decision::Rework, 1) => "One issue sends the change back for rework:".to_string(),
        (Decision::Rework, n) => format!("{} issues block the merge{among}:", count_word(n, true)),
        (_, 1) => "One issue needs fixing before merging:".to_string(),
        (_, n) => format!(
            "{} issues need fixing before merging{among}:",
            count_word(n, true)
        ),
    };
    let described: Vec<String> = named
        .iter()
        .map(|f| {
            let who = raised_by(f, reviewed, panel);
            let text = what_it_is(f);
            // `… (C1)` becomes `… (C1, raised by all three reviewers)`.
            match (text.strip_suffix(')'), who) {
                (Some(open), Some(who)) => format!("{open}, {who})"),
                _ => text,
            }
        })
        .collect();
    p.push_str(&lead);
    p.push(' ');
    p.push_str(&match described.as_slice() {
        [a, b] => format!("{a}; and {b}"),
        [a] => a.clone(),
        _ => String::new(),
    });
    p.push('.');
    if !rest.is_empty() {
        p.push_str(&format!(
            " Besides {}, the review has {}.",
            if named.len() == 1 { "this" } else { "these" },
            counted_by_severity(&rest)
        ));
    }
    p
}

/// `raised by all three reviewers`, `raised by claude and codex`, `raised by gemini
/// alone`; None when only one reviewer reviewed.
fn raised_by(f: &Finding, reviewed: usize, panel: &Panel<'_>) -> Option<String> {
    if reviewed < 2 {
        return None;
    }
    let n = distinct_reviewers(f);
    Some(if n >= reviewed && reviewed > 2 {
        format!("raised by all {} reviewers", count_word(reviewed, false))
    } else if n >= reviewed {
        "raised by both reviewers".to_string()
    } else if n == 1 {
        format!(
            "raised by {} alone",
            f.reviewers
                .first()
                .map_or("one reviewer", |r| panel.display(r))
        )
    } else {
        let names: Vec<String> = f
            .reviewers
            .iter()
            .map(|r| panel.display(r).to_string())
            .collect();
        format!("raised by {}", join_and(&names))
    })
}

/// `two`, `Three`; digits past ten.
fn count_word(n: usize, capital: bool) -> String {
    const WORDS: [&str; 11] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    let w = WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| w.to_string());
    if capital {
        let mut c = w.chars();
        match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect(),
            None => w,
        }
    } else {
        w
    }
}

/// Verbs a reviewer's summary starts with when its subject (the change) is left out.
const SUMMARY_VERBS: &[&str] = &[
    "adds",
    "introduces",
    "implements",
    "replaces",
    "converts",
    "moves",
    "removes",
    "refactors",
    "fixes",
    "updates",
    "wires",
    "extends",
    "makes",
    "rewrites",
    "changes",
    "creates",
    "splits",
    "renames",
    "migrates",
    "ports",
    "switches",
    "enables",
];

/// What the change does, as the reviewers describe it: of the reviewers' own
/// summaries, the one that shares the most words with the others (the description
/// they agree on), its first sentence (two when the first is short). Reviewer text is
/// used as written, apart from a leading verb given its subject ("Adds …" → "The
/// change adds …").
pub(super) fn agreed_description(panel: &Panel<'_>) -> Option<String> {
    let summaries: Vec<String> = panel
        .reviewed()
        .filter_map(|s| s.review.and_then(|r| r.summary.as_deref()))
        .map(opening)
        .filter(|s| s.split_whitespace().count() >= 4)
        .collect();
    let words: Vec<BTreeSet<String>> = summaries.iter().map(|s| content_words(s)).collect();
    let score = |i: usize| -> f64 {
        words
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, w)| {
                let shared = w.intersection(&words[i]).count() as f64;
                let union = w.union(&words[i]).count().max(1) as f64;
                shared / union
            })
            .sum()
    };
    let best = (0..summaries.len()).max_by(|&a, &b| {
        score(a)
            .partial_cmp(&score(b))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.cmp(&a))
    })?;
    let text = summaries[best].clone();
    let mut parts = text.splitn(2, ' ');
    let first = parts.next().unwrap_or("");
    Some(if SUMMARY_VERBS.contains(&first.to_lowercase().as_str()) {
        format!(
            "The change {} {}",
            first.to_lowercase(),
            parts.next().unwrap_or("")
        )
    } else {
        text
    })
}

/// The first sentence of a summary (the first two when the first is under eight
/// words), on one line, ending in a full stop.
fn opening(summary: &str) -> String {
    let text = one_line(summary);
    let mut out = String::new();
    let mut rest = text.as_str();
    // A verdict line the reviewer put first is not a description.
    while !rest.is_empty() && is_verdict_sentence(&rest[..sentence_end(rest)]) {
        rest = rest[sentence_end(rest)..].trim_start();
    }
    for _ in 0..2 {
        let end = sentence_end(rest);
        out.push_str(rest[..end].trim());
        rest = rest[end..].trim_start();
        // A second sentence only when the first is short and the next is prose.
        let prose = rest.starts_with(|c: char| c.is_uppercase() || c == '`');
        if out.split_whitespace().count() >= 8 || !prose {
            break;
        }
        out.push(' ');
    }
    let mut out = out.trim().to_string();
    if out.split_whitespace().count() > 60 {
        out = out
            .split_whitespace()
            .take(60)
            .collect::<Vec<_>>()
            .join(" ")
            + " …";
    }
    if out.ends_with(['.', '!', '?', '…']) {
        out
    } else {
        format!("{out}.")
    }
}

/// True for a verdict or a bare assessment rather than a description: "**Verdict:**
/// Rework — …", "Recommendation: approve.", "No blocking issues found."
fn is_verdict_sentence(sentence: &str) -> bool {
    let s = sentence
        .trim_start_matches(|c: char| c == '*' || c == '#' || c.is_whitespace())
        .to_lowercase();
    [
        "verdict",
        "recommendation",
        "overall:",
        "decision:",
        "status:",
        "no blocking",
        "no issues",
        "no major issues",
        "looks good",
        "lgtm",
        "nothing to flag",
        "approve",
    ]
    .iter()
    .any(|p| s.starts_with(p))
}

/// Byte offset just past the first sentence of `text`: a `.`, `!` or `?` (outside code)
/// followed by a space and something other than a lower-case letter, or the end.
fn sentence_end(text: &str) -> usize {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut in_code = false;
    for (k, &(i, c)) in chars.iter().enumerate() {
        if c == '`' {
            in_code = !in_code;
        }
        if in_code || !matches!(c, '.' | '!' | '?') {
            continue;
        }
        match (chars.get(k + 1).map(|x| x.1), chars.get(k + 2).map(|x| x.1)) {
            (None, _) => return text.len(),
            (Some(' '), Some(after)) if !after.is_lowercase() => return i + c.len_utf8(),
            _ => {}
        }
    }
    text.len()
}

/// Lowercase words of four letters or more, for comparing summaries.
fn content_words(text: &str) -> BTreeSet<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_string)
        .collect()
}

fn distinct_reviewers(f: &Finding) -> usize {
    f.members
        .iter()
        .map(|m| m.reviewer.as_str())
        .collect::<BTreeSet<_>>()
        .len()
        .max(f.reviewers.len())
}
