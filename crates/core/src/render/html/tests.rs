//! The report page's tests: hostile text, the filters' data, the chart, no external
//! reference, secret masking, a snapshot.

use super::*;
use crate::model::Severity;
use crate::narrative::build_report;
use crate::narrative::fixtures::{go_gateway, python_clean, rust_cache};

const HOSTILE: &str =
    "<script>alert(1)</script>\" onmouseover=\"alert(2)\" ' x='<img src=x onerror=alert(3)>";

/// Every attribute value in `html` (double-quoted, as this module writes them).
fn attributes(html: &str) -> Vec<(String, String)> {
    let re = regex::Regex::new(r#"\s([a-zA-Z-]+)="([^"]*)""#).expect("regex");
    re.captures_iter(html)
        .map(|c| (c[1].to_ascii_lowercase(), c[2].to_string()))
        .collect()
}

#[test]
fn hostile_text_stays_text() {
    let mut report = build_report(&rust_cache().input());
    report.title = Some(HOSTILE.into());
    report.summary = format!("{HOSTILE}\n\n[click](javascript:alert(4))");
    report.findings[0].title = HOSTILE.into();
    report.findings[0].body = format!(
        "{HOSTILE}\n\n```rust\"><script>x()</script>\nlet a = \"</code></pre><script>\";\n```\n"
    );
    report.findings[0].location = Some(crate::model::Location::file(HOSTILE));
    report.reviewers[0].display = HOSTILE.into();
    report.target.url = Some("javascript:alert(5)".into());
    report.dropped.push(crate::report::Dropped {
        reviewer: HOSTILE.into(),
        local_id: HOSTILE.into(),
        title: HOSTILE.into(),
        reason: HOSTILE.into(),
    });
    let raw = [RawReview {
        reviewer: "claude".into(),
        display: HOSTILE.into(),
        text: HOSTILE.into(),
    }];
    let html = render(&report, &raw);
    // Only the page's own script element, and no element or handler from the text.
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;"));
    for (name, value) in attributes(&html) {
        assert!(!name.starts_with("on"), "handler attribute {name}={value}");
        assert!(
            !value.to_ascii_lowercase().contains("javascript:"),
            "{name}={value}"
        );
        assert!(!value.contains('<'), "{name}={value}");
    }
    // The hostile display name sits in text and title elements, not attributes.
    assert!(!html.contains(" onmouseover=\""));
    assert!(html.contains("&quot; onmouseover=&quot;alert(2)&quot; &#39; x=&#39;"));
    // No link from data at all; the URL shows as text.
    assert!(!html.contains("href=\"javascript"));
    assert!(html.contains("<span class=\"url\">javascript:alert(5)</span>"));
}

/// The page's body for a fixture (the shell's stylesheet and script are left out:
/// they do not depend on the report).
#[test]
fn review_html_go_gateway() {
    let scenario = go_gateway();
    let html = render(&build_report(&scenario.input()), &scenario.raw);
    let body = html
        .split("<main>\n")
        .nth(1)
        .and_then(|b| b.split("</main>").next())
        .expect("a main element");
    insta::assert_snapshot!(body);
}

#[test]
fn cards_carry_the_filters_data() {
    let report = build_report(&go_gateway().input());
    let html = render(&report, &[]);
    assert_eq!(
        html.matches("<article class=\"finding").count(),
        report.findings.len()
    );
    for f in &report.findings {
        let keys: Vec<String> = f
            .reviewers
            .iter()
            .map(|n| {
                let i = report
                    .reviewers
                    .iter()
                    .position(|r| &r.name == n)
                    .expect("in the panel");
                format!("r{i}")
            })
            .collect();
        let needle = format!(
            "data-severity=\"{}\" data-reviewers=\"{}\"",
            f.severity.as_str(),
            keys.join(" ")
        );
        assert!(html.contains(&needle), "{needle}");
    }
    for s in Severity::ALL {
        assert!(html.contains(&format!(
            "data-filter=\"severity\" data-value=\"{}\" aria-pressed=\"true\"",
            s.as_str()
        )));
    }
    for i in 0..report.reviewers.len() {
        assert!(html.contains(&format!(
            "data-filter=\"reviewer\" data-value=\"r{i}\" aria-pressed=\"true\""
        )));
    }
    let total = report.findings.len();
    assert!(html.contains(&format!(
        "id=\"shown-count\" aria-live=\"polite\">{total} of {total} findings shown</p>"
    )));
}

#[test]
fn the_chart_has_one_bar_group_per_reviewer() {
    for scenario in [go_gateway(), rust_cache(), python_clean()] {
        let report = build_report(&scenario.input());
        let html = render(&report, &scenario.raw);
        assert_eq!(
            html.matches("<g class=\"bar\"").count(),
            report.reviewers.len(),
            "{}",
            scenario.id
        );
        // Each reviewer's segments add up to what it raised and had dropped.
        for (i, r) in report.reviewers.iter().enumerate() {
            let raised = report
                .findings
                .iter()
                .filter(|f| f.reviewers.contains(&r.name))
                .count() as u32;
            let group = html
                .split(&format!("<g class=\"bar\" data-key=\"r{i}\">"))
                .nth(1)
                .and_then(|g| g.split("</g>").next())
                .expect("the bar group");
            assert!(
                group
                    .trim_end()
                    .ends_with(&format!(">{}</text>", raised + r.dropped)),
                "{group}"
            );
            assert_eq!(
                group.matches("<rect").count(),
                [r.unique, raised - r.unique, r.dropped]
                    .iter()
                    .filter(|v| **v > 0)
                    .count()
            );
        }
    }
}

#[test]
fn the_page_loads_nothing_from_elsewhere() {
    let scenario = go_gateway();
    let html = render(&build_report(&scenario.input()), &scenario.raw);
    let lower = html.to_ascii_lowercase();
    for (name, value) in attributes(&html) {
        if matches!(
            name.as_str(),
            "src" | "href" | "action" | "srcset" | "poster"
        ) {
            assert!(value.starts_with('#'), "{name}={value}");
        }
    }
    assert!(!lower.contains("@import"));
    assert!(!lower.contains("url("));
    assert!(!lower.contains("<link"));
    assert!(!lower.contains("<iframe"));
    // The SVG namespace is a name, not a fetch; nothing else says http.
    let without_ns = lower.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_ns.contains("src=\"http"));
    assert!(!without_ns.contains("href=\"http"));
    assert!(html.contains("content=\"default-src 'none';"));
}

