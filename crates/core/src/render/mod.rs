//! Rendering a [`Report`]: `REVIEW.md` (the seed's layout, SPEC section 6),
//! `report.json`, SARIF 2.1.0, and a self-contained HTML page. Pure functions from values to
//! text; none of them fails, whatever the report holds. Whoever wrote a text (a
//! reviewer may quote a key), no secret comes out of them: JSON strings are masked
//! before they are encoded ([`crate::secrets::to_masked_json`]), HTML text before it is
//! escaped, and the Markdown and HTML pages are masked whole as well.

pub mod format;
pub(crate) mod html;
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
    crate::secrets::masked(markdown::render(report, appendix))
}

/// `report.json`: pretty JSON with a trailing newline.
pub fn render_json(report: &Report) -> String {
    let mut out = crate::secrets::to_masked_json(report).unwrap_or_else(|e| {
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

/// `REVIEW.html`: one self-contained page (inline CSS and JS, nothing fetched) with
/// finding cards filterable by severity and reviewer, the reviewers' contribution as an
/// SVG chart, the retro table, and the rest folded; all reviewer text escaped.
pub fn render_html(report: &Report, appendix: &[RawReview]) -> String {
    crate::secrets::masked(html::render(report, appendix))
}

/// `deep-review stats --html`: the reviewer leaderboard as a self-contained page.
pub fn render_stats_html(stats: &crate::history::StatsReport) -> String {
    html::stats::render(stats)
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

/// [`render`] written into `out`; `report.json` goes out as it is encoded instead of
/// whole (it is the largest file).
pub fn write(
    format: Format,
    report: &Report,
    appendix: &[RawReview],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if format != Format::Json {
        return out.write_all(render(format, report, appendix).as_bytes());
    }
    crate::secrets::write_masked_json(&mut *out, report).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests;
