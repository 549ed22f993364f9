//! Reviewer Markdown shown safely: a small subset rendered to HTML, everything else
//! escaped as the text it is.

use std::sync::OnceLock;

use regex::Regex;

use super::page::escape;
use crate::prose::Fence;

pub(super) fn markdown_or_none(text: &str) -> String {
    if text.trim().is_empty() {
        "<p class=\"none\">None.</p>\n".to_string()
    } else {
        markdown(text)
    }
}

/// A small, safe subset of Markdown: fenced code blocks (escaped, in `<pre><code>`),
/// paragraphs, bullet and numbered lists, headings as bold lines, inline code and bold.
/// Anything else (links, raw HTML, images) is shown as the text it is.
pub(super) fn markdown(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut para: Vec<&str> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    let mut ordered = false;
    let flush = |out: &mut String, para: &mut Vec<&str>, list: &mut Vec<String>, ordered: bool| {
        if !para.is_empty() {
            out.push_str(&format!("<p>{}</p>\n", inline(&para.join("\n"))));
            para.clear();
        }
        if !list.is_empty() {
            let tag = if ordered { "ol" } else { "ul" };
            out.push_str(&format!("<{tag}>{}</{tag}>\n", list.concat()));
            list.clear();
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(open) = Fence::read_indented(line) {
            flush(&mut out, &mut para, &mut list, ordered);
            let end = (i + 1..lines.len())
                .find(|&j| {
                    Fence::read_indented(lines[j]).is_some_and(|f| f.closes(open.ch, open.len))
                })
                .unwrap_or(lines.len());
            let indent = leading_blanks(line).len();
            let code: Vec<&str> = lines[i + 1..end]
                .iter()
                .map(|l| &l[leading_blanks(l).len().min(indent)..])
                .collect();
            let code = dedent(&code);
            let lang: String = open
                .info
                .split_whitespace()
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
                .take(20)
                .collect();
            let class = if lang.is_empty() {
                String::new()
            } else {
                format!(" class=\"language-{lang}\"")
            };
            out.push_str(&format!(
                "<pre><code{class}>{}</code></pre>\n",
                escape(&code)
            ));
            i = end + 1;
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush(&mut out, &mut para, &mut list, ordered);
        } else if let Some(rest) = heading(trimmed) {
            flush(&mut out, &mut para, &mut list, ordered);
            out.push_str(&format!(
                "<p class=\"h\"><strong>{}</strong></p>\n",
                inline(rest)
            ));
        } else if let Some((item, is_ordered)) = list_item(trimmed) {
            if !para.is_empty() || (!list.is_empty() && ordered != is_ordered) {
                flush(&mut out, &mut para, &mut list, ordered);
            }
            ordered = is_ordered;
            list.push(format!("<li>{}</li>", inline(item)));
        } else if !list.is_empty() && line.starts_with(' ') {
            // A list item's continuation line.
            if let Some(last) = list.pop() {
                let open = last.trim_end_matches("</li>");
                list.push(format!("{open} {}</li>", inline(trimmed)));
            }
        } else {
            if !list.is_empty() {
                flush(&mut out, &mut para, &mut list, ordered);
            }
            para.push(trimmed);
        }
        i += 1;
    }
    flush(&mut out, &mut para, &mut list, ordered);
    out
}

/// The spaces and tabs a line starts with (ASCII, so slicing after them is safe).
fn leading_blanks(line: &str) -> &str {
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// `lines` without the indentation all their non-blank lines share (a snippet quoted
/// from inside a function starts at the left margin).
fn dedent(lines: &[&str]) -> String {
    let mut common: Option<&str> = None;
    for l in lines.iter().filter(|l| !l.trim().is_empty()) {
        let lead = leading_blanks(l);
        common = Some(match common {
            None => lead,
            Some(c) => {
                let n = c
                    .bytes()
                    .zip(lead.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                &c[..n]
            }
        });
    }
    let cut = common.map_or(0, str::len);
    lines
        .iter()
        .map(|l| l.get(cut..).unwrap_or("").trim_end_matches([' ', '\t']))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of an ATX heading line (`## Title`), None for other lines (`#[derive]`).
fn heading(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    let level = line.len() - rest.len();
    ((1..=6).contains(&level) && (rest.is_empty() || rest.starts_with(' ')))
        .then(|| rest.trim().trim_end_matches('#').trim())
}

/// `- x`, `* x`, `+ x` (unordered) and `1. x`, `2) x` (ordered).
fn list_item(line: &str) -> Option<(&str, bool)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some((rest.trim_start_matches("[ ] ").trim(), false));
        }
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if (1..=3).contains(&digits) {
        let rest = &line[digits..];
        if let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((rest.trim(), true));
        }
    }
    None
}

/// Inline Markdown: `` `code` `` and `**bold**`; everything escaped.
pub(super) fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let ticks = rest[start..].len() - rest[start..].trim_start_matches('`').len();
        let fence = &rest[start..start + ticks];
        let after = &rest[start + ticks..];
        match after.find(fence) {
            Some(end) => {
                out.push_str(&bold(&rest[..start]));
                out.push_str(&format!("<code>{}</code>", escape(after[..end].trim())));
                rest = &after[end + ticks..];
            }
            None => {
                out.push_str(&bold(&rest[..start + ticks]));
                rest = after;
            }
        }
    }
    out.push_str(&bold(rest));
    out
}

