//! Keeping untrusted text from breaking a rendered layout: table cells, Markdown heading
//! nesting and fence repair. The prose helpers the renderers share with the narrative
//! (counts, durations, one-line text, inline code) are in [`crate::prose`].

use std::borrow::Cow;

use crate::prose::{one_line, Fence};

/// A value for a Markdown table cell: one line, pipes escaped.
pub(crate) fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

/// An ATX heading line's level (1–6) and its text; `None` for anything else (7 or more
/// `#` is not a heading in CommonMark).
fn atx_heading(line: &str) -> Option<(usize, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let after = &rest[hashes..];
    if after.is_empty() || after.starts_with(' ') || after.starts_with('\t') {
        Some((hashes, after.trim()))
    } else {
        None
    }
}

/// A setext underline (`===` or `---` alone on a line): the level it gives.
fn setext_underline(line: &str) -> Option<usize> {
    let t = line.trim_end();
    let indent = t.len() - t.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let t = t.trim_start();
    if !t.is_empty() && t.chars().all(|c| c == '=') {
        Some(1)
    } else if !t.is_empty() && t.chars().all(|c| c == '-') {
        Some(2)
    } else {
        None
    }
}

/// True when a line could be the text of a setext heading (a plain paragraph line).
fn plain_paragraph_line(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() || line.starts_with("    ") || line.starts_with('\t') {
        return false;
    }
    let starts_block = t.starts_with('>')
        || t.starts_with('|')
        || t.starts_with('<')
        || t.starts_with("- ")
        || t.starts_with("* ")
        || t.starts_with("+ ")
        || t == "-"
        || t == "*"
        || atx_heading(line).is_some()
        || Fence::read(line).is_some()
        || setext_underline(line).is_some();
    let ordered = {
        let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        digits > 0 && (t[digits..].starts_with(". ") || t[digits..].starts_with(") "))
    };
    !(starts_block || ordered)
}

/// A block that only ends at a closing line: a code fence, or one of the raw-HTML
/// blocks CommonMark ends at a marker (`<pre>`/`<script>`/`<style>`/`<textarea>`,
/// comments, processing instructions, CDATA). Left open, either swallows the rest of the
/// document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Fence(char, usize),
    Html(&'static str),
}

impl Block {
    /// The line that closes the block when the text forgot to.
    fn closer(self) -> String {
        match self {
            Block::Fence(ch, len) => ch.to_string().repeat(len),
            Block::Html(end) => end.to_string(),
        }
    }
}

/// The raw-HTML block a line opens, as the marker that ends it; `None` when the line
/// opens none or closes it again itself.
fn html_block_start(line: &str) -> Option<&'static str> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = line[indent..].to_ascii_lowercase();
    let end: &'static str = if ["<pre", "<script", "<style", "<textarea"]
        .iter()
        .any(|tag| {
            rest.strip_prefix(tag)
                .is_some_and(|after| after.is_empty() || after.starts_with([' ', '\t', '>']))
        }) {
        "</pre>"
    } else if rest.starts_with("<!--") {
        "-->"
    } else if rest.starts_with("<![cdata[") {
        "]]>"
    } else if rest.starts_with("<?") {
        "?>"
    } else {
        return None;
    };
    let closed = if end == "</pre>" {
        html_type1_ends(&rest)
    } else {
        rest.get(2..).is_some_and(|r| r.contains(end))
    };
    (!closed).then_some(end)
}

fn html_type1_ends(lower: &str) -> bool {
    ["</pre>", "</script>", "</style>", "</textarea>"]
        .iter()
        .any(|end| lower.contains(end))
}

/// Which lines are inside a fence or raw-HTML block, the block still open at the end,
/// and the shallowest heading level outside blocks (`usize::MAX` when there is none).
fn scan(lines: &[&str]) -> (Vec<bool>, Option<Block>, usize) {
    let mut in_block = vec![false; lines.len()];
    let mut open: Option<Block> = None;
    let mut shallowest = usize::MAX;
    for (i, line) in lines.iter().enumerate() {
        match open {
            Some(Block::Fence(ch, len)) => {
                in_block[i] = true;
                if Fence::read(line).is_some_and(|f| f.closes(ch, len)) {
                    open = None;
                }
            }
            Some(Block::Html(end)) => {
                in_block[i] = true;
                let lower = line.to_ascii_lowercase();
                let ends = if end == "</pre>" {
                    html_type1_ends(&lower)
                } else {
                    lower.contains(end)
                };
                if ends {
                    open = None;
                }
            }
            None => {
                if let Some(f) = Fence::read(line) {
                    in_block[i] = true;
                    open = Some(Block::Fence(f.ch, f.len));
                } else if let Some(end) = html_block_start(line) {
                    in_block[i] = true;
                    open = Some(Block::Html(end));
                } else if let Some((level, _)) = atx_heading(line) {
                    shallowest = shallowest.min(level);
                } else if let Some(level) = setext_underline(line) {
                    let prev_plain =
                        i > 0 && !in_block[i - 1] && plain_paragraph_line(lines[i - 1]);
                    if prev_plain {
                        shallowest = shallowest.min(level);
                    }
                }
            }
        }
    }
    (in_block, open, shallowest)
}

