//! The review history end to end: migrations, concurrent writers, finding lifecycle
//! across two rounds of a branch (through `consolidate_dir`, as a review does it),
//! stats against figures computed by hand, and a store that cannot be written.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};

use deep_review_core::history::{self, HistoryQuery, StatsQuery, Store, CURRENT_VERSION};
use deep_review_core::model::{RunRecord, RunStatus, Tokens};
use deep_review_core::options::Format;
use deep_review_core::pipeline::{consolidate_dir, ConsolidateOptions, Consolidated};
use deep_review_core::report::{BaselineState, Target};
use deep_review_core::workdir::{layout, Manifest, WorkDir};

/// One reviewer's part of a review directory: its review text and run figures.
struct Seat<'a> {
    name: &'a str,
    text: String,
    duration_ms: u64,
    tokens: (u64, u64),
    cost: Option<f64>,
}

fn seat<'a>(
    name: &'a str,
    text: String,
    duration_ms: u64,
    tokens: (u64, u64),
    cost: Option<f64>,
) -> Seat<'a> {
    Seat {
        name,
        text,
        duration_ms,
        tokens,
        cost,
    }
}

/// A work directory `root/id` of a local review of `branch` in `acme/app`.
fn review_dir(root: &Path, id: &str, branch: &str, seats: &[Seat<'_>]) -> PathBuf {
    let dir = root.join(id);
    std::fs::create_dir_all(&dir).unwrap();
    let wd = WorkDir::open(&dir);
    // The review's time is the one its id says.
    let at = chrono::NaiveDateTime::parse_from_str(&id[..15], "%Y%m%d-%H%M%S")
        .unwrap()
        .and_utc();
    wd.write_manifest(&Manifest::new(id, at, &[])).unwrap();
    wd.write_report_target(&Target {
        kind: "local".into(),
        repo: Some("acme/app".into()),
        branch: Some(branch.into()),
        round: 1,
        ..Target::default()
    })
    .unwrap();
    for s in seats {
        wd.write_file(&layout::review_file(s.name, 1), &s.text)
            .unwrap();
        let record = RunRecord {
            name: s.name.to_string(),
            status: RunStatus::Ok,
            duration_ms: Some(s.duration_ms),
            tokens: Some(Tokens {
                input: s.tokens.0,
                output: s.tokens.1,
                ..Tokens::default()
            }),
            cost_usd: s.cost,
            ..RunRecord::default()
        };
        wd.write_file(
            &layout::run_record_file(s.name),
            &serde_json::to_string(&record).unwrap(),
        )
        .unwrap();
    }
    dir
}

/// A finding in a reviewer's Markdown, with a quoted snippet.
fn item(id: &str, title: &str, at: &str, snippet: &str) -> String {
    format!("{id}. **{title}** — `{at}`\n\n```rust\n{snippet}\n```\n\n")
}

fn important(items: &[String]) -> String {
    format!("## Important\n\n{}", items.concat())
}

/// One reviewer's review with one important finding, the unchecked index.
fn unchecked_index() -> String {
    important(&[item(
        "I1",
        "Unchecked index in `pick`",
        "src/lib.rs:3",
        "let x = v[i];",
    )])
}

/// A review of `feat` at `id` in `root` by one reviewer who found [`unchecked_index`].
fn one_finding_review(root: &Path, id: &str) -> PathBuf {
    review_dir(
        root,
        id,
        "feat",
        &[seat("a", unchecked_index(), 10, (1, 1), None)],
    )
}

fn consolidate(dir: &Path, db: &Path) -> Consolidated {
    let mut opts = ConsolidateOptions::new(dir);
    opts.formats = vec![Format::Markdown, Format::Json, Format::Sarif];
    opts.history = Some(db.to_path_buf());
    consolidate_dir(&opts).unwrap()
}

#[test]
fn migrations_run_once_upgrade_an_older_database_and_refuse_a_newer_one() {
    let tmp = tempfile::tempdir().unwrap();
    // An empty database gets every migration; opening it again changes nothing.
    let fresh = tmp.path().join("new/history.sqlite3");
    assert_eq!(
        Store::open(&fresh).unwrap().version().unwrap(),
        CURRENT_VERSION
    );
    assert_eq!(
        Store::open(&fresh).unwrap().version().unwrap(),
        CURRENT_VERSION
    );
    // The ladder has an older rung to upgrade from.
    const { assert!(CURRENT_VERSION >= 2) };

    // A database an older deep-review left (schema 1, one review in it) is upgraded,
    // its review kept.
    let old = tmp.path().join("old.sqlite3");
    assert_eq!(
        Store::open_at_version(&old, 1).unwrap().version().unwrap(),
        1
    );
    {
        let conn = rusqlite::Connection::open(&old).unwrap();
        conn.execute_batch(
            "INSERT INTO targets (id, key, kind, repo, branch) VALUES (1, 'branch:acme/app:feat', 'local', 'acme/app', 'feat');
             INSERT INTO reviews (review_id, target_id, round, created_at, recorded_at, decision, reason,
                                  critical, important, suggestion, dropped)
             VALUES ('20260101-000000-feat', 1, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z',
                     'merge_as_is', 'fine', 0, 0, 2, 0);",
        )
        .unwrap();
        // Schema 1 has no raw reviews yet.
        assert!(conn
            .execute(
                "INSERT INTO raw_reviews (review_id, reviewer, text) VALUES (1, 'a', 'x')",
                []
            )
            .is_err());
    }
    let store = Store::open(&old).unwrap();
    assert_eq!(store.version().unwrap(), CURRENT_VERSION);
    let entries = store.history(&HistoryQuery::default()).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].id, "20260101-000000-feat");
    assert_eq!(entries[0].findings.suggestion, 2);
    drop(store);

    // A database from a newer deep-review is refused, and the message says what to do.
    rusqlite::Connection::open(&old)
        .unwrap()
        .pragma_update(None, "user_version", CURRENT_VERSION + 7)
        .unwrap();
    let err = Store::open(&old).unwrap_err().to_string();
    assert!(err.contains("newer deep-review"), "{err}");
    assert!(
        err.contains(&format!("schema version {}", CURRENT_VERSION + 7)),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
}

