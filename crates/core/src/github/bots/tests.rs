//! Each bot's comment shape, in fixtures written for these tests (the layouts follow
//! what the bots post; the words are ours).

use super::*;

fn read(bot: Bot, body: &str) -> Read {
    read_comment(Some(bot), body).unwrap_or_else(|| panic!("not read as a finding: {body}"))
}

#[test]
fn logins_name_the_bots_in_both_spellings() {
    assert_eq!(Bot::of("coderabbitai[bot]"), Some(Bot::CodeRabbit));
    assert_eq!(Bot::of("coderabbitai"), Some(Bot::CodeRabbit));
    assert_eq!(
        Bot::of("copilot-pull-request-reviewer[bot]"),
        Some(Bot::Copilot)
    );
    assert_eq!(
        Bot::of("gemini-code-assist[bot]"),
        Some(Bot::GeminiCodeAssist)
    );
    assert_eq!(Bot::of("chatgpt-codex-connector[bot]"), Some(Bot::Codex));
    assert_eq!(Bot::of("cursor[bot]"), Some(Bot::Bugbot));
    assert_eq!(Bot::of("greptile-apps[bot]"), Some(Bot::Greptile));
    assert_eq!(Bot::of("sourcery-ai[bot]"), Some(Bot::Sourcery));
    assert_eq!(Bot::of("alice"), None);
    assert_eq!(Bot::of("dependabot[bot]"), None);
}

#[test]
fn coderabbit_badges_titles_and_boilerplate() {
    let body = "_⚠️ Potential issue_ | _🟠 Major_

**The retry loop never stops when the server keeps failing.**

`fetch_all` retries on every error without a limit, so a dead endpoint spins forever.

<details>
<summary>📝 Committable suggestion</summary>

> ‼️ **IMPORTANT**
> Review the code carefully before committing it.

```suggestion
for attempt in 0..MAX_RETRIES {
```

</details>

<details>
<summary>🤖 Prompt for AI Agents</summary>

```
In src/fetch.rs around lines 10 to 14, bound the retry loop.
```

</details>

<!-- fingerprinting:alpha:beta:gamma -->

<!-- This is an auto-generated comment by CodeRabbit -->";
    let r = read(Bot::CodeRabbit, body);
    assert_eq!(r.severity, Severity::Important);
    assert_eq!(
        r.title,
        "The retry loop never stops when the server keeps failing."
    );
    assert!(r.body.starts_with("`fetch_all` retries"), "{}", r.body);
    assert!(
        r.body
            .contains("```suggestion\nfor attempt in 0..MAX_RETRIES {\n```"),
        "{}",
        r.body
    );
    for gone in [
        "Prompt for AI Agents",
        "bound the retry loop",
        "fingerprinting",
        "auto-generated",
        "IMPORTANT",
        "<details>",
        "Potential issue",
    ] {
        assert!(!r.body.contains(gone), "{gone} is still in {}", r.body);
    }

    // A prompt for agents that quotes a suggestion is still boilerplate.
    let quoted = read(
        Bot::CodeRabbit,
        "**Bound it.**\n\nIt spins.\n\n<details>\n<summary>🤖 Prompt for AI Agents</summary>\n\n```suggestion\nloop {}\n```\n\n</details>",
    );
    assert_eq!(quoted.body, "It spins.");

    let critical = read(
        Bot::CodeRabbit,
        "_⚠️ Potential issue_ | _🔴 Critical_\n\n**Secrets are logged.**\n\nThe token is printed.",
    );
    assert_eq!(critical.severity, Severity::Critical);
    let minor = read(
        Bot::CodeRabbit,
        "_📐 Maintainability & Code Quality_ | _🟡 Minor_ | _⚡ Quick win_\n\n**Name the constant.**\n\nA bare 30 is hard to read.",
    );
    assert_eq!(minor.severity, Severity::Suggestion);
    assert_eq!(minor.title, "Name the constant.");
    let refactor = read(
        Bot::CodeRabbit,
        "_🛠️ Refactor suggestion_\n\n**Split the parser.**\n\nIt does two things.",
    );
    assert_eq!(refactor.severity, Severity::Suggestion);
    let potential = read(
        Bot::CodeRabbit,
        "_⚠️ Potential issue_\n\n**Off by one.**\n\nThe last item is skipped.",
    );
    assert_eq!(potential.severity, Severity::Important);
}

