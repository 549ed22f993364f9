//! Pull requests on GitHub, the write side: `review --post` publishes one review per run.
//!
//! - The first run creates a `COMMENT` review on the reviewed head (`commit_id`): a
//!   summary body (verdict, a findings table, the report's URL when given, every finding
//!   that cannot go on a line listed in full, and the hidden [`Marker`]) with an inline
//!   comment for each finding whose line range lies inside one hunk of the diff's new
//!   side ([`Commentable`], checked before sending), the first 50 of them, most severe
//!   first (the rest are written out in the body).
//! - A later run finds that review by its marker (written by the token's user when
//!   `GET /user` says who that is), replaces its body (`PUT`), and comments inline only
//!   on the findings that are new or re-rated since: one more review holding just those
//!   comments and a line pointing at the summary, or none when nothing is new. When the
//!   token's user is unknown (an Actions or App token cannot read `/user`) the latest
//!   marker counts whoever wrote it, and a `PUT` refused (403/404) falls back to a new
//!   summary.
//! - GitHub's 422 does not say which comment it refused: on a 422 the same review is
//!   sent once more with every inline comment moved into its body, so a refused comment
//!   loses no finding; a second refusal is the error. At most two requests per review.
//! - Every text sent goes through [`mask_secrets`], and `@name` mentions in it are
//!   broken so quoting a reviewer notifies no one; `dry_run` writes the exact requests
//!   to [`layout::POST_PAYLOAD_FILE`] in the work directory and sends nothing.

use std::path::{Path, PathBuf};

use reqwest::Method;
use serde::Serialize;
use serde_json::{json, Value};

use super::client::{Client, GitHubError};
use super::hunks::{Commentable, Placement};
use super::marker::{self, Marker};
use super::model::PullRequest;
use crate::render::text::cell;
use crate::report::{Finding, Report};
use crate::secrets::mask_secrets;
use crate::target::TargetError;
use crate::workdir::{self, layout};

/// The longest body GitHub takes is 65,536 characters; what is cut says where the rest is.
const BODY_CAP: usize = 60_000;
/// The most of one finding's text quoted in a body.
const FINDING_CAP: usize = 4_000;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the review was not posted: {0}\nhint: the report is complete in the work directory; check that the token may write pull request reviews (a fine-grained token needs \"Pull requests: write\"; in GitHub Actions, a pull_request run from a fork gets a read-only token: use the pull_request_target job of examples/github-workflow/deep-review.yml)")]
    GitHub(#[from] GitHubError),
    #[error("the review was not posted: the pull request's diff could not be read: {0}")]
    Diff(#[from] TargetError),
    #[error("the review was not posted: the report names no head revision to post on")]
    NoHead,
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// How to publish.
#[derive(Debug, Clone, Default)]
pub struct PublishOptions {
    /// `--report-url`: where the full report is, linked from the summary.
    pub report_url: Option<String>,
    /// Write the requests to the work directory instead of sending them.
    pub dry_run: bool,
}

/// The most inline comments one review gets (findings come most severe first).
const MAX_INLINE: usize = 50;

/// Why findings are written out in a body rather than commented inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// Their lines are not on the diff.
    OffTheDiff,
    /// More than [`MAX_INLINE`] are.
    TooMany,
    /// GitHub answered the review with a 422.
    Refused,
}

impl Why {
    fn say(self) -> String {
        match self {
            Why::OffTheDiff => "Their lines are not in the pull request's diff.".to_string(),
            Why::TooMany => format!("Only the first {MAX_INLINE} findings on the diff are commented inline; the others are here, with those whose lines are not in the diff."),
            Why::Refused => "GitHub refused the inline comments, so they are here, with the findings whose lines are not in the diff.".to_string(),
        }
    }
}

/// One request publishing sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request {
    pub method: String,
    /// From the API's base: `/repos/{owner}/{repo}/pulls/{n}/reviews`.
    pub path: String,
    pub body: Value,
}

/// What publishing did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Published {
    /// The summary review's web address (None on a dry run).
    pub url: Option<String>,
    /// The earlier summary was updated rather than a new one created.
    pub updated: bool,
    /// Inline comments posted.
    pub inline: usize,
    /// Findings GitHub refused inline, moved into a body.
    pub moved: usize,
    /// Requests sent (the `GET /user` included); 0 on a dry run.
    pub api_calls: u64,
    /// The dry run's payload file.
    pub payload: Option<PathBuf>,
}

