//! A pull request as deep-review reads it from its host: the values [`super::fetch`]
//! builds from GitHub's REST and GraphQL answers, serde both ways so they can be saved
//! in the work directory and read back. Host-neutral: nothing here names GitHub's wire
//! shapes (those live in `fetch`).

use serde::{Deserialize, Serialize};

/// One pull request with everything deep-review reads from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub owner: String,
    pub repo: String,
    pub number: u64,
    pub title: String,
    /// The login of who opened it (`ghost` when the account is gone).
    pub author: String,
    /// The description (empty when there is none).
    pub body: String,
    pub html_url: String,
    pub base: Branch,
    pub head: Branch,
    /// Where the head can be fetched from (as `refs/pull/N/head`): the base
    /// repository's clone URL, as the API gives it.
    pub clone_url: String,
    /// Oldest first. GitHub lists at most 250: compare with [`PullRequest::commit_count`].
    pub commits: Vec<Commit>,
    /// GitHub lists at most 3,000: compare with [`PullRequest::changed_files`].
    pub files: Vec<ChangedFile>,
    /// How many commits the pull request has (which may be more than are listed).
    pub commit_count: u64,
    /// How many files it changes (which may be more than are listed).
    pub changed_files: u64,
    pub threads: Vec<ReviewThread>,
    pub reviews: Vec<Review>,
    pub comments: Vec<Comment>,
}

impl PullRequest {
    /// Whether GitHub listed fewer commits or files than the pull request has (its
    /// listing caps: 250 commits, 3,000 files), for a note in the report.
    pub fn truncated(&self) -> bool {
        (self.commits.len() as u64) < self.commit_count
            || (self.files.len() as u64) < self.changed_files
    }
}

/// One side of the pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// The branch name (`main`), not `refs/heads/main`.
    #[serde(rename = "ref")]
    pub ref_name: String,
    pub sha: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    pub sha: String,
    /// The first line of the message.
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedFile {
    pub path: String,
    pub status: FileStatus,
    pub additions: u64,
    pub deletions: u64,
    /// The old path of a renamed or copied file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_path: Option<String>,
}

/// GitHub's `status` of a changed file; [`FileStatus::Other`] keeps values added later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Added,
    Removed,
    Modified,
    Renamed,
    Copied,
    Changed,
    Unchanged,
    #[serde(untagged)]
    Other(String),
}

impl FileStatus {
    pub fn parse(s: &str) -> FileStatus {
        match s {
            "added" => FileStatus::Added,
            "removed" => FileStatus::Removed,
            "modified" => FileStatus::Modified,
            "renamed" => FileStatus::Renamed,
            "copied" => FileStatus::Copied,
            "changed" => FileStatus::Changed,
            "unchanged" => FileStatus::Unchanged,
            other => FileStatus::Other(other.to_string()),
        }
    }
}

/// An inline review thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewThread {
    pub id: String,
    pub is_resolved: bool,
    /// The lines it was written on changed since.
    pub is_outdated: bool,
    pub path: String,
    /// The line on the current head (none when outdated).
    pub line: Option<u64>,
    /// The first line of a multi-line thread.
    pub start_line: Option<u64>,
    /// The line in the diff it was written against.
    pub original_line: Option<u64>,
    pub comments: Vec<Comment>,
}

impl ReviewThread {
    /// `path:line` (the line on the head, else the one it was written against), or the
    /// path alone.
    pub fn place(&self) -> String {
        match self.line.or(self.original_line) {
            Some(line) => format!("{}:{line}", self.path),
            None => self.path.clone(),
        }
    }
}

/// A comment: on a thread, a review's body, or on the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub author: String,
    pub body: String,
    pub url: String,
    /// RFC 3339.
    pub created_at: String,
}

/// A submitted review (its body may be empty: approvals often are).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: u64,
    pub author: String,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`, `PENDING`.
    pub state: String,
    pub body: String,
    pub url: String,
    /// The head the review was written against.
    pub commit_id: Option<String>,
    pub submitted_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_statuses_round_trip_and_keep_unknown_ones() {
        for (text, status) in [
            ("renamed", FileStatus::Renamed),
            ("removed", FileStatus::Removed),
            ("fancy-new", FileStatus::Other("fancy-new".to_string())),
        ] {
            assert_eq!(FileStatus::parse(text), status);
            let json = serde_json::to_value(&status).expect("serialize");
            assert_eq!(json, serde_json::json!(text));
            let back: FileStatus = serde_json::from_value(json).expect("deserialize");
            assert_eq!(back, status);
        }
        let file = ChangedFile {
            path: "b.rs".to_string(),
            status: FileStatus::Renamed,
            additions: 1,
            deletions: 0,
            previous_path: Some("a.rs".to_string()),
        };
        let json = serde_json::to_string(&file).expect("serialize");
        assert_eq!(
            serde_json::from_str::<ChangedFile>(&json).expect("read back"),
            file
        );
        let branch: Branch = serde_json::from_str(r#"{"ref":"main","sha":"abc"}"#).expect("branch");
        assert_eq!(branch.ref_name, "main");
    }
}
