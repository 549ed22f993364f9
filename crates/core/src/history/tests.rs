//! Unit tests of the pure parts: where the database is, what a target is.

use std::path::PathBuf;

use super::*;

#[test]
fn database_path_from_the_environment() {
    let check = |vars: &[(&str, &str)], expected: Option<&str>| {
        let env = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        assert_eq!(default_path(&env), expected.map(PathBuf::from), "{vars:?}");
    };
    check(
        &[("DEEP_REVIEW_DB", "/x/h.db"), ("XDG_DATA_HOME", "/d")],
        Some("/x/h.db"),
    );
    check(
        &[("XDG_DATA_HOME", "/d"), ("HOME", "/h")],
        Some("/d/deep-review/history.sqlite3"),
    );
    // A relative XDG_DATA_HOME is ignored, as the XDG spec says.
    check(
        &[("XDG_DATA_HOME", "rel"), ("HOME", "/h")],
        Some("/h/.local/share/deep-review/history.sqlite3"),
    );
    check(&[("DEEP_REVIEW_DB", " ")], None);
    check(&[], None);
}

#[test]
fn targets_are_a_pull_request_or_a_branch_of_a_repository() {
    let t = |kind: &str, repo: Option<&str>, number: Option<u64>, branch: Option<&str>| Target {
        kind: kind.into(),
        repo: repo.map(String::from),
        number,
        branch: branch.map(String::from),
        ..Target::default()
    };
    assert_eq!(
        target_key(&t("github_pr", Some("o/r"), Some(7), Some("feat"))).as_deref(),
        Some("pr:o/r#7")
    );
    assert_eq!(
        target_key(&t("local", Some("o/r"), None, Some("feat"))).as_deref(),
        Some("branch:o/r:feat")
    );
    assert_eq!(target_key(&t("local", Some("o/r"), None, None)), None);
    assert_eq!(target_key(&t("local", None, None, Some("feat"))), None);
}

#[test]
fn since_accepts_dates_times_and_ages() {
    let now = chrono::DateTime::parse_from_rfc3339("2026-04-30T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let ok = |text: &str| StatsQuery::parse_since(text, now).unwrap();
    assert_eq!(ok("2026-04-01"), "2026-04-01");
    assert_eq!(ok("2026-04-01T10:00:00+02:00"), "2026-04-01T08:00:00Z");
    assert_eq!(ok("30d"), "2026-03-31T12:00:00Z");
    assert_eq!(ok("12h"), "2026-04-30T00:00:00Z");
    assert!(StatsQuery::parse_since("yesterday", now)
        .unwrap_err()
        .contains("hint:"));
}
