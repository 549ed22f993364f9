//! Hand-labelled multi-reviewer scenarios: the grouping consolidation finds must match
//! the labels (pairwise precision and recall over all scenarios at least 0.9), and
//! nothing may be lost.

use std::collections::BTreeSet;

use deep_review_core::consolidate::{check_complete, consolidate, Policy};
use deep_review_core::model::{ItemSource, Location, ParsedReview, ReviewItem, Severity};
use deep_review_core::verify::VerifyOutcome;

use crate::common;
use common::{review, scenarios, Scenario};

type Pair = ((String, String), (String, String));

fn pairs(groups: &[Vec<(String, String)>]) -> BTreeSet<Pair> {
    let mut out = BTreeSet::new();
    for g in groups {
        let mut g = g.clone();
        g.sort();
        for i in 0..g.len() {
            for j in i + 1..g.len() {
                out.insert((g[i].clone(), g[j].clone()));
            }
        }
    }
    out
}

#[test]
fn grouping_matches_the_labels() {
    let (mut tp, mut predicted, mut expected) = (0usize, 0usize, 0usize);
    let mut report = Vec::new();
    // The pair scores of true and false pairs, for the margin around the threshold.
    let mut true_scores: Vec<(f64, String)> = Vec::new();
    let mut false_scores: Vec<(f64, String)> = Vec::new();
    for Scenario {
        name,
        reviews,
        groups,
    } in scenarios()
    {
        let result = consolidate(&reviews, &Policy::default(), &VerifyOutcome::default());
        if std::env::var_os("EXPLAIN_PAIRS").is_some() {
            println!("== {name}");
            for line in deep_review_core::consolidate::explain_pairs(&reviews, 0.05) {
                println!("{line}");
            }
        }
        check_complete(&reviews, &VerifyOutcome::default(), &result).expect("nothing lost");
        let got: Vec<Vec<(String, String)>> = result
            .findings
            .iter()
            .map(|f| {
                f.members
                    .iter()
                    .map(|m| (m.reviewer.clone(), m.local_id.clone()))
                    .collect()
            })
            .collect();
        let want: Vec<Vec<(String, String)>> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|s| {
                        let (r, id) = s.split_once(' ').expect("`reviewer id`");
                        (r.to_string(), id.to_string())
                    })
                    .collect()
            })
            .collect();
        let (g, w) = (pairs(&got), pairs(&want));
        for line in deep_review_core::consolidate::explain_pairs(&reviews, 0.0) {
            let (score, rest) = line.split_once(' ').unwrap_or(("0", ""));
            let score: f64 = score.parse().unwrap_or(0.0);
            let (_, names) = rest.split_once(" | ").unwrap_or(("", ""));
            let (a, b) = names.split_once(" + ").unwrap_or(("", ""));
            let split = |x: &str| {
                let (r, id) = x.split_once(' ').unwrap_or((x, ""));
                (r.to_string(), id.to_string())
            };
            let (a, b) = (split(a), split(b));
            let key = if a < b { (a, b) } else { (b, a) };
            let label = format!("{name}: {line}");
            if w.contains(&key) {
                true_scores.push((score, label));
            } else {
                false_scores.push((score, label));
            }
        }
        let hit = g.intersection(&w).count();
        tp += hit;
        predicted += g.len();
        expected += w.len();
        if g != w {
            report.push(format!(
                "{name}: extra pairs {:?}; missing pairs {:?}\n  reasons: {:#?}",
                g.difference(&w).collect::<Vec<_>>(),
                w.difference(&g).collect::<Vec<_>>(),
                result
                    .findings
                    .iter()
                    .flat_map(|f| f.merge_reasons.clone())
                    .collect::<Vec<_>>()
            ));
        }
    }
    let precision = tp as f64 / predicted.max(1) as f64;
    let recall = tp as f64 / expected.max(1) as f64;
    println!("pairwise precision {precision:.3} recall {recall:.3} ({tp} of {predicted} predicted, {expected} labelled pairs)");
    true_scores.sort_by(|a, b| a.0.total_cmp(&b.0));
    false_scores.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("lowest true-pair scores:");
    for (_, l) in true_scores.iter().take(8) {
        println!("  {l}");
    }
    println!("highest false-pair scores:");
    for (_, l) in false_scores.iter().take(8) {
        println!("  {l}");
    }
    for r in &report {
        println!("{r}");
    }
    assert!(
        precision >= 0.9 && recall >= 0.9,
        "precision {precision:.3} recall {recall:.3}\n{}",
        report.join("\n")
    );
}

