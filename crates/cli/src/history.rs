//! `deep-review history` and `deep-review stats`: the review history database read
//! back, as a table or as JSON. The queries and figures are the core's
//! (`deep_review_core::history`); this module only finds the database, reads the
//! arguments and lays out the table.

use std::path::{Path, PathBuf};

use clap::Args;
use deep_review_core::history::{self, HistoryQuery, StatsQuery, StatsReport, Store};
use deep_review_core::render::format::{stats_cells, STATS_COLUMNS};
use deep_review_core::report::Target;
use deep_review_core::target;

use crate::exit::{self, CmdResult, Failure};
use crate::output;

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// Whose reviews: a repository path (its checked-out branch), `owner/repo#N`, a pull
    /// request URL, or a branch name (default: every review).
    pub target: Option<String>,
    /// At most this many reviews, newest first.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    /// Only reviews made on or after this date (2026-04-01, an RFC 3339 time, or an age
    /// such as 30d).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only reviews of this repository (owner/name).
    #[arg(long, value_name = "R")]
    pub repo: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write the leaderboard as a self-contained HTML page to FILE (default
    /// stats.html) and print its path.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "stats.html", conflicts_with = "json")]
    pub html: Option<PathBuf>,
}

/// The history database's path, from the environment (`DEEP_REVIEW_DB`, the XDG data
/// directory, `HOME`).
pub fn db_path() -> Option<PathBuf> {
    history::default_path(&|name| std::env::var(name).ok())
}

/// Opens the database for reading; None (said on stderr) when no review was recorded.
fn open_existing() -> Result<Option<Store>, Failure> {
    let Some(path) = db_path() else {
        return Err(exit::usage(anyhow::anyhow!(
            "no history database: neither {} nor HOME is set\nhint: set {} to the database file",
            history::DB_ENV,
            history::DB_ENV
        )));
    };
    if !path.exists() {
        output::note(&format!(
            "no reviews recorded yet ({} does not exist)",
            path.display()
        ));
        return Ok(None);
    }
    Store::open(&path)
        .map(Some)
        .map_err(|e| exit::runtime(anyhow::Error::new(e)))
}

/// What TARGET names, as a query: keys from [`history::target_key`], the one spelling
/// of a target's identity.
fn query_for(target: &str) -> Result<HistoryQuery, Failure> {
    let key = |t: Target| HistoryQuery {
        key: history::target_key(&t),
        ..HistoryQuery::default()
    };
    if let Ok(pr) = deep_review_core::github::parse_pr(target) {
        return Ok(key(Target {
            kind: "github_pr".into(),
            repo: Some(format!("{}/{}", pr.repo.owner, pr.repo.repo)),
            number: Some(pr.number),
            ..Target::default()
        }));
    }
    let path = Path::new(target);
    if path.is_dir() {
        let root = target::repo_root(path)?;
        let (repo, branch) = target::current_branch(&root);
        return Ok(match branch {
            Some(branch) => key(Target {
                kind: "local".into(),
                repo: Some(repo),
                branch: Some(branch),
                ..Target::default()
            }),
            None => HistoryQuery {
                repo: Some(repo),
                ..HistoryQuery::default()
            },
        });
    }
    Ok(HistoryQuery {
        branch: Some(target.to_string()),
        ..HistoryQuery::default()
    })
}

pub fn history(args: &HistoryArgs) -> CmdResult {
    let mut query = match &args.target {
        Some(t) => query_for(t)?,
        None => HistoryQuery::default(),
    };
    query.limit = args.limit;
    let entries = match open_existing()? {
        Some(store) => store
            .history(&query)
            .map_err(|e| exit::runtime(anyhow::Error::new(e)))?,
        None => Vec::new(),
    };
    if args.json {
        let text = serde_json::to_string_pretty(&entries).map_err(exit::runtime)?;
        output::line(text)?;
        return Ok(exit::SUCCESS);
    }
    if entries.is_empty() {
        output::note("no reviews match");
        return Ok(exit::SUCCESS);
    }
    let id_width = entries.iter().map(|e| e.id.len()).max().unwrap_or(2).max(2);
    output::line(format_args!(
        "{:<20}  {:<id_width$}  {:>5}  {:<16}  {:>3} {:>3} {:>3}  TARGET",
        "DATE", "ID", "ROUND", "VERDICT", "C", "I", "S"
    ))?;
    for e in &entries {
        let target = match (e.number, e.branch.as_deref()) {
            (Some(n), _) if e.kind == "github_pr" => {
                format!("{}#{n}", e.repo.as_deref().unwrap_or("?"))
            }
            (_, Some(branch)) => format!("{} {branch}", e.repo.as_deref().unwrap_or("?")),
            _ => e.repo.clone().unwrap_or_default(),
        };
        output::line(format_args!(
            "{:<20}  {:<id_width$}  {:>5}  {:<16}  {:>3} {:>3} {:>3}  {target}",
            e.created_at,
            e.id,
            e.round,
            short_verdict(e.decision),
            e.findings.critical,
            e.findings.important,
            e.findings.suggestion,
        ))?;
    }
    Ok(exit::SUCCESS)
}

fn short_verdict(d: deep_review_core::model::Decision) -> &'static str {
    use deep_review_core::model::Decision;
    match d {
        Decision::Incomplete => "No verdict",
        other => other.label(),
    }
}

pub fn stats(args: &StatsArgs) -> CmdResult {
    let since = args
        .since
        .as_deref()
        .map(|s| StatsQuery::parse_since(s, chrono::Utc::now()))
        .transpose()
        .map_err(|e| exit::usage(anyhow::anyhow!("--since: {e}")))?;
    let query = StatsQuery {
        since,
        repo: args.repo.clone(),
    };
    let report = match open_existing()? {
        Some(store) => store
            .stats(&query)
            .map_err(|e| exit::runtime(anyhow::Error::new(e)))?,
        None => StatsReport {
            query,
            ..StatsReport::default()
        },
    };
    if args.json {
        let text = serde_json::to_string_pretty(&report).map_err(exit::runtime)?;
        output::line(text)?;
        return Ok(exit::SUCCESS);
    }
    print_stats(&report)?;
    if let Some(path) = &args.html {
        let page = deep_review_core::render::render_stats_html(&report);
        deep_review_core::workdir::write_atomic(path, page.as_bytes()).map_err(|e| {
            exit::runtime(anyhow::anyhow!(
                "cannot write {}: {e}\nhint: pass --html to a writable path",
                path.display()
            ))
        })?;
        let shown = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        output::line(shown.display())?;
    }
    Ok(exit::SUCCESS)
}

fn print_stats(report: &StatsReport) -> Result<(), Failure> {
    output::line(format_args!(
        "{} over {}",
        "reviewer stats",
        deep_review_core::prose::plural(report.reviews as usize, "review", "reviews")
    ))?;
    if report.reviewers.is_empty() {
        return Ok(());
    }
    let rows: Vec<Vec<String>> = report
        .reviewers
        .iter()
        .map(|r| {
            std::iter::once(r.name.clone())
                .chain(stats_cells(r))
                .collect()
        })
        .collect();
    let header: Vec<String> = std::iter::once("reviewer")
        .chain(STATS_COLUMNS)
        .map(str::to_uppercase)
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let lay = |cells: Vec<&str>| -> String {
        let mut line = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = w.saturating_sub(cell.chars().count());
            if i == 0 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        line.trim_end().to_string()
    };
    output::line(lay(header.iter().map(String::as_str).collect()))?;
    for row in &rows {
        output::line(lay(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}
