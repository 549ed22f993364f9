//! Rendering a [`Report`]: `REVIEW.md` (the seed's layout, SPEC section 6),
//! `report.json`, SARIF 2.1.0, and a minimal HTML page. Pure functions from values to
//! text; none of them fails, whatever the report holds.

mod markdown;
mod sarif;
pub(crate) mod text;

pub use sarif::{FINGERPRINT_KEY, SARIF_SCHEMA_URI};

use crate::options::Format;
use crate::report::Report;

/// An original review for the appendix.
#[derive(Debug, Clone)]
pub struct RawReview {
    pub reviewer: String,
    pub display: String,
    pub text: String,
}

/// `REVIEW.md`: the report in the seed's layout, with every original review in the
/// appendix (headings nested under the reviewer's name, code blocks untouched).
pub fn render_markdown(report: &Report, appendix: &[RawReview]) -> String {
    markdown::render(report, appendix)
}

/// `report.json`: pretty JSON with a trailing newline.
pub fn render_json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        // `Report` holds only strings, numbers, maps and lists (non-finite floats become
        // `null`), so this cannot happen; still, never panic and stay valid JSON.
        serde_json::json!({"error": format!("cannot serialise the report: {e}")}).to_string()
    });
    out.push('\n');
    out
}

/// SARIF 2.1.0: one run, one result per finding (see [`sarif`] for the mapping).
pub fn render_sarif(report: &Report) -> String {
    sarif::render(report)
}

/// A minimal self-contained HTML page: the `REVIEW.md` text, escaped, in a `<pre>`.
/// Placeholder until a real HTML renderer exists; it is complete and safe to open.
pub fn render_html(report: &Report, appendix: &[RawReview]) -> String {
    let md = render_markdown(report, appendix);
    let title = html_escape(&crate::prose::one_line(
        report.title.as_deref().unwrap_or(&report.id),
    ));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Deep Review: {title}</title>\n<style>body{{max-width:60rem;margin:2rem auto;padding:0 1rem;font-family:system-ui,sans-serif}}pre{{white-space:pre-wrap;word-wrap:break-word;font-size:0.9rem;line-height:1.4}}</style>\n</head>\n<body>\n<pre>{}</pre>\n</body>\n</html>\n",
        html_escape(&md)
    )
}

/// Renders `format`; the text to write into [`Format::file_name`].
pub fn render(format: Format, report: &Report, appendix: &[RawReview]) -> String {
    match format {
        Format::Markdown => render_markdown(report, appendix),
        Format::Json => render_json(report),
        Format::Sarif => render_sarif(report),
        Format::Html => render_html(report, appendix),
    }
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
