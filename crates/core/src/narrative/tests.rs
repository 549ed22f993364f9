//! Tests for the report builder: verdict rules, and whole reports for the fixture
//! scenarios as JSON snapshots.

use super::fixtures::{go_gateway, python_clean, rust_cache};
use super::*;
use crate::model::{Decision, Limitation, Location};
use crate::report::{Member, Verification};

fn finding(id: &str, severity: Severity, title: &str, path: Option<&str>) -> Finding {
    Finding {
        id: id.into(),
        severity,
        title: title.into(),
        location: path.map(|p| Location::lines(p, 3, 3)),
        locations: Vec::new(),
        reviewers: vec!["a".into()],
        members: vec![Member {
            reviewer: "a".into(),
            local_id: "1".into(),
            severity,
            title: title.into(),
            source: ItemSource::Finding,
            locations: Vec::new(),
            restates: None,
        }],
        body: String::new(),
        tags: Vec::new(),
        kind: None,
        verification: Verification::NotChecked,
        reconciliation: None,
        severity_rule: None,
        merge_reasons: Vec::new(),
        fingerprint: String::new(),
    }
}

/// The panel's state is part of the verdict: who failed when nobody finished, how many
/// reviewed when some did not.
#[test]
fn verdict_says_when_the_panel_is_partial_or_empty() {
    use crate::model::{RunRecord, RunStatus};
    let failed = RunRecord {
        name: "claude".into(),
        status: RunStatus::Failed,
        error: Some("no credentials: set ANTHROPIC_API_KEY".into()),
        ..RunRecord::default()
    };
    let timed_out = RunRecord {
        name: "gemini".into(),
        status: RunStatus::TimedOut,
        error: Some("timed out after 30m".into()),
        ..RunRecord::default()
    };
    let policy = VerdictPolicy::default();
    let none = super::verdict::verdict_of_panel(
        &[],
        policy,
        &[
            ("claude", Some(&failed), false),
            ("gemini", Some(&timed_out), false),
        ],
        &[],
    );
    assert_eq!(none.decision, Decision::Incomplete);
    assert_eq!(
        none.reason,
        "No reviewer produced a usable review, so nothing was decided: claude failed (no credentials: set ANTHROPIC_API_KEY) and gemini timed out."
    );
    assert_eq!(none.decision.label(), "No verdict — no reviewer finished");
    let findings = [finding("I1", Severity::Important, "Title.", None)];
    let partial = super::verdict::verdict_of_panel(
        &findings,
        policy,
        &[
            ("codex", None, true),
            ("builtin", None, true),
            ("gemini", Some(&timed_out), false),
        ],
        &[],
    );
    assert_eq!(partial.decision, Decision::MergeWithFixes);
    assert_eq!(
        partial.reason,
        "title (I1) — from 2 of 3 reviewers; gemini timed out."
    );
}

