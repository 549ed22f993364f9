//! `deep-review history` and `deep-review stats` over reviews the binary recorded itself,
//! each test with its own database; `--no-history` and `[history] enabled = false`.

use std::path::Path;

use crate::support::Test;
use crate::{config_with, feature_repo, read, script, SCRIPT_REVIEW};

fn review(repo: &Path, config: &Path, db: &Path, extra: &[&str]) -> String {
    let run = Test::new()
        .args(["review", "--quiet", "--config"])
        .arg(config)
        .args(extra)
        .cwd(repo)
        .env("DEEP_REVIEW_DB", db.display().to_string())
        .run()
        .status(0);
    assert!(!run.stderr.contains("history"), "{}", run.stderr);
    run.last_line().to_string()
}

fn json(args: &[&str], repo: &Path, db: &Path) -> serde_json::Value {
    let run = Test::new()
        .args(args)
        .cwd(repo)
        .env("DEEP_REVIEW_DB", db.display().to_string())
        .run()
        .status(0);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

#[test]
fn history_and_stats_list_what_reviews_recorded() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let db = bin.path().join("db/history.sqlite3");
    let ok = script(bin.path(), "ok.sh", SCRIPT_REVIEW);
    let config = config_with(repo.path(), &[("alpha", &ok)]);

    let first = review(repo.path(), &config, &db, &[]);
    let second = review(repo.path(), &config, &db, &[]);
    assert_ne!(first, second);
    // The second review of the branch is its round 2, and says what is still open.
    let md = read(&second);
    assert!(md.contains("| **Round** | 2 |"), "{md}");
    let unresolved = md.split("## Unresolved Feedback").nth(1).unwrap();
    assert!(
        unresolved.contains("`two` has no test") && unresolved.contains("raised in round 1"),
        "{unresolved}"
    );
    // The reviewers were told too.
    let prompt = read(Path::new(&second).with_file_name("prompt.md"));
    assert!(
        prompt.contains("2 (earlier rounds reviewed previous versions)"),
        "{prompt}"
    );
    // Left out of the history: neither listed nor counted.
    review(repo.path(), &config, &db, &["--no-history"]);

    let entries = json(&["history", "--json", "."], repo.path(), &db);
    let rounds: Vec<u64> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["round"].as_u64().unwrap())
        .collect();
    assert_eq!(rounds, [2, 1], "newest first: {entries:#}");
    assert_eq!(entries[0]["branch"], "feature");
    assert_eq!(entries[0]["decision"], "merge_with_fixes");
    assert_eq!(entries[0]["findings"]["important"], 1);
    assert_eq!(entries[0]["reviewers"], serde_json::json!(["alpha"]));
    // By branch name; another branch has none.
    assert_eq!(
        json(&["history", "--json", "feature"], repo.path(), &db)
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        json(&["history", "--json", "nope"], repo.path(), &db),
        serde_json::json!([])
    );

    let stats = json(&["stats", "--json"], repo.path(), &db);
    assert_eq!(stats["reviews"], 2);
    let alpha = &stats["reviewers"][0];
    assert_eq!(alpha["name"], "alpha");
    assert_eq!(alpha["reviews"], 2);
    assert_eq!(alpha["findings"]["important"], 2);
    assert_eq!(alpha["unique"], 2);
    // Round 1's finding was raised again in round 2: followed up, not fixed.
    assert_eq!(
        (alpha["followed_up"].as_u64(), alpha["fixed"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(alpha["fixed_rate"], 0.0);
    assert_eq!(alpha["cost_usd"], serde_json::Value::Null);
    // Since tomorrow: nothing.
    let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let later = json(&["stats", "--json", "--since", &tomorrow], repo.path(), &db);
    assert_eq!(
        (
            later["reviews"].as_u64(),
            later["reviewers"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );

    // The history table: a header, then round 2 above round 1.
    let run = Test::new()
        .args(["history", "feature"])
        .env("DEEP_REVIEW_DB", db.display().to_string())
        .run()
        .status(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(
        lines[0].starts_with("DATE") && lines[0].contains("ROUND"),
        "{}",
        run.stdout
    );
    assert!(
        lines[1].contains("Merge with fixes") && lines[1].ends_with(" feature"),
        "{}",
        run.stdout
    );

    // The stats table: a header and a row for alpha.
    let run = Test::new()
        .args(["stats"])
        .cwd(repo.path())
        .env("DEEP_REVIEW_DB", db.display().to_string())
        .run()
        .status(0);
    assert!(
        run.stdout
            .starts_with("reviewer stats over 2 reviews\nREVIEWER"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.lines().any(|l| l.starts_with("alpha ")),
        "{}",
        run.stdout
    );
    // The leaderboard page: the table, the contribution chart and a trend per reviewer.
    let page = repo.path().join("board.html");
    let run = Test::new()
        .args(["stats", "--html"])
        .arg(&page)
        .cwd(repo.path())
        .env("DEEP_REVIEW_DB", db.display().to_string())
        .run()
        .status(0);
    assert!(run.last_line().ends_with("board.html"), "{}", run.stdout);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<h1>Reviewer leaderboard</h1>"), "{html}");
    assert!(html.contains("<tr data-reviewer=\"alpha\">"), "{html}");
    assert_eq!(html.matches("<g class=\"bar\"").count(), 1, "{html}");
    assert!(html.contains("<figure class=\"chart-box\" data-reviewer=\"alpha\">"));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    Test::new()
        .args(["stats", "--since", "last tuesday"])
        .env("DEEP_REVIEW_DB", db.display().to_string())
        .run()
        .status(2)
        .stderr_contains("hint:");
}

#[test]
fn history_can_be_turned_off_in_the_configuration() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let db = bin.path().join("history.sqlite3");
    let ok = script(bin.path(), "ok.sh", SCRIPT_REVIEW);
    let config = config_with(repo.path(), &[("alpha", &ok)]);
    let mut text = read(&config);
    text.push_str("\n[history]\nenabled = false\n");
    std::fs::write(&config, text).unwrap();
    review(repo.path(), &config, &db, &[]);
    assert!(!db.exists(), "no database is made when history is off");
    let run = Test::new()
        .args(["history"])
        .env("DEEP_REVIEW_DB", db.display().to_string())
        .run()
        .status(0);
    assert!(
        run.stderr.contains("no reviews recorded yet"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_broken_store_is_a_warning_and_the_review_is_complete() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let db = bin.path().join("not-a-db.sqlite3");
    std::fs::write(
        &db,
        "this is not a database, it is a text file\n".repeat(200),
    )
    .unwrap();
    let ok = script(bin.path(), "ok.sh", SCRIPT_REVIEW);
    let config = config_with(repo.path(), &[("alpha", &ok)]);
    let run = Test::new()
        .args(["review", "--quiet", "--config"])
        .arg(&config)
        .cwd(repo.path())
        .env("DEEP_REVIEW_DB", db.display().to_string())
        .run()
        .status(0)
        .stderr_contains("warning: no review history for this review");
    let md = read(run.last_line());
    assert!(md.contains("`two` has no test"), "{md}");
}
