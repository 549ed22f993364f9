//! Checking each item's locations against the head revision: the file exists, the
//! lines exist, a quoted snippet is really there (moving the line numbers when it is
//! found elsewhere). Items on files that do not exist are dropped with the reason.

use std::collections::HashMap;

use crate::model::ParsedReview;
use crate::report::{Dropped, Verification};

/// Read access to the files of one revision.
pub trait SourceTree {
    /// The file's text, or `None` when it does not exist at this revision.
    fn read(&self, path: &str) -> Option<String>;
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
    let _ = (reviews, tree);
    unimplemented!("verify_reviews")
}

/// A revision of a real git repository, read with `git`.
pub struct GitTree {
    pub repo: std::path::PathBuf,
    pub rev: String,
}

impl GitTree {
    pub fn new(repo: std::path::PathBuf, rev: String) -> Self {
        GitTree { repo, rev }
    }
}

impl SourceTree for GitTree {
    fn read(&self, path: &str) -> Option<String> {
        let _ = path;
        unimplemented!("GitTree::read")
    }
}
