//! The reviewer leaderboard over the recorded reviews: a [`StatsReport`] value that the
//! CLI prints as a table or JSON (and an HTML renderer can draw). The aggregation runs
//! in SQL over the selected reviews; only medians are finished in Rust.

use rusqlite::params;
use serde::Serialize;

use super::{Store, StoreError};
use crate::report::SeverityCounts;

/// Which reviews count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatsQuery {
    /// Reviews created at or after this RFC 3339 date or time (`2026-04-01`).
    pub since: Option<String>,
    /// Only this repository (`owner/name`, or a repository's directory name).
    pub repo: Option<String>,
}

impl StatsQuery {
    /// Reads `--since`: `YYYY-MM-DD`, an RFC 3339 time, or an age such as `30d` / `12h`
    /// counted back from `now`.
    pub fn parse_since(text: &str, now: chrono::DateTime<chrono::Utc>) -> Result<String, String> {
        let text = text.trim();
        let age = |n: &str, unit: i64| {
            n.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .and_then(|n| n.checked_mul(unit))
                .and_then(chrono::TimeDelta::try_seconds)
                .and_then(|d| now.checked_sub_signed(d))
        };
        let relative = [("d", 86_400), ("h", 3_600), ("w", 604_800)]
            .into_iter()
            .find_map(|(suffix, unit)| text.strip_suffix(suffix).and_then(|n| age(n, unit)));
        if let Some(at) = relative {
            return Ok(at.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
        if chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
            return Ok(text.to_string());
        }
        if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
            return Ok(at
                .with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string());
        }
        Err(format!(
            "`{text}` is not a date\nhint: write 2026-04-01, 2026-04-01T12:00:00Z or an age such as 30d"
        ))
    }
}

/// The leaderboard.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatsReport {
    pub query: StatsQuery,
    /// Reviews selected.
    pub reviews: u64,
    /// One row per reviewer, most unique findings first.
    pub reviewers: Vec<ReviewerStats>,
}

/// One reviewer over the selected reviews (`None` rates and costs: nothing to divide
/// by, or no run reported a cost).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReviewerStats {
    pub name: String,
    pub display: String,
    /// Reviews it was on the panel of, and of those, how many it left a review in.
    pub reviews: u64,
    pub reviewed: u64,
    /// Its items as it rated them.
    pub findings: SeverityCounts,
    /// Findings no other reviewer raised.
    pub unique: u64,
    /// Consolidated findings it is a member of, and the share another reviewer also
    /// raised.
    pub consolidated: u64,
    pub agreement_rate: Option<f64>,
    /// Items dropped (file not in the revision, not a finding), and their share of
    /// everything it raised.
    pub dropped: u64,
    pub dropped_rate: Option<f64>,
    pub median_duration_ms: Option<u64>,
    pub tokens_input: u64,
    pub tokens_output: u64,
    /// None when no run reported a cost.
    pub cost_usd: Option<f64>,
    pub cost_per_unique: Option<f64>,
    /// Its findings in reviews a later round followed, and how many of those that
    /// round no longer raised (fixed).
    pub followed_up: u64,
    pub fixed: u64,
    pub fixed_rate: Option<f64>,
    /// The same reviewer month by month (UTC, `2026-04`), oldest first: how it trends.
    pub trend: Vec<Period>,
}

/// One reviewer's figures over one calendar month.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Period {
    /// `YYYY-MM`.
    pub month: String,
    pub reviews: u64,
    /// Its items as it rated them, all severities.
    pub findings: u64,
    pub unique: u64,
    pub agreement_rate: Option<f64>,
    pub dropped: u64,
    pub cost_usd: Option<f64>,
}

/// The selected reviews, as a CTE every query starts with.
const SELECTED: &str = "WITH sel AS (
    SELECT r.id, r.target_id, r.round, r.created_at FROM reviews r JOIN targets t ON t.id = r.target_id
    WHERE (?1 IS NULL OR r.created_at >= ?1) AND (?2 IS NULL OR t.repo = ?2))";