/// Two writers that start at the same moment on a database that does not exist yet
/// (both migrate it, both write) land every review.
#[test]
fn concurrent_writers_both_land() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("history.sqlite3");
    let reviews = tmp.path().join("reviews");
    let text = unchecked_index();
    let dirs: Vec<Vec<PathBuf>> = (0..2)
        .map(|w| {
            (0..12)
                .map(|k| {
                    review_dir(
                        &reviews,
                        &format!("20260102-0000{k:02}-w{w}"),
                        &format!("writer-{w}"),
                        &[seat("a", text.clone(), 10, (1, 1), None)],
                    )
                })
                .collect()
        })
        .collect();
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = dirs
        .into_iter()
        .map(|dirs| {
            let (db, barrier) = (db.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                for dir in dirs {
                    let done = consolidate(&dir, &db);
                    assert!(done.notes.is_empty(), "{:?}", done.notes);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let store = Store::open(&db).unwrap();
    let all = store.history(&HistoryQuery::default()).unwrap();
    assert_eq!(all.len(), 24);
    for w in 0..2 {
        let mine = store
            .history(&HistoryQuery {
                branch: Some(format!("writer-{w}")),
                ..HistoryQuery::default()
            })
            .unwrap();
        // Each writer's reviews are rounds 1..=12 of its branch, newest first.
        let rounds: Vec<u32> = mine.iter().map(|e| e.round).collect();
        assert_eq!(rounds, (1..=12).rev().collect::<Vec<u32>>(), "writer {w}");
    }
}

/// Round 1 raises three findings; in round 2 one is fixed, one stays where it was, one
/// moved 40 lines down. The moved one keeps its fingerprint: still open, not new.
#[test]
fn second_round_classifies_earlier_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("history.sqlite3");
    let fixed = |line: u32| {
        item(
            "I1",
            "Unbounded retry loop in `fetch`",
            &format!("src/net.rs:{line}"),
            "loop { client.get(url)?; }",
        )
    };
    let stays = |line: u32| {
        item(
            "I2",
            "Token written to the debug log",
            &format!("src/auth.rs:{line}"),
            "debug!(\"token={}\", token);",
        )
    };
    let moves = |line: u32| {
        item(
            "I3",
            "Cache key ignores the locale",
            &format!("src/cache.rs:{line}"),
            "let key = format!(\"{}\", path);",
        )
    };
    let r1 = review_dir(
        tmp.path(),
        "20260103-100000-feat",
        "feat",
        &[seat(
            "a",
            important(&[fixed(12), stays(30), moves(8)]),
            1000,
            (10, 5),
            None,
        )],
    );
    let first = consolidate(&r1, &db);
    assert!(first.notes.is_empty(), "{:?}", first.notes);
    assert_eq!(first.report.target.round, 1);
    assert_eq!(
        first.report.history, None,
        "a first round has nothing to compare with"
    );
    assert_eq!(first.report.findings.len(), 3);

    let r2 = review_dir(
        tmp.path(),
        "20260104-100000-feat",
        "feat",
        &[seat(
            "a",
            important(&[stays(30), moves(48)]),
            1000,
            (10, 5),
            None,
        )],
    );
    let second = consolidate(&r2, &db);
    assert!(second.notes.is_empty(), "{:?}", second.notes);
    let report = &second.report;
    assert_eq!(report.target.round, 2, "the round comes from the store");
    let link = report.history.as_ref().expect("compared with round 1");
    assert_eq!(link.previous_id, "20260103-100000-feat");
    assert_eq!(link.previous_round, 1);
    let title_of = |id: &str| {
        report
            .findings
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.title.clone())
            .unwrap()
    };
    let mut states: Vec<(String, BaselineState, u32)> = link
        .findings
        .iter()
        .map(|l| (title_of(&l.id), l.state, l.first_round))
        .collect();
    states.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        states,
        [
            (
                "Cache key ignores the locale".to_string(),
                BaselineState::Unchanged,
                1
            ),
            (
                "Token written to the debug log".to_string(),
                BaselineState::Unchanged,
                1
            ),
        ]
    );
    let moved = report
        .findings
        .iter()
        .find(|f| f.title.starts_with("Cache key"))
        .unwrap();
    let earlier = first
        .report
        .findings
        .iter()
        .find(|f| f.title.starts_with("Cache key"))
        .unwrap();
    assert_eq!(moved.location.as_ref().unwrap().line_start, Some(48));
    assert_eq!(moved.fingerprint, earlier.fingerprint);
    assert_eq!(link.resolved.len(), 1);
    assert!(link.resolved[0].title.starts_with("Unbounded retry loop"));

    // Unresolved Feedback names what is still open and the round that raised it.
    let open: Vec<&str> = report
        .unresolved_feedback
        .iter()
        .filter(|f| f.status == "open")
        .map(|f| f.text.as_str())
        .collect();
    assert_eq!(open.len(), 2, "{open:?}");
    assert!(
        open.iter().all(|t| t.contains("raised in round 1")),
        "{open:?}"
    );
    let md = std::fs::read_to_string(second.review_md().unwrap()).unwrap();
    let section = md.split("## Unresolved Feedback").nth(1).unwrap();
    let section = section.split("\n## ").next().unwrap();
    assert!(
        section.contains("Token written to the debug log"),
        "{section}"
    );
    assert!(section.contains("deep-review round 1"), "{section}");
    assert!(
        section.contains("**addressed**") && section.contains("Unbounded retry loop"),
        "{section}"
    );

    // SARIF: unchanged results, and the fixed one as absent.
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(r2.join(layout::report_file(Format::Sarif))).unwrap(),
    )
    .unwrap();
    let mut baseline: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    baseline.sort_unstable();
    assert_eq!(baseline, ["absent", "unchanged", "unchanged"]);

    // Consolidating round 2 again keeps it round 2 (and compares with round 1 again).
    let again = consolidate(&r2, &db);
    assert_eq!(again.report.target.round, 2);
    assert_eq!(again.report.history, second.report.history);
    let store = Store::open(&db).unwrap();
    assert_eq!(store.history(&HistoryQuery::default()).unwrap().len(), 2);

    // A third round that raises the fixed issue again in new words, in the same file,
    // is `updated`, not new; the one first raised in round 1 still says round 1.
    let r3 = review_dir(
        tmp.path(),
        "20260105-100000-feat",
        "feat",
        &[seat(
            "a",
            important(&[
                stays(31),
                item(
                    "I9",
                    "Cache key ignores the user's locale setting",
                    "src/cache.rs:50",
                    "let key = cache_key(path);",
                ),
            ]),
            1000,
            (10, 5),
            None,
        )],
    );
    let third = consolidate(&r3, &db);
    let link = third.report.history.as_ref().unwrap();
    assert_eq!(third.report.target.round, 3);
    let mut states: Vec<(BaselineState, u32)> = link
        .findings
        .iter()
        .map(|l| (l.state, l.first_round))
        .collect();
    states.sort_by_key(|s| s.0.as_str());
    assert_eq!(
        states,
        [(BaselineState::Unchanged, 1), (BaselineState::Updated, 1)]
    );
}

