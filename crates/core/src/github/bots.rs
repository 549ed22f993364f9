//! What review bots write on a pull request, read back into findings: who the bot is
//! (its login), the severity badge it gives (CodeRabbit's `_⚠️ Potential issue_ | _🟠
//! Major_` line, Gemini Code Assist's priority image, Codex's `P0`–`P3` shield, Cursor
//! Bugbot's `**High Severity**` line, Sourcery's `**issue (bug_risk):**` label,
//! Greptile's `**logic:**` label), the title (the heading, bold first line or first
//! sentence, markup stripped) and the explanation without the boilerplate around it
//! (`<details>` prompts for agents and tool output, HTML comments such as fingerprints,
//! "Fix in Cursor" buttons, reaction footers). A committable suggestion is kept as the
//! fix. Review bodies and conversation comments are summaries, never findings, except
//! the sections that list findings themselves: CodeRabbit's "Nitpick comments" and
//! "Outside diff range comments", Copilot's "Comments suppressed due to low confidence",
//! Sourcery's overall comments.
//!
//! Pure: text in, values out, never a panic on odd input.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::Severity;
use crate::prose::one_line;

/// The review bots deep-review knows by login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bot {
    CodeRabbit,
    Copilot,
    GeminiCodeAssist,
    Codex,
    Bugbot,
    Greptile,
    Sourcery,
}

impl Bot {
    /// The bot behind a login, as REST (`coderabbitai[bot]`) or GraphQL (`coderabbitai`)
    /// spells it.
    pub fn of(login: &str) -> Option<Bot> {
        let login = login.trim().trim_end_matches("[bot]").to_ascii_lowercase();
        Some(match login.as_str() {
            "coderabbitai" => Bot::CodeRabbit,
            "copilot-pull-request-reviewer" | "copilot" => Bot::Copilot,
            "gemini-code-assist" => Bot::GeminiCodeAssist,
            "chatgpt-codex-connector" => Bot::Codex,
            "cursor" => Bot::Bugbot,
            "greptile-apps" | "greptile" => Bot::Greptile,
            "sourcery-ai" => Bot::Sourcery,
            _ => return None,
        })
    }

    /// The word in the imported reviewer's name (`import-coderabbit`).
    pub fn key(self) -> &'static str {
        match self {
            Bot::CodeRabbit => "coderabbit",
            Bot::Copilot => "copilot",
            Bot::GeminiCodeAssist => "gemini-code-assist",
            Bot::Codex => "codex",
            Bot::Bugbot => "bugbot",
            Bot::Greptile => "greptile",
            Bot::Sourcery => "sourcery",
        }
    }

    pub fn display(self) -> &'static str {
        match self {
            Bot::CodeRabbit => "CodeRabbit",
            Bot::Copilot => "Copilot",
            Bot::GeminiCodeAssist => "Gemini Code Assist",
            Bot::Codex => "Codex",
            Bot::Bugbot => "Cursor Bugbot",
            Bot::Greptile => "Greptile",
            Bot::Sourcery => "Sourcery",
        }
    }

    /// The severity of an inline comment that carries no badge: Codex and Bugbot comment
    /// only on bugs (important); everyone else's plain comment is a suggestion.
    fn default_severity(self) -> Severity {
        match self {
            Bot::Codex | Bot::Bugbot => Severity::Important,
            _ => Severity::Suggestion,
        }
    }
}

/// Whether deep-review posted `body` (never imported: it would count itself); the
/// texts it posts are [`super::publish`]'s.
pub fn is_ours(body: &str) -> bool {
    super::publish::is_ours(body)
}

/// The most of one comment that is read.
const MAX_COMMENT_CHARS: usize = 20_000;
/// The longest title kept.
const MAX_TITLE_CHARS: usize = 160;

/// One comment read as a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub severity: Severity,
    pub title: String,
    /// The explanation (Markdown), boilerplate dropped, suggestion blocks kept.
    pub body: String,
}

/// A finding listed inside a review body or summary comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// None for a remark on the whole change (Sourcery's overall comments).
    pub path: Option<String>,
    pub lines: Option<(u64, u64)>,
    pub read: Read,
}

/// An inline comment (the first of a review thread) as a finding; `None` when it is
/// not one (deep-review's own, praise, nothing left once the boilerplate is gone).
/// `bot` is `None` for a person.
pub fn read_comment(bot: Option<Bot>, body: &str) -> Option<Read> {
    let default = bot.map_or(Severity::Suggestion, Bot::default_severity);
    read_with_default(body, default)
}

