//! One reviewer's part of the report: its tallies, the files it read or cited, and the
//! retro (what happened to its run and to its items, in a few sentences).

use std::collections::BTreeSet;

use super::{Panel, ReportInput, Seat};
use crate::consolidate::{file_key, same_file};
use crate::consolidate::{Consolidation, ReviewerTally};
use crate::model::{ItemSource, ParsedReview, RunRecord, RunStatus};
use crate::prose::{code_span, counts_compact, duration_terse, join_and, one_line, plural};
use crate::report::{Finding, ReviewerReport, SeverityCounts};

/// Strips what reviewers put around paths (`./`, backticks, spaces).
pub(super) fn clean_path(path: &str) -> &str {
    let p = path.trim().trim_matches('`').trim();
    p.strip_prefix("./").unwrap_or(p)
}

/// The changed file `path` names: itself, or the one changed file it is a suffix of
/// (reviewers often cite `lib.go` for `pkg/x/lib.go`). `None` when it names none.
fn match_changed<'c>(path: &str, changed: &'c [String]) -> Option<&'c str> {
    let path = clean_path(path);
    if path.is_empty() {
        return None;
    }
    if let Some(exact) = changed.iter().find(|c| c.as_str() == path) {
        return Some(exact);
    }
    let suffix = format!("/{path}");
    let mut hits = changed.iter().filter(|c| c.ends_with(&suffix));
    match (hits.next(), hits.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

fn files_reviewed(seat: &Seat<'_>, changed: &[String]) -> Vec<String> {
    let mut cited: Vec<&str> = Vec::new();
    if let Some(review) = seat.review {
        for item in &review.items {
            cited.extend(item.locations.iter().map(|l| l.path.as_str()));
        }
        for d in review.design_concerns.iter().chain(&review.strengths) {
            cited.extend(d.locations.iter().map(|l| l.path.as_str()));
        }
        cited.extend(review.coverage.iter().map(|c| c.path.as_str()));
    }
    if let Some(run) = seat.run {
        cited.extend(run.files_read.iter().map(String::as_str));
    }
    cited.sort_unstable();
    cited.dedup();
    let files: BTreeSet<String> = if changed.is_empty() {
        one_per_file(cited.iter().map(|p| clean_path(p)))
            .into_iter()
            .collect()
    } else {
        cited
            .iter()
            .filter_map(|p| match_changed(p, changed))
            .map(str::to_string)
            .collect()
    };
    files.into_iter().collect()
}

/// The paths with each file once: `a.go`, `pkg/a.go` and `/tmp/checkout/pkg/a.go` are
/// one file, shown by its longest relative path (`pkg/a.go`).
pub(super) fn one_per_file<'p>(paths: impl Iterator<Item = &'p str>) -> Vec<String> {
    let mut paths: Vec<&str> = paths.filter(|p| !p.is_empty()).collect();
    // Relative paths before absolute ones, longer before shorter: the first of a file
    // seen is the name it is shown by.
    paths.sort_by_key(|p| (p.starts_with('/'), std::cmp::Reverse(p.len()), *p));
    paths.dedup();
    // Paths of one file end in the same name: only those are compared.
    let mut kept: Vec<&str> = Vec::new();
    let mut by_name: rustc_hash::FxHashMap<&str, Vec<&str>> = Default::default();
    for p in paths {
        let same_name = by_name.entry(file_key(p)).or_default();
        if !same_name.iter().any(|k| same_file(k, p)) {
            same_name.push(p);
            kept.push(p);
        }
    }
    kept.into_iter().map(str::to_string).collect()
}

/// What consolidation did with one reviewer's items, computed from the findings.
fn tally_from_findings(name: &str, consolidation: &Consolidation) -> ReviewerTally {
    let mut t = ReviewerTally::default();
    for f in &consolidation.findings {
        if !f.members.is_empty() && f.members.iter().all(|m| m.reviewer == name) {
            t.unique += 1;
        }
        for m in f.members.iter().filter(|m| m.reviewer == name) {
            if f.severity < m.severity {
                t.upgraded += 1;
            } else if f.severity > m.severity {
                t.downgraded += 1;
            }
        }
    }
    t.dropped = consolidation
        .dropped
        .iter()
        .filter(|d| d.reviewer == name)
        .count() as u32;
    t
}

