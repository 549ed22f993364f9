//! A small line-based Markdown reader, just enough for reviews: fenced code blocks,
//! ATX headings of any depth (`#######` included), bold pseudo-headings, list items and
//! paragraphs. Everything is linear in the size of the text. Fences are read indented
//! any amount ([`Fence::read_indented`]): reviewers nest code blocks in list items.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::Diagnostic;
use crate::prose::{one_line, Fence};

/// What a line is, once fences are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineKind {
    Text,
    /// A fence line (opening or closing) of a code block.
    Fence,
    /// A line inside a fenced code block.
    Code,
    /// An ATX heading (or a bold pseudo-heading); `level` counts the `#`s.
    Heading {
        level: usize,
        text: String,
    },
}

#[derive(Debug)]
pub(crate) struct Doc<'a> {
    pub lines: Vec<&'a str>,
    pub kinds: Vec<LineKind>,
}

static HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^ {0,3}(#+)(?:[ \t]+(.*?))?[ \t]*$").expect("static regex"));
static CLOSING_HASHES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[ \t]+#+$").expect("static regex"));
static BOLD_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s{0,3}(?:\*\*|__)([^*_]{1,80})(?:\*\*|__)\s*:?\s*$").expect("static regex")
});
static LIST_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\s*)([-*+]|[0-9]{1,4}[.)])(\s+)(\S.*)?$").expect("static regex")
});

impl<'a> Doc<'a> {
    /// Splits `text` into lines and classifies them. A fence that is never closed is
    /// read as plain text (with a diagnostic), so a truncated review keeps its headings.
    /// `pseudo_heading` decides whether a bold-only line (`**Concerns**`) is a heading.
    pub fn new(
        text: &'a str,
        pseudo_heading: impl Fn(&str) -> bool,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Doc<'a> {
        let lines: Vec<&str> = text.lines().collect();
        // For each line, the longest closing fence of each kind at or after it, so an
        // opener that can never close is known in one backward pass.
        let mut max_close_after: Vec<(usize, usize)> = vec![(0, 0); lines.len() + 1];
        for i in (0..lines.len()).rev() {
            let (mut bt, mut tl) = max_close_after[i + 1];
            if let Some(f) = Fence::read_indented(lines[i]).filter(|f| f.info.is_empty()) {
                if f.ch == '`' {
                    bt = bt.max(f.len);
                } else {
                    tl = tl.max(f.len);
                }
            }
            max_close_after[i] = (bt, tl);
        }
        let mut kinds = Vec::with_capacity(lines.len());
        let mut open: Option<(char, usize)> = None;
        let mut last_heading_level = 0usize;
        for (i, line) in lines.iter().enumerate() {
            if let Some((ch, run)) = open {
                if Fence::read_indented(line).is_some_and(|f| f.closes(ch, run)) {
                    open = None;
                    kinds.push(LineKind::Fence);
                    continue;
                }
                kinds.push(LineKind::Code);
                continue;
            }
            if let Some(Fence { ch, len: run, .. }) = Fence::read_indented(line) {
                let (bt, tl) = max_close_after[i + 1];
                let can_close = if ch == '`' { bt >= run } else { tl >= run };
                if can_close {
                    open = Some((ch, run));
                    kinds.push(LineKind::Fence);
                } else {
                    diagnostics.push(Diagnostic {
                        line: Some(i + 1),
                        message: "code fence is never closed; read as text".to_string(),
                    });
                    kinds.push(LineKind::Text);
                }
                continue;
            }
            // Literal checks first: most lines are neither, and a regex capture has a
            // cost even when it fails.
            let lead = line.trim_start();
            if let Some(c) = lead
                .starts_with('#')
                .then(|| HEADING.captures(line))
                .flatten()
            {
                let level = c.get(1).map_or(1, |m| m.as_str().len());
                let raw = c.get(2).map_or("", |m| m.as_str());
                let text = CLOSING_HASHES.replace(raw, "").trim().to_string();
                last_heading_level = level;
                kinds.push(LineKind::Heading { level, text });
                continue;
            }
            if let Some(c) = (lead.starts_with("**") || lead.starts_with("__"))
                .then(|| BOLD_LINE.captures(line))
                .flatten()
            {
                let inner = c.get(1).map_or("", |m| m.as_str()).trim();
                if pseudo_heading(inner) {
                    kinds.push(LineKind::Heading {
                        level: last_heading_level + 1,
                        text: inner.to_string(),
                    });
                    continue;
                }
            }
            kinds.push(LineKind::Text);
        }
        Doc { lines, kinds }
    }

