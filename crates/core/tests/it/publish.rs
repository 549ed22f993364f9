//! Publishing a review to `fake-github` (`github::publish`): the first run creates one
//! review with its inline comment, a 422 moves the comment into the body, a second run
//! updates the summary instead of adding one. With `DEEP_REVIEW_GITHUB_REQUESTS=DIR`
//! every request body sent is written to DIR for `scripts/github-check`, which holds it
//! to the OpenAPI description's request schema.

use std::path::Path;
use std::process::Command;

use deep_review_core::github::publish::{publish, PublishOptions, Published};
use deep_review_core::github::{fetch::fetch_pr, Client, Endpoints, PullRequest, Token};
use deep_review_core::pipeline::{consolidate_dir, ConsolidateOptions};
use deep_review_core::report::Report;
use fake_github::{FakeGitHub, FakePr, Options, Recorded};

const TOKEN: &str = "ghp_PUBLISHtoken0123456789abcdefSECRET";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `main` with `src/lib.rs`, `feature` adding `two` at lines 4-7.
fn repo() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path();
    git(p, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(p.join("src")).expect("src");
    std::fs::write(p.join("src/lib.rs"), "pub fn one() -> u32 {\n    1\n}\n").expect("write");
    git(p, &["add", "."]);
    git(p, &["commit", "-qm", "one"]);
    let base = git(p, &["rev-parse", "HEAD"]);
    git(p, &["checkout", "-qb", "feature"]);
    std::fs::write(
        p.join("src/lib.rs"),
        "pub fn one() -> u32 {\n    1\n}\n\npub fn two() -> u32 {\n    2\n}\n",
    )
    .expect("write");
    git(p, &["commit", "-qam", "two"]);
    let head = git(p, &["rev-parse", "HEAD"]);
    (dir, base, head)
}

/// A report of two findings: one on the diff (lines 5-7), one change-wide.
fn report(repo: &Path, base: &str, head: &str, round: u32) -> Report {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("review-alpha-pass-1.md"),
        "## Findings\n\n### Important Issues\n\nI1. **`two` has no test** — `src/lib.rs:5-7` (important, gap)\n\nNothing calls `two` in a test.\n\n### Suggestions\n\nS1. **No changelog entry** (suggestion)\n\nThe change is not in CHANGELOG.md.\n",
    )
    .expect("review");
    let mut opts = ConsolidateOptions::new(dir.path());
    opts.repo = Some(repo.to_path_buf());
    opts.rev = Some(head.to_string());
    let mut report = consolidate_dir(&opts).expect("consolidate").report;
    report.target.base = Some(base.to_string());
    report.target.head = Some(head.to_string());
    report.target.round = round;
    report
}

/// The pull request, its `src/lib.rs` patch as given (`@@ … @@` lines only matter).
fn fake_pr(base: &str, head: &str, patch: &str) -> FakePr {
    let mut pr = FakePr::sample(1, 0, 0, 0);
    pr.base_sha = base.to_string();
    pr.head_sha = head.to_string();
    pr.files[0].path = "src/lib.rs".into();
    pr.files[0].status = "modified".into();
    pr.files[0].patch = Some(patch.to_string());
    pr
}

async fn serve(pr: FakePr) -> (FakeGitHub, Client) {
    let server = FakeGitHub::start(
        pr,
        Options {
            token: Some(TOKEN.to_string()),
            ..Options::default()
        },
        0,
    )
    .await
    .expect("fake github");
    let client =
        Client::new(Endpoints::from_api(&server.url()), Token::new(TOKEN)).expect("client");
    (server, client)
}

async fn run(
    client: &Client,
    pr: &PullRequest,
    report: &Report,
    repo: &Path,
    dry_run: bool,
) -> (Published, tempfile::TempDir) {
    let workdir = tempfile::tempdir().expect("workdir");
    let options = PublishOptions {
        report_url: Some("https://ci.example/runs/1/REVIEW.md".into()),
        dry_run,
    };
    let done = publish(client, pr, report, repo, workdir.path(), &options)
        .await
        .expect("publish");
    (done, workdir)
}

