//! The JSON bodies the fake serves, in GitHub's REST shapes (the OpenAPI description's
//! `pull-request`, `commit`, `diff-entry`, `pull-request-review`, `issue-comment`,
//! `public-user`, `validation-error-simple`, `basic-error` components), built from a [`FakePr`]. Pure functions: the server's
//! handlers and `fake-github --dump` both call them, so what the conformance check
//! validates is what the tests are served.

use serde_json::{json, Value};

use crate::{FakeFile, FakePr, FakeUser};

const CREATED: &str = "2026-11-02T09:00:00Z";
const UPDATED: &str = "2026-11-03T10:30:00Z";

/// `https://github.com`-style web addresses of the fake.
pub fn web(pr: &FakePr) -> String {
    format!("https://github.example/{}/{}", pr.owner, pr.repo)
}

pub fn simple_user(api: &str, user: &FakeUser) -> Value {
    let login = &user.login;
    // As GitHub writes them: `coderabbitai%5Bbot%5D` in API URLs, `/apps/coderabbitai`
    // for a bot's page.
    let escaped = login.replace('[', "%5B").replace(']', "%5D");
    let u = format!("{api}/users/{escaped}");
    let html_url = match login.strip_suffix("[bot]") {
        Some(app) if user.bot => format!("https://github.example/apps/{app}"),
        _ => format!("https://github.example/{login}"),
    };
    json!({
        "login": login,
        "id": user.id,
        "node_id": format!("U_{}", user.id),
        "avatar_url": format!("https://avatars.example/u/{}?v=4", user.id),
        "gravatar_id": "",
        "url": u,
        "html_url": html_url,
        "followers_url": format!("{u}/followers"),
        "following_url": format!("{u}/following{{/other_user}}"),
        "gists_url": format!("{u}/gists{{/gist_id}}"),
        "starred_url": format!("{u}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{u}/subscriptions"),
        "organizations_url": format!("{u}/orgs"),
        "repos_url": format!("{u}/repos"),
        "events_url": format!("{u}/events{{/privacy}}"),
        "received_events_url": format!("{u}/received_events"),
        "type": if user.bot { "Bot" } else { "User" },
        "site_admin": false,
    })
}

pub fn repository(api: &str, pr: &FakePr, clone_url: &str) -> Value {
    let full = format!("{}/{}", pr.owner, pr.repo);
    let r = format!("{api}/repos/{full}");
    let owner = FakeUser::new(&pr.owner, 1);
    json!({
        "id": 1296269,
        "node_id": "R_kgDOAAAAAQ",
        "name": pr.repo,
        "full_name": full,
        "owner": simple_user(api, &owner),
        "private": false,
        "html_url": web(pr),
        "description": "the repository under review",
        "fork": false,
        "url": r,
        "archive_url": format!("{r}/{{archive_format}}{{/ref}}"),
        "assignees_url": format!("{r}/assignees{{/user}}"),
        "blobs_url": format!("{r}/git/blobs{{/sha}}"),
        "branches_url": format!("{r}/branches{{/branch}}"),
        "collaborators_url": format!("{r}/collaborators{{/collaborator}}"),
        "comments_url": format!("{r}/comments{{/number}}"),
        "commits_url": format!("{r}/commits{{/sha}}"),
        "compare_url": format!("{r}/compare/{{base}}...{{head}}"),
        "contents_url": format!("{r}/contents/{{+path}}"),
        "contributors_url": format!("{r}/contributors"),
        "deployments_url": format!("{r}/deployments"),
        "downloads_url": format!("{r}/downloads"),
        "events_url": format!("{r}/events"),
        "forks_url": format!("{r}/forks"),
        "git_commits_url": format!("{r}/git/commits{{/sha}}"),
        "git_refs_url": format!("{r}/git/refs{{/sha}}"),
        "git_tags_url": format!("{r}/git/tags{{/sha}}"),
        "git_url": format!("git://github.example/{full}.git"),
        "issue_comment_url": format!("{r}/issues/comments{{/number}}"),
        "issue_events_url": format!("{r}/issues/events{{/number}}"),
        "issues_url": format!("{r}/issues{{/number}}"),
        "keys_url": format!("{r}/keys{{/key_id}}"),
        "labels_url": format!("{r}/labels{{/name}}"),
        "languages_url": format!("{r}/languages"),
        "merges_url": format!("{r}/merges"),
        "milestones_url": format!("{r}/milestones{{/number}}"),
        "notifications_url": format!("{r}/notifications{{?since,all,participating}}"),
        "pulls_url": format!("{r}/pulls{{/number}}"),
        "releases_url": format!("{r}/releases{{/id}}"),
        "ssh_url": format!("git@github.example:{full}.git"),
        "stargazers_url": format!("{r}/stargazers"),
        "statuses_url": format!("{r}/statuses/{{sha}}"),
        "subscribers_url": format!("{r}/subscribers"),
        "subscription_url": format!("{r}/subscription"),
        "tags_url": format!("{r}/tags"),
        "teams_url": format!("{r}/teams"),
        "trees_url": format!("{r}/git/trees{{/sha}}"),
        "clone_url": clone_url,
        "mirror_url": null,
        "hooks_url": format!("{r}/hooks"),
        "svn_url": web(pr),
        "homepage": null,
        "language": "Rust",
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "size": 108,
        "default_branch": pr.base_ref,
        "open_issues_count": 1,
        "is_template": false,
        "topics": [],
        "has_issues": true,
        "has_projects": true,
        "has_wiki": true,
        "has_pages": false,
        "has_downloads": true,
        "has_discussions": false,
        "archived": false,
        "disabled": false,
        "visibility": "public",
        "pushed_at": UPDATED,
        "created_at": CREATED,
        "updated_at": UPDATED,
        "allow_forking": true,
        "forks": 0,
        "open_issues": 1,
        "watchers": 0,
        "license": null,
    })
}

