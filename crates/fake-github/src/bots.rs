//! A pull request three review bots and a person have already reviewed, for the
//! `import` backend's tests: CodeRabbit (an inline comment with its badge line, prompt
//! for agents and fingerprint; a resolved thread; a review body listing a nitpick; a
//! walkthrough), Gemini Code Assist (a priority badge; a summary of changes), Codex (a
//! P1 shield and its reaction footer), a person (an inline question and an approval),
//! a reply by the PR's author and deep-review's own earlier review and inline comment.
//! The comment texts are written for these tests, in the shapes the bots use.

use crate::{FakeComment, FakePr, FakeReview, FakeThread, FakeUser};

/// A key the Codex comment quotes, which every file deep-review writes must mask.
pub const QUOTED_KEY: &str = "AKIAQ7XZ3M2KPLR5TWNB";

fn comment(author: &FakeUser, body: &str) -> FakeComment {
    FakeComment {
        author: author.clone(),
        body: body.to_string(),
    }
}

fn thread(path: &str, lines: (u64, u64), comments: Vec<FakeComment>) -> FakeThread {
    FakeThread {
        resolved: false,
        outdated: false,
        path: path.to_string(),
        line: Some(lines.1),
        start_line: (lines.0 < lines.1).then_some(lines.0),
        original_line: Some(lines.1),
        comments,
    }
}

/// Replaces `pr`'s threads, reviews and comments with the bots' and the person's:
/// CodeRabbit's and the person's on `path` (seven lines or more), Gemini's and Codex's
/// on `other` (forty lines or more); both files in the change.
pub fn reviewed_by_bots(pr: &mut FakePr, path: &str, other: &str) {
    let rabbit = FakeUser::new("coderabbitai[bot]", 136622811);
    let gemini = FakeUser::new("gemini-code-assist[bot]", 176961590);
    let codex = FakeUser::new("chatgpt-codex-connector[bot]", 199175422);
    let dave = FakeUser::new("dave", 21);
    let author = pr.author.clone();
    let mut resolved = thread(
        path,
        (2, 2),
        vec![comment(
            &rabbit,
            "_🧹 Nitpick_\n\n**Trailing space on this line.**\n\nIt was fixed in a later push.",
        )],
    );
    resolved.resolved = true;
    pr.threads = vec![
        thread(
            path,
            (5, 7),
            vec![
                comment(
                    &rabbit,
                    "_⚠️ Potential issue_ | _🟠 Major_

**`two` has no test.**

Nothing exercises `two`, so a change to its value would go unnoticed.

<details>
<summary>🤖 Prompt for AI Agents</summary>

```
In the file around lines 5 to 7, add a unit test for two.
```

</details>

<!-- fingerprinting:fake:rabbit:one -->

<!-- This is an auto-generated comment by CodeRabbit -->",
                ),
                comment(&author, "Good catch, adding one."),
            ],
        ),
        resolved,
        thread(
            other,
            (10, 10),
            vec![comment(
                &gemini,
                "![medium](https://www.gstatic.com/codereviewagent/medium-priority.svg)

The capacity is a bare literal. A named constant would say what the value means.

```suggestion
pub const CAPACITY: usize = 64;
```",
            )],
        ),
        thread(
            other,
            (40, 40),
            vec![comment(
                &codex,
                &format!(
                    "**<sub><sub>![P1 Badge](https://img.shields.io/badge/P1-orange?style=flat)</sub></sub>  Keep the access key out of the fixture**

The fixture at this line carries `{QUOTED_KEY}`; a real key in the repository is a leak.

Useful? React with 👍 / 👎."
                ),
            )],
        ),
        // deep-review's own inline comment from an earlier round, by the account that
        // published it.
        thread(
            path,
            (5, 7),
            vec![comment(
                &FakeUser::new("github-actions[bot]", 41898282),
                "**I1** `two` has no test — `src/lib.rs:5-7`\n\nNothing calls it.\n\n<sub>deep-review round 1</sub>",
            )],
        ),
        thread(
            path,
            (3, 3),
            vec![comment(
                &dave,
                "Why does `one` return `u32` when the API hands out `u64` everywhere else?",
            )],
        ),
    ];
    pr.reviews = vec![
        FakeReview {
            author: rabbit.clone(),
            state: "COMMENTED".to_string(),
            body: format!(
                "**Actionable comments posted: 1**

<details>
<summary>🧹 Nitpick comments (1)</summary><blockquote>

<details>
<summary>{path} (1)</summary><blockquote>

`1-3`: **Document what `one` is for.**

A doc comment would tell callers when to use it.

</blockquote></details>

</blockquote></details>

<details>
<summary>📜 Review details</summary>

Configuration used: defaults

</details>"
            ),
        },
        FakeReview {
            author: gemini.clone(),
            state: "COMMENTED".to_string(),
            body: "## Code Review\n\nThe change is small; one comment on naming.".to_string(),
        },
        FakeReview {
            author: dave.clone(),
            state: "APPROVED".to_string(),
            body: "LGTM once the test is in.".to_string(),
        },
        // deep-review's summary from an earlier round, with its marker.
        FakeReview {
            author: FakeUser::new("deep-review-bot", 31),
            state: "COMMENTED".to_string(),
            body: "### deep-review: Merge with fixes\n\n`two` has no test (I1).\n\n<!-- deep-review:{\"version\":1,\"round\":1,\"head\":\"0\",\"findings\":{}} -->".to_string(),
        },
    ];
    pr.comments = vec![
        comment(
            &rabbit,
            "<!-- This is an auto-generated comment: summarize by coderabbit.ai -->

## Walkthrough

The change adds a second function, `two`.

## Changes

| File | Summary |
| --- | --- |
| the library | adds `two` |",
        ),
        comment(
            &gemini,
            "## Summary of Changes\n\nHello! This pull request adds `two`.\n\n### Highlights\n\n* **New function**: `two` returns 2.",
        ),
    ];
}