#[test]
fn verdict_follows_the_policy() {
    use Severity::{Critical as C, Important as I, Suggestion as S};
    let default = VerdictPolicy::default();
    let strict = VerdictPolicy {
        rework_at: I,
        fixes_at: S,
        rework_min: 1,
    };
    let titles = [
        "Refill writes `b.tokens` outside the mutex.",
        "Client map grows without bound",
        "IAM role trust policy accepts any repository",
        "`Take(n)` underflows",
    ];
    let check = |severities: &[Severity],
                 policy: VerdictPolicy,
                 any_review: bool,
                 asked: &[&str],
                 decision: Decision,
                 reason: &str| {
        let findings: Vec<Finding> = severities
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let id = format!("{}{}", s.letter(), i + 1);
                finding(
                    &id,
                    *s,
                    titles[i % titles.len()],
                    (i % 2 == 0).then_some("src/a.rs"),
                )
            })
            .collect();
        let v = verdict(&findings, policy, any_review, asked);
        assert_eq!(v.decision, decision, "{severities:?}");
        assert_eq!(v.reason, reason, "{severities:?}");
    };
    // Two blockers: rework, naming both by what they are, without paths.
    check(
        &[C, C, I, S],
        default,
        true,
        &[],
        Decision::Rework,
        "refill writes `b.tokens` outside the mutex (C1), and client map grows without bound (C2).",
    );
    check(
        &[C, C, C, C],
        default,
        true,
        &[],
        Decision::Rework,
        "refill writes `b.tokens` outside the mutex (C1), client map grows without bound (C2), and 2 more.",
    );
    // One blocker is a rework by default (SPEC section 1.8: any critical).
    check(
        &[C, I, S],
        default,
        true,
        &[],
        Decision::Rework,
        "refill writes `b.tokens` outside the mutex (C1).",
    );
    // With `rework_min: 2`, one blocker with a fix at hand is fixed before merging...
    let lenient = VerdictPolicy {
        rework_min: 2,
        ..default
    };
    check(
        &[C, I, S],
        lenient,
        true,
        &[],
        Decision::MergeWithFixes,
        "refill writes `b.tokens` outside the mutex (C1), and client map grows without bound (I2).",
    );
    // ... unless a reviewer that raised it asks for a rework; one that did not raise it
    // does not count.
    check(
        &[C, I],
        lenient,
        true,
        &["a"],
        Decision::Rework,
        "refill writes `b.tokens` outside the mutex (C1); a asks for a rework.",
    );
    check(
        &[C, I],
        lenient,
        true,
        &["b"],
        Decision::MergeWithFixes,
        "refill writes `b.tokens` outside the mutex (C1), and client map grows without bound (I2).",
    );
    // Acronyms and code keep their case.
    check(
        &[S, I, I],
        default,
        true,
        &[],
        Decision::MergeWithFixes,
        "client map grows without bound (I2), and IAM role trust policy accepts any repository (I3).",
    );
    check(
        &[S],
        default,
        true,
        &[],
        Decision::MergeAsIs,
        "nothing needs fixing; 1 suggestion is optional.",
    );
    check(
        &[],
        default,
        true,
        &[],
        Decision::MergeAsIs,
        "no reviewer raised an issue.",
    );
    check(
        &[],
        default,
        false,
        &[],
        Decision::Incomplete,
        "No reviewer produced a usable review, so nothing was decided.",
    );
    check(
        &[I, S],
        strict,
        true,
        &[],
        Decision::Rework,
        "refill writes `b.tokens` outside the mutex (I1).",
    );
}

#[test]
fn a_reviewers_rework_words_are_read_strictly() {
    use super::verdict::asks_for_rework;
    assert!(asks_for_rework(
        "Rework — the workflow leaks the deploy token"
    ));
    assert!(asks_for_rework("**Do not merge**"));
    assert!(!asks_for_rework("Changes requested"));
    assert!(!asks_for_rework("Approve with fixes"));
}

#[test]
fn every_panel_member_is_a_reviewer_even_without_a_review() {
    let s = go_gateway();
    let report = build_report(&s.input());
    let names: Vec<(&str, &str, bool)> = report
        .reviewers
        .iter()
        .map(|r| (r.name.as_str(), r.status.as_str(), r.reviewed))
        .collect();
    assert_eq!(
        names,
        [
            ("claude", "ok", true),
            ("codex", "ok", true),
            ("gemini", "timed_out", false),
            ("lint-script", "failed", false)
        ]
    );
    let gemini = &report.reviewers[2];
    assert_eq!(gemini.findings.total(), 0);
    assert_eq!(gemini.coverage_misses.len(), 4);
    assert!(
        gemini
            .retro
            .starts_with("Did not finish: timed out after 30m."),
        "{}",
        gemini.retro
    );
}

#[test]
fn a_review_without_a_run_record_counts_as_finished() {
    let mut s = python_clean();
    s.runs.clear();
    let report = build_report(&s.input());
    assert_eq!(report.reviewers.len(), 2);
    assert!(report
        .reviewers
        .iter()
        .all(|r| r.status == "ok" && r.display == r.name));
}

