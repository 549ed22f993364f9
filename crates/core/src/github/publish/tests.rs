//! Placement and payloads on a hand-made diff: which findings go inline, which into the
//! body, what a 422 retry sends, and what a later round updates.

use super::*;
use crate::github::model::{Branch, Review};
use crate::model::{Location, Severity};
use crate::narrative::{build_report, fixtures};

const DIFF: &str = "\
diff --git a/src/cache.rs b/src/cache.rs
--- a/src/cache.rs
+++ b/src/cache.rs
@@ -10,3 +10,8 @@ impl Cache {
 a
 b
 c
+d
+e
+f
+g
+h
";

const KEY: &str = "AKIAQ7XZ3M2KPLR5TWNB";

fn report() -> Report {
    let mut report = build_report(&fixtures::rust_cache().input());
    report.target.head = Some("b".repeat(40));
    report.target.base = Some("a".repeat(40));
    report.target.round = 1;
    let template = report.findings[0].clone();
    let finding = |id: &str, severity: Severity, title: &str, at: Option<Location>| Finding {
        id: id.to_string(),
        severity,
        title: title.to_string(),
        location: at.clone(),
        locations: at.into_iter().collect(),
        body: format!("Why {title} matters."),
        fingerprint: String::new(),
        ..template.clone()
    };
    let mut on_diff = finding(
        "I1",
        Severity::Important,
        "eviction | skips the newest entry",
        Some(Location::lines("src/cache.rs", 12, 15)),
    );
    on_diff.body = format!("The key `{KEY}` is logged.");
    report.findings = vec![
        on_diff,
        finding(
            "I2",
            Severity::Important,
            "stale size",
            Some(Location::lines("src/cache.rs", 40, 41)),
        ),
        finding("S1", Severity::Suggestion, "no tests", None),
    ];
    report
}

fn pr(reviews: Vec<Review>) -> PullRequest {
    PullRequest {
        owner: "octo".into(),
        repo: "hello".into(),
        number: 7,
        title: "t".into(),
        author: "carol".into(),
        body: String::new(),
        html_url: String::new(),
        base: Branch {
            ref_name: "main".into(),
            sha: "a".repeat(40),
        },
        head: Branch {
            ref_name: "f".into(),
            sha: "b".repeat(40),
        },
        clone_url: String::new(),
        commits: vec![],
        files: vec![],
        commit_count: 0,
        changed_files: 0,
        threads: vec![],
        reviews,
        comments: vec![],
    }
}

fn comments(request: &Request) -> Vec<Value> {
    request.body["comments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_finding_on_the_diff_goes_inline_the_others_into_the_body() {
    let report = report();
    let diff = Commentable::from_diff(DIFF);
    let plan = Plan::new(
        &report,
        &pr(vec![]),
        &diff,
        Some("bot"),
        Some("https://ci.example/r/1"),
    )
    .expect("plan");
    let requests = plan.requests(false);
    assert_eq!(requests.len(), 1);
    let post = &requests[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, "/repos/octo/hello/pulls/7/reviews");
    assert_eq!(post.body["event"], "COMMENT");
    assert_eq!(post.body["commit_id"], "b".repeat(40));
    let inline = comments(post);
    assert_eq!(inline.len(), 1, "{inline:#?}");
    assert_eq!(inline[0]["path"], "src/cache.rs");
    assert_eq!(inline[0]["start_line"], 12);
    assert_eq!(inline[0]["line"], 15);
    assert_eq!(inline[0]["side"], "RIGHT");
    assert_eq!(inline[0]["start_side"], "RIGHT");
    let comment = inline[0]["body"].as_str().unwrap_or_default();
    assert!(comment.contains("**I1 · important**"), "{comment}");
    assert!(
        !comment.contains(KEY) && comment.contains("AKIA****"),
        "{comment}"
    );

    let body = post.body["body"].as_str().unwrap_or_default();
    // The table has all three, the `|` of a title escaped.
    assert!(
        body.contains(
            "| I1 | important | eviction \\| skips the newest entry | `src/cache.rs:12-15` |"
        ),
        "{body}"
    );
    assert!(
        body.contains("| S1 | suggestion | no tests | — |"),
        "{body}"
    );
    assert!(
        body.contains("Full report: https://ci.example/r/1"),
        "{body}"
    );
    // The two not on the diff are in full; the inline one is not repeated.
    let listed = &body[body.find("#### Not commented inline").expect("the section")..];
    assert!(
        listed.contains("**I2 · important** — stale size — `src/cache.rs:40-41`"),
        "{body}"
    );
    assert!(listed.contains("Why stale size matters."), "{body}");
    assert!(listed.contains("**S1 · suggestion** — no tests"), "{body}");
    assert!(!listed.contains("I1 ·"), "{body}");
    let marker = Marker::parse(body).expect("the marker");
    assert_eq!(marker.round, 1);
    assert_eq!(marker.head, "b".repeat(40));
    assert_eq!(marker.findings.len(), 3);
    assert!(report.findings.iter().all(|f| marker.has(f)));

    // The answer to a 422: nothing inline, every finding in the body.
    let retry = &plan.requests(true)[0];
    assert!(comments(retry).is_empty());
    let body = retry.body["body"].as_str().unwrap_or_default();
    assert!(
        body.contains("GitHub refused the inline comments"),
        "{body}"
    );
    for f in &report.findings {
        assert!(body.contains(&heading(f)), "{} missing: {body}", f.id);
    }
    assert!(!body.contains(KEY), "{body}");
}

#[test]
fn a_later_round_updates_the_summary_and_comments_only_on_what_changed() {
    let report = report();
    let diff = Commentable::from_diff(DIFF);
    let first = Plan::new(&report, &pr(vec![]), &diff, Some("bot"), None).expect("plan");
    let published = first.requests(false)[0].body["body"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let earlier = |author: &str, body: &str| Review {
        id: 4242,
        author: author.into(),
        state: "COMMENTED".into(),
        body: body.into(),
        url: "https://github.example/octo/hello/pull/7#pullrequestreview-4242".into(),
        commit_id: Some("c".repeat(40)),
        submitted_at: None,
    };
    let mut next = report.clone();
    next.target.round = 2;

    // Nothing new: the summary is replaced, no other review.
    let reviews = vec![earlier("bot", &published)];
    let plan = Plan::new(&next, &pr(reviews.clone()), &diff, Some("bot"), None).expect("plan");
    let requests = plan.requests(false);
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(requests[0].method, "PUT");
    assert_eq!(requests[0].path, "/repos/octo/hello/pulls/7/reviews/4242");
    let body = requests[0].body["body"].as_str().unwrap_or_default();
    assert_eq!(Marker::parse(body).map(|m| m.round), Some(2));

    // I1 re-rated: it is commented on again, in a review pointing at the summary.
    next.findings[0].severity = Severity::Critical;
    let plan = Plan::new(&next, &pr(reviews), &diff, Some("bot"), None).expect("plan");
    let requests = plan.requests(false);
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert_eq!(requests[1].method, "POST");
    assert_eq!(comments(&requests[1]).len(), 1);
    let follow = requests[1].body["body"].as_str().unwrap_or_default();
    assert!(follow.contains("pullrequestreview-4242"), "{follow}");
    assert!(
        Marker::parse(follow).is_none(),
        "one summary carries the marker: {follow}"
    );

    // Someone else's marker is not ours to update.
    let plan = Plan::new(
        &next,
        &pr(vec![earlier("mallory", &published)]),
        &diff,
        Some("bot"),
        None,
    )
    .expect("plan");
    assert_eq!(plan.requests(false)[0].method, "POST");
}

#[test]
fn beyond_the_cap_findings_on_the_diff_go_into_the_body() {
    let mut report = report();
    let template = report.findings[0].clone();
    report.findings = (1..=MAX_INLINE + 5)
        .map(|n| Finding {
            id: format!("S{n}"),
            title: format!("suggestion number {n}"),
            body: format!("Body of {n}."),
            ..template.clone()
        })
        .collect();
    let diff = Commentable::from_diff(DIFF);
    let plan = Plan::new(&report, &pr(vec![]), &diff, None, None).expect("plan");
    let post = &plan.requests(false)[0];
    assert_eq!(comments(post).len(), MAX_INLINE);
    let body = post.body["body"].as_str().unwrap_or_default();
    assert!(
        body.contains(&format!("Only the first {MAX_INLINE} findings")),
        "{body}"
    );
    let listed = &body[body.find("#### Not commented inline").expect("the section")..];
    for n in MAX_INLINE + 1..=MAX_INLINE + 5 {
        assert!(
            listed.contains(&format!("Body of {n}.")),
            "S{n} lost: {listed}"
        );
    }
    assert!(
        !listed.contains(&format!("Body of {MAX_INLINE}.")),
        "{listed}"
    );
}

#[test]
fn mentions_outside_code_are_broken_and_code_is_left_alone() {
    let text =
        "Ask @octocat or @org/team; mail a@b.io; `@decorator` stays\n```py\n@property\n```\n@end";
    let sent = mask(text);
    assert!(sent.contains("@\u{200B}octocat"), "{sent:?}");
    assert!(sent.contains("@\u{200B}org/team"), "{sent:?}");
    assert!(sent.contains("a@b.io"), "{sent:?}");
    assert!(sent.contains("`@decorator`"), "{sent:?}");
    assert!(sent.contains("\n@property\n"), "{sent:?}");
    assert!(sent.ends_with("@\u{200B}end"), "{sent:?}");
    // Nothing else changes.
    assert_eq!(sent.replace('\u{200B}', ""), text);
}
