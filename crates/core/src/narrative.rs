//! Building the [`Report`] from the consolidated data: verdict and its reason, executive
//! summary, per-reviewer retro and tallies, assessments, acknowledged limitations. All
//! text is deterministic, written from the structured data alone (a model-written
//! narrative may replace it later). Reviewers' own prose is never paraphrased: the
//! assessments are quoted with attribution, everything else is counts, ids and titles.

use std::collections::{BTreeSet, HashMap};

use crate::consolidate::{Consolidation, ReviewerTally};
use crate::model::Decision;
use crate::model::{ItemSource, Limitation, ParsedReview, RunRecord, RunStatus, Severity};
use crate::prose::{
    code_span, counts_compact, duration_terse, join_and, one_line, plural, severity_phrase,
};
use crate::report::{
    AcknowledgedLimitation, Finding, Report, ReportDiagnostic, ReviewerReport, SeverityCounts,
    Target, Verdict, SCHEMA_VERSION,
};

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
    let panel = Panel::new(input);
    let findings = &input.consolidation.findings;
    let reviewers: Vec<ReviewerReport> = panel
        .seats
        .iter()
        .map(|seat| reviewer_report(seat, input, &panel))
        .collect();
    let verdict = verdict(findings, input.verdict_policy, panel.reviewed().count() > 0);
    let limitations = acknowledged_limitations(input.diff_limitations, &panel);
    let summary = executive_summary(input, &panel, &reviewers, &limitations);

    Report {
        schema_version: SCHEMA_VERSION,
        id: input.id.clone(),
        created_at: input.created_at.clone(),
        target: input.target.clone(),
        verdict,
        wall_clock_ms: input.wall_clock_ms,
        summary,
        changed_files: input.changed_files.to_vec(),
        findings: findings.clone(),
        dropped: input.consolidation.dropped.clone(),
        design: input.consolidation.design.clone(),
        testing: assessment(&panel, |r| r.testing.as_deref(), ItemSource::Testing),
        documentation: assessment(
            &panel,
            |r| r.documentation.as_deref(),
            ItemSource::Documentation,
        ),
        commits: assessment(&panel, |r| r.commits.as_deref(), ItemSource::Commits),
        acknowledged_limitations: limitations,
        unresolved_feedback: Vec::new(),
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
        reviewers,
    }
}

// ---------------------------------------------------------------------------------------
// Verdict

/// True when `s` is at least as severe as `threshold`.
fn at_least(s: Severity, threshold: Severity) -> bool {
    s <= threshold
}

/// `C1 (`path:36`) Title`: how the reason and the summary name a finding.
fn finding_ref(f: &Finding) -> String {
    let title = one_line(&f.title);
    let title = title.trim_end_matches('.');
    match &f.location {
        Some(loc) => format!("{} ({}) {title}", f.id, code_span(&loc.to_string())),
        None => format!("{} {title}", f.id),
    }
}

