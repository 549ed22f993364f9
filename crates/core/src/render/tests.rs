//! Renderer tests: REVIEW.md snapshots for the fixture scenarios, layout invariants,
//! SARIF validated against the official schema, fingerprints, the appendix.

use super::*;
use crate::model::{Location, Severity};
use crate::narrative::build_report;
use crate::narrative::fixtures::{go_gateway, python_clean, rust_cache, Scenario};
use crate::report::Finding;

fn markdown_of(s: &Scenario) -> String {
    render_markdown(&build_report(&s.input()), &s.raw)
}

#[test]
fn review_md_go_gateway() {
    insta::assert_snapshot!(markdown_of(&go_gateway()));
}

#[test]
fn review_md_rust_cache() {
    insta::assert_snapshot!(markdown_of(&rust_cache()));
}

#[test]
fn review_md_python_clean() {
    insta::assert_snapshot!(markdown_of(&python_clean()));
}

/// The `##` headings of a REVIEW.md outside code and raw-HTML blocks, in order.
fn sections(md: &str) -> Vec<String> {
    crate::render::text::top_level_lines(md)
        .into_iter()
        .filter_map(|line| line.strip_prefix("## "))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_section_is_there_in_the_seed_order_even_when_empty() {
    let expected = [
        "Executive Summary",
        "Critical Issues",
        "Important Issues",
        "Suggestions",
        "Design Observations",
        "Testing Assessment",
        "Documentation Assessment",
        "Commit Structure",
        "Acknowledged Limitations",
        "Unresolved Feedback",
        "Agent Performance Retro",
        "Review Process Notes",
        "Appendix: Original Reviews",
    ];
    for scenario in [go_gateway(), rust_cache(), python_clean()] {
        let md = markdown_of(&scenario);
        // The title names the change (the PR's title, the branch), not the work directory.
        let title = build_report(&scenario.input()).title.expect("a title");
        assert!(
            md.starts_with(&format!("# Deep Review: {title}\n")),
            "{title}"
        );
        assert!(!title.contains(&scenario.id));
        assert_eq!(sections(&md), expected, "{}", scenario.id);
    }
    let clean = markdown_of(&python_clean());
    assert!(clean.contains("| **Verdict** | **Merge as-is** — no reviewer raised an issue. |"));
    for section in [
        "Critical Issues",
        "Important Issues",
        "Suggestions",
        "Testing Assessment",
    ] {
        assert!(
            clean.contains(&format!("## {section}\n\nNone.\n")),
            "{section}"
        );
    }
}

#[test]
fn header_rows_follow_the_round_and_target_kind() {
    let go = markdown_of(&go_gateway());
    assert!(go.contains("| **Round** | 2 (of PR #88) |"));
    assert!(go.contains("| **Review SHA** | `9f3c2a1` |"));
    assert!(go.contains(
        "| **Commits** | `4e1d0c2` Add token bucket limiter<br>`9f3c2a1` Wire limiter into the proxy middleware |"
    ));
    assert!(go.contains("| **Wall-clock time** | `30 min 3 s` |"));
    let clean = markdown_of(&python_clean());
    assert!(clean.contains("| **Round** | 1 |"));
    assert!(!clean.contains("Review SHA"));
    assert!(clean.contains("| **Wall-clock time** | — |"));
    let rust = markdown_of(&rust_cache());
    assert!(rust.contains("| **Branch** | `fix-cache-eviction` |"));
    assert!(
        rust.contains("`c3d4e5f` Fix \\| in a doc comment |"),
        "pipes in cells are escaped"
    );
}

#[test]
fn titles_with_newlines_and_pipes_stay_on_one_line() {
    let md = markdown_of(&rust_cache());
    assert!(md.contains(
        "S1. **needless_range_loop | index loop over `buckets`** — `src/cache/mod.rs:12-14` (suggestion) [lint]"
    ));
    // Every table row has as many cells as the header.
    for table in md.split("\n\n").filter(|b| b.starts_with("| |")) {
        let widths: Vec<usize> = table
            .lines()
            .map(|l| l.replace("\\|", "").matches('|').count())
            .collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{table}");
    }
}

#[test]
fn an_unclosed_fence_in_a_body_does_not_swallow_the_rest() {
    let md = markdown_of(&rust_cache());
    let fences = md
        .lines()
        .filter(|l| l.trim_start().starts_with("```"))
        .count();
    assert_eq!(fences % 2, 0, "fences are balanced");
    assert!(
        md.contains("#### Why it matters"),
        "a body heading nests under the finding"
    );
}

#[test]
fn appendix_headings_nest_under_the_reviewer_and_code_is_untouched() {
    let report = build_report(&python_clean().input());
    let tricky = "# Title\r\n\r\nIntro\r\n\r\n## Findings\r\n\r\n```sh\r\n# a shell comment\r\n## another\r\n```\r\n\r\n####### seven hashes\r\n\r\n~~~\r\n# tilde code\r\n~~~\r\n\r\n### Deep\r\n###### Deepest\r\nLead\r\n---\r\n";
    let md = render_markdown(
        &report,
        &[
            RawReview {
                reviewer: "claude".into(),
                display: "Claude Opus 4.7".into(),
                text: tricky.into(),
            },
            RawReview {
                reviewer: "gemini".into(),
                display: "Gemini 3.1 Pro".into(),
                text: "```go\nfunc f() {\n# never closed".into(),
            },
        ],
    );
    let appendix = md
        .split("## Appendix: Original Reviews")
        .nth(1)
        .unwrap_or_default();
    let expected = "### [Claude Opus 4.7]\n\n#### Title\n\nIntro\n\n##### Findings\n\n```sh\n# a shell comment\n## another\n```\n\n####### seven hashes\n\n~~~\n# tilde code\n~~~\n\n###### Deep\n###### Deepest\n##### Lead\n\n### [Gemini 3.1 Pro]\n\n```go\nfunc f() {\n# never closed\n```\n";
    assert!(appendix.ends_with(expected), "appendix was:\n{appendix}");
    assert!(!appendix.contains('\r'));
}

#[test]
fn reviewers_without_a_review_are_named_in_the_appendix() {
    let md = markdown_of(&go_gateway());
    assert!(md.contains("### [Gemini 3.1 Pro]\n\n*No review (timed out).*"));
    assert!(md.contains("### [Team lint script]\n\n*No review (failed).*"));
}

#[test]
fn json_round_trips() {
    for s in [go_gateway(), rust_cache(), python_clean()] {
        let report = build_report(&s.input());
        let text = render_json(&report);
        assert!(text.ends_with("}\n"));
        let back: crate::report::Report = serde_json::from_str(&text).expect("report.json parses");
        assert_eq!(back, report);
    }
}

fn sarif_validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema-2.1.0.json"
    );
    let text = std::fs::read_to_string(path).expect("vendored SARIF schema");
    // The schema's two `language` patterns end in a stray `]`, which ECMA-262 reads as a
    // literal and the `jsonschema` crate's meta-schema check (`format: regex`) rejects,
    // refusing the whole schema. Escaping it means the same; we never emit `language`.
    let stray = r#"-[a-zA-Z]{2}]?$"#;
    assert_eq!(
        text.matches(stray).count(),
        2,
        "the vendored schema changed"
    );
    let text = text.replace(stray, r#"-[a-zA-Z]{2}\\]?$"#);
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(validator: &jsonschema::Validator, sarif: &str) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_str(sarif).expect("SARIF is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
    value
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let validator = sarif_validator();
    // The validator does reject a broken log.
    assert!(
        !validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]}))
    );
    for s in [go_gateway(), rust_cache(), python_clean()] {
        let sarif = render_sarif(&build_report(&s.input()));
        let value = assert_valid_sarif(&validator, &sarif);
        assert_eq!(value["version"], "2.1.0");
        assert_eq!(value["runs"][0]["tool"]["driver"]["name"], "deep-review");
    }
}