/// `**bold**` and `*emphasis*` in text outside code spans; escaped first, so the
/// markers are the only thing turned into tags.
fn bold(text: &str) -> String {
    static MARKS: OnceLock<Option<(Regex, Regex)>> = OnceLock::new();
    let escaped = escape(text);
    let Some((strong, em)) = MARKS.get_or_init(|| {
        Some((
            Regex::new(r"\*\*([^*\s](?:[^*]*[^*\s])?)\*\*").ok()?,
            Regex::new(r"(^|[^\w*])\*([^*\s](?:[^*]*[^*\s])?)\*([^\w*]|$)").ok()?,
        ))
    }) else {
        return escaped;
    };
    let out = strong.replace_all(&escaped, "<strong>$1</strong>");
    em.replace_all(&out, "$1<em>$2</em>$3").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_subset() {
        assert_eq!(
            markdown("Use `a<b>` **now**.\n\n- one\n- two `x`\n\n```go\nif a < b {}\n```"),
            "<p>Use <code>a&lt;b&gt;</code> <strong>now</strong>.</p>\n<ul><li>one</li><li>two <code>x</code></li></ul>\n<pre><code class=\"language-go\">if a &lt; b {}</code></pre>\n"
        );
        // An unclosed fence runs to the end; a lone `**` stays as written.
        assert_eq!(
            markdown("a ** b\n```\n<x>"),
            "<p>a ** b</p>\n<pre><code>&lt;x&gt;</code></pre>\n"
        );
        // Code keeps its relative indentation only; a non-ASCII space is code too.
        assert_eq!(
            markdown("  ```\n      if a {\n\n          b\n      }\n  ```\n```\n\u{3000}x\n```"),
            "<pre><code>if a {\n\n    b\n}</code></pre>\n<pre><code>\u{3000}x</code></pre>\n"
        );
        // Emphasis, but not a product or a glob.
        assert_eq!(
            inline("*Taken into the findings as* S2; a * b * c; `*.rs` and **x**"),
            "<em>Taken into the findings as</em> S2; a * b * c; <code>*.rs</code> and <strong>x</strong>"
        );
    }

    proptest::proptest! {
        /// Whatever a reviewer writes, the only tags in its rendering are the subset's
        /// own, and nothing panics (fences, indentation, non-ASCII spaces).
        #[test]
        fn reviewer_markdown_makes_no_tags_of_its_own(
            text in "[`*#<>\"'&~ \t\n\\-1.a-z\u{3000}\u{e9}]{0,300}"
        ) {
            let html = markdown(&text);
            let ours = Regex::new(
                r#"</?(p|ul|ol|li|pre|strong|em|code)( class="[a-z0-9_+-]+")?>"#,
            )
            .expect("regex");
            let left = ours.replace_all(&html, "");
            proptest::prop_assert!(!left.contains('<'), "{text:?} -> {html}");
            proptest::prop_assert!(!left.contains('>'), "{text:?} -> {html}");
        }
    }
}
