//! Reading a reviewer's review into a [`ParsedReview`]: the fenced JSON block when
//! there is one, otherwise the Markdown itself. Pure; never fails, never panics:
//! what cannot be read becomes a diagnostic.

use crate::model::{Location, ParsedReview};

/// Parses one review. `checkout_root` is the absolute path the reviewer worked in (when
/// known), stripped from absolute paths so locations are repository-relative.
pub fn parse_review(
    reviewer: &str,
    pass: u32,
    text: &str,
    checkout_root: Option<&str>,
) -> ParsedReview {
    let _ = (reviewer, pass, text, checkout_root);
    unimplemented!("parse_review")
}

/// Reads one location spelling (`path:12`, `path:12-20`, `[x](/abs/p#L3-L9)`, …).
pub fn parse_location(text: &str, checkout_root: Option<&str>) -> Option<Location> {
    let _ = (text, checkout_root);
    unimplemented!("parse_location")
}

/// `review-<reviewer>-pass-<n>.md` → (`reviewer`, n).
pub fn review_file_name(name: &str) -> Option<(String, u32)> {
    let stem = name.strip_prefix("review-")?.strip_suffix(".md")?;
    let (reviewer, pass) = stem.rsplit_once("-pass-")?;
    if reviewer.is_empty() {
        return None;
    }
    Some((reviewer.to_string(), pass.parse().ok()?))
}
