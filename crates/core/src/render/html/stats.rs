//! `deep-review stats --html`: the reviewer leaderboard as a page — the selection, the
//! table the terminal shows, each reviewer's contribution (unique, shared, dropped) in
//! the report's chart, and each reviewer's trend month by month as a small inline SVG.
//! Same shell, stylesheet and CSP as the report page; no script.

use super::chart::{stacked_bars, Bar};
use super::page::{escape, page, section};
use super::CONTRIBUTION;
use crate::history::{Period, ReviewerStats, StatsReport};
use crate::prose::{one_line, plural};
use crate::render::format::{stats_cells, STATS_COLUMNS};

pub(crate) fn render(stats: &StatsReport) -> String {
    let mut body = String::new();
    body.push_str("<header>\n<p class=\"kicker\">Deep Review</p>\n<h1>Reviewer leaderboard</h1>\n");
    let mut scope = vec![plural(stats.reviews as usize, "review", "reviews")];
    if let Some(repo) = &stats.query.repo {
        scope.push(format!("of {}", one_line(repo)));
    }
    if let Some(since) = &stats.query.since {
        scope.push(format!("since {}", one_line(since)));
    }
    body.push_str(&format!(
        "<p class=\"count\">{}</p>\n</header>\n",
        escape(&scope.join(" "))
    ));
    if stats.reviewers.is_empty() {
        body.push_str("<p class=\"none\">No review is recorded for this selection.</p>\n");
        return page("Reviewer leaderboard", &body, "");
    }
    body.push_str(&section("table", "Per reviewer", &table(&stats.reviewers)));
    let bars: Vec<Bar> = stats
        .reviewers
        .iter()
        .enumerate()
        .map(|(k, r)| Bar {
            label: label(r),
            key: format!("r{k}"),
            values: vec![
                count32(r.unique),
                count32(r.consolidated.saturating_sub(r.unique)),
                count32(r.dropped),
            ],
        })
        .collect();
    body.push_str(&section(
        "contribution",
        "Contribution",
        &stacked_bars(
            &CONTRIBUTION,
            &bars,
            "Findings per reviewer over the selected reviews: raised by it alone; shared with another reviewer; dropped",
        ),
    ));
    let trends: String = stats.reviewers.iter().map(trend).collect();
    body.push_str(&section("trend", "Month by month", &trends));
    page("Reviewer leaderboard", &body, "")
}

fn label(r: &ReviewerStats) -> String {
    if r.display.trim().is_empty() {
        r.name.clone()
    } else {
        r.display.clone()
    }
}