pub fn pull_request(api: &str, pr: &FakePr) -> Value {
    let r = format!("{api}/repos/{}/{}", pr.owner, pr.repo);
    let n = pr.number;
    let html = format!("{}/pull/{n}", web(pr));
    let repo = repository(api, pr, &pr.clone_url);
    let author = simple_user(api, &pr.author);
    let owner = FakeUser::new(&pr.owner, 1);
    let additions: u64 = pr.files.iter().map(|f| f.additions).sum();
    let deletions: u64 = pr.files.iter().map(|f| f.deletions).sum();
    let review_comments: usize = pr.threads.iter().map(|t| t.comments.len()).sum();
    json!({
        "url": format!("{r}/pulls/{n}"),
        "id": 1000 + n,
        "node_id": format!("PR_kwDO{n}"),
        "html_url": html,
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "issue_url": format!("{r}/issues/{n}"),
        "commits_url": format!("{r}/pulls/{n}/commits"),
        "review_comments_url": format!("{r}/pulls/{n}/comments"),
        "review_comment_url": format!("{r}/pulls/comments{{/number}}"),
        "comments_url": format!("{r}/issues/{n}/comments"),
        "statuses_url": format!("{r}/statuses/{}", pr.head_sha),
        "number": n,
        "state": "open",
        "locked": false,
        "title": pr.title,
        "user": author,
        "body": if pr.body.is_empty() { Value::Null } else { json!(pr.body) },
        "labels": [],
        "milestone": null,
        "active_lock_reason": null,
        "created_at": CREATED,
        "updated_at": UPDATED,
        "closed_at": null,
        "merged_at": null,
        "merge_commit_sha": null,
        "assignee": null,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": {
            "label": format!("{}:{}", pr.author.login, pr.head_ref),
            "ref": pr.head_ref,
            "repo": repo.clone(),
            "sha": pr.head_sha,
            "user": author.clone(),
        },
        "base": {
            "label": format!("{}:{}", pr.owner, pr.base_ref),
            "ref": pr.base_ref,
            "repo": repo,
            "sha": pr.base_sha,
            "user": simple_user(api, &owner),
        },
        "_links": {
            "self": { "href": format!("{r}/pulls/{n}") },
            "html": { "href": html },
            "issue": { "href": format!("{r}/issues/{n}") },
            "comments": { "href": format!("{r}/issues/{n}/comments") },
            "review_comments": { "href": format!("{r}/pulls/{n}/comments") },
            "review_comment": { "href": format!("{r}/pulls/comments{{/number}}") },
            "commits": { "href": format!("{r}/pulls/{n}/commits") },
            "statuses": { "href": format!("{r}/statuses/{}", pr.head_sha) },
        },
        "author_association": "CONTRIBUTOR",
        "auto_merge": null,
        "draft": false,
        "merged": false,
        "mergeable": true,
        "rebaseable": true,
        "mergeable_state": "clean",
        "merged_by": null,
        "comments": pr.comments.len(),
        "review_comments": review_comments,
        "maintainer_can_modify": false,
        "commits": pr.commits.len(),
        "additions": additions,
        "deletions": deletions,
        "changed_files": pr.files.len(),
    })
}