/// With a previous round: every result has a `baselineState`, and the previous
/// round's resolved findings are `absent` results; still valid SARIF.
#[test]
fn sarif_baseline_states_from_the_history() {
    use crate::report::{BaselineState, EarlierFinding, FindingLifecycle, HistoryLink};
    let mut report = build_report(&go_gateway().input());
    assert!(report.findings.len() >= 2);
    let states = [BaselineState::Unchanged, BaselineState::Updated];
    report.history = Some(HistoryLink {
        previous_id: "r1".into(),
        previous_round: 1,
        findings: report
            .findings
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < 2)
            .map(|(i, f)| FindingLifecycle {
                id: f.id.clone(),
                state: states[i],
                first_round: 1,
                previous_id: Some(format!("I{i}")),
            })
            .collect(),
        resolved: vec![EarlierFinding {
            id: "C1".into(),
            severity: Severity::Critical,
            title: "Retries POSTs".into(),
            path: Some("pkg/retry.go".into()),
            line_start: Some(12),
            fingerprint: "00ff00ff00ff00ff".into(),
            first_round: 1,
            reviewers: vec!["codex".into()],
        }],
    });
    let sarif = assert_valid_sarif(&sarif_validator(), &render_sarif(&report));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), report.findings.len() + 1);
    let baseline: Vec<&str> = results
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    let mut expected = vec!["unchanged", "updated"];
    expected.resize(report.findings.len(), "new");
    expected.push("absent");
    assert_eq!(baseline, expected);
    let absent = results.last().unwrap();
    assert_eq!(
        absent["partialFingerprints"][FINGERPRINT_KEY],
        "00ff00ff00ff00ff"
    );
    assert_eq!(absent["level"], "error");
    assert_eq!(
        absent["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "pkg/retry.go"
    );
    // Without a history there is no baseline to speak of.
    report.history = None;
    let plain = render_sarif(&report);
    assert!(!plain.contains("baselineState"));
}

