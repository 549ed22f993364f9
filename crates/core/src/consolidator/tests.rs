use super::answer::{parse_answer, MAX_SUMMARY_CHARS};
use super::*;
use crate::consolidate::Proposal;
use crate::model::Severity;

#[test]
fn reads_a_fenced_answer_after_prose() {
    let text = "Here you go.\n\n```json\n{\"deep_review_consolidator\": 1,\n \"summary\": \"First.\\n\\nSecond.\",\n \"verdict_reason\": \"Fix  I1\\nfirst.\",\n \"retro\": {\"a\": \"Good.\", \"b\": 3},\n \"merges\": [{\"findings\": [\"I1\", \"S2\"], \"reason\": \"same bug\"}],\n \"severity_changes\": [{\"finding\": \"S1\", \"severity\": \"High\", \"reason\": \"real\"}],}\n```\n";
    let a = parse_answer(text).unwrap();
    assert_eq!(a.summary.as_deref(), Some("First.\n\nSecond."));
    assert_eq!(a.verdict_reason.as_deref(), Some("Fix I1 first."));
    assert_eq!(
        a.retro.len(),
        1,
        "a number is not a paragraph: {:?}",
        a.retro
    );
    assert_eq!(
        a.proposals,
        vec![
            Proposal::Merge {
                findings: vec!["I1".into(), "S2".into()],
                reason: "same bug".into()
            },
            Proposal::Severity {
                finding: "S1".into(),
                severity: Severity::Important,
                reason: "real".into()
            }
        ]
    );
}

#[test]
fn prefers_the_marked_block_and_the_whole_text() {
    let marked = "```json\n{\"deep_review_consolidator\": 1, \"summary\": \"ours\"}\n```\n\n```json\n{\"summary\": \"an example\"}\n```\n";
    assert_eq!(
        parse_answer(marked).unwrap().summary.as_deref(),
        Some("ours")
    );
    let whole = "{\"summary\": \"bare\"}";
    assert_eq!(
        parse_answer(whole).unwrap().summary.as_deref(),
        Some("bare")
    );
}

#[test]
fn bad_entries_are_rejected_one_by_one() {
    let text = r#"{"deep_review_consolidator": 1,
        "merges": [{"findings": "I1 and I2"}, {"findings": ["I1", "I3"], "reason": "x"}],
        "severity_changes": [{"finding": "S1", "severity": "urgent"}, {"severity": "critical"}]}"#;
    let a = parse_answer(text).unwrap();
    assert_eq!(a.proposals.len(), 1);
    let why: Vec<&str> = a
        .unreadable
        .iter()
        .map(|p| p.rejected_because.as_deref().unwrap())
        .collect();
    assert_eq!(why.len(), 3, "{why:?}");
    assert!(why[0].contains("`findings` is not a list"), "{why:?}");
    assert!(why[1].contains("`severity` is not"), "{why:?}");
    assert!(why[2].contains("`finding` is not an id"), "{why:?}");
}

#[test]
fn unusable_answers_say_why() {
    assert!(parse_answer("I think the change is fine.")
        .unwrap_err()
        .contains("no JSON object"));
    assert!(parse_answer("```json\n{\"summary\": \"x\",, oops\n```")
        .unwrap_err()
        .contains("not valid"));
    assert!(parse_answer("{\"deep_review_consolidator\": 1}")
        .unwrap_err()
        .contains("none of the parts"));
}

#[test]
fn model_text_is_cleaned_before_it_reaches_the_report() {
    let long = "word ".repeat(2_000);
    let text = serde_json::json!({
        "summary": format!("# Heading\n\nText \u{1b}[31mred\u{1b}[0m.\n\n```\ncode\n```\n\n{long}"),
        "verdict_reason": "Fix\u{7}it.",
    })
    .to_string();
    let a = parse_answer(&text).unwrap();
    let summary = a.summary.unwrap();
    assert!(
        !summary.contains('#') && !summary.contains("```"),
        "{summary}"
    );
    assert!(!summary.contains('\u{1b}'), "{summary}");
    assert!(summary.chars().count() <= MAX_SUMMARY_CHARS + 1);
    assert!(summary.ends_with('…'));
    assert_eq!(a.verdict_reason.as_deref(), Some("Fix\u{fffd}it."));
}

#[test]
fn the_prompt_carries_the_report_as_data_and_the_rules() {
    let scenario = crate::narrative::fixtures::go_gateway();
    let report = crate::narrative::build_report(&scenario.input());
    let text = prompt::build(&report);
    assert!(text.contains("BEGIN DATA"), "{text}");
    assert!(text.contains(answer::MARKER));
    assert!(text.contains(&format!(
        "within {} lines",
        crate::consolidate::MAX_MERGE_GAP
    )));
    for f in &report.findings {
        assert!(text.contains(&format!("\"id\": \"{}\"", f.id)), "{}", f.id);
    }
    assert!(text.contains(report.verdict.decision.label()));
}

#[test]
fn describe_says_what_was_proposed_and_what_became_of_it() {
    let p = ModelProposal {
        kind: "severity".into(),
        findings: vec!["S1".into()],
        severity: Some(Severity::Important),
        reason: "panics on input".into(),
        rejected_because: None,
        now: Some("I2".into()),
    };
    assert_eq!(p.line(), "severity S1 → important (panics on input) → I2");
    let r = ModelProposal {
        kind: "merge".into(),
        findings: vec!["I1".into(), "I9".into()],
        severity: None,
        reason: "same".into(),
        rejected_because: Some("the report has no finding I9".into()),
        now: None,
    };
    assert_eq!(
        r.line(),
        "merge I1 + I9 (same): rejected: the report has no finding I9"
    );
}

#[test]
fn a_huge_report_is_cut_to_fit_and_says_how_much_was_left_out() {
    let scenario = crate::narrative::fixtures::go_gateway();
    let mut report = crate::narrative::build_report(&scenario.input());
    let one = report.findings[0].clone();
    report.findings = (0..5_000)
        .map(|k| {
            let mut f = one.clone();
            f.id = format!("S{k}");
            f.title = format!("{} number {k}", one.title);
            f
        })
        .collect();
    let text = prompt::build(&report);
    assert!(text.len() < 120_000, "{} bytes", text.len());
    let left_out: usize = text
        .split("\"findings_left_out\": ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .expect("the count is in the prompt");
    assert!(left_out > 0 && left_out < 5_000, "{left_out}");
    assert!(text.contains("\"id\": \"S0\""), "the first findings stay");
}
