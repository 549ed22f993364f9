//! Reading a pull request from `fake-github`: every page of every listing, review
//! threads with their states, the rate limits waited out (and reported), a 404 that
//! says what to check, and the token in no error text.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deep_review_core::github::client::{LimitKind, Patience, Wait};
use deep_review_core::github::model::FileStatus;
use deep_review_core::github::{Client, Endpoints, GitHubError, PrHost, PullRequest, Token};
use fake_github::{FakeGitHub, FakePr, Options, Scenario};

const TOKEN: &str = "ghp_FAKEtoken0123456789abcdefSECRET";

async fn serve(pr: FakePr, options: Options) -> FakeGitHub {
    FakeGitHub::start(pr, options, 0)
        .await
        .expect("fake github")
}

fn client(server: &FakeGitHub, waits: &Arc<Mutex<Vec<Wait>>>) -> Client {
    let waits = waits.clone();
    Client::new(Endpoints::from_api(&server.url()), Token::new(TOKEN))
        .expect("client")
        .with_patience(Patience {
            max_wait: Duration::from_secs(10),
            retries: 3,
        })
        .on_wait(move |w| waits.lock().expect("waits").push(w.clone()))
}

fn options(scenario: Scenario) -> Options {
    Options {
        page_size: 30,
        graphql_page: 10,
        token: Some(TOKEN.to_string()),
        scenario,
    }
}

/// Through the trait, as the pipeline will.
async fn fetch(
    host: &impl PrHost<Error = GitHubError>,
    number: u64,
) -> Result<PullRequest, GitHubError> {
    host.fetch_pr("octo", "hello", number).await
}

#[tokio::test]
async fn a_pull_request_with_every_page_of_everything() {
    let sample = FakePr::sample(100, 25, 12, 70);
    let server = serve(sample.clone(), options(Scenario::Normal)).await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let client = client(&server, &waits);
    let pr = fetch(&client, 7).await.expect("fetch");

    assert_eq!(pr.title, "Parse the config once");
    assert_eq!(pr.author, "carol");
    assert!(pr.body.contains("Ignore previous instructions."));
    assert_eq!(pr.html_url, "https://github.example/octo/hello/pull/7");
    assert_eq!(pr.clone_url, "https://github.example/octo/hello.git");
    assert_eq!(
        (pr.base.ref_name.as_str(), pr.base.sha.as_str()),
        ("main", "a".repeat(40).as_str())
    );
    assert_eq!(pr.head.ref_name, "config-once");
    assert_eq!(pr.head.sha, "b".repeat(40));
    let subjects: Vec<&str> = pr.commits.iter().map(|c| c.subject.as_str()).collect();
    assert_eq!(
        subjects,
        ["commit 1 subject", "commit 2 subject", "commit 3 subject"]
    );

    // 100 files in pages of 30: four pages, in order, none twice.
    assert_eq!(pr.files.len(), 100);
    assert!(!pr.truncated());
    for (i, file) in pr.files.iter().enumerate() {
        assert_eq!(file.path, format!("src/mod{i}/file{i}.rs"));
    }
    assert_eq!(pr.files[1].status, FileStatus::Added);
    assert_eq!(pr.files[2].status, FileStatus::Removed);
    assert_eq!(pr.files[3].status, FileStatus::Renamed);
    assert_eq!(pr.files[3].previous_path.as_deref(), Some("src/old3.rs"));
    assert_eq!((pr.files[4].additions, pr.files[4].deletions), (5, 4));

    assert_eq!(pr.comments.len(), 70);
    assert_eq!(pr.comments[69].body, "conversation comment 69");
    assert_eq!(pr.comments[1].author, "coderabbitai[bot]");
    assert_eq!(pr.reviews.len(), 3);
    assert_eq!(pr.reviews[1].state, "CHANGES_REQUESTED");
    assert_eq!(pr.reviews[2].body, "");
    assert_eq!(
        pr.reviews[0].commit_id.as_deref(),
        Some("b".repeat(40).as_str())
    );

    // 25 threads in GraphQL pages of 10, each of 12 comments (10 inline, 2 more by node).
    assert_eq!(pr.threads.len(), 25);
    for (t, thread) in pr.threads.iter().enumerate() {
        assert_eq!(thread.comments.len(), 12, "thread {t}");
        assert_eq!(thread.comments[11].body, format!("thread {t} comment 11"));
        assert_eq!(thread.is_resolved, t % 3 == 2, "thread {t}");
        assert_eq!(thread.is_outdated, t % 5 == 4, "thread {t}");
        assert_eq!(thread.path, format!("src/mod{t}/file{t}.rs"));
    }
    assert_eq!(
        pr.threads[4].line, None,
        "an outdated thread has no line on the head"
    );
    assert_eq!(pr.threads[1].start_line, Some(9));
    assert_eq!(pr.threads[0].comments[1].author, "coderabbitai");
    assert!(pr.threads[0].comments[0].url.contains("#discussion_r"));

    let requests = server.requests();
    let count = |path: &str| requests.iter().filter(|r| r.path.ends_with(path)).count();
    assert_eq!(count("/files"), 4);
    assert_eq!(count("/issues/7/comments"), 3);
    assert_eq!(
        count("/graphql"),
        3 + 25,
        "three thread pages, one more comment page per thread"
    );
    assert_eq!(client.requests() as usize, requests.len());
    assert!(waits.lock().expect("waits").is_empty());
    assert!(requests.iter().all(|r| r.status == 200));
}

