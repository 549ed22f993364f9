//! The write side of the fake, what `review --post` uses: creating a review (`POST
//! …/pulls/N/reviews`, refused with GitHub's 422 when a comment's line is not on the new
//! side of a hunk of the file's `patch`), updating one's body (`PUT …/reviews/ID`), and
//! who the token is (`GET /user`). Posted reviews are listed after the pull request's
//! own, so a second run sees the first.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use crate::{
    admit, matches, not_found, ok, shapes, with_limits, FakePr, FakeReview, FakeUser, Scenario,
    Shared,
};

/// Who every token is: the author of the reviews posted to the fake.
pub fn viewer() -> FakeUser {
    FakeUser::new("deep-review-bot", 4242)
}

/// The id GitHub gives review `index` of the listing (`shapes::review`).
const FIRST_REVIEW_ID: u64 = 80_000;

pub(crate) fn posted(shared: &Shared) -> Vec<FakeReview> {
    shared.posted.lock().map(|p| p.clone()).unwrap_or_default()
}

/// The pull request with the posted reviews after its own.
pub(crate) fn with_posted(shared: &Shared) -> FakePr {
    let mut pr = shared.pr.clone();
    pr.reviews.extend(posted(shared));
    pr
}

/// The new-side line ranges `(first, count)` of each `@@ -a,b +c,d @@` header of a patch.
pub fn hunks(patch: &str) -> Vec<(u64, u64)> {
    patch
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("@@ -")?;
            let (_, new) = rest.split_once(" +")?;
            let new = new.split(' ').next()?;
            let (start, count) = match new.split_once(',') {
                Some((s, c)) => (s.parse().ok()?, c.parse().ok()?),
                None => (new.parse().ok()?, 1),
            };
            Some((start, count))
        })
        .collect()
}

/// What GitHub says of one comment of a review it would refuse, None when it takes it.
fn refusal(pr: &FakePr, comment: &Value) -> Option<&'static str> {
    let path = comment.get("path").and_then(Value::as_str)?;
    let Some(file) = pr.files.iter().find(|f| f.path == path) else {
        return Some("Path could not be resolved");
    };
    if comment.get("body").and_then(Value::as_str).is_none() {
        return Some("Body can't be blank");
    }
    let side_ok = |key: &str| comment.get(key).is_none_or(|s| s.as_str() == Some("RIGHT"));
    let line = comment.get("line").and_then(Value::as_u64);
    let start = comment.get("start_line").and_then(Value::as_u64);
    let (Some(line), true, true) = (line, side_ok("side"), side_ok("start_side")) else {
        return Some("Line could not be resolved");
    };
    let start = start.unwrap_or(line);
    let patch = file
        .patch
        .clone()
        .unwrap_or_else(|| shapes::synthetic_patch(file));
    let inside = hunks(&patch)
        .into_iter()
        .any(|(first, count)| start <= line && start >= first && line < first + count);
    (!inside).then_some("Line could not be resolved")
}

