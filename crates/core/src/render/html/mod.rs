//! `REVIEW.html`: the report as one self-contained page — header and verdict, the
//! executive summary, finding cards filterable by severity and reviewer, the reviewers'
//! contribution as an inline SVG chart, the retro table, and everything else folded in
//! `<details>`.
//!
//! *Invariants:* every piece of text from a reviewer, the PR or the repository is
//! HTML-escaped ([`escape`]; reviewer Markdown goes through the safe subset in `md.rs`)
//! and never reaches an attribute that loads or navigates: no `href` or `src` is built
//! from data (URLs are shown as text; the only links are in-page anchors). The page
//! references nothing outside itself: CSS and JS are inline, and its
//! Content-Security-Policy (`default-src 'none'`, the one script allowed by its hash)
//! keeps it so even if escaping were ever wrong. [`page`] (`page.rs`) and
//! [`stacked_bars`] (`chart.rs`) are the pieces a second page (the `stats` leaderboard)
//! reuses.

mod chart;
mod md;
mod page;
pub(super) mod stats;

pub(crate) use chart::{stacked_bars, Bar, Series};
pub(crate) use page::{escape, page};

use md::{inline, markdown, markdown_or_none};
use page::{details, section};

use super::format::{date, dollars, short_sha, status_label, tokens, tool_calls};
use super::RawReview;
use crate::model::{Decision, Severity};
use crate::prose::{counts_compact, duration_terse, duration_words, one_line, plural};
use crate::report::{Finding, Report, Target, Verification};

/// Filters: a card shows when its severity is pressed and at least one of its
/// reviewers is; the count line follows.
const FILTER_SCRIPT: &str = include_str!("filters.js");

/// The page for `report`, with each original review in the appendix.
pub(super) fn render(report: &Report, appendix: &[RawReview]) -> String {
    let view = View::new(report);
    let mut body = String::with_capacity(32 * 1024);
    body.push_str(&view.header());
    body.push_str(&section(
        "summary",
        "Executive summary",
        &markdown_or_none(&report.summary),
    ));
    body.push_str(&view.findings());
    body.push_str(&view.contribution());
    body.push_str(&view.retro());
    body.push_str(&view.more(appendix));
    body.push_str(&format!(
        "<footer>Written by deep-review · report <code>{}</code></footer>\n",
        escape(&report.id)
    ));
    let title = format!("Deep Review: {}", one_line(view.title()));
    page(&title, &body, FILTER_SCRIPT)
}

struct View<'a> {
    report: &'a Report,
    /// Reviewers named by findings but missing from the panel (a report edited by hand).
    outsiders: Vec<String>,
}

impl<'a> View<'a> {
    fn new(report: &'a Report) -> Self {
        let mut outsiders: Vec<String> = Vec::new();
        for f in &report.findings {
            for name in f.reviewer_names() {
                if !report.reviewers.iter().any(|r| r.name == name) && !outsiders.contains(&name) {
                    outsiders.push(name);
                }
            }
        }
        View { report, outsiders }
    }

    fn title(&self) -> &str {
        self.report.title.as_deref().unwrap_or(&self.report.id)
    }

    fn display(&self, name: &str) -> String {
        self.report.display_of(name)
    }

    /// The filter key of reviewer `name`: `r<panel index>`, so a name with any
    /// characters in it becomes a safe token; reviewers outside the panel get theirs
    /// after it.
    fn key(&self, name: &str) -> String {
        let i = self
            .report
            .reviewers
            .iter()
            .position(|r| r.name == name)
            .unwrap_or_else(|| {
                self.report.reviewers.len()
                    + self.outsiders.iter().position(|n| n == name).unwrap_or(0)
            });
        format!("r{i}")
    }

