//! The database file: opened in WAL mode with a busy timeout (several `review`
//! processes may write at once), migrated on open, one transaction per review.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::lifecycle::{Previous, Prior};
use super::schema::{self, CURRENT_VERSION};
use super::{target_key, StoreError};
use crate::model::{Decision, Severity};
use crate::render::RawReview;
use crate::report::{BaselineState, EarlierFinding, HistoryLink, Report, SeverityCounts, Target};
use crate::secrets::mask_secrets;

/// How long a writer waits for another to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// An open history database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Which past reviews `deep-review history` lists.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery {
    /// A [`target_key`](super::target_key): one pull request or branch.
    pub key: Option<String>,
    /// A branch name, in any repository.
    pub branch: Option<String>,
    /// `owner/name` (or the directory name of a repository without a hosted remote).
    pub repo: Option<String>,
    /// At most this many, newest first.
    pub limit: Option<usize>,
}

/// One past review, as `deep-review history` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub id: String,
    pub created_at: String,
    pub kind: String,
    pub repo: Option<String>,
    pub number: Option<u64>,
    pub branch: Option<String>,
    pub round: u32,
    pub title: Option<String>,
    pub head: Option<String>,
    pub decision: Decision,
    pub reason: String,
    pub findings: SeverityCounts,
    pub dropped: u32,
    pub reviewers: Vec<String>,
    /// Where its files were written, when known.
    pub report_dir: Option<String>,
}

