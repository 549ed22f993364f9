//! `REVIEW.md`: the seed's layout, section for section (SPEC section 6). Every section is
//! always there; one with nothing to say says "None.". Text that came from reviewers is
//! kept as Markdown but cannot break the layout: titles become one line, table cells
//! escape pipes, headings are nested under their section and open code fences closed.

use super::format::{dollars, short_sha, status_label, thousands};
use super::text::{cell, indent_continuation, nest_headings};
use super::RawReview;
use crate::model::{ItemSource, Severity};
use crate::prose::{
    code_span, counts_compact, duration_terse, duration_words, join_and, one_line, Fence,
};
use crate::report::{DesignGroup, Finding, Report, ReviewerReport, Target, Verification};

pub(super) fn render(report: &Report, appendix: &[RawReview]) -> String {
    // Room for the appendix and about what a finding takes, so the page is not copied
    // as it grows.
    let appendix_bytes: usize = appendix.iter().map(|r| r.text.len() + 256).sum();
    let mut md = Markdown {
        out: String::with_capacity(16 * 1024 + appendix_bytes + report.findings.len() * 1024),
        report,
    };
    md.header();
    md.section("Executive Summary", &block_or_none(&report.summary, 3));
    md.rule();
    for (i, severity) in Severity::ALL.iter().enumerate() {
        md.findings(*severity);
        if i < Severity::ALL.len() - 1 {
            md.rule();
        }
    }
    md.rule();
    md.design();
    md.section("Testing Assessment", &block_or_none(&report.testing, 3));
    md.section(
        "Documentation Assessment",
        &block_or_none(&report.documentation, 3),
    );
    md.section("Commit Structure", &block_or_none(&report.commits, 3));
    md.limitations();
    md.prior_round();
    md.unresolved();
    md.rule();
    md.retro();
    md.process_notes();
    md.rule();
    md.appendix(appendix);
    // Trimmed in place: the page is megabytes when the reviews are.
    let mut out = md.out;
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// Embedded Markdown, nested under a section whose sub-headings are `top`, or "None.".
fn block_or_none(text: &str, top: usize) -> String {
    if text.trim().is_empty() {
        "None.".to_string()
    } else {
        nest_headings(text.trim(), top)
    }
}

/// How one row of the retro table shows one reviewer.
type RetroCell<'a> = Box<dyn Fn(&ReviewerReport) -> String + 'a>;

struct Markdown<'a> {
    out: String,
    report: &'a Report,
}

