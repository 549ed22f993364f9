//! Unit and property tests of the review parser as a whole.

use proptest::prelude::*;

use super::*;
use crate::model::{Decision, Severity};

#[test]
fn empty_and_prose() {
    let r = parse_review("x", 1, "  \n", None);
    assert!(r.items.is_empty());
    assert_eq!(r.diagnostics.len(), 1);
    let r = parse_review(
        "x",
        1,
        "The change looks fine to me.\n\nNothing else to add.",
        None,
    );
    assert!(r.items.is_empty());
    assert_eq!(r.summary.as_deref(), Some("The change looks fine to me."));
    assert!(r.diagnostics.iter().any(|d| d.message.contains("prose")));
}

#[test]
fn demoted_sections_are_found_by_name() {
    let text = "Some preamble.\n\n######## Summary\n\nAll good.\n\n######## Findings\n\n######### Important\n\n**I1. Bad thing** — `src/a.rs:3`\n\nBody.\n\n######## Verdict\n\nApprove with fixes\n";
    let r = parse_review("x", 1, text, None);
    assert_eq!(r.summary.as_deref(), Some("All good."));
    assert_eq!(r.items.len(), 1);
    assert_eq!(r.items[0].local_id, "I1");
    assert_eq!(r.items[0].severity, Severity::Important);
    assert_eq!(r.items[0].body, "Body.");
    assert_eq!(r.verdict, Some(Decision::MergeWithFixes));
}

#[test]
fn severity_precedence() {
    // inline statement > badge/prefix > heading
    let text = "## Suggestions\n\n**C1. A** — `a.rs:1` (important)\n\n**C2. B** — `a.rs:2`\n\n**X3. Third** — `a.rs:3`\n";
    let r = parse_review("x", 1, text, None);
    let sev: Vec<(String, Severity, bool)> = r
        .items
        .iter()
        .map(|i| (i.local_id.clone(), i.severity, i.severity_stated))
        .collect();
    assert_eq!(
        sev,
        vec![
            ("C1".into(), Severity::Important, true),
            ("C2".into(), Severity::Critical, true),
            ("X3".into(), Severity::Suggestion, true),
        ]
    );
}

#[test]
fn numbering_per_section_takes_the_severity_letter() {
    let text = "## Critical\n\n1. **A** — `a.rs:1`\n\n## Important\n\n1. **B** — `b.rs:1`\n2. **C** — `c.rs:1`\n";
    let r = parse_review("x", 1, text, None);
    let ids: Vec<&str> = r.items.iter().map(|i| i.local_id.as_str()).collect();
    assert_eq!(ids, vec!["C1", "I1", "I2"]);
    assert!(r
        .diagnostics
        .iter()
        .all(|d| !d.message.contains("used twice")));
}

#[test]
fn duplicate_ids_get_our_labels() {
    let text = "## Critical\n\n**C1. A** — `a.rs:1`\n\n**C1. B** — `b.rs:1`\n";
    let r = parse_review("x", 1, text, None);
    let ids: Vec<&str> = r.items.iter().map(|i| i.local_id.as_str()).collect();
    assert_eq!(ids, vec!["C1", "finding-1"]);
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("# ".to_string()),
        Just("####### ".to_string()),
        Just("## Critical Issues\n".to_string()),
        Just("### Design Observations\n**Concerns**\n".to_string()),
        Just("## Testing Assessment\n".to_string()),
        Just("**C1. Title** — ".to_string()),
        Just("1. **T** (high) — ".to_string()),
        Just("- **x.rs:3** — ".to_string()),
        Just("```".to_string()),
        Just("```diff\n".to_string()),
        Just("`src/a.rs:12-20`".to_string()),
        Just("[l](/root/p/x.go#L3-L1)".to_string()),
        Just("https://github.com/o/r/blob/s/a.ts#L9".to_string()),
        Just("(critical, regression)".to_string()),
        Just("`(in-scope)`".to_string()),
        Just("| Verdict | Approve |\n".to_string()),
        Just("{\"deep_review\": 1, \"findings\": [".to_string()),
        Just(":99999999999".to_string()),
        Just("—".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("   ".to_string()),
        "\\PC{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_text_parses_deterministically(text in "\\PC{0,300}") {
        let a = parse_review("r", 1, &text, Some("/root"));
        let b = parse_review("r", 1, &text, Some("/root"));
        prop_assert_eq!(a, b);
        let _ = parse_location(&text, Some("/root"));
    }

    #[test]
    fn markdownish_text_parses_deterministically(parts in proptest::collection::vec(fragment(), 0..40)) {
        let text = parts.concat();
        let a = parse_review("r", 1, &text, Some("/root"));
        let b = parse_review("r", 1, &text, Some("/root"));
        for item in &a.items {
            for l in &item.locations {
                if let (Some(s), Some(e)) = (l.line_start, l.line_end) {
                    prop_assert!(s >= 1 && s <= e);
                }
            }
        }
        prop_assert_eq!(a, b);
    }
}