fn read_with_default(body: &str, default: Severity) -> Option<Read> {
    if is_ours(body) {
        return None;
    }
    let text = strip_boilerplate(&cap(body, MAX_COMMENT_CHARS));
    let (badge, text) = take_badges(&text);
    let (label, text) = match take_label(&text) {
        Label::Praise => return None,
        Label::Severity(s) => (Some(s), text_after_label(&text)),
        Label::None => (None, text),
    };
    let severity = badge.or(label).unwrap_or(default);
    let (title, body) = title_and_body(&text)?;
    Some(Read {
        severity,
        title,
        body,
    })
}

/// The findings a review body or summary comment lists itself (`bot` is its author);
/// anything else in it — walkthroughs, overviews, summaries of changes, confidence
/// scores — is not a finding.
pub fn read_listed(bot: Bot, body: &str) -> Vec<Listed> {
    if is_ours(body) {
        return Vec::new();
    }
    let body = cap(body, 4 * MAX_COMMENT_CHARS);
    let mut found = Vec::new();
    if bot == Bot::Sourcery {
        sourcery_overall(&body, &mut found);
    }
    for block in details(&body) {
        let summary = block.summary.to_ascii_lowercase();
        match bot {
            Bot::CodeRabbit if summary.contains("nitpick comments") => {
                coderabbit_files(&block.inner, Severity::Suggestion, &mut found);
            }
            Bot::CodeRabbit if summary.contains("outside diff range") => {
                coderabbit_files(&block.inner, Severity::Important, &mut found);
            }
            Bot::Copilot if summary.contains("suppressed due to low confidence") => {
                copilot_suppressed(&block.inner, &mut found);
            }
            _ => {}
        }
    }
    found
}

/// A comment's text without its bot's markup — boilerplate, badges and labels gone —
/// for an excerpt (the report's Unresolved Feedback).
pub fn plain_text(body: &str) -> String {
    let text = strip_boilerplate(&cap(body, MAX_COMMENT_CHARS));
    let (_, text) = take_badges(&text);
    match take_label(&text) {
        Label::None => text,
        _ => text_after_label(&text),
    }
}

/// Whether a person's review body is an approval or a "looks good" rather than
/// something to act on.
pub fn is_approval(state: &str, body: &str) -> bool {
    if state.eq_ignore_ascii_case("APPROVED") {
        return true;
    }
    let plain = body.to_ascii_lowercase();
    let words = plain.split_whitespace().count();
    words < 3
        || (words <= 12
            && [
                "lgtm",
                "looks good",
                "ship it",
                "nice work",
                "thanks",
                "approved",
            ]
            .iter()
            .any(|w| plain.contains(w)))
}

/// A person's review body as a finding with no location: `CHANGES_REQUESTED` is
/// important, a comment a suggestion.
pub fn read_person_review(state: &str, body: &str) -> Option<Read> {
    if is_approval(state, body) {
        return None;
    }
    let default = if state.eq_ignore_ascii_case("CHANGES_REQUESTED") {
        Severity::Important
    } else {
        Severity::Suggestion
    };
    read_with_default(body, default)
}

/// `text` cut to `max` characters at most (on a character boundary).
fn cap(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].to_string(),
        None => text.to_string(),
    }
}

// ---- boilerplate -----------------------------------------------------------------

/// A `<details>` block: its summary and what follows it, outer `<blockquote>` removed.
struct Details {
    start: usize,
    end: usize,
    summary: String,
    inner: String,
}

/// The top-level `<details>` blocks of `text` (nested ones are inside `inner`). An
/// unclosed block runs to the end.
fn details(text: &str) -> Vec<Details> {
    let lower = text.to_ascii_lowercase();
    let mut blocks = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find("<details") {
        let start = at + found;
        let mut depth = 0usize;
        let mut cursor = start;
        let mut end = text.len();
        loop {
            let open = lower[cursor..].find("<details").map(|i| cursor + i);
            let close = lower[cursor..].find("</details>").map(|i| cursor + i);
            match (open, close) {
                (Some(o), Some(c)) if o < c => {
                    depth += 1;
                    cursor = o + "<details".len();
                }
                (_, Some(c)) => {
                    depth = depth.saturating_sub(1);
                    cursor = c + "</details>".len();
                    if depth == 0 {
                        end = cursor;
                        break;
                    }
                }
                (_, None) => break,
            }
        }
        let whole = &text[start..end];
        let whole_lower = &lower[start..end];
        let (summary, rest) = match (
            whole_lower.find("<summary>"),
            whole_lower.find("</summary>"),
        ) {
            (Some(s), Some(e)) if s < e => (
                whole[s + "<summary>".len()..e].to_string(),
                &whole[e + "</summary>".len()..],
            ),
            _ => (String::new(), whole.get("<details>".len()..).unwrap_or("")),
        };
        let rest = rest.strip_suffix("</details>").unwrap_or(rest).trim();
        let rest = rest.strip_prefix("<blockquote>").unwrap_or(rest);
        let rest = rest.strip_suffix("</blockquote>").unwrap_or(rest);
        blocks.push(Details {
            start,
            end,
            summary,
            inner: rest.trim().to_string(),
        });
        at = end;
    }
    blocks
}