    fn header(&self) -> String {
        let r = self.report;
        let t = &r.target;
        let mut meta: Vec<(&str, String)> = vec![("Target", target_html(t, self.title()))];
        meta.push(("Round", escape(&t.round.max(1).to_string())));
        meta.push(("Date", escape(&date(&r.created_at))));
        if let Some(head) = t.head.as_deref().filter(|h| !h.trim().is_empty()) {
            meta.push(("Head", format!("<code>{}</code>", escape(&short_sha(head)))));
        }
        if let Some(author) = t.author.as_deref().filter(|a| !a.trim().is_empty()) {
            meta.push(("Author", escape(&one_line(author))));
        }
        if let Some(ms) = r.wall_clock_ms {
            meta.push(("Wall-clock time", escape(&duration_words(ms))));
        }
        let reviewers: Vec<String> = r
            .reviewers
            .iter()
            .map(|rv| {
                let mut s = escape(&one_line(&rv.display));
                if rv.status != "ok" {
                    s.push_str(&format!(
                        " <span class=\"status bad\">{}</span>",
                        escape(status_label(&rv.status))
                    ));
                }
                s
            })
            .collect();
        meta.push(("Reviewers", reviewers.join(", ")));
        let dl: String = meta
            .iter()
            .map(|(k, v)| {
                let class = if matches!(*k, "Target" | "Reviewers") {
                    " class=\"wide\""
                } else {
                    ""
                };
                format!("<div{class}><dt>{k}</dt><dd>{v}</dd></div>")
            })
            .collect();
        let commits = if t.commits.is_empty() {
            String::new()
        } else {
            let items: String = t
                .commits
                .iter()
                .map(|c| {
                    format!(
                        "<li><code>{}</code> {}</li>",
                        escape(&short_sha(&c.sha)),
                        escape(&one_line(&c.subject))
                    )
                })
                .collect();
            details(
                &format!(
                    "{} in the change",
                    plural(t.commits.len(), "commit", "commits")
                ),
                &format!("<ul class=\"commits\">{items}</ul>\n"),
            )
        };
        let decision = r.verdict.decision;
        format!(
            "<header class=\"top\">\n<p class=\"kicker\">Deep Review</p>\n<h1>{}</h1>\n<dl class=\"meta\">{dl}</dl>\n{commits}\
             <div class=\"verdict {}\" id=\"verdict\"><span class=\"decision\">{}</span> <span class=\"reason\">{}</span></div>\n</header>\n\
             <nav class=\"toc\"><a href=\"#summary\">Summary</a><a href=\"#findings\">Findings</a><a href=\"#contribution\">Contribution</a><a href=\"#retro\">Retro</a><a href=\"#more\">More</a></nav>\n",
            escape(&one_line(self.title())),
            decision_class(decision),
            escape(decision.label()),
            inline(&one_line(&r.verdict.reason)),
        )
    }

    fn findings(&self) -> String {
        let r = self.report;
        let total = r.findings.len();
        let mut filters = String::from(
            "<div class=\"filters\" role=\"group\" aria-label=\"Filter findings\">\n<span class=\"flabel\">Severity</span>",
        );
        for s in Severity::ALL {
            let n = r.findings.iter().filter(|f| f.severity == s).count();
            filters.push_str(&format!(
                "<button type=\"button\" class=\"chip sev-{0}\" data-filter=\"severity\" data-value=\"{0}\" aria-pressed=\"true\">{1} <span class=\"n\">{n}</span></button>",
                s.as_str(),
                crate::prose::capitalised(s.as_str()),
            ));
        }
        filters.push_str("\n<span class=\"flabel\">Reviewer</span>");
        let mut names: Vec<(String, String)> = r
            .reviewers
            .iter()
            .map(|rv| (rv.name.clone(), rv.display.clone()))
            .collect();
        names.extend(self.outsiders.iter().map(|n| (n.clone(), n.clone())));
        for (name, display) in &names {
            let n = r
                .findings
                .iter()
                .filter(|f| f.reviewer_names().contains(name))
                .count();
            filters.push_str(&format!(
                "<button type=\"button\" class=\"chip\" data-filter=\"reviewer\" data-value=\"{}\" aria-pressed=\"true\">{} <span class=\"n\">{n}</span></button>",
                self.key(name),
                escape(&one_line(display)),
            ));
        }
        filters.push_str("\n</div>\n");
        let count = format!(
            "<p class=\"count\" id=\"shown-count\" aria-live=\"polite\">{total} of {total} {} shown</p>\n",
            if total == 1 { "finding" } else { "findings" }
        );
        let cards: String = if total == 0 {
            "<p class=\"none\">No reviewer raised an issue.</p>\n".to_string()
        } else {
            r.findings.iter().map(|f| self.card(f)).collect()
        };
        section(
            "findings",
            "Findings",
            &format!(
                "{filters}{count}<div class=\"cards\">\n{cards}<p class=\"none\" id=\"no-match\" hidden>No finding matches the filters.</p>\n</div>\n"
            ),
        )
    }

