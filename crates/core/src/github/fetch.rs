//! Reading one pull request from GitHub into [`PullRequest`]: the REST listings
//! (commits, files, reviews, issue comments — every page) and the GraphQL
//! `reviewThreads` (cursor pages, and a thread's further comments by node id). The wire
//! shapes are private to this module; only the fields deep-review reads are declared.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::client::{Client, GitHubError};
use super::model::{
    Branch, ChangedFile, Comment, Commit, FileStatus, PullRequest, Review, ReviewThread,
};
use super::PrHost;

/// The review threads of a pull request, 50 a page, each with its first 50 comments.
pub const REVIEW_THREADS: &str = include_str!("queries/review_threads.graphql");
/// A thread's further comments, 100 a page.
pub const THREAD_COMMENTS: &str = include_str!("queries/thread_comments.graphql");

/// Ghost accounts (deleted users) come back as `null`.
const GHOST: &str = "ghost";

impl PrHost for Client {
    type Error = GitHubError;
    type PublishError = super::publish::PublishError;

    async fn fetch_pr(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> Result<PullRequest, GitHubError> {
        fetch_pr(self, owner, repo, number).await
    }

    async fn publish(
        &self,
        pr: &PullRequest,
        report: &crate::report::Report,
        repo: &std::path::Path,
        workdir: &std::path::Path,
        options: &super::publish::PublishOptions,
    ) -> Result<super::publish::Published, super::publish::PublishError> {
        super::publish::publish(self, pr, report, repo, workdir, options).await
    }
}

/// Reads pull request `number` of `owner/repo`, every page of everything.
pub async fn fetch_pr(
    client: &Client,
    owner: &str,
    repo: &str,
    number: u64,
) -> Result<PullRequest, GitHubError> {
    let base = format!("/repos/{owner}/{repo}");
    let pr_path = format!("{base}/pulls/{number}");
    let pr: WirePr = typed(&pr_path, client.get(&pr_path).await?)?;
    let commits: Vec<WireCommit> = list(client, format!("{pr_path}/commits?per_page=100")).await?;
    let files: Vec<WireFile> = list(client, format!("{pr_path}/files?per_page=100")).await?;
    let reviews: Vec<WireReview> = list(client, format!("{pr_path}/reviews?per_page=100")).await?;
    let comments: Vec<WireIssueComment> = list(
        client,
        format!("{base}/issues/{number}/comments?per_page=100"),
    )
    .await?;
    let threads = review_threads(client, owner, repo, number).await?;

    Ok(PullRequest {
        owner: owner.to_string(),
        repo: repo.to_string(),
        number,
        title: pr.title,
        author: login(pr.user),
        body: pr.body.unwrap_or_default(),
        html_url: pr.html_url,
        clone_url: pr.base.repo.clone_url,
        base: Branch {
            ref_name: pr.base.ref_name,
            sha: pr.base.sha,
        },
        head: Branch {
            ref_name: pr.head.ref_name,
            sha: pr.head.sha,
        },
        commits: commits
            .into_iter()
            .map(|c| Commit {
                subject: c
                    .commit
                    .message
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                sha: c.sha,
            })
            .collect(),
        files: files
            .into_iter()
            .map(|f| ChangedFile {
                path: f.filename,
                status: FileStatus::parse(&f.status),
                additions: f.additions,
                deletions: f.deletions,
                previous_path: f.previous_filename,
            })
            .collect(),
        commit_count: pr.commits,
        changed_files: pr.changed_files,
        threads,
        reviews: reviews
            .into_iter()
            .map(|r| Review {
                id: r.id,
                author: login(r.user),
                state: r.state,
                body: r.body.unwrap_or_default(),
                url: r.html_url,
                commit_id: r.commit_id,
                submitted_at: r.submitted_at,
            })
            .collect(),
        comments: comments
            .into_iter()
            .map(|c| Comment {
                author: login(c.user),
                body: c.body.unwrap_or_default(),
                url: c.html_url,
                created_at: c.created_at,
            })
            .collect(),
    })
}

async fn review_threads(
    client: &Client,
    owner: &str,
    repo: &str,
    number: u64,
) -> Result<Vec<ReviewThread>, GitHubError> {
    let mut threads = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let variables = json!({ "owner": owner, "repo": repo, "number": number, "after": after });
        let data: ThreadsData = typed(
            "graphql reviewThreads",
            client.graphql(REVIEW_THREADS, variables).await?,
        )?;
        let Some(pr) = data.repository.and_then(|r| r.pull_request) else {
            return Err(GitHubError::NotFound {
                url: format!("pull request {owner}/{repo}#{number} (GraphQL)"),
            });
        };
        let page = pr.review_threads;
        for node in page.nodes.into_iter().flatten() {
            let mut comments = comments_of(node.comments.nodes);
            let mut more = node.comments.page_info;
            while more.has_next_page {
                let variables = json!({ "id": node.id, "after": more.end_cursor });
                let data: NodeData = typed(
                    "graphql thread comments",
                    client.graphql(THREAD_COMMENTS, variables).await?,
                )?;
                let Some(next) = data.node.and_then(|n| n.comments) else {
                    break;
                };
                comments.extend(comments_of(next.nodes));
                more = next.page_info;
            }
            threads.push(ReviewThread {
                id: node.id,
                is_resolved: node.is_resolved,
                is_outdated: node.is_outdated,
                path: node.path,
                line: node.line,
                start_line: node.start_line,
                original_line: node.original_line,
                comments,
            });
        }
        if !page.page_info.has_next_page || page.page_info.end_cursor.is_none() {
            return Ok(threads);
        }
        after = page.page_info.end_cursor;
    }
}

