//! A pull request's revisions in the user's clone: its head (`refs/pull/N/head`) and
//! its base branch fetched from the `clone_url` the API gives into a private ref
//! namespace (`refs/deep-review/pull/N/…`), so the review runs on them like on a local
//! branch without touching the user's branches, index or working tree.

use std::path::Path;

use super::model::PullRequest;
use crate::git::git_output;
use crate::target::TargetError;

/// Where a fetched pull request's revisions are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedPr {
    /// `refs/deep-review/pull/N/head`.
    pub head_ref: String,
    /// `refs/deep-review/pull/N/base`: the base branch as fetched.
    pub base_ref: String,
}

/// The private refs of pull request `number`.
pub fn private_refs(number: u64) -> (String, String) {
    (
        format!("refs/deep-review/pull/{number}/head"),
        format!("refs/deep-review/pull/{number}/base"),
    )
}

/// Fetches the pull request's head and base branch into `repo_root`'s object store
/// under [`private_refs`]. Needs the clone URL to be reachable without credentials (a
/// public repository, or a local path).
pub fn fetch_into(repo_root: &Path, pr: &PullRequest) -> Result<FetchedPr, TargetError> {
    let (head_ref, base_ref) = private_refs(pr.number);
    let base_branch = pr.base.ref_name.trim_start_matches("refs/heads/");
    if base_branch.is_empty() || base_branch.starts_with('-') || pr.clone_url.starts_with('-') {
        return Err(TargetError::Git {
            args: "fetch".into(),
            stderr: format!(
                "the pull request's clone URL or base branch is not usable ({:?}, {:?})",
                pr.clone_url, pr.base.ref_name
            ),
        });
    }
    let head_spec = format!("+refs/pull/{}/head:{head_ref}", pr.number);
    let base_spec = format!("+refs/heads/{base_branch}:{base_ref}");
    git_output(
        repo_root,
        &[
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--",
            pr.clone_url.as_str(),
            head_spec.as_str(),
            base_spec.as_str(),
        ],
    )?;
    Ok(FetchedPr { head_ref, base_ref })
}
