//! Properties of consolidation on random input: deterministic, independent of the
//! order reviews are given in, nothing lost, at most one member per reviewer.

use std::collections::BTreeSet;

use deep_review_core::consolidate::{check_complete, consolidate, Policy};
use deep_review_core::model::{ParsedReview, Severity};
use deep_review_core::verify::VerifyOutcome;
use proptest::prelude::*;

use crate::common;
use common::{item, review};

const WORDS: &[&str] = &[
    "lock",
    "await",
    "token",
    "`cache`",
    "leak",
    "`watcherMu`",
    "nil",
    "panic",
    "query",
    "`config.Timeout`",
    "timeout",
    "buffer",
    "overflow",
    "`reader.Close()`",
    "stream",
    "message",
    "test",
    "docs",
    "retry",
    "```go\nx := y.Z()\n```",
];

fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..max).prop_map(|w| w.join(" "))
}

fn location() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        (0..4u32).prop_map(|f| format!("src/f{f}.rs")),
        (0..4u32, 1..200u32, 0..12u32).prop_map(|(f, l, n)| format!("src/f{f}.rs:{l}-{}", l + n)),
    ]
}

fn reviews() -> impl Strategy<Value = Vec<ParsedReview>> {
    let one_item = (0..3usize, location(), text(6), text(25));
    prop::collection::vec(prop::collection::vec(one_item, 0..8), 1..5).prop_map(|panel| {
        panel
            .into_iter()
            .enumerate()
            .map(|(r, items)| {
                let items = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, (sev, loc, title, body))| {
                        let id = if i % 4 == 3 {
                            format!("testing-{i}")
                        } else {
                            format!("F{i}")
                        };
                        item(&id, Severity::ALL[sev], &loc, &title, &body)
                    })
                    .collect();
                review(&format!("r{r}"), items)
            })
            .collect()
    })
}

fn groups(reviews: &[ParsedReview]) -> BTreeSet<BTreeSet<(String, String)>> {
    consolidate(reviews, &Policy::default(), &VerifyOutcome::default())
        .findings
        .iter()
        .map(|f| {
            f.members
                .iter()
                .map(|m| (m.reviewer.clone(), m.local_id.clone()))
                .collect()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn deterministic_and_complete(panel in reviews()) {
        let v = VerifyOutcome::default();
        let a = consolidate(&panel, &Policy::default(), &v);
        let b = consolidate(&panel, &Policy::default(), &v);
        let ja = serde_json::to_string(&a.findings).expect("serialise");
        let jb = serde_json::to_string(&b.findings).expect("serialise");
        prop_assert_eq!(ja, jb);
        prop_assert!(check_complete(&panel, &v, &a).is_ok());
        for f in &a.findings {
            let names: BTreeSet<&str> = f.members.iter().map(|m| m.reviewer.as_str()).collect();
            prop_assert_eq!(names.len(), f.members.len());
        }
    }

    #[test]
    fn grouping_ignores_review_order(panel in reviews(), seed in any::<u64>()) {
        let mut shuffled = panel.clone();
        // A deterministic permutation from the seed.
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.rotate_left(i as u32) as usize) % (i + 1);
            shuffled.swap(i, j);
        }
        prop_assert_eq!(groups(&panel), groups(&shuffled));
    }
}