/// The review about to be published, decided before anything is sent.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    report: &'a Report,
    owner: String,
    repo: String,
    number: u64,
    head: String,
    /// The earlier summary: its id, address and marker.
    earlier: Option<(u64, String, Marker)>,
    /// Findings (by index) whose lines are on the diff, and where.
    placed: Vec<(usize, Placement)>,
    /// Findings with no line on the diff: listed in the summary body.
    unplaced: Vec<usize>,
    report_url: Option<String>,
}

impl<'a> Plan<'a> {
    /// Places every finding of `report` on `diff`; `login` is the token's user when
    /// known (the earlier summary must be theirs).
    pub fn new(
        report: &'a Report,
        pr: &PullRequest,
        diff: &Commentable,
        login: Option<&str>,
        report_url: Option<&str>,
    ) -> Result<Plan<'a>, PublishError> {
        let head = report
            .target
            .head
            .clone()
            .filter(|h| !h.is_empty())
            .ok_or(PublishError::NoHead)?;
        let mut placed = Vec::new();
        let mut unplaced = Vec::new();
        for (i, finding) in report.findings.iter().enumerate() {
            match finding.location.as_ref().and_then(|l| diff.place(l)) {
                Some(at) => placed.push((i, at)),
                None => unplaced.push(i),
            }
        }
        let earlier = marker::latest(&pr.reviews, login).map(|(r, m)| (r.id, r.url.clone(), m));
        Ok(Plan {
            report,
            owner: pr.owner.clone(),
            repo: pr.repo.clone(),
            number: pr.number,
            head,
            earlier,
            placed,
            unplaced,
            report_url: report_url
                .map(str::to_string)
                .filter(|u| !u.trim().is_empty()),
        })
    }

    /// The same review as a first one: a summary of its own, every finding on the diff
    /// commented on.
    pub fn without_earlier(&self) -> Plan<'a> {
        Plan {
            earlier: None,
            ..self.clone()
        }
    }

    /// The findings that get an inline comment this run: those on the diff, less those
    /// the earlier summary already published with the same fingerprint and severity.
    fn fresh(&self) -> Vec<(usize, Placement)> {
        self.placed
            .iter()
            .filter(|(i, _)| {
                self.earlier
                    .as_ref()
                    .is_none_or(|(_, _, m)| !m.has(&self.report.findings[*i]))
            })
            .copied()
            .collect()
    }

    /// The requests, in order. `moved`: every inline comment goes into its review's
    /// body instead (the answer to a 422).
    pub fn requests(&self, moved: bool) -> Vec<Request> {
        let reviews = format!(
            "/repos/{}/{}/pulls/{}/reviews",
            self.owner, self.repo, self.number
        );
        let mut fresh = self.fresh();
        // Beyond the cap, in the body: the most severe findings are the ones inline.
        let overflow: Vec<usize> = fresh
            .split_off(fresh.len().min(MAX_INLINE))
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        let why = if moved {
            Why::Refused
        } else if overflow.is_empty() {
            Why::OffTheDiff
        } else {
            Why::TooMany
        };
        let (comments, mut moved_ids): (Vec<Value>, Vec<usize>) = if moved {
            (Vec::new(), fresh.iter().map(|(i, _)| *i).collect())
        } else {
            (
                fresh.iter().map(|&(i, at)| self.comment(i, at)).collect(),
                Vec::new(),
            )
        };
        moved_ids.extend(overflow);
        let create = |body: String, comments: Vec<Value>| Request {
            method: "POST".to_string(),
            path: reviews.clone(),
            body: json!({
                "commit_id": self.head,
                "body": body,
                "event": "COMMENT",
                "comments": comments,
            }),
        };
        match &self.earlier {
            None => {
                let mut listed = self.unplaced.clone();
                listed.extend(&moved_ids);
                listed.sort_unstable();
                vec![create(self.summary(&listed, why), comments)]
            }
            Some((id, url, earlier)) => {
                let mut requests = vec![Request {
                    method: "PUT".to_string(),
                    path: format!("{reviews}/{id}"),
                    body: json!({ "body": self.summary(&self.unplaced, Why::OffTheDiff) }),
                }];
                if !comments.is_empty() || !moved_ids.is_empty() {
                    requests.push(create(
                        self.follow_up(url, earlier, &moved_ids, why),
                        comments,
                    ));
                }
                requests
            }
        }
    }

    /// The summary: verdict, findings table, the report's address, the findings not
    /// on a line, the marker.
    fn summary(&self, listed: &[usize], why: Why) -> String {
        let report = self.report;
        let mut out = format!(
            "### deep-review: {}\n\n{}\n\n",
            report.verdict.decision.label(),
            report.verdict.reason.trim()
        );
        if report.findings.is_empty() {
            out.push_str("No findings.\n\n");
        } else {
            out.push_str("| Id | Severity | Finding | Location |\n|---|---|---|---|\n");
            for f in &report.findings {
                let place = f
                    .location
                    .as_ref()
                    .map_or_else(|| "—".to_string(), |l| format!("`{l}`"));
                out.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    f.id,
                    f.severity.as_str(),
                    cell(&f.title),
                    cell(&place)
                ));
            }
            out.push('\n');
        }
        if let Some(url) = &self.report_url {
            out.push_str(&format!("Full report: {url}\n\n"));
        }
        if !listed.is_empty() {
            out.push_str(&format!("#### Not commented inline\n\n{}\n\n", why.say()));
            out.push_str(&self.listing(listed));
        }
        self.finish(out, Some(Marker::of(report)))
    }

    /// The body of a later round's review of new inline comments.
    fn follow_up(&self, url: &str, earlier: &Marker, moved: &[usize], why: Why) -> String {
        let mut out = format!(
            "{FOLLOW_UP}{}: comments on the findings new or re-rated since round {}; the summary above is updated in place",
            self.report.target.round, earlier.round
        );
        if url.is_empty() {
            out.push_str(".\n\n");
        } else {
            out.push_str(&format!(": {url}\n\n"));
        }
        if !moved.is_empty() {
            out.push_str(&format!("{}\n\n", why.say()));
            out.push_str(&self.listing(moved));
        }
        self.finish(out, None)
    }

    /// Findings in full, for a body.
    fn listing(&self, findings: &[usize]) -> String {
        findings
            .iter()
            .map(|&i| {
                let f = &self.report.findings[i];
                let place = f
                    .location
                    .as_ref()
                    .map(|l| format!(" — `{l}`"))
                    .unwrap_or_default();
                format!(
                    "{}{place}\n\n{}\n\n",
                    heading(f),
                    capped(&f.body, FINDING_CAP)
                )
            })
            .collect()
    }

    fn comment(&self, i: usize, at: Placement) -> Value {
        let f = &self.report.findings[i];
        let body = mask(&format!(
            "{}\n\n{}\n\n{INLINE_FOOTER}{}</sub>",
            heading(f),
            capped(&f.body, FINDING_CAP),
            self.report.target.round
        ));
        let path = f.location.as_ref().map_or("", |l| l.path.as_str());
        let mut comment = json!({ "path": path, "line": at.line, "side": "RIGHT", "body": body });
        if let Some(start) = at.start_line {
            comment["start_line"] = json!(start);
            comment["start_side"] = json!("RIGHT");
        }
        comment
    }

    /// Capped, masked, and the marker last (so a cut never loses it).
    fn finish(&self, mut text: String, marker: Option<Marker>) -> String {
        if text.len() > BODY_CAP {
            text = capped(&text, BODY_CAP);
            text.push_str("\n\n(cut: the full report has the rest)\n\n");
        }
        let mut text = mask(&text);
        if let Some(m) = marker {
            text.push_str(&m.render());
        }
        text
    }
}

