//! Every review under `tests/fixtures/reviews/` parsed to a `ParsedReview`, as a JSON
//! snapshot. The fixtures are our own, one per review shape the parser reads.

use std::path::Path;

use deep_review_core::parse::parse_review;

const ROOT: &str = "/work/checkout";

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reviews")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

macro_rules! fixture_snapshot {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            let parsed = parse_review("fixture", 1, &fixture($file), Some(ROOT));
            insta::assert_json_snapshot!(stringify!($test), parsed);
        }
    };
}

fixture_snapshot!(claude_style_rust, "claude_style_rust.md");
fixture_snapshot!(codex_style_python, "codex_style_python.md");
fixture_snapshot!(gemini_style_go, "gemini_style_go.md");
fixture_snapshot!(numbered_list_typescript, "numbered_list_typescript.md");
fixture_snapshot!(heading_per_finding_rust, "heading_per_finding_rust.md");
fixture_snapshot!(severity_bullets_go, "severity_bullets_go.md");
fixture_snapshot!(linter_lines, "linter_lines.md");
fixture_snapshot!(codex_exec_review_json, "codex_exec_review.json");
fixture_snapshot!(json_block, "json_block.md");
fixture_snapshot!(json_block_broken, "json_block_broken.md");
fixture_snapshot!(empty, "empty.md");
fixture_snapshot!(prose_only, "prose_only.md");
fixture_snapshot!(demoted_mixed_spellings, "demoted_mixed_spellings.md");
fixture_snapshot!(badge_bullets_python, "badge_bullets_python.md");
fixture_snapshot!(bold_badge_blocks, "bold_badge_blocks.md");
fixture_snapshot!(emoji_numbered_bot, "emoji_numbered_bot.md");

/// Every fixture file has a snapshot test above.
#[test]
fn every_fixture_is_snapshotted() {
    let listed = include_str!("parse_fixtures.rs");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reviews");
    for entry in std::fs::read_dir(dir).expect("fixture dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            listed.contains(&format!("\"{name}\"")),
            "fixture {name} has no snapshot test"
        );
    }
}

/// A large review parses in well under a second (no quadratic passes).
#[test]
fn a_megabyte_review_parses_quickly() {
    let one = fixture("claude_style_rust.md");
    let mut big = String::new();
    while big.len() < 1_000_000 {
        big.push_str(&one);
        big.push('\n');
    }
    let start = std::time::Instant::now();
    let parsed = parse_review("big", 1, &big, Some(ROOT));
    let elapsed = start.elapsed();
    assert!(parsed.items.len() > 100);
    // Unoptimised builds (and their unoptimised regex engine) are far slower.
    let limit = if cfg!(debug_assertions) { 60.0 } else { 1.0 };
    assert!(elapsed.as_secs_f64() < limit, "took {elapsed:?}");
    eprintln!("1 MB review: {} items in {elapsed:?}", parsed.items.len());
}