    fn card(&self, f: &Finding) -> String {
        let reviewers = f.reviewer_names();
        let keys: Vec<String> = reviewers.iter().map(|n| self.key(n)).collect();
        let pills: String = reviewers
            .iter()
            .map(|n| {
                format!(
                    "<span class=\"pill\">{}</span>",
                    escape(&one_line(&self.display(n)))
                )
            })
            .collect();
        let sev = f.severity.as_str();
        let mut head = format!(
            "<header><a class=\"id\" href=\"#finding-{}\" title=\"Link to this finding\">{}</a><span class=\"sev sev-{sev}\">{sev}</span>",
            anchor(&f.id),
            escape(&one_line(&f.id))
        );
        if let Some(kind) = f.kind.as_deref().map(one_line).filter(|k| !k.is_empty()) {
            head.push_str(&format!("<span class=\"kind\">{}</span>", escape(&kind)));
        }
        head.push_str(&format!(
            "<h3>{}</h3></header>\n",
            inline(&one_line(&f.title))
        ));
        let mut meta = String::from("<p class=\"where\">");
        if let Some(loc) = &f.location {
            meta.push_str(&format!(
                "<code class=\"loc\">{}</code> ",
                escape(&loc.to_string())
            ));
        }
        meta.push_str(&format!("<span class=\"pills\">{pills}</span></p>\n"));
        let mut notes: Vec<String> = Vec::new();
        match f.verification {
            Verification::Unverified => {
                notes.push("The location could not be confirmed at the head revision.".into())
            }
            Verification::Relocated => notes.push(
                "Line numbers moved to where the quoted code is at the head revision.".into(),
            ),
            Verification::Verified | Verification::NotChecked => {}
        }
        let others: Vec<String> = f
            .locations
            .iter()
            .filter(|l| Some(*l) != f.location.as_ref())
            .map(|l| format!("<code>{}</code>", escape(&l.to_string())))
            .collect();
        if !others.is_empty() {
            notes.push(format!("Also at {}.", others.join(", ")));
        }
        if let [first, rest @ ..] = f.members.as_slice() {
            let member = |m: &crate::report::Member| {
                let rated = if m.severity != f.severity {
                    format!(", rated {}", m.severity)
                } else {
                    String::new()
                };
                escape(&format!(
                    "{} ({}{rated})",
                    one_line(&self.display(&m.reviewer)),
                    one_line(&m.local_id)
                ))
            };
            if !rest.is_empty() {
                let rest: Vec<String> = rest.iter().map(member).collect();
                notes.push(format!(
                    "Raised by {}; also by {}.",
                    member(first),
                    rest.join(", ")
                ));
            }
        }
        if let Some(why) = f
            .reconciliation
            .as_deref()
            .map(one_line)
            .filter(|w| !w.is_empty())
        {
            notes.push(format!(
                "<strong>Severity: {sev}</strong> — {}.",
                escape(why.trim_end_matches('.'))
            ));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            let items: String = notes.iter().map(|n| format!("<li>{n}</li>")).collect();
            format!("<ul class=\"notes\">{items}</ul>\n")
        };
        format!(
            "<article class=\"finding sev-{sev}\" id=\"finding-{}\" data-severity=\"{sev}\" data-reviewers=\"{}\">\n{head}{meta}<div class=\"body\">\n{}</div>\n{notes}</article>\n",
            anchor(&f.id),
            keys.join(" "),
            markdown(f.body.trim()),
        )
    }