#[test]
fn severity_is_reconciled_with_reasons() {
    let s = scenarios();
    let ci = s
        .iter()
        .find(|s| s.name == "ci-workflow")
        .expect("scenario");
    let result = consolidate(&ci.reviews, &Policy::default(), &VerifyOutcome::default());
    let token = result
        .findings
        .iter()
        .find(|f| f.members.len() == 4)
        .expect("token group");
    assert_eq!(token.severity, Severity::Critical);
    let why = token.reconciliation.clone().unwrap_or_default();
    assert_eq!(
        why,
        "rated critical by alpha and gamma, important by delta and suggestion by beta"
    );
    assert_eq!(token.severity_rule.as_deref(), Some("vote"));
    assert_eq!(result.tallies["beta"].upgraded, 1);
    assert_eq!(token.id, "C1");
    assert!(!token.merge_reasons.is_empty());

    let highest = consolidate(
        &ci.reviews,
        &Policy {
            severity: deep_review_core::options::SeverityPolicy::Lowest,
            ..Policy::default()
        },
        &VerifyOutcome::default(),
    );
    let token = highest
        .findings
        .iter()
        .find(|f| f.members.len() == 4)
        .expect("token group");
    assert_eq!(token.severity, Severity::Suggestion);
    assert_eq!(highest.tallies["alpha"].downgraded, 1);
}

#[test]
fn fingerprints_survive_line_shifts() {
    let body = "```rust\nlet guard = self.cache.lock().unwrap();\nself.client.refresh().await;\n```\nThe guard is held across the await.";
    let at = |line| {
        vec![review(
            "alpha",
            vec![common::item(
                "I1",
                Severity::Important,
                &format!("src/cache.rs:{line}"),
                "Guard held across await",
                body,
            )],
        )]
    };
    let a = consolidate(&at(10), &Policy::default(), &VerifyOutcome::default());
    let b = consolidate(&at(42), &Policy::default(), &VerifyOutcome::default());
    assert_eq!(a.findings[0].fingerprint, b.findings[0].fingerprint);
    assert!(a.findings[0].fingerprint.len() >= 16);
    let other = vec![review(
        "alpha",
        vec![common::item(
            "I1",
            Severity::Important,
            "src/other.rs:10",
            "Guard held across await",
            body,
        )],
    )];
    let c = consolidate(&other, &Policy::default(), &VerifyOutcome::default());
    assert_ne!(a.findings[0].fingerprint, c.findings[0].fingerprint);
}

#[test]
fn empty_and_odd_inputs_do_not_panic() {
    let v = VerifyOutcome::default();
    let p = Policy::default();
    assert!(consolidate(&[], &p, &v).findings.is_empty());
    let lone = vec![review(
        "solo",
        vec![common::item("1", Severity::Suggestion, "", "", "")],
    )];
    let r = consolidate(&lone, &p, &v);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.tallies["solo"].unique, 1);
    let mut many = Vec::new();
    for i in 0..2000 {
        many.push(common::item(
            &format!("x{i}"),
            Severity::Important,
            "big.rs:7",
            "same title everywhere",
            "same body `same_ident`",
        ));
    }
    let crowd = vec![review("a", many.clone()), review("b", many)];
    let r = consolidate(&crowd, &p, &v);
    check_complete(&crowd, &v, &r).expect("nothing lost");
    assert!(r.findings.iter().all(|f| f.members.len() <= 2));
    let _ = (
        ItemSource::Finding,
        Location::file("x"),
        ReviewItem::clone,
        ParsedReview::default,
    );
}