#[test]
fn gemini_priority_images_give_the_severity() {
    for (badge, severity) in [
        ("critical", Severity::Critical),
        ("high", Severity::Important),
        ("medium", Severity::Important),
        ("low", Severity::Suggestion),
    ] {
        let body = format!(
            "![{badge}](https://www.gstatic.com/codereviewagent/{badge}-priority.svg)\n\nThe lock is held across the await point. Release it before calling `send`.\n\n```suggestion\ndrop(guard);\n```"
        );
        let r = read(Bot::GeminiCodeAssist, &body);
        assert_eq!(r.severity, severity, "{badge}");
        assert_eq!(r.title, "The lock is held across the await point.");
        assert!(!r.body.contains("gstatic"), "{}", r.body);
        assert!(r.body.contains("```suggestion"), "{}", r.body);
    }
}

#[test]
fn codex_shields_give_the_severity_and_the_footer_goes() {
    for (p, severity) in [
        ("P0", Severity::Critical),
        ("P1", Severity::Important),
        ("P2", Severity::Important),
        ("P3", Severity::Suggestion),
    ] {
        let body = format!(
            "**<sub><sub>![{p} Badge](https://img.shields.io/badge/{p}-orange?style=flat)</sub></sub>  Close the file before renaming it**\n\nOn some systems an open handle blocks the rename, so the save fails.\n\nUseful? React with 👍 / 👎."
        );
        let r = read(Bot::Codex, &body);
        assert_eq!(r.severity, severity, "{p}");
        assert_eq!(r.title, "Close the file before renaming it");
        assert_eq!(
            r.body,
            "On some systems an open handle blocks the rename, so the save fails."
        );
    }
    // Without a badge, a Codex comment is a bug: important.
    assert_eq!(
        read(Bot::Codex, "The loop skips the last element.").severity,
        Severity::Important
    );
}

#[test]
fn sourcery_labels_give_the_severity() {
    let r = read(
        Bot::Sourcery,
        "**issue (bug_risk):** The cache is never invalidated after a write.\n\nReaders see stale entries until restart.",
    );
    assert_eq!(r.severity, Severity::Important);
    assert_eq!(r.title, "The cache is never invalidated after a write.");
    assert_eq!(r.body, "Readers see stale entries until restart.");
    let s = read(
        Bot::Sourcery,
        "**suggestion (testing):** Add a test for the empty list.",
    );
    assert_eq!(s.severity, Severity::Suggestion);
    let n = read(Bot::Sourcery, "**nitpick (typo):** Spell `recieve` right.");
    assert_eq!(n.severity, Severity::Suggestion);
    assert_eq!(n.title, "Spell `recieve` right.");
    assert_eq!(
        read_comment(
            Some(Bot::Sourcery),
            "**praise:** Clean split of the module."
        ),
        None
    );
}

#[test]
fn bugbot_title_severity_and_buttons() {
    let body = "### Timeout ignored on the second request

**High Severity**

<!-- DESCRIPTION START -->
The client builds a new request without copying the timeout, so the retry can hang forever.
<!-- DESCRIPTION END -->

<!-- BUGBOT_BUG_ID: 0f1e2d3c -->

<!-- LOCATIONS START
src/client.rs#L40-L44
LOCATIONS END -->
<div><a href=\"https://cursor.com/open?x=1\"><picture><img alt=\"Fix in Cursor\" src=\"https://cursor.com/fix-in-cursor.svg\"></picture></a>&nbsp;<a href=\"https://cursor.com/agents?x=1\">Fix in Web</a></div>

<sup>Reviewed by Cursor Bugbot for commit 1234567. Configure here.</sup>";
    let r = read(Bot::Bugbot, body);
    assert_eq!(r.severity, Severity::Important);
    assert_eq!(r.title, "Timeout ignored on the second request");
    assert_eq!(
        r.body,
        "The client builds a new request without copying the timeout, so the retry can hang forever."
    );
    let low = read(
        Bot::Bugbot,
        "### Unused import\n\n**Low Severity**\n\nNothing uses `fmt`.",
    );
    assert_eq!(low.severity, Severity::Suggestion);
}

#[test]
fn greptile_labels_and_copilot_plain_comments() {
    let logic = read(
        Bot::Greptile,
        "**logic:** The error from `close` is dropped, so a failed flush is reported as success.",
    );
    assert_eq!(logic.severity, Severity::Important);
    assert_eq!(
        logic.title,
        "The error from `close` is dropped, so a failed flush is reported as success."
    );
    let style = read(Bot::Greptile, "**style:** Prefer `if let` here.");
    assert_eq!(style.severity, Severity::Suggestion);

    let copilot = read(
        Bot::Copilot,
        "The variable name `tmp2` does not say what it holds. Consider `pending`.\n```suggestion\nlet pending = queue.len();\n```",
    );
    assert_eq!(copilot.severity, Severity::Suggestion);
    assert_eq!(
        copilot.title,
        "The variable name `tmp2` does not say what it holds."
    );
    assert!(copilot.body.contains("```suggestion\nlet pending"));
    assert!(
        copilot.body.starts_with("The variable name"),
        "{}",
        copilot.body
    );

    // One sentence is all title; what follows it is the body.
    let short = read(
        Bot::Copilot,
        "Missing bounds check.\n```suggestion\nif i < n {\n```",
    );
    assert_eq!(short.title, "Missing bounds check.");
    assert_eq!(short.body, "```suggestion\nif i < n {\n```");
}