    /// Each reviewer's findings no one else raised, findings it shared, and items of its
    /// that were dropped.
    fn contribution(&self) -> String {
        let r = self.report;
        if r.reviewers.is_empty() {
            return section(
                "contribution",
                "Reviewer contribution",
                "<p class=\"none\">No reviewer ran.</p>\n",
            );
        }
        let bars: Vec<Bar> = r
            .reviewers
            .iter()
            .map(|rv| {
                let raised = r
                    .findings
                    .iter()
                    .filter(|f| f.reviewer_names().contains(&rv.name))
                    .count() as u32;
                Bar {
                    label: if rv.status == "ok" {
                        rv.display.clone()
                    } else {
                        format!("{} ({})", rv.display, status_label(&rv.status))
                    },
                    key: self.key(&rv.name),
                    values: vec![rv.unique, raised.saturating_sub(rv.unique), rv.dropped],
                }
            })
            .collect();
        section(
            "contribution",
            "Reviewer contribution",
            &stacked_bars(
                &CONTRIBUTION,
                &bars,
                "Findings per reviewer: raised by it alone, shared with another reviewer, and its items that were dropped",
            ),
        )
    }

    fn retro(&self) -> String {
        let r = self.report;
        if r.reviewers.is_empty() {
            return section(
                "retro",
                "Agent performance retro",
                "<p class=\"none\">None.</p>\n",
            );
        }
        let dash = || "—".to_string();
        let rows: String = r
            .reviewers
            .iter()
            .map(|rv| {
                let reviewed = |v: String| if rv.reviewed { v } else { dash() };
                let status_class = if rv.status == "ok" { "ok" } else { "bad" };
                let cells = [
                    format!("<th scope=\"row\">{}</th>", escape(&one_line(&rv.display))),
                    format!(
                        "<td><span class=\"status {status_class}\">{}</span></td>",
                        escape(status_label(&rv.status))
                    ),
                    td(&reviewed(counts_compact(&rv.findings))),
                    td(&reviewed(counts_compact(&rv.totals))),
                    td(&reviewed(rv.unique.to_string())),
                    td(&reviewed(rv.dropped.to_string())),
                    td(&rv.duration_ms.map_or_else(dash, duration_terse)),
                    td(&tool_calls(rv).unwrap_or_else(dash)),
                    td(&rv.tokens.and_then(tokens).unwrap_or_else(dash)),
                    td(&dollars(rv.cost_usd.filter(|c| c.is_finite()))),
                ];
                format!("<tr>{}</tr>\n", cells.concat())
            })
            .collect();
        let table = format!(
            "<div class=\"scroll\"><table class=\"retro\">\n<thead><tr><th scope=\"col\">Reviewer</th><th scope=\"col\">Status</th>\
             <th scope=\"col\" title=\"as the reviewer rated them\">Findings</th><th scope=\"col\" title=\"at the severity of the consolidated finding\">Totals</th>\
             <th scope=\"col\">Unique</th><th scope=\"col\">Dropped</th><th scope=\"col\">Duration</th><th scope=\"col\">Tool calls</th>\
             <th scope=\"col\">Tokens in / out</th><th scope=\"col\">Cost</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table></div>\n"
        );
        let paragraphs: String = r
            .reviewers
            .iter()
            .filter(|rv| !rv.retro.trim().is_empty())
            .map(|rv| {
                format!(
                    "<h4>{}</h4>\n{}",
                    escape(&one_line(&rv.display)),
                    markdown(rv.retro.trim())
                )
            })
            .collect();
        let reconciliation = if r.reconciliation.is_empty() {
            "No severity was changed and nothing was dropped.".to_string()
        } else {
            r.reconciliation.join(" ")
        };
        let mut inner = table;
        inner.push_str(&format!(
            "<p class=\"reconciliation\"><strong>Reconciliation.</strong> {}</p>\n",
            inline(&reconciliation)
        ));
        if !paragraphs.is_empty() {
            inner.push_str(&details("Per-reviewer retro", &paragraphs));
        }
        section("retro", "Agent performance retro", &inner)
    }