/// Stats over a small history, every figure computed by hand:
///
/// | review | target | a | b |
/// | --- | --- | --- | --- |
/// | r1 | feat, round 1 | I "Off-by-one" (shared with b), I "Helper duplicates" | I "Off-by-one", I "SQL built by concatenation" |
/// | r2 | feat, round 2 | I "Off-by-one" (still open) | I "Pager lacks docs" (new) |
/// | r3 | other, round 1 | I "Leaked file handle" | — |
#[test]
fn stats_match_hand_computed_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("history.sqlite3");
    let off_by_one = item(
        "I1",
        "Off-by-one in the page count",
        "src/page.rs:10",
        "let pages = total / size;",
    );
    let helper = item(
        "I2",
        "Helper duplicates the page arithmetic",
        "src/util.rs:3",
        "fn pages(t: u32) -> u32 { t / 10 }",
    );
    let sql = item(
        "I2",
        "SQL built by string concatenation",
        "src/db.rs:20",
        "let q = format!(\"SELECT * FROM t WHERE id = {}\", id);",
    );
    let docs = item(
        "I1",
        "Pager lacks its safety documentation",
        "src/pager.rs:1",
        "pub unsafe fn raw_page(ptr: *const u8)",
    );
    let handle = item(
        "I1",
        "Leaked file handle on the error path",
        "src/io.rs:5",
        "let f = File::open(path)?;",
    );
    let r1 = review_dir(
        tmp.path(),
        "20260201-100000-feat",
        "feat",
        &[
            seat(
                "a",
                important(&[off_by_one.clone(), helper]),
                60_000,
                (1000, 200),
                Some(0.50),
            ),
            seat(
                "b",
                important(&[off_by_one.clone(), sql]),
                120_000,
                (2000, 400),
                Some(1.00),
            ),
        ],
    );
    let r2 = review_dir(
        tmp.path(),
        "20260202-100000-feat",
        "feat",
        &[
            seat(
                "a",
                important(&[off_by_one]),
                90_000,
                (1500, 300),
                Some(0.70),
            ),
            seat("b", important(&[docs]), 30_000, (500, 100), Some(0.20)),
        ],
    );
    let r3 = review_dir(
        tmp.path(),
        "20260301-100000-other",
        "other",
        &[seat("a", important(&[handle]), 100_000, (100, 10), None)],
    );
    let counts: Vec<usize> = [r1, r2, r3]
        .iter()
        .map(|d| {
            let done = consolidate(d, &db);
            assert!(done.notes.is_empty(), "{:?}", done.notes);
            done.report.findings.len()
        })
        .collect();
    assert_eq!(counts, [3, 2, 1], "the shared finding is one finding");

    let store = Store::open(&db).unwrap();
    let stats = store.stats(&StatsQuery::default()).unwrap();
    assert_eq!(stats.reviews, 3);
    let names: Vec<&str> = stats.reviewers.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["a", "b"], "most unique findings first");
    let (a, b) = (&stats.reviewers[0], &stats.reviewers[1]);

    assert_eq!((a.reviews, a.reviewed), (3, 3));
    assert_eq!(
        (
            a.findings.critical,
            a.findings.important,
            a.findings.suggestion
        ),
        (0, 4, 0)
    );
    // Unique: r1's helper, r2's off-by-one (b did not raise it again), r3's handle.
    assert_eq!(a.unique, 3);
    // Member of 4 findings, one shared (r1's off-by-one).
    assert_eq!(a.consolidated, 4);
    assert_eq!(a.agreement_rate, Some(0.25));
    assert_eq!((a.dropped, a.dropped_rate), (0, Some(0.0)));
    // Median of 60 s, 90 s, 100 s.
    assert_eq!(a.median_duration_ms, Some(90_000));
    assert_eq!((a.tokens_input, a.tokens_output), (2600, 510));
    // r3 reported no cost: the sum is of what is known.
    assert_close(a.cost_usd, 1.20);
    assert_close(a.cost_per_unique, 0.40);
    // Followed up: r1's two findings (r2 is feat's round 2); the helper one was fixed.
    assert_eq!((a.followed_up, a.fixed), (2, 1));
    assert_eq!(a.fixed_rate, Some(0.5));

    assert_eq!((b.reviews, b.reviewed), (2, 2));
    assert_eq!(
        (
            b.findings.critical,
            b.findings.important,
            b.findings.suggestion
        ),
        (0, 3, 0)
    );
    assert_eq!(b.unique, 2);
    assert_eq!(b.consolidated, 3);
    assert_eq!(b.agreement_rate, Some(1.0 / 3.0));
    // Median of 30 s and 120 s.
    assert_eq!(b.median_duration_ms, Some(75_000));
    assert_eq!((b.tokens_input, b.tokens_output), (2500, 500));
    assert_close(b.cost_usd, 1.20);
    assert_close(b.cost_per_unique, 0.60);
    // r1's off-by-one stayed open, its SQL finding was fixed.
    assert_eq!((b.followed_up, b.fixed), (2, 1));

    // Month by month: a was in r1 and r2 in February, r3 in March.
    let months: Vec<(&str, u64, u64, u64)> = a
        .trend
        .iter()
        .map(|p| (p.month.as_str(), p.reviews, p.findings, p.unique))
        .collect();
    assert_eq!(months, [("2026-02", 2, 3, 2), ("2026-03", 1, 1, 1)]);
    assert_eq!(a.trend[0].agreement_rate, Some(1.0 / 3.0));
    assert_close(a.trend[0].cost_usd, 1.20);
    assert_eq!(a.trend[1].cost_usd, None);
    assert_eq!(b.trend.len(), 1);

    // --since keeps r3 only; --repo of another repository keeps nothing.
    let since = store
        .stats(&StatsQuery {
            since: Some("2026-03-01".into()),
            repo: None,
        })
        .unwrap();
    assert_eq!(since.reviews, 1);
    assert_eq!(since.reviewers.len(), 1);
    assert_eq!(
        (since.reviewers[0].name.as_str(), since.reviewers[0].unique),
        ("a", 1)
    );
    assert_eq!(since.reviewers[0].followed_up, 0);
    assert_eq!(since.reviewers[0].fixed_rate, None);
    let other = store
        .stats(&StatsQuery {
            since: None,
            repo: Some("someone/else".into()),
        })
        .unwrap();
    assert_eq!((other.reviews, other.reviewers.len()), (0, 0));
}

