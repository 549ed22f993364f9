//! A pull request's revisions in the user's clone: its head (`refs/pull/N/head`) and
//! its base branch fetched from the `clone_url` the API gives into a private ref
//! namespace (`refs/deep-review/pull/N/…`), so the review runs on them like on a local
//! branch without touching the user's branches, index or working tree.

use std::path::Path;

use super::model::{PullRequest, ReviewThread};
use crate::git::git_output;
use crate::target::TargetError;

/// Where a fetched pull request's revisions are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedPr {
    /// `refs/deep-review/pull/N/head`.
    pub head_ref: String,
    /// The head commit as fetched (may differ from the API's when pushed since).
    pub head: String,
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
    let head = String::from_utf8_lossy(&git_output(
        repo_root,
        &[
            "rev-parse",
            "--verify",
            "--end-of-options",
            &format!("{head_ref}^{{commit}}"),
        ],
    )?)
    .trim()
    .to_string();
    Ok(FetchedPr {
        head_ref,
        head,
        base_ref,
    })
}

/// The pull request's unresolved review threads as Markdown, for the reviewers'
/// prompt (as data): path and line, state, and each comment's author and first lines.
/// None when there is none.
pub fn open_threads_markdown(threads: &[ReviewThread]) -> Option<String> {
    let open: Vec<&ReviewThread> = threads.iter().filter(|t| !t.is_resolved).collect();
    if open.is_empty() {
        return None;
    }
    let mut out = String::new();
    for t in open {
        let place = match t.line.or(t.original_line) {
            Some(line) => format!("{}:{line}", t.path),
            None => t.path.clone(),
        };
        let state = if t.is_outdated { " (outdated)" } else { "" };
        out.push_str(&format!("- `{place}`{state}\n"));
        for c in &t.comments {
            let text: String = c.body.lines().take(6).collect::<Vec<_>>().join(" ");
            out.push_str(&format!(
                "  - {}: {}\n",
                c.author,
                crate::prose::one_line(&text)
            ));
        }
    }
    Some(out)
}