impl Markdown<'_> {
    fn line(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    fn rule(&mut self) {
        self.line("---");
        self.blank();
    }

    fn section(&mut self, title: &str, body: &str) {
        self.line(&format!("## {title}"));
        self.blank();
        self.line(body.trim_end());
        self.blank();
    }

    fn display(&self, name: &str) -> String {
        self.report.display_of(name)
    }

    /// `[Claude Opus 4.7, Codex GPT 5.4]`.
    fn pills(&self, names: &[String]) -> String {
        let names: Vec<String> = names.iter().map(|n| one_line(&self.display(n))).collect();
        format!("[{}]", names.join(", "))
    }

    fn header(&mut self) {
        let r = self.report;
        let t = &r.target;
        let title = r.title.as_deref().unwrap_or(&r.id);
        self.line(&format!("# Deep Review: {}", one_line(title)));
        self.blank();
        self.line("| | |");
        self.line("|---|---|");
        let mut row = |key: &str, value: String| {
            let value = if value.trim().is_empty() {
                "—".to_string()
            } else {
                value
            };
            self.out.push_str(&format!("| **{key}** | {value} |\n"));
        };
        row("Date", date(&r.created_at));
        row("Repo", repo_cell(t));
        row("Round", round_cell(t));
        if t.round > 1 {
            row(
                "Review SHA",
                t.head
                    .as_deref()
                    .map(short_sha)
                    .map_or_else(String::new, |s| code_span(&s)),
            );
        }
        row("Author", author_cell(t));
        if t.kind == "github_pr" {
            row("PR", pr_cell(t));
        } else {
            if let Some(branch) = t.branch.as_deref() {
                row("Branch", code_span(branch));
            }
            if let Some(title) = t.title.as_deref() {
                row("Title", cell(title));
            }
        }
        let commits: Vec<String> = t
            .commits
            .iter()
            .map(|c| format!("{} {}", code_span(&short_sha(&c.sha)), cell(&c.subject)))
            .collect();
        row("Commits", commits.join("<br>"));
        let reviewers: Vec<String> = r.reviewers.iter().map(reviewer_cell).collect();
        row("Reviewers", reviewers.join(", "));
        row(
            "Verdict",
            format!(
                "**{}** — {}",
                r.verdict.decision.label(),
                cell(&r.verdict.reason)
            ),
        );
        row(
            "Wall-clock time",
            r.wall_clock_ms
                .map_or_else(String::new, |ms| code_span(&duration_words(ms))),
        );
        self.blank();
    }

    fn findings(&mut self, severity: Severity) {
        let title = match severity {
            Severity::Critical => "Critical Issues",
            Severity::Important => "Important Issues",
            Severity::Suggestion => "Suggestions",
        };
        self.line(&format!("## {title}"));
        self.blank();
        let report = self.report;
        let these: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if these.is_empty() {
            self.line("None.");
            self.blank();
            return;
        }
        for f in these {
            self.finding(f);
        }
    }

    fn finding(&mut self, f: &Finding) {
        let mut head = format!("{}. **{}**", one_line(&f.id), one_line(&f.title));
        if let Some(loc) = &f.location {
            head.push_str(&format!(" — {}", code_span(&loc.to_string())));
        }
        match f.kind.as_deref().map(one_line).filter(|k| !k.is_empty()) {
            Some(kind) => head.push_str(&format!(" ({}, {kind})", f.severity)),
            None => head.push_str(&format!(" ({})", f.severity)),
        }
        let reviewers = f.reviewer_names();
        if !reviewers.is_empty() {
            head.push(' ');
            head.push_str(&self.pills(&reviewers));
        }
        self.line(&head);
        self.blank();

        match f.verification {
            Verification::Unverified => {
                self.line("*The location could not be confirmed at the head revision.*");
                self.blank();
            }
            Verification::Relocated => {
                self.line("*Line numbers moved to where the quoted code is at the head revision.*");
                self.blank();
            }
            Verification::Verified | Verification::NotChecked => {}
        }
        if !f.body.trim().is_empty() {
            self.line(nest_headings(f.body.trim(), 4).trim_end());
            self.blank();
        }

        let mut notes: Vec<String> = Vec::new();
        if f.locations.len() > 1 {
            let others: Vec<String> = f
                .locations
                .iter()
                .filter(|l| Some(*l) != f.location.as_ref())
                .map(|l| code_span(&l.to_string()))
                .collect();
            if !others.is_empty() {
                notes.push(format!("*Also at* {}.", others.join(", ")));
            }
        }
        if let [first, rest @ ..] = f.members.as_slice() {
            let rated = |m: &crate::report::Member| {
                if m.severity != f.severity {
                    format!(", rated {}", m.severity)
                } else {
                    String::new()
                }
            };
            let (restating, rest): (Vec<_>, Vec<_>) =
                rest.iter().partition(|m| m.restates.is_some());
            if !rest.is_empty() {
                let others: Vec<String> = rest
                    .iter()
                    .map(|m| {
                        format!(
                            "{} ({}{})",
                            one_line(&self.display(&m.reviewer)),
                            one_line(&m.local_id),
                            rated(m)
                        )
                    })
                    .collect();
                notes.push(format!(
                    "*Also raised by* {} — the text above is {}'s {}{}.",
                    join_and(&others),
                    one_line(&self.display(&first.reviewer)),
                    one_line(&first.local_id),
                    rated(first)
                ));
            }
            // A reviewer pointing back at its own finding from an assessment.
            let echoes: Vec<String> = restating
                .iter()
                .map(|m| {
                    format!(
                        "{} ({} in its {})",
                        one_line(&self.display(&m.reviewer)),
                        one_line(&m.local_id),
                        match m.source {
                            ItemSource::Testing => "testing assessment",
                            ItemSource::Documentation => "documentation assessment",
                            ItemSource::Commits => "commit assessment",
                            ItemSource::Finding => "findings",
                        }
                    )
                })
                .collect();
            if !echoes.is_empty() {
                notes.push(format!("*Restated by* {}.", join_and(&echoes)));
            }
        }
        if let Some(why) = f
            .reconciliation
            .as_deref()
            .map(one_line)
            .filter(|w| !w.is_empty())
        {
            notes.push(format!(
                "*Severity:* {} — {}.",
                f.severity,
                why.trim_end_matches('.')
            ));
        }
        if !notes.is_empty() {
            self.line(&notes.join(" "));
            self.blank();
        }
    }

    fn design_item(&mut self, g: &DesignGroup) {
        let mut head = format!("- **{}**", one_line(&g.title).trim_end_matches('.'));
        if let Some(scope) = g.scope {
            head.push_str(&format!(" *({})*", scope.as_str()));
        }
        if !g.reviewers.is_empty() {
            head.push(' ');
            head.push_str(&self.pills(&g.reviewers));
        }
        let body = g.body.trim();
        if body.is_empty() {
            self.line(&head);
        } else if !body.contains('\n') {
            self.line(&format!("{head}. {}", one_line(body)));
        } else {
            // A list item's continuation: indented, so code fences and paragraphs in the
            // body stay inside the item.
            self.line(&format!("{head}."));
            self.blank();
            let body = nest_headings(body, 4);
            self.line(&format!("  {}", indent_continuation(&body, 2)));
        }
        self.blank();
    }

    fn design(&mut self) {
        self.line("## Design Observations");
        self.blank();
        let design = &self.report.design;
        for (title, items) in [
            ("Concerns", &design.concerns),
            ("Strengths", &design.strengths),
        ] {
            self.line(&format!("### {title}"));
            self.blank();
            if items.is_empty() {
                self.line("None.");
                self.blank();
            }
            for g in items {
                self.design_item(g);
            }
        }
    }

    fn limitations(&mut self) {
        let report = self.report;
        let items: Vec<String> = report
            .acknowledged_limitations
            .iter()
            .map(|l| {
                let place = l
                    .place()
                    .map_or_else(String::new, |p| format!("{} — ", code_span(&p)));
                format!(
                    "- {place}{} *(noted in {})*",
                    one_line(&l.text),
                    join_and(&report.noted_by(l))
                )
            })
            .collect();
        let body = if items.is_empty() {
            "None.".to_string()
        } else {
            items.join("\n")
        };
        self.section("Acknowledged Limitations", &body);
    }

    /// Only when a reviewer checked earlier findings (a later round).
    fn prior_round(&mut self) {
        let checks = &self.report.prior_round;
        if checks.is_empty() {
            return;
        }
        let items: Vec<String> = checks
            .iter()
            .map(|c| {
                format!(
                    "- **{}** — {} *({})*",
                    one_line(&c.status),
                    one_line(&c.text),
                    one_line(&c.reviewer)
                )
            })
            .collect();
        self.section("Prior-Round Verification", &items.join("\n"));
    }

    fn unresolved(&mut self) {
        let items: Vec<String> = self
            .report
            .unresolved_feedback
            .iter()
            .map(|f| {
                format!(
                    "- **{}** — {} *({})*",
                    one_line(&f.status),
                    one_line(&f.text),
                    one_line(&f.source)
                )
            })
            .collect();
        let body = if items.is_empty() {
            "None.".to_string()
        } else {
            items.join("\n")
        };
        self.section("Unresolved Feedback", &body);
    }

    fn retro(&mut self) {
        let report = self.report;
        self.line("## Agent Performance Retro");
        self.blank();
        for r in &report.reviewers {
            self.line(&format!("### [{}]", one_line(&r.display)));
            self.blank();
            let retro = if r.retro.trim().is_empty() {
                "—"
            } else {
                r.retro.trim()
            };
            self.line(retro);
            self.blank();
        }
        self.line("### Summary");
        self.blank();
        if report.reviewers.is_empty() {
            self.line("None.");
            self.blank();
        } else {
            self.retro_table();
        }
        let reconciliation = if report.reconciliation.is_empty() {
            "No severity was changed and nothing was dropped.".to_string()
        } else {
            report.reconciliation.join(" ")
        };
        self.line(&format!("**Reconciliation.** {reconciliation}"));
        self.blank();
    }

    fn retro_table(&mut self) {
        let report = self.report;
        let rs = &report.reviewers;
        let changed_known = !report.changed_files.is_empty();
        let header: Vec<String> = rs.iter().map(|r| cell(&r.display)).collect();
        self.line(&format!("| | {} |", header.join(" | ")));
        self.line(&format!("|---|{}", "---|".repeat(rs.len())));
        let dash = || "—".to_string();
        let rows: Vec<(&str, RetroCell)> = vec![
            ("Status", Box::new(|r| status_label(&r.status).to_string())),
            (
                "Duration",
                Box::new(move |r| r.duration_ms.map_or_else(dash, duration_terse)),
            ),
            (
                "Findings",
                Box::new(move |r| {
                    if r.reviewed {
                        counts_compact(&r.findings)
                    } else {
                        dash()
                    }
                }),
            ),
            (
                "Tool calls",
                Box::new(move |r| tool_calls(r).unwrap_or_else(dash)),
            ),
            ("Tokens", Box::new(move |r| tokens(r).unwrap_or_else(dash))),
            (
                "Cost",
                Box::new(move |r| dollars(r.cost_usd.filter(|c| c.is_finite()))),
            ),
            (
                "Design observations",
                Box::new(move |r| {
                    if r.reviewed {
                        r.design_observations.to_string()
                    } else {
                        dash()
                    }
                }),
            ),
            (
                "False positives",
                Box::new(move |r| {
                    if r.reviewed {
                        r.dropped.to_string()
                    } else {
                        dash()
                    }
                }),
            ),
            (
                "Unique insights",
                Box::new(move |r| {
                    if r.reviewed {
                        r.unique.to_string()
                    } else {
                        dash()
                    }
                }),
            ),
            (
                "Files reviewed",
                Box::new(move |r| {
                    if r.reviewed || !r.files_reviewed.is_empty() {
                        r.files_reviewed.len().to_string()
                    } else {
                        dash()
                    }
                }),
            ),
            (
                "Coverage misses",
                Box::new(move |r| {
                    if changed_known && (r.reviewed || !r.files_reviewed.is_empty()) {
                        r.coverage_misses.len().to_string()
                    } else {
                        dash()
                    }
                }),
            ),
            (
                "**Totals**",
                Box::new(move |r| {
                    if r.reviewed {
                        format!("**{}**", counts_compact(&r.totals))
                    } else {
                        dash()
                    }
                }),
            ),
            (
                "Upgraded",
                Box::new(move |r| {
                    if r.reviewed {
                        changes(report, r, r.upgraded, true)
                    } else {
                        dash()
                    }
                }),
            ),
            (
                "Downgraded",
                Box::new(move |r| {
                    if r.reviewed {
                        changes(report, r, r.downgraded, false)
                    } else {
                        dash()
                    }
                }),
            ),
            (
                "Dropped",
                Box::new(move |r| {
                    if r.reviewed {
                        r.dropped.to_string()
                    } else {
                        dash()
                    }
                }),
            ),
        ];
        for (label, value) in rows {
            let cells: Vec<String> = rs.iter().map(|r| cell(&value(r))).collect();
            self.line(&format!("| {label} | {} |", cells.join(" | ")));
        }
        self.blank();
    }

    fn process_notes(&mut self) {
        let report = self.report;
        self.line("## Review Process Notes");
        self.blank();
        self.line("### Skill improvements");
        self.blank();
        if report.skill_improvements.is_empty() {
            self.line("None this round.");
        } else {
            for s in &report.skill_improvements {
                self.line(&format!("- [ ] {}", one_line(s)));
            }
        }
        self.blank();
        self.line("### Repo context updates");
        self.blank();
        if report.repo_context_updates.is_empty() {
            self.line("None this round.");
        } else {
            self.line("Proposed additions to `deep-review-context.md`:");
            self.blank();
            for s in &report.repo_context_updates {
                self.line(&format!("- {}", one_line(s)));
            }
        }
        self.blank();
        self.consolidator();
        if !report.diagnostics.is_empty() {
            self.line("### Parser diagnostics");
            self.blank();
            for d in &report.diagnostics {
                self.line(&format!(
                    "- [{}] {}",
                    one_line(&self.display(&d.reviewer)),
                    one_line(&d.message)
                ));
            }
            self.blank();
        }
    }

    /// What the consolidator model wrote and proposed, or why it was not used.
    fn consolidator(&mut self) {
        let Some(c) = &self.report.consolidator else {
            return;
        };
        self.line("### Consolidator model");
        self.blank();
        if let Some(sentence) = self.report.consolidator_sentence() {
            self.line(&sentence);
        }
        self.blank();
        if c.status != "ok" {
            return;
        }
        // A rejected proposal's line ends with why it was rejected.
        for (label, p) in c
            .accepted
            .iter()
            .map(|p| ("Accepted: ", p))
            .chain(c.rejected.iter().map(|p| ("", p)))
        {
            self.line(&format!("- {label}{}", one_line(&p.line())));
        }
        if !c.accepted.is_empty() || !c.rejected.is_empty() {
            self.blank();
        }
    }

    fn appendix(&mut self, appendix: &[RawReview]) {
        let report = self.report;
        self.line("## Appendix: Original Reviews");
        self.blank();
        if appendix.is_empty() && report.reviewers.is_empty() {
            self.line("None.");
            self.blank();
            return;
        }
        self.line("Each review as its reviewer wrote it. Its headings are moved down so that they nest under the reviewer's name; code blocks are left as they were.");
        self.blank();
        let mut shown = vec![false; appendix.len()];
        for r in &report.reviewers {
            match appendix.iter().position(|a| a.reviewer == r.name) {
                Some(i) => {
                    if let Some(flag) = shown.get_mut(i) {
                        *flag = true;
                    }
                    if let Some(raw) = appendix.get(i) {
                        self.raw_review(raw);
                    }
                }
                None => {
                    self.line(&format!("### [{}]", one_line(&r.display)));
                    self.blank();
                    self.line(&format!("*No review ({}).*", status_label(&r.status)));
                    self.blank();
                }
            }
        }
        for (raw, shown) in appendix.iter().zip(shown) {
            if !shown {
                self.raw_review(raw);
            }
        }
    }

    fn raw_review(&mut self, raw: &RawReview) {
        let display = if raw.display.trim().is_empty() {
            self.display(&raw.reviewer)
        } else {
            raw.display.clone()
        };
        self.line(&format!("### [{}]", one_line(&display)));
        self.blank();
        let text = without_machine_block(raw.text.trim());
        if text.is_empty() {
            self.line("*The review is empty.*");
        } else {
            self.line(nest_headings(&text, 4).trim_end());
        }
        self.blank();
    }
}

