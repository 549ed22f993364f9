//! Checking each item's locations against the head revision: the file exists, the
//! lines exist, a quoted snippet is really there (moving the line numbers when it is
//! found elsewhere). Items on files that do not exist are dropped with the reason.
//!
//! [`verify_reviews`] is pure over a [`SourceTree`]; [`GitTree`] reads a revision with
//! the real `git`, `BTreeMap<String, String>` serves tests.

use std::collections::{BTreeMap, HashMap};

pub use crate::git::{GitTree, GitTreeError};
use crate::model::{Location, ParsedReview, ReviewItem};
use crate::prose::one_line;
use crate::report::{Dropped, Verification};

/// Read access to the files of one revision.
pub trait SourceTree {
    /// The file's text, or `None` when it does not exist at this revision.
    fn read(&self, path: &str) -> Option<String>;

    /// A short name of the revision for messages (`3f2a9c1`), when known.
    fn revision(&self) -> Option<String> {
        None
    }
}

/// What verification decided, item by item.
#[derive(Debug, Clone, Default)]
pub struct VerifyOutcome {
    /// Keyed by (reviewer, local_id).
    pub status: HashMap<(String, String), Verification>,
    pub dropped: Vec<Dropped>,
}

/// Verifies (and relocates, in place) every item of every review; dropped items are
/// removed from `reviews` and listed in the outcome.
pub fn verify_reviews(reviews: &mut [ParsedReview], tree: &dyn SourceTree) -> VerifyOutcome {
    let mut outcome = VerifyOutcome::default();
    let revision = tree
        .revision()
        .unwrap_or_else(|| "the head revision".to_string());
    let mut files: HashMap<String, Option<Vec<String>>> = HashMap::new();
    for review in reviews.iter_mut() {
        let items = std::mem::take(&mut review.items);
        for mut item in items {
            let key = (review.reviewer.clone(), item.local_id.clone());
            match verify_item(&mut item, tree, &mut files) {
                Some(status) => {
                    outcome.status.insert(key, status);
                    review.items.push(item);
                }
                None => outcome.dropped.push(Dropped {
                    reviewer: review.reviewer.clone(),
                    local_id: item.local_id.clone(),
                    title: item.title.clone(),
                    reason: format!("file does not exist at {revision}"),
                }),
            }
        }
    }
    outcome
}

/// The item's status, or `None` when it must be dropped (no location's file exists).
fn verify_item(
    item: &mut ReviewItem,
    tree: &dyn SourceTree,
    files: &mut HashMap<String, Option<Vec<String>>>,
) -> Option<Verification> {
    if item.locations.is_empty() {
        return Some(Verification::NotChecked);
    }
    let mut existing = None;
    for (index, loc) in item.locations.iter().enumerate() {
        let lines = files
            .entry(loc.path.clone())
            .or_insert_with(|| tree.read(&loc.path).map(|t| split_lines(&t)));
        if lines.is_some() {
            existing = Some(index);
            break;
        }
    }
    let index = existing?;
    let lines = files
        .get(&item.locations[index].path)
        .and_then(|l| l.as_ref())?;
    if index != 0 {
        // The primary location's file is missing but another exists.
        return Some(Verification::Unverified);
    }
    let loc = &item.locations[0];
    let in_range = match (loc.line_start, loc.line_end) {
        (Some(start), end) => {
            let end = end.unwrap_or(start).max(start);
            start >= 1 && (end as usize) <= lines.len()
        }
        _ => true,
    };
    let Some(snippet) = item.snippets.iter().find_map(|s| distinctive_lines(s)) else {
        return Some(if in_range {
            Verification::Verified
        } else {
            Verification::Unverified
        });
    };
    let matches = find_snippet(lines, &snippet);
    if matches.is_empty() {
        return Some(Verification::Unverified);
    }
    let Some(start) = loc.line_start else {
        // A file-level location with a snippet that is there.
        return Some(Verification::Verified);
    };
    let end = loc.line_end.unwrap_or(start).max(start);
    let overlapping = matches
        .iter()
        .any(|&(a, b)| a <= end.saturating_add(2) && b.saturating_add(2) >= start);
    if overlapping && in_range {
        return Some(Verification::Verified);
    }
    // Relocate to the match nearest to the stated lines.
    let nearest = matches
        .iter()
        .min_by_key(|&&(a, _)| (a.abs_diff(start), a))
        .copied();
    if let Some((a, b)) = nearest {
        item.locations[0] = Location::lines(loc.path.clone(), a, b);
    }
    Some(Verification::Relocated)
}

fn split_lines(text: &str) -> Vec<String> {
    text.lines().map(one_line).collect()
}

/// At most this many distinctive snippet lines must match.
const MATCH_LINES: usize = 3;
/// Lines of the file allowed between two matched snippet lines (elisions, blanks).
const MAX_GAP: u32 = 6;