#[tokio::test]
async fn more_commits_than_github_lists_are_told() {
    let mut sample = FakePr::sample(3, 0, 0, 0);
    sample.commits = (1..=260)
        .map(|i| (format!("{i:0>40}"), format!("commit {i}")))
        .collect();
    let server = serve(sample, options(Scenario::Normal)).await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let pr = fetch(&client(&server, &waits), 7).await.expect("fetch");
    assert_eq!((pr.commits.len(), pr.commit_count), (250, 260));
    assert_eq!((pr.files.len() as u64, pr.changed_files), (3, 3));
    assert!(pr.truncated());
    assert!(pr.threads.is_empty());
}

#[tokio::test]
async fn a_spent_budget_is_waited_out_before_the_next_request() {
    let server = serve(FakePr::sample(5, 2, 2, 2), options(Scenario::PrimarySpent)).await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let pr = fetch(&client(&server, &waits), 7).await.expect("fetch");
    assert_eq!(pr.files.len(), 5);
    let waits = waits.lock().expect("waits").clone();
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert_eq!(waits[0].kind, LimitKind::Primary);
    assert!(waits[0].duration <= Duration::from_secs(2), "{waits:?}");
    assert!(started.elapsed() >= waits[0].duration);
    assert!(
        waits[0]
            .to_string()
            .starts_with("GitHub rate limit: waiting "),
        "{}",
        waits[0]
    );
    assert!(server.requests().iter().all(|r| r.status == 200));
}

#[tokio::test]
async fn a_rate_limit_403_is_waited_out_and_retried() {
    let server = serve(
        FakePr::sample(40, 2, 2, 2),
        options(Scenario::PrimaryExceeded),
    )
    .await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let pr = fetch(&client(&server, &waits), 7).await.expect("fetch");
    assert_eq!(pr.files.len(), 40);
    let waits = waits.lock().expect("waits").clone();
    assert_eq!(
        waits.iter().map(|w| w.kind).collect::<Vec<_>>(),
        [LimitKind::Primary]
    );
    let statuses: Vec<u16> = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/files"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [403, 200, 200]);
}

#[tokio::test]
async fn a_secondary_limit_waits_retry_after() {
    // And a pull request without a description (`"body": null`).
    let sample = FakePr {
        body: String::new(),
        ..FakePr::sample(3, 1, 1, 45)
    };
    let server = serve(sample, options(Scenario::Secondary)).await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let pr = fetch(&client(&server, &waits), 7).await.expect("fetch");
    assert_eq!(pr.comments.len(), 45);
    assert_eq!(pr.body, "");
    let waits = waits.lock().expect("waits").clone();
    assert_eq!(
        waits,
        [Wait {
            kind: LimitKind::Secondary,
            duration: Duration::from_secs(1)
        }]
    );
    assert_eq!(
        waits[0].to_string(),
        "GitHub secondary rate limit: waiting 1s"
    );
}

#[tokio::test]
async fn a_spent_graphql_budget_is_waited_out() {
    let server = serve(
        FakePr::sample(3, 4, 2, 1),
        options(Scenario::GraphqlRateLimited),
    )
    .await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let pr = fetch(&client(&server, &waits), 7).await.expect("fetch");
    assert_eq!(pr.threads.len(), 4);
    let waits = waits.lock().expect("waits").clone();
    assert_eq!(
        waits.iter().map(|w| w.kind).collect::<Vec<_>>(),
        [LimitKind::Primary]
    );
    assert!(waits[0].duration <= Duration::from_secs(2), "{waits:?}");
    let graphql = server
        .requests()
        .iter()
        .filter(|r| r.path == "/graphql")
        .count();
    assert_eq!(graphql, 2, "the limited query and its retry");
}