/// How deep-review's posts other than the summary (which has its marker) are told
/// apart: the footer of each inline comment, the start of a later round's review.
const INLINE_FOOTER: &str = "<sub>deep-review round ";
const FOLLOW_UP: &str = "deep-review round ";

/// Whether deep-review posted `body` — a summary (its marker), an inline comment, a
/// later round's review — so the `import` backend never counts its own posts.
pub fn is_ours(body: &str) -> bool {
    body.contains(super::marker::OPEN)
        || body.contains(INLINE_FOOTER)
        || body.trim_start().starts_with(FOLLOW_UP)
}

/// Publishes `report` on `pr`: reads who the token is, places the findings on the
/// diff of `repo` (its base and head as the report names them), then sends — or, on a
/// dry run, writes the requests to `workdir`.
pub async fn publish(
    client: &Client,
    pr: &PullRequest,
    report: &Report,
    repo: &Path,
    workdir: &Path,
    options: &PublishOptions,
) -> Result<Published, PublishError> {
    let before = client.requests();
    // An Actions or App token may not read `/user`: then any author's marker counts.
    let login = client
        .get("/user")
        .await
        .ok()
        .and_then(|u| u.get("login").and_then(Value::as_str).map(str::to_string));
    let head = report.target.head.as_deref().ok_or(PublishError::NoHead)?;
    let base = report.target.base.as_deref().unwrap_or(&pr.base.sha);
    let diff = Commentable::from_git(repo, base, head)?;
    let plan = Plan::new(
        report,
        pr,
        &diff,
        login.as_deref(),
        options.report_url.as_deref(),
    )?;
    if options.dry_run {
        let path = workdir.join(layout::POST_PAYLOAD_FILE);
        let text = serde_json::to_string_pretty(&plan.requests(false)).unwrap_or_default();
        workdir::write_atomic(&path, text.as_bytes()).map_err(|source| PublishError::Write {
            path: path.clone(),
            source,
        })?;
        return Ok(Published {
            payload: Some(path),
            updated: plan.earlier.is_some(),
            ..Published::default()
        });
    }
    let mut done = match send_all(client, &plan).await {
        // Whose the earlier summary is was unknown (no `GET /user`), and it is not
        // ours to update: a summary of our own instead.
        Err(GitHubError::Forbidden { .. } | GitHubError::NotFound { .. })
            if login.is_none() && plan.earlier.is_some() =>
        {
            send_all(client, &plan.without_earlier()).await?
        }
        done => done?,
    };
    done.api_calls = client.requests() - before;
    Ok(done)
}