#[test]
fn our_own_comments_and_empty_ones_are_not_findings() {
    assert_eq!(
        read_comment(
            None,
            "### deep-review: Rework\n\nI1 blocks.\n\n<!-- deep-review:{\"version\":1} -->"
        ),
        None
    );
    assert_eq!(
        read_comment(Some(Bot::CodeRabbit), "<!-- only a marker -->"),
        None
    );
    assert_eq!(
        read_person_review(
            "COMMENTED",
            "deep-review round 2: comments on the findings new or re-rated since round 1; the summary above is updated in place."
        ),
        None
    );
    // An inline comment deep-review published, by whatever account posted it.
    assert_eq!(
        read_comment(
            None,
            "**I1** `two` has no test — `src/lib.rs:5`\n\nNothing calls it.\n\n<sub>deep-review round 2</sub>"
        ),
        None
    );
    assert_eq!(read_comment(None, "   "), None);
    assert_eq!(
        read_comment(Some(Bot::Codex), "<details><summary>x</summary>y</details>"),
        None
    );
}

#[test]
fn walkthroughs_and_overviews_list_nothing() {
    for (bot, body) in [
        (
            Bot::CodeRabbit,
            "<!-- This is an auto-generated comment: summarize by coderabbit.ai -->\n## Walkthrough\n\nThe change adds a cache.\n\n## Changes\n\n| File | Summary |\n|---|---|\n| src/a.rs | cache |",
        ),
        (
            Bot::GeminiCodeAssist,
            "## Summary of Changes\n\nHello, this pull request adds a cache.\n\n### Highlights\n\n* **Cache**: a new cache.\n\n<details>\n<summary><b>Using Gemini Code Assist</b></summary>\nTips.\n</details>",
        ),
        (
            Bot::Copilot,
            "## Pull Request Overview\n\nThis PR adds a cache.\n\n### Reviewed Changes\n\nCopilot reviewed 2 out of 2 changed files in this pull request and generated 1 comment.",
        ),
        (
            Bot::Greptile,
            "## Greptile Summary\n\nAdds a cache.\n\n**Confidence Score: 4/5**",
        ),
        (
            Bot::CodeRabbit,
            "**Actionable comments posted: 2**\n\n<details>\n<summary>📜 Review details</summary>\n\nConfiguration used: defaults\n\n</details>",
        ),
    ] {
        assert_eq!(read_listed(bot, body), Vec::new(), "{body}");
    }
}

#[test]
fn coderabbit_review_bodies_list_nitpicks_and_outside_diff_comments() {
    let body = "**Actionable comments posted: 1**

<details>
<summary>⚠️ Outside diff range comments (1)</summary><blockquote>

<details>
<summary>src/store.rs (1)</summary><blockquote>

`88-92`: **The write is not flushed before returning.**

A crash right after `save` loses the data.

</blockquote></details>

</blockquote></details>
<details>
<summary>🧹 Nitpick comments (2)</summary><blockquote>

<details>
<summary>src/lib.rs (2)</summary><blockquote>

`5-7`: **Document `two`.**

A doc comment would say what it returns.

---

`12`: **Prefer a constant.**

The literal repeats.

</blockquote></details>

</blockquote></details>

<details>
<summary>📜 Review details</summary>

Nothing here.

</details>";
    let listed = read_listed(Bot::CodeRabbit, body);
    let got: Vec<String> = listed
        .iter()
        .map(|l| {
            format!(
                "{} {:?} {} {}",
                l.path.as_deref().unwrap_or("-"),
                l.lines,
                l.read.severity,
                l.read.title
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "src/store.rs Some((88, 92)) important The write is not flushed before returning.",
            "src/lib.rs Some((5, 7)) suggestion Document `two`.",
            "src/lib.rs Some((12, 12)) suggestion Prefer a constant.",
        ]
    );
    assert_eq!(
        listed[1].read.body,
        "A doc comment would say what it returns."
    );
}

#[test]
fn copilot_suppressed_comments_are_listed() {
    let body = "## Pull Request Overview

Adds a cache.

<details>
<summary>Comments suppressed due to low confidence (2)</summary>

**src/cache.rs:14**
* The capacity is never checked, so the map grows without bound.

**src/cache.rs:30-33**
* This clone is not needed.
</details>";
    let listed = read_listed(Bot::Copilot, body);
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0].path.as_deref(), Some("src/cache.rs"));
    assert_eq!(listed[0].lines, Some((14, 14)));
    assert_eq!(
        listed[0].read.title,
        "The capacity is never checked, so the map grows without bound."
    );
    assert_eq!(listed[1].lines, Some((30, 33)));
    assert_eq!(listed[1].read.severity, Severity::Suggestion);
}