/// The fenced blocks of `text` whose info string is `suggestion` or `diff`.
fn suggestion_fences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match current.take() {
            None => {
                let ticks = trimmed.chars().take_while(|&c| c == '`').count();
                let info = trimmed[ticks..].trim().to_ascii_lowercase();
                if ticks >= 3 && (info == "suggestion" || info == "diff") {
                    current = Some((trimmed[..ticks].to_string(), vec![line]));
                }
            }
            Some((fence, mut lines)) => {
                lines.push(line);
                if trimmed.trim_end() == fence {
                    out.push(lines.join("\n"));
                } else {
                    current = Some((fence, lines));
                }
            }
        }
    }
    out
}

static HTML_COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<!--.*?(-->|\z)").expect("valid pattern"));
static DIV_BLOCK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<div\b.*?(</div>|\z)").expect("valid pattern"));
static FOOTER_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^\s*(useful\? react with.*|<sup>.*|<sub>\s*reviewed by.*|---\s*)$")
        .expect("valid pattern")
});
static BLANK_RUNS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\n[ \t]*(\n[ \t]*)+\n").expect("valid pattern"));

/// `text` without what is there for the bot's own UI: HTML comments (fingerprints,
/// markers, Bugbot's location list), `<div>` buttons, reaction and "reviewed by"
/// footers, and `<details>` blocks — except that a committable suggestion's block
/// gives its suggestion block, which is the fix.
fn strip_boilerplate(text: &str) -> String {
    let text = HTML_COMMENT.replace_all(text, "");
    let text = DIV_BLOCK.replace_all(&text, "");
    let mut kept = String::new();
    let mut at = 0;
    for block in details(&text) {
        kept.push_str(&text[at..block.start]);
        // Only a block that says it is a suggestion: a prompt for agents may quote one.
        let fences = if block.summary.to_ascii_lowercase().contains("suggest") {
            suggestion_fences(&block.inner)
        } else {
            Vec::new()
        };
        if !fences.is_empty() {
            kept.push('\n');
            kept.push_str(&fences.join("\n\n"));
            kept.push('\n');
        }
        at = block.end;
    }
    kept.push_str(&text[at..]);
    let kept = FOOTER_LINE.replace_all(&kept, "");
    let kept = BLANK_RUNS.replace_all(&kept, "\n\n");
    kept.trim().to_string()
}

// ---- severities ------------------------------------------------------------------

static IMAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"!\[([^\]\n]*)\]\([^)\n]*\)").expect("valid pattern"));
static SUB_TAGS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)</?(sub|sup)>").expect("valid pattern"));
/// CodeRabbit's first line: italic segments separated by `|`.
static META_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^_[^_\n]+_(\s*\|\s*_[^_\n]+_)*\s*$").expect("valid pattern"));
/// Cursor Bugbot's severity line.
static SEVERITY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^\s*\*\*\s*(critical|high|medium|low)\s+severity\s*\*\*\s*$")
        .expect("valid pattern")
});