fn count32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn table(reviewers: &[ReviewerStats]) -> String {
    let mut out = String::from(
        "<div class=\"scroll\"><table class=\"retro\">\n<thead><tr><th scope=\"col\">Reviewer</th>",
    );
    for h in STATS_COLUMNS {
        out.push_str(&format!("<th scope=\"col\">{}</th>", escape(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in reviewers {
        out.push_str(&format!(
            "<tr data-reviewer=\"{}\"><th scope=\"row\">{}</th>",
            escape(&r.name),
            escape(&one_line(&label(r)))
        ));
        for c in stats_cells(r) {
            out.push_str(&format!("<td>{}</td>", escape(&c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    out
}

/// One reviewer's months as columns: findings (light) with the unique ones (dark) in
/// front, scaled to its busiest month.
fn trend(r: &ReviewerStats) -> String {
    const COL_W: u32 = 26;
    const PLOT_H: u32 = 60;
    let months: &[Period] = &r.trend;
    let max = months.iter().map(|p| p.findings).max().unwrap_or(0).max(1);
    let width = COL_W * months.len().max(1) as u32 + 10;
    let height = PLOT_H + 22;
    let mut svg = format!(
        "<svg class=\"chart trend\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        escape(&format!("{} month by month", one_line(&label(r))))
    );
    for (k, p) in months.iter().enumerate() {
        let x = 5 + COL_W * k as u32;
        let bar = |n: u64| (n * u64::from(PLOT_H) / max) as u32;
        let (all, unique) = (bar(p.findings), bar(p.unique.min(p.findings)));
        svg.push_str(&format!(
            "<g class=\"month\" data-month=\"{}\"><title>{}: {} findings, {} unique, {}</title>\n\
             <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{all}\" fill=\"{}\"/>\n\
             <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{unique}\" fill=\"{}\"/>\n\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>\n",
            escape(&p.month),
            escape(&p.month),
            p.findings,
            p.unique,
            plural(p.reviews as usize, "review", "reviews"),
            x + 2,
            PLOT_H - all,
            COL_W - 6,
            CONTRIBUTION[1].color,
            x + 2,
            PLOT_H - unique,
            COL_W - 6,
            CONTRIBUTION[0].color,
            x + COL_W / 2,
            PLOT_H + 16,
            escape(p.month.get(5..).unwrap_or(&p.month)),
        ));
    }
    svg.push_str("</svg>\n");
    format!(
        "<figure class=\"chart-box\" data-reviewer=\"{}\">\n<figcaption><strong>{}</strong> — findings per month, unique in front{}</figcaption>\n{svg}</figure>\n",
        escape(&r.name),
        escape(&one_line(&label(r))),
        months
            .first()
            .zip(months.last())
            .map(|(a, b)| escape(&format!(" ({} to {})", a.month, b.month)))
            .unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::StatsQuery;
    use crate::report::SeverityCounts;

    fn stats() -> StatsReport {
        let month = |m: &str, findings, unique| Period {
            month: m.into(),
            reviews: 2,
            findings,
            unique,
            ..Period::default()
        };
        StatsReport {
            query: StatsQuery {
                since: Some("2026-09-01".into()),
                repo: Some("acme/<gw>".into()),
            },
            reviews: 4,
            reviewers: vec![
                ReviewerStats {
                    name: "claude".into(),
                    display: "Claude <b>Opus</b>".into(),
                    reviews: 4,
                    reviewed: 4,
                    findings: SeverityCounts {
                        critical: 1,
                        important: 3,
                        suggestion: 5,
                    },
                    unique: 4,
                    consolidated: 9,
                    agreement_rate: Some(5.0 / 9.0),
                    dropped: 1,
                    cost_usd: Some(2.5),
                    cost_per_unique: Some(0.6),
                    trend: vec![month("2026-10", 4, 1), month("2026-11", 5, 3)],
                    ..ReviewerStats::default()
                },
                ReviewerStats {
                    name: "lint".into(),
                    reviews: 4,
                    unique: 2,
                    consolidated: 2,
                    trend: vec![month("2026-11", 2, 2)],
                    ..ReviewerStats::default()
                },
            ],
        }
    }

    #[test]
    fn the_leaderboard_page_has_the_table_the_chart_and_the_trends() {
        let html = render(&stats());
        assert!(
            html.contains("4 reviews of acme/&lt;gw&gt; since 2026-09-01"),
            "{html}"
        );
        assert!(
            html.contains("Claude &lt;b&gt;Opus&lt;/b&gt;"),
            "display names are text"
        );
        assert!(!html.contains("<b>Opus"));
        assert_eq!(html.matches("<tr data-reviewer=").count(), 2);
        assert!(html.contains("<td>56%</td>"), "agreement");
        assert!(html.contains("<td>$2.50</td>") && html.contains("<td>$0.60</td>"));
        assert_eq!(
            html.matches("<g class=\"bar\"").count(),
            2,
            "one bar per reviewer"
        );
        // claude: 4 unique, 5 shared, 1 dropped.
        for (series, n) in [("unique", 4), ("shared", 5), ("dropped", 1)] {
            assert!(
                html.contains(&format!("data-series=\"{series}\""))
                    && html.contains(&format!(": {series} {n}</title>")),
                "{series} {n}"
            );
        }
        assert_eq!(
            html.matches("<g class=\"month\"").count(),
            3,
            "2 + 1 months"
        );
        assert!(html.contains("(2026-10 to 2026-11)"));
        assert!(
            !html.contains("<script>"),
            "the leaderboard needs no script"
        );
        for bad in ["src=\"http", "href=\"http", "@import", "url("] {
            assert!(!html.contains(bad), "{bad}");
        }
    }

    #[test]
    fn an_empty_selection_says_so() {
        let html = render(&StatsReport::default());
        assert!(html.contains("No review is recorded for this selection."));
        assert!(html.contains("0 reviews"));
    }
}