#[test]
fn tallies_are_computed_when_the_consolidation_gives_none() {
    let mut s = go_gateway();
    let given = build_report(&s.input());
    s.consolidation.tallies.clear();
    let computed = build_report(&s.input());
    for (a, b) in given.reviewers.iter().zip(&computed.reviewers) {
        assert_eq!(
            (a.unique, a.upgraded, a.downgraded, a.dropped),
            (b.unique, b.upgraded, b.downgraded, b.dropped),
            "{}",
            a.name
        );
    }
}

#[test]
fn limitations_merge_by_place_and_by_text() {
    let s = go_gateway();
    let report = build_report(&s.input());
    let lims: Vec<(Option<&str>, Option<u32>, Vec<&str>)> = report
        .acknowledged_limitations
        .iter()
        .map(|l| {
            (
                l.path.as_deref(),
                l.line,
                l.sources.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        lims,
        [
            (
                Some("internal/ratelimit/bucket.go"),
                Some(33),
                vec!["diff", "claude"]
            ),
            (Some("internal/proxy/middleware.go"), Some(58), vec!["diff"]),
        ]
    );
}

#[test]
fn report_go_gateway() {
    insta::assert_json_snapshot!(build_report(&go_gateway().input()));
}

#[test]
fn report_rust_cache() {
    insta::assert_json_snapshot!(build_report(&rust_cache().input()));
}

#[test]
fn report_python_clean() {
    insta::assert_json_snapshot!(build_report(&python_clean().input()));
}

/// 10 reviewers x 1,000 items each, every item its own finding, 500 changed files:
/// building the report and rendering REVIEW.md must stay well under a second in a
/// release build. Run with `cargo test --release -- --ignored scale`.
#[test]
#[ignore = "timing; run explicitly"]
fn scale_10_reviewers_1000_items() {
    use crate::model::{ReviewItem, RunRecord};
    let changed: Vec<String> = (0..500).map(|i| format!("src/mod{i}/file{i}.rs")).collect();
    let mut reviews = Vec::new();
    let mut runs = Vec::new();
    let mut findings = Vec::new();
    let n_reviewers: usize = std::env::var("SCALE_REVIEWERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    for r in 0..n_reviewers {
        let name = format!("reviewer{r}");
        runs.push(RunRecord {
            name: name.clone(),
            ..RunRecord::default()
        });
        let mut items = Vec::new();
        for i in 0..1000 {
            let severity = Severity::ALL[i % 3];
            let path = format!("file{}.rs", (i * 7 + r) % 500);
            items.push(ReviewItem {
                local_id: format!("{}{}", severity.letter(), i + 1),
                source: ItemSource::Finding,
                severity,
                severity_stated: true,
                title: format!("Issue {i} of {name}"),
                locations: vec![Location::lines(path.clone(), 10, 12)],
                body: "Some text.\n\n```rust\nlet x = 1;\n```".into(),
                snippets: Vec::new(),
                tags: Vec::new(),
                ordinal: i,
                restates: None,
            });
            let mut f = finding(
                &format!("X{}", r * 1000 + i),
                severity,
                &format!("Issue {i} of {name}"),
                Some(&path),
            );
            f.members[0].reviewer = name.clone();
            f.members[0].local_id = format!("{}{}", severity.letter(), i + 1);
            f.reviewers = vec![name.clone()];
            findings.push(f);
        }
        reviews.push(ParsedReview {
            reviewer: name,
            items,
            ..ParsedReview::default()
        });
    }
    let consolidation = Consolidation {
        findings,
        ..Consolidation::default()
    };
    let input = ReportInput {
        id: "scale".into(),
        created_at: "2026-11-28T00:00:00Z".into(),
        target: Target::default(),
        reviews: &reviews,
        runs: &runs,
        consolidation: &consolidation,
        changed_files: &changed,
        diff_limitations: &[],
        wall_clock_ms: None,
        verdict_policy: VerdictPolicy::default(),
        review_texts: Vec::new(),
    };
    let start = std::time::Instant::now();
    let report = build_report(&input);
    let built = start.elapsed();
    let md = crate::render::render_markdown(&report, &[]);
    let rendered = start.elapsed() - built;
    let sarif_start = std::time::Instant::now();
    let sarif = crate::render::render_sarif(&report);
    let sarif_time = sarif_start.elapsed();
    let json_start = std::time::Instant::now();
    let json = crate::render::render_json(&report);
    let json_time = json_start.elapsed();
    eprintln!(
        "build_report {built:?}, render_markdown {rendered:?} ({} bytes), render_sarif {sarif_time:?} ({} bytes), render_json {json_time:?} ({} bytes)",
        md.len(),
        sarif.len(),
        json.len()
    );
    assert_eq!(report.findings.len(), n_reviewers * 1000);
}

/// narrative sits below render (it builds the report render writes): its own code takes
/// its text helpers from `crate::prose`, never from `crate::render`.
#[test]
fn narrative_does_not_import_render() {
    let sources = [
        ("mod.rs", include_str!("mod.rs")),
        ("verdict.rs", include_str!("verdict.rs")),
        ("retro.rs", include_str!("retro.rs")),
        ("summary.rs", include_str!("summary.rs")),
        ("assessments.rs", include_str!("assessments.rs")),
    ];
    for (name, source) in sources {
        assert!(
            !source.contains("crate::render") && !source.contains("super::super::render"),
            "narrative/{name} imports from render"
        );
    }
}

/// A scenario's input with `reviews` as the panel (no run records, no target).
fn with_reviews(reviews: &[ParsedReview], consolidation: &Consolidation) -> Report {
    build_report(&ReportInput {
        id: "20261203-120000-x".into(),
        created_at: "2026-12-03T12:00:00Z".into(),
        target: Target::default(),
        reviews,
        runs: &[],
        consolidation,
        changed_files: &[],
        diff_limitations: &[],
        wall_clock_ms: None,
        verdict_policy: VerdictPolicy::default(),
        review_texts: Vec::new(),
    })
}

fn summarised(name: &str, summary: &str) -> ParsedReview {
    ParsedReview {
        reviewer: name.into(),
        pass: 1,
        summary: Some(summary.into()),
        ..ParsedReview::default()
    }
}

#[test]
fn the_summary_says_what_the_change_does_then_what_decides_the_verdict() {
    let reviews = [
        summarised("claude", "The change adds a token bucket per client and an HTTP middleware that rejects requests with 429. The arithmetic is mostly right."),
        summarised("codex", "Adds a per-client token bucket and a middleware returning 429 when the bucket is empty."),
        summarised("gemini", "Looks fine overall."),
    ];
    let mut c1 = finding(
        "C1",
        Severity::Critical,
        "Refill writes `b.tokens` outside the mutex",
        Some("bucket.go"),
    );
    c1.reviewers = vec!["claude".into(), "codex".into(), "gemini".into()];
    let mut c2 = finding(
        "C2",
        Severity::Critical,
        "Client map grows without bound",
        Some("limit.go"),
    );
    c2.reviewers = vec!["gemini".into()];
    c2.members[0].reviewer = "gemini".into();
    let s1 = finding("S1", Severity::Suggestion, "Return `Retry-After`", None);
    let consolidation = Consolidation {
        findings: vec![c1, c2, s1],
        ..Consolidation::default()
    };
    let report = with_reviews(&reviews, &consolidation);
    assert_eq!(report.verdict.decision, Decision::Rework);
    assert_eq!(
        report.verdict.reason,
        "refill writes `b.tokens` outside the mutex (C1), and client map grows without bound (C2)."
    );
    let paragraphs: Vec<&str> = report.summary.split("\n\n").collect();
    // claude's and codex's summaries agree (gemini's says nothing about the change);
    // the first of them, its first sentence.
    assert_eq!(
        paragraphs[0],
        "The change adds a token bucket per client and an HTTP middleware that rejects requests with 429."
    );
    assert_eq!(
        paragraphs[1],
        "Two issues block the merge: refill writes `b.tokens` outside the mutex (C1, raised by all three reviewers); and client map grows without bound (C2, raised by gemini alone). Besides these, the review has 1 suggestion."
    );
    assert!(!report.summary.contains("bucket.go"), "{}", report.summary);
}

#[test]
fn a_summary_that_starts_with_a_verb_gets_its_subject() {
    let reviews = [summarised(
        "codex",
        "Adds a per-client token bucket. It also wires a middleware.",
    )];
    let report = with_reviews(&reviews, &Consolidation::default());
    assert!(
        report
            .summary
            .starts_with("The change adds a per-client token bucket. It also wires a middleware."),
        "{}",
        report.summary
    );
}

#[test]
fn a_verdict_line_or_bare_assessment_is_not_the_description() {
    let reviews = [summarised(
        "claude",
        "**Verdict:** Rework — the workflow leaks the token. No blocking issues otherwise. This PR adds a preview workflow. <details> a table </details>",
    )];
    let report = with_reviews(&reviews, &Consolidation::default());
    assert!(
        report
            .summary
            .starts_with("This PR adds a preview workflow.\n\n"),
        "{}",
        report.summary
    );
}

#[test]
fn acknowledged_limitations_print_their_place_once_and_merge_across_reviewers() {
    let lim = |path: &str, line: u32, text: &str| Limitation {
        path: Some(path.into()),
        line: Some(line),
        text: text.into(),
    };
    let mut claude = summarised("claude", "Adds log passthrough.");
    claude.limitations = vec![
        lim(
            "container_passthrough.go",
            35,
            "`container_passthrough.go:35` — `// TODO: Figure out containerd`. Scoped to Docker.",
        ),
        Limitation {
            path: None,
            line: None,
            text: "The change acknowledges two limitations:".into(),
        },
    ];
    let mut codex = summarised("codex", "Adds log passthrough.");
    codex.limitations = vec![lim(
        "pkg/controllers/container_passthrough.go",
        35,
        "**Code comment**: `// TODO: Figure out containerd` — `pkg/controllers/container_passthrough.go:35`. The PR scopes this to Docker only.",
    )];
    let report = with_reviews(&[claude, codex], &Consolidation::default());
    let lims = &report.acknowledged_limitations;
    assert_eq!(lims.len(), 1, "{lims:#?}");
    assert_eq!(
        lims[0].text,
        "`// TODO: Figure out containerd`. Scoped to Docker."
    );
    assert_eq!(lims[0].sources, ["claude", "codex"]);
}

#[test]
fn praise_filed_as_a_concern_is_a_strength() {
    use crate::report::{Design, DesignGroup};
    let group = |title: &str, body: &str| DesignGroup {
        title: title.into(),
        scope: None,
        body: body.into(),
        reviewers: vec!["gemini".into()],
        members: Vec::new(),
    };
    let consolidation = Consolidation {
        design: Design {
            concerns: vec![
                group("Strengths", "The layering (file < env < flags) is clean."),
                group("The overall structure is clean and easy to follow", ""),
                group(
                    "Client ownership is shared",
                    "The watcher closes the client, but the handler does not take the lock.",
                ),
            ],
            strengths: Vec::new(),
        },
        ..Consolidation::default()
    };
    let report = with_reviews(&[summarised("gemini", "Adds things.")], &consolidation);
    let concerns: Vec<&str> = report
        .design
        .concerns
        .iter()
        .map(|g| g.title.as_str())
        .collect();
    let strengths: Vec<&str> = report
        .design
        .strengths
        .iter()
        .map(|g| g.title.as_str())
        .collect();
    assert_eq!(concerns, ["Client ownership is shared"]);
    assert_eq!(
        strengths,
        [
            "Strengths",
            "The overall structure is clean and easy to follow"
        ]
    );
}

#[test]
fn per_reviewer_counts_count_findings_and_files_once() {
    use crate::model::ReviewItem;
    let item = |id: &str, source: ItemSource, path: &str| ReviewItem {
        local_id: id.into(),
        source,
        severity: Severity::Suggestion,
        severity_stated: false,
        title: id.into(),
        locations: vec![Location::lines(path, 1, 1)],
        body: String::new(),
        snippets: Vec::new(),
        tags: Vec::new(),
        ordinal: 0,
        restates: None,
    };
    let mut claude = summarised("claude", "Adds a limiter.");
    claude.items = vec![
        item("I1", ItemSource::Finding, "pkg/a.go"),
        item("testing-1", ItemSource::Testing, "a.go"),
        item("S1", ItemSource::Finding, "/tmp/checkout/pkg/a.go"),
    ];
    // I1 and its restatement testing-1 are one finding; S1 another.
    let mut f1 = finding("I1", Severity::Important, "Underflow", Some("pkg/a.go"));
    f1.reviewers = vec!["claude".into()];
    f1.members = vec![
        Member {
            reviewer: "claude".into(),
            local_id: "I1".into(),
            severity: Severity::Important,
            title: "Underflow".into(),
            source: ItemSource::Finding,
            locations: Vec::new(),
            restates: None,
        },
        Member {
            reviewer: "claude".into(),
            local_id: "testing-1".into(),
            severity: Severity::Suggestion,
            title: "Untested".into(),
            source: ItemSource::Testing,
            locations: Vec::new(),
            restates: Some("I1".into()),
        },
    ];
    let mut f2 = finding("S1", Severity::Suggestion, "Retry-After", Some("pkg/a.go"));
    f2.reviewers = vec!["claude".into()];
    f2.members[0].reviewer = "claude".into();
    f2.members[0].local_id = "S1".into();
    let consolidation = Consolidation {
        findings: vec![f1, f2],
        ..Consolidation::default()
    };
    let report = with_reviews(&[claude], &consolidation);
    let r = &report.reviewers[0];
    assert_eq!((r.findings.important, r.findings.suggestion), (1, 1));
    assert_eq!(r.files_reviewed, ["pkg/a.go"]);
    assert!(
        r.retro.starts_with("Raised 2 findings (1I 1S)."),
        "{}",
        r.retro
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Text made of the pieces the narrative's sentence and label handling looks at,
    /// plus characters whose lower case has another length.
    fn hostile() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "**Verdict:** Rework",
            "Adds",
            "The change",
            ". ",
            "`",
            "`x.go:35`",
            " — ",
            ":",
            "**Code comment**",
            "\u{212a}",
            "İ",
            "ß",
            "é",
            "🦀",
            "# Review",
            "Round 2",
            "\n",
            "pre-existing",
            "typo",
            "another user's",
            "",
            " ",
            "a",
            "Z.",
            "<details>",
        ]);
        prop::collection::vec(piece, 0..30).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn hostile_reviewer_text_never_panics_the_narrative(
            summary in hostile(),
            heading in hostile(),
            limitation in hostile(),
            title in hostile(),
        ) {
            let mut review = summarised("claude", &summary);
            review.limitations = vec![Limitation {
                path: Some("x.go".into()),
                line: Some(35),
                text: limitation.clone(),
            }];
            let mut f = finding("C1", Severity::Critical, &title, Some("x.go"));
            f.reviewers = vec!["claude".into()];
            f.members[0].reviewer = "claude".into();
            let consolidation = Consolidation { findings: vec![f], ..Consolidation::default() };
            let text = format!("# {heading}\n");
            let report = build_report(&ReportInput {
                id: "x".into(),
                created_at: "2026-12-03T12:00:00Z".into(),
                target: Target::default(),
                reviews: std::slice::from_ref(&review),
                runs: &[],
                consolidation: &consolidation,
                changed_files: &[],
                diff_limitations: &[],
                wall_clock_ms: None,
                verdict_policy: VerdictPolicy::default(),
                review_texts: vec![text.as_str()],
            });
            prop_assert!(!report.verdict.reason.is_empty());
            prop_assert!(!report.summary.is_empty());
        }
    }
}
