//! Fuzzes the review parser: any bytes (read as lossy UTF-8) must parse without a
//! panic, and `parse_location` must accept or reject every line without one.
#![no_main]

use deep_review_core::parse::{find_locations, parse_location, parse_review};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let review = parse_review("fuzz", 1, &text, Some("/work/checkout"));
    for item in &review.items {
        for l in &item.locations {
            if let (Some(a), Some(b)) = (l.line_start, l.line_end) {
                assert!(a >= 1 && a <= b, "bad range {l:?}");
            }
        }
    }
    for line in text.lines().take(64) {
        let _ = parse_location(line, Some("/work/checkout"));
        let _ = find_locations(line, None);
    }
});