/// `step` again while SQLite says the database is busy or locked, for at most
/// [`BUSY_TIMEOUT`].
fn retry_busy<T>(mut step: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let started = std::time::Instant::now();
    loop {
        match step() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

impl Store {
    /// Opens (creating it and its directory when missing, readable by the user alone)
    /// and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_at_version(path, CURRENT_VERSION)
    }

    /// [`Store::open`], migrating no further than `version`: how a test makes a
    /// database of an older deep-review.
    pub fn open_at_version(path: &Path, version: u32) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let wrap = |source: rusqlite::Error| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        create_private(path);
        let mut conn = Connection::open(path).map_err(wrap)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(wrap)?;
        // WAL lets readers go on while one process writes; the mode is stored in the
        // file, so only the first open of a new database pays for it.
        // Switching a new file to WAL takes the file alone: a second process opening it
        // at the same moment gets SQLITE_BUSY at once, without the busy handler, so
        // the switch is retried within the busy timeout.
        retry_busy(|| {
            let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
            }
            Ok(())
        })
        .map_err(wrap)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(wrap)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(wrap)?;
        match schema::migrate_to(&mut conn, version) {
            Ok(()) => {}
            Err(StoreError::Sql(source)) => return Err(wrap(source)),
            Err(e) => return Err(e),
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    pub fn version(&self) -> Result<u32, StoreError> {
        schema::version(&self.conn)
    }

    /// This review's round and the previous review of the same target. A review
    /// already recorded (consolidated again) keeps its round and is compared with the
    /// one before it.
    pub fn prior(&self, review_id: &str, target: &Target) -> Result<Prior, StoreError> {
        let (round, previous) = self.round_and_previous(review_id, target)?;
        let previous = match previous {
            Some((row, id, earlier_round)) => Some(Previous {
                id,
                round: earlier_round,
                findings: self.findings_of(row)?,
            }),
            None => None,
        };
        Ok(Prior { round, previous })
    }

    /// This review's round alone (what [`Store::prior`] says), without reading the
    /// previous round's findings: for the prompt of a review about to run.
    pub fn round(&self, review_id: &str, target: &Target) -> Result<u32, StoreError> {
        Ok(self.round_and_previous(review_id, target)?.0)
    }

    /// The round, and the previous review's (row, id, round) when there is one.
    fn round_and_previous(
        &self,
        review_id: &str,
        target: &Target,
    ) -> Result<(u32, Option<PreviousRow>), StoreError> {
        let floor = target.round.max(1);
        let Some(key) = target_key(target) else {
            return Ok((floor, None));
        };
        let recorded: Option<u32> = self
            .conn
            .query_row(
                "SELECT r.round FROM reviews r JOIN targets t ON t.id = r.target_id
                 WHERE r.review_id = ?1 AND t.key = ?2",
                params![review_id, key],
                |r| r.get(0),
            )
            .optional()?;
        let previous: Option<PreviousRow> = self
            .conn
            .query_row(
                "SELECT r.id, r.review_id, r.round FROM reviews r JOIN targets t ON t.id = r.target_id
                 WHERE t.key = ?1 AND r.review_id <> ?2 AND r.round < ?3
                 ORDER BY r.round DESC, r.created_at DESC, r.id DESC LIMIT 1",
                params![key, review_id, recorded.unwrap_or(u32::MAX)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let round = match &previous {
            Some((_, _, round)) => recorded.unwrap_or(round + 1).max(floor),
            None => recorded.unwrap_or(1).max(floor),
        };
        Ok((round, previous))
    }

    fn findings_of(&self, review: i64) -> Result<Vec<EarlierFinding>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.local_id, f.severity, f.title, f.path, f.line_start, f.fingerprint, f.first_round,
                    (SELECT group_concat(DISTINCT m.reviewer) FROM finding_members m WHERE m.finding_id = f.id)
             FROM findings f WHERE f.review_id = ?1 ORDER BY f.id",
        )?;
        let rows = stmt.query_map([review], |r| {
            let severity: String = r.get(1)?;
            let reviewers: Option<String> = r.get(7)?;
            Ok(EarlierFinding {
                id: r.get(0)?,
                severity: Severity::from_word(&severity).unwrap_or(Severity::Suggestion),
                title: r.get(2)?,
                path: r.get(3)?,
                line_start: r.get(4)?,
                fingerprint: r.get(5)?,
                first_round: r.get(6)?,
                reviewers: names(reviewers),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Writes one review — its target, reviewer runs, findings with members, dropped
    /// items and raw reviews — in one transaction, replacing an earlier recording of
    /// the same review id. Text is masked as in every rendered output.
    pub fn record(
        &mut self,
        report: &Report,
        raw: &[RawReview],
        report_dir: Option<&Path>,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let t = &report.target;
        let key = target_key(t).unwrap_or_else(|| format!("review:{}", report.id));
        tx.execute(
            "INSERT INTO targets (key, kind, repo, number, branch) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(key) DO UPDATE SET kind = excluded.kind",
            params![key, t.kind, t.repo, t.number, t.branch],
        )?;
        let target_id: i64 =
            tx.query_row("SELECT id FROM targets WHERE key = ?1", [&key], |r| {
                r.get(0)
            })?;
        let mut counts = SeverityCounts::default();
        for f in &report.findings {
            counts.add(f.severity);
        }
        // A review recorded again (consolidated once more) keeps its row, so the raw
        // reviews that did not change are not written again, and its findings rows
        // when they are the same row for row (a work directory consolidated again as it
        // was: deleting and writing back thousands of rows is most of what recording
        // takes). Everything else it had is replaced.
        let rows = FindingRows::of(report);
        let earlier: Option<(i64, Option<String>)> = tx
            .query_row(
                "SELECT id, findings_digest FROM reviews WHERE review_id = ?1",
                [&report.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let same_findings = earlier
            .as_ref()
            .is_some_and(|(_, digest)| digest.as_deref() == Some(rows.digest.as_str()));
        let earlier = earlier.map(|(id, _)| id);
        if let Some(earlier) = earlier {
            let tables: &[&str] = if same_findings {
                &["reviewer_runs", "dropped_items"]
            } else {
                &["reviewer_runs", "findings", "dropped_items"]
            };
            for table in tables {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE review_id = ?1"),
                    [earlier],
                )?;
            }
        }
        tx.execute(
            "INSERT INTO reviews (review_id, target_id, round, created_at, recorded_at, title, base, head,
                decision, reason, critical, important, suggestion, dropped, wall_clock_ms, report_dir,
                findings_digest)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
             ON CONFLICT(review_id) DO UPDATE SET target_id = excluded.target_id,
                round = excluded.round, created_at = excluded.created_at,
                recorded_at = excluded.recorded_at, title = excluded.title, base = excluded.base,
                head = excluded.head, decision = excluded.decision, reason = excluded.reason,
                critical = excluded.critical, important = excluded.important,
                suggestion = excluded.suggestion, dropped = excluded.dropped,
                wall_clock_ms = excluded.wall_clock_ms, report_dir = excluded.report_dir,
                findings_digest = excluded.findings_digest",
            params![
                report.id,
                target_id,
                t.round.max(1),
                report.created_at,
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                report.title.as_deref().map(mask_secrets),
                t.base,
                t.head,
                report.verdict.decision.as_str(),
                mask_secrets(&report.verdict.reason),
                counts.critical,
                counts.important,
                counts.suggestion,
                report.dropped.len(),
                report.wall_clock_ms,
                report_dir.map(|d| d.display().to_string()),
                rows.digest,
            ],
        )?;
        let review: i64 = match earlier {
            Some(id) => id,
            None => tx.last_insert_rowid(),
        };
        {
            let mut run = tx.prepare_cached(
                "INSERT INTO reviewer_runs (review_id, reviewer, display, backend, model, effort, status,
                    error, reviewed, duration_ms, tokens_in, tokens_out, cost_usd, tool_calls,
                    critical, important, suggestion, unique_count, dropped, consolidated, agreed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                         ?20, ?21)
                 ON CONFLICT DO NOTHING",
            )?;
            for r in &report.reviewers {
                // The consolidated findings it is in, and of those, the ones another
                // reviewer raised too (what `stats` calls agreement).
                let mine = report
                    .findings
                    .iter()
                    .filter(|f| f.reviewers.contains(&r.name));
                let (consolidated, agreed) = mine.fold((0u32, 0u32), |(c, a), f| {
                    (c + 1, a + u32::from(f.reviewers.len() >= 2))
                });
                let tools = serde_json::to_string(&r.tool_calls).unwrap_or_else(|_| "{}".into());
                run.execute(params![
                    review,
                    r.name,
                    r.display,
                    r.backend,
                    r.model,
                    r.effort,
                    r.status,
                    r.error.as_deref().map(mask_secrets),
                    r.reviewed,
                    r.duration_ms,
                    r.tokens.map(|t| t.input),
                    r.tokens.map(|t| t.output),
                    r.cost_usd.filter(|c| c.is_finite()),
                    tools,
                    r.findings.critical,
                    r.findings.important,
                    r.findings.suggestion,
                    r.unique,
                    r.dropped,
                    consolidated,
                    agreed,
                ])?;
            }
            if !same_findings {
                let mut finding = tx.prepare_cached(
                    "INSERT INTO findings (review_id, local_id, severity, title, path, line_start, line_end,
                        fingerprint, reviewer_count, first_round, baseline, previous_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )?;
                let mut member = tx.prepare_cached(
                    "INSERT INTO finding_members (finding_id, reviewer, local_id, severity, title)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for row in &rows.findings {
                    let f = &row.values;
                    finding.execute(params![
                        review, f.0, f.1, f.2, f.3, f.4, f.5, f.6, f.7, f.8, f.9, f.10
                    ])?;
                    let id = tx.last_insert_rowid();
                    for m in &row.members {
                        member.execute(params![id, m.0, m.1, m.2, m.3])?;
                    }
                }
            }
            let mut dropped = tx.prepare_cached(
                "INSERT INTO dropped_items (review_id, reviewer, local_id, title, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for d in &report.dropped {
                dropped.execute(params![
                    review,
                    d.reviewer,
                    d.local_id,
                    mask_secrets(&d.title),
                    mask_secrets(&d.reason)
                ])?;
            }
            // The first text of a reviewer is its review; one unchanged since an earlier
            // recording is left as it is.
            let mut text = tx.prepare_cached(
                "INSERT INTO raw_reviews (review_id, reviewer, text) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO UPDATE SET text = excluded.text WHERE text <> excluded.text",
            )?;
            let mut kept: Vec<&str> = Vec::with_capacity(raw.len());
            for r in raw {
                if kept.contains(&r.reviewer.as_str()) {
                    continue;
                }
                kept.push(&r.reviewer);
                text.execute(params![review, r.reviewer, mask_secrets(&r.text)])?;
            }
            if earlier.is_some() {
                let recorded: Vec<String> = tx
                    .prepare("SELECT reviewer FROM raw_reviews WHERE review_id = ?1")?
                    .query_map([review], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                for gone in recorded.iter().filter(|r| !kept.contains(&r.as_str())) {
                    tx.execute(
                        "DELETE FROM raw_reviews WHERE review_id = ?1 AND reviewer = ?2",
                        params![review, gone],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes review `id` and everything recorded with it (a recording whose report
    /// files could not be written).
    pub fn forget(&mut self, id: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM reviews WHERE review_id = ?1", [id])?;
        Ok(())
    }

    /// Past reviews, newest first.
    pub fn history(&self, query: &HistoryQuery) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT r.review_id, r.created_at, t.kind, t.repo, t.number, t.branch, r.round, r.title,
                    r.head, r.decision, r.reason, r.critical, r.important, r.suggestion, r.dropped,
                    (SELECT group_concat(rr.reviewer) FROM reviewer_runs rr WHERE rr.review_id = r.id),
                    r.report_dir
             FROM reviews r JOIN targets t ON t.id = r.target_id
             WHERE (?1 IS NULL OR t.key = ?1) AND (?2 IS NULL OR t.branch = ?2) AND (?3 IS NULL OR t.repo = ?3)
             ORDER BY r.created_at DESC, r.round DESC, r.id DESC
             LIMIT ?4",
        )?;
        let limit = query
            .limit
            .and_then(|n| i64::try_from(n).ok())
            .unwrap_or(-1);
        let rows = stmt.query_map(params![query.key, query.branch, query.repo, limit], |r| {
            let decision: String = r.get(9)?;
            let reviewers: Option<String> = r.get(15)?;
            Ok(HistoryEntry {
                id: r.get(0)?,
                created_at: r.get(1)?,
                kind: r.get(2)?,
                repo: r.get(3)?,
                number: r.get(4)?,
                branch: r.get(5)?,
                round: r.get(6)?,
                title: r.get(7)?,
                head: r.get(8)?,
                decision: decision_of(&decision),
                reason: r.get(10)?,
                findings: SeverityCounts {
                    critical: r.get(11)?,
                    important: r.get(12)?,
                    suggestion: r.get(13)?,
                },
                dropped: r.get(14)?,
                reviewers: names(reviewers),
                report_dir: r.get(16)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// Creates a missing database file readable by the user alone (it holds the reviews'
/// text); SQLite gives its `-wal` and `-shm` files the same mode. Failing here is not
/// an error of its own: opening the database reports it.
fn create_private(path: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
}

/// The previous review of a target: its row, review id and round.
type PreviousRow = (i64, String, u32);

/// A comma-separated `group_concat` column as its list.
fn names(column: Option<String>) -> Vec<String> {
    column
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_default()
}

fn decision_of(word: &str) -> Decision {
    [
        Decision::Rework,
        Decision::MergeWithFixes,
        Decision::MergeAsIs,
        Decision::Incomplete,
    ]
    .into_iter()
    .find(|d| d.as_str() == word)
    .unwrap_or(Decision::Incomplete)
}

/// A review's findings and their members as the history stores them (text masked, in
/// report order), with a digest of all of it: a recording whose digest is the earlier
/// recording's holds the same rows.
struct FindingRows<'r> {
    findings: Vec<FindingRow<'r>>,
    digest: String,
}

/// The values of one `findings` row (its review aside) and of its `finding_members`
/// rows (their finding aside), in column order.
struct FindingRow<'r> {
    values: FindingValues<'r>,
    members: Vec<(&'r str, &'r str, &'static str, Cow<'r, str>)>,
}

/// local_id, severity, title, path, line_start, line_end, fingerprint, reviewer_count,
/// first_round, baseline, previous_id.
type FindingValues<'r> = (
    &'r str,
    &'static str,
    Cow<'r, str>,
    Option<&'r str>,
    Option<u32>,
    Option<u32>,
    String,
    usize,
    u32,
    &'static str,
    Option<&'r str>,
);

impl<'r> FindingRows<'r> {
    fn of(report: &'r Report) -> FindingRows<'r> {
        let round = report.target.round.max(1);
        let lives = report
            .history
            .as_ref()
            .map(HistoryLink::lifecycles)
            .unwrap_or_default();
        let findings: Vec<FindingRow<'r>> = report
            .findings
            .iter()
            .map(|f| {
                let life = lives.get(f.id.as_str());
                let loc = f.location.as_ref();
                FindingRow {
                    values: (
                        f.id.as_str(),
                        f.severity.as_str(),
                        mask_secrets(&f.title),
                        loc.map(|l| l.path.as_str()),
                        loc.and_then(|l| l.line_start),
                        loc.and_then(|l| l.line_end),
                        f.identity(),
                        f.reviewers.len(),
                        life.map_or(round, |l| l.first_round),
                        life.map_or(BaselineState::New, |l| l.state).as_str(),
                        life.and_then(|l| l.previous_id.as_deref()),
                    ),
                    members: f
                        .members
                        .iter()
                        .map(|m| {
                            (
                                m.reviewer.as_str(),
                                m.local_id.as_str(),
                                m.severity.as_str(),
                                mask_secrets(&m.title),
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        // The build is part of the digest: another may store the rows otherwise, and
        // the hasher may change between Rust releases (a digest that differs only
        // means the rows are written again).
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        CURRENT_VERSION.hash(&mut hasher);
        for row in &findings {
            row.values.hash(&mut hasher);
            row.members.hash(&mut hasher);
        }
        FindingRows {
            findings,
            digest: format!("{:016x}", hasher.finish()),
        }
    }
}
