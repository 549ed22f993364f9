//! A pull request's review threads as the report's Unresolved Feedback, and as the
//! reviewers' prompt has them ([`open_threads_markdown`]). In the report: each open
//! thread with its place, author, first words and link, marked outdated when its lines
//! changed since and gone when its file is no longer in the change; resolved threads
//! are counted, not listed.

use super::model::ReviewThread;
use crate::prose::one_line;
use crate::report::Feedback;

/// The longest excerpt of a thread's first comment, in characters.
const EXCERPT_CHARS: usize = 200;

/// Entries for `threads`, leaving out threads whose link an entry of `already` (what
/// the reviewers listed) names. `changed_files` is what the change touches at its head
/// (empty when unknown: nothing is called gone).
pub fn from_threads(
    threads: &[ReviewThread],
    changed_files: &[String],
    already: &[Feedback],
    imported_as: impl Fn(&ReviewThread) -> Option<String>,
) -> Vec<Feedback> {
    let mut out = Vec::new();
    let mut resolved = 0usize;
    for t in threads {
        if t.is_resolved {
            resolved += 1;
            continue;
        }
        let Some(first) = t.comments.first() else {
            continue;
        };
        if !first.url.is_empty() && already.iter().any(|f| f.text.contains(&first.url)) {
            continue;
        }
        let place = t.place();
        let state = if !changed_files.is_empty() && !changed_files.iter().any(|f| f == &t.path) {
            "gone: the file is no longer in the change; "
        } else if t.is_outdated {
            "outdated: its lines changed since; "
        } else {
            ""
        };
        // A thread the `import` reviewer made a finding of points at it, once; another
        // is quoted, without a bot's badges, agent prompts and buttons.
        let excerpt: String = match imported_as(t) {
            Some(id) => format!("in the findings as {id}"),
            None => {
                let plain = super::bots::plain_text(&first.body);
                let text = if plain.is_empty() {
                    &first.body
                } else {
                    &plain
                };
                one_line(text).chars().take(EXCERPT_CHARS).collect()
            }
        };
        let more = if t.comments.len() > 1 {
            format!(
                " (+{})",
                crate::prose::plural(t.comments.len() - 1, "reply", "replies")
            )
        } else {
            String::new()
        };
        let link = if first.url.is_empty() {
            String::new()
        } else {
            format!(" — {}", first.url)
        };
        out.push(Feedback {
            source: first.author.clone(),
            text: format!("{state}`{place}`: {excerpt}{more}{link}"),
            status: "open".into(),
        });
    }
    if resolved > 0 {
        out.push(Feedback {
            source: "pull request".into(),
            text: crate::prose::plural(
                resolved,
                "resolved review thread",
                "resolved review threads",
            ) + " (not listed)",
            status: "addressed".into(),
        });
    }
    out
}

/// The pull request's unresolved review threads as Markdown, for the reviewers'
/// prompt (as data): path and line, state, and each comment's author and first lines.
/// None when there is none.
pub fn open_threads_markdown(threads: &[ReviewThread]) -> Option<String> {
    let open: Vec<&ReviewThread> = threads.iter().filter(|t| !t.is_resolved).collect();
    if open.is_empty() {
        return None;
    }
    let mut out = String::new();
    for t in open {
        let place = t.place();
        let state = if t.is_outdated { " (outdated)" } else { "" };
        out.push_str(&format!("- `{place}`{state}\n"));
        for c in &t.comments {
            let text: String = c.body.lines().take(6).collect::<Vec<_>>().join(" ");
            out.push_str(&format!(
                "  - {}: {}\n",
                c.author,
                crate::prose::one_line(&text)
            ));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::model::Comment;

    fn thread(path: &str, resolved: bool, outdated: bool, url: &str) -> ReviewThread {
        ReviewThread {
            id: url.into(),
            is_resolved: resolved,
            is_outdated: outdated,
            path: path.into(),
            line: (!outdated).then_some(5),
            start_line: None,
            original_line: Some(4),
            comments: vec![Comment {
                author: "alice".into(),
                body: "This unwrap\npanics on empty input.".into(),
                url: url.into(),
                created_at: String::new(),
            }],
        }
    }

    #[test]
    fn open_threads_are_listed_with_their_state_and_resolved_ones_counted() {
        let threads = [
            thread("src/lib.rs", false, false, "https://x/1"),
            thread("src/lib.rs", false, true, "https://x/2"),
            thread("src/old.rs", false, false, "https://x/3"),
            thread("src/lib.rs", true, false, "https://x/4"),
            thread("src/lib.rs", false, false, "https://x/5"),
        ];
        let listed = [Feedback {
            source: "claude".into(),
            text: "alice's thread https://x/5 is still open".into(),
            status: "open".into(),
        }];
        let out = from_threads(&threads, &["src/lib.rs".to_string()], &listed, |_| None);
        let texts: Vec<&str> = out.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "`src/lib.rs:5`: This unwrap panics on empty input. — https://x/1",
                "outdated: its lines changed since; `src/lib.rs:4`: This unwrap panics on empty input. — https://x/2",
                "gone: the file is no longer in the change; `src/old.rs:5`: This unwrap panics on empty input. — https://x/3",
                "1 resolved review thread (not listed)",
            ]
        );
        assert_eq!(out[0].source, "alice");
        assert_eq!(out[3].status, "addressed");

        // A bot's badge line, agent prompt and fingerprint are not its words.
        let mut bot = thread("src/lib.rs", false, false, "https://x/6");
        bot.comments[0].author = "coderabbitai".into();
        bot.comments[0].body = "_⚠️ Potential issue_ | _🟠 Major_\n\n**Unbounded retry.**\n\n\
            It spins forever.\n\n<details>\n<summary>🤖 Prompt for AI Agents</summary>\n\n\
            Fix it.\n\n</details>\n\n<!-- fingerprinting:a:b -->"
            .into();
        let out = from_threads(&[bot], &[], &[], |_| None);
        assert_eq!(
            out[0].text,
            "`src/lib.rs:5`: **Unbounded retry.** It spins forever. — https://x/6"
        );
        assert!(from_threads(&[], &[], &[], |_| None).is_empty());
    }
}
