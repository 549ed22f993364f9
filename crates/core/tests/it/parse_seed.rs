//! The three real reviews of the seed (never committed): run with
//! `cargo test -p deep-review-core --test it parse_seed -- --ignored` when
//! `/tmp/seed-reviews/` holds them; skipped otherwise.

use std::path::Path;

use deep_review_core::model::{ItemSource, Location, ParsedReview, Scope, Severity};
use deep_review_core::parse::parse_review;

const PASSTHROUGH: &str = "pkg/controllers/app/engine/controllers/container_passthrough.go";

fn load(dir: &str, reviewer: &str) -> Option<ParsedReview> {
    let path = Path::new("/tmp/seed-reviews")
        .join(dir)
        .join(format!("review-{reviewer}-pass-1.md"));
    let text = std::fs::read_to_string(&path).ok()?;
    let parsed = parse_review(reviewer, 1, &text, Some("/tmp/checkout"));
    if std::env::var_os("DUMP_SEED").is_some() {
        println!(
            "{}",
            serde_json::to_string_pretty(&parsed).unwrap_or_default()
        );
    }
    Some(parsed)
}

fn ids(r: &ParsedReview, source: ItemSource) -> Vec<&str> {
    r.items
        .iter()
        .filter(|i| i.source == source)
        .map(|i| i.local_id.as_str())
        .collect()
}

fn item<'a>(r: &'a ParsedReview, id: &str) -> &'a deep_review_core::model::ReviewItem {
    r.items
        .iter()
        .find(|i| i.local_id == id)
        .unwrap_or_else(|| panic!("no item {id} in {}", r.reviewer))
}

fn check(r: &ParsedReview, id: &str, severity: Severity, location: Location) {
    let it = item(r, id);
    assert_eq!(it.severity, severity, "{} {id} severity", r.reviewer);
    assert!(it.severity_stated);
    assert_eq!(
        it.locations.first(),
        Some(&location),
        "{} {id} location",
        r.reviewer
    );
}

#[test]
#[ignore = "needs /tmp/seed-reviews"]
fn seed_reviews() {
    for dir in ["raw", "undemoted"] {
        let (Some(claude), Some(codex), Some(gemini)) =
            (load(dir, "claude"), load(dir, "codex"), load(dir, "gemini"))
        else {
            eprintln!("/tmp/seed-reviews/{dir} not found; skipped");
            return;
        };
        use Severity::*;
        // Claude
        assert_eq!(
            ids(&claude, ItemSource::Finding),
            ["C1", "I1", "I2", "S1", "S2", "S3", "S4", "S5", "S6"]
        );
        assert_eq!(ids(&claude, ItemSource::Testing), ["testing-1"]);
        assert_eq!(
            ids(&claude, ItemSource::Documentation),
            ["documentation-1", "documentation-2", "documentation-3"]
        );
        assert_eq!(ids(&claude, ItemSource::Commits), Vec::<&str>::new());
        check(
            &claude,
            "C1",
            Critical,
            Location::lines(PASSTHROUGH, 36, 36),
        );
        check(
            &claude,
            "I1",
            Important,
            Location::lines(PASSTHROUGH, 36, 86),
        );
        check(
            &claude,
            "I2",
            Important,
            Location::lines(PASSTHROUGH, 48, 85),
        );
        check(&claude, "S4", Suggestion, Location::file(PASSTHROUGH));
        check(
            &claude,
            "S6",
            Suggestion,
            Location::lines(PASSTHROUGH, 23, 23),
        );
        assert_eq!(item(&claude, "C1").tags, ["regression"]);
        assert_eq!(item(&claude, "I2").tags, ["gap"]);
        assert!(item(&claude, "C1")
            .body
            .contains("Fix: snapshot the watcher"));
        assert!(!item(&claude, "C1").body.contains("(critical, regression)"));
        assert!(!item(&claude, "C1").snippets.is_empty());
        assert_eq!(claude.design_concerns.len(), 2);
        assert_eq!(claude.design_concerns[0].scope, Some(Scope::InScope));
        assert_eq!(claude.design_concerns[1].scope, Some(Scope::Future));
        assert_eq!(claude.strengths.len(), 2);
        assert_eq!(claude.verdict_text.as_deref(), Some("Changes requested"));
        assert_eq!(
            claude.verdict,
            Some(deep_review_core::model::Decision::Rework)
        );
        assert!(claude
            .summary
            .as_deref()
            .is_some_and(|s| s.starts_with("The PR wires")));
        assert_eq!(claude.limitations.len(), 2);
        assert_eq!(claude.limitations[0].line, Some(35));
        assert_eq!(claude.coverage.len(), 2);
        assert!(
            claude.commits.is_some() && claude.testing.is_some() && claude.documentation.is_some()
        );

        // Codex
        assert_eq!(ids(&codex, ItemSource::Finding), ["C1", "I1"]);
        assert_eq!(ids(&codex, ItemSource::Testing), ["testing-1", "testing-2"]);
        assert_eq!(ids(&codex, ItemSource::Documentation), ["documentation-1"]);
        check(&codex, "C1", Critical, Location::lines(PASSTHROUGH, 75, 82));
        check(
            &codex,
            "I1",
            Important,
            Location::lines(PASSTHROUGH, 36, 44),
        );
        assert_eq!(item(&codex, "I1").tags, ["regression"]);
        assert_eq!(
            item(&codex, "documentation-1").locations.first(),
            Some(&Location::lines("docs/design/api_containers.md", 217, 221))
        );
        assert!(codex.design_concerns.is_empty() && codex.strengths.is_empty());
        assert_eq!(codex.limitations.len(), 1);
        assert_eq!(codex.coverage.len(), 2);

        // Gemini
        assert_eq!(ids(&gemini, ItemSource::Finding), ["C1", "C2", "C3", "I1"]);
        assert_eq!(
            ids(&gemini, ItemSource::Testing),
            ["testing-1", "testing-2"]
        );
        assert_eq!(ids(&gemini, ItemSource::Documentation), ["documentation-1"]);
        check(
            &gemini,
            "C1",
            Critical,
            Location::lines(PASSTHROUGH, 31, 31),
        );
        check(
            &gemini,
            "C2",
            Critical,
            Location::lines(PASSTHROUGH, 76, 81),
        );
        check(
            &gemini,
            "C3",
            Critical,
            Location::lines(PASSTHROUGH, 31, 81),
        );
        check(
            &gemini,
            "I1",
            Important,
            Location::lines("pkg/controllers/app/engine/controller.go", 76, 76),
        );
        assert_eq!(item(&gemini, "testing-1").severity, Important);
        assert_eq!(gemini.design_concerns.len(), 1);
        assert_eq!(gemini.design_concerns[0].scope, Some(Scope::InScope));
        assert_eq!(
            gemini.design_concerns[0].title,
            "Stdout and Stderr multiplexing loss"
        );
        assert!(gemini.strengths.is_empty());
        assert_eq!(gemini.limitations.len(), 1);
        assert_eq!(gemini.limitations[0].line, Some(35));
        assert_eq!(gemini.coverage.len(), 2);
        for r in [&claude, &codex, &gemini] {
            assert!(r.summary.is_some(), "{} summary", r.reviewer);
            assert!(!r.from_json);
        }
    }
}