/// `2 important issues and 1 suggestion`.
fn counted_by_severity(findings: &[&Finding]) -> String {
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

fn verdict(findings: &[Finding], policy: VerdictPolicy, any_review: bool) -> Verdict {
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
            Decision::MergeAsIs,
            "No reviewer produced a usable review, so no finding stands against the change"
                .to_string(),
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

// ---------------------------------------------------------------------------------------
// Reviewers

/// Strips what reviewers put around paths (`./`, backticks, spaces).
fn clean_path(path: &str) -> &str {
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
    let files: BTreeSet<String> = if changed.is_empty() {
        cited
            .iter()
            .map(|p| clean_path(p))
            .filter(|p| !p.is_empty())
            .map(str::to_string)
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

fn reviewer_report(seat: &Seat<'_>, input: &ReportInput<'_>, panel: &Panel<'_>) -> ReviewerReport {
    let run = seat.run;
    let review = seat.review;
    let status = match (run, review) {
        (Some(r), _) => r.status,
        // A review on disk with no run record (e.g. `consolidate DIR` over reviews written
        // by another tool): the reviewer did finish.
        (None, Some(_)) => RunStatus::Ok,
        (None, None) => RunStatus::NotFinished,
    };
    let mut findings = SeverityCounts::default();
    let mut totals = SeverityCounts::default();
    if let Some(review) = review {
        for item in &review.items {
            findings.add(item.severity);
            if let Some(f) = panel
                .finding_of
                .get(&(seat.name.as_str(), item.local_id.as_str()))
            {
                totals.add(f.severity);
            }
        }
    }
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

/// True when nothing at all could be read out of a review (no JSON block, no section
/// the parser recognised).
fn unreadable(review: &ParsedReview) -> bool {
    review.items.is_empty()
        && review.design_concerns.is_empty()
        && review.strengths.is_empty()
        && review.summary.is_none()
        && review.verdict_text.is_none()
        && review.testing.is_none()
        && review.documentation.is_none()
        && review.commits.is_none()
}

/// How a run that did not finish ended, in a few words: `timed out after 30m`.
fn failure_phrase(status: RunStatus, run: Option<&RunRecord>) -> String {
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
        RunStatus::Ok => "finished".to_string(),
    }
}

fn retro(
    seat: &Seat<'_>,
    status: RunStatus,
    r: &ReviewerReport,
    input: &ReportInput<'_>,
    panel: &Panel<'_>,
) -> String {
    let mut s: Vec<String> = Vec::new();
    let run = seat.run;
    let changed = input.changed_files;
    let panel_size = panel.reviewed().count();

    if status != RunStatus::Ok {
        let phrase = failure_phrase(status, run);
        let first = match status {
            RunStatus::TimedOut | RunStatus::NotFinished => format!("Did not finish: {phrase}."),
            _ => {
                let mut p = phrase;
                if let Some(c) = p.get(..1) {
                    p = c.to_uppercase() + &p[1..];
                }
                format!("{p}.")
            }
        };
        s.push(first);
    }

    let Some(review) = seat.review else {
        if status == RunStatus::Ok {
            s.push("Finished but left no review.".to_string());
        } else {
            s.push("It left no review, so nothing of it is in this report.".to_string());
        }
        return s.join(" ");
    };

    if status != RunStatus::Ok {
        s.push("What it wrote before stopping was read and counted.".to_string());
    }
    let n = review.items.len();
    let design = r.design_observations as usize;
    if unreadable(review) {
        s.push(
            "Nothing could be read out of its review: no JSON block and no section the parser recognised (see the appendix)."
                .to_string(),
        );
    } else if n == 0 {
        let extra = if design > 0 {
            format!(
                " and gave {}",
                plural(design, "design observation", "design observations")
            )
        } else {
            String::new()
        };
        s.push(format!("Raised no issues{extra}."));
    } else {
        let extra = if design > 0 {
            format!(
                " and {}",
                plural(design, "design observation", "design observations")
            )
        } else {
            String::new()
        };
        s.push(format!(
            "Raised {} ({}){extra}.",
            plural(n, "item", "items"),
            counts_compact(&r.findings)
        ));
    }

    // Where its items went, in report order.
    let mine: Vec<&Finding> = input
        .consolidation
        .findings
        .iter()
        .filter(|f| f.members.iter().any(|m| m.reviewer == seat.name))
        .collect();
    if !mine.is_empty() {
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
    }
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
    if !dropped.is_empty() {
        s.push(format!("Dropped: {}.", join_and(&dropped)));
    }
    if !changed.is_empty() {
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
        s.push(line);
    }
    if status == RunStatus::Ok {
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
        if !cost_bits.is_empty() {
            s.push(format!("Took {}.", join_and(&cost_bits)));
        }
    }
    s.join(" ")
}

// ---------------------------------------------------------------------------------------
// Executive summary

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

fn executive_summary(
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
        .filter(|f| f.verification == crate::report::Verification::Unverified)
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

// ---------------------------------------------------------------------------------------
// Assessments, limitations, reconciliation, process notes

/// One assessment section: each reviewer's text with its name in front, and the
/// findings its items became.
fn assessment(
    panel: &Panel<'_>,
    text_of: impl Fn(&ParsedReview) -> Option<&str>,
    source: ItemSource,
) -> String {
    let mut blocks: Vec<String> = Vec::new();
    for seat in &panel.seats {
        let Some(review) = seat.review else { continue };
        let text = text_of(review).map(str::trim).unwrap_or("");
        if text.is_empty() {
            continue;
        }
        let pill = format!("**[{}]**", seat.display);
        let mut block = if text.contains('\n') {
            format!("{pill}\n\n{text}")
        } else {
            format!("{pill} {text}")
        };
        let mut ids: Vec<String> = Vec::new();
        for item in review.items.iter().filter(|i| i.source == source) {
            if let Some(f) = panel
                .finding_of
                .get(&(seat.name.as_str(), item.local_id.as_str()))
            {
                if !ids.contains(&f.id) {
                    ids.push(f.id.clone());
                }
            }
        }
        if !ids.is_empty() {
            block.push_str(&format!(
                "\n\n*Taken into the findings as* {}.",
                join_and(&ids)
            ));
        }
        blocks.push(block);
    }
    if blocks.is_empty() {
        "None.".to_string()
    } else {
        blocks.join("\n\n")
    }
}

fn norm_words(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn same_path(a: &str, b: &str) -> bool {
    let (a, b) = (clean_path(a), clean_path(b));
    a == b || a.ends_with(&format!("/{b}")) || b.ends_with(&format!("/{a}"))
}

fn same_limitation(a: &AcknowledgedLimitation, b: &Limitation) -> bool {
    let place = match (&a.path, a.line, &b.path, b.line) {
        (Some(pa), Some(la), Some(pb), Some(lb)) => la == lb && same_path(pa, pb),
        _ => false,
    };
    if place {
        return true;
    }
    let (ta, tb) = (norm_words(&a.text), norm_words(&b.text));
    let paths_compatible = match (&a.path, &b.path) {
        (Some(pa), Some(pb)) => same_path(pa, pb),
        _ => true,
    };
    paths_compatible
        && !ta.is_empty()
        && (ta == tb
            || (tb.len() >= 12 && ta.contains(&tb))
            || (ta.len() >= 12 && tb.contains(&ta)))
}

fn acknowledged_limitations(diff: &[Limitation], panel: &Panel<'_>) -> Vec<AcknowledgedLimitation> {
    let mut out: Vec<AcknowledgedLimitation> = Vec::new();
    let sources = diff
        .iter()
        .map(|l| ("diff", l))
        .chain(panel.seats.iter().flat_map(|s| {
            s.review
                .into_iter()
                .flat_map(|r| r.limitations.iter())
                .map(move |l| (s.name.as_str(), l))
        }));
    for (source, lim) in sources {
        if one_line(&lim.text).is_empty() {
            continue;
        }
        match out.iter_mut().find(|a| same_limitation(a, lim)) {
            Some(existing) => {
                if !existing.sources.iter().any(|s| s == source) {
                    existing.sources.push(source.to_string());
                }
                if existing.path.is_none() {
                    existing.path = lim.path.clone();
                }
                if existing.line.is_none() {
                    existing.line = lim.line;
                }
            }
            None => out.push(AcknowledgedLimitation {
                path: lim.path.as_deref().map(|p| clean_path(p).to_string()),
                line: lim.line,
                text: lim.text.trim().to_string(),
                sources: vec![source.to_string()],
            }),
        }
    }
    out
}

fn reconciliation(consolidation: &Consolidation, panel: &Panel<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for f in &consolidation.findings {
        for m in f.members.iter().filter(|m| m.severity != f.severity) {
            let why = f
                .reconciliation
                .as_deref()
                .map(one_line)
                .filter(|w| !w.is_empty())
                .map(|w| format!("; {}", w.trim_end_matches('.')))
                .unwrap_or_default();
            out.push(format!(
                "{} {} “{}”: {} → **{}** ({}{why}).",
                panel.display(&m.reviewer),
                m.local_id,
                one_line(&m.title).trim_end_matches('.'),
                m.severity,
                f.severity,
                f.id,
            ));
        }
    }
    for d in &consolidation.dropped {
        out.push(format!(
            "Dropped {} {} “{}”: {}.",
            panel.display(&d.reviewer),
            d.local_id,
            one_line(&d.title).trim_end_matches('.'),
            one_line(&d.reason).trim_end_matches('.')
        ));
    }
    out
}

fn skill_improvements(
    panel: &Panel<'_>,
    reviewers: &[ReviewerReport],
    consolidation: &Consolidation,
) -> Vec<String> {
    let mut out = Vec::new();
    for (seat, r) in panel.seats.iter().zip(reviewers) {
        if let Some(review) = seat.review {
            if unreadable(review) && r.status == RunStatus::Ok.as_str() {
                out.push(format!(
                    "ask {} for the JSON block: nothing could be read out of its review",
                    seat.display
                ));
            } else if !review.from_json && !review.items.is_empty() && review.diagnostics.len() >= 3
            {
                out.push(format!(
                    "ask {} for the JSON block: its Markdown review left {} parser diagnostics",
                    seat.display,
                    review.diagnostics.len()
                ));
            }
        }
        if r.status == RunStatus::TimedOut.as_str() {
            let after = r
                .duration_ms
                .map(|ms| format!(" after {}", duration_terse(ms)))
                .unwrap_or_default();
            out.push(format!(
                "{} timed out{after}: raise its `timeout` or lower its `effort`",
                seat.display
            ));
        }
        let dropped: Vec<&str> = consolidation
            .dropped
            .iter()
            .filter(|d| d.reviewer == seat.name)
            .map(|d| d.local_id.as_str())
            .collect();
        if dropped.len() >= 2 {
            out.push(format!(
                "remind {} to cite repository-relative paths of files that exist at the head revision ({} of its items were dropped: {})",
                seat.display,
                dropped.len(),
                dropped.join(", ")
            ));
        }
    }
    out
}

/// True when a drop reason says the cited file is not in the head revision.
fn missing_file_reason(reason: &str) -> bool {
    let r = reason.to_lowercase();
    r.contains("exist") || r.contains("not found") || r.contains("no such file")
}

fn repo_context_updates(consolidation: &Consolidation) -> Vec<String> {
    let missing: Vec<&str> = consolidation
        .dropped
        .iter()
        .filter(|d| missing_file_reason(&d.reason))
        .map(|d| d.reviewer.as_str())
        .collect();
    let reviewers: BTreeSet<&str> = missing.iter().copied().collect();
    if missing.len() >= 3 && reviewers.len() >= 2 {
        vec![format!(
            "describe the repository layout (top-level directories and what lives where): {} items from {} reviewers cited files that are not in the head revision",
            missing.len(),
            reviewers.len()
        )]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
