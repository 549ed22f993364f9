//! Fuzzes consolidation: the input is split on NUL bytes into up to four reviews (lossy
//! UTF-8), each parsed as its own reviewer's; consolidating them must not panic, and
//! must account for every item exactly once (`check_complete`, the "nothing lost"
//! proof), with every finding's members drawn from the parsed reviews.
#![no_main]

use deep_review_core::consolidate::{check_complete, consolidate, Policy};
use deep_review_core::options::SeverityPolicy;
use deep_review_core::parse::parse_review;
use deep_review_core::verify::VerifyOutcome;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let reviews: Vec<_> = data
        .split(|b| *b == 0)
        .take(4)
        .enumerate()
        .map(|(i, part)| {
            let text = String::from_utf8_lossy(part);
            parse_review(&format!("r{i}"), 1, &text, Some("/work/checkout"))
        })
        .collect();
    let verification = VerifyOutcome::default();
    let policy = Policy {
        severity: SeverityPolicy::ALL[data.len() % SeverityPolicy::ALL.len()],
    };
    let result = consolidate(&reviews, &policy, &verification);
    if let Err(e) = check_complete(&reviews, &verification, &result) {
        panic!("consolidation lost or duplicated items: {e}");
    }
});
