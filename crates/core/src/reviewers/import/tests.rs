use super::*;
use crate::github::model::{Branch, Comment, Review};

fn comment(author: &str, body: &str) -> Comment {
    Comment {
        author: author.to_string(),
        body: body.to_string(),
        url: format!("https://github.com/o/r/pull/3#c-{}", body.len()),
        created_at: "2026-01-01T00:00:00Z".to_string(),
    }
}

fn thread(path: &str, line: Option<u64>, comments: Vec<Comment>) -> ReviewThread {
    ReviewThread {
        id: format!("T{}", comments.len()),
        is_resolved: false,
        is_outdated: line.is_none(),
        path: path.to_string(),
        line,
        start_line: None,
        original_line: Some(9),
        comments,
    }
}

fn review(author: &str, state: &str, body: &str) -> Review {
    Review {
        id: 1,
        author: author.to_string(),
        state: state.to_string(),
        body: body.to_string(),
        url: "https://github.com/o/r/pull/3#r1".to_string(),
        commit_id: None,
        submitted_at: None,
    }
}

fn pr() -> PullRequest {
    let mut ranged = thread(
        "src/lib.rs",
        Some(7),
        vec![
            // GraphQL spells bots without `[bot]`.
            comment(
                "coderabbitai",
                "_⚠️ Potential issue_ | _🟠 Major_\n\n**`two` has no test.**\n\nNothing calls it.",
            ),
            comment("carol", "Will add one."),
        ],
    );
    ranged.start_line = Some(5);
    let mut resolved = thread(
        "src/lib.rs",
        Some(2),
        vec![comment("coderabbitai", "**Old nit.**\n\nFixed since.")],
    );
    resolved.is_resolved = true;
    PullRequest {
        owner: "o".into(),
        repo: "r".into(),
        number: 3,
        title: "t".into(),
        author: "carol".into(),
        body: String::new(),
        html_url: String::new(),
        base: Branch {
            ref_name: "main".into(),
            sha: "a".into(),
        },
        head: Branch {
            ref_name: "f".into(),
            sha: "b".into(),
        },
        clone_url: String::new(),
        commits: Vec::new(),
        files: Vec::new(),
        commit_count: 0,
        changed_files: 0,
        threads: vec![
            ranged,
            resolved,
            // Outdated: imported at the line it was written on.
            thread(
                "src/old.rs",
                None,
                vec![comment(
                    "gemini-code-assist",
                    "![high](https://www.gstatic.com/codereviewagent/high-priority.svg)\n\nThe handle leaks on error.",
                )],
            ),
            thread(
                "src/lib.rs",
                Some(1),
                vec![comment("dave", "Why `u32`? An `i64` would match the API.")],
            ),
            thread(
                "src/lib.rs",
                Some(3),
                vec![comment(
                    "deep-review-bot",
                    "**I1** x\n\nWhy.\n\n<sub>deep-review round 1</sub>",
                )],
            ),
            // The author's own note on their change.
            thread(
                "src/lib.rs",
                Some(4),
                vec![comment("carol", "This mirrors the old parser on purpose.")],
            ),
        ],
        reviews: vec![
            review(
                "coderabbitai[bot]",
                "COMMENTED",
                "**Actionable comments posted: 1**",
            ),
            review("erin", "APPROVED", "LGTM"),
            review("dave", "CHANGES_REQUESTED", "Please split the commit into two."),
        ],
        comments: vec![
            comment(
                "gemini-code-assist[bot]",
                "## Summary of Changes\n\nThis adds `two`.",
            ),
            comment("erin", "Could you rebase?"),
        ],
    }
}

#[test]
fn comments_are_grouped_by_author_and_summaries_left_out() {
    let authors = collect(&pr());
    let keys: Vec<&str> = authors.keys().map(String::as_str).collect();
    assert_eq!(keys, ["coderabbit", "dave", "gemini-code-assist"]);
    let rabbit = &authors["coderabbit"];
    assert_eq!(rabbit.login, "coderabbitai[bot]");
    assert_eq!(rabbit.resolved, 1);
    assert_eq!(rabbit.findings.len(), 1, "{:?}", rabbit.findings);
    assert_eq!(
        rabbit.findings[0].location.as_deref(),
        Some("src/lib.rs:5-7")
    );
    assert_eq!(rabbit.findings[0].read.severity, Severity::Important);
    let gemini = &authors["gemini-code-assist"];
    assert_eq!(gemini.findings.len(), 1);
    assert_eq!(gemini.findings[0].location.as_deref(), Some("src/old.rs:9"));
    let dave: Vec<(Option<&str>, Severity)> = authors["dave"]
        .findings
        .iter()
        .map(|f| (f.location.as_deref(), f.read.severity))
        .collect();
    assert_eq!(
        dave,
        [
            (Some("src/lib.rs:1"), Severity::Suggestion),
            (None, Severity::Important)
        ]
    );
}

