//! Review-bot layouts that carry no section headings: CodeRabbit (a file line, then
//! `` **`45-54`: _⚠️ Potential issue_ | _🔴 Critical_** `` per comment, nitpicks in a
//! `<details>` block) and GitHub Copilot (`**path:line**` alone, then the comment).
//! Each comment is one finding; the bot's boilerplate (counts, review details, the
//! per-file summary table) is not.

use std::sync::LazyLock;

use regex::Regex;

use super::findings::{trim_body, RawItem};
use super::location::parse_location;
use super::markdown::{first_sentence, shorten, snippets, strip_emphasis, TITLE_MAX};
use super::title::{clean_title, push_tag};
use crate::model::{ItemSource, Location, Severity};

/// `` **`45-54`: _⚠️ Potential issue_ | _🔴 Critical_** `` (the badges may be absent).
static RABBIT_HEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s{0,3}\*\*`(?P<a>[0-9]{1,9})(?:-(?P<b>[0-9]{1,9}))?`:?\s*(?P<badges>[^*]*?)\s*\*\*\s*$",
    )
    .expect("static regex")
});
/// `` `8-8`: **Prefer `const`.** It is never reassigned. `` (a nitpick, one paragraph).
static RABBIT_NIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s{0,3}`(?P<a>[0-9]{1,9})(?:-(?P<b>[0-9]{1,9}))?`:\s*(?P<rest>\S.*)$")
        .expect("static regex")
});
/// `` `src/auth/refresh.ts` `` or `` `src/auth/refresh.ts` (2) `` alone on a line.
static FILE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s{0,3}(?:\*\*)?`(?P<path>[^`\s]+)`(?:\*\*)?(?:\s*\([0-9]{1,4}\))?\s*$")
        .expect("static regex")
});
/// `**path:line**` alone on a line (Copilot).
static BOLD_LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s{0,3}\*\*(?P<loc>[^*\s][^*]{0,400}?)\*\*\s*$").expect("static regex")
});

/// The findings of a bot review, or `None` when the text is not one of these layouts.
pub(crate) fn read(text: &str, root: Option<&str>) -> Option<Vec<RawItem>> {
    let lines: Vec<&str> = text.lines().collect();
    if lines
        .iter()
        .any(|l| RABBIT_HEAD.is_match(l) || RABBIT_NIT.is_match(l))
    {
        Some(read_rabbit(&lines, root))
    } else if !lines
        .iter()
        .any(|l| l.trim_start().starts_with('#') && !is_overview(l))
        && lines.iter().any(|l| bold_location(l, root).is_some())
    {
        Some(read_copilot(&lines, root))
    } else {
        None
    }
}

/// Copilot's one heading; any other heading means a reviewer's own layout.
fn is_overview(line: &str) -> bool {
    strip_emphasis(line.trim_start_matches('#').trim())
        .eq_ignore_ascii_case("pull request overview")
}

fn bold_location(line: &str, root: Option<&str>) -> Option<Location> {
    let c = BOLD_LOCATION.captures(line)?;
    parse_location(c.name("loc")?.as_str(), root).filter(|l| l.line_start.is_some())
}

/// Where a comment's body ends: a rule, another comment, a file line, a details tag.
fn ends_body(line: &str, root: Option<&str>) -> bool {
    let t = line.trim();
    t == "---"
        || t == "***"
        || t.starts_with("<details")
        || t.starts_with("</details")
        || t.starts_with('#')
        || RABBIT_HEAD.is_match(line)
        || RABBIT_NIT.is_match(line)
        || file_line(line, root).is_some()
        || bold_location(line, root).is_some()
}

fn file_line(line: &str, root: Option<&str>) -> Option<String> {
    let c = FILE_LINE.captures(line)?;
    parse_location(c.name("path")?.as_str(), root)
        .filter(|l| l.line_start.is_none())
        .map(|l| l.path)
}

/// `_🔴 Critical_`, `_🟠 Major_`, `_🟡 Minor_`, `_🔵 Trivial_`; `Potential issue`,
/// `Refactor suggestion` are kinds.
fn rabbit_badges(badges: &str, tags: &mut Vec<String>) -> Option<Severity> {
    let mut severity = None;
    for part in badges.split('|') {
        let word = strip_emphasis(part.trim())
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_ascii_lowercase();
        let words: Vec<&str> = word.split_whitespace().collect();
        let last = words.last().copied().unwrap_or("");
        match last {
            "critical" => severity = severity.or(Some(Severity::Critical)),
            "major" => severity = severity.or(Some(Severity::Important)),
            "minor" | "trivial" | "info" => severity = severity.or(Some(Severity::Suggestion)),
            _ if word.contains("refactor") => push_tag(tags, "refactor"),
            _ if word.contains("nitpick") => push_tag(tags, "nit"),
            _ => {}
        }
    }
    severity
}

fn read_rabbit(lines: &[&str], root: Option<&str>) -> Vec<RawItem> {
    let mut out = Vec::new();
    let mut file: Option<String> = None;
    // Inside a `<details>`: `Some(true)` for nitpick / outside-diff comments (read),
    // `Some(false)` for review details, additional (LGTM) comments, AI prompts.
    let mut details: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if t.starts_with("<details") {
            let summary = lines
                .get(i..(i + 3).min(lines.len()))
                .unwrap_or_default()
                .join(" ")
                .to_ascii_lowercase();
            let read = summary.contains("nitpick") || summary.contains("outside diff");
            details.push(read && details.iter().all(|&d| d));
            i += 1;
            continue;
        }
        if t.starts_with("</details") {
            details.pop();
            i += 1;
            continue;
        }
        if details.last() == Some(&false) {
            i += 1;
            continue;
        }
        if let Some(path) = file_line(line, root) {
            file = Some(path);
            i += 1;
            continue;
        }
        let nit_block = !details.is_empty();
        if let Some(c) = RABBIT_HEAD.captures(line) {
            let mut tags = Vec::new();
            let severity = rabbit_badges(c.name("badges").map_or("", |m| m.as_str()), &mut tags);
            let (body, next) = body_from(lines, i + 1, root);
            let (title, body) = title_and_body(&body);
            out.push(rabbit_item(
                i, &file, &c, severity, nit_block, tags, title, body,
            ));
            i = next;
            continue;
        }
        if let Some(c) = RABBIT_NIT.captures(line) {
            let rest = c.name("rest").map_or("", |m| m.as_str());
            let (more, next) = body_from(lines, i + 1, root);
            let text = if more.is_empty() {
                rest.to_string()
            } else {
                format!("{rest}\n{more}")
            };
            let (title, body) = title_and_body(&text);
            out.push(rabbit_item(
                i,
                &file,
                &c,
                None,
                nit_block,
                Vec::new(),
                title,
                body,
            ));
            i = next;
            continue;
        }
        i += 1;
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn rabbit_item(
    line: usize,
    file: &Option<String>,
    c: &regex::Captures<'_>,
    severity: Option<Severity>,
    nit_block: bool,
    mut tags: Vec<String>,
    title: String,
    body: String,
) -> RawItem {
    let a = c
        .name("a")
        .and_then(|m| m.as_str().parse::<u32>().ok())
        .filter(|&a| a > 0);
    let b = c.name("b").and_then(|m| m.as_str().parse::<u32>().ok());
    let locations = match (file, a) {
        (Some(path), Some(a)) => vec![Location::lines(path.clone(), a, b.unwrap_or(a))],
        (Some(path), None) => vec![Location::file(path.clone())],
        (None, _) => Vec::new(),
    };
    if nit_block {
        push_tag(&mut tags, "nit");
    }
    let severity = severity.or(nit_block.then_some(Severity::Suggestion));
    RawItem {
        line,
        id: None,
        source: ItemSource::Finding,
        severity: severity.unwrap_or(Severity::Important),
        severity_stated: severity.is_some(),
        title,
        locations,
        snippets: snippets(&body),
        body,
        tags,
        scope: None,
    }
}

fn read_copilot(lines: &[&str], root: Option<&str>) -> Vec<RawItem> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(location) = bold_location(lines[i], root) else {
            i += 1;
            continue;
        };
        let (body, next) = body_from(lines, i + 1, root);
        let (title, body) = title_and_body(&body);
        out.push(RawItem {
            line: i,
            id: None,
            source: ItemSource::Finding,
            severity: Severity::Suggestion,
            severity_stated: false,
            title,
            locations: vec![location],
            snippets: snippets(&body),
            body,
            tags: Vec::new(),
            scope: None,
        });
        i = next;
    }
    out
}

/// The lines of a comment from `start` to where it ends, trimmed; and the next index.
fn body_from(lines: &[&str], start: usize, root: Option<&str>) -> (String, usize) {
    let mut end = start;
    let mut in_code = false;
    while end < lines.len() {
        let t = lines[end].trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_code = !in_code;
        } else if !in_code && ends_body(lines[end], root) {
            break;
        }
        end += 1;
    }
    (trim_body(&lines[start..end]), end)
}

/// The title is the comment's leading bold sentence (`**Refresh failure is
/// swallowed.**`), else its first sentence; the body is the whole comment.
fn title_and_body(text: &str) -> (String, String) {
    let t = text.trim();
    let title = match t
        .strip_prefix("**")
        .and_then(|r| r.find("**").map(|e| &r[..e]))
    {
        Some(bold) if !bold.trim().is_empty() => clean_title(bold),
        _ => shorten(&clean_title(first_sentence(t)), TITLE_MAX),
    };
    (title, t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coderabbit_comments_and_nitpicks() {
        let text = "**Actionable comments posted: 2**\n\n<details>\n<summary>🧹 Nitpick comments (1)</summary>\n\n`src/a.ts` (1)\n\n`8-8`: **Prefer `const` for `n`.** It is never reassigned.\n\n</details>\n\n---\n\n`src/b.ts`\n\n**`45-54`: _⚠️ Potential issue_ | _🔴 Critical_**\n\n**Two refreshes race.**\n\nThe second uses a spent token.\n\n<details>\n<summary>🤖 Prompt for AI Agents</summary>\n\nIn src/b.ts around lines 45-54, share the promise.\n\n</details>\n\n---\n\n**`61-63`: _🛠️ Refactor suggestion_ | _🟠 Major_**\n\n**Failure is swallowed.**\n\n---\n\n<details>\n<summary>📜 Review details</summary>\n\nFiles reviewed: 2.\n\n</details>\n";
        let items = read(text, None).expect("a CodeRabbit review");
        let got: Vec<(String, String, Severity, bool)> = items
            .iter()
            .map(|i| {
                (
                    i.title.clone(),
                    i.locations
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    i.severity,
                    i.tags.iter().any(|t| t == "nit"),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "Prefer `const` for `n`".into(),
                    "src/a.ts:8".into(),
                    Severity::Suggestion,
                    true
                ),
                (
                    "Two refreshes race".into(),
                    "src/b.ts:45-54".into(),
                    Severity::Critical,
                    false
                ),
                (
                    "Failure is swallowed".into(),
                    "src/b.ts:61-63".into(),
                    Severity::Important,
                    false
                ),
            ]
        );
        assert!(
            !items[1].body.contains("Prompt for AI"),
            "{}",
            items[1].body
        );
    }

    #[test]
    fn copilot_comments() {
        let text = "## Pull request overview\n\nAdds a workflow.\n\nCopilot reviewed 2 out of 2 changed files and generated 2 comments.\n\n---\n\n**.github/workflows/x.yml:3**\n\nUsing `pull_request_target` here runs fork code. Use `pull_request`.\n\n---\n\n**scripts/d.sh:9**\n\n`$B` is unquoted.\n";
        let items = read(text, None).expect("a Copilot review");
        let got: Vec<(String, String)> = items
            .iter()
            .map(|i| (i.title.clone(), i.locations[0].to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "Using `pull_request_target` here runs fork code".into(),
                    ".github/workflows/x.yml:3".into()
                ),
                ("`$B` is unquoted".into(), "scripts/d.sh:9".into()),
            ]
        );
    }

    #[test]
    fn ordinary_reviews_are_not_bot_reviews() {
        let text = "## Critical Issues\n\n**C1. Race** — `a.go:3`\n\nText.\n\n**a.go:9**\n\nmore\n";
        assert!(read(text, None).is_none());
    }
}