pub(super) fn reviewer_report(
    seat: &Seat<'_>,
    input: &ReportInput<'_>,
    panel: &Panel<'_>,
) -> ReviewerReport {
    let run = seat.run;
    let review = seat.review;
    let status = match (run, review) {
        (Some(r), _) => r.status,
        // A review on disk with no run record (e.g. `consolidate DIR` over reviews written
        // by another tool): the reviewer did finish.
        (None, Some(_)) => RunStatus::Ok,
        (None, None) => RunStatus::NotFinished,
    };
    let (findings, totals) = finding_counts(&seat.name, input);
    let tally = input
        .consolidation
        .tallies
        .get(&seat.name)
        .cloned()
        .unwrap_or_else(|| tally_from_findings(&seat.name, input.consolidation));
    let files = files_reviewed(seat, input.changed_files);
    let coverage_misses: Vec<String> = input
        .changed_files
        .iter()
        .filter(|c| !files.contains(c))
        .cloned()
        .collect();
    let mut report = ReviewerReport {
        name: seat.name.clone(),
        display: seat.display.clone(),
        backend: run.and_then(|r| r.backend.clone()),
        model: run.and_then(|r| r.model.clone()),
        effort: run.and_then(|r| r.effort.clone()),
        status: status.as_str().to_string(),
        error: run.and_then(|r| r.error.clone()),
        duration_ms: run.and_then(|r| r.duration_ms),
        tool_calls: run.map(|r| r.tool_calls.clone()).unwrap_or_default(),
        tokens: run.and_then(|r| r.tokens),
        cost_usd: run.and_then(|r| r.cost_usd),
        findings,
        totals,
        reviewed: review.is_some_and(|r| !unreadable(r)),
        unique: tally.unique,
        upgraded: tally.upgraded,
        downgraded: tally.downgraded,
        dropped: tally.dropped,
        design_observations: review
            .map_or(0, |r| (r.design_concerns.len() + r.strengths.len()) as u32),
        files_reviewed: files,
        coverage_misses,
        retro: String::new(),
    };
    report.retro = retro(seat, status, &report, input, panel);
    report
}

/// The reviewer's findings counted by severity, once each: every report finding it is
/// a member of, at its own rating (of its findings-section member when it has one)
/// and at the finding's. A restatement in its testing notes that joined its own
/// finding does not count twice.
fn finding_counts(name: &str, input: &ReportInput<'_>) -> (SeverityCounts, SeverityCounts) {
    let mut own = SeverityCounts::default();
    let mut consolidated = SeverityCounts::default();
    for f in &input.consolidation.findings {
        let mine: Vec<&crate::report::Member> =
            f.members.iter().filter(|m| m.reviewer == name).collect();
        let Some(first) = mine
            .iter()
            .find(|m| m.source == ItemSource::Finding)
            .or(mine.first())
        else {
            continue;
        };
        own.add(first.severity);
        consolidated.add(f.severity);
    }
    (own, consolidated)
}

/// True when nothing at all could be read out of a review (no JSON block, no section
/// the parser recognised).
pub(super) fn unreadable(review: &ParsedReview) -> bool {
    review.items.is_empty()
        && review.design_concerns.is_empty()
        && review.strengths.is_empty()
        && review.summary.is_none()
        && review.verdict_text.is_none()
        && review.testing.is_none()
        && review.documentation.is_none()
        && review.commits.is_none()
        && review.unresolved_feedback.is_empty()
        && review.prior_round.is_empty()
}

