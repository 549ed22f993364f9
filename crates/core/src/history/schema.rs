//! The store's schema as a `PRAGMA user_version` ladder: migration N takes a database
//! at version N-1 to version N. Each runs in its own transaction with the version bump,
//! so a crash leaves the database at one rung; opening an up-to-date database runs
//! nothing, and a database from a newer deep-review is refused rather than guessed at.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Migration `i` (0-based) takes the database from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: targets, reviews, reviewer runs, consolidated findings and their members.
    "
    CREATE TABLE targets (
        id      INTEGER PRIMARY KEY,
        key     TEXT NOT NULL UNIQUE,
        kind    TEXT NOT NULL,
        repo    TEXT,
        number  INTEGER,
        branch  TEXT
    );
    CREATE TABLE reviews (
        id            INTEGER PRIMARY KEY,
        review_id     TEXT NOT NULL UNIQUE,
        target_id     INTEGER NOT NULL REFERENCES targets(id),
        round         INTEGER NOT NULL,
        created_at    TEXT NOT NULL,
        recorded_at   TEXT NOT NULL,
        title         TEXT,
        base          TEXT,
        head          TEXT,
        decision      TEXT NOT NULL,
        reason        TEXT NOT NULL,
        critical      INTEGER NOT NULL,
        important     INTEGER NOT NULL,
        suggestion    INTEGER NOT NULL,
        dropped       INTEGER NOT NULL,
        wall_clock_ms INTEGER,
        report_dir    TEXT
    );
    CREATE TABLE reviewer_runs (
        review_id    INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        reviewer     TEXT NOT NULL,
        display      TEXT NOT NULL,
        backend      TEXT,
        model        TEXT,
        effort       TEXT,
        status       TEXT NOT NULL,
        error        TEXT,
        reviewed     INTEGER NOT NULL,
        duration_ms  INTEGER,
        tokens_in    INTEGER,
        tokens_out   INTEGER,
        cost_usd     REAL,
        tool_calls   TEXT NOT NULL,
        critical     INTEGER NOT NULL,
        important    INTEGER NOT NULL,
        suggestion   INTEGER NOT NULL,
        unique_count INTEGER NOT NULL,
        dropped      INTEGER NOT NULL,
        consolidated INTEGER NOT NULL,
        agreed       INTEGER NOT NULL,
        PRIMARY KEY (review_id, reviewer)
    );
    CREATE TABLE findings (
        id              INTEGER PRIMARY KEY,
        review_id       INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        local_id        TEXT NOT NULL,
        severity        TEXT NOT NULL,
        title           TEXT NOT NULL,
        path            TEXT,
        line_start      INTEGER,
        line_end        INTEGER,
        fingerprint     TEXT NOT NULL,
        reviewer_count  INTEGER NOT NULL,
        first_round     INTEGER NOT NULL,
        baseline        TEXT NOT NULL,
        previous_id     TEXT
    );
    CREATE TABLE finding_members (
        finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
        reviewer   TEXT NOT NULL,
        local_id   TEXT NOT NULL,
        severity   TEXT NOT NULL,
        title      TEXT NOT NULL
    );
    ",
    // 2: the raw reviews and dropped items (nothing a reviewer said is lost), and the
    // indexes `history` and `stats` read through.
    "
    CREATE TABLE raw_reviews (
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        reviewer  TEXT NOT NULL,
        text      TEXT NOT NULL,
        PRIMARY KEY (review_id, reviewer)
    );
    CREATE TABLE dropped_items (
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        reviewer  TEXT NOT NULL,
        local_id  TEXT NOT NULL,
        title     TEXT NOT NULL,
        reason    TEXT NOT NULL
    );
    CREATE INDEX reviews_by_target ON reviews(target_id, round);
    CREATE INDEX reviews_by_time ON reviews(created_at);
    CREATE INDEX findings_by_review ON findings(review_id, fingerprint);
    CREATE INDEX findings_by_previous ON findings(review_id, previous_id);
    CREATE INDEX members_by_finding ON finding_members(finding_id);
    ",
    // 3: a digest of each review's findings rows, so a review recorded again with the
    // same findings keeps them instead of deleting and writing them back.
    "
    ALTER TABLE reviews ADD COLUMN findings_digest TEXT;
    ",
];

/// The version this build writes.
pub const CURRENT_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to `target` (at most [`CURRENT_VERSION`]); refuses a newer one.
/// Each rung reads the version inside a write transaction, so two processes opening a
/// new database at once apply each migration once.
pub(super) fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    let target = target.min(CURRENT_VERSION);
    // Up to date (the common case): read without taking the write lock, so opening the
    // history never queues behind another review's recording.
    let found = version(conn)?;
    if found > CURRENT_VERSION {
        return Err(StoreError::TooNew {
            found,
            known: CURRENT_VERSION,
        });
    }
    if found >= target {
        return Ok(());
    }
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = version(&tx)?;
        if found > CURRENT_VERSION {
            return Err(StoreError::TooNew {
                found,
                known: CURRENT_VERSION,
            });
        }
        if found >= target {
            return Ok(());
        }
        tx.execute_batch(MIGRATIONS[found as usize])?;
        tx.pragma_update(None, "user_version", found + 1)?;
        tx.commit()?;
    }
}

pub(super) fn version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}