#[test]
fn author_keys_are_name_safe_and_short() {
    assert_eq!(Author::of("coderabbitai").login, "coderabbitai[bot]");
    assert_eq!(Author::of("Some.Person").key, "some-person");
    let long = Author::of(&"x/".repeat(200));
    assert_eq!(long.key.len(), MAX_KEY_CHARS);
    assert!(crate::config::valid_name(&format!("import-{}", long.key)));
}

#[test]
fn the_panel_gets_one_reviewer_per_author() {
    let mut import = ReviewerConfig::new("import", BackendKind::Import);
    import.timeout = std::time::Duration::from_secs(5);
    let panel = vec![ReviewerConfig::new("alpha", BackendKind::Command), import];
    let expanded = expand(&panel, Some(&pr()));
    let names: Vec<(&str, String)> = expanded
        .iter()
        .map(|r| (r.name.as_str(), r.display_name()))
        .collect();
    assert_eq!(
        names,
        [
            ("alpha", "alpha".to_string()),
            ("import-coderabbit", "CodeRabbit (imported)".to_string()),
            ("import-dave", "dave (imported)".to_string()),
            (
                "import-gemini-code-assist",
                "Gemini Code Assist (imported)".to_string()
            ),
        ]
    );
    assert!(expanded[1..]
        .iter()
        .all(|r| r.timeout == std::time::Duration::from_secs(5)));
    // Twice is once; without a pull request nothing changes.
    assert_eq!(expand(&expanded, Some(&pr())).len(), expanded.len());
    assert_eq!(expand(&panel, None).len(), 2);
}

#[test]
fn each_author_is_a_review_the_parser_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let pr = pr();
    std::fs::write(
        dir.path().join(layout::PULL_REQUEST_FILE),
        serde_json::to_vec(&pr).unwrap(),
    )
    .unwrap();
    let panel = expand(
        &[ReviewerConfig::new("import", BackendKind::Import)],
        Some(&pr),
    );
    let rabbit = &panel[0];
    let outcome = run(rabbit, dir.path());
    assert_eq!(outcome.status, RunStatus::Ok, "{:?}", outcome.error);
    let text = outcome.review.expect("a review");
    assert!(text.contains("1 resolved thread not imported"), "{text}");
    assert_eq!(outcome.files_read, ["src/lib.rs"]);
    let parsed = crate::parse::parse_review(&rabbit.name, 1, &text, None);
    assert_eq!(parsed.items.len(), 1, "{parsed:?}");
    let item = &parsed.items[0];
    assert_eq!(item.title, "`two` has no test.");
    assert_eq!(item.severity, Severity::Important);
    assert_eq!(item.locations[0].path, "src/lib.rs");
    assert_eq!(item.locations[0].line_start, Some(5));
    assert_eq!(item.locations[0].line_end, Some(7));

    // The `import` reviewer itself, unexpanded, and an author with nothing: skipped
    // with the reason; no pull request at all: not ready.
    let bare = ReviewerConfig::new("import", BackendKind::Import);
    let outcome = run(&bare, dir.path());
    assert_eq!(outcome.status, RunStatus::Skipped);
    let mut nobody = bare.clone();
    nobody.import_author = Some("zed".into());
    assert_eq!(run(&nobody, dir.path()).status, RunStatus::Skipped);
    let empty = tempfile::tempdir().unwrap();
    let outcome = run(&bare, empty.path());
    assert_eq!(outcome.status, RunStatus::Skipped);
    assert!(
        outcome
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("not ready: needs a pull request target")),
        "{:?}",
        outcome.error
    );
}

#[test]
fn an_unclosed_fence_in_a_comment_does_not_swallow_the_block() {
    let mut pr = pr();
    pr.threads = vec![thread(
        "src/lib.rs",
        Some(4),
        vec![comment("alice", "Check this:\n```rust\nlet x = 1;\n")],
    )];
    pr.reviews.clear();
    pr.comments.clear();
    let authors = collect(&pr);
    let text = render(&pr, &authors["alice"], "alice (imported)");
    let parsed = crate::parse::parse_review("import-alice", 1, &text, None);
    assert_eq!(parsed.items.len(), 1, "{text}");
    assert_eq!(parsed.items[0].title, "Check this");
}