    pub fn is_code(&self, i: usize) -> bool {
        matches!(self.kinds.get(i), Some(LineKind::Code | LineKind::Fence))
    }
}

/// A list item marker: (indent, marker, content column, content).
pub(crate) fn list_item(line: &str) -> Option<(usize, &str, usize, &str)> {
    let marker = line.trim_start().chars().next()?;
    if !(matches!(marker, '-' | '*' | '+') || marker.is_ascii_digit()) {
        return None;
    }
    let c = LIST_ITEM.captures(line)?;
    let indent_str = c.get(1)?.as_str();
    let indent = indent_width(indent_str);
    let marker = c.get(2)?.as_str();
    let gap = c.get(3)?.as_str();
    let content = c.get(4).map_or("", |m| m.as_str());
    // `**bold**` is not a `*` list item.
    if marker == "*" && gap.is_empty() {
        return None;
    }
    Some((
        indent,
        marker,
        indent + marker.len() + gap.len().min(4),
        content,
    ))
}

pub(crate) fn indent_width(s: &str) -> usize {
    s.chars()
        .take_while(|c| c.is_whitespace())
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

/// A block of a section: a paragraph, one top-level list item (with everything nested
/// in it), a table, a code block, or a separator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Paragraph,
    ListItem,
    Table,
    Code,
}

#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub kind: BlockKind,
    /// Index (in the document) of the block's first line.
    pub start: usize,
    /// The block's lines; a list item's first line has its marker removed and the
    /// rest are dedented to its content column.
    pub text: String,
}

/// Splits a run of document lines into blocks. `line_ids` are document line indices in
/// order (they need not be contiguous).
pub(crate) fn blocks(doc: &Doc<'_>, line_ids: &[usize]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut base_indent: Option<usize> = None;
    let mut k = 0;
    while k < line_ids.len() {
        let i = line_ids[k];
        let line = doc.lines.get(i).copied().unwrap_or("");
        if matches!(doc.kinds.get(i), Some(LineKind::Heading { .. })) || line.trim().is_empty() {
            k += 1;
            continue;
        }
        if is_rule(line) {
            k += 1;
            continue;
        }
        if doc.is_code(i) {
            let start = i;
            let mut text = Vec::new();
            while k < line_ids.len() && doc.is_code(line_ids[k]) {
                text.push(doc.lines[line_ids[k]]);
                k += 1;
                // A fence closes the block when it is not the first line.
                if text.len() > 1 && doc.kinds.get(line_ids[k - 1]) == Some(&LineKind::Fence) {
                    break;
                }
            }
            out.push(Block {
                kind: BlockKind::Code,
                start,
                text: text.join("\n"),
            });
            continue;
        }
        if line.trim_start().starts_with('|') {
            let start = i;
            let mut text = Vec::new();
            while k < line_ids.len() && doc.lines[line_ids[k]].trim_start().starts_with('|') {
                text.push(doc.lines[line_ids[k]].trim());
                k += 1;
            }
            out.push(Block {
                kind: BlockKind::Table,
                start,
                text: text.join("\n"),
            });
            continue;
        }
        if let Some((indent, _, content_col, content)) = list_item(line) {
            let base = *base_indent.get_or_insert(indent);
            if indent <= base + 1 {
                let start = i;
                let mut text = vec![content.to_string()];
                k += 1;
                let mut prev_blank = false;
                while k < line_ids.len() {
                    let j = line_ids[k];
                    let l = doc.lines[j];
                    if matches!(doc.kinds.get(j), Some(LineKind::Heading { .. })) {
                        break;
                    }
                    if l.trim().is_empty() {
                        prev_blank = true;
                        text.push(String::new());
                        k += 1;
                        continue;
                    }
                    let ind = indent_width(l);
                    let sibling =
                        !doc.is_code(j) && list_item(l).is_some_and(|(ind2, ..)| ind2 <= base + 1);
                    if sibling {
                        break;
                    }
                    let continues = doc.is_code(j) || ind > base || !prev_blank;
                    if !continues || (!doc.is_code(j) && is_rule(l)) {
                        break;
                    }
                    text.push(dedent(l, content_col));
                    prev_blank = false;
                    k += 1;
                }
                while text.last().is_some_and(|t| t.trim().is_empty()) {
                    text.pop();
                }
                out.push(Block {
                    kind: BlockKind::ListItem,
                    start,
                    text: text.join("\n"),
                });
                continue;
            }
        }
        // Paragraph: up to a blank line or another block start.
        let start = i;
        let mut text = Vec::new();
        while k < line_ids.len() {
            let j = line_ids[k];
            let l = doc.lines[j];
            if l.trim().is_empty()
                || doc.is_code(j)
                || matches!(doc.kinds.get(j), Some(LineKind::Heading { .. }))
                || (!text.is_empty() && (list_item(l).is_some() || l.trim_start().starts_with('|')))
                || is_rule(l)
            {
                break;
            }
            text.push(l.trim());
            k += 1;
        }
        if text.is_empty() {
            k += 1;
            continue;
        }
        out.push(Block {
            kind: BlockKind::Paragraph,
            start,
            text: text.join("\n"),
        });
    }
    out
}