/// How a run that did not finish ended, in a few words: `timed out after 30m`.
pub(super) fn failure_phrase(status: RunStatus, run: Option<&RunRecord>) -> String {
    let error = run
        .and_then(|r| r.error.as_deref())
        .map(one_line)
        .filter(|e| !e.is_empty());
    let after = run
        .and_then(|r| r.duration_ms)
        .map(|ms| format!(" after {}", duration_terse(ms)))
        .unwrap_or_default();
    match status {
        RunStatus::TimedOut => format!("timed out{after}"),
        RunStatus::Failed => {
            let why = error.or_else(|| {
                run.and_then(|r| r.exit_code)
                    .map(|c| format!("exited with code {c}"))
            });
            match why {
                Some(why) => format!("failed{after} ({})", why.trim_end_matches('.')),
                None => format!("failed{after}"),
            }
        }
        RunStatus::Skipped => match error {
            Some(why) => format!("was not run ({})", why.trim_end_matches('.')),
            None => "was not run".to_string(),
        },
        RunStatus::NotFinished => "was interrupted before its run was recorded".to_string(),
        RunStatus::BudgetExceeded => format!("stopped at its budget{after}"),
        RunStatus::Ok => "finished".to_string(),
    }
}

/// The retro: how the run ended, what it raised, where its items went, what was
/// dropped, how much of the change it covered, and what it cost, a sentence each.
fn retro(
    seat: &Seat<'_>,
    status: RunStatus,
    r: &ReviewerReport,
    input: &ReportInput<'_>,
    panel: &Panel<'_>,
) -> String {
    let mut s: Vec<String> = Vec::new();
    s.extend(how_it_ended(status, seat.run));
    let Some(review) = seat.review else {
        s.push(no_review(status));
        return s.join(" ");
    };
    if status != RunStatus::Ok {
        s.push("What it wrote before stopping was read and counted.".to_string());
    }
    s.push(what_it_raised(review, r));
    s.extend(where_its_items_went(seat, input, panel.reviewed().count()));
    s.extend(what_was_dropped(seat, input));
    s.extend(coverage(r, input.changed_files));
    // A run stopped at its budget spent it: what it took is the point.
    if matches!(status, RunStatus::Ok | RunStatus::BudgetExceeded) {
        s.extend(what_it_took(r));
    }
    s.join(" ")
}

/// `Did not finish: timed out after 30m.`, `Failed after 4s (exited with code 2).`;
/// nothing for a run that finished.
fn how_it_ended(status: RunStatus, run: Option<&RunRecord>) -> Option<String> {
    if status == RunStatus::Ok {
        return None;
    }
    let phrase = failure_phrase(status, run);
    Some(match status {
        RunStatus::TimedOut | RunStatus::NotFinished => format!("Did not finish: {phrase}."),
        _ => {
            let mut p = phrase;
            if let Some(c) = p.get(..1) {
                p = c.to_uppercase() + &p[1..];
            }
            format!("{p}.")
        }
    })
}

fn no_review(status: RunStatus) -> String {
    if status == RunStatus::Ok {
        "Finished but left no review.".to_string()
    } else {
        "It left no review, so nothing of it is in this report.".to_string()
    }
}

/// `Raised 3 findings (1C 2S) and 1 design observation.`
fn what_it_raised(review: &ParsedReview, r: &ReviewerReport) -> String {
    let n = r.findings.total() as usize;
    let design = r.design_observations as usize;
    // Items verification dropped were read: the review was not unreadable.
    if unreadable(review) && r.dropped == 0 {
        return "Nothing could be read out of its review: no JSON block and no section the parser recognised (see the appendix)."
            .to_string();
    }
    let observations = plural(design, "design observation", "design observations");
    if n == 0 {
        let extra = if design > 0 {
            format!(" and gave {observations}")
        } else {
            String::new()
        };
        format!("Raised no issues{extra}.")
    } else {
        let extra = if design > 0 {
            format!(" and {observations}")
        } else {
            String::new()
        };
        format!(
            "Raised {} ({}){extra}.",
            plural(n, "finding", "findings"),
            counts_compact(&r.findings)
        )
    }
}