fn assert_close(value: Option<f64>, expected: f64) {
    let v = value.unwrap_or(f64::NAN);
    assert!((v - expected).abs() < 1e-9, "{value:?} != {expected}");
}

/// A store that cannot be written leaves the same complete report, plus a note.
#[test]
fn unwritable_store_leaves_a_complete_report_and_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = one_finding_review(tmp.path(), "20260401-000000-feat");
    let mut opts = ConsolidateOptions::new(&dir);
    opts.formats = vec![Format::Markdown, Format::Json, Format::Sarif];
    let without = consolidate_dir(&opts).unwrap();
    let files = |done: &Consolidated| -> Vec<(PathBuf, String)> {
        done.written
            .iter()
            .map(|p| (p.clone(), std::fs::read_to_string(p).unwrap()))
            .collect()
    };
    let expected = files(&without);
    assert_eq!(expected.len(), 3);

    // A file that is not a database, and a path below a regular file (no directory
    // can be made there): both fail for root too.
    let garbage = tmp.path().join("garbage.sqlite3");
    std::fs::write(&garbage, vec![0x5a; 4096]).unwrap();
    let below_file = tmp.path().join("garbage.sqlite3/history.sqlite3");
    for db in [garbage, below_file] {
        opts.history = Some(db.clone());
        let done = consolidate_dir(&opts).unwrap();
        assert_eq!(files(&done), expected, "{}", db.display());
        assert_eq!(done.notes.len(), 1, "{:?}", done.notes);
        assert!(
            done.notes[0].starts_with("no review history for this review: "),
            "{:?}",
            done.notes
        );
        assert!(done.notes[0].contains("--no-history"), "{:?}", done.notes);
    }
}

