//! Pull requests on GitHub. The read side: naming one ([`target`]), the API client
//! ([`client`]: REST + GraphQL, pagination, rate limits, a token that never prints) and
//! reading a pull request into the host-neutral [`model`] ([`fetch`]), and its
//! revisions fetched under private refs ([`checkout`]) into the user's clone or a
//! cached bare mirror ([`mirror`]) so `review owner/repo#N` runs on them from anywhere.
//! The host sits behind [`PrHost`] so GitLab can follow. The write side: [`publish`]
//! (`review --post`), placing findings on the diff with [`hunks`] and finding its
//! earlier review by its [`marker`]. [`bots`] reads what review bots write in their
//! comments (the `import` backend, Unresolved Feedback).

pub mod bots;
pub mod checkout;
pub mod client;
pub mod feedback;
pub mod fetch;
pub mod hunks;
pub mod marker;
pub mod mirror;
pub mod model;
pub mod publish;
pub mod target;

use std::future::Future;

pub use client::{Client, Endpoints, GitHubError, Token};
pub use model::PullRequest;
pub use target::{parse_pr, repo_from_remote, PrRef, RepoRef};

/// A code host deep-review reads pull requests from and publishes reviews to: the seam
/// a GitLab host would implement ([`Client`] is GitHub's).
pub trait PrHost {
    type Error: std::error::Error;
    type PublishError: std::error::Error;

    /// Everything deep-review reads about pull request `number` of `owner/repo`.
    fn fetch_pr(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> impl Future<Output = Result<PullRequest, Self::Error>> + Send;

    /// Publishes `report` on `pr` as one review (see [`publish`]): `repo` holds its
    /// revisions, a dry run writes the requests into `workdir` instead.
    fn publish(
        &self,
        pr: &PullRequest,
        report: &crate::report::Report,
        repo: &std::path::Path,
        workdir: &std::path::Path,
        options: &publish::PublishOptions,
    ) -> impl Future<Output = Result<publish::Published, Self::PublishError>> + Send;
}

/// The GraphQL query texts deep-review sends, by name (one home: the fake server and the
/// schema check read the same files).
pub const QUERIES: &[(&str, &str)] = &[
    ("review_threads", fetch::REVIEW_THREADS),
    ("thread_comments", fetch::THREAD_COMMENTS),
];