/// Sends the plan's requests in order, each refused with a 422 once more with its
/// inline comments in its body.
async fn send_all(client: &Client, plan: &Plan<'_>) -> Result<Published, GitHubError> {
    let mut done = Published {
        updated: plan.earlier.is_some(),
        url: plan.earlier.as_ref().map(|(_, url, _)| url.clone()),
        ..Published::default()
    };
    // The requests with their inline comments moved into their bodies, made on the
    // first 422.
    let mut moved: Option<Vec<Request>> = None;
    for (i, request) in plan.requests(false).iter().enumerate() {
        let comments = inline_count(request);
        let answer = match send(client, request).await {
            Err(GitHubError::Status { status: 422, .. }) if comments > 0 => {
                let again = &moved.get_or_insert_with(|| plan.requests(true))[i];
                done.moved += comments;
                send(client, again).await?
            }
            Err(e) => return Err(e),
            Ok(answer) => {
                done.inline += comments;
                answer
            }
        };
        // The summary is the first request: the created review, or the updated one.
        if i == 0 {
            if let Some(url) = answer.get("html_url").and_then(Value::as_str) {
                done.url = Some(url.to_string());
            }
        }
    }
    Ok(done)
}

async fn send(client: &Client, request: &Request) -> Result<Value, GitHubError> {
    let method = if request.method == "PUT" {
        Method::PUT
    } else {
        Method::POST
    };
    client.send_json(method, &request.path, &request.body).await
}

fn inline_count(request: &Request) -> usize {
    request
        .body
        .get("comments")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// `**I1 · important** — title`.
fn heading(f: &Finding) -> String {
    format!(
        "**{} · {}** — {}",
        f.id,
        f.severity.as_str(),
        f.title.trim()
    )
}

/// At most `cap` bytes of `text`, cut at a character boundary, with `…` when cut.
fn capped(text: &str, cap: usize) -> String {
    let text = text.trim();
    if text.len() <= cap {
        return text.to_string();
    }
    let cut = (0..=cap)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    format!("{}…", &text[..cut])
}

/// What leaves for GitHub: secrets masked, and `@name` mentions outside code broken
/// with a zero-width space, so a reviewer quoting a login never notifies anyone.
fn mask(text: &str) -> String {
    let masked = mask_secrets(text);
    let mut out = String::with_capacity(masked.len());
    let mut fence: Option<&'static str> = None;
    for line in masked.split_inclusive('\n') {
        let trimmed = line.trim_start();
        match fence {
            Some(open) => {
                if trimmed.starts_with(open) {
                    fence = None;
                }
                out.push_str(line);
            }
            None => {
                fence = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f));
                if fence.is_some() {
                    out.push_str(line);
                } else {
                    unmention(line, &mut out);
                }
            }
        }
    }
    out
}

/// `line` into `out` with a zero-width space after each `@` that would start a mention
/// (not inside a code span, not in the middle of a word such as an e-mail address).
fn unmention(line: &str, out: &mut String) {
    let mut in_code = false;
    let mut previous: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '`' {
            in_code = !in_code;
        } else if c == '@'
            && !in_code
            && !previous.is_some_and(|p| p.is_alphanumeric() || matches!(p, '_' | '.' | '-'))
            && chars.peek().is_some_and(|n| n.is_ascii_alphanumeric())
        {
            out.push('\u{200B}');
        }
        previous = Some(c);
    }
}

#[cfg(test)]
mod tests;