/// `---`, `***`, `___` (a thematic break).
pub(crate) fn is_rule(line: &str) -> bool {
    // Every line is asked: told at its first mark that is not a rule's.
    let mut marks = line.chars().filter(|c| !c.is_whitespace());
    let Some(first) = marks.next().filter(|c| matches!(c, '-' | '*' | '_')) else {
        return false;
    };
    let mut count = 1;
    for mark in marks {
        if mark != first {
            return false;
        }
        count += 1;
    }
    count >= 3
}

/// Removes up to `cols` columns of leading whitespace.
pub(crate) fn dedent(line: &str, cols: usize) -> String {
    let mut removed = 0;
    let mut idx = 0;
    for (i, c) in line.char_indices() {
        if removed >= cols || !c.is_whitespace() {
            idx = i;
            break;
        }
        removed += if c == '\t' { 4 } else { 1 };
        idx = i + c.len_utf8();
    }
    line.get(idx..).unwrap_or("").to_string()
}

/// The code blocks of a Markdown body: (info string, contents).
pub(crate) fn code_blocks(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize, String, Vec<&str>)> = None;
    for line in body.lines() {
        match &mut open {
            Some((ch, run, info, acc)) => {
                if Fence::read_indented(line).is_some_and(|f| f.closes(*ch, *run)) {
                    out.push((std::mem::take(info), acc.join("\n")));
                    open = None;
                    continue;
                }
                acc.push(line);
            }
            None => {
                if let Some(f) = Fence::read_indented(line) {
                    open = Some((f.ch, f.len, f.info.to_string(), Vec::new()));
                }
            }
        }
    }
    out
}

/// Snippets for verification: contents of non-diff code blocks; for diff blocks the
/// context and removed lines, split where the reviewer elided lines.
pub(crate) fn snippets(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (info, code) in code_blocks(body) {
        let lang = info
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        // GitHub's `suggestion` block is the proposed replacement, never a quote of
        // the code as it is.
        if lang == "suggestion" {
            continue;
        }
        if lang == "diff" || lang == "patch" {
            let mut run: Vec<&str> = Vec::new();
            for line in code.lines() {
                let elided = is_elision(line) || line.starts_with("@@");
                if line.starts_with("+++") || line.starts_with("---") {
                    continue;
                }
                if elided {
                    push_snippet(&mut out, &run);
                    run.clear();
                } else if let Some(rest) = line.strip_prefix(' ').or_else(|| line.strip_prefix('-'))
                {
                    run.push(rest);
                } else if line.is_empty() {
                    run.push("");
                }
            }
            push_snippet(&mut out, &run);
        } else {
            let mut run: Vec<&str> = Vec::new();
            for line in code.lines() {
                if is_elision(line) {
                    push_snippet(&mut out, &run);
                    run.clear();
                } else {
                    run.push(line);
                }
            }
            push_snippet(&mut out, &run);
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
}

/// A line standing for omitted code: `...`, `// ...`, `# ...`, `/* ... */`.
fn is_elision(line: &str) -> bool {
    let t = line
        .trim()
        .trim_start_matches(['/', '#', '*', '-', '<', '!', ' '])
        .trim_end_matches(['/', '*', '>', '-', ' '])
        .trim();
    matches!(t, "..." | "…" | "[...]" | "(...)")
}

fn push_snippet(out: &mut Vec<String>, run: &[&str]) {
    let s = run.join("\n");
    if !s.trim().is_empty() {
        out.push(s);
    }
}

/// The first sentence of some prose (backtick spans and common abbreviations kept whole).
pub(crate) fn first_sentence(text: &str) -> &str {
    let t = text.trim();
    let mut in_code = false;
    let chars: Vec<(usize, char)> = t.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if c == '`' {
            in_code = !in_code;
            continue;
        }
        if c == '\n' && chars.get(k + 1).is_some_and(|&(_, n)| n == '\n') {
            return t[..i].trim();
        }
        if in_code || !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let next = chars.get(k + 1).map(|&(_, n)| n);
        if !next.is_none_or(char::is_whitespace) {
            continue;
        }
        let before = &t[..i];
        let word = before
            .rsplit(|ch: char| ch.is_whitespace() || ch == '(')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(
            word.as_str(),
            "e.g" | "i.e" | "etc" | "vs" | "cf" | "approx" | "no" | "fig"
        ) || word.len() == 1 && word.chars().all(|ch| ch.is_alphabetic())
        {
            continue;
        }
        return t[..i + c.len_utf8()].trim();
    }
    t
}

/// The longest title taken from a reviewer's sentence: a one-sentence title is shown
/// whole up to this length, and only a run-on text is cut (at a word, with `…`).
pub(crate) const TITLE_MAX: usize = 240;

/// Shortens a title to about `max` characters at a word boundary.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let flat = one_line(text);
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut = String::new();
    for word in flat.split(' ') {
        if cut.chars().count() + word.chars().count() + 1 > max {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
        }
        cut.push_str(word);
    }
    if cut.is_empty() {
        cut = flat.chars().take(max).collect();
    }
    format!("{}…", cut.trim_end_matches([',', ';', ':']))
}