    /// Everything else, folded.
    fn more(&self, appendix: &[RawReview]) -> String {
        let r = self.report;
        let mut out = String::new();
        let count = |n: usize| format!(" <span class=\"n\">{n}</span>");

        let design = |groups: &[crate::report::DesignGroup]| -> String {
            if groups.is_empty() {
                return "<p class=\"none\">None.</p>\n".to_string();
            }
            groups
                .iter()
                .map(|g| {
                    let scope = g
                        .scope
                        .map(|s| format!(" <span class=\"kind\">{}</span>", s.as_str()))
                        .unwrap_or_default();
                    let who: String = g
                        .reviewers
                        .iter()
                        .map(|n| format!("<span class=\"pill\">{}</span>", escape(&one_line(&self.display(n)))))
                        .collect();
                    format!(
                        "<div class=\"item\"><p><strong>{}</strong>{scope} <span class=\"pills\">{who}</span></p>\n{}</div>\n",
                        escape(one_line(&g.title).trim_end_matches('.')),
                        markdown(g.body.trim())
                    )
                })
                .collect()
        };
        out.push_str(&details(
            &format!(
                "Design observations{}",
                count(r.design.concerns.len() + r.design.strengths.len())
            ),
            &format!(
                "<h4>Concerns</h4>\n{}<h4>Strengths</h4>\n{}",
                design(&r.design.concerns),
                design(&r.design.strengths)
            ),
        ));
        for (title, text) in [
            ("Testing assessment", &r.testing),
            ("Documentation assessment", &r.documentation),
            ("Commit structure", &r.commits),
        ] {
            out.push_str(&details(title, &markdown_or_none(text)));
        }
        let limitations: Vec<String> = r
            .acknowledged_limitations
            .iter()
            .map(|l| {
                let place = l
                    .place()
                    .map_or_else(String::new, |p| format!("<code>{}</code> — ", escape(&p)));
                format!(
                    "{place}{} <em>(noted in {})</em>",
                    escape(&one_line(&l.text)),
                    escape(&crate::prose::join_and(&r.noted_by(l)))
                )
            })
            .collect();
        out.push_str(&details(
            &format!("Acknowledged limitations{}", count(limitations.len())),
            &list_or_none(&limitations),
        ));
        if !r.prior_round.is_empty() {
            let items: Vec<String> = r
                .prior_round
                .iter()
                .map(|c| {
                    format!(
                        "<strong>{}</strong> — {} <em>({})</em>",
                        escape(&one_line(&c.status)),
                        escape(&one_line(&c.text)),
                        escape(&one_line(&self.display(&c.reviewer)))
                    )
                })
                .collect();
            out.push_str(&details(
                &format!("Prior-round verification{}", count(items.len())),
                &list_or_none(&items),
            ));
        }
        let feedback: Vec<String> = r
            .unresolved_feedback
            .iter()
            .map(|f| {
                format!(
                    "<strong>{}</strong> — {} <em>({})</em>",
                    escape(&one_line(&f.status)),
                    escape(&one_line(&f.text)),
                    escape(&one_line(&f.source))
                )
            })
            .collect();
        out.push_str(&details(
            &format!("Unresolved feedback{}", count(feedback.len())),
            &list_or_none(&feedback),
        ));
        let dropped: Vec<String> = r
            .dropped
            .iter()
            .map(|d| {
                format!(
                    "<strong>{}</strong> <em>({} {})</em> — {}",
                    escape(&one_line(&d.title)),
                    escape(&one_line(&self.display(&d.reviewer))),
                    escape(&one_line(&d.local_id)),
                    escape(&one_line(&d.reason))
                )
            })
            .collect();
        out.push_str(&details(
            &format!("Dropped items{}", count(dropped.len())),
            &list_or_none(&dropped),
        ));
        let mut notes = String::from("<h4>Skill improvements</h4>\n");
        let skills: Vec<String> = r
            .skill_improvements
            .iter()
            .map(|s| inline(&one_line(s)))
            .collect();
        notes.push_str(&list_or_none(&skills));
        notes.push_str("<h4>Repo context updates</h4>\n");
        let context: Vec<String> = r
            .repo_context_updates
            .iter()
            .map(|s| inline(&one_line(s)))
            .collect();
        notes.push_str(&list_or_none(&context));
        if !r.diagnostics.is_empty() {
            notes.push_str("<h4>Parser diagnostics</h4>\n");
            let diags: Vec<String> = r
                .diagnostics
                .iter()
                .map(|d| {
                    format!(
                        "[{}] {}",
                        escape(&one_line(&self.display(&d.reviewer))),
                        escape(&one_line(&d.message))
                    )
                })
                .collect();
            notes.push_str(&list_or_none(&diags));
        }
        if let Some(c) = &r.consolidator {
            notes.push_str("<h4>Consolidator model</h4>\n");
            let mut lines = vec![escape(&r.consolidator_sentence().unwrap_or_default())];
            lines.extend(
                c.accepted
                    .iter()
                    .map(|p| format!("Accepted: {}", escape(&one_line(&p.line())))),
            );
            lines.extend(c.rejected.iter().map(|p| escape(&one_line(&p.line()))));
            notes.push_str(&list_or_none(&lines));
        }
        out.push_str(&details("Review process notes", &notes));

        // The appendix: each original review as its reviewer wrote it, as text.
        let mut raw = String::new();
        let mut shown = vec![false; appendix.len()];
        let one = |title: &str, text: &str| {
            let body = if text.trim().is_empty() {
                "<p class=\"none\">The review is empty.</p>\n".to_string()
            } else {
                format!(
                    "<pre class=\"raw\"><code>{}</code></pre>\n",
                    escape(text.trim())
                )
            };
            details(&escape(&one_line(title)), &body)
        };
        for rv in &r.reviewers {
            match appendix.iter().position(|a| a.reviewer == rv.name) {
                Some(i) => {
                    shown[i] = true;
                    raw.push_str(&one(&rv.display, &appendix[i].text));
                }
                None => raw.push_str(&details(
                    &escape(&one_line(&rv.display)),
                    &format!(
                        "<p class=\"none\">No review ({}).</p>\n",
                        escape(status_label(&rv.status))
                    ),
                )),
            }
        }
        for (a, shown) in appendix.iter().zip(shown) {
            if !shown {
                let title = if a.display.trim().is_empty() {
                    &a.reviewer
                } else {
                    &a.display
                };
                raw.push_str(&one(title, &a.text));
            }
        }
        if raw.is_empty() {
            raw.push_str("<p class=\"none\">None.</p>\n");
        }
        out.push_str(&details(
            &format!("Appendix: original reviews{}", count(appendix.len())),
            &raw,
        ));
        section("more", "More", &out)
    }
}

