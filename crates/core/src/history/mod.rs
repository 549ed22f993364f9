//! The review history: every consolidated review kept in a local SQLite database
//! (`DEEP_REVIEW_DB`, else `$XDG_DATA_HOME/deep-review/history.sqlite3`), so a later
//! round of the same target knows which earlier findings are still open and
//! `deep-review stats` can rank reviewers over many reviews.
//!
//! - `schema.rs`: the `user_version` migration ladder.
//! - `store.rs`: opening (WAL, busy timeout), writing one review per transaction,
//!   reading the previous round and the list of past reviews.
//! - `lifecycle.rs`: pure — what became of the previous round's findings.
//! - `stats.rs`: the per-reviewer leaderboard, as a [`StatsReport`] value.
//!
//! *Invariants:* a store failure is an error value the pipeline turns into a note —
//! never a lost report; the store holds masked text only; a target's identity is
//! [`target_key`] and nothing else.

mod lifecycle;
mod schema;
mod stats;
mod store;

use std::path::{Path, PathBuf};

pub use lifecycle::{classify, Prior};
pub use schema::CURRENT_VERSION;
pub use stats::{Period, ReviewerStats, StatsQuery, StatsReport};
pub use store::{HistoryEntry, HistoryQuery, Store};

use crate::report::Target;

/// The environment variable naming the database file.
pub const DB_ENV: &str = "DEEP_REVIEW_DB";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("history database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the directory of the history database {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the history database was written by a newer deep-review (schema version {found}, this one knows up to {known})\nhint: upgrade deep-review, or point {DB_ENV} at another file")]
    TooNew { found: u32, known: u32 },
    #[error("history database: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// Where the database is: `DEEP_REVIEW_DB`, else `$XDG_DATA_HOME/deep-review/`, else
/// `$HOME/.local/share/deep-review/`; None when none of them is set.
pub fn default_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if let Some(path) = set(DB_ENV) {
        return Some(PathBuf::from(path));
    }
    let data = set("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| set("HOME").map(|home| Path::new(&home).join(".local").join("share")))?;
    Some(data.join("deep-review").join("history.sqlite3"))
}

/// What makes two reviews rounds of the same target: the same pull request, or the same
/// branch name in the same repository. None when the target says neither (its review is
/// kept, but starts no series).
pub fn target_key(target: &Target) -> Option<String> {
    let repo = target
        .repo
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    match (
        target.kind.as_str(),
        repo,
        target.number,
        target.branch.as_deref(),
    ) {
        ("github_pr", Some(repo), Some(n), _) => Some(format!("pr:{repo}#{n}")),
        (_, Some(repo), _, Some(branch)) if !branch.trim().is_empty() => {
            Some(format!("branch:{repo}:{}", branch.trim()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