fn comments_of(nodes: Vec<Option<WireThreadComment>>) -> Vec<Comment> {
    nodes
        .into_iter()
        .flatten()
        .map(|c| Comment {
            author: c
                .author
                .map(|a| a.login)
                .unwrap_or_else(|| GHOST.to_string()),
            body: c.body,
            url: c.url,
            created_at: c.created_at,
        })
        .collect()
}

fn login(user: Option<WireUser>) -> String {
    user.map(|u| u.login).unwrap_or_else(|| GHOST.to_string())
}

fn typed<T: DeserializeOwned>(what: &str, value: Value) -> Result<T, GitHubError> {
    serde_path_to_error::deserialize(value).map_err(|e| GitHubError::Decode {
        url: what.to_string(),
        message: e.to_string(),
    })
}

/// Every page of the listing at `path`, each item read as `T`.
async fn list<T: DeserializeOwned>(client: &Client, path: String) -> Result<Vec<T>, GitHubError> {
    let items = client.get_all(&path).await?;
    items.into_iter().map(|item| typed(&path, item)).collect()
}

#[derive(Deserialize)]
struct WireUser {
    login: String,
}

#[derive(Deserialize)]
struct WirePr {
    title: String,
    user: Option<WireUser>,
    body: Option<String>,
    html_url: String,
    base: WireBase,
    head: WireHead,
    commits: u64,
    changed_files: u64,
}

#[derive(Deserialize)]
struct WireBase {
    #[serde(rename = "ref")]
    ref_name: String,
    sha: String,
    repo: WireRepo,
}

#[derive(Deserialize)]
struct WireHead {
    #[serde(rename = "ref")]
    ref_name: String,
    sha: String,
}

#[derive(Deserialize)]
struct WireRepo {
    clone_url: String,
}

#[derive(Deserialize)]
struct WireCommit {
    sha: String,
    commit: WireCommitDetail,
}

#[derive(Deserialize)]
struct WireCommitDetail {
    message: String,
}

#[derive(Deserialize)]
struct WireFile {
    filename: String,
    status: String,
    additions: u64,
    deletions: u64,
    previous_filename: Option<String>,
}

#[derive(Deserialize)]
struct WireReview {
    id: u64,
    user: Option<WireUser>,
    body: Option<String>,
    state: String,
    html_url: String,
    commit_id: Option<String>,
    submitted_at: Option<String>,
}

#[derive(Deserialize)]
struct WireIssueComment {
    user: Option<WireUser>,
    body: Option<String>,
    html_url: String,
    created_at: String,
}

#[derive(Deserialize)]
struct ThreadsData {
    repository: Option<ThreadsRepo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ThreadsRepo {
    pull_request: Option<ThreadsPr>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ThreadsPr {
    review_threads: Connection<WireThread>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connection<T> {
    page_info: PageInfo,
    #[serde(default = "Vec::new")]
    nodes: Vec<Option<T>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireThread {
    id: String,
    is_resolved: bool,
    is_outdated: bool,
    path: String,
    line: Option<u64>,
    start_line: Option<u64>,
    original_line: Option<u64>,
    comments: Connection<WireThreadComment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireThreadComment {
    author: Option<WireUser>,
    body: String,
    url: String,
    created_at: String,
}

#[derive(Deserialize)]
struct NodeData {
    node: Option<NodeComments>,
}

#[derive(Deserialize)]
struct NodeComments {
    comments: Option<Connection<WireThreadComment>>,
}