/// The writes among the requests (GraphQL aside).
fn writes(server: &FakeGitHub) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.path != "/graphql")
        .collect()
}

/// With `DEEP_REVIEW_GITHUB_REQUESTS` set, each write's body for the conformance check.
fn keep_for_check(name: &str, requests: &[Recorded]) {
    let Ok(dir) = std::env::var("DEEP_REVIEW_GITHUB_REQUESTS") else {
        return;
    };
    std::fs::create_dir_all(&dir).expect("requests dir");
    for (i, r) in requests.iter().enumerate() {
        let entry = serde_json::json!({ "method": r.method, "path": r.path, "status": r.status, "body": r.body });
        std::fs::write(
            Path::new(&dir).join(format!("{name}-{i}.json")),
            serde_json::to_string_pretty(&entry).expect("json"),
        )
        .expect("write request");
    }
}

const GOOD_PATCH: &str =
    "@@ -1,3 +1,7 @@\n pub fn one() -> u32 {\n     1\n }\n+\n+pub fn two() -> u32 {\n+    2\n+}";

#[tokio::test]
async fn a_review_is_posted_once_and_updated_the_next_round() {
    let (repo, base, head) = repo();
    let (server, client) = serve(fake_pr(&base, &head, GOOD_PATCH)).await;
    let pr = fetch_pr(&client, "octo", "hello", 7).await.expect("fetch");
    let first = report(repo.path(), &base, &head, 1);
    let before = client.requests();
    let (done, _wd) = run(&client, &pr, &first, repo.path(), false).await;
    assert_eq!(
        (done.inline, done.moved, done.updated),
        (1, 0, false),
        "{done:?}"
    );
    // GET /user, POST the review.
    assert_eq!(client.requests() - before, 2);
    assert_eq!(done.api_calls, 2);
    let url = done.url.clone().expect("the review's address");
    assert!(url.contains("#pullrequestreview-"), "{url}");
    let sent = writes(&server);
    assert_eq!(sent.len(), 1);
    let body = &sent[0].body;
    assert_eq!(sent[0].path, "/repos/octo/hello/pulls/7/reviews");
    assert_eq!(body["commit_id"], head.as_str());
    assert_eq!(body["event"], "COMMENT");
    assert_eq!(body["comments"][0]["path"], "src/lib.rs");
    assert_eq!(body["comments"][0]["start_line"], 5);
    assert_eq!(body["comments"][0]["line"], 7);
    let summary = body["body"].as_str().unwrap_or_default();
    assert!(
        summary.contains("**S1 · suggestion** — No changelog entry"),
        "{summary}"
    );
    assert!(
        summary.contains("Full report: https://ci.example/runs/1/REVIEW.md"),
        "{summary}"
    );
    assert!(summary.contains("<!-- deep-review:"), "{summary}");

    // Round 2, nothing new: the summary is replaced, no review added, no comment repeated.
    let pr = fetch_pr(&client, "octo", "hello", 7)
        .await
        .expect("fetch again");
    let second = report(repo.path(), &base, &head, 2);
    let (again, _wd) = run(&client, &pr, &second, repo.path(), false).await;
    assert!(again.updated, "{again:?}");
    assert_eq!(again.inline, 0);
    assert_eq!(again.api_calls, 2, "GET /user and the PUT");
    let posted = server.posted();
    assert_eq!(posted.len(), 1, "one summary: {posted:#?}");
    assert!(posted[0].body.contains("\"round\":2"), "{}", posted[0].body);
    let sent = writes(&server);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].method, "PUT");
    assert!(sent[1].path.ends_with(&format!(
        "/reviews/{}",
        pr.reviews.last().map_or(0, |r| r.id)
    )));
    assert_eq!(again.url.as_deref(), Some(url.as_str()));
    keep_for_check("posted-then-updated", &sent);

    // Nothing anywhere holds the token.
    for r in server.requests() {
        assert!(!r.body.to_string().contains(TOKEN));
    }
}