/// Consolidating the same review again replaces its recording: one review row (the same
/// one), the new findings and runs, the changed raw review rewritten, an unchanged one
/// kept, and the raw review of a reviewer no longer there removed.
#[test]
fn consolidating_again_replaces_the_recording() {
    let tmp = tempfile::tempdir().unwrap();
    let id = "20260402-000000-feat";
    let rename = important(&[item(
        "I1",
        "Rename loses the old file's mode",
        "src/fs.rs:9",
        "fs::rename(a, b)?;",
    )]);
    let dir = review_dir(
        tmp.path(),
        id,
        "feat",
        &[
            seat("a", unchecked_index(), 10, (1, 1), None),
            seat("b", rename.clone(), 10, (1, 1), None),
            seat("c", unchecked_index(), 10, (1, 1), None),
        ],
    );
    let db = tmp.path().join("history.sqlite3");
    consolidate(&dir, &db);
    let row_of = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("SELECT id FROM reviews WHERE review_id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
    };
    let first_row = row_of(&rusqlite::Connection::open(&db).unwrap());

    // Reviewer a now finds the rename too; b is gone; c is unchanged.
    let both = important(&[
        item(
            "I1",
            "Unchecked index in `pick`",
            "src/lib.rs:3",
            "let x = v[i];",
        ),
        item(
            "I2",
            "Rename loses the old file's mode",
            "src/fs.rs:9",
            "fs::rename(a, b)?;",
        ),
    ]);
    std::fs::write(dir.join(layout::review_file("a", 1)), &both).unwrap();
    std::fs::remove_file(dir.join(layout::review_file("b", 1))).unwrap();
    std::fs::remove_file(dir.join(layout::run_record_file("b"))).unwrap();
    let again = consolidate(&dir, &db);
    assert_eq!(again.report.findings.len(), 2);

    let conn = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM reviews"), 1);
    assert_eq!(row_of(&conn), first_row);
    assert_eq!(count("SELECT count(*) FROM findings"), 2);
    assert_eq!(count("SELECT count(*) FROM finding_members"), 3);
    assert_eq!(count("SELECT count(*) FROM reviewer_runs"), 2);
    let raw: Vec<(String, String)> = conn
        .prepare("SELECT reviewer, text FROM raw_reviews ORDER BY reviewer")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        raw,
        vec![
            ("a".to_string(), both.trim_end().to_string()),
            ("c".to_string(), unchecked_index().trim_end().to_string())
        ]
    );
    assert_eq!(
        conn.query_row(
            "SELECT critical + important + suggestion FROM reviews WHERE review_id = ?1",
            [id],
            |r| r.get::<_, i64>(0)
        )
        .unwrap(),
        2
    );
}