/// `22 (Read 11, Grep 6, Bash 5)`: busiest tool first.
fn tool_calls(r: &ReviewerReport) -> Option<String> {
    if r.tool_calls.is_empty() {
        return None;
    }
    let total: u64 = r.tool_calls.values().sum();
    let mut tools: Vec<(&String, &u64)> = r.tool_calls.iter().collect();
    tools.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let parts: Vec<String> = tools
        .iter()
        .map(|(k, v)| format!("{} {v}", one_line(k)))
        .collect();
    Some(format!("{total} ({})", parts.join(", ")))
}

fn tokens(r: &ReviewerReport) -> Option<String> {
    let t = r.tokens?;
    if t.input == 0 && t.output == 0 {
        return None;
    }
    Some(format!(
        "{} in / {} out",
        thousands(t.input),
        thousands(t.output)
    ))
}

/// `1 (I→S)`: the count, and which severities moved when the findings say so.
fn changes(report: &Report, r: &ReviewerReport, count: u32, up: bool) -> String {
    if count == 0 {
        return "0".to_string();
    }
    let mut moves = String::new();
    let mut listed = 0usize;
    for f in &report.findings {
        for m in f.members.iter().filter(|m| m.reviewer == r.name) {
            let moved = if up {
                f.severity < m.severity
            } else {
                f.severity > m.severity
            };
            if moved {
                if listed > 0 {
                    moves.push_str(", ");
                }
                moves.push(m.severity.letter());
                moves.push('→');
                moves.push(f.severity.letter());
                listed += 1;
            }
        }
    }
    if listed == count as usize {
        format!("{count} ({moves})")
    } else {
        count.to_string()
    }
}