#[tokio::test]
async fn a_refused_comment_moves_into_the_body_and_loses_nothing() {
    let (repo, base, head) = repo();
    // GitHub's diff disagrees with ours: lines 5-7 are not in its hunk.
    let (server, client) = serve(fake_pr(&base, &head, "@@ -1,3 +1,4 @@\n a\n b\n c\n+")).await;
    let pr = fetch_pr(&client, "octo", "hello", 7).await.expect("fetch");
    let report = report(repo.path(), &base, &head, 1);
    let (done, _wd) = run(&client, &pr, &report, repo.path(), false).await;
    assert_eq!((done.inline, done.moved), (0, 1), "{done:?}");
    let sent = writes(&server);
    let statuses: Vec<u16> = sent.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [422, 200]);
    assert_eq!(sent[0].body["comments"].as_array().map(Vec::len), Some(1));
    assert_eq!(sent[1].body["comments"].as_array().map(Vec::len), Some(0));
    let posted = server.posted();
    assert_eq!(posted.len(), 1);
    for finding in &report.findings {
        assert!(
            posted[0].body.contains(&finding.title),
            "{} is lost: {}",
            finding.id,
            posted[0].body
        );
    }
    assert!(
        posted[0].body.contains("Nothing calls `two` in a test."),
        "{}",
        posted[0].body
    );
    keep_for_check("refused-then-moved", &sent);
}

#[tokio::test]
async fn a_dry_run_writes_the_payload_and_sends_nothing() {
    let (repo, base, head) = repo();
    let (server, client) = serve(fake_pr(&base, &head, GOOD_PATCH)).await;
    let pr = fetch_pr(&client, "octo", "hello", 7).await.expect("fetch");
    let report = report(repo.path(), &base, &head, 1);
    let (done, wd) = run(&client, &pr, &report, repo.path(), true).await;
    assert!(writes(&server).is_empty(), "{:#?}", writes(&server));
    let payload = done.payload.expect("payload file");
    assert!(payload.starts_with(wd.path()));
    let requests: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&payload).expect("read")).expect("json");
    assert_eq!(requests[0]["method"], "POST");
    assert_eq!(requests[0]["path"], "/repos/octo/hello/pulls/7/reviews");
    assert_eq!(requests[0]["body"]["comments"][0]["line"], 7);
    assert!(!requests.to_string().contains(TOKEN));
}

#[tokio::test]
async fn someone_elses_summary_is_not_updated_when_the_token_has_no_user() {
    let (repo, base, head) = repo();
    let mut fake = fake_pr(&base, &head, GOOD_PATCH);
    fake.reviews.push(fake_github::FakeReview {
        author: fake_github::FakeUser::new("colleague", 77),
        state: "COMMENTED".into(),
        body: "<!-- deep-review:{\"version\":1,\"round\":1,\"head\":\"\",\"findings\":{}} -->"
            .into(),
    });
    // No token: `GET /user` is a 401, so whose review is whose is unknown.
    let server = FakeGitHub::start(fake, Options::default(), 0)
        .await
        .expect("fake");
    let client = Client::new(Endpoints::from_api(&server.url()), None).expect("client");
    let pr = fetch_pr(&client, "octo", "hello", 7).await.expect("fetch");
    let report = report(repo.path(), &base, &head, 2);
    let (done, _wd) = run(&client, &pr, &report, repo.path(), false).await;
    let sent: Vec<(String, u16)> = writes(&server)
        .into_iter()
        .map(|r| (r.method, r.status))
        .collect();
    assert_eq!(sent, [("PUT".to_string(), 404), ("POST".to_string(), 200)]);
    assert!(!done.updated, "{done:?}");
    assert_eq!(done.inline, 1);
    assert_eq!(server.posted().len(), 1);
}