pub(crate) async fn create_review(
    State(s): State<Arc<Shared>>,
    Path(p): Path<(String, String, String)>,
    uri: Uri,
    headers: HeaderMap,
    Json(request): Json<Value>,
) -> Response {
    if let Some(r) = admit(&s, &headers, "POST", &uri, "create_review", request.clone()) {
        return r;
    }
    if let Some(r) = forbidden(&s, &uri) {
        return r;
    }
    if !matches(&s, &p) {
        return answered(&s, &uri, with_limits(not_found(), 4999));
    }
    let comments = request
        .get("comments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let event = request.get("event").and_then(Value::as_str);
    let refused = comments
        .iter()
        .find_map(|c| refusal(&s.pr, c))
        .or(match event {
            None | Some("COMMENT" | "APPROVE" | "REQUEST_CHANGES") => None,
            Some(_) => Some("Event is not included in the list"),
        });
    if let Some(why) = refused {
        let r = (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(shapes::validation_failed(why)),
        )
            .into_response();
        return answered(&s, &uri, with_limits(r, 4990));
    }
    let state = match event {
        Some("APPROVE") => "APPROVED",
        Some("REQUEST_CHANGES") => "CHANGES_REQUESTED",
        Some(_) => "COMMENTED",
        None => "PENDING",
    };
    let review = FakeReview {
        author: viewer(),
        state: state.to_string(),
        body: request
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    };
    let index = match s.posted.lock() {
        Ok(mut posted) => {
            posted.push(review);
            s.pr.reviews.len() + posted.len() - 1
        }
        Err(_) => return answered(&s, &uri, with_limits(not_found(), 4999)),
    };
    let pr = with_posted(&s);
    ok(&s, Json(shapes::review(&s.api, &pr, index)).into_response())
}

pub(crate) async fn update_review(
    State(s): State<Arc<Shared>>,
    Path((owner, repo, number, id)): Path<(String, String, String, String)>,
    uri: Uri,
    headers: HeaderMap,
    Json(request): Json<Value>,
) -> Response {
    if let Some(r) = admit(&s, &headers, "PUT", &uri, "update_review", request.clone()) {
        return r;
    }
    if let Some(r) = forbidden(&s, &uri) {
        return r;
    }
    let Some(body) = request.get("body").and_then(Value::as_str) else {
        let r = (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(shapes::validation_failed("Body can't be blank")),
        )
            .into_response();
        return answered(&s, &uri, with_limits(r, 4990));
    };
    // Only a review posted here (by the token's user) can be updated.
    let own = s.pr.reviews.len();
    let index = id
        .parse::<u64>()
        .ok()
        .and_then(|id| id.checked_sub(FIRST_REVIEW_ID))
        .and_then(|i| usize::try_from(i).ok())
        .filter(|&i| i >= own);
    let updated = matches(&s, &(owner, repo, number))
        && index.is_some_and(|i| {
            s.posted
                .lock()
                .ok()
                .and_then(|mut posted| posted.get_mut(i - own).map(|r| r.body = body.to_string()))
                .is_some()
        });
    match index {
        Some(index) if updated => {
            let pr = with_posted(&s);
            ok(&s, Json(shapes::review(&s.api, &pr, index)).into_response())
        }
        _ => answered(&s, &uri, with_limits(not_found(), 4999)),
    }
}

pub(crate) async fn user(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    if let Some(r) = admit(&s, &headers, "GET", &uri, "user", Value::Null) {
        return r;
    }
    if !headers.contains_key("authorization") {
        let r = (
            StatusCode::UNAUTHORIZED,
            Json(shapes::requires_authentication()),
        )
            .into_response();
        return answered(&s, &uri, with_limits(r, 59));
    }
    ok(
        &s,
        Json(shapes::authenticated_user(&s.api, &viewer())).into_response(),
    )
}

/// The 403 of [`Scenario::WritesForbidden`].
fn forbidden(shared: &Shared, uri: &Uri) -> Option<Response> {
    (shared.options.scenario == Scenario::WritesForbidden).then(|| {
        let r = (
            StatusCode::FORBIDDEN,
            Json(shapes::error("Resource not accessible by integration")),
        )
            .into_response();
        answered(shared, uri, with_limits(r, 4990))
    })
}

/// `response`, with the status the request was recorded with set to its own.
fn answered(shared: &Shared, uri: &Uri, response: Response) -> Response {
    if let Ok(mut requests) = shared.requests.lock() {
        if let Some(r) = requests.iter_mut().rev().find(|r| r.path == uri.path()) {
            r.status = response.status().as_u16();
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_side_of_each_hunk_header() {
        let patch = "@@ -1,3 +1,7 @@\n a\n+b\n@@ -20 +24,0 @@ fn x\n-c\n@@ -30,2 +33 @@\n d";
        assert_eq!(hunks(patch), [(1, 7), (24, 0), (33, 1)]);
        assert!(hunks("no hunk here").is_empty());
    }
}
