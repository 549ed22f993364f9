//! Small text helpers shared by the narrative and the renderers: durations, counts,
//! one-line titles, table cells, Markdown heading nesting and fence repair.

use crate::model::Severity;
use crate::report::SeverityCounts;

/// `18m 27s`, `4m 07s`, `30m`, `45s`, `1h 02m`: the retro's compact duration.
pub(crate) fn duration_short(ms: u64) -> String {
    let secs = (ms + 500) / 1000;
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}

/// `30 min 23 s`, `45 s`, `1 h 02 min`: the header's wall-clock time.
pub(crate) fn duration_long(ms: u64) -> String {
    let secs = (ms + 500) / 1000;
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min {s} s"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

/// `1C 2I 6S`, leaving out zeros; `0` when there is nothing.
pub(crate) fn counts_compact(c: &SeverityCounts) -> String {
    let parts: Vec<String> = [(c.critical, 'C'), (c.important, 'I'), (c.suggestion, 'S')]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, l)| format!("{n}{l}"))
        .collect();
    if parts.is_empty() {
        "0".to_string()
    } else {
        parts.join(" ")
    }
}

/// `1 critical issue`, `2 important issues`, `3 suggestions`.
pub(crate) fn severity_phrase(severity: Severity, n: usize) -> String {
    match (severity, n == 1) {
        (Severity::Critical, true) => "1 critical issue".to_string(),
        (Severity::Critical, false) => format!("{n} critical issues"),
        (Severity::Important, true) => "1 important issue".to_string(),
        (Severity::Important, false) => format!("{n} important issues"),
        (Severity::Suggestion, true) => "1 suggestion".to_string(),
        (Severity::Suggestion, false) => format!("{n} suggestions"),
    }
}

/// `1 item`, `3 items`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Collapses every run of whitespace (newlines included) into one space and trims.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value for a Markdown table cell: one line, pipes escaped.
pub(crate) fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

/// Inline code that survives backticks inside the text (`` `a`b` `` → ``` `` a`b `` ```).
pub(crate) fn code(text: &str) -> String {
    let text = one_line(text);
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    if longest_run == 0 {
        return format!("`{text}`");
    }
    let ticks = "`".repeat(longest_run + 1);
    format!("{ticks} {text} {ticks}")
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

/// A fence opening or closing line: the fence character and its length.
fn fence(line: &str) -> Option<(char, usize, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let ch = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = rest.len() - rest.trim_start_matches(ch).len();
    if len < 3 {
        return None;
    }
    let info = &rest[len..];
    if ch == '`' && info.contains('`') {
        return None;
    }
    Some((ch, len, info.trim()))
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
        || fence(line).is_some()
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
                if let Some((c, l, info)) = fence(line) {
                    if c == ch && l >= len && info.is_empty() {
                        open = None;
                    }
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
                if let Some((c, l, _)) = fence(line) {
                    in_block[i] = true;
                    open = Some(Block::Fence(c, l));
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

    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 1);
    for (i, line) in lines.iter().enumerate() {
        if in_block[i] {
            out.push((*line).to_string());
            continue;
        }
        if let Some((level, title)) = atx_heading(line) {
            let title = title.trim_end_matches('#').trim_end();
            out.push(format!("{} {title}", "#".repeat((level + shift).min(6))));
            continue;
        }
        if let Some(level) = setext_underline(line) {
            let prev_plain = i > 0 && !in_block[i - 1] && plain_paragraph_line(lines[i - 1]);
            if prev_plain {
                if let Some(prev) = out.pop() {
                    out.push(format!(
                        "{} {}",
                        "#".repeat((level + shift).min(6)),
                        prev.trim()
                    ));
                    continue;
                }
            }
        }
        out.push((*line).to_string());
    }
    if let Some(block) = open {
        out.push(block.closer());
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
    fn durations() {
        let check = |ms: u64, short: &str, long: &str| {
            assert_eq!(duration_short(ms), short, "short {ms}");
            assert_eq!(duration_long(ms), long, "long {ms}");
        };
        check(0, "0s", "0 s");
        check(45_200, "45s", "45 s");
        check(247_000, "4m 07s", "4 min 7 s");
        check(1_107_000, "18m 27s", "18 min 27 s");
        check(1_800_000, "30m", "30 min 0 s");
        check(1_823_000, "30m 23s", "30 min 23 s");
        check(3_600_000, "1h", "1 h 00 min");
        check(3_725_000, "1h 02m", "1 h 02 min");
    }

    #[test]
    fn compact_counts_and_phrases() {
        let c = SeverityCounts {
            critical: 1,
            important: 0,
            suggestion: 6,
        };
        assert_eq!(counts_compact(&c), "1C 6S");
        assert_eq!(counts_compact(&SeverityCounts::default()), "0");
        assert_eq!(severity_phrase(Severity::Important, 1), "1 important issue");
        assert_eq!(severity_phrase(Severity::Suggestion, 3), "3 suggestions");
        assert_eq!(
            join_and(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
        assert_eq!(join_and(&["a".into()]), "a");
    }

    #[test]
    fn cells_and_code_spans() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
        assert_eq!(code("x.rs:3"), "`x.rs:3`");
        assert_eq!(code("a`b"), "`` a`b ``");
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