pub fn commit(api: &str, pr: &FakePr, index: usize) -> Value {
    let (sha, message) = &pr.commits[index];
    let r = format!("{api}/repos/{}/{}", pr.owner, pr.repo);
    let parent = if index == 0 {
        pr.base_sha.clone()
    } else {
        pr.commits[index - 1].0.clone()
    };
    let person = json!({
        "name": pr.author.login,
        "email": format!("{}@users.noreply.example", pr.author.login),
        "date": CREATED,
    });
    json!({
        "url": format!("{r}/commits/{sha}"),
        "sha": sha,
        "node_id": format!("C_{sha}"),
        "html_url": format!("{}/commit/{sha}", web(pr)),
        "comments_url": format!("{r}/commits/{sha}/comments"),
        "commit": {
            "url": format!("{r}/git/commits/{sha}"),
            "author": person,
            "committer": person,
            "message": message,
            "comment_count": 0,
            "tree": { "sha": "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "url": format!("{r}/git/trees/4b825dc642cb6eb9a060e54bf8d69288fbee4904") },
            "verification": { "verified": false, "reason": "unsigned", "payload": null, "signature": null, "verified_at": null },
        },
        "author": simple_user(api, &pr.author),
        "committer": simple_user(api, &pr.author),
        "parents": [ { "sha": parent, "url": format!("{r}/commits/{parent}"), "html_url": format!("{}/commit/{parent}", web(pr)) } ],
    })
}

pub fn diff_entry(api: &str, pr: &FakePr, index: usize) -> Value {
    let f = &pr.files[index];
    let r = format!("{api}/repos/{}/{}", pr.owner, pr.repo);
    let mut entry = json!({
        "sha": format!("{:040x}", index + 1),
        "filename": f.path,
        "status": f.status,
        "additions": f.additions,
        "deletions": f.deletions,
        "changes": f.additions + f.deletions,
        "blob_url": format!("{}/blob/{}/{}", web(pr), pr.head_sha, f.path),
        "raw_url": format!("{}/raw/{}/{}", web(pr), pr.head_sha, f.path),
        "contents_url": format!("{r}/contents/{}?ref={}", f.path, pr.head_sha),
        "patch": f.patch.clone().unwrap_or_else(|| synthetic_patch(f)),
    });
    if let Some(previous) = &f.previous_path {
        entry["previous_filename"] = json!(previous);
    }
    entry
}

/// The patch of a file that gives none: one hunk of its additions and deletions.
pub fn synthetic_patch(f: &FakeFile) -> String {
    format!("@@ -1,{} +1,{} @@\n", f.deletions, f.additions)
}

pub fn review(api: &str, pr: &FakePr, index: usize) -> Value {
    let review = &pr.reviews[index];
    let id = 80_000 + index as u64;
    let html = format!("{}/pull/{}#pullrequestreview-{id}", web(pr), pr.number);
    json!({
        "id": id,
        "node_id": format!("PRR_{id}"),
        "user": simple_user(api, &review.author),
        "body": review.body,
        "state": review.state,
        "html_url": html,
        "pull_request_url": format!("{api}/repos/{}/{}/pulls/{}", pr.owner, pr.repo, pr.number),
        "_links": {
            "html": { "href": html },
            "pull_request": { "href": format!("{api}/repos/{}/{}/pulls/{}", pr.owner, pr.repo, pr.number) },
        },
        "submitted_at": UPDATED,
        "commit_id": pr.head_sha,
        "author_association": "NONE",
    })
}

pub fn issue_comment(api: &str, pr: &FakePr, index: usize) -> Value {
    let c = &pr.comments[index];
    let id = 50_000 + index as u64;
    let r = format!("{api}/repos/{}/{}", pr.owner, pr.repo);
    json!({
        "id": id,
        "node_id": format!("IC_{id}"),
        "url": format!("{r}/issues/comments/{id}"),
        "html_url": format!("{}/pull/{}#issuecomment-{id}", web(pr), pr.number),
        "body": c.body,
        "user": simple_user(api, &c.author),
        "created_at": CREATED,
        "updated_at": UPDATED,
        "issue_url": format!("{r}/issues/{}", pr.number),
        "author_association": "NONE",
    })
}

/// GitHub's error body.
pub fn error(message: &str) -> Value {
    json!({
        "message": message,
        "documentation_url": "https://docs.github.com/rest",
    })
}

/// The body of a secondary rate limit 403.
pub fn secondary_limit() -> Value {
    error("You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.")
}

/// The 403 of a spent primary budget.
pub fn rate_limit_exceeded() -> Value {
    error("API rate limit exceeded for user ID 13. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.")
}

pub fn bad_credentials() -> Value {
    error("Bad credentials")
}

/// `GET /user` for `user` (the OpenAPI description's `public-user`: what a token without
/// the `user` scope is told).
pub fn authenticated_user(api: &str, user: &FakeUser) -> Value {
    let mut value = simple_user(api, user);
    let extra = json!({
        "user_view_type": "public",
        "name": null,
        "company": null,
        "blog": "",
        "location": null,
        "email": null,
        "hireable": null,
        "bio": null,
        "twitter_username": null,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": CREATED,
        "updated_at": UPDATED,
    });
    if let (Some(v), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
        v.extend(extra.clone());
    }
    value
}

/// The 422 GitHub answers a review it will not create, e.g. `Line could not be resolved`
/// for a comment on a line outside the diff (which comment, it does not say).
pub fn validation_failed(why: &str) -> Value {
    json!({
        "message": "Unprocessable Entity",
        "errors": [why],
        "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
    })
}

/// `GET /user` without a token.
pub fn requires_authentication() -> Value {
    json!({
        "message": "Requires authentication",
        "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
    })
}

pub fn not_found() -> Value {
    error("Not Found")
}