impl Store {
    pub fn stats(&self, query: &StatsQuery) -> Result<StatsReport, StoreError> {
        let conn = self.conn();
        let args = params![query.since, query.repo];
        let reviews: u64 =
            conn.query_row(&format!("{SELECTED} SELECT COUNT(*) FROM sel"), args, |r| {
                r.get(0)
            })?;
        let mut rows: Vec<ReviewerStats> = Vec::new();
        {
            let mut stmt = conn.prepare(&format!(
                "{SELECTED}
                 SELECT rr.reviewer, MAX(rr.display), COUNT(*), SUM(rr.reviewed), SUM(rr.critical),
                        SUM(rr.important), SUM(rr.suggestion), SUM(rr.unique_count), SUM(rr.dropped),
                        SUM(COALESCE(rr.tokens_in, 0)), SUM(COALESCE(rr.tokens_out, 0)),
                        SUM(rr.cost_usd), SUM(rr.consolidated), SUM(rr.agreed)
                 FROM reviewer_runs rr JOIN sel ON sel.id = rr.review_id
                 GROUP BY rr.reviewer"
            ))?;
            let mapped = stmt.query_map(args, |r| {
                Ok(ReviewerStats {
                    name: r.get(0)?,
                    display: r.get(1)?,
                    reviews: r.get(2)?,
                    reviewed: r.get(3)?,
                    findings: SeverityCounts {
                        critical: r.get(4)?,
                        important: r.get(5)?,
                        suggestion: r.get(6)?,
                    },
                    unique: r.get(7)?,
                    dropped: r.get(8)?,
                    tokens_input: r.get(9)?,
                    tokens_output: r.get(10)?,
                    cost_usd: r.get(11)?,
                    consolidated: r.get(12)?,
                    agreement_rate: ratio(r.get(13)?, r.get(12)?),
                    ..ReviewerStats::default()
                })
            })?;
            for row in mapped {
                rows.push(row?);
            }
        }
        let mut trend: Vec<(String, Period)> = Vec::new();
        {
            let mut stmt = conn.prepare(&format!(
                "{SELECTED}
                 SELECT rr.reviewer, substr(sel.created_at, 1, 7) AS month, COUNT(*),
                        SUM(rr.critical + rr.important + rr.suggestion), SUM(rr.unique_count),
                        SUM(rr.consolidated), SUM(rr.agreed), SUM(rr.dropped), SUM(rr.cost_usd)
                 FROM reviewer_runs rr JOIN sel ON sel.id = rr.review_id
                 GROUP BY rr.reviewer, month ORDER BY rr.reviewer, month"
            ))?;
            let mapped = stmt.query_map(args, |r| {
                Ok((
                    r.get(0)?,
                    Period {
                        month: r.get(1)?,
                        reviews: r.get(2)?,
                        findings: r.get(3)?,
                        unique: r.get(4)?,
                        agreement_rate: ratio(r.get(6)?, r.get(5)?),
                        dropped: r.get(7)?,
                        cost_usd: r.get(8)?,
                    },
                ))
            })?;
            for row in mapped {
                trend.push(row?);
            }
        }
        let mut later: Vec<(String, u64, u64)> = Vec::new();
        {
            // A finding is followed up when the target has a later round; fixed when
            // nothing in the next round continues it.
            let mut stmt = conn.prepare(&format!(
                "{SELECTED},
                 nxt AS MATERIALIZED (
                    SELECT sel.id AS id,
                           (SELECT n.id FROM reviews n WHERE n.target_id = sel.target_id AND n.round > sel.round
                            ORDER BY n.round, n.created_at, n.id LIMIT 1) AS next_id
                    FROM sel),
                 followed AS MATERIALIZED (
                    SELECT f.id AS id, NOT EXISTS (
                             SELECT 1 FROM findings g WHERE g.review_id = nxt.next_id AND g.previous_id = f.local_id
                           ) AS fixed
                    FROM nxt JOIN findings f ON f.review_id = nxt.id
                    WHERE nxt.next_id IS NOT NULL)
                 SELECT m.reviewer, COUNT(DISTINCT followed.id),
                        COUNT(DISTINCT CASE WHEN followed.fixed THEN followed.id END)
                 FROM followed JOIN finding_members m ON m.finding_id = followed.id
                 GROUP BY m.reviewer"
            ))?;
            for row in stmt.query_map(args, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
                later.push(row?);
            }
        }
        let mut durations: Vec<(String, u64)> = Vec::new();
        {
            let mut stmt = conn.prepare(&format!(
                "{SELECTED}
                 SELECT rr.reviewer, rr.duration_ms FROM reviewer_runs rr JOIN sel ON sel.id = rr.review_id
                 WHERE rr.duration_ms IS NOT NULL ORDER BY rr.reviewer, rr.duration_ms"
            ))?;
            for row in stmt.query_map(args, |r| Ok((r.get(0)?, r.get(1)?)))? {
                durations.push(row?);
            }
        }
        for (name, followed, fixed) in later {
            if let Some(i) = rows.iter().position(|r| r.name == name) {
                rows[i].followed_up = followed;
                rows[i].fixed = fixed;
                rows[i].fixed_rate = ratio(fixed, followed);
            }
        }
        for (name, period) in trend {
            if let Some(i) = rows.iter().position(|r| r.name == name) {
                rows[i].trend.push(period);
            }
        }
        for row in &mut rows {
            let sorted: Vec<u64> = durations
                .iter()
                .filter(|(n, _)| *n == row.name)
                .map(|(_, d)| *d)
                .collect();
            row.median_duration_ms = median(&sorted);
            row.dropped_rate = ratio(row.dropped, row.dropped + u64::from(row.findings.total()));
            row.cost_per_unique = match (row.cost_usd, row.unique) {
                (Some(cost), n) if n > 0 => Some(cost / n as f64),
                _ => None,
            };
        }
        rows.sort_by(|a, b| b.unique.cmp(&a.unique).then_with(|| a.name.cmp(&b.name)));
        Ok(StatsReport {
            query: query.clone(),
            reviews,
            reviewers: rows,
        })
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The median of sorted values (the mean of the middle two for an even count).
fn median(sorted: &[u64]) -> Option<u64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}