/// The snippet's distinctive lines (normalised), or None when it has none: elision
/// lines (`...`, `// ...`), blank lines and lines of a few characters are skipped.
fn distinctive_lines(snippet: &str) -> Option<Vec<String>> {
    let lines: Vec<String> = snippet
        .lines()
        .map(one_line)
        .filter(|l| !l.contains("...") && !l.contains('…'))
        .filter(|l| l.chars().filter(|c| c.is_alphanumeric()).count() >= 4)
        .collect();
    (!lines.is_empty()).then_some(lines)
}

/// Where the snippet's first distinctive lines appear in the file, in order and close
/// together: (first line, last line), 1-based.
fn find_snippet(file: &[String], snippet: &[String]) -> Vec<(u32, u32)> {
    let wanted: Vec<&String> = snippet.iter().take(MATCH_LINES).collect();
    let Some(first) = wanted.first() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (i, line) in file.iter().enumerate() {
        if !line_matches(line, first) {
            continue;
        }
        let mut last = i;
        let mut ok = true;
        for want in wanted.iter().skip(1) {
            let next = (last + 1..file.len())
                .take(MAX_GAP as usize + 1)
                .find(|&j| line_matches(&file[j], want));
            match next {
                Some(j) => last = j,
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            found.push((i as u32 + 1, last as u32 + 1));
        }
    }
    found
}

/// Equal, or the file line contains the quoted line (reviewers drop trailing comments
/// and arguments); short quoted lines must be equal.
fn line_matches(file_line: &str, quoted: &str) -> bool {
    file_line == quoted || (quoted.len() >= 12 && file_line.contains(quoted))
}

impl SourceTree for BTreeMap<String, String> {
    fn read(&self, path: &str) -> Option<String> {
        self.get(path).cloned()
    }
}

impl SourceTree for GitTree {
    fn read(&self, path: &str) -> Option<String> {
        self.read_file(path)
    }

    fn revision(&self) -> Option<String> {
        Some(self.short_rev().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ItemSource, Severity};

    const LIB: &str = "fn main() {\n    let config = load_config();\n    \
                       let server = Server::new(config);\n    server.run();\n}\n\n\
                       fn load_config() -> Config {\n    Config::default()\n}\n";

    fn item(id: &str, locations: Vec<Location>, snippet: Option<&str>) -> ReviewItem {
        ReviewItem {
            local_id: id.to_string(),
            source: ItemSource::Finding,
            severity: Severity::Important,
            severity_stated: true,
            title: format!("title of {id}"),
            locations,
            body: String::new(),
            snippets: snippet.map(|s| vec![s.to_string()]).unwrap_or_default(),
            tags: Vec::new(),
            ordinal: 0,
            restates: None,
        }
    }

    fn tree() -> BTreeMap<String, String> {
        BTreeMap::from([("src/main.rs".to_string(), LIB.to_string())])
    }

    #[test]
    fn statuses() {
        let check = |it: ReviewItem, expected: Option<Verification>, loc: Option<Location>| {
            let mut reviews = vec![ParsedReview {
                reviewer: "r".to_string(),
                items: vec![it],
                ..Default::default()
            }];
            let out = verify_reviews(&mut reviews, &tree());
            let got = out.status.values().next().copied();
            assert_eq!(got, expected);
            match expected {
                Some(_) => assert_eq!(reviews[0].items[0].locations.first().cloned(), loc),
                None => {
                    assert!(reviews[0].items.is_empty());
                    assert_eq!(out.dropped.len(), 1);
                    assert!(out.dropped[0].reason.starts_with("file does not exist at"));
                }
            }
        };
        let at = |a, b| Location::lines("src/main.rs", a, b);
        check(
            item("a", vec![at(2, 3)], None),
            Some(Verification::Verified),
            Some(at(2, 3)),
        );
        check(
            item("b", vec![at(40, 41)], None),
            Some(Verification::Unverified),
            Some(at(40, 41)),
        );
        check(
            item("c", vec![], None),
            Some(Verification::NotChecked),
            None,
        );
        check(
            item("d", vec![Location::lines("gone.rs", 1, 2)], None),
            None,
            None,
        );
        let snippet = "let server = Server::new(config);\n// ...\nserver.run();";
        check(
            item("e", vec![at(3, 4)], Some(snippet)),
            Some(Verification::Verified),
            Some(at(3, 4)),
        );
        check(
            item("f", vec![at(30, 31)], Some(snippet)),
            Some(Verification::Relocated),
            Some(at(3, 4)),
        );
        check(
            item("g", vec![at(3, 4)], Some("let nothing_like_this = 1;")),
            Some(Verification::Unverified),
            Some(at(3, 4)),
        );
        check(
            item("h", vec![Location::lines("gone.rs", 1, 2), at(2, 2)], None),
            Some(Verification::Unverified),
            Some(Location::lines("gone.rs", 1, 2)),
        );
    }
}