/// The pipeline masks secret-like strings in every output it writes; the page's own
/// parts (the CSP hash above all, whose change would stop the script) must not look
/// like one.
#[test]
fn the_page_survives_secret_masking() {
    for scenario in [go_gateway(), rust_cache(), python_clean()] {
        let html = render(&build_report(&scenario.input()), &scenario.raw);
        let masked = crate::secrets::mask_secrets(&html);
        assert!(masked == html, "{}", scenario.id);
    }
}

/// The consolidator model's part reads as REVIEW.md says it, not as its raw keys.
#[test]
fn the_consolidator_note_is_the_sentence_review_md_has() {
    let mut report = build_report(&go_gateway().input());
    let reviewer = report.reviewers[0].name.clone();
    report.consolidator = Some(crate::report::ConsolidatorReport {
        reviewer: "opus".into(),
        display: "Claude Opus".into(),
        status: "ok".into(),
        wrote: vec!["summary".into(), format!("retro:{reviewer}")],
        ..Default::default()
    });
    let sentence = report.consolidator_sentence().expect("a sentence");
    assert!(
        sentence.starts_with("Claude Opus wrote the executive summary and the retro paragraph of "),
        "{sentence}"
    );
    let html = render(&report, &[]);
    assert!(html.contains(&escape(&sentence)), "{html}");
    assert!(!html.contains("retro:"), "raw keys on the page");
    let md = crate::render::render_markdown(&report, &[]);
    assert!(md.contains(&sentence), "{md}");
}