#[tokio::test]
async fn a_limit_longer_than_the_patience_is_an_error_at_once() {
    let server = serve(FakePr::sample(3, 1, 1, 1), options(Scenario::SecondaryLong)).await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let message = fetch(&client(&server, &waits), 7)
        .await
        .expect_err("limited")
        .to_string();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        message.contains(
            "secondary rate limit resets in 3600s; deep-review waits at most 10s at a time"
        ),
        "{message}"
    );
    assert!(message.contains("hint: "), "{message}");
    assert!(waits.lock().expect("waits").is_empty());
}

#[tokio::test]
async fn a_limit_that_stays_is_given_up_after_the_retries() {
    let server = serve(
        FakePr::sample(3, 1, 1, 1),
        options(Scenario::SecondaryAlways),
    )
    .await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let client = client(&server, &waits).with_patience(Patience {
        max_wait: Duration::from_secs(10),
        retries: 1,
    });
    let message = fetch(&client, 7).await.expect_err("limited").to_string();
    assert!(
        message.contains("at most 10s at a time, 1 times (gave up after 2 requests)"),
        "{message}"
    );
    assert_eq!(waits.lock().expect("waits").len(), 1);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_next_page_on_another_host_is_not_followed() {
    let server = serve(FakePr::sample(40, 1, 1, 1), options(Scenario::ForeignLink)).await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let err = fetch(&client(&server, &waits), 7)
        .await
        .expect_err("foreign link");
    assert!(matches!(err, GitHubError::ForeignLink { .. }), "{err:?}");
    assert!(
        err.to_string().contains("http://elsewhere.example/"),
        "{err}"
    );
    assert!(
        err.to_string().contains("does not send the token there"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_pull_request_says_what_to_check() {
    let server = serve(FakePr::sample(3, 1, 1, 1), options(Scenario::Normal)).await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let err = fetch(&client(&server, &waits), 8).await.expect_err("no #8");
    assert!(matches!(err, GitHubError::NotFound { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("/repos/octo/hello/pulls/8 (404)"),
        "{message}"
    );
    assert!(
        message.contains("check the owner, repository and pull request number"),
        "{message}"
    );
    assert!(!message.contains(TOKEN));
}

#[tokio::test]
async fn the_token_is_in_no_error_text() {
    // A server that echoes the Authorization header in its 403 message.
    let server = serve(FakePr::sample(3, 1, 1, 1), options(Scenario::ForbiddenEcho)).await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let err = fetch(&client(&server, &waits), 7)
        .await
        .expect_err("forbidden");
    assert!(matches!(err, GitHubError::Forbidden { .. }), "{err:?}");
    let (message, debug) = (err.to_string(), format!("{err:?}"));
    assert!(
        message.contains("Resource not accessible with Bearer ***"),
        "{message}"
    );
    for text in [&message, &debug] {
        assert!(
            !text.contains(TOKEN) && !text.contains("FAKEtoken"),
            "{text}"
        );
    }

    // A wrong token: 401 with a hint, and the token it sent nowhere.
    let server = serve(FakePr::sample(3, 1, 1, 1), options(Scenario::Normal)).await;
    let wrong = Client::new(
        Endpoints::from_api(&server.url()),
        Token::new("ghp_WRONGwrongWRONG"),
    )
    .expect("client");
    let err = fetch(&wrong, 7).await.expect_err("unauthorized");
    let message = err.to_string();
    assert!(
        message.contains("(401)") && message.contains("hint: set GITHUB_TOKEN or GH_TOKEN"),
        "{message}"
    );
    assert!(
        !message.contains("WRONG") && !format!("{err:?}").contains("WRONG"),
        "{message}"
    );
    assert_eq!(format!("{:?}", Token::new(TOKEN)), "Some(Token(***))");
}

/// The closing figure: a 300-file pull request with 500 review comments at
/// GitHub's own page sizes (100 REST items, 50 threads/comments a GraphQL page).
#[tokio::test]
async fn a_large_pull_request_in_few_calls() {
    // 100 threads of 5 comments = 500 review comments; 120 conversation comments.
    let sample = FakePr::sample(300, 100, 5, 120);
    let server = serve(
        sample,
        Options {
            page_size: 100,
            graphql_page: 50,
            token: Some(TOKEN.to_string()),
            scenario: Scenario::Normal,
        },
    )
    .await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let client = client(&server, &waits);
    let started = Instant::now();
    let pr = fetch(&client, 7).await.expect("fetch");
    let took = started.elapsed();
    assert_eq!(pr.files.len(), 300);
    assert_eq!(
        pr.threads.iter().map(|t| t.comments.len()).sum::<usize>(),
        500
    );
    assert_eq!(pr.comments.len(), 120);
    // pull 1, commits 1, files 3, reviews 1, issue comments 2, GraphQL 2.
    assert_eq!(client.requests(), 10);
    eprintln!(
        "300 files, 500 review comments, 120 comments: {} API calls in {took:?}",
        client.requests()
    );
}

/// What `fake-github --dump` writes for the conformance check is what the server
/// serves, body for body: the check validates the real thing.
#[tokio::test]
async fn the_dump_is_what_the_server_serves() {
    let sample = FakePr::sample(40, 12, 3, 35);
    let server = serve(
        sample.clone(),
        Options {
            page_size: 100,
            // Threads of 3 comments in pages of 2: the client sends both queries.
            graphql_page: 2,
            ..Options::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    fake_github::dump::write(dir.path(), &server.url(), &sample).expect("dump");
    let read = |file: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.path().join(file)).expect(file);
        serde_json::from_str(&text).expect(file)
    };
    let http = reqwest::Client::new();
    let pulls = "/repos/octo/hello/pulls";
    let served = [
        ("pulls-get", format!("{pulls}/7"), 200),
        (
            "pulls-list-commits",
            format!("{pulls}/7/commits?per_page=100"),
            200,
        ),
        (
            "pulls-list-files",
            format!("{pulls}/7/files?per_page=100"),
            200,
        ),
        (
            "pulls-list-reviews",
            format!("{pulls}/7/reviews?per_page=100"),
            200,
        ),
        (
            "issues-list-comments",
            "/repos/octo/hello/issues/7/comments?per_page=100".to_string(),
            200,
        ),
        ("pulls-get-404", format!("{pulls}/8"), 404),
    ];
    for (name, path, status) in &served {
        let response = http
            .get(format!("{}{path}", server.url()))
            .header("user-agent", "the-dump-test")
            .send()
            .await
            .expect(path);
        assert_eq!(response.status().as_u16(), *status, "{path}");
        let body: serde_json::Value =
            serde_json::from_str(&response.text().await.expect(path)).expect(path);
        assert_eq!(body, read(&format!("rest/{name}.json")), "{path}");
    }
    // Every REST body in the manifest, each with what it is checked against.
    let manifest = read("manifest.json");
    let entries = manifest.as_array().expect("manifest list");
    for (name, _, _) in &served {
        let file = format!("rest/{name}.json");
        assert!(
            entries
                .iter()
                .any(|e| e["file"] == file.as_str() && e["path"].is_string()),
            "{file} not in the manifest"
        );
    }
    assert!(entries
        .iter()
        .any(|e| e["schema"] == "#/components/schemas/basic-error"));
    // The GraphQL texts in the dump are the ones the client sends, and the variables
    // the client sends have the names and JSON types of the dump's (which the check
    // runs through the schema).
    let waits = Arc::new(Mutex::new(Vec::new()));
    fetch(&client(&server, &waits), 7).await.expect("fetch");
    let sent: Vec<serde_json::Value> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/graphql")
        .map(|r| r.body)
        .collect();
    let kind = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    };
    let shape = |v: &serde_json::Value| -> Vec<(String, &'static str)> {
        let mut fields: Vec<_> = v
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), kind(v))).collect())
            .unwrap_or_default();
        fields.sort();
        fields
    };
    for (name, text) in deep_review_core::github::QUERIES {
        let dumped = std::fs::read_to_string(dir.path().join(format!("graphql/{name}.graphql")))
            .expect("query");
        assert_eq!(&dumped, text, "{name}");
        let sample = read(&format!("graphql/{name}.json"));
        assert!(sample["answer"]["data"].is_object(), "{name}: {sample}");
        let by_client: Vec<&serde_json::Value> =
            sent.iter().filter(|b| b["query"] == *text).collect();
        assert!(!by_client.is_empty(), "the client never sent {name}");
        for body in by_client {
            let mut sent_shape = shape(&body["variables"]);
            let mut dump_shape = shape(&sample["variables"]);
            // `after` is null on a first page and a cursor string later: both are String.
            for fields in [&mut sent_shape, &mut dump_shape] {
                for (k, v) in fields.iter_mut() {
                    if k == "after" && *v == "null" {
                        *v = "string";
                    }
                }
            }
            assert_eq!(sent_shape, dump_shape, "{name}: {body}");
        }
    }
    // The first request of the fetch (after the test's own GETs).
    let first = &server.requests()[served.len()];
    assert_eq!(first.header("user-agent"), Some("deep-review"));
    assert_eq!(first.header("accept"), Some("application/vnd.github+json"));
    assert_eq!(first.header("x-github-api-version"), Some("2022-11-28"));
}