#[test]
fn none_sections_give_no_items() {
    let text = "## Critical Issues\n\nNone.\n\n## Suggestions\n\n_None._\n\n## Testing\n\nNo issues.\n\n## Commit Structure\n\nSingle commit, single concept. Tests pass.\n";
    let r = parse_review("x", 1, text, None);
    assert!(r.items.is_empty(), "{:?}", r.items);
    assert_eq!(
        r.commits.as_deref(),
        Some("Single commit, single concept. Tests pass.")
    );
}

#[test]
fn unknown_sections_are_read_when_items_carry_signals_else_reported() {
    let text = "## Findings\n\n- **A** — `a.rs:1`\n\n## Security\n\n- **Token in log** — `auth.py:9` (critical)\n\n## Random thoughts\n\n- maybe rename things\n";
    let r = parse_review("x", 1, text, None);
    let titles: Vec<&str> = r.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["A", "Token in log"]);
    assert_eq!(r.items[1].severity, Severity::Critical);
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.message.contains("Random thoughts")));
}

#[test]
fn valid_json_block_wins_over_markdown() {
    let text = "## Findings\n\n**C1. From Markdown** — `a.rs:1`\n\n```json\n{\"deep_review\": 1, \"findings\": [{\"id\": \"I9\", \"title\": \"From JSON\", \"locations\": [\"b.rs:2\"]}]}\n```\n";
    let r = parse_review("x", 1, text, None);
    assert!(r.from_json);
    assert_eq!(r.items.len(), 1);
    assert_eq!(r.items[0].local_id, "I9");
    assert_eq!(
        r.items[0].severity,
        Severity::Important,
        "from the id prefix"
    );
}

#[test]
fn whole_text_codex_json() {
    let text = r#"{"findings":[{"title":"[P0] Crash","body":"b","priority":0,"code_location":{"absolute_file_path":"/ck/src/a.rs","line_range":{"start":3,"end":4}}}],"overall_correctness":"patch is incorrect","overall_explanation":"bad"}"#;
    let r = parse_review("codex", 1, text, Some("/ck/"));
    assert!(r.from_json);
    assert_eq!(r.items[0].title, "Crash");
    assert_eq!(r.items[0].severity, Severity::Critical);
    assert_eq!(
        r.items[0].locations,
        vec![Location::lines("src/a.rs", 3, 4)]
    );
    assert_eq!(r.verdict, Some(Decision::Rework));
}

#[test]
fn recommendations_section_holds_suggestions() {
    let text = "# Review\n\n## Recommendations\n\n1. Cache the parsed config — `cfg/load.go:10`\n2. Rename `x` to `count`\n";
    let r = parse_review("x", 1, text, None);
    let got: Vec<(&str, Severity, bool)> = r
        .items
        .iter()
        .map(|i| (i.local_id.as_str(), i.severity, i.severity_stated))
        .collect();
    assert_eq!(
        got,
        [
            ("1", Severity::Suggestion, true),
            ("2", Severity::Suggestion, true)
        ]
    );
}

#[test]
fn intro_bullets_of_a_section_with_finding_headings_are_not_findings() {
    let text = "## Findings\n\nThree issues:\n- 1 critical\n- 2 minor\n\n### C1. Crash on empty input — `src/a.rs:3`\n\nBody.\n\n### S1. Naming — `src/b.rs:9`\n";
    let r = parse_review("x", 1, text, None);
    let ids: Vec<&str> = r.items.iter().map(|i| i.local_id.as_str()).collect();
    assert_eq!(ids, ["C1", "S1"]);
    assert_eq!(r.items[0].body, "Body.");
}

#[test]
fn findings_before_the_first_heading_are_kept_but_prose_is_not() {
    let text = "Now I have read everything.\n\n**C1. Race on shutdown** — `srv/main.go:40`\n\nBody.\n\n## Testing\n\nNo test covers shutdown.\n";
    let r = parse_review("x", 1, text, None);
    let ids: Vec<&str> = r.items.iter().map(|i| i.local_id.as_str()).collect();
    assert_eq!(ids, ["C1", "testing-1"]);
    assert_eq!(r.items[0].ordinal, 0);
}