/// Removes emphasis markers around a whole string and trims it.
pub(crate) fn strip_emphasis(s: &str) -> &str {
    let mut t = s.trim();
    loop {
        let before = t;
        for m in ["**", "__", "*", "_"] {
            if t.len() >= 2 * m.len() && t.starts_with(m) && t.ends_with(m) {
                t = t[m.len()..t.len() - m.len()].trim();
            }
        }
        if t == before {
            return t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> (Vec<LineKind>, Vec<Diagnostic>) {
        let mut d = Vec::new();
        let doc = Doc::new(text, |s| s == "Concerns", &mut d);
        (doc.kinds, d)
    }

    #[test]
    fn headings_of_any_depth_and_not_in_code() {
        let (kinds, diags) = doc("####### Deep\n```\n# not\n```\n#nope\n**Concerns**\n# Top #");
        assert_eq!(
            kinds,
            vec![
                LineKind::Heading {
                    level: 7,
                    text: "Deep".into()
                },
                LineKind::Fence,
                LineKind::Code,
                LineKind::Fence,
                LineKind::Text,
                LineKind::Heading {
                    level: 8,
                    text: "Concerns".into()
                },
                LineKind::Heading {
                    level: 1,
                    text: "Top".into()
                },
            ]
        );
        assert!(diags.is_empty());
    }

    #[test]
    fn unclosed_fence_is_text() {
        let (kinds, diags) = doc("```rust\nlet x = 1;\n## Still a heading");
        assert_eq!(kinds[0], LineKind::Text);
        assert!(matches!(kinds[2], LineKind::Heading { level: 2, .. }));
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn sentences_and_titles() {
        let cases = [
            ("No tests are added. Ranked by risk:", "No tests are added."),
            ("Use `a.b()`. Then more.", "Use `a.b()`."),
            (
                "It lacks docs (e.g. the API). Next.",
                "It lacks docs (e.g. the API).",
            ),
            ("No period at all", "No period at all"),
        ];
        for (input, want) in cases {
            assert_eq!(first_sentence(input), want);
        }
        assert_eq!(shorten("one two three four", 10), "one two…");
    }

    #[test]
    fn diff_snippets_keep_context_and_removed_lines() {
        let body = "```diff\n fn a() {\n-    old();\n+    new();\n }\n```\n```py\nx = 1\n```";
        assert_eq!(
            snippets(body),
            vec!["fn a() {\n    old();\n}".to_string(), "x = 1".into()]
        );
        // A suggestion block is the fix, not a quote to look for at the head.
        assert_eq!(
            snippets("```suggestion\nlet pending = 1;\n```\n```rust\nlet tmp2 = 1;\n```"),
            vec!["let tmp2 = 1;".to_string()]
        );
    }
}