/// A work directory consolidated again as it was keeps its findings rows: none is
/// deleted or written back (a trigger counts the writes); once a review changes, they
/// are replaced.
#[test]
fn consolidating_again_unchanged_keeps_the_findings_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let id = "20260403-000000-feat";
    let dir = review_dir(
        tmp.path(),
        id,
        "feat",
        &[
            seat("a", unchecked_index(), 10, (1, 1), None),
            seat("b", unchecked_index(), 10, (1, 1), None),
        ],
    );
    let db = tmp.path().join("history.sqlite3");
    consolidate(&dir, &db);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE writes (n INTEGER NOT NULL);
         INSERT INTO writes VALUES (0);
         CREATE TRIGGER finding_in AFTER INSERT ON findings BEGIN UPDATE writes SET n = n + 1; END;
         CREATE TRIGGER finding_out AFTER DELETE ON findings BEGIN UPDATE writes SET n = n + 1; END;
         CREATE TRIGGER member_in AFTER INSERT ON finding_members BEGIN UPDATE writes SET n = n + 1; END;",
    )
    .unwrap();
    let writes = || -> i64 {
        conn.query_row("SELECT n FROM writes", [], |r| r.get(0))
            .unwrap()
    };
    let stored = || -> (String, i64, i64) {
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        (
            conn.query_row("SELECT group_concat(title, '|') FROM findings", [], |r| {
                r.get(0)
            })
            .unwrap(),
            count("SELECT count(*) FROM finding_members"),
            count("SELECT count(*) FROM reviewer_runs"),
        )
    };
    let first = stored();
    assert_eq!((first.1, first.2), (2, 2), "{first:?}");

    consolidate(&dir, &db);
    assert_eq!(
        writes(),
        0,
        "an unchanged consolidation rewrote its findings"
    );
    assert_eq!(stored(), first);

    let renamed = important(&[item(
        "I1",
        "Unchecked index in `pick_one`",
        "src/lib.rs:3",
        "let x = v[i];",
    )]);
    std::fs::write(dir.join(layout::review_file("a", 1)), &renamed).unwrap();
    std::fs::write(dir.join(layout::review_file("b", 1)), &renamed).unwrap();
    consolidate(&dir, &db);
    // One finding out, one in with its two members.
    assert_eq!(writes(), 4, "changed findings were not written again");
    let changed = stored();
    assert!(changed.0.contains("pick_one"), "{changed:?}");
    assert_eq!((changed.1, changed.2), (2, 2), "{changed:?}");
}

