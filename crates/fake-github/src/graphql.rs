//! GitHub's GraphQL API for the two queries deep-review sends ([`crate::QUERIES`]):
//! a pull request's `reviewThreads` and a thread's further `comments` by node id,
//! connection pages of at most `page` nodes with opaque cursors. Any other query text
//! gets a GraphQL error. Pure: the server and the dump call it.

use serde_json::{json, Value};

use crate::{FakeComment, FakePr, QUERIES};

fn query(name: &str) -> &'static str {
    QUERIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, q)| *q)
        .unwrap_or_default()
}

/// The answer to `text` with `variables`.
pub fn answer(pr: &FakePr, page: usize, text: &str, variables: &Value) -> Value {
    let page = page.max(1);
    let var = |name: &str| variables.get(name).cloned().unwrap_or(Value::Null);
    if text.trim() == query("review_threads").trim() {
        let same = var("owner").as_str() == Some(pr.owner.as_str())
            && var("repo").as_str() == Some(pr.repo.as_str());
        if !same {
            return not_found(&format!(
                "Could not resolve to a Repository with the name '{}/{}'.",
                var("owner").as_str().unwrap_or_default(),
                var("repo").as_str().unwrap_or_default()
            ));
        }
        if var("number").as_u64() != Some(pr.number) {
            return json!({
                "data": { "repository": { "pullRequest": null } },
                "errors": [error("NOT_FOUND", &format!("Could not resolve to a PullRequest with the number of {}.", var("number")))],
            });
        }
        let start = cursor_start(&var("after"));
        let first = 50.min(page);
        let end = (start + first).min(pr.threads.len());
        let nodes: Vec<Value> = (start..end)
            .map(|t| {
                let thread = &pr.threads[t];
                json!({
                    "id": thread_id(t),
                    "isResolved": thread.resolved,
                    "isOutdated": thread.outdated,
                    "path": thread.path,
                    "line": thread.line,
                    "startLine": thread.start_line,
                    "originalLine": thread.original_line,
                    "comments": comments(pr, t, &thread.comments, 0, 50.min(page)),
                })
            })
            .collect();
        return json!({ "data": { "repository": { "pullRequest": { "reviewThreads": {
            "pageInfo": page_info(end, pr.threads.len()),
            "nodes": nodes,
        } } } } });
    }
    if text.trim() == query("thread_comments").trim() {
        let id = var("id");
        let Some(t) = id
            .as_str()
            .and_then(|s| s.strip_prefix("PRRT_fake"))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|t| *t < pr.threads.len())
        else {
            return json!({
                "data": { "node": null },
                "errors": [error("NOT_FOUND", &format!("Could not resolve to a node with the global id of '{}'", id.as_str().unwrap_or_default()))],
            });
        };
        let start = cursor_start(&var("after"));
        let thread = &pr.threads[t];
        return json!({ "data": { "node": {
            "comments": comments(pr, t, &thread.comments, start, 100.min(page)),
        } } });
    }
    json!({ "errors": [ { "message": "fake-github: not one of deep-review's queries (crates/core/src/github/queries)" } ] })
}

pub fn thread_id(t: usize) -> String {
    format!("PRRT_fake{t}")
}

fn comments(pr: &FakePr, t: usize, all: &[FakeComment], start: usize, first: usize) -> Value {
    let start = start.min(all.len());
    let end = (start + first).min(all.len());
    let nodes: Vec<Value> = (start..end)
        .map(|c| {
            let id = 900_000 + t * 1000 + c;
            json!({
                "author": { "login": all[c].author.login.trim_end_matches("[bot]") },
                "body": all[c].body,
                "url": format!("{}/pull/{}#discussion_r{id}", crate::shapes::web(pr), pr.number),
                "createdAt": "2026-11-02T12:00:00Z",
            })
        })
        .collect();
    json!({ "pageInfo": page_info(end, all.len()), "nodes": nodes })
}

/// Cursors are `cursor:N`, N the index of the next node, base64-free but opaque to the
/// client as GitHub's are.
fn cursor_start(after: &Value) -> usize {
    after
        .as_str()
        .and_then(|s| s.strip_prefix("cursor:"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn page_info(end: usize, total: usize) -> Value {
    json!({
        "hasNextPage": end < total,
        "endCursor": (end > 0).then(|| format!("cursor:{end}")),
    })
}

fn error(kind: &str, message: &str) -> Value {
    json!({ "type": kind, "path": ["repository"], "locations": [ { "line": 2, "column": 3 } ], "message": message })
}

fn not_found(message: &str) -> Value {
    json!({ "data": { "repository": null }, "errors": [error("NOT_FOUND", message)] })
}

/// GitHub's answer when the GraphQL budget is spent (HTTP 200).
pub fn rate_limited() -> Value {
    json!({ "errors": [ { "type": "RATE_LIMITED", "code": "graphql_rate_limit", "message": "API rate limit already exceeded for user ID 13." } ] })
}