/// The severity the comment's badges give (the highest, when there are several), and
/// the text without the badges: images (Gemini's priority, Codex's shield), `<sub>`
/// wrappers, CodeRabbit's category line, Bugbot's severity line.
fn take_badges(text: &str) -> (Option<Severity>, String) {
    let mut found: Vec<Severity> = Vec::new();
    for image in IMAGE.captures_iter(text) {
        let alt = image.get(1).map_or("", |m| m.as_str());
        if let Some(s) = alt.split_whitespace().find_map(Severity::from_word) {
            found.push(s);
        }
    }
    let text = IMAGE.replace_all(text, "");
    let text = SUB_TAGS.replace_all(&text, "");
    for line in SEVERITY_LINE.captures_iter(&text) {
        found.extend(line.get(1).and_then(|m| Severity::from_word(m.as_str())));
    }
    let mut text = SEVERITY_LINE.replace_all(&text, "").into_owned();
    // CodeRabbit: `_⚠️ Potential issue_ | _🟠 Major_`, its first non-empty line.
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    if let Some(first) = first.filter(|l| META_LINE.is_match(l)).map(str::to_string) {
        let segments: Vec<String> = first
            .split('|')
            .map(|s| s.trim().trim_matches('_').to_ascii_lowercase())
            .collect();
        let level = segments.iter().find_map(|s| Severity::from_word(s));
        let kind = segments.iter().find_map(|s| {
            if s.contains("potential issue") {
                Some(Severity::Important)
            } else if s.contains("refactor suggestion") || s.contains("nitpick") {
                Some(Severity::Suggestion)
            } else {
                None
            }
        });
        found.extend(level.or(kind));
        text = text.replacen(first.as_str(), "", 1);
    }
    (found.into_iter().min(), text.trim().to_string())
}

enum Label {
    Severity(Severity),
    /// Sourcery's `**praise:**`: not a finding.
    Praise,
    None,
}

/// Sourcery's and Greptile's opening label: `**issue (bug_risk):**`, `**nitpick:**`,
/// `**logic:**`, `**style:**`.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\*\*\s*([a-z]+)\s*(\([^)\n]*\))?\s*:\s*\*\*").expect("valid pattern")
});

fn take_label(text: &str) -> Label {
    let Some(found) = LABEL.captures(text) else {
        return Label::None;
    };
    let word = found.get(1).map_or("", |m| m.as_str()).to_ascii_lowercase();
    match word.as_str() {
        "issue" | "logic" | "syntax" | "security" | "bug" => Label::Severity(Severity::Important),
        "suggestion" | "nitpick" | "nit" | "style" | "question" | "todo" | "thought" | "chore"
        | "typo" | "performance" | "perf" => Label::Severity(Severity::Suggestion),
        "praise" => Label::Praise,
        _ => Label::None,
    }
}

fn text_after_label(text: &str) -> String {
    LABEL.replace(text, "").trim().to_string()
}

// ---- titles ----------------------------------------------------------------------

/// The title (the heading, the bold first line, else the first sentence) and the
/// body (what follows a heading or bold line; the whole text otherwise). `None` when
/// no words are left.
fn title_and_body(text: &str) -> Option<(String, String)> {
    let text = text.trim();
    let first = text.lines().next()?.trim();
    let rest = text[text.find('\n').unwrap_or(text.len())..].trim();
    let heading = first.trim_start_matches('#');
    let bold = first
        .strip_prefix("**")
        .and_then(|f| f.strip_suffix("**"))
        .filter(|inner| !inner.contains("**"));
    let (title, body) = if heading.len() < first.len() && heading.starts_with(' ') {
        (heading.to_string(), rest.to_string())
    } else if let Some(inner) = bold {
        (inner.to_string(), rest.to_string())
    } else {
        let title = first_sentence(text);
        // A comment of one sentence is all title; else the body keeps the whole text.
        // Byte offsets of whole lines (`\r\n` included), so the cut is on a boundary.
        let mut paragraph_end = 0;
        for line in text.split_inclusive('\n') {
            let l = line.trim_start();
            if l.is_empty() || l.starts_with("```") || l.starts_with("~~~") {
                break;
            }
            paragraph_end += line.len();
        }
        let (first_paragraph, rest) = text.split_at(paragraph_end);
        let first_paragraph = first_paragraph
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if first_paragraph == title {
            (title, rest.trim().to_string())
        } else {
            (title, text.to_string())
        }
    };
    let title = clean_title(&title);
    if !title.chars().any(char::is_alphanumeric) {
        return None;
    }
    Some((title, body))
}

/// The first sentence of `text`'s first paragraph (to `. `, `? `, `! ` or the end of
/// the paragraph, which a code fence also ends).
fn first_sentence(text: &str) -> String {
    let paragraph: Vec<&str> = text
        .lines()
        .take_while(|l| {
            let l = l.trim_start();
            !l.is_empty() && !l.starts_with("```") && !l.starts_with("~~~")
        })
        .collect();
    let paragraph = one_line(&paragraph.join(" "));
    let mut end = paragraph.len();
    for (i, c) in paragraph.char_indices() {
        if matches!(c, '.' | '?' | '!') {
            let next = paragraph[i + c.len_utf8()..].chars().next();
            if next.is_none_or(char::is_whitespace) {
                end = i + c.len_utf8();
                break;
            }
        }
    }
    paragraph[..end].to_string()
}

