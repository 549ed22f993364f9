//! How the reports word a run's figures: status labels, tool calls, tokens, dates,
//! short SHAs. `markdown.rs` shares the status words, `thousands` and `short_sha`; its
//! table keeps its own wording for dates, tokens and tool calls.

use crate::history::ReviewerStats;
use crate::model::Tokens;
use crate::prose::one_line;
use crate::report::ReviewerReport;

/// What a run's `status` says to a reader.
pub(super) fn status_label(status: &str) -> &str {
    match status {
        "ok" => "finished",
        "failed" => "failed",
        "timed_out" => "timed out",
        "skipped" => "not run",
        "not_finished" => "did not finish",
        "budget_exceeded" => "stopped at its budget",
        other => other,
    }
}

/// `22 (Read 11, Grep 6)`: the total and the two busiest tools.
pub(super) fn tool_calls(r: &ReviewerReport) -> Option<String> {
    if r.tool_calls.is_empty() {
        return None;
    }
    let total: u64 = r.tool_calls.values().sum();
    let mut tools: Vec<(&String, &u64)> = r.tool_calls.iter().collect();
    tools.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let parts: Vec<String> = tools
        .iter()
        .take(2)
        .map(|(k, v)| format!("{} {v}", one_line(k)))
        .collect();
    Some(format!("{total} ({})", parts.join(", ")))
}

/// `182.4k / 9.8k` (input / output), None when the run reported none.
pub(super) fn tokens(t: Tokens) -> Option<String> {
    if t.input == 0 && t.output == 0 {
        return None;
    }
    Some(format!("{} / {}", thousands(t.input), thousands(t.output)))
}

/// The leaderboard's columns after the reviewer's name, for the terminal table and the
/// `stats --html` page.
pub const STATS_COLUMNS: [&str; 10] = [
    "reviews",
    "C/I/S",
    "unique",
    "agreed",
    "dropped",
    "median time",
    "tokens in/out",
    "cost",
    "per unique",
    "fixed later",
];

/// One reviewer's leaderboard row, in [`STATS_COLUMNS`] order.
pub fn stats_cells(r: &ReviewerStats) -> [String; 10] {
    [
        r.reviews.to_string(),
        format!(
            "{}/{}/{}",
            r.findings.critical, r.findings.important, r.findings.suggestion
        ),
        r.unique.to_string(),
        percent(r.agreement_rate),
        percent(r.dropped_rate),
        r.median_duration_ms
            .map_or_else(|| "—".into(), crate::prose::duration_terse),
        format!(
            "{}/{}",
            thousands(r.tokens_input),
            thousands(r.tokens_output)
        ),
        dollars(r.cost_usd),
        dollars(r.cost_per_unique),
        match r.fixed_rate {
            Some(_) => format!("{} of {}", percent(r.fixed_rate), r.followed_up),
            None => "—".into(),
        },
    ]
}

/// `56%`; `—` when there is nothing to divide by.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{:.0}%", r * 100.0))
}

/// `$2.50`; `—` when no cost is known.
pub fn dollars(usd: Option<f64>) -> String {
    usd.map_or_else(|| "—".into(), |c| format!("${c:.2}"))
}

/// `1234567` → `1.2M`, `45210` → `45.2k`, `812` → `812`.
pub fn thousands(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{:.1}k", n as f64 / 1_000.0),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0),
    }
}

/// `2026-12-04 01:30 UTC` from RFC 3339; the text itself when it is not.
pub(super) fn date(created_at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(created_at)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()
        })
        .unwrap_or_else(|_| one_line(created_at))
}

/// A full hex SHA to its first seven digits; anything else as one line.
pub(super) fn short_sha(sha: &str) -> String {
    let sha = one_line(sha);
    if sha.len() > 7 && sha.chars().all(|c| c.is_ascii_hexdigit()) {
        sha[..7].to_string()
    } else {
        sha
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunStatus;

    #[test]
    fn every_run_status_has_words() {
        use RunStatus::*;
        for status in [Ok, Failed, TimedOut, Skipped, NotFinished, BudgetExceeded] {
            let label = status_label(status.as_str());
            assert!(!label.contains('_'), "{label}");
        }
        assert_eq!(thousands(45_210), "45.2k");
        assert_eq!(short_sha("9f2c1e4b7a0d"), "9f2c1e4");
        assert_eq!(short_sha("HEAD~1"), "HEAD~1");
        assert_eq!(date("2026-12-04T01:30:00+01:00"), "2026-12-04 00:30 UTC");
    }
}