#[test]
fn design_items_group_among_themselves() {
    use deep_review_core::model::{DesignItem, Scope};
    let design = |id: &str, title: &str, body: &str| DesignItem {
        local_id: id.to_string(),
        title: title.to_string(),
        body: body.to_string(),
        scope: Some(Scope::InScope),
        locations: Vec::new(),
        ordinal: 0,
    };
    let mut a = review("alpha", Vec::new());
    a.design_concerns = vec![
        design("design-1", "Retry policy is duplicated in every client", "`HttpClient` and `GrpcClient` each carry their own retry loop with different backoff constants; a shared `RetryPolicy` would keep them consistent."),
        design("design-2", "Feature flags are read at import time", "`FLAGS` is evaluated when the module loads, so tests cannot toggle flags."),
    ];
    a.strengths = vec![design(
        "strength-1",
        "Clear error types",
        "Every failure maps to a `ClientError` variant.",
    )];
    let mut b = review("beta", Vec::new());
    b.design_concerns = vec![design(
        "design-1",
        "Two divergent retry implementations",
        "The retry loops in `HttpClient` and `GrpcClient` differ in backoff; extract one `RetryPolicy`.",
    )];
    b.strengths = vec![design(
        "strength-1",
        "Good test coverage of the parser",
        "Table-driven tests cover every header form.",
    )];
    let reviews = vec![a, b];
    let v = VerifyOutcome::default();
    let result = consolidate(&reviews, &Policy::default(), &v);
    check_complete(&reviews, &v, &result).expect("nothing lost");
    let concerns: Vec<Vec<String>> = result
        .design
        .concerns
        .iter()
        .map(|g| {
            g.members
                .iter()
                .map(|m| format!("{} {}", m.reviewer, m.local_id))
                .collect()
        })
        .collect();
    assert_eq!(
        concerns,
        vec![
            vec!["alpha design-1".to_string(), "beta design-1".to_string()],
            vec!["alpha design-2".to_string()]
        ]
    );
    assert_eq!(result.design.concerns[0].reviewers, ["alpha", "beta"]);
    assert_eq!(result.design.strengths.len(), 2);
}

#[test]
fn verification_status_and_dropped_items_are_carried() {
    use deep_review_core::report::{Dropped, Verification};
    let s = scenarios();
    let c = s
        .iter()
        .find(|s| s.name == "c-parser-near-miss")
        .expect("scenario");
    let mut v = VerifyOutcome::default();
    v.status.insert(
        ("alpha".to_string(), "C1".to_string()),
        Verification::Unverified,
    );
    v.status.insert(
        ("beta".to_string(), "C1".to_string()),
        Verification::Relocated,
    );
    v.dropped.push(Dropped {
        reviewer: "gamma".to_string(),
        local_id: "S9".to_string(),
        title: "gone".to_string(),
        reason: "file does not exist at abc1234".to_string(),
    });
    // The plain vote: this test is about verification and numbering.
    let majority = Policy {
        severity: deep_review_core::options::SeverityPolicy::Majority,
        ..Policy::default()
    };
    let result = consolidate(&c.reviews, &majority, &v);
    check_complete(&c.reviews, &v, &result).expect("nothing lost");
    let overflow = result
        .findings
        .iter()
        .find(|f| f.members.len() == 2 && f.severity == Severity::Critical)
        .expect("overflow group");
    assert_eq!(overflow.verification, Verification::Relocated);
    assert_eq!(result.dropped.len(), 1);
    assert_eq!(result.tallies["gamma"].dropped, 1);
    let alone = result
        .findings
        .iter()
        .find(|f| f.members.len() == 1)
        .expect("a single");
    assert_eq!(alone.verification, Verification::NotChecked);
    // Numbering follows severity, then reviewer count, then first appearance.
    let ids: Vec<&str> = result.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["C1", "I1", "I2"]);
}

#[test]
fn a_finding_gives_the_text_before_an_assessment_item() {
    let body = "Nothing exercises `retry_with_backoff`: add tests for giving up after `max_attempts` and for the backoff cap.";
    let mut gap = common::item(
        "testing-1",
        Severity::Important,
        "",
        "Retry loop untested",
        "No test covers `retry_with_backoff` giving up after `max_attempts` or the backoff cap.",
    );
    gap.severity_stated = true;
    let reviews = vec![
        review(
            "alpha",
            vec![common::item(
                "S1",
                Severity::Suggestion,
                "src/retry.rs",
                "No tests for `retry_with_backoff`",
                body,
            )],
        ),
        review("beta", vec![gap]),
    ];
    let majority = Policy {
        severity: deep_review_core::options::SeverityPolicy::Majority,
        ..Policy::default()
    };
    let result = consolidate(&reviews, &majority, &VerifyOutcome::default());
    let [finding] = result.findings.as_slice() else {
        panic!("one group expected: {:#?}", result.findings)
    };
    assert_eq!(finding.members.len(), 2);
    // The majority policy takes the higher severity on a tie, but the text is alpha's
    // finding.
    assert_eq!(finding.severity, Severity::Important);
    assert_eq!(finding.title, "No tests for `retry_with_backoff`");
    assert_eq!(finding.members[0].reviewer, "alpha");
    assert_eq!(finding.members[0].source, ItemSource::Finding);
}