/// A severity-like heading in one of the spellings reviewers use: the name, with or
/// without an emoji, a suffix, a parenthetical, numbering or a colon, as a Markdown
/// heading of some depth or a bold line.
fn severity_heading() -> impl Strategy<Value = (String, Severity)> {
    let name = prop_oneof![
        Just(("Critical Issues", Severity::Critical)),
        Just(("Critical", Severity::Critical)),
        Just(("Blocking", Severity::Critical)),
        Just(("Must fix", Severity::Critical)),
        Just(("Important Issues", Severity::Important)),
        Just(("Important", Severity::Important)),
        Just(("High", Severity::Important)),
        Just(("Major issues", Severity::Important)),
        Just(("Medium priority", Severity::Important)),
        Just(("Should fix", Severity::Important)),
        Just(("Suggestions", Severity::Suggestion)),
        Just(("Nits", Severity::Suggestion)),
        Just(("Low", Severity::Suggestion)),
        Just(("Minor", Severity::Suggestion)),
        Just(("Nice to have", Severity::Suggestion)),
    ];
    let emoji = prop_oneof![Just(false), Just(true)];
    let suffix = prop_oneof![
        Just(""),
        Just(" — must fix before merge"),
        Just(" – nice to have"),
        Just(" (3 items)"),
        Just(" (2)"),
        Just(":"),
        Just(" - fix these first"),
    ];
    let number = prop_oneof![Just(""), Just("1. "), Just("2) ")];
    let form = prop_oneof![Just("## "), Just("### "), Just("#### "), Just("**"),];
    (name, emoji, suffix, number, form).prop_map(|((n, sev), emoji, s, num, form)| {
        let e = match (emoji, sev) {
            (false, _) => "",
            (true, Severity::Critical) => "🔴 ",
            (true, Severity::Important) => "🟠 ",
            (true, Severity::Suggestion) => "🟡 ",
        };
        let text = format!("{num}{e}{n}{s}");
        let heading = if form == "**" {
            format!("**{text}**")
        } else {
            format!("{form}{text}")
        };
        (heading, sev)
    })
}