#[test]
fn sourcery_overall_comments_are_listed_and_its_prompt_is_not() {
    let body =
        "Hey there - I've reviewed your changes and found some issues that need to be addressed.

- The retry helper swallows the last error; return it so callers can report it.
- Consider splitting the migration
  into its own commit.

<details>
<summary>Prompt for AI Agents</summary>

~~~markdown
Please address the comments from this code review:

## Overall Comments
- The retry helper swallows the last error.

## Individual Comments

### Comment 1
<location> `src/retry.rs:12` </location>
<issue_to_address>
**issue (bug_risk):** The loop never ends.

```suggestion
for _ in 0..3 {
```
</issue_to_address>
~~~

</details>

<details>
<summary>Here's what I looked at during the review</summary>

- 🟡 **General issues**: 1 issue found

</details>";
    let titles: Vec<(Option<String>, String)> = read_listed(Bot::Sourcery, body)
        .into_iter()
        .map(|l| (l.path, l.read.title))
        .collect();
    assert_eq!(
        titles,
        [
            (
                None,
                "The retry helper swallows the last error; return it so callers can report it."
                    .to_string()
            ),
            (
                None,
                "Consider splitting the migration into its own commit.".to_string()
            ),
        ]
    );
}

#[test]
fn people_approvals_are_not_findings() {
    assert_eq!(
        read_person_review("APPROVED", "Great, one nit aside."),
        None
    );
    assert_eq!(read_person_review("COMMENTED", "LGTM, thanks!"), None);
    assert_eq!(read_person_review("COMMENTED", ""), None);
    let r = read_person_review(
        "CHANGES_REQUESTED",
        "Please handle the missing file before this goes in.",
    )
    .expect("a finding");
    assert_eq!(r.severity, Severity::Important);
    assert_eq!(
        r.title,
        "Please handle the missing file before this goes in."
    );
}

#[test]
fn odd_input_never_panics_and_stays_capped() {
    let long = format!("**{}**\n\n{}", "word ".repeat(100), "é".repeat(50_000));
    let r = read(Bot::CodeRabbit, &long);
    assert!(
        r.title.chars().count() <= MAX_TITLE_CHARS + 1,
        "{}",
        r.title
    );
    assert!(
        r.body.chars().count() <= MAX_COMMENT_CHARS,
        "{}",
        r.body.len()
    );
    for odd in [
        "<details>",
        "</details></details><details><summary>",
        "<!--",
        "_a_ | _b",
        "**",
        "![](",
        "```suggestion\nunclosed",
        "`1-`: **x**",
        "\u{0}\u{1}",
        "Été déjà là.\r\nÉté encore.\r\n\r\nFin é.",
        "Un été\r\nsans fin\r\n\r\nééé",
        "a\r\nb\r\ncé\r\n\r\nz",
    ] {
        let _ = read_comment(Some(Bot::CodeRabbit), odd);
        let _ = read_listed(Bot::CodeRabbit, odd);
        let _ = read_listed(Bot::Copilot, odd);
    }
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of the shapes above, glued in any order: whatever a bot (or a hostile
    /// account) writes, reading it never panics.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "<details>",
            "</details>",
            "<summary>🧹 Nitpick comments (1)</summary>",
            "<summary>src/a.rs (1)</summary>",
            "<summary>Comments suppressed due to low confidence (1)</summary>",
            "<blockquote>",
            "</blockquote>",
            "`3-4`: ",
            "**src/a.rs:7**",
            "**",
            "_⚠️ Potential issue_ | _🟠 Major_",
            "![high](x)",
            "![P1 Badge](",
            "<sub>",
            "**High Severity**",
            "**issue (bug_risk):**",
            "<!--",
            "-->",
            "<div>",
            "```suggestion",
            "```",
            "### ",
            "- ",
            "é",
            "\r\n",
            "\n",
            "\n\n",
            " ",
            "word.",
        ])
    }

    proptest! {
        #[test]
        fn any_glued_text_is_read_without_panicking(pieces in prop::collection::vec(piece(), 0..40)) {
            let text: String = pieces.concat();
            for bot in [None, Some(Bot::CodeRabbit), Some(Bot::Sourcery)] {
                let _ = read_comment(bot, &text);
            }
            for bot in [Bot::CodeRabbit, Bot::Copilot, Bot::Sourcery] {
                let _ = read_listed(bot, &text);
            }
            let _ = plain_text(&text);
            let _ = read_person_review("COMMENTED", &text);
        }
    }
}