/// The lines of a Markdown document that are outside fences and raw-HTML blocks (what
/// can be a heading of the document itself).
#[cfg(test)]
pub(crate) fn top_level_lines(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let (in_block, _, _) = scan(&lines);
    lines
        .into_iter()
        .zip(in_block)
        .filter(|(_, inside)| !inside)
        .map(|(line, _)| line)
        .collect()
}

/// Moves every heading of `text` down so the shallowest one lands at `top` (never up),
/// keeping the review's own hierarchy; levels past 6 stay at 6. `#` lines inside
/// fenced code are left alone, setext headings become ATX ones (a `---` under a line of
/// text would otherwise be a level-2 heading in the middle of the appendix), CRLF
/// becomes LF, and a fence or raw-HTML block left open is closed so it cannot swallow
/// what follows.
pub(crate) fn nest_headings(text: &str, top: usize) -> String {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();

    let (in_block, open, shallowest) = scan(&lines);
    let shift = if shallowest == usize::MAX {
        0
    } else {
        top.saturating_sub(shallowest)
    };

    // Lines are borrowed unless a heading is rewritten.
    let mut out: Vec<Cow<str>> = Vec::with_capacity(lines.len() + 1);
    for (i, line) in lines.iter().enumerate() {
        if in_block[i] {
            out.push(Cow::Borrowed(line));
            continue;
        }
        if let Some((level, title)) = atx_heading(line) {
            let title = title.trim_end_matches('#').trim_end();
            out.push(Cow::Owned(format!(
                "{} {title}",
                "#".repeat((level + shift).min(6))
            )));
            continue;
        }
        if let Some(level) = setext_underline(line) {
            let prev_plain = i > 0 && !in_block[i - 1] && plain_paragraph_line(lines[i - 1]);
            if prev_plain {
                if let Some(prev) = out.pop() {
                    out.push(Cow::Owned(format!(
                        "{} {}",
                        "#".repeat((level + shift).min(6)),
                        prev.trim()
                    )));
                    continue;
                }
            }
        }
        out.push(Cow::Borrowed(line));
    }
    if let Some(block) = open {
        out.push(Cow::Owned(block.closer()));
    }
    out.join("\n")
}

/// Indents every line but the first by `n` spaces (continuing a list item).
pub(crate) fn indent_continuation(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.trim().is_empty() {
                out.push_str(&pad);
            }
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }

    #[test]
    fn nesting_keeps_hierarchy_and_code() {
        let check = |input: &str, top: usize, expected: &str| {
            assert_eq!(nest_headings(input, top), expected, "input: {input:?}");
        };
        check("# A\n## B\ntext", 4, "#### A\n##### B\ntext");
        check("### A\n#### B", 4, "#### A\n##### B");
        check(
            "# A\n#### deep\n###### deepest",
            4,
            "#### A\n###### deep\n###### deepest",
        );
        check(
            "```\n# not a heading\n```\n# H",
            4,
            "```\n# not a heading\n```\n#### H",
        );
        check(
            "~~~~md\n## in code\n~~~\n## still code\n~~~~\n## H",
            4,
            "~~~~md\n## in code\n~~~\n## still code\n~~~~\n#### H",
        );
        check("####### seven\n# H", 4, "####### seven\n#### H");
        check("#hashtag\n# H", 4, "#hashtag\n#### H");
        check("# H\r\ntext\r\n", 4, "#### H\ntext\n");
        check("Title\n===\n\nSub\n---\nx", 4, "#### Title\n\n##### Sub\nx");
        check("text\n\n---\n\n# H", 4, "text\n\n---\n\n#### H");
        check("- item\n---", 4, "- item\n---");
        check(
            "```go\nfunc main() {\n# H",
            4,
            "```go\nfunc main() {\n# H\n```",
        );
        check("## Closing #s ##", 4, "#### Closing #s");
        check("no headings", 4, "no headings");
        check("##### already deep", 4, "##### already deep");
    }

    #[test]
    fn open_blocks_are_closed() {
        let check = |input: &str, expected: &str| {
            assert_eq!(nest_headings(input, 4), expected, "input: {input:?}");
        };
        check("a\n```rust\nfn x()", "a\n```rust\nfn x()\n```");
        check("```\nx\n```\n", "```\nx\n```\n");
        check("a\r\nb", "a\nb");
        check(
            "<!-- note\n# not a heading",
            "<!-- note\n# not a heading\n-->",
        );
        check("<!-- closed -->\n# H", "<!-- closed -->\n#### H");
        check("<PRE>\n# raw\n</pre>\n# H", "<PRE>\n# raw\n</pre>\n#### H");
        check("<script>\nlet x;", "<script>\nlet x;\n</pre>");
        check("<details>\n# H", "<details>\n#### H");
    }
}