#[test]
fn sarif_go_gateway() {
    let sarif = render_sarif(&build_report(&go_gateway().input()));
    let version = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    insta::assert_snapshot!(sarif.replace(&version, "\"[version]\""));
}

#[test]
fn sarif_results_map_severity_location_and_members() {
    let sarif = render_sarif(&build_report(&go_gateway().input()));
    let value: serde_json::Value = serde_json::from_str(&sarif).expect("json");
    let results = value["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let summary: Vec<(String, String, String, serde_json::Value, serde_json::Value)> = results
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap_or_default().to_string(),
                r["level"].as_str().unwrap_or_default().to_string(),
                loc["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                loc["region"]["startLine"].clone(),
                loc["region"]["endLine"].clone(),
            )
        })
        .collect();
    use serde_json::Value::Null;
    let n = |v: u64| serde_json::Value::from(v);
    assert_eq!(
        summary,
        [
            (
                "deep-review/critical".into(),
                "error".into(),
                "internal/ratelimit/bucket.go".into(),
                n(41),
                n(58)
            ),
            (
                "deep-review/critical".into(),
                "error".into(),
                "internal/proxy/middleware.go".into(),
                n(27),
                n(35)
            ),
            (
                "deep-review/important".into(),
                "warning".into(),
                "internal/ratelimit/bucket.go".into(),
                n(72),
                Null
            ),
            (
                "deep-review/important".into(),
                "warning".into(),
                "internal/proxy/middleware.go".into(),
                n(61),
                Null
            ),
            (
                "deep-review/suggestion".into(),
                "note".into(),
                "docs/configuration.md".into(),
                n(120),
                Null
            ),
            (
                "deep-review/suggestion".into(),
                "note".into(),
                "internal/ratelimit/bucket_test.go".into(),
                Null,
                Null
            ),
        ]
    );
    let c1 = &results[0];
    assert_eq!(
        c1["message"]["text"],
        "C1: Per-tenant bucket map grows without bound (raised by Claude Opus 4.7, Codex GPT 5.4)"
    );
    assert_eq!(
        c1["partialFingerprints"][FINGERPRINT_KEY],
        "7c1e0a5b9d2f4e61"
    );
    assert_eq!(c1["properties"]["members"][1]["localId"], "P1");
    assert_eq!(
        c1["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        44
    );
    // File-level finding: a location without a region.
    assert!(results[5]["locations"][0]["physicalLocation"]
        .get("region")
        .is_none());
}

/// A report whose findings have awkward locations: none at all, line 0, a path with
/// spaces and a colon, no fingerprint.
fn awkward_report() -> crate::report::Report {
    let mut s = rust_cache();
    let mut findings = s.consolidation.findings.clone();
    findings[0].location = None;
    findings[0].locations.clear();
    findings[1].location = Some(Location {
        path: "docs/a b:c.md".into(),
        line_start: Some(0),
        line_end: Some(0),
    });
    findings[2].location = Some(Location {
        path: "src/é.rs".into(),
        line_start: Some(9),
        line_end: Some(3),
    });
    findings[2].fingerprint.clear();
    s.consolidation.findings = findings;
    build_report(&s.input())
}

#[test]
fn sarif_handles_findings_without_a_usable_location() {
    let validator = sarif_validator();
    let sarif = render_sarif(&awkward_report());
    let value = assert_valid_sarif(&validator, &sarif);
    let results = &value["runs"][0]["results"];
    assert!(
        results[0].get("locations").is_none(),
        "change-wide finding has no location"
    );
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "docs/a%20b%3Ac.md"
    );
    assert!(results[1]["locations"][0]["physicalLocation"]
        .get("region")
        .is_none());
}

