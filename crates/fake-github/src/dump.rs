//! `fake-github --dump DIR`: every body the fake serves for a pull request — `rest/*.json`
//! with `manifest.json` naming each one's OpenAPI operation (or component) and status,
//! and each GraphQL query text it answers (`graphql/NAME.graphql`) with the variables
//! deep-review sends and the fake's answer (`graphql/NAME.json`) — for
//! `scripts/github-check`, which holds them to GitHub's published descriptions. The
//! bodies come from the same [`crate::shapes`] functions the handlers call.

use std::path::Path;

use serde_json::{json, Value};

use crate::{graphql, shapes, write, FakePr, FakeReview, QUERIES};

/// Writes the dump of `pr` served at `api` into `dir`; the number of files written.
pub fn write(dir: &Path, api: &str, pr: &FakePr) -> std::io::Result<usize> {
    let rest = dir.join("rest");
    let gql = dir.join("graphql");
    std::fs::create_dir_all(&rest)?;
    std::fs::create_dir_all(&gql)?;
    let all = |n: usize, f: fn(&str, &FakePr, usize) -> Value| -> Value {
        Value::Array((0..n).map(|i| f(api, pr, i)).collect())
    };
    let pulls = "/repos/{owner}/{repo}/pulls/{pull_number}";
    let operation_of = |method: &str, path: String, status: &str| json!({ "method": method, "path": path, "status": status });
    let operation = |path: String, status: &str| operation_of("get", path, status);
    let component = |name: &str| json!({ "schema": format!("#/components/schemas/{name}") });
    // A description left empty is `null`, as GitHub sends it.
    let no_body = FakePr {
        body: String::new(),
        ..pr.clone()
    };
    // The write side: a review posted by the token's user, listed after the PR's own.
    let mut posted = pr.clone();
    posted.reviews.push(FakeReview {
        author: write::viewer(),
        state: "COMMENTED".to_string(),
        body: "### deep-review: Merge with fixes\n\n<!-- deep-review:{} -->".to_string(),
    });
    let posted_review = shapes::review(api, &posted, posted.reviews.len() - 1);
    let reviews = format!("{pulls}/reviews");
    let bodies: Vec<(&str, Value, Value)> = vec![
        (
            "pulls-create-review",
            posted_review.clone(),
            operation_of("post", reviews.clone(), "200"),
        ),
        (
            "pulls-create-review-422",
            shapes::validation_failed("Line could not be resolved"),
            operation_of("post", reviews.clone(), "422"),
        ),
        (
            "pulls-update-review",
            posted_review,
            operation_of("put", format!("{reviews}/{{review_id}}"), "200"),
        ),
        (
            "users-get-authenticated",
            shapes::authenticated_user(api, &write::viewer()),
            operation("/user".to_string(), "200"),
        ),
        (
            "users-get-authenticated-401",
            shapes::requires_authentication(),
            operation("/user".to_string(), "401"),
        ),
        (
            "pulls-get",
            shapes::pull_request(api, pr),
            operation(pulls.to_string(), "200"),
        ),
        (
            "pulls-list-commits",
            all(pr.commits.len(), shapes::commit),
            operation(format!("{pulls}/commits"), "200"),
        ),
        (
            "pulls-list-files",
            all(pr.files.len(), shapes::diff_entry),
            operation(format!("{pulls}/files"), "200"),
        ),
        (
            "pulls-list-reviews",
            all(pr.reviews.len(), shapes::review),
            operation(format!("{pulls}/reviews"), "200"),
        ),
        (
            "issues-list-comments",
            all(pr.comments.len(), shapes::issue_comment),
            operation(
                "/repos/{owner}/{repo}/issues/{issue_number}/comments".to_string(),
                "200",
            ),
        ),
        (
            "pulls-get-no-body",
            shapes::pull_request(api, &no_body),
            operation(pulls.to_string(), "200"),
        ),
        (
            "pulls-get-404",
            shapes::not_found(),
            operation(pulls.to_string(), "404"),
        ),
        (
            "secondary-limit-403",
            shapes::secondary_limit(),
            component("basic-error"),
        ),
        (
            "rate-limit-exceeded-403",
            shapes::rate_limit_exceeded(),
            component("basic-error"),
        ),
        (
            "bad-credentials-401",
            shapes::bad_credentials(),
            component("basic-error"),
        ),
    ];
    let mut manifest = Vec::new();
    let mut written = 0;
    for (name, body, against) in bodies {
        let file = format!("{name}.json");
        write_json(&rest.join(&file), &body)?;
        let mut entry = against;
        entry["file"] = json!(format!("rest/{file}"));
        manifest.push(entry);
        written += 1;
    }
    write_json(&dir.join("manifest.json"), &Value::Array(manifest))?;
    // Each query with the variables deep-review sends and the fake's answer to them.
    let samples = [
        (
            "review_threads",
            json!({ "owner": pr.owner, "repo": pr.repo, "number": pr.number, "after": null }),
        ),
        (
            "thread_comments",
            json!({ "id": graphql::thread_id(0), "after": "cursor:1" }),
        ),
    ];
    for (name, text) in QUERIES {
        std::fs::write(gql.join(format!("{name}.graphql")), text)?;
        let variables = samples
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or(json!({}));
        let answer = graphql::answer(pr, 2, text, &variables);
        write_json(
            &gql.join(format!("{name}.json")),
            &json!({ "variables": variables, "answer": answer }),
        )?;
        written += 2;
    }
    Ok(written + 1)
}

fn write_json(path: &Path, value: &Value) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    std::fs::write(path, text)
}