/// Report files that cannot be written: the consolidation fails, and the history keeps
/// no entry pointing at them (it was recorded alongside, then taken back).
#[test]
fn a_report_that_cannot_be_written_is_not_kept_in_the_history() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = one_finding_review(tmp.path(), "20260401-000000-feat");
    // A directory where REVIEW.md goes: no file can replace it, root or not.
    std::fs::create_dir(dir.join(layout::report_file(Format::Markdown))).unwrap();
    let db = tmp.path().join("history.sqlite3");
    let mut opts = ConsolidateOptions::new(&dir);
    opts.history = Some(db.clone());
    assert!(consolidate_dir(&opts).is_err());
    let store = Store::open(&db).unwrap();
    assert!(store.history(&HistoryQuery::default()).unwrap().is_empty());
}

/// A read-only database file: opening may succeed, writing fails; the report is
/// complete and the note says the review was not recorded. Root ignores file modes, so
/// the test drops to `nobody` with util-linux `setpriv` when it runs as root (the CLI
/// tests do the same).
#[test]
fn read_only_database_file_leaves_a_complete_report_and_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("history.sqlite3");
    Store::open(&db).unwrap();
    // Leave a plain rollback-journal database so a reader needs no -shm file.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let _: String = conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .unwrap();
    }
    let dir = one_finding_review(tmp.path(), "20260402-000000-feat");
    set_mode(&db, 0o444);
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
    if !root {
        let done = consolidate(&dir, &db);
        check_read_only_outcome(&done.notes.join("\n"), &dir);
        return;
    }
    // As root: this test binary runs its other half as `nobody`.
    for p in [tmp.path(), dir.as_path()] {
        let status = std::process::Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(p)
            .status()
            .unwrap();
        assert!(status.success());
    }
    set_mode(&db, 0o444);
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "history::consolidate_as_nobody",
            "--nocapture",
            "--include-ignored",
        ])
        .env("DEEP_REVIEW_IT_DIR", &dir)
        .env("DEEP_REVIEW_IT_DB", &db)
        .output()
        .expect("setpriv (util-linux) runs the test as `nobody`");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
    let notes = std::fs::read_to_string(dir.join("notes.txt")).unwrap();
    check_read_only_outcome(&notes, &dir);
}

/// The half of the read-only test that runs as `nobody` (ignored unless the test above
/// starts it).
#[test]
#[ignore = "run by read_only_database_file_leaves_a_complete_report_and_a_note"]
fn consolidate_as_nobody() {
    let (Some(dir), Some(db)) = (
        std::env::var_os("DEEP_REVIEW_IT_DIR"),
        std::env::var_os("DEEP_REVIEW_IT_DB"),
    ) else {
        panic!("DEEP_REVIEW_IT_DIR and DEEP_REVIEW_IT_DB name the review and the database");
    };
    let done = consolidate(Path::new(&dir), Path::new(&db));
    std::fs::write(Path::new(&dir).join("notes.txt"), done.notes.join("\n")).unwrap();
}

fn check_read_only_outcome(notes: &str, dir: &Path) {
    assert!(
        notes.contains("not recorded in the history") || notes.contains("no review history"),
        "{notes}"
    );
    assert!(notes.contains("its files are complete"), "{notes}");
    for format in [Format::Markdown, Format::Json, Format::Sarif] {
        let text = std::fs::read_to_string(dir.join(layout::report_file(format))).unwrap();
        assert!(text.contains("Unchecked index"), "{format:?}");
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn database_location_never_defaults_to_nothing_when_home_is_set() {
    let env = |name: &str| (name == "HOME").then(|| "/home/u".to_string());
    assert_eq!(
        history::default_path(&env),
        Some(PathBuf::from(
            "/home/u/.local/share/deep-review/history.sqlite3"
        ))
    );
}