/// Which findings its items are in (report order), which only it raised, and where
/// the consolidation rated one of them differently.
fn where_its_items_went(
    seat: &Seat<'_>,
    input: &ReportInput<'_>,
    panel_size: usize,
) -> Vec<String> {
    let mut s = Vec::new();
    let mine: Vec<&Finding> = input
        .consolidation
        .findings
        .iter()
        .filter(|f| f.members.iter().any(|m| m.reviewer == seat.name))
        .collect();
    if mine.is_empty() {
        return s;
    }
    let ids: Vec<String> = mine.iter().map(|f| f.id.clone()).collect();
    s.push(format!("Its items are in {}.", join_and(&ids)));
    let alone: Vec<String> = mine
        .iter()
        .filter(|f| f.members.iter().all(|m| m.reviewer == seat.name))
        .map(|f| f.id.clone())
        .collect();
    if panel_size > 1 {
        if alone.is_empty() {
            s.push("Every one of them was also raised by another reviewer.".to_string());
        } else if alone.len() == mine.len() {
            s.push("No other reviewer raised any of them.".to_string());
        } else {
            s.push(format!("Only it raised {}.", join_and(&alone)));
        }
    }
    let changes: Vec<String> = mine
        .iter()
        .flat_map(|f| {
            f.members
                .iter()
                .filter(|m| m.reviewer == seat.name && m.severity != f.severity)
                .map(|m| {
                    format!(
                        "{} (its {}: {} → {})",
                        f.id, m.local_id, m.severity, f.severity
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if !changes.is_empty() {
        s.push(format!(
            "The consolidation rated {} differently: {}.",
            if changes.len() == 1 {
                "one of its items"
            } else {
                "some of its items"
            },
            join_and(&changes)
        ));
    }
    s
}

/// `Dropped: 3 “Title” (why).`
fn what_was_dropped(seat: &Seat<'_>, input: &ReportInput<'_>) -> Option<String> {
    let dropped: Vec<String> = input
        .consolidation
        .dropped
        .iter()
        .filter(|d| d.reviewer == seat.name)
        .map(|d| {
            format!(
                "{} “{}” ({})",
                d.local_id,
                one_line(&d.title).trim_end_matches('.'),
                one_line(&d.reason).trim_end_matches('.')
            )
        })
        .collect();
    (!dropped.is_empty()).then(|| format!("Dropped: {}.", join_and(&dropped)))
}

/// `Read or cited 4 of 5 changed files; missed `a.rs`.`; nothing when the changed
/// files are not known.
fn coverage(r: &ReviewerReport, changed: &[String]) -> Option<String> {
    if changed.is_empty() {
        return None;
    }
    let mut line = format!(
        "Read or cited {} of {} changed files",
        r.files_reviewed.len(),
        changed.len()
    );
    if r.coverage_misses.is_empty() {
        line.push('.');
    } else if r.coverage_misses.len() <= 5 {
        let misses: Vec<String> = r.coverage_misses.iter().map(|p| code_span(p)).collect();
        line.push_str(&format!("; missed {}.", join_and(&misses)));
    } else {
        line.push_str(&format!("; missed {}.", r.coverage_misses.len()));
    }
    Some(line)
}

/// `Took 4m 07s, 31 tool calls and $0.42.`
fn what_it_took(r: &ReviewerReport) -> Option<String> {
    let mut cost_bits: Vec<String> = Vec::new();
    if let Some(ms) = r.duration_ms {
        cost_bits.push(duration_terse(ms));
    }
    let calls: u64 = r.tool_calls.values().sum();
    if !r.tool_calls.is_empty() {
        cost_bits.push(plural(calls as usize, "tool call", "tool calls"));
    }
    if let Some(usd) = r.cost_usd.filter(|c| c.is_finite()) {
        cost_bits.push(format!("${usd:.2}"));
    }
    (!cost_bits.is_empty()).then(|| format!("Took {}.", join_and(&cost_bits)))
}
