//! `deep-review stats` over a generated history of 10,000 reviews (500 branches × 20
//! rounds, 4 reviewers, up to 12 findings a review), each written the way a review
//! writes it (previous round looked up, lifecycle classified, one transaction).
//! Prints how long generating took and the median of several `stats` runs.
//! `cargo bench -p deep-review-core --bench history_stats`; with `HISTORY_BENCH_KEEP=FILE`
//! the database is kept there (for timing `DEEP_REVIEW_DB=FILE deep-review stats`).

use std::time::{Duration, Instant};

use deep_review_core::history::{self, StatsQuery, Store};
use deep_review_core::model::Tokens;
use deep_review_core::pipeline::{consolidate_dir, ConsolidateOptions};
use deep_review_core::report::{Report, Target};
use deep_review_core::workdir::{layout, WorkDir};

const REVIEWS: usize = 10_000;
const BRANCHES: usize = 500;

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A consolidated report of 4 reviewers with 12 findings, some shared, to clone.
fn template(dir: &std::path::Path) -> Report {
    std::fs::create_dir_all(dir).expect("template directory");
    let wd = WorkDir::open(dir);
    for (r, name) in ["claude", "codex", "gemini", "builtin"].iter().enumerate() {
        let mut text = String::from("## Important\n\n");
        for k in 0..6 {
            let n = (r * 3 + k) % 12;
            text.push_str(&format!(
                "I{k}. **Issue number {n} in module {n}** — `src/m{n}.rs:{}`\n\n```rust\nlet value_{n} = compute_{n}();\n```\n\n",
                10 + n
            ));
        }
        wd.write_file(&layout::review_file(name, 1), &text)
            .expect("write review");
    }
    consolidate_dir(&ConsolidateOptions::new(dir))
        .expect("consolidate")
        .report
}

fn main() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = template(&tmp.path().join("template"));
    let db = tmp.path().join("history.sqlite3");
    let mut store = Store::open(&db).expect("open the store");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let start = Instant::now();
    for i in 0..REVIEWS {
        let branch = i % BRANCHES;
        let round = (i / BRANCHES) as u32 + 1;
        let mut report = base.clone();
        report.id = format!("r{i:05}-b{branch}");
        report.created_at = format!(
            "2026-{:02}-{:02}T{:02}:00:00Z",
            1 + (i * 12 / REVIEWS),
            1 + (i % 28),
            i % 24
        );
        report.target = Target {
            kind: "local".into(),
            repo: Some(format!("acme/repo{}", branch % 7)),
            branch: Some(format!("feature-{branch}")),
            round: 1,
            ..Target::default()
        };
        // Later rounds raise fewer of the 12 issues (some fixed), in random order of
        // survival, plus the odd new one.
        let keep = 12u64.saturating_sub(u64::from(round) / 2);
        report.findings.retain(|_| rng.below(12) < keep);
        for f in &mut report.findings {
            f.fingerprint = format!("{branch}-{}", f.title);
        }
        for r in &mut report.reviewers {
            r.duration_ms = Some(30_000 + rng.below(600_000));
            r.tokens = Some(Tokens {
                input: 10_000 + rng.below(200_000),
                output: 1_000 + rng.below(20_000),
                ..Tokens::default()
            });
            r.cost_usd = (r.name != "builtin").then(|| rng.below(300) as f64 / 100.0);
        }
        let prior = store.prior(&report.id, &report.target).expect("prior");
        report.target.round = prior.round;
        history::classify(&mut report, &prior);
        store.record(&report, &[], None).expect("record");
    }
    let generated = start.elapsed();
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!(
        "generated {REVIEWS} reviews in {:.1} s ({:.2} ms a review), database {:.1} MiB",
        generated.as_secs_f64(),
        generated.as_secs_f64() * 1000.0 / REVIEWS as f64,
        size as f64 / (1024.0 * 1024.0)
    );

    // To time `deep-review stats` as a process on the same database.
    if let Some(keep) = std::env::var_os("HISTORY_BENCH_KEEP") {
        drop(store);
        std::fs::copy(&db, &keep).expect("copy the database");
        println!("database kept at {}", std::path::Path::new(&keep).display());
    }

    for (label, query) in [
        ("all reviews", StatsQuery::default()),
        (
            "--repo acme/repo3",
            StatsQuery {
                repo: Some("acme/repo3".into()),
                ..StatsQuery::default()
            },
        ),
        (
            "--since 2026-07-01",
            StatsQuery {
                since: Some("2026-07-01".into()),
                ..StatsQuery::default()
            },
        ),
    ] {
        let mut times: Vec<Duration> = Vec::new();
        let mut reviews = 0;
        for _ in 0..5 {
            // A fresh connection each time, as `deep-review stats` has.
            let store = Store::open(&db).expect("open the store");
            let t = Instant::now();
            let stats = store.stats(&query).expect("stats");
            times.push(t.elapsed());
            reviews = stats.reviews;
            assert_eq!(stats.reviewers.len(), 4);
        }
        times.sort();
        println!(
            "stats ({label}, {reviews} reviews): median {:.1} ms, min {:.1} ms, max {:.1} ms",
            times[2].as_secs_f64() * 1000.0,
            times[0].as_secs_f64() * 1000.0,
            times[4].as_secs_f64() * 1000.0
        );
    }
}