fn with_lines(f: &Finding, shift: u32) -> Finding {
    let mut f = f.clone();
    let move_loc = |l: &mut Location| {
        l.line_start = l.line_start.map(|n| n + shift);
        l.line_end = l.line_end.map(|n| n + shift);
    };
    if let Some(l) = f.location.as_mut() {
        move_loc(l);
    }
    f.locations.iter_mut().for_each(move_loc);
    f
}

#[test]
fn fingerprints_do_not_move_with_lines() {
    let report = build_report(&rust_cache().input());
    for f in &report.findings {
        let shifted = with_lines(f, 17);
        if f.location.as_ref().is_some_and(|l| l.line_start.is_some()) {
            assert_ne!(shifted.location, f.location);
        }
        assert_eq!(shifted.identity(), f.identity(), "{}", f.id);
    }
    // Computed fingerprints (S1, S2 have none) differ between findings and from a
    // finding on another file.
    let (s1, s2) = (&report.findings[1], &report.findings[2]);
    assert_ne!(s1.identity(), s2.identity());
    let mut elsewhere = s1.clone();
    elsewhere.location = Some(Location::lines("src/other.rs", 12, 14));
    assert_ne!(elsewhere.identity(), s1.identity());
    // And in the SARIF output itself.
    let mut shifted_report = report.clone();
    shifted_report.findings = report.findings.iter().map(|f| with_lines(f, 40)).collect();
    let prints = |r: &crate::report::Report| -> Vec<serde_json::Value> {
        let v: serde_json::Value = serde_json::from_str(&render_sarif(r)).unwrap_or_default();
        v["runs"][0]["results"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .map(|r| r["partialFingerprints"].clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(prints(&report).len(), 3);
    assert_eq!(prints(&report), prints(&shifted_report));
}

#[test]
fn html_is_a_complete_escaped_page() {
    let mut report = build_report(&go_gateway().input());
    report.findings[0].title = "<script>alert(1)</script>".into();
    report.findings[0].severity = Severity::Suggestion;
    let html = render_html(&report, &[]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    // The page's own filter script only; the title's is text.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(render(Format::Json, &report, &[]), render_json(&report));
}

mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::render::text::nest_headings;

    /// Lines built from the pieces that break Markdown layouts.
    fn hostile_text() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "# H",
            "## H2",
            "###### H6",
            "####### seven",
            "```",
            "```go",
            "~~~",
            "````",
            "---",
            "===",
            "text",
            "",
            "  # indented",
            "    # code",
            "<!--",
            "-->",
            "<pre>",
            "</pre>",
            "| a | b |",
            "- item",
            "1. one",
            "é ü 🦀",
            "\r",
            "#",
            "`",
            "**bold",
        ]);
        prop::collection::vec(piece, 0..24).prop_map(|lines| lines.join("\n"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn nesting_is_idempotent_and_never_goes_above_top(text in hostile_text()) {
            let once = nest_headings(&text, 4);
            prop_assert_eq!(nest_headings(&once, 4), once.clone());
            prop_assert!(!once.contains('\r'));
            let twice_shallower = nest_headings(&text, 2);
            prop_assert_eq!(nest_headings(&twice_shallower, 2), twice_shallower);
        }

        #[test]
        fn reviewer_text_cannot_break_the_sections(
            title in hostile_text(),
            body in hostile_text(),
            assessment in hostile_text(),
            raw in hostile_text(),
        ) {
            let s = go_gateway();
            let mut report = build_report(&s.input());
            report.findings[0].title = title.clone();
            report.findings[0].body = body.clone();
            report.findings[1].reconciliation = Some(title.clone());
            report.design.concerns[0].body = body.clone();
            report.design.strengths[0].title = title.clone();
            report.testing = assessment.clone();
            report.documentation = body.clone();
            report.commits = assessment;
            report.reviewers[0].display = title.clone();
            report.acknowledged_limitations[0].text = body;
            report.target.commits[0].subject = title;
            let md = render_markdown(
                &report,
                &[RawReview { reviewer: "claude".into(), display: "Claude".into(), text: raw }],
            );
            let expected = sections(&markdown_of(&s));
            // Reviewer text may add `##` lines only inside the appendix, where it nests
            // below `###` anyway; everything before it keeps the seed's sections.
            let before_appendix: Vec<String> = sections(&md)
                .into_iter()
                .take_while(|s| s != "Appendix: Original Reviews")
                .collect();
            prop_assert_eq!(&before_appendix[..], &expected[..expected.len() - 1]);
            prop_assert!(md.contains("\n## Appendix: Original Reviews\n"));
        }
    }
}