/// What the chart stacks for each reviewer.
pub(super) const CONTRIBUTION: [Series; 3] = [
    Series {
        name: "unique",
        color: "#2f62c9",
    },
    Series {
        name: "shared",
        color: "#7ea4e6",
    },
    Series {
        name: "dropped",
        color: "#a2a8b3",
    },
];

/// `C1` → `C1`; anything else to a safe id fragment.
fn anchor(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect()
}

fn td(text: &str) -> String {
    format!("<td>{}</td>", escape(text))
}

/// `items` (HTML) as a list, or "None.".
fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        return "<p class=\"none\">None.</p>\n".to_string();
    }
    let li: String = items.iter().map(|i| format!("<li>{i}</li>")).collect();
    format!("<ul>{li}</ul>\n")
}

fn decision_class(d: Decision) -> &'static str {
    match d {
        Decision::Rework => "rework",
        Decision::MergeWithFixes => "fixes",
        Decision::MergeAsIs => "ok",
        Decision::Incomplete => "incomplete",
    }
}

/// `owner/repo #12 — title`, or a local path and branch; URLs as text, never links. The
/// target's title is left out when it is the page's.
fn target_html(t: &Target, page_title: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(repo) = t.repo.as_deref().filter(|r| !r.trim().is_empty()) {
        parts.push(format!("<code>{}</code>", escape(&one_line(repo))));
    }
    if let Some(n) = t.number {
        parts.push(format!("PR #{n}"));
    }
    if let Some(branch) = t.branch.as_deref().filter(|b| !b.trim().is_empty()) {
        parts.push(format!("branch <code>{}</code>", escape(&one_line(branch))));
    }
    if let Some(title) = t
        .title
        .as_deref()
        .filter(|b| !b.trim().is_empty() && one_line(b) != one_line(page_title))
    {
        parts.push(format!("— {}", escape(&one_line(title))));
    }
    if let Some(url) = t.url.as_deref().filter(|u| !u.trim().is_empty()) {
        parts.push(format!(
            "<span class=\"url\">{}</span>",
            escape(&one_line(url))
        ));
    }
    if parts.is_empty() {
        "—".to_string()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests;