/// An item line in one of the list styles, with a title and a location.
fn item_line(k: usize, style: usize) -> String {
    let file = format!("src/mod_{k}.rs:{}", 10 + k);
    match style % 5 {
        0 => format!("{}. **Problem number {k} in the parser** — `{file}`", k + 1),
        1 => format!("- **Problem number {k} in the parser** (`{file}`): it breaks."),
        2 => format!("* Problem number {k} in the parser — `{file}`"),
        3 => format!("**X{k}. Problem number {k} in the parser** — `{file}`\n\nIt breaks."),
        _ => format!("{}. Problem number {k} in the parser at `{file}`.", k + 1),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Nothing lost: every numbered or bulleted item under a severity-like heading is
    /// a finding, or the review carries a diagnostic saying what was not read.
    #[test]
    fn items_under_any_severity_heading_spelling_are_findings_or_diagnosed(
        sections in proptest::collection::vec((severity_heading(), 1usize..4, 0usize..5), 1..4),
        title in prop_oneof![Just(""), Just("# Review of the parser change\n\n")],
    ) {
        let mut text = String::from(title);
        let mut expected = 0;
        let mut k = 0;
        for ((heading, _), n, style) in &sections {
            text.push_str(heading);
            text.push_str("\n\n");
            for _ in 0..*n {
                text.push_str(&item_line(k, *style));
                text.push_str("\n\n");
                k += 1;
                expected += 1;
            }
        }
        let r = parse_review("r", 1, &text, None);
        let findings = r.items.iter().filter(|i| i.source == ItemSource::Finding).count();
        prop_assert!(
            findings == expected || !r.diagnostics.is_empty(),
            "{findings} of {expected} findings and no diagnostic in:\n{text}"
        );
        // Where they were all read, each has its heading's severity.
        if findings == expected {
            let mut i = 0;
            for ((_, sev), n, _) in &sections {
                for _ in 0..*n {
                    prop_assert_eq!(r.items[i].severity, *sev, "item {} in:\n{}", i, text);
                    i += 1;
                }
            }
        }
    }
}

#[test]
fn a_closing_test_remark_after_a_list_is_not_the_last_items_body() {
    // CommonMark: an unindented paragraph after a blank line ends the list. The
    // remark about tests is an assessment item, its text in the Testing section.
    let text = "Findings:\n\n1. **[P1] Data race in `take`** — `a/bucket.py:16`\n   Two threads both see room.\n\n2. **[P3] Unused import `functools`** — `a/bucket.py:2`\n\nNo tests were added for concurrent use; the existing ones are single-threaded.\n";
    let r = parse_review("codex", 1, text, None);
    let last = r.items.iter().find(|i| i.title.contains("functools"));
    assert_eq!(last.map(|i| i.body.as_str()), Some(""));
    let remark: Vec<_> = r
        .items
        .iter()
        .filter(|i| i.source == ItemSource::Testing)
        .collect();
    assert_eq!(remark.len(), 1, "{:#?}", r.items);
    assert!(remark[0].title.starts_with("No tests were added"));
    assert!(r
        .testing
        .as_deref()
        .is_some_and(|t| t.contains("single-threaded")));
}

#[test]
fn unindented_bodies_stay_with_their_item() {
    // Reviewers who do not indent their bodies: the paragraph is the item's, whether
    // another item follows or not, unless it is a remark about tests or docs.
    let text = "## Important\n\n1. **Lock never taken** — `a.py:3`\n\nThe lock is created but never acquired.\n\n**Fix:** wrap the body in `with self._lock:`.\n";
    let r = parse_review("x", 1, text, None);
    assert_eq!(r.items.len(), 1);
    assert!(
        r.items[0].body.contains("never acquired"),
        "{:?}",
        r.items[0].body
    );
    assert!(r.items[0].body.contains("Fix"));
    assert!(r.testing.is_none());
    // Nothing in the list is indented: an unindented test remark is the last item's too.
    let text = "## Important\n\n1. **Null body crashes** — `a.py:3`\n\nThe handler is never tested with an empty body.\n";
    let r = parse_review("x", 1, text, None);
    assert_eq!(r.items.len(), 1, "{:#?}", r.items);
    assert!(r.items[0].body.contains("never tested"));
    // Indented continuation then an unindented docs remark: the remark leaves.
    let text = "## Suggestions\n\n- **Rename `x`** — `a.py:3`\n  It shadows the builtin.\n\nThe README still documents the old flag.\n";
    let r = parse_review("x", 1, text, None);
    assert_eq!(r.items[0].body, "It shadows the builtin.");
    assert!(r
        .documentation
        .as_deref()
        .is_some_and(|d| d.contains("README")));
    assert!(r
        .items
        .iter()
        .any(|i| i.source == ItemSource::Documentation && i.title.contains("README")));
}

#[test]
fn a_testing_item_naming_a_finding_by_subject_restates_it() {
    let text = "### Important Issues\n\n- **`capacity=0` divides by zero** — `a/bucket.py:11`. `rate / capacity` raises.\n\n### Suggestions\n\n- **Monotonic clock** — `a/bucket.py:9`. Prefer `time.monotonic()`.\n\n### Testing\n\n- Missing:\n- the zero-capacity configuration\n- a test for `reset()` at `a/bucket.py:30` with zero capacity\n";
    let r = parse_review("gemini", 1, text, None);
    let restates: Vec<(&str, Option<&str>)> = r
        .items
        .iter()
        .filter(|i| i.source == ItemSource::Testing)
        .map(|i| (i.title.as_str(), i.restates.as_deref()))
        .collect();
    let finding = r
        .items
        .iter()
        .find(|i| i.title.contains("divides"))
        .map(|i| i.local_id.as_str());
    assert!(finding.is_some());
    // The located item is a distinct gap at its own place, never a restatement.
    assert_eq!(restates.len(), 2, "{restates:?}");
    assert_eq!(restates[0].1, finding, "{restates:?}");
    assert_eq!(restates[1].1, None, "{restates:?}");
}

#[test]
fn an_entry_kept_only_for_an_unknown_id_never_restates_by_subject() {
    let text = "## Important Issues\n\n**I1. Retry backoff is unbounded** — `a.go:3`\n\nIt doubles forever.\n\n## Testing\n\n- the retry backoff (see I7)\n";
    let r = parse_review("x", 1, text, None);
    assert_eq!(r.items.len(), 1, "{:#?}", r.items);
    assert!(r.testing.is_some_and(|t| t.contains("see I7")));
}