fn date(created_at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(created_at)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| cell(created_at))
}

/// `https://github.com` or the GitHub Enterprise host the PR URL names.
pub(super) fn web_base(t: &Target) -> String {
    t.url
        .as_deref()
        .and_then(|u| {
            let rest = u.split_once("://")?;
            let host = rest.1.split('/').next()?;
            Some(format!("{}://{host}", rest.0))
        })
        .unwrap_or_else(|| "https://github.com".to_string())
}

pub(super) fn is_owner_name(repo: &str) -> bool {
    let mut parts = repo.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

fn repo_cell(t: &Target) -> String {
    match t.repo.as_deref() {
        Some(repo) if t.kind == "github_pr" && is_owner_name(repo) => {
            format!("[{repo}]({}/{repo})", web_base(t))
        }
        Some(repo) => code_span(repo),
        None => String::new(),
    }
}

fn round_cell(t: &Target) -> String {
    let round = t.round.max(1);
    match t.number {
        Some(n) if round > 1 && t.kind == "github_pr" => format!("{round} (of PR #{n})"),
        _ => round.to_string(),
    }
}

fn author_cell(t: &Target) -> String {
    let Some(author) = t.author.as_deref().map(one_line).filter(|a| !a.is_empty()) else {
        return String::new();
    };
    let login = author.trim_start_matches('@');
    let is_login = login
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if t.kind == "github_pr" && is_login {
        format!("[@{login}]({}/{login})", web_base(t))
    } else {
        cell(&author)
    }
}

fn pr_cell(t: &Target) -> String {
    let number = match (t.number, t.url.as_deref()) {
        (Some(n), Some(url)) if url.starts_with("http") && !url.contains(')') => {
            format!("[#{n}]({url})")
        }
        (Some(n), _) => format!("#{n}"),
        (None, _) => String::new(),
    };
    match t.title.as_deref().map(cell).filter(|t| !t.is_empty()) {
        Some(title) if !number.is_empty() => format!("{number} — {title}"),
        Some(title) => title,
        None => number,
    }
}

/// `Claude Opus 4.7 (`claude-opus-4-7`, effort: xhigh)`; programs without a model
/// (`command`, `builtin`, `import`) get no effort, since they have none.
fn reviewer_cell(r: &ReviewerReport) -> String {
    let mut bits: Vec<String> = Vec::new();
    let model = r.model.as_deref().filter(|m| !m.trim().is_empty());
    if let Some(model) = model {
        if !r.display.contains(model) {
            bits.push(code_span(model));
        }
    }
    let effort = r.effort.as_deref().map(cell).filter(|e| !e.is_empty());
    let modelless = matches!(r.backend.as_deref(), Some("command" | "builtin" | "import"));
    match effort {
        Some(effort) => bits.push(format!("effort: {effort}")),
        None if model.is_some() || !modelless => bits.push("effort: —".to_string()),
        None => {}
    }
    let mut s = cell(&r.display);
    if !bits.is_empty() {
        s.push_str(&format!(" ({})", bits.join(", ")));
    }
    if r.status != "ok" {
        s.push_str(&format!(" — {}", status_label(&r.status)));
    }
    s
}

/// A review's text for the appendix without its machine-readable JSON block (the
/// ```` ```json ```` block with `"deep_review"` reviewers are asked to end with): it
/// repeats the Markdown above it, and the raw review file in the work directory keeps
/// it. A review that is nothing but that block keeps it.
fn without_machine_block(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let Some(open) = Fence::read(lines[i]) else {
            i += 1;
            continue;
        };
        let end = (i + 1..lines.len())
            .find(|&j| Fence::read(lines[j]).is_some_and(|f| f.closes(open.ch, open.len)));
        let Some(end) = end else { break };
        let is_json = open
            .info
            .split_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("json"));
        let body = &lines[i + 1..end];
        let machine = is_json && body.iter().any(|l| l.contains("\"deep_review\""));
        let elsewhere = lines[..i]
            .iter()
            .chain(&lines[end + 1..])
            .any(|l| !l.trim().is_empty());
        if machine && elsewhere {
            let mut out: Vec<&str> = lines[..i].to_vec();
            out.push("*(Its machine-readable JSON block is left out here; the raw review file in the work directory keeps it.)*");
            out.extend(&lines[end + 1..]);
            return out.join("\n").trim().to_string();
        }
        i = end + 1;
    }
    text.to_string()
}

#[cfg(test)]
mod machine_block_tests {
    use super::without_machine_block;

    #[test]
    fn the_appendix_leaves_out_the_machine_block_only() {
        let review =
            "## Summary\n\nFine.\n\n```json\n{\"deep_review\": {\"summary\": \"Fine.\"}}\n```\n";
        assert_eq!(
            without_machine_block(review),
            "## Summary\n\nFine.\n\n*(Its machine-readable JSON block is left out here; the raw review file in the work directory keeps it.)*"
        );
        // Other JSON, and a review that is only the block, stay as written.
        let other = "Example:\n\n```json\n{\"a\": 1}\n```";
        assert_eq!(without_machine_block(other), other);
        let only = "```json\n{\"deep_review\": {}}\n```";
        assert_eq!(without_machine_block(only), only);
    }
}