/// A title without Markdown emphasis, heading marks, HTML tags or a closing colon,
/// on one line, cut at a word.
fn clean_title(title: &str) -> String {
    static TAGS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"</?[a-zA-Z][^>\n]*>").expect("valid pattern"));
    let title = TAGS.replace_all(title, "");
    let title = title.replace("**", "").replace("__", "");
    let title = one_line(&title);
    let title = title
        .trim_matches(|c: char| c == '_' || c == '#' || c.is_whitespace())
        .trim_end_matches(':')
        .trim();
    if title.chars().count() <= MAX_TITLE_CHARS {
        return title.to_string();
    }
    let cut: String = title.chars().take(MAX_TITLE_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

// ---- findings listed in review bodies ----------------------------------------------

/// CodeRabbit's per-file blocks (`<summary>src/lib.rs (2)</summary>`), each holding
/// items that start with `` `12-15`: **Title** ``.
fn coderabbit_files(inner: &str, default: Severity, found: &mut Vec<Listed>) {
    static ITEM: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m)^\s*`(\d+)(?:-(\d+))?`\s*:\s*").expect("valid pattern"));
    for file in details(inner) {
        let path = file
            .summary
            .rsplit_once(" (")
            .map_or(file.summary.as_str(), |(path, _)| path)
            .trim()
            .trim_matches('`')
            .to_string();
        if path.is_empty() || path.contains(char::is_whitespace) {
            continue;
        }
        let starts: Vec<regex::Captures> = ITEM.captures_iter(&file.inner).collect();
        for (k, item) in starts.iter().enumerate() {
            let Some(whole) = item.get(0) else { continue };
            let end = starts
                .get(k + 1)
                .and_then(|next| next.get(0))
                .map_or(file.inner.len(), |m| m.start());
            let number = |i: usize| item.get(i).and_then(|m| m.as_str().parse::<u64>().ok());
            let lines = number(1).map(|start| (start, number(2).unwrap_or(start).max(start)));
            if let Some(read) = read_with_default(&file.inner[whole.end()..end], default) {
                found.push(Listed {
                    path: Some(path.clone()),
                    lines,
                    read,
                });
            }
        }
    }
}

/// Copilot's suppressed comments: `**path:12**` (or `**path:12-14**`) then the text.
fn copilot_suppressed(inner: &str, found: &mut Vec<Listed>) {
    static PLACE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?m)^\s*\*\*\s*([^*\s:]+):(\d+)(?:-(\d+))?\s*\*\*\s*$").expect("valid pattern")
    });
    let places: Vec<regex::Captures> = PLACE.captures_iter(inner).collect();
    for (k, place) in places.iter().enumerate() {
        let Some(whole) = place.get(0) else { continue };
        let end = places
            .get(k + 1)
            .and_then(|next| next.get(0))
            .map_or(inner.len(), |m| m.start());
        let number = |i: usize| place.get(i).and_then(|m| m.as_str().parse::<u64>().ok());
        let lines = number(2).map(|start| (start, number(3).unwrap_or(start).max(start)));
        let text = inner[whole.end()..end].trim();
        let text = text
            .strip_prefix("* ")
            .or_else(|| text.strip_prefix("- "))
            .unwrap_or(text);
        if let Some(read) = read_with_default(text, Severity::Suggestion) {
            found.push(Listed {
                path: place.get(1).map(|m| m.as_str().to_string()),
                lines,
                read,
            });
        }
    }
}

/// Sourcery's high-level feedback: the top-level bullets of its review body (its
/// individual comments are inline, and repeated in the prompt block, which is dropped).
fn sourcery_overall(body: &str, found: &mut Vec<Listed>) {
    let text = strip_boilerplate(body);
    let mut bullets: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            bullets.push(item.to_string());
        } else if let Some(last) = bullets.last_mut().filter(|_| line.starts_with("  ")) {
            last.push('\n');
            last.push_str(line.trim());
        } else if !line.trim().is_empty() {
            // Prose between lists ends the bullet before it.
            bullets.push(String::new());
        }
    }
    for bullet in bullets.iter().filter(|b| !b.trim().is_empty()) {
        if let Some(read) = read_with_default(bullet, Severity::Suggestion) {
            found.push(Listed {
                path: None,
                lines: None,
                read,
            });
        }
    }
}

#[cfg(test)]
mod tests;
